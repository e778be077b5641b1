//! Byte-level decoding of policy files: BOM sniffing, UTF-8, UTF-16 without BOM, and the legacy
//! Chinese encodings (GB18030 vs Big5), with binary detection and text normalisation.
//!
//! The returned text has line ends normalised to `\n` and NUL, zero-width and bidi control
//! characters removed, so every later char offset is an offset into exactly this text.

use encoding_rs::{BIG5, Encoding, GB18030, UTF_8, UTF_16BE, UTF_16LE};

/// A successfully decoded document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decoded {
    /// The normalised text (LF line ends, no NUL / zero-width / bidi controls).
    pub text: String,
    /// One of "utf-8", "utf-8-bom", "utf-16le", "utf-16be", "gb18030", "big5".
    pub encoding: &'static str,
    /// True when some byte sequences could not be decoded and were replaced by U+FFFD.
    pub repaired: bool,
}

/// Why a byte buffer could not be turned into policy text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// The input holds no bytes, or only whitespace once decoded.
    #[error("the file is empty or contains only whitespace")]
    Empty,
    /// The input looks like a binary file (image, archive, PDF, or undecodable bytes).
    #[error("the file does not look like text: {reason}")]
    Binary {
        /// A short human explanation, e.g. "it starts with the PNG image signature".
        reason: String,
    },
}

/// Share of U+FFFD replacement chars above which a decoding counts as garbage.
const MAX_REPLACEMENT_RATIO: f64 = 0.05;
/// Share of control characters above which the input counts as binary.
const MAX_CONTROL_RATIO: f64 = 0.02;
/// Share of NUL bytes tolerated (and stripped) in text that is not UTF-16.
const MAX_NUL_RATIO: f64 = 0.005;

/// Decode raw file bytes into normalised text. Never panics.
pub fn decode(bytes: &[u8]) -> Result<Decoded, DecodeError> {
    if bytes.is_empty() {
        return Err(DecodeError::Empty);
    }
    if let Some(kind) = magic_kind(bytes) {
        return Err(DecodeError::Binary {
            reason: format!("it starts with the {kind} signature"),
        });
    }
    // 1. Byte order marks.
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        return finish(decode_with(UTF_8, rest), "utf-8-bom");
    }
    if let Some(rest) = bytes.strip_prefix(b"\xFF\xFE") {
        return finish(decode_with(UTF_16LE, rest), "utf-16le");
    }
    if let Some(rest) = bytes.strip_prefix(b"\xFE\xFF") {
        return finish(decode_with(UTF_16BE, rest), "utf-16be");
    }
    let nul_count = bytes.iter().filter(|&&b| b == 0).count();
    // 2. Valid UTF-8 without NULs (UTF-16 ASCII text is valid UTF-8, hence the NUL check).
    if nul_count == 0
        && let Ok(s) = std::str::from_utf8(bytes)
    {
        return finish((s.to_string(), 0), "utf-8");
    }
    // 3. UTF-16 without BOM, recognised by where the NUL bytes sit.
    if nul_count > 0 {
        if let Some(enc) = utf16_by_nul_pattern(bytes) {
            let name = if enc == UTF_16LE {
                "utf-16le"
            } else {
                "utf-16be"
            };
            return finish(decode_with(enc, bytes), name);
        }
        if nul_count as f64 > MAX_NUL_RATIO * bytes.len() as f64 {
            return Err(DecodeError::Binary {
                reason: format!("it contains {nul_count} NUL bytes, which text files do not"),
            });
        }
        if let Ok(s) = std::str::from_utf8(bytes) {
            return finish((s.to_string(), 0), "utf-8");
        }
    }
    // 4. Not clean UTF-8: score the candidates and keep the most plausible one.
    let mut best: Option<(f64, (String, usize), &'static str)> = None;
    let mut candidates: Vec<(&'static Encoding, &'static str)> =
        vec![(UTF_8, "utf-8"), (GB18030, "gb18030"), (BIG5, "big5")];
    if bytes.len() >= 4 {
        candidates.push((UTF_16LE, "utf-16le"));
        candidates.push((UTF_16BE, "utf-16be"));
    }
    for (enc, name) in candidates {
        let (text, errors) = decode_with(enc, bytes);
        let mut score = plausibility(&text, errors);
        if enc == UTF_16LE || enc == UTF_16BE {
            // UTF-16 without BOM or NUL pattern is a last resort: demand very clean text.
            if good_ratio(&text) < 0.9 || errors > 0 {
                continue;
            }
            score -= 0.5 * text.chars().count() as f64;
        }
        if best.as_ref().is_none_or(|(s, _, _)| score > *s) {
            best = Some((score, (text, errors), name));
        }
    }
    match best {
        Some((_, decoded, name)) => finish(decoded, name),
        None => Err(DecodeError::Binary {
            reason: "no text encoding decodes it".to_string(),
        }),
    }
}

