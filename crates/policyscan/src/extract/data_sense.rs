//! Which lexicon hits name personal data the policy processes. The lexicon
//! matches words; these rules read the words around a hit and drop the ones
//! used in another sense:
//!
//! - `drop_contact_channels` — the operator's own contact channel named
//!   right before its value (`客服邮箱：kefu@…`, `注册地址：上海市…`);
//! - `drop_definitions` — the examples a definition of personal
//!   information lists (`个人信息是指…，包括姓名、出生日期…`);
//! - `drop_contact_references` — the operator's contact details referred
//!   to (`请通过本政策公示的联系方式与我们联系`);
//! - `drop_message_channels` — a message named as the way the operator
//!   sends something (`以推送通知、邮件、短信等形式告知您`);
//! - `drop_ip_clauses` — the works an intellectual-property clause names
//!   (`…提供的内容（包括文字、图片、音频、视频…）的知识产权属公司所有`);
//! - `drop_password_advice` — the password of security advice to the user
//!   (`使用复杂密码、定期修改密码、不将自己的账号密码…透露给他人`).
//!
//! Each was written from what the words mean; `docs/quality.md` says on
//! which CA4P policies each was checked and on which it is measured.

use std::sync::LazyLock;

use regex::Regex;

use super::{Hit, Kind};

/// Drop the lexicon hits that name the operator's own contact channel
/// rather than personal data it processes: `客服邮箱：kefu@x.com`,
/// `联系电话 400-…`, `注册地址：上海市…`, `邮编：230012`. Such a term comes
/// right before its value, so a `contact`-category hit followed by a phone,
/// e-mail, URL, address or postcode hit, with at most a few blanks, a colon,
/// `为`/`是`/`至`/`到` or an opening bracket between (`发送邮件至kefu@…`), is
/// the channel's name. Without
/// this, nearly every policy's contact section lists e-mail, phone and
/// address among the data it processes.
pub(crate) fn drop_contact_channels(text: &str, hits: &mut Vec<Hit>) {
    const MAX_GAP: usize = 6;
    let joiner = |c: char| c.is_whitespace() || ":：为是至到（(【[".contains(c);
    let values: Vec<usize> = hits
        .iter()
        .filter(|h| {
            matches!(
                h.kind,
                Kind::Phone | Kind::Email | Kind::Url | Kind::Address | Kind::Postcode
            )
        })
        .map(|h| h.start)
        .collect();
    hits.retain(|h| {
        if h.kind != Kind::DataType || h.category.as_deref() != Some("contact") {
            return true;
        }
        !values.iter().any(|&v| {
            text.get(h.end..v)
                .is_some_and(|gap| gap.chars().count() <= MAX_GAP && gap.chars().all(joiner))
        })
    });
}

/// After a contact term: the user reaching the operator with it
/// (`…与我们联系`, `…联系我们`), or the complaint channel beside it; no
/// bracket or `您` between (`您的联系方式（您与我们联系时使用的…）` is the
/// user's).
static REACHES_US: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^[^。；！？，,（()）您你]{0,6}?(?:与我们|联系我们|联络我们|与本公司|联系本公司|与我司|联系我司|向我们|联系客服|与客服|及投诉|和投诉|、投诉)",
    )
    .expect("reaches-us regex")
});
/// Before it: where the policy publishes its own details (`本政策公示的`,
/// `我们公布的`, `第12条中列明的`, `后附`), no list separator and no
/// `您` between (`您向我们提供的其他联系方式` is the user's).
static PUBLISHED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?:(?:本(?:隐私)?政策|本指引|公示|公布|公开|载明|约定|列明|文末|下方|末尾|我们|我行|本公司|官方)[^、，,。；！？您你]{0,12}的(?:客服|各种)?|后附)$",
    )
    .expect("published regex")
});

