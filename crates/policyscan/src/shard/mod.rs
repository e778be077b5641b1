//! Sharded runs: one corpus scanned by many machines with no coordinator, on
//! the engines users already have (Kubernetes Indexed Jobs, Slurm job
//! arrays, AWS Batch array jobs), into one dataset that polars, DuckDB and
//! Spark read as a single table per `URI/<table>/*.parquet`.
//!
//! The whole protocol is files under one location `URI` (a shared folder or
//! `s3://bucket/prefix`, [`storage`]):
//!
//! 1. [`plan`] — `policyscan plan` lists the inputs once, exactly as `scan`
//!    would, and cuts them into N contiguous, byte-balanced shards whose
//!    edges fall on `--chunk` batch edges: `URI/_plan/plan.parquet` (one row
//!    per input, rejected ones included) and `URI/_plan/plan.json` (counts,
//!    digest, versions). Shard K always means the same inputs.
//! 2. [`worker`] — `policyscan scan --plan URI --shard K` runs today's
//!    resumable batches over shard K in local scratch, then writes
//!    `URI/<table>/part-K-of-N.parquet` for every table (each whole or not
//!    at all) and, last, `URI/_done/shard-K.json`. A shard with a marker is
//!    done; one without is simply redone, overwriting its own parts, so
//!    retries and requeues never duplicate rows.
//! 3. [`merge`](mod@merge) — `policyscan merge URI` checks every marker against the
//!    plan and writes `URI/_manifest.json` and `URI/_SUCCESS`, or names the
//!    shards still missing.
//!
//! Because shard edges are batch edges and batches are deterministic, the
//! parts concatenated in shard order are the rows of a single-machine
//! `scan --chunk C` of the same inputs, bit for bit. Control files start
//! with `_` (and temporary files with `.`) so dataset readers skip them.

mod inputs;
pub mod merge;
pub mod plan;
mod s3;
pub mod storage;
pub mod worker;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

pub use merge::{MergeReport, merge};
pub use plan::{Plan, PlanEntry, PlanMeta, PlanRequest, make_plan, read_plan, write_plan};
pub use storage::{LocalStore, Store, StoreError, is_remote, open};
pub use worker::{Settings, Worker};

/// The plan's folder under `URI`.
pub const PLAN_DIR: &str = "_plan";
/// The completion markers' folder under `URI`.
pub const DONE_DIR: &str = "_done";
/// Written by `merge`, last, when every shard is in.
pub const SUCCESS: &str = "_SUCCESS";
/// Written by `merge`: the parts and row counts of the dataset.
pub const MANIFEST: &str = "_manifest.json";

/// The version of the tool, recorded in plans and markers.
pub const TOOL_VERSION: &str = env!("CARGO_PKG_VERSION");

/// The key of shard `k`'s part of `table` (of `n` shards). `k` is padded to
/// the width of `n - 1` (`part-007-of-1000`), so readers that list a glob in
/// name order read the shards in order, which is policy-id order.
pub fn part_key(table: crate::table::Table, k: usize, n: usize) -> String {
    let width = (n.max(1) - 1).to_string().len();
    format!("{table}/part-{k:0width$}-of-{n}.parquet")
}

/// The key of shard `k`'s completion marker.
pub fn done_key(k: usize) -> String {
    format!("{DONE_DIR}/shard-{k}.json")
}