fn magic_kind(bytes: &[u8]) -> Option<&'static str> {
    const MAGIC: &[(&[u8], &str)] = &[
        (b"\x89PNG\r\n\x1a\n", "PNG image"),
        (b"\xFF\xD8\xFF", "JPEG image"),
        (b"%PDF-", "PDF document"),
        (b"PK\x03\x04", "ZIP archive"),
        (b"PK\x05\x06", "ZIP archive"),
        (b"\x1F\x8B", "GZIP archive"),
        (b"GIF87a", "GIF image"),
        (b"GIF89a", "GIF image"),
    ];
    MAGIC
        .iter()
        .find(|(m, _)| bytes.starts_with(m))
        .map(|(_, k)| *k)
}

/// Decode without BOM handling; returns the text and the number of malformed sequences.
fn decode_with(enc: &'static Encoding, bytes: &[u8]) -> (String, usize) {
    let (cow, had_errors) = enc.decode_without_bom_handling(bytes);
    let text = cow.into_owned();
    let errors = if had_errors {
        text.chars().filter(|&c| c == '\u{FFFD}').count().max(1)
    } else {
        0
    };
    (text, errors)
}

/// NULs concentrated at odd (LE) or even (BE) positions mean UTF-16 without BOM.
fn utf16_by_nul_pattern(bytes: &[u8]) -> Option<&'static Encoding> {
    let sample = &bytes[..bytes.len().min(1 << 16)];
    let (mut even, mut odd) = (0usize, 0usize);
    for (i, &b) in sample.iter().enumerate() {
        if b == 0 {
            if i % 2 == 0 {
                even += 1;
            } else {
                odd += 1;
            }
        }
    }
    let pairs = sample.len() / 2;
    let min = (pairs / 50).max(1);
    if odd >= min && odd > 4 * even {
        Some(UTF_16LE)
    } else if even >= min && even > 4 * odd {
        Some(UTF_16BE)
    } else {
        None
    }
}

/// Characters we expect in Chinese policy text (CJK, ASCII printable, CJK/full-width punctuation).
fn is_good_char(c: char) -> bool {
    matches!(c,
        '\n' | '\r' | '\t' | ' '..='~'
        | '\u{00A0}'..='\u{00FF}'
        | '\u{2000}'..='\u{206F}'
        | '\u{3000}'..='\u{303F}'
        | '\u{4E00}'..='\u{9FFF}'
        | '\u{FF00}'..='\u{FFEF}')
}

fn good_ratio(text: &str) -> f64 {
    let (mut good, mut total) = (0usize, 0usize);
    for c in text.chars() {
        total += 1;
        if is_good_char(c) {
            good += 1;
        }
    }
    if total == 0 {
        0.0
    } else {
        good as f64 / total as f64
    }
}

