//! Policy-level K-fold cross-validation of the segment classifier on the
//! human-labelled training policies (`policyscan cv`): the figure that says
//! how the classifier does on policies it has never seen, where the dev
//! figures cannot (thresholds, checkpoints and rules were chosen on dev).
//!
//! The steps, each in one function:
//! 1. [`assign_folds`]: policies (never lines or segments) shuffled with a
//!    seed and dealt into K folds;
//! 2. per fold, [`train_fold`]: the other folds' policies split again by
//!    policy into a fit part and an inner validation part ([`inner_split`]),
//!    the fit part cut to a share of itself for a learning curve
//!    ([`fit_subset`]);
//!    the classifier trains on the fit part's human segments (plus, when
//!    asked, a sample of the weak pool at a lower loss weight) and picks its
//!    checkpoint and per-label thresholds on the inner part only; with
//!    [`CvOptions::refit`] it then trains again on both parts with those
//!    choices (`cv/refit.rs`);
//! 3. the held-out fold scored by the whole scan path and by the
//!    keyword/heading baseline on the same body lines
//!    ([`crate::eval::lines::score_lines`]);
//! 4. all out-of-fold lines together: per-label, macro and micro F1 of both
//!    systems and the paired bootstrap over policies
//!    ([`crate::eval::lines::compare`]).
//!
//! Members an earlier run trained on the same policies may be copied
//! instead of trained (`cv/reuse.rs`), so a change to one member is
//! measured without fine-tuning the others again.
//!
//! [`cross_validate_fixed`] scores one fixed model on the same folds (a
//! model that never saw these policies' labels, such as the shipped one), so
//! its figure sits beside the cross-validated one; [`final_check`] trains
//! once on every training policy and scores the dev policies, which nothing
//! was chosen on.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Instant;

use crate::data::devset::DevSet;
use crate::data::examples::{Example, Labelled};
use crate::data::human::set_examples;
use crate::eval::lines::{compare, score_lines};
use crate::eval::metrics::{self, by_label};
use crate::eval::thresholds::{self, ThresholdChoice};
use crate::eval::weights::{self, WeightChoice};
use crate::train::classifier::{Trainee, train_on};
use crate::train::distill::{Extra, TRAINED_FILE};
use crate::train::ngram::{NgramOptions, train_ngram};
use crate::train::vocabulary_texts;
use policyscan::classify::{Classifier, Ensemble, mix};
use policyscan::labels::{LabelSet, parse_labels};
use policyscan::rng::SplitMix64;
use policyscan::segment::SegmentOptions;

mod folds;
mod options;
mod pool;
mod record;
mod refit;
mod reuse;
mod student;

pub use folds::{assign_folds, fit_subset, inner_split};
pub use options::{CvError, CvOptions, LEAD_IN, NGRAM, NGRAM_DISTILLED, PLAIN};
pub use record::{CvResult, FinalResult, FoldResult, Predicted, Trained};

pub use pool::{Pool, ngram_reads_weak};
use pool::{extra_for, ngram_weak_for, pool_for, weak_pool};

/// Examples with their labels parsed.
fn labelled(examples: Vec<Example>) -> Result<Vec<Labelled>, CvError> {
    examples
        .into_iter()
        .map(|example| {
            let gold = parse_labels(&example.labels).map_err(CvError::Setup)?;
            Ok(Labelled::hard(example, gold))
        })
        .collect()
}

