//! policyscan: Chinese privacy policies in bulk, turned into tables.
//!
//! This crate is what a scan needs and nothing else (training, data sets
//! and evaluation live in `policyscan-lab`; the command line in
//! `policyscan-cli`). Data flows one way through modules named for their stage:
//!
//! 1. [`read`] — find input files, give each a policy id, read bytes safely;
//! 2. [`decode`] — bytes to text (BOMs, UTF-8, UTF-16, GB18030, Big5);
//! 3. [`html`] — visible text of HTML pages, headings kept;
//! 4. [`segment`](mod@segment) — paragraphs / list items with their heading path;
//! 5. [`model`] — the BERT stack both models share: config, encoder, fused
//!    CPU kernels, tokenisation and batching, loading an HF model directory;
//! 6. [`classify`] — the multi-label segment classifier;
//!    [`tag`] — the token tagger for data phrases (`data_mention`);
//! 7. [`extract`] — data types, retention, contacts, venue, minors, cross-border…;
//! 8. [`check`] — the PIPL checklist of each policy, from its rows;
//! 9. [`table`] — the output tables (polars: Parquet, CSV, JSONL), and a
//!    streaming reader of a finished output;
//!
//! [`scan`](mod@scan) runs 1–9 over a corpus in parallel with bounded memory and
//! resumable batches; [`shard`] spreads one scan over many machines (plan,
//! array-task workers, merge) through a shared folder or S3. [`labels`] names
//! the six segment labels.

pub mod read;

pub mod decode;

pub mod html;

pub mod segment;

pub mod model;

pub mod classify;

pub mod tag;

pub mod extract;

pub mod check;
pub mod table;

pub mod scan;
pub mod shard;

pub mod labels;
pub mod rng;
pub mod stage;

pub use classify::Classifier;
pub use extract::{Entity, Extractor, Kind, Summary};
pub use labels::{LABELS, LabelSet, N_LABELS};
pub use scan::{ScanError, ScanOptions, ScanSummary, scan};
pub use segment::{Segment, SegmentOptions, segment};
pub use tag::Tagger;
