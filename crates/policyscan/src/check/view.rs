//! What the rules read of one policy, computed once: segment text with
//! Markdown emphasis taken out, the segments in scope for a topic (a label,
//! a section heading), entity lookups by kind and segment, and evidence
//! text. The plumbing lives here so that each rule reads as its decision
//! and nothing else.
//!
//! Scopes are sorted lists of indices into [`PolicyFacts::segments`]; rules
//! turn them into segment numbers only for evidence.

use std::collections::HashMap;
use std::sync::LazyLock;

use regex::Regex;

use super::{PolicyFacts, Status};
use crate::table::{EntityRow, SegmentRow};

/// Label names as the classifier writes them in `SegmentRow.labels`.
pub(super) const COLLECTION: &str = "collection";
pub(super) const COOKIE: &str = "cookie";
pub(super) const SHARING: &str = "sharing";
pub(super) const RIGHTS: &str = "rights";
pub(super) const MINORS: &str = "minors";
pub(super) const CROSS_BORDER: &str = "cross_border";

/// Section headings whose segments are about the user's rights even when
/// the classifier did not label them (a bare `1、删除` under `您的权利`).
const RIGHTS_HEADINGS: &str =
    r"权利|权益|管理您的(?:个人)?信息|如何管理|访问[、和与及]?更正|查询[、和与及]?更正";
/// Section headings of a glossary: definitions there say what a word
/// means, not what the service does with data.
const DEFINITION_HEADINGS: &str = r"定义|释义|名词解释|术语";
/// A sentence that defines a term (`敏感个人信息：指一旦泄露…`).
const DEFINITION_TEXT: &str = r"是指|[：:]\s*指|指一旦";
/// Entity kinds that are a way to reach the operator. URLs are not: most
/// are the service's own home page or a link to another document.
pub(super) const CONTACT_KINDS: &[&str] = &["phone", "email", "address"];
/// Longest evidence phrase, in chars.
const MAX_PHRASE_CHARS: usize = 40;
/// Longest entity value quoted as evidence, in chars.
const MAX_VALUE_CHARS: usize = 60;

static RIGHTS_HEADING: LazyLock<Regex> = LazyLock::new(|| re(RIGHTS_HEADINGS));
static DEFINITION_HEADING: LazyLock<Regex> = LazyLock::new(|| re(DEFINITION_HEADINGS));
static DEFINITION: LazyLock<Regex> = LazyLock::new(|| re(DEFINITION_TEXT));

/// Compile a rule's pattern (patterns are consts: a failure is a bug).
pub(super) fn re(pattern: &str) -> Regex {
    Regex::new(pattern).unwrap_or_else(|e| panic!("checklist pattern `{pattern}`: {e}"))
}

/// A pattern matching any of `list`, literally; ASCII letters match in
/// either case (`Cookie`, `cookie`, `SDK`, `sdk`).
pub(super) fn words(list: &[&str]) -> Regex {
    let alternation: Vec<String> = list.iter().map(|w| regex::escape(w)).collect();
    re(&format!("(?i:{})", alternation.join("|")))
}

/// One policy as the rules see it.
pub(super) struct View<'a> {
    pub facts: &'a PolicyFacts<'a>,
    /// Segment text without `*` (Markdown emphasis splits phrases:
    /// `**单独同意**`, `未满**14**周岁`).
    clean: Vec<String>,
    /// Segment number → index in `facts.segments`.
    by_number: HashMap<u32, usize>,
    /// Segments about the user's rights: labelled `rights` or under a
    /// rights heading.
    pub rights: Vec<usize>,
    /// The operator's names: controller entities outside sharing and
    /// cross-border segments (names there are mostly recipients).
    pub own_controllers: Vec<String>,
}

impl<'a> View<'a> {
    pub fn new(facts: &'a PolicyFacts<'a>) -> Self {
        let clean = facts
            .segments
            .iter()
            .map(|s| s.text.replace('*', ""))
            .collect();
        let by_number = facts
            .segments
            .iter()
            .enumerate()
            .map(|(i, s)| (s.segment, i))
            .collect();
        let mut v = Self {
            facts,
            clean,
            by_number,
            rights: Vec::new(),
            own_controllers: Vec::new(),
        };
        v.rights = union(&v.labelled(RIGHTS), &v.under(&RIGHTS_HEADING));
        v.own_controllers = v.find_own_controllers();
        v
    }

