//! One test per decision a reviewer relies on: what moves an item
//! between present, partial, missing and not applicable.

use super::super::*;
use super::fixture::*;

#[test]
fn removing_the_contact_makes_the_controller_item_partial() {
    let (doc, _) = complete();
    let rows = doc.without_kinds(&["phone", "email", "address"]).check();
    let c = row(&rows, "art17.controller_contact");
    assert_eq!(c.status, Status::Partial, "{c:?}");
    assert!(c.reason.contains("杭州示例科技有限公司"), "{}", c.reason);
    // Without the name too, nothing is left.
    let rows = doc
        .without_kinds(&["phone", "email", "address", "controller"])
        .check();
    assert_eq!(status(&rows, "art17.controller_contact"), Status::Missing);
    // A contact without a name is partial.
    let rows = doc.without_kinds(&["controller"]).check();
    assert_eq!(status(&rows, "art17.controller_contact"), Status::Partial);
}

#[test]
fn china_only_policy_has_cross_border_items_not_applicable() {
    let (doc, abroad) = complete();
    let rows = doc.without_segment(abroad).check();
    assert_eq!(status(&rows, "art38.storage_location"), Status::Present);
    for id in [
        "art39.foreign_recipient",
        "art39.transfer_details",
        "art39.rights_abroad",
        "art39.separate_consent",
    ] {
        let r = row(&rows, id);
        assert_eq!(r.status, Status::NotApplicable, "{r:?}");
        assert!(r.reason.contains("stored in China"), "{}", r.reason);
    }
    assert_eq!(
        counts(&rows),
        (ITEMS.len() as u32 - 4, ITEMS.len() as u32 - 4)
    );
    // An explicit "will not leave China" does the same without a storage statement.
    let mut d = Doc::default();
    let s = d.seg(&[], &[CROSS_BORDER], "我们不会向境外传输您的个人信息。");
    d.ent(s, "cross_border", "no");
    let rows = d.check();
    assert_eq!(status(&rows, "art38.storage_location"), Status::Present);
    assert_eq!(
        status(&rows, "art39.foreign_recipient"),
        Status::NotApplicable
    );
}

#[test]
fn transfer_abroad_without_recipient_is_missing() {
    let mut d = Doc::default();
    let s = d.seg(
        &[],
        &[CROSS_BORDER],
        "我们会将您的个人信息传输至境外的服务器。",
    );
    d.ent(s, "cross_border", "yes");
    let rows = d.check();
    assert_eq!(status(&rows, "art38.storage_location"), Status::Present);
    assert_eq!(status(&rows, "art39.foreign_recipient"), Status::Missing);
    assert_eq!(status(&rows, "art39.transfer_details"), Status::Missing);
    assert_eq!(status(&rows, "art39.rights_abroad"), Status::Missing);
    assert_eq!(status(&rows, "art39.separate_consent"), Status::Missing);
    // The destination alone is not a recipient, but it is a start.
    let mut d = Doc::default();
    let s = d.seg(
        &[],
        &[CROSS_BORDER],
        "您的信息将传输至新加坡，用于客户服务。",
    );
    d.ent(s, "cross_border", "yes:新加坡");
    let rows = d.check();
    let f = row(&rows, "art39.foreign_recipient");
    assert_eq!(f.status, Status::Missing, "{f:?}");
    assert!(f.evidence.contains(&"cross_border: yes:新加坡".to_string()));
    assert_eq!(status(&rows, "art39.transfer_details"), Status::Partial);
}

#[test]
fn china_storage_with_unexplained_transfer_is_a_contradiction() {
    let mut d = Doc::default();
    let home = d.seg(
        &[],
        &[CROSS_BORDER],
        "您的个人信息存储于中华人民共和国境内。",
    );
    d.ent(home, "storage_location", "china");
    let away = d.seg(&[], &[CROSS_BORDER], "我们会将您的个人信息传输至境外。");
    d.ent(away, "cross_border", "yes");
    let rows = d.check();
    let s = row(&rows, "art38.storage_location");
    assert_eq!(s.status, Status::Partial, "{s:?}");
    assert!(s.reason.starts_with("Contradiction:"), "{}", s.reason);
    assert_eq!(s.evidence_segments, [home, away]);
    // The transfer makes Art. 39 apply.
    assert_eq!(status(&rows, "art39.foreign_recipient"), Status::Missing);
    // Naming the recipient resolves it: stored in China, some data sent abroad.
    d.ent(away, "controller", "Example Pte. Ltd.");
    let rows = d.check();
    assert_eq!(status(&rows, "art38.storage_location"), Status::Present);
    assert_eq!(status(&rows, "art39.foreign_recipient"), Status::Partial);
}

