//! Body text: which open sections a new heading closes, lines hard-wrapped
//! inside a quantity, and cutting a body line into segments no longer than
//! `max_chars` (at a sentence end, else a comma, else anywhere).
//!
//! These are the steps [`super::segment`] runs once the lines are
//! classified; they only read the line text, never the neighbours'
//! classification, so they live apart from the heading decisions.

use std::sync::OnceLock;

use regex::Regex;

use super::line::{clean_markup, is_content_char, parse_marker, re};
use super::{Segment, SegmentKind};

/// A heading whose section is still open while segmenting.
pub(super) struct Open {
    pub(super) level: u8,
    pub(super) indent: usize,
    /// Opened as the indented child of a heading of the same level.
    pub(super) nested: bool,
    pub(super) title: String,
}

/// Close the open sections that a new heading (`level`, `indent`, `title`) ends, and say
/// whether it opens a nested list under a heading of its own level.
///
/// Levels come from numbering styles, so a nested HTML list flattened to text (`  1. 我们如何
/// 收集…` then `    1. 您自愿提供的…`) gives both levels the same one; only the indentation
/// tells them apart. A same-level heading indented deeper therefore stays a child when it is
/// the first of its list (`1.`, `（一）`, `①`) or a later sibling of such a child, and is
/// otherwise a sibling whose indentation merely drifted (`（一）` then `  （二）`).
pub(super) fn close_headings(stack: &mut Vec<Open>, level: u8, indent: usize, title: &str) -> bool {
    let mut sibling_of_nested = false;
    while let Some(top) = stack.last() {
        if top.level < level {
            break;
        }
        if top.level == level && top.indent < indent {
            if sibling_of_nested || first_ordinal(title) {
                return true;
            }
        } else if top.level == level && top.indent == indent && top.nested {
            sibling_of_nested = true;
        }
        stack.pop();
    }
    false
}

/// Does this heading start with the first ordinal of a list: `1.`, `1、`, `（1）`, `(一)`,
/// `一、`, `①`, `a.`, `A)`, `Ⅰ.`?
pub(super) fn first_ordinal(title: &str) -> bool {
    let t = title.trim_start_matches(|c: char| c.is_whitespace() || c == '#' || c == '*');
    let (paren, t) = match t.strip_prefix(['(', '（']) {
        Some(rest) => (true, rest),
        None => (false, t),
    };
    let mut it = t.chars();
    let (Some(first), next) = (it.next(), it.next()) else {
        return false;
    };
    if first == '①' {
        return true;
    }
    if !matches!(first, '1' | '一' | 'a' | 'A' | 'Ⅰ') {
        return false;
    }
    match next {
        Some(')' | '）') => true,
        // `1.2` is a second-level number, not the first of a list.
        Some('.' | '．') => !paren && !it.next().is_some_and(|c| c.is_ascii_digit()),
        Some('、' | ' ' | '\u{3000}') => !paren,
        _ => false,
    }
}

