//! Segment classification: the multi-label BERT classifier run in-process by
//! candle. It reads `heading path [SEP] text` pairs (and, for a model
//! trained so, each list item's lead-in), batches them by length (little
//! padding, so little wasted compute) and returns one sigmoid score per
//! label.
//!
//! A classifier is one model — a BERT in the Hugging Face layout, or a
//! character n-gram model — or an ensemble of them whose scores it
//! averages, weighted per label where the manifest says ([`Ensemble`]); the
//! default is an ensemble embedded in the binary. One file per part:
//! - `files` — reading a model or ensemble directory (or the embedded bytes);
//! - `member` — one loaded BERT and its tokeniser;
//! - `ngram` — one loaded character n-gram model;
//! - `keywords` — the keyword/heading rules (the baseline, and features
//!   an n-gram member may read);
//! - this file — [`Classifier`], which scores with every member and decides.

mod files;
pub mod keywords;
mod member;
pub mod ngram;

use std::path::Path;

use candle_core::Device;

pub use files::{ClassifierFiles, Ensemble, MANIFEST, MemberFiles};
use member::Member;
use ngram::{NgramField, NgramFiles, NgramModel};

use crate::labels::N_LABELS;
use crate::model::batch::{self, Batcher, Input};
use crate::model::config::ModelConfig;
use crate::model::{InferenceError, ModelError, ModelFiles};

/// The default classifier, compiled into the binary so that an installed
/// `policyscan` works from any directory without a model path: the ensemble
/// in `models/policy-bert-zh`.
pub mod embedded {
    /// `ensemble.json` of `models/policy-bert-zh`.
    pub const MANIFEST: &[u8] = include_bytes!("../../../../models/policy-bert-zh/ensemble.json");
    /// The BERT members' `config.json`, `tokenizer.json` and
    /// `model.safetensors`, in the manifest's order: one, `lead-in`.
    pub const MEMBERS: [[&[u8]; 3]; 1] = [[
        include_bytes!("../../../../models/policy-bert-zh/lead-in/config.json"),
        include_bytes!("../../../../models/policy-bert-zh/lead-in/tokenizer.json"),
        include_bytes!("../../../../models/policy-bert-zh/lead-in/model.safetensors"),
    ]];
    /// The n-gram member's `ngram.json` and `ngram.safetensors`, last in
    /// the manifest.
    pub const NGRAM: [&[u8]; 2] = [
        include_bytes!("../../../../models/policy-bert-zh/ngram/ngram.json"),
        include_bytes!("../../../../models/policy-bert-zh/ngram/ngram.safetensors"),
    ];
}

/// The classifier's default window in tokens (heading path + segment):
/// what the built-in model was trained with, so what `scan`, `eval`,
/// `score`, `train` and `cv` use unless told otherwise.
pub const DEFAULT_MAX_TOKENS: usize = 256;

/// The built-in classifier's files.
pub fn embedded_files() -> Result<ClassifierFiles, ModelError> {
    let [config, weights] = embedded::NGRAM;
    let members = embedded::MEMBERS
        .iter()
        .map(|[config, tokenizer, weights]| {
            MemberFiles::Bert(ModelFiles {
                config: config.to_vec(),
                tokenizer: tokenizer.to_vec(),
                weights: weights.to_vec(),
            })
        })
        .chain([MemberFiles::Ngram(NgramFiles {
            config: config.to_vec(),
            weights: weights.to_vec(),
        })])
        .collect();
    ClassifierFiles::ensemble(embedded::MANIFEST.to_vec(), members, "embedded model")
}

/// One loaded member of a classifier.
enum Scorer {
    Bert(Box<Member>),
    Ngram(Box<NgramModel>),
}

impl Scorer {
    fn load(
        files: MemberFiles,
        source_name: &str,
        max_tokens: usize,
        device: &Device,
    ) -> Result<Self, ModelError> {
        Ok(match files {
            MemberFiles::Bert(f) => {
                Self::Bert(Box::new(Member::load(f, source_name, max_tokens, device)?))
            }
            MemberFiles::Ngram(f) => Self::Ngram(Box::new(NgramModel::load(&f, source_name)?)),
        })
    }

    fn thresholds(&self) -> [f32; N_LABELS] {
        match self {
            Self::Bert(m) => m.thresholds,
            Self::Ngram(m) => m.thresholds(),
        }
    }

    fn score(
        &self,
        inputs: &[Input<'_>],
        batch_size: usize,
        device: &Device,
    ) -> Result<Vec<[f32; N_LABELS]>, InferenceError> {
        use rayon::prelude::*;
        match self {
            Self::Bert(m) => m.score(inputs, batch_size, device),
            Self::Ngram(m) => Ok(inputs.par_iter().map(|i| m.score_one(i)).collect()),
        }
    }

    fn bert(&self) -> Option<&Member> {
        match self {
            Self::Bert(m) => Some(m),
            Self::Ngram(_) => None,
        }
    }
}

/// A loaded classifier, ready to score segments from many threads at once.
pub struct Classifier {
    /// One model, or an ensemble's members in manifest order.
    members: Vec<Scorer>,
    /// Each member's per-label weight in the mean (a label's sum to 1).
    weights: Vec<[f32; N_LABELS]>,
    thresholds: [f32; N_LABELS],
    device: Device,
}

impl Classifier {
    /// Load the model or ensemble in `dir` on the CPU.
    pub fn from_dir(dir: &Path, max_tokens: usize) -> Result<Self, ModelError> {
        let files = ClassifierFiles::read_dir(dir)?;
        Self::from_files(files, &dir.display().to_string(), max_tokens, &Device::Cpu)
    }

