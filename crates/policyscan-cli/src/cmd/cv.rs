//! `policyscan cv`: policy-level cross-validation of the segment classifier
//! over the human-labelled training policies (the lab's `eval::cv`), one
//! fixed model scored on the same folds (`--fixed`), the final check on the
//! dev policies (`--final`), or the segmenter's line kinds against the
//! readers' (`--line-kinds`). Flags in, table or JSON out; the work is in the
//! lab.

use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::Args;
use clap::builder::TypedValueParser;
use policyscan::classify::ngram::NgramField;
use policyscan_lab::data::devset::DevSet;
use policyscan_lab::data::human::{all_labelled, train_set, unlabelled_examples, weak_examples};
use policyscan_lab::data::{HeadingRule, shared_dir};
use policyscan_lab::eval::cv::{
    CvOptions, CvResult, NGRAM, NGRAM_DISTILLED, Trained, cross_validate, cross_validate_fixed,
    final_check, ngram_reads_weak,
};
use policyscan_lab::eval::lines::{format_comparison, format_kinds, line_kinds, lines_jsonl};
use policyscan_lab::eval::thresholds::ThresholdChoice;
use policyscan_lab::eval::weights::WeightChoice;
use policyscan_lab::train::TrainOptions;
use policyscan_lab::train::ngram::NgramOptions;