/// Drop `联系方式` / `联络方式` where the policy refers to its own contact
/// details: `请通过本政策公示的联系方式与我们联系`, `可通过我们公布的联系方式
/// 提出请求`, `负责处理个人信息安全的部门、联络方式及投诉渠道发生变化`. The
/// user is told how to reach the operator; no contact detail of the user's
/// is processed there. The term counts as the operator's when the user
/// reaches the operator with it (`与我们联系` within 6 chars, no clause
/// stop, bracket or `您` between), or when at most 14 chars before it the policy says it
/// published it (`本政策…的`, `公布的`, `我们…的`, `后附`) with no list
/// separator or `您` between. `您预留的联系方式` and a list of what is
/// collected (`姓名、通信地址、联系方式`) stay.
pub(crate) fn drop_contact_references(text: &str, hits: &mut Vec<Hit>) {
    hits.retain(|h| {
        let term = &text[h.start..h.end];
        if h.kind != Kind::DataType || !matches!(term, "联系方式" | "联络方式") {
            return true;
        }
        let back = chars_back(text, h.start, 14);
        !(REACHES_US.is_match(&text[h.end..]) || PUBLISHED.is_match(&text[back..h.start]))
    });
}

/// A sentence that defines personal information itself, from the defined
/// term to the definition verb: `个人信息是指`, `个人敏感信息，是指一旦`,
/// `“个人信息”：指`.
static DEFINES: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:个人信息|敏感信息)[^。！？；]{0,8}?(?:是指|[：:]\s*指|指一旦|指的是)")
        .expect("definition regex")
});
/// Where such a sentence turns from the law's definition to the policy's
/// own practice (`…的个人信息，本隐私政策中涉及的个人敏感信息包括：…`).
static OWN_PRACTICE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"本隐私政策|本政策|本指引|本协议|本规则|本应用|本产品|本平台|本服务|我们|我行")
        .expect("own-practice regex")
});

/// Drop the lexicon hits that a definition of personal information (or of
/// sensitive personal information) lists as examples of what the term
/// covers: `个人信息是指以电子或者其他方式记录的…各种信息，包括姓名、出生
/// 日期、身份证件号码、个人生物识别信息…`. Such a sentence copies the law or
/// GB/T 35273; it says what the words mean, not what the operator
/// processes, and without this nearly every policy would list biometric,
/// financial and health data among its own. The definition runs from the
/// defined term to the end of its sentence (`。！？`), or to where the
/// sentence turns to the policy's own practice (`本隐私政策中涉及的…包括`,
/// `我们…`); hits from there on stay. Generic hits (`个人信息`) stay: they
/// are never listed as data types.
pub(crate) fn drop_definitions(text: &str, hits: &mut Vec<Hit>) {
    // Most segments define nothing: one search spares cutting sentences.
    if !DEFINES.is_match(text) {
        return;
    }
    let spans: Vec<(usize, usize)> = sentences(text, "。！？")
        .into_iter()
        .filter_map(|(start, end)| {
            let sentence = &text[start..end];
            let d = DEFINES.find(sentence)?;
            let cut = OWN_PRACTICE
                .find_at(sentence, d.end())
                .map_or(sentence.len(), |m| m.start());
            Some((start + d.start(), start + cut))
        })
        .collect();
    drop_within(&spans, hits, |_| true);
}

/// The sentences of `text` as byte spans, cut at each of `stops` (the stop
/// itself in neither); the last one runs to the end of the text.
fn sentences(text: &str, stops: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = 0;
    for (i, c) in text.char_indices() {
        if stops.contains(c) {
            out.push((start, i));
            start = i + c.len_utf8();
        }
    }
    out.push((start, text.len()));
    out
}

/// Drop the non-generic data-type hits inside one of `spans` that `which`
/// accepts. Generic hits (`个人信息`) stay: they are never listed as data
/// types, and the summary reads them.
fn drop_within(spans: &[(usize, usize)], hits: &mut Vec<Hit>, which: impl Fn(&Hit) -> bool) {
    if spans.is_empty() {
        return;
    }
    hits.retain(|h| {
        h.kind != Kind::DataType
            || h.category.as_deref() == Some("generic")
            || !which(h)
            || !spans.iter().any(|&(s, e)| s <= h.start && h.end <= e)
    });
}

