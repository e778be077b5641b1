//! The operator (PI controller / processor): legal company names such as
//! `杭州示例科技有限公司` or `Example Pte. Ltd.`, taken where a policy says
//! who it is — an operator cue in the sentence (运营/开发/提供…, 以下简称,
//! “我们”, 控制者/处理者) or an intro, definition or contact section. Brands
//! alone and generic phrases (关联公司, 第三方公司, 本公司) are not companies.

use std::sync::LazyLock;

use regex::Regex;

use super::address::{CITIES, PROVINCES};
use super::{Hit, Kind};

static CN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"[\p{Han}A-Za-z0-9（）()·®]{2,40}?(?:股份有限公司|有限责任公司|有限公司|集团公司|(?:分|总)公司|公司)")
        .expect("company regex")
});
static GROUP: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"[\p{Han}A-Za-z0-9·]{2,20}?集团").expect("group regex"));
static EN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"[A-Z][A-Za-z0-9&\-]*(?:[ ,]+[A-Z][A-Za-z0-9&\-]*){0,6}?,? (?:Inc\.|Ltd\.|LLC|Limited|Pte\. Ltd\.|GmbH|Co\., Ltd\.|Corporation|Corp\.|S\.A\.|B\.V\.|AG|Oy|AB)")
        .expect("company regex")
});
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
    Regex::new(&format!(r"^\s*(?:[（(]\s*(?:{DEFINE_WORDS}|“(?:我们|我行|本行|我司)”|\x22我们\x22)|[，,]\s*(?:以下简称|以下统称|以下称)\s*[“\x22])"))
        .expect("definition regex")
});
/// The words that open a definition (`（以下简称…`).
const DEFINE_WORDS: &str = "以下简称|以下统称|以下称|简称|统称|下称";
/// The definition names the operator itself: `（以下统称“我们”）` after a
/// list of companies, `，以下简称“我们”` after an organisation.
static DEFINED_AS_US: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"^\s*[（(，,]\s*(?:{DEFINE_WORDS})?\s*[“\x22](?:我们|我行|本行|我司|本公司)[”\x22]"
    ))
    .expect("definition regex")
});
/// An operator that is not a company (a research centre, a hospital, a
/// bank, a university): taken only where [`DEFINED_AS_US`] follows it.
static ORG: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"[\p{Han}A-Za-z0-9（）()·]{2,40}?(?:研究中心|服务中心|信息中心|研究院|研究所|医院|大学|学院|银行|协会|学会|基金会|委员会|出版社|报社|电视台)")
        .expect("organisation regex")
});
/// A definition item whose term is the operator (`（2）公司：西安…有限公司`,
/// `我们：指…`): a strong cue.
static OPERATOR_TERM: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\s*(?:[（(]?[0-9一二三四五六七八九十]{1,3}[）)、.．]\s*)?(?:本公司|公司|我们|我司|运营方|运营者|服务提供者|服务提供方)\s*[：:]")
        .expect("operator term regex")
});
/// A definition of the operator as a company and its affiliates
/// (`桔多多：指北京桔子…有限公司及…的关联公司，例如…`, `咪咕公司：咪咕文化
/// 科技有限公司及其五个子公司…`): the first company is the operator, the
/// affiliates listed after it are not.
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
/// Region names a company name usually starts with (`使用上海酷杨网络科技有限
/// 公司` → `上海酷杨网络科技有限公司`): the place names addresses start with,
/// and two cities common in company registrations.
static REGION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!("{PROVINCES}|{CITIES}|绵阳|霍尔果斯")).expect("region regex")
});
/// Industry words that make up the generic tail of a name.
const INDUSTRY: &[&str] = &[
    "网络",
    "科技",
    "信息",
    "技术",
    "软件",
    "数据",
    "电子",
    "商务",
    "文化",
    "传播",
    "互联网",
    "发展",
    "服务",
    "移动",
    "智能",
];
/// Greetings and notes that run into the name (`欢迎使用…有限公司`).
const LEAD_INS: &[&str] = &[
    "欢迎您使用",
    "欢迎使用",
    "欢迎您",
    "欢迎",
    "感谢您使用",
    "感谢使用",
    "特别提示",
    "温馨提示",
    "提示",
];
/// Boundary characters that also occur inside names (`深圳市和讯华谷…`,
/// `友盟同欣…`): a region name before them still starts the name.
const SOFT: &[char] = &[
    '和', '同', '与', '及', '即', '对', '经', '在', '含', '受', '将', '从', '属', '归', '以', '于',
    '至', '鉴', '证', '者', '指', '被', '向', '或', '系', '给',
];
static SECTION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"定义|引言|前言|导言|概述|简介|说明|提示|联系|关于我们|适用范围|总则|基本信息|主体")
        .expect("section regex")
});

