//! One policy's page, `report_files/pNNNNNN.html`: what the scan read of
//! the policy, its checklist, and the policy itself, segment by segment, so
//! a reviewer can check every status against the words it rests on. Each
//! checklist row links its evidence segments (`#s<N>`, N as in the
//! `segment` column); each segment shows its heading path, its labels (as
//! colour and as text) and the extracted values marked in place.
//!
//! The page is self-contained (its own CSS, no script) so it can be sent on
//! its own. File names are numbers in policy order, never the policy id: ids
//! are paths from the input and may hold anything.

use std::fmt::Write;

use policyscan::check::Status;
use policyscan::labels::LABELS;
use policyscan::table::read::PolicyRows;
use policyscan::table::{EntityRow, SegmentRow, mentioned_types};

use super::escape::{html, push_html};
use super::{CSS, LABEL_COLOURS, page_name, status_badge};

/// Where a page sits among its neighbours, for its links.
pub struct Place<'a> {
    /// 1-based number of the policy in the report.
    pub number: usize,
    pub has_next: bool,
    /// The overview's file name, for `../<overview>`.
    pub overview: &'a str,
}

/// The data types as chips. When the tagger ran, the types no sentence
/// stating a practice names ([`mentioned_types`]: `法律文件`, a cookie's
/// `文本文件`, often the ones a reviewer should not count) come after the
/// others, greyed, with a tooltip saying why.
fn data_type_chips(types: &[String], entities: &[EntityRow]) -> String {
    if types.is_empty() {
        return r#"<span class="none">none found</span>"#.to_string();
    }
    let stated = mentioned_types(entities);
    let tagged = entities
        .iter()
        .any(|e| e.kind == policyscan::extract::Kind::DataMention.as_str());
    let (named, passing): (Vec<&String>, Vec<&String>) =
        types.iter().partition(|t| !tagged || stated.contains(*t));
    let mut out: String = named
        .iter()
        .map(|t| format!(r#"<span class="chip">{}</span>"#, html(t)))
        .collect();
    for t in passing {
        let _ = write!(
            out,
            r#"<span class="chip dim" title="named, but in no phrase the tagger marks as data the policy processes">{}</span>"#,
            html(t)
        );
    }
    out
}

/// The page of one policy.
pub fn render(p: &PolicyRows, place: &Place) -> String {
    let pol = &p.policy;
    let mut out =
        String::with_capacity(4096 + p.segments.iter().map(|s| s.text.len() * 2).sum::<usize>());
    let _ = write!(
        out,
        r#"<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>{} — policyscan report</title><style>{CSS}</style></head><body class="policy"><nav class="top"><a href="../{}">← Overview</a>"#,
        html(&pol.policy_id),
        html(place.overview)
    );
    if place.number > 1 {
        let _ = write!(
            out,
            r#" · <a href="{}" rel="prev">← previous policy</a>"#,
            page_name(place.number - 1)
        );
    }
    if place.has_next {
        let _ = write!(
            out,
            r#" · <a href="{}" rel="next">next policy →</a>"#,
            page_name(place.number + 1)
        );
    }
    let _ = write!(
        out,
        r#"<span class="muted"> · policy {}</span></nav><main><h1>{}</h1><p class="muted">{}</p>"#,
        place.number,
        html(&pol.policy_id),
        html(&pol.path)
    );
    fields(&mut out, p);
    checklist(&mut out, p);
    segments(&mut out, p);
    out.push_str("</main></body></html>\n");
    out
}

fn list_or_none(v: &[String]) -> String {
    if v.is_empty() {
        r#"<span class="none">none found</span>"#.into()
    } else {
        v.iter().map(|s| html(s)).collect::<Vec<_>>().join("<br>")
    }
}

fn yes_no(v: Option<bool>, yes: &str, no: &str) -> String {
    match v {
        Some(true) => html(yes),
        Some(false) => html(no),
        None => r#"<span class="none">not stated</span>"#.into(),
    }
}

/// `n` days, with years or months beside it when that is how policies say it.
fn days(n: i32) -> String {
    if n == 365 {
        "365 days (1 year)".into()
    } else if n >= 365 && n % 365 == 0 {
        format!("{n} days ({} years)", n / 365)
    } else if n >= 60 && n % 30 == 0 {
        format!("{n} days ({} months)", n / 30)
    } else {
        format!("{n} days")
    }
}

/// The `policies` row as a table of fields.
fn fields(out: &mut String, p: &PolicyRows) {
    let pol = &p.policy;
    let s = &pol.summary;
    let contacts: Vec<String> = s
        .phones
        .iter()
        .map(|x| format!("phone: {x}"))
        .chain(s.emails.iter().map(|x| format!("email: {x}")))
        .chain(s.addresses.iter().map(|x| format!("address: {x}")))
        .collect();
    let retention = match (s.retention_days_min, s.retention_days_max) {
        (Some(a), Some(b)) if a == b => days(a),
        (Some(a), Some(b)) => format!("{} – {}", days(a), days(b)),
        (Some(a), None) | (None, Some(a)) => days(a),
        (None, None) => String::new(),
    };
    let retention = match (retention.is_empty(), s.retention_qualitative) {
        (true, true) => "qualitative only (no number of days)".to_string(),
        (false, true) => html(&format!("{retention}; also a qualitative statement")),
        (false, false) => html(&retention),
        (true, false) => r#"<span class="none">not stated</span>"#.into(),
    };
    let reply = s.response_days.map_or_else(
        || r#"<span class="none">not stated</span>"#.to_string(),
        |d| format!("{d} days"),
    );
    let ages = if s.minor_age.is_empty() {
        r#"<span class="none">not stated</span>"#.to_string()
    } else {
        s.minor_age
            .iter()
            .map(|a| format!("under {a}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let types = data_type_chips(&s.data_types, &p.entities);
    let rows: [(&str, String); 14] = [
        ("Operator", list_or_none(&s.controller)),
        ("Contacts", list_or_none(&contacts)),
        ("Retention", retention),
        ("Reply deadline", reply),
        ("Minors' ages", ages),
        (
            "Stored in China",
            yes_no(s.stored_in_china, "yes", "no — says it is stored abroad"),
        ),
        ("Transfers abroad", yes_no(s.transfers_abroad, "yes", "no")),
        (
            "Updated",
            s.updated
                .as_deref()
                .map_or_else(|| r#"<span class="none">not stated</span>"#.into(), html),
        ),
        ("Data types", types),
        (
            "Data categories",
            list_or_none(&s.data_categories).replace("<br>", ", "),
        ),
        ("Court", list_or_none(&s.court)),
        ("Arbitration", list_or_none(&s.arbitration)),
        (
            "Checklist",
            format!(
                "{} of {} applicable items present",
                pol.checklist_present, pol.checklist_applicable
            ),
        ),
        (
            "Text",
            format!(
                "{} characters, {} segments, {} · sha256 <code>{}</code>",
                pol.chars,
                pol.segments,
                html(&pol.encoding),
                html(&pol.sha256)
            ),
        ),
    ];
    out.push_str(r#"<h2>Fields</h2><table class="fields">"#);
    for (name, value) in rows {
        let _ = write!(out, "<tr><th>{name}</th><td>{value}</td></tr>");
    }
    out.push_str("</table>");
}

/// The checklist rows, evidence segments linked to the text below.
fn checklist(out: &mut String, p: &PolicyRows) {
    let _ = write!(out, r#"<h2 id="checklist">PIPL checklist</h2>"#);
    if p.checklist.is_empty() {
        out.push_str(r#"<p class="none">No checklist rows for this policy.</p>"#);
        return;
    }
    out.push_str(r#"<p class="counts">"#);
    for st in Status::ALL {
        let n = p.checklist.iter().filter(|r| r.status == st).count();
        let _ = write!(out, "{} {n} ", status_badge(st));
    }
    out.push_str(
        r#"</p><table class="checklist"><thead><tr><th>Item</th><th>Status</th><th>Reason</th><th>Evidence</th></tr></thead><tbody>"#,
    );
    let titles = super::item_titles();
    for r in &p.checklist {
        // An item this binary does not know (tables from a newer scan) is
        // titled by its id.
        let (zh, en) = titles
            .get(r.item.as_str())
            .copied()
            .unwrap_or((r.item.as_str(), ""));
        let _ = write!(
            out,
            r#"<tr class="st-{}"><td><b lang="zh-CN">{}</b><br><span lang="en">{}</span><br><code>{}</code><br><span class="law">{}</span></td><td>{}</td><td>{}</td><td>"#,
            r.status.as_str(),
            html(zh),
            html(en),
            html(&r.item),
            html(&r.law),
            status_badge(r.status),
            html(&r.reason)
        );
        if !r.evidence_segments.is_empty() {
            out.push_str(r#"<div class="segs">segments "#);
            for n in &r.evidence_segments {
                let _ = write!(out, "<a href=\"#s{n}\">{n}</a> ");
            }
            out.push_str("</div>");
        }
        if !r.evidence.is_empty() {
            out.push_str("<ul>");
            for e in &r.evidence {
                let _ = write!(out, "<li>{}</li>", html(e));
            }
            out.push_str("</ul>");
        }
        out.push_str("</td></tr>");
    }
    out.push_str("</tbody></table>");
}

/// The policy's segments in order.
fn segments(out: &mut String, p: &PolicyRows) {
    let _ = write!(
        out,
        r#"<h2 id="text">Text, {} segments</h2><p class="legend">"#,
        p.segments.len()
    );
    for (l, c) in LABELS.iter().zip(LABEL_COLOURS) {
        let _ = write!(
            out,
            r#"<span class="chip" style="border-left:6px solid {c}">{l}</span> "#
        );
    }
    out.push_str(r#"<span class="chip ent">extracted value</span></p><div class="segments">"#);
    let mut ents = p.entities.iter().peekable();
    for seg in &p.segments {
        // Entities are sorted by segment; skip any of earlier segments.
        while ents.peek().is_some_and(|e| e.segment < seg.segment) {
            ents.next();
        }
        let mut mine = Vec::new();
        while let Some(e) = ents.next_if(|e| e.segment == seg.segment) {
            mine.push(e);
        }
        segment(out, seg, &mine);
    }
    out.push_str("</div>");
}

fn segment(out: &mut String, seg: &SegmentRow, ents: &[&EntityRow]) {
    let colour = seg
        .labels
        .first()
        .and_then(|l| LABELS.iter().position(|x| x == l))
        .map_or("transparent", |i| LABEL_COLOURS[i]);
    let n = seg.segment;
    let _ = write!(
        out,
        r##"<div class="seg" id="s{n}" style="border-left-color:{colour}"><div class="meta"><a class="num" href="#s{n}">{n}</a>"##
    );
    if !seg.heading_path.is_empty() {
        out.push_str(r#"<span class="path">"#);
        push_html(out, &seg.heading_path.join(" › "));
        out.push_str("</span>");
    }
    for l in &seg.labels {
        let c = LABELS
            .iter()
            .position(|x| x == l)
            .map_or("#888", |i| LABEL_COLOURS[i]);
        let _ = write!(
            out,
            r#"<span class="chip" style="border-left:6px solid {c}">{}</span>"#,
            html(l)
        );
    }
    out.push_str(r#"</div><div class="txt">"#);
    marked(out, seg, ents);
    out.push_str("</div></div>");
}

/// The segment's text with its entities marked (`<mark title="kind: value">`);
/// overlapping mentions keep the first, longest one.
fn marked(out: &mut String, seg: &SegmentRow, ents: &[&EntityRow]) {
    let chars: Vec<char> = seg.text.chars().collect();
    let mut spans: Vec<(usize, usize, &EntityRow)> = ents
        .iter()
        .filter_map(|e| {
            let a = e.char_start.checked_sub(seg.char_start)? as usize;
            let b = e.char_end.checked_sub(seg.char_start)? as usize;
            (a < b && b <= chars.len()).then_some((a, b, *e))
        })
        .collect();
    spans.sort_by(|x, y| x.0.cmp(&y.0).then(y.1.cmp(&x.1)));
    let mut at = 0;
    let piece = |out: &mut String, a: usize, b: usize| {
        push_html(out, &chars[a..b].iter().collect::<String>());
    };
    for (a, b, e) in spans {
        if a < at {
            continue;
        }
        piece(out, at, a);
        let tip = if e.value.is_empty() {
            e.kind.clone()
        } else {
            format!("{}: {}", e.kind, e.value)
        };
        let _ = write!(
            out,
            r#"<mark class="k-{}" title="{}">"#,
            html(&e.kind),
            html(&tip)
        );
        piece(out, a, b);
        out.push_str("</mark>");
        at = b;
    }
    piece(out, at, chars.len());
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(segment: u32, kind: &str, value: &str, span: (u32, u32)) -> EntityRow {
        EntityRow {
            policy_id: "p".into(),
            segment,
            kind: kind.into(),
            text: value.into(),
            value: value.into(),
            category: (kind == "data_type").then(|| "other".into()),
            char_start: span.0,
            char_end: span.1,
            days_min: None,
            days_max: None,
        }
    }

    /// Types inside a mention come first as plain chips, the others after
    /// them, greyed; without any mention (a `--no-tagger` scan) every type
    /// is a plain chip, in the list's order.
    #[test]
    fn types_no_mention_names_are_greyed_only_when_the_tagger_ran() {
        let types: Vec<String> = ["文件", "手机号码"].map(String::from).to_vec();
        let mut ents = vec![
            row(0, "data_type", "文件", (10, 12)),
            row(1, "data_type", "手机号码", (30, 34)),
        ];
        let plain = data_type_chips(&types, &ents);
        assert_eq!(plain.matches(r#"class="chip""#).count(), 2, "{plain}");
        assert!(plain.find("文件") < plain.find("手机号码"));
        // A mention of the phone number, in its segment.
        ents.push(row(1, "data_mention", "手机号码", (28, 34)));
        let marked = data_type_chips(&types, &ents);
        assert!(
            marked.starts_with(r#"<span class="chip">手机号码</span>"#),
            "{marked}"
        );
        assert!(
            marked.contains(r#"<span class="chip dim" title="#),
            "{marked}"
        );
        assert!(marked.ends_with("文件</span>"), "{marked}");
        assert_eq!(
            data_type_chips(&[], &ents),
            r#"<span class="none">none found</span>"#
        );
    }
}
