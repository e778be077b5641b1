//! The overview, `report.html`: the corpus in figures, then every policy in
//! one table. Charts are SVG drawn by [`super::svg`] into the page; the
//! policy table is data (JSON in a `<script type="application/json">`)
//! that the inline script sorts, filters and shows 200 rows at a time, so a
//! 100,000-policy report opens as fast as a small one.

use std::collections::HashMap;
use std::fmt::Write;
use std::path::Path;

use policyscan::check::Status;
use policyscan::labels::LABELS;
use policyscan::table::{ErrorRow, Stage};
use serde_json::json;

use super::escape::{html, script_json};
use super::svg::{self, Stack, pct_text};
use super::tally::{FLAGS, RESPONSE_BINS, RETENTION_BINS, Tally, status_index, top};
use super::{CSS, JS, LABEL_COLOURS, STATUS_COLOURS, page_name};

/// Error rows listed one by one; the rest are counted.
const MAX_ERRORS_LISTED: usize = 200;

/// Every stage, in pipeline order, for the errors table.
const STAGES: [Stage; 7] = [
    Stage::Read,
    Stage::Unsupported,
    Stage::Decode,
    Stage::Parse,
    Stage::Classify,
    Stage::Tag,
    Stage::Internal,
];

/// The overview page. `folder` is the pages folder's name (links are
/// relative to the overview), `dir` the output folder read.
pub fn render(t: &Tally, errors: &[ErrorRow], folder: &str, dir: &Path) -> String {
    let mut out = String::with_capacity(64 * 1024 + t.lines.len() * 96);
    let _ = write!(
        out,
        r##"<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>policyscan report — {} policies</title><style>{CSS}</style></head><body class="overview"><header><h1>Privacy policy report</h1><p class="muted">Output folder <code>{}</code> · PIPL screening by policyscan {}. The checklist is a screening aid built on automatic labels and extraction, not a legal opinion: every status links to the words it rests on.</p><nav class="toc"><a href="#corpus">Corpus</a><a href="#checklist">Checklist</a><a href="#labels">Topics</a><a href="#retention">Retention &amp; replies</a><a href="#crossborder">Cross-border &amp; minors</a><a href="#data">Data types</a><a href="#policies">Policies</a></nav></header><main>"##,
        t.policies,
        html(&dir.display().to_string()),
        env!("CARGO_PKG_VERSION")
    );
    corpus(&mut out, t, errors);
    checklist(&mut out, t);
    labels(&mut out, t);
    retention(&mut out, t);
    cross_border(&mut out, t);
    data(&mut out, t);
    policies(&mut out, t, folder);
    out.push_str("</main><script>");
    out.push_str(JS);
    out.push_str("</script></body></html>\n");
    out
}

