//! Scoring the extractors against human annotations in `../shared`:
//! - `data_type` against the CA4P `data` spans (exact-span and overlap
//!   precision/recall/F1 by [`crate::eval::spans`]), over the whole scan
//!   path (segment → extract, offsets mapped to the policy text). CA4P
//!   annotates the sentences that state a practice, not every mention in a
//!   policy, so predictions are scored on annotated lines (lines holding any
//!   CA4P span); every gold span counts for recall. CA4P annotators mark
//!   enumerations such as `姓名、手机号码` as one span, so a second figure
//!   merges runs of hits joined only by `、，/和及与或以及`.
//! - per-field precision/recall against the 12 `*.fields.json` of the
//!   human-labelled dev policies: one step per field family (contacts,
//!   venues, numbers, retention, dates, cross-border), every field scored
//!   as a list by the same matcher ([`Tally::matching`]).

use std::collections::BTreeSet;
use std::path::Path;

use serde::Serialize;
use serde_json::Value;

use crate::data::{
    DatasetError, corpus_ids, dev_ids, file_stems, line_char_spans, policy_text, read,
};
use crate::eval::metrics::{Prf, Tally};
use crate::eval::spans::{CharSpan, SpanTally};
use policyscan::extract::{Entity, Extractor, Kind, Summary, summarize};
use policyscan::segment::{SegmentOptions, segment};

/// One named measurement: a table row of `policyscan eval --extract`.
#[derive(Debug, Clone, Serialize)]
pub struct Row {
    pub name: String,
    #[serde(flatten)]
    pub score: Prf,
}

impl Row {
    pub(crate) fn new(name: &str, tally: Tally) -> Self {
        Self {
            name: name.into(),
            score: tally.prf(),
        }
    }
}

/// Entities of a whole policy text, offsets in the policy.
pub fn extract_policy(extractor: &Extractor, text: &str, opts: &SegmentOptions) -> Vec<Entity> {
    let mut all = Vec::new();
    for s in segment(text, opts) {
        for mut e in extractor.extract(&s.text, &s.heading_path) {
            e.char_start += s.char_start;
            e.char_end += s.char_start;
            all.push(e);
        }
    }
    all
}

fn merge_enumerations(text: &[char], spans: &[CharSpan]) -> Vec<CharSpan> {
    let mut out: Vec<CharSpan> = Vec::new();
    for &(s, e) in spans {
        if let Some(last) = out.last_mut() {
            let gap: String = text[last.1.min(s)..s].iter().collect();
            if !gap.is_empty()
                && gap.chars().count() <= 2
                && gap.chars().all(|c| "、，,/和及与或以".contains(c))
            {
                last.1 = e;
                continue;
            }
        }
        out.push((s, e));
    }
    out
}

/// The CA4P spans of policy `id`: its `data` spans (sorted, deduplicated)
/// and the spans of every label (which mark the lines annotators read).
/// `None` when the policy has no readable spans file; unreadable lines are
/// skipped.
pub(crate) fn ca4p_spans(shared: &Path, id: &str) -> Option<(Vec<CharSpan>, Vec<CharSpan>)> {
    let raw = std::fs::read_to_string(shared.join(format!("corpus/ca4p/spans/{id}.jsonl"))).ok()?;
    let rows: Vec<Value> = raw
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .collect();
    let at = |v: &Value| Some((v["start"].as_u64()? as usize, v["end"].as_u64()? as usize));
    let mut data: Vec<CharSpan> = rows
        .iter()
        .filter(|v| v["label"] == "data")
        .filter_map(at)
        .collect();
    data.sort();
    data.dedup();
    Some((data, rows.iter().filter_map(at).collect()))
}

