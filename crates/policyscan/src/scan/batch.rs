//! Stages 5–8 for one batch of policies: prepare each (in parallel), then
//! classify and tag all their segments together — batched by token length
//! across policies, each distinct input once — and turn the results into
//! table rows, in input order.

use std::collections::HashMap;

use rayon::prelude::*;

use super::ScanOptions;
use super::prepare::{Prepared, err_row, prepare_safe, write_text};
use super::rows::{Identity, Scanned, push_policy_rows};
use crate::classify::Classifier;
use crate::extract::{Entity, Extractor, Kind, data_mentions};
use crate::labels::{LabelSet, N_LABELS, parse_labels};
use crate::model::batch::Input as ClfInput;
use crate::read::Input;
use crate::segment::lead_ins;
use crate::stage::Stage;
use crate::table::{ErrorRow, Rows};
use crate::tag::Tagger;

/// Labels of the segments that go to the data-mention tagger, besides
/// those where the lexicon found a data type: practices that name data.
/// The rest (contacts, rights, definitions…) rarely hold data phrases and
/// would double the model cost.
const TAGGED_LABELS: [&str; 4] = ["collection", "sharing", "cookie", "cross_border"];

/// The distinct items of `keys`: the index of each one's first occurrence,
/// and for every item the position of its own in that list. Lets a batch
/// run a model once per distinct input and hand the result to every copy.
fn distinct<K: Eq + std::hash::Hash>(keys: impl Iterator<Item = K>) -> (Vec<usize>, Vec<usize>) {
    let mut seen: HashMap<K, usize> = HashMap::new();
    let mut first = Vec::new();
    let of = keys
        .enumerate()
        .map(|(i, k)| {
            *seen.entry(k).or_insert_with(|| {
                first.push(i);
                first.len() - 1
            })
        })
        .collect();
    (first, of)
}

/// Classifier output for every segment of a batch.
struct Scored {
    scores: Vec<[f32; N_LABELS]>,
    decided: Vec<LabelSet>,
}

/// Process one batch of inputs into rows (in input order).
pub(super) fn run_batch(
    inputs: &[Input],
    opts: &ScanOptions,
    clf: &Classifier,
    tagger: Option<&Tagger>,
    extractor: &Extractor,
) -> Rows {
    let prepared: Vec<Result<Prepared, ErrorRow>> = inputs
        .par_iter()
        .map(|i| prepare_safe(i, opts, extractor))
        .collect();
    let ok: Vec<&Prepared> = prepared.iter().filter_map(|p| p.as_ref().ok()).collect();
    let read_leads = clf.reads_lead_ins();
    let flat: Vec<ClfInput> = ok
        .iter()
        .flat_map(|p| {
            let leads = if read_leads {
                lead_ins(&p.segments)
            } else {
                vec![None; p.segments.len()]
            };
            p.segments.iter().zip(leads).map(|(s, lead_in)| ClfInput {
                heading_path: &s.heading_path,
                text: &s.text,
                lead_in,
            })
        })
        .collect();
    let ents: Vec<&Vec<Entity>> = ok.iter().flat_map(|p| p.entities.iter()).collect();
    let scored = score_segments(clf, &flat, opts.batch_size);
    let mentions = match (tagger, &scored) {
        (Some(tagger), Ok(sc)) => tag_mentions(tagger, &flat, &ents, &sc.decided, opts.batch_size),
        _ => Ok(vec![Vec::new(); flat.len()]),
    };
    let mut rows = Rows::default();
    let mut offset = 0;
    for p in &prepared {
        let p = match p {
            Ok(p) => p,
            Err(e) => {
                rows.errors.push(e.clone());
                continue;
            }
        };
        let range = offset..offset + p.segments.len();
        offset = range.end;
        match (&scored, &mentions) {
            (Ok(s), Ok(m)) => push_policy(
                &mut rows,
                p,
                &s.scores[range.clone()],
                &s.decided[range.clone()],
                &m[range],
                opts,
            ),
            (Err(e), _) => rows
                .errors
                .push(err_row(&p.input, Stage::Classify, e.clone())),
            (_, Err(e)) => rows.errors.push(err_row(&p.input, Stage::Tag, e.clone())),
        }
    }
    rows
}