#[test]
fn china_storage_with_listed_exceptions_is_no_contradiction() {
    let mut d = Doc::default();
    let home = d.seg(
        &[],
        &[CROSS_BORDER],
        "我们在中华人民共和国境内运营中收集和产生的个人信息，存储在中国境内，以下情形除外：",
    );
    d.ent(home, "storage_location", "china");
    let away = d.seg(
        &[],
        &[CROSS_BORDER],
        "3、您使用的产品涉及跨境，我们需要向境外提供您的个人信息的。",
    );
    d.ent(away, "cross_border", "yes");
    let rows = d.check();
    let s = row(&rows, "art38.storage_location");
    assert_eq!(s.status, Status::Present, "{s:?}");
    assert!(s.reason.contains("except"), "{}", s.reason);
    // The exceptions are transfers: Art. 39 applies to them.
    assert_eq!(status(&rows, "art39.foreign_recipient"), Status::Missing);
}

#[test]
fn a_hedged_transfer_beside_china_storage_is_no_contradiction() {
    let mut d = Doc::default();
    let home = d.seg(
        &[],
        &[CROSS_BORDER],
        "您的个人信息存储于中华人民共和国境内。",
    );
    d.ent(home, "storage_location", "china");
    // The condition sits in another clause than the transfer word, so the
    // extractor says `yes`.
    let later = d.seg(
        &[],
        &[CROSS_BORDER],
        "如果今后的业务发生变更，我们可能需要将您的个人信息传输至其他国家。届时我们将按照法律要求进行出境。",
    );
    d.ent(later, "cross_border", "yes");
    let rows = d.check();
    let s = row(&rows, "art38.storage_location");
    assert_eq!(s.status, Status::Present, "{s:?}");
    assert_eq!(
        status(&rows, "art39.foreign_recipient"),
        Status::NotApplicable
    );
    // Without the China statement, the hedged transfer still applies.
    let rows = d.without_segment(home).check();
    assert_eq!(status(&rows, "art39.foreign_recipient"), Status::Missing);
}

#[test]
fn conditional_transfer_checks_only_the_promised_consent() {
    let mut d = Doc::default();
    let s = d.seg(
        &[],
        &[CROSS_BORDER],
        "如需向境外提供您的个人信息，我们会单独征得您的同意。",
    );
    d.ent(s, "cross_border", "conditional");
    let rows = d.check();
    assert_eq!(status(&rows, "art38.storage_location"), Status::Partial);
    assert_eq!(
        status(&rows, "art39.foreign_recipient"),
        Status::NotApplicable
    );
    assert_eq!(
        status(&rows, "art39.transfer_details"),
        Status::NotApplicable
    );
    assert_eq!(status(&rows, "art39.rights_abroad"), Status::NotApplicable);
    assert_eq!(status(&rows, "art39.separate_consent"), Status::Present);
}

#[test]
fn retention_without_a_number_is_partial() {
    let mut d = Doc::default();
    let s = d.seg(
        &[],
        &[],
        "我们仅在实现目的所必需的最短时间内保留您的个人信息。",
    );
    d.ent(s, "retention", "qualitative");
    let rows = d.check();
    let r = row(&rows, "art17.retention");
    assert_eq!(r.status, Status::Partial);
    assert_eq!(r.evidence, ["retention: qualitative"]);
}

#[test]
fn reply_deadline_over_fifteen_days_is_partial() {
    let (doc, _) = complete();
    let mut doc = doc.without_kinds(&["response_time"]);
    let s = doc.seg(&["六、您的权利"], &[RIGHTS], "我们将在三十天内答复。");
    doc.days(s, "response_time", 30);
    let r = doc.check();
    let r = row(&r, "art50.request_handling");
    assert_eq!(r.status, Status::Partial);
    assert!(r.reason.contains("30 days"), "{}", r.reason);
    let rows = complete().0.without_kinds(&["response_time"]).check();
    assert_eq!(status(&rows, "art50.request_handling"), Status::Partial);
}

