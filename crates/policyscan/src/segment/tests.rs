//! Tests of line classification and segmentation, through the public
//! [`classify_lines`] and [`segment`] and a few of the steps they run.

use super::body::first_ordinal;
use super::line::is_date_stamp;
use super::*;

fn kinds(text: &str) -> Vec<String> {
    classify_lines(text)
        .into_iter()
        .map(|k| match k {
            LineKind::Heading { level, title, .. } => format!("H{level}:{title}"),
            LineKind::Toc => "T".into(),
            LineKind::Body => "B".into(),
            LineKind::Blank => "_".into(),
        })
        .collect()
}

fn check_offsets(text: &str, segs: &[Segment]) {
    let chars: Vec<char> = text.chars().collect();
    for s in segs {
        let slice: String = chars[s.char_start as usize..s.char_end as usize]
            .iter()
            .collect();
        assert_eq!(slice, s.text);
    }
}

const DOC: &str = "\
星辰漫游科技隐私政策

本政策将帮助您了解以下内容：

- 一、我们如何收集您的信息
- 二、我们如何共享您的信息
- 三、您的权利

一、我们如何收集您的信息

（一）注册账号

当您注册星辰漫游账号时，我们会收集您的手机号码和昵称，用于创建账号。

（二）位置服务

在您开启定位权限后，我们会收集您的大致位置，用于推荐附近的活动。

二、我们如何共享您的信息

我们不会向任何第三方出售您的个人信息。

三、您的权利

您可以行使以下权利：

1、查阅您的个人信息

2、更正您的个人信息

3、删除您的个人信息
";

#[test]
fn classifies_toc_headings_and_lists() {
    let k = kinds(DOC);
    let non_blank: Vec<&String> = k.iter().filter(|s| *s != "_").collect();
    assert_eq!(
        non_blank,
        vec![
            "H3:星辰漫游科技隐私政策", // first line: plain title, lowest rank
            "B",
            "T",
            "T",
            "T",
            "H1:一、我们如何收集您的信息",
            "H2:（一）注册账号",
            "B",
            "H2:（二）位置服务",
            "B",
            "H1:二、我们如何共享您的信息",
            "B",
            "H1:三、您的权利",
            "B",
            "B",
            "B",
            "B",
        ]
    );
}

#[test]
fn segments_carry_heading_paths_and_exact_offsets() {
    let segs = segment(DOC, &SegmentOptions::default());
    check_offsets(DOC, &segs);
    let loc = segs.iter().find(|s| s.text.contains("大致位置")).unwrap();
    assert_eq!(
        loc.heading_path,
        vec!["一、我们如何收集您的信息", "（二）位置服务"]
    );
    assert_eq!(loc.kind, SegmentKind::Paragraph);
    let del = segs.iter().find(|s| s.text.contains("删除")).unwrap();
    assert_eq!(del.heading_path, vec!["三、您的权利"]);
    assert_eq!(del.kind, SegmentKind::ListItem);
    assert!(
        !segs
            .iter()
            .any(|s| s.text.contains("了解以下内容") && s.heading_path.len() > 1)
    );
    assert!(!segs.iter().any(|s| s.text.starts_with("- 二")));
}

/// The heading path of the first segment containing `needle`.
fn path_of(segs: &[Segment], needle: &str) -> Vec<String> {
    segs.iter()
        .find(|s| s.text.contains(needle))
        .unwrap_or_else(|| panic!("no segment contains {needle}"))
        .heading_path
        .clone()
}

