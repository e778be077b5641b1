//! The output tables — `segments`, `entities`, `policies`, `checklist`,
//! `errors` — as polars DataFrames with a fixed schema (the public contract,
//! `docs/tables.md`), their writers ([`write`]) and a streaming reader of a
//! finished output folder ([`read`]), so that `check` and `report` work from
//! tables written earlier.
//!
//! Rows are produced batch by batch; each batch is committed as a Parquet
//! *part* (Parquet keeps the types exactly). When a run ends, the parts of
//! each table are streamed, one at a time, into the final file in the chosen
//! format, so memory stays bounded by one batch whatever the corpus size.

pub mod read;
mod write;

use polars::prelude::*;

pub use crate::check::{ChecklistRow, Status};
use crate::extract::Summary;
use crate::labels::{LABELS, N_LABELS};
pub use crate::stage::Stage;
pub use write::{TableWriter, read_parquet, write_parquet};

/// Output file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutFormat {
    Parquet,
    Csv,
    Jsonl,
}

impl OutFormat {
    /// File extension for this format.
    pub fn ext(self) -> &'static str {
        match self {
            OutFormat::Parquet => "parquet",
            OutFormat::Csv => "csv",
            OutFormat::Jsonl => "jsonl",
        }
    }
}

/// The output tables. Their names are file names and part folders, so they
/// are part of the contract like the columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Table {
    Segments,
    Entities,
    Policies,
    Checklist,
    Errors,
}

impl Table {
    /// Every table, in the order they are written.
    pub const ALL: [Table; 5] = [
        Table::Segments,
        Table::Entities,
        Table::Policies,
        Table::Checklist,
        Table::Errors,
    ];

    /// The table's name (`segments.parquet`, …).
    pub fn name(self) -> &'static str {
        match self {
            Table::Segments => "segments",
            Table::Entities => "entities",
            Table::Policies => "policies",
            Table::Checklist => "checklist",
            Table::Errors => "errors",
        }
    }
}

