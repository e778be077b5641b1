//! Line classification (heading / TOC / body) and segmentation of policy text into
//! paragraph and list-item segments with char offsets and heading paths.
//!
//! Input is one paragraph or list item per line (as produced by `crate::decode` and
//! `crate::html`). Heading levels are assigned by marker *type* in order of first appearance;
//! Markdown `#` levels are explicit and outrank numbered markers; between two headings of
//! one level, indentation decides nesting (see `close_headings`). TOC lines are neither
//! headings nor segments.

use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

use regex::Regex;

/// Options for [`segment`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SegmentOptions {
    /// Longest segment, in chars; longer paragraphs are split at sentence ends (default 200).
    pub max_chars: usize,
}

impl Default for SegmentOptions {
    fn default() -> Self {
        SegmentOptions { max_chars: 200 }
    }
}

/// What a segment holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SegmentKind {
    /// Running text.
    Paragraph,
    /// A numbered or bulleted list item.
    ListItem,
}

/// A piece of body text with the headings it sits under.
#[derive(Debug, Clone, PartialEq)]
pub struct Segment {
    /// Titles of enclosing headings, outermost first.
    pub heading_path: Vec<String>,
    /// Exactly `text.chars().skip(char_start).take(char_end - char_start)` of the input.
    pub text: String,
    /// Start offset in chars (Unicode scalar values) into the input.
    pub char_start: u32,
    /// End offset in chars, exclusive.
    pub char_end: u32,
    /// Paragraph or list item.
    pub kind: SegmentKind,
}

/// Classification of one input line (split on `'\n'`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LineKind {
    /// A section title; level 1 is outermost. `title` is cleaned (no `#`, no `**`).
    Heading {
        /// Nesting level, 1 = outermost.
        level: u8,
        /// Leading whitespace width: between headings of one level, the deeper
        /// one nests (see `close_headings`).
        indent: usize,
        /// Cleaned title, numbering kept (e.g. `三、我们如何共享`). May be empty (`###` alone).
        title: String,
    },
    /// An entry of a table of contents near the top.
    Toc,
    /// Body text (sentences, clauses, list items).
    Body,
    /// Empty or whitespace-only.
    Blank,
}

/// Numbering styles; the heading level is derived from the order of first appearance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Style {
    /// 第X部分/章/节/条/款 — tier 0..=4, a lower tier outranks a higher one.
    Di(u8),
    /// 一、 / 一.
    CnNum,
    /// （一） / (一)
    CnParen,
    /// 1、
    ArabicDun,
    /// 1. / 1．
    ArabicDot,
    /// 1.1 (depth 2), 1.1.1 (depth 3), …
    Dotted(u8),
    /// 1) / 1）
    ArabicParen,
    /// （1） / (1)
    ArabicFullParen,
    /// ①
    Circled,
    /// a. / a)
    Letter,
    /// A line that is only bold.
    Bold,
    /// A short unnumbered title line.
    Plain,
}

/// Per-line facts used by the classifier.
#[derive(Debug, Default)]
struct Info {
    blank: bool,
    /// Any letter, digit or CJK char after removing markup.
    content: bool,
    md_level: Option<u8>,
    bold_only: bool,
    bullet: bool,
    /// Marker style and the title length (chars after the marker).
    marker: Option<(Style, usize)>,
    /// Cleaned line (only the first ~80 chars for very long lines).
    clean: String,
    /// Char length of the cleaned line (estimated for very long lines).
    len: usize,
    sentence_like: bool,
    /// Leading whitespace width (nested Markdown lists use it).
    indent: usize,
    /// Ends with a colon (a lead-in, or a short title such as `（一）共享规则：`).
    colon_end: bool,
    /// A date stamp: `更新日期：2019年7月16日`, `（生效时间2020年8月24日）`, a bare
    /// `2019年03月18日`. Text, not a section title, even as `### …`: the date
    /// extractor reads segments only.
    date_stamp: bool,
}

const CN_DIGITS: &str = "一二三四五六七八九十百零〇两";
const SENTENCE_END: &[char] = &['。', '；', ';', '：', ':', '，', ',', '！', '!', '？', '?'];
/// Lines longer than this are body; only their prefix is analysed.
const LONG_LINE: usize = 300;

/// A policy's title as it stands before its date on one line
/// (`隐私权政策 2019年6月10日`): the segmenter keeps such a line as text and
/// the date extractor takes its date for the update date.
macro_rules! policy_title {
    () => {
        r"[^\s，。：:；]{0,12}(?:政策|协议|声明|指引)"
    };
}
pub(crate) use policy_title;

/// Is this cleaned line a date stamp (see `Info::date_stamp`)? Callers keep
/// it to short lines (≤ 48 chars).
fn is_date_stamp(clean: &str) -> bool {
    static DATE_STAMP: OnceLock<Regex> = OnceLock::new();
    re(
            &DATE_STAMP,
            concat!(
                r"^[（(【\[]?\s*(?:本政策|本隐私政策|本版本|本版|",
                policy_title!(),
                r")?\s*",
                r"(?:(?:最新|最近)?(?:更新|生效|发布|修订|更订|版本)(?:与生效|及生效)?(?:日期|时间|时期)?\s*[:：为于]?\s*)?",
                r"(?:于|自)?\s*[\[【]?\s*(?:19|20)\d{2}\s*[\]】]?\s*",
                r"(?:年\s*[\[【]?\s*\d{1,2}\s*[\]】]?\s*月(?:\s*[\[【]?\s*\d{1,2}\s*[\]】]?\s*[日号])?|[-./]\d{1,2}[-./]\d{1,2})",
                r"\s*(?:起|开始)?\s*(?:[^。，,]{0,10})?[）)】\]]?\s*$",
            ),
        )
        .is_match(clean)
}

