//! The operator (PI controller / processor): legal company names such as
//! `杭州示例科技有限公司` or `Example Pte. Ltd.`, taken where a policy says
//! who it is — an operator cue in the sentence (运营/开发/提供…, 以下简称,
//! “我们”, 控制者/处理者) or an intro, definition or contact section. Brands
//! alone and generic phrases (关联公司, 第三方公司, 本公司) are not companies.

use std::sync::LazyLock;

use regex::Regex;

use super::{Hit, Kind};

static CN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"[\p{Han}A-Za-z0-9（）()·]{2,40}?(?:股份有限公司|有限责任公司|有限公司|集团公司|(?:分|总)公司|公司)")
        .expect("company regex")
});
static GROUP: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"[\p{Han}A-Za-z0-9·]{2,20}?集团").expect("group regex"));
static EN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"[A-Z][A-Za-z0-9&\-]*(?:[ ,]+[A-Z][A-Za-z0-9&\-]*){0,6}?,? (?:Inc\.|Ltd\.|LLC|Limited|Pte\. Ltd\.|GmbH|Co\., Ltd\.|Corporation|Corp\.|S\.A\.|B\.V\.|AG|Oy|AB)")
        .expect("company regex")
});
static CUE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"运营|开发|提供|经营|负责|以下简称|以下称|简称|“我们”|\x22我们\x22|我们是|控制者|处理者|服务提供者|主体|运营者|运营方|指|名称|制定|解释权|版权所有|著作权|Copyright|©")
        .expect("cue regex")
});
static SECTION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"定义|引言|前言|导言|说明|提示|联系|关于我们|适用范围|总则|基本信息|主体")
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

fn clean_cn(name: &str) -> Option<&str> {
    // Cut after the last boundary character before the name proper; an
    // opening parenthesis closed inside the name (上海示例（集团）有限公司) is
    // part of it.
    let mut start = 0;
    for (b, c) in name.char_indices() {
        let boundary = match c {
            '（' | '(' => !name[b..].contains(['）', ')']),
            '）' | ')' => false,
            _ => CUT_AFTER.contains(&c),
        };
        if boundary {
            start = b + c.len_utf8();
        }
    }
    let n = name[start..].trim_start_matches(['）', ')']);
    let core = n
        .trim_end_matches("公司")
        .trim_end_matches("集团")
        .trim_end_matches("有限")
        .trim_end_matches("股份")
        .trim_end_matches("有限责任");
    let core_len = core.chars().count();
    if core_len < 4
        || GENERIC.iter().any(|g| core.starts_with(g))
        || n.ends_with("关联公司")
        || n.ends_with("合作公司")
    {
        return None;
    }
    Some(n)
}

pub(crate) fn find(text: &str, heading_path: &[String], out: &mut Vec<Hit>) {
    let section = heading_path.is_empty() || heading_path.iter().any(|h| SECTION.is_match(h));
    let cue = CUE.is_match(text);
    let names: Vec<(usize, usize, &str)> = CN
        .find_iter(text)
        .filter_map(|m| clean_cn(m.as_str()).map(|n| (m.end() - n.len(), m.end(), n)))
        .collect();
    // A line that is nothing but a company name (the signature closing a
    // policy) names the operator.
    let alone = names.len() == 1 && names[0].2 == text.trim();
    if !section && !cue && !alone {
        return;
    }
    // Three or more companies in one segment are a list of affiliates or
    // partners, not the operator.
    let distinct: std::collections::BTreeSet<&str> = names.iter().map(|n| n.2).collect();
    if distinct.len() > 2 {
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
