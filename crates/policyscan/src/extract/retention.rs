//! Retention periods ("保存不少于三年" → days_min 1095) and promised reply
//! deadlines ("十五个工作日内答复" → response_time 15 days).
//!
//! The text is cut into clauses at `。；！？`; a clause about keeping data
//! (保存/保留/存储/留存…) yields retention hits, a clause about answering
//! requests (答复/回复/反馈/处理…) yields response-time hits. Notice periods
//! ("提前三十日公告") are neither. Units: year 365, month 30, week 7 days,
//! working days as days. `不少于/至少/以上` give a minimum, `不超过/最长/以内`
//! a maximum, a bare period both; `超过三年…删除` a maximum; of `A或B
//! （以较长者为准）` the longer, as a minimum. A clause after a `；` that goes
//! on listing periods keeps data as the one before. A retention statement
//! without a number — "the shortest time necessary", "the period required by
//! law", kept on with no end (`一直保留`, `持续存储`, `还将继续保存`), "not
//! beyond a reasonable time", the longest period the operator sets itself —
//! is a qualitative hit (both days null, value `qualitative`), also beside a
//! number in another comma-part of its sentence (readers count both), but not
//! when it describes the period above (`上述保存期限为…所需的最短期限`) or
//! what the user made public (`一直留存在公共领域`).
//!
//! A deadline counted from the user's request or identity check is a reply
//! deadline, whatever the action (`在核实您的身份后，会在15日内注销您的个人
//! 数据`, `我们将在2周内帮助您进行删除账号`, `在收到您的要求后30天之内`);
//! deleting after the account is closed (`注销后…15天内删除`) stays retention.
//!
//! `find` runs as named steps: is the clause about answering or keeping
//! (`answers_request`, `keeps_data`), is a number a period at all
//! (`read_period`), and which bound a period gives (`bounds`). The
//! word lists those steps match are the consts below.

use std::sync::LazyLock;

use regex::Regex;

use super::numerals;
use super::{Hit, Kind, clauses, tail};

/// Clauses about money: a withdrawal or a refund `处理完毕` is no answer to a
/// request about personal information.
const MONEY_WORDS: [&str; 5] = ["提现", "打款", "退款", "到账", "发货"];
/// A reply word after one of these (`提醒未回复`) is the user not answering us.
const NEGATIONS: [&str; 4] = ["未", "不", "没有", "无"];
/// A keep word before one of these (`删除请求`, `删除权`) names a request or
/// a right, not keeping data.
const REQUEST_WORDS: [&str; 3] = ["请求", "申请", "权"];
/// Shortly before a period, these make it how soon data goes once the
/// retention period ends (`期限届满后30日内删除`), not the period.
const AFTER_PERIOD_ENDS: [&str; 3] = ["届满后", "期满后", "到期后"];
/// Qualifiers that make a period a minimum, right before the number or a
/// few words before it (`保存期限不少于三年`).
const MIN_QUALIFIERS: [&str; 4] = ["不少于", "至少", "不低于", "不短于"];
/// Qualifiers right before the number that make a period a maximum.
const MAX_PREFIXES: [&str; 6] = ["不超过", "不超出", "不多于", "最长不超过", "最长", "最多"];
/// Qualifiers a few words before the number that make it a maximum
/// (`最长保存180天`).
const MAX_WORDS_NEAR: [&str; 4] = ["不超过", "最长", "最多", "不超出"];
/// `低于` and the like: a maximum (`保存将低于三年`), a minimum with a `不`
/// just before (`不得少于六个月`). Searched in this order.
const BELOW_WORDS: [&str; 3] = ["低于", "少于", "短于"];
/// Suffixes that make a period a deadline or a maximum (`三十天内`).
const WITHIN_SUFFIXES: [&str; 3] = ["内", "以内", "之内"];
/// The suffix that makes a period a minimum (`六个月以上`).
const AT_LEAST_SUFFIX: &str = "以上";
/// How far back (in bytes: 8 Han chars) [`recent`] and the
/// [`AFTER_PERIOD_ENDS`] check look before a number: the words that change
/// its meaning stand right before it.
const LOOKBACK_BYTES: usize = 24;
/// How many chars before a number are searched for a qualifier a few words
/// away (`最长保存180天`).
const QUALIFIER_WINDOW_CHARS: usize = 8;
/// How far back (in bytes: 2 Han chars) before a [`BELOW_WORDS`] word a `不`
/// turns it into a minimum (`不得少于`).
const NEGATION_WINDOW_BYTES: usize = 6;
/// A `年` count from this on is a calendar year (`2023年`), not a period.
const FIRST_CALENDAR_YEAR: u64 = 1900;
/// Periods of this many days or more (over 270 years) are misread numbers.
const MAX_DAYS: i64 = 100_000;
/// `半年`: half a year, in days.
const HALF_YEAR_DAYS: i64 = 180;
/// `半个月`: half a month, in days.
const HALF_MONTH_DAYS: i64 = 15;
/// Most chars between a deadline and the reply word that makes it the
/// answer's (`两个工作日内完成对您的账户注销审核`).
const REPLY_GAP_MAX_CHARS: usize = 12;

