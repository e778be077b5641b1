//! `policyscan eval`.

use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::Args;
use policyscan::labels::LabelSet;
use policyscan::model::batch::Input;
use policyscan::segment::SegmentOptions;
use policyscan_lab::data::examples::read_examples;
use policyscan_lab::data::{DevSet, shared_dir};
use policyscan_lab::eval::lines::{self, format_comparison, lines_jsonl, score_lines};
use policyscan_lab::eval::metrics::{self, format_table};

/// Flags of `policyscan eval`.
#[derive(Args)]
pub struct EvalArgs {
    /// Model directory (default: the embedded model).
    #[arg(long)]
    model: Option<PathBuf>,
    /// Labelled JSONL to score segment by segment.
    #[arg(long, conflicts_with = "dev_lines")]
    data: Option<PathBuf>,
    /// Score the whole scan (segment → classify) on the human-labelled dev
    /// lines of the shared folder, model and keyword baseline side by side.
    #[arg(long)]
    dev_lines: bool,
    /// Score the extractors: data types against the CA4P spans, fields
    /// against the human fields of the dev policies.
    #[arg(long, conflicts_with_all = ["data", "dev_lines"])]
    extract: bool,
    /// Score a data-mention tagger (`--tagger DIR`, default the built-in
    /// one) on tagger examples (`tag_test.jsonl` of `policyscan dataset`):
    /// exact-span and overlap precision/recall/F1 of its `data_mention`
    /// rows as `scan` writes them, and of the lexicon's `data_type` rows.
    #[arg(long, conflicts_with_all = ["data", "dev_lines", "extract"])]
    tag_data: Option<PathBuf>,
    /// Compare two runs on the lines both scored: the `--dump` files of two
    /// `cv` (or two `eval --dev-lines`) runs, A's model against B's, with
    /// the paired bootstrap over policies. Trains and loads nothing.
    #[arg(long, num_args = 2, value_names = ["A", "B"],
          conflicts_with_all = ["data", "dev_lines", "extract", "tag_data", "model", "dump"])]
    compare: Option<Vec<PathBuf>>,
    /// The ceiling of a run's choices: from its `--dump` file (with
    /// scores), F1 as decided beside F1 at the thresholds, and the member
    /// weights, that are best on those very lines: how much any way of
    /// choosing them could add. An upper bound, not a model's figure.
    #[arg(long, value_name = "DUMP",
          conflicts_with_all = ["data", "dev_lines", "extract", "tag_data", "model", "dump", "compare"])]
    ceiling: Option<PathBuf>,
    /// Score the data types a scan listed (`OUT`: the Parquet output of
    /// `policyscan scan` over `../shared/corpus/ca4p/texts`) against the
    /// types inside each policy's CA4P `data` spans: the lexicon's list
    /// (`policies.data_types`) and the types inside the tagger's
    /// `data_mention` rows, over all policies and the tagger's held-out ones.
    #[arg(long, value_name = "OUT",
          conflicts_with_all = ["data", "dev_lines", "extract", "tag_data", "model", "dump", "compare", "ceiling"])]
    data_types: Option<PathBuf>,
    /// The checklist as label errors move it: each human-labelled policy's
    /// checklist built from the model's segment labels and from the
    /// baseline's, against the one built from the human labels (extraction
    /// the same in all three): status agreement per item, with the paired
    /// bootstrap over policies. On the 12 dev policies with --model
    /// (default: the built-in model); with --folds, out of fold.
    #[arg(long, conflicts_with_all = ["data", "dev_lines", "extract", "tag_data", "compare", "ceiling", "data_types"])]
    checklist: bool,
    /// With --checklist: the `--work` folder of a `policyscan cv` run; each
    /// fold's ensemble builds the checklists of its held-out training
    /// policies (all 84, each exactly once).
    #[arg(
        long,
        value_name = "WORK",
        requires = "checklist",
        conflicts_with = "model"
    )]
    folds: Option<PathBuf>,
    /// Tagger directory for --tag-data (default: the built-in tagger).
    #[arg(long)]
    tagger: Option<PathBuf>,
    /// Shared data folder (default ../shared), for --dev-lines and --extract.
    #[arg(long)]
    shared: Option<PathBuf>,
    /// Write every scored item as JSONL here, for error analysis: with
    /// --dev-lines each line (gold, model and baseline labels), with
    /// --tag-data each segment (gold and predicted spans, as text and as
    /// char offsets), with --checklist each item of each policy (its status
    /// under the human, model and baseline labels).
    #[arg(long)]
    dump: Option<PathBuf>,
    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,
    #[arg(long, default_value_t = policyscan::classify::DEFAULT_MAX_TOKENS)]
    max_tokens: usize,
    #[arg(long, default_value_t = 32)]
    batch_size: usize,
}

