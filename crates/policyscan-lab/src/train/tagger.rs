//! `policyscan train-tagger`: train the data-mention tagger (token
//! classification, BIO over `data`) and write a Hugging Face
//! `BertForTokenClassification` directory.
//!
//! Same recipe as the segment classifier ([`crate::train`]): AdamW with
//! linear warm-up and decay, length-bucketed batches, a fixed seed, early
//! stopping — here on dev exact-span F1. Token cross-entropy is taken over
//! real tokens only (padding excluded). `--init DIR` starts from an existing
//! BERT (a `policyscan pretrain` output, or any HF BERT); without it a
//! small BERT and a WordPiece vocabulary are built from the training texts.

use std::path::Path;
use std::time::Instant;

use candle_core::{Device, Tensor};
use candle_nn::{VarBuilder, VarMap};

use crate::train::{
    Fit, TrainError, TrainOptions, encoder_start, fit, init_vars, log_start, save_model_dir,
};
use policyscan::model::batch::{Batcher, Encoded};
use policyscan::model::bert::{BertTagger, DTYPE, Dropout};
use policyscan::model::config::ModelConfig;
use policyscan::rng::SplitMix64;
use policyscan::tag::{
    TAGS, TagExample, batch_tags, bio_targets, decode_spans, tagger_config, tidy_spans,
};

/// Exact-span and overlap precision/recall/F1 of predicted spans.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct SpanScores {
    pub gold: usize,
    pub pred: usize,
    pub exact_f1: f64,
    pub exact_precision: f64,
    pub exact_recall: f64,
    pub overlap_f1: f64,
    pub overlap_precision: f64,
    pub overlap_recall: f64,
}

fn f1(p: f64, r: f64) -> f64 {
    if p + r == 0.0 {
        0.0
    } else {
        2.0 * p * r / (p + r)
    }
}

/// Score predicted spans against gold spans, example by example.
pub fn span_scores(gold: &[Vec<(usize, usize)>], pred: &[Vec<(usize, usize)>]) -> SpanScores {
    let overlaps = |a: &(usize, usize), b: &(usize, usize)| a.0 < b.1 && b.0 < a.1;
    let (mut ng, mut np, mut ex_p, mut ex_g, mut ov_p, mut ov_g) = (0, 0, 0, 0, 0, 0);
    for (g, p) in gold.iter().zip(pred) {
        ng += g.len();
        np += p.len();
        ex_p += p.iter().filter(|x| g.contains(x)).count();
        ex_g += g.iter().filter(|x| p.contains(x)).count();
        ov_p += p
            .iter()
            .filter(|x| g.iter().any(|y| overlaps(x, y)))
            .count();
        ov_g += g
            .iter()
            .filter(|x| p.iter().any(|y| overlaps(x, y)))
            .count();
    }
    let ratio = |a: usize, b: usize| if b == 0 { 0.0 } else { a as f64 / b as f64 };
    let (ep, er) = (ratio(ex_p, np), ratio(ex_g, ng));
    let (op, or) = (ratio(ov_p, np), ratio(ov_g, ng));
    SpanScores {
        gold: ng,
        pred: np,
        exact_f1: f1(ep, er),
        exact_precision: ep,
        exact_recall: er,
        overlap_f1: f1(op, or),
        overlap_precision: op,
        overlap_recall: or,
    }
}

/// Read `tag_*.jsonl` examples; errors name the file and line.
pub fn read_tag_examples(path: &Path) -> Result<Vec<TagExample>, TrainError> {
    let raw = std::fs::read_to_string(path).map_err(|source| TrainError::Io {
        path: path.into(),
        source,
    })?;
    raw.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| {
            serde_json::from_str(l).map_err(|e| {
                TrainError::Tokenizer(format!(
                    "{}:{}: not a tagger example ({{\"text\": …, \"spans\": [[start, end], …]}}): {e}",
                    path.display(),
                    i + 1
                ))
            })
        })
        .collect()
}

/// Token ids of texts, and each token's char span.
type EncodedTexts = (Vec<Encoded>, Vec<Vec<(usize, usize)>>);

/// A tagger being trained.
struct TagTrainee {
    varmap: VarMap,
    model: BertTagger,
    config: ModelConfig,
    batcher: Batcher,
}

impl TagTrainee {
    fn new(
        opts: &TrainOptions,
        train: &[TagExample],
        rng: &mut SplitMix64,
    ) -> Result<Self, TrainError> {
        let varmap = VarMap::new();
        // The pooler is not part of a token classifier.
        let (config, tokenizer, keep) =
            encoder_start(opts, train.iter().map(|e| e.text.as_str()), &varmap, |k| {
                !k.starts_with("bert.pooler")
            })?;
        let config = tagger_config(config);
        let vb = VarBuilder::from_varmap(&varmap, DTYPE, &Device::Cpu);
        let model = BertTagger::load(vb, &config, TAGS.len())?;
        init_vars(&varmap, &keep, config.initializer_range, rng)?;
        let max_tokens = opts.max_tokens.min(config.max_position_embeddings);
        Ok(Self {
            varmap,
            model,
            config,
            batcher: Batcher::new(tokenizer, max_tokens),
        })
    }

    fn predict(
        &self,
        (enc, offsets): &EncodedTexts,
        texts: &[TagExample],
    ) -> Result<Vec<Vec<(usize, usize)>>, TrainError> {
        let mut out = vec![Vec::new(); enc.len()];
        for b in self.batcher.batches(enc, 64) {
            for (i, tags) in batch_tags(&self.model, &b, &Device::Cpu)? {
                let spans = decode_spans(&tags, &offsets[i]);
                out[i] = tidy_spans(&texts[i].text, &spans);
            }
        }
        Ok(out)
    }