/// A period: optional qualifier (1), number or `半` (2), `个` (3), unit (4),
/// optional `以上` / `以内` suffix (5); markup and template brackets allowed
/// around the number.
static DURATION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"(不少于|至少|不低于|不短于|不超过|不超出|不多于|最长不超过|最长|最多|最短|长达)?[\s*＊【\[]*([{n}]+|半)[\s*＊】\]]*(个)?[\s*＊]*(个工作日|工作日|自然日|日|天|周|星期|个月|月|年度|年)(?:\s*(以上|以内|之内|内))?",
        n = numerals::NUMERAL_CHARS
    ))
    .expect("duration regex")
});

/// Do the last 8 chars of `before` hold `近` with no punctuation since: a
/// period that says how far back data reaches (`近三个月至半年的通话详单`).
fn recent(before: &str) -> bool {
    let t = tail(before, LOOKBACK_BYTES);
    t.rfind('近')
        .is_some_and(|i| !t[i..].contains(['，', ',', '。', '；', '：']))
}

/// Words of keeping or deleting data.
static KEEP: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new("保存|保留|存储|储存|留存|存放|保管|删除|匿名化").expect("keep regex")
});
/// Words of answering a request.
static REPLY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new("答复|回复|反馈|响应|回应|予以处理|处理完毕|完成处理|[作做]出处理|处理您的|受理|核实并处理|给予处理|满足您的(请求|要求)|为您(办理)?(销户|注销)|完成[^，,。；]{0,12}审核")
        .expect("reply regex")
});
/// Words of a notice period (`提前三十日公告`): neither retention nor a reply.
static NOTICE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new("提前|公告|公示|生效|届满前|到期前").expect("notice regex"));
/// Retention stated without a number: the shortest time the purpose needs
/// (`所必需的最短时间`, `目的所需的期限内`, `所必需的期间内`, `合理必要期限内`)
/// or what the law requires (`法律法规规定的期限`, `法律法规及监管规定的时限内`).
static QUALITATIVE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        "(所|为)?(必需|必须|必要|需要|所需)的?最短的?(保存|存储)?(时间|期限|期间|时限)",
        "|最短(时间|期限)内",
        "|(所|为)(必需|必须|必要|需要|需)的?(时间段|时间期限|时间|期限|期间|时限)",
        "|合理(且)?必要的?(期限|期间|时间)",
        "|(法律|法规|监管)[^，,。；]{0,10}?(规定|要求|允许)的(最短)?(保存|存储|留存)?(期限|时间|期间|时限)",
        "|法定(的)?(保存|存储)?(期限|时限)",
        "|(规定|要求)的(保存|存储)期限",
        "|(法律|法规)[^，,。；]{0,10}?规定(保存|保留|留存|存储)",
        "|(保存|存储|保留)期限[^，,。；]{0,10}(遵守|遵循|依照|按照|依据)",
        "|诉讼时效",
        "|必要的合理(期限|期间|时间)",
        "|直至(达成|实现|完成)[^，,。；]{0,12}目的",
        "|提供服务的(时间范围|期间)内",
        // While the account lives or the user uses the service: only where
        // the clause is about keeping, not collecting.
        "|(使用|存续)[^，,。；]{0,20}期间[^。；]{0,16}(保存|保留|存储|储存|留存)",
        // Kept on, with no end said (`持续保存`, `一直保留`, `还将继续保存`).
        "|(持续|一直|继续)[^，,。；不]{0,6}?(保存|保留|存储|储存|留存)",
        // Not beyond a reasonable time; the longest time the operator sets.
        "|超过合理的?(期限|期间|时间)",
        "|最长的?(保存|存储|储存|保留)(期限|时间|期间)",
    ))
    .expect("qualitative regex")
});

