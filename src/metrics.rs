//! Multi-label metrics: per-label precision/recall/F1, macro and micro F1, and
//! per-label threshold tuning. Shared by `train` (early stopping, thresholds),
//! `eval` and the line-level dev-set scoring, so all report the same numbers.

use serde::Serialize;

use crate::labels::{LABELS, LabelSet, N_LABELS};

/// Scores of one label.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct LabelScore {
    pub label: String,
    pub support: usize,
    pub tp: usize,
    pub fp: usize,
    #[serde(rename = "fn")]
    pub fn_: usize,
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
}

/// All labels plus macro/micro F1.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Report {
    pub n: usize,
    pub labels: Vec<LabelScore>,
    pub macro_f1: f64,
    pub micro_f1: f64,
}

fn prf(tp: usize, fp: usize, fn_: usize) -> (f64, f64, f64) {
    let p = if tp + fp == 0 {
        0.0
    } else {
        tp as f64 / (tp + fp) as f64
    };
    let r = if tp + fn_ == 0 {
        0.0
    } else {
        tp as f64 / (tp + fn_) as f64
    };
    let f = if p + r == 0.0 {
        0.0
    } else {
        2.0 * p * r / (p + r)
    };
    (p, r, f)
}

/// Compare predictions with gold sets.
pub fn report(gold: &[LabelSet], pred: &[LabelSet]) -> Report {
    assert_eq!(
        gold.len(),
        pred.len(),
        "gold and predictions differ in length"
    );
    let mut labels = Vec::with_capacity(N_LABELS);
    let (mut stp, mut sfp, mut sfn) = (0, 0, 0);
    for (l, name) in LABELS.iter().enumerate() {
        let (mut tp, mut fp, mut fn_) = (0, 0, 0);
        for (g, p) in gold.iter().zip(pred) {
            match (g[l], p[l]) {
                (true, true) => tp += 1,
                (false, true) => fp += 1,
                (true, false) => fn_ += 1,
                _ => {}
            }
        }
        stp += tp;
        sfp += fp;
        sfn += fn_;
        let (precision, recall, f1) = prf(tp, fp, fn_);
        labels.push(LabelScore {
            label: name.to_string(),
            support: tp + fn_,
            tp,
            fp,
            fn_,
            precision,
            recall,
            f1,
        });
    }
    let macro_f1 = labels.iter().map(|s| s.f1).sum::<f64>() / N_LABELS as f64;
    Report {
        n: gold.len(),
        labels,
        macro_f1,
        micro_f1: prf(stp, sfp, sfn).2,
    }
}

/// Threshold each score vector.
pub fn decide(scores: &[[f32; N_LABELS]], thresholds: &[f32; N_LABELS]) -> Vec<LabelSet> {
    scores
        .iter()
        .map(|s| std::array::from_fn(|i| s[i] >= thresholds[i]))
        .collect()
}

/// For each label, the threshold in 0.05..=0.95 that maximises that label's
/// F1 on (gold, scores). Ties keep the threshold closest to 0.5, so a label
/// with no dev support stays at 0.5.
pub fn tune_thresholds(gold: &[LabelSet], scores: &[[f32; N_LABELS]]) -> [f32; N_LABELS] {
    let mut best = [0.5f32; N_LABELS];
    for l in 0..N_LABELS {
        let mut best_f = -1.0;
        for step in 1..=19 {
            let t = step as f32 * 0.05;
            let (mut tp, mut fp, mut fn_) = (0, 0, 0);
            for (g, s) in gold.iter().zip(scores) {
                match (g[l], s[l] >= t) {
                    (true, true) => tp += 1,
                    (false, true) => fp += 1,
                    (true, false) => fn_ += 1,
                    _ => {}
                }
            }
            let f = prf(tp, fp, fn_).2;
            let closer = (t - 0.5).abs() < (best[l] - 0.5).abs();
            if f > best_f + 1e-12 || ((f - best_f).abs() <= 1e-12 && closer) {
                best_f = f;
                best[l] = t;
            }
        }
    }
    best
}

/// A fixed-width table for the terminal.
pub fn format_table(r: &Report) -> String {
    let mut s = format!(
        "{:<14}{:>8}{:>8}{:>8}{:>9}\n",
        "label", "P", "R", "F1", "support"
    );
    for l in &r.labels {
        s.push_str(&format!(
            "{:<14}{:>8.3}{:>8.3}{:>8.3}{:>9}\n",
            l.label, l.precision, l.recall, l.f1, l.support
        ));
    }
    s.push_str(&format!(
        "{:<14}{:>24.3}\n{:<14}{:>24.3}\n(n = {})\n",
        "macro-F1", r.macro_f1, "micro-F1", r.micro_f1, r.n
    ));
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn perfect_and_empty_predictions() {
        let mut a = [false; N_LABELS];
        a[0] = true;
        let mut b = [false; N_LABELS];
        b[2] = true;
        let gold = vec![a, b];
        let r = report(&gold, &gold);
        assert_eq!(r.labels[0].f1, 1.0);
        assert_eq!(r.labels[2].f1, 1.0);
        assert_eq!(r.micro_f1, 1.0);
        let none = vec![[false; N_LABELS]; 2];
        let r = report(&gold, &none);
        assert_eq!(r.micro_f1, 0.0);
        assert_eq!(r.labels[0].fn_, 1);
    }

    #[test]
    fn threshold_tuning_finds_separating_cut() {
        let mut pos = [false; N_LABELS];
        pos[1] = true;
        let gold = vec![pos, [false; N_LABELS], pos];
        let mut s1 = [0.0; N_LABELS];
        s1[1] = 0.3;
        let mut s2 = [0.0; N_LABELS];
        s2[1] = 0.2;
        let scores = vec![s1, s2, s1];
        let t = tune_thresholds(&gold, &scores);
        assert!(t[1] > 0.2 && t[1] <= 0.3, "threshold {}", t[1]);
        assert_eq!(t[0], 0.5);
    }
}
