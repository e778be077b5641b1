//! The ceiling of the choices: how far a run's per-label thresholds, and
//! its members' weights, are from the best ones *for the very lines it was
//! scored on* (`policyscan eval --ceiling DUMP`).
//!
//! Why: when a recipe stops improving, the question is whether the misses
//! are in what the models rank or in where the lines are cut. Choosing
//! thresholds (0.05 grid) and mixes (0.1 grid) on the lines a run is scored
//! on shows the most any choice rule could add: if that is small, better
//! rules for choosing cannot close a gap and only better scores can. The
//! figures are chosen on the data they are measured on, so they are an upper
//! bound to read beside the run's own figure, never a figure of a model.

use serde::Serialize;

use policyscan::labels::{LabelSet, N_LABELS};

use super::lines::ScoredLine;
use super::metrics::{self, Report, decide, tune_thresholds};
use super::weights::mixes;

/// Why a dump has no ceiling.
#[derive(Debug, thiserror::Error)]
pub enum CeilingError {
    #[error("no scored lines")]
    Empty,
    #[error("policy {policy} line {line} has no scores: the dump was written without them")]
    NoScores { policy: String, line: usize },
}

/// A run's figures as decided, and at the best choices on its own lines.
#[derive(Debug, Clone, Serialize)]
pub struct Ceiling {
    /// The run as it decided.
    pub decided: Report,
    /// Its scores at the per-label thresholds best on these lines.
    pub best_thresholds: Report,
    pub thresholds: [f32; N_LABELS],
    /// Per label, the best member mix and threshold on these lines (an
    /// ensemble's dump only). A line's member scores are each the highest
    /// over its segments, so on a line of several segments the mix is of
    /// those highest scores.
    pub best_mix: Option<BestMix>,
}

/// The best mix of members per label.
#[derive(Debug, Clone, Serialize)]
pub struct BestMix {
    pub report: Report,
    /// Per label, each member's weight.
    pub weights: [Vec<f32>; N_LABELS],
    pub thresholds: [f32; N_LABELS],
}

/// The ceiling of `lines` (a `--dump` with scores).
pub fn ceiling(lines: &[ScoredLine]) -> Result<Ceiling, CeilingError> {
    if lines.is_empty() {
        return Err(CeilingError::Empty);
    }
    let mut scores = Vec::with_capacity(lines.len());
    for l in lines {
        scores.push(l.scores.ok_or_else(|| CeilingError::NoScores {
            policy: l.policy.clone(),
            line: l.line,
        })?);
    }
    let gold: Vec<LabelSet> = lines.iter().map(|l| l.gold).collect();
    let model: Vec<LabelSet> = lines.iter().map(|l| l.model).collect();
    let thresholds = tune_thresholds(&gold, &scores);
    let members = lines[0].member_scores.len();
    let best_mix = (members >= 2 && lines.iter().all(|l| l.member_scores.len() == members))
        .then(|| best_mix(lines, &gold, members));
    Ok(Ceiling {
        decided: metrics::report(&gold, &model),
        best_thresholds: metrics::report(&gold, &decide(&scores, &thresholds)),
        thresholds,
        best_mix,
    })
}

/// Every mix on the weight grid, each at its best thresholds; per label the
/// mix of the highest F1 (ties keep the earlier mix of the grid), with the
/// decisions it makes kept as it is found.
fn best_mix(lines: &[ScoredLine], gold: &[LabelSet], members: usize) -> BestMix {
    let mut best: [(f64, usize, f32); N_LABELS] = [(-1.0, 0, 0.5); N_LABELS];
    let mut pred: Vec<LabelSet> = vec![[false; N_LABELS]; lines.len()];
    let grid = mixes(members);
    for (i, w) in grid.iter().enumerate() {
        let scores: Vec<[f32; N_LABELS]> = lines
            .iter()
            .map(|l| {
                std::array::from_fn(|j| (0..members).map(|k| w[k] * l.member_scores[k][j]).sum())
            })
            .collect();
        let t = tune_thresholds(gold, &scores);
        let decided = decide(&scores, &t);
        let r = metrics::report(gold, &decided);
        for (l, b) in best.iter_mut().enumerate() {
            if r.labels[l].f1 > b.0 + 1e-12 {
                *b = (r.labels[l].f1, i, t[l]);
                for (p, d) in pred.iter_mut().zip(&decided) {
                    p[l] = d[l];
                }
            }
        }
    }
    BestMix {
        report: metrics::report(gold, &pred),
        weights: std::array::from_fn(|l| grid[best[l].1].clone()),
        thresholds: std::array::from_fn(|l| best[l].2),
    }
}

