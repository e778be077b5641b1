//! Field extraction: every segment goes through the extractors below and
//! each hit becomes a row of the `entities` table (text as written, a
//! normalised value, char offsets); [`summarize`] folds a policy's entities
//! into the per-policy columns of the `policies` table — what a compliance
//! checker reads for PIPL Art. 17 (who, contact, what data, how long, how to
//! exercise rights), Art. 31 (minors) and Art. 38–39 (cross-border).
//!
//! One file per extractor:
//! - [`data_type`] — personal-data types from a lexicon (Aho–Corasick);
//! - [`retention`] — retention periods and reply deadlines, in days;
//! - [`contact`] — phones, emails, URLs, postcodes;
//! - [`address`] — postal addresses;
//! - [`controller`] — the operator's legal name;
//! - [`venue`] — litigation venue and arbitration bodies;
//! - [`minors`] — minors' age thresholds;
//! - [`location`] — storage location and cross-border transfer;
//! - [`date`] — update / effective dates;
//! - [`numerals`] — Chinese numerals, shared by the others.
//!
//! Extractors work on byte offsets internally (regex); this module converts
//! them to char offsets once per segment.

pub mod address;
pub mod contact;
pub mod controller;
pub mod data_type;
pub mod date;
pub mod location;
pub mod minors;
pub mod numerals;
pub mod retention;
pub mod venue;

use std::path::Path;

use serde::Serialize;

/// What an entity is. Serialised as the snake_case `kind` column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    DataType,
    /// A personal-data phrase as annotators mark it, found by the tagger
    /// model ([`crate::tag`]), not by the lexicon.
    DataMention,
    Retention,
    ResponseTime,
    Phone,
    Email,
    Url,
    Address,
    Postcode,
    Controller,
    Court,
    Arbitration,
    MinorAge,
    StorageLocation,
    CrossBorder,
    Date,
}

impl Kind {
    /// Every kind, in column order of the docs.
    pub const ALL: [Kind; 16] = [
        Kind::DataType,
        Kind::DataMention,
        Kind::Retention,
        Kind::ResponseTime,
        Kind::Phone,
        Kind::Email,
        Kind::Url,
        Kind::Address,
        Kind::Postcode,
        Kind::Controller,
        Kind::Court,
        Kind::Arbitration,
        Kind::MinorAge,
        Kind::StorageLocation,
        Kind::CrossBorder,
        Kind::Date,
    ];

    /// The `kind` column value.
    pub fn as_str(&self) -> &'static str {
        match self {
            Kind::DataType => "data_type",
            Kind::DataMention => "data_mention",
            Kind::Retention => "retention",
            Kind::ResponseTime => "response_time",
            Kind::Phone => "phone",
            Kind::Email => "email",
            Kind::Url => "url",
            Kind::Address => "address",
            Kind::Postcode => "postcode",
            Kind::Controller => "controller",
            Kind::Court => "court",
            Kind::Arbitration => "arbitration",
            Kind::MinorAge => "minor_age",
            Kind::StorageLocation => "storage_location",
            Kind::CrossBorder => "cross_border",
            Kind::Date => "date",
        }
    }
}

/// One extracted mention. Offsets are chars in the text given to
/// [`Extractor::extract`], end exclusive.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Entity {
    pub kind: Kind,
    pub text: String,
    pub value: String,
    pub category: Option<String>,
    pub char_start: u32,
    pub char_end: u32,
    pub days_min: Option<i32>,
    pub days_max: Option<i32>,
}

/// A hit in byte offsets, before conversion (what extractors produce).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Hit {
    pub kind: Kind,
    pub start: usize,
    pub end: usize,
    pub value: String,
    pub category: Option<String>,
    pub days_min: Option<i32>,
    pub days_max: Option<i32>,
}

impl Hit {
    pub(crate) fn new(kind: Kind, start: usize, end: usize, value: impl Into<String>) -> Self {
        Self {
            kind,
            start,
            end,
            value: value.into(),
            category: None,
            days_min: None,
            days_max: None,
        }
    }
}

