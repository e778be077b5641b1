//! `policyscan scan --plan URI --shard K`: one array task.
//!
//! A worker is today's scan pointed at one shard. It runs the resumable
//! batches in local scratch (named by plan digest and K, so a task requeued
//! on the same node continues where it was killed), then publishes:
//! first `URI/<table>/part-K-of-N.parquet` for every table, each written
//! whole or not at all, and last the marker `URI/_done/shard-K.json`.
//!
//! - A marker means the shard is done: the worker exits at once.
//! - No marker means redo it: parts of an earlier attempt are overwritten
//!   by identical ones (batches are deterministic), so a kill at any moment,
//!   a retry, a requeue or even two copies of the task running at once never
//!   duplicate or lose a row.
//!
//! Inputs on S3 are downloaded into scratch first; the `path` column then
//! names the `s3://` object (and a relative local path keeps the spelling the
//! plan recorded), exactly as a single-machine scan would write it.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::time::Instant;

use polars::prelude::*;
use serde::{Deserialize, Serialize};

use super::plan::{PlanEntry, read_meta, read_plan};
use super::s3::S3Store;
use super::storage::{Store, is_remote, split_bucket, write_atomic};
use super::{PlanMeta, ShardError, done_key, part_key};
use crate::classify::Classifier;
use crate::extract::Extractor;
use crate::read::{Discovery, Format, Input, Rejected, Source, safe_relative_path};
use crate::scan::{ScanError, ScanOptions, scan};
use crate::stage::Stage;
use crate::table::{OutFormat, Table};
use crate::tag::Tagger;

/// What decides a worker's rows besides its inputs: every shard of a
/// dataset must have run with the same, and `merge` checks they did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Settings {
    pub tool_version: String,
    /// SHA-256 of the classifier weights (must be the plan's).
    pub model_sha256: String,
    /// SHA-256 of the tagger weights; `None` with `--no-tagger`.
    pub tagger_sha256: Option<String>,
    /// SHA-256 of a `--lexicon` file; `None` for the built-in one.
    pub lexicon_sha256: Option<String>,
    pub max_tokens: usize,
    pub max_chars: usize,
    pub max_bytes: u64,
}

/// `URI/_done/shard-K.json`: shard K is in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DoneMarker {
    pub shard: usize,
    pub shards: usize,
    pub plan_digest: String,
    /// Plan entries of this shard (= policies + errors).
    pub entries: usize,
    pub policies: usize,
    pub errors: usize,
    /// Rows per table, by table name.
    pub rows: BTreeMap<String, u64>,
    pub settings: Settings,
    pub seconds: f64,
    /// Batches an earlier, killed attempt had committed in scratch.
    pub resumed_batches: usize,
    pub host: Option<String>,
}

/// One shard of a planned run.
pub struct Worker {
    store: Box<dyn Store>,
    meta: PlanMeta,
    shard: usize,
}

impl Worker {
    /// Shard `shard` of the plan at `uri`.
    pub fn open(uri: &str, shard: usize) -> Result<Self, ShardError> {
        let store = super::open(uri)?;
        let meta = read_meta(&*store)?;
        if shard >= meta.shards {
            return Err(ShardError::Plan(format!(
                "shard {shard} does not exist: the plan at {uri} has shards 0-{}",
                meta.shards - 1
            )));
        }
        Ok(Self { store, meta, shard })
    }

    pub fn meta(&self) -> &PlanMeta {
        &self.meta
    }

    pub fn shard(&self) -> usize {
        self.shard
    }

    /// The shard's marker, if it is done.
    pub fn done(&self) -> Result<Option<DoneMarker>, ShardError> {
        let key = done_key(self.shard);
        let Some(bytes) = self.store.get(&key)? else {
            return Ok(None);
        };
        let m: DoneMarker = serde_json::from_slice(&bytes)
            .map_err(|e| ShardError::Plan(format!("{} is damaged: {e}", self.store.uri(&key))))?;
        if m.plan_digest != self.meta.digest {
            return Err(ShardError::Plan(format!(
                "{} belongs to another plan; this location is inconsistent",
                self.store.uri(&key)
            )));
        }
        Ok(Some(m))
    }

    /// The default scratch folder: under the system temp folder, named by
    /// plan and shard, so a rerun on the same machine resumes.
    pub fn default_scratch(&self) -> PathBuf {
        std::env::temp_dir().join(format!(
            "policyscan-shard-{}-{}",
            &self.meta.digest[..16],
            self.shard
        ))
    }

