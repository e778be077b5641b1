//! Heading levels: which lines are section titles, and how deep each sits.
//!
//! Two passes. The first decides, line by line with its neighbours, whether
//! a line is a heading and by what mark ([`HeadingMark`]): a Markdown `#`, a
//! numbering marker that opens a section rather than a list item, a bold
//! line, or a short plain title before running text. The second ranks the
//! marks: numbering styles by first appearance (styles of Markdown headings
//! first, `第X章` and `1.1` families in their natural order), unnumbered
//! Markdown headings beside the style used at their `#` level; the distinct
//! ranks, in order, are the levels.
//!
//! Policies number their sections however they like (`一、` over `（一）` in
//! one, `1.` over `一、` in the next), so no style has a fixed level; only
//! the order a document uses them in tells.

use std::sync::OnceLock;

use regex::Regex;

use super::LineKind;
use super::body::broken_after_number;
use super::line::{Info, Style, analyse, re};
use super::toc::detect_toc;

/// A Markdown heading longer than this (in chars) that reads like a
/// sentence is a paragraph marked up as a heading; titles are short.
const MARKDOWN_PARAGRAPH_MIN_CHARS: usize = 60;
/// Longest bold-only line taken for a title: a longer bold line is an
/// emphasised sentence (policies bold whole warnings).
const BOLD_TITLE_MAX_CHARS: usize = 30;
/// Longest unnumbered, unmarked line taken for a title: without any mark,
/// only a very short line followed by running text is one.
const PLAIN_TITLE_MAX_CHARS: usize = 20;
/// Fewest Han chars in a plain title: a line of digits, Latin or a lone
/// word is a label, a name or a stray fragment, not a section title.
const PLAIN_TITLE_MIN_HAN: usize = 2;
/// Punctuation a plain title never holds: any of these makes it a clause,
/// a quotation or a table row.
const PLAIN_TITLE_PUNCT: [char; 14] = [
    '。', '，', ',', '；', ';', '：', ':', '！', '!', '？', '?', '|', '“', '"',
];
/// Shortest line after a plain title that counts as the running text it
/// heads; a shorter one makes the pair a list of short items.
const TEXT_AFTER_TITLE_MIN_CHARS: usize = 30;
/// The same for the document's first line (its title), which may well be
/// followed by a short line (`更新日期：…`, a lead-in).
const TEXT_AFTER_FIRST_LINE_MIN_CHARS: usize = 8;
/// Sort keys of numbered styles are `rank × RANK_STEP`: the gap leaves room
/// for an unnumbered Markdown heading just below the style of a shallower
/// `#` level (`+ 1..=5`, the depth difference) without reaching the next rank.
const RANK_STEP: i64 = 8;
/// Unnumbered Markdown headings with no numbered peer at or above their
/// level get `#`-count − this: below zero (at most 6 `#`), so above every
/// ranked style, and still ordered by `#` count.
const ABOVE_ALL_RANKS: i64 = 10;

/// Sort key of [`HeadingMark::Document`]: below every other key (the
/// smallest, `# ` headings, is `1 - ABOVE_ALL_RANKS`).
const DOCUMENT_KEY: i64 = -2 * ABOVE_ALL_RANKS;
/// Longest appendix title line, in chars.
const APPENDIX_TITLE_MAX_CHARS: usize = 40;

/// Is this cleaned heading a policy's title (`影视大全隐私政策`,
/// `《…儿童隐私政策》`, `“云岭先锋”隐私政策`, `儿童个人信息保护规则`, `用户协议`)?
/// Such a title names a document, not a section of it: the classifier does
/// not read it (see [`crate::model::batch::Input::sections`]). The name part
/// is short, has no clause punctuation and no `本`/`该`/`此`/`您`, so a
/// sentence that mentions a policy (`请您阅读本隐私政策`) is no title; the kind part covers the names
/// PIPL-era policies take (`个人信息保护政策`, `个人信息处理规则`, `隐私协议`).
pub fn is_policy_title(clean: &str) -> bool {
    static TITLE: OnceLock<Regex> = OnceLock::new();
    re(
        &TITLE,
        concat!(
            r#"^[“"《]?"#,
            // An optional quoted product name, then the rest of the name.
            r#"(?:[“"「][^“”"「」\s]{1,16}[”"」])?[^\s，,。：:；;、|（）()《》“”"「」本该此您]{0,16}"#,
            r#"(?:\s*[-—–]\s*)?"#,
            r#"(?:(?:隐私|个人信息)权?(?:保护|保密|处理)?(?:政策|指引|声明|条款|协议|规则)|信息保护政策"#,
            r#"|用户协议|服务协议|许可协议|使用协议|注册协议)[》”"]?$"#,
        ),
    )
    .is_match(clean)
}

