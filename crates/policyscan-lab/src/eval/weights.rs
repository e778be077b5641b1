//! How much each member of an ensemble weighs in its mean score, per label,
//! chosen on the fold's inner policies.
//!
//! Members are not equally good at every label: the n-gram model reads the
//! keywords rare labels (cross-border transfer, minors) turn on, a BERT
//! reads paraphrase. An equal mean ignores that. The choice is made the way
//! [`super::thresholds`] bags thresholds, for the same reason (a dozen inner
//! policies, a flat and noisy F1 surface): resample the inner *policies*
//! with replacement, in each resample take the weights on a 0.1 grid whose
//! mean score reaches the best F1 at its best threshold, and keep the
//! median of each member's weight over the resamples. The thresholds of
//! the weighted mean are then chosen as before.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use policyscan::labels::{LABELS, LabelSet, N_LABELS};

use super::metrics::{THRESHOLD_STEPS, Tally, grid_threshold};
use super::thresholds::policy_resamples;

/// Steps of the weight grid: weights are multiples of `1 / GRID`.
pub const GRID: usize = 10;

/// How an ensemble's member weights are chosen on the inner policies.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum WeightChoice {
    /// Every member weighs the same for every label.
    #[default]
    Equal,
    /// Per label, the median over policy resamples of each member's weight
    /// in the resample's best mix.
    BaggedMedian,
}

/// Per-member, per-label weights (a label's weights sum to 1) chosen on
/// `gold` and each member's `scores` as `choice` says; `group` names each
/// item's policy. Seeded: a run repeats.
pub fn choose(
    choice: WeightChoice,
    group: &[&str],
    gold: &[LabelSet],
    scores: &[Vec<[f32; N_LABELS]>],
    seed: u64,
) -> Vec<[f32; N_LABELS]> {
    let m = scores.len();
    let equal = vec![[1.0 / m as f32; N_LABELS]; m];
    if choice == WeightChoice::Equal || m < 2 {
        return equal;
    }
    assert!(scores.iter().all(|s| s.len() == gold.len()) && group.len() == gold.len());
    let grid = mixes(m);
    // Each item's threshold bin under every mix, per label: how many grid
    // thresholds its mixed score reaches.
    let bins: Vec<Vec<[u8; N_LABELS]>> = grid
        .iter()
        .map(|w| {
            (0..gold.len())
                .map(|i| std::array::from_fn(|l| bin((0..m).map(|k| w[k] * scores[k][i][l]).sum())))
                .collect()
        })
        .collect();
    let chosen: Vec<[usize; N_LABELS]> = policy_resamples(group, seed)
        .iter()
        .map(|draw| {
            std::array::from_fn(|l| {
                let f1: Vec<f64> = bins
                    .iter()
                    .map(|b| best_f1(draw.iter().map(|&i| (gold[i][l], b[i][l]))))
                    .collect();
                best_mix(&f1, &grid)
            })
        })
        .collect();
    let mut out = equal;
    for l in 0..N_LABELS {
        let medians: Vec<f32> = (0..m)
            .map(|k| {
                let mut ws: Vec<f32> = chosen.iter().map(|c| grid[c[l]][k]).collect();
                ws.sort_by(f32::total_cmp);
                ws[ws.len() / 2]
            })
            .collect();
        let sum: f32 = medians.iter().sum();
        if sum > 0.0 {
            for k in 0..m {
                out[k][l] = medians[k] / sum;
            }
        }
    }
    out
}

/// Per-member weights by label name, as `ensemble.json` keeps them.
pub fn by_label(w: &[[f32; N_LABELS]]) -> BTreeMap<String, Vec<f32>> {
    LABELS
        .iter()
        .enumerate()
        .map(|(l, name)| (name.to_string(), w.iter().map(|m| m[l]).collect()))
        .collect()
}

/// Every way to split 1 among `m` members in steps of `1 / GRID`.
pub(crate) fn mixes(m: usize) -> Vec<Vec<f32>> {
    fn go(left: usize, parts: usize, prefix: &mut Vec<usize>, out: &mut Vec<Vec<f32>>) {
        if parts == 1 {
            prefix.push(left);
            out.push(prefix.iter().map(|&p| p as f32 / GRID as f32).collect());
            prefix.pop();
            return;
        }
        for p in 0..=left {
            prefix.push(p);
            go(left - p, parts - 1, prefix, out);
            prefix.pop();
        }
    }
    let mut out = Vec::new();
    go(GRID, m, &mut Vec::new(), &mut out);
    out
}

