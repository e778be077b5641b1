//! The operator (PI controller / processor): legal company names such as
//! `杭州示例科技有限公司` or `Example Pte. Ltd.`, taken where a policy says
//! who it is — an operator cue in the sentence (运营/开发/提供…, 以下简称,
//! “我们”, 控制者/处理者) or an intro, definition or contact section. Brands
//! alone and generic phrases (关联公司, 第三方公司, 本公司) are not companies.
//!
//! Besides legal names, as the readers of the labelled policies count them:
//! - a name defined as “我们” whatever its form: a bank, a centre, a hospital
//!   (`301医院及其关联公司（以下称“我们”）`), a short group or company name
//!   (`腾讯集团（以下简称“我们”）`, `小米公司及其关联公司（以下简称“小米”或
//!   “我们”）`), a studio or team (`…开发团队（以下可简称为“我们”）`), also
//!   with its web address in brackets between (`中国民生银行（www…）（以下简称
//!   “本行”）`);
//! - the name after an operator label (`开发者：小白软件团队`, `软件开发者：…
//!   经营部`, `开发者：陈某`), outside SDK and sharing sections;
//! - every company a definition of the operator names (`桔多多：指X及X的关联
//!   公司，例如A、B`, `X及其关联公司（包括但不限于A、B，以下简称"本公司"）`);
//! - a group alone on its line (a signature), defined, or operating
//!   (`由…集团运营`), not one named in passing.
//!
//! Not the operator: a company the operator gives data to (`我们会向…有限公司
//! 披露`), a maker alone on a line under a table cell (`唯一设备标识码、相关
//! 设备信息、IP地址`: an SDK table flattened into lines).
//!
//! Finding a name is `super::company`'s job; this file decides which names
//! are the operator's and which belong to SDK makers, partners, recipients
//! and affiliates, which policies name at least as often as themselves.

use std::collections::BTreeSet;
use std::sync::LazyLock;

use regex::Regex;

use super::company::{
    CN, EN, GROUP, MIN_CORE_CHARS, MIN_DEFINED_CORE_CHARS, ORG, clean_cn, clean_name, legal_form,
    named_organisation,
};
use super::{Hit, Kind};

static CUE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"运营|开发|提供|经营|负责|以下简称|以下称|简称|统称|“我们”|\x22我们\x22|“我行”|“本行”|“我司”|我们是|控制者|处理者|服务提供者|主体|运营者|运营方|指|名称|制定|解释权|版权所有|著作权|Copyright|©")
        .expect("cue regex")
});
/// Cues that say a company of the sentence is the operator, whatever else
/// the sentence mentions (a definition right after the name counts too:
/// [`DEFINED`]; a `以下简称“SDK”` elsewhere does not).
static STRONG_CUE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"“我们”|\x22我们\x22|“我行”|“本行”|“我司”|“本公司”|我们是|控制者|处理者|运营者|版权所有|Copyright|©")
        .expect("strong cue regex")
});
/// Sentences about other companies (SDKs, partners, recipients): a company
/// named there is the operator only with a strong cue.
static THIRD_PARTY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"SDK|第三方|合作伙伴|合作方|服务商|供应商|集成了|接入|共享|委托|提供给")
        .expect("third-party regex")
});
static THIRD_PARTY_SECTION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"共享|分享|转让|披露|第三方|SDK|合作|供应商|服务商")
        .expect("third-party section regex")
});
static CONTACT_SECTION: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"联系|投诉|举报|关于我们").expect("contact section regex"));
/// What an SDK or a partner service says of its maker: `由…公司开发，用于…`,
/// `由…公司提供，我们会接入…`, `（由…公司提供）`, `由“…公司”提供API接口`.
static PROVIDES_A_PART: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^[”\x22」]?(?:、[^，。]{2,40}?)?(?:开发|提供)(?:[，,]\s*(?:用于|我们会接入)|推送|技术支持|API|SDK|接口|[）)])",
    )
    .expect("part regex")
});
/// A bare `…公司` (no 有限/股份) is a name only when the sentence defines it
/// right after: `乐堂动漫公司（以下简称“我们”）`, `中国银行股份有限公司（“我行”）`,
/// `…研究中心，以下简称“我们”`.
static DEFINED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(r"^{BEFORE_DEFINITION}(?:[（(]\s*(?:{DEFINE_WORDS}|“(?:我们|我行|本行|我司)”|\x22我们\x22)|[，,]\s*(?:{DEFINE_WORDS})\s*[“\x22])"))
        .expect("definition regex")
});
/// The words that open a definition (`（以下简称…`).
const DEFINE_WORDS: &str = "以下可?(?:简称|统称|合称|称)为?|简称为?|统称为?|合称为?|下称";
/// What may stand between a name and its definition: its web address or
/// name in another script in brackets (`中国民生银行（www.cmbc.com.cn）（以下简称
/// “本行”）`), and its affiliates (`小米公司及其关联公司（以下简称“小米”或“我们”）`).
const BEFORE_DEFINITION: &str =
    r"\s*(?:[（(][A-Za-z0-9.:/\-_\s,&]{2,60}[）)])?(?:及其(?:关联公司|关联方|子公司))?\s*";
