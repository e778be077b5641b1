//! Scoring the extractors against human annotations in `../shared`:
//! - `data_type` against the CA4P `data` spans (exact-span and overlap
//!   precision/recall/F1), over the whole scan path (segment → extract,
//!   offsets mapped to the policy text). CA4P annotates the sentences that
//!   state a practice, not every mention in a policy, so predictions are
//!   scored on annotated lines (lines holding any CA4P span); every gold
//!   span counts for recall. CA4P annotators mark enumerations
//!   such as `姓名、手机号码` as one span, so a second figure merges runs of
//!   hits joined only by `、，/和及与或以及`.
//! - per-field precision/recall against the 12 `*.fields.json` of the
//!   human-labelled dev policies.

use std::path::Path;

use serde::Serialize;

use crate::dataset::{DatasetError, dev_ids};
use policyscan::extract::{Entity, Extractor, Kind, summarize};
use policyscan::segment::{SegmentOptions, segment};

/// Precision/recall/F1 of one measurement.
#[derive(Debug, Clone, Serialize)]
pub struct Prf {
    pub name: String,
    pub gold: usize,
    pub pred: usize,
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
}

fn prf(name: &str, gold: usize, pred: usize, tp_pred: usize, tp_gold: usize) -> Prf {
    let precision = if pred == 0 {
        0.0
    } else {
        tp_pred as f64 / pred as f64
    };
    let recall = if gold == 0 {
        0.0
    } else {
        tp_gold as f64 / gold as f64
    };
    let f1 = if precision + recall == 0.0 {
        0.0
    } else {
        2.0 * precision * recall / (precision + recall)
    };
    Prf {
        name: name.into(),
        gold,
        pred,
        precision,
        recall,
        f1,
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

fn merge_enumerations(text: &[char], spans: &[(usize, usize)]) -> Vec<(usize, usize)> {
    let mut out: Vec<(usize, usize)> = Vec::new();
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

fn span_scores(name: &str, gold: &[(usize, usize)], pred: &[(usize, usize)]) -> [Prf; 2] {
    let overlaps = |a: &(usize, usize), b: &(usize, usize)| a.0 < b.1 && b.0 < a.1;
    let exact_p = pred.iter().filter(|p| gold.contains(p)).count();
    let exact_g = gold.iter().filter(|g| pred.contains(g)).count();
    let over_p = pred
        .iter()
        .filter(|p| gold.iter().any(|g| overlaps(p, g)))
        .count();
    let over_g = gold
        .iter()
        .filter(|g| pred.iter().any(|p| overlaps(p, g)))
        .count();
    [
        prf(
            &format!("{name} exact"),
            gold.len(),
            pred.len(),
            exact_p,
            exact_g,
        ),
        prf(
            &format!("{name} overlap"),
            gold.len(),
            pred.len(),
            over_p,
            over_g,
        ),
    ]
}

/// `data_type` against the CA4P `data` spans of every corpus policy.
pub fn data_type_spans(
    shared: &Path,
    extractor: &Extractor,
    opts: &SegmentOptions,
) -> Result<Vec<Prf>, DatasetError> {
    let texts = shared.join("corpus/ca4p/texts");
    let spans_dir = shared.join("corpus/ca4p/spans");
    let ids = crate::dataset::corpus_ids(shared)?;
    let (mut gold, mut pred, mut gold_m, mut pred_m) = (0usize, 0usize, 0usize, 0usize);
    let mut acc = [[0usize; 4]; 4];
    for id in ids {
        let text = std::fs::read_to_string(texts.join(format!("{id}.txt"))).map_err(|source| {
            DatasetError::Io {
                path: texts.join(&id),
                source,
            }
        })?;
        let chars: Vec<char> = text.chars().collect();
        let sp = spans_dir.join(format!("{id}.jsonl"));
        let Ok(raw) = std::fs::read_to_string(&sp) else {
            continue;
        };
        let mut g: Vec<(usize, usize)> = raw
            .lines()
            .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
            .filter(|v| v["label"] == "data")
            .filter_map(|v| Some((v["start"].as_u64()? as usize, v["end"].as_u64()? as usize)))
            .collect();
        g.sort();
        g.dedup();
        // Lines holding any span (of any label) were annotated.
        let all_spans: Vec<(usize, usize)> = raw
            .lines()
            .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
            .filter_map(|v| Some((v["start"].as_u64()? as usize, v["end"].as_u64()? as usize)))
            .collect();
        let lines = crate::dataset::line_char_spans(&text);
        let annotated: Vec<bool> = lines
            .iter()
            .map(|&(a, b)| all_spans.iter().any(|&(s, e)| s < b.max(a + 1) && e > a))
            .collect();
        let line_of = |x: usize| lines.partition_point(|&(a, _)| a <= x).saturating_sub(1);
        let mut p: Vec<(usize, usize)> = extract_policy(extractor, &text, opts)
            .into_iter()
            .filter(|e| e.kind == Kind::DataType)
            .map(|e| (e.char_start as usize, e.char_end as usize))
            .filter(|&(s, _)| annotated.get(line_of(s)).copied().unwrap_or(false))
            .collect();
        p.sort();
        let pm = merge_enumerations(&chars, &p);
        for (k, (gg, pp)) in [(&g, &p), (&g, &pm)].into_iter().enumerate() {
            let [ex, ov] = span_scores("", gg, pp);
            let row = &mut acc[k * 2];
            row[0] += (ex.precision * ex.pred as f64).round() as usize;
            row[1] += (ex.recall * ex.gold as f64).round() as usize;
            let row = &mut acc[k * 2 + 1];
            row[0] += (ov.precision * ov.pred as f64).round() as usize;
            row[1] += (ov.recall * ov.gold as f64).round() as usize;
        }
        gold += g.len();
        pred += p.len();
        gold_m += g.len();
        pred_m += pm.len();
    }
    Ok(vec![
        prf("data_type exact", gold, pred, acc[0][0], acc[0][1]),
        prf("data_type overlap", gold, pred, acc[1][0], acc[1][1]),
        prf(
            "data_type exact (enumerations merged)",
            gold_m,
            pred_m,
            acc[2][0],
            acc[2][1],
        ),
        prf(
            "data_type overlap (enumerations merged)",
            gold_m,
            pred_m,
            acc[3][0],
            acc[3][1],
        ),
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

/// One list field: a predicted item matches a gold item when `same` says so.
fn list_field(
    name: &str,
    gold: &[String],
    pred: &[String],
    same: impl Fn(&str, &str) -> bool,
    acc: &mut Vec<(String, usize, usize, usize, usize)>,
) {
    let tp_p = pred
        .iter()
        .filter(|p| gold.iter().any(|g| same(g, p)))
        .count();
    let tp_g = gold
        .iter()
        .filter(|g| pred.iter().any(|p| same(g, p)))
        .count();
    match acc.iter_mut().find(|a| a.0 == name) {
        Some(a) => {
            a.1 += gold.len();
            a.2 += pred.len();
            a.3 += tp_p;
            a.4 += tp_g;
        }
        None => acc.push((name.into(), gold.len(), pred.len(), tp_p, tp_g)),
    }
}

/// Per-field precision/recall on the human `*.fields.json` of the dev policies.
pub fn fields(
    shared: &Path,
    extractor: &Extractor,
    opts: &SegmentOptions,
) -> Result<Vec<Prf>, DatasetError> {
    let mut acc: Vec<(String, usize, usize, usize, usize)> = Vec::new();
    for id in dev_ids(shared)? {
        let text_path = shared.join(format!("corpus/ca4p/texts/{id}.txt"));
        let text = std::fs::read_to_string(&text_path).map_err(|source| DatasetError::Io {
            path: text_path,
            source,
        })?;
        let fpath = shared.join(format!("labeled/segments_dev/{id}.fields.json"));
        let raw = std::fs::read_to_string(&fpath).map_err(|source| DatasetError::Io {
            path: fpath.clone(),
            source,
        })?;
        let g: serde_json::Value =
            serde_json::from_str(&raw).map_err(|e| DatasetError::Format {
                path: fpath,
                line: 0,
                reason: e.to_string(),
            })?;
        let ents = extract_policy(extractor, &text, opts);
        let s = summarize(&ents);
        let strs = |k: &str| -> Vec<String> {
            g[k].as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|x| x.as_str().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default()
        };
        let ints = |k: &str| -> Vec<String> {
            g[k].as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|x| x.as_i64().map(|v| v.to_string()))
                        .collect()
                })
                .unwrap_or_default()
        };
        let contains = |a: &str, b: &str| {
            let (a, b) = (norm(a), norm(b));
            !a.is_empty() && !b.is_empty() && (a.contains(&b) || b.contains(&a))
        };
        list_field(
            "controller",
            &strs("controller"),
            &s.controller,
            contains,
            &mut acc,
        );
        list_field(
            "phones",
            &strs("phones"),
            &s.phones,
            |a, b| digits(a) == digits(b).trim_start_matches("86") || digits(a) == digits(b),
            &mut acc,
        );
        list_field(
            "emails",
            &strs("emails"),
            &s.emails,
            |a, b| norm(a) == norm(b),
            &mut acc,
        );
        list_field(
            "addresses",
            &strs("addresses"),
            &s.addresses,
            contains,
            &mut acc,
        );
        list_field("court", &strs("court"), &s.court, contains, &mut acc);
        list_field(
            "arbitration",
            &strs("arbitration"),
            &s.arbitration,
            contains,
            &mut acc,
        );
        let minor: Vec<String> = s.minor_age.iter().map(|a| a.to_string()).collect();
        list_field(
            "minor_age",
            &ints("minor_age"),
            &minor,
            |a, b| a == b,
            &mut acc,
        );
        let resp: Vec<String> = ents
            .iter()
            .filter(|e| e.kind == Kind::ResponseTime)
            .map(|e| e.value.clone())
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        list_field(
            "response_days",
            &ints("response_days"),
            &resp,
            |a, b| a == b,
            &mut acc,
        );
        // Retention entries as (min, max, qualitative) tuples.
        let gold_ret: Vec<String> = g["retention"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|r| {
                        format!(
                            "{:?}/{:?}/{}",
                            r["min_days"].as_i64(),
                            r["max_days"].as_i64(),
                            r["qualitative"].as_bool().unwrap_or(false)
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        let pred_ret: Vec<String> = ents
            .iter()
            .filter(|e| e.kind == Kind::Retention)
            .map(|e| {
                format!(
                    "{:?}/{:?}/{}",
                    e.days_min.map(i64::from),
                    e.days_max.map(i64::from),
                    e.value == "qualitative"
                )
            })
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        let gold_ret: Vec<String> = gold_ret
            .into_iter()
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        list_field("retention", &gold_ret, &pred_ret, |a, b| a == b, &mut acc);
        // Dates as ISO.
        let gold_dates: Vec<String> = strs("updated_or_effective")
            .iter()
            .flat_map(|d| policyscan::extract::date::iso_values(&format!("更新日期：{d}")))
            .collect();
        let pred_dates: Vec<String> = ents
            .iter()
            .filter(|e| e.kind == Kind::Date)
            .map(|e| e.value.clone())
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        list_field("dates", &gold_dates, &pred_dates, |a, b| a == b, &mut acc);
        // Booleans: a stated value counts as a prediction; null = silent.
        for (name, gold_v, pred_v) in [
            (
                "stored_in_china",
                g["cross_border"]["stored_in_china"].as_bool(),
                s.stored_in_china,
            ),
            (
                "transfers_abroad",
                g["cross_border"]["transfers_abroad"].as_bool(),
                s.transfers_abroad,
            ),
        ] {
            let gv: Vec<String> = gold_v.map(|b| b.to_string()).into_iter().collect();
            let pv: Vec<String> = pred_v.map(|b| b.to_string()).into_iter().collect();
            list_field(name, &gv, &pv, |a, b| a == b, &mut acc);
        }
    }
    Ok(acc
        .into_iter()
        .map(|(n, g, p, tp, tg)| prf(&n, g, p, tp, tg))
        .collect())
}

/// A table of scores for the terminal.
pub fn format(rows: &[Prf]) -> String {
    let mut s = format!(
        "{:<42}{:>7}{:>7}{:>8}{:>8}{:>8}\n",
        "field", "gold", "pred", "P", "R", "F1"
    );
    for r in rows {
        s.push_str(&format!(
            "{:<42}{:>7}{:>7}{:>8.3}{:>8.3}{:>8.3}\n",
            r.name, r.gold, r.pred, r.precision, r.recall, r.f1
        ));
    }
    s
}
