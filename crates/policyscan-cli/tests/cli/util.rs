//! Helpers shared by the end-to-end tests.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use polars::prelude::*;

/// The binary under test.
pub fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_policyscan"))
}

/// Run `policyscan scan <inputs> --out <out> <extra>`; returns the output.
pub fn scan(inputs: &[&Path], out: &Path, extra: &[&str]) -> Output {
    let mut c = bin();
    c.arg("scan");
    for i in inputs {
        c.arg(i);
    }
    c.arg("--out").arg(out).args(extra);
    c.output().expect("binary runs")
}

/// Like [`scan`] but asserts success.
pub fn scan_ok(inputs: &[&Path], out: &Path, extra: &[&str]) -> Output {
    let o = scan(inputs, out, extra);
    assert!(
        o.status.success(),
        "scan failed: {}\n{}",
        o.status,
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(!String::from_utf8_lossy(&o.stderr).contains("panicked"));
    o
}

/// Read a table back.
pub fn table(out: &Path, name: &str) -> DataFrame {
    let p = out.join(format!("{name}.parquet"));
    ParquetReader::new(File::open(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display())))
        .finish()
        .unwrap()
}

/// A string column as Vec<String> (nulls as "").
pub fn strs(df: &DataFrame, col: &str) -> Vec<String> {
    df.column(col)
        .unwrap()
        .str()
        .unwrap()
        .iter()
        .map(|s| s.unwrap_or("").to_string())
        .collect()
}

/// A u32 column.
pub fn u32s(df: &DataFrame, col: &str) -> Vec<u32> {
    df.column(col)
        .unwrap()
        .u32()
        .unwrap()
        .iter()
        .map(|v| v.unwrap())
        .collect()
}

/// A list[str] column.
pub fn lists(df: &DataFrame, col: &str) -> Vec<Vec<String>> {
    let ca = df.column(col).unwrap().list().unwrap().clone();
    (0..ca.len())
        .map(|i| {
            ca.get_as_series(i)
                .map(|s| {
                    s.str()
                        .unwrap()
                        .iter()
                        .map(|x| x.unwrap_or("").to_string())
                        .collect()
                })
                .unwrap_or_default()
        })
        .collect()
}

/// The repository root: Cargo runs these tests in the CLI crate's folder.
pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The repository's sample policies.
pub fn samples() -> PathBuf {
    repo().join("data/samples")
}

/// A training fixture of `data/fixtures`.
pub fn fixture(name: &str) -> PathBuf {
    repo().join("data/fixtures").join(name)
}

/// Char slice `[start, end)` of `text`.
pub fn char_slice(text: &str, start: u32, end: u32) -> String {
    text.chars()
        .skip(start as usize)
        .take((end - start) as usize)
        .collect()
}
