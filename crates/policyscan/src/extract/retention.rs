//! Retention periods ("保存不少于三年" → days_min 1095) and promised reply
//! deadlines ("十五个工作日内答复" → response_time 15 days).
//!
//! The text is cut into clauses at `。；！？`; a clause about keeping data
//! (保存/保留/存储/留存…) yields retention hits, a clause about answering
//! requests (答复/回复/反馈/处理…) yields response-time hits. Notice periods
//! ("提前三十日公告") are neither. Units: year 365, month 30, week 7 days,
//! working days as days. `不少于/至少/以上` give a minimum, `不超过/最长/以内`
//! a maximum, a bare period both. A retention clause without a number but
//! with "the shortest time necessary" / "the period required by law" is a
//! qualitative hit (both days null, value `qualitative`).

use std::sync::LazyLock;

use regex::Regex;

use super::numerals;
use super::{Hit, Kind, clauses, tail};

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
    let t = tail(before, 24);
    t.rfind('近')
        .is_some_and(|i| !t[i..].contains(['，', ',', '。', '；', '：']))
}

static KEEP: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new("保存|保留|存储|储存|留存|存放|保管|删除|匿名化").expect("keep regex")
});
static REPLY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new("答复|回复|反馈|响应|回应|予以处理|处理完毕|完成处理|[作做]出处理|处理您的|受理|核实并处理|给予处理|满足您的(请求|要求)|为您(办理)?(销户|注销)|完成[^，,。；]{0,12}审核")
        .expect("reply regex")
});
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
        "|(使用|账户存续|账号存续|帐户存续|帐号存续)[^，,。；]{0,20}期间[^。；]{0,16}(保存|保留|存储|储存|留存)",
    ))
    .expect("qualitative regex")
});

