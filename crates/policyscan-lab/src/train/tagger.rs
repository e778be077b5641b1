//! `policyscan train-tagger`: train the data-mention tagger (token
//! classification, BIO over `data`) and write a Hugging Face
//! `BertForTokenClassification` directory.
//!
//! The tagger as a `Fit` task of the shared loop (`train::fit`):
//! token cross-entropy over real tokens only (padding excluded), model
//! selection and early stopping on dev exact-span F1 after Viterbi decoding
//! and the library's span tidying, scored by [`crate::eval::spans`].
//! `--init DIR` starts from an existing BERT (a `policyscan pretrain`
//! output, or any HF BERT); without it a small BERT and a WordPiece
//! vocabulary are built from the training texts.
//!
//! What only training needs lives here — the BIO targets and the tagger's
//! config; the scan library keeps what inference needs (`policyscan::tag`:
//! tags, decoding, tidying).

use std::path::Path;
use std::time::Instant;

use candle_core::{Device, Tensor};
use candle_nn::{VarBuilder, VarMap};

use super::encoder::{encoder_start, init_vars, save_model_dir};
use super::fit::{Fit, fit};
use super::{TrainError, TrainOptions, log_start};
use crate::data::tagger::TagExample;
use crate::eval::spans::{CharSpan, SpanScores, span_scores};
use policyscan::model::batch::{Batcher, Encoded};
use policyscan::model::bert::{BertTagger, DTYPE, Dropout};
use policyscan::model::config::ModelConfig;
use policyscan::rng::SplitMix64;
use policyscan::tag::{TAGS, batch_tags, decode_spans, tidy_spans};

/// Index of `B-data` in [`TAGS`].
const B: u32 = 1;
/// Index of `I-data` in [`TAGS`].
const I: u32 = 2;

/// BIO targets (indices into [`TAGS`]) for tokens with char `offsets`, from
/// gold `spans`. A token belongs to the span its first char falls in; it
/// is `B` when it is the first such token. Special tokens (empty offsets)
/// are `O`.
pub fn bio_targets(offsets: &[CharSpan], spans: &[CharSpan]) -> Vec<u32> {
    let mut last_span = None;
    offsets
        .iter()
        .map(|&(s, e)| {
            if s == e {
                last_span = None;
                return 0;
            }
            match spans.iter().position(|&(a, b)| s >= a && s < b) {
                Some(k) if last_span == Some(k) => I,
                Some(k) => {
                    last_span = Some(k);
                    B
                }
                None => {
                    last_span = None;
                    0
                }
            }
        })
        .collect()
}

/// The tagger's config: the encoder's, with the three tags.
pub fn tagger_config(mut config: ModelConfig) -> ModelConfig {
    config.architectures = vec!["BertForTokenClassification".into()];
    config.id2label = TAGS
        .iter()
        .enumerate()
        .map(|(i, l)| (i.to_string(), l.to_string()))
        .collect();
    config.label2id = TAGS
        .iter()
        .enumerate()
        .map(|(i, l)| (l.to_string(), i))
        .collect();
    config.problem_type = None;
    config.thresholds.clear();
    config
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
type EncodedTexts = (Vec<Encoded>, Vec<Vec<CharSpan>>);

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
    ) -> Result<Vec<Vec<CharSpan>>, TrainError> {
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
    dev_gold: Vec<Vec<CharSpan>>,
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
            exact_f1 = scores.exact.f1,
            overlap_f1 = scores.overlap.f1,
            "tagger dev spans"
        );
        Ok((scores.exact.f1, scores))
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
    if opts.lead_in {
        return Err(TrainError::LeadIn("train-tagger"));
    }
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
    let dev_gold: Vec<Vec<CharSpan>> = dev.iter().map(|e| e.spans.clone()).collect();

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
    fn tag_indices_match_the_library() {
        assert_eq!(TAGS[B as usize], "B-data");
        assert_eq!(TAGS[I as usize], "I-data");
    }

    #[test]
    fn bio_round_trip() {
        // one char per token, [CLS] and [SEP] around
        let text = "收集您的姓名、手机号码和地址";
        let n = text.chars().count();
        let mut offsets = vec![(0, 0)];
        offsets.extend((0..n).map(|i| (i, i + 1)));
        offsets.push((0, 0));
        let spans = vec![(4, 11), (12, 14)];
        let t = bio_targets(&offsets, &spans);
        assert_eq!(t[0], 0);
        assert_eq!(t[5], B); // 姓
        assert_eq!(t[6], I);
        assert_eq!(t[12], 0); // 和
        assert_eq!(t[13], B); // 地
        let tags: Vec<usize> = t.iter().map(|&x| x as usize).collect();
        assert_eq!(decode_spans(&tags, &offsets), spans);
    }

    #[test]
    fn adjacent_spans_stay_apart_and_stray_i_opens() {
        let offsets = vec![(0, 0), (0, 2), (2, 3), (3, 5), (5, 6), (0, 0)];
        let spans = vec![(0, 3), (3, 5)];
        let t = bio_targets(&offsets, &spans);
        assert_eq!(t, vec![0, 1, 2, 1, 0, 0]);
        assert_eq!(decode_spans(&[0, 0, 2, 2, 0, 0], &offsets), vec![(2, 5)]);
        assert_eq!(
            decode_spans(&[0, 1, 2, 1, 2, 2], &offsets),
            vec![(0, 3), (3, 6)]
        );
    }

    #[test]
    fn tagger_config_names_the_three_tags() {
        let c = tagger_config(ModelConfig::small(10, 8, 1, 2));
        assert_eq!(c.architectures, ["BertForTokenClassification"]);
        assert_eq!(c.labels().unwrap(), TAGS);
        assert!(c.thresholds.is_empty() && c.problem_type.is_none());
    }
}
