//! Refitting (`cv --refit`): once the inner policies have chosen each
//! member's checkpoint (or the n-gram member's `C`) and the thresholds,
//! train every member again on fit + inner with those choices, and keep the
//! thresholds. The inner policies then teach the model too, instead of only
//! choosing for it: a fifth more human labels. Nothing is chosen on the
//! refitted model, so the thresholds stay those of the model that was
//! chosen (the refitted one has seen the inner policies and would only
//! flatter itself there).

use std::collections::BTreeMap;
use std::path::Path;

use super::{
    CvError, CvOptions, Extras, LEAD_IN, NGRAM, NGRAM_DISTILLED, Trained, labelled, student,
    train_fold,
};
use crate::data::devset::DevSet;
use crate::data::human::set_examples;
use crate::train::ngram::{NgramOptions, train_ngram};
use policyscan::classify::ngram::{NGRAM_CONFIG, NgramConfig};
use policyscan::model::config::ModelConfig;
use policyscan::segment::SegmentOptions;

/// Train `member` again into `out` on `trained.fit` + `trained.inner`: a
/// BERT for `trained.best_step` steps with no checkpoint choice, an n-gram
/// member with the `C` and weak (or teacher-scored) weight it chose; then put back the
/// thresholds `trained` chose. Returns the seconds the refit took.
pub(super) fn refit_member(
    set: &DevSet,
    member: &str,
    trained: &Trained,
    extra: &Extras<'_>,
    opts: &CvOptions,
    out: &Path,
) -> Result<f64, CvError> {
    let all: Vec<String> = trained.fit.iter().chain(&trained.inner).cloned().collect();
    if member == NGRAM || member == NGRAM_DISTILLED {
        let (base, read) = if member == NGRAM {
            (opts.ngram.clone(), extra.ngram.as_slice())
        } else {
            let taught = extra.taught.get().ok_or_else(|| {
                CvError::Setup("the distilled member's teacher scores were not made".into())
            })?;
            (student::options(opts), taught.as_slice())
        };
        let c = ngram_c(out)?;
        let train = labelled(set_examples(&set.select(&all), &SegmentOptions::default()))?;
        let ngram = NgramOptions {
            cs: vec![c],
            weak_weights: vec![trained.extra_weight],
            ..base
        };
        let mut t = train_ngram(&train, read, &[], &ngram);
        t.model.set_thresholds(trained.thresholds.clone());
        t.model
            .save(out)
            .map_err(|e| CvError::Setup(format!("{}: {e}", out.display())))?;
        return Ok(t.seconds);
    }
    let mut o = opts.clone();
    o.train.lead_in = member == LEAD_IN;
    o.train.max_steps = Some(trained.best_step.max(1));
    // No inner policies: every evaluation saves, so the last step's
    // weights are kept.
    let t = train_fold(set, all, Vec::new(), &extra.bert, &o, out)?;
    set_bert_thresholds(out, &trained.thresholds)?;
    Ok(t.seconds)
}

/// Put `thresholds` into the `config.json` of the BERT directory `dir`,
/// written as [`crate::train::encoder`] writes it.
fn set_bert_thresholds(dir: &Path, thresholds: &BTreeMap<String, f32>) -> Result<(), CvError> {
    let path = dir.join("config.json");
    let bad = |e: String| CvError::Setup(format!("{}: {e}", path.display()));
    let text = std::fs::read_to_string(&path).map_err(|e| bad(e.to_string()))?;
    let mut config: ModelConfig = serde_json::from_str(&text).map_err(|e| bad(e.to_string()))?;
    config.thresholds = thresholds.clone();
    let text = serde_json::to_string_pretty(&config).expect("config serialises") + "\n";
    std::fs::write(&path, text).map_err(|e| bad(e.to_string()))
}

/// The `C` the n-gram member in `dir` chose.
fn ngram_c(dir: &Path) -> Result<f64, CvError> {
    let path = dir.join(NGRAM_CONFIG);
    let bad = |e: String| CvError::Setup(format!("{}: {e}", path.display()));
    let text = std::fs::read_to_string(&path).map_err(|e| bad(e.to_string()))?;
    let config: NgramConfig = serde_json::from_str(&text).map_err(|e| bad(e.to_string()))?;
    Ok(config.c)
}
