//! Postal addresses: `浙江省杭州市西湖区文三路88号青鸟大厦12层`,
//! `中国（上海）自由贸易试验区银城中路501号`, `深圳市南山区粤海街道大冲商务中心D栋1002室`,
//! `北京市朝阳区东三环中路 39 号建外SOHO23号楼(南办公楼)20层2307`.
//!
//! An address starts at a province or city name, or right after an address
//! label (`地址：`, `位于`), and runs over the characters an address is made
//! of: Chinese, Latin letters and digits, `-#·_`, balanced brackets, a space
//! before a number or a unit (`中山东一路 12号`), a `、` between numbers
//! (`1256、1258号`). It ends at the last unit (`号`, `楼`, `层`, `室`, `大厦`,
//! `路`, …) or at a room number right after one (`2号楼2301`, `7楼716-718`),
//! so `…腾讯大厦 法务部（收）` and `…，邮编：518057` stay out. It must name
//! a street or a building, and it is not a company name that happens to
//! start with a city (`广州市趣丸网络科技有限公司`).

use std::sync::LazyLock;

use regex::Regex;

use super::{Hit, Kind};

/// Provinces and province-level cities.
pub(crate) const PROVINCES: &str = "北京|天津|上海|重庆|河北|山西|辽宁|吉林|黑龙江|江苏|浙江|安徽|福建|江西|山东|河南|湖北|湖南|广东|海南|四川|贵州|云南|陕西|甘肃|青海|台湾|内蒙古|广西|西藏|宁夏|新疆|香港|澳门";

/// Cities often written without `市` (`苏州工业园区…`, `武汉东湖新技术开发区…`).
/// Company names start with them too ([`super::controller`]).
pub(crate) const CITIES: &str = "深圳|广州|杭州|南京|武汉|成都|西安|苏州|厦门|福州|青岛|大连|宁波|长沙|郑州|济南|合肥|昆明|沈阳|哈尔滨|长春|石家庄|太原|南昌|贵阳|南宁|海口|三亚|兰州|西宁|银川|乌鲁木齐|拉萨|呼和浩特|东莞|佛山|珠海|无锡|常州|温州|泉州|嘉兴|绍兴|金华|台州|烟台|潍坊|徐州|南通|扬州|中山|惠州|义乌|昆山";

/// Where an address may start: `（中国）省/直辖市`, a known city, any
/// `XX市`, or the end of an address label.
static START: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        concat!(
            r"(?:中国\s*)?(?:[（(]\s*)?(?:{p})(?:省|市|自治区|壮族自治区|回族自治区|维吾尔自治区|特别行政区)?(?:\s*[）)])?",
            r"|(?:{c})市?",
            r"|(?P<city>\p{{Han}}{{2,4}}市)",
            r"|(?P<label>(?:(?:地址|住所|住址|地点)(?:位于)?|位于)(?:为|是|在|：|:|\s)*)"
        ),
        p = PROVINCES,
        c = CITIES
    ))
    .expect("address start regex")
});
/// A province or known city inside a generic `XX市` match (`或广州市`).
static NAME: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(&format!("{PROVINCES}|{CITIES}")).expect("place name regex"));
/// What an address must name beyond its region: a house, building or room
/// number (`88号`, `5楼`, `A座`, `2301室`), or a named building or park on
/// a named road (`科技中一路腾讯大厦`; `上海易班发展中心` alone is an
/// organisation).
static PREMISES: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"[0-9０-９]+[A-Za-z]?\s*(?:号|弄|栋|幢|座|楼|层|室|单元|F)",
        r"|[一二三四五六七八九十百甲乙丙]+(?:号|层|楼)",
        r"|[A-Za-z][0-9]*\s*(?:座|栋|幢|区)",
        r"|(?:路|街|道|弄|巷).*(?:大厦|大楼|中心|广场|园区|科技园|产业园|工业园|软件园|创意园|写字楼)",
    ))
    .expect("premises regex")
});

