//! Contact data: phones (400/800 hotlines, landlines with area codes in any
//! separator style, mobiles, `+86`, short service numbers after a hotline
//! word), emails (stray spaces as in `kefu @360.cn` removed), URLs, postal
//! addresses (province/city → district → road → number → building/room) and
//! postcodes. Digit runs glued to other digits or letters are never phones,
//! so dates, version numbers, amounts and ID-card examples are left alone.

use std::sync::LazyLock;

use regex::Regex;

use super::{Hit, Kind};

static PHONE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"(?:\+86|（\+86）|\(\+86\))?[-\s]?",
        r"(?:",
        r"[48]00[-\s－]?\d{3}[-\s－]?\d{4}", // 400/800 hotlines
        r"|1[3-9]\d[-\s－]?\d{4}[-\s－]?\d{4}", // mobiles
        r"|(?:\(0\d{2,3}\)|（0\d{2,3}）|0\d{2,3})[-\s－—]?\d{3,4}[-\s－]?\d{4}(?:[-转]\d{1,5})?", // landlines
        r")"
    ))
    .expect("phone regex")
});
static SHORT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(电话|热线|客服|致电|拨打)[^0-9。；]{0,6}((?:95|96|10|12)\d{3,4})")
        .expect("short phone regex")
});
static EMAIL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"[A-Za-z0-9][A-Za-z0-9._%+\-]*\s?[@＠]\s?[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}").expect("email regex")
});
static URL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:https?://|www\.)[A-Za-z0-9\-._~:/?#\[\]@!$&'*+,;=%]+").expect("url regex")
});
static ADDRESS: LazyLock<Regex> = LazyLock::new(|| {
    let prov = "北京|天津|上海|重庆|河北|山西|辽宁|吉林|黑龙江|江苏|浙江|安徽|福建|江西|山东|河南|湖北|湖南|广东|海南|四川|贵州|云南|陕西|甘肃|青海|台湾|内蒙古|广西|西藏|宁夏|新疆|香港|澳门";
    Regex::new(&format!(
        concat!(
            r"(?:(?:{p})(?:省|市|自治区|壮族自治区|回族自治区|维吾尔自治区|特别行政区)?|\p{{Han}}{{2,4}}市)",
            r"[\p{{Han}}0-9A-Za-z０-９（）()\-－#·]{{1,40}}?",
            r"(?:[0-9０-９]+(?:-[0-9]+)?|[一二三四五六七八九十百]+)号",
            r"(?:[\p{{Han}}0-9A-Za-z０-９\-－#（）()]{{0,16}}?(?:楼|层|室|座|单元|栋|幢|号楼|房|大厦|中心|广场))*"
        ),
        p = prov
    ))
    .expect("address regex")
});
static POSTCODE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(邮编|邮政编码)\s*[:：]?\s*(\d{6})").expect("postcode regex"));

fn glued(text: &str, start: usize, end: usize) -> bool {
    let before = text[..start].chars().next_back();
    let after = text[end..].chars().next();
    before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '.' || c == '/')
        || after.is_some_and(|c| {
            c.is_ascii_alphanumeric()
                || c == '/'
                || (c == '.' && text[end + 1..].starts_with(|d: char| d.is_ascii_digit()))
        })
}

/// Leading words that belong to the label, not the address.
const ADDRESS_LABELS: &[&str] = &[
    "联系地址",
    "注册地址",
    "办公地址",
    "通讯地址",
    "通信地址",
    "公司地址",
    "住所地",
    "地址",
    "住所",
    "位于",
    "址",
    "为",
    "于",
    "在",
    "是",
    "：",
    ":",
];

