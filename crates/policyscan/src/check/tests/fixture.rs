//! The test fixture: a policy built segment by segment, its `policies`
//! row folded by the real [`summarize`], the invariants every checklist
//! keeps, and a complete policy that states every item.

pub(super) use super::super::view::{COLLECTION, COOKIE, CROSS_BORDER, MINORS, RIGHTS, SHARING};
use super::super::*;
use crate::extract::{Entity, Kind, summarize};
use crate::labels::N_LABELS;

pub(super) const ID: &str = "apps/0001";

/// A policy under construction: segments numbered in order of addition.
#[derive(Clone, Default)]
pub(super) struct Doc {
    segs: Vec<SegmentRow>,
    ents: Vec<EntityRow>,
}

impl Doc {
    /// Add a segment; returns its number.
    pub(super) fn seg(&mut self, heading: &[&str], labels: &[&str], text: &str) -> u32 {
        let n = self.segs.len() as u32;
        let start = self.segs.last().map_or(0, |s| s.char_end + 1);
        self.segs.push(SegmentRow {
            policy_id: ID.into(),
            segment: n,
            heading_path: heading.iter().map(|h| h.to_string()).collect(),
            text: text.into(),
            char_start: start,
            char_end: start + text.chars().count() as u32,
            labels: labels.iter().map(|l| l.to_string()).collect(),
            scores: [0.0; N_LABELS],
        });
        n
    }

    /// Add an entity to segment `seg`.
    pub(super) fn ent(&mut self, seg: u32, kind: &str, value: &str) -> &mut EntityRow {
        self.ents.push(EntityRow {
            policy_id: ID.into(),
            segment: seg,
            kind: kind.into(),
            text: value.into(),
            value: value.into(),
            category: None,
            char_start: 0,
            char_end: value.chars().count() as u32,
            days_min: None,
            days_max: None,
        });
        self.ents.last_mut().expect("just pushed")
    }

    pub(super) fn data(&mut self, seg: u32, value: &str, category: &str) {
        self.ent(seg, "data_type", value).category = Some(category.into());
    }

    pub(super) fn days(&mut self, seg: u32, kind: &str, days: i32) {
        let e = self.ent(seg, kind, &days.to_string());
        e.days_min = Some(days);
        e.days_max = Some(days);
    }

    /// The policy without segment `n` and its entities.
    pub(super) fn without_segment(&self, n: u32) -> Doc {
        Doc {
            segs: self
                .segs
                .iter()
                .filter(|s| s.segment != n)
                .cloned()
                .collect(),
            ents: self
                .ents
                .iter()
                .filter(|e| e.segment != n)
                .cloned()
                .collect(),
        }
    }

    /// The policy without entities of these kinds.
    pub(super) fn without_kinds(&self, kinds: &[&str]) -> Doc {
        Doc {
            segs: self.segs.clone(),
            ents: self
                .ents
                .iter()
                .filter(|e| !kinds.contains(&e.kind.as_str()))
                .cloned()
                .collect(),
        }
    }

    /// The `policies` row, its summary folded from the entities by the
    /// real [`summarize`].
    pub(super) fn policy(&self) -> PolicyRow {
        let ents: Vec<Entity> = self
            .ents
            .iter()
            .map(|e| Entity {
                kind: *Kind::ALL
                    .iter()
                    .find(|k| k.as_str() == e.kind)
                    .expect("known kind"),
                text: e.text.clone(),
                value: e.value.clone(),
                category: e.category.clone(),
                char_start: e.char_start,
                char_end: e.char_end,
                days_min: e.days_min,
                days_max: e.days_max,
            })
            .collect();
        let mut n_labels = [0u32; N_LABELS];
        for s in &self.segs {
            for l in &s.labels {
                n_labels[crate::labels::label_index(l).expect("known label")] += 1;
            }
        }
        PolicyRow {
            policy_id: ID.into(),
            path: format!("{ID}.txt"),
            sha256: "0".repeat(64),
            encoding: "utf-8".into(),
            chars: self.segs.last().map_or(0, |s| s.char_end),
            segments: self.segs.len() as u32,
            n_labels,
            summary: summarize(&ents),
            checklist_present: 0,
            checklist_applicable: 0,
        }
    }

    pub(super) fn check(&self) -> Vec<ChecklistRow> {
        let policy = self.policy();
        let rows = super::super::check(&PolicyFacts {
            policy: &policy,
            segments: &self.segs,
            entities: &self.ents,
        });
        assert_well_formed(&rows, self);
        rows
    }
}

/// What every checklist must be, whatever the policy.
fn assert_well_formed(rows: &[ChecklistRow], doc: &Doc) {
    assert_eq!(rows.len(), ITEMS.len());
    let numbers: Vec<u32> = doc.segs.iter().map(|s| s.segment).collect();
    for (row, item) in rows.iter().zip(ITEMS) {
        assert_eq!(row.item, item.id);
        assert_eq!(row.law, item.law);
        assert_eq!(row.policy_id, ID);
        assert!(!row.reason.trim().is_empty(), "{}: empty reason", row.item);
        assert!(row.reason.ends_with('.'), "{}: {}", row.item, row.reason);
        assert!(row.evidence_segments.len() <= MAX_EVIDENCE_SEGMENTS);
        assert!(row.evidence.len() <= MAX_EVIDENCE);
        assert!(
            row.evidence_segments.windows(2).all(|w| w[0] < w[1]),
            "{}: segments not sorted and unique: {:?}",
            row.item,
            row.evidence_segments
        );
        for n in &row.evidence_segments {
            assert!(
                numbers.contains(n),
                "{}: segment {n} not in policy",
                row.item
            );
        }
    }
}

