//! Where a classifier's bytes come from: one model directory (a Hugging
//! Face BERT, or a character n-gram model, [`super::ngram`]), or an
//! ensemble directory — `ensemble.json` naming member directories beside
//! it, each one such model, the thresholds for their mean score and,
//! optionally, how much each member weighs in that mean per label. An
//! ensemble is kept as plain member directories so that each one still
//! loads, trains and converts with the usual tools.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::ngram::NgramFiles;
use crate::labels::{LABELS, N_LABELS};
use crate::model::{ModelError, ModelFiles};

/// File name of an ensemble's manifest.
pub const MANIFEST: &str = "ensemble.json";

/// The manifest of an ensemble directory.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Ensemble {
    /// Member directories, by name, inside the ensemble directory.
    pub members: Vec<String>,
    /// Per-label thresholds on the members' mean sigmoid score (label →
    /// threshold; a missing label uses 0.5). The members' own thresholds
    /// are for each one alone and are not read.
    #[serde(default)]
    pub thresholds: BTreeMap<String, f32>,
    /// Per-label weights of the members in the mean (label → one weight per
    /// member, in `members` order; a missing label weighs them equally).
    /// A member can be better at one label than another — the n-gram model
    /// at rare, keyword-led labels, a BERT at paraphrase — and `cv
    /// --member-weights` lets the inner policies say so.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub weights: BTreeMap<String, Vec<f32>>,
}

impl Ensemble {
    /// Parse and check a manifest: at least one member, each a plain
    /// directory name (no path separators, `.` or `..`), no label but
    /// policyscan's.
    pub fn parse(bytes: &[u8], source_name: &str) -> Result<Self, ModelError> {
        let err = |reason: String| ModelError::Ensemble {
            source_name: source_name.into(),
            reason,
        };
        let e: Ensemble = serde_json::from_slice(bytes).map_err(|e| err(e.to_string()))?;
        if e.members.is_empty() {
            return Err(err("`members` is empty".into()));
        }
        if let Some(m) = e.members.iter().find(|m| {
            m.is_empty() || m.contains(['/', '\\']) || m.as_str() == "." || m.as_str() == ".."
        }) {
            return Err(err(format!(
                "member `{m}` is not a directory name inside the ensemble directory"
            )));
        }
        if let Some(l) = e.thresholds.keys().find(|l| !LABELS.contains(&l.as_str())) {
            return Err(err(format!(
                "threshold for unknown label `{l}`; labels are {LABELS:?}"
            )));
        }
        for (l, w) in &e.weights {
            if !LABELS.contains(&l.as_str()) {
                return Err(err(format!(
                    "weights for unknown label `{l}`; labels are {LABELS:?}"
                )));
            }
            if w.len() != e.members.len() {
                return Err(err(format!(
                    "weights for `{l}`: {} given for {} members",
                    w.len(),
                    e.members.len()
                )));
            }
            if w.iter().any(|x| !x.is_finite() || *x < 0.0) || w.iter().sum::<f32>() <= 0.0 {
                return Err(err(format!(
                    "weights for `{l}` must be finite, not negative and not all zero: {w:?}"
                )));
            }
        }
        Ok(e)
    }

    /// Each member's weight per label in [`LABELS`] order, normalised so
    /// that a label's weights sum to 1 (equal where the manifest gives none).
    pub fn weight_arrays(&self) -> Vec<[f32; N_LABELS]> {
        let n = self.members.len();
        let mut out = vec![[1.0 / n as f32; N_LABELS]; n];
        for (l, label) in LABELS.iter().enumerate() {
            if let Some(w) = self.weights.get(*label) {
                let sum: f32 = w.iter().sum();
                for (m, x) in w.iter().enumerate() {
                    out[m][l] = x / sum;
                }
            }
        }
        out
    }

    /// Thresholds in [`LABELS`] order.
    pub fn threshold_array(&self) -> [f32; N_LABELS] {
        crate::labels::thresholds_in_order(&self.thresholds)
    }

    /// Write `dir/ensemble.json`.
    pub fn write(&self, dir: &Path) -> std::io::Result<()> {
        let json = serde_json::to_string_pretty(self).map_err(std::io::Error::other)?;
        std::fs::write(dir.join(MANIFEST), json + "\n")
    }
}

/// One model's files: a BERT's or an n-gram model's.
pub enum MemberFiles {
    Bert(ModelFiles),
    Ngram(NgramFiles),
}

impl MemberFiles {
    /// Read a model directory: an n-gram model when it holds `ngram.json`,
    /// else a Hugging Face BERT.
    pub fn read_dir(dir: &Path) -> Result<Self, ModelError> {
        if NgramFiles::is_ngram_dir(dir) {
            Ok(Self::Ngram(NgramFiles::read_dir(dir)?))
        } else {
            Ok(Self::Bert(ModelFiles::read_dir(dir)?))
        }
    }

    /// The bytes that identify the model: its weights (and an n-gram
    /// model's vocabulary, which gives the weights their meaning).
    fn fingerprint(&self) -> Vec<u8> {
        match self {
            Self::Bert(f) => f.weights.clone(),
            Self::Ngram(f) => [f.config.as_slice(), &f.weights].concat(),
        }
    }
}

