//! `policyscan train`: fine-tune or train from scratch the BERT segment
//! classifier, and write a model directory in the Hugging Face layout.
//!
//! Recipe: multi-label BCE (with a per-label positive weight so rare labels
//! count), AdamW with linear warm-up and linear decay, length-bucketed
//! batches, evaluation on the dev file every `eval_every` steps, early stopping
//! on dev macro-F1, and per-label thresholds tuned on dev and written into
//! `config.json`. Everything random is drawn from one seed.
//!
//! Without `--init`, a WordPiece vocabulary is trained with `tokenizers` on the
//! training texts (BERT normaliser and pre-tokeniser, so CJK is split per
//! character) and a small BERT is built from scratch.

pub mod loss;
pub mod pretrain;
pub mod tagger;

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::time::Instant;

use candle_core::{DType, Device, Tensor, Var};
use candle_nn::{AdamW, Optimizer, ParamsAdamW, VarBuilder, VarMap};
use indicatif::{ProgressBar, ProgressStyle};
use tokenizers::models::TrainerWrapper;
use tokenizers::models::wordpiece::{WordPiece, WordPieceTrainer};
use tokenizers::normalizers::bert::BertNormalizer;
use tokenizers::pre_tokenizers::bert::BertPreTokenizer;
use tokenizers::processors::template::TemplateProcessing;
use tokenizers::{AddedToken, Tokenizer};

use crate::examples::{ExamplesError, Labelled, read_examples};
use crate::metrics::{self, Report};
use loss::bce_with_logits;
use policyscan::labels::{LABELS, LabelSet, N_LABELS};
use policyscan::model::batch::{Batcher, Encoded};
use policyscan::model::bert::{BertClassifier, DTYPE, Dropout};
use policyscan::model::config::ModelConfig;
use policyscan::model::{ModelFiles, parse_config, parse_tokenizer, sigmoid};
use policyscan::rng::SplitMix64;

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
    pub max_tokens: usize,
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
            max_tokens: 128,
            seed: 17,
            patience: 4,
            eval_every: 0,
            max_steps: None,
            progress: true,
        }
    }
}

/// What a training run achieved.
#[derive(Debug, Clone)]
pub struct TrainSummary {
    pub steps: usize,
    pub best_step: usize,
    pub seconds: f64,
    /// Dev report at the best step, with the tuned thresholds.
    pub dev: Report,
    pub thresholds: [f32; N_LABELS],
    /// Training loss at each step.
    pub losses: Vec<f32>,
}

/// Train a WordPiece vocabulary on `texts` (BERT normaliser + pre-tokeniser)
/// with the BERT special tokens and `[CLS] A [SEP] B [SEP]` post-processing.
pub fn build_tokenizer<'a>(
    texts: impl Iterator<Item = &'a str> + Send,
    vocab_size: usize,
) -> Result<Tokenizer, TrainError> {
    let terr = |e: tokenizers::Error| TrainError::Tokenizer(e.to_string());
    let specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"];
    let mut tok = Tokenizer::new(
        WordPiece::builder()
            .unk_token("[UNK]".into())
            .build()
            .map_err(terr)?,
    );
    tok.with_normalizer(Some(BertNormalizer::default()))
        .map_err(terr)?;
    tok.with_pre_tokenizer(Some(BertPreTokenizer));
    tok.with_decoder(Some(tokenizers::decoders::wordpiece::WordPiece::default()));
    let mut trainer = TrainerWrapper::WordPieceTrainer(
        WordPieceTrainer::builder()
            .vocab_size(vocab_size)
            .min_frequency(2)
            .show_progress(false)
            .special_tokens(
                specials
                    .iter()
                    .map(|s| AddedToken::from(*s, true))
                    .collect(),
            )
            .build(),
    );
    tok.train(&mut trainer, texts).map_err(terr)?;
    let id = |t: &str| tok.token_to_id(t).unwrap_or(0);
    let post = TemplateProcessing::builder()
        .try_single("[CLS] $A [SEP]")
        .map_err(TrainError::Tokenizer)?
        .try_pair("[CLS] $A:0 [SEP]:0 $B:1 [SEP]:1")
        .map_err(TrainError::Tokenizer)?
        .special_tokens(vec![("[CLS]", id("[CLS]")), ("[SEP]", id("[SEP]"))])
        .build()
        .map_err(|e| TrainError::Tokenizer(e.to_string()))?;
    tok.with_post_processor(Some(post));
    Ok(tok)
}

