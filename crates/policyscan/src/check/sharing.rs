//! Who else gets the data and which data needs more care: recipients of
//! provided data (PIPL Art. 23), embedded SDKs (App认定方法 (2019) 2(1),
//! GB/T 35273-2020 9.7), sensitive personal information (Art. 28–30),
//! personalised recommendation (Art. 24) and children under 14 (Art. 31).
//!
//! Three of these can be not applicable, always because of what the policy
//! itself says it does, never because it is silent about the item: no
//! sensitive kind among the data it lists, no personalised recommendation
//! in what it describes, no app in what it describes (a website has no
//! SDKs). Art. 31 is never not applicable: any service can be used by a
//! child, so a policy must at least say it is not meant for them.

use std::sync::LazyLock;

use regex::Regex;

use super::view::{COLLECTION, MINORS, SHARING, View, cite, describe_all, minus, re, union, words};
use super::{Outcome, Status};

/// A named list of recipients or SDKs (`第三方SDK目录`, `共享清单`,
/// `接收方名称`).
const RECIPIENT_LIST: &str = r"(?i)(?:共享|第三方|合作方|SDK|接入)[^。；;]{0,10}?(?:清单|列表|目录|名单)|(?:接收方|第三方|合作方|合作伙伴|SDK)[^。；;]{0,4}?名称";
/// Recipients and SDK vendors common in Chinese apps: naming one is naming
/// a recipient.
const KNOWN_RECIPIENTS: &[&str] = &[
    "微信",
    "支付宝",
    "QQ",
    "微博",
    "友盟",
    "极光",
    "个推",
    "信鸽",
    "高德",
    "百度",
    "腾讯",
    "阿里",
    "华为",
    "小米",
    "OPPO",
    "vivo",
    "魅族",
    "荣耀",
    "顺丰",
    "中国移动",
    "中国联通",
    "中国电信",
    "银联",
    "Bugly",
    "穿山甲",
    "广点通",
    "神策",
    "TalkingData",
    "ShareSDK",
    "MobTech",
    "Google",
    "Facebook",
    "Apple",
];
/// Embedded third-party code.
const SDK_WORDS: &[&str] = &["SDK", "软件开发工具包", "第三方代码", "第三方插件"];
/// Signs that the policy covers an app (and so may embed SDKs).
const APP_HINT: &str = r"(?i)(?:^|[^a-z])(?:app|ios|android)(?:[^a-z]|$)|客户端|应用程序|移动应用|安卓|应用商店|应用市场|移动端|手机软件";
/// Lexicon categories that are sensitive PI (PIPL Art. 28: 生物识别、医疗健康、
/// 金融账户、行踪轨迹、不满十四周岁未成年人的个人信息). The lexicon does not tell
/// precise location from coarse, so all location counts.
const SENSITIVE_CATEGORIES: &[&str] = &["biometric", "health", "financial", "location", "minors"];
/// Canonical data types that are sensitive although their category is not
/// (特定身份 and 宗教信仰 in Art. 28; GB/T 35273-2020 Annex B).
const SENSITIVE_TYPES: &[&str] = &["身份证号码", "护照", "驾驶证", "证件信息", "宗教信仰"];
/// A sensitive-PI notice (Art. 29–30): the word with separate consent,
/// necessity or impact in the same sentence.
/// `不影响您使用其他功能` is a refusal consequence, not the impact on the
/// person's rights Art. 30 asks about, so a bare `影响` does not count.
const SENSITIVE_NOTICE: &str = r"敏感[^。]{0,60}?(?:单独同意|单独授权|单独征得|单独取得|明示同意|另行征得|再次征得|必要性|所必需|必要时|权益(?:的|造成|产生)?影响)|(?:单独同意|单独授权|单独征得|明示同意)[^。]{0,60}?敏感";
const SENSITIVE_WORD: &str = "敏感";
/// Personalised recommendation and automated decisions (Art. 24).
const PERSONALISATION: &str =
    r"个性化(?:推荐|推送|展示|广告|内容|服务)|定向推送|精准营销|自动化决策|程序化广告";
