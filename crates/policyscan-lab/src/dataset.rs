//! `policyscan dataset`: build the classifier's training and dev files from
//! the data beside the project (`../shared`), reproducibly.
//!
//! - **train**: the ~4k human-labelled VioDroid sentences (compliance rules
//!   mapped to our labels, no heading path) plus every corpus policy *except*
//!   the 12 human-labelled dev policies, segmented by our own segmenter and
//!   weakly labelled: the section labels of [`crate::baseline`]'s heading rules,
//!   the human `collect`/`share` spans of CA4P, and unambiguous keywords.
//! - **dev**: the 12 dev policies segmented the same way, each segment labelled
//!   with the union of the human labels of the body lines it covers. Split by
//!   policy, never by segment, so dev figures are honest.
//!
//! Also here: [`DevSet`], the 12 policies with their human line labels, used
//! to score the *whole scan* (segment → classify, mapped back to lines).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::baseline;
use crate::examples::Example;
use crate::metrics::{self, Report};
use policyscan::labels::{LabelSet, N_LABELS, label_index, label_names};
use policyscan::segment::{Segment, SegmentOptions, segment};

/// Problems with the shared data.
#[derive(Debug, thiserror::Error)]
pub enum DatasetError {
    /// `../shared` (or the given folder) is not there: callers skip cleanly.
    #[error(
        "{0}: shared data folder not found (it sits beside the project as ../shared; pass --shared DIR)"
    )]
    Absent(PathBuf),
    /// A file cannot be read.
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    /// A file is malformed.
    #[error("{path}:{line}: {reason}")]
    Format {
        path: PathBuf,
        line: usize,
        reason: String,
    },
}

fn read(path: &Path) -> Result<String, DatasetError> {
    std::fs::read_to_string(path).map_err(|source| DatasetError::Io {
        path: path.into(),
        source,
    })
}

/// Locate the shared folder: the argument, else `../shared` from the current
/// directory. `Err(Absent)` when missing, so tests and benches can skip.
pub fn shared_dir(arg: Option<&Path>) -> Result<PathBuf, DatasetError> {
    let p = arg
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("../shared"));
    if p.join("corpus/ca4p/texts").is_dir() {
        Ok(p)
    } else {
        Err(DatasetError::Absent(p))
    }
}

/// Minimal RFC 4180 CSV reader (quoted fields, doubled quotes, newlines in
/// quotes): the VioDroid file is the only CSV we read.
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') => quoted = true,
            (false, ',') => row.push(std::mem::take(&mut field)),
            (false, '\n') => {
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
            }
            (false, '\r') => {}
            (false, c) => field.push(c),
        }
    }
    if !field.is_empty() || !row.is_empty() {
        row.push(field);
        rows.push(row);
    }
    rows
}

/// Our labels for one VioDroid sentence, from its compliance rules (the map
/// in `../shared/README.md`) plus the privacy categories that name a label
/// outright (PC3 minors, PC6 sharing, PC7 cross-border).
pub fn viodroid_labels(category: &str, rules: &str) -> LabelSet {
    let mut set = [false; N_LABELS];
    let mut on = |name: &str| set[label_index(name).expect("known label")] = true;
    for r in rules.split('#').map(str::trim).filter(|r| !r.is_empty()) {
        let n: u32 = r.trim_start_matches("CR").parse().unwrap_or(0);
        match n {
            5 => on("minors"),
            8..=10 => on("rights"),
            11..=13 | 16 => on("collection"),
            18..=22 => on("sharing"),
            23..=26 => on("cross_border"),
            _ => {}
        }
    }
    match category.trim() {
        "PC3" => on("minors"),
        "PC6" => on("sharing"),
        "PC7" => on("cross_border"),
        _ => {}
    }
    set
}

/// The VioDroid sentences as examples.
pub fn viodroid_examples(shared: &Path) -> Result<Vec<Example>, DatasetError> {
    let path = shared.join("labeled/viodroid_sentences.csv");
    let rows = parse_csv(&read(&path)?);
    Ok(rows
        .iter()
        .skip(1)
        .filter(|r| r.len() >= 2 && !r[0].trim().is_empty())
        .map(|r| Example {
            text: r[0].trim().to_string(),
            heading_path: Vec::new(),
            labels: label_names(&viodroid_labels(&r[1], r.get(2).map_or("", |s| s))),
            source: Some("viodroid".into()),
        })
        .collect())
}