/// Chars after which an address may end; a room number may follow them.
const UNIT_END: &[char] = &[
    '号', '楼', '层', '室', '座', '元', '栋', '幢', '厦', '心', '场', '园', '房', '弄', '院', '区',
    '路', '街', '道', '巷', '村', '镇', '城', '厅', '馆', '所', '站', '内', '外', 'F',
];
/// Words an address never contains: a company or an institution is named.
const NOT_IN_ADDRESS: &[&str] = &["公司", "法院", "有限"];
const MAX_CHARS: usize = 64;
/// Chars that end an address: function words and pronouns that start the
/// rest of the sentence (`…1101室系启信宝的运营者`, `…5楼设有…`).
const STOP: &[char] = &[
    '的', '系', '是', '为', '与', '或', '及', '将', '等', '以', '并', '请', '您', '我', '你', '其',
    '该', '可', '也', '均', '已', '在',
];

fn is_body_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '-' | '－' | '#' | '·' | '_' | '—')
}

/// Byte length of the address body starting at `text[start..]`, before
/// trimming to a unit.
fn body_len(text: &str, start: usize) -> usize {
    let rest = &text[start..];
    // Brackets and blanks are skipped over, so look a little past the cap.
    let chars: Vec<(usize, char)> = rest.char_indices().take(MAX_CHARS + 32).collect();
    let mut i = 0;
    let mut end = 0;
    let mut count = 0;
    while i < chars.len() && count < MAX_CHARS {
        let (b, c) = chars[i];
        let prev = i.checked_sub(1).map(|k| chars[k].1);
        let next = chars.get(i + 1).map(|x| x.1);
        if STOP.contains(&c) {
            break;
        }
        if is_body_char(c) {
            i += 1;
            count += 1;
            end = b + c.len_utf8();
            continue;
        }
        match c {
            // A space before a number, a letter or a unit; never two words.
            ' ' | '\u{3000}' | '\u{a0}' => {
                let mut k = i;
                while k < chars.len() && chars[k].1.is_whitespace() {
                    k += 1;
                }
                let ok = chars.get(k).is_some_and(|&(_, n)| {
                    n.is_ascii_alphanumeric()
                        || ['号', '楼', '层', '室', '栋', '座', '幢'].contains(&n)
                }) || prev.is_some_and(|p| p.is_ascii_digit());
                // `…602号 010-64478667 京ICP备…`: a phone number after a
                // blank ends the address.
                let digits = chars[k..]
                    .iter()
                    .take_while(|&&(_, n)| n.is_ascii_digit() || n == '-')
                    .filter(|&&(_, n)| n.is_ascii_digit())
                    .count();
                if !ok || digits >= 7 {
                    break;
                }
                i = k;
            }
            '、' if prev.is_some_and(|p| p.is_ascii_alphanumeric())
                && next.is_some_and(|n| n.is_ascii_alphanumeric()) =>
            {
                i += 1;
            }
            '（' | '(' => {
                let close = if c == '（' { '）' } else { ')' };
                let Some(k) = chars[i + 1..]
                    .iter()
                    .take(20)
                    .position(|&(_, n)| n == close || n == '）' || n == ')')
                else {
                    break;
                };
                let inner = &chars[i + 1..i + 1 + k];
                let named: String = inner.iter().map(|&(_, n)| n).collect();
                if inner.iter().any(|&(_, n)| !is_body_char(n) && n != '、')
                    || NOT_IN_ADDRESS.iter().any(|w| named.contains(w))
                {
                    break;
                }
                i += k + 2;
                count += k + 2;
                end = chars[i - 1].0 + chars[i - 1].1.len_utf8();
            }
            _ => break,
        }
    }
    end
}

/// A room number's chars: `2301`, `716-718`, `A1702BCD`, `1F-D1`.
fn is_room_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-'
}

/// Six digits after an address are its postcode, not a room number.
fn is_postcode(run: &[(usize, char)]) -> bool {
    run.len() == 6 && run.iter().all(|&(_, c)| c.is_ascii_digit())
}

