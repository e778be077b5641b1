//! Personal-data types from a lexicon (`data/lexicon/data_types.tsv`,
//! compiled into the binary; `--lexicon FILE` replaces it): surface form →
//! canonical type → category (in the spirit of GB/T 35273). Matching is one
//! Aho–Corasick pass, leftmost-longest, ASCII case-insensitive, so
//! `设备MAC地址` is one hit rather than `MAC` inside it, and hits never
//! overlap. Latin surfaces (IMEI, IDFA…) must not sit inside a longer Latin
//! word. A contact term that names the operator's own channel right before
//! its value (`客服邮箱：kefu@…`, `注册地址：上海市…`) is not a data type:
//! `drop_contact_channels`; nor is a type a definition of personal
//! information lists as an example (`个人信息是指…，包括姓名、出生日期…`):
//! `drop_definitions`; nor a message named as the way something is sent
//! (`以推送通知、邮件、短信等形式告知您`): `drop_message_channels`. Words that hold a data-type surface but name no
//! personal data (`法律文件`, `民族团结`) are lexicon entries of category
//! [`NOT_DATA`], matched so that the shorter surface inside is not, and
//! never reported.

use std::sync::LazyLock;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use regex::Regex;

use super::{ExtractError, Hit, Kind};

/// The lexicon category of words that hold a data-type surface but name no
/// personal data (`法律文件`, `中华民族`, `短信通知`): leftmost-longest
/// matching takes the whole word, and the hit is dropped.
pub const NOT_DATA: &str = "not_data";

/// The built-in lexicon.
pub const BUILTIN: &str = include_str!("../../../../data/lexicon/data_types.tsv");

/// A compiled lexicon.
pub struct Lexicon {
    ac: AhoCorasick,
    /// (canonical, category) per pattern.
    entries: Vec<(String, String)>,
}

impl Lexicon {
    /// The lexicon compiled into the binary.
    pub fn builtin() -> Result<Self, ExtractError> {
        Self::parse(BUILTIN)
    }

    /// Parse TSV lines `surface<TAB>canonical<TAB>category`; `#` starts a
    /// comment line. A malformed line is an error naming its number.
    pub fn parse(tsv: &str) -> Result<Self, ExtractError> {
        let mut surfaces = Vec::new();
        let mut entries = Vec::new();
        for (i, line) in tsv.lines().enumerate() {
            let t = line.trim_end_matches('\r');
            if t.trim().is_empty() || t.trim_start().starts_with('#') {
                continue;
            }
            let cols: Vec<&str> = t.split('\t').collect();
            let err = |reason: &str| ExtractError::Lexicon {
                line: i + 1,
                text: t.to_string(),
                reason: reason.to_string(),
            };
            if cols.len() != 3 {
                return Err(err(
                    "expected 3 tab-separated columns: surface, canonical, category",
                ));
            }
            if cols.iter().any(|c| c.trim().is_empty()) {
                return Err(err("empty column"));
            }
            surfaces.push(cols[0].trim().to_string());
            entries.push((cols[1].trim().to_string(), cols[2].trim().to_string()));
        }
        let ac = AhoCorasickBuilder::new()
            .match_kind(MatchKind::LeftmostLongest)
            .ascii_case_insensitive(true)
            .build(&surfaces)
            .map_err(|e| ExtractError::Lexicon {
                line: 0,
                text: String::new(),
                reason: e.to_string(),
            })?;
        Ok(Self { ac, entries })
    }

