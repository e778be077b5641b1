//! Line-level scoring of human-labelled policies, shared by `policyscan cv`
//! (every fold's held-out policies, then all out-of-fold lines together)
//! and its final check on the dev policies:
//!
//! - [`score_lines`]: the whole scan (segmenter → classifier, mapped back to
//!   lines by char offsets) and the keyword/heading baseline on the same
//!   body lines, as `eval --dev-lines` scores them;
//! - [`compare`]: both systems' reports and the paired bootstrap over
//!   policies;
//! - [`line_kinds`]: the segmenter's heading / toc / body calls against the
//!   readers' KIND column — rules only, so no fold is needed to keep it
//!   honest, only that no rule is written from the lines it is scored on.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::data::devset::{DevSet, HumanKind};
use crate::eval::baseline;
use crate::eval::metrics::{self, PairedBootstrap, Prf, Report, Tally};
use policyscan::classify::Classifier;
use policyscan::labels::{LabelSet, N_LABELS};
use policyscan::model::InferenceError;
use policyscan::model::batch::Input;
use policyscan::segment::{LineKind, Segment, SegmentOptions, classify_lines, lead_ins, segment};

/// One human body line with both systems' labels.
#[derive(Debug, Clone, PartialEq)]
pub struct ScoredLine {
    pub policy: String,
    /// 1-based line number.
    pub line: usize,
    pub gold: LabelSet,
    pub model: LabelSet,
    pub baseline: LabelSet,
    /// The classifier's score per label: the highest of the segments
    /// overlapping the line, so `model` is this score against the
    /// classifier's thresholds (0 where no segment covers the line). `None`
    /// when read from a dump written without scores.
    pub scores: Option<[f32; N_LABELS]>,
    /// Each member's score per label by the same rule, in manifest order
    /// (one entry for a single model): what an ensemble's weights and
    /// thresholds could be chosen from ([`crate::eval::ceiling`]).
    pub member_scores: Vec<[f32; N_LABELS]>,
}

/// Model and baseline on the same lines, and how sure the difference is.
#[derive(Debug, Clone, Serialize)]
pub struct Comparison {
    pub policies: usize,
    pub model: Report,
    pub baseline: Report,
    pub model_minus_baseline: PairedBootstrap,
}

/// The scan's inputs for one policy's segments, read as the scan reads
/// them (heading path, and lead-ins, which only members trained with them
/// read).
pub(crate) fn inputs<'a>(segs: &'a [Segment]) -> Vec<Input<'a>> {
    segs.iter()
        .zip(lead_ins(segs))
        .map(|(s, lead_in)| Input {
            heading_path: &s.heading_path,
            text: &s.text,
            lead_in,
        })
        .collect()
}

/// The union of the label sets of the segments `ids` (none with none).
fn line_union(sets: &[LabelSet], ids: &[usize]) -> LabelSet {
    std::array::from_fn(|l| ids.iter().any(|&i| sets[i][l]))
}

/// The highest score per label over the segments `ids` (0 with none).
fn line_max(scores: &[[f32; N_LABELS]], ids: &[usize]) -> [f32; N_LABELS] {
    let mut out = [0.0f32; N_LABELS];
    for s in ids.iter().map(|&i| &scores[i]) {
        for l in 0..N_LABELS {
            out[l] = out[l].max(s[l]);
        }
    }
    out
}

/// Score every body line of `set` with the whole scan of `clf` and with the
/// keyword/heading baseline. A line's labels are the union of the decisions
/// of the segments overlapping it, the same as its highest score against
/// each threshold; the scores are kept beside the labels.
pub fn score_lines(
    set: &DevSet,
    opts: &SegmentOptions,
    clf: &Classifier,
    batch_size: usize,
) -> Result<Vec<ScoredLine>, InferenceError> {
    let mut out = Vec::new();
    for p in &set.policies {
        let segs = segment(&p.text, opts);
        let members = clf.member_scores(&inputs(&segs), batch_size)?;
        let mixed = clf.mixed(&members);
        let base: Vec<LabelSet> = segs
            .iter()
            .map(|s| baseline::predict(&s.heading_path, &s.text))
            .collect();
        for b in p.body_lines(&segs) {
            let scores = line_max(&mixed, &b.segments);
            let model = if b.segments.is_empty() {
                [false; N_LABELS]
            } else {
                clf.decide(&scores)
            };
            out.push(ScoredLine {
                policy: p.id.clone(),
                line: b.line + 1,
                gold: b.gold,
                model,
                baseline: line_union(&base, &b.segments),
                scores: Some(scores),
                member_scores: members.iter().map(|m| line_max(m, &b.segments)).collect(),
            });
        }
    }
    Ok(out)
}

