//! Individuals' rights (PIPL Art. 15, 44–47) and how requests are handled
//! (Art. 50; App认定方法 (2019) 6): access and copy, correction, deletion,
//! withdrawal of consent, account deletion, a request channel with a reply
//! deadline, a complaint channel.
//!
//! A right's words (`删除`, `更正`) are everywhere in a policy — retention
//! sections delete data, cookie sections correct settings — so they count
//! only inside the rights scope (segments labelled `rights` or under a
//! rights heading, see [`super::view`]). Outside it a right counts only when
//! phrased as something the user may ask for (`您有权查阅`, `删除个人信息的
//! 请求`), which also catches rights sections the classifier missed.

use std::sync::LazyLock;

use regex::Regex;

use super::view::{
    CONTACT_KINDS, COOKIE, View, cite, days, describe_all, minus, re, two_parts, union, words,
};
use super::{Outcome, Status};

/// How a right is exercised: a setting, a page, a request, a contact.
const METHOD_WORDS: &[&str] = &[
    "设置",
    "联系我们",
    "与我们联系",
    "客服",
    "申请",
    "提交",
    "路径",
    "点击",
    "进入",
    "入口",
    "页面",
    "反馈",
    "发送邮件",
    "电子邮件",
    "邮箱",
    "拨打",
    "致电",
    "操作",
];
/// Art. 45: access (查阅). `查询` and `访问` are the GB/T 35273 wording.
const ACCESS_WORDS: &[&str] = &["查阅", "查询", "访问", "查看"];
/// Art. 45: a copy (复制; GB/T 35273: 获取个人信息副本; also 导出).
const COPY_WORDS: &[&str] = &["复制", "副本", "导出"];
/// Art. 46: correction and completion.
const CORRECT_WORDS: &[&str] = &["更正", "补充", "修改", "修正", "纠正"];
/// Art. 47: deletion.
const DELETE_WORDS: &[&str] = &["删除"];
/// A right phrased as something the user may ask for; `{w}` stands for the
/// right's words.
const ASKED_FOR: &str = r"您(?:有权|可以|可|也可以)[^。；;]{0,8}?(?:{w})|(?:请求|要求|申请)[^。；;]{0,6}?(?:{w})|(?:{w})[^。；;]{0,12}?(?:请求|申请|的权利)";
/// Art. 15: withdrawing consent (`撤回您的授权同意`, `收回您的授权同意`,
/// `改变您授权同意的范围`).
const WITHDRAW: &str = r"(?:撤回|收回|撤销)[^。；;]{0,12}?(?:同意|授权|许可)|(?:同意|授权)[^。；;]{0,6}?(?:撤回|收回)|改变[^。；;]{0,8}?(?:授权|同意)[^。；;]{0,6}?范围|取消[^。；;]{0,6}?授权";
/// Switching off a device permission: part of withdrawal, not all of it.
const PERMISSION_OFF: &str = r"关闭[^。；;]{0,12}?(?:权限|授权)";
/// Account deletion (注销账号).
const ACCOUNT_DELETION: &str = r"注销[^。；;，,]{0,12}?(?:账号|帐号|账户|帐户|用户|会员|ID)|(?:账号|帐号|账户|帐户)[^。；;]{0,4}?注销";
/// A channel for requests named in the rights scope.
const CHANNEL_WORDS: &[&str] = &[
    "客服",
    "联系我们",
    "与我们联系",
    "反馈",
    "热线",
    "邮箱",
    "邮件",
    "来信",
    "致电",
];
/// Longest reply deadline the App认定方法 (2019) 6(3) accepts: 15 working
/// days. The extractor counts working days as days.
pub(super) const MAX_REPLY_DAYS: i32 = 15;
/// Complaints and reports (App认定方法 (2019) 6(5)).
const COMPLAINT_WORDS: &[&str] = &["投诉", "举报", "申诉"];

static METHOD: LazyLock<Regex> = LazyLock::new(|| words(METHOD_WORDS));
static ACCESS: LazyLock<Right> = LazyLock::new(|| Right::new(ACCESS_WORDS));
static COPY: LazyLock<Right> = LazyLock::new(|| Right::new(COPY_WORDS));
static CORRECT: LazyLock<Right> = LazyLock::new(|| Right::new(CORRECT_WORDS));
static DELETE: LazyLock<Right> = LazyLock::new(|| Right::new(DELETE_WORDS));
static WITHDRAWAL: LazyLock<Regex> = LazyLock::new(|| re(WITHDRAW));
static PERMISSION: LazyLock<Regex> = LazyLock::new(|| re(PERMISSION_OFF));
static ACCOUNT: LazyLock<Regex> = LazyLock::new(|| re(ACCOUNT_DELETION));
static CHANNEL: LazyLock<Regex> = LazyLock::new(|| words(CHANNEL_WORDS));
static COMPLAINT: LazyLock<Regex> = LazyLock::new(|| words(COMPLAINT_WORDS));