/// Very common Chinese characters, simplified and traditional forms (hand-picked list).
const COMMON_CJK: &str = "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公无系很情者最立代想已通并提直题程展五果料象员位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运指几九区强放决西被干做必先回则任取据处南给色光门即保治北造百规热领七海口东导器压志世金增争济思术极交受联什认六共权收证改清己美再采转更单风切打白教速花带安场身车例真务具万每目至达走积示议声报完类八离华名确才科张信马节话米整空元况今集传土许步群广石记需段研界拉林律叫且究观越织装影算低持音众书布复容儿须际商非验连断深难近千周委素技备半办青省列习响约支般史感劳便团往历市克何除消构府称太准精值号率族维划选标写存候亲快效院查型眼王按格养易置派层片始却专状育厂京识适属包火住调满县局照参红细引听该铁价严龙飞隐私政策您个息收集使共享存储护删除账号设备位置网络服务权限联系们來個們對會發說產種過學經進資爲與關這國時實還從當現體點長問開間請務隱權護號設備絡聯繫";

fn common_set() -> &'static std::collections::HashSet<char> {
    static SET: std::sync::OnceLock<std::collections::HashSet<char>> = std::sync::OnceLock::new();
    SET.get_or_init(|| COMMON_CJK.chars().collect())
}

/// Higher is more plausible. Common CJK chars weigh most; replacement chars cost a lot.
fn plausibility(text: &str, errors: usize) -> f64 {
    let common = common_set();
    let mut score = 0.0;
    for c in text.chars() {
        if common.contains(&c) {
            score += 3.0;
        } else if is_good_char(c) {
            score += 1.0;
        } else if c == '\u{FFFD}' {
            score -= 10.0;
        } else {
            score -= 1.0;
        }
    }
    score - errors as f64
}

/// Normalise, then reject garbage and empty results.
fn finish(decoded: (String, usize), encoding: &'static str) -> Result<Decoded, DecodeError> {
    let (raw, errors) = decoded;
    let text = normalise(&raw);
    let mut total = 0usize;
    let mut replacement = 0usize;
    let mut control = 0usize;
    let mut non_ws = false;
    for c in text.chars() {
        total += 1;
        if c == '\u{FFFD}' {
            replacement += 1;
        } else if (c.is_control() && c != '\n' && c != '\t' && c != '\u{0C}') || c == '\u{7F}' {
            control += 1;
        }
        if !c.is_whitespace() {
            non_ws = true;
        }
    }
    if !non_ws {
        return Err(DecodeError::Empty);
    }
    if replacement as f64 > MAX_REPLACEMENT_RATIO * total as f64 {
        return Err(DecodeError::Binary {
            reason: format!(
                "{replacement} of its {total} characters could not be decoded as {encoding}"
            ),
        });
    }
    if control as f64 > MAX_CONTROL_RATIO * total as f64 {
        return Err(DecodeError::Binary {
            reason: format!("{control} of its {total} characters are control characters"),
        });
    }
    Ok(Decoded {
        text,
        encoding,
        repaired: errors > 0 || replacement > 0,
    })
}

