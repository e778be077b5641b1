//! `policyscan dataset`, the classifier's part: build the segment
//! classifier's training and dev files from the shared folder, reproducibly.
//!
//! - **train**: the ~4k human-labelled VioDroid sentences (compliance rules
//!   mapped to our labels, no heading path) plus every corpus policy *except*
//!   the 12 human-labelled dev policies, segmented by our own segmenter and
//!   weakly labelled: the section labels of [`crate::eval::baseline`]'s
//!   heading rules, the human `collect`/`share` spans of CA4P, and
//!   unambiguous keywords.
//! - **dev**: the 12 dev policies segmented the same way, each segment labelled
//!   with the union of the human labels of the body lines it covers. Split by
//!   policy, never by segment, so dev figures are honest.
//! - **pretrain**: the training texts without the tagger's test policies,
//!   for masked-LM pre-training.

use std::collections::BTreeMap;
use std::path::Path;

use super::examples::{Example, segment_examples, write_examples};
use super::{
    DatasetError, DevSet, Span, corpus_ids, create_out, dev_ids, policy_spans, policy_text, read,
    tag_test_ids,
};
use crate::eval::baseline;
use policyscan::labels::{LabelSet, N_LABELS, label_index, label_names};
use policyscan::segment::{Segment, SegmentOptions};

/// Minimal RFC 4180 CSV reader (quoted fields, doubled quotes, newlines in
/// quotes): the VioDroid file is the only CSV we read.
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') => quoted = true,
            (false, ',') => row.push(std::mem::take(&mut field)),
            (false, '\n') => {
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
            }
            (false, '\r') => {}
            (false, c) => field.push(c),
        }
    }
    if !field.is_empty() || !row.is_empty() {
        row.push(field);
        rows.push(row);
    }
    rows
}

/// Our labels for one VioDroid sentence, from its compliance rules (the map
/// in `../shared/README.md`) plus the privacy categories that name a label
/// outright (PC3 minors, PC6 sharing, PC7 cross-border).
pub fn viodroid_labels(category: &str, rules: &str) -> LabelSet {
    let mut set = [false; N_LABELS];
    let mut on = |name: &str| set[label_index(name).expect("known label")] = true;
    for r in rules.split('#').map(str::trim).filter(|r| !r.is_empty()) {
        let n: u32 = r.trim_start_matches("CR").parse().unwrap_or(0);
        match n {
            5 => on("minors"),
            8..=10 => on("rights"),
            11..=13 | 16 => on("collection"),
            18..=22 => on("sharing"),
            23..=26 => on("cross_border"),
            _ => {}
        }
    }
    match category.trim() {
        "PC3" => on("minors"),
        "PC6" => on("sharing"),
        "PC7" => on("cross_border"),
        _ => {}
    }
    set
}

/// The VioDroid sentences as examples.
pub fn viodroid_examples(shared: &Path) -> Result<Vec<Example>, DatasetError> {
    let path = shared.join("labeled/viodroid_sentences.csv");
    let rows = parse_csv(&read(&path)?);
    Ok(rows
        .iter()
        .skip(1)
        .filter(|r| r.len() >= 2 && !r[0].trim().is_empty())
        .map(|r| Example {
            text: r[0].trim().to_string(),
            heading_path: Vec::new(),
            labels: label_names(&viodroid_labels(&r[1], r.get(2).map_or("", |s| s))),
            lead_in: None,
            source: Some("viodroid".into()),
        })
        .collect())
}

/// Which headings of a segment's path give its weak section labels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeadingRule {
    /// The innermost heading that matches a rule (the shipped model's data).
    Innermost,
    /// Every heading of the path (what the keyword baseline uses).
    Union,
}

/// Weak labels of one corpus segment: heading-derived section labels, human
/// collect/share spans inside it, and unambiguous text keywords.
fn weak_labels(seg: &Segment, spans: &[Span], rule: HeadingRule) -> LabelSet {
    let h = match rule {
        HeadingRule::Innermost => baseline::innermost_heading_labels(&seg.heading_path),
        HeadingRule::Union => baseline::heading_labels(&seg.heading_path),
    };
    let t = baseline::text_labels(&seg.text);
    let mut set: LabelSet = std::array::from_fn(|l| h[l] || t[l]);
    let (s, e) = (seg.char_start as usize, seg.char_end as usize);
    for sp in spans {
        if sp.start < e && sp.end > s {
            match sp.label.as_str() {
                "collect" => set[0] = true,
                "share" => set[2] = true,
                _ => {}
            }
        }
    }
    set
}

