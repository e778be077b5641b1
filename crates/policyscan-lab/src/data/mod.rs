//! Data sets: everything the lab reads from the data beside the project
//! (`../shared`) and the files it builds from it, reproducibly.
//!
//! - [`classifier`]: `train.jsonl`, `dev.jsonl` and `pretrain.jsonl` for the
//!   segment classifier and masked-LM pre-training (human VioDroid
//!   sentences plus weakly labelled corpus segments);
//! - [`tagger`]: `tag_train.jsonl`, `tag_dev.jsonl` and `tag_test.jsonl` for
//!   the data-mention tagger (the CA4P `data` spans);
//! - [`devset`]: the 12 human-labelled dev policies (or any human-labelled
//!   policies), line by line, to score the whole scan;
//! - [`human`]: the 84 human-labelled training policies as segment examples,
//!   and the weak pool cross-validation may mix in;
//! - [`examples`]: the JSONL reader and writer of labelled segments.
//!
//! This file holds what they share: where the shared folder is, its errors,
//! its file lists and the splits by policy (dev, tagger test), so that no
//! policy is trained on that a figure is measured on.

pub mod classifier;
pub mod devset;
pub mod examples;
pub mod human;
pub mod tagger;

use std::path::{Path, PathBuf};

use serde::Deserialize;

pub use classifier::{BuildStats, HeadingRule, build, viodroid_examples, viodroid_labels};
pub use devset::{BodyLine, DEV_FOLDER, DevPolicy, DevSet, HumanKind};
pub use human::{TRAIN_FOLDER, train_ids, train_set};
pub use tagger::{TagExample, TagStats, build_tag, tag_examples};

/// Problems with the shared data.
#[derive(Debug, thiserror::Error)]
pub enum DatasetError {
    /// `../shared` (or the given folder) is not there: callers skip cleanly.
    #[error(
        "{0}: shared data folder not found (it sits beside the project as ../shared; pass --shared DIR)"
    )]
    Absent(PathBuf),
    /// A file cannot be read.
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    /// A file is malformed.
    #[error("{path}:{line}: {reason}")]
    Format {
        path: PathBuf,
        line: usize,
        reason: String,
    },
}

/// Read a whole text file, naming it on failure.
pub(crate) fn read(path: &Path) -> Result<String, DatasetError> {
    std::fs::read_to_string(path).map_err(|source| DatasetError::Io {
        path: path.into(),
        source,
    })
}

/// Create the output folder `out`.
pub(crate) fn create_out(out: &Path) -> Result<(), DatasetError> {
    std::fs::create_dir_all(out).map_err(|source| DatasetError::Io {
        path: out.into(),
        source,
    })
}

/// Locate the shared folder: the argument, else `../shared` from the current
/// directory. `Err(Absent)` when missing, so tests and benches can skip.
pub fn shared_dir(arg: Option<&Path>) -> Result<PathBuf, DatasetError> {
    let p = arg
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("../shared"));
    if p.join("corpus/ca4p/texts").is_dir() {
        Ok(p)
    } else {
        Err(DatasetError::Absent(p))
    }
}

/// The text of corpus policy `id`.
pub fn policy_text(shared: &Path, id: &str) -> Result<String, DatasetError> {
    read(&shared.join(format!("corpus/ca4p/texts/{id}.txt")))
}

/// One human span of a CA4P policy (char offsets, end exclusive).
#[derive(Deserialize)]
pub struct Span {
    pub start: usize,
    pub end: usize,
    pub label: String,
}

/// The spans of a CA4P `spans/*.jsonl` file; none when the file is absent.
pub fn read_spans(path: &Path) -> Result<Vec<Span>, DatasetError> {
    if !path.exists() {
        return Ok(Vec::new());
    }
    read(path)?
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| {
            serde_json::from_str(l).map_err(|e| DatasetError::Format {
                path: path.into(),
                line: i + 1,
                reason: e.to_string(),
            })
        })
        .collect()
}

/// The human spans of corpus policy `id` (none when it has no spans file).
pub fn policy_spans(shared: &Path, id: &str) -> Result<Vec<Span>, DatasetError> {
    read_spans(&shared.join(format!("corpus/ca4p/spans/{id}.jsonl")))
}

/// Sorted names of the files in `dir` ending in `suffix`, without it.
pub fn file_stems(dir: &Path, suffix: &str) -> Result<Vec<String>, DatasetError> {
    let mut ids: Vec<String> = std::fs::read_dir(dir)
        .map_err(|source| DatasetError::Io {
            path: dir.to_path_buf(),
            source,
        })?
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            e.file_name()
                .to_str()
                .and_then(|n| n.strip_suffix(suffix))
                .map(str::to_string)
        })
        .collect();
    ids.sort();
    Ok(ids)
}

/// Ids of the human-labelled dev policies (never trained on).
pub fn dev_ids(shared: &Path) -> Result<Vec<String>, DatasetError> {
    file_stems(&shared.join("labeled/segments_dev"), ".labels.tsv")
}

/// Ids of all corpus policies.
pub fn corpus_ids(shared: &Path) -> Result<Vec<String>, DatasetError> {
    file_stems(&shared.join("corpus/ca4p/texts"), ".txt")
}

/// Ids of the corpus policies held out as the tagger's test set: every 8th
/// non-dev policy in id order. Nothing trains on them — not the tagger, and
/// not masked-LM pre-training either (`pretrain.jsonl` leaves them out).
pub fn tag_test_ids(shared: &Path) -> Result<Vec<String>, DatasetError> {
    let dev_set = dev_ids(shared)?;
    Ok(corpus_ids(shared)?
        .into_iter()
        .filter(|id| !dev_set.contains(id))
        .enumerate()
        .filter(|(i, _)| i % 8 == 3)
        .map(|(_, id)| id)
        .collect())
}

/// `(start, end)` char offsets of every `\n`-separated line.
pub fn line_char_spans(text: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut pos = 0;
    for c in text.chars() {
        if c == '\n' {
            out.push((start, pos));
            start = pos + 1;
        }
        pos += 1;
    }
    out.push((start, pos));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_spans_count_chars() {
        assert_eq!(line_char_spans("一二\n三\n"), vec![(0, 2), (3, 4), (5, 5)]);
    }
}
