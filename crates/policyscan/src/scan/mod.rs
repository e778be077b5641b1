//! The batch pipeline: read → decode → (HTML) → segment → extract →
//! classify → tables, over any number of policies with bounded memory.
//!
//! Inputs are sorted by policy id and cut into fixed-size *batches* of
//! policies. Within a batch, policies are prepared in parallel (rayon), then
//! all their segments are classified together, batched by token length
//! across policies, each distinct segment once. Each batch is committed as Parquet parts plus a line in a
//! manifest; at the end the parts are streamed, in order, into the final
//! tables. Because batches are deterministic, a run killed at any moment can
//! be continued with `--resume` and yields exactly the rows of an
//! uninterrupted run, in the same order, whatever the thread count.

mod batch;
mod manifest;
mod prepare;
pub mod rows;

use std::path::{Path, PathBuf};
use std::time::Instant;

use indicatif::{ProgressBar, ProgressStyle};

use crate::classify::Classifier;
use crate::extract::Extractor;
use crate::read::{Discovery, Input};
use crate::segment::SegmentOptions;
use crate::table::{OutFormat, Table};
use crate::tag::Tagger;
use batch::run_batch;
use manifest::{
    FINISHED, Finished, MANIFEST, ManifestHeader, ManifestLine, PARTS, assemble, commit_batch,
    committed_batches, finished_run, inputs_fingerprint, mark_finished, read_header, start_parts,
};

/// Settings of one scan.
#[derive(Debug, Clone)]
pub struct ScanOptions {
    pub out: PathBuf,
    pub format: OutFormat,
    /// Rows per classifier forward pass.
    pub batch_size: usize,
    /// Policies per committed batch (memory is bounded by one batch).
    pub chunk: usize,
    pub max_bytes: u64,
    pub segment: SegmentOptions,
    /// Write the decoded text of each policy to `texts/<policy_id>.txt`.
    pub keep_text: bool,
    /// Continue an interrupted run in `out`.
    pub resume: bool,
    pub progress: bool,
    /// Test hook: abort the process (as `kill -9` would) after committing
    /// this many batches.
    pub abort_after: Option<usize>,
}

/// What a scan did.
#[derive(Debug, Clone, Default)]
pub struct ScanSummary {
    pub policies: usize,
    pub segments: usize,
    pub errors: usize,
    pub seconds: f64,
    /// Batches skipped because an earlier run had committed them.
    pub resumed_batches: usize,
    /// `--resume` found the run already finished: nothing was done.
    pub already_complete: bool,
}

/// Why the scan as a whole could not complete (per-file problems are rows of
/// the errors table instead).
#[derive(Debug, thiserror::Error)]
pub enum ScanError {
    /// The output folder cannot be created or written.
    #[error("output {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    /// Writing a table failed.
    #[error("writing {table}: {source}")]
    Table {
        table: Table,
        source: polars::error::PolarsError,
    },
    /// `--resume` was given but the earlier run differs.
    #[error("cannot resume in {out}: {reason}")]
    Resume { out: PathBuf, reason: String },
    /// Output from an earlier run is in the way.
    #[error("{0} holds an unfinished run; continue it with --resume, or choose another --out")]
    Unfinished(PathBuf),
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> ScanError + '_ {
    move |source| ScanError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Run the whole pipeline over discovered inputs.
pub fn scan(
    discovery: &Discovery,
    opts: &ScanOptions,
    clf: &Classifier,
    tagger: Option<&Tagger>,
    extractor: &Extractor,
) -> Result<ScanSummary, ScanError> {
    let start = Instant::now();
    std::fs::create_dir_all(&opts.out).map_err(io_err(&opts.out))?;
    let parts = opts.out.join(PARTS);
    let chunk = opts.chunk.max(1);
    let batches: Vec<&[Input]> = discovery.inputs.chunks(chunk).collect();
    let header = ManifestHeader {
        version: 1,
        inputs: inputs_fingerprint(&discovery.inputs, &discovery.rejected),
        chunk,
        batches: batches.len(),
    };
    let done = match (
        parts.exists().then(|| read_header(&parts)).flatten(),
        opts.resume,
    ) {
        (Some(old), true) if old == header => committed_batches(&parts, batches.len()),
        (Some(_), true) => {
            return Err(ScanError::Resume {
                out: opts.out.clone(),
                reason: "the inputs or --chunk differ from the interrupted run".into(),
            });
        }
        (Some(_), false) => return Err(ScanError::Unfinished(opts.out.clone())),
        (None, resume) => {
            if resume && let Some(f) = finished_run(opts, &header) {
                return Ok(ScanSummary {
                    policies: f.policies,
                    segments: f.segments,
                    errors: f.errors,
                    already_complete: true,
                    ..Default::default()
                });
            }
            if parts.exists() {
                tracing::info!("an interrupted run left no committed batch; starting afresh");
            }
            let _ = std::fs::remove_file(opts.out.join(FINISHED));
            start_parts(&parts, &header)?;
            vec![false; batches.len()]
        }
    };

    let bar = if opts.progress {
        ProgressBar::new(discovery.inputs.len() as u64)
    } else {
        ProgressBar::hidden()
    };
    bar.set_style(
        ProgressStyle::with_template(
            "{elapsed_precise} [{bar:30}] {pos}/{len} policies ({per_sec}, eta {eta}) {msg}",
        )
        .expect("valid template")
        .progress_chars("=> "),
    );
    let mut summary = ScanSummary {
        errors: discovery.rejected.len(),
        ..Default::default()
    };
    let mut committed = 0;
    for (b, inputs) in batches.iter().enumerate() {
        if done[b] {
            summary.resumed_batches += 1;
            bar.inc(inputs.len() as u64);
            continue;
        }
        let rows = run_batch(inputs, opts, clf, tagger, extractor);
        let line = commit_batch(&parts, b, &rows)?;
        tracing::debug!(
            batch = b,
            policies = line.policies,
            segments = line.segments,
            "committed"
        );
        committed += 1;
        if opts.abort_after == Some(committed) {
            std::process::abort();
        }
        bar.inc(inputs.len() as u64);
    }
    bar.finish_and_clear();
    // Count from the manifest so resumed batches are included.
    let text = std::fs::read_to_string(parts.join(MANIFEST)).map_err(io_err(&parts))?;
    let mut seen = vec![false; batches.len()];
    for l in text.lines().skip(1) {
        if let Ok(m) = serde_json::from_str::<ManifestLine>(l)
            && m.batch < seen.len()
            && !seen[m.batch]
        {
            seen[m.batch] = true;
            summary.policies += m.policies;
            summary.segments += m.segments;
            summary.errors += m.errors;
        }
    }
    assemble(opts, &parts, batches.len(), &discovery.rejected)?;
    mark_finished(
        &opts.out,
        &Finished {
            header,
            policies: summary.policies,
            segments: summary.segments,
            errors: summary.errors,
        },
    )?;
    summary.seconds = start.elapsed().as_secs_f64();
    Ok(summary)
}