    /// Load the default classifier compiled into the binary, on the CPU.
    pub fn embedded(max_tokens: usize) -> Result<Self, ModelError> {
        Self::from_files(
            embedded_files()?,
            "embedded model",
            max_tokens,
            &Device::Cpu,
        )
    }

    /// Load from the files' bytes onto `device` (CPU, or CUDA when built
    /// with the `cuda` feature); `source_name` names them in errors. A
    /// single model decides with its own thresholds, an ensemble with its
    /// manifest's.
    pub fn from_files(
        files: ClassifierFiles,
        source_name: &str,
        max_tokens: usize,
        device: &Device,
    ) -> Result<Self, ModelError> {
        let (names, ensemble_thresholds, weights) = match &files.ensemble {
            None => (vec![source_name.to_string()], None, vec![[1.0; N_LABELS]]),
            Some((e, _)) => (
                e.members
                    .iter()
                    .map(|m| format!("{source_name}/{m}"))
                    .collect(),
                Some(e.threshold_array()),
                e.weight_arrays(),
            ),
        };
        let members = files
            .members
            .into_iter()
            .zip(&names)
            .map(|(f, name)| Scorer::load(f, name, max_tokens, device))
            .collect::<Result<Vec<Scorer>, _>>()?;
        let thresholds = ensemble_thresholds.unwrap_or(members[0].thresholds());
        Ok(Self {
            members,
            weights,
            thresholds,
            device: device.clone(),
        })
    }

    /// How many models score each segment (1 unless an ensemble).
    pub fn member_count(&self) -> usize {
        self.members.len()
    }

    /// Whether some member reads lead-ins ([`crate::segment::lead_ins`]):
    /// only then are they worth computing, and only then do two copies of an
    /// item under different lead-ins score differently.
    pub fn reads_lead_ins(&self) -> bool {
        self.members.iter().any(|m| match m {
            Scorer::Bert(m) => m.config.lead_in,
            Scorer::Ngram(m) => m.config().fields.contains(&NgramField::LeadIn),
        })
    }

    fn berts(&self) -> impl Iterator<Item = &Member> {
        self.members.iter().filter_map(Scorer::bert)
    }

    /// The first BERT member's config (hyper-parameters, labels,
    /// thresholds); `None` for a classifier of n-gram models only.
    pub fn config(&self) -> Option<&ModelConfig> {
        self.berts().next().map(|m| &m.config)
    }

    /// Per-label decision thresholds in [`crate::labels::LABELS`] order.
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
        for m in &mut self.members {
            if let Scorer::Bert(m) = m {
                m.model.set_fused_kernels(on);
            }
        }
    }

    /// The first BERT member's batcher (tokeniser + length bucketing);
    /// `None` for a classifier of n-gram models only.
    pub fn batcher(&self) -> Option<&Batcher> {
        self.berts().next().map(|m| &m.batcher)
    }

    /// Sigmoid scores in [`crate::labels::LABELS`] order for each input, the
    /// members' mean (weighted per label as the manifest says); output order
    /// = input order. Each member tokenises the
    /// inputs in parallel, groups them into length-sorted batches of at
    /// most `batch_size` and runs the batches in parallel on rayon's pool
    /// (what `scan` does across policies).
    pub fn score(
        &self,
        inputs: &[Input<'_>],
        batch_size: usize,
    ) -> Result<Vec<[f32; N_LABELS]>, InferenceError> {
        if let [only] = self.members.as_slice() {
            return only.score(inputs, batch_size, &self.device);
        }
        Ok(self.mixed(&self.member_scores(inputs, batch_size)?))
    }

    /// Each member's own scores, in manifest order (one vector per member,
    /// in input order): what `cv` weighs the members by.
    pub fn member_scores(
        &self,
        inputs: &[Input<'_>],
        batch_size: usize,
    ) -> Result<Vec<Vec<[f32; N_LABELS]>>, InferenceError> {
        self.members
            .iter()
            .map(|m| m.score(inputs, batch_size, &self.device))
            .collect()
    }

    /// The classifier's scores from its members' ([`Classifier::member_scores`]),
    /// mixed as [`Classifier::score`] mixes them: one scoring pass gives
    /// both what each member says and what the classifier decides on.
    pub fn mixed(&self, members: &[Vec<[f32; N_LABELS]>]) -> Vec<[f32; N_LABELS]> {
        match members {
            [only] if self.members.len() == 1 => only.clone(),
            _ => mix(members, &self.weights),
        }
    }

    /// The first BERT member's raw logits in its head order for one
    /// prepared batch (for kernel benchmarks and reference checks).
    pub fn logits(&self, t: &batch::BatchTensors) -> Result<Vec<Vec<f32>>, InferenceError> {
        self.berts()
            .next()
            .ok_or_else(|| InferenceError::classifier("no BERT member to run"))?
            .logits(t)
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

/// The members' scores mixed with per-member, per-label weights (each
/// label's weights summing to 1): the classifier's score from
/// [`Classifier::member_scores`], for choosing the weights without
/// scoring again.
pub fn mix(members: &[Vec<[f32; N_LABELS]>], weights: &[[f32; N_LABELS]]) -> Vec<[f32; N_LABELS]> {
    let mut out = vec![[0.0; N_LABELS]; members.first().map_or(0, Vec::len)];
    for (scores, w) in members.iter().zip(weights) {
        for (acc, s) in out.iter_mut().zip(scores) {
            for l in 0..N_LABELS {
                acc[l] += w[l] * s[l];
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_manifest_lists_the_embedded_members_in_order() {
        let e = Ensemble::parse(embedded::MANIFEST, "embedded").unwrap();
        assert_eq!(e.members, ["lead-in", "ngram"]);
        let files = embedded_files().unwrap();
        assert!(matches!(
            files.members.as_slice(),
            [MemberFiles::Bert(_), MemberFiles::Ngram(_)]
        ));
    }
}
