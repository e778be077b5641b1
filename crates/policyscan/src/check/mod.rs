//! The PIPL checklist: does a policy tell people what the Personal
//! Information Protection Law (个人信息保护法, PIPL) says a privacy notice
//! must tell them? One row per item and policy — a status, the segments and
//! entity values that decided it, and a reason a person can check in a
//! minute.
//!
//! The items follow the PIPL articles on notice (Art. 17), individuals'
//! rights (Art. 44–50), provision to others and sensitive data (Art. 23,
//! 28–30), minors (Art. 31) and cross-border transfer (Art. 38–39), plus
//! the items regulators check apps against that the law states less
//! directly: 《App违法违规收集使用个人信息行为认定方法》 (2019, cited as
//! "App认定方法 (2019)") and GB/T 35273-2020 5.5 (the contents of a privacy
//! policy). The full list, with what counts for each status, is
//! `docs/checklist.md`; [`ITEMS`] is the same list in code.
//!
//! Why rules over the scan's rows ([`PolicyFacts`]) and not over raw text:
//! the classifier's labels say *where* a policy talks about a topic, the
//! extractors say *what* it states (a controller name, a retention of 180
//! days, a transfer to 新加坡), and a checklist item needs both. Reading
//! rows also means the checklist can be re-run on tables written earlier,
//! and tested without a model.
//!
//! Why every row carries evidence and a reason: the decisions rest on
//! automatic labels and extraction, so a reviewer must be able to see what
//! was read and overrule it. The checklist is a screening aid, not a legal
//! opinion.
//!
//! Statuses. `present`: the policy states the item. `partial`: it states
//! part of it, or contradicts itself. `missing`: nothing was found.
//! `not_applicable`: the policy's own words make the item moot — it stores
//! data in China and transfers nothing abroad, it lists its data and none is
//! sensitive, it describes no personalised recommendation, it describes no
//! app. Silence about an item itself never makes it not applicable.
//!
//! Files, one job each:
//! - `view` — what rules read of a policy (scopes, entity lookups,
//!   evidence text), computed once per policy;
//! - `notice` — Art. 16–17 notice items and the GB/T 35273 items beside
//!   them (security, PI officer, changes, cookies);
//! - `rights` — Art. 15, 44–50: individual rights and how requests are
//!   handled, complaints;
//! - `sharing` — Art. 23–24, 28–31: recipients, SDKs, sensitive data,
//!   personalisation, minors;
//! - `cross_border` — Art. 38–39: storage location and transfer abroad.
//!
//! Each rule's keyword lists are named consts at the top of its file.

mod cross_border;
mod notice;
mod rights;
mod sharing;
mod view;

#[cfg(test)]
mod tests;

use crate::table::{EntityRow, PolicyRow, SegmentRow};
use view::View;

/// What the checklist reads of one policy: its rows in the scan's tables.
pub struct PolicyFacts<'a> {
    pub policy: &'a PolicyRow,
    /// This policy's rows, in segment order.
    pub segments: &'a [SegmentRow],
    /// This policy's rows.
    pub entities: &'a [EntityRow],
}

/// How far a policy meets one item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Status {
    /// The policy states the item.
    Present,
    /// It states part of the item, or contradicts itself about it.
    Partial,
    /// Nothing in the policy states the item.
    Missing,
    /// The policy's own statements make the item moot.
    NotApplicable,
}

impl Status {
    /// Every status, in the order reports list them.
    pub const ALL: [Status; 4] = [
        Status::Present,
        Status::Partial,
        Status::Missing,
        Status::NotApplicable,
    ];

    /// The `status` column value.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Present => "present",
            Status::Partial => "partial",
            Status::Missing => "missing",
            Status::NotApplicable => "not_applicable",
        }
    }
}

