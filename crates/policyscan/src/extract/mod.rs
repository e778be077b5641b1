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
//! - [`controller`] — the operator's name;
//! - [`venue`] — litigation venue and arbitration bodies;
//! - [`minors`] — minors' age thresholds;
//! - [`location`] — storage location and cross-border transfer;
//! - [`date`] — update / effective dates;
//! - [`numerals`] — Chinese numerals, shared by the others.
//!
//! Besides them:
//! - `data_sense` — which [`data_type`] hits name data in a sense the
//!   policy does not process it in (a contact channel, the operator's
//!   contact details referred to, a definition's examples, a way of
//!   sending, the works of an intellectual-property clause, the password
//!   of security advice), dropped;
//! - `company` — company-name recognition, which [`controller`] then sorts
//!   into the operator and everyone else;
//! - `text` — the views of a segment the extractors share (emphasis
//!   removed, clauses, the window before a match);
//! - `summary` — the per-policy fold ([`summarize`]);
//! - `tests`.
//!
//! Extractors work on byte offsets internally (regex); this module converts
//! them to char offsets once per segment.

pub mod address;
mod company;
pub mod contact;
pub mod controller;
mod data_sense;
pub mod data_type;
pub mod date;
pub mod location;
pub mod minors;
pub mod numerals;
pub mod retention;
mod summary;
#[cfg(test)]
mod tests;
mod text;
pub mod venue;

pub use summary::{Summary, summarize};
pub(crate) use text::{Unmarked, clauses, tail};

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
    /// (`Unmarked`): policies converted from web pages are full of
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
        data_sense::drop_contact_channels(clean, &mut hits);
        data_sense::drop_contact_references(clean, &mut hits);
        data_sense::drop_definitions(clean, &mut hits);
        data_sense::drop_message_channels(clean, &mut hits);
        data_sense::drop_ip_clauses(clean, &mut hits);
        data_sense::drop_password_advice(clean, &mut hits);
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