/// Set every variable of a freshly built model from the seeded generator:
/// N(0, initializer_range) for weights and embeddings, 1 for layer-norm
/// scales, 0 for biases (as `transformers` initialises BERT). Variables in
/// `keep` (loaded from `--init`) are left alone.
pub(crate) fn init_vars(
    varmap: &VarMap,
    keep: &HashSet<String>,
    std: f64,
    rng: &mut SplitMix64,
) -> Result<(), TrainError> {
    let data = varmap.data().lock().expect("varmap lock");
    let mut names: Vec<&String> = data.keys().collect();
    names.sort();
    for name in names {
        if keep.contains(name) {
            continue;
        }
        let var = &data[name];
        let n = var.elem_count();
        let values: Vec<f32> = if name.ends_with("bias") {
            vec![0.0; n]
        } else if name.contains("LayerNorm") {
            vec![1.0; n]
        } else {
            (0..n).map(|_| (rng.normal() * std) as f32).collect()
        };
        var.set(&Tensor::from_vec(values, var.shape(), var.device())?)?;
    }
    Ok(())
}

/// Load the encoder of the HF BERT directory `dir` into `varmap` under
/// `bert.…` (task heads — `classifier.…`, `cls.…` — dropped, and any tensor
/// `keep` refuses); returns its config, tokenizer and the names loaded, which
/// [`init_vars`] must leave alone. Fine-tuning starts here.
pub(crate) fn load_encoder(
    dir: &Path,
    varmap: &VarMap,
    keep: impl Fn(&str) -> bool,
) -> Result<(ModelConfig, Tokenizer, HashSet<String>), TrainError> {
    let files = ModelFiles::read_dir(dir)?;
    let name = dir.display().to_string();
    let config = parse_config(&files.config, &name)?;
    let tokenizer = parse_tokenizer(&files.tokenizer, &name)?;
    let loaded = candle_core::safetensors::load_buffer(&files.weights, &Device::Cpu)?;
    let mut names = HashSet::new();
    let mut data = varmap.data().lock().expect("varmap lock");
    for (k, t) in loaded {
        if k.starts_with("classifier.") || k.starts_with("cls.") {
            continue;
        }
        let k = if k.starts_with("bert.") {
            k
        } else {
            format!("bert.{k}")
        };
        if !keep(&k) {
            continue;
        }
        data.insert(k.clone(), Var::from_tensor(&t.to_dtype(DType::F32)?)?);
        names.insert(k);
    }
    Ok((config, tokenizer, names))
}

/// Repeat the loaded encoder's layers until it has `n`: layer `i + k·L`
/// starts as a copy of layer `i` (`L` the loaded depth). `n` must be a
/// multiple of `L`.
fn stack_layers(
    config: &mut ModelConfig,
    varmap: &VarMap,
    names: &mut HashSet<String>,
    n: usize,
) -> Result<(), TrainError> {
    let l = config.num_hidden_layers;
    if l == 0 || n < l || !n.is_multiple_of(l) {
        return Err(TrainError::Stack {
            wanted: n,
            reason: format!("must be a multiple of the --init encoder's {l} layers"),
        });
    }
    let mut data = varmap.data().lock().expect("varmap lock");
    let layer_keys: Vec<(String, usize, String)> = data
        .keys()
        .filter_map(|k| {
            let rest = k.strip_prefix("bert.encoder.layer.")?;
            let (i, tail) = rest.split_once('.')?;
            Some((k.clone(), i.parse().ok()?, tail.to_string()))
        })
        .collect();
    for (key, i, tail) in layer_keys {
        let t = data[&key].as_tensor().copy()?;
        for copy in 1..n / l {
            let new = format!("bert.encoder.layer.{}.{tail}", i + copy * l);
            data.insert(new.clone(), Var::from_tensor(&t)?);
            names.insert(new);
        }
    }
    config.num_hidden_layers = n;
    Ok(())
}