/// One row of the `checklist` table.
#[derive(Debug, Clone, PartialEq)]
pub struct ChecklistRow {
    pub policy_id: String,
    /// Stable id, e.g. `art17.controller_contact`.
    pub item: String,
    /// Legal sources, e.g. `PIPL Art. 17(1); GB/T 35273-2020 5.5`.
    pub law: String,
    pub status: Status,
    /// Segment numbers that support the status (sorted, deduplicated, at
    /// most [`MAX_EVIDENCE_SEGMENTS`]).
    pub evidence_segments: Vec<u32>,
    /// Entity values and short facts (`email: privacy@x.com`,
    /// `retention: 180 days`, `phrase: 单独同意`), at most [`MAX_EVIDENCE`].
    pub evidence: Vec<String>,
    /// One English sentence saying why.
    pub reason: String,
}

/// One checklist item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Item {
    /// Stable id: `<source>.<topic>`; never reused for another meaning.
    pub id: &'static str,
    /// Legal sources, several joined with `; `. `PIPL Art. 17(n)` is item
    /// (n) of the article's first paragraph.
    pub law: &'static str,
    /// A short English title.
    pub title: &'static str,
    /// The same title in Chinese, in the law's own words where it has them
    /// (the report shows it first: its readers read Chinese policies).
    pub title_zh: &'static str,
}

