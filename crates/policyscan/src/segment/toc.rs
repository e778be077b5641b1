//! Table-of-contents detection: a run of short entries near the top of a
//! policy whose titles mostly come back later as section headings.
//!
//! TOC entries look exactly like headings (`一、我们如何收集…`), so they
//! have to be found first and set aside: taken for headings they would
//! open empty sections, and taken for body they would be segments that
//! repeat every title.

use std::collections::{HashMap, HashSet};

use super::line::{Info, Style, parse_marker};

/// Key for matching TOC entries with later headings: no marker, no markup,
/// no punctuation, no page number (`三、个人信息的存储 5`, `……12`).
fn toc_key(info: &Info) -> String {
    let mut s = info.clean.as_str();
    let unpaged = s.trim_end_matches(|c: char| c.is_ascii_digit());
    if unpaged.len() < s.len() && unpaged.ends_with([' ', '.', '…', '·', '\t']) {
        s = unpaged.trim_end_matches([' ', '.', '…', '·', '\t']);
    }
    if let Some((style, end)) = parse_marker(s)
        && !matches!(style, Style::Di(_))
    {
        s = &s[end..];
    }
    s.chars().filter(|c| c.is_alphanumeric()).take(10).collect()
}

/// Could this line be a TOC entry: short, no Markdown `#`, no clause
/// punctuation inside, not a date stamp (`更新日期：…` under the title comes
/// back word for word when a second policy follows in the same file).
fn toc_like(info: &Info) -> bool {
    !info.blank
        && info.content
        && !info.date_stamp
        && info.md_level.is_none()
        && info.len <= 50
        && !info
            .clean
            .trim_end_matches(['。', '.', ';', '；'])
            .contains(['。', '；', '，'])
}

/// Mark TOC lines: a run (blank lines allowed) of ≥ 3 short entries near the top whose titles
/// mostly reappear later in the document.
pub(super) fn detect_toc(infos: &[Info]) -> Vec<bool> {
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