#[test]
fn date_stamps_are_text_not_titles() {
    let doc = "\
### 更新日期：2019年7月16日
### 提示条款
示例网络科技有限公司（以下简称“我们”）深知个人信息对您的重要性，并会尽力保护您的个人信息。
隐私权政策
2019年03月18日
我们致力于维持您对我们的信任，恪守以下原则，保护您的个人信息：权责一致原则。
";
    let segs = segment(doc, &SegmentOptions::default());
    check_offsets(doc, &segs);
    assert!(
        segs.iter()
            .any(|s| s.text.contains("更新日期：2019年7月16日"))
    );
    assert!(segs.iter().any(|s| s.text.contains("2019年03月18日")));
    assert_eq!(path_of(&segs, "深知个人信息"), ["提示条款"]);
    assert!(
        !segs
            .iter()
            .any(|s| s.heading_path.iter().any(|h| h.contains("2019")))
    );
    assert!(is_date_stamp("（生效时间2020年8月24日）"));
    assert!(is_date_stamp("（本政策于2020年7月30日更新发布并同时生效）"));
    assert!(is_date_stamp("2020年【11】月【16】日"));
    assert!(!is_date_stamp("一、我们如何收集和使用您的个人信息"));
    // A policy title with its date: the date is what the line says.
    assert!(is_date_stamp("隐私权政策 2019年6月10日"));
    assert!(is_date_stamp("隐私政策 于2020年12月16日更新"));
    assert!(!is_date_stamp(
        "第三方信息共享清单 2019年6月10日起的合作伙伴"
    ));
}

#[test]
fn quantities_broken_across_lines_are_one_segment() {
    let doc = "\
我们将不满 14
周岁的任何人均视为儿童。
一般情况下，我们将在 二十个工作日
内对您进行回复。
我们的隐私政策已于2019
年12月18日更新。
办公地址：北京市朝阳区示例路87号楼105
个人信息保护负责人联系方式：privacy@example.cn
1.2.2.2
日志信息：当你使用服务时，我们会收集日志。
客服热线：400-000-0000
天天都有人值守。
";
    let segs = segment(doc, &SegmentOptions::default());
    check_offsets(doc, &segs);
    let texts: Vec<&str> = segs.iter().map(|s| s.text.as_str()).collect();
    assert!(texts.contains(&"我们将不满 14\n周岁的任何人均视为儿童。"));
    assert!(texts.contains(&"一般情况下，我们将在 二十个工作日\n内对您进行回复。"));
    assert!(texts.contains(&"我们的隐私政策已于2019\n年12月18日更新。"));
    // A room number, a section number or a phone before a new line stays apart.
    assert!(texts.contains(&"个人信息保护负责人联系方式：privacy@example.cn"));
    assert!(texts.iter().any(|t| t.starts_with("日志信息")));
    assert!(texts.contains(&"天天都有人值守。"));
}

#[test]
fn markdown_paragraphs_are_body() {
    let doc = "\
## 十一、争议解决
#### 11.3 如就本协议内容或其执行发生任何争议，应尽量友好协商解决；协商不成时，则争议各方一致同意将发生的争议提交示例仲裁委员会进行仲裁。
#### 11.4 其他
本协议的解释适用中华人民共和国法律。
";
    let segs = segment(doc, &SegmentOptions::default());
    check_offsets(doc, &segs);
    assert_eq!(path_of(&segs, "示例仲裁委员会"), ["十一、争议解决"]);
    assert_eq!(path_of(&segs, "解释适用"), ["十一、争议解决", "11.4 其他"]);
    let doc = "\
### 五、个人信息的存储
#### （二）我们在境内运营中收集和产生的个人信息，存储在中国境内。以下情形除外：
#### （三）存储期限
我们仅在实现目的所必需的最短时间内保留您的个人信息。
";
    let segs = segment(doc, &SegmentOptions::default());
    check_offsets(doc, &segs);
    assert_eq!(path_of(&segs, "存储在中国境内"), ["五、个人信息的存储"]);
    assert_eq!(
        path_of(&segs, "最短时间"),
        ["五、个人信息的存储", "（三）存储期限"]
    );
}

