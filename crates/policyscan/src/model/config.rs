//! `config.json` of a model directory, field for field as Hugging Face writes
//! it for `BertForSequenceClassification`, plus the per-label decision
//! thresholds this project tunes on the dev set.
//!
//! Why our own struct rather than `candle_transformers::models::bert::Config`:
//! that one deserialises but does not serialise, and we must write configs that
//! `transformers` loads unchanged (so the model is interoperable both ways).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::labels::LABELS;

/// BERT hyper-parameters and the classification head's label map.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelConfig {
    #[serde(default = "default_architectures")]
    pub architectures: Vec<String>,
    #[serde(default = "default_model_type")]
    pub model_type: String,
    pub vocab_size: usize,
    pub hidden_size: usize,
    pub num_hidden_layers: usize,
    pub num_attention_heads: usize,
    pub intermediate_size: usize,
    #[serde(default = "default_act")]
    pub hidden_act: String,
    #[serde(default = "default_dropout")]
    pub hidden_dropout_prob: f64,
    #[serde(default = "default_dropout")]
    pub attention_probs_dropout_prob: f64,
    #[serde(default = "default_max_pos")]
    pub max_position_embeddings: usize,
    #[serde(default = "default_type_vocab")]
    pub type_vocab_size: usize,
    #[serde(default = "default_init_range")]
    pub initializer_range: f64,
    #[serde(default = "default_ln_eps")]
    pub layer_norm_eps: f64,
    #[serde(default)]
    pub pad_token_id: usize,
    #[serde(default = "default_pos_type")]
    pub position_embedding_type: String,
    /// Head index → label name. Keys are decimal strings, as in HF configs.
    #[serde(default)]
    pub id2label: BTreeMap<String, String>,
    #[serde(default)]
    pub label2id: BTreeMap<String, usize>,
    #[serde(default)]
    pub problem_type: Option<String>,
    /// Per-label sigmoid decision thresholds (label name → threshold). Missing
    /// labels use 0.5. Tuned on the dev set by `policyscan train`.
    #[serde(default)]
    pub thresholds: BTreeMap<String, f32>,
    /// Whether the classifier was trained with each list item's lead-in
    /// (see [`crate::segment::lead_ins`]) after its heading path. A model
    /// sees its input the way it was trained, so this travels with the
    /// weights; absent (any plain HF model) means off.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub lead_in: bool,
}

fn default_architectures() -> Vec<String> {
    vec!["BertForSequenceClassification".into()]
}
fn default_model_type() -> String {
    "bert".into()
}
fn default_act() -> String {
    "gelu".into()
}
fn default_dropout() -> f64 {
    0.1
}
fn default_max_pos() -> usize {
    512
}
fn default_type_vocab() -> usize {
    2
}
fn default_init_range() -> f64 {
    0.02
}
fn default_ln_eps() -> f64 {
    1e-12
}
fn default_pos_type() -> String {
    "absolute".into()
}

impl ModelConfig {
    /// A small BERT for training from scratch on this project's data.
    /// `hidden`/`layers`/`heads` pick the size; the label map is ours.
    pub fn small(vocab_size: usize, hidden: usize, layers: usize, heads: usize) -> Self {
        let mut c = ModelConfig {
            architectures: default_architectures(),
            model_type: default_model_type(),
            vocab_size,
            hidden_size: hidden,
            num_hidden_layers: layers,
            num_attention_heads: heads,
            intermediate_size: hidden * 4,
            hidden_act: default_act(),
            hidden_dropout_prob: 0.1,
            attention_probs_dropout_prob: 0.1,
            max_position_embeddings: 256,
            type_vocab_size: 2,
            initializer_range: 0.02,
            layer_norm_eps: 1e-12,
            pad_token_id: 0,
            position_embedding_type: default_pos_type(),
            id2label: BTreeMap::new(),
            label2id: BTreeMap::new(),
            problem_type: None,
            thresholds: BTreeMap::new(),
            lead_in: false,
        };
        c.set_policyscan_labels();
        c
    }

    /// Make this a config of our classifier: our six labels in
    /// `id2label`/`label2id`, the problem marked multi-label (so `transformers`
    /// applies sigmoid + BCE) and the architecture `BertForSequenceClassification`
    /// (a config taken from a pre-trained `BertForMaskedLM` would otherwise keep
    /// claiming that head).
    pub fn set_policyscan_labels(&mut self) {
        self.architectures = vec!["BertForSequenceClassification".into()];
        self.id2label = LABELS
            .iter()
            .enumerate()
            .map(|(i, l)| (i.to_string(), l.to_string()))
            .collect();
        self.label2id = LABELS
            .iter()
            .enumerate()
            .map(|(i, l)| (l.to_string(), i))
            .collect();
        self.problem_type = Some("multi_label_classification".into());
    }

    /// Label names in head order, from `id2label`.
    pub fn labels(&self) -> Result<Vec<String>, String> {
        let n = self.id2label.len();
        (0..n)
            .map(|i| {
                self.id2label
                    .get(&i.to_string())
                    .cloned()
                    .ok_or_else(|| format!("id2label has {n} entries but no key \"{i}\""))
            })
            .collect()
    }

    /// Threshold per head index (0.5 where none was tuned).
    pub fn threshold_vec(&self) -> Result<Vec<f32>, String> {
        Ok(self
            .labels()?
            .iter()
            .map(|l| self.thresholds.get(l).copied().unwrap_or(0.5))
            .collect())
    }
}
