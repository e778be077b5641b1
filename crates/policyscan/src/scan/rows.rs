//! Stage 8 for one policy: its rows in every table — segments with their
//! labels and scores, their entities, the policy with its field summary,
//! and its checklist — from what the earlier stages made of it.
//!
//! Why public and apart from the batch: evaluation must build a policy's
//! checklist exactly as a scan does, with labels from elsewhere (a human
//! reader's, a baseline's) in place of the classifier's, to measure how far
//! label errors move what a regulator reads (`policyscan eval --checklist`).

use crate::check::{PolicyFacts, check, counts};
use crate::extract::{Entity, summarize};
use crate::labels::{LabelSet, N_LABELS, label_names};
use crate::segment::Segment;
use crate::table::{EntityRow, PolicyRow, Rows, SegmentRow};

/// The columns of a policy's row that come from its file, not its text.
#[derive(Debug, Clone, Default)]
pub struct Identity {
    pub policy_id: String,
    pub path: String,
    pub sha256: String,
    pub encoding: String,
    pub chars: u32,
}

/// What the scan made of one policy's segments: per segment, the rule
/// extractors' entities, the tagger's data mentions (empty without the
/// tagger), the classifier's scores and its decided labels.
pub struct Scanned<'a> {
    pub segments: &'a [Segment],
    pub entities: &'a [Vec<Entity>],
    pub mentions: &'a [Vec<Entity>],
    pub scores: &'a [[f32; N_LABELS]],
    pub decided: &'a [LabelSet],
}

/// Append one policy's rows to `rows`: its segments and entities in segment
/// order, its policy row and its checklist.
pub fn push_policy_rows(rows: &mut Rows, id: Identity, s: &Scanned) {
    let first_segment = rows.segments.len();
    let first_entity = rows.entities.len();
    let mut n_labels = [0u32; N_LABELS];
    for (i, (seg, (score, on))) in s
        .segments
        .iter()
        .zip(s.scores.iter().zip(s.decided))
        .enumerate()
    {
        for l in 0..N_LABELS {
            n_labels[l] += on[l] as u32;
        }
        rows.segments.push(SegmentRow {
            policy_id: id.policy_id.clone(),
            segment: i as u32,
            heading_path: seg.heading_path.clone(),
            text: seg.text.clone(),
            char_start: seg.char_start,
            char_end: seg.char_end,
            labels: label_names(on),
            scores: *score,
        });
        for e in s.entities[i].iter().chain(&s.mentions[i]) {
            rows.entities
                .push(EntityRow::of(&id.policy_id, i as u32, seg.char_start, e));
        }
    }
    let mut policy = PolicyRow {
        segments: s.segments.len() as u32,
        n_labels,
        summary: summarize(s.entities.iter().flatten()),
        checklist_present: 0,
        checklist_applicable: 0,
        policy_id: id.policy_id,
        path: id.path,
        sha256: id.sha256,
        encoding: id.encoding,
        chars: id.chars,
    };
    let checklist = check(&PolicyFacts {
        policy: &policy,
        segments: &rows.segments[first_segment..],
        entities: &rows.entities[first_entity..],
    });
    (policy.checklist_present, policy.checklist_applicable) = counts(&checklist);
    rows.policies.push(policy);
    rows.checklist.extend(checklist);
}
