//! Writing tables: Parquet parts while a scan runs, and the final files in
//! the chosen format (Parquet, CSV, JSONL), streamed frame by frame so that
//! memory stays bounded by one batch.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use polars::prelude::*;

use super::{OutFormat, Rows, Table, schema};

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