/// Reports of both systems over `lines` and the paired bootstrap of model
/// against baseline over their policies.
pub fn compare(lines: &[ScoredLine], resamples: usize, seed: u64) -> Comparison {
    let gold: Vec<LabelSet> = lines.iter().map(|l| l.gold).collect();
    let model: Vec<LabelSet> = lines.iter().map(|l| l.model).collect();
    let base: Vec<LabelSet> = lines.iter().map(|l| l.baseline).collect();
    let group: Vec<&str> = lines.iter().map(|l| l.policy.as_str()).collect();
    let boot = metrics::paired_bootstrap(&group, &gold, &model, &base, resamples, seed);
    Comparison {
        policies: boot.groups,
        model: metrics::report(&gold, &model),
        baseline: metrics::report(&gold, &base),
        model_minus_baseline: boot,
    }
}

/// Model and baseline side by side for the terminal: per-label P/R/F1 of
/// the model, F1 of the baseline, macro and micro F1, and the bootstrap.
pub fn format_comparison(c: &Comparison) -> String {
    let (m, b) = (&c.model, &c.baseline);
    let mut s = format!(
        "{:<14}{:>8}{:>8}{:>8}{:>10}{:>9}\n",
        "label", "P", "R", "F1", "base F1", "support"
    );
    for (lm, lb) in m.labels.iter().zip(&b.labels) {
        s.push_str(&format!(
            "{:<14}{:>8.3}{:>8.3}{:>8.3}{:>10.3}{:>9}\n",
            lm.label, lm.precision, lm.recall, lm.f1, lb.f1, lm.support
        ));
    }
    for (name, x, y) in [
        ("macro-F1", m.macro_f1, b.macro_f1),
        ("micro-F1", m.micro_f1, b.micro_f1),
    ] {
        s.push_str(&format!("{name:<14}{:>24.3}{y:>10.3}\n", x));
    }
    let d = &c.model_minus_baseline;
    s.push_str(&format!(
        "({} lines of {} policies)\nmodel − baseline, 95 % intervals from {} resamples of the policies:\n  \
         macro-F1 {:+.3} [{:+.3}, {:+.3}], model ahead in {:.0} % of resamples\n  \
         micro-F1 {:+.3} [{:+.3}, {:+.3}]\n",
        m.n,
        c.policies,
        d.resamples,
        d.macro_diff,
        d.macro_interval.0,
        d.macro_interval.1,
        100.0 * d.macro_a_ahead,
        d.micro_diff,
        d.micro_interval.0,
        d.micro_interval.1
    ));
    s
}

/// Every scored line as JSONL (`policy`, `line`, `gold`, `model`,
/// `baseline`, and where known `scores` and `member_scores`, arrays in
/// [`policyscan::labels::LABELS`] order), for error analysis and
/// `eval --compare` / `--ceiling`. Keys are in alphabetical order, as
/// before scores were kept, so a dump without them reads byte for byte as
/// it did.
pub fn lines_jsonl(lines: &[ScoredLine]) -> String {
    #[derive(Serialize)]
    struct Row<'a> {
        baseline: Vec<String>,
        gold: Vec<String>,
        line: usize,
        #[serde(skip_serializing_if = "<[_]>::is_empty")]
        member_scores: &'a [[f32; N_LABELS]],
        model: Vec<String>,
        policy: &'a str,
        #[serde(skip_serializing_if = "Option::is_none")]
        scores: Option<[f32; N_LABELS]>,
    }
    let names = policyscan::labels::label_names;
    lines
        .iter()
        .map(|l| {
            let row = Row {
                baseline: names(&l.baseline),
                gold: names(&l.gold),
                line: l.line,
                member_scores: &l.member_scores,
                model: names(&l.model),
                policy: &l.policy,
                scores: l.scores,
            };
            serde_json::to_string(&row).expect("a row serialises") + "\n"
        })
        .collect()
}

/// Precision/recall/F1 of one line kind.
#[derive(Debug, Clone, Serialize)]
pub struct KindScore {
    pub kind: HumanKind,
    #[serde(flatten)]
    pub prf: Prf,
}

/// A line the segmenter calls differently from the reader.
#[derive(Debug, Clone, Serialize)]
pub struct KindMiss {
    pub policy: String,
    /// 1-based line number.
    pub line: usize,
    pub gold: HumanKind,
    /// `heading`, `toc`, `body` or `blank`.
    pub pred: &'static str,
    pub text: String,
}

/// The segmenter's line kinds against the readers'.
#[derive(Debug, Clone, Serialize)]
pub struct KindReport {
    pub policies: usize,
    pub lines: usize,
    pub accuracy: f64,
    pub kinds: Vec<KindScore>,
    pub macro_f1: f64,
    /// Misses per policy, most first.
    pub misses_by_policy: Vec<(String, usize)>,
    pub misses: Vec<KindMiss>,
}

