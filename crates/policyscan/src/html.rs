//! HTML → visible text, streaming over html5ever's tokenizer (no tree, no recursion).
//!
//! Block elements become line breaks, `h1`–`h6` become Markdown headings (`## 标题`), table
//! cells of a row are joined with ` | `, and script/style/nav/head/… contents are dropped.

use std::cell::RefCell;

use html5ever::tendril::StrTendril;
use html5ever::tokenizer::states::RawKind;
use html5ever::tokenizer::{
    BufferQueue, TagKind, Token, TokenSink, TokenSinkResult, Tokenizer, TokenizerOpts,
};

/// Elements whose whole content is invisible.
const SKIP: &[&str] = &[
    "script", "style", "noscript", "template", "nav", "head", "svg", "title", "iframe", "object",
    "select", "math",
];

/// Elements that end the current line when they open or close.
const BLOCK: &[&str] = &[
    "p",
    "div",
    "li",
    "br",
    "tr",
    "section",
    "article",
    "ul",
    "ol",
    "dl",
    "dt",
    "dd",
    "table",
    "thead",
    "tbody",
    "tfoot",
    "caption",
    "blockquote",
    "pre",
    "hr",
    "header",
    "footer",
    "main",
    "aside",
    "form",
    "fieldset",
    "figure",
    "figcaption",
    "address",
    "details",
    "summary",
    "body",
    "html",
    "center",
];

#[derive(Default)]
struct State {
    out: String,
    line: String,
    pending_space: bool,
    /// Open invisible elements (a counter per nesting, not a stack of nodes).
    skip_depth: usize,
    /// Level of the heading being written, if any.
    heading: Option<usize>,
    /// Cells already written in the current table row.
    cells_in_row: usize,
}

impl State {
    fn push_text(&mut self, s: &str) {
        if self.skip_depth > 0 {
            return;
        }
        for c in s.chars() {
            if c.is_whitespace() || c == '\0' {
                self.pending_space = true;
            } else {
                if self.pending_space && !self.line.is_empty() && !self.line.ends_with(' ') {
                    self.line.push(' ');
                }
                self.pending_space = false;
                self.line.push(c);
            }
        }
    }

    fn break_line(&mut self) {
        let t = self.line.trim();
        // A heading prefix alone ("## ") carries no title: drop it.
        let only_marker = !t.is_empty() && t.chars().all(|c| c == '#');
        if !t.is_empty() && !only_marker {
            self.out.push_str(t);
            self.out.push('\n');
        }
        self.line.clear();
        self.pending_space = false;
    }

    fn tag(&mut self, kind: TagKind, name: &str, self_closing: bool) {
        let is_start = kind == TagKind::StartTag;
        if SKIP.contains(&name) {
            if is_start && !self_closing {
                self.skip_depth += 1;
            } else if !is_start {
                self.skip_depth = self.skip_depth.saturating_sub(1);
            }
            return;
        }
        if name == "body" && is_start {
            // An unclosed <head> ends where the body starts.
            self.skip_depth = 0;
        }
        if self.skip_depth > 0 {
            return;
        }
        let heading_level = match name {
            "h1" => Some(1),
            "h2" => Some(2),
            "h3" => Some(3),
            "h4" => Some(4),
            "h5" => Some(5),
            "h6" => Some(6),
            _ => None,
        };
        if let Some(level) = heading_level {
            if is_start {
                self.break_line();
                self.heading = Some(level);
                for _ in 0..level {
                    self.line.push('#');
                }
                self.line.push(' ');
            } else if self.heading.is_some() {
                self.break_line();
                self.heading = None;
            }
            return;
        }
        if name == "td" || name == "th" {
            if is_start {
                if self.cells_in_row > 0 && !self.line.is_empty() {
                    self.line.push_str(" | ");
                    self.pending_space = false;
                }
                self.cells_in_row += 1;
            }
            return;
        }
        if BLOCK.contains(&name) {
            if name == "tr" {
                self.cells_in_row = 0;
            }
            // Block tags inside a heading don't split the heading line.
            if self.heading.is_none() {
                self.break_line();
            } else if name == "br" {
                self.pending_space = true;
            }
        }
    }
}

struct Sink(RefCell<State>);

impl TokenSink for Sink {
    type Handle = ();

    fn process_token(&self, token: Token, _line: u64) -> TokenSinkResult<()> {
        let mut st = self.0.borrow_mut();
        match token {
            Token::CharacterTokens(t) => st.push_text(&t),
            Token::TagToken(tag) => {
                let name: &str = &tag.name;
                st.tag(tag.kind, name, tag.self_closing);
                if tag.kind == TagKind::StartTag && !tag.self_closing {
                    match name {
                        "script" => return TokenSinkResult::RawData(RawKind::ScriptData),
                        "style" | "xmp" | "iframe" | "noembed" | "noframes" => {
                            return TokenSinkResult::RawData(RawKind::Rawtext);
                        }
                        "title" | "textarea" => {
                            return TokenSinkResult::RawData(RawKind::Rcdata);
                        }
                        "plaintext" => return TokenSinkResult::Plaintext,
                        _ => {}
                    }
                }
            }
            Token::NullCharacterToken
            | Token::CommentToken(_)
            | Token::DoctypeToken(_)
            | Token::EOFToken
            | Token::ParseError(_) => {}
        }
        TokenSinkResult::Continue
    }
}

