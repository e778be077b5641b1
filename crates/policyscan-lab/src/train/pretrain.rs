//! `policyscan pretrain`: masked-language-model pre-training of a small BERT
//! on policy text, so that the classifier and the tagger start from an
//! encoder that has read the corpus instead of from random weights (no
//! pretrained Chinese BERT can be downloaded where this project is built).
//!
//! BERT's recipe: 15 % of the real tokens of each input are chosen; 80 % of
//! those become `[MASK]`, 10 % a random token, 10 % stay as they are; the
//! loss is the cross-entropy of the original token at the chosen positions.
//! The output is a `BertForMaskedLM` directory (`bert.…` plus
//! `cls.predictions.…`); `policyscan train --init DIR` and `train-tagger
//! --init DIR` load its encoder and drop the head.

use std::collections::HashSet;
use std::path::Path;
use std::time::Instant;

use candle_core::{Device, Tensor};
use candle_nn::{VarBuilder, VarMap};

use super::encoder::{encoder_start, init_vars, save_model_dir};
use super::fit::{Fit, fit};
use super::{TrainError, TrainOptions, encode_all, log_start, read_train_dev, vocabulary_texts};
use policyscan::model::batch::{Batch, Batcher, Encoded};
use policyscan::model::bert::{BertMaskedLm, DTYPE, Dropout};
use policyscan::model::config::ModelConfig;
use policyscan::rng::SplitMix64;

/// Share of real tokens chosen for prediction (BERT's 15 %).
pub const MASK_RATE: f64 = 0.15;

/// What a pre-training run achieved (dev figures at the best step).
#[derive(Debug, Clone)]
pub struct PretrainSummary {
    pub steps: usize,
    pub best_step: usize,
    pub seconds: f64,
    /// Mean cross-entropy of the masked tokens of the dev texts.
    pub dev_loss: f64,
    /// Share of masked dev tokens predicted exactly.
    pub dev_accuracy: f64,
    pub losses: Vec<f32>,
}

/// Token ids with some positions masked, and what the model must predict.
#[derive(Debug, Clone, PartialEq)]
struct Masked {
    ids: Vec<u32>,
    /// Flat positions (`row * width + column`) of the chosen tokens.
    positions: Vec<u32>,
    /// The original ids at `positions`.
    targets: Vec<u32>,
}

/// Ids the masking must never choose or produce.
struct Vocab {
    size: u32,
    mask: u32,
    special: HashSet<u32>,
}

impl Vocab {
    fn of(batcher: &Batcher) -> Result<Self, TrainError> {
        let tok = batcher.tokenizer();
        let id = |t: &str| {
            tok.token_to_id(t).ok_or_else(|| {
                TrainError::Tokenizer(format!("the vocabulary has no {t} token, needed to mask"))
            })
        };
        let special = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
            .iter()
            .filter_map(|t| tok.token_to_id(t))
            .collect();
        Ok(Self {
            size: tok.get_vocab_size(true) as u32,
            mask: id("[MASK]")?,
            special,
        })
    }
}

/// BERT's masking over one padded batch: every real, non-special token is
/// chosen with probability [`MASK_RATE`] (at least one per batch), then
/// replaced by `[MASK]` (80 %), a random ordinary token (10 %) or kept (10 %).
fn mask_batch(b: &Batch, vocab: &Vocab, rng: &mut SplitMix64) -> Masked {
    let mut ids = b.ids.clone();
    let candidates: Vec<usize> = (0..ids.len())
        .filter(|&p| b.mask[p] > 0.0 && !vocab.special.contains(&ids[p]))
        .collect();
    let mut chosen: Vec<usize> = candidates
        .iter()
        .copied()
        .filter(|_| rng.next_f64() < MASK_RATE)
        .collect();
    if chosen.is_empty() && !candidates.is_empty() {
        chosen.push(candidates[rng.below(candidates.len())]);
    }
    let mut targets = Vec::with_capacity(chosen.len());
    for &p in &chosen {
        targets.push(ids[p]);
        let r = rng.next_f64();
        if r < 0.8 {
            ids[p] = vocab.mask;
        } else if r < 0.9 {
            ids[p] = loop {
                let t = rng.below(vocab.size as usize) as u32;
                if !vocab.special.contains(&t) {
                    break t;
                }
            };
        }
    }
    Masked {
        ids,
        positions: chosen.iter().map(|&p| p as u32).collect(),
        targets,
    }
}

