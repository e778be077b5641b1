//! Which sentence introduces each list item. Policies state a list's topic
//! once, in a lead-in (`我们会与以下第三方共享您的信息：`), and its items
//! (`1. 支付机构…`) often never repeat it; a classifier that reads an item with
//! its heading path alone has to guess. This step runs after segmentation and
//! hands each such item the end of its lead-in, where the topic is stated.

use super::{Segment, SegmentKind};

/// Characters kept of a lead-in: its end, where `…以下信息：` says what the
/// list is about (the classifier's input keeps this many of each part).
pub const LEAD_IN_CHARS: usize = 16;

/// For each segment, the tail of the sentence that introduces it, if any:
/// - a segment right after one ending in a colon (`：`/`:`) under the same
///   headings gets that one's tail;
/// - a list item right after a paragraph under the same headings gets the
///   paragraph's tail;
/// - a list item right after another one keeps that item's lead-in, so every
///   item of a list shares it.
///
/// A new heading path ends every list.
pub fn lead_ins(segments: &[Segment]) -> Vec<Option<&str>> {
    let mut out: Vec<Option<&str>> = Vec::with_capacity(segments.len());
    for (i, s) in segments.iter().enumerate() {
        let lead = match i.checked_sub(1).map(|j| (&segments[j], out[j])) {
            Some((prev, _)) if prev.heading_path != s.heading_path => None,
            Some((prev, _)) if ends_with_colon(&prev.text) => Some(tail(&prev.text)),
            Some((prev, prev_lead)) if s.kind == SegmentKind::ListItem => {
                if prev.kind == SegmentKind::ListItem {
                    prev_lead
                } else {
                    Some(tail(&prev.text))
                }
            }
            _ => None,
        };
        out.push(lead);
    }
    out
}

fn ends_with_colon(text: &str) -> bool {
    text.trim_end().ends_with(['：', ':'])
}

/// The last [`LEAD_IN_CHARS`] characters of `text`, trailing blanks aside.
fn tail(text: &str) -> &str {
    let t = text.trim_end();
    let start = t
        .char_indices()
        .rev()
        .nth(LEAD_IN_CHARS - 1)
        .map_or(0, |(b, _)| b);
    &t[start..]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::segment::{SegmentOptions, segment};

    fn leads(text: &str) -> Vec<(String, Option<String>)> {
        let segs = segment(text, &SegmentOptions::default());
        lead_ins(&segs)
            .into_iter()
            .zip(&segs)
            .map(|(l, s)| (s.text.clone(), l.map(str::to_owned)))
            .collect()
    }

    #[test]
    fn items_share_the_lead_in_of_their_list() {
        let got = leads(
            "一、信息共享\n为向您提供支付服务，我们会与以下第三方共享您的信息：\n1. 支付机构；\n2. 物流公司。\n二、您的权利\n3. 您可以查阅您的信息。\n",
        );
        let lead = Some("我们会与以下第三方共享您的信息：".to_string());
        assert_eq!(got[0].1, None, "the lead-in itself has none");
        assert_eq!(got[1], ("1. 支付机构；".into(), lead.clone()));
        assert_eq!(got[2], ("2. 物流公司。".into(), lead));
        assert_eq!(got[3].1, None, "a new section ends the list");
    }

    #[test]
    fn a_paragraph_after_a_colon_gets_it_and_the_next_does_not() {
        let got = leads("一、收集\n我们收集：\n设备型号和操作系统版本。\n此外我们不收集位置。\n");
        assert_eq!(got[1].1.as_deref(), Some("我们收集："));
        assert_eq!(got[2].1, None);
    }

    #[test]
    fn tail_keeps_whole_characters() {
        assert_eq!(tail("短："), "短：");
        let long = "甲".repeat(20) + "以下信息：  ";
        assert_eq!(tail(&long).chars().count(), LEAD_IN_CHARS);
        assert!(tail(&long).ends_with("以下信息："));
    }
}