/// The `data_type` hits of the scan of `text` that start on an annotated
/// line (one holding any of `all_spans`), sorted.
fn annotated_hits(
    extractor: &Extractor,
    text: &str,
    all_spans: &[CharSpan],
    opts: &SegmentOptions,
) -> Vec<CharSpan> {
    let lines = line_char_spans(text);
    let annotated: Vec<bool> = lines
        .iter()
        .map(|&(a, b)| all_spans.iter().any(|&(s, e)| s < b.max(a + 1) && e > a))
        .collect();
    let line_of = |x: usize| lines.partition_point(|&(a, _)| a <= x).saturating_sub(1);
    let mut hits: Vec<CharSpan> = extract_policy(extractor, text, opts)
        .into_iter()
        .filter(|e| e.kind == Kind::DataType)
        .map(|e| (e.char_start as usize, e.char_end as usize))
        .filter(|&(s, _)| annotated.get(line_of(s)).copied().unwrap_or(false))
        .collect();
    hits.sort();
    hits
}

/// `data_type` against the CA4P `data` spans of every corpus policy.
pub fn data_type_spans(
    shared: &Path,
    extractor: &Extractor,
    opts: &SegmentOptions,
) -> Result<Vec<Row>, DatasetError> {
    let (mut hits, mut merged) = (SpanTally::default(), SpanTally::default());
    let mut listed = Tally::default();
    for id in corpus_ids(shared)? {
        let text = policy_text(shared, &id)?;
        let Some((gold, all_spans)) = ca4p_spans(shared, &id) else {
            continue;
        };
        let pred = annotated_hits(extractor, &text, &all_spans, opts);
        let chars: Vec<char> = text.chars().collect();
        hits += SpanTally::of(&gold, &pred);
        merged += SpanTally::of(&gold, &merge_enumerations(&chars, &pred));
        listed += super::listed::listed_types(extractor, &text, &chars, &gold, opts);
    }
    Ok(vec![
        Row::new("data_type exact", hits.exact),
        Row::new("data_type overlap", hits.overlap),
        Row::new("data_type exact (enumerations merged)", merged.exact),
        Row::new("data_type overlap (enumerations merged)", merged.overlap),
        Row::new("policies.data_types (types in data spans)", listed),
    ])
}

fn digits(s: &str) -> String {
    s.chars().filter(|c| c.is_ascii_digit()).collect()
}

fn norm(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_lowercase()
}

/// Free-text fields match when one contains the other (spaces and case
/// ignored): annotators and extractors cut names and addresses differently.
fn contains(a: &str, b: &str) -> bool {
    let (a, b) = (norm(a), norm(b));
    !a.is_empty() && !b.is_empty() && (a.contains(&b) || b.contains(&a))
}

/// A gold phone number matches the same digits, with or without `86`.
fn same_phone(gold: &str, pred: &str) -> bool {
    digits(gold) == digits(pred).trim_start_matches("86") || digits(gold) == digits(pred)
}

fn same_email(gold: &str, pred: &str) -> bool {
    norm(gold) == norm(pred)
}

fn equal(a: &str, b: &str) -> bool {
    a == b
}

/// Sorted, deduplicated.
fn distinct(items: impl Iterator<Item = String>) -> Vec<String> {
    items.collect::<BTreeSet<_>>().into_iter().collect()
}

/// The distinct values of the entities of `kind`.
fn values_of(ents: &[Entity], kind: Kind) -> Vec<String> {
    distinct(
        ents.iter()
            .filter(|e| e.kind == kind)
            .map(|e| e.value.clone()),
    )
}