impl std::fmt::Display for Table {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// One row of `segments`.
#[derive(Debug, Clone, PartialEq)]
pub struct SegmentRow {
    pub policy_id: String,
    pub segment: u32,
    pub heading_path: Vec<String>,
    pub text: String,
    pub char_start: u32,
    pub char_end: u32,
    pub labels: Vec<String>,
    pub scores: [f32; N_LABELS],
}

/// One row of `entities`.
#[derive(Debug, Clone, PartialEq)]
pub struct EntityRow {
    pub policy_id: String,
    pub segment: u32,
    pub kind: String,
    pub text: String,
    pub value: String,
    pub category: Option<String>,
    pub char_start: u32,
    pub char_end: u32,
    pub days_min: Option<i32>,
    pub days_max: Option<i32>,
}

/// The data types a policy states it processes, as far as the tagger can
/// tell: the values of its `data_type` rows that lie inside a
/// `data_mention` row of the same segment. The lexicon matches words, so
/// `policies.data_types` also lists types named in passing (`法律文件`, a
/// cookie explained as a `文本文件`); the tagger marks the phrases of
/// sentences that state a practice, and on the tagger's held-out CA4P
/// policies the part of `data_types` it names is the more precise list
/// (`policyscan eval --data-types`). Empty without the tagger. Read it
/// against `data_types`, which leaves generic terms (`个人信息`) out.
pub fn mentioned_types(entities: &[EntityRow]) -> std::collections::BTreeSet<String> {
    let mentions: Vec<&EntityRow> = entities
        .iter()
        .filter(|e| e.kind == crate::extract::Kind::DataMention.as_str())
        .collect();
    entities
        .iter()
        .filter(|e| {
            e.kind == crate::extract::Kind::DataType.as_str()
                && mentions.iter().any(|m| {
                    m.segment == e.segment
                        && m.char_start <= e.char_start
                        && e.char_end <= m.char_end
                })
        })
        .map(|e| e.value.clone())
        .collect()
}

impl EntityRow {
    /// The row of entity `e` of segment `segment` of a policy, the segment
    /// starting at char `offset` of the policy text (entity offsets are
    /// the segment's, row offsets the policy's).
    pub fn of(policy_id: &str, segment: u32, offset: u32, e: &crate::extract::Entity) -> Self {
        Self {
            policy_id: policy_id.to_string(),
            segment,
            kind: e.kind.as_str().to_string(),
            text: e.text.clone(),
            value: e.value.clone(),
            category: e.category.clone(),
            char_start: offset + e.char_start,
            char_end: offset + e.char_end,
            days_min: e.days_min,
            days_max: e.days_max,
        }
    }
}

/// One row of `policies`.
#[derive(Debug, Clone, PartialEq)]
pub struct PolicyRow {
    pub policy_id: String,
    pub path: String,
    pub sha256: String,
    pub encoding: String,
    pub chars: u32,
    pub segments: u32,
    pub n_labels: [u32; N_LABELS],
    pub summary: Summary,
    /// Checklist items present, and items that apply ([`crate::check::counts`]).
    pub checklist_present: u32,
    pub checklist_applicable: u32,
}

/// One row of `errors`.
#[derive(Debug, Clone, PartialEq)]
pub struct ErrorRow {
    pub path: String,
    pub stage: Stage,
    pub error: String,
}

/// The rows of one batch, for all tables.
#[derive(Debug, Default, Clone)]
pub struct Rows {
    pub segments: Vec<SegmentRow>,
    pub entities: Vec<EntityRow>,
    pub policies: Vec<PolicyRow>,
    pub checklist: Vec<ChecklistRow>,
    pub errors: Vec<ErrorRow>,
}

fn list_of(inner: DataType) -> DataType {
    DataType::List(Box::new(inner))
}

/// Column names and types of a table: the contract.
pub fn schema(table: Table) -> Vec<(String, DataType)> {
    let s = |n: &str, t: DataType| (n.to_string(), t);
    match table {
        Table::Segments => {
            let mut v = vec![
                s("policy_id", DataType::String),
                s("segment", DataType::UInt32),
                s("heading_path", list_of(DataType::String)),
                s("text", DataType::String),
                s("char_start", DataType::UInt32),
                s("char_end", DataType::UInt32),
                s("labels", list_of(DataType::String)),
            ];
            v.extend(
                LABELS
                    .iter()
                    .map(|l| s(&format!("score_{l}"), DataType::Float32)),
            );
            v
        }
        Table::Entities => vec![
            s("policy_id", DataType::String),
            s("segment", DataType::UInt32),
            s("kind", DataType::String),
            s("text", DataType::String),
            s("value", DataType::String),
            s("category", DataType::String),
            s("char_start", DataType::UInt32),
            s("char_end", DataType::UInt32),
            s("days_min", DataType::Int32),
            s("days_max", DataType::Int32),
        ],
        Table::Policies => {
            let mut v = vec![
                s("policy_id", DataType::String),
                s("path", DataType::String),
                s("sha256", DataType::String),
                s("encoding", DataType::String),
                s("chars", DataType::UInt32),
                s("segments", DataType::UInt32),
            ];
            v.extend(
                LABELS
                    .iter()
                    .map(|l| s(&format!("n_{l}"), DataType::UInt32)),
            );
            v.extend([
                s("controller", list_of(DataType::String)),
                s("phones", list_of(DataType::String)),
                s("emails", list_of(DataType::String)),
                s("addresses", list_of(DataType::String)),
                s("data_types", list_of(DataType::String)),
                s("data_categories", list_of(DataType::String)),
                s("retention_days_min", DataType::Int32),
                s("retention_days_max", DataType::Int32),
                s("retention_qualitative", DataType::Boolean),
                s("response_days", DataType::Int32),
                s("minor_age", list_of(DataType::Int32)),
                s("court", list_of(DataType::String)),
                s("arbitration", list_of(DataType::String)),
                s("stored_in_china", DataType::Boolean),
                s("transfers_abroad", DataType::Boolean),
                s("updated", DataType::String),
                s("checklist_present", DataType::UInt32),
                s("checklist_applicable", DataType::UInt32),
            ]);
            v
        }
        Table::Checklist => vec![
            s("policy_id", DataType::String),
            s("item", DataType::String),
            s("law", DataType::String),
            s("status", DataType::String),
            s("evidence_segments", list_of(DataType::UInt32)),
            s("evidence", list_of(DataType::String)),
            s("reason", DataType::String),
        ],
        Table::Errors => vec![
            s("path", DataType::String),
            s("stage", DataType::String),
            s("error", DataType::String),
        ],
    }
}

/// A column of one value per row, `f` picking the value.
fn col<'a, R, T>(name: &str, rows: &'a [R], f: impl Fn(&'a R) -> T) -> Series
where
    Series: NamedFrom<Vec<T>, [T]>,
{
    Series::new(name.into(), rows.iter().map(f).collect::<Vec<T>>())
}

fn list_str<'a>(name: &str, rows: impl Iterator<Item = &'a Vec<String>>) -> Series {
    let inner: Vec<Series> = rows
        .map(|v| Series::new(PlSmallStr::EMPTY, v.as_slice()))
        .collect();
    list_series(name, inner, DataType::String)
}

fn list_i32<'a>(name: &str, rows: impl Iterator<Item = &'a Vec<i32>>) -> Series {
    let inner: Vec<Series> = rows
        .map(|v| Series::new(PlSmallStr::EMPTY, v.as_slice()))
        .collect();
    list_series(name, inner, DataType::Int32)
}

