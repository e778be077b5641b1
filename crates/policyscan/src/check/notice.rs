//! The notice items of PIPL Art. 16–17 — who the processor is, why and
//! what it collects, how long it keeps data, what refusing costs — and the
//! GB/T 35273-2020 5.5 items that sit beside them in every policy template:
//! security measures, the PI protection officer (Art. 52), changes to the
//! policy, cookies.
//!
//! Most of these rest on the extractors (controller, contacts, data types,
//! retention, dates) and the `collection` / `cookie` labels; the keyword
//! lists below only decide whether a labelled segment states the thing
//! (a purpose, a refusal consequence, a way to manage cookies).

use std::sync::LazyLock;

use regex::Regex;

use super::view::{
    COLLECTION, CONTACT_KINDS, COOKIE, View, cite, days, describe_all, re, two_parts, union, words,
};
use super::{Outcome, Status};

/// Words that state why data is collected (处理目的), looked for in
/// collection segments: `为了向您提供…`, `用于身份验证`, `以便…`.
pub(super) const PURPOSE_WORDS: &[&str] = &[
    "用于",
    "为了",
    "目的",
    "以便",
    "为您提供",
    "为向您提供",
    "为实现",
    "为保障",
    "为确保",
    "为满足",
    "以实现",
    "以保障",
    "以确保",
    "便于",
];
/// A refusal and its consequence in one clause (Art. 16): `如您拒绝提供，
/// 将无法使用该功能，但不影响您使用其他功能`.
const REFUSAL: &str = r"(?:拒绝|不同意|不提供|未提供|不愿|不授权|不允许|关闭)[^。；;]{0,40}?(?:无法|不能|不影响|不会影响)";
/// The policy itself changing (`本政策更新时`, `我们可能会修订本隐私政策`).
const POLICY_CHANGE: &str = r"(?:本|隐私|个人信息保护)(?:政策|指引|声明|协议|条款|规则)[^。；;]{0,40}?(?:变更|更新|修改|修订|调整)|(?:变更|更新|修改|修订|调整)[^。；;]{0,12}?(?:本|隐私)(?:政策|指引|声明|规则)";
/// A section about changes to the policy (`六、本隐私政策如何更新`): its
/// segments say how people are told even when they do not repeat the words
/// of a change (`我们会通过弹窗提醒您相关内容的更新`).
const CHANGE_HEADINGS: &str = r"(?:政策|指引|声明|规则)[^/]{0,6}?(?:变更|更新|修改|修订|调整)|(?:变更|更新|修订)[^/]{0,4}?(?:政策|指引|声明|规则)";
/// How users learn of a change (`通过弹窗通知您`, `在官网公告`).
const CHANGE_NOTICE_WORDS: &[&str] = &[
    "通知", "告知", "提示", "提醒", "公告", "公示", "弹窗", "弹框", "推送", "发送", "征得", "同意",
];
/// Cookies and their kin.
const COOKIE_WORDS: &[&str] = &[
    "cookie",
    "同类技术",
    "网络信标",
    "web beacon",
    "像素标签",
    "pixel tag",
    "本地存储",
];
/// How users manage cookies (`通过浏览器设置清除或拒绝Cookie`).
const COOKIE_MANAGE: &str =
    r"清除|删除|拒绝|禁用|管理|关闭|停用|浏览器[^。；;]{0,8}设置|设置[^。；;]{0,8}浏览器";
/// A statement that no cookies are used — a disclosure in itself.
const NO_COOKIE: &str = r"(?i)不(?:会)?(?:使用|采用|设置)(?:任何)?\s*(?:cookie|同类技术)";
/// Technical and organisational measures (Art. 51).
const SECURITY_WORDS: &[&str] = &[
    "加密",
    "去标识化",
    "访问控制",
    "权限管理",
    "安全措施",
    "保护措施",
    "安全防护",
    "安全技术",
    "防火墙",
    "SSL",
    "HTTPS",
    "TLS",
    "等级保护",
    "安全认证",
];
/// Telling people about a security incident (Art. 57).
const INCIDENT: &str =
    r"安全事件[^。]{0,80}?(?:告知|通知|推送|公告|上报|报告)|(?:告知|通知)[^。]{0,30}?安全事件";
