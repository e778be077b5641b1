//! Update and effective dates: `更新日期：2023年11月01日`, `[2023]年[11]月[01]日`,
//! `2023-11-01`, `2023.11.1`, `二〇二三年十一月一日`, in sentences that say
//! the policy was updated, published or takes effect. Value: ISO date, or
//! ISO year-month (`2019-06`) when an update line gives no day.

use std::sync::LazyLock;

use regex::Regex;

use super::numerals;
use super::{Hit, Kind, tail};

/// An update/effective word right before the date (`最近更新日期：`,
/// `本政策更新于`, `Last updated:`) …
static BEFORE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(?:更新|更订|生效|发布|修订|版本|施行|实施|修改|updated|effective)(?:日期|时间|时期|日|于|date|on)?\s*[:：为是]?\s*(?:自|于)?\s*[\[【(（]?\s*$")
        .expect("date context before")
});
/// … or after it in the same clause (`自2023年1月1日起施行`,
/// `于2023年11月1日对本政策进行了更新`, `2020年07月20日版本`).
static AFTER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^\s*[\]】)）]?\s*(?:起|开始)?[^。；，,]{0,20}?(?:生效|施行|实施|更新|发布|修订|版本)",
    )
    .expect("date context after")
});
/// A policy's title alone before its date, on one line.
static TITLE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(r"^\s*", crate::segment::policy_title!(), r"\s*$")).expect("title regex")
});
static DATE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"[\[【]?\s*((?:19|20)\d{2}|[二〇零一二三四五六七八九]{4})\s*[\]】]?\s*年\s*[\[【]?\s*(\d{1,2}|[一二三四五六七八九十]{1,3})\s*[\]】]?\s*月\s*[\[【]?\s*(\d{1,2}|[一二三四五六七八九十]{1,3})\s*[\]】]?\s*[日号]",
        r"|((?:19|20)\d{2})[-./](\d{1,2})[-./](\d{1,2})",
        // A month without a day (`更新日期：2019年06月`), only next to an
        // update word.
        r"|((?:19|20)\d{2})\s*年\s*(\d{1,2})\s*月"
    ))
    .expect("date regex")
});

/// The ISO values of the update/effective dates in `text`, for scorers that
/// normalise a human-written date the way the extractor does.
pub fn iso_values(text: &str) -> Vec<String> {
    let mut hits = Vec::new();
    find(text, &mut hits);
    hits.into_iter().map(|h| h.value).collect()
}

pub(crate) fn find(text: &str, out: &mut Vec<Hit>) {
    for c in DATE.captures_iter(text) {
        let m = c.get(0).expect("match");
        // The update/effective word must be next to the date, not merely in
        // the sentence: `研究项目实施时间截止至2022年12月31日` is no update
        // date. Without one, only a line that is nothing but a date (the
        // signature line closing many policies) counts.
        let word_before = BEFORE.is_match(tail(&text[..m.start()], 48));
        let context = word_before || AFTER.is_match(&text[m.end()..]);
        // … or a policy title and its date (`隐私权政策 2019年6月10日`).
        let titled = TITLE.is_match(&text[..m.start()]) && text[m.end()..].trim().is_empty();
        if !context && !titled && m.as_str().trim() != text.trim() {
            continue;
        }
        if let (Some(y), Some(mo)) = (c.get(7), c.get(8)) {
            if !word_before {
                continue;
            }
            let (Some(y), Some(mo)) = (numerals::parse(y.as_str()), numerals::parse(mo.as_str()))
            else {
                continue;
            };
            if (1990..=2100).contains(&y) && (1..=12).contains(&mo) {
                out.push(Hit::new(
                    Kind::Date,
                    m.start(),
                    m.end(),
                    format!("{y:04}-{mo:02}"),
                ));
            }
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
        assert_eq!(dates("本政策于2023年11月1日更新。"), ["2023-11-01"]);
        assert_eq!(dates("Last updated: 2023-11-01"), ["2023-11-01"]);
        assert_eq!(dates("最近更新日期 ： 2020年12月15日"), ["2020-12-15"]);
        assert_eq!(dates("本版发布日期：【2019-06-24】"), ["2019-06-24"]);
        assert_eq!(dates("2020年07月20日版本"), ["2020-07-20"]);
        assert_eq!(dates("更新日期：2019年06月"), ["2019-06"]);
        assert_eq!(dates("最新更订于2019年1月18日"), ["2019-01-18"]);
        assert_eq!(
            dates("本隐私政策版本更新日期为2019年11月，将于2019年11月正式生效。"),
            ["2019-11"]
        );
        assert!(dates("我们于2019年11月推出新功能").is_empty());
        assert_eq!(
            dates("我们于2019年10月17日对《隐私协议及声明》进行了更新。"),
            ["2019-10-17"]
        );
        assert_eq!(
            dates("本政策于 2015 年 1 月 1 日起发布并生效，于2020年5月29日最新修订"),
            ["2015-01-01", "2020-05-29"]
        );
    }

    #[test]
    fn a_closing_date_line() {
        assert_eq!(dates("2018年9月18日"), ["2018-09-18"]);
        assert_eq!(dates("隐私权政策 2019年6月10日"), ["2019-06-10"]);
        // A title-like lead that goes on is no title line.
        assert!(dates("根据本协议 2019年6月10日举办的活动").is_empty());
        assert!(dates("隐私权政策 2019年6月10日的活动安排").is_empty());
    }

    #[test]
    fn not_dates() {
        assert!(
            dates("我们会在2023年11月01日举办活动").is_empty(),
            "no update context"
        );
        assert!(dates("版本号 2023.13.45").is_empty());
        assert!(dates("版本 2023.11.1.5 更新").is_empty());
        assert!(
            dates(
                "心脏健康研究项目实施时间截止至2022年12月31日，超过这个时间，我们将删除您的信息。"
            )
            .is_empty(),
            "an end date of a study is not an update date"
        );
        assert!(dates("本政策更新后，2023年1月1日前注册的用户需重新同意。").is_empty());
    }
}