/// The definition names the operator itself: `（以下统称“我们”）` after a
/// list of companies, `，以下简称“我们”` after an organisation.
static DEFINED_AS_US: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"^{BEFORE_DEFINITION}[（(，,]\s*(?:{DEFINE_WORDS})?\s*(?:[“\x22][^”\x22]{{1,12}}[”\x22]\s*(?:或|、|和)\s*)?[“\x22](?:我们|我行|本行|我司|本公司)[”\x22]"
    ))
    .expect("definition regex")
});
/// A definition item whose term is the operator (`（2）公司：西安…有限公司`,
/// `我们：指…`): a strong cue.
static OPERATOR_TERM: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\s*(?:[（(]?[0-9一二三四五六七八九十]{1,3}[）)、.．]\s*)?(?:本公司|公司|我们|我司|运营方|运营者|服务提供者|服务提供方)\s*[：:]")
        .expect("operator term regex")
});
/// A definition of the operator as a company and its affiliates
/// (`桔多多：指北京桔子…有限公司及…的关联公司，例如…`, `咪咕公司：咪咕文化
/// 科技有限公司及其五个子公司…`): the term means all of them, so the first
/// company and the affiliates the definition names are the operator, as
/// readers count them.
static AND_AFFILIATES: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:及其|以及其|及|和)[^，,。；]{0,30}?(?:子公司|关联公司|关联方)")
        .expect("affiliates regex")
});
/// A defined term that is a third party, not the operator.
static OTHER_TERM: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"关联|第三方|合作|SDK|供应商|服务商|子公司").expect("other term regex")
});
/// An address or phone label right after a name: the name heads a contact
/// block (`北京…有限公司 地址：…`).
static CONTACT_AFTER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\s*[（(]?\s*(?:注册地址|办公地址|联系地址|通讯地址|地址|联系电话|电话)[：:/]")
        .expect("contact label regex")
});
/// An operator label heading a line (`开发者：小白软件团队`, `软件开发者：…经营部`,
/// `运营主体：…`): what follows is the operator's name, whatever its form —
/// a company, a studio, a team, a sole trader, a person.
static OPERATOR_LABEL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\s*(?:[（(]?[0-9一二三四五六七八九十]{1,3}[）)、.．]\s*)?(?:软件|App|APP|应用|产品)?(?:开发者|开发商|运营者|运营方|运营主体|运营单位|个人信息处理者)(?:名称)?\s*[：:]\s*([^，,。；;：:\s（(]{2,40})")
        .expect("operator label regex")
});
/// What a labelled name may not be: a definition (`指…`), the operator's
/// own pronoun, or data.
static NOT_A_NAME: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:指|是|为|我们|本|该|您)|信息|数据|SDK|http|www").expect("not-a-name regex")
});
/// What joins the companies of a list defined as “我们”, besides a comma:
/// their affiliates and the bracket that names them.
static LIST_CONNECTORS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"及其(?:关联公司|关联方|子公司)|[（(]\s*(?:包括但不限于|包括|例如|含)?")
        .expect("list connector regex")
});
/// An operator's verb right after a name (`…集团运营`, `…集团负责开发`).
static OPERATES: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\s*(?:负责|独立|依法)?(?:运营|开发|研发|经营)").expect("operates regex")
});
/// Who gives personal information: the operator or the user.
static GIVER: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"我们|我行|我司|本公司|本平台|您|你|用户").expect("giver regex"));
/// A verb of giving personal information right after its recipient.
static GIVEN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\s*(?:披露|提供|共享|分享|传输|发送|转让|转移)").expect("given regex")
});
/// The number in front of a heading (`十六、`, `（2）`, `3.1`).
static NUMBERING: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\s*[（(]?[0-9一二三四五六七八九十百.．]{1,6}[）)、.．]?")
        .expect("numbering regex")
});
/// Headings of the sections where a policy says who it is.
static SECTION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"定义|引言|前言|导言|概述|简介|说明|提示|联系|关于我们|适用范围|总则|基本信息|主体")
        .expect("section regex")
});
/// Longest defined term (`示例多：指…`) read as a name for the operator and
/// its affiliates; a longer lead is a sentence, not a term.
const DEFINED_TERM_MAX_CHARS: usize = 24;
/// Most distinct companies one segment may name and still be naming its
/// operator (a legal name and a short form, or two joint operators); more
/// is a list of affiliates or partners.
const MAX_OPERATOR_NAMES: usize = 2;

