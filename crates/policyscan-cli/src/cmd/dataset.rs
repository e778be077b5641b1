//! `policyscan dataset`.

use std::path::PathBuf;

use anyhow::Result;
use clap::Args;
use policyscan::segment::SegmentOptions;
use policyscan_lab::data::{HeadingRule, build, shared_dir};

/// Flags of `policyscan dataset`.
#[derive(Args)]
pub struct DatasetArgs {
    /// The shared data folder (default ../shared).
    #[arg(long)]
    shared: Option<PathBuf>,
    /// Where to write train.jsonl and dev.jsonl (the classifier's),
    /// pretrain.jsonl (masked-LM texts) and tag_train/tag_dev/tag_test.jsonl
    /// (the data-mention tagger's).
    #[arg(long)]
    out: PathBuf,
    /// Which headings give a corpus segment its weak section labels:
    /// `innermost` (the innermost matching heading; the shipped model) or
    /// `union` (every heading of the path, as the keyword baseline does).
    #[arg(long, default_value = "innermost")]
    heading_labels: String,
}

pub fn run(a: DatasetArgs) -> Result<()> {
    let shared = shared_dir(a.shared.as_deref())?;
    let rule = match a.heading_labels.as_str() {
        "innermost" => HeadingRule::Innermost,
        "union" => HeadingRule::Union,
        other => anyhow::bail!("unknown --heading-labels `{other}` (expected innermost or union)"),
    };
    let s = build(&shared, &a.out, &SegmentOptions::default(), rule)?;
    println!(
        "train: {} examples ({} VioDroid sentences + segments of {} corpus policies); dev: {} segments of the human-labelled policies",
        s.train, s.viodroid, s.corpus_policies, s.dev
    );
    println!("train label counts: {:?}", s.label_counts);
    println!(
        "pretrain: {} texts (train without the tagger's test policies)",
        s.pretrain
    );
    let t = policyscan_lab::data::build_tag(&shared, &a.out, &SegmentOptions::default())?;
    println!(
        "tagger (segments, data spans): train {:?}, dev {:?} (the 12 dev policies), test {:?} (held-out corpus policies)",
        t.train, t.dev, t.test
    );
    Ok(())
}
