//! `policyscan soup`: average the weights of several fine-tunes of one
//! model into one model folder (`policyscan_lab::train::soup`).

use std::path::PathBuf;

use anyhow::Result;
use clap::Args;

/// Flags of `policyscan soup`.
#[derive(Args)]
pub struct SoupArgs {
    /// The model folder to write (Hugging Face layout).
    #[arg(long)]
    out: PathBuf,
    /// Two or more model folders fine-tuned from the same start (same
    /// tokenizer, config and tensors); the first one's thresholds are kept.
    #[arg(value_name = "MODEL", num_args = 2.., required = true)]
    models: Vec<PathBuf>,
}

pub fn run(a: SoupArgs) -> Result<()> {
    let tensors = policyscan_lab::train::soup::soup(&a.models, &a.out)?;
    eprintln!(
        "policyscan: {tensors} tensors of {} models averaged into {}",
        a.models.len(),
        a.out.display()
    );
    Ok(())
}