pub fn run(a: EvalArgs) -> Result<()> {
    if let Some(paths) = &a.compare {
        return compare(&paths[0], &paths[1], a.json);
    }
    if let Some(path) = &a.ceiling {
        return ceiling(path, a.json);
    }
    if let Some(path) = &a.tag_data {
        return eval_tagger(&a, path);
    }
    if let Some(out) = &a.data_types {
        return data_type_lists(&a, out);
    }
    if a.checklist {
        return checklist(&a);
    }
    if a.extract {
        let shared = shared_dir(a.shared.as_deref())?;
        let ex = policyscan::extract::Extractor::new()?;
        let opts = SegmentOptions::default();
        let spans = policyscan_lab::eval::extract::data_type_spans(&shared, &ex, &opts)?;
        use policyscan_lab::eval::extract::{FieldSet, fields};
        let dev = fields(&shared, FieldSet::Dev, &ex, &opts)?;
        let train = fields(&shared, FieldSet::Train, &ex, &opts)?;
        if a.json {
            println!(
                "{}",
                serde_json::json!({"data_type_spans": spans, "fields": dev, "fields_train": train})
            );
        } else {
            println!(
                "data types vs CA4P `data` spans (403 policies; predictions scored on annotated lines):"
            );
            print!("{}", policyscan_lab::eval::extract::format(&spans));
            println!(
                "\nfields vs the human fields of the 12 dev policies (rules developed on them):"
            );
            print!("{}", policyscan_lab::eval::extract::format(&dev));
            println!(
                "\nfields vs the human fields of the 84 training policies (rules also written from their misses: optimistic too):"
            );
            print!("{}", policyscan_lab::eval::extract::format(&train));
        }
        return Ok(());
    }
    let clf = super::load_classifier(a.model.as_ref(), a.max_tokens)?;
    if a.dev_lines {
        let shared = shared_dir(a.shared.as_deref())?;
        let dev = DevSet::load(&shared)?;
        let lines = score_lines(&dev, &SegmentOptions::default(), &clf, a.batch_size)?;
        if let Some(path) = &a.dump {
            std::fs::write(path, lines_jsonl(&lines))
                .with_context(|| format!("writing {}", path.display()))?;
        }
        let c = lines::compare(&lines, 10_000, 17);
        if a.json {
            println!("{}", serde_json::to_string(&c)?);
        } else {
            println!("model (whole scan) against the keyword baseline, human dev lines:");
            print!("{}", format_comparison(&c));
        }
        return Ok(());
    }
    let Some(data) = a.data else {
        anyhow::bail!("give --data FILE or --dev-lines");
    };
    let ex = read_examples(&data)?;
    let inputs: Vec<Input> = ex.iter().map(|l| l.input()).collect();
    let scores = clf.score(&inputs, a.batch_size)?;
    let pred = metrics::decide(&scores, clf.thresholds());
    let gold: Vec<LabelSet> = ex.iter().map(|l| l.gold).collect();
    let r = metrics::report(&gold, &pred);
    if a.json {
        println!("{}", serde_json::to_string_pretty(&r)?);
    } else {
        print!("{}", format_table(&r));
    }
    Ok(())
}