/// A classifier's files: one model, or an ensemble's manifest and members.
pub struct ClassifierFiles {
    /// The manifest and its bytes, for an ensemble.
    pub ensemble: Option<(Ensemble, Vec<u8>)>,
    /// One model's files, or each member's in manifest order.
    pub members: Vec<MemberFiles>,
}

impl ClassifierFiles {
    /// One model's files.
    fn single(files: MemberFiles) -> Self {
        Self {
            ensemble: None,
            members: vec![files],
        }
    }

    /// An ensemble from its manifest's bytes and member files in manifest
    /// order (the count must match).
    pub fn ensemble(
        manifest: Vec<u8>,
        members: Vec<MemberFiles>,
        source_name: &str,
    ) -> Result<Self, ModelError> {
        let e = Ensemble::parse(&manifest, source_name)?;
        Self::checked(e, manifest, members, source_name)
    }

    /// An ensemble from its parsed manifest, the manifest's bytes and the
    /// member files in manifest order (the count must match).
    fn checked(
        e: Ensemble,
        manifest: Vec<u8>,
        members: Vec<MemberFiles>,
        source_name: &str,
    ) -> Result<Self, ModelError> {
        if e.members.len() != members.len() {
            return Err(ModelError::Ensemble {
                source_name: source_name.into(),
                reason: format!("names {} members, {} given", e.members.len(), members.len()),
            });
        }
        Ok(Self {
            ensemble: Some((e, manifest)),
            members,
        })
    }

    /// Read a model directory: an ensemble when it holds `ensemble.json`,
    /// else one model ([`MemberFiles::read_dir`]).
    pub fn read_dir(dir: &Path) -> Result<Self, ModelError> {
        let path = dir.join(MANIFEST);
        if !path.is_file() {
            return Ok(Self::single(MemberFiles::read_dir(dir)?));
        }
        let bytes = std::fs::read(&path).map_err(|source| ModelError::Io { path, source })?;
        let name = dir.display().to_string();
        let e = Ensemble::parse(&bytes, &name)?;
        let members = e
            .members
            .iter()
            .map(|m| MemberFiles::read_dir(&dir.join(m)))
            .collect::<Result<Vec<_>, _>>()?;
        Self::checked(e, bytes, members, &name)
    }

    /// The bytes that identify the classifier (what `plan` hashes so that
    /// workers refuse another model): a single model's weights; for an
    /// ensemble, the manifest then every member's weights.
    pub fn fingerprint(&self) -> Vec<u8> {
        match &self.ensemble {
            None => self.members[0].fingerprint(),
            Some((_, manifest)) => {
                let mut out = manifest.clone();
                for m in &self.members {
                    out.extend_from_slice(&m.fingerprint());
                }
                out
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manifests_name_members_inside_the_directory_only() {
        let ok = Ensemble::parse(
            br#"{"members": ["plain", "lead-in"], "thresholds": {"minors": 0.7}}"#,
            "m",
        )
        .unwrap();
        assert_eq!(ok.members, ["plain", "lead-in"]);
        assert_eq!(ok.threshold_array()[4], 0.7);
        assert_eq!(ok.threshold_array()[0], 0.5);
        assert_eq!(ok.weight_arrays(), vec![[0.5; N_LABELS]; 2]);
        let weighted = Ensemble::parse(
            br#"{"members": ["a", "b"], "weights": {"minors": [3, 1]}}"#,
            "m",
        )
        .unwrap();
        let w = weighted.weight_arrays();
        assert_eq!((w[0][4], w[1][4]), (0.75, 0.25));
        assert_eq!((w[0][0], w[1][0]), (0.5, 0.5));
        for (bad, why) in [
            (r#"{"members": []}"#, "empty"),
            (r#"{"members": ["../x"]}"#, "not a directory name"),
            (r#"{"members": [".."]}"#, "not a directory name"),
            (
                r#"{"members": ["a"], "thresholds": {"ads": 0.5}}"#,
                "unknown label `ads`",
            ),
            (r#"{"members": "a"}"#, "invalid type"),
            (
                r#"{"members": ["a", "b"], "weights": {"ads": [1, 1]}}"#,
                "unknown label `ads`",
            ),
            (
                r#"{"members": ["a", "b"], "weights": {"minors": [1]}}"#,
                "1 given for 2 members",
            ),
            (
                r#"{"members": ["a", "b"], "weights": {"minors": [0, 0]}}"#,
                "not all zero",
            ),
            (
                r#"{"members": ["a", "b"], "weights": {"minors": [-1, 2]}}"#,
                "not negative",
            ),
        ] {
            let e = Ensemble::parse(bad.as_bytes(), "dir")
                .unwrap_err()
                .to_string();
            assert!(
                e.starts_with("dir: ensemble.json: ") && e.contains(why),
                "{bad}: {e}"
            );
        }
    }

    #[test]
    fn a_directory_without_its_members_names_the_missing_file() {
        let dir = tempfile::tempdir().unwrap();
        Ensemble {
            members: vec!["a".into()],
            thresholds: BTreeMap::new(),
            weights: BTreeMap::new(),
        }
        .write(dir.path())
        .unwrap();
        let e = ClassifierFiles::read_dir(dir.path())
            .err()
            .unwrap()
            .to_string();
        assert!(e.contains("config.json") && e.contains("/a"), "{e}");
    }
}
