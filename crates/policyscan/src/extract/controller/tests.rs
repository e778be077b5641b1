//! Tests of operator-name extraction: cues, sections, definitions, contact
//! blocks, and the SDK makers, partners and affiliates that are not the
//! operator.

use super::*;
use crate::extract::company::redundant;

fn names(t: &str, h: &[&str]) -> Vec<String> {
    let h: Vec<String> = h.iter().map(|s| s.to_string()).collect();
    let mut v = Vec::new();
    find(t, &h, &mut v);
    v.into_iter().map(|h| h.value).collect()
}

#[test]
fn operator_names() {
    assert_eq!(
        names("本应用由杭州青鸟云笔记科技有限公司运营。", &["一、引言"]),
        ["杭州青鸟云笔记科技有限公司"]
    );
    assert_eq!(
        names("上海示例（集团）有限公司（简称“我们”）制定本政策。", &[]),
        ["上海示例（集团）有限公司"]
    );
    assert_eq!(
        names(
            "This service is provided by Example Tech Pte. Ltd. (“we”).",
            &[]
        ),
        ["Example Tech Pte. Ltd."]
    );
}

#[test]
fn groups_without_legal_suffix() {
    assert_eq!(
        names("本服务由武汉示例地铁集团运营。", &[]),
        ["武汉示例地铁集团"]
    );
    assert_eq!(
        names(
            "为此，上海外服（集团）有限公司（简称“我们”）制定本政策。",
            &[]
        ),
        ["上海外服（集团）有限公司"]
    );
}

#[test]
fn generic_phrases_and_brands_are_not_companies() {
    assert!(names("我们可能与关联公司共享信息，但不会提供给第三方公司。", &[]).is_empty());
    assert!(names("本公司将严格保密。", &[]).is_empty());
    assert!(names("欢迎使用青鸟笔记。", &[]).is_empty());
    assert!(names("本应用由 网络科技有限公司运营。", &[]).is_empty());
}

#[test]
fn lists_of_affiliates_and_signature_lines() {
    assert!(
        names(
            "关联公司包括甲地示例保险有限公司、乙地示例资产管理有限公司、丙地示例健康有限公司等。",
            &[]
        )
        .is_empty()
    );
    assert_eq!(
        names("武汉示例地铁科技有限公司", &["八、其他"]),
        ["武汉示例地铁科技有限公司"]
    );
    assert_eq!(
        names("公司名称：青岛示例文化传播有限公司", &["联系我们"]),
        ["青岛示例文化传播有限公司"]
    );
}

#[test]
fn words_run_into_the_name_are_cut() {
    for (text, name) in [
        (
            "欢迎您使用示例游科技（上海）有限公司（以下简称“我们”）的产品。",
            "示例游科技（上海）有限公司",
        ),
        (
            "特别提示成都示例斑点网络科技有限公司（以下简称“我们”）提醒您：",
            "成都示例斑点网络科技有限公司",
        ),
        (
            "当您注册上海示例信息科技有限公司运营的账号时，请阅读本政策。",
            "上海示例信息科技有限公司",
        ),
        (
            "本应用由深圳市和示例华谷信息技术有限公司运营。",
            "深圳市和示例华谷信息技术有限公司",
        ),
    ] {
        assert_eq!(names(text, &["引言"]), [name], "{text}");
    }
}

#[test]
fn bare_company_words_and_third_parties_are_not_operators() {
    assert!(
        names(
            "您撤回同意不会影响公司此前基于您的授权进行的处理。",
            &["引言"]
        )
        .is_empty()
    );
    assert!(
        names(
            "当您使用竞技示例公司提供的服务时，我们会收集您的信息。",
            &["引言"]
        )
        .is_empty()
    );
    assert_eq!(
        names("乐堂示例动漫公司（以下简称“我们”）提供本服务。", &[]),
        ["乐堂示例动漫公司"]
    );
    assert!(
        names(
            "示例App集成了上海示例兆言网络科技有限公司提供的语音SDK。",
            &["引言"]
        )
        .is_empty()
    );
    assert!(
        names(
            "SDK提供方：北京示例网讯科技有限公司，用于提供定位服务。",
            &["说明"]
        )
        .is_empty()
    );
}