/// One human span of a CA4P policy (char offsets, end exclusive).
#[derive(Deserialize)]
pub struct Span {
    pub start: usize,
    pub end: usize,
    pub label: String,
}

pub fn read_spans(path: &Path) -> Result<Vec<Span>, DatasetError> {
    if !path.exists() {
        return Ok(Vec::new());
    }
    read(path)?
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| {
            serde_json::from_str(l).map_err(|e| DatasetError::Format {
                path: path.into(),
                line: i + 1,
                reason: e.to_string(),
            })
        })
        .collect()
}

/// Which headings of a segment's path give its weak section labels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeadingRule {
    /// The innermost heading that matches a rule (the shipped model's data).
    Innermost,
    /// Every heading of the path (what the keyword baseline uses).
    Union,
}

/// Weak labels of one corpus segment: heading-derived section labels, human
/// collect/share spans inside it, and unambiguous text keywords.
fn weak_labels(seg: &Segment, spans: &[Span], rule: HeadingRule) -> LabelSet {
    let h = match rule {
        HeadingRule::Innermost => baseline::innermost_heading_labels(&seg.heading_path),
        HeadingRule::Union => baseline::heading_labels(&seg.heading_path),
    };
    let t = baseline::text_labels(&seg.text);
    let mut set: LabelSet = std::array::from_fn(|l| h[l] || t[l]);
    let (s, e) = (seg.char_start as usize, seg.char_end as usize);
    for sp in spans {
        if sp.start < e && sp.end > s {
            match sp.label.as_str() {
                "collect" => set[0] = true,
                "share" => set[2] = true,
                _ => {}
            }
        }
    }
    set
}

/// Sorted names of the files in `dir` ending in `suffix`, without it.
pub fn file_stems(dir: &Path, suffix: &str) -> Result<Vec<String>, DatasetError> {
    let mut ids: Vec<String> = std::fs::read_dir(dir)
        .map_err(|source| DatasetError::Io {
            path: dir.to_path_buf(),
            source,
        })?
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            e.file_name()
                .to_str()
                .and_then(|n| n.strip_suffix(suffix))
                .map(str::to_string)
        })
        .collect();
    ids.sort();
    Ok(ids)
}

/// Ids of the human-labelled dev policies (never trained on).
pub fn dev_ids(shared: &Path) -> Result<Vec<String>, DatasetError> {
    file_stems(&shared.join("labeled/segments_dev"), ".labels.tsv")
}

/// Ids of all corpus policies.
pub fn corpus_ids(shared: &Path) -> Result<Vec<String>, DatasetError> {
    file_stems(&shared.join("corpus/ca4p/texts"), ".txt")
}

/// One dev policy: its text and the human label of every body line.
pub struct DevPolicy {
    pub id: String,
    pub text: String,
    /// (0-based line number, labels) for lines of kind `body`.
    pub body: Vec<(usize, LabelSet)>,
}

/// The 12 human-labelled dev policies.
pub struct DevSet {
    pub policies: Vec<DevPolicy>,
}

impl DevSet {
    /// Load the dev policies from the shared folder.
    pub fn load(shared: &Path) -> Result<Self, DatasetError> {
        let mut policies = Vec::new();
        for id in dev_ids(shared)? {
            let text = read(&shared.join(format!("corpus/ca4p/texts/{id}.txt")))?;
            let tsv_path = shared.join(format!("labeled/segments_dev/{id}.labels.tsv"));
            let mut body = Vec::new();
            for (i, line) in read(&tsv_path)?.lines().enumerate() {
                let cols: Vec<&str> = line.split('\t').collect();
                if cols.len() < 3 {
                    continue;
                }
                let err = |reason: String| DatasetError::Format {
                    path: tsv_path.clone(),
                    line: i + 1,
                    reason,
                };
                let no: usize = cols[0]
                    .parse()
                    .map_err(|_| err(format!("bad line number `{}`", cols[0])))?;
                if cols[1] != "body" {
                    continue;
                }
                let names: Vec<&str> = cols[2]
                    .split(',')
                    .filter(|s| *s != "-" && !s.is_empty())
                    .collect();
                let set = policyscan::labels::parse_labels(&names).map_err(err)?;
                body.push((no.saturating_sub(1), set));
            }
            policies.push(DevPolicy { id, text, body });
        }
        Ok(Self { policies })
    }