    /// Number of surface forms.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the lexicon is empty.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub(crate) fn find(&self, text: &str, out: &mut Vec<Hit>) {
        for m in self.ac.find_iter(text) {
            let (s, e) = (m.start(), m.end());
            let latin = |c: char| c.is_ascii_alphanumeric() || c == '_';
            let first = text[s..].chars().next();
            let last = text[..e].chars().next_back();
            if first.is_some_and(latin) && text[..s].chars().next_back().is_some_and(latin) {
                continue;
            }
            if last.is_some_and(latin) && text[e..].chars().next().is_some_and(latin) {
                continue;
            }
            let (canonical, category) = &self.entries[m.pattern().as_usize()];
            if category == NOT_DATA {
                continue;
            }
            let mut h = Hit::new(Kind::DataType, s, e, canonical.clone());
            h.category = Some(category.clone());
            out.push(h);
        }
    }
}

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
    let mut spans = Vec::new();
    let mut start = 0;
    for (i, c) in text
        .char_indices()
        .chain(std::iter::once((text.len(), '。')))
    {
        if !"。！？".contains(c) {
            continue;
        }
        let sentence = &text[start..i];
        if let Some(d) = DEFINES.find(sentence) {
            let end = OWN_PRACTICE
                .find_at(sentence, d.end())
                .map_or(sentence.len(), |m| m.start());
            spans.push((start + d.start(), start + end));
        }
        start = i + c.len_utf8().min(text.len() - i);
    }
    if spans.is_empty() {
        return;
    }
    hits.retain(|h| {
        h.kind != Kind::DataType
            || h.category.as_deref() == Some("generic")
            || !spans.iter().any(|&(s, e)| s <= h.start && h.end <= e)
    });
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
        let back = text[..h.start]
            .char_indices()
            .rev()
            .nth(19)
            .map_or(0, |(i, _)| i);
        !(BY_MEANS_OF.is_match(&text[back..h.start]) && A_WAY.is_match(&text[h.end..]))
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hits(t: &str) -> Vec<(String, String, String)> {
        let lx = Lexicon::builtin().unwrap();
        let mut v = Vec::new();
        lx.find(t, &mut v);
        v.into_iter()
            .map(|h| (t[h.start..h.end].to_string(), h.value, h.category.unwrap()))
            .collect()
    }

    #[test]
    fn longest_match_canonical_and_category() {
        let h = hits("我们会收集您的手机号码、设备MAC地址和精确位置信息。");
        let texts: Vec<&str> = h.iter().map(|x| x.0.as_str()).collect();
        assert_eq!(texts, ["手机号码", "设备MAC地址", "精确位置信息"]);
        assert_eq!(h[1].1, "MAC地址");
        assert_eq!(h[1].2, "network_id");
        assert_eq!(h[2].1, "位置信息");
    }

    #[test]
    fn kinds_a_reader_tells_apart_stay_apart() {
        // Photos are not recordings, files or a calendar; SMS and chats are
        // not call records; a passport is not an ID card; a voiceprint is
        // not a fingerprint; a credit report is not an order.
        for (t, canon, cat) in [
            ("照片", "照片", "media"),
            ("视频", "音视频", "media"),
            ("文件", "文件", "media"),
            ("日历", "日历", "other"),
            ("短信", "短信", "behaviour"),
            ("聊天记录", "聊天记录", "behaviour"),
            ("通话记录", "通话记录", "behaviour"),
            ("护照", "护照", "identity"),
            ("身份证号码", "身份证号码", "identity"),
            ("声纹", "声纹", "biometric"),
            ("指纹", "指纹", "biometric"),
            ("征信信息", "征信信息", "financial"),
            ("订单信息", "交易信息", "financial"),
            ("家庭住址", "地址", "contact"),
        ] {
            let h = hits(&format!("我们会收集您的{t}。"));
            assert_eq!((h[0].1.as_str(), h[0].2.as_str()), (canon, cat), "{t}");
        }
    }

    #[test]
    fn abbreviations_case_insensitive_but_whole_words() {
        let h = hits("包括imei、IDFA、Android ID以及OAID");
        let canon: Vec<&str> = h.iter().map(|x| x.1.as_str()).collect();
        assert_eq!(canon, ["设备标识符"; 4]);
        assert!(hits("MACHINE").is_empty());
        assert!(hits("SNAPSHOT").is_empty());
    }

    #[test]
    fn bad_lexicon_lines_are_named() {
        match Lexicon::parse("# c\n手机号\t手机号码\tcontact\n坏行只有一列\n") {
            Err(ExtractError::Lexicon { line, text, .. }) => {
                assert_eq!(line, 3);
                assert_eq!(text, "坏行只有一列");
            }
            _ => panic!("must fail"),
        }
    }
}