/// Words after which a company name starts (the regex match may begin
/// earlier, inside the sentence).
const CUT_AFTER: &[char] = &[
    '由', '是', '为', '系', '指', '属', '归', '含', '以', '于', '至', '鉴', '请', '者', '证', '与',
    '和', '及', '即', '或', '向', '受', '被', '的', '在', '将', '经', '对', '从', '给', '同', '：',
    ':', '“', '”', '"', '《', '》', '、', '，', ',', '「', '」', '【', '】', ' ',
];

/// Generic heads that make a phrase a category, not a company.
const GENERIC: &[&str] = &[
    "关联",
    "第三方",
    "第三",
    "其他",
    "其它",
    "本",
    "该",
    "我们",
    "我司",
    "贵",
    "合作",
    "任何",
    "相关",
    "子",
    "母",
    "控股",
    "上述",
    "此类",
    "这些",
    "一家",
    "各",
    "支付",
    "物流",
    "快递",
    "保险",
    "运营商",
    "电信",
    "通信",
    "云服务",
    "技术服务",
    "广告",
    "外部",
    "境外",
    "集团",
    "分",
    "总",
    "公司",
];

/// Where a company name starts, given the cut after the last boundary
/// character: usually at a region name (`上海…`, `深圳市…`), which company
/// names begin with.
fn region_start(name: &str, cut: usize) -> usize {
    let mut start = cut;
    // Regions not in brackets (`米哈游科技（上海）` keeps its brand).
    let regions: Vec<usize> = REGION
        .find_iter(name)
        .map(|m| m.start())
        .filter(|&p| !name[..p].ends_with(['（', '(']))
        .collect();
    // A region before the cut, with only Chinese and soft boundaries
    // between, starts the name: `提供给深圳市和讯华谷信息技术有限公司`.
    if let Some(&p) = regions.iter().find(|&&p| {
        p < start
            && name[p..start].chars().count() <= 12
            && name[p..start]
                .chars()
                .all(|c| is_han(c) && (!CUT_AFTER.contains(&c) || SOFT.contains(&c)))
    }) {
        start = p;
    }
    // The last region after the start starts the name (`使用上海酷杨…`,
    // `纳米盒App集成了上海兆言…`, `（1）上海互盾…`, an address before the
    // name), unless it is a branch (`中国移动通信集团江苏有限公司`) or what
    // comes before is itself a region (`福建省福州市…`).
    if let Some(&p) = regions.iter().rev().find(|&&p| p > start) {
        let lead = &name[start..p];
        let rest = &name[p..];
        let after_region = REGION
            .find(rest)
            .map_or(rest, |m| &rest[m.end()..])
            .trim_start_matches(['省', '市']);
        let own_words = LEGAL_FORMS
            .iter()
            .chain(&["公司"])
            .find_map(|x| after_region.strip_suffix(x))
            .unwrap_or(after_region)
            .chars()
            .count();
        let lead_is_region = REGION
            .replace_all(lead, "")
            .trim_matches(['省', '市', '区'])
            .is_empty();
        if !lead.contains("公司") && !lead.contains("集团") && own_words >= 2 && !lead_is_region
        {
            start = p;
        }
    }
    start
}