    /// Score a whole scan on the human lines: `predict` gets each policy's
    /// segments and returns one label set per segment; a body line's
    /// prediction is the union over the segments overlapping it (a line no
    /// segment covers predicts nothing). Returns the line-level report.
    pub fn score_lines(
        &self,
        opts: &SegmentOptions,
        predict: impl FnMut(&[Segment]) -> Vec<LabelSet>,
    ) -> Report {
        self.score_lines_detailed(opts, predict).0
    }

    /// [`DevSet::score_lines`] plus every scored line (for error analysis).
    pub fn score_lines_detailed(
        &self,
        opts: &SegmentOptions,
        mut predict: impl FnMut(&[Segment]) -> Vec<LabelSet>,
    ) -> (Report, Vec<LineResult>) {
        let mut gold = Vec::new();
        let mut pred = Vec::new();
        let mut lines = Vec::new();
        for p in &self.policies {
            let segs = segment(&p.text, opts);
            let labels = predict(&segs);
            let spans = line_char_spans(&p.text);
            for (line, g) in &p.body {
                let Some(&(ls, le)) = spans.get(*line) else {
                    continue;
                };
                let mut set = [false; N_LABELS];
                for (s, l) in segs.iter().zip(&labels) {
                    if (s.char_start as usize) < le && (s.char_end as usize) > ls {
                        for i in 0..N_LABELS {
                            set[i] |= l[i];
                        }
                    }
                }
                gold.push(*g);
                pred.push(set);
                lines.push(LineResult {
                    policy: p.id.clone(),
                    line: line + 1,
                    gold: label_names(g),
                    pred: label_names(&set),
                });
            }
        }
        (metrics::report(&gold, &pred), lines)
    }
}

/// One scored dev line: 1-based line number, human and predicted labels.
#[derive(Debug, Clone, serde::Serialize)]
pub struct LineResult {
    pub policy: String,
    pub line: usize,
    pub gold: Vec<String>,
    pub pred: Vec<String>,
}

/// `(start, end)` char offsets of every `\n`-separated line.
pub fn line_char_spans(text: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut pos = 0;
    for c in text.chars() {
        if c == '\n' {
            out.push((start, pos));
            start = pos + 1;
        }
        pos += 1;
    }
    out.push((start, pos));
    out
}

/// Counts of what `build` wrote.
#[derive(Debug, Default)]
pub struct BuildStats {
    pub train: usize,
    pub dev: usize,
    pub viodroid: usize,
    pub corpus_policies: usize,
    /// Texts in `pretrain.jsonl`.
    pub pretrain: usize,
    pub label_counts: BTreeMap<String, usize>,
}

/// Ids of the corpus policies held out as the tagger's test set: every 8th
/// non-dev policy in id order. Nothing trains on them — not the tagger, and
/// not masked-LM pre-training either (`pretrain.jsonl` leaves them out).
pub fn tag_test_ids(shared: &Path) -> Result<Vec<String>, DatasetError> {
    let dev_set = dev_ids(shared)?;
    Ok(corpus_ids(shared)?
        .into_iter()
        .filter(|id| !dev_set.contains(id))
        .enumerate()
        .filter(|(i, _)| i % 8 == 3)
        .map(|(_, id)| id)
        .collect())
}