/// Name of the segmenter's call for a line.
fn kind_name(k: &LineKind) -> &'static str {
    match k {
        LineKind::Heading { .. } => "heading",
        LineKind::Toc => "toc",
        LineKind::Body => "body",
        LineKind::Blank => "blank",
    }
}

/// Score the segmenter's line kinds on every labelled line of `set`.
pub fn line_kinds(set: &DevSet) -> KindReport {
    const KINDS: [(HumanKind, &str); 3] = [
        (HumanKind::Heading, "heading"),
        (HumanKind::Toc, "toc"),
        (HumanKind::Body, "body"),
    ];
    let mut counts = [[0usize; 3]; 3]; // per kind: tp, fp, fn
    let mut misses = Vec::new();
    let mut lines = 0;
    for p in &set.policies {
        let pred = classify_lines(&p.text);
        let texts: Vec<&str> = p.text.split('\n').collect();
        for &(no, gold) in &p.kinds {
            let got = pred.get(no).map_or("blank", kind_name);
            lines += 1;
            for (k, (kind, name)) in KINDS.iter().enumerate() {
                match (gold == *kind, got == *name) {
                    (true, true) => counts[k][0] += 1,
                    (false, true) => counts[k][1] += 1,
                    (true, false) => counts[k][2] += 1,
                    _ => {}
                }
            }
            let gold_name = KINDS.iter().find(|(k, _)| *k == gold).map(|x| x.1);
            if gold_name != Some(got) {
                misses.push(KindMiss {
                    policy: p.id.clone(),
                    line: no + 1,
                    gold,
                    pred: got,
                    text: texts.get(no).unwrap_or(&"").chars().take(80).collect(),
                });
            }
        }
    }
    let kinds: Vec<KindScore> = KINDS
        .iter()
        .zip(&counts)
        .map(|((kind, _), c)| KindScore {
            kind: *kind,
            prf: Tally::confusion(c[0], c[1], c[2]).prf(),
        })
        .collect();
    let mut by_policy: BTreeMap<String, usize> = BTreeMap::new();
    for m in &misses {
        *by_policy.entry(m.policy.clone()).or_default() += 1;
    }
    let mut misses_by_policy: Vec<(String, usize)> = by_policy.into_iter().collect();
    misses_by_policy.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    KindReport {
        policies: set.policies.len(),
        lines,
        accuracy: if lines == 0 {
            0.0
        } else {
            (lines - misses.len()) as f64 / lines as f64
        },
        macro_f1: kinds.iter().map(|k| k.prf.f1).sum::<f64>() / kinds.len() as f64,
        kinds,
        misses_by_policy,
        misses,
    }
}

/// The line-kind report as a table for the terminal.
pub fn format_kinds(r: &KindReport) -> String {
    let mut s = format!(
        "{:<10}{:>8}{:>8}{:>8}{:>8}{:>8}\n",
        "kind", "P", "R", "F1", "gold", "pred"
    );
    for k in &r.kinds {
        let name = serde_json::to_value(k.kind).expect("kind serialises");
        s.push_str(&format!(
            "{:<10}{:>8.3}{:>8.3}{:>8.3}{:>8}{:>8}\n",
            name.as_str().unwrap_or(""),
            k.prf.precision,
            k.prf.recall,
            k.prf.f1,
            k.prf.gold,
            k.prf.pred
        ));
    }
    s.push_str(&format!(
        "macro-F1 {:.3}, accuracy {:.3} ({} lines of {} policies; {} misses)\n",
        r.macro_f1,
        r.accuracy,
        r.lines,
        r.policies,
        r.misses.len()
    ));
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::devset::DevPolicy;

    #[test]
    fn line_kinds_count_each_kind_one_against_the_rest() {
        let p = DevPolicy {
            id: "p".into(),
            text: "一、我们如何收集信息\n我们收集您的手机号码。\n\n二、我们如何使用Cookie\n我们使用Cookie记住登录状态。\n"
                .into(),
            body: vec![],
            // Line 4 marked a TOC entry by the reader, a heading by the segmenter.
            kinds: vec![
                (0, HumanKind::Heading),
                (1, HumanKind::Body),
                (3, HumanKind::Toc),
                (4, HumanKind::Body),
            ],
        };
        let r = line_kinds(&DevSet { policies: vec![p] });
        assert_eq!(r.lines, 4);
        assert_eq!(r.misses.len(), 1, "{:?}", r.misses);
        assert_eq!((r.misses[0].line, r.misses[0].pred), (4, "heading"));
        let (heading, toc) = (&r.kinds[0].prf, &r.kinds[1].prf);
        assert_eq!((heading.gold, heading.pred), (1, 2));
        assert_eq!((toc.gold, toc.pred, toc.f1), (1, 0, 0.0));
        assert!((r.accuracy - 3.0 / 4.0).abs() < 1e-12);
        assert_eq!(r.misses_by_policy, vec![("p".to_string(), 1)]);
    }
}