fn list_series(name: &str, inner: Vec<Series>, dt: DataType) -> Series {
    if inner.is_empty() {
        Series::new_empty(name.into(), &list_of(dt))
    } else {
        Series::new(name.into(), inner)
    }
}

/// Build a frame from series and cast every column to the contract's type
/// (so an all-empty list column is still `list[str]`, not `list[null]`).
fn frame(table: Table, height: usize, cols: Vec<Series>) -> PolarsResult<DataFrame> {
    let sch = schema(table);
    debug_assert_eq!(sch.len(), cols.len());
    let cols = cols
        .into_iter()
        .zip(&sch)
        .map(|(s, (name, dt))| {
            debug_assert_eq!(s.name().as_str(), name, "column order of {table}");
            Ok(s.cast(dt)?.into_column())
        })
        .collect::<PolarsResult<Vec<Column>>>()?;
    DataFrame::new(height, cols)
}

impl Rows {
    /// The `segments` frame.
    pub fn segments_frame(&self) -> PolarsResult<DataFrame> {
        let r = &self.segments;
        let mut cols = vec![
            col("policy_id", r, |x| x.policy_id.as_str()),
            col("segment", r, |x| x.segment),
            list_str("heading_path", r.iter().map(|x| &x.heading_path)),
            col("text", r, |x| x.text.as_str()),
            col("char_start", r, |x| x.char_start),
            col("char_end", r, |x| x.char_end),
            list_str("labels", r.iter().map(|x| &x.labels)),
        ];
        for (i, l) in LABELS.iter().enumerate() {
            cols.push(col(&format!("score_{l}"), r, |x| x.scores[i]));
        }
        frame(Table::Segments, r.len(), cols)
    }

    /// The `entities` frame.
    pub fn entities_frame(&self) -> PolarsResult<DataFrame> {
        let r = &self.entities;
        let cols = vec![
            col("policy_id", r, |x| x.policy_id.as_str()),
            col("segment", r, |x| x.segment),
            col("kind", r, |x| x.kind.as_str()),
            col("text", r, |x| x.text.as_str()),
            col("value", r, |x| x.value.as_str()),
            col("category", r, |x| x.category.as_deref()),
            col("char_start", r, |x| x.char_start),
            col("char_end", r, |x| x.char_end),
            col("days_min", r, |x| x.days_min),
            col("days_max", r, |x| x.days_max),
        ];
        frame(Table::Entities, r.len(), cols)
    }