#[test]
fn partners_named_in_sdk_sentences_and_sharing_lists() {
    assert!(
            names(
                "本应用会内嵌合作伙伴的软件工具开发包（以下简称“SDK”）。为实现推送，我们使用了上海示例游昆信息技术有限公司提供的推送产品。",
                &["7、消息推送"]
            )
            .is_empty()
        );
    assert!(
        names(
            "深圳市示例计算机系统有限公司",
            &[
                "四、我们如何共享、转让、公开披露您的个人信息",
                "2) 第三方授权合作伙伴"
            ]
        )
        .is_empty()
    );
    assert!(
        names(
            "深圳市示例华谷信息技术有限公司",
            &["示例睡眠隐私政策", "五、我们如何分享信息", "*极光"]
        )
        .is_empty()
    );
    for text in [
        "（ d ）极光推送 ，由深圳市示例华谷信息技术有限公司开发，用于消息推送。",
        "（1）地图服务由示例软件有限公司提供，我们会接入其SDK。",
        "示例统计（由阿里示例计算有限公司提供）：为分析您使用我们的服务情况。",
        "10）、“示例针”：由“示例针信息技术有限公司”提供API接口，用于广告的检测统计。",
        "（h）微信支付，由深圳市示例计算机系统有限公司开发，用于用户购买服务，深圳市示例计算机系统有限公司承诺不获取用户隐私信息。",
    ] {
        assert!(names(text, &["引言"]).is_empty(), "{text}");
    }
    assert_eq!(
        names(
            "示例相机是由深圳市示例通信技术有限公司开发、运营、管理的一款应用软件产品。",
            &["引言"]
        ),
        ["深圳市示例通信技术有限公司"]
    );
    // 0759: a table of SDK makers flattened into lines, one name each.
    assert!(
        names(
            "霍尔果斯示例数据科技有限公司",
            &["十、附则", "友盟示例（北京）科技有限公司"]
        )
        .is_empty()
    );
    // 0920: a contact block under its own name, taken for a heading.
    assert_eq!(
        names(
            "深圳市示例网络科技有限公司 地址：深圳市福田区示例路1号 E-mail：a@b.cn",
            &["4.用户信息保护", "深圳市示例网络科技有限公司"]
        ),
        ["深圳市示例网络科技有限公司"]
    );
    // A contact block that numbering slips put under a transfer heading.
    assert_eq!(
        names(
            "（四）本公司名称：龙威示例（北京）科技有限公司，本公司注册地址：北京市朝阳区示例路1号",
            &["3.收购、兼并、重组时个人信息的转让", "（五）投诉举报"]
        ),
        ["龙威示例（北京）科技有限公司"]
    );
}

#[test]
fn sentence_words_in_front_of_a_name_are_redundant() {
    assert!(redundant(
        "而赋比兴示例科技有限公司",
        "赋比兴示例科技有限公司"
    ));
    assert!(!redundant(
        "北京百度示例科技有限公司",
        "百度示例科技有限公司"
    ));
    assert!(!redundant(
        "赋比兴示例科技有限公司",
        "赋比兴示例科技有限公司"
    ));
    assert!(!redundant(
        "上海示例长名字网络科技有限公司",
        "网络科技有限公司"
    ));
}

