//! What a cross-validation run is asked to do: its settings, the members it
//! can train, and how it fails.

use std::path::PathBuf;

use crate::eval::thresholds::ThresholdChoice;
use crate::eval::weights::WeightChoice;
use crate::train::ngram::NgramOptions;
use crate::train::{TrainError, TrainOptions};

/// Why cross-validation failed.
#[derive(Debug, thiserror::Error)]
pub enum CvError {
    #[error(transparent)]
    Train(#[from] TrainError),
    #[error(transparent)]
    Model(#[from] policyscan::model::ModelError),
    #[error(transparent)]
    Inference(#[from] policyscan::model::InferenceError),
    #[error("{0}")]
    Setup(String),
}

/// A member that reads each segment with its heading path only.
pub const PLAIN: &str = "plain";
/// A member that also reads each list item's lead-in
/// ([`policyscan::segment::lead_ins`]).
pub const LEAD_IN: &str = "lead-in";
/// The character n-gram member ([`crate::train::ngram`]).
pub const NGRAM: &str = "ngram";
/// A character n-gram member that also learns the other members' mean
/// scores on the corpus segments nobody labelled (`cv/student.rs`).
pub const NGRAM_DISTILLED: &str = "ngram-distilled";

/// Settings of one cross-validation run.
#[derive(Debug, Clone)]
pub struct CvOptions {
    pub folds: usize,
    /// Seed of the fold and inner splits and of the weak sample (training
    /// has its own, `train.seed`).
    pub seed: u64,
    /// Share of a fold's training policies kept apart to choose the
    /// checkpoint and thresholds.
    pub inner_share: f64,
    /// Share of each fold's fit policies trained on (1 = all): points of a
    /// learning curve, which says what more labelled policies would buy.
    /// The inner policies stay whole, so every point chooses on the same
    /// policies and is scored on the same held-out fold.
    pub fit_share: f64,
    /// Loss weight of weak examples; 0 leaves the weak pool out.
    pub weak_weight: f32,
    /// Weak examples drawn per human training example.
    pub weak_ratio: f64,
    /// How the n-gram member is trained: its n-gram range, the `C`s and the
    /// loss weights of the weak examples it chooses among on the inner
    /// policies (`weak_weights` `[0]`, or no `ngram` member, leaves the
    /// weak pool out of it; independent of `weak_weight`, which is the BERT
    /// members').
    pub ngram: NgramOptions,
    /// Distil from teachers: in cross-validation `fold-N` under this
    /// folder teaches fold N (the work folder of an earlier run with the
    /// same folds); in the final check the folder itself teaches. `None`:
    /// no distillation.
    pub teachers: Option<PathBuf>,
    /// Loss weight of the distilled examples.
    pub distill_weight: f32,
    /// Unlabelled segments drawn per human training example.
    pub distill_ratio: f64,
    /// Loss weights of the teacher-scored segments the [`NGRAM_DISTILLED`]
    /// member chooses among on the inner policies, with its `C`.
    pub student_weights: Vec<f32>,
    /// With `train.init`: start the classification head from the init
    /// model's too (continue that classifier).
    pub keep_head: bool,
    /// Training settings (`train`, `dev`, `out` are not read; `lead_in`
    /// is set per member).
    pub train: TrainOptions,
    /// What to train: one member ([`PLAIN`], [`LEAD_IN`] or [`NGRAM`]) is one model;
    /// two or more, an ensemble of them (each trained as if alone, the
    /// thresholds of their mean score chosen on the inner policies).
    pub members: Vec<String>,
    /// After the inner policies chose checkpoints and thresholds, train
    /// these members again on fit + inner with those choices
    /// (`cv/refit.rs`); empty refits none. An ensemble's other members stay
    /// as the inner policies judged them.
    pub refit: Vec<String>,
    /// Members named in [`CvOptions::reuse`] are copied from this folder
    /// (an earlier run's work folder: `fold-N` for fold N; with the final
    /// check, the folder itself) instead of trained (`cv/reuse.rs`).
    pub reuse_from: Option<PathBuf>,
    /// The members to reuse; empty trains every member.
    pub reuse: Vec<String>,
    /// Fold models are written under this folder (`fold-N`).
    pub work: PathBuf,
    pub batch_size: usize,
    /// Bootstrap resamples for the model − baseline interval.
    pub resamples: usize,
    /// How an ensemble's thresholds are chosen on the inner policies.
    pub thresholds: ThresholdChoice,
    /// How much each member weighs in an ensemble's mean, per label
    /// (chosen on the inner policies before the thresholds).
    pub member_weights: WeightChoice,
}
