//! Segment classification: the multi-label BERT classifier run in-process by
//! candle. It reads `heading path [SEP] text` pairs, batches them by length
//! (little padding, so little wasted compute) and returns one sigmoid score
//! per label; the model comes from a directory in the Hugging Face layout or
//! is the default embedded in the binary (see [`crate::model`] for loading).

use std::path::Path;

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

/// The default model, compiled into the binary so that an installed
/// `policyscan` works from any directory without a model path.
pub mod embedded {
    /// `config.json` of `models/policy-bert-zh`.
    pub const CONFIG: &[u8] = include_bytes!("../../../models/policy-bert-zh/config.json");
    /// `tokenizer.json` of `models/policy-bert-zh`.
    pub const TOKENIZER: &[u8] = include_bytes!("../../../models/policy-bert-zh/tokenizer.json");
    /// `model.safetensors` of `models/policy-bert-zh`.
    pub const WEIGHTS: &[u8] = include_bytes!("../../../models/policy-bert-zh/model.safetensors");
}

/// The classifier's default window in tokens (heading path + segment):
/// what the built-in model was trained with, so what `scan`, `eval`,
/// `score`, `train` and `cv` use unless told otherwise.
pub const DEFAULT_MAX_TOKENS: usize = 256;

/// The built-in classifier's three files.
pub fn embedded_files() -> ModelFiles {
    ModelFiles {
        config: embedded::CONFIG.to_vec(),
        tokenizer: embedded::TOKENIZER.to_vec(),
        weights: embedded::WEIGHTS.to_vec(),
    }
}

/// A loaded classifier, ready to score segments from many threads at once.
pub struct Classifier {
    model: BertClassifier,
    batcher: Batcher,
    config: ModelConfig,
    /// Model head index for each of policyscan's labels (a user's model may
    /// order its labels differently).
    head_index: [usize; N_LABELS],
    thresholds: [f32; N_LABELS],
    device: Device,
}

impl Classifier {
    /// Load the model in `dir` (Hugging Face layout) on the CPU.
    pub fn from_dir(dir: &Path, max_tokens: usize) -> Result<Self, ModelError> {
        let files = ModelFiles::read_dir(dir)?;
        Self::from_files(files, &dir.display().to_string(), max_tokens, &Device::Cpu)
    }

    /// Load the default model compiled into the binary, on the CPU.
    pub fn embedded(max_tokens: usize) -> Result<Self, ModelError> {
        Self::from_files(embedded_files(), "embedded model", max_tokens, &Device::Cpu)
    }

    /// Load from the three files' bytes onto `device` (CPU, or CUDA when
    /// built with the `cuda` feature); `source_name` names them in errors.
    pub fn from_files(
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
        let device = device.clone();
        let vb = weights_builder(files.weights, &device, source_name)?;
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
            batcher: Batcher::new(tokenizer, max_tokens),
            config,
            head_index,
            thresholds,
            device,
        })
    }

    /// The model's config (hyper-parameters, labels, thresholds).
    pub fn config(&self) -> &ModelConfig {
        &self.config
    }

    /// Per-label decision thresholds in [`LABELS`] order.
    pub fn thresholds(&self) -> &[f32; N_LABELS] {
        &self.thresholds
    }

    /// The device the model runs on.
    pub fn device(&self) -> &Device {
        &self.device
    }

    /// Switch the fused CPU kernels ([`crate::model::kernels`]) off or on; they are on by
    /// default. Off runs candle's stock ops, for side-by-side benchmarks.
    pub fn set_fused_kernels(&mut self, on: bool) {
        self.model.set_fused_kernels(on);
    }

    /// The batcher (tokeniser + length bucketing) this model uses.
    pub fn batcher(&self) -> &Batcher {
        &self.batcher
    }

    /// Sigmoid scores in [`LABELS`] order for each input; output order =
    /// input order. Inputs are tokenised in parallel, grouped into
    /// length-sorted batches of at most `batch_size`, and the batches run in
    /// parallel on rayon's pool (what `scan` does across policies).
    pub fn score(
        &self,
        inputs: &[Input<'_>],
        batch_size: usize,
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
                let t = b
                    .tensors(&self.device)
                    .map_err(InferenceError::classifier)?;
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
    pub fn logits(&self, t: &batch::BatchTensors) -> Result<Vec<Vec<f32>>, InferenceError> {
        self.model
            .forward(&t.ids, &t.type_ids, &t.mask, false, None)
            .and_then(|logits| logits.to_vec2::<f32>())
            .map_err(InferenceError::classifier)
    }

    /// Sigmoid scores in [`LABELS`] order from one row of head-order logits.
    pub fn head_scores(&self, logits: &[f32]) -> [f32; N_LABELS] {
        std::array::from_fn(|l| sigmoid(logits[self.head_index[l]]))
    }

    /// Apply the per-label thresholds to scores.
    pub fn decide(&self, scores: &[f32; N_LABELS]) -> [bool; N_LABELS] {
        let mut on = [false; N_LABELS];
        for i in 0..N_LABELS {
            on[i] = scores[i] >= self.thresholds[i];
        }
        on
    }
}