    /// The `policies` frame.
    pub fn policies_frame(&self) -> PolarsResult<DataFrame> {
        let r = &self.policies;
        let mut cols = vec![
            col("policy_id", r, |x| x.policy_id.as_str()),
            col("path", r, |x| x.path.as_str()),
            col("sha256", r, |x| x.sha256.as_str()),
            col("encoding", r, |x| x.encoding.as_str()),
            col("chars", r, |x| x.chars),
            col("segments", r, |x| x.segments),
        ];
        for (i, l) in LABELS.iter().enumerate() {
            cols.push(col(&format!("n_{l}"), r, |x| x.n_labels[i]));
        }
        let sums: Vec<&Summary> = r.iter().map(|x| &x.summary).collect();
        cols.extend([
            list_str("controller", sums.iter().map(|x| &x.controller)),
            list_str("phones", sums.iter().map(|x| &x.phones)),
            list_str("emails", sums.iter().map(|x| &x.emails)),
            list_str("addresses", sums.iter().map(|x| &x.addresses)),
            list_str("data_types", sums.iter().map(|x| &x.data_types)),
            list_str("data_categories", sums.iter().map(|x| &x.data_categories)),
            col("retention_days_min", &sums, |x| x.retention_days_min),
            col("retention_days_max", &sums, |x| x.retention_days_max),
            col("retention_qualitative", &sums, |x| x.retention_qualitative),
            col("response_days", &sums, |x| x.response_days),
            list_i32("minor_age", sums.iter().map(|x| &x.minor_age)),
            list_str("court", sums.iter().map(|x| &x.court)),
            list_str("arbitration", sums.iter().map(|x| &x.arbitration)),
            col("stored_in_china", &sums, |x| x.stored_in_china),
            col("transfers_abroad", &sums, |x| x.transfers_abroad),
            col("updated", &sums, |x| x.updated.as_deref()),
            col("checklist_present", r, |x| x.checklist_present),
            col("checklist_applicable", r, |x| x.checklist_applicable),
        ]);
        frame(Table::Policies, r.len(), cols)
    }

    /// The `checklist` frame.
    pub fn checklist_frame(&self) -> PolarsResult<DataFrame> {
        let r = &self.checklist;
        let segs: Vec<Series> = r
            .iter()
            .map(|x| Series::new(PlSmallStr::EMPTY, &x.evidence_segments))
            .collect();
        let cols = vec![
            col("policy_id", r, |x| x.policy_id.as_str()),
            col("item", r, |x| x.item.as_str()),
            col("law", r, |x| x.law.as_str()),
            col("status", r, |x| x.status.as_str()),
            list_series("evidence_segments", segs, DataType::UInt32),
            list_str("evidence", r.iter().map(|x| &x.evidence)),
            col("reason", r, |x| x.reason.as_str()),
        ];
        frame(Table::Checklist, r.len(), cols)
    }

    /// The `errors` frame.
    pub fn errors_frame(&self) -> PolarsResult<DataFrame> {
        let r = &self.errors;
        let cols = vec![
            col("path", r, |x| x.path.as_str()),
            col("stage", r, |x| x.stage.as_str()),
            col("error", r, |x| x.error.as_str()),
        ];
        frame(Table::Errors, r.len(), cols)
    }

    /// The frame of `table`.
    pub fn frame(&self, table: Table) -> PolarsResult<DataFrame> {
        match table {
            Table::Segments => self.segments_frame(),
            Table::Entities => self.entities_frame(),
            Table::Policies => self.policies_frame(),
            Table::Checklist => self.checklist_frame(),
            Table::Errors => self.errors_frame(),
        }
    }
}