#[test]
fn definitions_contact_blocks_and_organisations() {
    // A definition of the operator and its affiliates: the first company
    // and the affiliates it names (readers count them: 0753, 0969).
    let mut found = names(
        "1．示例多：指北京示例分期电子商务有限公司及北京示例分期电子商务有限公司的关联公司，例如大连示例多科技有限公司、辽宁示例数字科技有限公司等。",
        &["一、定义"],
    );
    found.dedup();
    assert_eq!(
        found,
        [
            "北京示例分期电子商务有限公司",
            "大连示例多科技有限公司",
            "辽宁示例数字科技有限公司"
        ]
    );
    assert_eq!(
        names(
            "1、示例公司：示例文化科技有限公司及其五个子公司示例音乐有限公司、示例视讯科技有限公司、示例动漫有限公司。",
            &["第三条 定义："]
        ),
        [
            "示例文化科技有限公司",
            "示例音乐有限公司",
            "示例视讯科技有限公司",
            "示例动漫有限公司"
        ]
    );
    // … but not a definition of the affiliates themselves.
    assert!(
            names(
                "关联公司：指示例控股有限公司及其子公司，例如甲地示例科技有限公司、乙地示例科技有限公司。",
                &["一、定义"]
            )
            .is_empty()
        );
    // A list of companies defined together as “我们”.
    assert_eq!(
        names(
            "非常感谢您对示例印书馆有限公司、上海示例数字出版科技有限公司和上海示例笛数字出版科技有限公司（以下统称“我们”）的信任和支持。",
            &["用户隐私政策"]
        ),
        [
            "示例印书馆有限公司",
            "上海示例数字出版科技有限公司",
            "上海示例笛数字出版科技有限公司"
        ]
    );
    assert_eq!(
        names(
            "示例银行股份有限公司（“我行”）深知个人信息对您的重要性。",
            &["示例银行股份有限公司隐私政策"]
        ),
        ["示例银行股份有限公司"]
    );
    assert_eq!(
        names("（2）公司：西安示例瓢虫网络科技有限公司", &["十三、变更"]),
        ["西安示例瓢虫网络科技有限公司"]
    );
    // A name heading a contact block, under a heading numbering slipped.
    assert_eq!(
        names(
            "北京示例互联科技有限公司 地址：北京市东城区示例路12号602 联系电话：010-64470000",
            &["十六、争议解决"]
        ),
        ["北京示例互联科技有限公司"]
    );
    assert_eq!(
        names(
            "示例网技术（中国）有限公司（注册地址/常用办公地址：北京市海淀区示例路1号；联系方式：4006900000）深知个人信息安全的重要性。",
            &["示例隐私政策"]
        ),
        ["示例网技术（中国）有限公司"]
    );
    // An operator that is no company, defined as “我们”.
    assert_eq!(
        names(
            "平台服务提供者：是指研发并提供平台产品和服务的示例宣传研究中心，以下简称“我们”。",
            &["第一部分 定义"]
        ),
        ["示例宣传研究中心"]
    );
    assert!(names("您可以前往示例大学附属医院就诊。", &["引言"]).is_empty());
    assert_eq!(
        names(
            "请您理解，您主动向外部第三方（非西安示例软件科技有限公司）提供的个人信息，我们不会干预。",
            &["引言"]
        ),
        ["西安示例软件科技有限公司"]
    );
}

#[test]
fn names_holding_a_boundary_character() {
    assert_eq!(
        names(
            "“示例信e投”（以下简称《信e投》）是中信示例证券股份有限公司（以下简称《示例证券》）基于客户的需求，向客户提供服务的平台。",
            &["互联网账户协议"]
        ),
        ["中信示例证券股份有限公司"]
    );
    assert_eq!(
        names("本服务由示例保险经纪有限公司（以下简称“我们”）提供。", &[]),
        ["示例保险经纪有限公司"]
    );
    // `在线` (online) and a registered mark inside a name.
    assert_eq!(
        names(
            "本服务由众示在线财产保险股份有限公司（以下简称“我们”）提供。",
            &[]
        ),
        ["众示在线财产保险股份有限公司"]
    );
    assert_eq!(
        names(
            "本平台由上海示例说®英语信息技术有限公司（以下简称“我们”）运营。",
            &[]
        ),
        ["上海示例说®英语信息技术有限公司"]
    );
}

#[test]
fn needs_a_cue_or_an_intro_section() {
    assert!(
        names(
            "我们接入了杭州某某网络技术有限公司的推送服务。",
            &["三、共享", "（一）第三方SDK"]
        )
        .is_empty()
    );
}