/// Does `line` end inside a quantity that `next` completes: a number whose
/// unit opens the next line (`我们将不满 14` / `周岁的…`, `已于2019` /
/// `年12月18日更新`), or a duration whose `内` does (`在 二十个工作日` /
/// `内对您进行回复`)? Policies converted from PDFs or fixed-width pages
/// break lines anywhere, and a field split this way is lost to every
/// extractor. Kept narrow on purpose: a phone number, a room number or a
/// section number (`304`, `010-53514089`, `1.2.2.2`) before a line that
/// starts with `个人信息` or `日志信息` is not a broken quantity.
pub(super) fn broken_after_number(line: &str, next: &str) -> bool {
    static NUMBER_END: OnceLock<Regex> = OnceLock::new();
    static UNIT_START: OnceLock<Regex> = OnceLock::new();
    static DURATION_END: OnceLock<Regex> = OnceLock::new();
    static WITHIN_START: OnceLock<Regex> = OnceLock::new();
    let (line, next) = (line.trim_end(), next.trim_start());
    // The next line is checked first: its anchored prefix fails fast.
    let unit_start = re(
        &UNIT_START,
        r"^(周岁|岁|个工作日|个自然日|个月|个小时|工作日|自然日|小时|天|日[^志]|年[^龄度]|月[^份])",
    );
    let within_start = re(&WITHIN_START, r"^(内|以内|之内)");
    // A number after a Chinese character or clause mark (not a phone's
    // digits or a section number's dot), optionally with its unit.
    let number_end = re(
        &NUMBER_END,
        r"[\p{Han}，、：（【]\s?([0-9]{1,4}|[一二三四五六七八九十百两]{1,4})$",
    );
    let duration_end = re(
        &DURATION_END,
        r"[\p{Han}，、：（【]\s?([0-9]{1,4}|[一二三四五六七八九十百两]{1,4})\s?个?(工作日|自然日|小时|天|日|周|个月|月|年)$",
    );
    (unit_start.is_match(next) && number_end.is_match(line))
        || (within_start.is_match(next) && duration_end.is_match(line))
}

/// Longest line taken for a page footer: a footer is a line of small print,
/// a sentence naming 版权 is policy text.
const FOOTER_MAX_CHARS: usize = 80;

/// A page footer: a short copyright or licence line (`Copyright ©
/// 2020 …`, `…©2020 某公司版权所有。`, `京ICP备12345678号`, `沪B2-20080012`,
/// `沪网文〔2017〕9633-727号`). Web pages end with one under the policy's
/// last heading; it and what follows (link lists, addresses) are not part
/// of that section.
pub(super) fn is_footer(line: &str) -> bool {
    static FOOTER: OnceLock<Regex> = OnceLock::new();
    // Asked of every body line: a look at the raw bytes first, so the
    // cleaned copy is made only for a line that may hold a footer's words.
    let may = line.len() <= FOOTER_MAX_CHARS * 4
        && (line.contains("ICP")
            || line.contains("公网安备")
            || line.contains('©')
            || line.contains("版权所有")
            || line.contains("B2")
            || line.contains("网文")
            || line.bytes().any(|b| b.eq_ignore_ascii_case(&b'c')));
    if !may {
        return false;
    }
    let t = clean_markup(line);
    t.chars().count() <= FOOTER_MAX_CHARS
        && re(
            &FOOTER,
            r"(?i)^(?:copyright|©|版权所有)|©\s*(?:19|20)\d\d|版权所有\W*$|ICP[备證证]|公网安备|[京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼]B2\s*[-－]\s*\d{6}|网文\s*[〔\[（(]\s*\d{4}",
        )
        .is_match(&t)
}

/// A line of site navigation: nothing but Markdown links with short texts
/// (`[关于](…) | [条款](…)`), as page footers list them.
fn is_link_only(line: &str) -> bool {
    static LINKS: OnceLock<Regex> = OnceLock::new();
    re(
        &LINKS,
        r"^\s*(?:[-*•·|｜]\s*)?(?:\[[^\]\n]{0,24}\]\([^)\s]*\)\s*[|｜·/]?\s*)+$",
    )
    .is_match(line)
}

/// The lines where a page footer starts, each ending every open section:
/// every footer line ([`is_footer`]) and, before one, the run of navigation
/// links ([`is_link_only`]) that leads into it, blank lines between them
/// included. A run is looked back over only as far as the previous footer
/// line, which already ended every section, so each line is read at most
/// twice however many footer lines a page has.
pub(super) fn footer_starts(lines: &[&str]) -> Vec<bool> {
    let mut starts = vec![false; lines.len()];
    let mut floor = 0;
    for k in 0..lines.len() {
        if !is_footer(lines[k]) {
            continue;
        }
        starts[k] = true;
        let mut j = k;
        while j > floor && (lines[j - 1].trim().is_empty() || is_link_only(lines[j - 1])) {
            j -= 1;
        }
        while j < k && lines[j].trim().is_empty() {
            j += 1;
        }
        starts[j] = true;
        floor = k + 1;
    }
    starts
}