/// Flags of `policyscan cv`.
#[derive(Args)]
pub struct CvArgs {
    /// Shared data folder (default ../shared).
    #[arg(long)]
    shared: Option<PathBuf>,
    /// Folds, by policy.
    #[arg(long, default_value_t = 5)]
    folds: usize,
    /// Seed of the fold and inner splits and the weak sample.
    #[arg(long, default_value_t = 17)]
    seed: u64,
    /// Share of each fold's training policies that chooses checkpoint and
    /// thresholds (split by policy).
    #[arg(long, default_value_t = 0.2)]
    inner_share: f64,
    /// Train on this share of each fold's fit policies (a seeded subset,
    /// smaller shares inside larger ones): a point of the learning curve,
    /// what more labelled policies would buy. The inner policies and the
    /// held-out fold stay whole.
    #[arg(long, default_value_t = 1.0, conflicts_with_all = ["fixed", "line_kinds"])]
    fit_share: f64,
    /// Loss weight of the weak pool (VioDroid sentences and weakly labelled
    /// segments of the corpus policies nobody labelled); 0 leaves it out.
    #[arg(long, default_value_t = 0.0)]
    weak_weight: f32,
    /// Weak examples drawn per human training example.
    #[arg(long, default_value_t = 1.0)]
    weak_ratio: f64,
    /// Loss weights of the weak pool the n-gram member chooses among on the
    /// inner policies, with its C (comma-separated); 0 alone keeps it to
    /// the human labels. The BERT members read the pool only with
    /// --weak-weight.
    #[arg(long, value_delimiter = ',', default_value = "0")]
    ngram_weak_weights: Vec<f32>,
    /// Inverse regularisation strengths (sklearn's C) the n-gram member
    /// chooses among on the inner policies (comma-separated).
    #[arg(long, value_delimiter = ',', default_value = "1,4,16")]
    ngram_cs: Vec<f64>,
    /// Longest character n-gram the n-gram member reads (from 1).
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u64).range(1..=6))]
    ngram_max_n: u64,
    /// The fields the n-gram member reads, each field's terms behind its tag
    /// (comma-separated: joined, path, heading, text, lead-in, rules); none
    /// (the default) reads the one text `path > … | text`.
    #[arg(long, value_delimiter = ',', value_parser = clap::builder::PossibleValuesParser::new(NgramField::NAMES).map(|s| s.parse::<NgramField>().expect("a listed name")))]
    ngram_fields: Vec<NgramField>,
    /// Distil: train towards a teacher's scores on segments of the corpus
    /// policies nobody labelled, beside the human labels. The teacher of
    /// fold N is DIR/fold-N (the --work folder of an earlier run with the
    /// same --folds and --seed); with --final, DIR itself. A teacher must
    /// name the policies it learned from (trained.json, which every model
    /// `cv` trains has) and none may be held out from the student.
    #[arg(long, conflicts_with_all = ["weak_weight", "fixed", "line_kinds"])]
    teachers: Option<PathBuf>,
    /// Loss weight of the distilled examples.
    #[arg(long, default_value_t = 1.0, requires = "teachers")]
    distill_weight: f32,
    /// Distilled examples drawn per human training example.
    #[arg(long, default_value_t = 1.0, requires = "teachers")]
    distill_ratio: f64,
    /// Loss weights of the unlabelled corpus segments, scored by the other
    /// members, that the `ngram-distilled` member chooses among on the
    /// inner policies, with its C (comma-separated).
    #[arg(long, value_delimiter = ',', default_value = "0.3,1")]
    student_weights: Vec<f32>,
    /// Fine-tune this HF BERT directory (a classifier's too: its encoder,
    /// and with --keep-head its head); default from scratch.
    #[arg(long)]
    init: Option<PathBuf>,
    /// With --init: continue its classification head instead of a new one.
    #[arg(long, requires = "init")]
    keep_head: bool,
    /// With --init: grow its encoder to this many layers by repeating its
    /// layers (a multiple of its depth).
    #[arg(long, requires = "init")]
    stack_layers: Option<usize>,
    /// Size of a from-scratch model: small, tiny or micro.
    #[arg(long, default_value = "tiny")]
    config: String,
    /// WordPiece vocabulary size for a from-scratch model.
    #[arg(long, default_value_t = 8000)]
    vocab_size: usize,
    #[arg(long, default_value_t = 1e-3)]
    lr: f64,
    /// Judge and save each checkpoint with an exponential moving average
    /// of the weights at this decay per step (e.g. 0.99) instead of the
    /// weights as they are.
    #[arg(long, value_parser = super::decay)]
    ema: Option<f64>,
    #[arg(long, default_value_t = 20)]
    epochs: usize,
    /// Steps per fold at most.
    #[arg(long, default_value_t = 600)]
    max_steps: usize,
    /// Evaluate on the inner policies every N steps.
    #[arg(long, default_value_t = 100)]
    eval_every: usize,
    #[arg(long, default_value_t = 3)]
    patience: usize,
    #[arg(long, default_value_t = 32)]
    batch_size: usize,
    #[arg(long, default_value_t = policyscan::classify::DEFAULT_MAX_TOKENS)]
    max_tokens: usize,
    /// What each fold trains: `plain` (a BERT reading heading path +
    /// segment), `lead-in` (a BERT also reading each list item's lead-in),
    /// `ngram` (a logistic regression over character n-grams),
    /// `ngram-distilled` (the same, also trained towards the other members'
    /// mean score on the corpus segments nobody labelled; last), or
    /// several, comma-separated: an ensemble that averages their scores.
    #[arg(long, value_delimiter = ',', default_value = "plain",
          value_parser = ["plain", "lead-in", "ngram", "ngram-distilled"])]
    members: Vec<String>,
    /// Seed of training (initialisation, batches, dropout).
    #[arg(long, default_value_t = 17)]
    train_seed: u64,
    /// Once the inner policies chose each member's checkpoint (the n-gram
    /// member's C) and the thresholds, train every member again on the fit
    /// and inner policies together with those choices, keeping the
    /// thresholds: the inner policies' labels teach the model too.
    /// `--refit=ngram` (comma-separated members) refits only those.
    #[arg(long, value_name = "MEMBERS", value_delimiter = ',', num_args = 0..=1,
          require_equals = true, default_missing_value = "all")]
    refit: Option<Vec<String>>,
    /// How an ensemble's thresholds are chosen on the inner policies:
    /// `best` (the highest F1 there) or `bagged-median` (the median of the
    /// best thresholds of 200 resamples of the inner policies, steadier on
    /// a flat F1 curve; the default model's recipe).
    #[arg(long, default_value = "best", value_parser = ["best", "bagged-median"])]
    thresholds: String,
    /// How much each member of an ensemble weighs in its mean score, per
    /// label: `equal`, or `bagged-median` (for each of 200 resamples of the
    /// inner policies the 0.1-grid mix of the best F1, and of those each
    /// member's median weight), chosen before the thresholds.
    #[arg(long, default_value = "equal", value_parser = ["equal", "bagged-median"])]
    member_weights: String,
    /// Folder for the fold models (default: a temporary folder, removed).
    #[arg(long)]
    work: Option<PathBuf>,
    /// Copy these members (comma-separated) from an earlier run instead of
    /// training them: from DIR/fold-N of --reuse-from DIR (its --work, same
    /// --folds, --seed and --inner-share, which is checked), or with
    /// --final from DIR itself (its --out). Their training flags must have
    /// been this run's: the record names where each came from.
    #[arg(long, value_delimiter = ',', requires = "reuse_from",
          value_parser = ["plain", "lead-in", "ngram", "ngram-distilled"])]
    reuse: Vec<String>,
    /// The earlier run's folder for --reuse.
    #[arg(long, requires = "reuse", conflicts_with_all = ["fixed", "line_kinds"])]
    reuse_from: Option<PathBuf>,
    /// Score one fixed model (--model DIR) on the same folds instead of
    /// training. Out of fold only for a model that never trained on these
    /// policies' human labels, such as models/policy-bert-zh-stage1; the
    /// built-in model did, so it is not offered.
    #[arg(long, requires = "model", conflicts_with_all = ["final_check", "line_kinds"])]
    fixed: bool,
    /// Model directory for --fixed.
    #[arg(long, requires = "fixed")]
    model: Option<PathBuf>,
    /// Train once on every training policy and score the dev policies (the
    /// final check, never used for choices).
    #[arg(long = "final", conflicts_with = "line_kinds")]
    final_check: bool,
    /// With --final: keep the trained model here.
    #[arg(long, requires = "final_check")]
    out: Option<PathBuf>,
    /// Score the segmenter's line kinds (heading / toc / body) against the
    /// readers' on every human-labelled policy; no training.
    #[arg(long)]
    line_kinds: bool,
    /// Write every scored line as JSONL here (with --line-kinds: the lines
    /// whose kind differs).
    #[arg(long)]
    dump: Option<PathBuf>,
    /// Bootstrap resamples.
    #[arg(long, default_value_t = 10_000)]
    resamples: usize,
    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,
}