    fn find_own_controllers(&self) -> Vec<String> {
        let mut own: Vec<String> = Vec::new();
        for e in self.entities(&["controller"]) {
            let elsewhere = self
                .index_of(e)
                .is_none_or(|i| !self.has_label(i, SHARING) && !self.has_label(i, CROSS_BORDER));
            if elsewhere && !own.contains(&e.value) {
                own.push(e.value.clone());
            }
        }
        // The summary keeps full legal names over short forms and brands.
        let summary = &self.facts.policy.summary.controller;
        let legal: Vec<String> = own
            .iter()
            .filter(|c| summary.contains(c))
            .cloned()
            .collect();
        if legal.is_empty() { own } else { legal }
    }

    /// Every segment.
    pub fn all(&self) -> Vec<usize> {
        (0..self.facts.segments.len()).collect()
    }

    pub fn seg(&self, i: usize) -> &'a SegmentRow {
        &self.facts.segments[i]
    }

    /// The segment's text as rules match it.
    pub fn text(&self, i: usize) -> &str {
        &self.clean[i]
    }

    /// Segment numbers of a scope.
    pub fn numbers(&self, set: &[usize]) -> Vec<u32> {
        set.iter().map(|&i| self.seg(i).segment).collect()
    }

    pub fn has_label(&self, i: usize, label: &str) -> bool {
        self.seg(i).labels.iter().any(|l| l == label)
    }

    /// Segments carrying `label`.
    pub fn labelled(&self, label: &str) -> Vec<usize> {
        (0..self.facts.segments.len())
            .filter(|&i| self.has_label(i, label))
            .collect()
    }

    /// Segments with a heading above them matching `heading`.
    pub fn under(&self, heading: &Regex) -> Vec<usize> {
        (0..self.facts.segments.len())
            .filter(|&i| self.seg(i).heading_path.iter().any(|h| heading.is_match(h)))
            .collect()
    }

    /// Is segment `i` a glossary entry or a definition of a term?
    pub fn is_definition(&self, i: usize) -> bool {
        self.seg(i)
            .heading_path
            .iter()
            .any(|h| DEFINITION_HEADING.is_match(h))
            || DEFINITION.is_match(self.text(i))
    }

    /// Segments of `set` whose text matches `pattern`.
    pub fn matching(&self, set: &[usize], pattern: &Regex) -> Vec<usize> {
        set.iter()
            .copied()
            .filter(|&i| pattern.is_match(self.text(i)))
            .collect()
    }

    /// The first `n` distinct phrases `pattern` finds in `set`, as evidence
    /// (`phrase: 撤回您的授权`).
    pub fn phrases(&self, set: &[usize], pattern: &Regex, n: usize) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for &i in set {
            for m in pattern.find_iter(self.text(i)) {
                let p = format!("phrase: {}", clip(m.as_str(), MAX_PHRASE_CHARS));
                if !out.contains(&p) {
                    out.push(p);
                }
                if out.len() >= n {
                    return out;
                }
            }
        }
        out
    }

    /// Entities of the given kinds, in table order.
    pub fn entities(&self, kinds: &[&str]) -> Vec<&'a EntityRow> {
        self.facts
            .entities
            .iter()
            .filter(|e| kinds.contains(&e.kind.as_str()))
            .collect()
    }

    /// Entities of the given kinds inside the segments of `set`.
    pub fn entities_in(&self, kinds: &[&str], set: &[usize]) -> Vec<&'a EntityRow> {
        self.entities(kinds)
            .into_iter()
            .filter(|e| {
                self.index_of(e)
                    .is_some_and(|i| set.binary_search(&i).is_ok())
            })
            .collect()
    }

    /// The operator's contacts: phones, emails and addresses outside
    /// sharing and cross-border segments (those are mostly a recipient's).
    pub fn own_contacts(&self) -> Vec<&'a EntityRow> {
        self.entities(CONTACT_KINDS)
            .into_iter()
            .filter(|e| {
                self.index_of(e)
                    .is_none_or(|i| !self.has_label(i, SHARING) && !self.has_label(i, CROSS_BORDER))
            })
            .collect()
    }

    /// Index of the segment an entity is in.
    pub fn index_of(&self, e: &EntityRow) -> Option<usize> {
        self.by_number.get(&e.segment).copied()
    }

    /// The segments holding `ents`, as a sorted scope.
    pub fn segments_of(&self, ents: &[&EntityRow]) -> Vec<usize> {
        let mut v: Vec<usize> = ents.iter().filter_map(|e| self.index_of(e)).collect();
        v.sort_unstable();
        v.dedup();
        v
    }

    /// Non-generic data types (and tagger phrases naming one) in `set`.
    pub fn concrete_data(&self, set: &[usize]) -> Vec<&'a EntityRow> {
        self.entities_in(&["data_type", "data_mention"], set)
            .into_iter()
            .filter(|e| is_concrete_data(e))
            .collect()
    }
}

