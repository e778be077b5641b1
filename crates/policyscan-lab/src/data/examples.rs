//! Training and evaluation examples: JSONL files with one
//! `{"text": …, "heading_path": [...], "labels": [...]}` object per line
//! (`lead_in` optional).
//! Kept apart from the trainer so that `eval`, `train` and `dataset` share one
//! reader with one set of error messages.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use policyscan::labels::{LabelSet, N_LABELS, parse_labels};
use policyscan::segment::{Segment, SegmentOptions, lead_ins, segment};

/// One labelled segment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Example {
    pub text: String,
    #[serde(default)]
    pub heading_path: Vec<String>,
    #[serde(default)]
    pub labels: Vec<String>,
    /// The tail of the sentence introducing the list this segment is an
    /// item of ([`policyscan::segment::lead_ins`]); read only by models
    /// trained with lead-ins. Optional.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lead_in: Option<String>,
    /// Where the example came from (policy id, sentence file…), for
    /// splitting by policy and for error analysis. Optional.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

impl Example {
    /// The example as classifier input (heading path + text + lead-in).
    pub fn input(&self) -> policyscan::model::batch::Input<'_> {
        policyscan::model::batch::Input {
            heading_path: &self.heading_path,
            text: &self.text,
            lead_in: self.lead_in.as_deref(),
        }
    }
}

/// Every segment of policy `source` (its `text`) as an example, the way the
/// scan sees it (heading path, lead-in), labelled by `labels`: the one place
/// where human, weak and unlabelled examples are cut from a policy.
pub fn segment_examples(
    text: &str,
    source: &str,
    opts: &SegmentOptions,
    mut labels: impl FnMut(&Segment) -> Vec<String>,
) -> Vec<Example> {
    let segs = segment(text, opts);
    segs.iter()
        .zip(lead_ins(&segs))
        .map(|(s, lead_in)| Example {
            labels: labels(s),
            text: s.text.clone(),
            heading_path: s.heading_path.clone(),
            lead_in: lead_in.map(str::to_owned),
            source: Some(source.to_string()),
        })
        .collect()
}

/// A bad examples file: which file, which line, what is wrong.
#[derive(Debug, thiserror::Error)]
pub enum ExamplesError {
    /// The file cannot be opened or read.
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    /// A line is not a valid example object.
    #[error("{path}:{line}: {reason}")]
    Line {
        path: PathBuf,
        line: usize,
        reason: String,
    },
}

/// An example with its labels parsed into a set.
#[derive(Debug, Clone)]
pub struct Labelled {
    pub example: Example,
    pub gold: LabelSet,
    /// Soft targets (a teacher's scores) to train towards instead of
    /// `gold`: distillation. `None` for human and weak examples.
    pub soft: Option<[f32; N_LABELS]>,
}

impl Labelled {
    /// An example trained towards its labels.
    pub fn hard(example: Example, gold: LabelSet) -> Self {
        Self {
            example,
            gold,
            soft: None,
        }
    }

    /// What training pulls each label's score towards: the soft target
    /// when there is one, else 0 or 1.
    pub fn target(&self) -> [f32; N_LABELS] {
        self.soft
            .unwrap_or_else(|| std::array::from_fn(|l| self.gold[l] as u8 as f32))
    }

    /// The example as classifier input (heading path + text + lead-in).
    pub fn input(&self) -> policyscan::model::batch::Input<'_> {
        self.example.input()
    }
}

/// Read a JSONL examples file; blank lines are skipped, anything else that is
/// not a valid example (or names an unknown label) is an error with its line.
pub fn read_examples(path: &Path) -> Result<Vec<Labelled>, ExamplesError> {
    let f = std::fs::File::open(path).map_err(|source| ExamplesError::Io {
        path: path.into(),
        source,
    })?;
    let mut out = Vec::new();
    for (i, line) in BufReader::new(f).lines().enumerate() {
        let line = line.map_err(|source| ExamplesError::Io {
            path: path.into(),
            source,
        })?;
        if line.trim().is_empty() {
            continue;
        }
        let err = |reason: String| ExamplesError::Line {
            path: path.into(),
            line: i + 1,
            reason,
        };
        let example: Example = serde_json::from_str(&line).map_err(|e| err(e.to_string()))?;
        let gold = parse_labels(&example.labels).map_err(err)?;
        out.push(Labelled::hard(example, gold));
    }
    Ok(out)
}

/// Write examples as JSONL.
pub fn write_examples(path: &Path, examples: &[Example]) -> Result<(), ExamplesError> {
    let io = |source| ExamplesError::Io {
        path: path.into(),
        source,
    };
    let mut w = std::io::BufWriter::new(std::fs::File::create(path).map_err(io)?);
    for e in examples {
        let line = serde_json::to_string(e).expect("examples serialise");
        writeln!(w, "{line}").map_err(io)?;
    }
    w.flush().map_err(io)
}