/// The lab's settings from the flags.
fn options(a: &CvArgs, work: PathBuf) -> Result<CvOptions> {
    anyhow::ensure!(
        a.ngram_cs.iter().all(|c| c.is_finite() && *c > 0.0),
        "--ngram-cs: every C must be a positive number, got {:?}",
        a.ngram_cs
    );
    anyhow::ensure!(
        a.student_weights.iter().all(|w| w.is_finite() && *w >= 0.0),
        "--student-weights: every weight must be a number ≥ 0, got {:?}",
        a.student_weights
    );
    anyhow::ensure!(
        a.fit_share > 0.0 && a.fit_share <= 1.0,
        "--fit-share: a share in (0, 1], got {}",
        a.fit_share
    );
    let (hidden, layers, heads) = super::model_size(&a.config)?;
    let train = TrainOptions {
        init: a.init.clone(),
        stack_layers: a.stack_layers,
        hidden,
        layers,
        heads,
        vocab_size: a.vocab_size,
        epochs: a.epochs,
        batch_size: a.batch_size,
        lr: a.lr,
        ema: a.ema,
        max_tokens: a.max_tokens,
        seed: a.train_seed,
        patience: a.patience,
        eval_every: a.eval_every,
        max_steps: Some(a.max_steps),
        progress: false,
        ..TrainOptions::default()
    };
    Ok(CvOptions {
        folds: a.folds,
        seed: a.seed,
        inner_share: a.inner_share,
        fit_share: a.fit_share,
        weak_weight: a.weak_weight,
        weak_ratio: a.weak_ratio,
        ngram: NgramOptions {
            weak_weights: a.ngram_weak_weights.clone(),
            cs: a.ngram_cs.clone(),
            max_n: a.ngram_max_n as usize,
            fields: a.ngram_fields.clone(),
            ..NgramOptions::default()
        },
        teachers: a.teachers.clone(),
        distill_weight: a.distill_weight,
        distill_ratio: a.distill_ratio,
        student_weights: a.student_weights.clone(),
        keep_head: a.keep_head,
        train,
        members: a.members.clone(),
        refit: match &a.refit {
            Some(m) if m.iter().any(|m| m == "all") => a.members.clone(),
            Some(m) => m.clone(),
            None => Vec::new(),
        },
        reuse_from: a.reuse_from.clone(),
        reuse: a.reuse.clone(),
        work,
        batch_size: a.batch_size,
        resamples: a.resamples,
        thresholds: match a.thresholds.as_str() {
            "bagged-median" => ThresholdChoice::BaggedMedian,
            _ => ThresholdChoice::Best,
        },
        member_weights: match a.member_weights.as_str() {
            "bagged-median" => WeightChoice::BaggedMedian,
            _ => WeightChoice::Equal,
        },
    })
}