    /// Scan the shard in `scratch` and publish its parts, then its marker.
    /// `opts.out`, `resume`, `chunk` and `format` are set here.
    pub fn run(
        &self,
        settings: &Settings,
        opts: &ScanOptions,
        scratch: &Path,
        clf: &Classifier,
        tagger: Option<&Tagger>,
        extractor: &Extractor,
    ) -> Result<DoneMarker, ShardError> {
        let start = Instant::now();
        if settings.model_sha256 != self.meta.model_sha256 {
            return Err(ShardError::Mismatch(format!(
                "this worker's classifier (sha256 {}) is not the one the plan was made for \
                 ({}); give the same --model to plan and scan",
                &settings.model_sha256[..12.min(settings.model_sha256.len())],
                &self.meta.model_sha256[..12.min(self.meta.model_sha256.len())]
            )));
        }
        let plan = read_plan(&*self.store)?;
        if plan.meta.digest != self.meta.digest {
            return Err(ShardError::Plan("the plan changed while starting".into()));
        }
        let mine: Vec<PlanEntry> = plan
            .entries
            .into_iter()
            .filter(|e| e.shard as usize == self.shard)
            .collect();
        let out = scratch.join("out");
        prepare_scratch(scratch, &out, &self.stamp(settings, opts))?;
        let (discovery, rename) = self.fetch_inputs(&mine, scratch)?;

        let mut o = opts.clone();
        o.out = out.clone();
        o.resume = true;
        o.chunk = self.meta.chunk;
        o.format = OutFormat::Parquet;
        let summary = match scan(&discovery, &o, clf, tagger, extractor) {
            Err(ScanError::Resume { .. } | ScanError::Unfinished(_)) => {
                tracing::info!(
                    "scratch {} holds another run; starting afresh",
                    out.display()
                );
                let _ = std::fs::remove_dir_all(&out);
                scan(&discovery, &o, clf, tagger, extractor)?
            }
            r => r?,
        };

        let n = self.meta.shards;
        let mut rows = BTreeMap::new();
        for t in Table::ALL {
            let local = out.join(format!("{t}.parquet"));
            let count = parquet_rows(&local)?;
            let upload = if !rename.is_empty() && matches!(t, Table::Policies | Table::Errors) {
                let p = scratch.join("upload").join(format!("{t}.parquet"));
                rewrite_paths(&local, &p, &rename)?;
                p
            } else {
                local
            };
            self.store.put_file(&part_key(t, self.shard, n), &upload)?;
            rows.insert(t.name().to_string(), count);
        }
        if opts.keep_text {
            self.upload_texts(&out.join("texts"))?;
        }
        let marker = DoneMarker {
            shard: self.shard,
            shards: n,
            plan_digest: self.meta.digest.clone(),
            entries: mine.len(),
            policies: rows[Table::Policies.name()] as usize,
            errors: rows[Table::Errors.name()] as usize,
            rows,
            settings: settings.clone(),
            seconds: start.elapsed().as_secs_f64(),
            resumed_batches: summary.resumed_batches,
            host: std::env::var("HOSTNAME").ok().or_else(|| {
                std::fs::read_to_string("/proc/sys/kernel/hostname")
                    .ok()
                    .map(|h| h.trim().to_string())
            }),
        };
        if marker.policies + marker.errors != marker.entries {
            return Err(ShardError::Mismatch(format!(
                "shard {}: {} policies + {} errors for {} planned entries",
                self.shard, marker.policies, marker.errors, marker.entries
            )));
        }
        let json = serde_json::to_vec_pretty(&marker).expect("marker");
        self.store.put(&done_key(self.shard), json)?;
        let _ = std::fs::remove_dir_all(scratch);
        Ok(marker)
    }

    /// What scratch was made for; other settings mean other rows.
    fn stamp(&self, settings: &Settings, opts: &ScanOptions) -> String {
        serde_json::json!({
            "plan": self.meta.digest,
            "shard": self.shard,
            "settings": settings,
            "keep_text": opts.keep_text,
            "batch_size": opts.batch_size,
        })
        .to_string()
    }