/// Where a new model's encoder comes from: `--init DIR` (its config,
/// tokenizer and encoder tensors, minus those `keep` refuses; returns the
/// names loaded, which [`init_vars`] must leave alone), or a small BERT
/// of `opts`' size with a WordPiece vocabulary trained on `texts`.
pub(crate) fn encoder_start<'a>(
    opts: &TrainOptions,
    texts: impl Iterator<Item = &'a str> + Send,
    varmap: &VarMap,
    keep: impl Fn(&str) -> bool,
) -> Result<(ModelConfig, Tokenizer, HashSet<String>), TrainError> {
    if let Some(dir) = &opts.init {
        let (mut config, tokenizer, mut names) = load_encoder(dir, varmap, keep)?;
        if let Some(n) = opts.stack_layers {
            stack_layers(&mut config, varmap, &mut names, n)?;
        }
        return Ok((config, tokenizer, names));
    }
    let (config, tokenizer) = scratch_encoder(opts, texts)?;
    Ok((config, tokenizer, HashSet::new()))
}

/// A small BERT config of `opts`' size and a WordPiece vocabulary trained on
/// `texts`: the from-scratch start of every trainer.
fn scratch_encoder<'a>(
    opts: &TrainOptions,
    texts: impl Iterator<Item = &'a str> + Send,
) -> Result<(ModelConfig, Tokenizer), TrainError> {
    let tokenizer = build_tokenizer(texts, opts.vocab_size)?;
    let vocab = tokenizer.get_vocab_size(true);
    let mut config = ModelConfig::small(vocab, opts.hidden, opts.layers, opts.heads);
    config.max_position_embeddings = config.max_position_embeddings.max(opts.max_tokens);
    Ok((config, tokenizer))
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

/// A model being trained: its variables, config and batcher.
pub struct Trainee {
    pub varmap: VarMap,
    pub model: BertClassifier,
    pub config: ModelConfig,
    pub batcher: Batcher,
}

impl Trainee {
    /// A new small BERT with a vocabulary trained on `texts`.
    pub fn scratch(
        texts: &[&str],
        opts: &TrainOptions,
        rng: &mut SplitMix64,
    ) -> Result<Self, TrainError> {
        let (config, tokenizer) = scratch_encoder(opts, texts.iter().copied())?;
        let varmap = VarMap::new();
        let vb = VarBuilder::from_varmap(&varmap, DTYPE, &Device::Cpu);
        let model = BertClassifier::load(vb, &config, N_LABELS)?;
        init_vars(&varmap, &HashSet::new(), config.initializer_range, rng)?;
        Ok(Self {
            varmap,
            model,
            config,
            batcher: Batcher::new(tokenizer, opts.max_tokens),
        })
    }

    /// Fine-tune an existing HF BERT directory: its tokenizer and encoder are
    /// kept, the classification head is new (our six labels).
    pub fn from_init(
        dir: &Path,
        opts: &TrainOptions,
        rng: &mut SplitMix64,
    ) -> Result<Self, TrainError> {
        let varmap = VarMap::new();
        let (mut config, tokenizer, mut keep) = load_encoder(dir, &varmap, |_| true)?;
        if let Some(n) = opts.stack_layers {
            stack_layers(&mut config, &varmap, &mut keep, n)?;
        }
        config.set_policyscan_labels();
        config.thresholds.clear();
        let vb = VarBuilder::from_varmap(&varmap, DTYPE, &Device::Cpu);
        let model = BertClassifier::load(vb, &config, N_LABELS)?;
        init_vars(&varmap, &keep, config.initializer_range, rng)?;
        let max_tokens = opts.max_tokens.min(config.max_position_embeddings);
        Ok(Self {
            varmap,
            model,
            config,
            batcher: Batcher::new(tokenizer, max_tokens),
        })
    }

    /// Sigmoid scores for encoded inputs (inference mode, no dropout).
    pub fn score(
        &self,
        encoded: &[Encoded],
        batch_size: usize,
    ) -> Result<Vec<[f32; N_LABELS]>, TrainError> {
        let mut out = vec![[0f32; N_LABELS]; encoded.len()];
        for b in self.batcher.batches(encoded, batch_size) {
            let t = b.tensors(&Device::Cpu)?;
            let logits = self
                .model
                .forward(&t.ids, &t.type_ids, &t.mask, false, None)?
                .to_vec2::<f32>()?;
            for (row, &i) in logits.iter().zip(&b.index) {
                for l in 0..N_LABELS {
                    out[i][l] = sigmoid(row[l]);
                }
            }
        }
        Ok(out)
    }

    /// Write `config.json` (with thresholds), `tokenizer.json` and
    /// `model.safetensors` into `dir`.
    pub fn save(&self, dir: &Path, thresholds: &[f32; N_LABELS]) -> Result<(), TrainError> {
        let mut config = self.config.clone();
        config.thresholds = LABELS
            .iter()
            .zip(thresholds)
            .map(|(l, t)| (l.to_string(), *t))
            .collect();
        save_model_dir(dir, &config, self.batcher.tokenizer(), &self.varmap)
    }
}

/// Write a Hugging Face model directory: `config.json`, `tokenizer.json`
/// and `model.safetensors` (the variables of `varmap`).
pub(crate) fn save_model_dir(
    dir: &Path,
    config: &ModelConfig,
    tokenizer: &Tokenizer,
    varmap: &VarMap,
) -> Result<(), TrainError> {
    let io = |path: PathBuf| move |source| TrainError::Io { path, source };
    std::fs::create_dir_all(dir).map_err(io(dir.into()))?;
    let cfg = serde_json::to_string_pretty(config).expect("config serialises");
    std::fs::write(dir.join("config.json"), cfg + "\n").map_err(io(dir.join("config.json")))?;
    tokenizer
        .save(dir.join("tokenizer.json"), false)
        .map_err(|e| TrainError::Tokenizer(e.to_string()))?;
    varmap.save(dir.join("model.safetensors"))?;
    Ok(())
}

pub(crate) fn encode_all(batcher: &Batcher, data: &[Labelled]) -> Result<Vec<Encoded>, TrainError> {
    data.iter()
        .map(|l| batcher.encode_one(&l.input()).map_err(TrainError::from))
        .collect()
}

/// Length-bucketed, shuffled batches for one epoch: shuffle, cut into pools
/// of 50 batches, sort each pool by length, cut into batches, shuffle batches.
pub(crate) fn epoch_batches(
    encoded: &[Encoded],
    batch_size: usize,
    rng: &mut SplitMix64,
) -> Vec<Vec<usize>> {
    let mut idx: Vec<usize> = (0..encoded.len()).collect();
    rng.shuffle(&mut idx);
    let mut batches = Vec::new();
    for pool in idx.chunks(batch_size * 50) {
        let mut pool = pool.to_vec();
        pool.sort_by_key(|&i| encoded[i].ids.len());
        batches.extend(pool.chunks(batch_size).map(|c| c.to_vec()));
    }
    rng.shuffle(&mut batches);
    batches
}

/// Positive weight per label: sqrt(negatives / positives), clamped to [1, 10].
fn pos_weights(data: &[Labelled]) -> [f32; N_LABELS] {
    std::array::from_fn(|l| {
        let pos = data.iter().filter(|d| d.gold[l]).count().max(1) as f32;
        let neg = (data.len() as f32 - pos).max(1.0);
        (neg / pos).sqrt().clamp(1.0, 10.0)
    })
}

/// Score the dev set, tune thresholds on it and report.
fn evaluate(
    trainee: &Trainee,
    dev_enc: &[Encoded],
    dev_gold: &[LabelSet],
) -> Result<(Report, [f32; N_LABELS]), TrainError> {
    let scores = trainee.score(dev_enc, 64)?;
    let thresholds = metrics::tune_thresholds(dev_gold, &scores);
    let pred = metrics::decide(&scores, &thresholds);
    Ok((metrics::report(dev_gold, &pred), thresholds))
}

/// Steps, warm-up and evaluation cadence of one run: the same schedule for
/// the classifier and the tagger.
pub(crate) struct Schedule {
    pub total: usize,
    pub warmup: usize,
    pub eval_every: usize,
}

impl Schedule {
    pub(crate) fn new(n_train: usize, opts: &TrainOptions) -> Self {
        let steps_per_epoch = n_train.div_ceil(opts.batch_size.max(1));
        let total = opts
            .max_steps
            .unwrap_or(usize::MAX)
            .min(steps_per_epoch * opts.epochs.max(1));
        Self {
            total,
            warmup: ((total as f64 * opts.warmup) as usize).max(1),
            eval_every: if opts.eval_every == 0 {
                steps_per_epoch
            } else {
                opts.eval_every
            },
        }
    }

    /// Linear warm-up to `peak`, then linear decay to zero at `total`.
    pub(crate) fn lr(&self, step: usize, peak: f64) -> f64 {
        if step < self.warmup {
            peak * (step + 1) as f64 / self.warmup as f64
        } else {
            peak * (self.total - step) as f64 / (self.total - self.warmup).max(1) as f64
        }
    }
}

/// AdamW over every variable of `varmap`.
pub(crate) fn optimizer(varmap: &VarMap, opts: &TrainOptions) -> Result<AdamW, TrainError> {
    Ok(AdamW::new(
        varmap.all_vars(),
        ParamsAdamW {
            lr: opts.lr,
            weight_decay: opts.weight_decay,
            ..Default::default()
        },
    )?)
}

/// The training progress bar (hidden when not on a terminal).
pub(crate) fn progress_bar(total: usize, on: bool) -> ProgressBar {
    let bar = if on {
        ProgressBar::new(total as u64)
    } else {
        ProgressBar::hidden()
    };
    bar.set_style(
        ProgressStyle::with_template("{elapsed_precise} [{bar:30}] {pos}/{len} {msg}")
            .expect("valid template")
            .progress_chars("=> "),
    );
    bar
}

/// One task the shared training loop ([`fit`]) can drive: the classifier,
/// the tagger and masked-language-model pre-training differ only in their
/// loss, their dev score and how they save themselves.
pub(crate) trait Fit {
    /// What an evaluation reports besides its score.
    type Eval;
    /// Name of the dev score, for the progress bar and the log.
    const METRIC: &'static str;
    /// Training loss of one batch (indices into the encoded training set).
    fn loss(&mut self, batch: &[usize]) -> Result<Tensor, TrainError>;
    /// Dev score (higher is better) and the full evaluation.
    fn evaluate(&mut self) -> Result<(f64, Self::Eval), TrainError>;
    /// Write the model as it is now, with what its evaluation found
    /// (the classifier's tuned thresholds).
    fn save(&self, eval: &Self::Eval) -> Result<(), TrainError>;
    /// Whether there is a dev set to select on; without one every
    /// evaluation saves.
    fn has_dev(&self) -> bool;
}

/// What [`fit`] ran to: steps, the best evaluation and the losses.
pub(crate) struct Fitted<E> {
    pub steps: usize,
    pub best_step: usize,
    pub best: E,
    pub losses: Vec<f32>,
}

/// The loop every trainer shares: epochs of length-bucketed shuffled
/// batches, the warm-up/decay schedule, a smoothed loss on the progress bar,
/// a dev evaluation every `eval_every` steps that saves the best model, and
/// early stopping after `patience` evaluations without a better score.
pub(crate) fn fit<F: Fit>(
    task: &mut F,
    opts: &TrainOptions,
    encoded: &[Encoded],
    varmap: &VarMap,
    rng: &mut SplitMix64,
) -> Result<Fitted<F::Eval>, TrainError> {
    let sched = Schedule::new(encoded.len(), opts);
    let (total, eval_every) = (sched.total, sched.eval_every);
    let mut opt = optimizer(varmap, opts)?;
    let bar = progress_bar(total, opts.progress);
    let mut step = 0;
    let mut losses = Vec::with_capacity(total);
    let mut best: Option<(f64, usize, F::Eval)> = None;
    let mut since_best = 0;
    let mut ema = f32::NAN;
    'outer: for _epoch in 0..opts.epochs.max(1) {
        for idx in epoch_batches(encoded, opts.batch_size.max(1), rng) {
            if step >= total {
                break 'outer;
            }
            opt.set_learning_rate(sched.lr(step, opts.lr));
            let loss = task.loss(&idx)?;
            opt.backward_step(&loss)?;
            let l = loss.to_scalar::<f32>()?;
            losses.push(l);
            ema = if ema.is_nan() {
                l
            } else {
                0.95 * ema + 0.05 * l
            };
            step += 1;
            bar.inc(1);
            let best_f = best.as_ref().map(|b| b.0).unwrap_or(f64::NAN);
            bar.set_message(format!("loss {ema:.4} dev {} {best_f:.3}", F::METRIC));
            if step % eval_every == 0 || step == total {
                let (score, eval) = task.evaluate()?;
                tracing::info!(
                    step,
                    loss = ema,
                    metric = F::METRIC,
                    dev = score,
                    "evaluated"
                );
                if !task.has_dev() || best.as_ref().is_none_or(|b| score > b.0) {
                    task.save(&eval)?;
                    best = Some((score, step, eval));
                    since_best = 0;
                } else {
                    since_best += 1;
                    if since_best >= opts.patience {
                        tracing::info!(step, "early stop: dev {} stopped improving", F::METRIC);
                        break 'outer;
                    }
                }
            }
        }
    }
    bar.finish_and_clear();
    let (_, best_step, best) = match best {
        Some(b) => b,
        None => {
            let (score, eval) = task.evaluate()?;
            task.save(&eval)?;
            (score, step, eval)
        }
    };
    Ok(Fitted {
        steps: step,
        best_step,
        best,
        losses,
    })
}

