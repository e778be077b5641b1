//! The BERT stack shared by the classifier and the tagger (and, in the lab,
//! by training and masked-LM pre-training): the `config.json` contract, the
//! encoder with its heads, the fused CPU kernels, tokenisation and
//! length-bucketed batching, and one loader for a model directory in the
//! Hugging Face layout (`config.json`, `model.safetensors`, `tokenizer.json`).
//!
//! - [`config`]: the `config.json` contract.
//! - [`bert`]: the encoder and heads (trainable, HF tensor names).
//! - [`kernels`]: fused inference-only CPU ops (attention, GELU, linear).
//! - [`batch`]: tokenisation and length-bucketed batching.

pub mod batch;
pub mod bert;
pub mod config;
pub mod heads;
pub mod kernels;

use std::path::{Path, PathBuf};

use candle_core::Device;
use candle_nn::VarBuilder;
use tokenizers::Tokenizer;

use bert::DTYPE;
use config::ModelConfig;

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
    /// A file of a character n-gram member is missing, malformed or does
    /// not match the others.
    #[error("{source_name}: {file}: {reason}")]
    Ngram {
        source_name: String,
        file: &'static str,
        reason: String,
    },
    /// An ensemble directory's `ensemble.json` is not valid.
    #[error("{source_name}: ensemble.json: {reason}")]
    Ensemble { source_name: String, reason: String },
}

/// Inference failure inside candle (shape or device problems at run time),
/// naming the model that failed so a tagger error does not read as a
/// classifier one.
#[derive(Debug, thiserror::Error)]
#[error("{model} failed: {reason}")]
pub struct InferenceError {
    /// `classifier` or `tagger`.
    pub model: &'static str,
    pub reason: String,
}

impl InferenceError {
    /// A failure of the segment classifier.
    pub fn classifier(e: impl std::fmt::Display) -> Self {
        Self {
            model: "classifier",
            reason: e.to_string(),
        }
    }

    /// A failure of the data-mention tagger.
    pub fn tagger(e: impl std::fmt::Display) -> Self {
        Self {
            model: "tagger",
            reason: e.to_string(),
        }
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
}

/// Where the models run: `cpu`, `cuda` (GPU 0) or `cuda:N`, parsed once
/// from the command line so that a typo (`cuda:x`) is an error instead of a
/// silent GPU 0.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DeviceSpec {
    #[default]
    Cpu,
    Cuda(usize),
}

impl std::str::FromStr for DeviceSpec {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "cpu" => Ok(DeviceSpec::Cpu),
            "cuda" => Ok(DeviceSpec::Cuda(0)),
            _ => s
                .strip_prefix("cuda:")
                .and_then(|n| n.parse().ok())
                .map(DeviceSpec::Cuda)
                .ok_or_else(|| format!("unknown device `{s}` (expected cpu, cuda or cuda:N)")),
        }
    }
}

impl std::fmt::Display for DeviceSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DeviceSpec::Cpu => f.write_str("cpu"),
            DeviceSpec::Cuda(n) => write!(f, "cuda:{n}"),
        }
    }
}

impl DeviceSpec {
    /// Open the device; CUDA needs a binary built with the `cuda` feature.
    pub fn open(self) -> candle_core::Result<Device> {
        match self {
            DeviceSpec::Cpu => Ok(Device::Cpu),
            DeviceSpec::Cuda(n) => Device::new_cuda(n),
        }
    }
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

/// Logistic function.
pub fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + (-x).exp())
}

#[cfg(test)]
mod tests {
    use super::DeviceSpec;

    #[test]
    fn device_spec_parses_once_and_rejects_typos() {
        assert_eq!("cpu".parse(), Ok(DeviceSpec::Cpu));
        assert_eq!("cuda".parse(), Ok(DeviceSpec::Cuda(0)));
        assert_eq!("cuda:3".parse(), Ok(DeviceSpec::Cuda(3)));
        for bad in ["cuda:x", "cuda:", "gpu", "CPU", "cuda:-1"] {
            let e = bad.parse::<DeviceSpec>().unwrap_err();
            assert!(e.contains(bad), "{e}");
        }
        assert_eq!(DeviceSpec::Cuda(2).to_string(), "cuda:2");
    }
}
