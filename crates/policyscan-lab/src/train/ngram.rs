//! Training the character n-gram member
//! ([`policyscan::classify::ngram`]): a vocabulary of the 1- to 3-grams
//! found in at least two training segments, their smoothed idf, and one
//! L2-regularised, class-balanced logistic regression per label, fitted by
//! L-BFGS. The regularisation strength is chosen among a few values on the
//! inner policies, as the BERT members choose their checkpoint there; the
//! thresholds too.
//!
//! Beside the human examples it may read a sample of weakly labelled ones
//! (the keyword rules' labels of policies nobody read) at a lower loss
//! weight, chosen among a few on the inner policies with `C`: a linear
//! model on 67 policies' segments has never seen most of the n-grams a
//! policy can use, and the weak labels, though noisy, show it them. The
//! BERT members do not need this: they start from stage 1, which learned
//! those weak labels already. No seed: the same model every time.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::time::Instant;

use rayon::prelude::*;

use crate::data::examples::Labelled;
use crate::eval::metrics::{self, by_label};
use policyscan::classify::ngram::{
    NGRAM_MODEL_TYPE, NgramConfig, NgramField, NgramModel, index_of, input_counts, tfidf_row,
};
use policyscan::labels::{LABELS, LabelSet, N_LABELS};

/// How the n-gram member is trained.
#[derive(Debug, Clone)]
pub struct NgramOptions {
    pub min_n: usize,
    pub max_n: usize,
    /// An n-gram gets a column only if this many training segments hold it.
    pub min_df: u32,
    /// Inverse regularisation strengths to choose from on the inner
    /// policies (sklearn's `C`).
    pub cs: Vec<f64>,
    /// L-BFGS iterations at most, per label.
    pub max_iter: usize,
    /// Loss weights of the weak examples to choose from on the inner
    /// policies, with `C`; 0 trains on the human examples alone.
    pub weak_weights: Vec<f32>,
    /// The fields read, each field's terms behind its tag; empty for the
    /// one joined text `path > … | text`.
    pub fields: Vec<NgramField>,
}

impl Default for NgramOptions {
    fn default() -> Self {
        Self {
            min_n: 1,
            max_n: 3,
            min_df: 2,
            cs: vec![1.0, 4.0, 16.0],
            max_iter: 1000,
            weak_weights: vec![0.0],
            fields: Vec::new(),
        }
    }
}

/// A trained n-gram member and how it was chosen.
pub struct NgramTrained {
    /// With the `C` and thresholds chosen on the inner examples
    /// (`model.config().c`, `model.thresholds()`).
    pub model: NgramModel,
    /// L-BFGS iterations, all labels and all values of `C` together.
    pub iterations: usize,
    /// Segment macro-F1 on the inner examples at the chosen `C`.
    pub inner_macro_f1: f64,
    /// The chosen loss weight of the weak examples (0: none were read).
    pub weak_weight: f32,
    /// Weak examples trained on (0 when the chosen weight is 0).
    pub weak_examples: usize,
    pub seconds: f64,
}

/// Train on `train` (and on `weak` at one of `opts.weak_weights`),
/// choosing the weak weight, `C` and the thresholds on `inner`. Ties keep
/// the earlier candidate, so list the weights from the plainest.
pub fn train_ngram(
    train: &[Labelled],
    weak: &[Labelled],
    inner: &[Labelled],
    opts: &NgramOptions,
) -> NgramTrained {
    let start = Instant::now();
    let gold: Vec<LabelSet> = inner.iter().map(|l| l.gold).collect();
    // (inner macro-F1, model with its thresholds, weak weight) of the best so far.
    let mut best: Option<(f64, NgramModel, f32)> = None;
    let mut iterations = 0;
    // Without weak examples every weight is the plain model: fit it once.
    let mut weights: Vec<f32> = Vec::new();
    for &w in &opts.weak_weights {
        let w = if weak.is_empty() { 0.0 } else { w.max(0.0) };
        if !weights.contains(&w) {
            weights.push(w);
        }
    }
    for w in weights {
        let read = if w > 0.0 { weak } else { &[] };
        let examples: Vec<&Labelled> = train.iter().chain(read).collect();
        let sample: Vec<f64> = std::iter::repeat_n(1.0, train.len())
            .chain(std::iter::repeat_n(f64::from(w), read.len()))
            .collect();
        for (f1, model, n) in fit_cs(&examples, &sample, inner, &gold, opts) {
            iterations += n;
            tracing::info!(c = model.config().c, weak = %w, inner = f1, "n-gram model fitted");
            if best.as_ref().is_none_or(|b| f1 > b.0) {
                best = Some((f1, model, w));
            }
        }
    }
    let (inner_macro_f1, model, weak_weight) = best.expect("at least one value of C");
    NgramTrained {
        model,
        iterations,
        inner_macro_f1,
        weak_weight,
        weak_examples: if weak_weight > 0.0 { weak.len() } else { 0 },
        seconds: start.elapsed().as_secs_f64(),
    }
}

