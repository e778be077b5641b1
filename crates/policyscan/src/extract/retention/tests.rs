//! Tests of retention periods and reply deadlines: bounds, qualitative
//! statements, what is no period (dates, ages, names), and deadlines that
//! answer a request.

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
fn kept_on_without_an_end() {
    for t in [
        "只要您的账户处于活跃状态，我们就将一直保留您的数据。",
        "根据《保险法》等法律法规、监管规定我们还将继续保存您的相关个人信息。",
        "我们在您使用示例期间持续收集并保存您提供的上述信息。",
        "本公司可以根据实际情况自行决定用户在本服务中数据的最长储存期限。",
        "网站会采取各种实际措施保证个人信息不会被保管超过合理的期限。",
    ] {
        let h = run(t);
        assert_eq!(h.len(), 1, "{t}");
        assert_eq!(h[0].value, "qualitative", "{t}");
    }
    for t in [
        // What the user made public stays public: not the operator's keeping.
        "只要您不删除共享信息，有关信息会一直留存在公共领域。",
        // Stopping, and keeping until a date, are no open-ended retention.
        "退出后我们将不再继续保存您的数据。",
        "心脏研究将持续保存至2022年12月31日。",
    ] {
        assert!(run(t).is_empty(), "{t}: {:?}", run(t));
    }
}

#[test]
fn qualitative_beside_a_period() {
    // Its own comma-part: both statements count.
    let h = run(
        "我们只会在达成本政策所述目的所需的期限内保留您的个人信息，除非法律有强制的存留要求，例如交易信息保存时间自交易完成之日起不少于三年。",
    );
    let got: Vec<_> = h.iter().map(|h| (h.value.as_str(), h.days_min)).collect();
    assert_eq!(got, [("1095", Some(1095)), ("qualitative", None)]);
    let h = run(
        "相关信息保存将低于三年，但是您的个人账户注册信息在你申请注销前的账户持续存续期间，将由我们持续存储。",
    );
    assert_eq!(h.len(), 2, "{h:?}");
    assert_eq!(h[1].value, "qualitative");
    // … but a phrase about the period above is that period.
    let h = run("我们会将您的个人信息保存三年。上述保存期限为达成本政策所述目的所需的最短期限。");
    assert_eq!(h.len(), 1, "{h:?}");
    assert_eq!(h[0].days_min, Some(1095));
}

#[test]
fn lists_of_periods_and_the_longer_of_two() {
    let h = run(
        "我们在合理必要期限内存储您个人信息，对于日志信息为您注销账号后180天；交易信息为交易完成日起三年或您注销账号后180天（以较长者为准）。",
    );
    let got: Vec<_> = h
        .iter()
        .map(|h| (h.value.as_str(), h.days_min, h.days_max))
        .collect();
    assert_eq!(
        got,
        [
            ("180", Some(180), Some(180)),
            ("qualitative", None, None),
            ("1095", Some(1095), None)
        ]
    );
    // Past the period the data goes: a maximum.
    let h = run("如果超过三年我们将立即删除或做匿名化处理。");
    assert_eq!((h[0].days_min, h[0].days_max), (None, Some(1095)));
}

#[test]
fn deadlines_counted_from_the_request_are_replies() {
    for (t, d) in [
        (
            "我们在核实您的身份后，会在15日内注销您的个人数据或者将数据做匿名化处理。",
            15,
        ),
        ("我们将在2周内帮助您进行删除账号及有关信息的处理。", 14),
        (
            "在收到您的要求后30天之内，本网站将免费采取措施，确保不会再向您发送促销信息。",
            30,
        ),
    ] {
        let h = run(t);
        assert_eq!(h.len(), 1, "{t}");
        assert_eq!(
            (h[0].kind, h[0].days_max),
            (Kind::ResponseTime, Some(d)),
            "{t}"
        );
    }
    // Deleting after the account is closed stays retention.
    assert_eq!(
        run("注销后，我们将在15天内删除您的个人信息。")[0].kind,
        Kind::Retention
    );
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
    assert!(run("不登录该帐号长达【90】天的，经邮件提醒未回复的，我们有权回收该帐号。").is_empty());
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
        run("从依法留存您通话详单的第三方机构获取您的近期通话详单（近三个月至半年）。").is_empty()
    );
    // A real period in weeks still counts.
    assert_eq!(run("聊天记录保留两周后删除。")[0].days_min, Some(14));
}
