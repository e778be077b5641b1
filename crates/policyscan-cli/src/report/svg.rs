//! The overview's charts, drawn here as inline SVG: the report is one file
//! a regulator can mail, archive or open offline, so it cannot load a chart
//! library, and charts drawn on the server show even where scripts are
//! blocked. Three shapes cover every figure: stacked horizontal bars
//! (checklist statuses, cross-border answers), horizontal bars (label
//! coverage, data types) and columns (histograms). Every bar has a
//! `<title>` with its exact count, and every label is escaped.

use std::fmt::Write;

use super::escape::html;

const FONT: f64 = 12.0;
const ROW: f64 = 22.0;
const BAR: f64 = 15.0;
const PLOT: f64 = 520.0;
const MAX_LABEL: f64 = 430.0;

/// Rough width of `s` at the chart font: CJK and other wide characters
/// one em, the rest a little over half.
fn text_width(s: &str) -> f64 {
    s.chars()
        .map(|c| {
            if (c as u32) >= 0x2E80 {
                FONT
            } else {
                FONT * 0.55
            }
        })
        .sum()
}

/// `s` cut to fit `width` (with `…`).
fn fit(s: &str, width: f64) -> String {
    if text_width(s) <= width {
        return s.to_string();
    }
    let mut out = String::new();
    let mut w = text_width("…");
    for c in s.chars() {
        w += text_width(c.encode_utf8(&mut [0; 4]));
        if w > width {
            break;
        }
        out.push(c);
    }
    out.push('…');
    out
}

/// `part` of `whole` as a percentage (0 for an empty whole).
pub fn pct(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        0.0
    } else {
        part as f64 * 100.0 / whole as f64
    }
}

/// A percentage for people: `67%`, `0.4%`, `<0.1%`.
pub fn pct_text(part: u64, whole: u64) -> String {
    let p = pct(part, whole);
    if part == 0 {
        "0%".into()
    } else if p < 0.1 {
        "<0.1%".into()
    } else if p < 10.0 {
        format!("{p:.1}%")
    } else {
        format!("{p:.0}%")
    }
}

fn label_width<'a>(labels: impl Iterator<Item = &'a str>) -> f64 {
    labels
        .map(text_width)
        .fold(60.0_f64, f64::max)
        .min(MAX_LABEL)
        + 10.0
}

fn open(out: &mut String, id: &str, width: f64, height: f64, aria: &str) {
    let _ = write!(
        out,
        r#"<svg class="chart" id="{id}" role="img" aria-label="{}" viewBox="0 0 {width:.0} {height:.0}" width="{width:.0}" height="{height:.0}" xmlns="http://www.w3.org/2000/svg">"#,
        html(aria)
    );
}

fn label(out: &mut String, text: &str, x: f64, y: f64, w: f64) {
    let _ = write!(
        out,
        r#"<text x="{x:.1}" y="{y:.1}" text-anchor="end" class="lbl"><title>{}</title>{}</text>"#,
        html(text),
        html(&fit(text, w - 10.0))
    );
}

/// One row of a stacked chart: a label and a count per series.
pub struct Stack<'a> {
    pub label: &'a str,
    pub counts: &'a [u64],
}

/// Horizontal bars of 100%, each split into `series` (name, colour) by the
/// row's counts, with a legend on top.
pub fn stacked(id: &str, aria: &str, rows: &[Stack], series: &[(&str, &str)]) -> String {
    let lw = label_width(rows.iter().map(|r| r.label));
    let top = 26.0;
    let width = lw + PLOT + 10.0;
    let height = top + ROW * rows.len() as f64 + 4.0;
    let mut out = String::new();
    open(&mut out, id, width, height, aria);
    let mut x = lw;
    for (name, colour) in series {
        let _ = write!(
            out,
            r#"<rect x="{x:.1}" y="4" width="11" height="11" fill="{colour}"/><text x="{:.1}" y="14" class="lgd">{}</text>"#,
            x + 15.0,
            html(name)
        );
        x += 30.0 + text_width(name);
    }
    for (r, row) in rows.iter().enumerate() {
        let y = top + ROW * r as f64;
        label(&mut out, row.label, lw - 8.0, y + BAR - 3.0, lw);
        let total: u64 = row.counts.iter().sum();
        let mut x = lw;
        for ((name, colour), &n) in series.iter().zip(row.counts) {
            let w = pct(n, total) / 100.0 * PLOT;
            if w > 0.0 {
                let _ = write!(
                    out,
                    r#"<rect x="{x:.2}" y="{y:.1}" width="{w:.2}" height="{BAR}" fill="{colour}"><title>{}: {} — {n} of {total} ({})</title></rect>"#,
                    html(row.label),
                    html(name),
                    pct_text(n, total)
                );
                if w > 34.0 {
                    let _ = write!(
                        out,
                        r#"<text x="{:.1}" y="{:.1}" text-anchor="middle" class="in">{}</text>"#,
                        x + w / 2.0,
                        y + BAR - 3.5,
                        pct_text(n, total)
                    );
                }
            }
            x += w;
        }
        if total == 0 {
            let _ = write!(
                out,
                r##"<rect x="{lw:.1}" y="{y:.1}" width="{PLOT}" height="{BAR}" fill="#eee"><title>no rows</title></rect>"##
            );
        }
    }
    out.push_str("</svg>");
    out
}

