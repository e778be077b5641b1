//! `policyscan plan`: the one list of work every worker agrees on.
//!
//! Inputs are listed once (`super::inputs`), sorted by policy id, and cut
//! into N contiguous shards balanced by bytes. Shard edges fall only where
//! `scan --chunk C` would start a new batch, so each shard's batches are
//! exactly the batches of a single-machine scan and the merged rows are
//! bit-identical to it (classifier scores depend, in the last bits, on which
//! segments share a forward pass). Rejected entries belong to the shard of
//! their neighbours, so every path found lands in one shard's `errors`.
//!
//! The plan is `_plan/plan.parquet` (a row per entry) and `_plan/plan.json`
//! (counts per shard, a digest of the rows, the tool version and the model
//! hash), written in that order: a plan exists once its JSON does. A plan is
//! never replaced by a different one, so shard K keeps meaning the same
//! inputs for as long as the location lives.

use std::io::Cursor;

use polars::prelude::*;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::inputs::{Found, find_inputs};
use super::storage::Store;
use super::{PLAN_DIR, ShardError, TOOL_VERSION, hex};
use crate::stage::Stage;

/// What to plan.
#[derive(Debug, Clone)]
pub struct PlanRequest {
    /// Folders, files and `s3://` locations, as given to `scan`.
    pub inputs: Vec<String>,
    pub shards: usize,
    /// The `--chunk` the workers will use: shard edges are batch edges.
    pub chunk: usize,
    /// SHA-256 of the classifier weights the workers must use.
    pub model_sha256: String,
}

/// One row of the plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanEntry {
    /// `None` for a rejected entry.
    pub policy_id: Option<String>,
    /// The path as the tables show it.
    pub path: String,
    /// What the worker reads: an absolute path or an `s3://` URI.
    pub source: String,
    pub bytes: u64,
    pub shard: u32,
    /// Why a rejected entry is rejected (the errors table's stage/error).
    pub stage: Option<Stage>,
    pub error: Option<String>,
}

/// `_plan/plan.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanMeta {
    pub version: u32,
    /// Entries in all: inputs plus rejected (= policies + errors rows).
    pub count: usize,
    pub inputs: usize,
    pub rejected: usize,
    pub shards: usize,
    pub chunk: usize,
    pub bytes: u64,
    /// SHA-256 over the plan's rows, shard count and chunk.
    pub digest: String,
    pub tool_version: String,
    pub model_sha256: String,
    /// Entries per shard.
    pub shard_counts: Vec<usize>,
    pub shard_bytes: Vec<u64>,
}

/// A plan: its summary and its rows, in order.
#[derive(Debug, Clone)]
pub struct Plan {
    pub meta: PlanMeta,
    pub entries: Vec<PlanEntry>,
}

/// The plan's keys under the location.
pub fn plan_parquet_key() -> String {
    format!("{PLAN_DIR}/plan.parquet")
}
pub fn plan_json_key() -> String {
    format!("{PLAN_DIR}/plan.json")
}

/// List the inputs and cut them into shards.
pub fn make_plan(req: &PlanRequest) -> Result<Plan, ShardError> {
    if req.shards == 0 {
        return Err(ShardError::Plan("--shards must be at least 1".into()));
    }
    let chunk = req.chunk.max(1);
    let found = find_inputs(&req.inputs)?;
    let shard_of = cut(&found, req.shards, chunk);
    let entries: Vec<PlanEntry> = found
        .into_iter()
        .zip(shard_of)
        .map(|(f, shard)| PlanEntry {
            policy_id: f.policy_id,
            path: f.path,
            source: f.source,
            bytes: f.bytes,
            shard,
            stage: f.rejected.as_ref().map(|r| r.0),
            error: f.rejected.map(|r| r.1),
        })
        .collect();
    let meta = summarize(&entries, req.shards, chunk, &req.model_sha256);
    Ok(Plan { meta, entries })
}

fn summarize(entries: &[PlanEntry], shards: usize, chunk: usize, model: &str) -> PlanMeta {
    let mut shard_counts = vec![0; shards];
    let mut shard_bytes = vec![0; shards];
    for e in entries {
        shard_counts[e.shard as usize] += 1;
        shard_bytes[e.shard as usize] += e.bytes;
    }
    let inputs = entries.iter().filter(|e| e.policy_id.is_some()).count();
    PlanMeta {
        version: 1,
        count: entries.len(),
        inputs,
        rejected: entries.len() - inputs,
        shards,
        chunk,
        bytes: shard_bytes.iter().sum(),
        digest: digest(entries, shards, chunk),
        tool_version: TOOL_VERSION.into(),
        model_sha256: model.into(),
        shard_counts,
        shard_bytes,
    }
}

