//! `policyscan scan`.

use std::io::IsTerminal;
use std::path::PathBuf;

use anyhow::Result;
use clap::{Args, ValueEnum};
use policyscan::extract::Extractor;
use policyscan::read::discover;
use policyscan::scan::{ScanOptions, scan};
use policyscan::segment::SegmentOptions;
use policyscan::table::OutFormat;

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Parquet,
    Csv,
    Jsonl,
}

/// Flags of `policyscan scan`.
#[derive(Args)]
pub struct ScanArgs {
    /// Policy files or folders (searched recursively); `-` reads one policy from stdin.
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// Output folder for segments, entities, policies and errors tables.
    #[arg(long, short)]
    out: PathBuf,
    /// Table format.
    #[arg(long, value_enum, default_value = "parquet")]
    format: Format,
    /// Classifier model directory (Hugging Face layout). Default: the model built into the binary.
    #[arg(long)]
    model: Option<PathBuf>,
    /// Data-mention tagger directory (Hugging Face `BertForTokenClassification`
    /// layout). Default: the tagger built into the binary.
    #[arg(long, conflicts_with = "no_tagger")]
    tagger: Option<PathBuf>,
    /// Skip the data-mention tagger (no `data_mention` rows; a faster scan).
    #[arg(long)]
    no_tagger: bool,
    /// Where the models run: cpu, or cuda / cuda:N (binary built with `--features cuda`).
    #[arg(long, default_value = "cpu")]
    device: policyscan::model::DeviceSpec,
    /// Worker threads (default: all cores).
    #[arg(long)]
    threads: Option<usize>,
    /// Segments per classifier forward pass.
    #[arg(long, default_value_t = 32)]
    batch_size: usize,
    /// Classifier window in tokens (heading path + segment).
    #[arg(long, default_value_t = 128)]
    max_tokens: usize,
    /// Longest segment in characters; longer paragraphs are split at sentence ends (else at a comma).
    #[arg(long, default_value_t = 200)]
    max_chars: usize,
    /// Policies per committed batch: memory is bounded by one batch.
    #[arg(long, default_value_t = 64)]
    chunk: usize,
    /// Files larger than this many bytes are rejected (errors table) without being read.
    #[arg(long, default_value_t = 32 * 1024 * 1024)]
    max_bytes: u64,
    /// Also write the decoded text of each policy to texts/<policy_id>.txt (offsets index into it).
    #[arg(long)]
    keep_text: bool,
    /// Continue an interrupted run in --out.
    #[arg(long)]
    resume: bool,
    /// Data-type lexicon (TSV: surface, canonical, category) replacing the built-in one.
    #[arg(long)]
    lexicon: Option<PathBuf>,
}

pub fn run(a: ScanArgs) -> Result<()> {
    super::set_threads(a.threads)?;
    let clf = super::load_classifier_on(a.model.as_ref(), a.max_tokens, a.device)?;
    let tagger = if a.no_tagger {
        None
    } else {
        Some(super::load_tagger_on(
            a.tagger.as_deref(),
            policyscan::tag::WINDOW,
            a.device,
        )?)
    };
    let extractor = match &a.lexicon {
        Some(p) => Extractor::with_lexicon(p)?,
        None => Extractor::new()?,
    };
    let discovery = discover(&a.paths)?;
    for r in discovery
        .rejected
        .iter()
        .filter(|r| r.error.starts_with("duplicate"))
    {
        eprintln!("policyscan: warning: {}: {}", r.path, r.error);
    }
    let opts = ScanOptions {
        out: a.out.clone(),
        format: match a.format {
            Format::Parquet => OutFormat::Parquet,
            Format::Csv => OutFormat::Csv,
            Format::Jsonl => OutFormat::Jsonl,
        },
        batch_size: a.batch_size.max(1),
        chunk: a.chunk.max(1),
        max_bytes: a.max_bytes,
        segment: SegmentOptions {
            max_chars: a.max_chars.max(16),
        },
        keep_text: a.keep_text,
        resume: a.resume,
        progress: std::io::stderr().is_terminal(),
        abort_after: std::env::var("POLICYSCAN_ABORT_AFTER_BATCHES")
            .ok()
            .and_then(|v| v.parse().ok()),
    };
    let s = scan(&discovery, &opts, &clf, tagger.as_ref(), &extractor)?;
    let rate = if s.seconds > 0.0 {
        s.policies as f64 / s.seconds
    } else {
        0.0
    };
    eprintln!(
        "policyscan: {} policies, {} segments, {} errors in {:.1} s ({:.1} policies/s){}; tables in {}",
        s.policies,
        s.segments,
        s.errors,
        s.seconds,
        rate,
        if s.resumed_batches > 0 {
            format!(", {} batches resumed", s.resumed_batches)
        } else {
            String::new()
        },
        a.out.display()
    );
    Ok(())
}