/// A qualitative phrase that keeps data on (`持续…保存`): a retention rule even
/// in a clause that also collects.
static LASTING: LazyLock<Regex> =
    LazyLock::new(|| Regex::new("持续|一直|继续").expect("lasting regex"));
/// Where what the user shares stays: not the operator's keeping.
static PUBLIC: LazyLock<Regex> =
    LazyLock::new(|| Regex::new("^在?(?:公共|公众)领域").expect("public regex"));
/// A qualitative phrase about a period stated before (`上述保存期限为…`).
static ABOUT_A_PERIOD: LazyLock<Regex> =
    LazyLock::new(|| Regex::new("上述[^，,。；]{0,6}期限").expect("period regex"));
/// A clause about collecting: its `使用期间…存储` is not a retention rule.
static COLLECT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new("收集|获取|采集").expect("collect regex"));

/// `以较长者为准` and the like: of two periods, the longer holds.
static LONGER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new("以(?:较长|孰长|较长的|时间较长)(?:者|的)?为准").expect("longer regex")
});
/// `以较短者为准`: of two periods, the shorter holds.
static SHORTER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new("以(?:较短|孰短|较短的|时间较短)(?:者|的)?为准").expect("shorter regex")
});
/// A deadline counted from the user's request or identity check: the time
/// to carry the request out (`在收到您的要求后30天之内`, `我们在核实您的身份后，
/// 会在15日内注销…`), a reply deadline however the action is put.
static FROM_REQUEST: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new("(?:收到|接到)您的[^，,。；]{0,10}?(?:要求|请求|申请|反馈|投诉)(?:后|之后|起)|(?:核实|验证|核验|确认)(?:您的|您)?身份(?:后|之后)|帮助您(?:进行|完成|处理|办理)")
        .expect("request regex")
});

/// The clause counts a deadline from the user's request ([`FROM_REQUEST`]).
fn counts_from_request(clause: &str) -> bool {
    FROM_REQUEST.is_match(clause)
}

/// A deadline (`…内`) with the user's request before it (`核实您的身份后，会在
/// 15日内…`) or a `帮助您进行…` right after.
fn after_request(p: &Period) -> bool {
    WITHIN_SUFFIXES.contains(&p.suffix)
        && (FROM_REQUEST.is_match(p.before)
            || FROM_REQUEST
                .find(p.after)
                .is_some_and(|r| r.start() <= REPLY_GAP_MAX_CHARS * 3))
}

/// Days of `n` units; `None` when the unit is not a duration.
fn days(n: u64, unit: &str) -> Option<i64> {
    let d = match unit {
        "年" | "年度" => 365,
        "个月" | "月" => 30,
        "周" | "星期" => 7,
        _ => 1,
    };
    (n as i64).checked_mul(d)
}

/// Find retention and response-time hits in one segment.
pub(crate) fn find(text: &str, _heading_path: &[String], out: &mut Vec<Hit>) {
    // A clause after a `；` that goes on listing periods (`…日志信息为注销
    // 后180天；交易信息为交易完成日起三年`) keeps data as the one before did.
    let mut keeping_list = false;
    for (off, clause) in clauses(text) {
        let reply = answers_request(clause) || counts_from_request(clause);
        let keep = keeps_data(clause) || (keeping_list && !reply);
        keeping_list = keep && text[off + clause.len()..].starts_with(['；', ';']);
        if !reply && !keep {
            continue;
        }
        let notice = NOTICE.is_match(clause);
        let mut periods: Vec<(usize, usize)> = Vec::new();
        let first_hit = out.len();
        for m in DURATION.captures_iter(clause) {
            let Some(p) = read_period(clause, &m) else {
                continue;
            };
            if keep
                && AFTER_PERIOD_ENDS
                    .iter()
                    .any(|w| tail(p.before, LOOKBACK_BYTES).contains(w))
            {
                continue;
            }
            periods.push((p.start, p.end));
            let (start, end) = (off + p.start, off + p.end);
            // `在…两个工作日内完成对您的账户注销审核，审核通过后…删除`: the
            // period is the answer's, whatever the clause goes on to keep;
            // so is one counted from the user's request (`核实您的身份后，
            // 会在15日内注销…`).
            // Looked at only when the clause both answers and keeps.
            if reply && (!keep || answers_next(&p) || after_request(&p)) {
                if !notice {
                    let mut h = Hit::new(Kind::ResponseTime, start, end, p.days.to_string());
                    h.days_max = Some(p.days);
                    out.push(h);
                }
                continue;
            }
            if notice {
                continue;
            }
            let mut h = Hit::new(Kind::Retention, start, end, p.days.to_string());
            match bounds(&p) {
                (true, false) => h.days_min = Some(p.days),
                (false, true) => h.days_max = Some(p.days),
                _ => {
                    h.days_min = Some(p.days);
                    h.days_max = Some(p.days);
                }
            }
            out.push(h);
        }
        whichever_longer(clause, out, first_hit);
        if keep {
            out.extend(qualitative(clause, off, &periods));
        }
    }
}

