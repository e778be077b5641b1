//! Committing a scan in parts, so that `kill -9` at any moment loses at most
//! the batch in flight: each batch's rows go to Parquet parts under
//! `out/.policyscan-parts/` (written under a temporary name, then renamed),
//! then a line in `manifest.jsonl` says the batch is complete. `--resume`
//! trusts only batches that have both. At the end the parts are streamed,
//! in batch order, into the final tables.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::prepare::hex;
use super::{ScanError, ScanOptions, io_err};
use crate::read::{Input, Rejected};
use crate::table::{ErrorRow, Rows, Table, TableWriter};

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub(super) struct ManifestHeader {
    pub version: u32,
    pub inputs: String,
    pub chunk: usize,
    pub batches: usize,
}

#[derive(Debug, Serialize, Deserialize)]
pub(super) struct ManifestLine {
    pub batch: usize,
    pub policies: usize,
    pub segments: usize,
    pub errors: usize,
}

/// The manifest file inside the parts folder.
pub(super) const MANIFEST: &str = "manifest.jsonl";

/// The folder of committed parts inside `--out`.
pub(super) const PARTS: &str = ".policyscan-parts";

/// What a resumed run must match: the inputs, in order, and the rejected.
pub(super) fn inputs_fingerprint(inputs: &[Input], rejected: &[Rejected]) -> String {
    let mut h = Sha256::new();
    for i in inputs {
        h.update(i.policy_id.as_bytes());
        h.update([0]);
        h.update(i.path_str().as_bytes());
        h.update([1]);
    }
    for r in rejected {
        h.update(r.path.as_bytes());
        h.update([2]);
    }
    hex(&h.finalize())
}

pub(super) fn part_path(parts: &Path, table: Table, batch: usize) -> PathBuf {
    parts.join(table.name()).join(format!("{batch:06}.parquet"))
}

/// The header of the manifest in `parts`, or `None` when there is none or
/// it is torn (a kill between creating the folder and writing the header):
/// then no batch can have been committed, since a commit is a line after it.
pub(super) fn read_header(parts: &Path) -> Option<ManifestHeader> {
    let text = std::fs::read_to_string(parts.join(MANIFEST)).ok()?;
    serde_json::from_str(text.lines().next()?).ok()
}

/// Which batches an earlier run committed (a manifest line and every part).
pub(super) fn committed_batches(parts: &Path, batches: usize) -> Vec<bool> {
    let text = std::fs::read_to_string(parts.join(MANIFEST)).unwrap_or_default();
    let mut done = vec![false; batches];
    for l in text.lines().skip(1) {
        // A torn last line (killed mid-write) is simply not a commit.
        if let Ok(m) = serde_json::from_str::<ManifestLine>(l)
            && m.batch < done.len()
            && Table::ALL
                .iter()
                .all(|&t| part_path(parts, t, m.batch).is_file())
        {
            done[m.batch] = true;
        }
    }
    done
}

/// Start a fresh parts folder: one folder per table, then the manifest
/// header, written under a temporary name and renamed so it is never torn.
pub(super) fn start_parts(parts: &Path, header: &ManifestHeader) -> Result<(), ScanError> {
    if parts.exists() {
        std::fs::remove_dir_all(parts).map_err(io_err(parts))?;
    }
    for t in Table::ALL {
        let d = parts.join(t.name());
        std::fs::create_dir_all(&d).map_err(io_err(&d))?;
    }
    let tmp = parts.join("manifest.jsonl.tmp");
    std::fs::write(&tmp, serde_json::to_string(header).expect("header") + "\n")
        .map_err(io_err(&tmp))?;
    let mpath = parts.join(MANIFEST);
    std::fs::rename(&tmp, &mpath).map_err(io_err(&mpath))
}

/// What a finished run leaves beside its tables, so that `--resume` on a
/// finished output says so instead of scanning again.
#[derive(Debug, Serialize, Deserialize)]
pub(super) struct Finished {
    pub header: ManifestHeader,
    pub policies: usize,
    pub segments: usize,
    pub errors: usize,
}