/// Masked-token logits of one batch and its targets.
fn masked_logits(
    model: &BertMaskedLm,
    b: &Batch,
    m: &Masked,
    dropout: Option<&Dropout>,
) -> Result<(Tensor, Tensor), TrainError> {
    let dev = Device::Cpu;
    let shape = (b.rows, b.width);
    let ids = Tensor::from_slice(&m.ids, shape, &dev)?;
    let type_ids = Tensor::from_slice(&b.type_ids, shape, &dev)?;
    let mask = Tensor::from_slice(&b.mask, shape, &dev)?;
    let positions = Tensor::from_slice(&m.positions, m.positions.len(), &dev)?;
    let logits = model.forward(
        &ids,
        &type_ids,
        &mask,
        &positions,
        dropout.is_some(),
        dropout,
    )?;
    let targets = Tensor::from_slice(&m.targets, m.targets.len(), &dev)?;
    Ok((logits, targets))
}

/// The model being pre-trained.
struct MlmTrainee {
    varmap: VarMap,
    model: BertMaskedLm,
    config: ModelConfig,
    batcher: Batcher,
}

impl MlmTrainee {
    fn new(opts: &TrainOptions, texts: &[&str], rng: &mut SplitMix64) -> Result<Self, TrainError> {
        let varmap = VarMap::new();
        // The pooler is not part of a masked-LM model.
        let (mut config, tokenizer, keep) =
            encoder_start(opts, texts.iter().copied(), &varmap, |k| {
                !k.starts_with("bert.pooler")
            })?;
        config.architectures = vec!["BertForMaskedLM".into()];
        config.id2label.clear();
        config.label2id.clear();
        config.problem_type = None;
        config.thresholds.clear();
        let vb = VarBuilder::from_varmap(&varmap, DTYPE, &Device::Cpu);
        let model = BertMaskedLm::load(vb, &config)?;
        init_vars(&varmap, &keep, config.initializer_range, rng)?;
        let max_tokens = opts.max_tokens.min(config.max_position_embeddings);
        Ok(Self {
            varmap,
            model,
            config,
            batcher: Batcher::new(tokenizer, max_tokens),
        })
    }
}

/// Pre-training as a [`Fit`] task. Dev batches are masked once, with their
/// own seed, so every evaluation scores the same predictions.
struct MlmFit<'a> {
    trainee: &'a MlmTrainee,
    train_enc: &'a [Encoded],
    vocab: Vocab,
    rng: SplitMix64,
    dropout: Dropout,
    dev: Vec<(Batch, Masked)>,
    out: &'a Path,
}

impl Fit for MlmFit<'_> {
    /// (mean dev loss, dev accuracy)
    type Eval = (f64, f64);
    const METRIC: &'static str = "masked-token accuracy";

    fn loss(&mut self, idx: &[usize]) -> Result<Tensor, TrainError> {
        let b = self.trainee.batcher.pad(self.train_enc, idx);
        let m = mask_batch(&b, &self.vocab, &mut self.rng);
        let (logits, targets) = masked_logits(&self.trainee.model, &b, &m, Some(&self.dropout))?;
        Ok(candle_nn::loss::cross_entropy(&logits, &targets)?)
    }

    fn evaluate(&mut self) -> Result<(f64, (f64, f64)), TrainError> {
        let (mut loss, mut right, mut n) = (0.0, 0usize, 0usize);
        for (b, m) in &self.dev {
            if m.targets.is_empty() {
                continue;
            }
            let (logits, targets) = masked_logits(&self.trainee.model, b, m, None)?;
            let k = m.targets.len();
            loss += candle_nn::loss::cross_entropy(&logits, &targets)?.to_scalar::<f32>()? as f64
                * k as f64;
            let pred = logits.argmax(1)?.to_vec1::<u32>()?;
            right += pred.iter().zip(&m.targets).filter(|(p, t)| p == t).count();
            n += k;
        }
        let n = n.max(1) as f64;
        let (loss, acc) = (loss / n, right as f64 / n);
        tracing::info!(dev_loss = loss, dev_accuracy = acc, "masked-LM dev");
        Ok((acc, (loss, acc)))
    }

    fn save(&self, _: &(f64, f64)) -> Result<(), TrainError> {
        let t = self.trainee;
        save_model_dir(self.out, &t.config, t.batcher.tokenizer(), &t.varmap)
    }

    fn has_dev(&self) -> bool {
        !self.dev.is_empty()
    }
}