/// `交易完成日起三年或您注销账号后180天（以较长者为准）`: the data is kept at
/// least the longer of the periods; `以较短者为准`: at most the shorter. The
/// other periods of the clause are no retention of their own.
fn whichever_longer(clause: &str, out: &mut Vec<Hit>, first_hit: usize) {
    let longer = LONGER.is_match(clause);
    if !longer && !SHORTER.is_match(clause) {
        return;
    }
    let days = |h: &Hit| h.days_min.or(h.days_max).unwrap_or(0);
    let kept: Vec<Hit> = out.drain(first_hit..).collect();
    let (retention, others): (Vec<Hit>, Vec<Hit>) =
        kept.into_iter().partition(|h| h.kind == Kind::Retention);
    let pick = if longer {
        retention.into_iter().max_by_key(days)
    } else {
        retention.into_iter().min_by_key(days)
    };
    out.extend(others);
    if let Some(mut h) = pick {
        let d = days(&h);
        (h.days_min, h.days_max) = if longer {
            (Some(d), None)
        } else {
            (None, Some(d))
        };
        out.push(h);
    }
}

/// The clause promises an answer to a request (and is not about money or
/// the user not answering).
fn answers_request(clause: &str) -> bool {
    let money = MONEY_WORDS.iter().any(|w| clause.contains(w));
    !money
        && REPLY.find_iter(clause).any(|r| {
            let before = &clause[..r.start()];
            !NEGATIONS.iter().any(|w| before.ends_with(w))
        })
}

/// The clause is about keeping (or deleting) data, not about a request to.
fn keeps_data(clause: &str) -> bool {
    KEEP.find_iter(clause).any(|k| {
        let rest = &clause[k.end()..];
        !REQUEST_WORDS.iter().any(|w| rest.starts_with(w))
    })
}

/// A period a clause states, in byte offsets of the clause.
struct Period<'c> {
    start: usize,
    end: usize,
    days: i32,
    /// The qualifier right before the number (`不少于`), or empty.
    prefix: &'c str,
    /// The suffix after the unit (`以内`), or empty.
    suffix: &'c str,
    before: &'c str,
    after: &'c str,
}

/// The period a [`DURATION`] match states, or `None` where the number is a
/// date, an age, a name or a section number rather than a period.
fn read_period<'c>(clause: &'c str, m: &regex::Captures<'c>) -> Option<Period<'c>> {
    let whole = m.get(0).expect("match");
    let num = &m[2];
    let unit = m.get(4).expect("unit").as_str();
    let after = &clause[whole.end()..];
    // "2023年" / "12月31日" are dates, not durations.
    let n = if num == "半" {
        None
    } else {
        Some(numerals::parse(num)?)
    };
    let before = &clause[..whole.start()];
    if names_no_period(unit, n, m.get(3).is_some(), before, after) {
        return None;
    }
    let d = match n {
        Some(n) => days(n, unit),
        None => match unit {
            "年" | "年度" => Some(HALF_YEAR_DAYS),
            "个月" | "月" => Some(HALF_MONTH_DAYS),
            _ => None,
        },
    };
    let d = d.filter(|d| *d > 0 && *d < MAX_DAYS)?;
    Some(Period {
        start: whole.start(),
        end: whole.end(),
        days: d as i32,
        prefix: m.get(1).map(|x| x.as_str()).unwrap_or(""),
        suffix: m.get(5).map(|x| x.as_str()).unwrap_or(""),
        before,
        after,
    })
}

