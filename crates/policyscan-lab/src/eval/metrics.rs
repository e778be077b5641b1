//! The one precision/recall/F1 of the lab, and the classifier's metrics
//! built on it: per-label precision/recall/F1, macro and micro F1, per-label
//! threshold tuning and the paired bootstrap over policies. Shared by
//! `train` (early stopping, thresholds), `eval`, the line-level dev-set
//! scoring, the span scorer ([`crate::eval::spans`]) and the extraction
//! scores ([`crate::eval::extract`]), so all report the same numbers.

use serde::Serialize;

use policyscan::labels::{LABELS, LabelSet, N_LABELS};
use policyscan::rng::SplitMix64;

/// The counts behind one precision/recall/F1. Predictions and gold items
/// are matched separately — `tp_pred` predictions match some gold item,
/// `tp_gold` gold items are matched by some prediction — so one long
/// predicted span covering two gold ones counts once for precision and
/// twice for recall. With one-to-one matching (label sets) both are the
/// true positives.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    pub gold: usize,
    pub pred: usize,
    pub tp_pred: usize,
    pub tp_gold: usize,
}

impl Tally {
    /// From a confusion count: true positives, false positives, false
    /// negatives.
    pub fn confusion(tp: usize, fp: usize, fn_: usize) -> Self {
        Self {
            gold: tp + fn_,
            pred: tp + fp,
            tp_pred: tp,
            tp_gold: tp,
        }
    }

    /// Match `pred` against `gold`: a prediction is right when `same(gold,
    /// pred)` holds for some gold item, a gold item is found when it holds
    /// for some prediction.
    pub fn matching<G, P>(gold: &[G], pred: &[P], same: impl Fn(&G, &P) -> bool) -> Self {
        Self {
            gold: gold.len(),
            pred: pred.len(),
            tp_pred: pred
                .iter()
                .filter(|p| gold.iter().any(|g| same(g, p)))
                .count(),
            tp_gold: gold
                .iter()
                .filter(|g| pred.iter().any(|p| same(g, p)))
                .count(),
        }
    }

    /// Precision, recall and F1 of these counts.
    pub fn prf(&self) -> Prf {
        prf(self.gold, self.pred, self.tp_pred, self.tp_gold)
    }
}

impl std::ops::AddAssign for Tally {
    fn add_assign(&mut self, o: Self) {
        self.gold += o.gold;
        self.pred += o.pred;
        self.tp_pred += o.tp_pred;
        self.tp_gold += o.tp_gold;
    }
}

/// Precision, recall and F1 of one measurement, with its gold and
/// predicted counts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Prf {
    pub gold: usize,
    pub pred: usize,
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
}