/// A way to turn it off (Art. 24: 不针对其个人特征的选项 / 便捷的拒绝方式),
/// or a settings page for it (`您可以在“…-广告管理”中进行设置`).
const OPT_OUT: &str = r"关闭|退出|退订|拒绝|取消|停止|管理|(?:中|里)(?:进行)?设置|设置中|不针对[^。；;]{0,4}?个人特征|不基于[^。；;]{0,4}?个人";
/// An opt-out stated apart from the personalisation text, in its own
/// segment (`如您不希望收到此类广告，可以在设置中关闭`).
const OPT_OUT_ELSEWHERE: &str = r"(?:推荐|广告|推送|营销|推广)[^。]{0,30}?(?:关闭|退订|退出|拒绝|取消)|(?:关闭|退订|退出|拒绝|取消)[^。]{0,30}?(?:推荐|广告|推送|营销|推广)";
/// Headings of a minors section.
const MINOR_HEADINGS: &str = r"未成年|儿童|青少年";
/// Minors in text.
const MINOR_WORDS: &str = r"未成年|儿童|不满十四|未满十四";
/// The under-14 threshold in text, when the extractor missed it.
const UNDER_14: &str = r"(?:十四|14)\s*(?:周岁|岁)";
/// The age threshold of Art. 31, as the `minor_age` entity value.
const CHILD_AGE: &str = "14";
/// Guardian consent (`须在监护人同意后`, `征得父母或监护人的同意`).
const GUARDIAN_CONSENT: &str = r"(?:监护人|父母)[^。；;]{0,30}?(?:同意|授权|许可|确认)|(?:同意|授权)[^。；;]{0,6}?(?:监护人|父母)";
/// Guardian guidance only (`请在监护人指导下使用`): involvement, not consent.
const GUARDIAN_GUIDANCE: &str = r"(?:监护人|父母)[^。；;]{0,20}?(?:陪同|指导|监护)";
/// The service is not meant for children / does not collect their data.
const NOT_FOR_CHILDREN: &str = r"(?:不面向|并非面向|非面向|不针对|不适用于|不以)[^。；;]{0,20}?(?:儿童|未成年)|不[^。；;]{0,6}?(?:主动|故意)?收集[^。；;]{0,16}?(?:儿童|未成年人|未满[^。；;]{0,4}周岁)";

static LIST: LazyLock<Regex> = LazyLock::new(|| re(RECIPIENT_LIST));
static KNOWN: LazyLock<Regex> = LazyLock::new(|| words(KNOWN_RECIPIENTS));
static SDK: LazyLock<Regex> = LazyLock::new(|| words(SDK_WORDS));
static APP: LazyLock<Regex> = LazyLock::new(|| re(APP_HINT));
static SENSITIVE: LazyLock<Regex> = LazyLock::new(|| re(SENSITIVE_NOTICE));
static SENSITIVE_ANY: LazyLock<Regex> = LazyLock::new(|| re(SENSITIVE_WORD));
static PERSONAL: LazyLock<Regex> = LazyLock::new(|| re(PERSONALISATION));
static OPT: LazyLock<Regex> = LazyLock::new(|| re(OPT_OUT));
static OPT_APART: LazyLock<Regex> = LazyLock::new(|| re(OPT_OUT_ELSEWHERE));
static MINOR_HEADING: LazyLock<Regex> = LazyLock::new(|| re(MINOR_HEADINGS));
static MINOR: LazyLock<Regex> = LazyLock::new(|| re(MINOR_WORDS));
static AGE_14: LazyLock<Regex> = LazyLock::new(|| re(UNDER_14));
static CONSENT: LazyLock<Regex> = LazyLock::new(|| re(GUARDIAN_CONSENT));
static GUIDANCE: LazyLock<Regex> = LazyLock::new(|| re(GUARDIAN_GUIDANCE));
static NOT_FOR: LazyLock<Regex> = LazyLock::new(|| re(NOT_FOR_CHILDREN));

/// Segments of `set` that name a recipient: a company other than the
/// operator, a known vendor, a list of recipients, or a link to one.
fn naming_recipients(v: &View, set: &[usize]) -> (Vec<usize>, Vec<String>) {
    let companies: Vec<_> = v
        .entities_in(&["controller"], set)
        .into_iter()
        .filter(|e| !v.own_controllers.contains(&e.value))
        .collect();
    let links = v.entities_in(&["url"], set);
    let segs = union(
        &union(&v.segments_of(&companies), &v.segments_of(&links)),
        &union(&v.matching(set, &KNOWN), &v.matching(set, &LIST)),
    );
    let evidence = companies
        .iter()
        .take(4)
        .map(|e| format!("recipient: {}", e.value))
        .chain(v.phrases(set, &KNOWN, 3))
        .chain(v.phrases(set, &LIST, 2))
        .chain(describe_all(&links, 1))
        .collect();
    (segs, evidence)
}

/// Art. 23: provision to other processors, with the recipients named.
pub(super) fn sharing_recipients(v: &View) -> Outcome {
    let sharing = v.labelled(SHARING);
    if sharing.is_empty() {
        return Outcome::new(
            Status::Missing,
            "No segment describes sharing or providing personal information to others (共享/提供).",
        );
    }
    let (named, evidence) = naming_recipients(v, &sharing);
    if named.is_empty() {
        return Outcome::new(
            Status::Partial,
            format!(
                "{} describe sharing, but recipients are named only by type (关联公司/合作伙伴), with no name or list.",
                super::counted(sharing.len(), "segment", "segments")
            ),
        )
        .segments(v.numbers(&sharing));
    }
    let nums = v.numbers(&named);
    Outcome::new(
        Status::Present,
        format!(
            "Names recipients of shared data or lists them ({}).",
            cite(&nums)
        ),
    )
    .segments(nums)
    .evidence(evidence)
}