fn eval_tagger(a: &EvalArgs, path: &std::path::Path) -> Result<()> {
    let tagger = super::load_tagger(a.tagger.as_deref(), policyscan::tag::WINDOW)?;
    let ex = policyscan_lab::train::tagger::read_tag_examples(path)?;
    let texts: Vec<&str> = ex.iter().map(|e| e.text.as_str()).collect();
    let spans = tagger.tag(&texts, a.batch_size)?;
    let gold: Vec<Vec<(usize, usize)>> = ex.iter().map(|e| e.spans.clone()).collect();
    // Scored as `scan` writes them: the tagger's spans made `data_mention`
    // entities beside the lexicon's `data_type` hits, which are scored too.
    let extractor = policyscan::extract::Extractor::new()?;
    let at = |v: &[policyscan::extract::Entity]| -> Vec<(usize, usize)> {
        v.iter()
            .map(|x| (x.char_start as usize, x.char_end as usize))
            .collect()
    };
    let (pred, lexicon): (Vec<_>, Vec<_>) = ex
        .iter()
        .zip(&spans)
        .map(|(e, sp)| {
            let mut hits = extractor.extract(&e.text, &[]);
            hits.retain(|x| x.kind == policyscan::extract::Kind::DataType);
            let mentions = policyscan::extract::data_mentions(&e.text, sp, &hits);
            (at(&mentions), at(&hits))
        })
        .unzip();
    let s = policyscan_lab::eval::spans::span_scores(&gold, &pred);
    let l = policyscan_lab::eval::spans::span_scores(&gold, &lexicon);
    if let Some(dump) = &a.dump {
        let mut out = String::new();
        for ((e, g), p) in ex.iter().zip(&gold).zip(&pred) {
            let show = |v: &[(usize, usize)]| -> Vec<String> {
                let chars: Vec<char> = e.text.chars().collect();
                v.iter()
                    .map(|&(x, y)| {
                        chars[x.min(chars.len())..y.min(chars.len())]
                            .iter()
                            .collect()
                    })
                    .collect()
            };
            out.push_str(
                &serde_json::json!({"text": e.text, "gold": show(g), "pred": show(p), "gold_at": g, "pred_at": p}).to_string(),
            );
            out.push('\n');
        }
        std::fs::write(dump, out)?;
    }
    if a.json {
        println!(
            "{}",
            serde_json::json!({
                "examples": ex.len(), "gold": s.gold(), "pred": s.pred(),
                "exact": {"precision": s.exact.precision, "recall": s.exact.recall, "f1": s.exact.f1},
                "overlap": {"precision": s.overlap.precision, "recall": s.overlap.recall, "f1": s.overlap.f1},
                "lexicon": {"pred": l.pred(),
                    "exact": {"precision": l.exact.precision, "recall": l.exact.recall, "f1": l.exact.f1},
                    "overlap": {"precision": l.overlap.precision, "recall": l.overlap.recall, "f1": l.overlap.f1}},
            })
        );
    } else {
        println!(
            "{} segments, {} gold spans; {} predicted by the tagger, {} by the lexicon",
            ex.len(),
            s.gold(),
            s.pred(),
            l.pred()
        );
        println!("{:<18} {:>9} {:>9} {:>9}", "", "precision", "recall", "f1");
        for (name, v) in [
            ("tagger exact", s.exact),
            ("tagger overlap", s.overlap),
            ("lexicon exact", l.exact),
            ("lexicon overlap", l.overlap),
        ] {
            println!(
                "{name:<18} {:>9.3} {:>9.3} {:>9.3}",
                v.precision, v.recall, v.f1
            );
        }
    }
    Ok(())
}

/// `--ceiling DUMP`: the best thresholds and mixes on a run's own lines.
fn ceiling(path: &std::path::Path, json: bool) -> Result<()> {
    use policyscan_lab::eval::ceiling::{ceiling, format};
    use policyscan_lab::eval::runs::read_dump;
    let c = ceiling(&read_dump(path)?).with_context(|| path.display().to_string())?;
    if json {
        println!("{}", serde_json::to_string(&c)?);
    } else {
        print!("{}", format(&c));
    }
    Ok(())
}

