//! Tests of the layouts that pages converted from HTML or Word bring: a
//! Markdown heading inside a list bullet, a bold title run into its first
//! sentence, a table flattened one cell per line, a clause number marked
//! up as a heading, and the page footer after the last section.

use super::*;

fn paths(text: &str) -> Vec<(String, Vec<String>)> {
    let segs = segment(text, &SegmentOptions::default());
    let chars: Vec<char> = text.chars().collect();
    for s in &segs {
        let slice: String = chars[s.char_start as usize..s.char_end as usize]
            .iter()
            .collect();
        assert_eq!(slice, s.text, "offsets of {:?}", s.text);
    }
    segs.into_iter().map(|s| (s.text, s.heading_path)).collect()
}

fn path_of<'a>(segs: &'a [(String, Vec<String>)], start: &str) -> &'a [String] {
    &segs
        .iter()
        .find(|(t, _)| t.starts_with(start))
        .unwrap_or_else(|| panic!("no segment starts with {start}: {segs:?}"))
        .1
}

#[test]
fn markdown_heading_inside_a_bullet_is_a_heading() {
    let doc = "### 隐私政策\n  * ### 一、 我们收集您的哪些信息\n我们会收集您的手机号码，用于注册账号和登录。\n  * ### 二、 您如何控制自己的信息\n您可以在设置中查询、更正和删除您的个人信息。\n";
    let segs = paths(doc);
    assert_eq!(segs.len(), 2);
    assert_eq!(
        path_of(&segs, "您可以"),
        ["隐私政策", "二、 您如何控制自己的信息"]
    );
}

#[test]
fn a_bold_title_run_into_its_first_sentence_opens_a_section() {
    let doc = "一、我们如何收集信息\n我们会收集您的设备信息，用于保障账号安全和服务稳定运行。\n**二、 如何使用您的个人信息** 在收集您的个人信息后，我们将根据如下规则使用您的个人信息：\n1. 用于向您提供服务。\n";
    let segs = paths(doc);
    assert_eq!(
        path_of(&segs, "在收集"),
        ["二、 如何使用您的个人信息"],
        "the sentence after the title is body under it"
    );
    assert_eq!(path_of(&segs, "1. 用于"), ["二、 如何使用您的个人信息"]);
    assert!(
        !segs
            .iter()
            .any(|(t, _)| t.contains("如何使用您的个人信息**")),
        "the title is not repeated as text: {segs:?}"
    );
}

#[test]
fn bold_emphasis_inside_a_sentence_is_not_a_title() {
    for line in [
        "**请注意：** 我们会在征得您同意后收集您的位置信息，用于推荐。",
        "**地理位置信息，** 以确定是否可以在您所在的区域为您提供服务。",
        "**1.** 为了保证您能正常使用本客户端，我们需要读取设备信息。",
        "**二、我们如何使用** **Cookie** **和同类技术**",
    ] {
        let doc =
            format!("一、总则\n本政策适用于我们提供的全部产品和服务，请您仔细阅读。\n{line}\n");
        let kinds = classify_lines(&doc);
        let heading = matches!(kinds[2], LineKind::Heading { .. });
        if line.starts_with("**二") {
            // A title in bold pieces is a heading, not a run-in title.
            assert!(heading, "{line}");
            assert!(paths(&doc).iter().all(|(t, _)| !t.contains("Cookie")));
        } else {
            assert!(!heading, "{line} taken for a heading");
            let segs = paths(&doc);
            assert_eq!(segs.len(), 2, "{line}: {segs:?}");
            assert_eq!(segs[1].1, ["一、总则"]);
        }
    }
}

#[test]
fn table_cells_between_bars_are_text() {
    let doc = "6)第三方SDK主要获取的权限以及对应的用途如下：\n**第三方SDK**\n|\n**用途**\n|\n**收集的信息**\n\n---|---|---\n\n友盟统计\n|\nApp数据分析\n|\n设备信息\n\n小米渠道包\n|\n消息推送\n|\n设备标识符\n";
    let kinds = classify_lines(doc);
    assert!(
        !kinds[1..]
            .iter()
            .any(|k| matches!(k, LineKind::Heading { .. })),
        "{kinds:?}"
    );
    let segs = paths(doc);
    let table_path = path_of(&segs, "小米渠道包");
    assert!(table_path.len() <= 1, "{segs:?}");
    assert!(segs.iter().all(|(_, p)| p == table_path), "{segs:?}");
}