/// Train one model on the human segments of `fit` plus `extra`, choosing
/// checkpoint and thresholds on `inner`; the model goes to `out`.
pub fn train_fold(
    set: &DevSet,
    fit: Vec<String>,
    inner: Vec<String>,
    extra: &Extra,
    opts: &CvOptions,
    out: &Path,
) -> Result<Trained, CvError> {
    let seg = SegmentOptions::default();
    let mut train = labelled(set_examples(&set.select(&fit), &seg))?;
    let dev = labelled(set_examples(&set.select(&inner), &seg))?;
    let human = train.len();
    let mut weights = Vec::new();
    if !extra.examples.is_empty() {
        weights = vec![1.0; human];
        weights.extend(std::iter::repeat_n(extra.weight, extra.examples.len()));
        train.extend(extra.examples.iter().cloned());
    }
    let mut topts = opts.train.clone();
    topts.out = out.to_path_buf();
    let mut rng = SplitMix64::new(topts.seed);
    let trainee = match &topts.init {
        Some(dir) => {
            let t = Trainee::from_init(dir, &topts, &mut rng)?;
            if opts.keep_head && !t.load_head(dir)? {
                return Err(CvError::Setup(format!(
                    "--keep-head: {} has no classification head in policyscan's label order",
                    dir.display()
                )));
            }
            t
        }
        None => Trainee::scratch(&vocabulary_texts(&train), &topts, &mut rng)?,
    };
    let s = train_on(&trainee, &train, &weights, &dev, &topts, &mut rng)?;
    Ok(Trained {
        fit,
        inner,
        human_examples: human,
        extra_examples: train.len() - human,
        extra_weight: if train.len() > human {
            extra.weight
        } else {
            0.0
        },
        steps: s.steps,
        best_step: s.best_step,
        seconds: s.seconds,
        inner_macro_f1: s.dev.macro_f1,
        thresholds: by_label(s.thresholds),
        refit: false,
        members: Vec::new(),
        reused_from: None,
        threshold_choice: ThresholdChoice::Best,
        member_weights: BTreeMap::new(),
    })
}

/// Train the n-gram member on the human segments of `fit` (and `weak`),
/// choosing the weak examples' weight among `opts.ngram.weak_weights`, its
/// regularisation and thresholds on `inner`; the model goes to `out`.
pub fn train_ngram_fold(
    set: &DevSet,
    (fit, inner): (Vec<String>, Vec<String>),
    weak: &[Labelled],
    ngram: &NgramOptions,
    out: &Path,
) -> Result<Trained, CvError> {
    let seg = SegmentOptions::default();
    let train = labelled(set_examples(&set.select(&fit), &seg))?;
    let dev = labelled(set_examples(&set.select(&inner), &seg))?;
    let t = train_ngram(&train, weak, &dev, ngram);
    t.model
        .save(out)
        .map_err(|e| CvError::Setup(format!("{}: {e}", out.display())))?;
    tracing::info!(
        c = t.model.config().c,
        weak = %t.weak_weight,
        iterations = t.iterations,
        "n-gram member trained"
    );
    Ok(Trained {
        fit,
        inner,
        human_examples: train.len(),
        extra_examples: t.weak_examples,
        extra_weight: t.weak_weight,
        steps: t.iterations,
        best_step: 0,
        seconds: t.seconds,
        inner_macro_f1: t.inner_macro_f1,
        thresholds: by_label(t.model.thresholds()),
        refit: false,
        members: Vec::new(),
        reused_from: None,
        threshold_choice: ThresholdChoice::Best,
        member_weights: BTreeMap::new(),
    })
}

/// Train what `opts.members` names into `out` on the (fit, inner) split of
/// [`inner_split`]: one model there, or each member into `out/<member>`
/// plus the ensemble's `ensemble.json`, whose thresholds for the members'
/// mean score are chosen on `inner` as a single model's are. The members
/// `opts.reuse` names are copied from `reuse_from` instead of trained.
///
/// `unlabelled` is what an [`NGRAM_DISTILLED`] member learns the other
/// members' scores on (empty without one).
pub fn train_model(
    set: &DevSet,
    (fit, inner): (Vec<String>, Vec<String>),
    (pool, unlabelled): (Pool<'_>, &[Example]),
    opts: &CvOptions,
    (out, reuse_from): (&Path, Option<&Path>),
    seed: u64,
) -> Result<Trained, CvError> {
    let extra = Extras {
        bert: extra_for(set, (&fit, &inner), pool, opts, seed)?,
        ngram: ngram_weak_for(set, &fit, pool, opts, seed),
        unlabelled,
        taught: std::cell::OnceCell::new(),
    };
    let mut trained = train_members(set, (fit, inner), &extra, opts, (out, reuse_from))?;
    if !opts.refit.is_empty() {
        refit_all(set, &mut trained, &extra, opts, out)?;
    }
    let record = serde_json::to_string_pretty(&trained).expect("a record serialises");
    std::fs::write(out.join(TRAINED_FILE), record)
        .map_err(|e| CvError::Setup(format!("{}: {e}", out.join(TRAINED_FILE).display())))?;
    Ok(trained)
}

/// What the members train on beside the human segments: the BERTs' weak or
/// distilled examples, the n-gram member's weak sample, and for an
/// [`NGRAM_DISTILLED`] member the unlabelled segments with the other
/// members' scores (computed once, before any refit changes those members).
struct Extras<'a> {
    bert: Extra,
    ngram: Vec<Labelled>,
    unlabelled: &'a [Example],
    taught: std::cell::OnceCell<Vec<Labelled>>,
}