/// Why an extractor could not be built.
#[derive(Debug, thiserror::Error)]
pub enum ExtractError {
    /// The lexicon file cannot be read.
    #[error("{path}: {source}")]
    Io {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
    /// A lexicon line is malformed.
    #[error("lexicon line {line}: {reason}: `{text}`")]
    Lexicon {
        line: usize,
        text: String,
        reason: String,
    },
}

/// All extractors, compiled once and shared by every thread.
pub struct Extractor {
    data_types: data_type::Lexicon,
}

impl Extractor {
    /// Extractors with the built-in data-type lexicon.
    pub fn new() -> Result<Self, ExtractError> {
        Ok(Self {
            data_types: data_type::Lexicon::builtin()?,
        })
    }

    /// Extractors with a data-type lexicon read from `path` (TSV: surface,
    /// canonical, category).
    pub fn with_lexicon(path: &Path) -> Result<Self, ExtractError> {
        let text = std::fs::read_to_string(path).map_err(|source| ExtractError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Ok(Self {
            data_types: data_type::Lexicon::parse(&text)?,
        })
    }

    /// All entities in one segment, sorted by offset. `heading_path` gives
    /// the section context (e.g. controller names are taken with more
    /// confidence in intro, definition and contact sections).
    ///
    /// The extractors read the text with Markdown emphasis taken out
    /// ([`Unmarked`]): policies converted from web pages are full of
    /// `**2019** **年** **10** **月**` and `未满** **18****周岁`, which no
    /// pattern should have to expect. Offsets and `text` still refer to the
    /// segment as given.
    pub fn extract(&self, text: &str, heading_path: &[String]) -> Vec<Entity> {
        let view = Unmarked::new(text);
        let clean = view.text();
        let mut hits = Vec::new();
        self.data_types.find(clean, &mut hits);
        retention::find(clean, heading_path, &mut hits);
        contact::find(clean, &mut hits);
        address::find(clean, &mut hits);
        controller::find(clean, heading_path, &mut hits);
        venue::find(clean, &mut hits);
        minors::find(clean, &mut hits);
        location::find(clean, &mut hits);
        date::find(clean, &mut hits);
        for h in &mut hits {
            // Patterns may take the blanks markup leaves around a match.
            if let Some(span) = clean.get(h.start..h.end) {
                let t = span.trim_start();
                h.start += span.len() - t.len();
                h.end = h.start + t.trim_end().len();
            }
            (h.start, h.end) = view.original(h.start, h.end);
        }
        hits.sort_by_key(|h| (h.start, h.end, h.kind));
        hits.dedup_by(|a, b| a.kind == b.kind && a.start == b.start && a.end == b.end);
        to_entities(text, hits)
    }
}

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

/// Convert byte-offset hits to char-offset entities.
fn to_entities(text: &str, hits: Vec<Hit>) -> Vec<Entity> {
    if hits.is_empty() {
        return Vec::new();
    }
    // byte offset → char offset for every char boundary (and the end).
    let mut map = Vec::with_capacity(text.len() + 1);
    let mut ci = 0u32;
    for (b, _) in text.char_indices() {
        while map.len() < b {
            map.push(ci); // inside a char: never a hit boundary
        }
        map.push(ci);
        ci += 1;
    }
    while map.len() <= text.len() {
        map.push(ci);
    }
    hits.into_iter()
        .filter(|h| {
            h.start < h.end
                && h.end <= text.len()
                && text.is_char_boundary(h.start)
                && text.is_char_boundary(h.end)
        })
        .map(|h| Entity {
            kind: h.kind,
            text: text[h.start..h.end].to_string(),
            value: h.value,
            category: h.category,
            char_start: map[h.start],
            char_end: map[h.end],
            days_min: h.days_min,
            days_max: h.days_max,
        })
        .collect()
}

/// Per-policy summary: the field columns of the `policies` table. Lists are
/// deduplicated in order of first appearance.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Summary {
    pub controller: Vec<String>,
    pub phones: Vec<String>,
    pub emails: Vec<String>,
    pub addresses: Vec<String>,
    pub data_types: Vec<String>,
    pub data_categories: Vec<String>,
    /// Smallest stated retention bound, in days.
    pub retention_days_min: Option<i32>,
    /// Largest stated retention bound, in days.
    pub retention_days_max: Option<i32>,
    /// Some retention statement gives no number ("the shortest time needed").
    pub retention_qualitative: bool,
    pub response_days: Option<i32>,
    pub minor_age: Vec<i32>,
    pub court: Vec<String>,
    pub arbitration: Vec<String>,
    /// `None` when the policy is silent.
    pub stored_in_china: Option<bool>,
    /// `None` when silent; `Some(false)` when it says PI will not leave China.
    pub transfers_abroad: Option<bool>,
    /// Latest update / effective date (ISO when parseable).
    pub updated: Option<String>,
}

fn push_unique(v: &mut Vec<String>, s: &str) {
    if !v.iter().any(|x| x == s) {
        v.push(s.to_string());
    }
}

/// Fold a policy's entities (in document order) into its summary.
pub fn summarize<'a>(entities: impl IntoIterator<Item = &'a Entity>) -> Summary {
    let mut s = Summary::default();
    let mut china_yes = false;
    let mut china_no = false;
    let mut abroad_yes = false;
    let mut abroad_no = false;
    for e in entities {
        match e.kind {
            Kind::Controller => push_unique(&mut s.controller, &e.value),
            Kind::Phone => push_unique(&mut s.phones, &e.value),
            Kind::Email => push_unique(&mut s.emails, &e.value),
            Kind::Address => push_unique(&mut s.addresses, &e.value),
            Kind::DataType => {
                // Generic mentions ("个人信息") say nothing about *which* data.
                if e.category.as_deref() != Some("generic") {
                    push_unique(&mut s.data_types, &e.value);
                    if let Some(c) = &e.category {
                        push_unique(&mut s.data_categories, c);
                    }
                }
            }
            Kind::Retention => {
                if e.days_min.is_none() && e.days_max.is_none() {
                    s.retention_qualitative = true;
                }
                for d in [e.days_min, e.days_max].into_iter().flatten() {
                    s.retention_days_min = Some(s.retention_days_min.map_or(d, |m| m.min(d)));
                    s.retention_days_max = Some(s.retention_days_max.map_or(d, |m| m.max(d)));
                }
            }
            Kind::ResponseTime => {
                if let Some(d) = e.days_max.or(e.days_min) {
                    s.response_days = Some(s.response_days.map_or(d, |m| m.min(d)));
                }
            }
            Kind::MinorAge => {
                if let Ok(a) = e.value.parse::<i32>()
                    && !s.minor_age.contains(&a)
                {
                    s.minor_age.push(a);
                }
            }
            Kind::Court => push_unique(&mut s.court, &e.value),
            Kind::Arbitration => push_unique(&mut s.arbitration, &e.value),
            Kind::StorageLocation => match e.value.as_str() {
                "china" => china_yes = true,
                "abroad" => china_no = true,
                _ => {}
            },
            Kind::CrossBorder => {
                if e.value.starts_with("yes") {
                    abroad_yes = true;
                } else if e.value == "no" {
                    abroad_no = true;
                }
            }
            Kind::Date => {
                let newer = match &s.updated {
                    None => true,
                    Some(u) => e.value.as_str() > u.as_str(),
                };
                if newer {
                    s.updated = Some(e.value.clone());
                }
            }
            // Mentions are phrases, not canonical types: the summary's
            // `data_types` comes from the lexicon rows.
            Kind::Url | Kind::Postcode | Kind::DataMention => {}
        }
    }
    s.minor_age.sort_unstable();
    // A full legal name (…有限公司, …Ltd.) makes short forms and brands
    // (…公司, …集团) redundant.
    let legal = |c: &String| {
        [
            "有限公司",
            "有限责任公司",
            "Ltd.",
            "Inc.",
            "LLC",
            "Limited",
            "GmbH",
            "Oy",
            "Corporation",
        ]
        .iter()
        .any(|x| c.ends_with(x))
    };
    if s.controller.iter().any(legal) {
        s.controller.retain(legal);
    }
    let all = s.controller.clone();
    s.controller
        .retain(|c| !all.iter().any(|o| controller::redundant(c, o)));
    s.stored_in_china = if china_yes {
        Some(true)
    } else if china_no {
        Some(false)
    } else {
        None
    };
    // An explicit "will not transfer abroad" outweighs a conditional
    // "if a transfer is needed we will ask you first".
    s.transfers_abroad = if abroad_no {
        Some(false)
    } else if abroad_yes {
        Some(true)
    } else if s.stored_in_china == Some(true) {
        // Stored in China and at most a conditional transfer.
        Some(false)
    } else {
        None
    };
    s
}