#[test]
fn studios_teams_and_labelled_operators() {
    // The small apps of real web pages are run by a studio, a team, a
    // sole trader or a person.
    assert_eq!(
        names(
            "本隐私权政策适用于示例世界(luagox+pro2.1)开发团队（以下可简称为“我们”）提供的产品和服务。",
            &[]
        ),
        ["示例世界(luagox+pro2.1)开发团队"]
    );
    assert_eq!(
        names("开发者：小示例软件团队", &["6. 如何联系我们"]),
        ["小示例软件团队"]
    );
    assert_eq!(
        names("软件开发者：成华区示例电子产品经营部", &["示例 隐私政策"]),
        ["成华区示例电子产品经营部"]
    );
    assert_eq!(names("开发者：陈示例", &["九、如何联系我们"]), ["陈示例"]);
    // A generic team is no name; an SDK's maker is no operator.
    assert!(names("我们的开发团队（以下简称“我们”）非常重视隐私。", &[]).is_empty());
    assert!(
        names(
            "服务提供方: 示例数据（ExampleAPI）",
            &["4. 第三方SDK及服务信息收集说明"]
        )
        .is_empty()
    );
    assert!(names("开发者：指开发应用的个人或组织。", &["一、定义"]).is_empty());
}

#[test]
fn definitions_with_a_web_address_affiliates_or_a_short_name() {
    assert_eq!(
        names(
            "中国示例银行（www.example.com.cn）（以下简称“本行”）特制定具体细则如下：",
            &[]
        ),
        ["中国示例银行"]
    );
    assert_eq!(
        names(
            "示例音箱是示例米公司及其关联公司（以下简称“示例米”或“我们”）提供的智能音箱设备。",
            &[]
        ),
        ["示例米公司"]
    );
    assert_eq!(
        names(
            "示例视频是由示例讯集团（以下简称“我们”）研发和运营的在线视频平台。",
            &[]
        ),
        ["示例讯集团"]
    );
    assert_eq!(
        names(
            "心脏研究APP应用是由301医院及其关联公司（以下称“我们”或“301医院”）运营的。",
            &[]
        ),
        ["301医院"]
    );
    // Affiliates named inside the definition of “本公司” are the operator.
    assert_eq!(
        names(
            "本协议是您与上海示例网络科技有限公司及其关联公司（包括但不限于上海甲示例科技有限公司、上海乙示例网络科技有限公司及其关联公司，以下简称\"本公司\"）之间的协议。",
            &[]
        ),
        [
            "上海示例网络科技有限公司",
            "上海甲示例科技有限公司",
            "上海乙示例网络科技有限公司"
        ]
    );
}

#[test]
fn sdk_table_cells_and_groups_named_in_passing() {
    // A maker alone on a line under a cell listing data: an SDK table.
    assert!(
        names(
            "优视示例（中国）有限公司",
            &["十、附则", "唯一设备标识码、相关设备信息、IP地址"]
        )
        .is_empty()
    );
    // … while a numbered heading is a section.
    assert_eq!(
        names("北京示例科技发展有限责任公司", &["十六、争议解决"]),
        ["北京示例科技发展有限责任公司"]
    );
    // A group alone on its line signs the policy; one named in passing does not.
    assert_eq!(names("武汉示例地铁集团", &["8.附则"]), ["武汉示例地铁集团"]);
    assert!(
        names(
            "您授权示例平安集团，除法律另有规定之外，将您提供给示例平安集团的信息用于提供服务。",
            &["隐私保密声明"]
        )
        .is_empty()
    );
    // A group inside a company's name is that company.
    assert_eq!(
        names(
            "中国示例通信集团江苏有限公司（我们）非常重视您的隐私。",
            &[]
        ),
        ["中国示例通信集团江苏有限公司"]
    );
}

#[test]
fn recipients_are_not_operators() {
    assert!(
        names(
            "我们会向为示例商城提供物流信息系统和技术服务的浙江示例供应链管理有限公司披露订单相关的配送信息。",
            &["二、信息收集及使用"]
        )
        .is_empty()
    );
    // What the user gives the operator leaves it the operator.
    assert_eq!(
        names("1) 您向上海示例信息科技有限公司提供的信息。", &["【声明】"]),
        ["上海示例信息科技有限公司"]
    );
    // The operator providing its service to the user is still the operator.
    assert_eq!(
        names("北京示例科技有限公司向您提供本服务。", &["引言"]),
        ["北京示例科技有限公司"]
    );
}