fn section(out: &mut String, id: &str, title: &str, intro: &str) {
    let _ = write!(out, r#"<section id="{id}"><h2>{title}</h2>"#);
    if !intro.is_empty() {
        let _ = write!(out, r#"<p class="intro">{intro}</p>"#);
    }
}

fn corpus(out: &mut String, t: &Tally, errors: &[ErrorRow]) {
    section(out, "corpus", "Corpus", "");
    out.push_str(r#"<div class="cards">"#);
    let cards = [
        ("policies read", t.policies),
        ("inputs not read (errors)", errors.len() as u64),
        ("segments", t.segments),
        ("extracted values", t.entities),
        ("characters", t.chars),
    ];
    for (name, n) in cards {
        let _ = write!(
            out,
            r#"<div class="card"><b>{n}</b><span>{name}</span></div>"#
        );
    }
    out.push_str("</div>");
    let mut by_stage: HashMap<Stage, u64> = HashMap::new();
    for e in errors {
        *by_stage.entry(e.stage).or_default() += 1;
    }
    out.push_str(
        r#"<h3>Errors by stage</h3><table class="small" id="errors-by-stage"><thead><tr><th>stage</th><th class="num">inputs</th><th>meaning</th></tr></thead><tbody>"#,
    );
    for st in STAGES {
        let meaning = match st {
            Stage::Read => "could not be read (permissions, too large, a link loop)",
            Stage::Unsupported => "not a .txt, .md, .html or .htm file",
            Stage::Decode => "binary or heavily damaged bytes",
            Stage::Parse => "decoded, but no paragraph of policy text",
            Stage::Classify => "the classifier failed",
            Stage::Tag => "the data-mention tagger failed",
            Stage::Internal => "a bug in policyscan",
        };
        let n = by_stage.get(&st).copied().unwrap_or(0);
        let _ = write!(
            out,
            r#"<tr{}><td>{}</td><td class="num">{n}</td><td>{meaning}</td></tr>"#,
            if n > 0 { r#" class="hit""# } else { "" },
            st.as_str()
        );
    }
    out.push_str("</tbody></table>");
    if !errors.is_empty() {
        let _ = write!(
            out,
            r#"<details{}><summary>The inputs not read ({}{})</summary><table class="small"><thead><tr><th>path</th><th>stage</th><th>error</th></tr></thead><tbody>"#,
            if errors.len() <= 20 { " open" } else { "" },
            errors.len(),
            if errors.len() > MAX_ERRORS_LISTED {
                format!(", the first {MAX_ERRORS_LISTED} listed; all are in the errors table")
            } else {
                String::new()
            }
        );
        for e in errors.iter().take(MAX_ERRORS_LISTED) {
            let _ = write!(
                out,
                "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
                html(&e.path),
                e.stage.as_str(),
                html(&e.error)
            );
        }
        out.push_str("</tbody></table></details>");
    }
    out.push_str("</section>");
}

fn checklist(out: &mut String, t: &Tally) {
    section(
        out,
        "checklist",
        "PIPL checklist",
        "Share of policies at each status, per item. <b>present</b>: the policy states the item; <b>partial</b>: part of it, or it contradicts itself; <b>missing</b>: nothing found; <b>not applicable</b>: the policy's own words make the item moot. Hover a bar for counts.",
    );
    let labels: Vec<String> = t.items.iter().map(|i| i.title.clone()).collect();
    let rows: Vec<Stack> = t
        .items
        .iter()
        .zip(&labels)
        .map(|(i, l)| Stack {
            label: l,
            counts: &i.counts,
        })
        .collect();
    let series: Vec<(&str, &str)> = Status::ALL
        .iter()
        .zip(STATUS_COLOURS)
        .map(|(s, c)| {
            (
                if *s == Status::NotApplicable {
                    "not applicable"
                } else {
                    s.as_str()
                },
                c,
            )
        })
        .collect();
    out.push_str(&svg::stacked(
        "chart-checklist",
        "Checklist status by item",
        &rows,
        &series,
    ));
    let missing = status_index(Status::Missing);
    out.push_str(r#"<h3>Most often missing</h3><ol class="missing" id="most-missing">"#);
    let worst = t.most_missing(10);
    for i in &worst {
        let _ = write!(
            out,
            r#"<li><b lang="zh-CN">{}</b> {} <code>{}</code> — missing in {} of {} policies ({})<br><span class="law">{}</span></li>"#,
            html(&i.title_zh),
            html(&i.title),
            html(&i.id),
            i.counts[missing],
            t.policies,
            pct_text(i.counts[missing], t.policies),
            html(&i.law)
        );
    }
    if worst.is_empty() {
        out.push_str("<li>No item is missing in any policy.</li>");
    }
    out.push_str("</ol></section>");
}

fn labels(out: &mut String, t: &Tally) {
    section(
        out,
        "labels",
        "Topics covered",
        "Share of policies with at least one segment the classifier labels with each topic.",
    );
    let rows: Vec<(&str, u64)> = LABELS.iter().copied().zip(t.labels).collect();
    out.push_str(&svg::bars(
        "chart-labels",
        "Label coverage",
        &rows,
        t.policies,
        LABEL_COLOURS[0],
    ));
    out.push_str("</section>");
}

fn retention(out: &mut String, t: &Tally) {
    section(
        out,
        "retention",
        "Retention and reply deadlines",
        "Longest retention period a policy states (<i>qualitative only</i>: it says how long in words, e.g. “the shortest time necessary”, but gives no number), and the deadline it promises for replying to requests.",
    );
    out.push_str(r#"<div class="pair"><div><h3>Retention period</h3>"#);
    let bins: Vec<(&str, u64)> = RETENTION_BINS.iter().copied().zip(t.retention).collect();
    out.push_str(&svg::columns(
        "chart-retention",
        "Retention periods",
        &bins,
        t.policies,
        "#5c6bc0",
    ));
    out.push_str("</div><div><h3>Reply deadline</h3>");
    let bins: Vec<(&str, u64)> = RESPONSE_BINS.iter().copied().zip(t.response).collect();
    out.push_str(&svg::columns(
        "chart-response",
        "Reply deadlines",
        &bins,
        t.policies,
        "#26a69a",
    ));
    out.push_str("</div></div></section>");
}

fn cross_border(out: &mut String, t: &Tally) {
    section(
        out,
        "crossborder",
        "Cross-border transfer and minors",
        "<i>Transfers abroad</i> yes: the policy says data goes abroad; no: it says it will not, or stores in China with at most a conditional transfer. <i>Stored in China</i> no: it says data is stored abroad.",
    );
    let series = [
        ("yes", "#ef6c00"),
        ("no", "#1565c0"),
        ("not stated", "#bdbdbd"),
    ];
    let rows = [
        Stack {
            label: "Transfers abroad",
            counts: &t.abroad,
        },
        Stack {
            label: "Stored in China",
            counts: &t.china,
        },
    ];
    out.push_str(&svg::stacked(
        "chart-crossborder",
        "Cross-border answers",
        &rows,
        &series,
    ));
    out.push_str(r#"<table class="small" id="crossborder"><thead><tr><th></th><th>yes</th><th>no</th><th>not stated</th></tr></thead><tbody>"#);
    for (name, c) in [
        ("Transfers abroad", &t.abroad),
        ("Stored in China", &t.china),
    ] {
        let _ = write!(out, "<tr><td>{name}</td>");
        for n in c {
            let _ = write!(
                out,
                r#"<td class="num">{n} ({})</td>"#,
                pct_text(*n, t.policies)
            );
        }
        out.push_str("</tr>");
    }
    out.push_str("</tbody></table>");
    let _ = write!(
        out,
        r#"<h3>Minors</h3><table class="small" id="minors"><tbody><tr><td>states an age below which users are minors</td><td class="num">{} ({})</td></tr><tr><td>… under 14 (PIPL Art. 28, 31)</td><td class="num">{}</td></tr><tr><td>… under 18</td><td class="num">{}</td></tr><tr><td>… another age</td><td class="num">{}</td></tr></tbody></table></section>"#,
        t.minors[0],
        pct_text(t.minors[0], t.policies),
        t.minors[1],
        t.minors[2],
        t.minors[3]
    );
}

fn data(out: &mut String, t: &Tally) {
    section(
        out,
        "data",
        "Personal information named",
        "Share of policies that name each data type (the 20 most frequent) and each data category.",
    );
    out.push_str("<h3>Top 20 data types</h3>");
    let types = top(&t.data_types, 20);
    out.push_str(&svg::bars(
        "chart-datatypes",
        "Top data types",
        &types,
        t.policies,
        "#00897b",
    ));
    out.push_str("<h3>Data categories</h3>");
    let cats = top(&t.categories, usize::MAX);
    out.push_str(&svg::bars(
        "chart-categories",
        "Data categories",
        &cats,
        t.policies,
        "#6d4c41",
    ));
    out.push_str("</section>");
}

fn policies(out: &mut String, t: &Tally, folder: &str) {
    section(
        out,
        "policies",
        "Policies",
        "Click a column header to sort, type to filter (policy, operator or flag), pick a flag to list only the policies that carry it. Each policy links to its page: fields, checklist with evidence, and the text.",
    );
    out.push_str(
        r#"<div class="tools"><input id="filter" type="search" placeholder="Filter: policy, operator, flag…" aria-label="Filter policies"><select id="flag" aria-label="Flag"><option value="-1">any flags</option><option value="-2">no flags</option></select><span id="shown" class="muted"></span></div><noscript><p class="none">The policy table needs JavaScript. The policy pages are in the folder beside this file, numbered in policy order.</p></noscript><table id="ptable" class="ptable"><thead><tr><th data-key="n" class="num">#</th><th data-key="id">Policy</th><th data-key="op">Operator</th><th data-key="present" class="num" title="checklist items present">Present</th><th data-key="applicable" class="num" title="checklist items applicable">Applicable</th><th data-key="share" class="num">Share</th><th data-key="missing" class="num" title="checklist items missing">Missing</th><th data-key="segments" class="num">Segments</th><th data-key="nflags">Flags</th></tr></thead><tbody id="pbody"></tbody></table><div class="pager"><button id="prev" type="button">← previous</button><span id="pageinfo"></span><button id="next" type="button">next →</button></div></section>"#,
    );
    let rows: Vec<serde_json::Value> = t
        .lines
        .iter()
        .enumerate()
        .map(|(i, l)| {
            json!([
                l.id,
                l.operator,
                l.present,
                l.applicable,
                l.missing,
                l.segments,
                l.flags,
                page_name(i + 1)
            ])
        })
        .collect();
    let data = json!({
        "folder": format!("{folder}/"),
        "flags": FLAGS,
        "columns": ["id", "operator", "present", "applicable", "missing", "segments", "flags", "page"],
        "policies": rows,
    });
    let _ = write!(
        out,
        r#"<script type="application/json" id="report-data">{}</script>"#,
        script_json(&data)
    );
}
