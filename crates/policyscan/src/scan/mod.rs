//! The batch pipeline: read → decode → (HTML) → segment → extract →
//! classify → tables, over any number of policies with bounded memory.
//!
//! Inputs are sorted by policy id and cut into fixed-size *batches* of
//! policies. Within a batch, policies are prepared in parallel (rayon), then
//! all their segments are classified together, batched by token length
//! across policies, each distinct segment once. Each batch is committed as Parquet parts plus a line in a
//! manifest; at the end the parts are streamed, in order, into the final
//! tables. Because batches are deterministic, a run killed at any moment can
//! be continued with `--resume` and yields exactly the rows of an
//! uninterrupted run, in the same order, whatever the thread count.

use std::collections::HashMap;
use std::io::Write;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::time::Instant;

use indicatif::{ProgressBar, ProgressStyle};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::classify::Classifier;
use crate::decode::decode;
use crate::extract::{Entity, Extractor, Kind, data_mentions, summarize};
use crate::html::{html_to_text, looks_like_html};
use crate::labels::{LabelSet, N_LABELS, label_names, parse_labels};
use crate::model::batch::Input as ClfInput;
use crate::read::{Discovery, Format, Input, Rejected, read_bytes, safe_relative_path};
use crate::segment::{Segment, SegmentOptions, segment};
use crate::table::{
    EntityRow, ErrorRow, OutFormat, PolicyRow, Rows, SegmentRow, TABLES, TableWriter,
};
use crate::tag::Tagger;

/// Settings of one scan.
#[derive(Debug, Clone)]
pub struct ScanOptions {
    pub out: PathBuf,
    pub format: OutFormat,
    /// Rows per classifier forward pass.
    pub batch_size: usize,
    /// Policies per committed batch (memory is bounded by one batch).
    pub chunk: usize,
    pub max_bytes: u64,
    pub segment: SegmentOptions,
    /// Write the decoded text of each policy to `texts/<policy_id>.txt`.
    pub keep_text: bool,
    /// Continue an interrupted run in `out`.
    pub resume: bool,
    pub progress: bool,
    /// Test hook: abort the process (as `kill -9` would) after committing
    /// this many batches.
    pub abort_after: Option<usize>,
}

/// What a scan did.
#[derive(Debug, Clone, Default)]
pub struct ScanSummary {
    pub policies: usize,
    pub segments: usize,
    pub errors: usize,
    pub seconds: f64,
    /// Batches skipped because an earlier run had committed them.
    pub resumed_batches: usize,
}

/// Why the scan as a whole could not complete (per-file problems are rows of
/// the errors table instead).
#[derive(Debug, thiserror::Error)]
pub enum ScanError {
    /// The output folder cannot be created or written.
    #[error("output {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    /// Writing a table failed.
    #[error("writing {table}: {source}")]
    Table {
        table: String,
        source: polars::error::PolarsError,
    },
    /// `--resume` was given but the earlier run differs.
    #[error("cannot resume in {out}: {reason}")]
    Resume { out: PathBuf, reason: String },
    /// Output from an earlier run is in the way.
    #[error("{0} holds an unfinished run; continue it with --resume, or choose another --out")]
    Unfinished(PathBuf),
}

#[derive(Debug, Serialize, Deserialize, PartialEq)]
struct ManifestHeader {
    version: u32,
    inputs: String,
    chunk: usize,
    batches: usize,
}

#[derive(Debug, Serialize, Deserialize)]
struct ManifestLine {
    batch: usize,
    policies: usize,
    segments: usize,
    errors: usize,
}

const PARTS: &str = ".policyscan-parts";

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> ScanError + '_ {
    move |source| ScanError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// A policy after read/decode/segment/extract, before classification.
struct Prepared {
    input: Input,
    sha256: String,
    encoding: &'static str,
    chars: u32,
    text: String,
    segments: Vec<Segment>,
    entities: Vec<Vec<Entity>>,
}

fn err_row(input: &Input, stage: &str, error: impl Into<String>) -> ErrorRow {
    ErrorRow {
        path: input.path_str(),
        stage: stage.into(),
        error: error.into(),
    }
}

/// Read, decode, strip HTML, segment and extract one policy.
fn prepare(input: &Input, opts: &ScanOptions, extractor: &Extractor) -> Result<Prepared, ErrorRow> {
    let bytes =
        read_bytes(input, opts.max_bytes).map_err(|e| err_row(input, "read", e.to_string()))?;
    let sha256 = hex(&Sha256::digest(&bytes));
    let decoded = decode(&bytes).map_err(|e| err_row(input, "decode", e.to_string()))?;
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
            "parse",
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
fn prepare_safe(
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
                "internal",
                format!("internal error while processing this file (please report it): {msg}"),
            ))
        }
    }
}

