//! `policyscan merge URI`: declare a sharded dataset complete, or say which
//! shards are not.
//!
//! Nothing is copied: the dataset already is `URI/<table>/part-K-of-N.parquet`,
//! which polars, DuckDB and Spark read as one table. Merge is the check a
//! reader can trust. Every shard must have its marker, made for this plan
//! (digest), with policies + errors equal to its planned entries and a part
//! for every table; all shards must have run with the same settings (model,
//! tagger, lexicon, limits, version); and no file of another plan may sit
//! among the parts. Then it writes `_manifest.json` and, last, `_SUCCESS`.
//! Otherwise it removes any old `_SUCCESS`, names the shards to rerun, and
//! fails (exit 2), so an `afterok` merge job fails visibly.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::plan::read_meta;
use super::worker::{DoneMarker, Settings};
use super::{DONE_DIR, MANIFEST, SUCCESS, ShardError, done_key, part_key, ranges};
use crate::table::Table;

/// `_manifest.json`: what the dataset holds.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MergeReport {
    pub plan_digest: String,
    pub shards: usize,
    /// Planned entries = policies + errors.
    pub count: usize,
    pub policies: usize,
    pub errors: usize,
    /// Rows per table.
    pub rows: BTreeMap<String, u64>,
    /// Part keys per table, in shard order.
    pub parts: BTreeMap<String, Vec<String>>,
    pub settings: Settings,
}

/// Check every shard of the plan at `uri`; on success write the manifest and
/// `_SUCCESS`.
pub fn merge(uri: &str) -> Result<MergeReport, ShardError> {
    let store = super::open(uri)?;
    let meta = read_meta(&*store)?;
    let n = meta.shards;
    let present: BTreeSet<String> = store.list(DONE_DIR)?.into_iter().map(|e| e.key).collect();
    let mut missing = Vec::new();
    let mut bad: BTreeMap<usize, String> = BTreeMap::new();
    let mut markers: BTreeMap<usize, DoneMarker> = BTreeMap::new();
    for k in 0..n {
        let key = done_key(k);
        if !present.contains(&key) {
            missing.push(k);
            continue;
        }
        let Some(bytes) = store.get(&key)? else {
            missing.push(k);
            continue;
        };
        let m: DoneMarker = match serde_json::from_slice(&bytes) {
            Ok(m) => m,
            Err(e) => {
                bad.insert(k, format!("its marker is damaged ({e})"));
                continue;
            }
        };
        if m.plan_digest != meta.digest || m.shard != k || m.shards != n {
            bad.insert(k, "its marker belongs to another plan".into());
        } else if m.policies + m.errors != meta.shard_counts[k] || m.entries != meta.shard_counts[k]
        {
            bad.insert(
                k,
                format!(
                    "{} policies + {} errors, but {} entries were planned",
                    m.policies, m.errors, meta.shard_counts[k]
                ),
            );
        } else {
            markers.insert(k, m);
        }
    }

    // The settings most shards ran with; the others are named.
    let mut votes: Vec<(Settings, usize)> = Vec::new();
    for m in markers.values() {
        match votes.iter_mut().find(|(s, _)| *s == m.settings) {
            Some((_, c)) => *c += 1,
            None => votes.push((m.settings.clone(), 1)),
        }
    }
    let reference = votes.iter().max_by_key(|(_, c)| *c).map(|(s, _)| s.clone());
    if let Some(r) = &reference {
        for (k, m) in &markers {
            if m.settings != *r {
                bad.insert(
                    *k,
                    format!("ran with other settings ({})", differences(r, &m.settings)),
                );
            }
        }
    }

    let mut parts: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut stray = Vec::new();
    for t in Table::ALL {
        let have: BTreeSet<String> = store
            .list(t.name())?
            .into_iter()
            .map(|e| e.key)
            .filter(|k| {
                let name = k.rsplit('/').next().unwrap_or(k);
                !name.starts_with('.') && !name.starts_with('_')
            })
            .collect();
        let expected: BTreeSet<String> = (0..n).map(|k| part_key(t, k, n)).collect();
        stray.extend(have.difference(&expected).cloned());
        for k in markers.keys() {
            if !have.contains(&part_key(t, *k, n)) {
                bad.entry(*k)
                    .or_insert_with(|| format!("its {t} part is missing"));
            }
        }
        parts.insert(t.name().into(), expected.into_iter().collect());
    }

    if !missing.is_empty() || !bad.is_empty() || !stray.is_empty() {
        store.delete(SUCCESS)?;
        let mut msg = format!(
            "{} is not complete: {} of {n} shards are in",
            store.uri(""),
            markers.keys().filter(|k| !bad.contains_key(k)).count()
        );
        if !missing.is_empty() {
            msg += &format!(
                "\n  no marker (not run yet, still running, or failed): shard {}",
                ranges(&missing)
            );
        }
        for (k, why) in &bad {
            msg += &format!("\n  shard {k}: {why}");
        }
        if !stray.is_empty() {
            msg += &format!(
                "\n  files of no shard of this plan (another run's?): {}; remove them",
                stray.join(", ")
            );
        }
        let redo: Vec<usize> = missing
            .iter()
            .copied()
            .chain(bad.keys().copied())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        if !redo.is_empty() {
            msg += &format!(
                "\nrun shard {} again (`policyscan scan --plan {} --shard K`; a marker-less shard is redone \
                 without duplicates), then merge again",
                ranges(&redo),
                store.uri("")
            );
        }
        return Err(ShardError::Incomplete(msg));
    }

    let mut rows: BTreeMap<String, u64> = BTreeMap::new();
    for m in markers.values() {
        for (t, c) in &m.rows {
            *rows.entry(t.clone()).or_default() += c;
        }
    }
    let report = MergeReport {
        plan_digest: meta.digest.clone(),
        shards: n,
        count: meta.count,
        policies: markers.values().map(|m| m.policies).sum(),
        errors: markers.values().map(|m| m.errors).sum(),
        rows,
        parts,
        settings: reference.expect("at least one shard"),
    };
    if report.policies + report.errors != meta.count {
        return Err(ShardError::Incomplete(format!(
            "{} policies + {} errors, but the plan has {} entries",
            report.policies, report.errors, meta.count
        )));
    }
    store.put(
        MANIFEST,
        serde_json::to_vec_pretty(&report).expect("manifest"),
    )?;
    store.put(SUCCESS, Vec::new())?;
    Ok(report)
}

/// Which settings differ, for the message.
fn differences(a: &Settings, b: &Settings) -> String {
    let mut d = Vec::new();
    if a.tool_version != b.tool_version {
        d.push(format!("version {} vs {}", b.tool_version, a.tool_version));
    }
    if a.model_sha256 != b.model_sha256 {
        d.push("another classifier".into());
    }
    if a.tagger_sha256 != b.tagger_sha256 {
        d.push("another tagger or --no-tagger".into());
    }
    if a.lexicon_sha256 != b.lexicon_sha256 {
        d.push("another --lexicon".into());
    }
    if (a.max_tokens, a.max_chars, a.max_bytes) != (b.max_tokens, b.max_chars, b.max_bytes) {
        d.push("other --max-tokens/--max-chars/--max-bytes".into());
    }
    d.join(", ")
}