/// Pre-train as `opts` says (`train`: texts to learn from; `dev`: texts to
/// measure masked-token accuracy on, for model selection and early
/// stopping; both JSONL with `text` and optional `heading_path`, labels
/// ignored). The best model ends up in `opts.out`.
pub fn pretrain(opts: &TrainOptions) -> Result<PretrainSummary, TrainError> {
    if opts.lead_in {
        return Err(TrainError::LeadIn("pretrain"));
    }
    let start = Instant::now();
    let (train, dev) = read_train_dev(opts)?;
    let mut rng = SplitMix64::new(opts.seed);
    let trainee = MlmTrainee::new(opts, &vocabulary_texts(&train), &mut rng)?;
    log_start(
        "pre-training (masked LM)",
        &trainee.config,
        train.len(),
        dev.len(),
    );
    let train_enc = encode_all(&trainee.batcher, &train)?;
    let dev_enc = encode_all(&trainee.batcher, &dev)?;
    let vocab = Vocab::of(&trainee.batcher)?;
    let mut dev_rng = SplitMix64::new(opts.seed ^ 0xDE7);
    let dev_batches = trainee
        .batcher
        .batches(&dev_enc, 64)
        .into_iter()
        .map(|b| {
            let m = mask_batch(&b, &vocab, &mut dev_rng);
            (b, m)
        })
        .collect();
    let mut task = MlmFit {
        trainee: &trainee,
        train_enc: &train_enc,
        vocab,
        rng: SplitMix64::new(opts.seed ^ 0x3A5),
        dropout: Dropout::new(trainee.config.hidden_dropout_prob as f32, opts.seed ^ 0x41C),
        dev: dev_batches,
        out: &opts.out,
    };
    let fitted = fit(&mut task, opts, &train_enc, &trainee.varmap, &mut rng)?;
    let (dev_loss, dev_accuracy) = fitted.best;
    Ok(PretrainSummary {
        steps: fitted.steps,
        best_step: fitted.best_step,
        seconds: start.elapsed().as_secs_f64(),
        dev_loss,
        dev_accuracy,
        losses: fitted.losses,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn batch(ids: Vec<u32>, mask: Vec<f32>, rows: usize) -> Batch {
        let width = ids.len() / rows;
        Batch {
            index: (0..rows).collect(),
            type_ids: vec![0; ids.len()],
            ids,
            mask,
            rows,
            width,
        }
    }

    fn vocab() -> Vocab {
        Vocab {
            size: 100,
            mask: 4,
            special: [0, 1, 2, 3, 4].into_iter().collect(),
        }
    }

    #[test]
    fn masking_chooses_only_real_ordinary_tokens_at_bert_rates() {
        // [CLS] 10..59 [SEP] [PAD]×2, four rows.
        let row: Vec<u32> = std::iter::once(2).chain(10..60).chain([3, 0, 0]).collect();
        let mask: Vec<f32> = (0..row.len())
            .map(|i| if i < 52 { 1.0 } else { 0.0 })
            .collect();
        let b = batch(row.repeat(400), mask.repeat(400), 400);
        let m = mask_batch(&b, &vocab(), &mut SplitMix64::new(1));
        let real = 50 * 400;
        let rate = m.positions.len() as f64 / real as f64;
        assert!((rate - MASK_RATE).abs() < 0.01, "chosen {rate}");
        let (mut masked, mut kept) = (0, 0);
        for (&p, &t) in m.positions.iter().zip(&m.targets) {
            let p = p as usize;
            assert_eq!(b.ids[p], t, "target is the original id");
            assert!((10..60).contains(&t), "specials and padding never chosen");
            if m.ids[p] == 4 {
                masked += 1;
            } else if m.ids[p] == t {
                kept += 1;
            } else {
                assert!(m.ids[p] >= 5, "random replacements are ordinary tokens");
            }
        }
        let n = m.positions.len() as f64;
        assert!((masked as f64 / n - 0.8).abs() < 0.03);
        assert!((kept as f64 / n - 0.1).abs() < 0.03);
        // Positions not chosen are untouched.
        let chosen: HashSet<u32> = m.positions.iter().copied().collect();
        for p in 0..b.ids.len() {
            if !chosen.contains(&(p as u32)) {
                assert_eq!(m.ids[p], b.ids[p]);
            }
        }
    }

    #[test]
    fn every_batch_predicts_at_least_one_token() {
        let b = batch(vec![2, 10, 3], vec![1.0; 3], 1);
        for seed in 0..50 {
            let m = mask_batch(&b, &vocab(), &mut SplitMix64::new(seed));
            assert_eq!(m.positions, vec![1]);
            assert_eq!(m.targets, vec![10]);
        }
    }
}