pub fn run(a: CvArgs) -> Result<()> {
    let shared = shared_dir(a.shared.as_deref())?;
    if a.line_kinds {
        return run_line_kinds(&a, &all_labelled(&shared)?);
    }
    let set = train_set(&shared)?;
    anyhow::ensure!(
        !set.policies.is_empty(),
        "{}: no human-labelled training policies (labeled/segments_train)",
        shared.display()
    );
    if a.fixed {
        let clf = super::load_classifier(a.model.as_ref(), a.max_tokens)?;
        let r = cross_validate_fixed(&set, &clf, a.folds, a.seed, a.batch_size, a.resamples)?;
        return report_cv(&a, &r);
    }
    let temp = std::env::temp_dir().join(format!("policyscan-cv-{}", std::process::id()));
    let work = a.work.clone().unwrap_or_else(|| temp.clone());
    let opts = options(&a, work)?;
    let student = a.members.iter().any(|m| m == NGRAM_DISTILLED);
    anyhow::ensure!(
        !student || (a.weak_weight <= 0.0 && !ngram_reads_weak(&opts)),
        "{NGRAM_DISTILLED} learns from the unlabelled corpus segments, which the weak pool \
         labels by rule: drop --weak-weight / --ngram-weak-weights"
    );
    let pool = if a.teachers.is_some() || student {
        unlabelled_examples(&shared, &Default::default())?
    } else if a.weak_weight > 0.0 || ngram_reads_weak(&opts) {
        weak_examples(&shared, &Default::default(), HeadingRule::Innermost)?
    } else {
        Vec::new()
    };
    let res = if a.final_check {
        let out = a.out.clone().unwrap_or_else(|| opts.work.join("final"));
        let dev = DevSet::load(&shared)?;
        final_check(&set, &dev, &pool, &opts, &out).map(|r| {
            if let Some(path) = &a.dump {
                std::fs::write(path, lines_jsonl(&r.lines))
                    .with_context(|| format!("cannot write {}", path.display()))?;
            }
            if a.json {
                println!("{}", serde_json::json!({ "final": r }));
            } else {
                println!(
                    "trained on {} policies ({} segments{}), checkpoint and thresholds{} from {} \
                     inner policies: {}{}, {:.0} s; model in {}\n",
                    r.trained.fit.len(),
                    r.trained.human_examples,
                    extra_note(r.trained.extra_examples, &a),
                    choice_note(&r.trained),
                    r.trained.inner.len(),
                    steps_note(&r.trained, &a),
                    refit_note(&r.trained, &a),
                    r.trained.seconds,
                    r.model_dir.display()
                );
                println!("dev policies (final check), whole scan:");
                print!("{}", format_comparison(&r.dev));
            }
            anyhow::Ok(())
        })
    } else {
        cross_validate(&set, &pool, &opts).map(|r| report_cv(&a, &r))
    };
    if a.work.is_none() && !(a.final_check && a.out.is_none()) {
        let _ = std::fs::remove_dir_all(&temp);
    }
    res??;
    Ok(())
}

/// "step 500 of 600" for a BERT (the checkpoint kept of the steps run),
/// "701 L-BFGS iterations" for the n-gram member (it has no checkpoint);
/// an ensemble's per member, named: its summed steps would read as one run's.
fn steps_note(t: &Trained, a: &CvArgs) -> String {
    fn one(name: &str, t: &Trained) -> String {
        if name == NGRAM || name == NGRAM_DISTILLED {
            format!("{} L-BFGS iterations", t.steps)
        } else {
            format!("step {} of {}", t.best_step, t.steps)
        }
    }
    if t.members.is_empty() {
        return one(a.members.first().map_or("", String::as_str), t);
    }
    let parts: Vec<String> = t
        .members
        .iter()
        .zip(&a.members)
        .map(|(m, name)| format!("{name} {}", one(name, m)))
        .collect();
    parts.join(", ")
}