/// What a policy costs to plan for: its bytes, but a file over the default
/// `--max-bytes` is rejected unread, so it weighs nothing.
fn weight(f: &Found) -> u128 {
    match f.rejected {
        Some(_) => 0,
        None if f.bytes > 32 << 20 => 0,
        None => f.bytes as u128,
    }
}

/// The shard of each entry: N contiguous ranges, balanced by weight, whose
/// edges sit before an input whose index among inputs is a multiple of
/// `chunk`. With at least N batches every shard gets one; with fewer, the
/// last shards are empty (a worker then writes empty parts).
fn cut(found: &[Found], shards: usize, chunk: usize) -> Vec<u32> {
    let len = found.len();
    let mut edges = Vec::new();
    let mut n_inputs = 0usize;
    for (i, f) in found.iter().enumerate() {
        if f.rejected.is_none() {
            if n_inputs > 0 && n_inputs.is_multiple_of(chunk) {
                edges.push(i);
            }
            n_inputs += 1;
        }
    }
    edges.push(len);
    let mut w: Vec<u128> = found.iter().map(weight).collect();
    if w.iter().sum::<u128>() == 0 {
        w = found
            .iter()
            .map(|f| u128::from(f.rejected.is_none()))
            .collect();
    }
    let mut cum = vec![0u128; len + 1];
    for i in 0..len {
        cum[i + 1] = cum[i] + w[i];
    }
    let total = cum[len];
    let m = edges.len();
    let mut bounds = vec![0usize; shards + 1];
    bounds[shards] = len;
    let mut prev: Option<usize> = None;
    for (k, bound) in bounds.iter_mut().enumerate().take(shards).skip(1) {
        let lo = prev.map_or(0, |p| p + 1);
        let hi = (m - 1).saturating_sub(shards - k);
        let idx = if lo > hi {
            lo.min(m - 1)
        } else {
            let target = total * k as u128 / shards as u128;
            let mut j = lo;
            while j < hi && cum[edges[j]] < target {
                j += 1;
            }
            // The nearer of the edges on either side of the target.
            if j > lo
                && cum[edges[j]] >= target
                && target - cum[edges[j - 1]] < cum[edges[j]] - target
            {
                j - 1
            } else {
                j
            }
        };
        *bound = edges[idx];
        prev = Some(idx);
    }
    let mut shard_of = vec![0u32; len];
    for k in 0..shards {
        for s in &mut shard_of[bounds[k]..bounds[k + 1].max(bounds[k])] {
            *s = k as u32;
        }
    }
    shard_of
}

/// SHA-256 over every row, the shard count and the chunk.
fn digest(entries: &[PlanEntry], shards: usize, chunk: usize) -> String {
    let mut h = Sha256::new();
    h.update(format!("policyscan-plan/1 shards={shards} chunk={chunk}\n").as_bytes());
    for e in entries {
        for field in [
            e.policy_id.as_deref().unwrap_or("\u{0}"),
            &e.path,
            &e.source,
            &e.bytes.to_string(),
            &e.shard.to_string(),
            e.stage.map(|s| s.as_str()).unwrap_or(""),
            e.error.as_deref().unwrap_or(""),
        ] {
            h.update(field.as_bytes());
            h.update([0x1f]);
        }
        h.update([0x1e]);
    }
    hex(&h.finalize())
}

fn table_err(what: &str) -> impl FnOnce(PolarsError) -> ShardError + '_ {
    move |source| ShardError::Table {
        what: what.into(),
        source,
    }
}

fn to_frame(entries: &[PlanEntry]) -> PolarsResult<DataFrame> {
    let s = |name: &str, v: Vec<Option<&str>>| Series::new(name.into(), v).into_column();
    let cols = vec![
        s(
            "policy_id",
            entries.iter().map(|e| e.policy_id.as_deref()).collect(),
        ),
        s(
            "path",
            entries.iter().map(|e| Some(e.path.as_str())).collect(),
        ),
        s(
            "source",
            entries.iter().map(|e| Some(e.source.as_str())).collect(),
        ),
        Series::new(
            "bytes".into(),
            entries.iter().map(|e| e.bytes).collect::<Vec<u64>>(),
        )
        .into_column(),
        Series::new(
            "shard".into(),
            entries.iter().map(|e| e.shard).collect::<Vec<u32>>(),
        )
        .into_column(),
        s(
            "stage",
            entries
                .iter()
                .map(|e| e.stage.map(|s| s.as_str()))
                .collect(),
        ),
        s(
            "error",
            entries.iter().map(|e| e.error.as_deref()).collect(),
        ),
    ];
    DataFrame::new(entries.len(), cols)
}