/// One model per `C` of `opts.cs` on `examples` (loss weights `sample`),
/// each with the thresholds tuned on `inner`: (inner macro-F1, model,
/// L-BFGS iterations).
fn fit_cs(
    examples: &[&Labelled],
    sample: &[f64],
    inner: &[Labelled],
    gold: &[LabelSet],
    opts: &NgramOptions,
) -> Vec<(f64, NgramModel, usize)> {
    let counts: Vec<HashMap<String, u32>> = examples
        .par_iter()
        .map(|l| input_counts(&l.input(), &opts.fields, opts.min_n, opts.max_n))
        .collect();
    // Soft examples (a teacher's scores on text nobody labelled) only pull
    // weights: the columns and their idf are the labelled examples', so a
    // student has the vocabulary its human-trained sibling has.
    let counted: Vec<bool> = examples.iter().map(|l| l.soft.is_none()).collect();
    let labelled_counts = counts.iter().zip(&counted).filter(|(_, c)| **c);
    let (vocab, idf) = fit_vocab(labelled_counts.map(|(c, _)| c), opts.min_df);
    let index = index_of(&vocab);
    let rows: Vec<Vec<(u32, f32)>> = counts
        .par_iter()
        .map(|c| {
            let columns = c
                .iter()
                .filter_map(|(g, &n)| index.get(g).map(|&j| (j, n)))
                .collect();
            tfidf_row(columns, &idf)
        })
        .collect();
    let mut out = Vec::new();
    for &c in &opts.cs {
        let fits: Vec<(Vec<f32>, f32, usize)> = (0..N_LABELS)
            .into_par_iter()
            .map(|j| {
                let y: Vec<f32> = examples.iter().map(|l| l.target()[j]).collect();
                logistic(&rows, (&y, &counted), sample, vocab.len(), c, opts.max_iter)
            })
            .collect();
        let iterations = fits.iter().map(|f| f.2).sum::<usize>();
        let config = NgramConfig {
            model_type: NGRAM_MODEL_TYPE.into(),
            labels: LABELS.iter().map(|l| l.to_string()).collect(),
            thresholds: BTreeMap::new(),
            min_n: opts.min_n,
            max_n: opts.max_n,
            c,
            fields: opts.fields.clone(),
            vocab: vocab.clone(),
        };
        let bias = std::array::from_fn(|j| fits[j].1);
        let weight = fits.into_iter().map(|f| f.0).collect();
        let mut model = NgramModel::new(config, idf.clone(), weight, bias);
        let scores: Vec<[f32; N_LABELS]> = inner
            .par_iter()
            .map(|l| model.score_one(&l.input()))
            .collect();
        let (report, thresholds) = metrics::tune_and_report(gold, &scores);
        model.set_thresholds(by_label(thresholds));
        out.push((report.macro_f1, model, iterations));
    }
    out
}