    /// The shard's inputs as `scan` takes them, downloading `s3://` ones into
    /// scratch; and the read paths that the tables must show otherwise.
    fn fetch_inputs(
        &self,
        mine: &[PlanEntry],
        scratch: &Path,
    ) -> Result<(Discovery, HashMap<String, String>), ShardError> {
        let mut d = Discovery::default();
        let mut rename = HashMap::new();
        let mut downloads: BTreeMap<String, Vec<(String, PathBuf)>> = BTreeMap::new();
        for e in mine {
            let Some(id) = &e.policy_id else {
                d.rejected.push(Rejected {
                    path: e.path.clone(),
                    stage: e.stage.unwrap_or(Stage::Read),
                    error: e.error.clone().unwrap_or_default(),
                });
                continue;
            };
            let local = if is_remote(&e.source) {
                let ext = Path::new(&e.path)
                    .extension()
                    .map(|x| x.to_string_lossy().into_owned())
                    .unwrap_or_else(|| "txt".into());
                let local = scratch.join("inputs").join(safe_relative_path(id, &ext));
                let have = std::fs::metadata(&local).map(|m| m.len()).ok();
                if have != Some(e.bytes) {
                    let rest = e.source.trim_start_matches("s3://");
                    let (bucket, key) = split_bucket(&e.source, rest)?;
                    downloads
                        .entry(bucket.to_string())
                        .or_default()
                        .push((key.to_string(), local.clone()));
                }
                local
            } else {
                PathBuf::from(&e.source)
            };
            let read_path = local.display().to_string();
            if read_path != e.path {
                rename.insert(read_path, e.path.clone());
            }
            d.inputs.push(Input {
                policy_id: id.clone(),
                source: Source::File(local),
                format: Format::from_path(Path::new(&e.path)).unwrap_or(Format::Text),
            });
        }
        for (bucket, items) in downloads {
            let store = S3Store::new(&bucket, "")?;
            let found = store.get_files(&items)?;
            for ((_, local), ok) in items.iter().zip(found) {
                if !ok {
                    // Gone since planning: the read fails and the policy
                    // lands in `errors`, like a file deleted under `scan`.
                    let _ = std::fs::remove_file(local);
                }
            }
        }
        Ok((d, rename))
    }

    fn upload_texts(&self, texts: &Path) -> Result<(), ShardError> {
        for e in walkdir::WalkDir::new(texts).sort_by_file_name() {
            let Ok(e) = e else { continue };
            if !e.file_type().is_file() {
                continue;
            }
            let rel = e.path().strip_prefix(texts).unwrap_or(e.path());
            let key = std::iter::once("texts".to_string())
                .chain(
                    rel.components()
                        .map(|c| c.as_os_str().to_string_lossy().into_owned()),
                )
                .collect::<Vec<_>>()
                .join("/");
            self.store.put_file(&key, e.path())?;
        }
        Ok(())
    }
}

/// Make `scratch` hold a run of these settings: an earlier attempt with the
/// same stamp is kept (and resumed), anything else is cleared.
fn prepare_scratch(scratch: &Path, out: &Path, stamp: &str) -> Result<(), ShardError> {
    let io = |source| {
        ShardError::Store(super::StoreError::Io {
            uri: scratch.display().to_string(),
            source,
        })
    };
    let stamp_path = scratch.join("stamp.json");
    match std::fs::read_to_string(&stamp_path) {
        Ok(old) if old == stamp => return Ok(()),
        Ok(_) => {
            tracing::info!(
                "scratch {} was made for other settings; clearing it",
                scratch.display()
            );
            let _ = std::fs::remove_dir_all(out);
        }
        Err(_) => {}
    }
    std::fs::create_dir_all(scratch).map_err(io)?;
    write_atomic(&stamp_path, stamp.as_bytes()).map_err(io)
}

fn parquet_rows(path: &Path) -> Result<u64, ShardError> {
    let err = |source| ShardError::Table {
        what: path.display().to_string(),
        source,
    };
    let f = std::fs::File::open(path).map_err(|e| err(e.into()))?;
    Ok(ParquetReader::new(f).num_rows().map_err(err)? as u64)
}

/// Copy a table whose `path` column names scratch files, naming the plan's
/// paths instead.
fn rewrite_paths(
    from: &Path,
    to: &Path,
    rename: &HashMap<String, String>,
) -> Result<(), ShardError> {
    let err = |source| ShardError::Table {
        what: from.display().to_string(),
        source,
    };
    let mut df = crate::table::read_parquet(from).map_err(err)?;
    let paths: Vec<Option<String>> = df
        .column("path")
        .map_err(err)?
        .str()
        .map_err(err)?
        .iter()
        .map(|p| p.map(|p| rename.get(p).cloned().unwrap_or_else(|| p.to_string())))
        .collect();
    df.replace("path", Series::new("path".into(), paths).into_column())
        .map_err(err)?;
    if let Some(dir) = to.parent() {
        std::fs::create_dir_all(dir).map_err(|e| err(e.into()))?;
    }
    crate::table::write_parquet(&mut df, to).map_err(err)
}