/// A named person or unit in charge of PI protection (Art. 52).
const OFFICER: &str = r"(?:^|[^A-Za-z])DPO(?:[^A-Za-z]|$)|个人信息保护负责人|个人信息保护专员|个人信息保护官|数据保护官|隐私保护负责人|隐私官|个人信息保护(?:专职)?(?:部门|机构|团队|工作组|小组)";
/// How many segments after the officer's may hold its contact (the
/// officer line is often followed by `邮箱：…` on its own line).
const OFFICER_CONTACT_WINDOW: usize = 3;

static PURPOSE: LazyLock<Regex> = LazyLock::new(|| words(PURPOSE_WORDS));
static REFUSE: LazyLock<Regex> = LazyLock::new(|| re(REFUSAL));
static CHANGE: LazyLock<Regex> = LazyLock::new(|| re(POLICY_CHANGE));
static CHANGE_HEADING: LazyLock<Regex> = LazyLock::new(|| re(CHANGE_HEADINGS));
static CHANGE_NOTICE: LazyLock<Regex> = LazyLock::new(|| words(CHANGE_NOTICE_WORDS));
static COOKIES: LazyLock<Regex> = LazyLock::new(|| words(COOKIE_WORDS));
static MANAGE: LazyLock<Regex> = LazyLock::new(|| re(COOKIE_MANAGE));
static NONE: LazyLock<Regex> = LazyLock::new(|| re(NO_COOKIE));
static SECURITY: LazyLock<Regex> = LazyLock::new(|| words(SECURITY_WORDS));
static INCIDENTS: LazyLock<Regex> = LazyLock::new(|| re(INCIDENT));
static OFFICERS: LazyLock<Regex> = LazyLock::new(|| re(OFFICER));

/// The purpose pattern, shared with the cross-border rules.
pub(super) fn purpose() -> &'static Regex {
    &PURPOSE
}

/// Art. 17(1): the operator's name and a phone, email or postal address.
pub(super) fn controller_contact(v: &View) -> Outcome {
    let names = &v.own_controllers;
    let named: Vec<_> = v
        .entities(&["controller"])
        .into_iter()
        .filter(|e| names.contains(&e.value))
        .collect();
    let contacts = v.own_contacts();
    let mut kinds: Vec<&str> = contacts.iter().map(|e| e.kind.as_str()).collect();
    kinds.sort_unstable();
    kinds.dedup();
    let segs = union(&v.segments_of(&named), &v.segments_of(&contacts));
    let evidence = names
        .iter()
        .take(3)
        .map(|n| format!("controller: {n}"))
        .chain(describe_all(&contacts, 6));
    let name_list = names.iter().take(2).cloned().collect::<Vec<_>>().join("、");
    let (status, reason) = two_parts(
        !names.is_empty(),
        !contacts.is_empty(),
        [
            format!(
                "Names the operator ({name_list}) and gives a way to reach it ({}).",
                kinds.join(", ")
            ),
            format!(
                "Names the operator ({name_list}) but no phone, email or postal address was found."
            ),
            format!(
                "Gives contact details ({}) but no operator name (a legal name such as …有限公司) was found.",
                kinds.join(", ")
            ),
            "Neither the operator's name nor a phone, email or postal address was found."
                .to_string(),
        ],
    );
    Outcome::new(status, reason)
        .segments(v.numbers(&segs))
        .evidence(evidence)
}

/// Art. 17(2): collection segments that say what the data is for.
pub(super) fn purposes(v: &View) -> Outcome {
    let collection = v.labelled(COLLECTION);
    let stated = v.matching(&collection, &PURPOSE);
    if !stated.is_empty() {
        let nums = v.numbers(&stated);
        return Outcome::new(
            Status::Present,
            format!(
                "{} of {} collection segments state a purpose (用于/为了/目的), e.g. {}.",
                stated.len(),
                collection.len(),
                cite(&nums)
            ),
        )
        .segments(nums)
        .evidence(v.phrases(&stated, &PURPOSE, 5));
    }
    if !collection.is_empty() {
        let nums = v.numbers(&collection);
        return Outcome::new(
            Status::Partial,
            format!(
                "{} describe collection but none states what the data is for (用于/为了/目的).",
                super::counted(collection.len(), "segment", "segments")
            ),
        )
        .segments(nums);
    }
    Outcome::new(
        Status::Missing,
        "No segment describes what personal information is collected and why.",
    )
}