/// Embedded SDKs listed by name; not applicable when nothing suggests an app.
pub(super) fn sdk_list(v: &View) -> Outcome {
    let all = v.all();
    let sdk = v.matching(&all, &SDK);
    if sdk.is_empty() {
        let app = v.matching(&all, &APP);
        if app.is_empty() {
            return Outcome::new(
                Status::NotApplicable,
                "The policy describes no app (no App/客户端/SDK wording), so there is no SDK list to give.",
            );
        }
        return Outcome::new(
            Status::Missing,
            "The policy covers an app (App/客户端) but says nothing about embedded third-party SDKs.",
        )
        .segments(v.numbers(&app[..app.len().min(3)]));
    }
    let (named, evidence) = naming_recipients(v, &sdk);
    if named.is_empty() {
        return Outcome::new(
            Status::Partial,
            "Mentions third-party SDKs but names none and gives no SDK list (第三方SDK目录).",
        )
        .segments(v.numbers(&sdk));
    }
    let nums = v.numbers(&named);
    Outcome::new(
        Status::Present,
        format!(
            "Names embedded SDKs or links an SDK list ({}).",
            cite(&nums)
        ),
    )
    .segments(nums)
    .evidence(evidence)
}

/// Art. 28–30: sensitive data with its necessity and separate consent.
pub(super) fn sensitive_pi(v: &View) -> Outcome {
    let all = v.all();
    let definitions: Vec<usize> = all
        .iter()
        .copied()
        .filter(|&i| v.is_definition(i))
        .collect();
    let notice = v.matching(&minus(&all, &definitions), &SENSITIVE);
    if !notice.is_empty() {
        let nums = v.numbers(&notice);
        return Outcome::new(
            Status::Present,
            format!(
                "Marks sensitive personal information and states its necessity or separate consent ({}).",
                cite(&nums)
            ),
        )
        .segments(nums)
        .evidence(v.phrases(&notice, &SENSITIVE, 3));
    }
    let processing = minus(
        &union(&v.labelled(COLLECTION), &v.labelled(SHARING)),
        &definitions,
    );
    let sensitive: Vec<_> = v
        .concrete_data(&processing)
        .into_iter()
        .filter(|e| {
            e.category
                .as_deref()
                .is_some_and(|c| SENSITIVE_CATEGORIES.contains(&c))
                || SENSITIVE_TYPES.contains(&e.value.as_str())
        })
        .collect();
    let mentioned = v.matching(&all, &SENSITIVE_ANY);
    if !sensitive.is_empty() {
        let segs = union(&v.segments_of(&sensitive), &mentioned);
        let outcome = Outcome::new(
            Status::Missing,
            "Collects sensitive personal information but never marks it as sensitive (敏感个人信息) or states necessity and separate consent.",
        );
        let outcome = if mentioned.is_empty() {
            outcome
        } else {
            Outcome::new(
                Status::Partial,
                "Collects sensitive personal information and uses the term 敏感个人信息, but states neither its necessity nor separate consent (单独同意).",
            )
        };
        return outcome
            .segments(v.numbers(&segs))
            .evidence(describe_all(&sensitive, 6));
    }
    let in_processing = v.matching(&processing, &SENSITIVE_ANY);
    if !in_processing.is_empty() {
        return Outcome::new(
            Status::Partial,
            "Says sensitive personal information is collected but states neither its necessity nor separate consent (单独同意).",
        )
        .segments(v.numbers(&in_processing));
    }
    let listed = v.concrete_data(&all);
    if !listed.is_empty() {
        return Outcome::new(
            Status::NotApplicable,
            "None of the kinds of data the policy lists is sensitive (biometric, health, financial, location, identity documents, children's data).",
        )
        .evidence(describe_all(&listed, 4));
    }
    Outcome::new(
        Status::Missing,
        "The policy lists no kinds of data, so whether it processes sensitive personal information cannot be told, and it says nothing about it.",
    )
}

