//! Tests of the extraction API: offsets, odd input, Markdown emphasis, the
//! data-mention values and the per-policy summary.

#[test]
fn mentions_are_valued_with_the_lexicon_types_inside_them() {
    let ex = Extractor::new().unwrap();
    let text = "您需要提供姓名、手机号码及上述信息。";
    let hits = ex.extract(text, &[]);
    let m = data_mentions(text, &[(5, 12), (13, 17), (16, 99)], &hits);
    assert_eq!(m.len(), 2, "out-of-range span dropped");
    assert_eq!(m[0].text, "姓名、手机号码");
    assert_eq!(m[0].value, "姓名、手机号码");
    assert_eq!(m[0].kind, Kind::DataMention);
    assert_eq!(m[0].category, None);
    assert_eq!(m[1].text, "上述信息");
    assert_eq!(m[1].value, "", "a reference names no type");
}

#[test]
fn mentions_never_cut_a_lexicon_term() {
    let ex = Extractor::new().unwrap();
    let text = "我们会收集设备MAC地址和通讯录。";
    let hits = ex.extract(text, &[]);
    // `设备MAC地` and `通讯` end inside terms: their ends move out.
    let m = data_mentions(text, &[(5, 11), (13, 15)], &hits);
    let texts: Vec<&str> = m.iter().map(|e| e.text.as_str()).collect();
    assert_eq!(texts, ["设备MAC地址", "通讯录"]);
    // Two pieces of one term become one mention.
    let m = data_mentions(text, &[(5, 9), (9, 11)], &hits);
    let texts: Vec<&str> = m.iter().map(|e| e.text.as_str()).collect();
    assert_eq!(texts, ["设备MAC地址"]);
}

use super::*;

fn ex() -> Extractor {
    Extractor::new().unwrap()
}

#[test]
fn offsets_are_chars_and_slice_back() {
    let t = "我们会收集您的手机号码，客服电话：400-820-1234。";
    for e in ex().extract(t, &[]) {
        let s: String = t
            .chars()
            .skip(e.char_start as usize)
            .take((e.char_end - e.char_start) as usize)
            .collect();
        assert_eq!(s, e.text);
    }
}

#[test]
fn never_panics_on_odd_input() {
    let x = ex();
    let long = "数".repeat(100_000);
    for t in [
        "",
        "0123456789",
        long.as_str(),
        "𝕏𝕐ℤ ∑∫ 🙂 \u{200b}\u{0}",
        "电话：",
        "年月日",
        "保存期限为个月",
        "@@@ ..@.. http:// www.",
        "十十十十十十十十十十十十十十十十十十十十年",
        "第9999999999999999999999条 99999999999999999999年",
        "**",
        "_*_**__a*_",
        "**电话**：**400**-**820**",
    ] {
        let _ = x.extract(t, &[]);
    }
}

#[test]
fn markdown_emphasis_does_not_hide_fields() {
    let x = ex();
    let t = "**本版本发布日期：** **2019** **年** **10** **月** **4** **日**";
    let e = x.extract(t, &[]);
    let d = e.iter().find(|e| e.kind == Kind::Date).expect("a date");
    assert_eq!(d.value, "2019-10-04");
    // Offsets and text refer to the segment as given, markup included.
    let chars: Vec<char> = t.chars().collect();
    let slice: String = chars[d.char_start as usize..d.char_end as usize]
        .iter()
        .collect();
    assert_eq!(slice, d.text);
    assert_eq!(d.text, "2019** **年** **10** **月** **4** **日");
    let e = x.extract(
        "**若您是未满** **18****周岁的未成年人，请在监护人指导下使用。",
        &[],
    );
    assert!(
        e.iter()
            .any(|e| e.kind == Kind::MinorAge && e.value == "18"),
        "{e:?}"
    );
}

#[test]
fn markup_inside_words_is_kept() {
    assert_eq!(Unmarked::new("尾号138****1234").text(), "尾号138****1234");
    assert_eq!(
        Unmarked::new("**邮箱：user_name@example.com**").text(),
        "邮箱：user_name@example.com"
    );
    assert_eq!(Unmarked::new("** _手机号码_**").text(), " 手机号码");
}

