//! Company and organisation names: the patterns that find a name in a
//! sentence (`…有限公司`, `…集团`, `Example Pte. Ltd.`, `…研究中心`) and
//! [`clean_cn`], which cuts the words of the sentence off its front
//! (`欢迎使用`, `由`, `提供给`…) and rejects generic phrases (关联公司,
//! 第三方公司, 本公司) and bare brands.
//!
//! Apart from [`super::controller`], which decides which of the names a
//! segment holds is the operator: recognising a name reads only the name,
//! deciding reads the sentence and the section around it.

use std::sync::LazyLock;

use regex::Regex;

use super::address::{CITIES, PROVINCES};

/// A Chinese company name: up to 40 name chars, then a company word.
pub(super) static CN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"[\p{Han}A-Za-z0-9（）()·®]{2,40}?(?:股份有限公司|有限责任公司|有限公司|集团公司|(?:分|总)公司|公司)")
        .expect("company regex")
});
/// A group without a legal form (`武汉地铁集团`).
pub(super) static GROUP: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"[\p{Han}A-Za-z0-9·]{2,20}?集团").expect("group regex"));
/// A company name in English: capitalised words, then a legal form.
pub(super) static EN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"[A-Z][A-Za-z0-9&\-]*(?:[ ,]+[A-Z][A-Za-z0-9&\-]*){0,6}?,? (?:Inc\.|Ltd\.|LLC|Limited|Pte\. Ltd\.|GmbH|Co\., Ltd\.|Corporation|Corp\.|S\.A\.|B\.V\.|AG|Oy|AB)")
        .expect("company regex")
});
/// An operator that is not a company (a research centre, a hospital, a
/// bank, a university; a studio, a team, a workshop or a sole trader's shop,
/// as small apps are run by): taken only where `controller::DEFINED_AS_US`
/// follows it or an operator label (`开发者：`) heads it.
pub(super) static ORG: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"[\p{Han}A-Za-z0-9（）()·+.]{2,40}?(?:研究中心|服务中心|信息中心|研究院|研究所|医院|大学|学院|银行|协会|学会|基金会|委员会|出版社|报社|电视台|工作室|团队|工坊|经营部)")
        .expect("organisation regex")
});
/// Words that make a studio or team generic (`开发团队`, `客户服务团队`):
/// what is left of an organisation's name without them and its kind must
/// still be a name.
const GENERIC_TEAM: &[&str] = &[
    "我们的",
    "我们",
    "开发",
    "运营",
    "技术",
    "研发",
    "客户服务",
    "客服",
    "服务",
    "软件",
    "产品",
    "安全",
    "应急响应",
    "数据保护",
    "专业",
    "设计",
    "项目",
    "工作",
];
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
    "企业",
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

/// The company name at the end of a pattern match that may begin inside
/// the sentence, or `None` when what is left is generic or only a brand.
pub(super) fn clean_cn(name: &str) -> Option<&str> {
    clean_name(name, MIN_CORE_CHARS)
}

/// Fewest chars of a name besides its legal form (`示例科技` of
/// `示例科技有限公司`): fewer is a brand (`腾讯公司`) or a phrase.
pub(super) const MIN_CORE_CHARS: usize = 4;
/// Fewest for a name the policy defines as “我们” (`腾讯集团（以下简称“我们”）`):
/// the definition says it is the operator's name.
pub(super) const MIN_DEFINED_CORE_CHARS: usize = 2;

/// [`clean_cn`] with the fewest chars a name's core may have.
pub(super) fn clean_name(name: &str, min_core: usize) -> Option<&str> {
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
    let unnumbered = name[start..].trim_start_matches(['）', ')']);
    let mut n = unnumbered;
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
    // A number that is the name itself (`301医院`), not a list number.
    let digits = &unnumbered[..unnumbered.len() - n.len()];
    if n.chars().count() < min_core
        && !digits.is_empty()
        && digits.bytes().all(|b| b.is_ascii_digit())
    {
        n = unnumbered;
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
    if core_len < min_core
        || rest.is_empty()
        || GENERIC.iter().any(|g| core.starts_with(g))
        || ["关联公司", "合作公司", "母公司", "子公司", "控股公司"]
            .iter()
            .any(|w| n.ends_with(w))
    {
        return None;
    }
    Some(n)
}

/// An organisation's name (from [`ORG`]) that is more than a generic team
/// or studio (`开发团队`, `我们的客户服务团队`).
pub(super) fn named_organisation(name: &str) -> bool {
    let mut rest = name;
    for kind in ["工作室", "团队", "工坊", "经营部"] {
        rest = rest.strip_suffix(kind).unwrap_or(rest);
    }
    let mut left = rest.to_string();
    for w in GENERIC_TEAM {
        left = left.replace(w, "");
    }
    left.chars().count() >= 2
}

/// Legal forms, longest first: a name ending in one is a company, where a
/// bare `…公司` may be a phrase.
const LEGAL_FORMS: &[&str] = &["股份有限公司", "有限责任公司", "有限公司", "集团公司"];

/// A CJK Unified Ideograph.
fn is_han(c: char) -> bool {
    ('\u{4e00}'..='\u{9fff}').contains(&c)
}

/// `name` is `other` with a word or two of the sentence in front
/// (`而赋比兴科技有限公司` beside `赋比兴科技有限公司`); a region in front
/// makes a different name (`北京百度网讯…` and `百度网讯…` are both kept).
pub(super) fn redundant(name: &str, other: &str) -> bool {
    name.len() > other.len()
        && name.ends_with(other)
        && (1..=2).contains(&name[..name.len() - other.len()].chars().count())
        && !REGION.is_match(&name[..name.len() - other.len()])
}

/// `name` is a short form of the legal name `legal`: a bare `…公司` or
/// `…集团` whose words begin it, with or without its region (`虎牙公司` of
/// `广州虎牙信息科技有限公司`, `中国移动通信集团` of `中国移动通信集团安徽有限公司`).
pub(super) fn short_form_of(name: &str, legal: &str) -> bool {
    let Some(core) = name
        .strip_suffix("公司")
        .or_else(|| name.strip_suffix("集团"))
        .filter(|c| !c.is_empty())
    else {
        return false;
    };
    let unplaced = REGION
        .find(legal)
        .filter(|m| m.start() == 0)
        .map_or(legal, |m| legal[m.end()..].trim_start_matches(['省', '市']));
    legal.starts_with(core) || unplaced.starts_with(core)
}

/// A legal form (`有限公司`, `股份有限公司`, `集团公司`), not a bare `…公司`.
pub(super) fn legal_form(name: &str) -> bool {
    LEGAL_FORMS.iter().any(|f| name.ends_with(f))
}
