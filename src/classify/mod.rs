//! Segment classification: a BERT multi-label classifier run in-process by
//! candle. This module loads a model directory in the Hugging Face layout
//! (`config.json`, `model.safetensors`, `tokenizer.json`) or the default model
//! embedded in the binary, tokenises `heading path [SEP] text` pairs, batches
//! them by length (little padding, so little wasted compute) and returns one
//! sigmoid score per label.
//!
//! - [`config`]: the `config.json` contract.
//! - [`bert`]: the encoder and head (trainable, HF tensor names).
//! - [`batch`]: tokenisation and length-bucketed batching.

pub mod batch;
pub mod bert;
pub mod config;
pub mod kernels;

use std::path::{Path, PathBuf};

use candle_core::Device;
use candle_nn::VarBuilder;
use rayon::prelude::*;
use tokenizers::Tokenizer;

use crate::labels::{LABELS, N_LABELS};
pub use batch::{Batcher, Input};
use bert::{BertClassifier, DTYPE};
use config::ModelConfig;

/// The default model, compiled into the binary so that an installed
/// `policyscan` works from any directory without a model path.
pub mod embedded {
    /// `config.json` of `models/policy-bert-zh`.
    pub const CONFIG: &[u8] = include_bytes!("../../models/policy-bert-zh/config.json");
    /// `tokenizer.json` of `models/policy-bert-zh`.
    pub const TOKENIZER: &[u8] = include_bytes!("../../models/policy-bert-zh/tokenizer.json");
    /// `model.safetensors` of `models/policy-bert-zh`.
    pub const WEIGHTS: &[u8] = include_bytes!("../../models/policy-bert-zh/model.safetensors");
}

/// Why a model could not be loaded. Each message names the file and says
/// what to do, because a bad `--model` stops the run before any work starts.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    /// The directory lacks one of the three files.
    #[error(
        "model directory {dir}: `{file}` not found (a model directory needs config.json, model.safetensors and tokenizer.json, as Hugging Face saves them)"
    )]
    Missing { dir: PathBuf, file: &'static str },
    /// A file exists but cannot be read.
    #[error("model file {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    /// `config.json` is not a BERT config we understand.
    #[error("{source_name}: config.json is not a valid BERT config: {reason}")]
    Config { source_name: String, reason: String },
    /// `tokenizer.json` cannot be parsed.
    #[error("{source_name}: tokenizer.json could not be loaded: {reason}")]
    Tokenizer { source_name: String, reason: String },
    /// `model.safetensors` is truncated or not safetensors.
    #[error("{source_name}: model.safetensors is corrupt or not a safetensors file: {reason}")]
    Weights { source_name: String, reason: String },
    /// The head's size or the label names disagree with the config or with
    /// policyscan's six labels.
    #[error("{source_name}: {reason}")]
    Labels { source_name: String, reason: String },
    /// A tensor has the wrong shape or is missing.
    #[error("{source_name}: weights do not match config.json: {reason}")]
    Shape { source_name: String, reason: String },
}

/// Inference failure inside candle (shape or device problems at run time).
#[derive(Debug, thiserror::Error)]
#[error("classifier failed: {0}")]
pub struct ClassifyError(pub String);

impl From<candle_core::Error> for ClassifyError {
    fn from(e: candle_core::Error) -> Self {
        ClassifyError(e.to_string())
    }
}

/// The three files of a model, as bytes (from a directory or embedded).
pub struct ModelFiles {
    pub config: Vec<u8>,
    pub tokenizer: Vec<u8>,
    pub weights: Vec<u8>,
}

