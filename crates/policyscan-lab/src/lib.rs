//! policyscan's lab: everything that makes and measures the models and rules
//! of the scan library, and nothing a scan needs. Three areas, in the order
//! a model goes through them:
//!
//! 1. [`data`] — data sets from the data beside the project (`../shared`,
//!    skipping cleanly when it is absent): the classifier's
//!    `train`/`dev`/`pretrain` JSONL ([`data::classifier`]), the tagger's
//!    `tag_*.jsonl` ([`data::tagger`]), the human-labelled dev policies
//!    ([`data::devset`]) and the examples reader and writer
//!    ([`data::examples`]);
//! 2. [`mod@train`] — one fit loop (`train::fit`) for the classifier
//!    ([`train::classifier`]), the tagger ([`train::tagger`]) and
//!    masked-LM pre-training ([`train::pretrain`]), with encoders from
//!    `--init` or from scratch ([`train::encoder`]);
//! 3. [`eval`] — one precision/recall/F1 and the classifier's metrics
//!    ([`eval::metrics`]: thresholds, the paired bootstrap), one span
//!    scorer ([`eval::spans`]), the keyword baseline the classifier must
//!    beat ([`eval::baseline`]) and the extractors against human spans and
//!    fields ([`eval::extract`]).
//!
//! The main entry points are re-exported here.

pub mod data;
pub mod eval;
pub mod train;

pub use data::examples::{Example, Labelled, read_examples, write_examples};
pub use data::{DatasetError, DevSet, HeadingRule, TagExample, build, build_tag, shared_dir};
pub use eval::metrics::{PairedBootstrap, Prf, Report, Tally, format_table, paired_bootstrap, prf};
pub use eval::spans::{SpanScores, span_scores};
pub use train::pretrain::{PretrainSummary, pretrain};
pub use train::tagger::{TagTrainSummary, read_tag_examples, train_tagger};
pub use train::{TrainError, TrainOptions, TrainSummary, train};
