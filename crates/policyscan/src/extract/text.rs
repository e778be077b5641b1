//! Views of a segment's text that several extractors share: the text with
//! Markdown emphasis taken out ([`Unmarked`]), its clauses ([`clauses`]) and
//! the window before a match ([`tail`]).
//!
//! Kept out of `mod.rs` so that file holds only the extraction API (kinds,
//! entities, [`super::Extractor`]); these helpers are internal to the
//! extractors.

/// A segment with its Markdown emphasis (`*`, `**`, `_`) removed, and the
/// way back to the original byte offsets. A run of `*` or `_` between two
/// ASCII letters or digits is kept: that is a masked number (`138****1234`)
/// or an identifier (`user_name@example.com`), not emphasis.
pub(crate) struct Unmarked<'a> {
    original: &'a str,
    /// `None` when nothing was removed.
    clean: Option<String>,
    /// Original byte offset of each byte of `clean`.
    map: Vec<usize>,
}

impl<'a> Unmarked<'a> {
    pub(crate) fn new(original: &'a str) -> Self {
        let bytes = original.as_bytes();
        if !bytes.iter().any(|&b| b == b'*' || b == b'_') {
            return Self {
                original,
                clean: None,
                map: Vec::new(),
            };
        }
        let mut clean = String::with_capacity(original.len());
        let mut map = Vec::with_capacity(original.len());
        let mut i = 0;
        while i < bytes.len() {
            let b = bytes[i];
            if b == b'*' || b == b'_' {
                let mut j = i;
                while j < bytes.len() && bytes[j] == b {
                    j += 1;
                }
                let alnum = |k: Option<&u8>| k.is_some_and(|c| c.is_ascii_alphanumeric());
                let inside_word =
                    alnum(i.checked_sub(1).and_then(|k| bytes.get(k))) && alnum(bytes.get(j));
                if inside_word {
                    clean.push_str(&original[i..j]);
                    map.extend(i..j);
                }
                i = j;
                continue;
            }
            let len = original[i..].chars().next().map_or(1, char::len_utf8);
            clean.push_str(&original[i..i + len]);
            map.extend(i..i + len);
            i += len;
        }
        Self {
            original,
            clean: Some(clean),
            map,
        }
    }

    /// The text the extractors read.
    pub(crate) fn text(&self) -> &str {
        self.clean.as_deref().unwrap_or(self.original)
    }

    /// Original byte range of the clean range `start..end` (end exclusive):
    /// from the first to the last clean byte, so markup inside a hit stays
    /// in its `text` and markup around it does not.
    pub(crate) fn original(&self, start: usize, end: usize) -> (usize, usize) {
        if self.clean.is_none() || start >= end || end > self.map.len() {
            return (start, end);
        }
        (self.map[start], self.map[end - 1] + 1)
    }
}

/// The last `n` bytes of `s` or fewer, cut at a char boundary: the window a
/// context pattern anchored at its end (`…$`) needs, without scanning the
/// whole segment before it.
pub(crate) fn tail(s: &str, n: usize) -> &str {
    let mut i = s.len().saturating_sub(n);
    while !s.is_char_boundary(i) {
        i += 1;
    }
    &s[i..]
}

/// Clauses of `text` (cut at `。；！？`) with their byte offsets: the unit in
/// which the retention and cross-border extractors look for a verb and its
/// period or place. Not cut at a line end: the segmenter keeps a newline
/// inside a segment only where a sentence was hard-wrapped in the middle
/// (`在 二十个工作日` / `内对您进行回复`).
pub(crate) fn clauses(text: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let mut start = 0;
    for (i, c) in text.char_indices() {
        if matches!(c, '。' | '；' | ';' | '！' | '？' | '!' | '?') {
            out.push((start, &text[start..i]));
            start = i + c.len_utf8();
        }
    }
    if start < text.len() {
        out.push((start, &text[start..]));
    }
    out
}
