//! Escaping for the report's HTML. Everything a policy says — its text, its
//! headings, its operator's name, even its id — is untrusted input: a
//! policy holding `<script>alert(1)</script>` must show those characters,
//! never run them. So every string goes through [`html`] on its way into
//! markup, and data for the page's script goes through [`script_json`],
//! which keeps `</script>` and `<!--` from ending the script element.

use std::fmt::Write;

/// `s` escaped for HTML text and for attribute values in double or single
/// quotes.
pub fn html(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + s.len() / 8);
    push_html(&mut out, s);
    out
}

/// Append `s`, escaped as [`html`] does, to `out`.
pub fn push_html(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
}

/// A JSON value as the text of a `<script type="application/json">`
/// element. `<`, `>` and `&` appear in JSON only inside strings, where the
/// `\u00XX` escapes mean the same characters to `JSON.parse`, so neither
/// `</script>` nor `<!--` can occur in the result.
pub fn script_json(v: &serde_json::Value) -> String {
    let raw = v.to_string();
    let mut out = String::with_capacity(raw.len() + 64);
    for c in raw.chars() {
        match c {
            '<' | '>' | '&' | '\u{2028}' | '\u{2029}' => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_is_escaped() {
        assert_eq!(
            html(r#"<script>alert('1')</script> & "x""#),
            "&lt;script&gt;alert(&#39;1&#39;)&lt;/script&gt; &amp; &quot;x&quot;"
        );
    }

    #[test]
    fn json_cannot_close_the_script_element() {
        let v = serde_json::json!(["</script><!-- & 中文"]);
        let s = script_json(&v);
        assert!(!s.contains("</") && !s.contains("<!--"), "{s}");
        let back: serde_json::Value = serde_json::from_str(&s).unwrap();
        assert_eq!(back, v);
    }
}
