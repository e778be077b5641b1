//! policyscan's lab: everything that makes and measures the models and rules
//! of the scan library, and nothing a scan needs.
//!
//! - data: [`dataset`] builds training and evaluation files from `../shared`
//!   (skipping cleanly when it is absent); [`examples`] reads and writes them;
//! - training: [`train`] — one fit loop for the classifier, the tagger
//!   ([`train::tagger`]) and masked-LM pre-training ([`train::pretrain`]);
//! - evaluation: [`metrics`] (precision/recall/F1, thresholds, the paired
//!   bootstrap), [`baseline`] (the keyword/heading rules the classifier must
//!   beat), [`extract_eval`] (extractors against human spans and fields).

pub mod baseline;
pub mod dataset;
pub mod examples;
pub mod extract_eval;
pub mod metrics;
pub mod train;