#[test]
fn nested_list_titles_are_headings() {
    // An HTML policy whose sections are items of a nested list, flattened
    // with indentation: `  4. …保护…` follows a long item of the same
    // style, but its own items sit deeper, so it opens a section.
    let doc = "\
青柠出行隐私政策
  3. 我们如何共享您的个人信息
    1. 我们会委托第三方支付机构处理您的支付信息，并要求其按照本政策保护您的信息。
    2. 未经您的同意，我们不会向其他公司共享您的个人信息，以下情形除外。
  6. 您应当理解，您在使用服务过程中，可以向特定的人发送照片、位置信息等内容。
  4. 我们如何保护您的个人信息
    1. 我们采用传输层加密技术保护您的个人信息，防止数据遭到未经授权的访问。
";
    let segs = segment(doc, &SegmentOptions::default());
    check_offsets(doc, &segs);
    let path = |needle: &str| path_of(&segs, needle).last().cloned().unwrap_or_default();
    assert_eq!(path("传输层加密"), "4. 我们如何保护您的个人信息");
    assert_eq!(path("第三方支付机构"), "3. 我们如何共享您的个人信息");
    // A long item stays body.
    assert!(
        !segs
            .iter()
            .any(|s| s.heading_path.iter().any(|h| h.contains("您应当理解")))
    );
}

#[test]
fn indented_lists_of_one_style_nest() {
    // A nested HTML list flattened to text numbers both levels `1.`: the
    // deeper list is a child of the title above it, its later items stay
    // children, and the next title at the outer indentation closes both.
    let doc = "\
青柠出行隐私政策
  1. 我们如何收集和使用您的个人信息
    1. 您主动提供的个人信息
  1. 在您注册青柠出行账号时，我们会收集您的手机号码和昵称，用于创建账号。
    2. 我们自动收集的个人信息
  1. 在您使用打车服务时，我们会收集您的位置信息，用于为您匹配附近车辆。
  2. 我们如何共享您的个人信息
    1. 未经您的同意，我们不会向其他公司共享您的个人信息，以下情形除外。
（一）我们如何存储您的个人信息
我们会将您的个人信息存储在中华人民共和国境内的服务器上，不会传输至境外。
  （二）我们如何保护您的个人信息
我们采用传输层加密技术保护您的个人信息，防止数据遭到未经授权的访问。
";
    let segs = segment(doc, &SegmentOptions::default());
    check_offsets(doc, &segs);
    let path = |needle: &str| path_of(&segs, needle);
    let top = "1. 我们如何收集和使用您的个人信息";
    assert_eq!(path("手机号码"), vec![top, "1. 您主动提供的个人信息"]);
    assert_eq!(path("附近车辆"), vec![top, "2. 我们自动收集的个人信息"]);
    assert_eq!(path("其他公司"), vec!["2. 我们如何共享您的个人信息"]);
    // A sibling whose indentation drifted (`（二）` after `（一）`) is no child.
    assert_eq!(
        path("传输层加密")
            .iter()
            .filter(|h| h.contains("我们如何存储"))
            .count(),
        0
    );
    assert_eq!(
        path("传输层加密").last().unwrap(),
        "（二）我们如何保护您的个人信息"
    );
}

#[test]
fn first_ordinals() {
    for t in [
        "1. 总则",
        "1、总则",
        "（一）总则",
        "(1) 总则",
        "一、总则",
        "①总则",
        "a. 总则",
    ] {
        assert!(first_ordinal(t), "{t}");
    }
    for t in [
        "2. 总则",
        "10. 总则",
        "（二）总则",
        "一点资讯隐私政策",
        "1.2 总则",
        "总则",
    ] {
        assert!(!first_ordinal(t), "{t}");
    }
}

#[test]
fn markdown_bold_and_di_levels() {
    let doc = "# 月光书店用户协议\n## 第一章 总则\n### 第一条 适用范围\n本协议适用于月光书店提供的全部在线服务，包括网站和小程序。\n**特别提示**\n请您仔细阅读本协议中以粗体标识的条款内容，确认理解后再使用。\n## 第二章 隐私\n我们重视您的隐私，会依法保护您提供的信息安全。\n";
    let k = kinds(doc);
    assert_eq!(k[0], "H1:月光书店用户协议");
    assert_eq!(k[1], "H2:第一章 总则");
    assert_eq!(k[2], "H3:第一条 适用范围");
    assert!(k[4].starts_with('H') && k[4].ends_with("特别提示"));
    let segs = segment(doc, &SegmentOptions::default());
    check_offsets(doc, &segs);
    assert_eq!(
        segs[0].heading_path,
        vec!["月光书店用户协议", "第一章 总则", "第一条 适用范围"]
    );
    let last = segs.last().unwrap();
    assert_eq!(last.heading_path, vec!["月光书店用户协议", "第二章 隐私"]);
    // 第X条 seen first still ranks below 第X章.
    let doc2 = "第一条 定义\n本条解释本协议中使用的术语含义和适用的范围说明。\n第二章 附则\n本章规定协议生效和解释的相关事项以及其他内容。\n";
    let k2 = kinds(doc2);
    assert_eq!(k2[0], "H2:第一条 定义");
    assert_eq!(k2[2], "H1:第二章 附则");
}