/// Is this cleaned, unnumbered line (line `k` of `n`) a policy's title or
/// an appendix's? An appendix comes after the policy, so not in its first
/// third (where `附录：相关定义` is an entry of the contents).
fn document_part(clean: &str, k: usize, n: usize) -> bool {
    static APPENDIX: OnceLock<Regex> = OnceLock::new();
    let appendix = re(
        &APPENDIX,
        r"^(?:附录|附件|附表)[0-9一二三四五六七八九十A-Za-z]{0,3}(?:$|\s*[：:、.．\s])",
    );
    is_policy_title(clean)
        || (k * 3 >= n
            && clean.chars().count() <= APPENDIX_TITLE_MAX_CHARS
            && appendix.is_match(clean))
}

/// Does this line go on with the sentence of the line before it? A policy
/// named inside a hard-wrapped sentence (`…本隐私政策及` / `《XX儿童个人信息保护协议》`
/// / `的规定保护…`) sits alone on its line like a title, but the next line
/// starts where no sentence starts.
fn continues_sentence(clean: &str) -> bool {
    clean.trim_start().starts_with([
        '，', ',', '。', '、', '；', ';', '：', ':', '）', ')', '》', '」', '”', '的',
    ])
}

/// What makes a line a heading.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum HeadingMark {
    /// A numbering style (or [`Style::Bold`] / [`Style::Plain`] for
    /// unnumbered titles); ranked by the order styles first appear.
    Styled(Style),
    /// Only a Markdown `#`: placed by its `#` count beside numbered peers.
    Markdown,
    /// The title of a policy (`影视大全隐私政策`, `《…儿童隐私政策》`) or of
    /// an appendix (`附录：第三方合作伙伴及共享信息说明`): outermost, so a second
    /// policy in the same file, or an appendix, closes every open section
    /// instead of sitting inside the last one.
    Document,
}

/// The lines of a document with their facts, TOC marks and, for each line,
/// the content lines (not blank, not TOC) just before and after it.
struct Doc<'a> {
    lines: Vec<&'a str>,
    infos: Vec<Info>,
    toc: Vec<bool>,
    prev: Vec<Option<usize>>,
    next: Vec<Option<usize>>,
    /// The first paragraph (a sentence of some length, not a date stamp,
    /// not a line of Markdown links): the text has begun.
    first_sentence: Option<usize>,
}

impl<'a> Doc<'a> {
    fn new(text: &'a str) -> Self {
        let lines: Vec<&str> = text.split('\n').collect();
        let infos: Vec<Info> = lines.iter().map(|l| analyse(l)).collect();
        let toc = detect_toc(&infos);
        let n = infos.len();
        let counts = |k: usize| !infos[k].blank && infos[k].content && !toc[k];
        // Both precomputed in one sweep each (linear).
        let mut next = vec![None; n];
        let mut nb: Option<usize> = None;
        for (k, slot) in next.iter_mut().enumerate().rev() {
            *slot = nb;
            if counts(k) {
                nb = Some(k);
            }
        }
        let mut prev = vec![None; n];
        let mut pb: Option<usize> = None;
        for (k, slot) in prev.iter_mut().enumerate() {
            *slot = pb;
            if counts(k) {
                pb = Some(k);
            }
        }
        let first_sentence = infos.iter().position(|x| {
            x.sentence_like
                && !x.date_stamp
                && x.len >= TEXT_AFTER_TITLE_MIN_CHARS
                && !x.clean.contains("](")
        });
        Doc {
            lines,
            infos,
            toc,
            prev,
            next,
            first_sentence,
        }
    }

    fn prev_info(&self, k: usize) -> Option<&Info> {
        self.prev[k].map(|j| &self.infos[j])
    }

    fn next_info(&self, k: usize) -> Option<&Info> {
        self.next[k].map(|j| &self.infos[j])
    }