/// The marker file of a finished run in `out`.
pub(super) const FINISHED: &str = ".policyscan-finished.json";

/// The finished run recorded in `out`, if its inputs and chunking are
/// `header`'s and its tables are all there.
pub(super) fn finished_run(opts: &ScanOptions, header: &ManifestHeader) -> Option<Finished> {
    let text = std::fs::read_to_string(opts.out.join(FINISHED)).ok()?;
    let f: Finished = serde_json::from_str(&text).ok()?;
    let tables = Table::ALL.iter().all(|t| {
        opts.out
            .join(format!("{t}.{}", opts.format.ext()))
            .is_file()
    });
    (f.header == *header && tables).then_some(f)
}

/// Record a finished run (written under a temporary name, then renamed).
pub(super) fn mark_finished(out: &Path, f: &Finished) -> Result<(), ScanError> {
    let tmp = out.join(".policyscan-finished.json.tmp");
    std::fs::write(&tmp, serde_json::to_string(f).expect("marker")).map_err(io_err(&tmp))?;
    let path = out.join(FINISHED);
    std::fs::rename(&tmp, &path).map_err(io_err(&path))
}

/// Write one batch's parts, then its manifest line (synced).
pub(super) fn commit_batch(
    parts: &Path,
    batch: usize,
    rows: &Rows,
) -> Result<ManifestLine, ScanError> {
    for t in Table::ALL {
        let mut df = rows
            .frame(t)
            .map_err(|source| ScanError::Table { table: t, source })?;
        let final_path = part_path(parts, t, batch);
        let tmp = final_path.with_extension("parquet.tmp");
        crate::table::write_parquet(&mut df, &tmp)
            .map_err(|source| ScanError::Table { table: t, source })?;
        std::fs::rename(&tmp, &final_path).map_err(io_err(&final_path))?;
    }
    let line = ManifestLine {
        batch,
        policies: rows.policies.len(),
        segments: rows.segments.len(),
        errors: rows.errors.len(),
    };
    let mpath = parts.join(MANIFEST);
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(&mpath)
        .map_err(io_err(&mpath))?;
    writeln!(
        f,
        "{}",
        serde_json::to_string(&line).expect("manifest line")
    )
    .map_err(io_err(&mpath))?;
    f.sync_all().map_err(io_err(&mpath))?;
    Ok(line)
}

/// Stream committed parts into the final tables (temporary name, then
/// rename), then remove the parts.
pub(super) fn assemble(
    opts: &ScanOptions,
    parts: &Path,
    batches: usize,
    rejected: &[Rejected],
) -> Result<(), ScanError> {
    for t in Table::ALL {
        let final_path = opts.out.join(format!("{t}.{}", opts.format.ext()));
        let tmp = opts.out.join(format!(".{t}.{}.tmp", opts.format.ext()));
        let terr = |source| ScanError::Table { table: t, source };
        let mut w = TableWriter::create(&tmp, t, opts.format).map_err(terr)?;
        if t == Table::Errors && !rejected.is_empty() {
            let rows = Rows {
                errors: rejected
                    .iter()
                    .map(|r| ErrorRow {
                        path: r.path.clone(),
                        stage: r.stage,
                        error: r.error.clone(),
                    })
                    .collect(),
                ..Default::default()
            };
            w.write(&mut rows.errors_frame().map_err(terr)?)
                .map_err(terr)?;
        }
        for b in 0..batches {
            let mut df = crate::table::read_parquet(&part_path(parts, t, b)).map_err(terr)?;
            w.write(&mut df).map_err(terr)?;
        }
        w.finish().map_err(terr)?;
        std::fs::rename(&tmp, &final_path).map_err(io_err(&final_path))?;
    }
    std::fs::remove_dir_all(parts).map_err(io_err(parts))?;
    Ok(())
}