/// A gold `*.fields.json` list of strings (missing: empty).
fn strs(g: &Value, k: &str) -> Vec<String> {
    g[k].as_array()
        .map(|a| {
            a.iter()
                .filter_map(|x| x.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// A gold `*.fields.json` list of integers, as strings (missing: empty).
fn ints(g: &Value, k: &str) -> Vec<String> {
    g[k].as_array()
        .map(|a| {
            a.iter()
                .filter_map(|x| x.as_i64().map(|v| v.to_string()))
                .collect()
        })
        .unwrap_or_default()
}

/// Counts per field, summed over the dev policies, in first-scored order.
#[derive(Default)]
struct FieldTallies(Vec<(&'static str, Tally)>);

impl FieldTallies {
    /// Score one list field of one policy: a predicted item is right when
    /// `same(gold, pred)` holds for some gold item.
    fn add(
        &mut self,
        name: &'static str,
        gold: &[String],
        pred: &[String],
        same: impl Fn(&str, &str) -> bool,
    ) {
        let t = Tally::matching(gold, pred, |g, p| same(g, p));
        match self.0.iter_mut().find(|a| a.0 == name) {
            Some(a) => a.1 += t,
            None => self.0.push((name, t)),
        }
    }
}

/// Controller, phones, emails and addresses.
fn contact_fields(acc: &mut FieldTallies, g: &Value, s: &Summary) {
    acc.add(
        "controller",
        &strs(g, "controller"),
        &s.controller,
        contains,
    );
    acc.add("phones", &strs(g, "phones"), &s.phones, same_phone);
    acc.add("emails", &strs(g, "emails"), &s.emails, same_email);
    acc.add("addresses", &strs(g, "addresses"), &s.addresses, contains);
}

/// Court and arbitration venues.
fn venue_fields(acc: &mut FieldTallies, g: &Value, s: &Summary) {
    acc.add("court", &strs(g, "court"), &s.court, contains);
    acc.add(
        "arbitration",
        &strs(g, "arbitration"),
        &s.arbitration,
        contains,
    );
}

/// The minors' age line and the reply deadline in days.
fn number_fields(acc: &mut FieldTallies, g: &Value, s: &Summary, ents: &[Entity]) {
    let minor: Vec<String> = s.minor_age.iter().map(|a| a.to_string()).collect();
    acc.add("minor_age", &ints(g, "minor_age"), &minor, equal);
    let resp = values_of(ents, Kind::ResponseTime);
    acc.add("response_days", &ints(g, "response_days"), &resp, equal);
}

/// Retention entries as distinct (min, max, qualitative) tuples.
fn retention_field(acc: &mut FieldTallies, g: &Value, ents: &[Entity]) {
    let gold = g["retention"]
        .as_array()
        .map(|a| {
            distinct(a.iter().map(|r| {
                format!(
                    "{:?}/{:?}/{}",
                    r["min_days"].as_i64(),
                    r["max_days"].as_i64(),
                    r["qualitative"].as_bool().unwrap_or(false)
                )
            }))
        })
        .unwrap_or_default();
    let pred = distinct(ents.iter().filter(|e| e.kind == Kind::Retention).map(|e| {
        format!(
            "{:?}/{:?}/{}",
            e.days_min.map(i64::from),
            e.days_max.map(i64::from),
            e.value == "qualitative"
        )
    }));
    acc.add("retention", &gold, &pred, equal);
}

/// Update and effective dates, as ISO dates.
fn date_field(acc: &mut FieldTallies, g: &Value, ents: &[Entity]) {
    let gold: Vec<String> = strs(g, "updated_or_effective")
        .iter()
        .flat_map(|d| policyscan::extract::date::iso_values(&format!("更新日期：{d}")))
        .collect();
    acc.add("dates", &gold, &values_of(ents, Kind::Date), equal);
}

/// The two cross-border booleans: a stated value counts as a prediction;
/// null is silence.
/// Storage and transfer as booleans. A policy the reader marked as not
/// mentioning cross-border matters at all (`"mentioned": false`) is silent,
/// whatever booleans were written beside that (readers wrote `false` or
/// `null` there): its gold is no value, as `null` is in the `policies` table.
fn cross_border_fields(acc: &mut FieldTallies, g: &Value, s: &Summary) {
    let cb = &g["cross_border"];
    let silent = cb["mentioned"].as_bool() == Some(false);
    let gold = |k: &str| if silent { None } else { cb[k].as_bool() };
    for (name, gold, pred) in [
        (
            "stored_in_china",
            gold("stored_in_china"),
            s.stored_in_china,
        ),
        (
            "transfers_abroad",
            gold("transfers_abroad"),
            s.transfers_abroad,
        ),
    ] {
        let gold: Vec<String> = gold.map(|b| b.to_string()).into_iter().collect();
        let pred: Vec<String> = pred.map(|b| b.to_string()).into_iter().collect();
        acc.add(name, &gold, &pred, equal);
    }
}

/// Which human-labelled policies to score fields on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldSet {
    /// `labeled/segments_dev`: 12 policies the rules were developed on.
    Dev,
    /// `labeled/segments_train`: 84 policies no rule was written from.
    Train,
}

impl FieldSet {
    /// The folder under `labeled/`.
    pub fn folder(self) -> &'static str {
        match self {
            FieldSet::Dev => "segments_dev",
            FieldSet::Train => "segments_train",
        }
    }
}

/// The human fields of policy `id` in `set`.
fn gold_fields(shared: &Path, set: FieldSet, id: &str) -> Result<Value, DatasetError> {
    let path = shared.join(format!("labeled/{}/{id}.fields.json", set.folder()));
    serde_json::from_str(&read(&path)?).map_err(|e| DatasetError::Format {
        path,
        line: 0,
        reason: e.to_string(),
    })
}

/// Per-field precision/recall on the human `*.fields.json` of `set`, and a
/// last row with the mean F1 over the fields that have gold values.
pub fn fields(
    shared: &Path,
    set: FieldSet,
    extractor: &Extractor,
    opts: &SegmentOptions,
) -> Result<Vec<Row>, DatasetError> {
    let mut acc = FieldTallies::default();
    let ids = match set {
        FieldSet::Dev => dev_ids(shared)?,
        FieldSet::Train => file_stems(&shared.join("labeled").join(set.folder()), ".fields.json")?,
    };
    for id in ids {
        let text = policy_text(shared, &id)?;
        let g = gold_fields(shared, set, &id)?;
        let ents = extract_policy(extractor, &text, opts);
        let s = summarize(&ents);
        contact_fields(&mut acc, &g, &s);
        venue_fields(&mut acc, &g, &s);
        number_fields(&mut acc, &g, &s, &ents);
        retention_field(&mut acc, &g, &ents);
        date_field(&mut acc, &g, &ents);
        cross_border_fields(&mut acc, &g, &s);
    }
    let mut rows: Vec<Row> = acc.0.into_iter().map(|(n, t)| Row::new(n, t)).collect();
    let scored: Vec<f64> = rows
        .iter()
        .filter(|r| r.score.gold > 0)
        .map(|r| r.score.f1)
        .collect();
    let mean = scored.iter().sum::<f64>() / scored.len().max(1) as f64;
    rows.push(Row {
        name: "mean F1 (fields with gold)".into(),
        score: Prf {
            f1: mean,
            ..Default::default()
        },
    });
    Ok(rows)
}

/// A table of scores for the terminal.
pub fn format(rows: &[Row]) -> String {
    let mut s = format!(
        "{:<42}{:>7}{:>7}{:>8}{:>8}{:>8}\n",
        "field", "gold", "pred", "P", "R", "F1"
    );
    for r in rows {
        let p = &r.score;
        s.push_str(&format!(
            "{:<42}{:>7}{:>7}{:>8.3}{:>8.3}{:>8.3}\n",
            r.name, p.gold, p.pred, p.precision, p.recall, p.f1
        ));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enumerations_merge_across_list_words_only() {
        let text: Vec<char> = "姓名、手机号码和地址。设备信息".chars().collect();
        let spans = [(0, 2), (3, 7), (8, 10), (11, 15)];
        assert_eq!(merge_enumerations(&text, &spans), vec![(0, 10), (11, 15)]);
    }

    #[test]
    fn fields_add_up_per_name_in_first_seen_order() {
        let mut acc = FieldTallies::default();
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        acc.add(
            "phones",
            &s(&["400-123-4567"]),
            &s(&["4001234567"]),
            same_phone,
        );
        acc.add("emails", &s(&["A@b.com"]), &s(&[]), same_email);
        acc.add(
            "phones",
            &s(&["010 1234"]),
            &s(&["86 0101234", "x"]),
            same_phone,
        );
        let names: Vec<_> = acc.0.iter().map(|a| a.0).collect();
        assert_eq!(names, ["phones", "emails"]);
        let phones = acc.0[0].1;
        assert_eq!(
            (phones.gold, phones.pred, phones.tp_pred, phones.tp_gold),
            (2, 3, 2, 2)
        );
        assert_eq!(acc.0[1].1.prf().recall, 0.0);
    }
}
