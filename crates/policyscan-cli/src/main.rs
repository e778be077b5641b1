//! The `policyscan` binary: parses flags into settings and hands them to the
//! library (`policyscan`) or the lab (`policyscan-lab`). One file per command
//! under `cmd/`; errors become a message that says what went wrong and what
//! to do, at this edge only (anyhow lives here and nowhere else).

use std::process::ExitCode;

use anyhow::Result;
use clap::{Parser, Subcommand};

mod cmd;
mod report;

use cmd::{check, dataset, eval, scan, score, train};

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
    /// Cut the inputs of a scan into N shards for array tasks (Kubernetes
    /// Indexed Jobs, Slurm arrays, AWS Batch): the plan goes under --out URI.
    Plan(cmd::plan::PlanArgs),
    /// Check that every shard of a planned run is in; write `_SUCCESS`, or
    /// name the missing shards (exit 2).
    Merge(cmd::merge::MergeArgs),
    /// Write the PIPL checklist of an existing output folder again, with
    /// today's rules (`checklist` table).
    Check(check::CheckArgs),
    /// Train the segment classifier (from scratch, or fine-tune with --init).
    Train(train::TrainArgs),
    /// Pre-train a BERT as a masked language model on policy text (a start
    /// for `train --init` and `train-tagger --init`).
    Pretrain(train::TrainArgs),
    /// Train the data-mention tagger (token classification over CA4P `data`
    /// spans; fine-tune a pre-trained encoder with --init).
    TrainTagger(train::TrainArgs),
    /// Average the weights of fine-tunes of one model into one (a model soup).
    Soup(cmd::soup::SoupArgs),
    /// Cross-validate the classifier by policy over the human-labelled
    /// training policies, model vs keyword baseline (or --final, --line-kinds).
    // Boxed: its options outweigh every other command's several times over.
    Cv(Box<cmd::cv::CvArgs>),
    /// Score a model on a labelled JSONL file, or on the human dev lines.
    Eval(eval::EvalArgs),
    /// Classify the segments of a JSONL file and write their scores.
    Score(score::ScoreArgs),
    /// Build train/dev JSONL from the shared data folder.
    Dataset(dataset::DatasetArgs),
    /// Write an HTML report of a scan's output: an overview and one page per policy.
    Report(cmd::report::ReportArgs),
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
fn main() -> ExitCode {
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
        Command::Plan(a) => cmd::plan::run(a),
        Command::Merge(a) => cmd::merge::run(a),
        Command::Check(a) => check::run(a),
        Command::Train(a) => train::run(a),
        Command::TrainTagger(a) => train::run_tagger(a),
        Command::Pretrain(a) => train::run_pretrain(a),
        Command::Soup(a) => cmd::soup::run(a),
        Command::Score(a) => score::run(a),
        Command::Eval(a) => eval::run(a),
        Command::Cv(a) => cmd::cv::run(*a),
        Command::Dataset(a) => dataset::run(a),
        Command::Report(a) => cmd::report::run(a),
    };
    match res {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("policyscan: error: {e:#}");
            ExitCode::from(2)
        }
    }
}
