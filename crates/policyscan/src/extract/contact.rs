//! Contact data: phones (400/800 hotlines, landlines with area codes in any
//! separator style, mobiles, `+86`, short service numbers after a hotline
//! word), emails (stray spaces as in `kefu @360.cn` removed), URLs and
//! postcodes (postal addresses: [`super::address`]). Digit runs glued to
//! other digits or letters are never phones, so dates, version numbers,
//! amounts and ID-card examples are left alone.

use std::sync::LazyLock;

use regex::Regex;

use super::{Hit, Kind};

static PHONE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"(?:\+86|（\+86）|\(\+86\))?[-\s]?",
        r"(?:",
        r"[48]00(?:[-\s－]?\d){7}", // 400/800 hotlines, grouped any way (400-8286-855, 4007-777-777)
        r"|1[3-9]\d[-\s－]?\d{4}[-\s－]?\d{4}", // mobiles
        r"|(?:\(0\d{2,3}\)|（0\d{2,3}）|0\d{2,3})[-\s－—]?\d{3,4}[-\s－]?\d{4}(?:[-转]\d{1,5})?", // landlines
        r")"
    ))
    .expect("phone regex")
});
static SHORT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(电话|热线|客服|致电|拨打)[^0-9。；]{0,6}((?:95|96|10|12)\d{2}-?\d{1,4})")
        .expect("short phone regex")
});
/// A service number named before its label (`通过95588电话客服与我行联系`).
static SHORT_BEFORE_LABEL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"((?:95|96)\d{3,4})\s*(?:客服|服务)?(?:电话|热线)").expect("short phone regex")
});
static EMAIL: LazyLock<Regex> = LazyLock::new(|| {
    // `(at)` / `[at]` for `@`: an address spelled out against spam bots.
    Regex::new(r"[A-Za-z0-9][A-Za-z0-9._%+\-]*\s?(?:[@＠]|\((?i:at)\)|\[(?i:at)\]|（(?i:at)）)\s?[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}").expect("email regex")
});
static URL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:https?://|www\.)[A-Za-z0-9\-._~:/?#\[\]@!$&'*+,;=%]+").expect("url regex")
});
static POSTCODE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(邮编|邮政编码)\s*[:：]?\s*(\d{6})").expect("postcode regex"));

fn glued(text: &str, start: usize, end: usize) -> bool {
    let before = text[..start].chars().next_back();
    let after = text[end..].chars().next();
    // `…/4001066666/0527-…` lists alternatives; `…com/4001066666` is a path.
    let slash_then_digit =
        text[end..].starts_with('/') && text[end + 1..].starts_with(|d: char| d.is_ascii_digit());
    let digit_then_slash =
        text[..start].ends_with('/') && text[..start - 1].ends_with(|d: char| d.is_ascii_digit());
    before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '.' || (c == '/' && !digit_then_slash))
        || after.is_some_and(|c| {
            c.is_ascii_alphanumeric()
                || (c == '/' && !slash_then_digit)
                || (c == '.' && text[end + 1..].starts_with(|d: char| d.is_ascii_digit()))
        })
}

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
    let short = SHORT.captures_iter(text).map(|c| c.get(2).expect("group"));
    let before_label = SHORT_BEFORE_LABEL
        .captures_iter(text)
        .map(|c| c.get(1).expect("group"));
    let mut seen = Vec::new();
    for m in short.chain(before_label) {
        if !seen.contains(&m.start()) && !glued(text, m.start(), m.end()) {
            seen.push(m.start());
            let digits: String = m.as_str().chars().filter(char::is_ascii_digit).collect();
            out.push(Hit::new(Kind::Phone, m.start(), m.end(), digits));
        }
    }
    for m in EMAIL.find_iter(text) {
        let value = m
            .as_str()
            .to_ascii_lowercase()
            .replace("(at)", "@")
            .replace("[at]", "@")
            .replace("（at）", "@")
            .replace('＠', "@")
            .replace(char::is_whitespace, "");
        out.push(Hit::new(Kind::Email, m.start(), m.end(), value));
    }
    for m in URL.find_iter(text) {
        let t = m.as_str().trim_end_matches(['.', ',', ';', ':', ')', ']']);
        if t.len() > 7 && !t.contains('@') {
            out.push(Hit::new(Kind::Url, m.start(), m.start() + t.len(), t));
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
        assert_eq!(
            values("电话为400-8286-855，或4007-777-777", Kind::Phone),
            ["4008286855", "4007777777"]
        );
        assert_eq!(
            values("拨打客服电话：4001066666/0527-80871234", Kind::Phone),
            ["4001066666", "052780871234"]
        );
        assert_eq!(values("电话：10109000", Kind::Phone), ["10109000"]);
        assert_eq!(values("拨打客服热线：1010-9955", Kind::Phone), ["10109955"]);
        assert_eq!(
            values("您可以通过95588电话客服、网点与我行联系。", Kind::Phone),
            ["95588"]
        );
        assert!(values("共有95588人参与，热线电话稍后公布。", Kind::Phone).is_empty());
        assert_eq!(values("客服电话：95588电话银行", Kind::Phone), ["95588"]);
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
            values("您可以发邮件至mmsrc(at)example.com投诉举报；", Kind::Email),
            ["mmsrc@example.com"]
        );
        assert_eq!(
            values("邮箱：Help[AT]Example.cn", Kind::Email),
            ["help@example.cn"]
        );
        assert!(values("请在(at)符号处填写", Kind::Email).is_empty());
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
}
