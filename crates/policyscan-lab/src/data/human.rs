//! Human-labelled training data for the classifier: the 84 policies of
//! `labeled/segments_train` (and the 12 of `segments_dev`, for the final
//! check), turned into segment examples the way the scan sees them — each
//! policy segmented by policyscan's own segmenter, a segment's labels the
//! union of the human labels of the body lines it covers — plus the weak
//! data cross-validation may mix in: the VioDroid sentences and the weakly
//! labelled segments of the corpus policies no human labelled.
//!
//! Why here and not in `policyscan dataset`: cross-validation splits these
//! policies by fold at run time, so the examples are built in memory per
//! policy, never written as one fixed train file.

use std::path::Path;

use super::classifier::{HeadingRule, viodroid_examples, weak_policy_examples};
use super::devset::{DEV_FOLDER, DevPolicy, DevSet};
use super::examples::{Example, segment_examples};
use super::{DatasetError, corpus_ids, dev_ids, file_stems, line_char_spans, policy_text};
use policyscan::labels::label_names;
use policyscan::segment::SegmentOptions;

/// The folder of the human-labelled training policies under `labeled/`.
pub const TRAIN_FOLDER: &str = "segments_train";

/// Ids of the human-labelled training policies (`labeled/segments_train`);
/// none when the folder is absent.
pub fn train_ids(shared: &Path) -> Result<Vec<String>, DatasetError> {
    let dir = shared.join("labeled").join(TRAIN_FOLDER);
    if !dir.is_dir() {
        return Ok(Vec::new());
    }
    file_stems(&dir, ".labels.tsv")
}

/// The human-labelled training policies.
pub fn train_set(shared: &Path) -> Result<DevSet, DatasetError> {
    DevSet::load_ids(shared, TRAIN_FOLDER, &train_ids(shared)?)
}

/// Every human-labelled policy, training then dev (for the segmenter's
/// line-kind figures, which need no training).
pub fn all_labelled(shared: &Path) -> Result<DevSet, DatasetError> {
    let mut set = train_set(shared)?;
    set.policies
        .extend(DevSet::load_ids(shared, DEV_FOLDER, &dev_ids(shared)?)?.policies);
    Ok(set)
}

/// Every segment of one policy, labelled with the union of the human labels
/// of the body lines it overlaps; `source` is the policy id.
pub fn policy_examples(p: &DevPolicy, opts: &SegmentOptions) -> Vec<Example> {
    let spans = line_char_spans(&p.text);
    segment_examples(&p.text, &p.id, opts, |s| {
        label_names(&p.segment_labels(s, &spans))
    })
}

/// [`policy_examples`] of every policy of `set`, in order.
pub fn set_examples(set: &DevSet, opts: &SegmentOptions) -> Vec<Example> {
    set.policies
        .iter()
        .flat_map(|p| policy_examples(p, opts))
        .collect()
}

/// Ids of the corpus policies that no human labelled (neither dev nor
/// training): the only ones whose weak labels may be trained on beside the
/// human ones without leaking a held-out policy.
pub fn unlabelled_ids(shared: &Path) -> Result<Vec<String>, DatasetError> {
    let dev = dev_ids(shared)?;
    let train = train_ids(shared)?;
    Ok(corpus_ids(shared)?
        .into_iter()
        .filter(|id| !dev.contains(id) && !train.contains(id))
        .collect())
}

/// The weak pool: the VioDroid sentences (source `viodroid`), then the
/// weakly labelled segments of every unlabelled corpus policy (source its
/// id), labelled as `policyscan dataset` labels `train.jsonl`.
pub fn weak_examples(
    shared: &Path,
    opts: &SegmentOptions,
    rule: HeadingRule,
) -> Result<Vec<Example>, DatasetError> {
    let mut out = if shared.join("labeled/viodroid_sentences.csv").is_file() {
        viodroid_examples(shared)?
    } else {
        Vec::new()
    };
    for id in unlabelled_ids(shared)? {
        let text = policy_text(shared, &id)?;
        out.extend(weak_policy_examples(shared, &id, &text, opts, rule)?);
    }
    Ok(out)
}

/// Every segment of every unlabelled corpus policy, unlabelled (source its
/// id, lead-ins attached): what a teacher model labels for distillation.
pub fn unlabelled_examples(
    shared: &Path,
    opts: &SegmentOptions,
) -> Result<Vec<Example>, DatasetError> {
    let mut out = Vec::new();
    for id in unlabelled_ids(shared)? {
        let text = policy_text(shared, &id)?;
        out.extend(segment_examples(&text, &id, opts, |_| Vec::new()));
    }
    Ok(out)
}