/// [`refit::refit_member`] for every member of `trained` that
/// `opts.refit` names (or the one model it is), recording the refit and its
/// time; the ensemble counts as refitted when all its members are.
fn refit_all(
    set: &DevSet,
    trained: &mut Trained,
    extra: &Extras<'_>,
    opts: &CvOptions,
    out: &Path,
) -> Result<(), CvError> {
    let names = member_names(opts);
    if let [only] = names.as_slice() {
        trained.seconds += refit::refit_member(set, only, trained, extra, opts, out)?;
        trained.refit = true;
        return Ok(());
    }
    for (m, t) in names.iter().zip(trained.members.iter_mut()) {
        if !opts.refit.iter().any(|r| r == m) {
            continue;
        }
        let seconds = refit::refit_member(set, m, t, extra, opts, &out.join(m))?;
        tracing::info!(member = %m, seconds, "member refitted");
        t.seconds += seconds;
        t.refit = true;
        trained.seconds += seconds;
    }
    trained.refit = trained.members.iter().all(|t| t.refit);
    Ok(())
}

/// The members `opts` names, `plain` when none.
fn member_names(opts: &CvOptions) -> Vec<&str> {
    if opts.members.is_empty() {
        vec![PLAIN]
    } else {
        opts.members.iter().map(String::as_str).collect()
    }
}