/// The classifier as a [`Fit`] task: multi-label BCE with per-label
/// positive weights; dev macro-F1 with thresholds tuned on dev.
struct ClassifierFit<'a> {
    trainee: &'a Trainee,
    train: &'a [Labelled],
    train_enc: &'a [Encoded],
    dev_enc: Vec<Encoded>,
    dev_gold: Vec<LabelSet>,
    pos_weight: Tensor,
    dropout: Dropout,
    out: &'a Path,
}

impl Fit for ClassifierFit<'_> {
    type Eval = (Report, [f32; N_LABELS]);
    const METRIC: &'static str = "macro-F1";

    fn loss(&mut self, idx: &[usize]) -> Result<Tensor, TrainError> {
        let b = self.trainee.batcher.pad(self.train_enc, idx);
        let t = b.tensors(&Device::Cpu)?;
        let targets: Vec<f32> = idx
            .iter()
            .flat_map(|&i| self.train[i].gold.iter().map(|&g| g as u8 as f32))
            .collect();
        let targets = Tensor::from_vec(targets, (idx.len(), N_LABELS), &Device::Cpu)?;
        let logits =
            self.trainee
                .model
                .forward(&t.ids, &t.type_ids, &t.mask, true, Some(&self.dropout))?;
        Ok(bce_with_logits(&logits, &targets, Some(&self.pos_weight))?)
    }

    fn evaluate(&mut self) -> Result<(f64, Self::Eval), TrainError> {
        let (report, thresholds) = evaluate(self.trainee, &self.dev_enc, &self.dev_gold)?;
        Ok((report.macro_f1, (report, thresholds)))
    }

    fn save(&self, (_, thresholds): &Self::Eval) -> Result<(), TrainError> {
        self.trainee.save(self.out, thresholds)
    }

    fn has_dev(&self) -> bool {
        !self.dev_gold.is_empty()
    }
}

