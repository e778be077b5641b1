//! One BERT classifier — weights, tokeniser, which head output is which
//! label — as loaded from one Hugging Face directory. A [`super::Classifier`]
//! is one member, or several whose scores it averages.

use candle_core::Device;
use rayon::prelude::*;

use crate::labels::{LABELS, N_LABELS};
use crate::model::batch::{self, Batcher, Input};
use crate::model::bert::BertClassifier;
use crate::model::config::ModelConfig;
use crate::model::{
    InferenceError, ModelError, ModelFiles, parse_config, parse_tokenizer, sigmoid, tensor_shapes,
    weights_builder,
};

pub(super) struct Member {
    pub(super) model: BertClassifier,
    pub(super) batcher: Batcher,
    pub(super) config: ModelConfig,
    /// Model head index for each of policyscan's labels (a user's model may
    /// order its labels differently).
    head_index: [usize; N_LABELS],
    /// The thresholds of its own `config.json`, in [`LABELS`] order.
    pub(super) thresholds: [f32; N_LABELS],
}

impl Member {
    /// Load from the three files' bytes onto `device`; `source_name` names
    /// them in errors.
    pub(super) fn load(
        files: ModelFiles,
        source_name: &str,
        max_tokens: usize,
        device: &Device,
    ) -> Result<Self, ModelError> {
        let config = parse_config(&files.config, source_name)?;
        let tokenizer = parse_tokenizer(&files.tokenizer, source_name)?;
        let shapes = tensor_shapes(&files.weights, source_name)?;
        let labels = config.labels().map_err(|reason| ModelError::Labels {
            source_name: source_name.into(),
            reason,
        })?;
        let head_rows = shapes
            .get("classifier.weight")
            .map(|s| s[0])
            .ok_or_else(|| ModelError::Labels {
                source_name: source_name.into(),
                reason: "model.safetensors has no `classifier.weight`: this is an encoder without a classification head; fine-tune it with `policyscan train --init DIR` first".into(),
            })?;
        if head_rows != labels.len() {
            return Err(ModelError::Labels {
                source_name: source_name.into(),
                reason: format!(
                    "the classification head has {head_rows} outputs but config.json's id2label names {} labels",
                    labels.len()
                ),
            });
        }
        let mut head_index = [0usize; N_LABELS];
        for (i, l) in LABELS.iter().enumerate() {
            head_index[i] = labels.iter().position(|m| m == l).ok_or_else(|| {
                ModelError::Labels {
                    source_name: source_name.into(),
                    reason: format!(
                        "config.json's id2label {labels:?} lacks label `{l}`; policyscan needs {LABELS:?}"
                    ),
                }
            })?;
        }
        let tv = config
            .threshold_vec()
            .map_err(|reason| ModelError::Labels {
                source_name: source_name.into(),
                reason,
            })?;
        let mut thresholds = [0.5f32; N_LABELS];
        for i in 0..N_LABELS {
            thresholds[i] = tv[head_index[i]];
        }
        let vb = weights_builder(files.weights, device, source_name)?;
        let mut model =
            BertClassifier::load(vb, &config, labels.len()).map_err(|e| ModelError::Shape {
                source_name: source_name.into(),
                reason: e.to_string(),
            })?;
        model.freeze().map_err(|e| ModelError::Shape {
            source_name: source_name.into(),
            reason: e.to_string(),
        })?;
        let max_tokens = max_tokens.min(config.max_position_embeddings);
        Ok(Self {
            model,
            batcher: Batcher::new(tokenizer, max_tokens).with_lead_in(config.lead_in),
            config,
            head_index,
            thresholds,
        })
    }

    /// Sigmoid scores in [`LABELS`] order for each input; output order =
    /// input order. Inputs are tokenised in parallel, grouped into
    /// length-sorted batches of at most `batch_size`, and the batches run in
    /// parallel on rayon's pool.
    pub(super) fn score(
        &self,
        inputs: &[Input<'_>],
        batch_size: usize,
        device: &Device,
    ) -> Result<Vec<[f32; N_LABELS]>, InferenceError> {
        let encoded = inputs
            .par_iter()
            .map(|i| self.batcher.encode_one(i))
            .collect::<Result<Vec<_>, _>>()
            .map_err(InferenceError::classifier)?;
        let batches = self.batcher.batches(&encoded, batch_size);
        let results = batches
            .par_iter()
            .map(|b| {
                let t = b.tensors(device).map_err(InferenceError::classifier)?;
                Ok((&b.index, self.logits(&t)?))
            })
            .collect::<Result<Vec<_>, InferenceError>>()?;
        let mut out = vec![[0f32; N_LABELS]; inputs.len()];
        for (index, logits) in results {
            for (&i, row) in index.iter().zip(&logits) {
                out[i] = self.head_scores(row);
            }
        }
        Ok(out)
    }

    /// Raw logits in model head order for one prepared batch.
    pub(super) fn logits(&self, t: &batch::BatchTensors) -> Result<Vec<Vec<f32>>, InferenceError> {
        self.model
            .forward(&t.ids, &t.type_ids, &t.mask, false, None)
            .and_then(|logits| logits.to_vec2::<f32>())
            .map_err(InferenceError::classifier)
    }

    /// Sigmoid scores in [`LABELS`] order from one row of head-order logits.
    pub(super) fn head_scores(&self, logits: &[f32]) -> [f32; N_LABELS] {
        std::array::from_fn(|l| sigmoid(logits[self.head_index[l]]))
    }
}