fn clean_cn(name: &str) -> Option<&str> {
    // Cut after the last boundary character before the name proper; an
    // opening parenthesis closed inside the name (上海示例（集团）有限公司) is
    // part of it.
    let mut start = 0;
    for (b, c) in name.char_indices() {
        let boundary = match c {
            '（' | '(' => !name[b..].contains(['）', ')']),
            '）' | ')' => false,
            // Words of a name that start with a boundary character
            // (`中信证券股份有限公司`, `…保险经纪有限公司`, `众安在线…`).
            _ if ["证券", "经纪", "经济", "对外", "在线"]
                .iter()
                .any(|w| name[b..].starts_with(w)) =>
            {
                false
            }
            _ => CUT_AFTER.contains(&c),
        };
        if boundary {
            start = b + c.len_utf8();
        }
    }
    let start = region_start(name, start);
    let mut n = name[start..].trim_start_matches(['）', ')']);
    loop {
        let before = n;
        n = n.trim_start_matches(|c: char| c.is_ascii_digit() || "()（）.、".contains(c));
        for l in LEAD_INS {
            n = n.strip_prefix(l).unwrap_or(n);
        }
        if n == before {
            break;
        }
    }
    let core = n
        .trim_end_matches("公司")
        .trim_end_matches("集团")
        .trim_end_matches("有限")
        .trim_end_matches("股份")
        .trim_end_matches("有限责任");
    let core_len = core.chars().count();
    // `网络科技有限公司` alone: a name cut at its brand.
    let mut rest = core;
    while let Some(w) = INDUSTRY.iter().find(|w| rest.starts_with(**w)) {
        rest = &rest[w.len()..];
    }
    if core_len < 4
        || rest.is_empty()
        || GENERIC.iter().any(|g| core.starts_with(g))
        || n.ends_with("关联公司")
        || n.ends_with("合作公司")
    {
        return None;
    }
    Some(n)
}

/// Legal forms, longest first: a name ending in one is a company, where a
/// bare `…公司` may be a phrase.
const LEGAL_FORMS: &[&str] = &["股份有限公司", "有限责任公司", "有限公司", "集团公司"];

fn is_han(c: char) -> bool {
    ('\u{4e00}'..='\u{9fff}').contains(&c)
}

/// `name` is `other` with a word or two of the sentence in front
/// (`而赋比兴科技有限公司` beside `赋比兴科技有限公司`); a region in front
/// makes a different name (`北京百度网讯…` and `百度网讯…` are both kept).
pub(crate) fn redundant(name: &str, other: &str) -> bool {
    name.len() > other.len()
        && name.ends_with(other)
        && (1..=2).contains(&name[..name.len() - other.len()].chars().count())
        && !REGION.is_match(&name[..name.len() - other.len()])
}

/// A legal form (`有限公司`, `股份有限公司`, `集团公司`), not a bare `…公司`.
fn legal_form(name: &str) -> bool {
    LEGAL_FORMS.iter().any(|f| name.ends_with(f))
}

