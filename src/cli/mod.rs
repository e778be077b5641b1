//! Command-line interface: one sub-module per command, each a thin layer that
//! turns validated flags into a library call and prints the outcome.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use clap::{Parser, Subcommand};

mod dataset;
mod eval;
mod scan;
mod score;
mod train;

/// Read Chinese privacy policies in bulk and turn them into tables.
#[derive(Parser)]
#[command(name = "policyscan", version, about, long_about = None)]
pub struct Cli {
    /// More logging on stderr (-v info, -vv debug). RUST_LOG overrides.
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Scan policies into segments, entities, policies and errors tables.
    Scan(scan::ScanArgs),
    /// Train the segment classifier (from scratch, or fine-tune with --init).
    Train(train::TrainArgs),
    /// Pre-train a BERT as a masked language model on policy text (a start
    /// for `train --init` and `train-tagger --init`).
    Pretrain(train::TrainArgs),
    /// Train the data-mention tagger (token classification over CA4P `data`
    /// spans; fine-tune a pre-trained encoder with --init).
    TrainTagger(train::TrainArgs),
    /// Score a model on a labelled JSONL file, or on the human dev lines.
    Eval(eval::EvalArgs),
    /// Classify the segments of a JSONL file and write their scores.
    Score(score::ScoreArgs),
    /// Build train/dev JSONL from the shared data folder.
    Dataset(dataset::DatasetArgs),
}

fn init_logging(verbose: u8) {
    let level = match verbose {
        0 => "warn",
        1 => "info",
        _ => "debug",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(format!("policyscan={level}")));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

/// Parse flags, run the command, map errors to exit code 2.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging(cli.verbose);
    if matches!(
        cli.command,
        Command::Scan(_) | Command::Score(_) | Command::Eval(_)
    ) && std::env::var_os("CANDLE_NUM_THREADS").is_none()
    {
        // Inference runs length-bucketed batches in parallel on rayon's
        // threads; candle's own element-wise pool on top of that only
        // oversubscribes the cores (measured: 666 → 900 segments/s on 2
        // cores). Training keeps candle's default.
        // SAFETY: set before any other thread exists (logging set-up spawns
        // none) and before candle reads the variable.
        unsafe { std::env::set_var("CANDLE_NUM_THREADS", "1") };
    }
    let res: Result<()> = match cli.command {
        Command::Scan(a) => scan::run(a),
        Command::Train(a) => train::run(a),
        Command::TrainTagger(a) => train::run_tagger(a),
        Command::Pretrain(a) => train::run_pretrain(a),
        Command::Score(a) => score::run(a),
        Command::Eval(a) => eval::run(a),
        Command::Dataset(a) => dataset::run(a),
    };
    match res {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("policyscan: error: {e:#}");
            ExitCode::from(2)
        }
    }
}

/// Size rayon's global pool (`--threads`); `None` keeps one thread per core.
pub fn set_threads(threads: Option<usize>) -> Result<()> {
    if let Some(n) = threads {
        rayon::ThreadPoolBuilder::new()
            .num_threads(n.max(1))
            .build_global()
            .map_err(|e| anyhow::anyhow!("cannot set up the thread pool: {e}"))?;
    }
    Ok(())
}

/// Where `--model` points, or the embedded default, on the CPU.
pub fn load_classifier(
    model: Option<&PathBuf>,
    max_tokens: usize,
) -> Result<policyscan::classify::Classifier> {
    load_classifier_on(model, max_tokens, "cpu")
}

/// Like [`load_classifier`] on a named device: `cpu`, or `cuda` / `cuda:N`
/// (needs a binary built with `--features cuda`).
pub fn load_classifier_on(
    model: Option<&PathBuf>,
    max_tokens: usize,
    device: &str,
) -> Result<policyscan::classify::Classifier> {
    use policyscan::classify::{Classifier, ModelFiles};
    let (files, name) = match model {
        Some(dir) => (ModelFiles::read_dir(dir)?, dir.display().to_string()),
        None => (ModelFiles::embedded(), "embedded model".to_string()),
    };
    Ok(Classifier::from_files(
        files,
        &name,
        max_tokens,
        &parse_device(device)?,
    )?)
}

/// The data-mention tagger on the CPU: `--tagger DIR`, else the built-in one.
pub fn load_tagger(
    dir: Option<&std::path::Path>,
    max_tokens: usize,
) -> Result<policyscan::tag::Tagger> {
    load_tagger_on(dir, max_tokens, "cpu")
}

/// Like [`load_tagger`] on a named device (see [`parse_device`]).
pub fn load_tagger_on(
    dir: Option<&std::path::Path>,
    max_tokens: usize,
    device: &str,
) -> Result<policyscan::tag::Tagger> {
    use policyscan::classify::ModelFiles;
    use policyscan::tag::{Tagger, embedded_files};
    let (files, name) = match dir {
        Some(d) => (ModelFiles::read_dir(d)?, d.display().to_string()),
        None => (embedded_files(), "built-in tagger".to_string()),
    };
    Ok(Tagger::from_files(
        files,
        &name,
        max_tokens,
        &parse_device(device)?,
    )?)
}

/// `--device`: `cpu`, or `cuda` / `cuda:N` (needs a binary built with
/// `--features cuda`).
pub fn parse_device(device: &str) -> Result<candle_core::Device> {
    Ok(match device {
        "cpu" => candle_core::Device::Cpu,
        d if d.starts_with("cuda") => {
            let ord: usize = d
                .strip_prefix("cuda:")
                .and_then(|n| n.parse().ok())
                .unwrap_or(0);
            candle_core::Device::new_cuda(ord).map_err(|e| {
                anyhow::anyhow!(
                    "--device {d}: {e} (CUDA needs a binary built with `cargo build --release --features cuda`)"
                )
            })?
        }
        other => anyhow::bail!("unknown --device `{other}` (expected cpu, cuda or cuda:N)"),
    })
}