/// A company name in a segment: byte start, byte end, cleaned name.
type Name<'a> = (usize, usize, &'a str);

/// What the segment and its headings say around the names in it.
struct Context<'a> {
    text: &'a str,
    /// A cue that a company of the sentence is the operator, whatever else
    /// it mentions ([`STRONG_CUE`] or an [`OPERATOR_TERM`]).
    strong: bool,
    /// The one name of a signature line or of a contact block's head.
    alone: bool,
    /// The whole segment is about other companies: it mentions an SDK, or
    /// sits in a sharing section whose innermost heading is no contact one
    /// (numbering slips can put a contact block under a transfer heading).
    about_others: bool,
}

/// Find the operator's names in one segment.
pub(crate) fn find(text: &str, heading_path: &[String], out: &mut Vec<Hit>) {
    let section = heading_path.is_empty() || heading_path.iter().any(|h| SECTION.is_match(h));
    let cue = CUE.is_match(text);
    let names = company_names(text);
    let under_sharing = heading_path.iter().any(|h| THIRD_PARTY_SECTION.is_match(h));
    let alone = stands_alone(text, heading_path, &names, under_sharing);
    let term = OPERATOR_TERM.is_match(text);
    if !section && !cue && !alone && !term {
        return;
    }
    let strong = term || STRONG_CUE.is_match(text);
    let sharing_section = under_sharing
        && !heading_path
            .last()
            .is_some_and(|h| CONTACT_SECTION.is_match(h));
    let about_others = sharing_section || text.contains("SDK") || text.contains("sdk");
    if !about_others {
        labelled_operator(text, &names, out);
    }
    // `…研究中心，以下简称“我们”`, `腾讯集团（以下简称“我们”）`: an operator
    // that is no company, or a short name (only where a strong cue is: the
    // definition holds one).
    if strong {
        organisations_defined_as_us(text, out);
    }
    let cx = Context {
        text,
        strong,
        alone,
        about_others,
    };
    let company_spans: Vec<(usize, usize)> = names.iter().map(|n| (n.0, n.1)).collect();
    let names = operator_candidates(&cx, names);
    // A definition of the operator and its affiliates: its first company and
    // the affiliates it goes on to name (`例如…`, `及其五个子公司…`).
    if let Some(&(start, end, _)) = names.first()
        && defines_operator_and_affiliates(text, start, end)
    {
        let sentence_end = text[end..].find('。').map_or(text.len(), |i| end + i);
        for &(s, e, name) in &names {
            if s >= start && e <= sentence_end {
                out.push(Hit::new(Kind::Controller, s, e, name));
            }
        }
        return;
    }
    if names_others(text, &names) {
        return;
    }
    for (start, end, name) in names {
        out.push(Hit::new(Kind::Controller, start, end, name));
    }
    groups(text, strong, &company_spans, out);
    for m in EN.find_iter(text) {
        out.push(Hit::new(Kind::Controller, m.start(), m.end(), m.as_str()));
    }
}

