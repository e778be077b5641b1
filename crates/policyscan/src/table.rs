//! The four output tables — `segments`, `entities`, `policies`, `errors` —
//! as polars DataFrames with a fixed schema (the public contract documented in
//! the README), and their writers.
//!
//! Rows are produced batch by batch; each batch is committed as a Parquet
//! *part* (Parquet keeps the types exactly). When a run ends, the parts of
//! each table are streamed, one at a time, into the final file in the chosen
//! format, so memory stays bounded by one batch whatever the corpus size.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use polars::prelude::*;

use crate::extract::Summary;
pub use crate::stage::Stage;
use crate::labels::{LABELS, N_LABELS};

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
    Errors,
}

impl Table {
    /// Every table, in the order they are written.
    pub const ALL: [Table; 4] = [
        Table::Segments,
        Table::Entities,
        Table::Policies,
        Table::Errors,
    ];

    /// The table's name (`segments.parquet`, …).
    pub fn name(self) -> &'static str {
        match self {
            Table::Segments => "segments",
            Table::Entities => "entities",
            Table::Policies => "policies",
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
}

/// One row of `errors`.
#[derive(Debug, Clone, PartialEq)]
pub struct ErrorRow {
    pub path: String,
    pub stage: Stage,
    pub error: String,
}

/// The rows of one batch, for all four tables.
#[derive(Debug, Default, Clone)]
pub struct Rows {
    pub segments: Vec<SegmentRow>,
    pub entities: Vec<EntityRow>,
    pub policies: Vec<PolicyRow>,
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
            ]);
            v
        }
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
        ]);
        frame(Table::Policies, r.len(), cols)
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
            Table::Errors => self.errors_frame(),
        }
    }
}

/// Write a frame as one Parquet file (used for parts: write to `tmp`, the
/// caller renames into place once all parts of a batch exist).
pub fn write_parquet(df: &mut DataFrame, path: &Path) -> PolarsResult<()> {
    let f = File::create(path)?;
    ParquetWriter::new(f)
        .with_compression(ParquetCompression::Zstd(None))
        .finish(df)?;
    Ok(())
}

/// Read a Parquet part back.
pub fn read_parquet(path: &Path) -> PolarsResult<DataFrame> {
    ParquetReader::new(File::open(path)?).finish()
}

/// CSV cannot hold lists: turn list columns into JSON array text.
fn lists_to_json(df: &DataFrame) -> PolarsResult<DataFrame> {
    let cols = df
        .columns()
        .iter()
        .map(|c| {
            let s = c.as_materialized_series();
            if !matches!(s.dtype(), DataType::List(_)) {
                return Ok(c.clone());
            }
            let ca = s.list()?;
            let texts: Vec<Option<String>> = (0..ca.len())
                .map(|i| ca.get_as_series(i))
                .map(|v| {
                    v.map(|inner| {
                        let vals: Vec<serde_json::Value> = match inner.dtype() {
                            DataType::String => inner
                                .str()
                                .map(|ca| ca.iter().map(|x| serde_json::json!(x)).collect())
                                .unwrap_or_default(),
                            _ => inner
                                .cast(&DataType::Int64)
                                .ok()
                                .and_then(|s| {
                                    s.i64()
                                        .ok()
                                        .map(|ca| ca.iter().map(|x| serde_json::json!(x)).collect())
                                })
                                .unwrap_or_default(),
                        };
                        serde_json::Value::Array(vals).to_string()
                    })
                })
                .collect();
            Ok(Series::new(s.name().clone(), texts).into_column())
        })
        .collect::<PolarsResult<Vec<Column>>>()?;
    DataFrame::new(df.height(), cols)
}

/// Streams frames, in order, into one output file of a format.
pub struct TableWriter {
    format: OutFormat,
    table: Table,
    parquet: Option<polars::io::parquet::write::BatchedWriter<File>>,
    text: Option<BufWriter<File>>,
    first: bool,
}

impl TableWriter {
    /// Create the output file at `path`.
    pub fn create(path: &Path, table: Table, format: OutFormat) -> PolarsResult<Self> {
        let f = File::create(path)?;
        let (parquet, text) = match format {
            OutFormat::Parquet => {
                let sch: Schema = schema(table)
                    .into_iter()
                    .map(|(n, t)| Field::new(n.into(), t))
                    .collect();
                (
                    Some(
                        ParquetWriter::new(f)
                            .with_compression(ParquetCompression::Zstd(None))
                            .batched(&sch)?,
                    ),
                    None,
                )
            }
            _ => (None, Some(BufWriter::new(f))),
        };
        Ok(Self {
            format,
            table,
            parquet,
            text,
            first: true,
        })
    }

    /// Append the rows of `df` (which has the table's schema).
    pub fn write(&mut self, df: &mut DataFrame) -> PolarsResult<()> {
        let first = std::mem::replace(&mut self.first, false);
        match self.format {
            OutFormat::Parquet => {
                if df.height() > 0 {
                    self.parquet
                        .as_mut()
                        .expect("parquet writer")
                        .write_batch(df)?;
                }
            }
            OutFormat::Csv => {
                let w = self.text.as_mut().expect("text writer");
                let mut df = lists_to_json(df)?;
                if first {
                    // Excel needs the BOM to read UTF-8 Chinese correctly.
                    w.write_all("\u{feff}".as_bytes())?;
                }
                if first || df.height() > 0 {
                    CsvWriter::new(&mut *w)
                        .include_header(first)
                        .finish(&mut df)?;
                }
            }
            OutFormat::Jsonl => {
                if df.height() > 0 {
                    let w = self.text.as_mut().expect("text writer");
                    JsonWriter::new(&mut *w)
                        .with_json_format(JsonFormat::JsonLines)
                        .finish(df)?;
                }
            }
        }
        Ok(())
    }

    /// Finish the file (Parquet footer, flush). A table that got no rows is
    /// still written with its header/schema.
    pub fn finish(mut self) -> PolarsResult<()> {
        if self.first {
            let mut empty = Rows::default().frame(self.table)?;
            self.write(&mut empty)?;
        }
        if let Some(p) = self.parquet.take() {
            p.finish()?;
        }
        if let Some(mut t) = self.text.take() {
            t.flush()?;
            t.get_ref().sync_all()?;
        }
        Ok(())
    }
}
