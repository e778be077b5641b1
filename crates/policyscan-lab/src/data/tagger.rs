//! `policyscan dataset`, the tagger's part: the data-mention tagger's
//! examples (`tag_train.jsonl`, `tag_dev.jsonl`, `tag_test.jsonl`) from the
//! CA4P `data` spans. Each example is one segment as the scan sees it (our
//! segmenter), so the tagger trains on the inputs it will be given, with the
//! human spans inside it. Split by policy: the 12 dev policies for model
//! selection, every 8th other policy ([`super::tag_test_ids`]) held out for
//! honest test figures.

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::{
    DatasetError, Span, corpus_ids, create_out, dev_ids, policy_spans, policy_text, tag_test_ids,
};
use policyscan::segment::{SegmentOptions, segment};

/// One training or evaluation example: a segment and its gold spans (char
/// offsets into `text`, end exclusive). The JSONL format of the
/// `tag_*.jsonl` files `policyscan dataset` writes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TagExample {
    pub text: String,
    pub spans: Vec<(usize, usize)>,
    /// Where the segment came from (a policy id), for splits and reports.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
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
) -> Vec<TagExample> {
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
        out.push(TagExample {
            text: s.text,
            spans: first_of_overlaps(data),
            source: Some(id.to_string()),
        });
    }
    out
}

/// Nested or overlapping gold spans cannot all be BIO-tagged: keep the
/// first of each overlapping run of the sorted `spans`.
fn first_of_overlaps(spans: Vec<(usize, usize)>) -> Vec<(usize, usize)> {
    let mut kept: Vec<(usize, usize)> = Vec::new();
    for d in spans {
        if kept.last().is_none_or(|k| d.0 >= k.1) {
            kept.push(d);
        }
    }
    kept
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

/// Example counts of the tagger's three files: (examples, spans) each.
#[derive(Debug, Default)]
pub struct TagStats {
    pub train: (usize, usize),
    pub dev: (usize, usize),
    pub test: (usize, usize),
}

/// Write `examples` as JSONL to `out/name`.
fn write_tag_examples(out: &Path, name: &str, examples: &[TagExample]) -> Result<(), DatasetError> {
    let mut body = String::new();
    for e in examples {
        body.push_str(&serde_json::to_string(e).expect("example serialises"));
        body.push('\n');
    }
    std::fs::write(out.join(name), body).map_err(|source| DatasetError::Io {
        path: out.join(name),
        source,
    })
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
        let text = policy_text(shared, &id)?;
        let spans = policy_spans(shared, &id)?;
        let ex = tag_examples(&id, &text, &spans, opts);
        // Test policies are held out: never trained on, never used for
        // model selection, so their figures are honest.
        if dev_set.contains(&id) {
            dev.extend(ex);
        } else if test_set.contains(&id) {
            test.extend(ex);
        } else {
            train.extend(ex);
        }
    }
    create_out(out)?;
    write_tag_examples(out, "tag_train.jsonl", &train)?;
    write_tag_examples(out, "tag_dev.jsonl", &dev)?;
    write_tag_examples(out, "tag_test.jsonl", &test)?;
    let count = |ex: &[TagExample]| (ex.len(), ex.iter().map(|e| e.spans.len()).sum());
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
    fn overlapping_gold_keeps_the_first_of_each_run() {
        assert_eq!(
            first_of_overlaps(vec![(0, 4), (2, 6), (4, 8), (9, 10)]),
            vec![(0, 4), (4, 8), (9, 10)]
        );
    }
}
