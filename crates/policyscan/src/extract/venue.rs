//! Litigation venue and arbitration: named courts (`上海市宝山区人民法院`),
//! venue clauses (`被告住所地有管辖权的人民法院`, `本协议签订地有管辖权的
//! 人民法院`) and named arbitration bodies (`中国国际经济贸易仲裁委员会`).
//! Only in sentences about disputes (诉讼/起诉/管辖/争议/仲裁), so "依据法院
//! 判决" is not a venue.

use std::sync::LazyLock;

use regex::Regex;

use super::{Hit, Kind, tail};

static DISPUTE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new("诉讼|起诉|管辖|争议|纠纷|仲裁|提交").expect("dispute regex"));
/// A venue named by whose place it is: `被告住所地有管辖权的人民法院`,
/// `本协议签订地人民法院`, `智慧章鱼公司所在地的人民法院`. The owner is taken
/// greedily and cut after the verb before it ([`owner`]).
static CLAUSE_COURT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"([\p{Han}A-Za-z0-9（）()“”\s]{0,24})(?:签订地|签约地|签署地|订立地|住所地|所在地|注册地|经营地)[^。；，,]{0,24}?(?:有管辖权的)?(?:人民)?法院")
        .expect("venue regex")
});
static GENERIC_COURT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"有管辖权的?\p{Han}{0,14}?法院").expect("generic court regex"));
/// A place or the operator right before a competent court names it
/// (`鄂州市葛店开发区有管辖权人民法院`, `提交本公司有管辖权的人民法院`).
static PLACE_BEFORE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:\p{Han}{2,16}(?:省|市|区|县)|本公司|本软件|本平台|我司|我们)$")
        .expect("place regex")
});
static NAMED_COURT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\p{Han}{2,20}?(?:(?:中级|高级|基层|互联网)?人民法院|(?:区|市|县)法院)")
        .expect("court regex")
});
static ARBITRATION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\p{Han}{2,20}?(?:仲裁委员会|仲裁院|仲裁中心)|(?:[A-Z][A-Za-z]+ )+(?:Arbitration Centre|Arbitration Center|Court of Arbitration)")
        .expect("arbitration regex")
});

const CUT_AFTER: &[&str] = &[
    "向", "至", "于", "由", "在", "提交", "交由", "递交", "提请", "的", "均可", "可", "应", "诉",
    "交", "到", "给", "方", "以", "即", "接受",
];

/// Words after which a venue owner starts (`提交`, `向`, `由`, `服从`).
const OWNER_AFTER: &[&str] = &[
    "向", "至", "于", "由", "在", "提交", "交由", "递交", "提请", "服从", "的", "给", "到", "均可",
    "均应", "以", "即", "接受",
];

/// What follows the last of `words` in `s` (all of `s` when none occurs).
fn cut_after<'a>(s: &'a str, words: &[&str]) -> &'a str {
    let mut best = 0;
    for w in words {
        if let Some(i) = s.rfind(w) {
            best = best.max(i + w.len());
        }
    }
    &s[best..]
}

/// The owner of a venue clause (`…提交智慧章鱼公司` → `智慧章鱼公司`),
/// empty when nothing names one.
fn owner(s: &str) -> &str {
    cut_after(s, OWNER_AFTER).trim_start()
}

fn trim_front(s: &str) -> &str {
    cut_after(s, CUT_AFTER)
}