    fn save(&self, dir: &Path) -> Result<(), TrainError> {
        save_model_dir(dir, &self.config, self.batcher.tokenizer(), &self.varmap)
    }
}

/// What a tagger training run achieved.
#[derive(Debug, Clone)]
pub struct TagTrainSummary {
    pub steps: usize,
    pub best_step: usize,
    pub seconds: f64,
    /// Dev span scores at the best step.
    pub dev: SpanScores,
    pub losses: Vec<f32>,
}

/// The tagger as a [`Fit`] task: token cross-entropy over real tokens
/// (padding excluded); dev exact-span F1 after Viterbi decoding.
struct TaggerFit<'a> {
    trainee: &'a TagTrainee,
    train_enc: &'a [Encoded],
    targets: &'a [Vec<u32>],
    dev: &'a [TagExample],
    dev_enc: EncodedTexts,
    dev_gold: Vec<Vec<(usize, usize)>>,
    dropout: Dropout,
    out: &'a Path,
}

impl Fit for TaggerFit<'_> {
    type Eval = SpanScores;
    const METRIC: &'static str = "exact-span F1";

    fn loss(&mut self, idx: &[usize]) -> Result<Tensor, TrainError> {
        let b = self.trainee.batcher.pad(self.train_enc, idx);
        let t = b.tensors(&Device::Cpu)?;
        // Real tokens only: their flat positions and targets.
        let mut rows = Vec::new();
        let mut gold = Vec::new();
        for (r, &i) in idx.iter().enumerate() {
            for (k, &g) in self.targets[i].iter().enumerate() {
                rows.push((r * b.width + k) as u32);
                gold.push(g);
            }
        }
        let logits = self
            .trainee
            .model
            .forward(&t.ids, &t.type_ids, &t.mask, true, Some(&self.dropout))?
            .reshape((b.rows * b.width, TAGS.len()))?;
        let rows = Tensor::from_vec(rows, gold.len(), &Device::Cpu)?;
        let picked = logits.index_select(&rows, 0)?;
        let gold = Tensor::from_vec(gold, picked.dim(0)?, &Device::Cpu)?;
        Ok(candle_nn::loss::cross_entropy(&picked, &gold)?)
    }

    fn evaluate(&mut self) -> Result<(f64, SpanScores), TrainError> {
        let pred = self.trainee.predict(&self.dev_enc, self.dev)?;
        let scores = span_scores(&self.dev_gold, &pred);
        tracing::info!(
            exact_f1 = scores.exact_f1,
            overlap_f1 = scores.overlap_f1,
            "tagger dev spans"
        );
        Ok((scores.exact_f1, scores))
    }

    fn save(&self, _: &SpanScores) -> Result<(), TrainError> {
        self.trainee.save(self.out)
    }

    fn has_dev(&self) -> bool {
        !self.dev.is_empty()
    }
}

/// Train a tagger as `opts` says; the best model (by dev exact-span F1)
/// ends up in `opts.out`.
pub fn train_tagger(opts: &TrainOptions) -> Result<TagTrainSummary, TrainError> {
    let start = Instant::now();
    let train = read_tag_examples(&opts.train)?;
    if train.is_empty() {
        return Err(TrainError::Empty(opts.train.clone()));
    }
    let dev = read_tag_examples(&opts.dev)?;
    let mut rng = SplitMix64::new(opts.seed);
    let trainee = TagTrainee::new(opts, &train, &mut rng)?;
    log_start("training tagger", &trainee.config, train.len(), dev.len());
    let encode = |ex: &[TagExample]| -> Result<EncodedTexts, TrainError> {
        ex.iter()
            .map(|e| {
                trainee
                    .batcher
                    .encode_text(&e.text)
                    .map_err(TrainError::from)
            })
            .collect::<Result<Vec<_>, _>>()
            .map(|v| v.into_iter().unzip())
    };
    let (ids_only, train_offsets) = encode(&train)?;
    let targets: Vec<Vec<u32>> = train_offsets
        .iter()
        .zip(&train)
        .map(|(off, ex)| bio_targets(off, &ex.spans))
        .collect();
    let dev_enc = encode(&dev)?;
    let dev_gold: Vec<Vec<(usize, usize)>> = dev.iter().map(|e| e.spans.clone()).collect();

    let mut task = TaggerFit {
        trainee: &trainee,
        train_enc: &ids_only,
        targets: &targets,
        dev: &dev,
        dev_enc,
        dev_gold,
        dropout: Dropout::new(trainee.config.hidden_dropout_prob as f32, opts.seed ^ 0x7A6),
        out: &opts.out,
    };
    let fitted = fit(&mut task, opts, &ids_only, &trainee.varmap, &mut rng)?;
    Ok(TagTrainSummary {
        steps: fitted.steps,
        best_step: fitted.best_step,
        seconds: start.elapsed().as_secs_f64(),
        dev: fitted.best,
        losses: fitted.losses,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn span_scores_count_exact_and_overlap() {
        let gold = vec![vec![(0, 4), (6, 9)], vec![(2, 5)]];
        let pred = vec![vec![(0, 4), (6, 8)], vec![]];
        let s = span_scores(&gold, &pred);
        assert_eq!((s.gold, s.pred), (3, 2));
        assert!((s.exact_precision - 0.5).abs() < 1e-9);
        assert!((s.exact_recall - 1.0 / 3.0).abs() < 1e-9);
        assert!((s.overlap_precision - 1.0).abs() < 1e-9);
        assert!((s.overlap_recall - 2.0 / 3.0).abs() < 1e-9);
    }
}