fn from_frame(df: &DataFrame) -> PolarsResult<Vec<PlanEntry>> {
    let st = |n: &str| -> PolarsResult<Vec<Option<String>>> {
        Ok(df
            .column(n)?
            .str()?
            .iter()
            .map(|v| v.map(String::from))
            .collect())
    };
    let (ids, paths, sources) = (st("policy_id")?, st("path")?, st("source")?);
    let (stages, errors) = (st("stage")?, st("error")?);
    let bytes: Vec<u64> = df.column("bytes")?.u64()?.iter().flatten().collect();
    let shards: Vec<u32> = df.column("shard")?.u32()?.iter().flatten().collect();
    if bytes.len() != df.height() || shards.len() != df.height() {
        polars_bail!(ComputeError: "plan.parquet has null bytes or shard values");
    }
    Ok((0..df.height())
        .map(|i| PlanEntry {
            policy_id: ids[i].clone(),
            path: paths[i].clone().unwrap_or_default(),
            source: sources[i].clone().unwrap_or_default(),
            bytes: bytes[i],
            shard: shards[i],
            stage: stages[i]
                .as_deref()
                .map(|s| Stage::ALL.into_iter().find(|x| x.as_str() == s))
                .map(|s| s.unwrap_or(Stage::Read)),
            error: errors[i].clone(),
        })
        .collect())
}

/// Whether [`write_plan`] wrote a plan or found this very plan there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Written {
    New,
    Unchanged,
}

/// Write the plan under the store, unless this very plan is there already.
/// A different plan there is an error: its shards would mean other inputs.
pub fn write_plan(store: &dyn Store, plan: &Plan) -> Result<Written, ShardError> {
    if let Some(old) = store.get(&plan_json_key())? {
        let old: Option<PlanMeta> = serde_json::from_slice(&old).ok();
        return match old {
            Some(o) if o.digest == plan.meta.digest && o.model_sha256 == plan.meta.model_sha256 => {
                Ok(Written::Unchanged)
            }
            _ => Err(ShardError::Plan(format!(
                "{} already holds another plan (other inputs, shards, chunk or model); \
                 choose another --out, or delete that location first",
                store.uri("")
            ))),
        };
    }
    let mut df = to_frame(&plan.entries).map_err(table_err("plan.parquet"))?;
    let mut buf = Vec::new();
    ParquetWriter::new(&mut buf)
        .with_compression(ParquetCompression::Zstd(None))
        .finish(&mut df)
        .map_err(table_err("plan.parquet"))?;
    store.put(&plan_parquet_key(), buf)?;
    let json = serde_json::to_vec_pretty(&plan.meta).expect("plan meta");
    store.put(&plan_json_key(), json)?;
    Ok(Written::New)
}

/// `_plan/plan.json` of the location.
pub fn read_meta(store: &dyn Store) -> Result<PlanMeta, ShardError> {
    let bytes = store.get(&plan_json_key())?.ok_or_else(|| {
        ShardError::Plan(format!(
            "no plan at {}: run `policyscan plan … --out {}` first",
            store.uri(&plan_json_key()),
            store.uri("")
        ))
    })?;
    serde_json::from_slice(&bytes)
        .map_err(|e| ShardError::Plan(format!("{} is damaged: {e}", store.uri(&plan_json_key()))))
}