fn is_sentence_end(c: char) -> bool {
    matches!(c, '。' | '！' | '？' | '；' | '!' | '?' | ';')
}

fn is_closer(c: char) -> bool {
    matches!(c, '”' | '’' | '」' | '』' | '）' | ')' | '】' | '"' | '\'')
}

/// Emit one body line as one or more segments.
pub(super) fn emit_body(
    line: &str,
    line_start: usize,
    max: usize,
    path: &[String],
    out: &mut Vec<Segment>,
) {
    let chars: Vec<char> = line.chars().collect();
    let mut s = 0;
    let mut e = chars.len();
    while s < e && chars[s].is_whitespace() {
        s += 1;
    }
    while e > s && chars[e - 1].is_whitespace() {
        e -= 1;
    }
    let mut kind = SegmentKind::Paragraph;
    if e - s >= 2 && matches!(chars[s], '-' | '*' | '+' | '•') && chars[s + 1] == ' ' {
        kind = SegmentKind::ListItem;
        s += 2;
        while s < e && chars[s].is_whitespace() {
            s += 1;
        }
    }
    // A Markdown heading taken for text (a clause number, a paragraph
    // marked up as a title) loses its `#`s as a list item its bullet.
    let hashes = chars[s..e].iter().take_while(|&&c| c == '#').count();
    if (1..=6).contains(&hashes) && chars.get(s + hashes).is_some_and(|c| c.is_whitespace()) {
        s += hashes;
        while s < e && chars[s].is_whitespace() {
            s += 1;
        }
    }
    if !chars[s..e].iter().any(|&c| is_content_char(c)) {
        return;
    }
    let prefix: String = chars[s..e.min(s + 24)].iter().collect();
    let prefix = clean_markup(&prefix);
    if let Some((_, end)) = parse_marker(&prefix) {
        // A lone marker ("1.1", "第三条") carries no content: no segment.
        if e - s <= 24 && !prefix[end..].chars().any(is_content_char) {
            return;
        }
        kind = SegmentKind::ListItem;
    }
    let mut push = |a: usize, b: usize| {
        let (mut a, mut b) = (a, b);
        while a < b && chars[a].is_whitespace() {
            a += 1;
        }
        while b > a && chars[b - 1].is_whitespace() {
            b -= 1;
        }
        if a < b && chars[a..b].iter().any(|&c| is_content_char(c)) {
            out.push(Segment {
                heading_path: path.to_vec(),
                text: chars[a..b].iter().collect(),
                char_start: (line_start + a).min(u32::MAX as usize) as u32,
                char_end: (line_start + b).min(u32::MAX as usize) as u32,
                kind,
            });
        }
    };
    if e - s <= max {
        push(s, e);
        return;
    }
    let mut piece = s;
    let mut last_end = s; // index just after the last sentence end in the current piece
    let mut last_comma = s; // … and after the last clause comma, when no sentence ends
    let mut i = s;
    while i < e {
        if i - piece >= max {
            // A sentence end, else a comma, else a hard cut: a cut inside a
            // word splits a field (`北京市海淀区学` | `院路甲5号`).
            let cut = if last_end > piece {
                last_end
            } else if last_comma > piece {
                last_comma
            } else {
                i
            };
            push(piece, cut);
            piece = cut;
            last_end = piece;
            last_comma = piece;
            continue;
        }
        let c = chars[i];
        i += 1;
        if matches!(c, '，' | ',' | '、') {
            last_comma = i;
        }
        if is_sentence_end(c) {
            while i < e && (is_closer(chars[i]) || is_sentence_end(chars[i])) && i - piece < max {
                i += 1;
            }
            last_end = i;
        }
    }
    push(piece, e);
}