/// How many of the grid thresholds [`super::metrics::tune_thresholds`]
/// tries a score reaches.
fn bin(score: f32) -> u8 {
    (1..=THRESHOLD_STEPS)
        .take_while(|&k| score >= grid_threshold(k))
        .count() as u8
}

/// The best F1 over the grid thresholds of (gold, bin) pairs.
fn best_f1(items: impl Iterator<Item = (bool, u8)>) -> f64 {
    const BINS: usize = THRESHOLD_STEPS as usize + 1;
    let (mut pos, mut neg) = ([0usize; BINS], [0usize; BINS]);
    for (g, b) in items {
        if g {
            pos[b as usize] += 1;
        } else {
            neg[b as usize] += 1;
        }
    }
    let total_pos: usize = pos.iter().sum();
    let (mut tp, mut fp) = (0, 0);
    let mut best = 0.0f64;
    // Threshold k predicts an item when its bin is k or more: walk down.
    for k in (1..BINS).rev() {
        tp += pos[k];
        fp += neg[k];
        best = best.max(Tally::confusion(tp, fp, total_pos - tp).prf().f1);
    }
    best
}

/// The mix of the best F1; ties go to the mix nearest equal weights.
fn best_mix(f1: &[f64], grid: &[Vec<f32>]) -> usize {
    let off_equal = |w: &Vec<f32>| {
        let e = 1.0 / w.len() as f32;
        w.iter().map(|x| (x - e).abs()).sum::<f32>()
    };
    let mut best = 0;
    for i in 1..f1.len() {
        let better = f1[i] > f1[best] + 1e-12
            || ((f1[i] - f1[best]).abs() <= 1e-12 && off_equal(&grid[i]) < off_equal(&grid[best]));
        if better {
            best = i;
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;
    use policyscan::rng::SplitMix64;

    /// Twelve policies of ten items: member 0 scores label 0 right (high
    /// on positives), member 1 scores it at random; for label 1 the other
    /// way round. Label 2 nobody holds.
    fn two_members() -> (Vec<String>, Vec<LabelSet>, Vec<Vec<[f32; N_LABELS]>>) {
        let mut rng = SplitMix64::new(5);
        let (mut group, mut gold) = (Vec::new(), Vec::new());
        let mut scores = vec![Vec::new(), Vec::new()];
        for p in 0..12 {
            for i in 0..10 {
                let (a, b) = (i % 3 == 0, i % 4 == 1);
                group.push(format!("p{p}"));
                let mut g = [false; N_LABELS];
                (g[0], g[1]) = (a, b);
                gold.push(g);
                let sure = |on: bool| if on { 0.9 } else { 0.1 };
                let mut noise = || rng.below(100) as f32 / 100.0;
                let mut s0 = [0.0; N_LABELS];
                let mut s1 = [0.0; N_LABELS];
                (s0[0], s1[0]) = (sure(a), noise());
                (s0[1], s1[1]) = (noise(), sure(b));
                scores[0].push(s0);
                scores[1].push(s1);
            }
        }
        (group, gold, scores)
    }

    #[test]
    fn the_member_that_reads_a_label_weighs_most_for_it() {
        let (group, gold, scores) = two_members();
        let group: Vec<&str> = group.iter().map(String::as_str).collect();
        let w = choose(WeightChoice::BaggedMedian, &group, &gold, &scores, 3);
        assert!(w[0][0] > 0.5 && w[1][1] > 0.5, "{w:?}");
        for l in 0..N_LABELS {
            assert!((w[0][l] + w[1][l] - 1.0).abs() < 1e-6, "{w:?}");
        }
        // A label nobody holds ties everywhere: equal weights.
        assert_eq!((w[0][2], w[1][2]), (0.5, 0.5));
        assert_eq!(
            choose(WeightChoice::Equal, &group, &gold, &scores, 3),
            vec![[0.5; N_LABELS]; 2]
        );
    }

    #[test]
    fn the_grid_splits_one_and_bins_match_the_threshold_grid() {
        let g = mixes(3);
        assert_eq!(g.len(), 66);
        assert!(g.iter().all(|w| (w.iter().sum::<f32>() - 1.0).abs() < 1e-6));
        assert_eq!(
            (bin(0.0), bin(0.05), bin(0.0499), bin(0.95), bin(1.0)),
            (0, 1, 0, 19, 19)
        );
        // F1 of scores 0.9/0.1 against gold is 1 at some threshold.
        let items = [(true, bin(0.9)), (false, bin(0.1)), (true, bin(0.8))];
        assert_eq!(best_f1(items.into_iter()), 1.0);
    }
}