    /// Pass 1 for line `k`: is it a heading, and by what mark?
    fn heading_mark(&self, k: usize) -> Option<HeadingMark> {
        let info = &self.infos[k];
        if info.blank || self.toc[k] || info.date_stamp {
            return None;
        }
        if self.table_cell(k) {
            return None;
        }
        if info.md_level.is_some() {
            // `#### 2.2` (a clause number whose text follows on the next
            // line): a number without a title opens no section.
            if info.marker.is_some_and(|(_, len)| len == 0) {
                return None;
            }
            let mark = match info.marker {
                Some((style, _)) => HeadingMark::Styled(style),
                None => HeadingMark::Markdown,
            };
            return (!markdown_holds_text(info)).then_some(mark);
        }
        if !info.content {
            return None;
        }
        // The title on top stays a plain title (closed by the first
        // section, as before); only a later one closes what is open.
        let after_text = self.first_sentence.is_some_and(|f| f < k);
        if after_text
            && info.marker.is_none()
            && !info.bullet
            && !self
                .next_info(k)
                .is_some_and(|x| continues_sentence(&x.clean))
            && document_part(&info.clean, k, self.lines.len())
        {
            return Some(HeadingMark::Document);
        }
        if let Some((style, title_len)) = info.marker {
            return self
                .numbered_title(k, style, title_len)
                .then_some(HeadingMark::Styled(style));
        }
        if info.bold_only {
            return bold_title(info).then_some(HeadingMark::Styled(Style::Bold));
        }
        self.plain_title(k)
            .then_some(HeadingMark::Styled(Style::Plain))
    }

    /// A cell of a Markdown table flattened one cell per line, the cells
    /// parted by lines of a lone `|`: a short cell (`OPPO渠道包`, `**用途**`)
    /// looks like a title but is table text.
    fn table_cell(&self, k: usize) -> bool {
        let bar = |j: usize| self.lines.get(j).is_some_and(|l| l.trim() == "|");
        bar(k + 1) || (k > 0 && bar(k - 1))
    }

    /// A short numbered line: a heading if body text or a sub-heading
    /// follows, a list item if it sits in a run of similar items.
    fn numbered_title(&self, k: usize, style: Style, title_len: usize) -> bool {
        let info = &self.infos[k];
        if title_len == 0 || info.sentence_like || info.bullet {
            return false;
        }
        if info.bold_only {
            return true;
        }
        // `a.` and `①` number list items, not sections.
        if matches!(style, Style::Letter | Style::Circled) {
            return false;
        }
        let nx = self.next_info(k);
        let pv = self.prev_info(k);
        let in_run =
            nx.is_some_and(|x| same_style(info, x)) || pv.is_some_and(|p| same_style(info, p));
        let followed_by_text = nx.is_some_and(|x| !same_style(info, x) || x.sentence_like);
        let opens_subsections = nx.is_some_and(|x| subheading_like(info, x));
        opens_subsections || (followed_by_text && !in_run)
    }

    /// A short unnumbered, unmarked title line followed by running text.
    fn plain_title(&self, k: usize) -> bool {
        let info = &self.infos[k];
        let Some(x) = self.next_info(k) else {
            return false;
        };
        let han = info
            .clean
            .chars()
            .filter(|c| ('\u{4E00}'..='\u{9FFF}').contains(c))
            .count();
        if info.len > PLAIN_TITLE_MAX_CHARS
            || han < PLAIN_TITLE_MIN_HAN
            || info.clean.contains(PLAIN_TITLE_PUNCT)
            || info.bullet
        {
            return false;
        }
        let first_line = self.prev[k].is_none();
        let text_follows = x.len >= TEXT_AFTER_TITLE_MIN_CHARS
            || (first_line && x.len >= TEXT_AFTER_FIRST_LINE_MIN_CHARS);
        // `我们将不满 14` / `周岁的…` is one sentence, not a title.
        let broken =
            k + 1 < self.lines.len() && broken_after_number(self.lines[k], self.lines[k + 1]);
        text_follows && !broken && x.marker.is_none() && !x.bold_only && x.md_level.is_none()
    }
}

/// A Markdown heading holding a whole paragraph (`#### 11.3 如就本协议…
/// 发生任何争议，应…；协商不成时，…提交北京仲裁委员会…`), or a sentence
/// (`#### 3.5.2 以任何方式危害未成年人；`: no title ends with a stop or
/// holds one), is body text.
fn markdown_holds_text(info: &Info) -> bool {
    let sentence_end =
        info.clean.trim_end().ends_with(['。', '；', ';']) || info.clean.contains('。');
    sentence_end || (info.sentence_like && info.len > MARKDOWN_PARAGRAPH_MIN_CHARS)
}

/// A bold-only line is a title when short, not a sentence and not a
/// lead-in (`**请注意：**`).
fn bold_title(info: &Info) -> bool {
    info.len <= BOLD_TITLE_MAX_CHARS && !info.sentence_like && !info.clean.contains(['：', ':'])
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
    classify(text).into_iter().map(|l| l.kind).collect()
}