/// Precision `tp_pred / pred`, recall `tp_gold / gold` (0 when there is
/// nothing to divide by) and their harmonic mean (0 when both are 0).
pub fn prf(gold: usize, pred: usize, tp_pred: usize, tp_gold: usize) -> Prf {
    let ratio = |a: usize, b: usize| if b == 0 { 0.0 } else { a as f64 / b as f64 };
    let (precision, recall) = (ratio(tp_pred, pred), ratio(tp_gold, gold));
    let f1 = if precision + recall == 0.0 {
        0.0
    } else {
        2.0 * precision * recall / (precision + recall)
    };
    Prf {
        gold,
        pred,
        precision,
        recall,
        f1,
    }
}

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
            let s = Tally::confusion(tp, fp, fn_).prf();
            LabelScore {
                label: name.to_string(),
                support: tp + fn_,
                tp,
                fp,
                fn_,
                precision: s.precision,
                recall: s.recall,
                f1: s.f1,
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

/// Thresholds tried when tuning: `grid_threshold(1..=THRESHOLD_STEPS)`,
/// 0.05 … 0.95.
pub const THRESHOLD_STEPS: u8 = 19;

/// The `k`-th threshold of the tuning grid (`k` × 0.05).
pub fn grid_threshold(k: u8) -> f32 {
    f32::from(k) * 0.05
}

/// For each label, the threshold in 0.05..=0.95 that maximises that label's
/// F1 on (gold, scores). Ties keep the threshold closest to 0.5, so a label
/// with no dev support stays at 0.5.
pub fn tune_thresholds(gold: &[LabelSet], scores: &[[f32; N_LABELS]]) -> [f32; N_LABELS] {
    let mut best = [0.5f32; N_LABELS];
    for l in 0..N_LABELS {
        let mut best_f = -1.0;
        for step in 1..=THRESHOLD_STEPS {
            let t = grid_threshold(step);
            let (mut tp, mut fp, mut fn_) = (0, 0, 0);
            for (g, s) in gold.iter().zip(scores) {
                match (g[l], s[l] >= t) {
                    (true, true) => tp += 1,
                    (false, true) => fp += 1,
                    (true, false) => fn_ += 1,
                    _ => {}
                }
            }
            let f = Tally::confusion(tp, fp, fn_).prf().f1;
            let closer = (t - 0.5).abs() < (best[l] - 0.5).abs();
            if f > best_f + 1e-12 || ((f - best_f).abs() <= 1e-12 && closer) {
                best_f = f;
                best[l] = t;
            }
        }
    }
    best
}

/// Thresholds by label name, as `config.json` and `ensemble.json` keep
/// them.
pub fn by_label(thresholds: [f32; N_LABELS]) -> std::collections::BTreeMap<String, f32> {
    LABELS
        .iter()
        .zip(thresholds)
        .map(|(l, t)| (l.to_string(), t))
        .collect()
}

/// Thresholds tuned on `gold` ([`tune_thresholds`]) and the report they
/// give there: how a model's (or an ensemble's) checkpoint is judged on its
/// validation set.
pub fn tune_and_report(gold: &[LabelSet], scores: &[[f32; N_LABELS]]) -> (Report, [f32; N_LABELS]) {
    let thresholds = tune_thresholds(gold, scores);
    (report(gold, &decide(scores, &thresholds)), thresholds)
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
    let f1 = |tp, fp, fn_| Tally::confusion(tp, fp, fn_).prf().f1;
    let macro_f1 = c.iter().map(|x| f1(x[0], x[1], x[2])).sum::<f64>() / N_LABELS as f64;
    let sum = |k: usize| c.iter().map(|x| x[k]).sum::<usize>();
    (macro_f1, f1(sum(0), sum(1), sum(2)))
}

/// Per-group counts of both systems, in one pass, groups in name order.
fn group_counts(
    group: &[&str],
    gold: &[LabelSet],
    a: &[LabelSet],
    b: &[LabelSet],
) -> Vec<(Counts, Counts)> {
    let mut by_group: std::collections::BTreeMap<&str, (Counts, Counts)> = Default::default();
    for (i, g) in group.iter().enumerate() {
        let (ca, cb) = by_group.entry(g).or_default();
        count(ca, &gold[i], &a[i]);
        count(cb, &gold[i], &b[i]);
    }
    by_group.into_values().collect()
}

/// Macro- and micro-F1 of `a` minus those of `b`, over the summed counts of
/// some groups (a group drawn twice counts twice).
fn f1_diff<'a>(pairs: impl Iterator<Item = &'a (Counts, Counts)>) -> (f64, f64) {
    let add = |acc: &mut Counts, c: &Counts| {
        for l in 0..N_LABELS {
            for k in 0..3 {
                acc[l][k] += c[l][k];
            }
        }
    };
    let (mut ca, mut cb) = ([[0; 3]; N_LABELS], [[0; 3]; N_LABELS]);
    for (x, y) in pairs {
        add(&mut ca, x);
        add(&mut cb, y);
    }
    let ((ma, ia), (mb, ib)) = (f1s(&ca), f1s(&cb));
    (ma - mb, ia - ib)
}

/// 2.5th and 97.5th percentiles of `v` (sorted in place); NaN when empty.
pub(crate) fn interval95(v: &mut [f64]) -> (f64, f64) {
    if v.is_empty() {
        return (f64::NAN, f64::NAN);
    }
    v.sort_by(f64::total_cmp);
    let at = |q: f64| v[((v.len() - 1) as f64 * q).round() as usize];
    (at(0.025), at(0.975))
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
    let per_group = group_counts(group, gold, a, b);
    let (macro_diff, micro_diff) = f1_diff(per_group.iter());
    let mut rng = SplitMix64::new(seed);
    let n = per_group.len();
    let mut macros = Vec::with_capacity(resamples);
    let mut micros = Vec::with_capacity(resamples);
    for _ in 0..resamples {
        let draw: Vec<usize> = (0..n).map(|_| rng.below(n)).collect();
        let (m, i) = f1_diff(draw.iter().map(|&k| &per_group[k]));
        macros.push(m);
        micros.push(i);
    }
    let ahead = macros.iter().filter(|&&d| d > 0.0).count() as f64 / resamples.max(1) as f64;
    PairedBootstrap {
        groups: n,
        resamples,
        macro_diff,
        macro_interval: interval95(&mut macros),
        micro_diff,
        micro_interval: interval95(&mut micros),
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
    fn one_prf_for_confusion_counts_and_matched_lists() {
        let t = Tally::confusion(3, 1, 2);
        assert_eq!((t.gold, t.pred), (5, 4));
        let p = t.prf();
        assert_eq!((p.precision, p.recall), (0.75, 0.6));
        assert!((p.f1 - 2.0 * 0.75 * 0.6 / 1.35).abs() < 1e-12);
        assert_eq!(prf(0, 0, 0, 0), Prf::default());
        // Predictions and gold items are matched separately.
        let t = Tally::matching(&[1, 2, 3], &[2, 2, 9], |g, p| g == p);
        assert_eq!((t.tp_pred, t.tp_gold), (2, 1));
        let mut sum = t;
        sum += Tally::confusion(1, 0, 0);
        assert_eq!((sum.gold, sum.pred, sum.tp_pred, sum.tp_gold), (4, 4, 3, 2));
    }

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
