//! How far the checklist a regulator reads moves with the segment labels.
//!
//! Each human-labelled policy's checklist is built three times, exactly as
//! a scan builds it ([`policyscan::scan::rows`]), from the same segments and
//! the same extracted entities, with three sets of segment labels: the
//! human readers' (a segment's labels are the union of the body lines it
//! overlaps, as training takes them), the classifier's, and the
//! keyword/heading baseline's. A row of the classifier's or the baseline's
//! checklist *agrees* when its status is the one the human labels give.
//!
//! Why: line-level F1 says how often a label is right, but a regulator
//! reads statuses — Art. 17 retention `missing`, Art. 31 minors `present`.
//! Most items need one well-placed segment, so a label error may change
//! nothing or flip an item. Only the labels' share of checklist errors is
//! measured: extraction, heading rules and the checklist's own rules are
//! the same in all three checklists, so their errors do not show here.
//!
//! No tagger: its data mentions are gated by the labels, which would mix a
//! second effect in; the checklists are those of a `--no-tagger` scan.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::data::devset::{DevPolicy, DevSet};
use crate::data::line_char_spans;
use crate::eval::baseline;
use crate::eval::lines::{ScoredLine, inputs, score_lines};
use crate::train::distill::{TeacherError, teacher_policies};
use policyscan::check::Status;
use policyscan::classify::Classifier;
use policyscan::extract::Extractor;
use policyscan::labels::{LabelSet, N_LABELS};
use policyscan::model::{InferenceError, ModelError};
use policyscan::rng::SplitMix64;
use policyscan::scan::rows::{Identity, Scanned, push_policy_rows};
use policyscan::segment::{Segment, SegmentOptions, segment};
use policyscan::table::Rows;

