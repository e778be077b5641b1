//! What an n-gram member reads of a segment, field by field.
//!
//! A member without fields reads one text, `path > … | text`, as the first
//! members did. With fields, each field's n-grams are terms of their own,
//! tagged with the field (`p:收集` in a heading is not `t:收集` in the
//! body), and all of them make one TF-IDF row, L2-normalised as a whole:
//! sklearn's `TfidfVectorizer` over the tagged terms. (A block per field,
//! each normalised on its own as a `FeatureUnion` does, was measured too and
//! scored lower out of fold: model card.)
//!
//! One field is no text: `rules` reads which keyword/heading rules
//! ([`crate::classify::keywords`]) fire on the segment, as terms
//! (`r:t:sharing`: the sharing text rule fired), so that the model can
//! learn how far to trust each rule rather than take it as it is.

use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::classify::keywords;
use crate::labels::LABELS;
use crate::model::batch::Input;

/// One field of a segment an n-gram member may read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NgramField {
    /// `path > … | text`: the one text of a member without fields.
    Joined,
    /// The section headings, outermost first, joined with ` > `.
    Path,
    /// The innermost section heading alone: it names the topic.
    Heading,
    /// The segment's own text.
    Text,
    /// The sentence that introduces the list the segment is an item of
    /// ([`crate::segment::lead_ins`]); no n-grams for a segment without one.
    LeadIn,
    /// The keyword/heading rules that fire: on the heading path (any
    /// heading, and the innermost that matches one), on the text and on the
    /// lead-in; one term per rule and label.
    Rules,
}

/// What one field gives a member: a text whose character n-grams it reads
/// behind the field's tag, or terms it reads whole.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Block {
    /// The field's tag and its text.
    Chars(&'static str, String),
    /// Terms, tagged already.
    Terms(Vec<String>),
}

impl NgramField {
    /// Every field, in declaration order.
    pub const ALL: [Self; 6] = [
        Self::Joined,
        Self::Path,
        Self::Heading,
        Self::Text,
        Self::LeadIn,
        Self::Rules,
    ];

    /// The names `--ngram-fields` takes, in the order of [`Self::ALL`].
    pub const NAMES: [&'static str; 6] = ["joined", "path", "heading", "text", "lead-in", "rules"];

    /// The tag this field's n-grams carry in the vocabulary.
    pub fn tag(self) -> &'static str {
        match self {
            Self::Joined => "j:",
            Self::Path => "p:",
            Self::Heading => "h:",
            Self::Text => "t:",
            Self::LeadIn => "l:",
            Self::Rules => "r:",
        }
    }

    /// This field of `input`; `None` when the segment has none.
    pub fn block(self, input: &Input<'_>) -> Option<Block> {
        let chars = |text: Option<String>| text.map(|t| Block::Chars(self.tag(), t));
        match self {
            Self::Joined => chars(Some(joined_text(input))),
            Self::Path => chars(Some(input.sections().collect::<Vec<_>>().join(" > "))),
            Self::Heading => chars(input.sections().last().map(str::to_string)),
            Self::Text => chars(Some(input.text.to_string())),
            Self::LeadIn => chars(input.lead_in.map(str::to_string)),
            Self::Rules => Some(Block::Terms(rule_terms(input))),
        }
    }
}

/// `r:{rule}:{label}` for every rule that fires on `input`: `h` any
/// heading of the path, `i` the innermost heading that matches a rule, `t`
/// the text, `l` the lead-in. Policy titles are not read, as by every
/// field.
fn rule_terms(input: &Input<'_>) -> Vec<String> {
    let path: Vec<String> = input.sections().map(str::to_string).collect();
    let fired = [
        ("h", keywords::heading_labels(&path)),
        ("i", keywords::innermost_heading_labels(&path)),
        ("t", keywords::text_labels(input.text)),
        (
            "l",
            input.lead_in.map(keywords::text_labels).unwrap_or_default(),
        ),
    ];
    let mut terms = Vec::new();
    for (rule, set) in fired {
        for (label, _) in LABELS.iter().zip(set).filter(|(_, on)| *on) {
            terms.push(format!("r:{rule}:{label}"));
        }
    }
    terms
}

