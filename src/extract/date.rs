//! Update and effective dates: `更新日期：2023年11月01日`, `[2023]年[11]月[01]日`,
//! `2023-11-01`, `2023.11.1`, `二〇二三年十一月一日`, in sentences that say
//! the policy was updated, published or takes effect. Value: ISO date.

use std::sync::LazyLock;

use regex::Regex;

use super::numerals;
use super::{Hit, Kind};

static CONTEXT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"更新|生效|发布|修订|版本|施行|实施|修改|Updated|Effective|updated|effective")
        .expect("date context")
});
static DATE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"[\[【]?\s*((?:19|20)\d{2}|[二〇零一二三四五六七八九]{4})\s*[\]】]?\s*年\s*[\[【]?\s*(\d{1,2}|[一二三四五六七八九十]{1,3})\s*[\]】]?\s*月\s*[\[【]?\s*(\d{1,2}|[一二三四五六七八九十]{1,3})\s*[\]】]?\s*[日号]",
        r"|((?:19|20)\d{2})[-./](\d{1,2})[-./](\d{1,2})"
    ))
    .expect("date regex")
});

pub(crate) fn find(text: &str, out: &mut Vec<Hit>) {
    let context = CONTEXT.is_match(text);
    for c in DATE.captures_iter(text) {
        let m = c.get(0).expect("match");
        // Without an update/effective word, only a line that is nothing but
        // a date (the signature line closing many policies) counts.
        if !context && m.as_str().trim() != text.trim() {
            continue;
        }
        let (y, mo, d) = match (c.get(1), c.get(4)) {
            (Some(y), _) => (y, c.get(2).expect("month"), c.get(3).expect("day")),
            (None, Some(y)) => (y, c.get(5).expect("month"), c.get(6).expect("day")),
            _ => continue,
        };
        let (Some(y), Some(mo), Some(d)) = (
            numerals::parse(y.as_str()),
            numerals::parse(mo.as_str()),
            numerals::parse(d.as_str()),
        ) else {
            continue;
        };
        if !(1990..=2100).contains(&y) || !(1..=12).contains(&mo) || !(1..=31).contains(&d) {
            continue;
        }
        // Guard the digits-only form against version numbers like 2023.11.1.5.
        if c.get(4).is_some() && text[m.end()..].starts_with(['.', '-']) {
            continue;
        }
        out.push(Hit::new(
            Kind::Date,
            m.start(),
            m.end(),
            format!("{y:04}-{mo:02}-{d:02}"),
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dates(t: &str) -> Vec<String> {
        let mut v = Vec::new();
        find(t, &mut v);
        v.into_iter().map(|h| h.value).collect()
    }

    #[test]
    fn written_forms() {
        assert_eq!(dates("更新日期：2023年11月01日"), ["2023-11-01"]);
        assert_eq!(
            dates("本政策生效日期：[2023]年[11]月[01]日"),
            ["2023-11-01"]
        );
        assert_eq!(
            dates("版本更新：2023-11-1；生效：2023.12.15"),
            ["2023-11-01", "2023-12-15"]
        );
        assert_eq!(dates("本政策自二〇二三年十一月一日起施行"), ["2023-11-01"]);
    }

    #[test]
    fn a_closing_date_line() {
        assert_eq!(dates("2018年9月18日"), ["2018-09-18"]);
    }

    #[test]
    fn not_dates() {
        assert!(
            dates("我们会在2023年11月01日举办活动").is_empty(),
            "no update context"
        );
        assert!(dates("版本号 2023.13.45").is_empty());
        assert!(dates("版本 2023.11.1.5 更新").is_empty());
    }
}