/// Art. 24: personalised recommendation with a way to turn it off (in the
/// same segment, or an opt-out from ads / recommendations anywhere); not
/// applicable when the policy describes none.
pub(super) fn personalisation_opt_out(v: &View) -> Outcome {
    let about = v.matching(&v.all(), &PERSONAL);
    if about.is_empty() {
        return Outcome::new(
            Status::NotApplicable,
            "The policy describes no personalised recommendation, targeted push or automated decision-making (个性化推荐/自动化决策).",
        );
    }
    let opt_out = union(&v.matching(&about, &OPT), &v.matching(&v.all(), &OPT_APART));
    if opt_out.is_empty() {
        return Outcome::new(
            Status::Partial,
            "Describes personalised recommendation or automated decisions but no way to turn them off (关闭/拒绝).",
        )
        .segments(v.numbers(&about))
        .evidence(v.phrases(&about, &PERSONAL, 2));
    }
    let nums = v.numbers(&opt_out);
    Outcome::new(
        Status::Present,
        format!(
            "Describes personalised recommendation and how to turn it off ({}).",
            cite(&nums)
        ),
    )
    .segments(nums)
    .evidence(
        v.phrases(&about, &PERSONAL, 2)
            .into_iter()
            .chain(v.phrases(&opt_out, &OPT, 2)),
    )
}

/// Art. 31: the under-14 threshold with guardian consent, or a statement
/// that the service is not for under-14s.
///
/// Not flagged as a contradiction: "not for children" next to guardian
/// rules. Policies say both on purpose (not aimed at children; if a child
/// uses it anyway, a guardian must agree), so the pair is no evidence of a
/// contradiction.
pub(super) fn minors(v: &View) -> Outcome {
    let all = v.all();
    let core = union(&v.labelled(MINORS), &v.under(&MINOR_HEADING));
    let ages = v.entities(&["minor_age"]);
    // Ages and minors' words elsewhere count unless they sit in a
    // definition of sensitive PI (`…以及不满十四周岁未成年人的个人信息`).
    let extra: Vec<usize> = union(&v.segments_of(&ages), &v.matching(&all, &MINOR))
        .into_iter()
        .filter(|&i| !(v.is_definition(i) || SENSITIVE_ANY.is_match(v.text(i))))
        .collect();
    let scope = union(&core, &extra);
    if scope.is_empty() {
        return Outcome::new(
            Status::Missing,
            "Says nothing about minors or children (未成年人/儿童).",
        );
    }
    let ages_in = v.entities_in(&["minor_age"], &scope);
    let has14 =
        ages_in.iter().any(|e| e.value == CHILD_AGE) || !v.matching(&scope, &AGE_14).is_empty();
    // `监护人发现未成年人未经同意…` is about consent missing, not required.
    let consent: Vec<usize> = scope
        .iter()
        .copied()
        .filter(|&i| {
            CONSENT
                .find_iter(v.text(i))
                .any(|m| !m.as_str().contains("未经"))
        })
        .collect();
    let not_for = v.matching(&scope, &NOT_FOR);
    let guidance = v.matching(&scope, &GUIDANCE);
    let decisive = union(&union(&consent, &not_for), &v.segments_of(&ages_in));
    let segs = if decisive.is_empty() {
        scope.clone()
    } else {
        decisive
    };
    let evidence: Vec<String> = describe_all(&ages_in, 3)
        .into_iter()
        .chain(v.phrases(&consent, &CONSENT, 2))
        .chain(v.phrases(&not_for, &NOT_FOR, 1))
        .collect();
    let outcome = |status, reason: String| {
        Outcome::new(status, reason)
            .segments(v.numbers(&segs))
            .evidence(evidence.clone())
    };
    match (has14, !consent.is_empty(), !not_for.is_empty()) {
        (true, true, _) => outcome(
            Status::Present,
            "States the under-14 threshold (不满十四周岁) and requires guardian consent (监护人同意).".into(),
        ),
        (true, false, true) => outcome(
            Status::Present,
            "States that the service is not meant for, or does not knowingly collect data from, children under 14.".into(),
        ),
        (true, false, false) => outcome(
            Status::Partial,
            if guidance.is_empty() {
                "States the under-14 threshold but not that a guardian must consent (监护人同意).".into()
            } else {
                "States the under-14 threshold but only asks for a guardian's guidance (监护人指导/陪同), not consent.".into()
            },
        ),
        (false, true, _) => outcome(
            Status::Partial,
            format!(
                "Requires guardian consent but states no under-14 rule (不满十四周岁){}.",
                age_note(&ages_in)
            ),
        ),
        (false, false, _) => outcome(
            Status::Partial,
            format!(
                "Mentions minors but states neither the under-14 threshold nor guardian consent{}.",
                age_note(&ages_in)
            ),
        ),
    }
}

/// `; the ages given are 18` when the policy gives other thresholds.
fn age_note(ages: &[&crate::table::EntityRow]) -> String {
    let mut values: Vec<&str> = ages.iter().map(|e| e.value.as_str()).collect();
    values.sort_unstable();
    values.dedup();
    if values.is_empty() {
        String::new()
    } else {
        format!("; the age thresholds given are {}", values.join(", "))
    }
}
