//! [`DevSet`]: human-labelled policies with the kind and labels of every
//! line — the 12 dev policies of `labeled/segments_dev` ([`DevSet::load`]),
//! the 84 training policies of `labeled/segments_train`, or any id list of
//! either ([`DevSet::load_ids`]) — used to score the *whole scan* (segment →
//! classify, mapped back to lines) rather than a classifier on segments it
//! was handed. Line labels are what annotators wrote, so the figure does not
//! depend on our segmenter being right.

use std::path::{Path, PathBuf};

use super::{DatasetError, dev_ids, line_char_spans, policy_text, read};
use policyscan::labels::{LabelSet, N_LABELS};
use policyscan::segment::Segment;

/// The folder of the dev policies under `labeled/`.
pub const DEV_FOLDER: &str = "segments_dev";

/// The kind a reader gave a line (the KIND column of `*.labels.tsv`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum HumanKind {
    Heading,
    Toc,
    Body,
}

/// One human-labelled policy: its text, the kind of every labelled line and
/// the labels of every body line.
#[derive(Debug, Clone)]
pub struct DevPolicy {
    pub id: String,
    pub text: String,
    /// (0-based line number, labels) for lines of kind `body`.
    pub body: Vec<(usize, LabelSet)>,
    /// (0-based line number, kind) for every labelled (non-empty) line.
    pub kinds: Vec<(usize, HumanKind)>,
}

/// Human-labelled policies (the 12 dev policies, unless loaded otherwise).
#[derive(Debug, Clone, Default)]
pub struct DevSet {
    pub policies: Vec<DevPolicy>,
}

/// The rows of one `*.labels.tsv` (`line<TAB>kind<TAB>labels`): (0-based
/// line number, kind, labels).
fn label_rows(tsv_path: &Path) -> Result<Vec<(usize, HumanKind, LabelSet)>, DatasetError> {
    let mut rows = Vec::new();
    for (i, line) in read(tsv_path)?.lines().enumerate() {
        let cols: Vec<&str> = line.split('\t').collect();
        if cols.len() < 3 {
            continue;
        }
        let err = |reason: String| DatasetError::Format {
            path: PathBuf::from(tsv_path),
            line: i + 1,
            reason,
        };
        let no: usize = cols[0]
            .parse()
            .map_err(|_| err(format!("bad line number `{}`", cols[0])))?;
        let kind = match cols[1] {
            "heading" => HumanKind::Heading,
            "toc" => HumanKind::Toc,
            "body" => HumanKind::Body,
            other => return Err(err(format!("unknown kind `{other}`"))),
        };
        let names: Vec<&str> = cols[2]
            .split(',')
            .filter(|s| *s != "-" && !s.is_empty())
            .collect();
        let set = policyscan::labels::parse_labels(&names).map_err(err)?;
        rows.push((no.saturating_sub(1), kind, set));
    }
    Ok(rows)
}

impl DevPolicy {
    /// Load corpus policy `id` with the labels of `labeled/<folder>/`.
    pub fn load(shared: &Path, folder: &str, id: &str) -> Result<Self, DatasetError> {
        let text = policy_text(shared, id)?;
        let rows = label_rows(&shared.join(format!("labeled/{folder}/{id}.labels.tsv")))?;
        Ok(Self {
            id: id.to_string(),
            text,
            body: rows
                .iter()
                .filter(|r| r.1 == HumanKind::Body)
                .map(|r| (r.0, r.2))
                .collect(),
            kinds: rows.iter().map(|r| (r.0, r.1)).collect(),
        })
    }

    /// The segment's label: the union of the human labels of the body lines
    /// it overlaps (what a segment-level example of this policy is taught).
    pub fn segment_labels(&self, seg: &Segment, line_spans: &[(usize, usize)]) -> LabelSet {
        let mut set = [false; N_LABELS];
        for (no, g) in &self.body {
            let (ls, le) = line_spans[(*no).min(line_spans.len() - 1)];
            if (seg.char_start as usize) < le && (seg.char_end as usize) > ls {
                for i in 0..N_LABELS {
                    set[i] |= g[i];
                }
            }
        }
        set
    }
}

impl DevSet {
    /// Load the dev policies from the shared folder.
    pub fn load(shared: &Path) -> Result<Self, DatasetError> {
        Self::load_ids(shared, DEV_FOLDER, &dev_ids(shared)?)
    }

    /// Load the policies `ids` labelled in `labeled/<folder>/`.
    pub fn load_ids(shared: &Path, folder: &str, ids: &[String]) -> Result<Self, DatasetError> {
        let policies = ids
            .iter()
            .map(|id| DevPolicy::load(shared, folder, id))
            .collect::<Result<_, _>>()?;
        Ok(Self { policies })
    }

    /// The policies among `ids`, in this set's order.
    pub fn select(&self, ids: &[String]) -> Self {
        Self {
            policies: self
                .policies
                .iter()
                .filter(|p| ids.contains(&p.id))
                .cloned()
                .collect(),
        }
    }
}

/// One human body line and the segments of a scan that overlap it.
#[derive(Debug, Clone)]
pub struct BodyLine {
    /// 0-based line number.
    pub line: usize,
    pub gold: LabelSet,
    /// Indices of the segments overlapping the line's chars (none when the
    /// segmenter took the line for a heading, a contents entry or nothing).
    pub segments: Vec<usize>,
}

impl DevPolicy {
    /// Every body line of the policy with the segments of `segs` (its
    /// scan) overlapping it: how a segment's prediction reaches the lines
    /// readers labelled, whatever the segmenter made of them.
    pub fn body_lines(&self, segs: &[Segment]) -> Vec<BodyLine> {
        let spans = line_char_spans(&self.text);
        self.body
            .iter()
            .filter_map(|&(line, gold)| {
                let &(ls, le) = spans.get(line)?;
                let segments = segs
                    .iter()
                    .enumerate()
                    .filter(|(_, s)| (s.char_start as usize) < le && (s.char_end as usize) > ls)
                    .map(|(i, _)| i)
                    .collect();
                Some(BodyLine {
                    line,
                    gold,
                    segments,
                })
            })
            .collect()
    }
}