/// Run training as `opts` says; the best model (by dev macro-F1) ends up in
/// `opts.out`.
pub fn train(opts: &TrainOptions) -> Result<TrainSummary, TrainError> {
    let start = Instant::now();
    let (train, dev) = read_train_dev(opts)?;
    let mut rng = SplitMix64::new(opts.seed);
    let trainee = match &opts.init {
        Some(dir) => Trainee::from_init(dir, opts, &mut rng)?,
        None => Trainee::scratch(&vocabulary_texts(&train), opts, &mut rng)?,
    };
    log_start("training", &trainee.config, train.len(), dev.len());
    let train_enc = encode_all(&trainee.batcher, &train)?;
    let pw = pos_weights(&train);
    let mut task = ClassifierFit {
        trainee: &trainee,
        train: &train,
        train_enc: &train_enc,
        dev_enc: encode_all(&trainee.batcher, &dev)?,
        dev_gold: dev.iter().map(|d| d.gold).collect(),
        pos_weight: Tensor::from_slice(&pw, N_LABELS, &Device::Cpu)?,
        dropout: Dropout::new(trainee.config.hidden_dropout_prob as f32, opts.seed ^ 0xD20),
        out: &opts.out,
    };
    let fitted = fit(&mut task, opts, &train_enc, &trainee.varmap, &mut rng)?;
    let (dev_report, thresholds) = fitted.best;
    Ok(TrainSummary {
        steps: fitted.steps,
        best_step: fitted.best_step,
        seconds: start.elapsed().as_secs_f64(),
        dev: dev_report,
        thresholds,
        losses: fitted.losses,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stacking_repeats_the_layers_in_order() {
        let varmap = VarMap::new();
        let mut names = HashSet::new();
        {
            let mut data = varmap.data().lock().unwrap();
            for i in 0..2 {
                let key = format!("bert.encoder.layer.{i}.output.dense.weight");
                let t = Tensor::full(i as f32 + 1.0, (2, 2), &Device::Cpu).unwrap();
                data.insert(key.clone(), Var::from_tensor(&t).unwrap());
                names.insert(key);
            }
        }
        let mut config = ModelConfig::small(10, 8, 2, 2);
        stack_layers(&mut config, &varmap, &mut names, 4).unwrap();
        assert_eq!(config.num_hidden_layers, 4);
        let data = varmap.data().lock().unwrap();
        for (i, want) in [(0, 1.0), (1, 2.0), (2, 1.0), (3, 2.0)] {
            let key = format!("bert.encoder.layer.{i}.output.dense.weight");
            let v: Vec<f32> = data[&key]
                .as_tensor()
                .flatten_all()
                .unwrap()
                .to_vec1()
                .unwrap();
            assert_eq!(v, [want; 4], "{key}");
            // Loaded, so the initialiser leaves it alone.
            assert!(names.contains(&key));
        }
        // Copies, not shared storage: training one must not move the other.
        let zeros = Tensor::zeros((2, 2), DType::F32, &Device::Cpu).unwrap();
        data["bert.encoder.layer.2.output.dense.weight"]
            .set(&zeros)
            .unwrap();
        let v: Vec<f32> = data["bert.encoder.layer.0.output.dense.weight"]
            .as_tensor()
            .flatten_all()
            .unwrap()
            .to_vec1()
            .unwrap();
        assert_eq!(v, [1.0; 4]);
        drop(data);
        let err = stack_layers(&mut ModelConfig::small(10, 8, 2, 2), &varmap, &mut names, 3);
        assert!(matches!(err, Err(TrainError::Stack { wanted: 3, .. })));
    }
}
