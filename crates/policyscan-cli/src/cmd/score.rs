//! `policyscan score`: classify the segments of a JSONL file and write their
//! scores — for scripting, and for the side-by-side comparison with PyTorch
//! (`benches/compare_pytorch.py`), which needs our scores and our speed on
//! exactly the same inputs.

use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, Result};
use clap::Args;
use policyscan::labels::LABELS;
use policyscan::model::batch::Input;
use policyscan_lab::data::examples::read_examples;

/// Flags of `policyscan score`.
#[derive(Args)]
pub struct ScoreArgs {
    /// JSONL with `text` and optional `heading_path` per line.
    #[arg(long)]
    data: PathBuf,
    /// Where to write one JSON object of scores per input line.
    #[arg(long)]
    out: PathBuf,
    /// Model directory (default: the embedded model).
    #[arg(long)]
    model: Option<PathBuf>,
    #[arg(long, default_value_t = 32)]
    batch_size: usize,
    #[arg(long, default_value_t = policyscan::classify::DEFAULT_MAX_TOKENS)]
    max_tokens: usize,
    /// Where the classifier runs: cpu, or cuda / cuda:N (binary built with `--features cuda`).
    #[arg(long, default_value = "cpu")]
    device: policyscan::model::DeviceSpec,
    /// Worker threads (default: all cores).
    #[arg(long)]
    threads: Option<usize>,
    /// Score the whole file this many times and report the best time.
    #[arg(long, default_value_t = 1)]
    repeat: usize,
}

pub fn run(a: ScoreArgs) -> Result<()> {
    super::set_threads(a.threads)?;
    let clf = super::load_classifier_on(a.model.as_ref(), a.max_tokens, a.device)?;
    let ex = read_examples(&a.data)?;
    let inputs: Vec<Input> = ex.iter().map(|l| l.input()).collect();
    let mut best = f64::INFINITY;
    let mut scores = Vec::new();
    for _ in 0..a.repeat.max(1) {
        let t = Instant::now();
        scores = clf.score(&inputs, a.batch_size)?;
        best = best.min(t.elapsed().as_secs_f64());
    }
    let mut w = std::io::BufWriter::new(
        std::fs::File::create(&a.out)
            .with_context(|| format!("cannot create {}", a.out.display()))?,
    );
    for s in &scores {
        let obj: serde_json::Map<String, serde_json::Value> = LABELS
            .iter()
            .zip(s)
            .map(|(l, v)| (l.to_string(), serde_json::json!(v)))
            .collect();
        writeln!(w, "{}", serde_json::Value::Object(obj))?;
    }
    w.flush()?;
    eprintln!(
        "scored {} segments in {:.3} s ({:.1} segments/s, batch {}, best of {})",
        inputs.len(),
        best,
        inputs.len() as f64 / best,
        a.batch_size,
        a.repeat.max(1)
    );
    Ok(())
}
