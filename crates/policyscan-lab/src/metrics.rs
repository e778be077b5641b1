//! Multi-label metrics: per-label precision/recall/F1, macro and micro F1, and
//! per-label threshold tuning. Shared by `train` (early stopping, thresholds),
//! `eval` and the line-level dev-set scoring, so all report the same numbers.

use serde::Serialize;

use policyscan::labels::{LABELS, LabelSet, N_LABELS};
use policyscan::rng::SplitMix64;

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
    let c = counts(gold, pred);
    let labels: Vec<LabelScore> = LABELS
        .iter()
        .zip(&c)
        .map(|(name, &[tp, fp, fn_])| {
            let (precision, recall, f1) = prf(tp, fp, fn_);
            LabelScore {
                label: name.to_string(),
                support: tp + fn_,
                tp,
                fp,
                fn_,
                precision,
                recall,
                f1,
            }
        })
        .collect();
    let (macro_f1, micro_f1) = f1s(&c);
    Report {
        n: gold.len(),
        labels,
        macro_f1,
        micro_f1,
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

/// How sure a comparison of two systems on the same items is: the difference
/// of their macro- and micro-F1 (`a` − `b`) and its spread when whole groups
/// (policies) are resampled with replacement. Lines of one policy share its
/// structure and its annotator, so they are not independent draws; resampling
/// lines would overstate certainty, resampling policies does not.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct PairedBootstrap {
    pub groups: usize,
    pub resamples: usize,
    pub macro_diff: f64,
    /// 2.5th and 97.5th percentiles of the resampled macro-F1 difference.
    pub macro_interval: (f64, f64),
    pub micro_diff: f64,
    pub micro_interval: (f64, f64),
    /// Share of resamples in which `a` has the higher macro-F1.
    pub macro_a_ahead: f64,
}

/// Per-label (tp, fp, fn) counts of one group.
type Counts = [[usize; 3]; N_LABELS];

fn counts(gold: &[LabelSet], pred: &[LabelSet]) -> Counts {
    let mut c = [[0; 3]; N_LABELS];
    for (g, p) in gold.iter().zip(pred) {
        count(&mut c, g, p);
    }
    c
}

/// Add one item's outcome to `c`.
fn count(c: &mut Counts, gold: &LabelSet, pred: &LabelSet) {
    for l in 0..N_LABELS {
        match (gold[l], pred[l]) {
            (true, true) => c[l][0] += 1,
            (false, true) => c[l][1] += 1,
            (true, false) => c[l][2] += 1,
            _ => {}
        }
    }
}

/// Macro- and micro-F1 from summed counts, as [`report`] computes them.
fn f1s(c: &Counts) -> (f64, f64) {
    let macro_f1 = c.iter().map(|x| prf(x[0], x[1], x[2]).2).sum::<f64>() / N_LABELS as f64;
    let sum = |k: usize| c.iter().map(|x| x[k]).sum::<usize>();
    (macro_f1, prf(sum(0), sum(1), sum(2)).2)
}

/// Paired bootstrap of `a` against `b` over groups: `group[i]` names the
/// group of item `i`. Deterministic for a given `seed`.
pub fn paired_bootstrap(
    group: &[&str],
    gold: &[LabelSet],
    a: &[LabelSet],
    b: &[LabelSet],
    resamples: usize,
    seed: u64,
) -> PairedBootstrap {
    assert!(group.len() == gold.len() && gold.len() == a.len() && a.len() == b.len());
    // Per-group counts of both systems, in one pass, groups in name order.
    let mut by_group: std::collections::BTreeMap<&str, (Counts, Counts)> = Default::default();
    for (i, g) in group.iter().enumerate() {
        let (ca, cb) = by_group.entry(g).or_default();
        count(ca, &gold[i], &a[i]);
        count(cb, &gold[i], &b[i]);
    }
    let per_group: Vec<(Counts, Counts)> = by_group.into_values().collect();
    let add = |acc: &mut Counts, c: &Counts| {
        for l in 0..N_LABELS {
            for k in 0..3 {
                acc[l][k] += c[l][k];
            }
        }
    };
    let diff = |pairs: &mut dyn Iterator<Item = &(Counts, Counts)>| {
        let (mut ca, mut cb) = ([[0; 3]; N_LABELS], [[0; 3]; N_LABELS]);
        for (x, y) in pairs {
            add(&mut ca, x);
            add(&mut cb, y);
        }
        let ((ma, ia), (mb, ib)) = (f1s(&ca), f1s(&cb));
        (ma - mb, ia - ib)
    };
    let (macro_diff, micro_diff) = diff(&mut per_group.iter());
    let mut rng = SplitMix64::new(seed);
    let n = per_group.len();
    let mut macros = Vec::with_capacity(resamples);
    let mut micros = Vec::with_capacity(resamples);
    for _ in 0..resamples {
        let draw: Vec<usize> = (0..n).map(|_| rng.below(n)).collect();
        let (m, i) = diff(&mut draw.iter().map(|&k| &per_group[k]));
        macros.push(m);
        micros.push(i);
    }
    let interval = |v: &mut Vec<f64>| -> (f64, f64) {
        if v.is_empty() {
            return (f64::NAN, f64::NAN);
        }
        v.sort_by(f64::total_cmp);
        let at = |q: f64| v[((v.len() - 1) as f64 * q).round() as usize];
        (at(0.025), at(0.975))
    };
    let ahead = macros.iter().filter(|&&d| d > 0.0).count() as f64 / resamples.max(1) as f64;
    PairedBootstrap {
        groups: n,
        resamples,
        macro_diff,
        macro_interval: interval(&mut macros),
        micro_diff,
        micro_interval: interval(&mut micros),
        macro_a_ahead: ahead,
    }
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

    #[test]
    fn paired_bootstrap_resamples_policies() {
        let mut c = [false; N_LABELS];
        c[0] = true;
        let none = [false; N_LABELS];
        // Four policies of three lines, every line `collection`. System a finds
        // all of them; b misses every line of policy "p3" only.
        let group: Vec<&str> = ["p0", "p1", "p2", "p3"]
            .iter()
            .flat_map(|g| [*g; 3])
            .collect();
        let gold = vec![c; 12];
        let a = gold.clone();
        let mut b = gold.clone();
        for x in &mut b[9..] {
            *x = none;
        }
        let r = paired_bootstrap(&group, &gold, &a, &b, 2000, 1);
        assert_eq!(r.groups, 4);
        // Point estimate: a's F1 is 1, b's is 2·(1·0.75)/(1.75).
        let fb = 2.0 * 0.75 / 1.75;
        assert!((r.micro_diff - (1.0 - fb)).abs() < 1e-12);
        assert!((r.macro_diff - (1.0 - fb) / N_LABELS as f64).abs() < 1e-12);
        // a is never behind; it is level exactly when p3 is not drawn,
        // which happens with probability (3/4)^4 ≈ 0.32.
        assert!(r.macro_interval.0 >= 0.0 && r.macro_interval.1 > 0.0);
        assert!(
            (r.macro_a_ahead - (1.0 - 0.75f64.powi(4))).abs() < 0.04,
            "{}",
            r.macro_a_ahead
        );
        // Same inputs, same seed: same answer.
        assert_eq!(r, paired_bootstrap(&group, &gold, &a, &b, 2000, 1));
        // Identical systems: no difference in any resample.
        let same = paired_bootstrap(&group, &gold, &a, &a, 100, 1);
        assert_eq!((same.macro_interval, same.macro_a_ahead), ((0.0, 0.0), 0.0));
    }
}
