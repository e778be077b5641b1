//! Chinese and Arabic numerals to integers: 三 → 3, 十五 → 15, 三十 → 30,
//! 一百八十 → 180, 两 → 2, 〇/零, 廿 → 20, full-width digits, "15" → 15.
//! Retention periods, reply deadlines and ages are written either way.

/// Value of one Chinese digit character.
fn digit(c: char) -> Option<u64> {
    Some(match c {
        '〇' | '零' => 0,
        '一' | '壹' => 1,
        '二' | '两' | '贰' | '俩' => 2,
        '三' | '叁' => 3,
        '四' | '肆' => 4,
        '五' | '伍' => 5,
        '六' | '陆' => 6,
        '七' | '柒' => 7,
        '八' | '捌' => 8,
        '九' | '玖' => 9,
        _ => return None,
    })
}

fn unit(c: char) -> Option<u64> {
    Some(match c {
        '十' | '拾' => 10,
        '廿' => 20,
        '百' | '佰' => 100,
        '千' | '仟' => 1000,
        '万' => 10_000,
        _ => return None,
    })
}

/// Characters that can appear in a numeral (for regex classes).
pub const NUMERAL_CHARS: &str =
    "0-9０-９〇零一二两三四五六七八九十百千万廿壹贰叁肆伍陆柒捌玖拾佰仟俩";

/// Parse a numeral written in Arabic digits (ASCII or full-width) or
/// Chinese characters. `None` when it is not a number or overflows.
pub fn parse(s: &str) -> Option<u64> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    if s.chars()
        .all(|c| c.is_ascii_digit() || ('０'..='９').contains(&c))
    {
        let ascii: String = s
            .chars()
            .map(|c| {
                if c.is_ascii_digit() {
                    c
                } else {
                    char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or('0')
                }
            })
            .collect();
        return ascii.parse().ok();
    }
    // Pure digit sequence like 二〇二三 (a year).
    if s.chars().count() > 1 && s.chars().all(|c| digit(c).is_some()) {
        let mut v: u64 = 0;
        for c in s.chars() {
            v = v.checked_mul(10)?.checked_add(digit(c)?)?;
        }
        return Some(v);
    }
    let mut total: u64 = 0;
    let mut section: u64 = 0;
    let mut current: Option<u64> = None;
    for c in s.chars() {
        if let Some(d) = digit(c) {
            current = Some(d);
        } else if let Some(u) = unit(c) {
            if u == 10_000 {
                section += current.take().unwrap_or(0);
                total = total.checked_add(section.max(1).checked_mul(u)?)?;
                section = 0;
            } else if c == '廿' {
                section += 20;
            } else {
                section += current.take().unwrap_or(1) * u;
            }
        } else {
            return None;
        }
    }
    Some(total + section + current.unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use super::parse;

    #[test]
    fn chinese_and_arabic() {
        for (s, v) in [
            ("三", 3),
            ("十", 10),
            ("十五", 15),
            ("三十", 30),
            ("一百八十", 180),
            ("两", 2),
            ("一百零五", 105),
            ("15", 15),
            ("１８０", 180),
            ("二〇二三", 2023),
            ("廿", 20),
            ("一万", 10000),
        ] {
            assert_eq!(parse(s), Some(v), "{s}");
        }
        assert_eq!(parse("半"), None);
        assert_eq!(parse(""), None);
        assert_eq!(parse("99999999999999999999999"), None);
    }
}
