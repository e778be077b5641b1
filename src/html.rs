//! TEMPORARY stub (replaced by the full HTML extractor).
pub fn html_to_text(html: &str) -> String { html.to_string() }
pub fn looks_like_html(_t: &str) -> bool { false }