/// `n` and a noun, singular for one (`1 segment`, `3 segments`).
pub(crate) fn counted(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

/// Most segment numbers kept as evidence for one row.
pub const MAX_EVIDENCE_SEGMENTS: usize = 10;
/// Most evidence strings kept for one row.
pub const MAX_EVIDENCE: usize = 10;

/// The checklist items, in report order. Ids are stable: a new item gets a
/// new id, a removed one's id is not reused.
pub static ITEMS: &[Item] = &[
    Item {
        id: "art17.controller_contact",
        law: "PIPL Art. 17(1); GB/T 35273-2020 5.5",
        title: "Who the processor is and how to contact it",
        title_zh: "个人信息处理者的名称和联系方式",
    },
    Item {
        id: "art17.purposes",
        law: "PIPL Art. 17(2); App认定方法 (2019) 2(1); GB/T 35273-2020 5.5",
        title: "Purposes of processing",
        title_zh: "处理目的",
    },
    Item {
        id: "art17.data_kinds",
        law: "PIPL Art. 17(2); App认定方法 (2019) 2(1); GB/T 35273-2020 5.5",
        title: "Kinds of personal information processed",
        title_zh: "处理的个人信息种类",
    },
    Item {
        id: "art17.retention",
        law: "PIPL Art. 17(2); PIPL Art. 19; GB/T 35273-2020 5.5, 6.1",
        title: "Retention period",
        title_zh: "保存期限",
    },
    Item {
        id: "art17.rights_exercise",
        law: "PIPL Art. 17(3); GB/T 35273-2020 5.5",
        title: "How to exercise one's rights",
        title_zh: "个人行使权利的方式和程序",
    },
    Item {
        id: "art16.refusal_consequence",
        law: "PIPL Art. 16; GB/T 35273-2020 5.5",
        title: "What happens if one refuses to provide data",
        title_zh: "拒绝提供个人信息的后果",
    },
    Item {
        id: "art45.access_copy",
        law: "PIPL Art. 45; GB/T 35273-2020 8.1, 8.6",
        title: "Right to access and copy",
        title_zh: "查阅、复制权",
    },
    Item {
        id: "art46.correction",
        law: "PIPL Art. 46; GB/T 35273-2020 8.2",
        title: "Right to correction and completion",
        title_zh: "更正、补充权",
    },
    Item {
        id: "art47.deletion",
        law: "PIPL Art. 47; GB/T 35273-2020 8.3",
        title: "Right to deletion",
        title_zh: "删除权",
    },
    Item {
        id: "art15.withdraw_consent",
        law: "PIPL Art. 15; GB/T 35273-2020 8.4",
        title: "Withdrawal of consent",
        title_zh: "撤回同意",
    },
    Item {
        id: "art47.account_deletion",
        law: "PIPL Art. 47; App认定方法 (2019) 6(1); GB/T 35273-2020 8.5",
        title: "Account deletion",
        title_zh: "注销账号",
    },
    Item {
        id: "art50.request_handling",
        law: "PIPL Art. 50; App认定方法 (2019) 6(3); GB/T 35273-2020 ch. 8",
        title: "Request channel and reply deadline",
        title_zh: "申请受理渠道和答复期限",
    },
    Item {
        id: "app2019.complaint_channel",
        law: "App认定方法 (2019) 6(5); GB/T 35273-2020 5.5",
        title: "Complaint and report channel",
        title_zh: "投诉、举报渠道",
    },
    Item {
        id: "art23.sharing_recipients",
        law: "PIPL Art. 23; App认定方法 (2019) 5; GB/T 35273-2020 5.5",
        title: "Third parties that receive personal information",
        title_zh: "接收个人信息的第三方",
    },
    Item {
        id: "app2019.sdk_list",
        law: "PIPL Art. 23; App认定方法 (2019) 2(1); GB/T 35273-2020 9.7",
        title: "Embedded third-party SDKs",
        title_zh: "嵌入的第三方SDK",
    },
    Item {
        id: "art30.sensitive_pi",
        law: "PIPL Art. 28-30; App认定方法 (2019) 2(3); GB/T 35273-2020 5.4",
        title: "Sensitive personal information: necessity and separate consent",
        title_zh: "敏感个人信息的必要性和单独同意",
    },
    Item {
        id: "art24.personalisation_opt_out",
        law: "PIPL Art. 24; GB/T 35273-2020 7.5",
        title: "Opting out of personalised recommendation",
        title_zh: "拒绝个性化推荐",
    },
    Item {
        id: "art31.minors",
        law: "PIPL Art. 31; PIPL Art. 28; 儿童个人信息网络保护规定 Art. 9",
        title: "Children under 14 and guardian consent",
        title_zh: "不满十四周岁未成年人及监护人同意",
    },
    Item {
        id: "art38.storage_location",
        law: "PIPL Art. 38-40; GB/T 35273-2020 5.5",
        title: "Where personal information is stored, whether it leaves China",
        title_zh: "个人信息的存储地点及是否出境",
    },
    Item {
        id: "art39.foreign_recipient",
        law: "PIPL Art. 39",
        title: "Foreign recipient's name and contact",
        title_zh: "境外接收方的名称和联系方式",
    },
    Item {
        id: "art39.transfer_details",
        law: "PIPL Art. 39",
        title: "Purpose and kinds of data transferred abroad",
        title_zh: "出境目的及个人信息种类",
    },
    Item {
        id: "art39.rights_abroad",
        law: "PIPL Art. 39",
        title: "Exercising rights against the foreign recipient",
        title_zh: "向境外接收方行使权利的方式",
    },
    Item {
        id: "art39.separate_consent",
        law: "PIPL Art. 39",
        title: "Separate consent to transfer abroad",
        title_zh: "出境单独同意",
    },
    Item {
        id: "art51.security",
        law: "PIPL Art. 51; PIPL Art. 57; GB/T 35273-2020 5.5, ch. 10",
        title: "Security measures and incident notification",
        title_zh: "安全措施及安全事件告知",
    },
    Item {
        id: "art52.pi_officer",
        law: "PIPL Art. 52; GB/T 35273-2020 11.1",
        title: "Personal-information protection officer",
        title_zh: "个人信息保护负责人",
    },
    Item {
        id: "art17.changes",
        law: "PIPL Art. 14; PIPL Art. 17 para. 2; App认定方法 (2019) 2(2)",
        title: "Update date and notice of changes",
        title_zh: "更新日期及变更告知",
    },
    Item {
        id: "cookie.disclosure",
        law: "PIPL Art. 17(2); GB/T 35273-2020 5.5",
        title: "Cookies and similar technologies",
        title_zh: "Cookie及同类技术",
    },
];

/// What a rule decides; [`check`] turns it into a row.
struct Outcome {
    status: Status,
    segments: Vec<u32>,
    evidence: Vec<String>,
    reason: String,
}

impl Outcome {
    fn new(status: Status, reason: impl Into<String>) -> Self {
        Self {
            status,
            segments: Vec::new(),
            evidence: Vec::new(),
            reason: reason.into(),
        }
    }

    /// Add supporting segment numbers.
    fn segments(mut self, numbers: impl IntoIterator<Item = u32>) -> Self {
        self.segments.extend(numbers);
        self
    }

    /// Add evidence strings.
    fn evidence(mut self, facts: impl IntoIterator<Item = String>) -> Self {
        self.evidence.extend(facts);
        self
    }

    fn into_row(mut self, policy_id: &str, item: &Item) -> ChecklistRow {
        self.segments.sort_unstable();
        self.segments.dedup();
        self.segments.truncate(MAX_EVIDENCE_SEGMENTS);
        let mut evidence: Vec<String> = Vec::new();
        for e in self.evidence {
            if !evidence.contains(&e) {
                evidence.push(e);
            }
        }
        evidence.truncate(MAX_EVIDENCE);
        ChecklistRow {
            policy_id: policy_id.to_string(),
            item: item.id.to_string(),
            law: item.law.to_string(),
            status: self.status,
            evidence_segments: self.segments,
            evidence,
            reason: self.reason,
        }
    }
}

type Rule = fn(&View) -> Outcome;

/// The rule of each item, in [`ITEMS`] order (a test checks the ids match).
const RULES: &[(&str, Rule)] = &[
    ("art17.controller_contact", notice::controller_contact),
    ("art17.purposes", notice::purposes),
    ("art17.data_kinds", notice::data_kinds),
    ("art17.retention", notice::retention),
    ("art17.rights_exercise", rights::rights_exercise),
    ("art16.refusal_consequence", notice::refusal_consequence),
    ("art45.access_copy", rights::access_copy),
    ("art46.correction", rights::correction),
    ("art47.deletion", rights::deletion),
    ("art15.withdraw_consent", rights::withdraw_consent),
    ("art47.account_deletion", rights::account_deletion),
    ("art50.request_handling", rights::request_handling),
    ("app2019.complaint_channel", rights::complaint_channel),
    ("art23.sharing_recipients", sharing::sharing_recipients),
    ("app2019.sdk_list", sharing::sdk_list),
    ("art30.sensitive_pi", sharing::sensitive_pi),
    (
        "art24.personalisation_opt_out",
        sharing::personalisation_opt_out,
    ),
    ("art31.minors", sharing::minors),
    ("art38.storage_location", cross_border::storage_location),
    ("art39.foreign_recipient", cross_border::foreign_recipient),
    ("art39.transfer_details", cross_border::transfer_details),
    ("art39.rights_abroad", cross_border::rights_abroad),
    ("art39.separate_consent", cross_border::separate_consent),
    ("art51.security", notice::security),
    ("art52.pi_officer", notice::pi_officer),
    ("art17.changes", notice::changes),
    ("cookie.disclosure", notice::cookies),
];

/// Check one policy: one row per item, in [`ITEMS`] order.
pub fn check(facts: &PolicyFacts) -> Vec<ChecklistRow> {
    let view = View::new(facts);
    ITEMS
        .iter()
        .zip(RULES)
        .map(|(item, (id, rule))| {
            debug_assert_eq!(item.id, *id, "RULES out of step with ITEMS");
            rule(&view).into_row(&facts.policy.policy_id, item)
        })
        .collect()
}

/// `(present, applicable)` for the `policies` table's `checklist_present`
/// and `checklist_applicable` columns: applicable rows are those not
/// [`Status::NotApplicable`].
pub fn counts(rows: &[ChecklistRow]) -> (u32, u32) {
    let present = rows.iter().filter(|r| r.status == Status::Present).count();
    let applicable = rows
        .iter()
        .filter(|r| r.status != Status::NotApplicable)
        .count();
    (present as u32, applicable as u32)
}
