//! The distilled n-gram member (`--members lead-in,ngram,ngram-distilled`):
//! a character n-gram model trained on the human segments and, at a lower
//! loss weight, towards the mean score of the run's other members on every
//! segment of the corpus policies nobody labelled.
//!
//! Why: the n-gram member has seen only the n-grams of some 7,000 human
//! segments; the other members' scores carry what they learned over the
//! 33,000 segments of the 307 unlabelled policies. Distilling a BERT from
//! the ensemble did not pay (the model card); a linear student kept
//! *beside* the members it learned from did, out of fold. The teacher is
//! the fold's own members, trained on the fold's fit policies only, so no
//! held-out label reaches the student. Its weight and `C` are chosen on the
//! inner policies, as the n-gram member's `C` is.

use std::path::Path;

use super::{CvError, CvOptions, Extras, NGRAM_DISTILLED};
use crate::data::examples::{Example, Labelled};
use crate::train::distill::soft_examples;
use crate::train::ngram::NgramOptions;
use policyscan::classify::{Classifier, Ensemble};

/// The student learns from the members before it: it must come last, after
/// at least one of them.
pub(super) fn check_place(names: &[&str]) -> Result<(), CvError> {
    match names.iter().position(|m| *m == NGRAM_DISTILLED) {
        Some(i) if i == 0 || i + 1 != names.len() => Err(CvError::Setup(format!(
            "{NGRAM_DISTILLED} learns from the mean of the other members: name it last, after \
             one or more of them ({names:?})"
        ))),
        _ => Ok(()),
    }
}

/// What `pool` holds for a student: the unlabelled segments when `opts`
/// trains one, else nothing.
pub(super) fn unlabelled_for<'a>(pool: &'a [Example], opts: &CvOptions) -> &'a [Example] {
    if opts.members.iter().any(|m| m == NGRAM_DISTILLED) {
        pool
    } else {
        &[]
    }
}

/// The n-gram options of the student: the n-gram member's, choosing the
/// teacher-scored segments' weight among `opts.student_weights`.
pub(super) fn options(opts: &CvOptions) -> NgramOptions {
    NgramOptions {
        weak_weights: opts.student_weights.clone(),
        ..opts.ngram.clone()
    }
}

/// The unlabelled segments with the mean score of the members before the
/// student (already in `out/<member>`) as soft targets; made once per
/// training and kept in `extra`.
pub(super) fn taught<'e>(
    extra: &'e Extras<'_>,
    names: &[&str],
    out: &Path,
    opts: &CvOptions,
) -> Result<&'e [Labelled], CvError> {
    if let Some(t) = extra.taught.get() {
        return Ok(t);
    }
    if extra.unlabelled.is_empty() {
        return Err(CvError::Setup(format!(
            "{NGRAM_DISTILLED}: no unlabelled segments to learn the other members' scores on"
        )));
    }
    let teachers: Vec<String> = names
        .iter()
        .filter(|m| **m != NGRAM_DISTILLED)
        .map(|m| m.to_string())
        .collect();
    // The teachers' manifest; the ensemble's own replaces it once the
    // student is trained.
    Ensemble {
        members: teachers.clone(),
        thresholds: Default::default(),
        weights: Default::default(),
    }
    .write(out)
    .map_err(|e| CvError::Setup(format!("{}: {e}", out.display())))?;
    let teacher = Classifier::from_dir(out, opts.train.max_tokens)?;
    let taught = soft_examples(&teacher, extra.unlabelled, opts.batch_size)?;
    tracing::info!(
        segments = taught.len(),
        teachers = ?teachers,
        "unlabelled segments scored for the distilled n-gram member"
    );
    Ok(extra.taught.get_or_init(|| taught))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_student_comes_last_after_a_teacher() {
        assert!(check_place(&["lead-in", "ngram", NGRAM_DISTILLED]).is_ok());
        assert!(check_place(&["lead-in", "ngram"]).is_ok());
        let e = check_place(&[NGRAM_DISTILLED]).unwrap_err().to_string();
        assert!(e.contains("name it last"), "{e}");
        let e = check_place(&["ngram", NGRAM_DISTILLED, "lead-in"])
            .unwrap_err()
            .to_string();
        assert!(e.contains("name it last"), "{e}");
    }
}