/// The whole plan, checked against its digest.
pub fn read_plan(store: &dyn Store) -> Result<Plan, ShardError> {
    let meta = read_meta(store)?;
    let key = plan_parquet_key();
    let bytes = store
        .get(&key)?
        .ok_or_else(|| ShardError::Plan(format!("{} is missing", store.uri(&key))))?;
    let df = ParquetReader::new(Cursor::new(bytes))
        .finish()
        .map_err(table_err("plan.parquet"))?;
    let entries = from_frame(&df).map_err(table_err("plan.parquet"))?;
    if digest(&entries, meta.shards, meta.chunk) != meta.digest {
        return Err(ShardError::Plan(format!(
            "{} does not match the digest in plan.json; plan again into a new location",
            store.uri(&key)
        )));
    }
    Ok(Plan { meta, entries })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(bytes: &[u64], rejected_at: &[usize]) -> Vec<Found> {
        bytes
            .iter()
            .enumerate()
            .map(|(i, &b)| Found {
                key: format!("{i:04}"),
                policy_id: Some(format!("{i:04}")),
                path: format!("/c/{i:04}.txt"),
                source: format!("/c/{i:04}.txt"),
                bytes: b,
                rejected: rejected_at
                    .contains(&i)
                    .then(|| (Stage::Unsupported, "x".to_string())),
            })
            .collect()
    }

    fn check(f: &[Found], shards: usize, chunk: usize) -> Vec<u32> {
        let s = cut(f, shards, chunk);
        assert_eq!(s.len(), f.len());
        assert!(s.windows(2).all(|w| w[0] <= w[1]), "contiguous: {s:?}");
        assert!(s.iter().all(|&k| (k as usize) < shards));
        // Every shard starts at a batch edge: its first input's index among
        // inputs is a multiple of chunk.
        let mut n = 0;
        let mut last = None;
        for (x, &k) in f.iter().zip(&s) {
            if x.rejected.is_none() {
                if last != Some(k) && last.is_some() {
                    assert!(n % chunk == 0, "shard {k} starts mid-batch: {s:?}");
                }
                last = Some(k);
                n += 1;
            }
        }
        s
    }

    #[test]
    fn shards_are_contiguous_balanced_and_on_batch_edges() {
        let f = found(&[10; 12], &[]);
        assert_eq!(check(&f, 4, 1), [0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3]);
        let f = found(&[100, 1, 1, 1, 1, 1, 1, 1, 1, 1], &[]);
        assert_eq!(check(&f, 2, 1), [0, 1, 1, 1, 1, 1, 1, 1, 1, 1]);
        let f = found(&[5; 12], &[0, 5]);
        let s = check(&f, 3, 2);
        assert_eq!(s[0], 0, "a leading rejected entry is in the first shard");
        // Fewer batches than shards: one batch each, then empty shards.
        let f = found(&[5; 5], &[]);
        assert_eq!(check(&f, 4, 2), [0, 0, 1, 1, 2]);
        assert_eq!(check(&f, 1, 2), [0; 5]);
        // No bytes at all: inputs count one each.
        let f = found(&[0; 6], &[]);
        assert_eq!(check(&f, 3, 1), [0, 0, 1, 1, 2, 2]);
        // Large shard counts over many entries stay balanced.
        let bytes: Vec<u64> = (0..1000).map(|i| 1000 + (i * 7919) % 5000).collect();
        let f = found(&bytes, &[]);
        let s = check(&f, 16, 8);
        let mut per = [0u64; 16];
        for (x, &k) in f.iter().zip(&s) {
            per[k as usize] += x.bytes;
        }
        let avg = per.iter().sum::<u64>() / 16;
        assert!(per.iter().all(|&b| b.abs_diff(avg) < avg / 5), "{per:?}");
    }

    #[test]
    fn plans_round_trip_and_refuse_to_be_replaced() {
        let corpus = tempfile::tempdir().unwrap();
        for i in 0..5 {
            std::fs::write(corpus.path().join(format!("p{i}.txt")), "x".repeat(i + 1)).unwrap();
        }
        std::fs::write(corpus.path().join("bad.bin"), "x").unwrap();
        let req = PlanRequest {
            inputs: vec![corpus.path().display().to_string()],
            shards: 2,
            chunk: 1,
            model_sha256: "m".into(),
        };
        let plan = make_plan(&req).unwrap();
        assert_eq!((plan.meta.count, plan.meta.inputs), (6, 5));
        assert_eq!(plan.meta.shard_counts.iter().sum::<usize>(), 6);
        let out = tempfile::tempdir().unwrap();
        let store = super::super::open(out.path().to_str().unwrap()).unwrap();
        assert_eq!(write_plan(&*store, &plan).unwrap(), Written::New);
        assert_eq!(write_plan(&*store, &plan).unwrap(), Written::Unchanged);
        let back = read_plan(&*store).unwrap();
        assert_eq!(back.entries, plan.entries);
        assert_eq!(back.meta, plan.meta);
        let other = make_plan(&PlanRequest { shards: 3, ..req }).unwrap();
        assert!(write_plan(&*store, &other).is_err());
    }
}