/// Art. 17(2): concrete kinds of data named where collection is described.
pub(super) fn data_kinds(v: &View) -> Outcome {
    let collection = v.labelled(COLLECTION);
    let named = v.concrete_data(&collection);
    if !named.is_empty() {
        let types = distinct_values(&named);
        return Outcome::new(
            Status::Present,
            format!(
                "Collection segments name {} of personal information (e.g. {}).",
                super::counted(types.len(), "kind", "kinds"),
                types.iter().take(3).cloned().collect::<Vec<_>>().join("、")
            ),
        )
        .segments(v.numbers(&v.segments_of(&named)))
        .evidence(describe_all(&named, 8));
    }
    let elsewhere = v.concrete_data(&v.all());
    if !elsewhere.is_empty() {
        return Outcome::new(
            Status::Partial,
            "Kinds of personal information are named, but not in segments describing collection.",
        )
        .segments(v.numbers(&v.segments_of(&elsewhere)))
        .evidence(describe_all(&elsewhere, 8));
    }
    if !collection.is_empty() {
        return Outcome::new(
            Status::Partial,
            "Collection is described only as “个人信息” in general; no concrete kind of data is named.",
        )
        .segments(v.numbers(&collection));
    }
    Outcome::new(Status::Missing, "No kind of personal information is named.")
}

/// Art. 17(2), Art. 19: a retention period. A number of days is present;
/// only "as long as necessary" (所必需的最短时间) is partial: it restates
/// Art. 19 rather than telling people a period they can check.
pub(super) fn retention(v: &View) -> Outcome {
    let all = v.entities(&["retention"]);
    let numeric: Vec<_> = all.iter().copied().filter(|e| days(e).is_some()).collect();
    if !numeric.is_empty() {
        return Outcome::new(
            Status::Present,
            format!(
                "States a retention period in days ({}).",
                describe_all(&numeric, 1)
                    .first()
                    .map(String::as_str)
                    .unwrap_or_default()
            ),
        )
        .segments(v.numbers(&v.segments_of(&numeric)))
        .evidence(describe_all(&numeric, 6));
    }
    if !all.is_empty() {
        return Outcome::new(
            Status::Partial,
            "Retention is stated only qualitatively (e.g. 实现目的所必需的最短时间 / 法律法规规定的期限), with no period.",
        )
        .segments(v.numbers(&v.segments_of(&all)))
        .evidence(describe_all(&all, 3));
    }
    Outcome::new(Status::Missing, "No retention period was found.")
}

/// Art. 16: what happens when one refuses to provide data.
pub(super) fn refusal_consequence(v: &View) -> Outcome {
    let segs = v.matching(&v.all(), &REFUSE);
    if segs.is_empty() {
        return Outcome::new(
            Status::Missing,
            "Does not say what happens if one refuses to provide data (e.g. 拒绝提供将无法使用该功能，但不影响其他功能).",
        );
    }
    let nums = v.numbers(&segs);
    Outcome::new(
        Status::Present,
        format!(
            "States the consequence of refusing to provide data ({}).",
            cite(&nums)
        ),
    )
    .segments(nums)
    .evidence(v.phrases(&segs, &REFUSE, 3))
}

/// Art. 51, 57: security measures and telling people about incidents.
pub(super) fn security(v: &View) -> Outcome {
    let all = v.all();
    let measures = v.matching(&all, &SECURITY);
    let incidents = v.matching(&all, &INCIDENTS);
    let segs = union(&measures, &incidents);
    let evidence = v
        .phrases(&measures, &SECURITY, 4)
        .into_iter()
        .chain(v.phrases(&incidents, &INCIDENTS, 2));
    let (status, reason) = two_parts(
        !measures.is_empty(),
        !incidents.is_empty(),
        [
            "Describes security measures and how people are told of a security incident (安全事件).",
            "Describes security measures but not how people are told of a security incident (安全事件).",
            "Says people will be told of a security incident but describes no security measures.",
            "Describes neither security measures nor incident notification.",
        ],
    );
    Outcome::new(status, reason)
        .segments(v.numbers(&segs))
        .evidence(evidence)
}