/// CRLF / lone CR → LF; drop NUL, zero-width and bidi controls, and stray BOMs.
fn normalise(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' => {
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                out.push('\n');
            }
            '\0'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{2064}'
            | '\u{FEFF}' => {}
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "星河云科技有限公司隐私政策\r\n一、我们如何收集您的个人信息\r\n我们会收集您的手机号码，用于账号注册。\r\n";

    #[test]
    fn utf8_plain_and_line_ends() {
        let d = decode(SAMPLE.as_bytes()).unwrap();
        assert_eq!(d.encoding, "utf-8");
        assert!(!d.repaired);
        assert!(!d.text.contains('\r'));
        assert_eq!(d.text.lines().count(), 3);
        let d = decode("甲\r乙\r\n丙\n".as_bytes()).unwrap();
        assert_eq!(d.text, "甲\n乙\n丙\n");
    }

    #[test]
    fn boms() {
        let mut b = b"\xEF\xBB\xBF".to_vec();
        b.extend_from_slice(SAMPLE.as_bytes());
        let d = decode(&b).unwrap();
        assert_eq!(d.encoding, "utf-8-bom");
        assert!(d.text.starts_with("星河"));

        let mut le = vec![0xFF, 0xFE];
        let mut be = vec![0xFE, 0xFF];
        for u in SAMPLE.encode_utf16() {
            le.extend_from_slice(&u.to_le_bytes());
            be.extend_from_slice(&u.to_be_bytes());
        }
        assert_eq!(decode(&le).unwrap().encoding, "utf-16le");
        let d = decode(&be).unwrap();
        assert_eq!(d.encoding, "utf-16be");
        assert!(d.text.starts_with("星河"));
    }

    #[test]
    fn utf16_without_bom() {
        let s = "Privacy policy of Lanting Apps Ltd.\n我们收集您的邮箱地址 (email) 和设备型号。\n";
        let mut le = Vec::new();
        let mut be = Vec::new();
        for u in s.encode_utf16() {
            le.extend_from_slice(&u.to_le_bytes());
            be.extend_from_slice(&u.to_be_bytes());
        }
        let d = decode(&le).unwrap();
        assert_eq!((d.encoding, d.text.as_str()), ("utf-16le", s));
        let d = decode(&be).unwrap();
        assert_eq!((d.encoding, d.text.as_str()), ("utf-16be", s));
    }

    #[test]
    fn gb18030_and_big5() {
        let (gb, _, _) = GB18030.encode(SAMPLE);
        let d = decode(&gb).unwrap();
        assert_eq!(d.encoding, "gb18030");
        assert!(d.text.contains("我们如何收集"));
        let trad = "青松資訊有限公司隱私權政策\n我們會收集您的電子郵件地址，用於聯繫您。\n我們不會將您的個人資料提供給第三方。\n";
        let (b5, _, _) = BIG5.encode(trad);
        let d = decode(&b5).unwrap();
        assert_eq!(d.encoding, "big5");
        assert_eq!(d.text, trad);
    }

    #[test]
    fn truncated_utf8_is_repaired() {
        let mut b = SAMPLE.as_bytes().to_vec();
        b.extend_from_slice("我们".as_bytes());
        b.pop();
        let d = decode(&b).unwrap();
        assert_eq!(d.encoding, "utf-8");
        assert!(d.repaired);
        assert!(d.text.ends_with('\u{FFFD}'));
    }

    #[test]
    fn heavy_damage_is_binary() {
        let mut b = "短文本".as_bytes().to_vec();
        b.extend_from_slice(&[0xFF; 40]);
        assert!(matches!(decode(&b), Err(DecodeError::Binary { .. })));
    }

    #[test]
    fn binary_and_empty() {
        assert_eq!(decode(b""), Err(DecodeError::Empty));
        assert_eq!(decode(b" \r\n\t "), Err(DecodeError::Empty));
        assert_eq!(decode("\u{3000}\n".as_bytes()), Err(DecodeError::Empty));
        for magic in [
            &b"\x89PNG\r\n\x1a\nxxxx"[..],
            b"\xFF\xD8\xFF\xE0xx",
            b"%PDF-1.7\n",
            b"PK\x03\x04abc",
            b"\x1F\x8B\x08\x00",
        ] {
            let e = decode(magic).unwrap_err();
            assert!(e.to_string().contains("signature"), "{e}");
        }
        let mut b = b"abc".repeat(10);
        b.extend_from_slice(&[0, 1, 2, 0, 0, 3, 0, 0, 9, 0, 0, 7]);
        assert!(matches!(decode(&b), Err(DecodeError::Binary { .. })));
        let ctl: Vec<u8> = (0..200u32).map(|i| (i % 8) as u8 + 1).collect();
        assert!(matches!(decode(&ctl), Err(DecodeError::Binary { .. })));
    }

    #[test]
    fn strips_invisible_controls() {
        let s = "隐私\u{200B}政策\u{202E}说明\u{FEFF}。\u{2060}";
        assert_eq!(decode(s.as_bytes()).unwrap().text, "隐私政策说明。");
    }

    #[test]
    fn never_panics_on_random_bytes() {
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        for len in 0..400usize {
            let mut b = Vec::with_capacity(len);
            for _ in 0..len {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                b.push((x >> 24) as u8);
            }
            let _ = decode(&b);
            if len > 2 {
                let _ = decode(&b[1..]);
            }
        }
    }
}