/// Labels of the segments that go to the data-mention tagger, besides
/// those where the lexicon found a data type: practices that name data.
/// The rest (contacts, rights, definitions…) rarely hold data phrases and
/// would double the model cost.
const TAGGED_LABELS: [&str; 4] = ["collection", "sharing", "cookie", "cross_border"];

/// The distinct items of `keys`: the index of each one's first occurrence,
/// and for every item the position of its own in that list. Lets a batch
/// run a model once per distinct input and hand the result to every copy.
fn distinct<K: Eq + std::hash::Hash>(keys: impl Iterator<Item = K>) -> (Vec<usize>, Vec<usize>) {
    let mut seen: HashMap<K, usize> = HashMap::new();
    let mut first = Vec::new();
    let of = keys
        .enumerate()
        .map(|(i, k)| {
            *seen.entry(k).or_insert_with(|| {
                first.push(i);
                first.len() - 1
            })
        })
        .collect();
    (first, of)
}

/// Process one batch of inputs into rows (in input order).
fn run_batch(
    inputs: &[Input],
    opts: &ScanOptions,
    clf: &Classifier,
    tagger: Option<&Tagger>,
    extractor: &Extractor,
) -> Rows {
    let prepared: Vec<Result<Prepared, ErrorRow>> = inputs
        .par_iter()
        .map(|i| prepare_safe(i, opts, extractor))
        .collect();
    let ok: Vec<&Prepared> = prepared.iter().filter_map(|p| p.as_ref().ok()).collect();

    // Classify every segment of the batch together, batched by length across
    // policies; batches run in parallel.
    let flat: Vec<ClfInput> = ok
        .iter()
        .flat_map(|p| {
            p.segments.iter().map(|s| ClfInput {
                heading_path: &s.heading_path,
                text: &s.text,
            })
        })
        .collect();
    // Policies share templates, so a batch holds the same segment several
    // times (9 % of CA4P's segments at `--chunk 64`): each distinct input is
    // scored once.
    let (first, of) = distinct(flat.iter().map(|x| (x.heading_path, x.text)));
    let uniq: Vec<ClfInput> = first.iter().map(|&i| flat[i]).collect();
    let scores = clf
        .score(&uniq, opts.batch_size)
        .map(|sc| of.iter().map(|&k| sc[k]).collect::<Vec<_>>())
        .map_err(|e| e.to_string());
    let decided: Vec<LabelSet> = match &scores {
        Ok(sc) => sc.iter().map(|x| clf.decide(x)).collect(),
        Err(_) => Vec::new(),
    };
    let ents: Vec<&Vec<Entity>> = ok.iter().flat_map(|p| p.entities.iter()).collect();
    // Data mentions of the segments worth tagging, batched like the classifier.
    let mentions: Result<Vec<Vec<Entity>>, String> = match (tagger, &scores) {
        (Some(tagger), Ok(_)) => {
            let gate = parse_labels(&TAGGED_LABELS).expect("known labels");
            let picked: Vec<usize> = (0..flat.len())
                .filter(|&i| {
                    (0..N_LABELS).any(|l| gate[l] && decided[i][l])
                        || ents[i].iter().any(|e| e.kind == Kind::DataType)
                })
                .collect();
            // Each distinct text is tagged once (17 % of all texts repeat one of
            // their batch).
            let (first, of) = distinct(picked.iter().map(|&i| flat[i].text));
            let texts: Vec<&str> = first.iter().map(|&k| flat[picked[k]].text).collect();
            tagger
                .tag(&texts, opts.batch_size)
                .map(|spans| {
                    let mut out = vec![Vec::new(); flat.len()];
                    for (&i, &k) in picked.iter().zip(&of) {
                        out[i] = data_mentions(flat[i].text, &spans[k], ents[i]);
                    }
                    out
                })
                .map_err(|e| e.to_string())
        }
        _ => Ok(vec![Vec::new(); flat.len()]),
    };

    let mut rows = Rows::default();
    let mut offset = 0;
    for p in &prepared {
        let p = match p {
            Ok(p) => p,
            Err(e) => {
                rows.errors.push(e.clone());
                continue;
            }
        };
        let n = p.segments.len();
        let (sc, on, mentions) = match (&scores, &mentions) {
            (Ok(s), Ok(m)) => (
                &s[offset..offset + n],
                &decided[offset..offset + n],
                &m[offset..offset + n],
            ),
            (Err(e), _) => {
                rows.errors.push(err_row(&p.input, "classify", e.clone()));
                offset += n;
                continue;
            }
            (_, Err(e)) => {
                rows.errors.push(err_row(&p.input, "tag", e.clone()));
                offset += n;
                continue;
            }
        };
        offset += n;
        if opts.keep_text
            && let Err(e) = write_text(&opts.out, &p.input.policy_id, &p.text)
        {
            tracing::warn!(policy = %p.input.policy_id, "cannot keep text: {e}");
        }
        let mut n_labels = [0u32; N_LABELS];
        for (i, ((s, score), on)) in p.segments.iter().zip(sc).zip(on).enumerate() {
            for l in 0..N_LABELS {
                n_labels[l] += on[l] as u32;
            }
            rows.segments.push(SegmentRow {
                policy_id: p.input.policy_id.clone(),
                segment: i as u32,
                heading_path: s.heading_path.clone(),
                text: s.text.clone(),
                char_start: s.char_start,
                char_end: s.char_end,
                labels: label_names(on),
                scores: *score,
            });
            for e in p.entities[i].iter().chain(&mentions[i]) {
                rows.entities.push(EntityRow {
                    policy_id: p.input.policy_id.clone(),
                    segment: i as u32,
                    kind: e.kind.as_str().to_string(),
                    text: e.text.clone(),
                    value: e.value.clone(),
                    category: e.category.clone(),
                    char_start: s.char_start + e.char_start,
                    char_end: s.char_start + e.char_end,
                    days_min: e.days_min,
                    days_max: e.days_max,
                });
            }
        }
        rows.policies.push(PolicyRow {
            policy_id: p.input.policy_id.clone(),
            path: p.input.path_str(),
            sha256: p.sha256.clone(),
            encoding: p.encoding.to_string(),
            chars: p.chars,
            segments: n as u32,
            n_labels,
            summary: summarize(p.entities.iter().flatten()),
        });
    }
    rows
}