/// The status of an item made of two parts: both stated → present, one →
/// partial, neither → missing. `reasons` in the order: both, only the
/// first, only the second, neither.
pub(super) fn two_parts<R>(first: bool, second: bool, reasons: [R; 4]) -> (Status, R) {
    let [both, only_first, only_second, neither] = reasons;
    match (first, second) {
        (true, true) => (Status::Present, both),
        (true, false) => (Status::Partial, only_first),
        (false, true) => (Status::Partial, only_second),
        (false, false) => (Status::Missing, neither),
    }
}

/// Sorted union of two scopes.
pub(super) fn union(a: &[usize], b: &[usize]) -> Vec<usize> {
    let mut v: Vec<usize> = a.iter().chain(b).copied().collect();
    v.sort_unstable();
    v.dedup();
    v
}

/// `a` without the segments of `b`.
pub(super) fn minus(a: &[usize], b: &[usize]) -> Vec<usize> {
    a.iter().copied().filter(|i| !b.contains(i)).collect()
}

/// Does an entity name a concrete kind of data? Generic mentions
/// (`个人信息`, `敏感信息`) and references (`上述信息`) do not.
pub(super) fn is_concrete_data(e: &EntityRow) -> bool {
    match e.kind.as_str() {
        "data_type" => e.category.as_deref() != Some("generic"),
        "data_mention" => !e.value.is_empty(),
        _ => false,
    }
}

/// A deadline or period in days: the upper bound when there is one.
pub(super) fn days(e: &EntityRow) -> Option<i32> {
    e.days_max.or(e.days_min)
}

/// Evidence text for an entity: `email: privacy@x.com`,
/// `retention: 180–1095 days`, `retention: qualitative`.
pub(super) fn describe(e: &EntityRow) -> String {
    let value = match (e.kind.as_str(), e.days_min, e.days_max) {
        ("retention" | "response_time", Some(a), Some(b)) if a == b => format!("{a} days"),
        ("retention" | "response_time", Some(a), Some(b)) => format!("{a}–{b} days"),
        ("retention" | "response_time", Some(a), None) => format!("at least {a} days"),
        ("retention" | "response_time", None, Some(b)) => format!("at most {b} days"),
        ("data_mention", _, _) => clip(&e.text, MAX_VALUE_CHARS),
        _ => clip(&e.value, MAX_VALUE_CHARS),
    };
    format!("{}: {value}", e.kind)
}

/// Evidence text for the first `n` distinct entities.
pub(super) fn describe_all(ents: &[&EntityRow], n: usize) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for e in ents {
        let d = describe(e);
        if !out.contains(&d) {
            out.push(d);
            if out.len() >= n {
                break;
            }
        }
    }
    out
}

/// Segment numbers as a reader wants them in a reason: `segment 4`,
/// `segments 4, 9`.
pub(super) fn cite(numbers: &[u32]) -> String {
    const SHOWN: usize = 3;
    let shown: Vec<String> = numbers.iter().take(SHOWN).map(u32::to_string).collect();
    let more = if numbers.len() > SHOWN { ", …" } else { "" };
    match numbers.len() {
        0 => "no segment".to_string(),
        1 => format!("segment {}", shown[0]),
        _ => format!("segments {}{more}", shown.join(", ")),
    }
}

/// At most `n` chars of `s`, with `…` when cut.
pub(super) fn clip(s: &str, n: usize) -> String {
    let t = s.trim();
    if t.chars().count() <= n {
        t.to_string()
    } else {
        let mut c: String = t.chars().take(n).collect();
        c.push('…');
        c
    }
}
