//! Evaluation: how good the models and rules of the scan library are, each
//! figure computed one way only.
//!
//! - [`metrics`]: the one precision/recall/F1 ([`metrics::Prf`] from
//!   [`metrics::Tally`] counts), the classifier's per-label report,
//!   threshold tuning and the paired bootstrap over policies;
//! - [`spans`]: the one span scorer (exact and overlap), for the tagger and
//!   the `data_type` extractor alike;
//! - [`baseline`]: the keyword/heading rules the classifier must beat (the
//!   scan library's `classify::keywords`, re-exported here; and
//!   the weak labeller of [`crate::data::classifier`]);
//! - [`extract`]: the extractors against the human CA4P spans and the
//!   fields of the dev policies;
//! - [`listed`]: a policy's list of data types against the types its CA4P
//!   annotators marked (the lexicon's list, and the tagger's from a scan);
//! - [`lines`]: the whole scan and the baseline on human-labelled lines,
//!   and the segmenter's line kinds against the readers';
//! - [`thresholds`]: how an ensemble's thresholds are chosen on its inner
//!   policies (the best F1 there, or bagged over policy resamples);
//! - [`weights`]: how much each ensemble member weighs in the mean, per
//!   label, chosen on the inner policies (equal, or bagged over resamples);
//! - [`runs`]: two runs' `--dump` files compared on the same lines (the
//!   paired bootstrap of one recipe against another);
//! - [`ceiling`]: what thresholds and member weights could give at most on
//!   a run's own lines (a diagnostic, never a figure);
//! - [`checklist`]: how far the checklist moves when the segment labels
//!   are the classifier's or the baseline's instead of the human readers';
//! - [`cv`]: policy-level cross-validation of the classifier over the
//!   human-labelled training policies, and the final check on dev.

pub use policyscan::classify::keywords as baseline;
pub mod ceiling;
pub mod checklist;
pub mod cv;
pub mod extract;
pub mod lines;
pub mod listed;
pub mod metrics;
pub mod runs;
pub mod spans;
pub mod thresholds;
pub mod weights;