/// Cut `body` back to its last unit, or to a room number after one.
fn trim_to_unit(body: &str) -> &str {
    let chars: Vec<(usize, char)> = body.char_indices().collect();
    // A trailing room number is kept when a unit comes right before it.
    let mut k = chars.len();
    while k > 0 && is_room_char(chars[k - 1].1) {
        k -= 1;
    }
    let mut u = k;
    while u > 0 && chars[u - 1].1.is_whitespace() {
        u -= 1;
    }
    if k < chars.len() && u > 0 && UNIT_END.contains(&chars[u - 1].1) && !is_postcode(&chars[k..]) {
        return body.trim_end_matches('-');
    }
    for j in (0..chars.len()).rev() {
        let (b, c) = chars[j];
        if UNIT_END.contains(&c) || matches!(c, '）' | ')') {
            // `…3号楼七层716    客服邮箱`: a room number right after the
            // unit stays when a blank or a stop ends it (not `号2019年`).
            let mut r = j + 1;
            while r < chars.len() && is_room_char(chars[r].1) {
                r += 1;
            }
            let ended = chars
                .get(r)
                .is_none_or(|&(_, n)| n.is_whitespace() || "，,。；;".contains(n));
            if UNIT_END.contains(&c) && r > j + 1 && ended && !is_postcode(&chars[j + 1..r]) {
                let e = chars.get(r).map_or(body.len(), |&(i, _)| i);
                return body[..e].trim_end_matches('-');
            }
            return &body[..b + c.len_utf8()];
        }
    }
    ""
}