/// ", then refitted on all N" for a model trained again on fit + inner;
/// ", then ngram refitted on all N" where only some members were.
fn refit_note(t: &Trained, a: &CvArgs) -> String {
    let all = t.fit.len() + t.inner.len();
    let some: Vec<&str> = t
        .members
        .iter()
        .zip(&a.members)
        .filter(|(m, _)| m.refit)
        .map(|(_, name)| name.as_str())
        .collect();
    if t.refit {
        format!(", then refitted on all {all}")
    } else if !some.is_empty() {
        format!(", then {} refitted on all {all}", some.join(", "))
    } else {
        String::new()
    }
}

/// " (plain, lead-in reused)" when members were copied from an earlier
/// run, " (reused)" when the one model was: their steps and seconds are
/// that run's.
fn reuse_note(t: &Trained, a: &CvArgs) -> String {
    if t.members.is_empty() && t.reused_from.is_some() {
        return " (reused)".into();
    }
    let reused: Vec<&str> = t
        .members
        .iter()
        .zip(&a.members)
        .filter(|(m, _)| m.reused_from.is_some())
        .map(|(_, name)| name.as_str())
        .collect();
    if reused.is_empty() {
        String::new()
    } else {
        format!(" ({} reused)", reused.join(", "))
    }
}

/// " (bagged median)" when the thresholds were bagged (`--thresholds`),
/// " and member weights" too when the members' weights were chosen
/// (`--member-weights`).
fn choice_note(t: &Trained) -> &'static str {
    match (t.threshold_choice, t.member_weights.is_empty()) {
        (ThresholdChoice::Best, true) => "",
        (ThresholdChoice::BaggedMedian, true) => " (bagged median)",
        (ThresholdChoice::Best, false) => " (member weights bagged)",
        (ThresholdChoice::BaggedMedian, false) => " (bagged median, member weights bagged)",
    }
}

/// ", N weak" or ", N distilled" when such examples were mixed in.
fn extra_note(n: usize, a: &CvArgs) -> String {
    let kind = if a.teachers.is_some() {
        "distilled"
    } else {
        "weak"
    };
    if n == 0 {
        String::new()
    } else {
        format!(" + {n} {kind}")
    }
}

/// Print a cross-validation as a table or JSON, and dump its lines.
fn report_cv(a: &CvArgs, r: &CvResult) -> Result<()> {
    if let Some(path) = &a.dump {
        std::fs::write(path, lines_jsonl(&r.lines))
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    if a.json {
        println!("{}", serde_json::to_string(r)?);
        return Ok(());
    }
    println!(
        "{}-fold cross-validation by policy over {} policies ({:.0} s)",
        r.folds,
        r.fold_of.len(),
        r.seconds
    );
    for f in &r.fold_results {
        let how = match &f.trained {
            Some(t) => {
                format!(
                    "trained on {} policies ({} segments{}), {}, inner macro-F1 {:.3}{}{}, {:.0} s",
                    t.fit.len(),
                    t.human_examples,
                    extra_note(t.extra_examples, a),
                    steps_note(t, a),
                    t.inner_macro_f1,
                    choice_note(t),
                    refit_note(t, a),
                    t.seconds
                ) + &reuse_note(t, a)
            }
            None => "fixed model".into(),
        };
        println!(
            "  fold {}: {} held-out policies, model {:.3} / baseline {:.3} macro-F1; {how}",
            f.fold,
            f.test.len(),
            f.model_macro_f1,
            f.baseline_macro_f1
        );
    }
    println!("\nout of fold, whole scan vs keyword/heading baseline on the same body lines:");
    print!("{}", format_comparison(&r.out_of_fold));
    Ok(())
}

/// `--line-kinds`: the segmenter against the readers' KIND column.
fn run_line_kinds(a: &CvArgs, set: &DevSet) -> Result<()> {
    let r = line_kinds(set);
    if let Some(path) = &a.dump {
        let mut out = String::new();
        for m in &r.misses {
            out.push_str(&serde_json::to_string(m)?);
            out.push('\n');
        }
        std::fs::write(path, out).with_context(|| format!("cannot write {}", path.display()))?;
    }
    if a.json {
        let mut v = serde_json::to_value(&r)?;
        v.as_object_mut().map(|o| o.remove("misses"));
        println!("{v}");
    } else {
        println!("segmenter line kinds vs the readers' (all human-labelled policies):");
        print!("{}", format_kinds(&r));
        let worst: Vec<String> = r
            .misses_by_policy
            .iter()
            .take(8)
            .map(|(p, n)| format!("{p} {n}"))
            .collect();
        println!("most misses: {}", worst.join(", "));
    }
    Ok(())
}