/// The vocabulary (terms of at least `min_df` examples, sorted) and each
/// one's smoothed idf, `ln((1 + n) / (1 + df)) + 1`.
pub fn fit_vocab<'a>(
    counts: impl IntoIterator<Item = &'a HashMap<String, u32>>,
    min_df: u32,
) -> (Vec<String>, Vec<f32>) {
    let mut df: HashMap<&str, u32> = HashMap::new();
    let mut n = 0usize;
    for c in counts {
        n += 1;
        for g in c.keys() {
            *df.entry(g.as_str()).or_insert(0) += 1;
        }
    }
    let mut vocab: Vec<(&str, u32)> = df.into_iter().filter(|&(_, d)| d >= min_df).collect();
    vocab.sort_unstable();
    let n = n as f64;
    let idf = vocab
        .iter()
        .map(|&(_, d)| (((1.0 + n) / (1.0 + d as f64)).ln() + 1.0) as f32)
        .collect();
    (vocab.into_iter().map(|(g, _)| g.to_string()).collect(), idf)
}

/// Class-balanced logistic regression on sparse rows: minimises the
/// weighted mean log-loss plus `‖w‖² / (2 C n)` (the bias is not
/// penalised) — sklearn's `LogisticRegression(C, class_weight="balanced")`
/// objective with `sample_weight` (empty: 1 each), scaled by `1 / (C n)`.
///
/// `targets` holds each row's target in [0, 1] and whether the row is
/// *counted*: a labelled row (target 0 or 1) sets the class balance; a
/// soft row (a teacher's score `t`) does not, and weighs as `t` of a
/// positive and `1 − t` of a negative at those classes' weights — what
/// sklearn computes with the row twice, once per class. Without soft rows
/// this is exactly the hard-label fit. Returns (weights, bias, iterations).
pub fn logistic(
    rows: &[Vec<(u32, f32)>],
    (y, counted): (&[f32], &[bool]),
    sample: &[f64],
    dim: usize,
    c: f64,
    max_iter: usize,
) -> (Vec<f32>, f32, usize) {
    let n = rows.len().max(1) as f64;
    let is_counted = |i: usize| counted.get(i).copied().unwrap_or(true);
    let labelled = (0..y.len()).filter(|&i| is_counted(i));
    let pos = labelled.clone().filter(|&i| y[i] >= 0.5).count() as f64;
    let n_labelled = labelled.count() as f64;
    let neg = n_labelled - pos;
    let weight_of = |v: bool| {
        let k = if v { pos } else { neg };
        if k > 0.0 { n_labelled / (2.0 * k) } else { 0.0 }
    };
    // Per row, the loss weights of its positive and negative parts.
    let sw: Vec<(f64, f64)> = y
        .iter()
        .enumerate()
        .map(|(i, &t)| {
            let s = sample.get(i).copied().unwrap_or(1.0);
            if is_counted(i) {
                let v = t >= 0.5;
                let w = weight_of(v) * s;
                if v { (w, 0.0) } else { (0.0, w) }
            } else {
                let t = f64::from(t.clamp(0.0, 1.0));
                (weight_of(true) * s * t, weight_of(false) * s * (1.0 - t))
            }
        })
        .collect();
    let l2 = 1.0 / (c * n);
    let objective = |x: &[f64]| -> (f64, Vec<f64>) {
        let (w, b) = (&x[..dim], x[dim]);
        let mut g = vec![0.0; dim + 1];
        let mut loss = 0.0;
        for (row, &(sp, sn)) in rows.iter().zip(&sw) {
            let z = b + row
                .iter()
                .map(|&(j, v)| w[j as usize] * v as f64)
                .sum::<f64>();
            // log(1 + e^z) − y z, computed without overflow.
            let softplus = z.max(0.0) + (-z.abs()).exp().ln_1p();
            let p = 1.0 / (1.0 + (-z).exp());
            let mut r = 0.0;
            if sp > 0.0 {
                loss += sp * (softplus - z);
                r += sp * (p - 1.0) / n;
            }
            if sn > 0.0 {
                loss += sn * softplus;
                r += sn * p / n;
            }
            for &(j, v) in row {
                g[j as usize] += r * v as f64;
            }
            g[dim] += r;
        }
        let mut reg = 0.0;
        for (gj, wj) in g[..dim].iter_mut().zip(w) {
            *gj += l2 * wj;
            reg += wj * wj;
        }
        (loss / n + 0.5 * l2 * reg, g)
    };
    let (x, iterations) = lbfgs(objective, vec![0.0; dim + 1], max_iter, 1e-6);
    (
        x[..dim].iter().map(|&v| v as f32).collect(),
        x[dim] as f32,
        iterations,
    )
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// Limited-memory BFGS (10 pairs) with a backtracking Armijo line search;
/// stops when the largest gradient component falls below `tol`, the
/// objective stops falling, or after `max_iter` iterations.
fn lbfgs(
    f: impl Fn(&[f64]) -> (f64, Vec<f64>),
    mut x: Vec<f64>,
    max_iter: usize,
    tol: f64,
) -> (Vec<f64>, usize) {
    const PAIRS: usize = 10;
    let (mut fx, mut g) = f(&x);
    let mut memory: VecDeque<(Vec<f64>, Vec<f64>, f64)> = VecDeque::new();
    for it in 0..max_iter {
        if g.iter().fold(0f64, |m, v| m.max(v.abs())) < tol {
            return (x, it);
        }
        // Two-loop recursion: d = −H g.
        let mut q = g.clone();
        let mut alphas = Vec::with_capacity(memory.len());
        for (s, yv, rho) in memory.iter().rev() {
            let a = rho * dot(s, &q);
            q.iter_mut().zip(yv).for_each(|(qi, yi)| *qi -= a * yi);
            alphas.push(a);
        }
        let gamma = match memory.back() {
            Some((s, yv, _)) => dot(s, yv) / dot(yv, yv),
            None => 1.0 / dot(&g, &g).sqrt().max(1e-12),
        };
        q.iter_mut().for_each(|v| *v *= gamma);
        for ((s, yv, rho), a) in memory.iter().zip(alphas.into_iter().rev()) {
            let b = rho * dot(yv, &q);
            q.iter_mut().zip(s).for_each(|(qi, si)| *qi += (a - b) * si);
        }
        let mut d: Vec<f64> = q.into_iter().map(|v| -v).collect();
        let mut slope = dot(&g, &d);
        if slope >= 0.0 {
            d = g.iter().map(|v| -v).collect();
            slope = -dot(&g, &g);
        }
        let mut step = 1.0;
        let (xn, fxn, gn) = loop {
            let xn: Vec<f64> = x.iter().zip(&d).map(|(a, b)| a + step * b).collect();
            let (fxn, gn) = f(&xn);
            if fxn <= fx + 1e-4 * step * slope {
                break (xn, fxn, gn);
            }
            step *= 0.5;
            if step < 1e-10 {
                return (x, it);
            }
        };
        let s: Vec<f64> = xn.iter().zip(&x).map(|(a, b)| a - b).collect();
        let yv: Vec<f64> = gn.iter().zip(&g).map(|(a, b)| a - b).collect();
        let sy = dot(&s, &yv);
        if sy > 1e-12 {
            if memory.len() == PAIRS {
                memory.pop_front();
            }
            memory.push_back((s, yv, 1.0 / sy));
        }
        let fell = fx - fxn;
        x = xn;
        g = gn;
        fx = fxn;
        if fell.abs() <= 1e-12 * fx.abs().max(1.0) {
            return (x, it + 1);
        }
    }
    (x, max_iter)
}

#[cfg(test)]
mod tests {
    use super::*;
    use policyscan::classify::ngram::ngram_counts;

    #[test]
    fn lbfgs_finds_a_quadratic_minimum() {
        let f = |x: &[f64]| {
            let (a, b) = (x[0] - 3.0, x[1] + 1.0);
            (a * a + 10.0 * b * b, vec![2.0 * a, 20.0 * b])
        };
        let (x, it) = lbfgs(f, vec![0.0, 0.0], 100, 1e-9);
        assert!(
            (x[0] - 3.0).abs() < 1e-6 && (x[1] + 1.0).abs() < 1e-6,
            "{x:?}"
        );
        assert!(it < 100);
    }

    /// 40 rows, a quarter positive: feature 0 marks the positives,
    /// feature 1 is on everywhere.
    fn separable() -> (Vec<Vec<(u32, f32)>>, Vec<f32>) {
        let rows = (0..40)
            .map(|i| {
                if i % 4 == 0 {
                    vec![(0, 0.8), (1, 0.6)]
                } else {
                    vec![(1, 1.0)]
                }
            })
            .collect();
        let y = (0..40).map(|i| f32::from(u8::from(i % 4 == 0))).collect();
        (rows, y)
    }

    #[test]
    fn logistic_separates_and_regularisation_shrinks() {
        let (rows, y) = separable();
        let (w, b, _) = logistic(&rows, (&y, &[]), &[], 2, 16.0, 500);
        let z = |r: &[(u32, f32)]| b + r.iter().map(|&(j, v)| w[j as usize] * v).sum::<f32>();
        assert!(z(&rows[0]) > 0.0 && z(&rows[1]) < 0.0);
        let (w_strong, _, _) = logistic(&rows, (&y, &[]), &[], 2, 0.01, 500);
        assert!(w_strong[0].abs() < w[0].abs() / 4.0, "{w_strong:?} {w:?}");
    }

    #[test]
    fn a_soft_row_weighs_as_a_positive_and_a_negative_at_its_score() {
        let (rows, y) = separable();
        let soft_row = vec![(1, 0.5), (2, 0.9)];
        let fit = |extra: &[(f32, f64)]| {
            let mut r = rows.clone();
            let mut t = y.clone();
            let mut counted = vec![true; 40];
            let mut sample = vec![1.0; 40];
            for &(target, weight) in extra {
                r.push(soft_row.clone());
                t.push(target);
                counted.push(false);
                sample.push(weight);
            }
            logistic(&r, (&t, &counted), &sample, 3, 4.0, 1000)
        };
        // A score of 0.7 is 0.7 of a positive and 0.3 of a negative: what
        // sklearn fits with the row twice, once per class.
        let (w_soft, b_soft, _) = fit(&[(0.7, 1.0)]);
        let (w_two, b_two, _) = fit(&[(1.0, 0.7), (0.0, 0.3)]);
        for (a, b) in w_soft
            .iter()
            .chain([&b_soft])
            .zip(w_two.iter().chain([&b_two]))
        {
            assert!(
                (a - b).abs() < 1e-4,
                "{w_soft:?} {b_soft} vs {w_two:?} {b_two}"
            );
        }
        // It pulls its own column towards its score; no soft row, no pull.
        let (w_none, b_none, _) = fit(&[]);
        let (w_high, _, _) = fit(&[(0.95, 1.0)]);
        let (w_low, _, _) = fit(&[(0.05, 1.0)]);
        assert_eq!(w_none[2], 0.0);
        assert!(w_high[2] > 0.0 && w_low[2] < 0.0, "{w_high:?} {w_low:?}");
        // The soft rows do not set the class balance: the labelled rows'
        // fit is the hard-label one when no soft row is counted.
        let (w_hard, b_hard, _) = logistic(&rows, (&y, &[]), &[], 3, 4.0, 1000);
        assert_eq!((w_none, b_none), (w_hard, b_hard));
    }

    fn labelled(heading: &str, text: &str, labels: &[&str]) -> Labelled {
        let example = crate::data::examples::Example {
            text: text.into(),
            heading_path: vec![heading.into()],
            labels: labels.iter().map(|l| l.to_string()).collect(),
            lead_in: None,
            source: None,
        };
        let gold = policyscan::labels::parse_labels(&example.labels).unwrap();
        Labelled::hard(example, gold)
    }

    /// A sentence of each label and one of none, each five times.
    fn examples(offset: usize) -> Vec<Labelled> {
        let kinds = [
            (
                "我们收集的信息",
                "我们会收集您的手机号码",
                vec!["collection"],
            ),
            ("我们如何使用Cookie", "Cookie和同类技术", vec!["cookie"]),
            ("共享与转让", "向合作伙伴共享订单信息", vec!["sharing"]),
            ("您的权利", "您可以删除或更正您的个人信息", vec!["rights"]),
            ("儿童个人信息保护", "不满十四周岁的儿童", vec!["minors"]),
            ("跨境传输", "传输至境外的接收方", vec!["cross_border"]),
            ("联系我们", "如有疑问请联系我们", vec![]),
        ];
        (0..35)
            .map(|i| {
                let (h, t, l) = &kinds[i % 7];
                labelled(h, &format!("{t}（第{}条）", i + offset), l)
            })
            .collect()
    }

    #[test]
    fn a_trained_member_learns_reloads_and_records_its_choice() {
        let (train, inner) = (examples(0), examples(100));
        let t = train_ngram(&train, &[], &inner, &NgramOptions::default());
        assert!(t.inner_macro_f1 > 0.99, "{}", t.inner_macro_f1);
        assert!([1.0, 4.0, 16.0].contains(&t.model.config().c));
        let kids = labelled("儿童个人信息保护", "不满十四周岁的儿童（第999条）", &[]);
        let thresholds = t.model.thresholds();
        let s = t.model.score_one(&kids.input());
        assert!(s[4] >= thresholds[4] && s[1] < thresholds[1], "{s:?}");
        // Saved, it is a model directory any classifier loads.
        let dir = tempfile::tempdir().unwrap();
        t.model.save(dir.path()).unwrap();
        let clf = policyscan::classify::Classifier::from_dir(dir.path(), 64).unwrap();
        assert_eq!(clf.score(&[kids.input()], 8).unwrap()[0], s);
        assert_eq!(clf.thresholds(), &thresholds);
        assert!(clf.config().is_none());
    }

    #[test]
    fn a_member_reading_lead_ins_learns_from_them_and_asks_the_scan_for_them() {
        // List items that say nothing themselves: their lead-in decides.
        let item = |i: usize, lead: &str, labels: &[&str]| {
            let mut l = labelled("其他", &format!("第{i}项；"), labels);
            l.example.lead_in = Some(lead.into());
            l
        };
        let items = |from: usize| -> Vec<Labelled> {
            let mut v = examples(from);
            v.extend(
                (0..10).map(|i| item(from + i, "我们会向以下机构提供您的信息：", &["sharing"])),
            );
            v.extend((0..10).map(|i| item(from + 50 + i, "本政策适用于以下产品：", &[])));
            v
        };
        let opts = NgramOptions {
            fields: vec![NgramField::Joined, NgramField::LeadIn],
            ..NgramOptions::default()
        };
        let t = train_ngram(&items(0), &[], &items(500), &opts);
        let s = t
            .model
            .score_one(&item(999, "我们会向以下机构提供您的信息：", &[]).input());
        assert!(s[2] >= t.model.thresholds()[2], "{s:?}");
        let s = t
            .model
            .score_one(&item(999, "本政策适用于以下产品：", &[]).input());
        assert!(s[2] < t.model.thresholds()[2], "{s:?}");
        let dir = tempfile::tempdir().unwrap();
        t.model.save(dir.path()).unwrap();
        let clf = policyscan::classify::Classifier::from_dir(dir.path(), 64).unwrap();
        assert!(clf.reads_lead_ins());
        let plain = train_ngram(&items(0), &[], &items(500), &NgramOptions::default());
        plain.model.save(dir.path()).unwrap();
        let clf = policyscan::classify::Classifier::from_dir(dir.path(), 64).unwrap();
        assert!(!clf.reads_lead_ins());
    }

    #[test]
    fn weak_examples_are_read_at_the_weight_the_inner_policies_choose() {
        // The human examples never write cookies as 网络信标 (web beacons),
        // only a sentence like it about statistics tools, which is no
        // cookie; the inner and the weak examples do, under a heading that
        // gives nothing away.
        let other = |i: usize, what: &str, labels: &[&str]| {
            labelled(
                "其他说明",
                &format!("我们使用{what}统计访问（第{i}条）"),
                labels,
            )
        };
        let beacon = |i: usize, labels: &[&str]| other(i, "网络信标", labels);
        let mut train = examples(0);
        train.extend((0..5).map(|i| other(i, "统计工具", &[])));
        let mut inner = examples(100);
        inner.extend((0..5).map(|i| beacon(200 + i, &["cookie"])));
        inner.extend((0..5).map(|i| other(210 + i, "统计工具", &[])));
        let weak: Vec<Labelled> = (0..10).map(|i| beacon(300 + i, &["cookie"])).collect();
        let opts = |weak_weights: Vec<f32>| NgramOptions {
            weak_weights,
            ..NgramOptions::default()
        };
        let plain = train_ngram(&train, &weak, &inner, &opts(vec![0.0]));
        assert_eq!((plain.weak_weight, plain.weak_examples), (0.0, 0));
        let chosen = train_ngram(&train, &weak, &inner, &opts(vec![0.0, 0.5]));
        assert_eq!((chosen.weak_weight, chosen.weak_examples), (0.5, 10));
        assert!(chosen.inner_macro_f1 > plain.inner_macro_f1);
        let s = chosen.model.score_one(&beacon(999, &[]).input());
        assert!(s[1] >= chosen.model.thresholds()[1], "{s:?}");
        // Without weak examples a weak weight is the plain model.
        let none = train_ngram(&train, &[], &inner, &opts(vec![0.0, 0.5]));
        assert_eq!(
            (none.weak_weight, none.inner_macro_f1),
            (0.0, plain.inner_macro_f1)
        );
    }

    #[test]
    fn a_student_learns_the_teachers_scores_within_the_labelled_vocabulary() {
        // The human examples say nothing of web beacons (网络信标) but
        // twice, unlabelled; a teacher calls them cookies on text nobody
        // labelled, and so do the inner policies' readers.
        let other = |i: usize, what: &str, labels: &[&str]| {
            labelled(
                "其他说明",
                &format!("我们使用{what}统计访问（第{i}条）"),
                labels,
            )
        };
        let mut train = examples(0);
        train.extend((0..2).map(|i| other(i, "网络信标", &[])));
        train.extend((0..5).map(|i| other(10 + i, "统计工具", &[])));
        let mut inner = examples(100);
        inner.extend((0..5).map(|i| other(200 + i, "网络信标", &["cookie"])));
        inner.extend((0..5).map(|i| other(210 + i, "统计工具", &[])));
        let taught: Vec<Labelled> = (0..20)
            .map(|i| {
                let mut l = other(300 + i, "网络信标与像素标签", &[]);
                l.soft = Some([0.05, 0.95, 0.05, 0.05, 0.05, 0.05]);
                l
            })
            .collect();
        let opts = |weak_weights: Vec<f32>| NgramOptions {
            weak_weights,
            ..NgramOptions::default()
        };
        let plain = train_ngram(&train, &[], &inner, &opts(vec![0.0]));
        let student = train_ngram(&train, &taught, &inner, &opts(vec![0.0, 1.0]));
        assert_eq!((student.weak_weight, student.weak_examples), (1.0, 20));
        assert!(student.inner_macro_f1 > plain.inner_macro_f1);
        let beacon = other(999, "网络信标", &[]);
        let s = student.model.score_one(&beacon.input());
        assert!(s[1] >= student.model.thresholds()[1], "{s:?}");
        // Their own n-grams (像素标签) never became columns: the student has
        // the vocabulary of the labelled examples.
        assert_eq!(student.model.config().vocab, plain.model.config().vocab);
    }

    #[test]
    fn vocabulary_keeps_ngrams_of_two_texts_with_smoothed_idf() {
        let counts: Vec<_> = ["儿童", "儿童保护", "个人"]
            .iter()
            .map(|t| ngram_counts(t, 1, 2))
            .collect();
        let (vocab, idf) = fit_vocab(&counts, 2);
        assert_eq!(vocab, ["儿", "儿童", "童"]);
        let want = ((4.0f64 / 3.0).ln() + 1.0) as f32;
        assert!(idf.iter().all(|&v| (v - want).abs() < 1e-6));
    }
}
