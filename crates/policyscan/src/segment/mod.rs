//! Line classification (heading / TOC / body) and segmentation of policy text into
//! paragraph and list-item segments with char offsets and heading paths.
//!
//! Input is one paragraph or list item per line (as produced by `crate::decode` and
//! `crate::html`). Heading levels are assigned by marker *type* in order of first appearance;
//! Markdown `#` levels are explicit and outrank numbered markers; between two headings of
//! one level, indentation decides nesting (see `body::close_headings`). TOC lines are neither
//! headings nor segments.
//!
//! One file per step, in the order a policy goes through them:
//! - `line` — facts about each line on its own (marker, markup, length, date stamp);
//! - `toc` — the table of contents near the top, set aside before anything else;
//! - `levels` — which lines are headings and at what level ([`classify_lines`]);
//! - `body` — closing sections, joining hard-wrapped quantities, cutting segments;
//! - `lead_in` — after segmentation, the sentence that introduces each list item ([`lead_ins`]).
//!
//! This file holds the public types and [`segment`], which strings the steps together.

mod body;
mod lead_in;
mod levels;
mod line;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_pages;
mod toc;

use body::{Open, broken_after_number, close_headings, emit_body, footer_starts};
pub(crate) use lead_in::LEAD_IN_CHARS;
pub use lead_in::lead_ins;
use levels::Line;
pub use levels::{classify_lines, is_policy_title};
pub(crate) use line::policy_title;

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

/// Split `text` into body segments with heading paths and char offsets.
pub fn segment(text: &str, opts: &SegmentOptions) -> Vec<Segment> {
    let kinds = levels::classify(text);
    let max = opts.max_chars.max(1);
    let mut out = Vec::new();
    let mut stack: Vec<Open> = Vec::new();
    let mut offset: usize = 0; // char offset of the current line start
    let lines: Vec<&str> = text.split('\n').collect();
    let footers = footer_starts(&lines);
    let mut kinds = kinds.into_iter().enumerate().peekable();
    while let Some((k, Line { kind, run_in_text })) = kinds.next() {
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
                // A run-in title's own line goes on with its first sentence.
                if let Some(from) = run_in_text {
                    let path: Vec<String> = stack.iter().map(|h| h.title.clone()).collect();
                    let rest: String = line.chars().skip(from).collect();
                    emit_body(&rest, offset + from, max, &path, &mut out);
                }
            }
            LineKind::Body => {
                // A page footer (copyright, ICP licence, the navigation
                // links before them) ends every section.
                if footers[k] {
                    stack.clear();
                }
                let path: Vec<String> = stack.iter().map(|h| h.title.clone()).collect();
                // A sentence hard-wrapped between a number and its unit
                // (`不满 14` / `周岁的任何人`) is one segment, newline included.
                if matches!(kinds.peek(), Some((_, l)) if l.kind == LineKind::Body)
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