pub(crate) fn find(text: &str, heading_path: &[String], out: &mut Vec<Hit>) {
    let section = heading_path.is_empty() || heading_path.iter().any(|h| SECTION.is_match(h));
    let cue = CUE.is_match(text);
    let names: Vec<(usize, usize, &str)> = CN
        .find_iter(text)
        .filter_map(|m| clean_cn(m.as_str()).map(|n| (m.end() - n.len(), m.end(), n)))
        .collect();
    let under_sharing = heading_path.iter().any(|h| THIRD_PARTY_SECTION.is_match(h));
    // A line that is nothing but a company name (the signature closing a
    // policy), or a company name heading a contact block, names the
    // operator; under a sharing heading it is a partner.
    // A name under a heading that is itself a company name is an item of a
    // list of companies (a table of SDK makers flattened into lines).
    let alone = names.len() == 1
        && !under_sharing
        && !heading_path
            .last()
            .is_some_and(|h| CN.is_match(h) && !h.contains(names[0].2))
        && (names[0].2 == text.trim()
            || (names[0].0 == text.len() - text.trim_start().len()
                && CONTACT_AFTER.is_match(&text[names[0].1..])));
    let term = OPERATOR_TERM.is_match(text);
    if !section && !cue && !alone && !term {
        return;
    }
    let strong = term || STRONG_CUE.is_match(text);
    // `…研究中心，以下简称“我们”`: an operator that is no company (only
    // where a strong cue is: the definition holds one).
    if strong {
        for m in ORG.find_iter(text) {
            if DEFINED_AS_US.is_match(&text[m.end()..])
                && let Some(name) = clean_cn(m.as_str())
            {
                out.push(Hit::new(
                    Kind::Controller,
                    m.end() - name.len(),
                    m.end(),
                    name,
                ));
            }
        }
    }
    // SDK lists, partners and recipients name other companies: in a
    // sharing section (unless the innermost heading is a contact one:
    // numbering slips can put a contact block under a transfer heading), a
    // segment about an SDK, or after a partner word in the same sentence
    // (`第三方支付服务由…公司提供`; but `适用于由…公司提供的所有服务，不适用于
    // 第三方产品` names the operator).
    let sharing_section = under_sharing
        && !heading_path
            .last()
            .is_some_and(|h| CONTACT_SECTION.is_match(h));
    let sdk = text.contains("SDK") || text.contains("sdk");
    let third_party = |start: usize| {
        let sentence_start = text[..start].rfind(['。', '；']).map_or(0, |i| i + 3);
        sharing_section || sdk || THIRD_PARTY.is_match(&text[sentence_start..start])
    };
    // A maker of an SDK or a partner service, wherever else the segment
    // names it (`由…公司开发，用于…。…公司承诺不获取…`); a registered agent
    // (`入驻深圳市前海商务秘书有限公司`).
    let parts: Vec<&str> = names
        .iter()
        .filter(|&&(start, end, _)| {
            PROVIDES_A_PART.is_match(&text[end..]) || text[..start].ends_with("入驻")
        })
        .map(|n| n.2)
        .collect();
    // `使用竞技世界公司`, `不会影响公司`: a bare `…公司` counts only where
    // it is defined or stands alone.
    let names: Vec<(usize, usize, &str)> = names
        .into_iter()
        .filter(|&(start, end, n)| {
            let defined = DEFINED.is_match(&text[end..]);
            // `外部第三方（非西安…有限公司）`: the one company a third party is not.
            let not_third = text[..start].ends_with("（非") || text[..start].ends_with("(非");
            (strong || defined || alone || not_third || !third_party(start))
                && !parts.contains(&n)
                && (legal_form(n) || alone || defined)
        })
        .collect();
    // A definition of the operator and its affiliates: its first company.
    if let Some(&(start, end, name)) = names.first() {
        let defined_term = text[..start].trim_end();
        let defines = defined_term.ends_with(['：', ':', '指']);
        if defines
            && !OTHER_TERM.is_match(defined_term)
            && defined_term.chars().count() <= 24
            && AND_AFFILIATES.is_match(&text[end..])
        {
            out.push(Hit::new(Kind::Controller, start, end, name));
            return;
        }
    }
    // Three or more companies in one segment are a list of affiliates or
    // partners, not the operator, unless the list itself is defined as
    // “我们” (`甲公司、乙公司和丙公司（以下统称“我们”）`).
    let distinct: std::collections::BTreeSet<&str> = names.iter().map(|n| n.2).collect();
    let list_is_us = names.windows(2).all(|w| {
        matches!(
            text[w[0].1..w[1].0].trim(),
            "、" | "和" | "及" | "与" | "以及" | "，" | ","
        )
    }) && names
        .last()
        .is_some_and(|&(_, end, _)| DEFINED_AS_US.is_match(&text[end..]));
    if distinct.len() > 2 && !list_is_us {
        return;
    }
    for (start, end, name) in names {
        out.push(Hit::new(Kind::Controller, start, end, name));
    }
    for m in GROUP.find_iter(text) {
        // "上海外服（集团）有限公司" is a company name, found above.
        let after = &text[m.end()..];
        if after.starts_with(['）', ')', '有', '股', '公']) {
            continue;
        }
        if let Some(name) = clean_cn(m.as_str()) {
            let start = m.end() - name.len();
            out.push(Hit::new(Kind::Controller, start, m.end(), name));
        }
    }
    for m in EN.find_iter(text) {
        out.push(Hit::new(Kind::Controller, m.start(), m.end(), m.as_str()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(t: &str, h: &[&str]) -> Vec<String> {
        let h: Vec<String> = h.iter().map(|s| s.to_string()).collect();
        let mut v = Vec::new();
        find(t, &h, &mut v);
        v.into_iter().map(|h| h.value).collect()
    }

    #[test]
    fn operator_names() {
        assert_eq!(
            names("本应用由杭州青鸟云笔记科技有限公司运营。", &["一、引言"]),
            ["杭州青鸟云笔记科技有限公司"]
        );
        assert_eq!(
            names("上海示例（集团）有限公司（简称“我们”）制定本政策。", &[]),
            ["上海示例（集团）有限公司"]
        );
        assert_eq!(
            names(
                "This service is provided by Example Tech Pte. Ltd. (“we”).",
                &[]
            ),
            ["Example Tech Pte. Ltd."]
        );
    }

    #[test]
    fn groups_without_legal_suffix() {
        assert_eq!(
            names("本服务由武汉示例地铁集团运营。", &[]),
            ["武汉示例地铁集团"]
        );
        assert_eq!(
            names(
                "为此，上海外服（集团）有限公司（简称“我们”）制定本政策。",
                &[]
            ),
            ["上海外服（集团）有限公司"]
        );
    }

    #[test]
    fn generic_phrases_and_brands_are_not_companies() {
        assert!(names("我们可能与关联公司共享信息，但不会提供给第三方公司。", &[]).is_empty());
        assert!(names("本公司将严格保密。", &[]).is_empty());
        assert!(names("欢迎使用青鸟笔记。", &[]).is_empty());
        assert!(names("本应用由 网络科技有限公司运营。", &[]).is_empty());
    }

    #[test]
    fn lists_of_affiliates_and_signature_lines() {
        assert!(names("关联公司包括甲地示例保险有限公司、乙地示例资产管理有限公司、丙地示例健康有限公司等。", &[]).is_empty());
        assert_eq!(
            names("武汉示例地铁科技有限公司", &["八、其他"]),
            ["武汉示例地铁科技有限公司"]
        );
        assert_eq!(
            names("公司名称：青岛示例文化传播有限公司", &["联系我们"]),
            ["青岛示例文化传播有限公司"]
        );
    }

    #[test]
    fn words_run_into_the_name_are_cut() {
        for (text, name) in [
            (
                "欢迎您使用示例游科技（上海）有限公司（以下简称“我们”）的产品。",
                "示例游科技（上海）有限公司",
            ),
            (
                "特别提示成都示例斑点网络科技有限公司（以下简称“我们”）提醒您：",
                "成都示例斑点网络科技有限公司",
            ),
            (
                "当您注册上海示例信息科技有限公司运营的账号时，请阅读本政策。",
                "上海示例信息科技有限公司",
            ),
            (
                "本应用由深圳市和示例华谷信息技术有限公司运营。",
                "深圳市和示例华谷信息技术有限公司",
            ),
        ] {
            assert_eq!(names(text, &["引言"]), [name], "{text}");
        }
    }

    #[test]
    fn bare_company_words_and_third_parties_are_not_operators() {
        assert!(
            names(
                "您撤回同意不会影响公司此前基于您的授权进行的处理。",
                &["引言"]
            )
            .is_empty()
        );
        assert!(
            names(
                "当您使用竞技示例公司提供的服务时，我们会收集您的信息。",
                &["引言"]
            )
            .is_empty()
        );
        assert_eq!(
            names("乐堂示例动漫公司（以下简称“我们”）提供本服务。", &[]),
            ["乐堂示例动漫公司"]
        );
        assert!(
            names(
                "示例App集成了上海示例兆言网络科技有限公司提供的语音SDK。",
                &["引言"]
            )
            .is_empty()
        );
        assert!(
            names(
                "SDK提供方：北京示例网讯科技有限公司，用于提供定位服务。",
                &["说明"]
            )
            .is_empty()
        );
    }

    #[test]
    fn partners_named_in_sdk_sentences_and_sharing_lists() {
        assert!(
            names(
                "本应用会内嵌合作伙伴的软件工具开发包（以下简称“SDK”）。为实现推送，我们使用了上海示例游昆信息技术有限公司提供的推送产品。",
                &["7、消息推送"]
            )
            .is_empty()
        );
        assert!(
            names(
                "深圳市示例计算机系统有限公司",
                &[
                    "四、我们如何共享、转让、公开披露您的个人信息",
                    "2) 第三方授权合作伙伴"
                ]
            )
            .is_empty()
        );
        assert!(
            names(
                "深圳市示例华谷信息技术有限公司",
                &["示例睡眠隐私政策", "五、我们如何分享信息", "*极光"]
            )
            .is_empty()
        );
        for text in [
            "（ d ）极光推送 ，由深圳市示例华谷信息技术有限公司开发，用于消息推送。",
            "（1）地图服务由示例软件有限公司提供，我们会接入其SDK。",
            "示例统计（由阿里示例计算有限公司提供）：为分析您使用我们的服务情况。",
            "10）、“示例针”：由“示例针信息技术有限公司”提供API接口，用于广告的检测统计。",
            "（h）微信支付，由深圳市示例计算机系统有限公司开发，用于用户购买服务，深圳市示例计算机系统有限公司承诺不获取用户隐私信息。",
        ] {
            assert!(names(text, &["引言"]).is_empty(), "{text}");
        }
        assert_eq!(
            names(
                "示例相机是由深圳市示例通信技术有限公司开发、运营、管理的一款应用软件产品。",
                &["引言"]
            ),
            ["深圳市示例通信技术有限公司"]
        );
        // 0759: a table of SDK makers flattened into lines, one name each.
        assert!(
            names(
                "霍尔果斯示例数据科技有限公司",
                &["十、附则", "友盟示例（北京）科技有限公司"]
            )
            .is_empty()
        );
        // 0920: a contact block under its own name, taken for a heading.
        assert_eq!(
            names(
                "深圳市示例网络科技有限公司 地址：深圳市福田区示例路1号 E-mail：a@b.cn",
                &["4.用户信息保护", "深圳市示例网络科技有限公司"]
            ),
            ["深圳市示例网络科技有限公司"]
        );
        // A contact block that numbering slips put under a transfer heading.
        assert_eq!(
            names(
                "（四）本公司名称：龙威示例（北京）科技有限公司，本公司注册地址：北京市朝阳区示例路1号",
                &["3.收购、兼并、重组时个人信息的转让", "（五）投诉举报"]
            ),
            ["龙威示例（北京）科技有限公司"]
        );
    }

    #[test]
    fn sentence_words_in_front_of_a_name_are_redundant() {
        assert!(redundant(
            "而赋比兴示例科技有限公司",
            "赋比兴示例科技有限公司"
        ));
        assert!(!redundant(
            "北京百度示例科技有限公司",
            "百度示例科技有限公司"
        ));
        assert!(!redundant(
            "赋比兴示例科技有限公司",
            "赋比兴示例科技有限公司"
        ));
        assert!(!redundant(
            "上海示例长名字网络科技有限公司",
            "网络科技有限公司"
        ));
    }

    #[test]
    fn definitions_contact_blocks_and_organisations() {
        // A definition of the operator and its affiliates: the first company.
        assert_eq!(
            names(
                "1．示例多：指北京示例分期电子商务有限公司及北京示例分期电子商务有限公司的关联公司，例如大连示例多科技有限公司、辽宁示例数字科技有限公司等。",
                &["一、定义"]
            ),
            ["北京示例分期电子商务有限公司"]
        );
        assert_eq!(
            names(
                "1、示例公司：示例文化科技有限公司及其五个子公司示例音乐有限公司、示例视讯科技有限公司、示例动漫有限公司。",
                &["第三条 定义："]
            ),
            ["示例文化科技有限公司"]
        );
        // … but not a definition of the affiliates themselves.
        assert!(
            names(
                "关联公司：指示例控股有限公司及其子公司，例如甲地示例科技有限公司、乙地示例科技有限公司。",
                &["一、定义"]
            )
            .is_empty()
        );
        // A list of companies defined together as “我们”.
        assert_eq!(
            names(
                "非常感谢您对示例印书馆有限公司、上海示例数字出版科技有限公司和上海示例笛数字出版科技有限公司（以下统称“我们”）的信任和支持。",
                &["用户隐私政策"]
            ),
            [
                "示例印书馆有限公司",
                "上海示例数字出版科技有限公司",
                "上海示例笛数字出版科技有限公司"
            ]
        );
        assert_eq!(
            names(
                "示例银行股份有限公司（“我行”）深知个人信息对您的重要性。",
                &["示例银行股份有限公司隐私政策"]
            ),
            ["示例银行股份有限公司"]
        );
        assert_eq!(
            names("（2）公司：西安示例瓢虫网络科技有限公司", &["十三、变更"]),
            ["西安示例瓢虫网络科技有限公司"]
        );
        // A name heading a contact block, under a heading numbering slipped.
        assert_eq!(
            names(
                "北京示例互联科技有限公司 地址：北京市东城区示例路12号602 联系电话：010-64470000",
                &["十六、争议解决"]
            ),
            ["北京示例互联科技有限公司"]
        );
        assert_eq!(
            names(
                "示例网技术（中国）有限公司（注册地址/常用办公地址：北京市海淀区示例路1号；联系方式：4006900000）深知个人信息安全的重要性。",
                &["示例隐私政策"]
            ),
            ["示例网技术（中国）有限公司"]
        );
        // An operator that is no company, defined as “我们”.
        assert_eq!(
            names(
                "平台服务提供者：是指研发并提供平台产品和服务的示例宣传研究中心，以下简称“我们”。",
                &["第一部分 定义"]
            ),
            ["示例宣传研究中心"]
        );
        assert!(names("您可以前往示例大学附属医院就诊。", &["引言"]).is_empty());
        assert_eq!(
            names(
                "请您理解，您主动向外部第三方（非西安示例软件科技有限公司）提供的个人信息，我们不会干预。",
                &["引言"]
            ),
            ["西安示例软件科技有限公司"]
        );
    }

    #[test]
    fn names_holding_a_boundary_character() {
        assert_eq!(
            names(
                "“示例信e投”（以下简称《信e投》）是中信示例证券股份有限公司（以下简称《示例证券》）基于客户的需求，向客户提供服务的平台。",
                &["互联网账户协议"]
            ),
            ["中信示例证券股份有限公司"]
        );
        assert_eq!(
            names("本服务由示例保险经纪有限公司（以下简称“我们”）提供。", &[]),
            ["示例保险经纪有限公司"]
        );
        // `在线` (online) and a registered mark inside a name.
        assert_eq!(
            names(
                "本服务由众示在线财产保险股份有限公司（以下简称“我们”）提供。",
                &[]
            ),
            ["众示在线财产保险股份有限公司"]
        );
        assert_eq!(
            names(
                "本平台由上海示例说®英语信息技术有限公司（以下简称“我们”）运营。",
                &[]
            ),
            ["上海示例说®英语信息技术有限公司"]
        );
    }

    #[test]
    fn needs_a_cue_or_an_intro_section() {
        assert!(
            names(
                "我们接入了杭州某某网络技术有限公司的推送服务。",
                &["三、共享", "（一）第三方SDK"]
            )
            .is_empty()
        );
    }
}