/// The ceiling for the terminal: per label, F1 as decided, at the best
/// thresholds and at the best mix, then macro and micro F1.
pub fn format(c: &Ceiling) -> String {
    let mut s = format!(
        "{:<14}{:>9}{:>12}{:>8}{:>10}{:>8}{:>12}\n",
        "label", "decided", "best thr.", "at", "best mix", "at", "weights"
    );
    for l in 0..N_LABELS {
        let d = &c.decided.labels[l];
        s.push_str(&format!(
            "{:<14}{:>9.3}{:>12.3}{:>8.2}",
            d.label, d.f1, c.best_thresholds.labels[l].f1, c.thresholds[l]
        ));
        if let Some(m) = &c.best_mix {
            let w: Vec<String> = m.weights[l].iter().map(|x| format!("{x:.1}")).collect();
            s.push_str(&format!(
                "{:>10.3}{:>8.2}{:>12}",
                m.report.labels[l].f1,
                m.thresholds[l],
                w.join("/")
            ));
        }
        s.push('\n');
    }
    let mix = |f: fn(&Report) -> f64| {
        c.best_mix
            .as_ref()
            .map_or(String::new(), |m| format!("{:>10.3}", f(&m.report)))
    };
    for (name, f) in [
        ("macro-F1", (|r: &Report| r.macro_f1) as fn(&Report) -> f64),
        ("micro-F1", |r: &Report| r.micro_f1),
    ] {
        s.push_str(&format!(
            "{name:<14}{:>9.3}{:>12.3}{:>8}{}\n",
            f(&c.decided),
            f(&c.best_thresholds),
            "",
            mix(f)
        ));
    }
    s.push_str(&format!(
        "({} lines) Chosen on the lines they are scored on: an upper bound on what choosing\n\
         thresholds or member weights could add, not a figure of any model.\n",
        c.decided.n
    ));
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A line of policy `p` whose label 0 is `gold`, scored `s0` by member
    /// 0 and `s1` by member 1, decided on their mean against 0.5.
    fn line(p: &str, n: usize, gold: bool, s0: f32, s1: f32) -> ScoredLine {
        let on =
            |x: f32| -> [f32; N_LABELS] { std::array::from_fn(|l| if l == 0 { x } else { 0.0 }) };
        let mean = (s0 + s1) / 2.0;
        ScoredLine {
            policy: p.into(),
            line: n,
            gold: std::array::from_fn(|l| l == 0 && gold),
            model: std::array::from_fn(|l| l == 0 && mean >= 0.5),
            baseline: [false; N_LABELS],
            scores: Some(on(mean)),
            member_scores: vec![on(s0), on(s1)],
        }
    }

    #[test]
    fn the_ceiling_finds_the_threshold_and_the_mix_a_run_missed() {
        // Member 0 ranks every line right but low; member 1 scores a third
        // of the lines the wrong way round, loudly.
        let lines: Vec<ScoredLine> = (0..30)
            .map(|i| {
                let gold = i % 2 == 0;
                let s1 = match (i % 3 == 0, gold) {
                    (true, false) => 0.9,
                    (true, true) => 0.0,
                    _ => 0.1,
                };
                line("p", i + 1, gold, if gold { 0.6 } else { 0.2 }, s1)
            })
            .collect();
        let c = ceiling(&lines).unwrap();
        let (decided, thr) = (c.decided.labels[0].f1, c.best_thresholds.labels[0].f1);
        assert_eq!(decided, 0.0, "the mean never reaches 0.5 on a positive");
        assert!(
            thr > decided && thr < 1.0,
            "{thr}: the mean cannot separate them"
        );
        let m = c.best_mix.as_ref().unwrap();
        assert_eq!(m.report.labels[0].f1, 1.0);
        assert!(m.weights[0][0] >= 0.7, "{:?}", m.weights[0]);
        assert!(format(&c).contains("upper bound"));
    }

    #[test]
    fn a_dump_without_scores_is_refused_by_line() {
        let mut lines = vec![line("p", 1, true, 0.9, 0.9), line("q", 7, false, 0.1, 0.1)];
        lines[1].scores = None;
        let e = ceiling(&lines).unwrap_err().to_string();
        assert!(e.contains("policy q line 7"), "{e}");
        assert!(matches!(ceiling(&[]), Err(CeilingError::Empty)));
    }

    #[test]
    fn one_model_has_no_mix() {
        let mut l = line("p", 1, true, 0.9, 0.9);
        l.member_scores.truncate(1);
        assert!(ceiling(&[l]).unwrap().best_mix.is_none());
    }
}
