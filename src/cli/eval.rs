//! `policyscan eval`.

use std::path::PathBuf;

use anyhow::Result;
use clap::Args;
use policyscan::classify::Input;
use policyscan::dataset::{DevSet, shared_dir};
use policyscan::examples::read_examples;
use policyscan::labels::LabelSet;
use policyscan::metrics::{self, format_table};
use policyscan::segment::SegmentOptions;

/// Flags of `policyscan eval`.
#[derive(Args)]
pub struct EvalArgs {
    /// Model directory (default: the embedded model).
    #[arg(long)]
    model: Option<PathBuf>,
    /// Labelled JSONL to score segment by segment.
    #[arg(long, conflicts_with = "dev_lines")]
    data: Option<PathBuf>,
    /// Score the whole scan (segment → classify) on the human-labelled dev
    /// lines of the shared folder, model and keyword baseline side by side.
    #[arg(long)]
    dev_lines: bool,
    /// Shared data folder (default ../shared), for --dev-lines.
    #[arg(long)]
    shared: Option<PathBuf>,
    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,
    #[arg(long, default_value_t = 128)]
    max_tokens: usize,
    #[arg(long, default_value_t = 32)]
    batch_size: usize,
}

pub fn run(a: EvalArgs) -> Result<()> {
    let clf = super::load_classifier(a.model.as_ref(), a.max_tokens)?;
    if a.dev_lines {
        let shared = shared_dir(a.shared.as_deref())?;
        let dev = DevSet::load(&shared)?;
        let opts = SegmentOptions::default();
        let mut failure = None;
        let model = dev.score_lines(&opts, |segs| {
            let inputs: Vec<Input> = segs
                .iter()
                .map(|s| Input {
                    heading_path: &s.heading_path,
                    text: &s.text,
                })
                .collect();
            match clf.score(&inputs, a.batch_size) {
                Ok(scores) => scores.iter().map(|s| clf.decide(s)).collect(),
                Err(e) => {
                    failure = Some(e);
                    vec![[false; 6]; segs.len()]
                }
            }
        });
        if let Some(e) = failure {
            return Err(e.into());
        }
        let base = dev.score_lines(&opts, |segs| {
            segs.iter()
                .map(|s| policyscan::baseline::predict(&s.heading_path, &s.text))
                .collect::<Vec<LabelSet>>()
        });
        if a.json {
            println!("{}", serde_json::json!({"model": model, "baseline": base}));
        } else {
            println!(
                "model (whole scan, human dev lines):\n{}",
                format_table(&model)
            );
            println!("keyword baseline (same lines):\n{}", format_table(&base));
        }
        return Ok(());
    }
    let Some(data) = a.data else {
        anyhow::bail!("give --data FILE or --dev-lines");
    };
    let ex = read_examples(&data)?;
    let inputs: Vec<Input> = ex
        .iter()
        .map(|l| Input {
            heading_path: &l.example.heading_path,
            text: &l.example.text,
        })
        .collect();
    let scores = clf.score(&inputs, a.batch_size)?;
    let pred = metrics::decide(&scores, clf.thresholds());
    let gold: Vec<LabelSet> = ex.iter().map(|l| l.gold).collect();
    let r = metrics::report(&gold, &pred);
    if a.json {
        println!("{}", serde_json::to_string_pretty(&r)?);
    } else {
        print!("{}", format_table(&r));
    }
    Ok(())
}
