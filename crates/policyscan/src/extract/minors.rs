//! Minors' age thresholds: `未满十四周岁` → 14, `16岁以下的未成年人` → 16,
//! `不满18周岁` → 18, `children under 13` → 13. Only ages in sentences about
//! minors/children/guardians, and only plausible thresholds (6–18), so a
//! definition such as “未成年人” without an age gives nothing.

use std::sync::LazyLock;

use regex::Regex;

use super::numerals;
use super::{Hit, Kind};

static AGE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)([0-9０-９]{1,2}|[一二三四五六七八九十]{1,3})\s*(?:周岁|岁|週歲|歲|years? old|years of age)|(?:under|below) (?:the age of )?([0-9]{1,2})")
        .expect("age regex")
});
static CONTEXT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)未成年|儿童|兒童|少年|青少年|监护|監護|未满|不满|未滿|不滿|以下|以上|年满|已满|child|minor|guardian|parent")
        .expect("minor context regex")
});

pub(crate) fn find(text: &str, out: &mut Vec<Hit>) {
    if !CONTEXT.is_match(text) {
        return;
    }
    for c in AGE.captures_iter(text) {
        let m = c.get(0).expect("match");
        let num = c.get(1).or_else(|| c.get(2)).expect("one group matches");
        let Some(age) = numerals::parse(num.as_str()) else {
            continue;
        };
        if !(6..=18).contains(&age) {
            continue;
        }
        out.push(Hit::new(
            Kind::MinorAge,
            m.start(),
            m.end(),
            age.to_string(),
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ages(t: &str) -> Vec<String> {
        let mut v = Vec::new();
        find(t, &mut v);
        v.into_iter().map(|h| h.value).collect()
    }

    #[test]
    fn thresholds_in_chinese_and_digits() {
        assert_eq!(
            ages("如您是未满十四周岁的儿童，请在监护人陪同下阅读。"),
            ["14"]
        );
        assert_eq!(ages("若您是18周岁以下的未成年人"), ["18"]);
        assert_eq!(ages("不满十六周岁的未成年人"), ["16"]);
        assert_eq!(
            ages("We do not knowingly collect data from children under 13."),
            ["13"]
        );
    }

    #[test]
    fn no_age_no_hit() {
        assert!(ages("“未成年人”是指依法不具有完全民事行为能力的人。").is_empty());
        assert!(ages("我们的服务面向所有用户。").is_empty());
        assert!(ages("未成年人保护：年龄65岁的老人").is_empty());
    }
}