/// Why the checklists could not be built.
#[derive(Debug, thiserror::Error)]
pub enum ChecklistError {
    #[error(transparent)]
    Model(#[from] ModelError),
    #[error(transparent)]
    Inference(#[from] InferenceError),
    #[error(transparent)]
    Teacher(#[from] TeacherError),
    #[error("{path}: {reason}")]
    Folds { path: String, reason: String },
}

/// One checklist item of one policy under the three sets of labels.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Judged {
    pub policy: String,
    pub item: String,
    pub human: &'static str,
    pub model: &'static str,
    pub baseline: &'static str,
}

/// The checklist statuses of a policy's segments labelled `labels`, in
/// item order.
fn statuses(
    id: &str,
    segs: &[Segment],
    entities: &[Vec<policyscan::Entity>],
    labels: &[LabelSet],
) -> Vec<(String, Status)> {
    let none = vec![Vec::new(); segs.len()];
    let scores: Vec<[f32; N_LABELS]> = labels
        .iter()
        .map(|l| std::array::from_fn(|i| if l[i] { 1.0 } else { 0.0 }))
        .collect();
    let mut rows = Rows::default();
    let scanned = Scanned {
        segments: segs,
        entities,
        mentions: &none,
        scores: &scores,
        decided: labels,
    };
    let id = Identity {
        policy_id: id.to_string(),
        ..Identity::default()
    };
    push_policy_rows(&mut rows, id, &scanned);
    rows.checklist
        .into_iter()
        .map(|r| (r.item, r.status))
        .collect()
}

/// Policy `p`'s checklist under its human labels, under `model` (one label
/// set per segment of `segs`, its scan) and under the baseline's labels.
pub fn judge(p: &DevPolicy, segs: &[Segment], model: &[LabelSet], ex: &Extractor) -> Vec<Judged> {
    let spans = line_char_spans(&p.text);
    let human: Vec<LabelSet> = segs.iter().map(|s| p.segment_labels(s, &spans)).collect();
    let base: Vec<LabelSet> = segs
        .iter()
        .map(|s| baseline::predict(&s.heading_path, &s.text))
        .collect();
    let entities: Vec<_> = segs
        .iter()
        .map(|s| ex.extract(&s.text, &s.heading_path))
        .collect();
    let h = statuses(&p.id, segs, &entities, &human);
    let m = statuses(&p.id, segs, &entities, model);
    let b = statuses(&p.id, segs, &entities, &base);
    h.into_iter()
        .zip(m.into_iter().zip(b))
        .map(|((item, h), ((_, m), (_, b)))| Judged {
            policy: p.id.clone(),
            item,
            human: h.as_str(),
            model: m.as_str(),
            baseline: b.as_str(),
        })
        .collect()
}

/// [`judge`] for every policy of `set`, the model labels decided by `clf`
/// on the policy's scan, as the scan decides them (lead-ins go to the
/// members that read them).
pub fn judge_set(
    set: &DevSet,
    opts: &SegmentOptions,
    ex: &Extractor,
    clf: &Classifier,
    batch_size: usize,
) -> Result<Vec<Judged>, InferenceError> {
    let mut out = Vec::new();
    for p in &set.policies {
        let segs = segment(&p.text, opts);
        let decided: Vec<LabelSet> = clf
            .score(&inputs(&segs), batch_size)?
            .iter()
            .map(|s| clf.decide(s))
            .collect();
        out.extend(judge(p, &segs, &decided, ex));
    }
    Ok(out)
}

/// The fold folders of a `cv --work` folder (`fold-*`, each an ensemble
/// with its `trained.json`) and, for each, the policies of `set` it neither
/// fit nor chose anything on. Every policy of `set` must be held out by
/// exactly one fold, or the figure would not be out of fold.
pub fn held_out_by_fold(
    work: &Path,
    set: &DevSet,
) -> Result<Vec<(PathBuf, DevSet)>, ChecklistError> {
    let bad = |reason: String| ChecklistError::Folds {
        path: work.display().to_string(),
        reason,
    };
    let mut folds: Vec<PathBuf> = std::fs::read_dir(work)
        .map_err(|e| bad(e.to_string()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.is_dir()
                && p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with("fold-"))
        })
        .collect();
    folds.sort();
    if folds.is_empty() {
        return Err(bad(
            "no fold-* folder: pass the --work folder of a `policyscan cv` run".into(),
        ));
    }
    let mut times_held: BTreeMap<String, usize> = BTreeMap::new();
    let mut out = Vec::new();
    for fold in folds {
        let seen = teacher_policies(&fold)?;
        let ids: Vec<String> = set
            .policies
            .iter()
            .map(|p| p.id.clone())
            .filter(|id| !seen.contains(id))
            .collect();
        for id in &ids {
            *times_held.entry(id.clone()).or_default() += 1;
        }
        out.push((fold, set.select(&ids)));
    }
    for p in &set.policies {
        match times_held.get(&p.id).copied().unwrap_or(0) {
            1 => {}
            n => {
                return Err(bad(format!(
                    "policy {} is held out by {n} folds, not exactly one: another run's folds, \
                     or a fold folder missing",
                    p.id
                )));
            }
        }
    }
    Ok(out)
}

/// [`judge_set`] out of fold: each fold's ensemble on its held-out
/// policies ([`held_out_by_fold`]). Also the same models' lines, scored as
/// `policyscan cv` scores them, so that the run the folds came from can be
/// recognised by its out-of-fold F1.
pub fn judge_folds(
    work: &Path,
    set: &DevSet,
    opts: &SegmentOptions,
    ex: &Extractor,
    max_tokens: usize,
    batch_size: usize,
) -> Result<(Vec<Judged>, Vec<ScoredLine>), ChecklistError> {
    let (mut judged, mut lines) = (Vec::new(), Vec::new());
    for (fold, held_out) in held_out_by_fold(work, set)? {
        let clf = Classifier::from_dir(&fold, max_tokens)?;
        judged.extend(judge_set(&held_out, opts, ex, &clf, batch_size)?);
        lines.extend(score_lines(&held_out, opts, &clf, batch_size)?);
    }
    Ok((judged, lines))
}

/// Agreement with the human-label checklist, for one item or all.
#[derive(Debug, Clone, Serialize)]
pub struct Agreement {
    pub item: String,
    pub rows: usize,
    /// Rows per status under the human labels, in [`Status::ALL`] order.
    pub human: [usize; 4],
    pub model_agrees: usize,
    pub baseline_agrees: usize,
}

/// How each system's statuses spread against the human-label ones.
#[derive(Debug, Clone, Serialize)]
pub struct ChecklistReport {
    pub policies: usize,
    pub items: Vec<Agreement>,
    pub all: Agreement,
    /// `confusion[h][s]`: rows with status `h` under the human labels and
    /// `s` under the model's, statuses in [`Status::ALL`] order.
    pub model_confusion: [[usize; 4]; 4],
    pub baseline_confusion: [[usize; 4]; 4],
    /// Model agreement minus baseline agreement over all rows.
    pub model_minus_baseline: f64,
    /// 2.5th and 97.5th percentiles of that difference over resamples of
    /// the policies.
    pub interval: (f64, f64),
    pub resamples: usize,
}

fn status_index(s: &str) -> usize {
    Status::ALL
        .iter()
        .position(|x| x.as_str() == s)
        .expect("a status the checklist wrote")
}

fn agreement(item: &str, rows: &[&Judged]) -> Agreement {
    let mut human = [0; 4];
    for r in rows {
        human[status_index(r.human)] += 1;
    }
    Agreement {
        item: item.to_string(),
        rows: rows.len(),
        human,
        model_agrees: rows.iter().filter(|r| r.model == r.human).count(),
        baseline_agrees: rows.iter().filter(|r| r.baseline == r.human).count(),
    }
}

/// Agreement per item and overall, and the paired bootstrap over policies
/// of the model's agreement against the baseline's. Deterministic for a
/// given `seed`.
pub fn report(judged: &[Judged], resamples: usize, seed: u64) -> ChecklistReport {
    let mut by_item: BTreeMap<&str, Vec<&Judged>> = BTreeMap::new();
    let mut by_policy: BTreeMap<&str, (usize, i64)> = BTreeMap::new();
    let (mut mc, mut bc) = ([[0; 4]; 4], [[0; 4]; 4]);
    for j in judged {
        by_item.entry(&j.item).or_default().push(j);
        let e = by_policy.entry(&j.policy).or_default();
        e.0 += 1;
        e.1 += (j.model == j.human) as i64 - (j.baseline == j.human) as i64;
        mc[status_index(j.human)][status_index(j.model)] += 1;
        bc[status_index(j.human)][status_index(j.baseline)] += 1;
    }
    // Items in checklist order (the order of the first policy's rows).
    let mut items: Vec<Agreement> = Vec::new();
    for j in judged {
        if !items.iter().any(|a| a.item == j.item) {
            items.push(agreement(&j.item, &by_item[j.item.as_str()]));
        }
    }
    let per_policy: Vec<(usize, i64)> = by_policy.into_values().collect();
    let diff = |draw: &mut dyn Iterator<Item = &(usize, i64)>| {
        let (n, d) = draw.fold((0usize, 0i64), |(n, d), &(pn, pd)| (n + pn, d + pd));
        if n == 0 { 0.0 } else { d as f64 / n as f64 }
    };
    let mut rng = SplitMix64::new(seed);
    let k = per_policy.len();
    let mut draws: Vec<f64> = (0..resamples)
        .map(|_| diff(&mut (0..k).map(|_| &per_policy[rng.below(k)])))
        .collect();
    ChecklistReport {
        policies: k,
        all: agreement("all", &judged.iter().collect::<Vec<_>>()),
        items,
        model_confusion: mc,
        baseline_confusion: bc,
        model_minus_baseline: diff(&mut per_policy.iter()),
        interval: crate::eval::metrics::interval95(&mut draws),
        resamples,
    }
}

/// The report as terminal tables.
pub fn format(r: &ChecklistReport) -> String {
    let pct = |a: usize, n: usize| 100.0 * a as f64 / n.max(1) as f64;
    let mut s = format!(
        "{:<34}{:>6}{:>30}{:>9}{:>10}\n",
        "item", "rows", "human: pres/part/miss/n.a.", "model %", "baseline %"
    );
    for a in r.items.iter().chain(std::iter::once(&r.all)) {
        let h = format!(
            "{}/{}/{}/{}",
            a.human[0], a.human[1], a.human[2], a.human[3]
        );
        s.push_str(&format!(
            "{:<34}{:>6}{:>30}{:>9.1}{:>10.1}\n",
            a.item,
            a.rows,
            h,
            pct(a.model_agrees, a.rows),
            pct(a.baseline_agrees, a.rows)
        ));
    }
    s.push_str(&format!(
        "({} policies) model − baseline agreement {:+.1} points, 95 % interval [{:+.1}, {:+.1}] \
         from {} resamples of the policies\n",
        r.policies,
        100.0 * r.model_minus_baseline,
        100.0 * r.interval.0,
        100.0 * r.interval.1,
        r.resamples
    ));
    for (name, c) in [
        ("model", &r.model_confusion),
        ("baseline", &r.baseline_confusion),
    ] {
        s.push_str(&format!(
            "\n{name}: rows by human-label status (down) and {name} status (across)\n{:<16}",
            ""
        ));
        for st in Status::ALL {
            s.push_str(&format!("{:>16}", st.as_str()));
        }
        s.push('\n');
        for (st, row) in Status::ALL.iter().zip(c) {
            s.push_str(&format!("{:<16}", st.as_str()));
            for n in row {
                s.push_str(&format!("{n:>16}"));
            }
            s.push('\n');
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use policyscan::labels::parse_labels;

    /// A two-line policy whose one body line a reader labelled `collection`.
    fn policy() -> DevPolicy {
        DevPolicy {
            id: "p1".into(),
            text: "# 隐私政策\n我们收集您的手机号码，用于账号注册和登录。\n".into(),
            body: vec![(1, parse_labels(&["collection"]).unwrap())],
            kinds: Vec::new(),
        }
    }

    fn item<'a>(judged: &'a [Judged], id: &str) -> &'a Judged {
        judged.iter().find(|j| j.item == id).expect("item checked")
    }

    #[test]
    fn the_checklist_follows_the_labels_it_is_given() {
        let ex = Extractor::new().unwrap();
        let p = policy();
        let segs = segment(&p.text, &SegmentOptions::default());
        assert_eq!(segs.len(), 1);
        let human: Vec<LabelSet> = segs
            .iter()
            .map(|s| p.segment_labels(s, &line_char_spans(&p.text)))
            .collect();
        let same = judge(&p, &segs, &human, &ex);
        assert!(same.len() > 20, "one row per checklist item");
        assert!(same.iter().all(|j| j.model == j.human));
        assert_eq!(item(&same, "art17.purposes").human, "present");
        // Without the collection label, the purpose goes unread.
        let blind = judge(&p, &segs, &[[false; N_LABELS]], &ex);
        let purposes = item(&blind, "art17.purposes");
        assert_eq!((purposes.human, purposes.model), ("present", "missing"));
        let r = report(&blind, 200, 1);
        assert!(r.all.model_agrees < r.all.rows);
    }

    fn row(policy: &str, item: &str, human: &'static str, model: &'static str) -> Judged {
        Judged {
            policy: policy.into(),
            item: item.into(),
            human,
            model,
            baseline: human,
        }
    }

    #[test]
    fn report_counts_agreement_per_item_and_bootstraps_over_policies() {
        let judged = vec![
            row("a", "x", "present", "present"),
            row("a", "y", "missing", "present"),
            row("b", "x", "partial", "partial"),
            row("b", "y", "not_applicable", "not_applicable"),
        ];
        let r = report(&judged, 500, 3);
        assert_eq!(r.policies, 2);
        assert_eq!(
            r.items.iter().map(|a| a.item.as_str()).collect::<Vec<_>>(),
            ["x", "y"]
        );
        assert_eq!((r.items[1].rows, r.items[1].model_agrees), (2, 1));
        assert_eq!(r.items[1].human, [0, 0, 1, 1]);
        assert_eq!((r.all.model_agrees, r.all.baseline_agrees), (3, 4));
        assert_eq!(r.model_confusion[2][0], 1, "a missing item read as present");
        assert!((r.model_minus_baseline + 0.25).abs() < 1e-9);
        // Resamples draw policy a (−0.5) or b (0) only.
        assert!(r.interval.0 >= -0.5 && r.interval.1 <= 0.0);
        assert_eq!(report(&judged, 500, 3).interval, r.interval);
    }

    fn fold(work: &Path, name: &str, seen: &[&str]) {
        let dir = work.join(name);
        std::fs::create_dir_all(&dir).unwrap();
        let record = serde_json::json!({"fit": seen, "inner": []});
        std::fs::write(dir.join("trained.json"), record.to_string()).unwrap();
    }

    fn set(ids: &[&str]) -> DevSet {
        DevSet {
            policies: ids
                .iter()
                .map(|id| DevPolicy {
                    id: id.to_string(),
                    ..policy()
                })
                .collect(),
        }
    }

    #[test]
    fn each_policy_is_judged_by_the_one_fold_that_held_it_out() {
        let work = tempfile::tempdir().unwrap();
        fold(work.path(), "fold-0", &["b", "c"]);
        fold(work.path(), "fold-1", &["a"]);
        std::fs::create_dir(work.path().join("logs")).unwrap();
        let split = held_out_by_fold(work.path(), &set(&["a", "b", "c"])).unwrap();
        let ids: Vec<Vec<String>> = split
            .iter()
            .map(|(_, s)| s.policies.iter().map(|p| p.id.clone()).collect())
            .collect();
        assert_eq!(ids, [vec!["a".to_string()], vec!["b".into(), "c".into()]]);
        assert!(split[0].0.ends_with("fold-0"));
        // `d` is held out by both folds: not one out-of-fold figure.
        let err = held_out_by_fold(work.path(), &set(&["a", "d"])).unwrap_err();
        assert!(
            err.to_string().contains("policy d is held out by 2 folds"),
            "{err}"
        );
        let empty = tempfile::tempdir().unwrap();
        let err = held_out_by_fold(empty.path(), &set(&["a"])).unwrap_err();
        assert!(err.to_string().contains("no fold-*"), "{err}");
    }
}