pub(crate) fn find(text: &str, out: &mut Vec<Hit>) {
    for m in PHONE.find_iter(text) {
        let (mut s, e) = (m.start(), m.end());
        while text[s..].starts_with([' ', '-']) {
            s += 1;
        }
        if glued(text, s, e) {
            continue;
        }
        let raw = &text[s..e];
        let digits: String = raw.chars().filter(|c| c.is_ascii_digit()).collect();
        let value = if raw.contains("+86") {
            format!("+{digits}")
        } else {
            digits
        };
        out.push(Hit::new(Kind::Phone, s, e, value));
    }
    for c in SHORT.captures_iter(text) {
        let m = c.get(2).expect("group");
        if !glued(text, m.start(), m.end()) {
            out.push(Hit::new(Kind::Phone, m.start(), m.end(), m.as_str()));
        }
    }
    for m in EMAIL.find_iter(text) {
        let value: String = m
            .as_str()
            .chars()
            .filter(|c| !c.is_whitespace())
            .map(|c| {
                if c == '＠' {
                    '@'
                } else {
                    c.to_ascii_lowercase()
                }
            })
            .collect();
        out.push(Hit::new(Kind::Email, m.start(), m.end(), value));
    }
    for m in URL.find_iter(text) {
        let t = m.as_str().trim_end_matches(['.', ',', ';', ':', ')', ']']);
        if t.len() > 7 && !t.contains('@') {
            out.push(Hit::new(Kind::Url, m.start(), m.start() + t.len(), t));
        }
    }
    for m in ADDRESS.find_iter(text) {
        let mut s = m.start();
        loop {
            let rest = &text[s..m.end()];
            match ADDRESS_LABELS.iter().find(|l| rest.starts_with(**l)) {
                Some(l) => s += l.len(),
                None => break,
            }
        }
        let t = &text[s..m.end()];
        if t.chars().count() >= 6 {
            out.push(Hit::new(Kind::Address, s, m.end(), t));
        }
    }
    for c in POSTCODE.captures_iter(text) {
        let m = c.get(2).expect("group");
        if !glued(text, m.start(), m.end()) {
            out.push(Hit::new(Kind::Postcode, m.start(), m.end(), m.as_str()));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(t: &str, k: Kind) -> Vec<String> {
        let mut v = Vec::new();
        find(t, &mut v);
        v.into_iter()
            .filter(|h| h.kind == k)
            .map(|h| h.value)
            .collect()
    }

    #[test]
    fn phones_in_every_style() {
        assert_eq!(
            values("客服电话：400-820-1234", Kind::Phone),
            ["4008201234"]
        );
        assert_eq!(
            values("热线4008201234或 800 820 1234", Kind::Phone),
            ["4008201234", "8008201234"]
        );
        assert_eq!(
            values("请致电028-8765 4321。", Kind::Phone),
            ["02887654321"]
        );
        assert_eq!(values("电话：(010)12345678", Kind::Phone), ["01012345678"]);
        assert_eq!(
            values("手机：+86 138 1234 5678", Kind::Phone),
            ["+8613812345678"]
        );
        assert_eq!(values("拨打客服热线95511咨询", Kind::Phone), ["95511"]);
    }

    #[test]
    fn dates_versions_amounts_and_ids_are_not_phones() {
        assert!(values("更新日期：2023-11-01，版本 1.2.3456789", Kind::Phone).is_empty());
        assert!(values("身份证号示例：110101199003074512", Kind::Phone).is_empty());
        assert!(values("订单金额 13800138000.00 元", Kind::Phone).is_empty());
        assert!(values("版本号V13812345678", Kind::Phone).is_empty());
    }

    #[test]
    fn emails_urls_postcodes() {
        assert_eq!(values("邮箱：kefu @360.cn", Kind::Email), ["kefu@360.cn"]);
        assert_eq!(
            values("发送至 Privacy@Example.COM。", Kind::Email),
            ["privacy@example.com"]
        );
        assert_eq!(
            values("详见 https://www.example.cn/privacy。", Kind::Url),
            ["https://www.example.cn/privacy"]
        );
        assert_eq!(values("邮编：310012", Kind::Postcode), ["310012"]);
    }

    #[test]
    fn postal_addresses() {
        assert_eq!(
            values(
                "联系地址：浙江省杭州市西湖区文三路88号青鸟大厦12层，邮编：310012",
                Kind::Address
            ),
            ["浙江省杭州市西湖区文三路88号青鸟大厦12层"]
        );
        assert_eq!(
            values("地址：深圳市南山区科技园南路18号蓝鲸大厦5楼", Kind::Address),
            ["深圳市南山区科技园南路18号蓝鲸大厦5楼"]
        );
        assert_eq!(
            values("北京市海淀区中关村大街1号", Kind::Address),
            ["北京市海淀区中关村大街1号"]
        );
        assert!(values("我们位于北京，欢迎来访。", Kind::Address).is_empty());
    }
}
