//! policyscan: Chinese privacy policies in bulk, turned into tables.
//!
//! Data flows one way through modules named for their stage:
//!
//! 1. [`read`] — find input files, give each a policy id, read bytes safely;
//! 2. [`decode`] — bytes to text (BOMs, UTF-8, UTF-16, GB18030, Big5);
//! 3. [`html`] — visible text of HTML pages, headings kept;
//! 4. [`segment`] — paragraphs / list items with their heading path;
//! 5. [`classify`] — the BERT multi-label segment classifier (candle);
//! 6. [`extract`] — data types, retention, contacts, venue, minors, cross-border…;
//!    [`tag`] — the BERT token tagger for data phrases (`data_mention`);
//! 7. [`table`] — the four output tables (polars: Parquet, CSV, JSONL);
//!
//! [`pipeline`] runs 1–7 over a corpus in parallel with bounded memory.
//! Beside the pipeline: [`train`], [`metrics`], [`examples`], [`dataset`]
//! (training data from `../shared`), [`baseline`] (keyword rules to beat).

pub mod baseline;
pub mod classify;
pub mod dataset;
pub mod decode;
pub mod examples;
pub mod extract;
pub mod html;
pub mod labels;
pub mod metrics;
pub mod pipeline;
pub mod pretrain;
pub mod read;
pub mod rng;
pub mod segment;
pub mod table;
pub mod tag;
pub mod train;
