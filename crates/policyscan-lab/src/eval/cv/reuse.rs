//! Reusing members an earlier run trained (`cv --reuse-from DIR --reuse
//! plain,lead-in`): a member is copied from the earlier run's work folder
//! with the record of its training instead of being trained again.
//!
//! Why: an ensemble run spends nearly all its time fine-tuning the BERTs
//! (about an hour here), while a change to one member — the n-gram model's
//! features, say — needs only that member trained again and the ensemble's
//! thresholds chosen again on the inner policies. Training is seeded, so a
//! reused member is the one the same flags would train. What keeps this
//! honest is checked, not assumed: the earlier run trained on exactly the
//! same fit and inner policies, and did not refit the member on them
//! (`--refit`), or its scores on the inner policies would be in sample and
//! so would the thresholds this run chooses there. That the member's own
//! flags were the same is the caller's word, so the record of every reused
//! member keeps saying which run it came from.

use std::path::Path;

use super::{CvError, Trained};
use crate::train::distill::TRAINED_FILE;
use policyscan::classify::{Ensemble, MANIFEST};

/// Copy member `member` of the ensemble in `from` (an earlier run's fold
/// folder, or its `--final --out`) into `out` and return the record of its
/// training. Refused when `from` holds no such member, trained on other
/// fit or inner policies than `fit` and `inner`, or refitted the member on
/// the inner policies.
pub(super) fn reuse_member(
    from: &Path,
    member: &str,
    (fit, inner): (&[String], &[String]),
    out: &Path,
) -> Result<Trained, CvError> {
    let bad = |reason: String| CvError::Setup(format!("--reuse-from {}: {reason}", from.display()));
    let read = |name: &str| std::fs::read(from.join(name)).map_err(|e| bad(format!("{name}: {e}")));
    if !from.join(MANIFEST).is_file() && from.join(TRAINED_FILE).is_file() {
        return Err(bad(format!(
            "no {MANIFEST}: members are reused from the folder of an ensemble run (two or more \
             --members); this one trained a single model"
        )));
    }
    let manifest = Ensemble::parse(&read(MANIFEST)?, &from.display().to_string())?;
    let record: Trained = serde_json::from_slice(&read(TRAINED_FILE)?)
        .map_err(|e| bad(format!("{TRAINED_FILE}: {e}")))?;
    let Some(i) = manifest.members.iter().position(|m| m == member) else {
        return Err(bad(format!(
            "no member `{member}` (it holds {:?})",
            manifest.members
        )));
    };
    let Some(trained) = record.members.get(i) else {
        return Err(bad(format!(
            "{TRAINED_FILE} has no record of member `{member}`"
        )));
    };
    if record.fit != fit || record.inner != inner {
        return Err(bad(format!(
            "it trained on other policies than this run's (fit {} / inner {} policies against \
             {} / {}): another --seed, --folds or --inner-share?",
            record.fit.len(),
            record.inner.len(),
            fit.len(),
            inner.len()
        )));
    }
    if trained.refit {
        return Err(bad(format!(
            "its member `{member}` was refitted on the inner policies (--refit), so its scores \
             there are in sample and would choose this run's thresholds on seen labels: reuse \
             it from a run without --refit, or let this run train it"
        )));
    }
    copy_files(&from.join(member), out).map_err(|e| bad(format!("copying `{member}`: {e}")))?;
    tracing::info!(member, from = %from.display(), "member reused");
    let mut trained = trained.clone();
    // A member reused twice still names the run that trained it.
    trained
        .reused_from
        .get_or_insert_with(|| from.to_path_buf());
    Ok(trained)
}

/// Copy the files of the flat folder `from` into `out` (created); nothing
/// when both are the same folder.
fn copy_files(from: &Path, out: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(out)?;
    if from.canonicalize()? == out.canonicalize()? {
        return Ok(());
    }
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        if entry.file_type()?.is_file() {
            std::fs::copy(entry.path(), out.join(entry.file_name()))?;
        }
    }
    Ok(())
}