/// A sharded run could not proceed (the command exits 2).
#[derive(Debug, thiserror::Error)]
pub enum ShardError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Arg(#[from] crate::read::ArgError),
    #[error(transparent)]
    Scan(#[from] crate::scan::ScanError),
    /// Reading or writing a Parquet file failed.
    #[error("{what}: {source}")]
    Table {
        what: String,
        source: polars::error::PolarsError,
    },
    /// The plan is missing, damaged, or not this one.
    #[error("{0}")]
    Plan(String),
    /// This worker would not produce the rows the plan was made for.
    #[error("{0}")]
    Mismatch(String),
    /// `merge`: shards are missing or wrong; each is named.
    #[error("{0}")]
    Incomplete(String),
}

/// The SHA-256 of some bytes, in hex (model weights, plans).
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Where shard K came from (for messages).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ShardSource {
    Flag,
    Env(&'static str),
}

/// The variables that name a task's index on the engines we run on, in the
/// order they are consulted: Kubernetes Indexed Jobs, Slurm job arrays, AWS
/// Batch array jobs.
pub const SHARD_ENV: [&str; 3] = [
    "JOB_COMPLETION_INDEX",
    "SLURM_ARRAY_TASK_ID",
    "AWS_BATCH_JOB_ARRAY_INDEX",
];

/// Shard K: `--shard` if given, else the first of [`SHARD_ENV`] that is set,
/// plus `offset` (for Slurm arrays cut below `MaxArraySize`: submit
/// `--array=0-999` twice, the second with `--shard-offset 1000`).
pub fn shard_index(
    flag: Option<usize>,
    offset: usize,
    env: impl Fn(&str) -> Option<String>,
) -> Result<(usize, ShardSource), ShardError> {
    if let Some(k) = flag {
        return Ok((k, ShardSource::Flag));
    }
    for var in SHARD_ENV {
        if let Some(v) = env(var).filter(|v| !v.trim().is_empty()) {
            let k: usize = v
                .trim()
                .parse()
                .map_err(|_| ShardError::Plan(format!("{var}={v:?} is not a shard number")))?;
            return Ok((k + offset, ShardSource::Env(var)));
        }
    }
    Err(ShardError::Plan(format!(
        "no shard number: give --shard K, or run as an array task ({})",
        SHARD_ENV.join(", ")
    )))
}

/// `1-3, 7, 9-10` for a sorted list of shard numbers.
pub fn ranges(ks: &[usize]) -> String {
    let mut out: Vec<String> = Vec::new();
    let mut i = 0;
    while i < ks.len() {
        let mut j = i;
        while j + 1 < ks.len() && ks[j + 1] == ks[j] + 1 {
            j += 1;
        }
        out.push(if i == j {
            ks[i].to_string()
        } else {
            format!("{}-{}", ks[i], ks[j])
        });
        i = j + 1;
    }
    out.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shard_comes_from_the_flag_then_the_engines() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |k: &str| {
                pairs
                    .iter()
                    .find(|(n, _)| *n == k)
                    .map(|(_, v)| v.to_string())
            }
        };
        assert_eq!(
            shard_index(Some(3), 100, env(&[("JOB_COMPLETION_INDEX", "1")])).unwrap(),
            (3, ShardSource::Flag)
        );
        assert_eq!(
            shard_index(None, 0, env(&[("SLURM_ARRAY_TASK_ID", "5")])).unwrap(),
            (5, ShardSource::Env("SLURM_ARRAY_TASK_ID"))
        );
        assert_eq!(
            shard_index(
                None,
                1000,
                env(&[
                    ("SLURM_ARRAY_TASK_ID", "5"),
                    ("AWS_BATCH_JOB_ARRAY_INDEX", "9")
                ])
            )
            .unwrap()
            .0,
            1005
        );
        assert_eq!(
            shard_index(None, 0, env(&[("AWS_BATCH_JOB_ARRAY_INDEX", "9")]))
                .unwrap()
                .0,
            9
        );
        assert!(shard_index(None, 0, env(&[])).is_err());
        assert!(shard_index(None, 0, env(&[("SLURM_ARRAY_TASK_ID", "x")])).is_err());
    }

    #[test]
    fn part_names_sort_in_shard_order() {
        use crate::table::Table;
        assert_eq!(part_key(Table::Errors, 3, 4), "errors/part-3-of-4.parquet");
        assert_eq!(
            part_key(Table::Segments, 7, 1000),
            "segments/part-007-of-1000.parquet"
        );
        assert_eq!(
            part_key(Table::Segments, 0, 1),
            "segments/part-0-of-1.parquet"
        );
        let names: Vec<String> = (0..120)
            .map(|k| part_key(Table::Policies, k, 120))
            .collect();
        let mut sorted = names.clone();
        sorted.sort();
        assert_eq!(names, sorted);
    }

    #[test]
    fn shard_lists_are_short() {
        assert_eq!(ranges(&[0, 1, 2, 5, 7, 8]), "0-2, 5, 7-8");
        assert_eq!(ranges(&[]), "");
    }
}