#[test]
fn sentence_numbered_lines_are_body() {
    let doc = "一、信息收集\n1、我们会收集您的设备型号，用于适配显示效果。\n2. 为了保障账号安全，我们会记录登录日志；\n1.1 设备信息\n我们会读取设备标识符，以识别异常登录行为并保护您的账号。\n";
    let k = kinds(doc);
    assert_eq!(k[0], "H1:一、信息收集");
    assert_eq!(k[1], "B");
    assert_eq!(k[2], "B");
    assert_eq!(k[3], "H2:1.1 设备信息");
    assert_eq!(k[4], "B");
}

#[test]
fn long_paragraphs_split_at_sentence_ends() {
    let sentence = "我们会在实现处理目的所必需的最短期限内保存您的信息。";
    let line = sentence.repeat(30);
    let doc = format!("二、信息保存\n{line}\n");
    let opts = SegmentOptions { max_chars: 60 };
    let segs = segment(&doc, &opts);
    check_offsets(&doc, &segs);
    assert!(segs.len() > 10);
    for s in &segs {
        assert!(s.text.chars().count() <= 60);
        assert!(s.text.ends_with('。'));
        assert_eq!(s.heading_path, vec!["二、信息保存"]);
    }
    let total: usize = segs.iter().map(|s| s.text.chars().count()).sum();
    assert_eq!(total, line.chars().count());
}

#[test]
fn a_sentence_longer_than_a_segment_splits_at_a_comma() {
    let clause = "或发送邮件至示例隐私政策管理邮箱与我们联系";
    let line = format!(
        "{}，示例科技有限公司的注册地址为北京市海淀区学院路甲5号2幢平房B-2202室。",
        clause.repeat(3)
    );
    let doc = format!(
        "十二、如何联系我们
{line}
"
    );
    let segs = segment(&doc, &SegmentOptions { max_chars: 80 });
    check_offsets(&doc, &segs);
    assert_eq!(segs.len(), 2);
    assert!(segs[0].text.ends_with('，'));
    assert!(
        segs[1]
            .text
            .contains("北京市海淀区学院路甲5号2幢平房B-2202室")
    );
}

#[test]
fn huge_line_without_punctuation_is_hard_split_fast() {
    let line = "数据".repeat(3_000_000);
    let t = std::time::Instant::now();
    let segs = segment(&line, &SegmentOptions::default());
    assert!(t.elapsed().as_secs() < 30, "{:?}", t.elapsed());
    assert_eq!(segs.len(), 30_000);
    assert!(segs.iter().all(|s| s.text.chars().count() == 200));
    assert_eq!(segs[1].char_start, 200);
    assert_eq!(segs.last().unwrap().char_end, 6_000_000);
}

#[test]
fn bullets_and_markup_only_lines() {
    let doc = "  - 手机号码  \n****\n\u{3000}我们收集邮箱地址。\u{3000}\n";
    let segs = segment(doc, &SegmentOptions::default());
    check_offsets(doc, &segs);
    assert_eq!(segs.len(), 2);
    assert_eq!(segs[0].text, "手机号码");
    assert_eq!(segs[0].kind, SegmentKind::ListItem);
    assert_eq!(segs[1].text, "我们收集邮箱地址。");
}