/// Lower-case hex of a digest.
fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn write_text(out: &Path, policy_id: &str, text: &str) -> std::io::Result<()> {
    let rel = safe_relative_path(policy_id, "txt")
        .ok_or_else(|| std::io::Error::other("policy id cannot be made into a file name"))?;
    let path = out.join("texts").join(rel);
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(path, text)
}

fn inputs_fingerprint(inputs: &[Input], rejected: &[Rejected]) -> String {
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

fn part_path(parts: &Path, table: &str, batch: usize) -> PathBuf {
    parts.join(table).join(format!("{batch:06}.parquet"))
}

/// Read the manifest of an earlier run: which batches were committed.
fn committed_batches(
    parts: &Path,
    header: &ManifestHeader,
    out: &Path,
) -> Result<Vec<bool>, ScanError> {
    let mpath = parts.join("manifest.jsonl");
    let text = std::fs::read_to_string(&mpath).map_err(|e| ScanError::Resume {
        out: out.into(),
        reason: format!("no readable manifest ({e}); start a fresh run in an empty --out"),
    })?;
    let mut lines = text.lines();
    let old: ManifestHeader = lines
        .next()
        .and_then(|l| serde_json::from_str(l).ok())
        .ok_or_else(|| ScanError::Resume {
            out: out.into(),
            reason: "the manifest header is unreadable".into(),
        })?;
    if &old != header {
        return Err(ScanError::Resume {
            out: out.into(),
            reason: "the inputs or --chunk differ from the interrupted run".into(),
        });
    }
    let mut done = vec![false; header.batches];
    for l in lines {
        // A torn last line (killed mid-write) is simply not a commit.
        if let Ok(m) = serde_json::from_str::<ManifestLine>(l)
            && m.batch < done.len()
            && TABLES
                .iter()
                .all(|t| part_path(parts, t, m.batch).is_file())
        {
            done[m.batch] = true;
        }
    }
    Ok(done)
}

fn commit_batch(parts: &Path, batch: usize, rows: &Rows) -> Result<ManifestLine, ScanError> {
    for t in TABLES {
        let mut df = rows.frame(t).map_err(|source| ScanError::Table {
            table: t.into(),
            source,
        })?;
        let final_path = part_path(parts, t, batch);
        let tmp = final_path.with_extension("parquet.tmp");
        crate::table::write_parquet(&mut df, &tmp).map_err(|source| ScanError::Table {
            table: t.into(),
            source,
        })?;
        std::fs::rename(&tmp, &final_path).map_err(io_err(&final_path))?;
    }
    let line = ManifestLine {
        batch,
        policies: rows.policies.len(),
        segments: rows.segments.len(),
        errors: rows.errors.len(),
    };
    let mpath = parts.join("manifest.jsonl");
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
fn assemble(
    opts: &ScanOptions,
    parts: &Path,
    batches: usize,
    rejected: &[Rejected],
) -> Result<(), ScanError> {
    for t in TABLES {
        let final_path = opts.out.join(format!("{t}.{}", opts.format.ext()));
        let tmp = opts.out.join(format!(".{t}.{}.tmp", opts.format.ext()));
        let terr = |source| ScanError::Table {
            table: t.into(),
            source,
        };
        let mut w = TableWriter::create(&tmp, t, opts.format).map_err(terr)?;
        if t == "errors" && !rejected.is_empty() {
            let rows = Rows {
                errors: rejected
                    .iter()
                    .map(|r| ErrorRow {
                        path: r.path.clone(),
                        stage: r.stage.into(),
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

/// Run the whole pipeline over discovered inputs.
pub fn scan(
    discovery: &Discovery,
    opts: &ScanOptions,
    clf: &Classifier,
    tagger: Option<&Tagger>,
    extractor: &Extractor,
) -> Result<ScanSummary, ScanError> {
    let start = Instant::now();
    std::fs::create_dir_all(&opts.out).map_err(io_err(&opts.out))?;
    let parts = opts.out.join(PARTS);
    let chunk = opts.chunk.max(1);
    let batches: Vec<&[Input]> = discovery.inputs.chunks(chunk).collect();
    let header = ManifestHeader {
        version: 1,
        inputs: inputs_fingerprint(&discovery.inputs, &discovery.rejected),
        chunk,
        batches: batches.len(),
    };
    let done = if opts.resume && parts.exists() {
        committed_batches(&parts, &header, &opts.out)?
    } else {
        if parts.exists() {
            return Err(ScanError::Unfinished(opts.out.clone()));
        }
        for t in TABLES {
            let d = parts.join(t);
            std::fs::create_dir_all(&d).map_err(io_err(&d))?;
        }
        let mpath = parts.join("manifest.jsonl");
        std::fs::write(
            &mpath,
            serde_json::to_string(&header).expect("header") + "\n",
        )
        .map_err(io_err(&mpath))?;
        vec![false; batches.len()]
    };

    let bar = if opts.progress {
        ProgressBar::new(discovery.inputs.len() as u64)
    } else {
        ProgressBar::hidden()
    };
    bar.set_style(
        ProgressStyle::with_template(
            "{elapsed_precise} [{bar:30}] {pos}/{len} policies ({per_sec}, eta {eta}) {msg}",
        )
        .expect("valid template")
        .progress_chars("=> "),
    );
    let mut summary = ScanSummary {
        errors: discovery.rejected.len(),
        ..Default::default()
    };
    let mut committed = 0;
    for (b, inputs) in batches.iter().enumerate() {
        if done[b] {
            summary.resumed_batches += 1;
            bar.inc(inputs.len() as u64);
            continue;
        }
        let rows = run_batch(inputs, opts, clf, tagger, extractor);
        let line = commit_batch(&parts, b, &rows)?;
        tracing::debug!(
            batch = b,
            policies = line.policies,
            segments = line.segments,
            "committed"
        );
        committed += 1;
        if opts.abort_after == Some(committed) {
            std::process::abort();
        }
        bar.inc(inputs.len() as u64);
    }
    bar.finish_and_clear();
    // Count from the manifest so resumed batches are included.
    let text = std::fs::read_to_string(parts.join("manifest.jsonl")).map_err(io_err(&parts))?;
    let mut seen = vec![false; batches.len()];
    for l in text.lines().skip(1) {
        if let Ok(m) = serde_json::from_str::<ManifestLine>(l)
            && m.batch < seen.len()
            && !seen[m.batch]
        {
            seen[m.batch] = true;
            summary.policies += m.policies;
            summary.segments += m.segments;
            summary.errors += m.errors;
        }
    }
    assemble(opts, &parts, batches.len(), &discovery.rejected)?;
    summary.seconds = start.elapsed().as_secs_f64();
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distinct_maps_every_copy_to_its_first_occurrence() {
        let (first, of) = distinct(["a", "b", "a", "c", "b", "a"].into_iter());
        assert_eq!(first, vec![0, 1, 3]);
        assert_eq!(of, vec![0, 1, 0, 2, 1, 0]);
        let (first, of) = distinct(std::iter::empty::<&str>());
        assert!(first.is_empty() && of.is_empty());
    }
}
