//! `policyscan plan`: list the inputs once and cut them into shards for
//! array tasks (`scan --plan URI --shard K`), then `merge`. See
//! docs/cluster.md.

use std::io::BufRead;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use clap::Args;
use policyscan::shard::{self, PlanRequest, plan::Written};

/// Flags of `policyscan plan`.
#[derive(Args)]
pub struct PlanArgs {
    /// Policy files or folders, local or `s3://bucket/prefix/`, as given to `scan`.
    #[arg(required_unless_present = "files_from")]
    paths: Vec<String>,
    /// Also read paths from this file, one a line (`-` = standard input).
    #[arg(long, value_name = "LIST")]
    files_from: Option<PathBuf>,
    /// Number of shards (array tasks).
    #[arg(long)]
    shards: usize,
    /// Where the plan, parts and markers go: a shared folder or `s3://bucket/prefix`.
    #[arg(long, short, value_name = "URI")]
    out: String,
    /// Policies per batch of the workers: shard edges fall on batch edges, so the
    /// merged tables equal a single-machine `scan --chunk` of the same inputs.
    #[arg(long, default_value_t = 64)]
    chunk: usize,
    /// Classifier the workers will use (a Hugging Face BERT, an n-gram model with `ngram.json`, or an ensemble directory); default: the built-in one.
    /// Its hash goes into the plan and workers with another model refuse to run.
    #[arg(long)]
    model: Option<PathBuf>,
}

/// SHA-256 of the classifier weights (an ensemble's: its manifest and every
/// member's): `--model DIR`, or the built-in model.
pub fn model_sha256(model: Option<&Path>) -> Result<String> {
    let files = match model {
        Some(dir) => policyscan::classify::ClassifierFiles::read_dir(dir)?,
        None => policyscan::classify::embedded_files()?,
    };
    Ok(shard::sha256_hex(&files.fingerprint()))
}

/// SHA-256 of the tagger weights: `--tagger DIR`, or the built-in tagger.
pub fn tagger_sha256(tagger: Option<&Path>) -> Result<String> {
    let files = match tagger {
        Some(dir) => policyscan::model::ModelFiles::read_dir(dir)?,
        None => policyscan::tag::embedded_files(),
    };
    Ok(shard::sha256_hex(&files.weights))
}

fn read_list(list: &Path) -> Result<Vec<String>> {
    let lines: Vec<String> = if list.as_os_str() == "-" {
        std::io::stdin()
            .lock()
            .lines()
            .collect::<std::io::Result<_>>()?
    } else {
        std::fs::read_to_string(list)
            .with_context(|| format!("--files-from {}", list.display()))?
            .lines()
            .map(String::from)
            .collect()
    };
    Ok(lines
        .into_iter()
        .map(|l| l.trim_end_matches('\r').to_string())
        .filter(|l| !l.trim().is_empty())
        .collect())
}

pub fn run(a: PlanArgs) -> Result<()> {
    let mut inputs = a.paths.clone();
    if let Some(list) = &a.files_from {
        inputs.extend(read_list(list)?);
    }
    if inputs.is_empty() {
        anyhow::bail!("nothing to plan: no paths given");
    }
    let req = PlanRequest {
        inputs,
        shards: a.shards,
        chunk: a.chunk.max(1),
        model_sha256: model_sha256(a.model.as_deref())?,
    };
    let plan = shard::make_plan(&req)?;
    for e in &plan.entries {
        if let Some(err) = e.error.as_deref().filter(|e| e.starts_with("duplicate")) {
            eprintln!("policyscan: warning: {}: {err}", e.path);
        }
    }
    let store = shard::open(&a.out)?;
    let written = shard::write_plan(&*store, &plan)?;
    let m = &plan.meta;
    let empty = m.shard_counts.iter().filter(|&&c| c == 0).count();
    eprintln!(
        "policyscan: {} {} entries ({} inputs, {} rejected, {:.1} MiB) into {} shards at {} (plan {}){}",
        if written == Written::New {
            "planned"
        } else {
            "this plan is already there:"
        },
        m.count,
        m.inputs,
        m.rejected,
        m.bytes as f64 / (1 << 20) as f64,
        m.shards,
        store.uri(""),
        &m.digest[..12],
        if empty > 0 {
            format!(
                "; {empty} shards are empty (fewer batches of --chunk {} than shards)",
                m.chunk
            )
        } else {
            String::new()
        }
    );
    eprintln!(
        "policyscan: run shards 0-{} with `policyscan scan --plan {} --shard K` (or as array tasks), then `policyscan merge {}`",
        m.shards - 1,
        a.out,
        a.out
    );
    Ok(())
}
