//! The training loss of the multi-label classifier.

use candle_core::{Result, Tensor};

/// Numerically stable mean binary cross-entropy on logits, with an optional
/// per-label positive weight (`[num_labels]`) to keep rare labels from being
/// drowned by the common ones.
pub fn bce_with_logits(
    logits: &Tensor,
    targets: &Tensor,
    pos_weight: Option<&Tensor>,
) -> Result<Tensor> {
    bce_with_logits_weighted(logits, targets, pos_weight, None)
}

/// [`bce_with_logits`] with an optional weight per example (`[batch, 1]`),
/// so that weak examples can count less than human ones; the mean is over
/// all entries, so a batch of weight-0.5 examples moves the model half as
/// far.
pub fn bce_with_logits_weighted(
    logits: &Tensor,
    targets: &Tensor,
    pos_weight: Option<&Tensor>,
    example_weight: Option<&Tensor>,
) -> Result<Tensor> {
    // loss = (1 - t) x + (1 + (w - 1) t) * (log(1 + exp(-|x|)) + max(-x, 0))
    let neg_abs = logits.abs()?.neg()?;
    let softplus = (neg_abs.exp()? + 1.0)?.log()?.add(&logits.neg()?.relu()?)?;
    let one_minus_t = targets.affine(-1.0, 1.0)?;
    let coeff = match pos_weight {
        Some(w) => targets.broadcast_mul(&(w - 1.0)?)?.affine(1.0, 1.0)?,
        None => targets.ones_like()?,
    };
    let loss = ((one_minus_t * logits)? + (coeff * softplus)?)?;
    match example_weight {
        Some(w) => loss.broadcast_mul(w)?.mean_all(),
        None => loss.mean_all(),
    }
}