/// Art. 52: a PI protection officer (or unit) and how to reach it.
/// Required above a volume set by the CAC, which a policy does not show:
/// `missing` here means "not named", to be read with the service's size.
pub(super) fn pi_officer(v: &View) -> Outcome {
    let officer = v.matching(&v.all(), &OFFICERS);
    if officer.is_empty() {
        return Outcome::new(
            Status::Missing,
            "Names no personal-information protection officer or unit (个人信息保护负责人); required once a processor reaches the CAC's volume threshold.",
        );
    }
    let n = v.facts.segments.len();
    let mut near: Vec<usize> = officer
        .iter()
        .flat_map(|&i| i..(i + 1 + OFFICER_CONTACT_WINDOW).min(n))
        .collect();
    near.sort_unstable();
    near.dedup();
    let contacts = v.entities_in(CONTACT_KINDS, &near);
    let nums = v.numbers(&officer);
    let evidence = v
        .phrases(&officer, &OFFICERS, 2)
        .into_iter()
        .chain(describe_all(&contacts, 3));
    if contacts.is_empty() {
        return Outcome::new(
            Status::Partial,
            format!(
                "Mentions a personal-information protection officer or unit ({}) but gives no contact for it.",
                cite(&nums)
            ),
        )
        .segments(nums)
        .evidence(evidence);
    }
    let segs = union(&officer, &v.segments_of(&contacts));
    Outcome::new(
        Status::Present,
        format!(
            "Names a personal-information protection officer or unit with a contact ({}).",
            cite(&nums)
        ),
    )
    .segments(v.numbers(&segs))
    .evidence(evidence)
}

/// Art. 17 para. 2: an update date, and how people are told of changes.
pub(super) fn changes(v: &View) -> Outcome {
    let dates = v.entities(&["date"]);
    let updated = v.facts.policy.summary.updated.clone();
    let has_date = updated.is_some() || !dates.is_empty();
    let change = union(&v.matching(&v.all(), &CHANGE), &v.under(&CHANGE_HEADING));
    let notice = v.matching(&change, &CHANGE_NOTICE);
    let segs = union(&v.segments_of(&dates), &notice);
    let evidence = updated
        .iter()
        .map(|d| format!("updated: {d}"))
        .chain(v.phrases(&notice, &CHANGE, 2))
        .collect::<Vec<_>>();
    let date = updated.unwrap_or_default();
    let (status, reason) = match (has_date, notice.is_empty()) {
        (true, false) => (
            Status::Present,
            format!("Dated ({date}) and says how people are told of changes to the policy."),
        ),
        (true, true) => (
            Status::Partial,
            format!(
                "Dated ({date}) but does not say how people are told of changes to the policy."
            ),
        ),
        (false, false) => (
            Status::Partial,
            "Says how people are told of changes but gives no update or effective date."
                .to_string(),
        ),
        (false, true) => (
            Status::Missing,
            "Neither an update date nor a way of notifying changes was found.".to_string(),
        ),
    };
    Outcome::new(status, reason)
        .segments(v.numbers(&segs))
        .evidence(evidence)
}

/// Cookies: what they are used for and how to refuse or clear them.
pub(super) fn cookies(v: &View) -> Outcome {
    let all = v.all();
    let none = v.matching(&all, &NONE);
    if !none.is_empty() {
        let nums = v.numbers(&none);
        return Outcome::new(
            Status::Present,
            format!("States that no cookies are used ({}).", cite(&nums)),
        )
        .segments(nums)
        .evidence(v.phrases(&none, &NONE, 1));
    }
    let about = union(&v.labelled(COOKIE), &v.matching(&all, &COOKIES));
    if about.is_empty() {
        return Outcome::new(
            Status::Missing,
            "Says nothing about cookies or similar technologies (Cookie/同类技术).",
        );
    }
    let managed = v.matching(&about, &MANAGE);
    if managed.is_empty() {
        return Outcome::new(
            Status::Partial,
            "Mentions cookies but not how to refuse or clear them.",
        )
        .segments(v.numbers(&about));
    }
    let nums = v.numbers(&managed);
    Outcome::new(
        Status::Present,
        format!(
            "Describes cookies and how to refuse or clear them ({}).",
            cite(&nums)
        ),
    )
    .segments(nums)
    .evidence(v.phrases(&managed, &MANAGE, 3))
}

/// Distinct entity values, in order.
fn distinct_values(ents: &[&crate::table::EntityRow]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for e in ents {
        let value = if e.kind == "data_mention" {
            e.text.clone()
        } else {
            e.value.clone()
        };
        if !out.contains(&value) {
            out.push(value);
        }
    }
    out
}