/// Every Chinese company name in the segment, cleaned; a short one
/// (`小米公司`) only where it is defined as “我们”.
fn company_names(text: &str) -> Vec<Name<'_>> {
    CN.find_iter(text)
        .filter_map(|m| {
            let min_core = if DEFINED_AS_US.is_match(&text[m.end()..]) {
                MIN_DEFINED_CORE_CHARS
            } else {
                MIN_CORE_CHARS
            };
            clean_name(m.as_str(), min_core).map(|n| (m.end() - n.len(), m.end(), n))
        })
        .collect()
}

/// A line that is nothing but a company or group name (the signature closing
/// a policy), or a company name heading a contact block, names the operator;
/// under a sharing heading it is a partner. A name under a heading that is
/// itself a company name, or a list (`唯一设备标识码、相关设备信息、IP地址`),
/// is a cell of a table of companies (SDK makers, the data they take)
/// flattened into lines.
fn stands_alone(text: &str, heading_path: &[String], names: &[Name], under_sharing: bool) -> bool {
    let in_table = heading_path.last().is_some_and(|h| {
        names
            .first()
            .is_some_and(|n| CN.is_match(h) && !h.contains(n.2))
            || NUMBERING.replace(h, "").contains(['、', '|'])
    });
    if under_sharing || in_table {
        return false;
    }
    match names {
        [] => {
            let t = text.trim().trim_matches('*');
            GROUP.find(t).is_some_and(|m| m.as_str() == t) && clean_cn(t) == Some(t)
        }
        [(start, end, name)] => {
            *name == text.trim()
                || (*start == text.len() - text.trim_start().len()
                    && CONTACT_AFTER.is_match(&text[*end..]))
        }
        _ => false,
    }
}

/// Organisations that are no company, and groups whose name is short
/// (`腾讯集团`), defined as “我们” right after.
fn organisations_defined_as_us(text: &str, out: &mut Vec<Hit>) {
    let orgs = ORG.find_iter(text).filter_map(|m| {
        clean_cn(m.as_str())
            .filter(|n| named_organisation(n))
            .map(|n| (m.end(), n))
    });
    let groups = GROUP
        .find_iter(text)
        .filter_map(|m| clean_name(m.as_str(), MIN_DEFINED_CORE_CHARS).map(|n| (m.end(), n)));
    for (end, name) in orgs.chain(groups) {
        if DEFINED_AS_US.is_match(&text[end..]) {
            out.push(Hit::new(Kind::Controller, end - name.len(), end, name));
        }
    }
}

/// The name after an operator label (`开发者：小白软件团队`), when it is no
/// company (a company there is found with the others).
fn labelled_operator(text: &str, names: &[Name], out: &mut Vec<Hit>) {
    let Some(m) = OPERATOR_LABEL.captures(text).and_then(|c| c.get(1)) else {
        return;
    };
    let name = m.as_str().trim_end_matches(['。', '；', '，', '*', '_']);
    if NOT_A_NAME.is_match(name) || names.iter().any(|n| n.0 < m.end() && n.1 > m.start()) {
        return;
    }
    out.push(Hit::new(
        Kind::Controller,
        m.start(),
        m.start() + name.len(),
        name,
    ));
}

/// SDK lists, partners and recipients name other companies: in a segment
/// about others, or after a partner word in the same sentence
/// (`第三方支付服务由…公司提供`; but `适用于由…公司提供的所有服务，不适用于
/// 第三方产品` names the operator).
fn in_third_party_sentence(cx: &Context, start: usize) -> bool {
    let text = cx.text;
    let sentence_start = text[..start].rfind(['。', '；']).map_or(0, |i| i + 3);
    cx.about_others || THIRD_PARTY.is_match(&text[sentence_start..start])
}

/// The name is what the operator gives personal information to (`我们会向为…
/// 提供物流信息系统的…有限公司披露订单相关的配送信息`): a recipient, whatever
/// the sentence says of it. What the user gives it (`您向…有限公司提供的信息`)
/// is the operator's: the nearest giver before `向` decides.
fn receives(text: &str, start: usize, end: usize) -> bool {
    let sentence_start = text[..start].rfind(['。', '；']).map_or(0, |i| i + 3);
    let before = &text[sentence_start..start];
    let Some(to) = before.rfind('向') else {
        return false;
    };
    let giver = GIVER.find_iter(&before[..to]).last();
    giver.is_some_and(|g| !matches!(g.as_str(), "您" | "你" | "用户"))
        && !before[to..].contains(['，', ','])
        && GIVEN.is_match(&text[end..])
}