/// `2345天气王`, `15天天气预报`, `15日天气预报` are names, not durations;
/// `近三个月至半年` of call records is what data is collected, not how long
/// it is kept; `2.1日志信息` is a section number before a heading;
/// `未满14周岁` is an age, `十周年` an anniversary, `三年级` a school grade;
/// `2023年`, `12月31日`, `3月5` are dates. `ge` says whether the match
/// holds a `个`.
fn names_no_period(unit: &str, n: Option<u64>, ge: bool, before: &str, after: &str) -> bool {
    (unit == "天" && after.starts_with('气'))
        || after.starts_with("天气")
        || recent(before)
        || (unit == "周" && after.starts_with(['岁', '年']))
        || (unit == "年" && after.starts_with('级'))
        || (unit == "日" && after.starts_with('志'))
        || before.ends_with(['.', '．'])
        || (unit == "年" && n.is_some_and(|n| n >= FIRST_CALENDAR_YEAR))
        || (matches!(unit, "日" | "天") && before.ends_with('月'))
        || (unit == "月"
            && !ge
            && after
                .starts_with(|c: char| c.is_ascii_digit() || "一二三四五六七八九十".contains(c)))
}

/// A deadline (`…内`) followed closely by a reply word: the period is the
/// answer's even in a clause that also keeps data.
fn answers_next(p: &Period) -> bool {
    WITHIN_SUFFIXES.contains(&p.suffix)
        && REPLY.find(p.after).is_some_and(|r| {
            let gap = &p.after[..r.start()];
            gap.chars().count() <= REPLY_GAP_MAX_CHARS
                && !KEEP.is_match(gap)
                && !gap.contains(['：', ':', '，', ',', '、'])
        })
}

/// Whether a retention period is a minimum and whether a maximum: from the
/// qualifier right before the number or its suffix, else from one a few
/// words before (`最长保存180天`, `保存期限不少于三年`). Neither or both
/// make it exact.
fn bounds(p: &Period) -> (bool, bool) {
    let near: String = p
        .before
        .chars()
        .rev()
        .take(QUALIFIER_WINDOW_CHARS)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    let below = BELOW_WORDS
        .iter()
        .find_map(|q| near.rfind(q))
        .map(|i| tail(&near[..i], NEGATION_WINDOW_BYTES).contains('不'));
    let bare = p.prefix.is_empty();
    let is_min = MIN_QUALIFIERS.contains(&p.prefix)
        || p.suffix == AT_LEAST_SUFFIX
        || (bare && (MIN_QUALIFIERS.iter().any(|q| near.contains(q)) || below == Some(true)));
    // `如果超过三年我们将立即删除`: past the period the data goes.
    let past_it_deleted = near.ends_with("超过")
        && !near.ends_with("不超过")
        && (p.after.contains("删除") || p.after.contains("匿名"));
    let is_max = MAX_PREFIXES.contains(&p.prefix)
        || WITHIN_SUFFIXES.contains(&p.suffix)
        || past_it_deleted
        || (bare && (MAX_WORDS_NEAR.iter().any(|q| near.contains(q)) || below == Some(false)));
    (is_min, is_max)
}

/// A retention statement without a number (`所必需的最短时间`), unless it is
/// the `使用期间…存储` of a clause about collecting, shares its comma-part
/// with a period (`保存期限为…所需的最短期限，即三年`), or describes a period
/// stated before (`上述保存期限为…所需的最短期限`).
fn qualitative(clause: &str, off: usize, periods: &[(usize, usize)]) -> Option<Hit> {
    QUALITATIVE.find_iter(clause).find_map(|q| {
        let part_start = clause[..q.start()]
            .char_indices()
            .rfind(|&(_, c)| c == '，' || c == ',')
            .map_or(0, |(i, c)| i + c.len_utf8());
        let part_end = clause[q.end()..]
            .find(['，', ','])
            .map_or(clause.len(), |i| q.end() + i);
        let part = &clause[part_start..part_end];
        let with_period = periods.iter().any(|&(s, e)| s < part_end && e > part_start);
        let lasting = LASTING.is_match(q.as_str());
        let collecting =
            q.as_str().ends_with(['保', '存', '留', '储']) && !lasting && COLLECT.is_match(clause);
        // `不再继续保存` stops keeping; `持续保存至2022年12月31日` keeps until a
        // date (no column); what `一直留存在公共领域` is what the user made
        // public, not what the operator keeps.
        let not_kept_on = lasting
            && (clause[..q.start()].ends_with(['不', '停', '再'])
                || clause[q.end()..].starts_with(['至', '到'])
                    && clause[q.end()..]
                        .chars()
                        .nth(1)
                        .is_some_and(|c| c.is_ascii_digit())
                || PUBLIC.is_match(&clause[q.end()..]));
        (!with_period && !collecting && !not_kept_on && !ABOUT_A_PERIOD.is_match(part)).then(|| {
            Hit::new(
                Kind::Retention,
                off + q.start(),
                off + q.end(),
                "qualitative",
            )
        })
    })
}

#[cfg(test)]
mod tests;