/// Visible text of an HTML document, one block per line, headings as `#` lines.
pub fn html_to_text(html: &str) -> String {
    let sink = Sink(RefCell::new(State::default()));
    let tok = Tokenizer::new(sink, TokenizerOpts::default());
    let queue = BufferQueue::default();
    queue.push_back(StrTendril::from_slice(html));
    // Our sink never returns `Script`, so one feed consumes everything.
    let _ = tok.feed(&queue);
    tok.end();
    let mut st = tok.sink.0.borrow_mut();
    st.break_line();
    std::mem::take(&mut st.out)
}

/// True only when `text` is clearly an HTML dump: a doctype / `<html>` at the start, or many
/// known tags with a reasonable density.
pub fn looks_like_html(text: &str) -> bool {
    let head: String = text
        .trim_start_matches('\u{FEFF}')
        .trim_start()
        .chars()
        .take(200)
        .collect::<String>()
        .to_ascii_lowercase();
    if head.starts_with("<!doctype html") || head.starts_with("<html") {
        return true;
    }
    if head.starts_with("<?xml") && head.contains("<html") {
        return true;
    }
    // Count known tags in the first 64 KiB.
    let mut end = text.len().min(1 << 16);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let sample = &text[..end];
    let bytes = sample.as_bytes();
    let mut tags = 0usize;
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'<' {
            let mut j = i + 1;
            if j < bytes.len() && bytes[j] == b'/' {
                j += 1;
            }
            let start = j;
            while j < bytes.len() && bytes[j].is_ascii_alphanumeric() {
                j += 1;
            }
            if j > start && j < bytes.len() && matches!(bytes[j], b'>' | b' ' | b'/' | b'\n') {
                let name = sample[start..j].to_ascii_lowercase();
                if KNOWN.contains(&name.as_str()) {
                    tags += 1;
                }
            }
            i = j.max(i + 1);
        } else {
            i += 1;
        }
    }
    let chars_k = (sample.chars().count() as f64 / 1000.0).max(1.0);
    tags >= 10 && tags as f64 / chars_k >= 2.0
}

const KNOWN: &[&str] = &[
    "p", "div", "span", "br", "li", "ul", "ol", "a", "table", "tr", "td", "th", "h1", "h2", "h3",
    "h4", "h5", "h6", "body", "head", "meta", "script", "style", "strong", "b", "em", "section",
    "img", "link", "title", "font",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headings_blocks_and_entities() {
        let html = "<!DOCTYPE html><html><head><title>标题</title><style>p{color:red}</style></head>\
            <body><nav>首页 | 关于</nav><h1>远山科技隐私政策</h1>\
            <h2>三、我们如何<b>共享</b>信息</h2><p>我们不会&nbsp;向第三方&lt;出售&gt;您的信息&amp;数据。</p>\
            <ul><li>姓名</li><li>手机号&#x7801;&#30721;</li></ul>\
            <table><tr><th>类型</th><th>用途</th></tr><tr><td>位置</td><td>推荐</td></tr></table>\
            <script>var a = '<p>不可见</p>';</script><p>尾段&bogus; &amp 结束</p></body></html>";
        let text = html_to_text(html);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines,
            vec![
                "# 远山科技隐私政策",
                "## 三、我们如何共享信息",
                "我们不会 向第三方<出售>您的信息&数据。",
                "姓名",
                "手机号码码",
                "类型 | 用途",
                "位置 | 推荐",
                "尾段&bogus; & 结束",
            ]
        );
    }

    #[test]
    fn whitespace_collapses_and_no_empty_lines() {
        let text =
            html_to_text("<div>\n\n  甲   乙\t\n丙 </div><p></p><p> </p><br><br><div>丁</div>");
        assert_eq!(text, "甲 乙 丙\n丁\n");
    }

    #[test]
    fn deep_nesting_big_script_unclosed() {
        let mut html = String::new();
        for _ in 0..20_000 {
            html.push_str("<div>");
        }
        html.push_str("深层文本");
        html.push_str("<script>");
        html.push_str(&"var x = '<div>'; ".repeat(120_000));
        html.push_str("</script><p>之后<b>未闭合<i>标签 &#xZZ; &#99999999;");
        let t = std::time::Instant::now();
        let text = html_to_text(&html);
        assert!(t.elapsed().as_secs() < 20);
        assert!(text.contains("深层文本"));
        assert!(text.contains("之后未闭合标签"));
        assert!(!text.contains("var x"));
    }

    #[test]
    fn never_panics_on_fragments() {
        let pieces = [
            "<",
            ">",
            "</",
            "<div",
            "&",
            "&#",
            "&#x",
            ";",
            "<h2>",
            "</h2>",
            "<script>",
            "</script",
            "<!--",
            "-->",
            "<![CDATA[",
            "甲",
            " ",
            "\n",
            "<td>",
            "<tr>",
            "<svg>",
            "<br/>",
        ];
        let mut x: u64 = 12345;
        for _ in 0..300 {
            let mut s = String::new();
            for _ in 0..40 {
                x = x
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                s.push_str(pieces[(x >> 33) as usize % pieces.len()]);
            }
            let _ = html_to_text(&s);
            let _ = looks_like_html(&s);
        }
    }

    #[test]
    fn html_sniffing() {
        assert!(looks_like_html("<!DOCTYPE html><p>x</p>"));
        assert!(looks_like_html("  <html lang=\"zh\">"));
        let many = "<p>一</p><div>二</div><span>三</span><br>".repeat(5);
        assert!(looks_like_html(&many));
        assert!(!looks_like_html("我们使用 <Cookie> 技术，详见第 3 条。"));
        assert!(!looks_like_html(
            "一、我们如何收集信息\n我们收集 a<b 与 c>d 的比较结果。"
        ));
    }
}
