//! How policies are dealt into folds and each fold's training policies split
//! into fit and inner parts: always by policy, never by line or segment, so
//! no policy's lines sit on both sides of a split.

use policyscan::rng::SplitMix64;

/// The fold of each of `ids`: a seeded shuffle dealt round-robin, so fold
/// sizes differ by one at most.
pub fn assign_folds(ids: &[String], k: usize, seed: u64) -> Vec<usize> {
    let mut order: Vec<usize> = (0..ids.len()).collect();
    SplitMix64::new(seed).shuffle(&mut order);
    let mut fold = vec![0; ids.len()];
    for (pos, &i) in order.iter().enumerate() {
        fold[i] = pos % k.max(1);
    }
    fold
}

/// Split training policies by policy into (fit, inner): a seeded shuffle,
/// `share` of them (at least one, when there are two or more) inner.
pub fn inner_split(ids: &[String], share: f64, seed: u64) -> (Vec<String>, Vec<String>) {
    let mut order = ids.to_vec();
    SplitMix64::new(seed).shuffle(&mut order);
    let n_inner = if ids.len() < 2 {
        0
    } else {
        ((ids.len() as f64 * share).round() as usize).clamp(1, ids.len() - 1)
    };
    let inner = order.split_off(order.len() - n_inner);
    order.sort();
    let mut inner = inner;
    inner.sort();
    (order, inner)
}

/// Keep `share` of the fit policies `fit` (at least one): a learning curve's
/// point, what the model learns from fewer labelled policies. The order is
/// one seeded shuffle whatever the share, so a smaller share keeps a subset
/// of a larger one's policies and the curve's points differ only in the
/// policies added; the inner policies, which choose, are not touched.
pub fn fit_subset(fit: Vec<String>, share: f64, seed: u64) -> Vec<String> {
    if share >= 1.0 || fit.is_empty() {
        return fit;
    }
    let n = ((fit.len() as f64 * share).round() as usize).clamp(1, fit.len());
    let mut order = fit;
    SplitMix64::new(seed).shuffle(&mut order);
    order.truncate(n);
    order.sort();
    order
}
