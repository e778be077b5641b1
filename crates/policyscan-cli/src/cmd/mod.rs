//! The commands, one file each, and the model loading they share.

pub mod check;
pub mod cv;
pub mod dataset;
pub mod eval;
pub mod merge;
pub mod plan;
pub mod report;
pub mod scan;
pub mod score;
pub mod soup;
pub mod train;

use std::path::PathBuf;

use anyhow::Result;
use clap::ValueEnum;
use policyscan::model::DeviceSpec;
use policyscan::table::OutFormat;

/// `--format` of the commands that write tables.
#[derive(Clone, Copy, ValueEnum)]
pub enum Format {
    Parquet,
    Csv,
    Jsonl,
}

impl From<Format> for OutFormat {
    fn from(f: Format) -> Self {
        match f {
            Format::Parquet => OutFormat::Parquet,
            Format::Csv => OutFormat::Csv,
            Format::Jsonl => OutFormat::Jsonl,
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

/// A moving-average decay (`--ema`): a share of the average kept per step,
/// so in [0, 1).
pub fn decay(s: &str) -> Result<f64, String> {
    let d: f64 = s.parse().map_err(|e| format!("{s}: {e}"))?;
    if (0.0..1.0).contains(&d) {
        Ok(d)
    } else {
        Err(format!("{s}: a decay is at least 0 and below 1"))
    }
}

/// `--config` of a from-scratch model: (hidden size, layers, attention heads).
pub fn model_size(config: &str) -> Result<(usize, usize, usize)> {
    Ok(match config {
        "small" => (256, 4, 4),
        "tiny" => (128, 2, 2),
        "micro" => (32, 1, 2),
        other => anyhow::bail!("unknown --config `{other}` (expected small, tiny or micro)"),
    })
}

/// Where `--model` points, or the embedded default, on the CPU.
pub fn load_classifier(
    model: Option<&PathBuf>,
    max_tokens: usize,
) -> Result<policyscan::classify::Classifier> {
    load_classifier_on(model, max_tokens, DeviceSpec::Cpu)
}

/// Like [`load_classifier`] on a named device: `cpu`, or `cuda` / `cuda:N`
/// (needs a binary built with `--features cuda`).
pub fn load_classifier_on(
    model: Option<&PathBuf>,
    max_tokens: usize,
    device: DeviceSpec,
) -> Result<policyscan::classify::Classifier> {
    use policyscan::classify::{Classifier, ClassifierFiles, embedded_files as classifier_files};
    let (files, name) = match model {
        Some(dir) => (ClassifierFiles::read_dir(dir)?, dir.display().to_string()),
        None => (classifier_files()?, "embedded model".to_string()),
    };
    Ok(Classifier::from_files(
        files,
        &name,
        max_tokens,
        &open_device(device)?,
    )?)
}

/// The data-mention tagger on the CPU: `--tagger DIR`, else the built-in one.
pub fn load_tagger(
    dir: Option<&std::path::Path>,
    max_tokens: usize,
) -> Result<policyscan::tag::Tagger> {
    load_tagger_on(dir, max_tokens, DeviceSpec::Cpu)
}

/// Like [`load_tagger`] on a named device (see [`open_device`]).
pub fn load_tagger_on(
    dir: Option<&std::path::Path>,
    max_tokens: usize,
    device: DeviceSpec,
) -> Result<policyscan::tag::Tagger> {
    use policyscan::model::ModelFiles;
    use policyscan::tag::{Tagger, embedded_files};
    let (files, name) = match dir {
        Some(d) => (ModelFiles::read_dir(d)?, d.display().to_string()),
        None => (embedded_files(), "built-in tagger".to_string()),
    };
    Ok(Tagger::from_files(
        files,
        &name,
        max_tokens,
        &open_device(device)?,
    )?)
}

/// Open `--device`, with a hint when CUDA is not compiled in.
pub fn open_device(device: DeviceSpec) -> Result<candle_core::Device> {
    device.open().map_err(|e| {
        anyhow::anyhow!(
            "--device {device}: {e} (CUDA needs a binary built with `cargo build --release --features cuda`)"
        )
    })
}