/// Build `train.jsonl` and `dev.jsonl` in `out` from the shared folder, and
/// `pretrain.jsonl`: the training texts without the tagger's test policies,
/// for `policyscan pretrain`.
pub fn build(
    shared: &Path,
    out: &Path,
    opts: &SegmentOptions,
    rule: HeadingRule,
) -> Result<BuildStats, DatasetError> {
    let dev_set = dev_ids(shared)?;
    let mut stats = BuildStats::default();
    let mut train = viodroid_examples(shared)?;
    stats.viodroid = train.len();
    let mut dev = Vec::new();
    for id in corpus_ids(shared)? {
        let text = read(&shared.join(format!("corpus/ca4p/texts/{id}.txt")))?;
        let segs = segment(&text, opts);
        if dev_set.contains(&id) {
            continue;
        }
        stats.corpus_policies += 1;
        let spans = read_spans(&shared.join(format!("corpus/ca4p/spans/{id}.jsonl")))?;
        for s in &segs {
            train.push(Example {
                text: s.text.clone(),
                heading_path: s.heading_path.clone(),
                labels: label_names(&weak_labels(s, &spans, rule)),
                source: Some(id.clone()),
            });
        }
    }
    let devs = DevSet::load(shared)?;
    for p in &devs.policies {
        let spans = line_char_spans(&p.text);
        let lines: BTreeMap<usize, LabelSet> = p.body.iter().copied().collect();
        for s in segment(&p.text, opts) {
            let mut set = [false; N_LABELS];
            for (no, g) in &lines {
                let (ls, le) = spans[*no.min(&(spans.len() - 1))];
                if (s.char_start as usize) < le && (s.char_end as usize) > ls {
                    for i in 0..N_LABELS {
                        set[i] |= g[i];
                    }
                }
            }
            dev.push(Example {
                text: s.text.clone(),
                heading_path: s.heading_path.clone(),
                labels: label_names(&set),
                source: Some(p.id.clone()),
            });
        }
    }
    for e in &train {
        for l in &e.labels {
            *stats.label_counts.entry(l.clone()).or_default() += 1;
        }
    }
    stats.train = train.len();
    stats.dev = dev.len();
    std::fs::create_dir_all(out).map_err(|source| DatasetError::Io {
        path: out.into(),
        source,
    })?;
    let w = |name: &str, ex: &[Example]| {
        crate::examples::write_examples(&out.join(name), ex).map_err(|e| DatasetError::Format {
            path: out.join(name),
            line: 0,
            reason: e.to_string(),
        })
    };
    w("train.jsonl", &train)?;
    w("dev.jsonl", &dev)?;
    let held_out = tag_test_ids(shared)?;
    let pretrain: Vec<Example> = train
        .iter()
        .filter(|e| e.source.as_ref().is_none_or(|s| !held_out.contains(s)))
        .cloned()
        .collect();
    stats.pretrain = pretrain.len();
    w("pretrain.jsonl", &pretrain)?;
    Ok(stats)
}

/// The tagger's examples of one policy: its segments (our segmenter, as the
/// scan sees them) that hold any CA4P span — the lines annotators read —
/// with the `data` spans inside each, clipped to the segment, in segment
/// char offsets.
pub fn tag_examples(
    id: &str,
    text: &str,
    spans: &[Span],
    opts: &SegmentOptions,
) -> Vec<policyscan::tag::TagExample> {
    let mut out = Vec::new();
    for s in segment(text, opts) {
        let (a, b) = (s.char_start as usize, s.char_end as usize);
        if !spans.iter().any(|x| x.start < b && x.end > a) {
            continue;
        }
        let chars: Vec<char> = s.text.chars().collect();
        let mut data: Vec<(usize, usize)> = spans
            .iter()
            .filter(|x| x.label == "data" && x.start < b && x.end > a)
            .map(|x| unmark(&chars, x.start.max(a) - a, x.end.min(b) - a))
            .filter(|(x, y)| x < y)
            .collect();
        data.sort();
        data.dedup();
        // Nested or overlapping gold spans cannot all be BIO-tagged: keep
        // the first of each overlapping run.
        let mut kept: Vec<(usize, usize)> = Vec::new();
        for d in data {
            if kept.last().is_none_or(|k| d.0 >= k.1) {
                kept.push(d);
            }
        }
        out.push(policyscan::tag::TagExample {
            text: s.text.clone(),
            spans: kept,
            source: Some(id.to_string()),
        });
    }
    out
}

/// A gold span without the white space and Markdown emphasis marks (`*`,
/// `_`) at its edges: CA4P's offsets were mapped onto the Markdown text of
/// each policy, and 57 of its 10,707 `data` spans took a mark of the markup
/// with them (`_身份证号码_**`). No data phrase begins or ends with one, and
/// a target that does would teach the tagger to swallow markup.
fn unmark(chars: &[char], mut a: usize, mut b: usize) -> (usize, usize) {
    let mark = |c: char| c.is_whitespace() || "*_＊".contains(c);
    b = b.min(chars.len());
    while a < b && mark(chars[a]) {
        a += 1;
    }
    while a < b && mark(chars[b - 1]) {
        b -= 1;
    }
    (a, b)
}