/// Score every segment of the batch, batched by length across policies;
/// batches run in parallel. Policies share templates, so a batch holds the
/// same segment several times (9 % of CA4P's segments at `--chunk 64`):
/// each distinct input (headings, lead-in and text) is scored once and every
/// copy gets its result.
fn score_segments(
    clf: &Classifier,
    flat: &[ClfInput],
    batch_size: usize,
) -> Result<Scored, String> {
    let (first, of) = distinct(flat.iter().map(|x| (x.heading_path, x.lead_in, x.text)));
    let uniq: Vec<ClfInput> = first.iter().map(|&i| flat[i]).collect();
    let unique_scores = clf.score(&uniq, batch_size).map_err(|e| e.to_string())?;
    let scores: Vec<[f32; N_LABELS]> = of.iter().map(|&k| unique_scores[k]).collect();
    let decided = scores.iter().map(|x| clf.decide(x)).collect();
    Ok(Scored { scores, decided })
}

/// Data mentions of the segments worth tagging (a practice that names data,
/// or a data type the lexicon found), batched like the classifier; each
/// distinct text once (17 % of all texts repeat one of their batch).
fn tag_mentions(
    tagger: &Tagger,
    flat: &[ClfInput],
    ents: &[&Vec<Entity>],
    decided: &[LabelSet],
    batch_size: usize,
) -> Result<Vec<Vec<Entity>>, String> {
    let gate = parse_labels(&TAGGED_LABELS).expect("known labels");
    let picked: Vec<usize> = (0..flat.len())
        .filter(|&i| {
            (0..N_LABELS).any(|l| gate[l] && decided[i][l])
                || ents[i].iter().any(|e| e.kind == Kind::DataType)
        })
        .collect();
    let (first, of) = distinct(picked.iter().map(|&i| flat[i].text));
    let texts: Vec<&str> = first.iter().map(|&k| flat[picked[k]].text).collect();
    let spans = tagger.tag(&texts, batch_size).map_err(|e| e.to_string())?;
    let mut out = vec![Vec::new(); flat.len()];
    for (&i, &k) in picked.iter().zip(&of) {
        out[i] = data_mentions(flat[i].text, &spans[k], ents[i]);
    }
    Ok(out)
}

/// The rows of one prepared, scored and tagged policy.
fn push_policy(
    rows: &mut Rows,
    p: &Prepared,
    scores: &[[f32; N_LABELS]],
    decided: &[LabelSet],
    mentions: &[Vec<Entity>],
    opts: &ScanOptions,
) {
    if opts.keep_text
        && let Err(e) = write_text(&opts.out, &p.input.policy_id, &p.text)
    {
        tracing::warn!(policy = %p.input.policy_id, "cannot keep text: {e}");
    }
    let id = Identity {
        policy_id: p.input.policy_id.clone(),
        path: p.input.path_str(),
        sha256: p.sha256.clone(),
        encoding: p.encoding.to_string(),
        chars: p.chars,
    };
    let scanned = Scanned {
        segments: &p.segments,
        entities: &p.entities,
        mentions,
        scores,
        decided,
    };
    push_policy_rows(rows, id, &scanned);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distinct_maps_every_copy_to_its_first_occurrence() {
        let (first, of) = distinct(["a", "b", "a", "c", "b", "a"].into_iter());
        assert_eq!(first, vec![0, 1, 3]);
        assert_eq!(of, vec![0, 1, 0, 2, 1, 0]);
        let (first, of) = distinct(std::iter::empty::<&str>());
        assert!(first.is_empty() && of.is_empty());
    }
}
