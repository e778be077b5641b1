//! Stages 1–4 and 7 for one policy: read, decode, strip HTML, segment and
//! run the rule extractors. Everything that can go wrong with one file ends
//! here as an errors-table row — a panic included — so one bad file never
//! stops a batch.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;

use sha2::{Digest, Sha256};

use super::ScanOptions;
use crate::decode::decode;
use crate::extract::{Entity, Extractor};
use crate::html::{html_to_text, looks_like_html};
use crate::read::{Format, Input, read_bytes, safe_relative_path};
use crate::segment::{Segment, segment};
use crate::stage::Stage;
use crate::table::ErrorRow;

/// A policy after read/decode/segment/extract, before classification.
pub(super) struct Prepared {
    pub input: Input,
    pub sha256: String,
    pub encoding: &'static str,
    pub chars: u32,
    pub text: String,
    pub segments: Vec<Segment>,
    pub entities: Vec<Vec<Entity>>,
}

pub(super) fn err_row(input: &Input, stage: Stage, error: impl Into<String>) -> ErrorRow {
    ErrorRow {
        path: input.path_str(),
        stage,
        error: error.into(),
    }
}

/// Read, decode, strip HTML, segment and extract one policy.
fn prepare(input: &Input, opts: &ScanOptions, extractor: &Extractor) -> Result<Prepared, ErrorRow> {
    let bytes = read_bytes(input, opts.max_bytes)
        .map_err(|e| err_row(input, Stage::Read, e.to_string()))?;
    let sha256 = hex(&Sha256::digest(&bytes));
    let decoded = decode(&bytes).map_err(|e| err_row(input, Stage::Decode, e.to_string()))?;
    drop(bytes);
    let text = if input.format == Format::Html || looks_like_html(&decoded.text) {
        html_to_text(&decoded.text)
    } else {
        decoded.text
    };
    let segments = segment(&text, &opts.segment);
    if segments.is_empty() {
        return Err(err_row(
            input,
            Stage::Parse,
            "no policy text: the file holds no paragraph (empty, only headings, or only markup)",
        ));
    }
    let entities = segments
        .iter()
        .map(|s| extractor.extract(&s.text, &s.heading_path))
        .collect();
    Ok(Prepared {
        input: input.clone(),
        sha256,
        encoding: decoded.encoding,
        chars: text.chars().count() as u32,
        text,
        segments,
        entities,
    })
}

/// `prepare`, with any panic turned into an errors-table row: one bad file
/// must never take the batch down.
pub(super) fn prepare_safe(
    input: &Input,
    opts: &ScanOptions,
    extractor: &Extractor,
) -> Result<Prepared, ErrorRow> {
    match catch_unwind(AssertUnwindSafe(|| prepare(input, opts, extractor))) {
        Ok(r) => r,
        Err(p) => {
            let msg = p
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| p.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            Err(err_row(
                input,
                Stage::Internal,
                format!("internal error while processing this file (please report it): {msg}"),
            ))
        }
    }
}

/// Lower-case hex of a digest.
pub(super) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// `--keep-text`: the decoded text that offsets index into.
pub(super) fn write_text(out: &Path, policy_id: &str, text: &str) -> std::io::Result<()> {
    let path = out.join("texts").join(safe_relative_path(policy_id, "txt"));
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(path, text)
}