/// Example counts of the tagger's three files.
#[derive(Debug, Default)]
pub struct TagStats {
    pub train: (usize, usize),
    pub dev: (usize, usize),
    pub test: (usize, usize),
}

/// Build `tag_train.jsonl`, `tag_dev.jsonl` (the 12 dev policies) and
/// `tag_test.jsonl` (every 8th other corpus policy) in `out`.
pub fn build_tag(
    shared: &Path,
    out: &Path,
    opts: &SegmentOptions,
) -> Result<TagStats, DatasetError> {
    let dev_set = dev_ids(shared)?;
    let test_set = tag_test_ids(shared)?;
    let (mut train, mut dev, mut test) = (Vec::new(), Vec::new(), Vec::new());
    for id in corpus_ids(shared)? {
        let text = read(&shared.join(format!("corpus/ca4p/texts/{id}.txt")))?;
        let spans = read_spans(&shared.join(format!("corpus/ca4p/spans/{id}.jsonl")))?;
        let ex = tag_examples(&id, &text, &spans, opts);
        if dev_set.contains(&id) {
            dev.extend(ex);
            continue;
        }
        // Held out: never trained on, never used for model selection, so
        // its figures are honest.
        if test_set.contains(&id) {
            test.extend(ex);
        } else {
            train.extend(ex);
        }
    }
    std::fs::create_dir_all(out).map_err(|source| DatasetError::Io {
        path: out.into(),
        source,
    })?;
    let count =
        |ex: &[policyscan::tag::TagExample]| (ex.len(), ex.iter().map(|e| e.spans.len()).sum());
    for (name, ex) in [
        ("tag_train.jsonl", &train),
        ("tag_dev.jsonl", &dev),
        ("tag_test.jsonl", &test),
    ] {
        let mut body = String::new();
        for e in ex.iter() {
            body.push_str(&serde_json::to_string(e).expect("example serialises"));
            body.push('\n');
        }
        std::fs::write(out.join(name), body).map_err(|source| DatasetError::Io {
            path: out.join(name),
            source,
        })?;
    }
    Ok(TagStats {
        train: count(&train),
        dev: count(&dev),
        test: count(&test),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_handles_quotes_and_commas() {
        let rows = parse_csv("a,b,c\n\"x, \"\"y\"\"\",PC6,CR18#CR20\nz,PC1,\n");
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[1][0], "x, \"y\"");
        assert_eq!(rows[1][2], "CR18#CR20");
        assert_eq!(rows[2][2], "");
    }

    #[test]
    fn viodroid_rule_map() {
        assert_eq!(
            label_names(&viodroid_labels("PC5", "CR13")),
            vec!["collection"]
        );
        assert_eq!(
            label_names(&viodroid_labels("PC4", "CR8#CR10")),
            vec!["rights"]
        );
        assert_eq!(
            label_names(&viodroid_labels("PC7", "")),
            vec!["cross_border"]
        );
        assert!(viodroid_labels("PC2", "CR3").iter().all(|b| !b));
    }

    #[test]
    fn tag_targets_leave_markdown_marks_out() {
        let text = "我们会收集您的 _身份证号码_** 与 *手机号码* 以及 **家庭住址。**\n";
        let span = |start, end| Span {
            start,
            end,
            label: "data".to_string(),
        };
        let chars: Vec<char> = text.chars().collect();
        let at = |w: &str| {
            let s: String = chars.iter().collect();
            s[..s.find(w).unwrap()].chars().count()
        };
        let (id, sh, home) = (at("_身份"), at("*手机"), at("家庭"));
        // Gold as mapped onto the Markdown: marks inside the edges.
        let gold = vec![span(id, id + 9), span(sh, sh + 6), span(home, home + 4)];
        let ex = tag_examples("x", text, &gold, &SegmentOptions::default());
        assert_eq!(ex.len(), 1);
        let got: Vec<String> = ex[0]
            .spans
            .iter()
            .map(|&(a, b)| ex[0].text.chars().skip(a).take(b - a).collect())
            .collect();
        assert_eq!(got, vec!["身份证号码", "手机号码", "家庭住址"]);
    }

    #[test]
    fn line_spans_count_chars() {
        assert_eq!(line_char_spans("一二\n三\n"), vec![(0, 2), (3, 4), (5, 5)]);
    }
}