impl ModelFiles {
    /// Read the three files of a Hugging Face model directory.
    pub fn read_dir(dir: &Path) -> Result<Self, ModelError> {
        let read = |file: &'static str| -> Result<Vec<u8>, ModelError> {
            let path = dir.join(file);
            if !path.is_file() {
                return Err(ModelError::Missing {
                    dir: dir.to_path_buf(),
                    file,
                });
            }
            std::fs::read(&path).map_err(|source| ModelError::Io { path, source })
        };
        Ok(Self {
            config: read("config.json")?,
            tokenizer: read("tokenizer.json")?,
            weights: read("model.safetensors")?,
        })
    }

    /// The default model compiled into the binary.
    pub fn embedded() -> Self {
        Self {
            config: embedded::CONFIG.to_vec(),
            tokenizer: embedded::TOKENIZER.to_vec(),
            weights: embedded::WEIGHTS.to_vec(),
        }
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

/// Parse and validate `config.json`.
pub fn parse_config(bytes: &[u8], source_name: &str) -> Result<ModelConfig, ModelError> {
    let c: ModelConfig = serde_json::from_slice(bytes).map_err(|e| ModelError::Config {
        source_name: source_name.into(),
        reason: e.to_string(),
    })?;
    if c.hidden_size == 0
        || c.num_attention_heads == 0
        || !c.hidden_size.is_multiple_of(c.num_attention_heads)
    {
        return Err(ModelError::Config {
            source_name: source_name.into(),
            reason: format!(
                "hidden_size {} is not a positive multiple of num_attention_heads {}",
                c.hidden_size, c.num_attention_heads
            ),
        });
    }
    if !matches!(c.hidden_act.as_str(), "gelu" | "gelu_new" | "gelu_python") {
        return Err(ModelError::Config {
            source_name: source_name.into(),
            reason: format!("hidden_act `{}` is not supported (gelu only)", c.hidden_act),
        });
    }
    Ok(c)
}

/// Load a tokenizer from `tokenizer.json` bytes.
pub fn parse_tokenizer(bytes: &[u8], source_name: &str) -> Result<Tokenizer, ModelError> {
    Tokenizer::from_bytes(bytes).map_err(|e| ModelError::Tokenizer {
        source_name: source_name.into(),
        reason: e.to_string(),
    })
}

/// Shape of one tensor in a safetensors blob, validating the blob.
pub fn tensor_shapes(
    weights: &[u8],
    source_name: &str,
) -> Result<std::collections::HashMap<String, Vec<usize>>, ModelError> {
    let st = safetensors::SafeTensors::deserialize(weights).map_err(|e| ModelError::Weights {
        source_name: source_name.into(),
        reason: e.to_string(),
    })?;
    Ok(st
        .tensors()
        .into_iter()
        .map(|(name, view)| (name, view.shape().to_vec()))
        .collect())
}

/// A var builder over `model.safetensors` bytes on `device`, in the model
/// dtype; a corrupt file is a [`ModelError::Weights`] naming `source_name`.
pub fn weights_builder(
    weights: Vec<u8>,
    device: &Device,
    source_name: &str,
) -> Result<VarBuilder<'static>, ModelError> {
    VarBuilder::from_buffered_safetensors(weights, DTYPE, device).map_err(|e| ModelError::Weights {
        source_name: source_name.into(),
        reason: e.to_string(),
    })
}

impl Classifier {
    /// Load the model in `dir` (Hugging Face layout) on the CPU.
    pub fn from_dir(dir: &Path, max_tokens: usize) -> Result<Self, ModelError> {
        let files = ModelFiles::read_dir(dir)?;
        Self::from_files(files, &dir.display().to_string(), max_tokens, &Device::Cpu)
    }

    /// Load the default model compiled into the binary, on the CPU.
    pub fn embedded(max_tokens: usize) -> Result<Self, ModelError> {
        Self::from_files(
            ModelFiles::embedded(),
            "embedded model",
            max_tokens,
            &Device::Cpu,
        )
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

    /// Switch the fused CPU kernels ([`kernels`]) off or on; they are on by
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
    ) -> Result<Vec<[f32; N_LABELS]>, ClassifyError> {
        let encoded = inputs
            .par_iter()
            .map(|i| self.batcher.encode_one(i))
            .collect::<Result<Vec<_>, _>>()?;
        let batches = self.batcher.batches(&encoded, batch_size);
        let results = batches
            .par_iter()
            .map(|b| Ok((&b.index, self.logits(&b.tensors(&self.device)?)?)))
            .collect::<Result<Vec<_>, ClassifyError>>()?;
        let mut out = vec![[0f32; N_LABELS]; inputs.len()];
        for (index, logits) in results {
            for (&i, row) in index.iter().zip(&logits) {
                out[i] = self.head_scores(row);
            }
        }
        Ok(out)
    }

    /// Raw logits in model head order for one prepared batch.
    pub fn logits(&self, t: &batch::BatchTensors) -> Result<Vec<Vec<f32>>, ClassifyError> {
        let logits = self
            .model
            .forward(&t.ids, &t.type_ids, &t.mask, false, None)?;
        Ok(logits.to_vec2::<f32>()?)
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

/// Logistic function.
pub fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + (-x).exp())
}