/// [`train_model`] once the extra examples are drawn.
fn train_members(
    set: &DevSet,
    (fit, inner): (Vec<String>, Vec<String>),
    extra: &Extras<'_>,
    opts: &CvOptions,
    (out, reuse_from): (&Path, Option<&Path>),
) -> Result<Trained, CvError> {
    let names = member_names(opts);
    if let Some(m) = names
        .iter()
        .find(|m| ![PLAIN, LEAD_IN, NGRAM, NGRAM_DISTILLED].contains(*m))
    {
        return Err(CvError::Setup(format!(
            "unknown member `{m}`: use {PLAIN}, {LEAD_IN}, {NGRAM} or {NGRAM_DISTILLED}"
        )));
    }
    student::check_place(&names)?;
    if names
        .iter()
        .enumerate()
        .any(|(i, m)| names[..i].contains(m))
    {
        return Err(CvError::Setup(format!(
            "a member is named twice in {names:?}"
        )));
    }
    let member_opts = |m: &str| {
        let mut o = opts.clone();
        o.train.lead_in = m == LEAD_IN;
        o
    };
    if let Some(m) = opts.refit.iter().find(|m| !names.contains(&m.as_str())) {
        return Err(CvError::Setup(format!(
            "--refit {m}: not a member of this run ({names:?})"
        )));
    }
    if let Some(m) = opts.reuse.iter().find(|m| !names.contains(&m.as_str())) {
        return Err(CvError::Setup(format!(
            "--reuse {m}: not a member of this run ({names:?})"
        )));
    }
    let member = |m: &str, out: &Path| {
        if let Some(from) = reuse_from.filter(|_| opts.reuse.iter().any(|r| r == m)) {
            reuse::reuse_member(from, m, (&fit, &inner), out)
        } else if m == NGRAM {
            train_ngram_fold(
                set,
                (fit.clone(), inner.clone()),
                &extra.ngram,
                &opts.ngram,
                out,
            )
        } else if m == NGRAM_DISTILLED {
            let taught = student::taught(extra, &names, out.parent().unwrap_or(out), opts)?;
            let ngram = student::options(opts);
            train_ngram_fold(set, (fit.clone(), inner.clone()), taught, &ngram, out)
        } else {
            let o = member_opts(m);
            train_fold(set, fit.clone(), inner.clone(), &extra.bert, &o, out)
        }
    };
    if let [only] = names.as_slice() {
        if opts.thresholds != ThresholdChoice::Best {
            return Err(CvError::Setup(
                "bagged thresholds are an ensemble's: name two or more members".into(),
            ));
        }
        if opts.member_weights != WeightChoice::Equal {
            return Err(CvError::Setup(
                "member weights are an ensemble's: name two or more members".into(),
            ));
        }
        return member(only, out);
    }
    let mut parts = Vec::new();
    for &m in &names {
        let t = member(m, &out.join(m))?;
        tracing::info!(member = %m, inner = t.inner_macro_f1, "member trained");
        parts.push(t);
    }
    // A reused student refitted learns from the members as the inner
    // policies chose them, as a trained one did: before their refit.
    if opts.refit.iter().any(|r| r == NGRAM_DISTILLED) {
        student::taught(extra, &names, out, opts)?;
    }
    let write = |thresholds: BTreeMap<String, f32>, weights: BTreeMap<String, Vec<f32>>| {
        Ensemble {
            members: names.iter().map(|m| m.to_string()).collect(),
            thresholds,
            weights,
        }
        .write(out)
        .map_err(|e| CvError::Setup(format!("{}: {e}", out.display())))
    };
    write(BTreeMap::new(), BTreeMap::new())?;
    let clf = Classifier::from_dir(out, opts.train.max_tokens)?;
    let dev = labelled(set_examples(
        &set.select(&inner),
        &SegmentOptions::default(),
    ))?;
    let inputs: Vec<_> = dev.iter().map(Labelled::input).collect();
    let member_scores = clf.member_scores(&inputs, opts.batch_size)?;
    let gold: Vec<LabelSet> = dev.iter().map(|l| l.gold).collect();
    let group: Vec<&str> = dev
        .iter()
        .map(|l| l.example.source.as_deref().unwrap_or(""))
        .collect();
    let w = weights::choose(
        opts.member_weights,
        &group,
        &gold,
        &member_scores,
        opts.seed,
    );
    let scores = mix(&member_scores, &w);
    let member_weights = match opts.member_weights {
        WeightChoice::Equal => BTreeMap::new(),
        WeightChoice::BaggedMedian => weights::by_label(&w),
    };
    let thresholds = thresholds::choose(opts.thresholds, &group, &gold, &scores, opts.seed);
    let report = metrics::report(&gold, &metrics::decide(&scores, &thresholds));
    write(by_label(thresholds), member_weights.clone())?;
    Ok(Trained {
        fit,
        inner,
        human_examples: parts[0].human_examples,
        extra_examples: parts[0].extra_examples,
        extra_weight: parts[0].extra_weight,
        steps: parts.iter().map(|t| t.steps).sum(),
        best_step: 0,
        seconds: parts.iter().map(|t| t.seconds).sum(),
        inner_macro_f1: report.macro_f1,
        thresholds: by_label(thresholds),
        refit: false,
        members: parts,
        reused_from: None,
        threshold_choice: opts.thresholds,
        member_weights,
    })
}

/// The classifier that predicts one held-out fold.
enum FoldModel<'a> {
    /// Trained on the fold's training policies.
    Trained(Box<Classifier>, Trained),
    /// The same model for every fold.
    Fixed(&'a Classifier),
}