/// One right's patterns: its bare words (read in the rights scope) and the
/// same words asked for (read everywhere but cookie segments).
struct Right {
    bare: Regex,
    asked: Regex,
}

impl Right {
    fn new(list: &[&str]) -> Self {
        let alternation: Vec<String> = list.iter().map(|w| regex::escape(w)).collect();
        Self {
            bare: words(list),
            asked: re(&ASKED_FOR.replace("{w}", &alternation.join("|"))),
        }
    }

    /// Segments stating the right.
    fn find(&self, v: &View) -> Vec<usize> {
        let elsewhere = minus(&v.all(), &v.labelled(COOKIE));
        union(
            &v.matching(&v.rights, &self.bare),
            &v.matching(&elsewhere, &self.asked),
        )
    }

    /// Evidence phrases from `segs`.
    fn phrases(&self, v: &View, segs: &[usize]) -> Vec<String> {
        let mut p = v.phrases(segs, &self.asked, 2);
        if p.is_empty() {
            p = v.phrases(segs, &self.bare, 2);
        }
        p
    }
}

/// Art. 17(3): how to exercise one's rights.
pub(super) fn rights_exercise(v: &View) -> Outcome {
    if v.rights.is_empty() {
        return Outcome::new(
            Status::Missing,
            "No section or segment about the user's rights (您的权利 / 管理您的个人信息) was found.",
        );
    }
    let contacts = v.entities_in(CONTACT_KINDS, &v.rights);
    let with_way = union(&v.matching(&v.rights, &METHOD), &v.segments_of(&contacts));
    if with_way.is_empty() {
        return Outcome::new(
            Status::Partial,
            format!(
                "{} are about the user's rights but none says how to exercise them (设置/客服/申请/联系我们).",
                super::counted(v.rights.len(), "segment", "segments")
            ),
        )
        .segments(v.numbers(&v.rights));
    }
    let nums = v.numbers(&with_way);
    Outcome::new(
        Status::Present,
        format!("Says how to exercise one's rights ({}).", cite(&nums)),
    )
    .segments(nums)
    .evidence(v.phrases(&with_way, &METHOD, 4))
}

/// Art. 45: access and copy.
pub(super) fn access_copy(v: &View) -> Outcome {
    let access = ACCESS.find(v);
    let copy = COPY.find(v);
    let segs = union(&access, &copy);
    let evidence = ACCESS
        .phrases(v, &access)
        .into_iter()
        .chain(COPY.phrases(v, &copy));
    let (status, reason) = two_parts(
        !access.is_empty(),
        !copy.is_empty(),
        [
            "States the right to access (查阅) and to obtain a copy (复制/副本) of one's data.",
            "States the right to access (查阅/查询) but not to obtain a copy (复制/副本).",
            "States the right to a copy (复制/副本) but not to access (查阅).",
            "States neither the right to access (查阅) nor to a copy (复制).",
        ],
    );
    Outcome::new(status, reason)
        .segments(v.numbers(&segs))
        .evidence(evidence)
}

/// Art. 46: correction.
pub(super) fn correction(v: &View) -> Outcome {
    single_right(
        v,
        &CORRECT,
        "States the right to correct or complete one's data (更正/补充)",
        "States no right to correct or complete one's data (更正/补充).",
    )
}

/// Art. 47: deletion.
pub(super) fn deletion(v: &View) -> Outcome {
    single_right(
        v,
        &DELETE,
        "States the right to have one's data deleted (删除)",
        "States no right to have one's data deleted (删除).",
    )
}

fn single_right(v: &View, right: &Right, present: &str, missing: &str) -> Outcome {
    let segs = right.find(v);
    if segs.is_empty() {
        return Outcome::new(Status::Missing, missing);
    }
    let nums = v.numbers(&segs);
    Outcome::new(Status::Present, format!("{present} ({}).", cite(&nums)))
        .evidence(right.phrases(v, &segs))
        .segments(nums)
}

/// Art. 15: withdrawing consent; switching off device permissions alone is
/// partial.
pub(super) fn withdraw_consent(v: &View) -> Outcome {
    let all = v.all();
    let segs = v.matching(&all, &WITHDRAWAL);
    if !segs.is_empty() {
        let nums = v.numbers(&segs);
        return Outcome::new(
            Status::Present,
            format!("Says how to withdraw consent (撤回同意) ({}).", cite(&nums)),
        )
        .segments(nums)
        .evidence(v.phrases(&segs, &WITHDRAWAL, 3));
    }
    let off = v.matching(&all, &PERMISSION);
    if !off.is_empty() {
        let nums = v.numbers(&off);
        return Outcome::new(
            Status::Partial,
            format!(
                "Only says device permissions can be switched off (关闭权限), not that consent can be withdrawn ({}).",
                cite(&nums)
            ),
        )
        .segments(nums)
        .evidence(v.phrases(&off, &PERMISSION, 2));
    }
    Outcome::new(
        Status::Missing,
        "Does not say that consent can be withdrawn (撤回同意).",
    )
}