/// `--compare A B`: two runs' dump files, A's model against B's.
fn compare(a: &std::path::Path, b: &std::path::Path, json: bool) -> Result<()> {
    use policyscan_lab::eval::runs::{compare_runs, format_runs, read_dump};
    let c = compare_runs(&read_dump(a)?, &read_dump(b)?, 10_000, 17)?;
    if json {
        println!("{}", serde_json::to_string(&c)?);
    } else {
        println!("A: {}\nB: {}", a.display(), b.display());
        print!("{}", format_runs(&c));
    }
    Ok(())
}

/// `eval --data-types OUT`: a scan's two lists of data types per policy
/// against the CA4P annotators' (`policyscan_lab::eval::listed`).
fn data_type_lists(a: &EvalArgs, out: &std::path::Path) -> Result<()> {
    let shared = shared_dir(a.shared.as_deref())?;
    let ex = policyscan::extract::Extractor::new()?;
    let mut failed = None;
    let policies = policyscan::table::read::policy_rows(out)?.map_while(|r| match r {
        Ok(p) => Some((p.policy.policy_id, p.policy.summary.data_types, p.entities)),
        Err(e) => {
            failed = Some(e);
            None
        }
    });
    let rows = policyscan_lab::eval::listed::scan_lists(&shared, &ex, policies)?;
    if let Some(e) = failed {
        return Err(e.into());
    }
    if a.json {
        println!("{}", serde_json::json!({ "data_type_lists": rows }));
    } else {
        println!(
            "listed data types vs the types in CA4P `data` spans (precision is a lower bound):"
        );
        print!("{}", policyscan_lab::eval::extract::format(&rows));
    }
    Ok(())
}

/// `eval --checklist [--folds WORK]`: the checklist under the model's and
/// the baseline's labels against the human labels'
/// (`policyscan_lab::eval::checklist`).
fn checklist(a: &EvalArgs) -> Result<()> {
    use policyscan_lab::eval::checklist::{format, judge_folds, judge_set, report};
    let shared = shared_dir(a.shared.as_deref())?;
    let ex = policyscan::extract::Extractor::new()?;
    let opts = SegmentOptions::default();
    let (judged, lines, what) = match &a.folds {
        Some(work) => {
            let set = policyscan_lab::data::train_set(&shared)?;
            let (j, l) = judge_folds(work, &set, &opts, &ex, a.max_tokens, a.batch_size)?;
            (
                j,
                l,
                "human-labelled training policies, each by the fold that held it out",
            )
        }
        None => {
            let clf = super::load_classifier(a.model.as_ref(), a.max_tokens)?;
            let dev = DevSet::load(&shared)?;
            let j = judge_set(&dev, &opts, &ex, &clf, a.batch_size)?;
            let l = score_lines(&dev, &opts, &clf, a.batch_size)?;
            (j, l, "dev policies")
        }
    };
    if let Some(path) = &a.dump {
        let mut out = String::new();
        for j in &judged {
            out.push_str(&serde_json::to_string(j)?);
            out.push('\n');
        }
        std::fs::write(path, out).with_context(|| format!("writing {}", path.display()))?;
    }
    let r = report(&judged, 10_000, 17);
    let c = lines::compare(&lines, 10_000, 17);
    if a.json {
        println!("{}", serde_json::json!({"checklist": r, "lines": c}));
    } else {
        println!(
            "checklist statuses under the model's and the baseline's segment labels, against the \
             human labels' ({what}; rows that agree, %):"
        );
        print!("{}", format(&r));
        println!(
            "\nthe same models on the same policies' lines: macro-F1 {:.3} (baseline {:.3}), \
             micro-F1 {:.3} (baseline {:.3})",
            c.model.macro_f1, c.baseline.macro_f1, c.model.micro_f1, c.baseline.micro_f1
        );
    }
    Ok(())
}
