//! Distillation: a teacher classifier (the two-member ensemble, say) scores
//! segments nobody labelled, and a student trains towards those scores
//! beside the human labels.
//!
//! Why: the ensemble reads better than either member but costs two forward
//! passes; a student trained on its scores can read like it at one model's
//! cost. And the teacher's scores carry more than a 0/1 label (how sure,
//! which labels go together) over far more text than the humans labelled:
//! the 307 corpus policies no one labelled.
//!
//! Leakage is the risk: a teacher that trained on a held-out policy's labels
//! would pass them to the student through its scores. So a teacher must
//! say which policies it learned from ([`TRAINED_FILE`], written by every
//! model `policyscan cv` trains), and [`check_teacher`] refuses one that
//! learned from a policy the student may not see.

use std::collections::BTreeSet;
use std::path::Path;

use crate::data::examples::{Example, Labelled};
use policyscan::classify::Classifier;
use policyscan::labels::N_LABELS;

/// The file in a model directory trained by `policyscan cv` that names the
/// policies it trained on (`fit`) and chose its checkpoint on (`inner`).
pub const TRAINED_FILE: &str = "trained.json";

/// Examples trained on beside the human ones, and their loss weight.
#[derive(Debug, Clone, Default)]
pub struct Extra {
    pub examples: Vec<Labelled>,
    pub weight: f32,
}

/// Why a teacher cannot teach this student.
#[derive(Debug, thiserror::Error)]
pub enum TeacherError {
    /// No readable record of what the teacher trained on.
    #[error("{path}: cannot tell which policies the teacher learned from: {reason}")]
    NoRecord { path: String, reason: String },
    /// The teacher learned from policies the student must not see.
    #[error("{path}: the teacher learned from {policies:?}, which this model must not see")]
    Leak { path: String, policies: Vec<String> },
}

/// The policies a teacher directory learned from, by its [`TRAINED_FILE`].
pub fn teacher_policies(dir: &Path) -> Result<BTreeSet<String>, TeacherError> {
    let path = dir.join(TRAINED_FILE);
    let no_record = |reason: String| TeacherError::NoRecord {
        path: dir.display().to_string(),
        reason,
    };
    let text = std::fs::read_to_string(&path).map_err(|e| no_record(e.to_string()))?;
    let v: serde_json::Value = serde_json::from_str(&text).map_err(|e| no_record(e.to_string()))?;
    let mut out = BTreeSet::new();
    for key in ["fit", "inner"] {
        let ids = v[key]
            .as_array()
            .ok_or_else(|| no_record(format!("no `{key}` list in {TRAINED_FILE}")))?;
        out.extend(ids.iter().filter_map(|id| id.as_str().map(str::to_owned)));
    }
    Ok(out)
}

/// A teacher may teach a student that trains on `allowed` only if it
/// learned from nothing else.
pub fn check_teacher(dir: &Path, allowed: &[String]) -> Result<(), TeacherError> {
    let leaked: Vec<String> = teacher_policies(dir)?
        .into_iter()
        .filter(|p| !allowed.contains(p))
        .collect();
    if leaked.is_empty() {
        Ok(())
    } else {
        Err(TeacherError::Leak {
            path: dir.display().to_string(),
            policies: leaked,
        })
    }
}

/// `pool` with the teacher's scores as soft targets (its decisions as
/// `gold`, which training does not read for a soft example).
pub fn soft_examples(
    teacher: &Classifier,
    pool: &[Example],
    batch_size: usize,
) -> Result<Vec<Labelled>, policyscan::model::InferenceError> {
    let inputs: Vec<_> = pool.iter().map(Example::input).collect();
    let scores = teacher.score(&inputs, batch_size)?;
    Ok(pool
        .iter()
        .zip(scores)
        .map(|(e, s): (&Example, [f32; N_LABELS])| Labelled {
            example: e.clone(),
            gold: teacher.decide(&s),
            soft: Some(s),
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn a_teacher_that_saw_a_held_out_policy_is_refused() {
        let dir = std::env::temp_dir().join(format!("ps-teacher-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        // No record: refused, naming the directory.
        let e = check_teacher(&dir, &ids(&["a"])).unwrap_err().to_string();
        assert!(e.contains("cannot tell"), "{e}");
        std::fs::write(
            dir.join(TRAINED_FILE),
            r#"{"fit": ["a", "b"], "inner": ["c"], "steps": 3}"#,
        )
        .unwrap();
        assert!(check_teacher(&dir, &ids(&["a", "b", "c", "d"])).is_ok());
        let e = check_teacher(&dir, &ids(&["a", "b"]))
            .unwrap_err()
            .to_string();
        assert!(e.contains("[\"c\"]"), "{e}");
        std::fs::write(dir.join(TRAINED_FILE), r#"{"fit": ["a"]}"#).unwrap();
        let e = check_teacher(&dir, &ids(&["a"])).unwrap_err().to_string();
        assert!(e.contains("no `inner` list"), "{e}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