#[test]
fn summary_folds_entities() {
    let x = ex();
    let mut all = Vec::new();
    for t in [
        "本应用由杭州示例科技有限公司运营。",
        "我们会收集您的手机号码和位置信息。",
        "您的个人信息将存储于中华人民共和国境内，不会向境外传输。",
        "日志信息保存不少于六个月。交易信息自交易完成之日起保存不少于三年。",
        "我们将在十五个工作日内答复。",
        "如您是未满十四周岁的儿童，请在监护人陪同下阅读。",
        "更新日期：2024年1月2日",
    ] {
        all.extend(x.extract(t, &[]));
    }
    let s = summarize(&all);
    assert_eq!(s.controller, ["杭州示例科技有限公司"]);
    assert!(s.data_types.contains(&"手机号码".to_string()));
    assert!(s.data_types.contains(&"位置信息".to_string()));
    assert_eq!(s.retention_days_min, Some(180));
    assert_eq!(s.retention_days_max, Some(1095));
    assert_eq!(s.response_days, Some(15));
    assert_eq!(s.minor_age, [14]);
    assert_eq!(s.stored_in_china, Some(true));
    assert_eq!(s.transfers_abroad, Some(false));
    assert_eq!(s.updated.as_deref(), Some("2024-01-02"));
}

/// The data-type values of `t`'s entities, in order, generic ones
/// (`个人信息`) left out as `data_types` leaves them.
fn types(t: &str) -> Vec<String> {
    ex().extract(t, &[])
        .into_iter()
        .filter(|e| e.kind == Kind::DataType && e.category.as_deref() != Some("generic"))
        .map(|e| e.value)
        .collect()
}

/// Each of `texts` lists no data type (generic terms aside).
fn assert_no_types(texts: &[&str]) {
    for t in texts {
        assert_eq!(types(t), Vec::<String>::new(), "{t}");
    }
}

/// The operator's contact channels are not data it processes: the term
/// right before a phone, e-mail, address or postcode names the channel.
/// The same terms in a statement about the user's data stay.
#[test]
fn contact_channels_are_not_data_types() {
    assert_no_types(&[
        "客服邮箱：kefu@example.com",
        "您可通过电子邮箱xcfeedback@example.cn与我们联系",
        "投诉渠道电话为400-8286-855，邮箱为kefu@example.com。",
        "请发送邮件至privacy@example.com",
        "（注册地址：上海市静安区万荣路1256号1101室）",
        "数据及隐私保护中心（收） 邮编：230012",
    ]);
    // The channel's value is still extracted.
    let e = ex().extract("客服邮箱：kefu@example.com", &[]);
    assert!(e.iter().any(|e| e.kind == Kind::Email), "{e:?}");
    // Collected data, and a term far from any value, stay data types.
    assert_eq!(
        types("我们会收集您的手机号码、电子邮箱和地址。"),
        ["手机号码", "电子邮箱", "地址"]
    );
    assert_eq!(
        types("您可以在设置中修改您的邮箱，或发送邮件至kefu@example.com。"),
        ["电子邮箱"]
    );
}

/// A definition of personal information lists what the term covers, not
/// what the operator processes: its examples are no data types, up to
/// where the sentence turns to the policy's own practice.
#[test]
fn examples_in_a_definition_of_personal_information_are_not_data_types() {
    assert_no_types(&[
        "个人信息是指以电子或者其他方式记录的能够识别特定自然人身份的各种信息，包括姓名、出生日期、身份证件号码、个人生物识别信息。",
        "（4）“个人敏感信息”：指一旦泄露可能危害人身和财产安全的个人信息，例如银行账号、健康信息。",
        "敏感个人信息，是指一旦泄露的个人信息，包括生物识别、宗教信仰、金融账户、行踪轨迹等信息",
    ]);
    // The same sentence naming the policy's own data keeps those.
    assert_eq!(
        types(
            "个人敏感信息是指一旦泄露可能危害人身安全的个人信息，本隐私政策中涉及的个人敏感信息包括：您的身份证号码、银行账号。"
        ),
        ["身份证号码", "银行账号"]
    );
    // The next sentence is not the definition; nor is a type's own gloss.
    assert_eq!(
        types("个人信息是指能够识别特定自然人的信息，例如姓名。我们会收集您的手机号码。"),
        ["手机号码"]
    );
    assert_eq!(
        types("设备信息：指您使用的设备型号和设备标识符。"),
        ["设备信息", "设备信息", "设备标识符"]
    );
}