/// Run the folds: `model_for(fold, training policies)` gives the classifier
/// that predicts the held-out fold.
fn run_folds<'a>(
    set: &DevSet,
    k: usize,
    seed: u64,
    batch_size: usize,
    resamples: usize,
    mut model_for: impl FnMut(usize, Vec<String>) -> Result<FoldModel<'a>, CvError>,
) -> Result<CvResult, CvError> {
    let start = Instant::now();
    let ids: Vec<String> = set.policies.iter().map(|p| p.id.clone()).collect();
    if k < 2 || ids.len() < k {
        return Err(CvError::Setup(format!(
            "{k} folds over {} policies: need at least 2 folds and a policy per fold",
            ids.len()
        )));
    }
    let fold = assign_folds(&ids, k, seed);
    let seg = SegmentOptions::default();
    let (mut lines, mut fold_results, mut predicted) = (Vec::new(), Vec::new(), Vec::new());
    for f in 0..k {
        let (test, rest): (Vec<_>, Vec<_>) = ids.iter().zip(&fold).partition(|(_, g)| **g == f);
        let test: Vec<String> = test.into_iter().map(|(id, _)| id.clone()).collect();
        let rest: Vec<String> = rest.into_iter().map(|(id, _)| id.clone()).collect();
        let model = model_for(f, rest)?;
        let (clf, trained) = match &model {
            FoldModel::Trained(c, t) => (&**c, Some(t.clone())),
            FoldModel::Fixed(c) => (*c, None),
        };
        let held_out = set.select(&test);
        let scored = score_lines(&held_out, &seg, clf, batch_size)?;
        let c = compare(&scored, 0, seed);
        tracing::info!(
            fold = f,
            model = c.model.macro_f1,
            baseline = c.baseline.macro_f1,
            "fold scored"
        );
        for p in &held_out.policies {
            predicted.push(Predicted {
                policy: p.id.clone(),
                fold: f,
                lines: scored.iter().filter(|l| l.policy == p.id).count(),
            });
        }
        fold_results.push(FoldResult {
            fold: f,
            test,
            trained,
            model_macro_f1: c.model.macro_f1,
            baseline_macro_f1: c.baseline.macro_f1,
        });
        lines.extend(scored);
    }
    Ok(CvResult {
        folds: k,
        seed,
        fold_of: ids.iter().cloned().zip(fold.iter().copied()).collect(),
        fold_results,
        predicted,
        out_of_fold: compare(&lines, resamples, seed),
        seconds: start.elapsed().as_secs_f64(),
        lines,
    })
}

/// The (fit, inner) split of training policies `ids`, the fit part cut to
/// [`CvOptions::fit_share`] of itself.
fn fitted_split(ids: &[String], opts: &CvOptions, seed: u64) -> (Vec<String>, Vec<String>) {
    let (fit, inner) = inner_split(ids, opts.inner_share, seed);
    (fit_subset(fit, opts.fit_share, seed.rotate_left(32)), inner)
}

/// Cross-validate training as `opts` says over the policies of `set`;
/// `pool` is the weak pool (with `opts.weak_weight > 0`) or the unlabelled
/// segments a teacher scores (with `opts.teachers`) or an
/// [`NGRAM_DISTILLED`] member learns from.
pub fn cross_validate(
    set: &DevSet,
    pool: &[Example],
    opts: &CvOptions,
) -> Result<CvResult, CvError> {
    let weak = weak_pool(pool, opts)?;
    run_folds(
        set,
        opts.folds,
        opts.seed,
        opts.batch_size,
        opts.resamples,
        |f, rest| {
            let split = fitted_split(&rest, opts, opts.seed ^ (f as u64 + 1));
            let out = opts.work.join(format!("fold-{f}"));
            let teacher = opts.teachers.as_ref().map(|t| t.join(format!("fold-{f}")));
            let drawn = pool_for(&weak, pool, teacher.as_deref());
            let reuse = opts
                .reuse_from
                .as_ref()
                .map(|d| d.join(format!("fold-{f}")));
            let dirs = (out.as_path(), reuse.as_deref());
            let pools = (drawn, student::unlabelled_for(pool, opts));
            let t = train_model(set, split, pools, opts, dirs, opts.seed + f as u64)?;
            tracing::info!(
                fold = f,
                steps = t.steps,
                best = t.best_step,
                seconds = t.seconds,
                inner = t.inner_macro_f1,
                "fold trained"
            );
            let clf = Classifier::from_dir(&out, opts.train.max_tokens)?;
            Ok(FoldModel::Trained(Box::new(clf), t))
        },
    )
}