/// A clause about collecting: its `使用期间…存储` is not a retention rule.
static COLLECT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new("收集|获取|采集").expect("collect regex"));

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
    for (off, clause) in clauses(text) {
        // `提醒未回复` is the user not answering us; a withdrawal or a refund
        // `处理完毕` is no answer to a request about personal information.
        let money = ["提现", "打款", "退款", "到账", "发货"]
            .iter()
            .any(|w| clause.contains(w));
        let reply = !money
            && REPLY.find_iter(clause).any(|r| {
                let before = &clause[..r.start()];
                !["未", "不", "没有", "无"]
                    .iter()
                    .any(|w| before.ends_with(w))
            });
        // `删除请求` / `删除权` name a request or a right, not keeping data.
        let keep = KEEP.find_iter(clause).any(|k| {
            let rest = &clause[k.end()..];
            !["请求", "申请", "权"].iter().any(|w| rest.starts_with(w))
        });
        if !reply && !keep {
            continue;
        }
        let notice = NOTICE.is_match(clause);
        let mut found_number = false;
        for m in DURATION.captures_iter(clause) {
            let whole = m.get(0).expect("match");
            let num = &m[2];
            let unit = &m[4];
            let after = &clause[whole.end()..];
            // "2023年" / "12月31日" are dates, not durations.
            let n = if num == "半" {
                None
            } else {
                match numerals::parse(num) {
                    Some(n) => Some(n),
                    None => continue,
                }
            };
            let before = &clause[..whole.start()];
            // `2345天气王`, `15天天气预报`, `15日天气预报` are names, not
            // durations; `近三个月至半年` of call records is what data is
            // collected, not how long it is kept; `2.1日志信息`
            // is a section number before a heading; `未满14周岁` is an age,
            // `十周年` an anniversary, `三年级` a school grade.
            if (unit == "天" && after.starts_with('气'))
                || after.starts_with("天气")
                || recent(before)
                || (unit == "周" && after.starts_with(['岁', '年']))
                || (unit == "年" && after.starts_with('级'))
                || (unit == "日" && after.starts_with('志'))
                || before.ends_with(['.', '．'])
                || (unit == "年" && n.is_some_and(|n| n >= 1900))
                || (matches!(unit, "日" | "天") && before.ends_with('月'))
                || (unit == "月"
                    && m.get(3).is_none()
                    && after.starts_with(|c: char| {
                        c.is_ascii_digit() || "一二三四五六七八九十".contains(c)
                    }))
            {
                continue;
            }
            let d = match n {
                Some(n) => days(n, unit),
                None => match unit {
                    "年" | "年度" => Some(180),
                    "个月" | "月" => Some(15),
                    _ => None,
                },
            };
            let Some(d) = d.filter(|d| *d > 0 && *d < 100_000) else {
                continue;
            };
            let d = d as i32;
            // `期限届满后30日内删除` is how soon data goes once the period
            // ends, not the period: the statement stays qualitative.
            if keep
                && ["届满后", "期满后", "到期后"]
                    .iter()
                    .any(|w| tail(before, 24).contains(w))
            {
                continue;
            }
            found_number = true;
            let prefix = m.get(1).map(|x| x.as_str()).unwrap_or("");
            let suffix = m.get(5).map(|x| x.as_str()).unwrap_or("");
            let start = off + whole.start();
            let end = off + whole.end();
            // `在…两个工作日内完成对您的账户注销审核，审核通过后…删除`: the
            // period is the answer's, whatever the clause goes on to keep.
            // Looked at only when the clause both answers and keeps.
            let answers_next = || {
                matches!(suffix, "内" | "以内" | "之内")
                    && REPLY.find(after).is_some_and(|r| {
                        let gap = &after[..r.start()];
                        gap.chars().count() <= 12
                            && !KEEP.is_match(gap)
                            && !gap.contains(['：', ':', '，', ',', '、'])
                    })
            };
            if reply && (!keep || answers_next()) {
                if notice {
                    continue;
                }
                let mut h = Hit::new(Kind::ResponseTime, start, end, d.to_string());
                h.days_max = Some(d);
                out.push(h);
                continue;
            }
            if notice {
                continue;
            }
            // A qualifier may sit a few words before the number
            // ("最长保存180天", "保存期限不少于三年").
            let near: String = before
                .chars()
                .rev()
                .take(8)
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect();
            // `保存将低于三年` (below) bounds from above; with a `不` just
            // before (`不得少于六个月`) it bounds from below.
            let below = ["低于", "少于", "短于"]
                .iter()
                .find_map(|q| near.rfind(q))
                .map(|i| tail(&near[..i], 6).contains('不'));
            let is_min = matches!(prefix, "不少于" | "至少" | "不低于" | "不短于")
                || suffix == "以上"
                || (prefix.is_empty()
                    && (["不少于", "至少", "不低于", "不短于"]
                        .iter()
                        .any(|q| near.contains(q))
                        || below == Some(true)));
            let is_max = matches!(
                prefix,
                "不超过" | "不超出" | "不多于" | "最长不超过" | "最长" | "最多"
            ) || matches!(suffix, "以内" | "之内" | "内")
                || (prefix.is_empty()
                    && (["不超过", "最长", "最多", "不超出"]
                        .iter()
                        .any(|q| near.contains(q))
                        || below == Some(false)));
            let mut h = Hit::new(Kind::Retention, start, end, d.to_string());
            match (is_min, is_max) {
                (true, false) => h.days_min = Some(d),
                (false, true) => h.days_max = Some(d),
                _ => {
                    h.days_min = Some(d);
                    h.days_max = Some(d);
                }
            }
            out.push(h);
        }
        if keep
            && !found_number
            && let Some(q) = QUALITATIVE.find(clause)
            && !(q.as_str().ends_with(['保', '存', '留', '储']) && COLLECT.is_match(clause))
        {
            out.push(Hit::new(
                Kind::Retention,
                off + q.start(),
                off + q.end(),
                "qualitative",
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(t: &str) -> Vec<Hit> {
        let mut v = Vec::new();
        find(t, &[], &mut v);
        v
    }

    #[test]
    fn minimum_maximum_and_exact_periods() {
        let h = run("根据《电子商务法》，自交易完成之日起保存不少于三年。");
        assert_eq!(
            (h[0].kind, h[0].days_min, h[0].days_max),
            (Kind::Retention, Some(1095), None)
        );
        let h = run("您的日志信息最长保存180天。");
        assert_eq!((h[0].days_min, h[0].days_max), (None, Some(180)));
        let h = run("网络日志将保存六个月。");
        assert_eq!((h[0].days_min, h[0].days_max), (Some(180), Some(180)));
        let h = run("我们将在30日内删除您的信息。");
        assert_eq!(h[0].days_max, Some(30));
        let h = run("您的账号信息保存期限为半年。");
        assert_eq!(h[0].days_min, Some(180));
        let h = run("订单信息保留两周。");
        assert_eq!(h[0].days_min, Some(14));
        // 0786: `低于` (below) is a maximum, `不低于` a minimum.
        let h = run("相关信息保存将低于三年，如果超过三年我们将立即删除。");
        assert_eq!((h[0].days_min, h[0].days_max), (None, Some(1095)));
        let h = run("日志保存时间不低于六个月。");
        assert_eq!((h[0].days_min, h[0].days_max), (Some(180), None));
        let h = run("网络日志留存不得少于六个月。");
        assert_eq!((h[0].days_min, h[0].days_max), (Some(180), None));
    }

    #[test]
    fn markdown_emphasis_inside_a_period() {
        let h = run("存储期限严格按照法律规定，最低期限不少于** **6** **个月。");
        assert_eq!((h[0].days_min, h[0].days_max), (Some(180), None));
    }

    #[test]
    fn qualitative_retention() {
        let h = run("我们仅在实现本政策所述目的所必需的最短时间内保留您的个人信息。");
        assert_eq!(h.len(), 1);
        assert_eq!(
            (h[0].value.as_str(), h[0].days_min, h[0].days_max),
            ("qualitative", None, None)
        );
        let h = run("超出法律法规规定的期限后，我们会删除您的信息。");
        assert_eq!(h[0].value, "qualitative");
        for t in [
            "我们只会在达成本协议所述目的所需的期限内保留您的个人信息。",
            "我们仅在为提供服务之目的所必需的期间内保留您的个人信息。",
            "我们承诺您个人信息的存储时间始终处于合理必要期限内。",
            "我们仅在本政策所述目的所必需期间和法律法规及监管规定的时限内保存您的个人信息。",
            "我们存储数据，直至达成本政策所述目的或直至您提出删除请求，以较早发生者为准。",
            "我们将在您使用示例交通期间（使用期间是指您注销账户之前）及相关行为的诉讼时效届满前保存您的个人信息。",
            "您在使用示例产品及服务期间，我们将持续为您保存您的个人信息。",
            "如果您注销帐户，我们将依据网络安全法等法律法规规定保存您的信息。",
            "我们只会在必要的合理期限内保留您的个人信息。",
            "我们将按照本政策或者为您提供服务的时间范围内保留您的信息。",
            "购买记录的保存期限将遵守《网络游戏管理暂行办法》有关规定。",
        ] {
            let h = run(t);
            assert_eq!(h.len(), 1, "{t}");
            assert_eq!(h[0].value, "qualitative", "{t}");
        }
        // Collecting while the service is used is no retention rule.
        assert!(run("在您使用服务期间，我们会收集并存储您的位置信息。").is_empty());
        // A vague "for some time" is not a stated retention rule.
        assert!(run("我们会根据商业需要在一定时间内保留该订单信息。").is_empty());
    }

    #[test]
    fn deletion_after_the_period_ends_is_not_the_period() {
        let h = run(
            "我们仅在目的所必需期间和法律法规要求的时限内保留您的信息，并在上述期限届满后【30】日内删除您的信息。",
        );
        assert_eq!(h.len(), 1);
        assert_eq!(
            (h[0].kind, h[0].value.as_str()),
            (Kind::Retention, "qualitative")
        );
    }

    #[test]
    fn reply_deadlines_are_not_retention() {
        let h = run("我们将在三十天内对您的访问、更正、删除请求作出答复。");
        assert_eq!(h.len(), 1);
        assert_eq!((h[0].kind, h[0].days_max), (Kind::ResponseTime, Some(30)));
        assert!(run("2345天气王会保存您的城市设置。").is_empty());
        assert!(run("2.1日志信息，当您使用本软件时，我们会自动收集并保存您的日志。").is_empty());
        assert!(run("如果您在15天天气预报网站上注册，您可以删除您的账户。").is_empty());
        let h = run("我们将在十五个工作日内答复您的请求。");
        assert_eq!(h.len(), 1);
        assert_eq!((h[0].kind, h[0].value.as_str()), (Kind::ResponseTime, "15"));
        let h = run("一般情况下，我们将在15天内回复。");
        assert_eq!(h[0].kind, Kind::ResponseTime);
    }

    #[test]
    fn reply_deadlines_in_other_words() {
        let one = |t: &str| {
            let h = run(t);
            assert_eq!(h.len(), 1, "{t}");
            (h[0].kind, h[0].days_max)
        };
        let reply = |d| (Kind::ResponseTime, Some(d));
        // A template's blank filled in brackets.
        assert_eq!(
            one("我们会在收到您的邮件或电话的【15】天内进行回复。"),
            reply(15)
        );
        assert_eq!(one("我们将在15个工作日内做出处理。"), reply(15));
        assert_eq!(one("华清飞扬将在15个工作日内满足您的请求。"), reply(15));
        // Handling a request to close the account is answering a request.
        assert_eq!(
            one("提交注销账户的申请，我们将会在10个工作日内为您销户。"),
            reply(10)
        );
        // Deleting data after closing the account stays retention.
        assert_eq!(
            one("注销后，我们将在15天内删除您的个人信息。").0,
            Kind::Retention
        );
        // A sentence the segmenter joined across a hard line break.
        assert_eq!(one("我们将在 二十个工作日\n内对您进行回复。"), reply(20));
        assert!(run("（3）每笔提现申请会在3个工作日内处理完毕，并打款至您绑定的账户。").is_empty());
        assert_eq!(
            one(
                "我们将在您提出申请的两个工作日内完成对您的账户注销审核，审核通过后，我们将对您的个人信息进行删除或匿名化处理。"
            ),
            reply(2)
        );
        assert_eq!(
            one("您的这些信息将被保存6个月：您反馈的问题和反馈的日志信息。").0,
            Kind::Retention
        );
        // A deadline is `…内`: `保存180天以便回应…` keeps data for 180 days.
        assert_eq!(
            one("我们会将您的日志保存180天以便回应监管机构的问询。").0,
            Kind::Retention
        );
        // The user not answering us is no deadline of ours.
        assert!(
            run("不登录该帐号长达【90】天的，经邮件提醒未回复的，我们有权回收该帐号。").is_empty()
        );
        // An unfilled blank is no deadline.
        assert!(run("我们将会在*个工作日内为您销户。").is_empty());
    }

    #[test]
    fn notices_and_dates_are_not_retention() {
        assert!(run("我们会提前三十日以公告形式通知您。").is_empty());
        assert!(run("本政策于2023年11月1日更新，我们会妥善保存。").is_empty());
        assert!(run("我们重视您的隐私。").is_empty());
        assert!(run("信息存储于2022年12月31日前的备份中。").is_empty());
    }

    #[test]
    fn ages_anniversaries_and_grades_are_not_periods() {
        // 0828: `未满14周岁` had been read as 14 weeks of retention.
        assert!(
            run("如果我们发现收集了未满14周岁未成年人的个人信息，则会设法尽快删除相关数据。")
                .is_empty()
        );
        assert!(run("为庆祝十周年，我们将保存活动照片。").is_empty());
        assert!(run("三年级学生的作业记录将被删除。").is_empty());
        // 0838: an app's name; 0723: how far back call records reach.
        assert!(run("我们希望通过《15日天气预报隐私政策》向您说明如何保存您的信息。").is_empty());
        assert!(
            run("从依法留存您通话详单的第三方机构获取您的近期通话详单（近三个月至半年）。")
                .is_empty()
        );
        // A real period in weeks still counts.
        assert_eq!(run("聊天记录保留两周后删除。")[0].days_min, Some(14));
    }
}