#[test]
fn a_clause_number_marked_as_a_heading_opens_no_section() {
    let doc = "#### 二、服务内容\n#### 2.1\n我们向用户提供信息存储和同步服务，具体内容以实际提供为准。\n#### 2.2\n用户应使用正版软件接受服务，不得以任何方式破解本软件。\n";
    let kinds = classify_lines(doc);
    assert!(matches!(kinds[1], LineKind::Body), "{kinds:?}");
    let segs = paths(doc);
    assert_eq!(segs.len(), 2, "a lone number is no segment: {segs:?}");
    assert_eq!(path_of(&segs, "用户应"), ["二、服务内容"]);
}

#[test]
fn a_page_footer_ends_the_last_section() {
    let doc = "九、如何联系我们\n如您对本政策有任何疑问，请通过客服邮箱与我们联系。\nCopyright © 2012-2016 Luobo Studio. All rights reserved.\n[京ICP备14008769号](http://www.miibeian.gov.cn)\n关于我们 | 联系我们\n";
    let segs = paths(doc);
    assert_eq!(path_of(&segs, "如您"), ["九、如何联系我们"]);
    for start in ["Copyright", "[京ICP", "关于我们"] {
        assert!(path_of(&segs, start).is_empty(), "{start}: {segs:?}");
    }
    // Navigation links leading into the copyright line, a mark in mid-line
    // and licence numbers without `ICP` are the footer too; a link with
    // text beside it in the section is not.
    let doc = "九、如何处理投诉\n如果您要提交问题或意见，请联系我们<https://example.cn/support>。\n详见[隐私政策](https://example.cn/privacy)。\n[](https://example.cn/)\n[工作机会](https://example.cn/jobs)\n\n[关于](https://example.cn/about) | [支持](https://example.cn/support)\n[网站导航]()©2020 某某娱乐有限公司版权所有。\n由某某网络科技发展有限公司运营。\n[沪网文〔2017〕9633-727号](http://example.cn/licence)\n";
    let segs = paths(doc);
    for start in ["如果您", "详见"] {
        assert_eq!(path_of(&segs, start), ["九、如何处理投诉"], "{start}");
    }
    for start in ["[工作机会]", "[关于]", "[网站导航]", "由某某", "[沪网文"] {
        assert!(path_of(&segs, start).is_empty(), "{start}: {segs:?}");
    }
    // A link list inside a section, with no footer after it, stays there.
    let doc = "五、第三方SDK\n我们接入的SDK如下：\n[微信SDK隐私政策](https://example.cn/wx)\n[支付宝SDK隐私政策](https://example.cn/ali)\n六、联系我们\n如有疑问请联系客服。\n";
    let segs = paths(doc);
    assert_eq!(path_of(&segs, "[支付宝"), ["五、第三方SDK"]);
    // `(C)` numbering a list item is not a copyright mark.
    let doc = "3.3 用户帐号使用\n用户在使用服务过程中，必须遵循以下原则：\n(C) 遵守所有与服务有关的网络协议、规定和程序；\n";
    let segs = paths(doc);
    assert_eq!(path_of(&segs, "(C)"), ["3.3 用户帐号使用"]);
}

#[test]
fn a_second_policy_or_an_appendix_closes_every_section() {
    let doc = "“云雀”隐私政策\n一、我们如何收集信息\n我们会收集您的手机号码，用于注册账号、登录和找回密码，以及保障账号安全。\n二、联系我们\n如您有任何疑问，请发送邮件至我们的客服邮箱。\n附录：第三方合作伙伴及共享信息说明\n我们接入的推送SDK会收集您的设备标识符。\n《云雀儿童隐私政策》\n本政策适用于不满十四周岁的儿童的个人信息处理。\n";
    let segs = paths(doc);
    // The title on top is closed by the first section, as ever.
    assert_eq!(path_of(&segs, "我们会收集"), ["一、我们如何收集信息"]);
    assert_eq!(
        path_of(&segs, "我们接入"),
        ["附录：第三方合作伙伴及共享信息说明"]
    );
    assert_eq!(path_of(&segs, "本政策适用"), ["《云雀儿童隐私政策》"]);
}

