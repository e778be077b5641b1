//! TEMPORARY minimal segmenter (replaced by the full one).
use std::sync::LazyLock;
use regex::Regex;

#[derive(Debug, Clone)]
pub struct SegmentOptions { pub max_chars: usize }
impl Default for SegmentOptions { fn default() -> Self { Self { max_chars: 200 } } }

#[derive(Debug, Clone, PartialEq)]
pub struct Segment { pub heading_path: Vec<String>, pub text: String, pub char_start: u32, pub char_end: u32 }

static MARK: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^(#+|[一二三四五六七八九十]+、|[（(][一二三四五六七八九十]+[)）]|第[一二三四五六七八九十]+[条章节部分]|\d+[、.．]|\d+\.\d+)").unwrap());

pub fn segment(text: &str, _opts: &SegmentOptions) -> Vec<Segment> {
    let mut out = Vec::new();
    let mut stack: Vec<(String, String)> = Vec::new(); // (marker kind, title)
    let mut kinds: Vec<String> = Vec::new();
    let mut pos = 0u32;
    for line in text.split('\n') {
        let n = line.chars().count() as u32;
        let t = line.trim();
        if !t.is_empty() {
            let lead = line.chars().take_while(|c| c.is_whitespace()).count() as u32;
            let tn = t.chars().count() as u32;
            let heading = MARK.find(t).map(|m| {
                let k = m.as_str();
                if k.starts_with('#') { k.to_string() } else { k.chars().map(|c| if c.is_ascii_digit() {'1'} else if "一二三四五六七八九十".contains(c) {'一'} else {c}).collect::<String>() }
            }).filter(|_| tn <= 30 && !t.ends_with('。') && !t.ends_with('；'));
            if let Some(k) = heading {
                let lvl = kinds.iter().position(|x| *x == k).unwrap_or_else(|| { kinds.push(k.clone()); kinds.len() - 1 });
                while let Some((pk, _)) = stack.last() { let pl = kinds.iter().position(|x| x == pk).unwrap(); if pl >= lvl { stack.pop(); } else { break; } }
                stack.push((k, t.trim_start_matches('#').trim().replace("**", "")));
            } else {
                out.push(Segment { heading_path: stack.iter().map(|(_, t)| t.clone()).collect(), text: t.to_string(), char_start: pos + lead, char_end: pos + lead + tn });
            }
        }
        pos += n + 1;
    }
    out
}