/// Score one fixed classifier on the same folds as [`cross_validate`] with
/// the same `k` and `seed` (out of fold only if it never trained on these
/// policies' human labels).
pub fn cross_validate_fixed(
    set: &DevSet,
    clf: &Classifier,
    k: usize,
    seed: u64,
    batch_size: usize,
    resamples: usize,
) -> Result<CvResult, CvError> {
    run_folds(set, k, seed, batch_size, resamples, |_, _| {
        Ok(FoldModel::Fixed(clf))
    })
}

/// Train once on every policy of `train_set` (inner split by policy for the
/// checkpoint and thresholds) and score the policies of `dev` — the final
/// check, which nothing was chosen on. The model goes to `out`.
pub fn final_check(
    train_set: &DevSet,
    dev: &DevSet,
    pool: &[Example],
    opts: &CvOptions,
    out: &Path,
) -> Result<FinalResult, CvError> {
    let weak = weak_pool(pool, opts)?;
    let ids: Vec<String> = train_set.policies.iter().map(|p| p.id.clone()).collect();
    let split = fitted_split(&ids, opts, opts.seed);
    let pools = (
        pool_for(&weak, pool, opts.teachers.as_deref()),
        student::unlabelled_for(pool, opts),
    );
    let dirs = (out, opts.reuse_from.as_deref());
    let trained = train_model(train_set, split, pools, opts, dirs, opts.seed)?;
    let clf = Classifier::from_dir(out, opts.train.max_tokens)?;
    let lines = score_lines(dev, &SegmentOptions::default(), &clf, opts.batch_size)?;
    Ok(FinalResult {
        trained,
        dev: compare(&lines, opts.resamples, opts.seed),
        model_dir: out.to_path_buf(),
        lines,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("{i:04}")).collect()
    }

    #[test]
    fn folds_deal_every_policy_once_and_evenly() {
        let ids = ids(84);
        let fold = assign_folds(&ids, 5, 17);
        let mut sizes = [0; 5];
        for &f in &fold {
            sizes[f] += 1;
        }
        assert_eq!(sizes.iter().sum::<usize>(), 84);
        assert!(sizes.iter().all(|&s| s == 16 || s == 17), "{sizes:?}");
        // Seeded: the same seed deals the same folds, another seed others.
        assert_eq!(fold, assign_folds(&ids, 5, 17));
        assert_ne!(fold, assign_folds(&ids, 5, 18));
    }

    #[test]
    fn inner_split_is_by_policy_and_disjoint() {
        let ids = ids(67);
        let (fit, inner) = inner_split(&ids, 0.2, 3);
        assert_eq!((fit.len(), inner.len()), (54, 13));
        assert!(fit.iter().all(|f| !inner.contains(f)));
        let (fit, inner) = inner_split(&ids[..2], 0.2, 3);
        assert_eq!((fit.len(), inner.len()), (1, 1));
        let (fit, inner) = inner_split(&ids[..1], 0.2, 3);
        assert_eq!((fit.len(), inner.len()), (1, 0));
    }

    #[test]
    fn fit_subset_keeps_a_seeded_share_smaller_inside_larger() {
        let fit = ids(54);
        assert_eq!(fit_subset(fit.clone(), 1.0, 5), fit);
        let half = fit_subset(fit.clone(), 0.5, 5);
        let quarter = fit_subset(fit.clone(), 0.25, 5);
        assert_eq!((half.len(), quarter.len()), (27, 14));
        assert!(quarter.iter().all(|q| half.contains(q)), "not nested");
        assert!(half.iter().all(|h| fit.contains(h)));
        assert!(half.windows(2).all(|w| w[0] < w[1]), "not sorted");
        assert_ne!(half, fit[..27], "not shuffled");
        assert_ne!(half, fit_subset(fit.clone(), 0.5, 6), "seed ignored");
        assert_eq!(fit_subset(fit[..3].to_vec(), 0.01, 5).len(), 1);
        assert!(fit_subset(Vec::new(), 0.5, 5).is_empty());
    }
}
