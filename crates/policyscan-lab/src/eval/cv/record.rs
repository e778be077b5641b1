//! What a cross-validation run reports: each model's `trained.json`, the
//! folds' and the whole run's figures, and the final check's.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::eval::lines::{Comparison, ScoredLine};
use crate::eval::thresholds::ThresholdChoice;

/// What one trained model went through (its folder's `trained.json`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Trained {
    /// Policies trained on.
    pub fit: Vec<String>,
    /// Policies that chose checkpoint and thresholds.
    pub inner: Vec<String>,
    pub human_examples: usize,
    /// Weak or distilled examples trained on beside the human ones.
    pub extra_examples: usize,
    /// Their loss weight (the n-gram member's is its choice); 0 with none.
    pub extra_weight: f32,
    pub steps: usize,
    pub best_step: usize,
    pub seconds: f64,
    /// Segment macro-F1 on the inner policies at the best step.
    pub inner_macro_f1: f64,
    pub thresholds: BTreeMap<String, f32>,
    /// How `thresholds` were chosen on the inner policies (`cv
    /// --thresholds`); records from before the choice existed read `best`.
    #[serde(default)]
    pub threshold_choice: ThresholdChoice,
    /// An ensemble's per-label member weights as its `ensemble.json` holds
    /// them (label → one weight per member); empty: equal weights.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub member_weights: BTreeMap<String, Vec<f32>>,
    /// Trained again on `fit` + `inner` once those choices were made
    /// (`cv --refit`): the weights learned from both, the thresholds are
    /// still the inner policies' choice.
    pub refit: bool,
    /// An ensemble's members, each as trained alone; the fields above are
    /// then the ensemble's (steps and seconds summed, `best_step` 0).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub members: Vec<Trained>,
    /// Copied from this earlier run's folder instead of trained
    /// (`cv --reuse`); the fields above are that run's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reused_from: Option<PathBuf>,
}

/// One fold: its held-out policies, how its model was trained (absent for
/// a fixed model) and its own figures.
#[derive(Debug, Clone, Serialize)]
pub struct FoldResult {
    pub fold: usize,
    pub test: Vec<String>,
    pub trained: Option<Trained>,
    pub model_macro_f1: f64,
    pub baseline_macro_f1: f64,
}

/// Lines of one held-out policy scored, and in which fold.
#[derive(Debug, Clone, Serialize)]
pub struct Predicted {
    pub policy: String,
    pub fold: usize,
    pub lines: usize,
}

/// A whole cross-validation: folds, out-of-fold figures, and which policy
/// was predicted in which fold.
#[derive(Debug, Clone, Serialize)]
pub struct CvResult {
    pub folds: usize,
    pub seed: u64,
    /// Fold of every policy.
    pub fold_of: BTreeMap<String, usize>,
    pub fold_results: Vec<FoldResult>,
    /// One entry per policy scored out of fold.
    pub predicted: Vec<Predicted>,
    /// Out-of-fold figures over every policy, model and baseline.
    pub out_of_fold: Comparison,
    pub seconds: f64,
    /// Every scored line (not serialised; for `--dump`).
    #[serde(skip)]
    pub lines: Vec<ScoredLine>,
}

/// The final check: one model trained on every training policy, scored on
/// the dev policies.
#[derive(Debug, Clone, Serialize)]
pub struct FinalResult {
    pub trained: Trained,
    pub dev: Comparison,
    pub model_dir: PathBuf,
    #[serde(skip)]
    pub lines: Vec<ScoredLine>,
}
