//! Checklist behaviour on small hand-built policies: a complete policy
//! passes every item, and each change a reviewer cares about (a missing
//! contact, China-only storage, a transfer without a recipient, a
//! self-contradiction, silence) moves the right item the right way.
//!
//! [`fixture`] builds the policies; [`cases`] holds one test per rule
//! decision; this file the checks on the whole list.

mod cases;
mod fixture;

use super::*;
use crate::labels::LABELS;
use fixture::*;

#[test]
fn complete_policy_has_every_item_present() {
    let (doc, _) = complete();
    let rows = doc.check();
    let not_present: Vec<String> = rows
        .iter()
        .filter(|r| r.status != Status::Present)
        .map(|r| format!("{} {}: {}", r.item, r.status.as_str(), r.reason))
        .collect();
    assert!(not_present.is_empty(), "{not_present:#?}");
    assert_eq!(counts(&rows), (ITEMS.len() as u32, ITEMS.len() as u32));
}

#[test]
fn evidence_names_what_decided() {
    let (doc, abroad) = complete();
    let rows = doc.check();
    let c = row(&rows, "art17.controller_contact");
    assert!(
        c.evidence
            .contains(&"controller: 杭州示例科技有限公司".to_string()),
        "{c:?}"
    );
    assert!(
        c.evidence
            .contains(&"email: privacy@example.com".to_string()),
        "{c:?}"
    );
    // The recipient abroad is not the operator.
    assert!(
        !c.evidence.iter().any(|e| e.contains("Example Pte")),
        "{c:?}"
    );
    assert_eq!(c.evidence_segments, [1, 15]);
    let r = row(&rows, "art17.retention");
    assert_eq!(r.evidence, ["retention: 180 days"]);
    let f = row(&rows, "art39.foreign_recipient");
    assert!(
        f.evidence
            .contains(&"recipient: Example Pte. Ltd.".to_string()),
        "{f:?}"
    );
    assert!(f.evidence_segments.contains(&abroad));
    let t = row(&rows, "art50.request_handling");
    assert!(
        t.evidence.contains(&"response_time: 15 days".to_string()),
        "{t:?}"
    );
}

#[test]
fn silence_is_missing_not_not_applicable() {
    let rows = Doc::default().check();
    assert_eq!(counts(&rows).0, 0);
    for id in [
        "art31.minors",
        "art38.storage_location",
        "art39.foreign_recipient",
        "art39.separate_consent",
        "art30.sensitive_pi",
        "art17.controller_contact",
    ] {
        assert_eq!(status(&rows, id), Status::Missing, "{id}");
    }
    // Only what the policy's own description makes moot is not applicable.
    let na: Vec<&str> = rows
        .iter()
        .filter(|r| r.status == Status::NotApplicable)
        .map(|r| r.item.as_str())
        .collect();
    assert_eq!(na, ["app2019.sdk_list", "art24.personalisation_opt_out"]);
}

#[test]
fn items_are_unique_stable_and_match_their_rules() {
    let ids: Vec<&str> = ITEMS.iter().map(|i| i.id).collect();
    assert_eq!(
        ids,
        [
            "art17.controller_contact",
            "art17.purposes",
            "art17.data_kinds",
            "art17.retention",
            "art17.rights_exercise",
            "art16.refusal_consequence",
            "art45.access_copy",
            "art46.correction",
            "art47.deletion",
            "art15.withdraw_consent",
            "art47.account_deletion",
            "art50.request_handling",
            "app2019.complaint_channel",
            "art23.sharing_recipients",
            "app2019.sdk_list",
            "art30.sensitive_pi",
            "art24.personalisation_opt_out",
            "art31.minors",
            "art38.storage_location",
            "art39.foreign_recipient",
            "art39.transfer_details",
            "art39.rights_abroad",
            "art39.separate_consent",
            "art51.security",
            "art52.pi_officer",
            "art17.changes",
            "cookie.disclosure",
        ]
    );
    let mut unique = ids.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique.len(), ids.len(), "duplicate item id");
    let rule_ids: Vec<&str> = RULES.iter().map(|(id, _)| *id).collect();
    assert_eq!(rule_ids, ids, "RULES out of step with ITEMS");
    for item in ITEMS {
        assert!(
            !item.law.is_empty() && !item.title.is_empty(),
            "{}",
            item.id
        );
        assert!(
            item.title_zh
                .chars()
                .any(|c| ('\u{4E00}'..='\u{9FFF}').contains(&c)),
            "{}: a Chinese title",
            item.id
        );
        assert!(
            item.id
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '.' || c == '_'),
            "{}",
            item.id
        );
    }
}

#[test]
fn counts_present_over_applicable() {
    let mk = |status| ChecklistRow {
        policy_id: ID.into(),
        item: "x".into(),
        law: "PIPL".into(),
        status,
        evidence_segments: vec![],
        evidence: vec![],
        reason: "r.".into(),
    };
    let rows: Vec<ChecklistRow> = [
        Status::Present,
        Status::Present,
        Status::Partial,
        Status::Missing,
        Status::NotApplicable,
    ]
    .into_iter()
    .map(mk)
    .collect();
    assert_eq!(counts(&rows), (2, 4));
    assert_eq!(counts(&[]), (0, 0));
}

#[test]
fn status_and_label_names() {
    let names: Vec<&str> = Status::ALL.iter().map(|s| s.as_str()).collect();
    assert_eq!(names, ["present", "partial", "missing", "not_applicable"]);
    for l in [COLLECTION, COOKIE, SHARING, RIGHTS, MINORS, CROSS_BORDER] {
        assert!(LABELS.contains(&l), "{l} is not a label");
    }
}

#[test]
fn markdown_emphasis_does_not_hide_phrases() {
    let mut d = Doc::default();
    let s = d.seg(
        &[],
        &[CROSS_BORDER],
        "我们会将您的信息传输至境外，并征得您的**单独**同意。",
    );
    d.ent(s, "cross_border", "yes");
    assert_eq!(
        status(&d.check(), "art39.separate_consent"),
        Status::Present
    );
}
