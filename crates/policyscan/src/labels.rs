//! The six segment labels, in the fixed order used by the model head, the
//! `score_<label>` columns and every report. One list, so the order can never
//! drift between the classifier, the tables and the evaluation.

/// Label names in head order. Changing this order changes the output contract.
pub const LABELS: [&str; 6] = [
    "collection",
    "cookie",
    "sharing",
    "rights",
    "minors",
    "cross_border",
];

/// Number of labels.
pub const N_LABELS: usize = LABELS.len();

/// Thresholds kept by label name (as `ensemble.json` and `ngram.json` keep
/// them) in [`LABELS`] order; a label not named gets 0.5.
pub fn thresholds_in_order(by_name: &std::collections::BTreeMap<String, f32>) -> [f32; N_LABELS] {
    std::array::from_fn(|i| by_name.get(LABELS[i]).copied().unwrap_or(0.5))
}

/// Index of a label name, `None` for an unknown name.
pub fn label_index(name: &str) -> Option<usize> {
    LABELS.iter().position(|l| *l == name)
}

/// A multi-label target/prediction as a bit set over [`LABELS`].
pub type LabelSet = [bool; N_LABELS];

/// Parse label names into a set; unknown names are reported so that a typo in
/// a training file is not silently ignored.
pub fn parse_labels<S: AsRef<str>>(names: &[S]) -> Result<LabelSet, String> {
    let mut set = [false; N_LABELS];
    for n in names {
        let n = n.as_ref();
        match label_index(n) {
            Some(i) => set[i] = true,
            None => return Err(format!("unknown label `{n}` (expected one of {LABELS:?})")),
        }
    }
    Ok(set)
}

/// Names of the labels set in `set`, in head order.
pub fn label_names(set: &LabelSet) -> Vec<String> {
    LABELS
        .iter()
        .zip(set)
        .filter(|(_, on)| **on)
        .map(|(l, _)| l.to_string())
        .collect()
}