#[test]
fn a_policy_named_inside_a_wrapped_sentence_closes_nothing() {
    let doc = "云雀隐私政策\n八、未成年人保护\n若您是未成年人的监护人，我们将根据国家相关法律法规及本隐私政策及\n**《云雀儿童个人信息保护协议》**\n的规定保护未成年人用户信息。\n九、联系我们\n如您有任何疑问，请发送邮件至我们的客服邮箱。\n";
    let segs = paths(doc);
    assert_eq!(path_of(&segs, "如您有任何疑问"), ["九、联系我们"]);
}

#[test]
fn policy_titles_are_told_from_section_titles() {
    for t in [
        "《云雀儿童隐私政策》",
        "影视大全隐私政策",
        "用户协议",
        "星火游戏隐私保护指引",
        "微博个人信息保护政策",
        "儿童个人信息保护规则",
        "“云岭先锋”隐私政策",
        "今日水印相机 - 隐私政策",
        "好分数隐私协议",
        "隐私权保护声明",
        "个人信息处理规则",
    ] {
        assert!(is_policy_title(t), "{t}");
    }
    for t in [
        "一、我们如何收集信息",
        "儿童个人信息保护",
        "九、未成年人保护",
        "附录：第三方合作伙伴及共享信息说明",
        "本隐私政策适用于不满十四周岁的儿童的个人信息处理",
        "免责声明",
        "我们如何保护您的个人信息",
        "如何联系我们：请通过隐私政策页面",
        "“云岭先锋”在此特别提示您注意阅读本隐私政策",
    ] {
        assert!(!is_policy_title(t), "{t}");
    }
}

#[test]
fn an_appendix_listed_in_the_contents_is_no_heading() {
    let doc = "本政策将帮助您了解以下内容：\n- 一、适用范围\n- 二、联系我们\n- 附录：相关定义\n一、适用范围\n本政策适用于我们以网站、客户端、小程序向您提供的全部产品和服务。\n二、联系我们\n如您有任何疑问，请发送邮件至我们的客服邮箱，我们会及时回复。\n";
    let segs = paths(doc);
    assert_eq!(path_of(&segs, "本政策适用"), ["一、适用范围"]);
    assert_eq!(path_of(&segs, "如您"), ["二、联系我们"]);
}

#[test]
fn date_stamps_repeated_by_a_second_policy_are_no_contents() {
    let top = "星火游戏隐私政策\n更新日期：2020年6月16日\n生效日期：2020年6月16日\n概要\n欢迎您选择星火游戏，请您在使用我们的服务前仔细阅读本政策的全部内容。\n";
    let toc = "1.我们收集的信息\n2.信息的存储\n3.您的权利\n";
    let body = "1.我们收集的信息\n我们会收集您的游戏日志信息，用于保障您的账号安全和游戏公平。\n2.信息的存储\n我们会将您的信息存储在中华人民共和国境内的服务器上。\n3.您的权利\n您可以在游戏设置中查询、更正和删除您的个人信息。\n";
    let second = "星火游戏儿童隐私政策\n更新日期：2020年6月16日\n生效日期：2020年6月16日\n本政策适用于不满十四周岁的儿童。\n";
    let doc = format!("{top}{toc}{body}{second}");
    let kinds = classify_lines(&doc);
    assert!(
        kinds[5..8].iter().all(|k| *k == LineKind::Toc),
        "the contents: {kinds:?}"
    );
    assert!(matches!(kinds[1], LineKind::Body), "{kinds:?}");
    let segs = paths(&doc);
    assert_eq!(path_of(&segs, "我们会收集"), ["1.我们收集的信息"]);
    assert_eq!(path_of(&segs, "本政策适用"), ["星火游戏儿童隐私政策"]);
}

#[test]
fn a_run_in_title_under_a_bullet_keeps_its_sentence() {
    let doc = "一、我们如何收集信息\n我们会收集您的手机号码，用于注册账号、登录和找回密码。\n  * ### **二、 如何使用您的个人信息** 在收集您的个人信息后，我们将根据如下规则使用您的个人信息：\n";
    let segs = paths(doc);
    assert_eq!(path_of(&segs, "在收集"), ["二、 如何使用您的个人信息"]);
}