/// `data_mention` entities from tagger spans (char offsets in `text`), each
/// valued with the canonical data types the lexicon finds inside it
/// (`、`-joined, in order; empty when it names none, as with `这些信息`).
/// `lexicon_hits` are the segment's entities from [`Extractor::extract`].
///
/// A mention never starts or ends inside a data-type term the lexicon
/// found: an edge that cuts one (`设备MAC地|址`, `通讯|录`) moves out to the
/// term's edge, and mentions that then overlap are merged.
pub fn data_mentions(text: &str, spans: &[(usize, usize)], lexicon_hits: &[Entity]) -> Vec<Entity> {
    let chars: Vec<char> = text.chars().collect();
    let terms: Vec<(usize, usize)> = lexicon_hits
        .iter()
        .filter(|e| e.kind == Kind::DataType)
        .map(|e| (e.char_start as usize, e.char_end as usize))
        .collect();
    let mut snapped: Vec<(usize, usize)> = Vec::with_capacity(spans.len());
    for &(mut a, mut b) in spans.iter().filter(|&&(a, b)| a < b && b <= chars.len()) {
        for &(s, e) in &terms {
            if s < a && a < e {
                a = s;
            }
            if s < b && b < e {
                b = e;
            }
        }
        match snapped.last_mut() {
            Some(last) if a < last.1 => last.1 = last.1.max(b),
            _ => snapped.push((a, b)),
        }
    }
    snapped
        .into_iter()
        .map(|(a, b)| {
            let mut values: Vec<&str> = Vec::new();
            for e in lexicon_hits {
                if e.kind == Kind::DataType
                    && e.char_start as usize >= a
                    && e.char_end as usize <= b
                    && !values.contains(&e.value.as_str())
                {
                    values.push(&e.value);
                }
            }
            Entity {
                kind: Kind::DataMention,
                text: chars[a..b].iter().collect(),
                value: values.join("、"),
                category: None,
                char_start: a as u32,
                char_end: b as u32,
                days_min: None,
                days_max: None,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn mentions_are_valued_with_the_lexicon_types_inside_them() {
        let ex = Extractor::new().unwrap();
        let text = "您需要提供姓名、手机号码及上述信息。";
        let hits = ex.extract(text, &[]);
        let m = data_mentions(text, &[(5, 12), (13, 17), (16, 99)], &hits);
        assert_eq!(m.len(), 2, "out-of-range span dropped");
        assert_eq!(m[0].text, "姓名、手机号码");
        assert_eq!(m[0].value, "姓名、手机号码");
        assert_eq!(m[0].kind, Kind::DataMention);
        assert_eq!(m[0].category, None);
        assert_eq!(m[1].text, "上述信息");
        assert_eq!(m[1].value, "", "a reference names no type");
    }

    #[test]
    fn mentions_never_cut_a_lexicon_term() {
        let ex = Extractor::new().unwrap();
        let text = "我们会收集设备MAC地址和通讯录。";
        let hits = ex.extract(text, &[]);
        // `设备MAC地` and `通讯` end inside terms: their ends move out.
        let m = data_mentions(text, &[(5, 11), (13, 15)], &hits);
        let texts: Vec<&str> = m.iter().map(|e| e.text.as_str()).collect();
        assert_eq!(texts, ["设备MAC地址", "通讯录"]);
        // Two pieces of one term become one mention.
        let m = data_mentions(text, &[(5, 9), (9, 11)], &hits);
        let texts: Vec<&str> = m.iter().map(|e| e.text.as_str()).collect();
        assert_eq!(texts, ["设备MAC地址"]);
    }

    use super::*;

    fn ex() -> Extractor {
        Extractor::new().unwrap()
    }

    #[test]
    fn offsets_are_chars_and_slice_back() {
        let t = "我们会收集您的手机号码，客服电话：400-820-1234。";
        for e in ex().extract(t, &[]) {
            let s: String = t
                .chars()
                .skip(e.char_start as usize)
                .take((e.char_end - e.char_start) as usize)
                .collect();
            assert_eq!(s, e.text);
        }
    }

    #[test]
    fn never_panics_on_odd_input() {
        let x = ex();
        let long = "数".repeat(100_000);
        for t in [
            "",
            "0123456789",
            long.as_str(),
            "𝕏𝕐ℤ ∑∫ 🙂 \u{200b}\u{0}",
            "电话：",
            "年月日",
            "保存期限为个月",
            "@@@ ..@.. http:// www.",
            "十十十十十十十十十十十十十十十十十十十十年",
            "第9999999999999999999999条 99999999999999999999年",
            "**",
            "_*_**__a*_",
            "**电话**：**400**-**820**",
        ] {
            let _ = x.extract(t, &[]);
        }
    }

    #[test]
    fn markdown_emphasis_does_not_hide_fields() {
        let x = ex();
        let t = "**本版本发布日期：** **2019** **年** **10** **月** **4** **日**";
        let e = x.extract(t, &[]);
        let d = e.iter().find(|e| e.kind == Kind::Date).expect("a date");
        assert_eq!(d.value, "2019-10-04");
        // Offsets and text refer to the segment as given, markup included.
        let chars: Vec<char> = t.chars().collect();
        let slice: String = chars[d.char_start as usize..d.char_end as usize]
            .iter()
            .collect();
        assert_eq!(slice, d.text);
        assert_eq!(d.text, "2019** **年** **10** **月** **4** **日");
        let e = x.extract(
            "**若您是未满** **18****周岁的未成年人，请在监护人指导下使用。",
            &[],
        );
        assert!(
            e.iter()
                .any(|e| e.kind == Kind::MinorAge && e.value == "18"),
            "{e:?}"
        );
    }

    #[test]
    fn markup_inside_words_is_kept() {
        assert_eq!(Unmarked::new("尾号138****1234").text(), "尾号138****1234");
        assert_eq!(
            Unmarked::new("**邮箱：user_name@example.com**").text(),
            "邮箱：user_name@example.com"
        );
        assert_eq!(Unmarked::new("** _手机号码_**").text(), " 手机号码");
    }

    #[test]
    fn summary_folds_entities() {
        let x = ex();
        let mut all = Vec::new();
        for t in [
            "本应用由杭州示例科技有限公司运营。",
            "我们会收集您的手机号码和位置信息。",
            "您的个人信息将存储于中华人民共和国境内，不会向境外传输。",
            "日志信息保存不少于六个月。交易信息自交易完成之日起保存不少于三年。",
            "我们将在十五个工作日内答复。",
            "如您是未满十四周岁的儿童，请在监护人陪同下阅读。",
            "更新日期：2024年1月2日",
        ] {
            all.extend(x.extract(t, &[]));
        }
        let s = summarize(&all);
        assert_eq!(s.controller, ["杭州示例科技有限公司"]);
        assert!(s.data_types.contains(&"手机号码".to_string()));
        assert!(s.data_types.contains(&"位置信息".to_string()));
        assert_eq!(s.retention_days_min, Some(180));
        assert_eq!(s.retention_days_max, Some(1095));
        assert_eq!(s.response_days, Some(15));
        assert_eq!(s.minor_age, [14]);
        assert_eq!(s.stored_in_china, Some(true));
        assert_eq!(s.transfers_abroad, Some(false));
        assert_eq!(s.updated.as_deref(), Some("2024-01-02"));
    }
}
