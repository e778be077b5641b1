//! Personal-data types from a lexicon (`data/lexicon/data_types.tsv`,
//! compiled into the binary; `--lexicon FILE` replaces it): surface form →
//! canonical type → category (in the spirit of GB/T 35273). Matching is one
//! Aho–Corasick pass, leftmost-longest, ASCII case-insensitive, so
//! `设备MAC地址` is one hit rather than `MAC` inside it, and hits never
//! overlap. Latin surfaces (IMEI, IDFA…) must not sit inside a longer Latin
//! word. Words that hold a data-type surface but name no personal data
//! (`法律文件`, `民族团结`) are lexicon entries of category [`NOT_DATA`],
//! matched so that the shorter surface inside is not, and never reported.
//! Hits that name data only in a sense the policy does not process it in are
//! dropped afterwards, in context (`data_sense`).

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};

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
