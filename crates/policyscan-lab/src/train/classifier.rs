//! `policyscan train`: fine-tune or train from scratch the BERT segment
//! classifier, and write a model directory in the Hugging Face layout.
//!
//! The classifier as a `Fit` task: multi-label BCE with a per-label
//! positive weight (so rare labels count), dev macro-F1 for model selection
//! and early stopping, and per-label thresholds tuned on dev and written
//! into `config.json`.

use std::collections::HashSet;
use std::path::Path;
use std::time::Instant;

use candle_core::{Device, Tensor};
use candle_nn::{VarBuilder, VarMap};

use super::encoder::{init_vars, load_encoder, save_model_dir, scratch_encoder, stack_layers};
use super::fit::{Fit, fit};
use super::loss::bce_with_logits_weighted;
use super::{TrainError, TrainOptions, encode_all, log_start, read_train_dev, vocabulary_texts};
use crate::data::examples::Labelled;
use crate::eval::metrics::{self, Report};
use policyscan::labels::{LABELS, LabelSet, N_LABELS};
use policyscan::model::batch::{Batcher, Encoded};
use policyscan::model::bert::{BertClassifier, DTYPE, Dropout};
use policyscan::model::config::ModelConfig;
use policyscan::model::sigmoid;
use policyscan::rng::SplitMix64;

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
        let (mut config, tokenizer) = scratch_encoder(opts, texts.iter().copied())?;
        config.lead_in = opts.lead_in;
        let varmap = VarMap::new();
        let vb = VarBuilder::from_varmap(&varmap, DTYPE, &Device::Cpu);
        let model = BertClassifier::load(vb, &config, N_LABELS)?;
        init_vars(&varmap, &HashSet::new(), config.initializer_range, rng)?;
        Ok(Self {
            varmap,
            model,
            config,
            batcher: Batcher::new(tokenizer, opts.max_tokens).with_lead_in(opts.lead_in),
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
        config.lead_in = opts.lead_in;
        let vb = VarBuilder::from_varmap(&varmap, DTYPE, &Device::Cpu);
        let model = BertClassifier::load(vb, &config, N_LABELS)?;
        init_vars(&varmap, &keep, config.initializer_range, rng)?;
        let max_tokens = opts.max_tokens.min(config.max_position_embeddings);
        Ok(Self {
            varmap,
            model,
            config,
            batcher: Batcher::new(tokenizer, max_tokens).with_lead_in(opts.lead_in),
        })
    }

    /// Start the classification head from the one in classifier directory
    /// `dir` too (its labels in policyscan's order), so that fine-tuning
    /// continues that classifier instead of a new head. Returns whether a
    /// head was there to load.
    pub fn load_head(&self, dir: &Path) -> Result<bool, TrainError> {
        let files = policyscan::model::ModelFiles::read_dir(dir)?;
        let name = dir.display().to_string();
        let config = policyscan::model::parse_config(&files.config, &name)?;
        if config.labels().ok().as_deref() != Some(&LABELS.map(String::from)[..]) {
            return Ok(false);
        }
        let loaded = candle_core::safetensors::load_buffer(&files.weights, &Device::Cpu)?;
        let data = self.varmap.data().lock().expect("varmap lock");
        let mut found = false;
        for key in ["classifier.weight", "classifier.bias"] {
            if let (Some(t), Some(var)) = (loaded.get(key), data.get(key))
                && t.dims() == var.dims()
            {
                var.set(&t.to_dtype(DTYPE)?)?;
                found = true;
            }
        }
        Ok(found)
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

/// Positive weight per label: sqrt(negatives / positives), clamped to
/// [1, 10]; counted on the examples with hard labels only (all of them when
/// every one is soft), so that adding distilled examples does not change
/// how the human labels are weighed.
fn pos_weights(data: &[Labelled]) -> [f32; N_LABELS] {
    let any_hard = data.iter().any(|d| d.soft.is_none());
    let data: Vec<&Labelled> = data
        .iter()
        .filter(|d| !any_hard || d.soft.is_none())
        .collect();
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
    Ok(metrics::tune_and_report(dev_gold, &scores))
}

/// The classifier as a [`Fit`] task: multi-label BCE with per-label
/// positive weights; dev macro-F1 with thresholds tuned on dev.
struct ClassifierFit<'a> {
    trainee: &'a Trainee,
    train: &'a [Labelled],
    train_enc: &'a [Encoded],
    /// Loss weight of each training example (empty: all 1).
    weights: &'a [f32],
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
        let targets: Vec<f32> = idx.iter().flat_map(|&i| self.train[i].target()).collect();
        let targets = Tensor::from_vec(targets, (idx.len(), N_LABELS), &Device::Cpu)?;
        let logits =
            self.trainee
                .model
                .forward(&t.ids, &t.type_ids, &t.mask, true, Some(&self.dropout))?;
        let weights = if self.weights.is_empty() {
            None
        } else {
            let w: Vec<f32> = idx.iter().map(|&i| self.weights[i]).collect();
            Some(Tensor::from_vec(w, (idx.len(), 1), &Device::Cpu)?)
        };
        Ok(bce_with_logits_weighted(
            &logits,
            &targets,
            Some(&self.pos_weight),
            weights.as_ref(),
        )?)
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
    let mut summary = train_on(&trainee, &train, &[], &dev, opts, &mut rng)?;
    summary.seconds = start.elapsed().as_secs_f64();
    Ok(summary)
}

/// Train `trainee` on examples in memory (`weights`: one loss weight per
/// training example, or empty for all 1), selecting the checkpoint and
/// tuning thresholds on `dev`; the best model ends up in `opts.out`
/// (`opts.train` and `opts.dev` are not read). Cross-validation trains
/// every fold through here.
pub fn train_on(
    trainee: &Trainee,
    train: &[Labelled],
    weights: &[f32],
    dev: &[Labelled],
    opts: &TrainOptions,
    rng: &mut SplitMix64,
) -> Result<TrainSummary, TrainError> {
    let start = Instant::now();
    if train.is_empty() {
        return Err(TrainError::Empty(opts.train.clone()));
    }
    log_start("training", &trainee.config, train.len(), dev.len());
    let train_enc = encode_all(&trainee.batcher, train)?;
    let pw = pos_weights(train);
    let mut task = ClassifierFit {
        trainee,
        train,
        train_enc: &train_enc,
        weights,
        dev_enc: encode_all(&trainee.batcher, dev)?,
        dev_gold: dev.iter().map(|d| d.gold).collect(),
        pos_weight: Tensor::from_slice(&pw, N_LABELS, &Device::Cpu)?,
        dropout: Dropout::new(trainee.config.hidden_dropout_prob as f32, opts.seed ^ 0xD20),
        out: &opts.out,
    };
    let fitted = fit(&mut task, opts, &train_enc, &trainee.varmap, rng)?;
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
    use crate::data::examples::Example;

    fn example(gold: LabelSet, soft: Option<[f32; N_LABELS]>) -> Labelled {
        let mut l = Labelled::hard(
            Example {
                text: "x".into(),
                heading_path: Vec::new(),
                labels: Vec::new(),
                lead_in: None,
                source: None,
            },
            gold,
        );
        l.soft = soft;
        l
    }

    #[test]
    fn soft_examples_train_towards_their_scores_and_leave_the_weights_alone() {
        let mut yes = [false; N_LABELS];
        yes[0] = true;
        let human = vec![example(yes, None), example([false; N_LABELS], None)];
        assert_eq!(human[0].target()[0], 1.0);
        assert_eq!(human[1].target()[0], 0.0);
        let soft = example(yes, Some([0.7; N_LABELS]));
        assert_eq!(soft.target(), [0.7; N_LABELS]);
        // One positive in two human examples: weight 1 for collection,
        // however many confident distilled positives come beside them.
        let mut mixed = human.clone();
        mixed.extend(std::iter::repeat_n(soft, 8));
        assert_eq!(pos_weights(&human), pos_weights(&mixed));
        assert_eq!(pos_weights(&human)[0], 1.0);
        // Counted over the distilled ones too, collection's weight would fall
        // below 1 and be clamped, every other label's rise.
        let all_soft: Vec<Labelled> = mixed[2..].to_vec();
        assert_ne!(pos_weights(&all_soft), pos_weights(&human));
    }
}