/// The sentences (cut at `。！？；`) of `text` that `pattern` matches.
fn sentences_matching(text: &str, pattern: &Regex) -> Vec<(usize, usize)> {
    // A sentence matches only where the whole text does: one search spares
    // cutting the sentences of the many segments without a match.
    if !pattern.is_match(text) {
        return Vec::new();
    }
    sentences(text, "。！？；")
        .into_iter()
        .filter(|&(s, e)| pattern.is_match(&text[s..e]))
        .collect()
}

/// A clause about intellectual property: who owns the works of a service.
static IP_CLAUSE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"知识产权|著作权|版权|商标权|专利权").expect("ip regex"));

/// Drop the lexicon hits in a sentence about intellectual property:
/// `公司在本软件中提供的内容（包括但不限于文字、图片、音频、视频、电子文档
/// 等）的知识产权属公司所有`, `用户上传的照片，著作权归用户所有`. Such a
/// sentence names works and who owns them, not data the operator collects
/// about the user: without this, the user-agreement clauses many policies
/// carry list photos, recordings and files among the data processed. The
/// rights themselves are named in full (`商标权`, not `商标`, which sits
/// inside `厂商标识`).
pub(crate) fn drop_ip_clauses(text: &str, hits: &mut Vec<Hit>) {
    drop_within(&sentences_matching(text, &IP_CLAUSE), hits, |_| true);
}

/// Advice on keeping one's password safe, or what to do when it leaks.
static SECURITY_ADVICE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"复杂密码|定期(?:修改|更换)|妥善保管|不要?(?:将|向)|告知他人|透露|泄露|被他人|盗用|他人(?:使用|知悉)",
    )
    .expect("advice regex")
});

/// Drop the password of a sentence that advises the user on its safety:
/// `使用复杂密码、定期修改密码、不将自己的账号密码等个人信息透露给他人`,
/// `请妥善保管您的账号及密码`, `如发现账号或密码被他人非法使用…`. The
/// sentence is about the user's own care, not a password the operator
/// collects; a policy that does collect one says so where it registers the
/// account (`创建密码`), and that hit stays.
pub(crate) fn drop_password_advice(text: &str, hits: &mut Vec<Hit>) {
    if !hits.iter().any(|h| h.value == "密码") {
        return;
    }
    let spans = sentences_matching(text, &SECURITY_ADVICE);
    drop_within(&spans, hits, |h| h.value == "密码");
}

/// Surfaces that name a kind of message: the data when a policy reads or
/// keeps them (`读取您的短信`), the medium when it sends through them.
const MESSAGES: [&str; 3] = ["短信", "电子邮件", "私信"];
/// Before a message in a list of ways: the preposition of means.
static BY_MEANS_OF: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:通过|以|经由|采用|使用|利用)[^。；！？]{0,20}$").expect("means regex")
});
/// After it: the list ends in a word for a way of sending.
static A_WAY: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[^。；！？]{0,25}?(?:方式|形式|渠道|途径)").expect("way regex"));

/// Drop the lexicon hits of a message named as the way the operator
/// sends something: `以推送通知、邮件、信函、短信等形式告知您`,
/// `通过电子邮件、短信或其他方式向您发送营销信息`. The policy says how it
/// will reach the user, not that it processes the user's messages (`短信`
/// is the messages themselves, as in `读取您的短信`). Such a message stands
/// after a preposition of means (`通过`, `以`…, at most 20 chars back in
/// its sentence) in a list that ends, at most 25 chars on, in `方式`,
/// `形式`, `渠道` or `途径`.
pub(crate) fn drop_message_channels(text: &str, hits: &mut Vec<Hit>) {
    hits.retain(|h| {
        if h.kind != Kind::DataType || !MESSAGES.contains(&&text[h.start..h.end]) {
            return true;
        }
        let back = chars_back(text, h.start, 20);
        !(BY_MEANS_OF.is_match(&text[back..h.start]) && A_WAY.is_match(&text[h.end..]))
    });
}

/// The byte offset `n` chars before `end` in `text` (0 when there are
/// fewer): where a look-back window of `n` chars starts.
fn chars_back(text: &str, end: usize, n: usize) -> usize {
    text[..end]
        .char_indices()
        .rev()
        .nth(n - 1)
        .map_or(0, |(i, _)| i)
}
