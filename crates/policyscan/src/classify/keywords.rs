//! The keyword/heading baseline: what a careful regex writer gets without a
//! model. It labels a segment from keywords in the headings above it and a
//! few unambiguous keywords in its own text. Three jobs, which is why it
//! lives in one place:
//! - the yardstick the classifier must beat (`policyscan eval --dev-lines`
//!   scores both on the same lines);
//! - the weak labeller of the corpus (`policyscan_lab::data::classifier`:
//!   heading-derived section labels);
//! - features an n-gram member may read beside its n-grams (the `rules`
//!   field of [`super::ngram::NgramField`]), which is why it lives in the
//!   scan library.

use std::sync::LazyLock;

use regex::Regex;

use crate::labels::{LabelSet, N_LABELS};

/// Kinds of recipient a sharing statement names.
const RECIPIENT: &str = "(第三方|合作伙伴|合作方|合作机构|关联公司|关联方|关联企业|服务商|服务提供商|广告商|广告主|合作商|其他公司|其他组织|(?i:sdk)|司法机关|政府部门|行政机关|公安)";

struct Rules {
    heading: [Regex; N_LABELS],
    /// Headings that match a label's rule but are not about it.
    heading_not: [Option<Regex>; N_LABELS],
    text: [Option<Regex>; N_LABELS],
}

static RULES: LazyLock<Rules> = LazyLock::new(|| {
    let r = |s: &str| Regex::new(s).expect("baseline regex compiles");
    Rules {
        heading: [
            // collection
            r(
                "收集|获取|如何使用|使用您的|使用个人|信息的使用|使用规则|使用的信息|处理您的个人信息|我们处理",
            ),
            // cookie
            r("(?i)cookie|同类技术|网络信标|像素标签|本地存储"),
            // sharing
            r("共享|转让|公开披露|对外提供|委托处理|第三方|SDK|sdk|合作方|披露"),
            // rights
            r(
                "权利|权益|管理您的|管理个人信息|访问|更正|删除|注销|撤回|撤销|查询|复制|控制|个人信息管理|投诉",
            ),
            // minors
            r("未成年|儿童|未满|青少年|十四周岁|14周岁"),
            // cross_border
            r("跨境|境外|出境|存储地|储存地|存放地"),
        ],
        heading_not: [
            None,
            None,
            // "从第三方获得您的个人信息" is indirect collection, not sharing.
            Some(r(
                "从[^，。]{0,10}(第三方|合作伙伴|合作方|关联方)[^，。]{0,4}(获得|获取|收集|接收)|间接(获得|获取|收集)",
            )),
            // "知识产权及其他权利" is about the operator's IP, not the user's rights.
            Some(r("知识产权")),
            None,
            None,
        ],
        text: [
            None,
            Some(r("(?i)cookie|网络信标|像素标签|web beacon")),
            // sharing: PI going to a named kind of recipient (to/with/given
            // to third parties, partners, affiliates, SDKs, authorities), a
            // recipient collecting or using *your* data, entrusted processing.
            Some(r(&format!(
                "向[^。；，]{{0,15}}{RECIPIENT}[^。；]{{0,10}}(提供|披露|共享|分享|转让|传输|发送|出售)\
                 |(与|和)[^。；，]{{0,15}}{RECIPIENT}[^。；]{{0,8}}(共享|分享)\
                 |(共享|分享|提供|披露|转让|传输|发送|出售)(给|予|至)[^。；]{{0,8}}{RECIPIENT}\
                 |{RECIPIENT}[^。；]{{0,12}}(收集|获取|获得|访问|使用)[^。；]{{0,3}}(您|你|用户)\
                 |委托[^。；]{{0,12}}处理|(?i:sdk)"
            ))),
            // rights: the user may act on their data or consent (access,
            // delete, correct, withdraw, switch off, unsubscribe, deregister).
            Some(r(
                "您有权|(您|你|用户)(也|还|均|随时)?(可以|可|有权|能够)[^。；，]{0,20}(查阅|访问|更正|删除|注销|撤回|复制|导出|关闭|退订|取消|退出|撤销)\
                 |您可以[^。；]{0,20}(查阅|访问|更正|修改|删除|注销|撤回|复制|关闭|管理|撤销)\
                 |如(您|你)?(不希望|不想)[^。；]{0,30}(可以|可|请)|退订\
                 |(取消|撤销|撤回)[^。；]{0,4}(授权|同意)|关闭[^。；]{0,8}(权限|个性化|推荐)\
                 |注销[^。；]{0,4}(账号|帐号|账户|帐户)|撤回[^。；]{0,6}(同意|授权)|个人信息副本",
            )),
            Some(r(
                "儿童|未成年|监护人|未满\\s*1[48]|未满十[四八]|不满\\s*1[48]|不满十[四八]",
            )),
            // cross_border: abroad, or data moving to other countries.
            Some(r(
                "境外|跨境|出境|境内|(传输|转移|传送|存储|储存)[^。；]{0,12}(其他国家|国家或地区|国家和地区|世界)",
            )),
        ],
    }
});