impl FromStr for NgramField {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let name = if s == "lead_in" { "lead-in" } else { s };
        Self::ALL
            .into_iter()
            .zip(Self::NAMES)
            .find_map(|(f, n)| (n == name).then_some(f))
            .ok_or_else(|| {
                format!(
                    "`{s}` is no n-gram field; expected one of {:?}",
                    Self::NAMES
                )
            })
    }
}

/// `path > … | text`, the heading path without policy titles and the
/// segment: what a member without fields reads.
pub fn joined_text(input: &Input<'_>) -> String {
    let mut s = input.sections().collect::<Vec<_>>().join(" > ");
    s.push_str(" | ");
    s.push_str(input.text);
    s
}

/// What a member with `fields` reads of `input`, field by field: the
/// joined text, untagged, when `fields` is empty.
pub fn blocks(input: &Input<'_>, fields: &[NgramField]) -> Vec<Block> {
    if fields.is_empty() {
        return vec![Block::Chars("", joined_text(input))];
    }
    fields.iter().filter_map(|f| f.block(input)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_field_reads_its_part_and_titles_are_never_read() {
        let path = vec![
            "《云雀隐私政策》".to_string(),
            "三、我们如何共享".to_string(),
            "3.1 共享".to_string(),
        ];
        let input = Input {
            heading_path: &path,
            text: "支付机构；",
            lead_in: Some("与以下第三方共享："),
        };
        let t = |f: NgramField| match f.block(&input) {
            Some(Block::Chars(tag, text)) => {
                assert_eq!(tag, f.tag());
                text
            }
            other => panic!("{f:?}: {other:?}"),
        };
        assert_eq!(t(NgramField::Path), "三、我们如何共享 > 3.1 共享");
        assert_eq!(t(NgramField::Heading), "3.1 共享");
        assert_eq!(t(NgramField::Text), "支付机构；");
        assert_eq!(t(NgramField::LeadIn), "与以下第三方共享：");
        assert_eq!(
            t(NgramField::Joined),
            "三、我们如何共享 > 3.1 共享 | 支付机构；"
        );
        let bare = Input {
            heading_path: &[],
            lead_in: None,
            ..input
        };
        assert_eq!(NgramField::Heading.block(&bare), None);
        assert_eq!(NgramField::LeadIn.block(&bare), None);
        let fields = [NgramField::Heading, NgramField::Text, NgramField::LeadIn];
        assert_eq!(
            blocks(&bare, &fields),
            vec![Block::Chars("t:", "支付机构；".into())]
        );
        assert_eq!(
            blocks(&bare, &[]),
            vec![Block::Chars("", " | 支付机构；".into())]
        );
    }

    #[test]
    fn the_rules_field_names_each_rule_that_fires() {
        let path = vec![
            "《云雀儿童隐私政策》".to_string(),
            "三、我们如何共享".to_string(),
            "3.1 委托处理".to_string(),
        ];
        let input = Input {
            heading_path: &path,
            text: "您可以随时撤回同意。",
            lead_in: Some("我们会与合作伙伴共享："),
        };
        let Some(Block::Terms(terms)) = NgramField::Rules.block(&input) else {
            panic!("rules give terms");
        };
        // The title's 儿童 is not read; the sharing heading is the
        // innermost that matches; the text is a rights statement and the
        // lead-in a sharing one.
        assert_eq!(
            terms,
            ["r:h:sharing", "r:i:sharing", "r:t:rights", "r:l:sharing"]
        );
        let quiet = Input {
            heading_path: &[],
            text: "请拨打客服电话。",
            lead_in: None,
        };
        assert_eq!(NgramField::Rules.block(&quiet), Some(Block::Terms(vec![])));
    }

    #[test]
    fn field_names_parse_and_unknown_ones_are_refused() {
        let tags: std::collections::HashSet<&str> = NgramField::NAMES
            .iter()
            .map(|name| name.parse::<NgramField>().unwrap().tag())
            .collect();
        // One tag each, all of one length: no tagged n-gram is another's.
        assert_eq!(tags.len(), NgramField::NAMES.len());
        assert!(tags.iter().all(|t| t.len() == 2));
        assert_eq!("lead-in".parse(), Ok(NgramField::LeadIn));
        let e = "body".parse::<NgramField>().unwrap_err();
        assert!(e.contains("`body`") && e.contains("lead-in"), "{e}");
        let json = serde_json::to_string(&[NgramField::LeadIn, NgramField::Path]).unwrap();
        assert_eq!(json, r#"["lead_in","path"]"#);
    }
}
