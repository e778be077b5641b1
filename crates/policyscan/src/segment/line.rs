//! Per-line analysis: what one line of policy text looks like before any
//! line is compared with its neighbours — Markdown `#` level, bullet, bold,
//! numbering marker (`一、`, `（1）`, `第三条`, `1.2.3`…), cleaned text,
//! length, and whether it reads like a sentence or a date stamp.
//!
//! Kept apart from the level and TOC decisions (`levels`, `toc`) because
//! those only read these facts ([`Info`]); the marker parser and the
//! markup cleaner are also what body emission uses to spot list items.

use std::sync::OnceLock;

use regex::Regex;

/// Numbering styles; the heading level is derived from the order of first appearance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) enum Style {
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
pub(super) struct Info {
    pub(super) blank: bool,
    /// Any letter, digit or CJK char after removing markup.
    pub(super) content: bool,
    pub(super) md_level: Option<u8>,
    pub(super) bold_only: bool,
    pub(super) bullet: bool,
    /// Marker style and the title length (chars after the marker).
    pub(super) marker: Option<(Style, usize)>,
    /// Cleaned line (only the first ~80 chars for very long lines).
    pub(super) clean: String,
    /// Char length of the cleaned line (estimated for very long lines).
    pub(super) len: usize,
    pub(super) sentence_like: bool,
    /// Leading whitespace width (nested Markdown lists use it).
    pub(super) indent: usize,
    /// Ends with a colon (a lead-in, or a short title such as `（一）共享规则：`).
    pub(super) colon_end: bool,
    /// A date stamp: `更新日期：2019年7月16日`, `（生效时间2020年8月24日）`, a bare
    /// `2019年03月18日`. Text, not a section title, even as `### …`: the date
    /// extractor reads segments only.
    pub(super) date_stamp: bool,
    /// For a run-in title (`**五、 如何使用…** 在收集…`): the char offset
    /// into the line where the sentence after the title starts. `clean`
    /// then holds the title only; the segmenter emits the rest as text.
    pub(super) run_in_text: Option<usize>,
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
pub(super) fn is_date_stamp(clean: &str) -> bool {
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

/// The regex in `cell`, compiled from `pat` on first use.
pub(super) fn re(cell: &'static OnceLock<Regex>, pat: &str) -> &'static Regex {
    cell.get_or_init(|| Regex::new(pat).expect("valid regex"))
}

/// Detect a numbering marker at the start of a cleaned line; returns (style, marker byte length).
pub(super) fn parse_marker(s: &str) -> Option<(Style, usize)> {
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

/// A char that makes a line more than markup: a letter, digit or CJK char.
pub(super) fn is_content_char(c: char) -> bool {
    c.is_alphanumeric()
}

/// Remove Markdown decoration: `**`, backslash escapes, collapse whitespace, trim.
pub(super) fn clean_markup(s: &str) -> String {
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

/// Strip a Markdown heading's `#`s (1 to 6): its level and the rest.
fn strip_hashes(s: &str) -> Option<(u8, &str)> {
    let hashes = s.chars().take_while(|&c| c == '#').count();
    ((1..=6).contains(&hashes) && !s[hashes..].starts_with('#'))
        .then(|| (hashes as u8, s[hashes..].trim_start()))
}

/// Shortest running text after a run-in title (`**五、 如何使用您的个人信息**
/// 在收集您的个人信息后，…`): less is a label and its value, not a section.
const RUN_IN_TEXT_MIN_CHARS: usize = 10;
/// Longest run-in title, as for a bold-only title line.
const RUN_IN_TITLE_MAX_CHARS: usize = 30;

/// A numbered bold title followed on the same line by its section's first
/// sentence (`**6\. 第三方SDK使用方式** 我们的应用中会嵌入…`): the bold part
/// (with its `**`), or `None`. Only a numbered title qualifies: a bold
/// lead-in (`**请注意：** …`), a bold term (`**地理位置信息，** 以确定…`) or a
/// bold lone number (`**1.** 为了…`) is emphasis inside a sentence.
fn run_in_title(s: &str) -> Option<&str> {
    let inner = s.strip_prefix("**")?;
    let close = inner.find("**")?;
    let title = clean_markup(&inner[..close]);
    let raw_rest = inner[close + 2..].trim_start();
    // `**二、我们如何使用** **Cookie** **和同类技术**`: one title in pieces.
    if raw_rest.starts_with("**") {
        return None;
    }
    let rest = clean_markup(raw_rest);
    let (_, marker_end) = parse_marker(&title)?;
    let name = title[marker_end..].trim();
    let name_len = name.chars().filter(|&c| is_content_char(c)).count();
    let ok = name_len >= 2
        && title.chars().count() <= RUN_IN_TITLE_MAX_CHARS
        && !title.contains(SENTENCE_END)
        && rest.chars().count() >= RUN_IN_TEXT_MIN_CHARS
        && rest.contains(SENTENCE_END)
        && !rest.starts_with(['、', '，', ',', '：', ':', '。', '.']);
    ok.then(|| &s[..2 + close + 2])
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

/// The facts of one line ([`Info`]).
pub(super) fn analyse(line: &str) -> Info {
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
    if let Some((level, rest)) = strip_hashes(body) {
        info.md_level = Some(level);
        body = rest;
    }
    if let Some(rest) = strip_bullet(body) {
        // `  * ### 三、…`: a Markdown heading inside a list bullet (pages
        // converted from HTML lists) is a heading, not a list item.
        match strip_hashes(rest).filter(|_| info.md_level.is_none()) {
            Some((level, rest)) => {
                info.md_level = Some(level);
                body = rest;
            }
            None => {
                info.bullet = true;
                body = rest;
            }
        }
    }
    if !long
        && !info.bullet
        && let Some(title) = run_in_title(body)
    {
        // `title` is a slice of `line`: where it ends, the text begins.
        let end = title.as_ptr() as usize + title.len() - line.as_ptr() as usize;
        info.run_in_text = Some(line[..end].chars().count());
        body = title;
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
