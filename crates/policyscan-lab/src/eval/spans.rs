//! The one span scorer: predicted char spans against gold spans, example by
//! example, exact (same start and end) and overlap (any shared char). Used
//! for the tagger's dev selection (`train-tagger`), `policyscan eval
//! --tag-data`, and the `data_type` extractor against CA4P
//! ([`crate::eval::extract`]), so all report the same figures.
//!
//! Predictions and gold spans are matched separately ([`Tally`]): a long
//! predicted span that covers two gold spans is one right prediction and
//! two found gold spans under overlap.

use serde::Serialize;

use crate::eval::metrics::{Prf, Tally};

/// A char span, end exclusive.
pub type CharSpan = (usize, usize);

/// Exact-span and overlap precision/recall/F1 of predicted spans.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct SpanScores {
    pub exact: Prf,
    pub overlap: Prf,
}

impl SpanScores {
    /// Gold spans scored.
    pub fn gold(&self) -> usize {
        self.exact.gold
    }

    /// Predicted spans scored.
    pub fn pred(&self) -> usize {
        self.exact.pred
    }
}

/// The counts behind [`SpanScores`], to add up over many examples.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SpanTally {
    pub exact: Tally,
    pub overlap: Tally,
}

impl SpanTally {
    /// Match the predicted spans of one example against its gold spans.
    pub fn of(gold: &[CharSpan], pred: &[CharSpan]) -> Self {
        let overlaps = |a: &CharSpan, b: &CharSpan| a.0 < b.1 && b.0 < a.1;
        Self {
            exact: Tally::matching(gold, pred, |g, p| g == p),
            overlap: Tally::matching(gold, pred, overlaps),
        }
    }

    /// Precision, recall and F1 of the counts.
    pub fn scores(&self) -> SpanScores {
        SpanScores {
            exact: self.exact.prf(),
            overlap: self.overlap.prf(),
        }
    }
}

impl std::ops::AddAssign for SpanTally {
    fn add_assign(&mut self, o: Self) {
        self.exact += o.exact;
        self.overlap += o.overlap;
    }
}

/// Score predicted spans against gold spans, example by example (`gold[i]`
/// and `pred[i]` are the spans of example `i`; spans of different examples
/// never match).
pub fn span_tally(gold: &[Vec<CharSpan>], pred: &[Vec<CharSpan>]) -> SpanTally {
    let mut t = SpanTally::default();
    for (g, p) in gold.iter().zip(pred) {
        t += SpanTally::of(g, p);
    }
    t
}

/// [`span_tally`] as precision, recall and F1.
pub fn span_scores(gold: &[Vec<CharSpan>], pred: &[Vec<CharSpan>]) -> SpanScores {
    span_tally(gold, pred).scores()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn span_scores_count_exact_and_overlap() {
        let gold = vec![vec![(0, 4), (6, 9)], vec![(2, 5)]];
        let pred = vec![vec![(0, 4), (6, 8)], vec![]];
        let s = span_scores(&gold, &pred);
        assert_eq!((s.gold(), s.pred()), (3, 2));
        assert!((s.exact.precision - 0.5).abs() < 1e-9);
        assert!((s.exact.recall - 1.0 / 3.0).abs() < 1e-9);
        assert!((s.overlap.precision - 1.0).abs() < 1e-9);
        assert!((s.overlap.recall - 2.0 / 3.0).abs() < 1e-9);
    }

    #[test]
    fn one_long_prediction_finds_two_gold_spans_once() {
        let s = span_scores(&[vec![(0, 2), (3, 5)]], &[vec![(0, 5)]]);
        assert_eq!((s.overlap.precision, s.overlap.recall), (1.0, 1.0));
        assert_eq!((s.exact.precision, s.exact.recall), (0.0, 0.0));
        assert_eq!(s.exact.f1, 0.0);
    }

    #[test]
    fn spans_of_different_examples_never_match() {
        let s = span_scores(&[vec![(0, 2)], vec![]], &[vec![], vec![(0, 2)]]);
        assert_eq!(s.overlap.f1, 0.0);
        assert_eq!((s.gold(), s.pred()), (1, 1));
    }
}