fn re(cell: &'static OnceLock<Regex>, pat: &str) -> &'static Regex {
    cell.get_or_init(|| Regex::new(pat).expect("valid regex"))
}

/// Detect a numbering marker at the start of a cleaned line; returns (style, marker byte length).
fn parse_marker(s: &str) -> Option<(Style, usize)> {
    static DI: OnceLock<Regex> = OnceLock::new();
    static CN: OnceLock<Regex> = OnceLock::new();
    static CNP: OnceLock<Regex> = OnceLock::new();
    static ARP: OnceLock<Regex> = OnceLock::new();
    static DOTTED: OnceLock<Regex> = OnceLock::new();
    static ARABIC: OnceLock<Regex> = OnceLock::new();
    static LETTER: OnceLock<Regex> = OnceLock::new();
    let first = s.chars().next()?;
    let plausible = first.is_ascii_alphanumeric()
        || ('０'..='９').contains(&first)
        || CN_DIGITS.contains(first)
        || matches!(first, '第' | '(' | '（')
        || ('\u{2460}'..='\u{2473}').contains(&first);
    if !plausible {
        return None;
    }
    let d = "[0-9０-９]";
    let cn = format!("[{CN_DIGITS}]");
    if let Some(m) = re(
        &DI,
        &format!(r"^第\s*(?:{cn}+|{d}+)\s*(部分|章|节|條|条|款)"),
    )
    .captures(s)
    {
        let tier = match &m[1] {
            "部分" => 0,
            "章" => 1,
            "节" => 2,
            "条" | "條" => 3,
            _ => 4,
        };
        // The title keeps its 第X marker, so the marker length is 0 for the title test.
        let whole = m.get(0).map_or(0, |g| g.end());
        return Some((Style::Di(tier), whole));
    }
    if let Some(m) = re(&CN, &format!(r"^{cn}+\s*[、.．,，]")).find(s) {
        return Some((Style::CnNum, m.end()));
    }
    if let Some(m) = re(&CNP, &format!(r"^[（(]\s*{cn}+\s*[）)]")).find(s) {
        return Some((Style::CnParen, m.end()));
    }
    if let Some(m) = re(&ARP, &format!(r"^[（(]\s*{d}+\s*[）)]")).find(s) {
        return Some((Style::ArabicFullParen, m.end()));
    }
    if let Some(m) = re(&DOTTED, &format!(r"^{d}+(?:\s*[.．]\s*{d}+)+\s*[.．、]?")).find(s) {
        let depth = m
            .as_str()
            .chars()
            .filter(|&c| c == '.' || c == '．')
            .count();
        let trailing = m.as_str().trim_end().ends_with(['.', '．', '、']);
        let depth = if trailing { depth } else { depth + 1 };
        if depth >= 2 {
            return Some((Style::Dotted(depth.min(6) as u8), m.end()));
        }
    }
    if let Some(c) = re(&ARABIC, &format!(r"^{d}+\s*([、.．)）])")).captures(s) {
        let end = c.get(0).map_or(0, |g| g.end());
        // "1.5倍" is a number, not a marker.
        if s[end..].starts_with(|ch: char| ch.is_ascii_digit()) {
            return None;
        }
        let style = match &c[1] {
            "、" => Style::ArabicDun,
            "." | "．" => Style::ArabicDot,
            _ => Style::ArabicParen,
        };
        return Some((style, end));
    }
    if let Some(c) = s.chars().next()
        && ('\u{2460}'..='\u{2473}').contains(&c)
    {
        return Some((Style::Circled, c.len_utf8()));
    }
    if let Some(m) = re(&LETTER, r"^[a-zA-Z]\s*[.)）、]\s*").find(s) {
        let rest = &s[m.end()..];
        if rest.starts_with(|c: char| !c.is_ascii_alphabetic()) {
            return Some((Style::Letter, m.end()));
        }
    }
    None
}

fn is_content_char(c: char) -> bool {
    c.is_alphanumeric()
}

/// Remove Markdown decoration: `**`, backslash escapes, collapse whitespace, trim.
fn clean_markup(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    let mut space = false;
    while let Some(c) = chars.next() {
        match c {
            '*' if chars.peek() == Some(&'*') => {
                chars.next();
                continue;
            }
            '\\' if chars.peek().is_some_and(|n| n.is_ascii_punctuation()) => continue,
            _ if c.is_whitespace() => {
                space = true;
                continue;
            }
            _ => {}
        }
        if space && !out.is_empty() {
            out.push(' ');
        }
        space = false;
        out.push(c);
    }
    out
}

/// Strip a leading list bullet (`- `, `* `, `+ `, `• `) from a trimmed line.
fn strip_bullet(s: &str) -> Option<&str> {
    for b in ["- ", "* ", "+ ", "• ", "· "] {
        if let Some(rest) = s.strip_prefix(b) {
            return Some(rest.trim_start());
        }
    }
    None
}

/// "Only bold": the line starts with `**` and all text outside bold runs is whitespace.
fn is_bold_only(s: &str) -> bool {
    if !s.starts_with("**") {
        return false;
    }
    let mut inside = false;
    let mut any = false;
    for (i, piece) in s.split("**").enumerate() {
        if i > 0 {
            inside = !inside;
        }
        if !inside && !piece.trim().is_empty() {
            return false;
        }
        if inside && piece.chars().any(is_content_char) {
            any = true;
        }
    }
    any
}

fn analyse(line: &str) -> Info {
    let trimmed = line.trim();
    if trimmed.is_empty() {
        return Info {
            blank: true,
            ..Info::default()
        };
    }
    let mut info = Info {
        indent: line.chars().take_while(|c| c.is_whitespace()).count(),
        ..Info::default()
    };
    // Only the prefix of a very long line matters for markers.
    let (head, long) = match trimmed.char_indices().nth(LONG_LINE) {
        Some((b, _)) => (&trimmed[..b], true),
        None => (trimmed, false),
    };
    let mut body = head;
    let hashes = body.chars().take_while(|&c| c == '#').count();
    if (1..=6).contains(&hashes) && !body[hashes..].starts_with('#') {
        info.md_level = Some(hashes as u8);
        body = body[hashes..].trim_start();
    }
    if let Some(rest) = strip_bullet(body) {
        info.bullet = true;
        body = rest;
    }
    info.bold_only = !long && is_bold_only(body);
    info.clean = clean_markup(body);
    info.content = info.clean.chars().any(is_content_char) || long;
    info.len = if long {
        usize::MAX / 2
    } else {
        info.clean.chars().count()
    };
    if let Some((style, end)) = parse_marker(&info.clean) {
        let title_len = if matches!(style, Style::Di(_)) {
            info.clean.chars().count()
        } else {
            info.clean[end..].trim().chars().count()
        };
        info.marker = Some((style, title_len));
    }
    let c = &info.clean;
    let mid_stop = c
        .trim_end_matches(['。', '.', ' '])
        .contains(['。', '！', '？']);
    let inner = c.trim_end_matches(SENTENCE_END);
    info.colon_end = c.ends_with(['：', ':']);
    info.date_stamp = info.len <= 48 && is_date_stamp(c);
    info.sentence_like = long
        || info.len > 40
        || (c.ends_with(SENTENCE_END) && !(info.colon_end && info.len <= 30))
        || (info.colon_end && (c.contains("我们") || c.contains('您')))
        || inner.contains(['：', ':'])
        || mid_stop
        || inner.contains(['，', ',', '；']);
    info
}

/// Key for matching TOC entries with later headings: no marker, no markup, no punctuation.
fn toc_key(info: &Info) -> String {
    let mut s = info.clean.as_str();
    if let Some((style, end)) = parse_marker(s)
        && !matches!(style, Style::Di(_))
    {
        s = &s[end..];
    }
    s.chars().filter(|c| c.is_alphanumeric()).take(10).collect()
}

fn toc_like(info: &Info) -> bool {
    !info.blank
        && info.content
        && info.md_level.is_none()
        && info.len <= 50
        && !info
            .clean
            .trim_end_matches(['。', '.', ';', '；'])
            .contains(['。', '；', '，'])
}

/// Mark TOC lines: a run (blank lines allowed) of ≥ 3 short entries near the top whose titles
/// mostly reappear later in the document.
fn detect_toc(infos: &[Info]) -> Vec<bool> {
    let n = infos.len();
    let mut toc = vec![false; n];
    let limit = (n * 2 / 5).max(60).min(n);
    // Keys of the short lines and the last line where each key occurs (linear, so pathological
    // documents with thousands of short-line runs stay fast).
    let keys: Vec<Option<String>> = infos
        .iter()
        .map(|x| {
            let k = toc_key(x);
            (!x.blank && x.len <= 80 && k.chars().count() >= 2).then_some(k)
        })
        .collect();
    let mut last_seen: HashMap<&str, usize> = HashMap::new();
    for (idx, k) in keys.iter().enumerate() {
        if let Some(k) = k {
            last_seen.insert(k.as_str(), idx);
        }
    }
    let mut i = 0;
    while i < limit {
        if !toc_like(&infos[i]) {
            i += 1;
            continue;
        }
        let start = i;
        let mut members = Vec::new();
        let mut seen: HashSet<&str> = HashSet::new();
        let mut j = i;
        while j < n && (infos[j].blank || toc_like(&infos[j])) {
            if !infos[j].blank {
                // The same title again means the body has started.
                if let Some(k) = &keys[j]
                    && !seen.insert(k.as_str())
                {
                    break;
                }
                members.push(j);
            }
            j += 1;
        }
        if members.len() >= 3 {
            let hits: Vec<bool> = members
                .iter()
                .map(|&m| {
                    keys[m]
                        .as_deref()
                        .and_then(|k| last_seen.get(k))
                        .is_some_and(|&last| last >= j)
                })
                .collect();
            let count = hits.iter().filter(|&&h| h).count();
            if count >= 2 && count * 2 >= members.len() {
                // Trim leading non-matching members (e.g. the document title).
                let first = hits.iter().position(|&h| h).unwrap_or(0);
                let last = hits.iter().rposition(|&h| h).unwrap_or(0);
                for &m in &members[first..=last] {
                    toc[m] = true;
                }
                return toc;
            }
        }
        i = j.max(start + 1);
    }
    toc
}

fn same_style(a: &Info, b: &Info) -> bool {
    a.indent == b.indent && matches!((a.marker, b.marker), (Some((x, _)), Some((y, _))) if x == y)
}

/// `7.3` followed by `7.3.1…`: the next line opens a child of this numbered line.
fn opens_child(a: &Info, b: &Info) -> bool {
    let num: String = a
        .clean
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.')
        .collect();
    let num = num.trim_end_matches('.');
    !num.is_empty()
        && b.clean.len() > num.len() + 1
        && b.clean.starts_with(num)
        && b.clean[num.len()..].starts_with('.')
        && b.clean[num.len() + 1..].starts_with(|c: char| c.is_ascii_digit())
}

/// A short title-like line (a sub-heading candidate) of another numbering style,
/// or any line indented deeper than `a` (a nested list flattened from HTML:
/// `  4. 我们如何保护…` then `    1. 我们将…`).
fn subheading_like(a: &Info, b: &Info) -> bool {
    b.indent > a.indent
        || b.md_level.is_some()
        || (b.bold_only && !b.sentence_like)
        || (b.marker.is_some_and(|(_, t)| t > 0) && !b.sentence_like && !same_style(a, b))
        || opens_child(a, b)
}

/// Classify every line of `text` (split on `'\n'`) as heading, TOC, body or blank.
pub fn classify_lines(text: &str) -> Vec<LineKind> {
    let lines: Vec<&str> = text.split('\n').collect();
    let infos: Vec<Info> = lines.iter().map(|l| analyse(l)).collect();
    let toc = detect_toc(&infos);
    let n = infos.len();
    // Pass 1: which lines are headings, and their style.
    let mut heading_style: Vec<Option<Option<Style>>> = vec![None; n];
    // The next non-blank line index, precomputed backwards (linear).
    let mut next = vec![None; n];
    let mut nb: Option<usize> = None;
    for k in (0..n).rev() {
        next[k] = nb;
        if !infos[k].blank && infos[k].content && !toc[k] {
            nb = Some(k);
        }
    }
    let mut prev = vec![None; n];
    let mut pb: Option<usize> = None;
    for k in 0..n {
        prev[k] = pb;
        if !infos[k].blank && infos[k].content && !toc[k] {
            pb = Some(k);
        }
    }
    for k in 0..n {
        let info = &infos[k];
        if info.blank || toc[k] || info.date_stamp {
            continue;
        }
        if info.md_level.is_some() {
            // A Markdown heading holding a whole paragraph (`#### 11.3 如就本协议…
            // 发生任何争议，应…；协商不成时，…提交北京仲裁委员会…`), or a
            // sentence (`#### 3.5.2 以任何方式危害未成年人；`: no title ends
            // with a stop or holds one), is body text.
            let sentence_end =
                info.clean.trim_end().ends_with(['。', '；', ';']) || info.clean.contains('。');
            let body = sentence_end || (info.sentence_like && info.len > 60);
            if !body {
                heading_style[k] = Some(info.marker.map(|m| m.0));
            }
            continue;
        }
        if !info.content {
            continue;
        }
        if let Some((style, title_len)) = info.marker {
            if title_len == 0 || info.sentence_like || info.bullet {
                continue;
            }
            if info.bold_only {
                heading_style[k] = Some(Some(style));
                continue;
            }
            if matches!(style, Style::Letter | Style::Circled) {
                continue;
            }
            // Short numbered line: a heading if body text follows, a list item if it sits in
            // a run of similar items.
            let nx = next[k].map(|j| &infos[j]);
            let pv = prev[k].map(|j| &infos[j]);
            let in_run =
                nx.is_some_and(|x| same_style(info, x)) || pv.is_some_and(|p| same_style(info, p));
            let followed = match nx {
                None => false,
                Some(x) => !same_style(info, x) || x.sentence_like,
            };
            let sub = nx.is_some_and(|x| subheading_like(info, x));
            if sub || (followed && !in_run) {
                heading_style[k] = Some(Some(style));
            }
            continue;
        }
        if info.bold_only {
            if info.len <= 30 && !info.sentence_like && !info.clean.contains(['：', ':']) {
                heading_style[k] = Some(Some(Style::Bold));
            }
            continue;
        }
        // Plain short title line followed by running text.
        let cjk = info
            .clean
            .chars()
            .filter(|c| ('\u{4E00}'..='\u{9FFF}').contains(c))
            .count();
        let punct_free = !info.clean.contains([
            '。', '，', ',', '；', ';', '：', ':', '！', '!', '？', '?', '|', '“', '"',
        ]);
        let first_line = prev[k].is_none();
        if info.len <= 20
            && cjk >= 2
            && punct_free
            && !info.bullet
            && let Some(x) = next[k].map(|j| &infos[j])
        {
            let long_next = x.len >= 30 || (first_line && x.len >= 8);
            // `我们将不满 14` / `周岁的…` is one sentence, not a title.
            let broken = k + 1 < n && broken_after_number(lines[k], lines[k + 1]);
            if long_next && !broken && x.marker.is_none() && !x.bold_only && x.md_level.is_none() {
                heading_style[k] = Some(Some(Style::Plain));
            }
        }
    }
    // Pass 2: levels. Numbered styles rank by first appearance, styles used in Markdown
    // headings first; 第X部分/章/节/条 and 1.1/1.1.1 keep their natural order; unnumbered
    // Markdown headings sit beside the numbered style used at their `#` level (or just below
    // the nearest shallower one, or above everything when there is none).
    let mut order: Vec<Style> = Vec::new();
    for md_pass in [true, false] {
        for k in 0..n {
            if let Some(Some(s)) = heading_style[k]
                && infos[k].md_level.is_some() == md_pass
                && s != Style::Plain
                && !order.contains(&s)
            {
                order.push(s);
            }
        }
    }
    fix_family(&mut order, |s| match s {
        Style::Di(t) => Some(*t),
        _ => None,
    });
    fix_family(&mut order, |s| match s {
        Style::Dotted(d) => Some(*d),
        _ => None,
    });
    order.push(Style::Plain);
    let rank = |s: Style| -> i64 {
        order
            .iter()
            .position(|&o| o == s)
            .map_or(0, |p| p as i64 + 1)
    };
    // Best (smallest) numbered rank seen at each Markdown level.
    let mut peer: [Option<i64>; 7] = [None; 7];
    for k in 0..n {
        if let (Some(Some(s)), Some(md)) = (heading_style[k], infos[k].md_level) {
            let r = rank(s);
            let slot = &mut peer[usize::from(md)];
            *slot = Some(slot.map_or(r, |p| p.min(r)));
        }
    }
    let composite: Vec<Option<i64>> = (0..n)
        .map(|k| {
            heading_style[k].map(|s| match (s, infos[k].md_level) {
                (Some(s), _) => rank(s) * 8,
                (None, Some(md)) => {
                    let md = usize::from(md);
                    if let Some(p) = peer[md] {
                        p * 8
                    } else if let Some((m2, p)) =
                        (1..md).rev().find_map(|m2| peer[m2].map(|p| (m2, p)))
                    {
                        p * 8 + (md - m2) as i64
                    } else {
                        md as i64 - 10
                    }
                }
                (None, None) => rank(Style::Plain) * 8,
            })
        })
        .collect();
    let mut keys: Vec<i64> = composite.iter().flatten().copied().collect();
    keys.sort_unstable();
    keys.dedup();
    (0..n)
        .map(|k| {
            if infos[k].blank {
                LineKind::Blank
            } else if toc[k] {
                LineKind::Toc
            } else if let Some(c) = composite[k] {
                let level = keys.binary_search(&c).map_or(1, |p| p + 1).min(255) as u8;
                LineKind::Heading {
                    level,
                    indent: infos[k].indent,
                    title: infos[k].clean.clone(),
                }
            } else {
                LineKind::Body
            }
        })
        .collect()
}

/// Reorder the members of one style family (by tier) within the positions they occupy.
fn fix_family(order: &mut [Style], tier: impl Fn(&Style) -> Option<u8>) {
    let pos: Vec<usize> = (0..order.len())
        .filter(|&i| tier(&order[i]).is_some())
        .collect();
    let mut members: Vec<Style> = pos.iter().map(|&i| order[i]).collect();
    members.sort_by_key(|s| tier(s));
    for (p, s) in pos.into_iter().zip(members) {
        order[p] = s;
    }
}

/// A heading whose section is still open while segmenting.
struct Open {
    level: u8,
    indent: usize,
    /// Opened as the indented child of a heading of the same level.
    nested: bool,
    title: String,
}

/// Close the open sections that a new heading (`level`, `indent`, `title`) ends, and say
/// whether it opens a nested list under a heading of its own level.
///
/// Levels come from numbering styles, so a nested HTML list flattened to text (`  1. 我们如何
/// 收集…` then `    1. 您自愿提供的…`) gives both levels the same one; only the indentation
/// tells them apart. A same-level heading indented deeper therefore stays a child when it is
/// the first of its list (`1.`, `（一）`, `①`) or a later sibling of such a child, and is
/// otherwise a sibling whose indentation merely drifted (`（一）` then `  （二）`).
fn close_headings(stack: &mut Vec<Open>, level: u8, indent: usize, title: &str) -> bool {
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
fn first_ordinal(title: &str) -> bool {
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

/// Split `text` into body segments with heading paths and char offsets.
pub fn segment(text: &str, opts: &SegmentOptions) -> Vec<Segment> {
    let kinds = classify_lines(text);
    let max = opts.max_chars.max(1);
    let mut out = Vec::new();
    let mut stack: Vec<Open> = Vec::new();
    let mut offset: usize = 0; // char offset of the current line start
    let lines: Vec<&str> = text.split('\n').collect();
    let mut kinds = kinds.into_iter().enumerate().peekable();
    while let Some((k, kind)) = kinds.next() {
        let line = lines[k];
        let line_chars = line.chars().count();
        match kind {
            LineKind::Heading {
                level,
                indent,
                title,
            } => {
                if !title.is_empty() {
                    let nested = close_headings(&mut stack, level, indent, &title);
                    stack.push(Open {
                        level,
                        indent,
                        nested,
                        title,
                    });
                }
            }
            LineKind::Body => {
                let path: Vec<String> = stack.iter().map(|h| h.title.clone()).collect();
                // A sentence hard-wrapped between a number and its unit
                // (`不满 14` / `周岁的任何人`) is one segment, newline included.
                if matches!(kinds.peek(), Some((_, LineKind::Body)))
                    && broken_after_number(line, lines[k + 1])
                {
                    kinds.next();
                    let next = lines[k + 1];
                    let joined = format!("{line}\n{next}");
                    emit_body(&joined, offset, max, &path, &mut out);
                    offset += line_chars + 1 + next.chars().count() + 1;
                    continue;
                }
                emit_body(line, offset, max, &path, &mut out);
            }
            LineKind::Toc | LineKind::Blank => {}
        }
        offset += line_chars + 1;
    }
    out
}

/// Does `line` end inside a quantity that `next` completes: a number whose
/// unit opens the next line (`我们将不满 14` / `周岁的…`, `已于2019` /
/// `年12月18日更新`), or a duration whose `内` does (`在 二十个工作日` /
/// `内对您进行回复`)? Policies converted from PDFs or fixed-width pages
/// break lines anywhere, and a field split this way is lost to every
/// extractor. Kept narrow on purpose: a phone number, a room number or a
/// section number (`304`, `010-53514089`, `1.2.2.2`) before a line that
/// starts with `个人信息` or `日志信息` is not a broken quantity.
fn broken_after_number(line: &str, next: &str) -> bool {
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

fn is_sentence_end(c: char) -> bool {
    matches!(c, '。' | '！' | '？' | '；' | '!' | '?' | ';')
}

fn is_closer(c: char) -> bool {
    matches!(c, '”' | '’' | '」' | '』' | '）' | ')' | '】' | '"' | '\'')
}

/// Emit one body line as one or more segments.
fn emit_body(line: &str, line_start: usize, max: usize, path: &[String], out: &mut Vec<Segment>) {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(text: &str) -> Vec<String> {
        classify_lines(text)
            .into_iter()
            .map(|k| match k {
                LineKind::Heading { level, title, .. } => format!("H{level}:{title}"),
                LineKind::Toc => "T".into(),
                LineKind::Body => "B".into(),
                LineKind::Blank => "_".into(),
            })
            .collect()
    }

    fn check_offsets(text: &str, segs: &[Segment]) {
        let chars: Vec<char> = text.chars().collect();
        for s in segs {
            let slice: String = chars[s.char_start as usize..s.char_end as usize]
                .iter()
                .collect();
            assert_eq!(slice, s.text);
        }
    }

    const DOC: &str = "\
星辰漫游科技隐私政策

本政策将帮助您了解以下内容：

- 一、我们如何收集您的信息
- 二、我们如何共享您的信息
- 三、您的权利

一、我们如何收集您的信息

（一）注册账号

当您注册星辰漫游账号时，我们会收集您的手机号码和昵称，用于创建账号。

（二）位置服务

在您开启定位权限后，我们会收集您的大致位置，用于推荐附近的活动。

二、我们如何共享您的信息

我们不会向任何第三方出售您的个人信息。

三、您的权利

您可以行使以下权利：

1、查阅您的个人信息

2、更正您的个人信息

3、删除您的个人信息
";

    #[test]
    fn classifies_toc_headings_and_lists() {
        let k = kinds(DOC);
        let non_blank: Vec<&String> = k.iter().filter(|s| *s != "_").collect();
        assert_eq!(
            non_blank,
            vec![
                "H3:星辰漫游科技隐私政策", // first line: plain title, lowest rank
                "B",
                "T",
                "T",
                "T",
                "H1:一、我们如何收集您的信息",
                "H2:（一）注册账号",
                "B",
                "H2:（二）位置服务",
                "B",
                "H1:二、我们如何共享您的信息",
                "B",
                "H1:三、您的权利",
                "B",
                "B",
                "B",
                "B",
            ]
        );
    }

    #[test]
    fn segments_carry_heading_paths_and_exact_offsets() {
        let segs = segment(DOC, &SegmentOptions::default());
        check_offsets(DOC, &segs);
        let loc = segs.iter().find(|s| s.text.contains("大致位置")).unwrap();
        assert_eq!(
            loc.heading_path,
            vec!["一、我们如何收集您的信息", "（二）位置服务"]
        );
        assert_eq!(loc.kind, SegmentKind::Paragraph);
        let del = segs.iter().find(|s| s.text.contains("删除")).unwrap();
        assert_eq!(del.heading_path, vec!["三、您的权利"]);
        assert_eq!(del.kind, SegmentKind::ListItem);
        assert!(
            !segs
                .iter()
                .any(|s| s.text.contains("了解以下内容") && s.heading_path.len() > 1)
        );
        assert!(!segs.iter().any(|s| s.text.starts_with("- 二")));
    }

    /// The heading path of the first segment containing `needle`.
    fn path_of(segs: &[Segment], needle: &str) -> Vec<String> {
        segs.iter()
            .find(|s| s.text.contains(needle))
            .unwrap_or_else(|| panic!("no segment contains {needle}"))
            .heading_path
            .clone()
    }

    #[test]
    fn date_stamps_are_text_not_titles() {
        let doc = "\
### 更新日期：2019年7月16日
### 提示条款
示例网络科技有限公司（以下简称“我们”）深知个人信息对您的重要性，并会尽力保护您的个人信息。
隐私权政策
2019年03月18日
我们致力于维持您对我们的信任，恪守以下原则，保护您的个人信息：权责一致原则。
";
        let segs = segment(doc, &SegmentOptions::default());
        check_offsets(doc, &segs);
        assert!(
            segs.iter()
                .any(|s| s.text.contains("更新日期：2019年7月16日"))
        );
        assert!(segs.iter().any(|s| s.text.contains("2019年03月18日")));
        assert_eq!(path_of(&segs, "深知个人信息"), ["提示条款"]);
        assert!(
            !segs
                .iter()
                .any(|s| s.heading_path.iter().any(|h| h.contains("2019")))
        );
        assert!(is_date_stamp("（生效时间2020年8月24日）"));
        assert!(is_date_stamp("（本政策于2020年7月30日更新发布并同时生效）"));
        assert!(is_date_stamp("2020年【11】月【16】日"));
        assert!(!is_date_stamp("一、我们如何收集和使用您的个人信息"));
        // A policy title with its date: the date is what the line says.
        assert!(is_date_stamp("隐私权政策 2019年6月10日"));
        assert!(is_date_stamp("隐私政策 于2020年12月16日更新"));
        assert!(!is_date_stamp(
            "第三方信息共享清单 2019年6月10日起的合作伙伴"
        ));
    }

    #[test]
    fn quantities_broken_across_lines_are_one_segment() {
        let doc = "\
我们将不满 14
周岁的任何人均视为儿童。
一般情况下，我们将在 二十个工作日
内对您进行回复。
我们的隐私政策已于2019
年12月18日更新。
办公地址：北京市朝阳区示例路87号楼105
个人信息保护负责人联系方式：privacy@example.cn
1.2.2.2
日志信息：当你使用服务时，我们会收集日志。
客服热线：400-000-0000
天天都有人值守。
";
        let segs = segment(doc, &SegmentOptions::default());
        check_offsets(doc, &segs);
        let texts: Vec<&str> = segs.iter().map(|s| s.text.as_str()).collect();
        assert!(texts.contains(&"我们将不满 14\n周岁的任何人均视为儿童。"));
        assert!(texts.contains(&"一般情况下，我们将在 二十个工作日\n内对您进行回复。"));
        assert!(texts.contains(&"我们的隐私政策已于2019\n年12月18日更新。"));
        // A room number, a section number or a phone before a new line stays apart.
        assert!(texts.contains(&"个人信息保护负责人联系方式：privacy@example.cn"));
        assert!(texts.iter().any(|t| t.starts_with("日志信息")));
        assert!(texts.contains(&"天天都有人值守。"));
    }

    #[test]
    fn markdown_paragraphs_are_body() {
        let doc = "\
## 十一、争议解决
#### 11.3 如就本协议内容或其执行发生任何争议，应尽量友好协商解决；协商不成时，则争议各方一致同意将发生的争议提交示例仲裁委员会进行仲裁。
#### 11.4 其他
本协议的解释适用中华人民共和国法律。
";
        let segs = segment(doc, &SegmentOptions::default());
        check_offsets(doc, &segs);
        assert_eq!(path_of(&segs, "示例仲裁委员会"), ["十一、争议解决"]);
        assert_eq!(path_of(&segs, "解释适用"), ["十一、争议解决", "11.4 其他"]);
        let doc = "\
### 五、个人信息的存储
#### （二）我们在境内运营中收集和产生的个人信息，存储在中国境内。以下情形除外：
#### （三）存储期限
我们仅在实现目的所必需的最短时间内保留您的个人信息。
";
        let segs = segment(doc, &SegmentOptions::default());
        check_offsets(doc, &segs);
        assert_eq!(path_of(&segs, "存储在中国境内"), ["五、个人信息的存储"]);
        assert_eq!(
            path_of(&segs, "最短时间"),
            ["五、个人信息的存储", "（三）存储期限"]
        );
    }

    #[test]
    fn nested_list_titles_are_headings() {
        // An HTML policy whose sections are items of a nested list, flattened
        // with indentation: `  4. …保护…` follows a long item of the same
        // style, but its own items sit deeper, so it opens a section.
        let doc = "\
青柠出行隐私政策
  3. 我们如何共享您的个人信息
    1. 我们会委托第三方支付机构处理您的支付信息，并要求其按照本政策保护您的信息。
    2. 未经您的同意，我们不会向其他公司共享您的个人信息，以下情形除外。
  6. 您应当理解，您在使用服务过程中，可以向特定的人发送照片、位置信息等内容。
  4. 我们如何保护您的个人信息
    1. 我们采用传输层加密技术保护您的个人信息，防止数据遭到未经授权的访问。
";
        let segs = segment(doc, &SegmentOptions::default());
        check_offsets(doc, &segs);
        let path = |needle: &str| path_of(&segs, needle).last().cloned().unwrap_or_default();
        assert_eq!(path("传输层加密"), "4. 我们如何保护您的个人信息");
        assert_eq!(path("第三方支付机构"), "3. 我们如何共享您的个人信息");
        // A long item stays body.
        assert!(
            !segs
                .iter()
                .any(|s| s.heading_path.iter().any(|h| h.contains("您应当理解")))
        );
    }

    #[test]
    fn indented_lists_of_one_style_nest() {
        // A nested HTML list flattened to text numbers both levels `1.`: the
        // deeper list is a child of the title above it, its later items stay
        // children, and the next title at the outer indentation closes both.
        let doc = "\
青柠出行隐私政策
  1. 我们如何收集和使用您的个人信息
    1. 您主动提供的个人信息
  1. 在您注册青柠出行账号时，我们会收集您的手机号码和昵称，用于创建账号。
    2. 我们自动收集的个人信息
  1. 在您使用打车服务时，我们会收集您的位置信息，用于为您匹配附近车辆。
  2. 我们如何共享您的个人信息
    1. 未经您的同意，我们不会向其他公司共享您的个人信息，以下情形除外。
（一）我们如何存储您的个人信息
我们会将您的个人信息存储在中华人民共和国境内的服务器上，不会传输至境外。
  （二）我们如何保护您的个人信息
我们采用传输层加密技术保护您的个人信息，防止数据遭到未经授权的访问。
";
        let segs = segment(doc, &SegmentOptions::default());
        check_offsets(doc, &segs);
        let path = |needle: &str| path_of(&segs, needle);
        let top = "1. 我们如何收集和使用您的个人信息";
        assert_eq!(path("手机号码"), vec![top, "1. 您主动提供的个人信息"]);
        assert_eq!(path("附近车辆"), vec![top, "2. 我们自动收集的个人信息"]);
        assert_eq!(path("其他公司"), vec!["2. 我们如何共享您的个人信息"]);
        // A sibling whose indentation drifted (`（二）` after `（一）`) is no child.
        assert_eq!(
            path("传输层加密")
                .iter()
                .filter(|h| h.contains("我们如何存储"))
                .count(),
            0
        );
        assert_eq!(
            path("传输层加密").last().unwrap(),
            "（二）我们如何保护您的个人信息"
        );
    }

    #[test]
    fn first_ordinals() {
        for t in [
            "1. 总则",
            "1、总则",
            "（一）总则",
            "(1) 总则",
            "一、总则",
            "①总则",
            "a. 总则",
        ] {
            assert!(first_ordinal(t), "{t}");
        }
        for t in [
            "2. 总则",
            "10. 总则",
            "（二）总则",
            "一点资讯隐私政策",
            "1.2 总则",
            "总则",
        ] {
            assert!(!first_ordinal(t), "{t}");
        }
    }

    #[test]
    fn markdown_bold_and_di_levels() {
        let doc = "# 月光书店用户协议\n## 第一章 总则\n### 第一条 适用范围\n本协议适用于月光书店提供的全部在线服务，包括网站和小程序。\n**特别提示**\n请您仔细阅读本协议中以粗体标识的条款内容，确认理解后再使用。\n## 第二章 隐私\n我们重视您的隐私，会依法保护您提供的信息安全。\n";
        let k = kinds(doc);
        assert_eq!(k[0], "H1:月光书店用户协议");
        assert_eq!(k[1], "H2:第一章 总则");
        assert_eq!(k[2], "H3:第一条 适用范围");
        assert!(k[4].starts_with('H') && k[4].ends_with("特别提示"));
        let segs = segment(doc, &SegmentOptions::default());
        check_offsets(doc, &segs);
        assert_eq!(
            segs[0].heading_path,
            vec!["月光书店用户协议", "第一章 总则", "第一条 适用范围"]
        );
        let last = segs.last().unwrap();
        assert_eq!(last.heading_path, vec!["月光书店用户协议", "第二章 隐私"]);
        // 第X条 seen first still ranks below 第X章.
        let doc2 = "第一条 定义\n本条解释本协议中使用的术语含义和适用的范围说明。\n第二章 附则\n本章规定协议生效和解释的相关事项以及其他内容。\n";
        let k2 = kinds(doc2);
        assert_eq!(k2[0], "H2:第一条 定义");
        assert_eq!(k2[2], "H1:第二章 附则");
    }

    #[test]
    fn sentence_numbered_lines_are_body() {
        let doc = "一、信息收集\n1、我们会收集您的设备型号，用于适配显示效果。\n2. 为了保障账号安全，我们会记录登录日志；\n1.1 设备信息\n我们会读取设备标识符，以识别异常登录行为并保护您的账号。\n";
        let k = kinds(doc);
        assert_eq!(k[0], "H1:一、信息收集");
        assert_eq!(k[1], "B");
        assert_eq!(k[2], "B");
        assert_eq!(k[3], "H2:1.1 设备信息");
        assert_eq!(k[4], "B");
    }

    #[test]
    fn long_paragraphs_split_at_sentence_ends() {
        let sentence = "我们会在实现处理目的所必需的最短期限内保存您的信息。";
        let line = sentence.repeat(30);
        let doc = format!("二、信息保存\n{line}\n");
        let opts = SegmentOptions { max_chars: 60 };
        let segs = segment(&doc, &opts);
        check_offsets(&doc, &segs);
        assert!(segs.len() > 10);
        for s in &segs {
            assert!(s.text.chars().count() <= 60);
            assert!(s.text.ends_with('。'));
            assert_eq!(s.heading_path, vec!["二、信息保存"]);
        }
        let total: usize = segs.iter().map(|s| s.text.chars().count()).sum();
        assert_eq!(total, line.chars().count());
    }

    #[test]
    fn a_sentence_longer_than_a_segment_splits_at_a_comma() {
        let clause = "或发送邮件至示例隐私政策管理邮箱与我们联系";
        let line = format!(
            "{}，示例科技有限公司的注册地址为北京市海淀区学院路甲5号2幢平房B-2202室。",
            clause.repeat(3)
        );
        let doc = format!(
            "十二、如何联系我们
{line}
"
        );
        let segs = segment(&doc, &SegmentOptions { max_chars: 80 });
        check_offsets(&doc, &segs);
        assert_eq!(segs.len(), 2);
        assert!(segs[0].text.ends_with('，'));
        assert!(
            segs[1]
                .text
                .contains("北京市海淀区学院路甲5号2幢平房B-2202室")
        );
    }

    #[test]
    fn huge_line_without_punctuation_is_hard_split_fast() {
        let line = "数据".repeat(3_000_000);
        let t = std::time::Instant::now();
        let segs = segment(&line, &SegmentOptions::default());
        assert!(t.elapsed().as_secs() < 30, "{:?}", t.elapsed());
        assert_eq!(segs.len(), 30_000);
        assert!(segs.iter().all(|s| s.text.chars().count() == 200));
        assert_eq!(segs[1].char_start, 200);
        assert_eq!(segs.last().unwrap().char_end, 6_000_000);
    }

    #[test]
    fn bullets_and_markup_only_lines() {
        let doc = "  - 手机号码  \n****\n\u{3000}我们收集邮箱地址。\u{3000}\n";
        let segs = segment(doc, &SegmentOptions::default());
        check_offsets(doc, &segs);
        assert_eq!(segs.len(), 2);
        assert_eq!(segs[0].text, "手机号码");
        assert_eq!(segs[0].kind, SegmentKind::ListItem);
        assert_eq!(segs[1].text, "我们收集邮箱地址。");
    }

    #[test]
    fn html_pipeline_headings_become_paths() {
        let html = "<html><body><h1>青禾健康隐私政策</h1><h2>一、我们收集的信息</h2>\
            <h3>（一）账号信息</h3><p>注册时我们会收集您的手机号码。</p>\
            <h2>二、信息共享</h2><ul><li>支付机构：用于完成支付。</li></ul></body></html>";
        let text = crate::html::html_to_text(html);
        let segs = segment(&text, &SegmentOptions::default());
        check_offsets(&text, &segs);
        assert_eq!(segs.len(), 2);
        assert_eq!(
            segs[0].heading_path,
            vec!["青禾健康隐私政策", "一、我们收集的信息", "（一）账号信息"]
        );
        assert_eq!(
            segs[1].heading_path,
            vec!["青禾健康隐私政策", "二、信息共享"]
        );
    }

    #[test]
    fn unnumbered_markdown_sits_beside_numbered_peers() {
        let doc = "## 云舟隐私政策\n### 导言\n本政策说明云舟如何处理您的个人信息以及您享有的各项权利内容。\n### 第一部分 定义\n本部分解释政策中使用的专门术语及其具体含义和适用的范围。\n## 第二部分 正文\n### 一、收集\n我们仅在实现产品功能所必需的范围内收集您的个人信息内容。\n";
        let segs = segment(doc, &SegmentOptions::default());
        assert_eq!(segs[1].heading_path, vec!["第一部分 定义"]);
        assert_eq!(segs[2].heading_path, vec!["第二部分 正文", "一、收集"]);
    }

    #[test]
    fn lone_markers_give_no_segment() {
        let doc = "一、账号\n1.1\n您可以使用手机号码注册帆影账号，也可以使用第三方账号登录。\n";
        let segs = segment(doc, &SegmentOptions::default());
        assert_eq!(segs.len(), 1);
        assert!(segs[0].text.starts_with("您可以"));
    }

    #[test]
    fn many_short_lines_stay_linear() {
        let mut doc = String::new();
        for i in 0..20_000 {
            doc.push_str(&format!(
                "条目{i}\n条目{}\n条目{}\n我们会说明，这是正文。\n",
                i + 1,
                i + 2
            ));
        }
        let t = std::time::Instant::now();
        let kinds = classify_lines(&doc);
        assert_eq!(kinds.len(), doc.split('\n').count());
        let segs = segment(&doc, &SegmentOptions::default());
        assert!(!segs.is_empty());
        assert!(t.elapsed().as_secs() < 30, "{:?}", t.elapsed());
    }

    #[test]
    fn never_panics_on_random_text() {
        let alphabet: Vec<char> = "一二（）()1.、。；#* -\n\t\u{3000}第条章**甲乙丙abc【】：\r😀"
            .chars()
            .collect();
        let mut x: u64 = 7;
        for len in 0..600usize {
            let mut s = String::new();
            for _ in 0..len {
                x = x
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                s.push(alphabet[(x >> 33) as usize % alphabet.len()]);
            }
            for max in [1, 5, 200] {
                let segs = segment(&s, &SegmentOptions { max_chars: max });
                check_offsets(&s, &segs);
                assert!(segs.iter().all(|g| g.text.chars().count() <= max));
            }
            assert_eq!(classify_lines(&s).len(), s.split('\n').count());
        }
    }
}