/// Words that hold a data-type surface but name no personal data are not
/// read as the shorter word inside them; the shorter word alone still is.
#[test]
fn words_that_only_contain_a_data_type_are_not_one() {
    assert_no_types(&[
        "接收方必须出具与之相应的法律文件，如传票或调查函。",
        "违反中国法律、法规、规章及规范性文件的行为",
        "煽动民族仇恨、民族歧视，破坏民族团结的",
        "我们将以推送通知、短信通知等形式告知您。",
    ]);
    assert_eq!(types("Cookie是存储在您设备上的小型数据文件。"), ["Cookie"]);
    assert_eq!(
        types("我们会读取您的短信和文件，并收集您的民族。"),
        ["短信", "文件", "民族"]
    );
}

/// A message named as the way the operator sends something is the medium,
/// not data it processes; the user's messages themselves stay.
#[test]
fn messages_named_as_a_way_of_sending_are_not_data_types() {
    assert_no_types(&[
        "我们将及时将事件相关情况以推送通知、邮件、信函、短信等形式告知您。",
        "基于特征标签通过电子邮件、短信或其他方式向您发送营销信息",
        "我们会通过包括但不限于邮件、短信、私信或在浏览页面做特别提示等方式，说明具体变更内容",
    ]);
    assert_eq!(types("经您授权，我们会读取您的短信。"), ["短信"]);
    assert_eq!(
        types("我们会收集您的电子邮件地址，并以短信形式通知您"),
        ["电子邮箱"]
    );
    // A sentence stop ends the list: the way is another sentence's.
    assert_eq!(types("通过短信。其他方式另行通知。"), ["短信"]);
}

/// The works an intellectual-property clause names are not data the
/// operator processes; data collected in the next sentence still is.
#[test]
fn works_named_by_an_intellectual_property_clause_are_not_data_types() {
    assert_no_types(&[
        "公司在本软件中提供的内容（包括但不限于文字、图片、音频、视频、电子文档等）的知识产权属公司所有。",
        "用户在平台上发表的原创照片和评论，著作权均归用户本人所有",
    ]);
    assert_eq!(
        types("本软件的版权归公司所有；经您同意，我们会收集您的照片。"),
        ["照片"]
    );
    // `商标` inside `厂商标识` is no trade mark.
    assert_eq!(
        types("设备信息（IDFV厂商标识）"),
        ["设备信息", "设备标识符"]
    );
}

/// A password in advice to the user about its safety is not one the
/// operator collects; a password the user sets at registration is.
#[test]
fn the_password_of_security_advice_is_not_a_data_type() {
    for t in [
        "请您采取积极措施，包括使用复杂密码、定期修改密码、不将自己的账号密码等个人信息透露给他人。",
        "请妥善保管您的账号及密码信息。",
        "如您发现账号或密码被他人非法使用，请立即联系我们。",
    ] {
        assert!(!types(t).contains(&"密码".to_string()), "{t}");
    }
    assert_eq!(
        types("注册时，您需要提供手机号码并创建密码；请妥善保管您的账号。"),
        ["手机号码", "密码", "账号信息"]
    );
}

/// The operator's own contact details, referred to, are not the user's
/// data; the user's contact details the operator collects or keeps are.
#[test]
fn the_operators_contact_details_referred_to_are_not_a_data_type() {
    assert_no_types(&[
        "如您有任何疑问，请通过本隐私政策公示的联系方式与我们联系。",
        "您可以通过我们公布的联系方式提出上述请求。",
        "我们负责处理个人信息安全的责任部门、联络方式及投诉渠道发生变化时；",
        "您可以随时通过后附联系方式与我们取得联系。",
    ]);
    for t in [
        "参加活动时，您可能需要向我们提供姓名、通信地址、联系方式。",
        "我们将通过您预留的联系方式向您告知安全事件。",
        "我们会保存您向我们主动提供的其他联系方式。",
        "我们可能还会保存您的联系方式（您与我们联系时使用的号码）。",
    ] {
        assert!(types(t).contains(&"联系方式".to_string()), "{t}");
    }
}