/// Horizontal bars: each row's count as a share of `whole`, the count and
/// share written after the bar.
pub fn bars(id: &str, aria: &str, rows: &[(&str, u64)], whole: u64, colour: &str) -> String {
    let lw = label_width(rows.iter().map(|r| r.0));
    let width = lw + PLOT + 110.0;
    let height = ROW * rows.len().max(1) as f64 + 6.0;
    let mut out = String::new();
    open(&mut out, id, width, height, aria);
    for (r, (name, n)) in rows.iter().enumerate() {
        let y = 4.0 + ROW * r as f64;
        label(&mut out, name, lw - 8.0, y + BAR - 3.0, lw);
        let w = pct(*n, whole) / 100.0 * PLOT;
        let _ = write!(
            out,
            r##"<rect x="{lw:.1}" y="{y:.1}" width="{PLOT}" height="{BAR}" fill="#f1f3f5"/><rect x="{lw:.1}" y="{y:.1}" width="{w:.2}" height="{BAR}" fill="{colour}"><title>{}: {n} of {whole} ({})</title></rect><text x="{:.1}" y="{:.1}" class="val">{n} · {}</text>"##,
            html(name),
            pct_text(*n, whole),
            lw + PLOT + 6.0,
            y + BAR - 3.0,
            pct_text(*n, whole)
        );
    }
    if rows.is_empty() {
        out.push_str(r#"<text x="10" y="16" class="val">nothing to show</text>"#);
    }
    out.push_str("</svg>");
    out
}

/// Columns: a histogram of `bins` (label, count), heights relative to the
/// largest bin, each column labelled with its count and share of `whole`.
pub fn columns(id: &str, aria: &str, bins: &[(&str, u64)], whole: u64, colour: &str) -> String {
    let col = 104.0;
    let plot_h = 150.0;
    let top = 30.0;
    let width = col * bins.len() as f64 + 20.0;
    let height = top + plot_h + 40.0;
    let max = bins.iter().map(|b| b.1).max().unwrap_or(0).max(1);
    let mut out = String::new();
    open(&mut out, id, width, height, aria);
    let base = top + plot_h;
    let _ = write!(
        out,
        r##"<line x1="6" x2="{:.1}" y1="{base}" y2="{base}" stroke="#999"/>"##,
        width - 6.0
    );
    for (i, (name, n)) in bins.iter().enumerate() {
        let x = 10.0 + col * i as f64;
        let h = *n as f64 / max as f64 * plot_h;
        let _ = write!(
            out,
            r#"<rect x="{:.1}" y="{:.1}" width="{:.1}" height="{h:.1}" fill="{colour}"><title>{}: {n} of {whole} ({})</title></rect>"#,
            x + 8.0,
            base - h,
            col - 16.0,
            html(name),
            pct_text(*n, whole)
        );
        let cx = x + col / 2.0;
        let _ = write!(
            out,
            r#"<text x="{cx:.1}" y="{:.1}" text-anchor="middle" class="val">{n} · {}</text><text x="{cx:.1}" y="{:.1}" text-anchor="middle" class="lbl">{}</text>"#,
            base - h - 5.0,
            pct_text(*n, whole),
            base + 16.0,
            html(&fit(name, col - 4.0))
        );
    }
    out.push_str("</svg>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_escaped_and_cut() {
        let s = bars("c", "t", &[("<b>x</b>", 1)], 2, "#000");
        assert!(!s.contains("<b>") && s.contains("&lt;b&gt;"));
        assert_eq!(fit("abcdefghijklmnopqrstuvwxyz", 40.0).chars().count(), 6);
        assert_eq!(pct_text(1, 3), "33%");
        assert_eq!(pct_text(0, 0), "0%");
    }
}
