//! How an ensemble's per-label thresholds are chosen on its inner policies.
//!
//! The inner part of a fold is a dozen or so policies. For a rare label
//! (cross-border transfer, minors) a few of them hold every positive line,
//! so the single threshold that maximises F1 there ([`ThresholdChoice::Best`])
//! can land on a narrow peak of a flat, noisy F1 curve. The bagged choice
//! resamples the inner *policies* with replacement (lines of one policy are
//! not independent, as in [`super::metrics::paired_bootstrap`]) and keeps the
//! median of the resamples' best thresholds: where most draws agree, not
//! where the one draw at hand peaks. It does not outvote a policy that
//! decides the curve on its own: such a policy is in most resamples too.

use serde::{Deserialize, Serialize};

use policyscan::labels::{LabelSet, N_LABELS};
use policyscan::rng::SplitMix64;

use super::metrics::tune_thresholds;

/// Resamples of the inner policies a bagged choice draws.
pub const RESAMPLES: usize = 200;

/// How per-label thresholds are chosen on the inner policies.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ThresholdChoice {
    /// The grid threshold with the highest F1 on the inner policies.
    #[default]
    Best,
    /// The median of the best thresholds of policy resamples.
    BaggedMedian,
}

/// Per-label thresholds chosen on (gold, scores) as `choice` says; `group`
/// names each item's policy. The bagged choice is seeded: a run repeats.
pub fn choose(
    choice: ThresholdChoice,
    group: &[&str],
    gold: &[LabelSet],
    scores: &[[f32; N_LABELS]],
    seed: u64,
) -> [f32; N_LABELS] {
    assert!(group.len() == gold.len() && gold.len() == scores.len());
    if choice == ThresholdChoice::Best {
        return tune_thresholds(gold, scores);
    }
    let bests: Vec<[f32; N_LABELS]> = policy_resamples(group, seed)
        .into_iter()
        .map(|draw| {
            let gold: Vec<LabelSet> = draw.iter().map(|&i| gold[i]).collect();
            let scores: Vec<[f32; N_LABELS]> = draw.iter().map(|&i| scores[i]).collect();
            tune_thresholds(&gold, &scores)
        })
        .collect();
    std::array::from_fn(|l| {
        let mut ts: Vec<f32> = bests.iter().map(|b| b[l]).collect();
        ts.sort_by(f32::total_cmp);
        ts[ts.len() / 2]
    })
}

/// [`RESAMPLES`] seeded resamples of the policies `group` names, with
/// replacement, each as the item indices of the policies drawn: a choice
/// made on each is a choice made on a policy sample, as the bootstrap draws.
pub(crate) fn policy_resamples(group: &[&str], seed: u64) -> Vec<Vec<usize>> {
    let members = policy_members(group);
    let mut rng = SplitMix64::new(seed);
    (0..RESAMPLES)
        .map(|_| {
            (0..members.len())
                .flat_map(|_| members[rng.below(members.len())].iter().copied())
                .collect()
        })
        .collect()
}

/// Item indices of each policy, in order of first appearance.
fn policy_members(group: &[&str]) -> Vec<Vec<usize>> {
    let mut names: Vec<&str> = Vec::new();
    let mut members: Vec<Vec<usize>> = Vec::new();
    for (i, g) in group.iter().enumerate() {
        match names.iter().position(|n| n == g) {
            Some(k) => members[k].push(i),
            None => {
                names.push(g);
                members.push(vec![i]);
            }
        }
    }
    members
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Eight small policies (label 0 only; scores sit between grid points)
    /// whose F1 curve is flat and noisy: the whole set's best threshold,
    /// 0.6, is the best of almost no resample, while 0.45 is the median of
    /// the resamples' best thresholds for any seed (checked over seeds when
    /// the case was built).
    fn noisy_policies() -> (Vec<String>, Vec<LabelSet>, Vec<[f32; N_LABELS]>) {
        let policies: [&[(bool, f32)]; 8] = [
            &[(false, 0.07), (false, 0.12), (false, 0.37), (false, 0.17)],
            &[(false, 0.82), (false, 0.12), (true, 0.97), (true, 0.97)],
            &[(false, 0.97), (false, 0.17), (false, 0.37)],
            &[(true, 0.17), (false, 0.57)],
            &[(true, 0.92), (false, 0.87), (true, 0.72), (true, 0.47)],
            &[(false, 0.52), (false, 0.92)],
            &[(false, 0.37), (false, 0.32), (false, 0.07)],
            &[(false, 0.52), (true, 0.32)],
        ];
        let mut group = Vec::new();
        let mut gold = Vec::new();
        let mut scores = Vec::new();
        for (p, items) in policies.iter().enumerate() {
            for &(pos, score) in items.iter() {
                group.push(format!("p{p}"));
                let mut g = [false; N_LABELS];
                g[0] = pos;
                gold.push(g);
                let mut s = [0.0; N_LABELS];
                s[0] = score;
                scores.push(s);
            }
        }
        (group, gold, scores)
    }

    #[test]
    fn the_bagged_median_leaves_a_threshold_few_resamples_choose() {
        let (group, gold, scores) = noisy_policies();
        let group: Vec<&str> = group.iter().map(String::as_str).collect();
        let best = choose(ThresholdChoice::Best, &group, &gold, &scores, 7);
        assert!((best[0] - 0.6).abs() < 1e-6, "{best:?}");
        for seed in [1, 7, 99] {
            let bagged = choose(ThresholdChoice::BaggedMedian, &group, &gold, &scores, seed);
            assert!((bagged[0] - 0.45).abs() < 1e-6, "seed {seed}: {bagged:?}");
            // A label nobody holds stays at 0.5, as with Best.
            assert_eq!(bagged[1], 0.5);
        }
    }

    #[test]
    fn identical_policies_bag_to_the_best_threshold() {
        // Every resample of copies of one policy is that policy, repeated:
        // the same F1 curve, so the same choice. Items are drawn by policy.
        let (group, gold, scores) = noisy_policies();
        let one: Vec<usize> = (0..group.len()).filter(|&i| group[i] == "p4").collect();
        let copies = 6;
        let group: Vec<String> = (0..copies)
            .flat_map(|c| one.iter().map(move |_| format!("copy{c}")))
            .collect();
        let group: Vec<&str> = group.iter().map(String::as_str).collect();
        let gold: Vec<LabelSet> = (0..copies)
            .flat_map(|_| one.iter().map(|&i| gold[i]))
            .collect();
        let scores: Vec<[f32; N_LABELS]> = (0..copies)
            .flat_map(|_| one.iter().map(|&i| scores[i]))
            .collect();
        assert_eq!(
            choose(ThresholdChoice::BaggedMedian, &group, &gold, &scores, 3),
            choose(ThresholdChoice::Best, &group, &gold, &scores, 3)
        );
    }
}
