//! Where personal information is stored and whether it leaves China
//! (PIPL Art. 38–39): `storage_location` hits (`china` / `abroad`) and
//! `cross_border` hits (`yes`, `yes:<destination>`, `no` for an explicit
//! promise not to transfer abroad, `conditional` for a transfer the operator
//! only foresees: "如需向境外提供，我们会单独征得您的同意", "如果今后的业务变更需要…").
//!
//! What careful readers (the human `fields.json`) count as a transfer, and
//! so `yes`:
//! - a stated transfer (`传输至位于新加坡的服务器`, `可能会传输到世界任何地方`);
//! - one the service works by, even where it needs the user's consent
//!   (`由于我们通过遍布全球的资源和服务器提供产品或服务，…在获得您的授权同意后，
//!   您的个人信息可能会被转移到…境外管辖区`): consent is how the transfer is
//!   made lawful, not a doubt that it happens;
//! - one the user's own cross-border dealings need, an exception to storage
//!   in China (`以下情形除外：…您通过互联网进行跨境交易等个人主动行为`,
//!   `如需要向境外传输您的个人信息完成交易的，我们会要求接收方…`);
//! - recipients that may be elsewhere (`分享（他们可能并非位于您所在的法域）`,
//!   `这些公司可能位于信息第一次收集地以外`).
//!
//! A policy that stores data in China and foresees at most a conditional
//! transfer is no transferring policy; see [`super::summarize`].
//! Not a transfer: a topic of the policy (`跨境转移规则请见…`), a security
//! assessment, trademarks `在其他国家/地区`, `上海外服` (a name holding `海外`).

use std::sync::LazyLock;

use regex::Regex;

use super::{Hit, Kind, clauses};

static STORED_CN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:存储|储存|存放|保存|留存|存储于|存储在)[^。；]{0,25}?(?:(?:中华人民共和国|中国|我国|国内)?(?:大陆)?(?:境内|大陆地区|内地)|中国大陆)")
        .expect("stored regex")
});
static STORED_CN_REV: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?:中华人民共和国|中国|我国)(?:大陆)?(?:境内|内地)[^。；]{0,20}?(?:存储|储存|存放|保存)",
    )
    .expect("stored regex")
});
static STORED_ABROAD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:存储|储存|存放|保存|托管)(?:于|在)(?:位于)?(?:境外|海外|国外|新加坡|美国|日本|韩国|欧洲|欧盟|香港|德国|爱尔兰|荷兰)")
        .expect("abroad regex")
});
static ABROAD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"传输到世界|全球范围内(?:传输|处理|存储)|其他国家(?:或|/)?地区|跨境(?:传输|提供|转移|传送|流动)?|出境|(?:向|至|到|往)(?:境外|海外|国外)|(?:境外|海外|国外)[^。；]{0,6}?(?:传输|提供|转移|传送)|(?:传输|转移|提供|传送|发送|访问|传至|转移至|传输至|提供给)[^。；，,]{0,20}?(?:境外|海外|国外)|(?:境外|海外|国外)[^。；]{0,8}?(?:接收方|机构|关联公司|服务器|访问)|(?:并非|不)位于您所在的?(?:法域|国家|地区|司法管辖区)|位于[^。；，,]{0,12}?收集地以外")
        .expect("abroad regex")
});
static NEGATION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"不会|不得|不向|不在|不进行|不涉及|不存在|禁止|并未|未向|没有")
        .expect("negation regex")
});
/// A transfer the operator only foresees: a future change or need
/// (`如果今后的业务变更需要将您的个人信息传输至境外`, `如需跨境传输，我们将…`).
/// The user's consent alone does not make a transfer conditional.
static CONDITION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"如果|如需|如因|如涉及|确需|若|一旦|当您需要|当需要|需要时|如有必要|如|今后|将来|未来",
    )
    .expect("condition regex")
});
/// The user's own cross-border dealings, which need the transfer however the
/// sentence is put (`您通过互联网进行跨境交易等个人主动行为`, `如需要向境外
/// 传输您的个人信息完成交易的`).
static USER_DEALINGS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"跨境交易|完成交易|个人主动行为|跨境电子商务").expect("dealings regex")
});
/// What follows a cross-border word that names a topic of the policy
/// rather than a transfer (`跨境转移规则`, `跨境传输”等部分`, `出境情况变更`).
static TOPIC: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^[^，,]{0,4}?(?:规则|等部分|的约定|情况变更|的各项要求)").expect("topic regex")
});
/// Clauses about trademarks and other rights, where `其他国家/地区` is no
/// transfer of personal information.
static NOT_PI: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"商标|知识产权|著作权|专利").expect("not-PI regex"));
static DEST: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"新加坡|美国|日本|韩国|欧盟|欧洲|英国|德国|法国|爱尔兰|荷兰|加拿大|澳大利亚|印度|俄罗斯|中国香港|香港|澳门|台湾")
        .expect("destination regex")
});

