//! `policyscan dataset`.

use std::path::PathBuf;

use anyhow::Result;
use clap::Args;
use policyscan::dataset::{build, shared_dir};
use policyscan::segment::SegmentOptions;

/// Flags of `policyscan dataset`.
#[derive(Args)]
pub struct DatasetArgs {
    /// The shared data folder (default ../shared).
    #[arg(long)]
    shared: Option<PathBuf>,
    /// Where to write train.jsonl and dev.jsonl.
    #[arg(long)]
    out: PathBuf,
}

pub fn run(a: DatasetArgs) -> Result<()> {
    let shared = shared_dir(a.shared.as_deref())?;
    let s = build(&shared, &a.out, &SegmentOptions::default())?;
    println!(
        "train: {} examples ({} VioDroid sentences + segments of {} corpus policies); dev: {} segments of the human-labelled policies",
        s.train, s.viodroid, s.corpus_policies, s.dev
    );
    println!("train label counts: {:?}", s.label_counts);
    Ok(())
}