/// Labels of the sections a segment sits in: the union of the heading rules
/// over its whole heading path (a `（三）第三方SDK` item under
/// `二、我们如何收集和使用…` is about both collection and sharing).
pub fn heading_labels(path: &[String]) -> LabelSet {
    let mut all = [false; N_LABELS];
    for h in path {
        let mut set = [false; N_LABELS];
        for (l, (re, not)) in RULES.heading.iter().zip(&RULES.heading_not).enumerate() {
            set[l] = re.is_match(h) && !not.as_ref().is_some_and(|n| n.is_match(h));
        }
        // "如何使用Cookie" is a Cookie section, not a collection one.
        if set[1] {
            set[0] = false;
        }
        for (a, s) in all.iter_mut().zip(set) {
            *a |= s;
        }
    }
    all
}

/// Labels of the innermost heading in `path` that matches any heading rule
/// (the older, narrower reading of the section; the weak labeller of the
/// stage-1 model uses it: `policyscan_lab::data::HeadingRule`).
pub fn innermost_heading_labels(path: &[String]) -> LabelSet {
    for h in path.iter().rev() {
        let set = heading_labels(std::slice::from_ref(h));
        if set.iter().any(|&b| b) {
            return set;
        }
    }
    [false; N_LABELS]
}

/// Labels from unambiguous keywords in the segment text itself.
pub fn text_labels(text: &str) -> LabelSet {
    std::array::from_fn(|l| RULES.text[l].as_ref().is_some_and(|re| re.is_match(text)))
}

/// The baseline prediction: heading labels ∪ text keyword labels.
pub fn predict(heading_path: &[String], text: &str) -> LabelSet {
    let h = heading_labels(heading_path);
    let t = text_labels(text);
    std::array::from_fn(|l| h[l] || t[l])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::labels::label_names;

    fn names(path: &[&str], text: &str) -> Vec<String> {
        let path: Vec<String> = path.iter().map(|s| s.to_string()).collect();
        label_names(&predict(&path, text))
    }

    #[test]
    fn every_heading_of_the_path_counts() {
        assert_eq!(
            names(
                &["二、我们如何收集和使用您的个人信息", "（三）第三方SDK"],
                "我们接入了支付服务。"
            ),
            vec!["collection", "sharing"]
        );
        assert_eq!(
            names(
                &["二、我们如何收集和使用您的个人信息", "1、注册登录"],
                "您需要提供手机号码。"
            ),
            vec!["collection"]
        );
    }

    #[test]
    fn cookie_section_is_not_collection() {
        assert_eq!(
            names(
                &["四、我们如何使用Cookie和同类技术"],
                "为确保网站正常运转。"
            ),
            vec!["cookie"]
        );
    }

    #[test]
    fn ip_rights_and_indirect_collection_headings() {
        // The operator's intellectual property is not the user's rights.
        assert!(names(&["5.知识产权及其他权利"], "本软件的著作权归我们所有。").is_empty());
        assert_eq!(
            names(&["六、您的权利"], "本软件的著作权归我们所有。"),
            vec!["rights"]
        );
        // Data received from partners is (indirect) collection, not sharing.
        assert_eq!(
            names(
                &[
                    "一、我们如何收集和使用您的个人信息",
                    "（四）从第三方获得您的个人信息"
                ],
                "我们会依法核实其来源。"
            ),
            vec!["collection"]
        );
        assert_eq!(
            names(&["（四）第三方SDK"], "我们会依法核实其来源。"),
            vec!["sharing"]
        );
    }

    #[test]
    fn text_keywords_add_rare_labels() {
        assert_eq!(
            names(&[], "若您是未满14周岁的儿童，请在监护人陪同下阅读。"),
            vec!["minors"]
        );
        assert_eq!(
            names(&["七、存储"], "您的信息存储于中华人民共和国境内。"),
            vec!["cross_border"]
        );
        assert_eq!(
            names(
                &[],
                "我们的服务遍及全球，您的数据可能会传输到世界各地的服务器。"
            ),
            vec!["cross_border"]
        );
        assert!(names(&["十、如何联系我们"], "请拨打客服电话。").is_empty());
    }

    #[test]
    fn text_keywords_find_sharing_and_rights_statements() {
        for t in [
            "我们可能会与广告合作伙伴共享去标识化处理后的信息。",
            "这些SDK可能会收集和使用您的个人信息。",
            "为向您派发奖品，我们需要向活动合作方和第三方物流公司提供您的收货地址。",
            "我们会委托第三方代表我们处理您的个人信息。",
        ] {
            assert_eq!(names(&[], t), vec!["sharing"], "{t}");
        }
        for t in [
            "您可以随时访问系统“设置”来管理本应用的权限。",
            "如需退订，您可以前往系统“设置”中的“通知中心”关闭通知。",
            "您也可以在设置中关闭个性化推荐。",
        ] {
            assert_eq!(names(&[], t), vec!["rights"], "{t}");
        }
        // Naming a third party, a provider of a service or a password
        // change is not a sharing or rights statement.
        for t in [
            "当您通过手机号或第三方账号注册、登录时所提供的信息。",
            "如果您遗失账号，您应当按照提示的途径申请找回账号或修改密码。",
            "我们的客服电话由第三方服务商提供接听服务。",
        ] {
            assert!(names(&[], t).is_empty(), "{t}: {:?}", names(&[], t));
        }
    }
}
