//! What a policy's list of data types says, against what its CA4P
//! annotators marked.
//!
//! A regulator reads a policy's data types as "what it says it processes".
//! The CA4P `data` spans mark the phrases of the sentences that state a
//! practice, so the types the lexicon finds inside them, each span read
//! alone, are the policy's *marked* types. A listed type no span names is
//! one the policy mentions without stating that it processes it (a contact
//! channel, `法律文件`, a cookie explained; or a type named only in a
//! section CA4P did not annotate, such as a permission list: precision is a
//! lower bound); a marked type not listed is one the extractor lost.
//!
//! Two lists are scored: the lexicon's (`policies.data_types`: every
//! `data_type` row but generic ones) and the types inside the tagger's
//! `data_mention` rows, which read context. The second comes from a scan's
//! output ([`scan_lists`]), since only a scan runs the classifier and the
//! tagger in between.

use std::collections::BTreeSet;
use std::path::Path;

use policyscan::extract::{Extractor, summarize};
use policyscan::segment::SegmentOptions;
use policyscan::table::{EntityRow, mentioned_types};

use super::extract::{Row, ca4p_spans, extract_policy};
use crate::data::{DatasetError, policy_text, tag_test_ids};
use crate::eval::metrics::Tally;
use crate::eval::spans::CharSpan;

/// The canonical types the lexicon finds inside each of `gold`, read alone.
fn marked_types(extractor: &Extractor, chars: &[char], gold: &[CharSpan]) -> BTreeSet<String> {
    gold.iter()
        .filter(|&&(s, e)| s < e && e <= chars.len())
        .flat_map(|&(s, e)| {
            let span: String = chars[s..e].iter().collect();
            summarize(&extractor.extract(&span, &[])).data_types
        })
        .collect()
}

fn tally(listed: &BTreeSet<String>, marked: &BTreeSet<String>) -> Tally {
    let found = listed.intersection(marked).count();
    Tally::confusion(found, listed.len() - found, marked.len() - found)
}

/// The `policies.data_types` of one policy (extracted here, the lexicon's
/// list) against its marked types.
pub(crate) fn listed_types(
    extractor: &Extractor,
    text: &str,
    chars: &[char],
    gold: &[CharSpan],
    opts: &SegmentOptions,
) -> Tally {
    let listed: BTreeSet<String> = summarize(&extract_policy(extractor, text, opts))
        .data_types
        .into_iter()
        .collect();
    tally(&listed, &marked_types(extractor, chars, gold))
}

/// The two lists of one scanned policy: its `policies.data_types` (the
/// lexicon's) and the part of it inside the tagger's mentions
/// ([`mentioned_types`]).
fn lists_of(data_types: &[String], entities: &[EntityRow]) -> (BTreeSet<String>, BTreeSet<String>) {
    let lexicon: BTreeSet<String> = data_types.iter().cloned().collect();
    let mentioned = mentioned_types(entities)
        .into_iter()
        .filter(|t| lexicon.contains(t))
        .collect();
    (lexicon, mentioned)
}

/// Score the two lists of every policy of a scan of the CA4P texts
/// (`policies`: each policy's id, `data_types` and entity rows) against its marked
/// types: over every policy with CA4P spans, and over the tagger's 49
/// held-out policies, which it never trained on. Policies of the scan that
/// are not CA4P policies are skipped; the number scored is in each name.
pub fn scan_lists(
    shared: &Path,
    extractor: &Extractor,
    policies: impl Iterator<Item = (String, Vec<String>, Vec<EntityRow>)>,
) -> Result<Vec<Row>, DatasetError> {
    let held: BTreeSet<String> = tag_test_ids(shared)?.into_iter().collect();
    // [all, held out] × [lexicon, mentions], and the policies counted.
    let mut t = [[Tally::default(), Tally::default()], Default::default()];
    let mut n = [0usize; 2];
    for (id, data_types, entities) in policies {
        let Some((gold, _)) = ca4p_spans(shared, &id) else {
            continue;
        };
        let chars: Vec<char> = policy_text(shared, &id)?.chars().collect();
        let marked = marked_types(extractor, &chars, &gold);
        let (lexicon, mentioned) = lists_of(&data_types, &entities);
        for (k, counted) in [true, held.contains(&id)].into_iter().enumerate() {
            if counted {
                n[k] += 1;
                t[k][0] += tally(&lexicon, &marked);
                t[k][1] += tally(&mentioned, &marked);
            }
        }
    }
    let [all, test] = t;
    Ok(vec![
        Row::new(&format!("lexicon list, {} policies", n[0]), all[0]),
        Row::new(&format!("mentioned list, {} policies", n[0]), all[1]),
        Row::new(&format!("lexicon list, {} held out", n[1]), test[0]),
        Row::new(&format!("mentioned list, {} held out", n[1]), test[1]),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "我们会收集您的手机号码和姓名。\n\n本政策依据法律文件制定，您可以随时清除浏览记录。\n\n客服邮箱：kefu@example.com";

    /// Entities of one segment at the start of policy `p`, as rows.
    fn rows(ents: &[policyscan::extract::Entity]) -> Vec<EntityRow> {
        ents.iter().map(|e| EntityRow::of("p", 0, 0, e)).collect()
    }

    fn at(w: &str) -> CharSpan {
        let b = TEXT.find(w).unwrap();
        let s = TEXT[..b].chars().count();
        (s, s + w.chars().count())
    }

    /// A listed type is found when some marked span names it; a contact
    /// channel is not listed, a type named outside every span is listed but
    /// not found, and a marked type the summary lacks is missed.
    #[test]
    fn listed_types_are_scored_against_the_types_in_marked_spans() {
        let ex = Extractor::new().unwrap();
        let chars: Vec<char> = TEXT.chars().collect();
        let opts = SegmentOptions::default();
        let t = listed_types(&ex, TEXT, &chars, &[at("手机号码和姓名")], &opts);
        // Listed: 手机号码, 姓名, 浏览记录 (not 电子邮箱, the channel, nor 法律文件's
        // 文件); marked: the first two.
        assert_eq!((t.pred, t.gold, t.tp_pred, t.tp_gold), (3, 2, 2, 2));
        let t = listed_types(
            &ex,
            TEXT,
            &chars,
            &[at("手机号码和姓名"), at("客服邮箱")],
            &opts,
        );
        assert_eq!((t.pred, t.gold, t.tp_gold), (3, 3, 2));
    }

    /// The mentioned list keeps the lexicon types inside a mention of the
    /// same segment only.
    #[test]
    fn the_mentioned_list_is_the_types_inside_mentions() {
        let ex = Extractor::new().unwrap();
        let ents = ex.extract(TEXT, &[]);
        let mention = policyscan::extract::data_mentions(TEXT, &[at("手机号码和姓名")], &ents);
        let mut r = rows(&ents);
        r.extend(rows(&mention));
        let types = summarize(&ents).data_types;
        let (lexicon, mentioned) = lists_of(&types, &r);
        assert_eq!(
            lexicon.into_iter().collect::<Vec<_>>(),
            ["姓名", "手机号码", "浏览记录"]
        );
        assert_eq!(
            mentioned.into_iter().collect::<Vec<_>>(),
            ["姓名", "手机号码"]
        );
        // A mention in another segment holds nothing of this one.
        for m in r.iter_mut().filter(|m| m.kind == "data_mention") {
            m.segment = 1;
        }
        assert!(lists_of(&types, &r).1.is_empty());
    }
}