/// The names that may be the operator's: not a third party's (unless a cue
/// or a definition says otherwise), not the maker of a part, and a legal
/// form unless defined or alone.
fn operator_candidates<'a>(cx: &Context, names: Vec<Name<'a>>) -> Vec<Name<'a>> {
    let text = cx.text;
    let parts = makers_of_parts(text, &names);
    // `使用竞技世界公司`, `不会影响公司`: a bare `…公司` counts only where
    // it is defined or stands alone.
    names
        .into_iter()
        .filter(|&(start, end, n)| {
            let defined = DEFINED.is_match(&text[end..]);
            // `外部第三方（非西安…有限公司）`: the one company a third party is not.
            let not_third = text[..start].ends_with("（非") || text[..start].ends_with("(非");
            (cx.strong || defined || cx.alone || not_third || !in_third_party_sentence(cx, start))
                && !receives(text, start, end)
                && !parts.contains(&n)
                && (legal_form(n) || cx.alone || defined)
        })
        .collect()
}

/// A maker of an SDK or a partner service, wherever else the segment names
/// it (`由…公司开发，用于…。…公司承诺不获取…`); a registered agent
/// (`入驻深圳市前海商务秘书有限公司`).
fn makers_of_parts<'a>(text: &str, names: &[Name<'a>]) -> Vec<&'a str> {
    names
        .iter()
        .filter(|&&(start, end, _)| {
            PROVIDES_A_PART.is_match(&text[end..]) || text[..start].ends_with("入驻")
        })
        .map(|n| n.2)
        .collect()
}

/// The name at `start..end` follows a short defined term (`示例多：指…`)
/// and is followed by its affiliates (`…及其关联公司`).
fn defines_operator_and_affiliates(text: &str, start: usize, end: usize) -> bool {
    let defined_term = text[..start].trim_end();
    let defines = defined_term.ends_with(['：', ':', '指']);
    defines
        && !OTHER_TERM.is_match(defined_term)
        && defined_term.chars().count() <= DEFINED_TERM_MAX_CHARS
        && AND_AFFILIATES.is_match(&text[end..])
}

/// Three or more companies in one segment are a list of affiliates or
/// partners, not the operator, unless the list itself is defined as
/// “我们” (`甲公司、乙公司和丙公司（以下统称“我们”）`, `甲公司及其关联公司（包括但
/// 不限于乙公司、丙公司及其关联公司，以下简称“本公司”）`).
fn names_others(text: &str, names: &[Name]) -> bool {
    let distinct: BTreeSet<&str> = names.iter().map(|n| n.2).collect();
    let list_is_us = names.windows(2).all(|w| {
        let gap = LIST_CONNECTORS.replace_all(&text[w[0].1..w[1].0], "");
        matches!(
            gap.trim(),
            "" | "、" | "和" | "及" | "与" | "以及" | "，" | ","
        )
    }) && names
        .last()
        .is_some_and(|&(_, end, _)| DEFINED_AS_US.is_match(&text[end..]));
    distinct.len() > MAX_OPERATOR_NAMES && !list_is_us
}

/// Groups without a legal form (`武汉示例地铁集团`), where the policy says
/// it is the operator: a strong cue, a definition right after, or the group
/// alone on its line (a signature), or its operating (`由…集团运营`). A group
/// named in passing (`您授权平安集团，
/// …`) is often cut badly and says nothing of who operates; one inside a
/// company's name (`中国移动通信集团江苏有限公司`) is that company.
fn groups(text: &str, strong: bool, company_spans: &[(usize, usize)], out: &mut Vec<Hit>) {
    for m in GROUP.find_iter(text) {
        // "上海外服（集团）有限公司" is a company name, found above.
        let after = &text[m.end()..];
        if after.starts_with(['）', ')', '有', '股', '公'])
            || company_spans
                .iter()
                .any(|&(s, e)| s < m.end() && m.end() <= e)
        {
            continue;
        }
        if let Some(name) = clean_cn(m.as_str()) {
            let start = m.end() - name.len();
            let alone = text.trim().trim_matches('*') == name;
            if strong || alone || DEFINED.is_match(after) || OPERATES.is_match(after) {
                out.push(Hit::new(Kind::Controller, start, m.end(), name));
            }
        }
    }
}

#[cfg(test)]
mod tests;