pub(crate) fn find(text: &str, out: &mut Vec<Hit>) {
    for (off, clause) in clauses(text) {
        // `存储于中国大陆以外` is the opposite.
        let mut cn = STORED_CN
            .find(clause)
            .filter(|m| {
                let rest = &clause[m.end()..];
                !(rest.starts_with("以外") || rest.starts_with("之外") || rest.starts_with('外'))
            })
            .or_else(|| STORED_CN_REV.find(clause));
        if let Some(m) = STORED_ABROAD.find(clause) {
            out.push(Hit::new(
                Kind::StorageLocation,
                off + m.start(),
                off + m.end(),
                "abroad",
            ));
            cn = None;
        }
        if let Some(m) = cn {
            out.push(Hit::new(
                Kind::StorageLocation,
                off + m.start(),
                off + m.end(),
                "china",
            ));
        }
        if let Some(m) = ABROAD.find(clause) {
            // "数据出境安全评估" is a procedure, not a transfer.
            if clause[m.end()..].starts_with("安全评估") || clause[m.end()..].starts_with("评估")
            {
                continue;
            }
            if NOT_PI.is_match(clause) {
                continue;
            }
            // `上海外服` holds `海外` (overseas) across two words.
            if m.as_str()
                .find("海外")
                .is_some_and(|i| clause[..m.start() + i].ends_with('上'))
            {
                continue;
            }
            // A topic, not a transfer: `存储和跨境转移规则请见第十条`, `关于
            // “…、跨境传输”等部分的约定`, `个人信息出境情况变更`.
            let next: String = clause[m.end()..].chars().take(12).collect();
            if TOPIC.is_match(&next) {
                continue;
            }
            // A negation before the transfer phrase in the same clause.
            let before = &clause[..m.start()];
            let negated = NEGATION
                .find_iter(before)
                .any(|n| m.start() - n.end() <= 30)
                || NEGATION.is_match(m.as_str());
            let before_m = &clause[..m.start()];
            let after_m: String = clause[m.end()..].chars().take(8).collect();
            // A condition up to 20 characters before (`如果今后的业务变更需要将
            // 您的个人信息传输至境外`) or a `…时` after, unless the transfer
            // serves the user's own cross-border dealings.
            let conditional = (CONDITION
                .find_iter(before_m)
                .any(|c| m.start() - c.end() <= 60)
                || after_m.contains('时'))
                && !USER_DEALINGS.is_match(clause);
            let value = if negated {
                "no".to_string()
            } else if conditional {
                "conditional".to_string()
            } else {
                match DEST.find(clause) {
                    Some(d) => format!("yes:{}", d.as_str()),
                    None => "yes".to_string(),
                }
            };
            out.push(Hit::new(
                Kind::CrossBorder,
                off + m.start(),
                off + m.end(),
                value,
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hits(t: &str) -> Vec<(Kind, String)> {
        let mut v = Vec::new();
        find(t, &mut v);
        v.into_iter().map(|h| (h.kind, h.value)).collect()
    }

    #[test]
    fn stored_in_china_and_no_transfer() {
        let h = hits(
            "我们在中华人民共和国境内收集和产生的个人信息，将存储在中华人民共和国境内，不会向境外传输。",
        );
        assert!(
            h.contains(&(Kind::StorageLocation, "china".into())),
            "{h:?}"
        );
        assert!(h.contains(&(Kind::CrossBorder, "no".into())), "{h:?}");
        let china = (Kind::StorageLocation, "china".to_string());
        for t in [
            "如果您从中国大陆以外地区访问我们网站，请您注意，您的信息将存储于中国大陆，并且在中国大陆进行处理。",
            "5.2.1我们收集的您的个人信息，将在中国内地存储和使用。",
        ] {
            assert!(hits(t).contains(&china), "{t}");
        }
        assert!(!hits("您的信息可能存储于中国大陆以外的服务器。").contains(&china));
        // `以` is not always `以外`.
        assert!(hits("您的个人信息将存储于中国境内以保障安全。").contains(&china));
    }

    #[test]
    fn transfers_and_destinations() {
        let h = hits("为处理跨境订单，我们需要将您的个人信息传输至位于新加坡的服务器。");
        assert!(
            h.contains(&(Kind::CrossBorder, "yes:新加坡".into())),
            "{h:?}"
        );
        let h = hits("如需向境外提供您的个人信息，我们会单独征得您的同意。");
        assert_eq!(h, [(Kind::CrossBorder, "conditional".into())]);
        let h = hits("我们的服务具有全球性，您的数据可能会传输到世界任何地方。");
        assert_eq!(h, [(Kind::CrossBorder, "yes".into())]);
        assert!(hits("我们将开展数据出境安全评估。").is_empty());
        let h = hits("您的信息将存储于美国的数据中心。");
        assert_eq!(h, [(Kind::StorageLocation, "abroad".into())]);
        let h = hits("您的数据存储于云数据库（托管于海外服务器）。");
        assert!(
            h.contains(&(Kind::StorageLocation, "abroad".into())),
            "{h:?}"
        );
    }

    #[test]
    fn foreseen_transfers_are_conditional() {
        let h = hits("如果今后的业务变更需要将您的个人信息传输至境外，我们将会依法向您告知。");
        assert_eq!(h, [(Kind::CrossBorder, "conditional".into())]);
        let h = hits("如需跨境传输，我们将会单独征得您的授权同意。");
        assert_eq!(h, [(Kind::CrossBorder, "conditional".into())]);
    }

    #[test]
    fn consented_transfers_and_the_users_dealings_are_transfers() {
        let yes = [(Kind::CrossBorder, "yes".to_string())];
        for t in [
            // The template of 18 corpus policies: the service works by
            // transfers, made lawful by consent.
            "由于我们通过遍布全球的资源和服务器提供产品或服务，这意味着，在获得您的授权同意后，您的个人信息可能会被转移到您使用产品或服务所在国家/地区的境外管辖区。",
            "但为处理跨境业务并在获得您的授权同意后，您的个人信息可能会被转移到境外。",
            // An exception to storage in China: the user's own dealings.
            "3、您通过互联网进行跨境交易等个人主动行为。",
            "3、您通过互联网进行跨境直播/发布动态等个人主动行为。",
            "如需要向境外传输您的个人信息完成交易的，我们会要求接收方按照我们的说明来处理这些个人信息。",
        ] {
            assert_eq!(hits(t), yes, "{t}");
        }
    }

    #[test]
    fn recipients_elsewhere_are_a_transfer() {
        for t in [
            "我们可能将您的个人信息与我们的关联公司、合作伙伴及第三方服务供应商、承包商及代理分享（他们可能并非位于您所在的法域），用作下列用途：",
            "您向我们所提供的信息将由我们和我们的关联公司共享（这些公司可能位于信息第一次收集地以外）。",
        ] {
            assert_eq!(hits(t), [(Kind::CrossBorder, "yes".into())], "{t}");
        }
    }

    #[test]
    fn topics_and_names_are_no_transfer() {
        for t in [
            // The seed policy 000's operator: `上海外服` holds `海外`.
            "上海外服官网服务提供者：指研发并提供上海外服官网服务的法律主体。",
            "我们会访问或使用上海外服的服务。",
            "关于您的个人信息的存储和跨境转移规则请见第十条。",
            "特别是关于“未成年人信息保护、安全措施、跨境传输”等部分的约定，建议您详细阅读。",
            "我们会适时修订本政策（包括但不限于用户个人信息出境情况变更）。",
        ] {
            assert!(hits(t).is_empty(), "{t}: {:?}", hits(t));
        }
        // A real transfer still counts.
        let h = hits("我们会将您的个人信息传输至境外的关联公司。");
        assert_eq!(h, [(Kind::CrossBorder, "yes".into())]);
    }

    #[test]
    fn trademarks_abroad_are_no_transfer() {
        assert!(
            hits("相关标识均属于许可人在中国及/或其他国家/地区的商标或者注册商标。").is_empty()
        );
    }

    #[test]
    fn silence_gives_nothing() {
        assert!(hits("我们采用加密技术保护您的个人信息。").is_empty());
    }
}
