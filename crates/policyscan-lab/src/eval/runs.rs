//! Two runs compared on the same lines: the `--dump` files of two `cv` (or
//! `eval --dev-lines`) runs, run A's model against run B's, with the paired
//! bootstrap over policies (`policyscan eval --compare A B`).
//!
//! Why: a recipe change is judged against the recipe it would replace on
//! the same folds. Two runs' macro-F1 side by side say nothing about how
//! much of the difference is noise; resampling the policies both were
//! scored on does. The dump files are what a run leaves behind, so any two
//! runs can be compared later without training again.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::eval::lines::ScoredLine;
use crate::eval::metrics::{self, PairedBootstrap, Report};
use policyscan::labels::{LabelSet, N_LABELS, parse_labels};

/// Why two dump files cannot be compared.
#[derive(Debug, thiserror::Error)]
pub enum CompareError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    /// A line of a dump file is not a scored line.
    #[error("{path}:{line}: {reason}")]
    Parse {
        path: PathBuf,
        line: usize,
        reason: String,
    },
    /// The two runs did not score the same lines with the same gold labels.
    #[error("the runs scored different lines: {0}")]
    Mismatch(String),
}

/// Both runs' reports on the same lines and the bootstrap of A − B.
#[derive(Debug, Clone, Serialize)]
pub struct RunComparison {
    pub policies: usize,
    pub a: Report,
    pub b: Report,
    pub a_minus_b: PairedBootstrap,
}

/// Each scored line's (gold, model) labels by (policy, line).
type ByLine = BTreeMap<(String, usize), (LabelSet, LabelSet)>;

/// One line of a dump file as `lines_jsonl` writes it.
#[derive(Deserialize)]
struct DumpLine {
    policy: String,
    line: usize,
    gold: Vec<String>,
    model: Vec<String>,
    baseline: Vec<String>,
    #[serde(default)]
    scores: Option<[f32; N_LABELS]>,
    #[serde(default)]
    member_scores: Vec<[f32; N_LABELS]>,
}

/// Every scored line of a `--dump` file.
pub fn read_dump(path: &Path) -> Result<Vec<ScoredLine>, CompareError> {
    let text = std::fs::read_to_string(path).map_err(|source| CompareError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let parse_err = |line: usize, reason: String| CompareError::Parse {
        path: path.to_path_buf(),
        line,
        reason,
    };
    let mut out = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        if raw.trim().is_empty() {
            continue;
        }
        let d: DumpLine = serde_json::from_str(raw).map_err(|e| parse_err(i + 1, e.to_string()))?;
        let labels = |names: &[String]| parse_labels(names).map_err(|e| parse_err(i + 1, e));
        out.push(ScoredLine {
            gold: labels(&d.gold)?,
            model: labels(&d.model)?,
            baseline: labels(&d.baseline)?,
            policy: d.policy,
            line: d.line,
            scores: d.scores,
            member_scores: d.member_scores,
        });
    }
    Ok(out)
}

/// Run A's model against run B's on the lines both scored. They must have
/// scored the same lines with the same gold labels: anything else compares
/// different questions.
pub fn compare_runs(
    a: &[ScoredLine],
    b: &[ScoredLine],
    resamples: usize,
    seed: u64,
) -> Result<RunComparison, CompareError> {
    let index = |lines: &[ScoredLine]| -> Result<ByLine, CompareError> {
        let mut m = BTreeMap::new();
        for l in lines {
            if m.insert((l.policy.clone(), l.line), (l.gold, l.model))
                .is_some()
            {
                return Err(CompareError::Mismatch(format!(
                    "policy {} line {} is scored twice in one run",
                    l.policy, l.line
                )));
            }
        }
        Ok(m)
    };
    let (ia, ib) = (index(a)?, index(b)?);
    if let Some(k) = ia.keys().find(|k| !ib.contains_key(*k)) {
        return Err(CompareError::Mismatch(format!(
            "policy {} line {} is in A only",
            k.0, k.1
        )));
    }
    if let Some(k) = ib.keys().find(|k| !ia.contains_key(*k)) {
        return Err(CompareError::Mismatch(format!(
            "policy {} line {} is in B only",
            k.0, k.1
        )));
    }
    let (mut group, mut gold, mut pa, mut pb) = (vec![], vec![], vec![], vec![]);
    for ((k, (ga, ma)), (gb, mb)) in ia.iter().zip(ib.values()) {
        if ga != gb {
            return Err(CompareError::Mismatch(format!(
                "policy {} line {} has other gold labels in B",
                k.0, k.1
            )));
        }
        group.push(k.0.as_str());
        gold.push(*ga);
        pa.push(*ma);
        pb.push(*mb);
    }
    let boot = metrics::paired_bootstrap(&group, &gold, &pa, &pb, resamples, seed);
    Ok(RunComparison {
        policies: boot.groups,
        a: metrics::report(&gold, &pa),
        b: metrics::report(&gold, &pb),
        a_minus_b: boot,
    })
}

