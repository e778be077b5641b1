//! Training: the segment classifier (`policyscan train`), the data-mention
//! tagger (`train-tagger`) and masked-LM pre-training (`pretrain`), each
//! writing a model directory in the Hugging Face layout.
//!
//! One recipe for all three, in one place:
//! - [`encoder`]: where an encoder comes from — `--init DIR` (optionally
//!   grown by `--stack-layers`), or a small BERT with a WordPiece vocabulary
//!   trained on the training texts (BERT normaliser and pre-tokeniser, so
//!   CJK is split per character) — and how a model directory is written;
//! - `fit`: the one training loop — AdamW with linear warm-up and linear
//!   decay, length-bucketed batches, a dev evaluation every `eval_every`
//!   steps that keeps the best model (or the moving average of the
//!   weights, `ema`), early stopping; everything random drawn from one
//!   seed;
//! - the tasks, which differ only in loss, dev score and what they save:
//!   [`classifier`] (multi-label BCE with per-label positive weights, dev
//!   macro-F1, per-label thresholds tuned on dev into `config.json`),
//!   [`tagger`] (BIO token cross-entropy, dev exact-span F1) and
//!   [`pretrain`] (masked-token cross-entropy, dev masked-token accuracy);
//! - [`ngram`]: the character n-gram member, a logistic regression per
//!   label (no encoder, no loop above: L-BFGS);
//! - [`distill`]: a teacher's scores on unlabelled segments as soft
//!   targets for the classifier, and the check that the teacher learned
//!   from nothing the student must not see.
//!
//! This file holds what they share: options, errors, and reading and
//! encoding the training and dev examples.

pub mod classifier;
pub mod distill;
pub(crate) mod ema;
pub mod encoder;
pub(crate) mod fit;
pub mod loss;
pub mod ngram;
pub mod pretrain;
pub mod soup;
pub mod tagger;

use std::path::PathBuf;

use crate::data::examples::{ExamplesError, Labelled, read_examples};
use policyscan::model::batch::{Batcher, Encoded};
use policyscan::model::config::ModelConfig;

pub use classifier::{TrainSummary, Trainee, train, train_on};
pub use encoder::build_tokenizer;

/// Why training failed.
#[derive(Debug, thiserror::Error)]
pub enum TrainError {
    /// A training or dev file is unreadable or malformed.
    #[error(transparent)]
    Examples(#[from] ExamplesError),
    /// The `--init` directory is not a usable BERT.
    #[error(transparent)]
    Model(#[from] policyscan::model::ModelError),
    /// The training file has no examples.
    #[error("{0}: no training examples")]
    Empty(PathBuf),
    /// Building the vocabulary failed.
    #[error("tokenizer training failed: {0}")]
    Tokenizer(String),
    /// A tensor operation failed.
    #[error("training step failed: {0}")]
    Candle(#[from] candle_core::Error),
    /// Tokenising or batching an example failed.
    #[error(transparent)]
    Batch(#[from] policyscan::model::batch::BatchError),
    /// `--stack-layers` does not fit the `--init` encoder.
    #[error("--stack-layers {wanted}: {reason}")]
    Stack { wanted: usize, reason: String },
    /// `--lead-in` given to a trainer that reads whole segments (the
    /// tagger, the masked LM): it would be ignored without a word.
    #[error(
        "--lead-in is a flag of `train` (the segment classifier); `{0}` does not read lead-ins"
    )]
    LeadIn(&'static str),
    /// The models of a soup cannot be averaged.
    #[error("{path}: {reason}")]
    Soup { path: PathBuf, reason: String },
    /// Writing the model directory failed.
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// Settings of one training run (the CLI flags of `policyscan train`).
#[derive(Debug, Clone)]
pub struct TrainOptions {
    pub train: PathBuf,
    pub dev: PathBuf,
    pub out: PathBuf,
    /// Fine-tune this HF BERT directory instead of training from scratch.
    pub init: Option<PathBuf>,
    /// Grow the `init` encoder to this many layers by repeating its layers
    /// in order (progressive stacking, Gong et al. 2019: a 2-layer encoder
    /// becomes layers 0 1 0 1): depth without pre-training a deeper model.
    pub stack_layers: Option<usize>,
    pub hidden: usize,
    pub layers: usize,
    pub heads: usize,
    pub vocab_size: usize,
    pub epochs: usize,
    pub batch_size: usize,
    pub lr: f64,
    /// Fraction of all steps spent warming the learning rate up.
    pub warmup: f64,
    pub weight_decay: f64,
    /// Judge and save checkpoints with a moving average of the weights at
    /// this decay per step (`train/ema.rs`); `None`: the weights as they are.
    pub ema: Option<f64>,
    pub max_tokens: usize,
    /// Read each list item with its lead-in ([`policyscan::segment::lead_ins`])
    /// after the heading path; saved in `config.json` so the scan reads the
    /// same way.
    pub lead_in: bool,
    pub seed: u64,
    /// Stop after this many evaluations without a better dev macro-F1.
    pub patience: usize,
    /// Evaluate every this many steps (0: once per epoch).
    pub eval_every: usize,
    /// Stop after this many steps in total (for tests and quick runs).
    pub max_steps: Option<usize>,
    pub progress: bool,
}

impl Default for TrainOptions {
    fn default() -> Self {
        Self {
            train: PathBuf::new(),
            dev: PathBuf::new(),
            out: PathBuf::new(),
            init: None,
            stack_layers: None,
            hidden: 256,
            layers: 4,
            heads: 4,
            vocab_size: 8000,
            epochs: 3,
            batch_size: 32,
            lr: 5e-4,
            warmup: 0.06,
            weight_decay: 0.01,
            ema: None,
            max_tokens: policyscan::classify::DEFAULT_MAX_TOKENS,
            lead_in: false,
            seed: 17,
            patience: 4,
            eval_every: 0,
            max_steps: None,
            progress: true,
        }
    }
}

/// Log what a trainer starts with (`-v`).
pub(crate) fn log_start(what: &str, config: &ModelConfig, train: usize, dev: usize) {
    tracing::info!(
        vocab = config.vocab_size,
        hidden = config.hidden_size,
        layers = config.num_hidden_layers,
        train,
        dev,
        "{what}"
    );
}

/// The texts a from-scratch vocabulary is trained on: every example's
/// text and headings.
pub(crate) fn vocabulary_texts(data: &[Labelled]) -> Vec<&str> {
    data.iter()
        .flat_map(|l| {
            std::iter::once(l.example.text.as_str())
                .chain(l.example.heading_path.iter().map(|h| h.as_str()))
        })
        .collect()
}

/// The training and dev examples of `opts` (an empty training file is an
/// error).
pub(crate) fn read_train_dev(
    opts: &TrainOptions,
) -> Result<(Vec<Labelled>, Vec<Labelled>), TrainError> {
    let train = read_examples(&opts.train)?;
    if train.is_empty() {
        return Err(TrainError::Empty(opts.train.clone()));
    }
    Ok((train, read_examples(&opts.dev)?))
}

/// Token ids of every example (heading path + text).
pub(crate) fn encode_all(batcher: &Batcher, data: &[Labelled]) -> Result<Vec<Encoded>, TrainError> {
    data.iter()
        .map(|l| batcher.encode_one(&l.input()).map_err(TrainError::from))
        .collect()
}