pub(crate) fn find(text: &str, out: &mut Vec<Hit>) {
    let mut taken = 0;
    for c in START.captures_iter(text) {
        let m = c.get(0).expect("match");
        if m.start() < taken {
            continue;
        }
        let (start, from_label) = if let Some(l) = c.name("label") {
            (l.end(), true)
        } else if let Some(city) = c.name("city") {
            // `或广州市`, `册于上海市`: start at the place name inside.
            match NAME.find(city.as_str()) {
                Some(n) => (city.start() + n.start(), false),
                None => (city.start(), false),
            }
        } else {
            (m.start(), false)
        };
        let len = body_len(text, start);
        let addr = trim_to_unit(&text[start..start + len]);
        let mut value: String = addr.split_whitespace().collect();
        // `中国广东省…` and `广东省…` are one address; `中国（上海）自由贸易
        // 试验区` is a name and keeps its `中国`.
        if let Some(rest) = value.strip_prefix("中国")
            && NAME.find(rest).is_some_and(|n| n.start() == 0)
        {
            value = rest.to_string();
        }
        let chars = value.chars().count();
        if chars < 8 || NOT_IN_ADDRESS.iter().any(|w| value.contains(w)) {
            continue;
        }
        // The street or building must come after the region name.
        let region = m.end().saturating_sub(start).min(addr.len());
        let tail = addr.get(region..).unwrap_or(addr);
        if !PREMISES.is_match(tail) {
            continue;
        }
        // After a bare label, ask for a number too: `地址簿`, `地点信息`.
        if from_label && !value.chars().any(|c| c.is_ascii_digit()) {
            continue;
        }
        out.push(Hit::new(Kind::Address, start, start + addr.len(), value));
        taken = start + addr.len();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addrs(t: &str) -> Vec<String> {
        let mut v = Vec::new();
        find(t, &mut v);
        for h in &v {
            // Offsets slice back to the text the value was read from.
            let raw: String = t[h.start..h.end].split_whitespace().collect();
            assert!(raw.ends_with(&h.value), "{raw} / {}", h.value);
        }
        v.into_iter().map(|h| h.value).collect()
    }

    #[test]
    fn addresses_with_numbers() {
        assert_eq!(
            addrs("联系地址：浙江省杭州市西湖区文三路88号青鸟大厦12层，邮编：310012"),
            ["浙江省杭州市西湖区文三路88号青鸟大厦12层"]
        );
        assert_eq!(
            addrs("地址：深圳市南山区科技园南路18号蓝鲸大厦5楼"),
            ["深圳市南山区科技园南路18号蓝鲸大厦5楼"]
        );
        assert_eq!(
            addrs("北京市海淀区中关村大街1号"),
            ["北京市海淀区中关村大街1号"]
        );
        assert_eq!(
            addrs("注册地址为中国（上海）自由贸易试验区银城中路501号。"),
            ["中国（上海）自由贸易试验区银城中路501号"]
        );
        assert_eq!(
            addrs("上海市静安区万荣路1256、1258号1101室，以下简称“我们”"),
            ["上海市静安区万荣路1256、1258号1101室"]
        );
    }

    #[test]
    fn room_numbers_after_a_unit_and_spaced_numbers() {
        // A phone and a licence number after a blank are not part of it.
        assert_eq!(
            addrs("地址：北京市东城区示例路12号示例濠庭东座602号 010-64478667 京ICP备12021371号-2"),
            ["北京市东城区示例路12号示例濠庭东座602号"]
        );
        assert_eq!(
            addrs("办公地址：山东省青岛市崂山区石岭路39号名汇国际2号楼2301"),
            ["山东省青岛市崂山区石岭路39号名汇国际2号楼2301"]
        );
        assert_eq!(
            addrs("地址：北京市朝阳区东三环中路 39 号建外SOHO23号楼(南办公楼)20层2307"),
            ["北京市朝阳区东三环中路39号建外SOHO23号楼(南办公楼)20层2307"]
        );
        assert_eq!(
            addrs("地址：中国广东省广州市海珠区赤岗北路瑞福大厦7楼716-718"),
            ["广东省广州市海珠区赤岗北路瑞福大厦7楼716-718"]
        );
        // 0740: a room after a floor in Chinese numerals, then a blank and
        // the next label.
        assert_eq!(
            addrs("地址：北京市海淀区示例南大街52号3号楼七层716    客服邮箱：a@b.cn"),
            ["北京市海淀区示例南大街52号3号楼七层716"]
        );
        // Digits glued to a word after the unit are not a room.
        assert_eq!(
            addrs("地址：北京市海淀区示例路1号2019年起迁址"),
            ["北京市海淀区示例路1号"]
        );
    }

    #[test]
    fn addresses_without_a_house_number() {
        assert_eq!(
            addrs("地址：中国广东省深圳市南山区科技中一路腾讯大厦 法务部 数据及隐私保护中心（收）"),
            ["广东省深圳市南山区科技中一路腾讯大厦"]
        );
        assert_eq!(
            addrs("通信地址：深圳市南山区粤海街道大冲商务中心D栋1002室"),
            ["深圳市南山区粤海街道大冲商务中心D栋1002室"]
        );
        assert_eq!(
            addrs("地址：苏州工业园区金鸡湖大道1355号国际科技园151单元"),
            ["苏州工业园区金鸡湖大道1355号国际科技园151单元"]
        );
        assert_eq!(
            addrs(
                "北京市海淀区东北旺西路中关村软件园二期（西扩）N-1、N-2地块新浪总部科研楼3层313-316室"
            ),
            [
                "北京市海淀区东北旺西路中关村软件园二期（西扩）N-1、N-2地块新浪总部科研楼3层313-316室"
            ]
        );
    }

    #[test]
    fn companies_regions_and_data_types_are_not_addresses() {
        assert_eq!(
            addrs("广州市趣丸网络科技有限公司的地址位于广州市天河区黄埔大道西122号"),
            ["广州市天河区黄埔大道西122号"]
        );
        assert!(addrs("我们位于北京，欢迎来访。").is_empty());
        assert!(addrs("我们会收集您的IP地址、通讯地址、收货地址信息。").is_empty());
        assert!(addrs("争议由上海市宝山区人民法院管辖。").is_empty());
        assert!(addrs("我们将您的信息存储于中华人民共和国境内的服务器。").is_empty());
        assert!(addrs("推荐您所在城市广州市的本地相关信息").is_empty());
        assert!(addrs("北京市道路交通指数信息查询和北京市地铁站点和换乘线路").is_empty());
        assert!(addrs("京ICP备12345678号 北京市公安局朝阳分局备案编号").is_empty());
        assert!(addrs("注册北京公交APP账号").is_empty());
        assert!(addrs("上海易班发展中心").is_empty());
    }

    #[test]
    fn postcodes_and_company_notes_stay_out() {
        assert_eq!(
            addrs("地址：上海市浦东新区金港路199弄2号 201206"),
            ["上海市浦东新区金港路199弄2号"]
        );
        assert_eq!(
            addrs(
                "注册地址为深圳市前海深港合作区前湾一路1号A栋201室（入驻深圳市前海商务秘书有限公司）"
            ),
            ["深圳市前海深港合作区前湾一路1号A栋201室"]
        );
        assert_eq!(
            addrs("天津市武清区黄花店镇政府南路129号"),
            ["天津市武清区黄花店镇政府南路129号"]
        );
        assert_eq!(
            addrs("地址：中国辽宁省沈阳市浑南新区新隆街6号"),
            ["辽宁省沈阳市浑南新区新隆街6号"]
        );
    }
}