#[test]
fn rights_words_outside_the_rights_scope_do_not_count() {
    let mut d = Doc::default();
    d.seg(
        &["存储"],
        &[],
        "保存期限届满后，我们将删除或匿名化处理您的个人信息。",
    );
    d.seg(&["Cookie"], &[COOKIE], "您可以删除Cookie。");
    let rows = d.check();
    assert_eq!(status(&rows, "art47.deletion"), Status::Missing);
    // A request phrased anywhere counts; a bare item under a rights heading too.
    d.seg(&["联系我们"], &[], "您可以向我们提出删除个人信息的请求。");
    d.seg(&["您的权利"], &[], "2、更正");
    let rows = d.check();
    assert_eq!(status(&rows, "art47.deletion"), Status::Present);
    assert_eq!(status(&rows, "art46.correction"), Status::Present);
    assert_eq!(status(&rows, "art45.access_copy"), Status::Missing);
}

#[test]
fn minors_need_the_under_14_rule_and_guardian_consent() {
    let mut d = Doc::default();
    let s = d.seg(
        &["未成年人保护"],
        &[MINORS],
        "未满18周岁的未成年人应在监护人同意后使用本服务。",
    );
    d.ent(s, "minor_age", "18");
    let rows = d.check();
    let m = row(&rows, "art31.minors");
    assert_eq!(m.status, Status::Partial, "{m:?}");
    assert!(m.reason.contains("18"), "{}", m.reason);
    // Not meant for under-14s is a statement about them.
    let mut d = Doc::default();
    let s = d.seg(
        &[],
        &[MINORS],
        "我们的产品不面向不满14周岁的儿童，我们不会主动收集儿童的个人信息。",
    );
    d.ent(s, "minor_age", "14");
    assert_eq!(status(&d.check(), "art31.minors"), Status::Present);
    // A definition of sensitive PI that mentions under-14s says nothing
    // about the service's rules for children.
    let mut d = Doc::default();
    let s = d.seg(
        &["定义"],
        &[],
        "敏感个人信息是指一旦泄露或者非法使用，容易导致人格尊严受到侵害的个人信息，以及不满十四周岁未成年人的个人信息。",
    );
    d.ent(s, "minor_age", "14");
    assert_eq!(status(&d.check(), "art31.minors"), Status::Missing);
}

#[test]
fn sensitive_data_needs_a_notice() {
    let mut d = Doc::default();
    let s = d.seg(
        &[],
        &[COLLECTION],
        "为完成实名认证，我们会收集您的身份证号码和人脸信息。",
    );
    d.data(s, "身份证号码", "identity");
    d.data(s, "人脸信息", "biometric");
    let rows = d.check();
    let r = row(&rows, "art30.sensitive_pi");
    assert_eq!(r.status, Status::Missing, "{r:?}");
    assert!(r.evidence.contains(&"data_type: 人脸信息".to_string()));
    d.seg(&[], &[COLLECTION], "以上信息属于敏感个人信息。");
    assert_eq!(status(&d.check(), "art30.sensitive_pi"), Status::Partial);
    d.seg(
        &[],
        &[COLLECTION],
        "我们会在收集上述敏感个人信息前征得您的单独同意。",
    );
    assert_eq!(status(&d.check(), "art30.sensitive_pi"), Status::Present);
    // Only non-sensitive data listed: nothing to notify.
    let mut d = Doc::default();
    let s = d.seg(&[], &[COLLECTION], "我们会收集您的昵称，用于展示。");
    d.data(s, "昵称", "account");
    assert_eq!(
        status(&d.check(), "art30.sensitive_pi"),
        Status::NotApplicable
    );
}

#[test]
fn sdk_list_applies_to_apps_only() {
    let mut d = Doc::default();
    d.seg(&[], &[], "本网站由示例公司运营。");
    assert_eq!(
        status(&d.check(), "app2019.sdk_list"),
        Status::NotApplicable
    );
    d.seg(&[], &[], "您在使用本App时，我们会收集设备信息。");
    assert_eq!(status(&d.check(), "app2019.sdk_list"), Status::Missing);
    d.seg(&[], &[SHARING], "我们的产品集成了第三方SDK。");
    assert_eq!(status(&d.check(), "app2019.sdk_list"), Status::Partial);
    d.seg(&[], &[SHARING], "友盟SDK用于统计分析。");
    assert_eq!(status(&d.check(), "app2019.sdk_list"), Status::Present);
}