/// One classified line, with what the segmenter needs beyond its kind.
pub(super) struct Line {
    pub(super) kind: LineKind,
    /// For a heading run into its first sentence: the char offset where
    /// that sentence starts ([`Info::run_in_text`]).
    pub(super) run_in_text: Option<usize>,
}

/// [`classify_lines`], keeping each line's run-in text offset.
pub(super) fn classify(text: &str) -> Vec<Line> {
    let doc = Doc::new(text);
    let n = doc.infos.len();
    let marks: Vec<Option<HeadingMark>> = (0..n).map(|k| doc.heading_mark(k)).collect();
    let ranks = Ranks::new(&doc.infos, &marks);
    let peers = ranks.markdown_peers(&doc.infos, &marks);
    let keys: Vec<Option<i64>> = (0..n)
        .map(|k| marks[k].map(|m| ranks.sort_key(m, doc.infos[k].md_level, &peers)))
        .collect();
    let mut distinct: Vec<i64> = keys.iter().flatten().copied().collect();
    distinct.sort_unstable();
    distinct.dedup();
    (0..n)
        .map(|k| {
            let info = &doc.infos[k];
            let kind = if info.blank {
                LineKind::Blank
            } else if doc.toc[k] {
                LineKind::Toc
            } else if let Some(key) = keys[k] {
                LineKind::Heading {
                    level: level_of(&distinct, key),
                    indent: info.indent,
                    title: info.clean.clone(),
                }
            } else {
                LineKind::Body
            };
            let run_in_text = match kind {
                LineKind::Heading { .. } => info.run_in_text,
                _ => None,
            };
            Line { kind, run_in_text }
        })
        .collect()
}

/// A heading's level: the place of its sort key among the document's
/// distinct keys, 1 = outermost.
fn level_of(distinct: &[i64], key: i64) -> u8 {
    distinct.binary_search(&key).map_or(1, |p| p + 1).min(255) as u8
}

/// The best (smallest) numbered rank seen at each Markdown `#` level
/// (index 1..=6; index 0 unused).
type MarkdownPeers = [Option<i64>; 7];

/// Pass 2: the rank order of the styles a document uses.
struct Ranks {
    /// Styles, outermost first; [`Style::Plain`] last.
    order: Vec<Style>,
}

impl Ranks {
    /// Numbered styles rank by first appearance, styles used in Markdown
    /// headings first; 第X部分/章/节/条 and 1.1/1.1.1 keep their natural
    /// order; plain titles come last.
    fn new(infos: &[Info], marks: &[Option<HeadingMark>]) -> Self {
        let mut order: Vec<Style> = Vec::new();
        for md_pass in [true, false] {
            for (info, mark) in infos.iter().zip(marks) {
                if let Some(HeadingMark::Styled(s)) = *mark
                    && info.md_level.is_some() == md_pass
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
        Ranks { order }
    }

    /// 1 for the outermost style; 0 for one the document does not use.
    fn rank(&self, s: Style) -> i64 {
        self.order
            .iter()
            .position(|&o| o == s)
            .map_or(0, |p| p as i64 + 1)
    }

    fn markdown_peers(&self, infos: &[Info], marks: &[Option<HeadingMark>]) -> MarkdownPeers {
        let mut peers: MarkdownPeers = [None; 7];
        for (info, mark) in infos.iter().zip(marks) {
            if let (Some(HeadingMark::Styled(s)), Some(md)) = (*mark, info.md_level) {
                let r = self.rank(s);
                let slot = &mut peers[usize::from(md)];
                *slot = Some(slot.map_or(r, |p| p.min(r)));
            }
        }
        peers
    }

    /// The sort key of a heading: smaller is outer. An unnumbered Markdown
    /// heading sits beside the numbered style used at its `#` level, or just
    /// below the nearest shallower one, or above everything when there is none.
    fn sort_key(&self, mark: HeadingMark, md_level: Option<u8>, peers: &MarkdownPeers) -> i64 {
        match (mark, md_level) {
            (HeadingMark::Styled(s), _) => self.rank(s) * RANK_STEP,
            (HeadingMark::Markdown, Some(md)) => {
                let md = usize::from(md);
                if let Some(p) = peers[md] {
                    p * RANK_STEP
                } else if let Some((shallower, p)) =
                    (1..md).rev().find_map(|m| peers[m].map(|p| (m, p)))
                {
                    p * RANK_STEP + (md - shallower) as i64
                } else {
                    md as i64 - ABOVE_ALL_RANKS
                }
            }
            (HeadingMark::Markdown, None) => self.rank(Style::Plain) * RANK_STEP,
            (HeadingMark::Document, _) => DOCUMENT_KEY,
        }
    }
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