/// Both runs side by side for the terminal: per-label F1, macro and micro
/// F1, and the bootstrap of A − B.
pub fn format_runs(c: &RunComparison) -> String {
    let mut s = format!("{:<14}{:>8}{:>8}{:>8}\n", "label", "A F1", "B F1", "A − B");
    for (la, lb) in c.a.labels.iter().zip(&c.b.labels) {
        s.push_str(&format!(
            "{:<14}{:>8.3}{:>8.3}{:>+8.3}\n",
            la.label,
            la.f1,
            lb.f1,
            la.f1 - lb.f1
        ));
    }
    let d = &c.a_minus_b;
    for (name, x, y, iv) in [
        ("macro-F1", c.a.macro_f1, c.b.macro_f1, d.macro_interval),
        ("micro-F1", c.a.micro_f1, c.b.micro_f1, d.micro_interval),
    ] {
        s.push_str(&format!(
            "{name:<14}{x:>8.3}{y:>8.3}{:>+8.3}  [{:+.3}, {:+.3}]\n",
            x - y,
            iv.0,
            iv.1
        ));
    }
    s.push_str(&format!(
        "({} lines of {} policies; 95 % intervals from {} resamples of the policies; \
         A ahead on macro-F1 in {:.0} % of them)\n",
        c.a.n,
        c.policies,
        d.resamples,
        100.0 * d.macro_a_ahead
    ));
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::lines::lines_jsonl;

    fn line(policy: &str, line: usize, gold: [bool; 6], model: [bool; 6]) -> ScoredLine {
        ScoredLine {
            policy: policy.into(),
            line,
            gold,
            model,
            baseline: [false; 6],
            scores: None,
            member_scores: Vec::new(),
        }
    }

    const C: [bool; 6] = [true, false, false, false, false, false];
    const NONE: [bool; 6] = [false; 6];

    #[test]
    fn a_dump_reads_back_as_it_was_written() {
        let mut lines = vec![line("p1", 3, C, NONE), line("p2", 7, NONE, C)];
        // A line with scores keeps them; one without stays without.
        lines[1].scores = Some([0.7, 0.1, 0.0, 0.25, 0.5, 1.0]);
        lines[1].member_scores = vec![[0.9, 0.1, 0.0, 0.3, 0.5, 1.0], [0.5; 6]];
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.jsonl");
        std::fs::write(&path, lines_jsonl(&lines)).unwrap();
        assert_eq!(read_dump(&path).unwrap(), lines);
    }

    #[test]
    fn a_bad_dump_line_is_named_by_file_and_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.jsonl");
        let good = lines_jsonl(&[line("p1", 1, C, C)]);
        std::fs::write(&path, good.replace("collection", "privacy")).unwrap();
        let e = read_dump(&path).unwrap_err().to_string();
        assert!(e.contains("a.jsonl:1") && e.contains("privacy"), "{e}");
    }

    #[test]
    fn the_better_run_is_ahead_whatever_order_the_lines_came_in() {
        // A gets every line of p1 and p2 right; B misses p2's.
        let gold = [("p1", 1, C), ("p1", 2, NONE), ("p2", 1, C), ("p2", 2, C)];
        let a: Vec<_> = gold.iter().map(|&(p, l, g)| line(p, l, g, g)).collect();
        let mut b: Vec<_> = gold
            .iter()
            .map(|&(p, l, g)| line(p, l, g, if p == "p2" { NONE } else { g }))
            .collect();
        b.reverse();
        let c = compare_runs(&a, &b, 200, 17).unwrap();
        assert_eq!(c.policies, 2);
        assert_eq!(c.a.labels[0].f1, 1.0);
        assert!(
            (c.b.labels[0].f1 - 0.5).abs() < 1e-9,
            "{}",
            c.b.labels[0].f1
        );
        assert!(c.a_minus_b.micro_diff > 0.0);
        assert!(format_runs(&c).contains("collection"));
    }

    #[test]
    fn runs_over_other_lines_or_other_gold_are_refused() {
        let a = vec![line("p1", 1, C, C), line("p1", 2, NONE, NONE)];
        let short = vec![line("p1", 1, C, C)];
        let e = compare_runs(&a, &short, 10, 1).unwrap_err().to_string();
        assert!(e.contains("p1 line 2 is in A only"), "{e}");
        let regold = vec![line("p1", 1, C, C), line("p1", 2, C, NONE)];
        let e = compare_runs(&a, &regold, 10, 1).unwrap_err().to_string();
        assert!(e.contains("other gold"), "{e}");
        let twice = vec![line("p1", 1, C, C), line("p1", 1, C, C)];
        assert!(compare_runs(&twice, &a, 10, 1).is_err());
    }
}
