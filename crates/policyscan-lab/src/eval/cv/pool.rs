//! What a model of `policyscan cv` trains on beside its human segments:
//! nothing, a sample of the weak pool (weak labels, lower loss weight), or
//! a sample of the unlabelled corpus segments with a teacher's scores as
//! targets (distillation, [`crate::train::distill`]), drawn per training
//! run with a seed, in proportion to its human segments.

use std::path::Path;

use super::{CvError, CvOptions, NGRAM, labelled};
use crate::data::devset::DevSet;
use crate::data::examples::{Example, Labelled};
use crate::data::human::set_examples;
use crate::train::distill::{Extra, check_teacher, soft_examples};
use policyscan::classify::Classifier;
use policyscan::rng::SplitMix64;
use policyscan::segment::SegmentOptions;

/// A seeded sample of `n` of `pool` (all of it when there are fewer).
fn sample<T: Clone>(pool: &[T], n: usize, seed: u64) -> Vec<T> {
    let mut idx: Vec<usize> = (0..pool.len()).collect();
    SplitMix64::new(seed).shuffle(&mut idx);
    idx.truncate(n);
    idx.sort();
    idx.into_iter().map(|i| pool[i].clone()).collect()
}

/// What a model trains on beside its human segments.
#[derive(Clone, Copy)]
pub enum Pool<'a> {
    /// Nothing.
    None,
    /// A sample of these weakly labelled examples, at `weak_weight`.
    Weak(&'a [Labelled]),
    /// A sample of these unlabelled segments with the scores of the teacher
    /// in this directory as soft targets, at the distillation weight.
    Distill {
        teacher: &'a Path,
        unlabelled: &'a [Example],
    },
}

/// The extra examples of one training on `fit` + `inner`: a seeded sample
/// of the pool, `ratio` of them per human training segment, weak labels
/// or a teacher's scores.
pub(super) fn extra_for(
    set: &DevSet,
    (fit, inner): (&[String], &[String]),
    pool: Pool<'_>,
    opts: &CvOptions,
    seed: u64,
) -> Result<Extra, CvError> {
    match pool {
        Pool::None => Ok(Extra::default()),
        Pool::Weak(_) if opts.weak_weight <= 0.0 => Ok(Extra::default()),
        Pool::Weak(weak) => Ok(Extra {
            examples: weak_sample(set, fit, weak, opts, seed),
            weight: opts.weak_weight,
        }),
        Pool::Distill {
            teacher,
            unlabelled,
        } => {
            let allowed: Vec<String> = fit.iter().chain(inner).cloned().collect();
            check_teacher(teacher, &allowed).map_err(|e| CvError::Setup(e.to_string()))?;
            let n = (human_segments(set, fit) * opts.distill_ratio).round() as usize;
            let picked = sample(unlabelled, n, seed ^ 0xD157);
            let clf = Classifier::from_dir(teacher, opts.train.max_tokens)?;
            Ok(Extra {
                examples: soft_examples(&clf, &picked, opts.batch_size)?,
                weight: opts.distill_weight,
            })
        }
    }
}

/// The n-gram member's weak sample for a training on `fit`: the same
/// seeded draw the BERTs' [`extra_for`] makes, when `opts` has an n-gram
/// member that may read weak examples (else empty).
pub(super) fn ngram_weak_for(
    set: &DevSet,
    fit: &[String],
    pool: Pool<'_>,
    opts: &CvOptions,
    seed: u64,
) -> Vec<Labelled> {
    match pool {
        Pool::Weak(weak) if ngram_reads_weak(opts) => weak_sample(set, fit, weak, opts, seed),
        _ => Vec::new(),
    }
}

/// A seeded sample of `weak`, `opts.weak_ratio` per human segment of `fit`.
fn weak_sample(
    set: &DevSet,
    fit: &[String],
    weak: &[Labelled],
    opts: &CvOptions,
    seed: u64,
) -> Vec<Labelled> {
    let n = (human_segments(set, fit) * opts.weak_ratio).round() as usize;
    sample(weak, n, seed ^ 0x5EED)
}

/// How many human segments a training on `fit` reads: the unit the extra
/// examples are drawn per.
fn human_segments(set: &DevSet, fit: &[String]) -> f64 {
    set_examples(&set.select(fit), &SegmentOptions::default()).len() as f64
}

/// Whether `opts` trains an n-gram member that may read the weak pool.
pub fn ngram_reads_weak(opts: &CvOptions) -> bool {
    opts.members.iter().any(|m| m == NGRAM) && opts.ngram.weak_weights.iter().any(|&w| w > 0.0)
}

/// The labelled weak pool when `opts` trains on it (else empty).
pub(super) fn weak_pool(pool: &[Example], opts: &CvOptions) -> Result<Vec<Labelled>, CvError> {
    if (opts.weak_weight > 0.0 || ngram_reads_weak(opts)) && opts.teachers.is_none() {
        labelled(pool.to_vec())
    } else {
        Ok(Vec::new())
    }
}

/// Which pool one training draws from: the weak one, a teacher's scores on
/// the unlabelled segments, or none.
pub(super) fn pool_for<'a>(
    weak: &'a [Labelled],
    unlabelled: &'a [Example],
    teacher: Option<&'a Path>,
) -> Pool<'a> {
    match teacher {
        Some(teacher) => Pool::Distill {
            teacher,
            unlabelled,
        },
        None if !weak.is_empty() => Pool::Weak(weak),
        None => Pool::None,
    }
}