/// Account deletion: present with a way to do it, partial when only
/// mentioned (e.g. what happens to data after 注销).
pub(super) fn account_deletion(v: &View) -> Outcome {
    let segs = v.matching(&v.all(), &ACCOUNT);
    if segs.is_empty() {
        return Outcome::new(
            Status::Missing,
            "Does not say how to delete one's account (注销账号).",
        );
    }
    let with_way = union(
        &segs
            .iter()
            .copied()
            .filter(|i| v.rights.binary_search(i).is_ok())
            .collect::<Vec<_>>(),
        &v.matching(&segs, &METHOD),
    );
    let evidence = v.phrases(&segs, &ACCOUNT, 2);
    if with_way.is_empty() {
        let nums = v.numbers(&segs);
        return Outcome::new(
            Status::Partial,
            format!(
                "Mentions account deletion (注销) but not how to request it ({}).",
                cite(&nums)
            ),
        )
        .segments(nums)
        .evidence(evidence);
    }
    let nums = v.numbers(&with_way);
    Outcome::new(
        Status::Present,
        format!(
            "Says how to delete one's account (注销账号) ({}).",
            cite(&nums)
        ),
    )
    .segments(nums)
    .evidence(evidence)
}

/// Art. 50: a channel for requests and a reply deadline of at most
/// [`MAX_REPLY_DAYS`].
pub(super) fn request_handling(v: &View) -> Outcome {
    let contacts = v.own_contacts();
    let channel_segs = union(&v.segments_of(&contacts), &v.matching(&v.rights, &CHANNEL));
    let has_channel = !channel_segs.is_empty();
    let replies = v.entities(&["response_time"]);
    let timed: Vec<_> = replies
        .iter()
        .copied()
        .filter(|e| days(e).is_some())
        .collect();
    let deadline = timed.iter().filter_map(|e| days(e)).min();
    let segs = union(&v.segments_of(&replies), &v.segments_of(&contacts));
    let evidence = describe_all(&timed, 2)
        .into_iter()
        .chain(describe_all(&contacts, 3))
        .chain(v.phrases(&v.matching(&v.rights, &CHANNEL), &CHANNEL, 2));
    let (status, reason) = match (has_channel, deadline) {
        (true, Some(d)) if d <= MAX_REPLY_DAYS => (
            Status::Present,
            format!("Gives a channel for requests and promises a reply within {d} days."),
        ),
        (true, Some(d)) => (
            Status::Partial,
            format!(
                "Promises a reply within {d} days, longer than the 15 working days the App认定方法 (2019) allows."
            ),
        ),
        (true, None) => (
            Status::Partial,
            "Gives a channel for requests but no reply deadline (e.g. 十五个工作日内答复)."
                .to_string(),
        ),
        (false, Some(d)) => (
            Status::Partial,
            format!("Promises a reply within {d} days but gives no channel for requests."),
        ),
        (false, None) => (
            Status::Missing,
            "Gives neither a channel for requests nor a reply deadline.".to_string(),
        ),
    };
    Outcome::new(status, reason)
        .segments(v.numbers(&segs))
        .evidence(evidence)
}

/// App认定方法 (2019) 6(5): a complaint / report channel.
pub(super) fn complaint_channel(v: &View) -> Outcome {
    let segs = v.matching(&v.all(), &COMPLAINT);
    if segs.is_empty() {
        return Outcome::new(
            Status::Missing,
            "Does not say how to complain or report (投诉/举报).",
        );
    }
    let contacts = v.own_contacts();
    let nums = v.numbers(&segs);
    let evidence = v
        .phrases(&segs, &COMPLAINT, 2)
        .into_iter()
        .chain(describe_all(&contacts, 3));
    if contacts.is_empty() {
        return Outcome::new(
            Status::Partial,
            format!(
                "Mentions complaints (投诉/举报) ({}) but gives no phone, email or address to send them to.",
                cite(&nums)
            ),
        )
        .segments(nums)
        .evidence(evidence);
    }
    Outcome::new(
        Status::Present,
        format!(
            "Says complaints can be made (投诉/举报) ({}) and gives contact details.",
            cite(&nums)
        ),
    )
    .segments(nums)
    .evidence(evidence)
}