#[test]
fn html_pipeline_headings_become_paths() {
    let html = "<html><body><h1>青禾健康隐私政策</h1><h2>一、我们收集的信息</h2>\
            <h3>（一）账号信息</h3><p>注册时我们会收集您的手机号码。</p>\
            <h2>二、信息共享</h2><ul><li>支付机构：用于完成支付。</li></ul></body></html>";
    let text = crate::html::html_to_text(html);
    let segs = segment(&text, &SegmentOptions::default());
    check_offsets(&text, &segs);
    assert_eq!(segs.len(), 2);
    assert_eq!(
        segs[0].heading_path,
        vec!["青禾健康隐私政策", "一、我们收集的信息", "（一）账号信息"]
    );
    assert_eq!(
        segs[1].heading_path,
        vec!["青禾健康隐私政策", "二、信息共享"]
    );
}

#[test]
fn unnumbered_markdown_sits_beside_numbered_peers() {
    let doc = "## 云舟隐私政策\n### 导言\n本政策说明云舟如何处理您的个人信息以及您享有的各项权利内容。\n### 第一部分 定义\n本部分解释政策中使用的专门术语及其具体含义和适用的范围。\n## 第二部分 正文\n### 一、收集\n我们仅在实现产品功能所必需的范围内收集您的个人信息内容。\n";
    let segs = segment(doc, &SegmentOptions::default());
    assert_eq!(segs[1].heading_path, vec!["第一部分 定义"]);
    assert_eq!(segs[2].heading_path, vec!["第二部分 正文", "一、收集"]);
}

#[test]
fn lone_markers_give_no_segment() {
    let doc = "一、账号\n1.1\n您可以使用手机号码注册帆影账号，也可以使用第三方账号登录。\n";
    let segs = segment(doc, &SegmentOptions::default());
    assert_eq!(segs.len(), 1);
    assert!(segs[0].text.starts_with("您可以"));
}

#[test]
fn many_short_lines_stay_linear() {
    let mut doc = String::new();
    for i in 0..20_000 {
        doc.push_str(&format!(
            "条目{i}\n条目{}\n条目{}\n我们会说明，这是正文。\n",
            i + 1,
            i + 2
        ));
    }
    let t = std::time::Instant::now();
    let kinds = classify_lines(&doc);
    assert_eq!(kinds.len(), doc.split('\n').count());
    let segs = segment(&doc, &SegmentOptions::default());
    assert!(!segs.is_empty());
    assert!(t.elapsed().as_secs() < 30, "{:?}", t.elapsed());
}

#[test]
fn never_panics_on_random_text() {
    let alphabet: Vec<char> = "一二（）()1.、。；#* -\n\t\u{3000}第条章**甲乙丙abc【】：\r😀"
        .chars()
        .collect();
    let mut x: u64 = 7;
    for len in 0..600usize {
        let mut s = String::new();
        for _ in 0..len {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            s.push(alphabet[(x >> 33) as usize % alphabet.len()]);
        }
        for max in [1, 5, 200] {
            let segs = segment(&s, &SegmentOptions { max_chars: max });
            check_offsets(&s, &segs);
            assert!(segs.iter().all(|g| g.text.chars().count() <= max));
        }
        assert_eq!(classify_lines(&s).len(), s.split('\n').count());
    }
}

#[test]
fn a_contents_entry_with_its_page_number_is_toc() {
    // Converted from Word: each entry ends with its page number.
    let doc = "某某隐私政策\n目录\n一、适用范围 2\n二、个人信息的存储 5\n三、未成年人使用条款 10\n一、适用范围\n本政策适用于我们提供的全部产品和服务。\n二、个人信息的存储\n您的个人信息存储在中国境内。\n三、未成年人使用条款\n若您是未满14周岁的儿童，请在监护人陪同下阅读本政策。\n";
    let k = kinds(doc);
    assert_eq!(&k[2..5], ["T", "T", "T"], "{k:?}");
    assert_eq!(k[5], "H1:一、适用范围", "{k:?}");
    // Digits glued to the title may be part of it (`附录2`): kept, so
    // these entries match no later heading and are no contents.
    let doc = "目录\n1. 收集的信息2\n2. 使用的信息3\n3. 共享的信息4\n1. 收集的信息\n我们会收集您的手机号码。\n";
    assert!(!kinds(doc).contains(&"T".to_string()), "{:?}", kinds(doc));
}