pub(crate) fn find(text: &str, out: &mut Vec<Hit>) {
    if !DISPUTE.is_match(text) {
        return;
    }
    let mut clause_spans = Vec::new();
    for c in CLAUSE_COURT.captures_iter(text) {
        let (m, o) = (c.get(0).expect("match"), c.get(1).expect("owner"));
        let start = o.end() - owner(o.as_str()).len();
        clause_spans.push((start, m.end()));
        out.push(Hit::new(
            Kind::Court,
            start,
            m.end(),
            text[start..m.end()].split_whitespace().collect::<String>(),
        ));
    }
    for m in GENERIC_COURT.find_iter(text) {
        if clause_spans
            .iter()
            .any(|&(s, e)| m.start() < e && m.end() > s)
        {
            continue;
        }
        // A place right before (`鄂州市葛店开发区有管辖权人民法院`) names it.
        // 17 chars of at most 4 bytes hold any match of PLACE_BEFORE.
        let start = PLACE_BEFORE
            .find(tail(&text[..m.start()], 68))
            .map_or(m.start(), |p| m.start() - trim_front(p.as_str()).len());
        clause_spans.push((start, m.end()));
        out.push(Hit::new(Kind::Court, start, m.end(), &text[start..m.end()]));
    }
    for m in NAMED_COURT.find_iter(text) {
        if clause_spans
            .iter()
            .any(|&(s, e)| m.start() < e && m.end() > s)
        {
            continue;
        }
        let name = trim_front(m.as_str());
        // "人民法院" alone names no court, and a court in a title
        // (`《最高人民法院关于…的解释》`) is a law cited.
        let before = &text[..m.start()];
        let in_title = before
            .rfind('《')
            .is_some_and(|o| before.rfind('》').is_none_or(|c| c < o));
        if name.chars().count() < 6 || name.contains("管辖权") || in_title {
            continue;
        }
        let start = m.end() - name.len();
        out.push(Hit::new(Kind::Court, start, m.end(), name));
    }
    for m in ARBITRATION.find_iter(text) {
        let name = trim_front(m.as_str());
        if name.chars().count() < 6 {
            continue;
        }
        let start = m.end() - name.len();
        out.push(Hit::new(Kind::Arbitration, start, m.end(), name));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hits(t: &str) -> Vec<(Kind, String)> {
        let mut v = Vec::new();
        find(t, &mut v);
        v.into_iter().map(|h| (h.kind, h.value)).collect()
    }

    /// `text` names exactly one venue, `court`.
    fn only_court(text: &str, court: &str) {
        assert_eq!(hits(text), [(Kind::Court, court.to_string())], "{text}");
    }

    #[test]
    fn named_courts_and_clauses() {
        assert_eq!(
            hits("因本政策引起的争议，任何一方均可向上海市宝山区人民法院提起诉讼。"),
            [(Kind::Court, "上海市宝山区人民法院".to_string())]
        );
        assert_eq!(
            hits("协商不成的，应向被告住所地有管辖权的人民法院提起诉讼。"),
            [(Kind::Court, "被告住所地有管辖权的人民法院".to_string())]
        );
        assert_eq!(
            hits("双方同意将争议提交本协议签订地有管辖权的人民法院管辖。"),
            [(Kind::Court, "本协议签订地有管辖权的人民法院".to_string())]
        );
        // Words of the sentence before the court are not its name.
        for (t, court) in [
            (
                "协商不成的，双方同意接受苏州工业园区人民法院的管辖。",
                "苏州工业园区人民法院",
            ),
            (
                "应提交有管辖权的法院，即杭州市西湖区人民法院诉讼解决。",
                "杭州市西湖区人民法院",
            ),
            (
                "争议并以杭州市余杭区人民法院为第一审管辖法院。",
                "杭州市余杭区人民法院",
            ),
        ] {
            assert!(
                hits(t).contains(&(Kind::Court, court.to_string())),
                "{t}: {:?}",
                hits(t)
            );
        }
        // A court in the title of a law cited is no venue.
        assert!(
            hits(
                "遵守《最高人民法院关于审理涉及计算机网络著作权纠纷案件适用法律若干问题的解释》。"
            )
            .is_empty()
        );
    }

    #[test]
    fn the_owner_of_a_venue_is_kept() {
        for (text, court) in [
            (
                "争议应提交智慧章鱼公司所在地的人民法院诉讼解决。",
                "智慧章鱼公司所在地的人民法院",
            ),
            (
                "协商不成的，由阡陌通达（北京）科技有限公司住所地有管辖权的法院管辖。",
                "阡陌通达（北京）科技有限公司住所地有管辖权的法院",
            ),
            (
                "任何一方均应向许可人所在地人民法院提起诉讼。",
                "许可人所在地人民法院",
            ),
            (
                "您同意将纠纷提交至我们所在地有管辖权的人民法院。",
                "我们所在地有管辖权的人民法院",
            ),
            (
                "运营该咪咕产品的咪咕公司所在地有管辖权的法院管辖争议。",
                "咪咕公司所在地有管辖权的法院",
            ),
        ] {
            only_court(text, court);
        }
    }

    #[test]
    fn arbitration_bodies() {
        assert_eq!(
            hits("争议应提交中国国际经济贸易仲裁委员会仲裁。"),
            [(Kind::Arbitration, "中国国际经济贸易仲裁委员会".to_string())]
        );
        assert_eq!(
            hits("提交成都仲裁委员会仲裁。"),
            [(Kind::Arbitration, "成都仲裁委员会".to_string())]
        );
    }

    #[test]
    fn courts_named_without_people() {
        for (text, court) in [
            (
                "若不能协商解决，双方一致同意向深圳市南山区法院提起诉讼。",
                "深圳市南山区法院",
            ),
            (
                "双方均有权就争议向鄂州市葛店开发区有管辖权人民法院提起诉讼。",
                "鄂州市葛店开发区有管辖权人民法院",
            ),
        ] {
            only_court(text, court);
        }
        assert!(hits("双方一致同意向法院提起诉讼。").is_empty());
    }

    #[test]
    fn generic_competent_court() {
        assert_eq!(
            hits("如协商不成，任何一方可向有管辖权的人民法院提起诉讼。"),
            [(Kind::Court, "有管辖权的人民法院".to_string())]
        );
        // Whose court it is, when the clause says so (0656, 0658).
        for (text, court) in [
            (
                "协商不成的，用户同意将纠纷提交本公司有管辖权的人民法院管辖。",
                "本公司有管辖权的人民法院",
            ),
            (
                "协商不成的，您可以向本协议签署地（广东省广州市番禺区）有管辖权的法院提起诉讼。",
                "本协议签署地（广东省广州市番禺区）有管辖权的法院",
            ),
        ] {
            only_court(text, court);
        }
    }

    #[test]
    fn court_orders_are_not_venues() {
        assert!(hits("根据人民法院的判决，我们可能披露您的信息。").is_empty());
        assert!(hits("我们重视您的隐私。").is_empty());
    }
}