pub(super) fn row<'a>(rows: &'a [ChecklistRow], id: &str) -> &'a ChecklistRow {
    rows.iter()
        .find(|r| r.item == id)
        .unwrap_or_else(|| panic!("no item {id}"))
}

pub(super) fn status(rows: &[ChecklistRow], id: &str) -> Status {
    row(rows, id).status
}

pub(super) const ROOT: &str = "隐私政策";

/// A policy that states every item. Returns it and the number of its
/// transfer-abroad segment.
pub(super) fn complete() -> (Doc, u32) {
    let mut d = Doc::default();
    let s = d.seg(&[ROOT], &[], "更新日期：2024年1月2日。");
    d.ent(s, "date", "2024-01-02");
    let s = d.seg(
        &[ROOT, "一、我们是谁"],
        &[],
        "本应用由杭州示例科技有限公司（以下简称“我们”）开发和运营。",
    );
    d.ent(s, "controller", "杭州示例科技有限公司");
    let collect = [ROOT, "二、我们如何收集和使用您的个人信息"];
    let s = d.seg(
        &collect,
        &[COLLECTION],
        "为了向您提供注册登录服务，我们会收集您的手机号码，用于创建账号。如您拒绝提供，将无法注册，但不影响您浏览内容。",
    );
    d.data(s, "手机号码", "contact");
    let s = d.seg(
        &collect,
        &[COLLECTION],
        "为向您推荐附近门店，我们会收集您的位置信息。位置信息属于敏感个人信息，我们仅在必要时处理，并会事先征得您的单独同意。",
    );
    d.data(s, "位置信息", "location");
    let s = d.seg(
        &collect,
        &[COLLECTION],
        "我们会根据您的浏览记录向您进行个性化推荐，您可以在“设置-隐私”中关闭个性化推荐。",
    );
    d.data(s, "浏览记录", "behaviour");
    d.seg(
        &[ROOT, "三、我们如何使用Cookie"],
        &[COOKIE],
        "我们使用Cookie记住您的登录状态，您可以通过浏览器设置清除或拒绝Cookie。",
    );
    let s = d.seg(
        &[ROOT, "四、我们如何共享您的个人信息"],
        &[SHARING],
        "本App接入了第三方SDK，第三方SDK目录如下：极光推送SDK，由深圳市和讯华谷信息技术有限公司提供，收集设备标识符，用于消息推送。",
    );
    d.ent(s, "controller", "深圳市和讯华谷信息技术有限公司");
    d.data(s, "设备标识符", "device");
    let store = [ROOT, "五、我们如何存储您的个人信息"];
    let s = d.seg(
        &store,
        &[CROSS_BORDER],
        "您的个人信息存储于中华人民共和国境内。",
    );
    d.ent(s, "storage_location", "china");
    let s = d.seg(&store, &[], "日志信息保存六个月，到期后删除或匿名化处理。");
    d.days(s, "retention", 180);
    let abroad = d.seg(
        &store,
        &[CROSS_BORDER],
        "为完成跨境订单，我们会将您的姓名、手机号码传输至位于新加坡的Example Pte. Ltd.（联系邮箱：dpo@example.sg），用于清关。传输前我们会征得您的单独同意。您可以通过本政策第六节所述方式向境外接收方行使您的权利。",
    );
    d.ent(abroad, "cross_border", "yes:新加坡");
    d.ent(abroad, "controller", "Example Pte. Ltd.");
    d.ent(abroad, "email", "dpo@example.sg");
    d.data(abroad, "姓名", "identity");
    d.data(abroad, "手机号码", "contact");
    let rights = [ROOT, "六、您的权利"];
    d.seg(
        &rights,
        &[RIGHTS],
        "您可以在“我的-设置”中查阅、复制、更正、补充、删除您的个人信息，也可以撤回您的授权同意。",
    );
    d.seg(
        &rights,
        &[RIGHTS],
        "您可以在“设置-账号与安全”中申请注销账号。",
    );
    let s = d.seg(&rights, &[RIGHTS], "我们将在十五个工作日内答复您的请求。");
    d.days(s, "response_time", 15);
    let s = d.seg(
        &[ROOT, "七、未成年人"],
        &[MINORS],
        "若您是不满十四周岁的儿童，须在监护人同意后使用本服务。",
    );
    d.ent(s, "minor_age", "14");
    d.seg(
        &[ROOT, "八、我们如何保护您的个人信息"],
        &[],
        "我们采用加密技术保护您的信息；发生个人信息安全事件时，我们将以推送通知的方式告知您。",
    );
    let s = d.seg(
        &[ROOT, "九、如何联系我们"],
        &[],
        "我们设立了个人信息保护负责人，邮箱：privacy@example.com，电话：400-820-1234，地址：浙江省杭州市西湖区示例路1号。您也可以向我们投诉或举报。",
    );
    d.ent(s, "email", "privacy@example.com");
    d.ent(s, "phone", "4008201234");
    d.ent(s, "address", "浙江省杭州市西湖区示例路1号");
    d.seg(
        &[ROOT, "十、本政策如何更新"],
        &[],
        "本政策更新时，我们会通过弹窗通知您。",
    );
    (d, abroad)
}