/// Counts of what `build` wrote.
#[derive(Debug, Default)]
pub struct BuildStats {
    pub train: usize,
    pub dev: usize,
    pub viodroid: usize,
    pub corpus_policies: usize,
    /// Texts in `pretrain.jsonl`.
    pub pretrain: usize,
    pub label_counts: BTreeMap<String, usize>,
}

/// The training examples: the VioDroid sentences, then the weakly labelled
/// segments of every corpus policy that is not a dev policy.
fn train_examples(
    shared: &Path,
    opts: &SegmentOptions,
    rule: HeadingRule,
    stats: &mut BuildStats,
) -> Result<Vec<Example>, DatasetError> {
    let dev_set = dev_ids(shared)?;
    let mut train = viodroid_examples(shared)?;
    stats.viodroid = train.len();
    for id in corpus_ids(shared)? {
        let text = policy_text(shared, &id)?;
        if dev_set.contains(&id) {
            continue;
        }
        stats.corpus_policies += 1;
        train.extend(weak_policy_examples(shared, &id, &text, opts, rule)?);
    }
    Ok(train)
}

/// The segments of corpus policy `id` (its `text`), weakly labelled.
pub(crate) fn weak_policy_examples(
    shared: &Path,
    id: &str,
    text: &str,
    opts: &SegmentOptions,
    rule: HeadingRule,
) -> Result<Vec<Example>, DatasetError> {
    let spans = policy_spans(shared, id)?;
    Ok(segment_examples(text, id, opts, |s| {
        label_names(&weak_labels(s, &spans, rule))
    }))
}

/// The dev examples: every segment of the dev policies, labelled with the
/// union of the human labels of the body lines it overlaps.
fn dev_examples(shared: &Path, opts: &SegmentOptions) -> Result<Vec<Example>, DatasetError> {
    Ok(super::human::set_examples(&DevSet::load(shared)?, opts))
}

/// Write `examples` as `out/name`.
fn write(out: &Path, name: &str, examples: &[Example]) -> Result<(), DatasetError> {
    write_examples(&out.join(name), examples).map_err(|e| DatasetError::Format {
        path: out.join(name),
        line: 0,
        reason: e.to_string(),
    })
}

/// Build `train.jsonl` and `dev.jsonl` in `out` from the shared folder, and
/// `pretrain.jsonl`: the training texts without the tagger's test policies,
/// for `policyscan pretrain`.
pub fn build(
    shared: &Path,
    out: &Path,
    opts: &SegmentOptions,
    rule: HeadingRule,
) -> Result<BuildStats, DatasetError> {
    let mut stats = BuildStats::default();
    let train = train_examples(shared, opts, rule, &mut stats)?;
    let dev = dev_examples(shared, opts)?;
    for e in &train {
        for l in &e.labels {
            *stats.label_counts.entry(l.clone()).or_default() += 1;
        }
    }
    stats.train = train.len();
    stats.dev = dev.len();
    create_out(out)?;
    write(out, "train.jsonl", &train)?;
    write(out, "dev.jsonl", &dev)?;
    let held_out = tag_test_ids(shared)?;
    let pretrain: Vec<Example> = train
        .into_iter()
        .filter(|e| e.source.as_ref().is_none_or(|s| !held_out.contains(s)))
        .collect();
    stats.pretrain = pretrain.len();
    write(out, "pretrain.jsonl", &pretrain)?;
    Ok(stats)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_handles_quotes_and_commas() {
        let rows = parse_csv("a,b,c\n\"x, \"\"y\"\"\",PC6,CR18#CR20\nz,PC1,\n");
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[1][0], "x, \"y\"");
        assert_eq!(rows[1][2], "CR18#CR20");
        assert_eq!(rows[2][2], "");
    }

    #[test]
    fn viodroid_rule_map() {
        assert_eq!(
            label_names(&viodroid_labels("PC5", "CR13")),
            vec!["collection"]
        );
        assert_eq!(
            label_names(&viodroid_labels("PC4", "CR8#CR10")),
            vec!["rights"]
        );
        assert_eq!(
            label_names(&viodroid_labels("PC7", "")),
            vec!["cross_border"]
        );
        assert!(viodroid_labels("PC2", "CR3").iter().all(|b| !b));
    }
}
