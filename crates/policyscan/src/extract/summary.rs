//! The per-policy summary: [`summarize`] folds a policy's entities into the
//! field columns of the `policies` table ([`Summary`]) — one value or list
//! per field, deduplicated, with conflicting statements resolved (the
//! newest date, the smallest reply deadline, an explicit "will not transfer
//! abroad" over a conditional transfer, a full legal name over its short
//! forms).
//!
//! Apart from the extractors because it reads whole policies, not segments:
//! it runs once per policy after every segment is extracted.

use serde::Serialize;

use super::{Entity, Kind, company};

/// Per-policy summary: the field columns of the `policies` table. Lists are
/// deduplicated in order of first appearance.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Summary {
    pub controller: Vec<String>,
    pub phones: Vec<String>,
    pub emails: Vec<String>,
    pub addresses: Vec<String>,
    pub data_types: Vec<String>,
    pub data_categories: Vec<String>,
    /// Smallest stated retention bound, in days.
    pub retention_days_min: Option<i32>,
    /// Largest stated retention bound, in days.
    pub retention_days_max: Option<i32>,
    /// Some retention statement gives no number ("the shortest time needed").
    pub retention_qualitative: bool,
    pub response_days: Option<i32>,
    pub minor_age: Vec<i32>,
    pub court: Vec<String>,
    pub arbitration: Vec<String>,
    /// `None` when the policy is silent.
    pub stored_in_china: Option<bool>,
    /// `None` when silent; `Some(false)` when it says PI will not leave China.
    pub transfers_abroad: Option<bool>,
    /// Latest update / effective date (ISO when parseable).
    pub updated: Option<String>,
}

fn push_unique(v: &mut Vec<String>, s: &str) {
    if !v.iter().any(|x| x == s) {
        v.push(s.to_string());
    }
}

/// Fold a policy's entities (in document order) into its summary.
pub fn summarize<'a>(entities: impl IntoIterator<Item = &'a Entity>) -> Summary {
    let mut s = Summary::default();
    let mut china_yes = false;
    let mut china_no = false;
    let mut abroad_yes = false;
    let mut abroad_no = false;
    for e in entities {
        match e.kind {
            Kind::Controller => push_unique(&mut s.controller, &e.value),
            Kind::Phone => push_unique(&mut s.phones, &e.value),
            Kind::Email => push_unique(&mut s.emails, &e.value),
            Kind::Address => push_unique(&mut s.addresses, &e.value),
            Kind::DataType => {
                // Generic mentions ("个人信息") say nothing about *which* data.
                if e.category.as_deref() != Some("generic") {
                    push_unique(&mut s.data_types, &e.value);
                    if let Some(c) = &e.category {
                        push_unique(&mut s.data_categories, c);
                    }
                }
            }
            Kind::Retention => {
                if e.days_min.is_none() && e.days_max.is_none() {
                    s.retention_qualitative = true;
                }
                for d in [e.days_min, e.days_max].into_iter().flatten() {
                    s.retention_days_min = Some(s.retention_days_min.map_or(d, |m| m.min(d)));
                    s.retention_days_max = Some(s.retention_days_max.map_or(d, |m| m.max(d)));
                }
            }
            Kind::ResponseTime => {
                if let Some(d) = e.days_max.or(e.days_min) {
                    s.response_days = Some(s.response_days.map_or(d, |m| m.min(d)));
                }
            }
            Kind::MinorAge => {
                if let Ok(a) = e.value.parse::<i32>()
                    && !s.minor_age.contains(&a)
                {
                    s.minor_age.push(a);
                }
            }
            Kind::Court => push_unique(&mut s.court, &e.value),
            Kind::Arbitration => push_unique(&mut s.arbitration, &e.value),
            Kind::StorageLocation => match e.value.as_str() {
                "china" => china_yes = true,
                "abroad" => china_no = true,
                _ => {}
            },
            Kind::CrossBorder => {
                if e.value.starts_with("yes") {
                    abroad_yes = true;
                } else if e.value == "no" {
                    abroad_no = true;
                }
            }
            Kind::Date => {
                let newer = match &s.updated {
                    None => true,
                    Some(u) => e.value.as_str() > u.as_str(),
                };
                if newer {
                    s.updated = Some(e.value.clone());
                }
            }
            // Mentions are phrases, not canonical types: the summary's
            // `data_types` comes from the lexicon rows.
            Kind::Url | Kind::Postcode | Kind::DataMention => {}
        }
    }
    s.minor_age.sort_unstable();
    // A full legal name (…有限公司, …Ltd.) makes its short forms redundant
    // (`绵阳示例科技公司`, `虎牙公司` beside `广州虎牙信息科技有限公司`,
    // `中国移动通信集团` beside `中国移动通信集团安徽有限公司`), and English
    // names without one of those forms; another group (`武汉地铁集团` beside
    // `武汉智慧地铁科技有限公司`) or an operator of another kind (a centre, a
    // bank, a studio, a person) stays.
    let legal = |c: &String| {
        [
            "有限公司",
            "有限责任公司",
            "Ltd.",
            "Inc.",
            "LLC",
            "Limited",
            "GmbH",
            "Oy",
            "Corporation",
        ]
        .iter()
        .any(|x| c.ends_with(x))
    };
    let legal_names: Vec<String> = s.controller.iter().filter(|c| legal(c)).cloned().collect();
    if !legal_names.is_empty() {
        s.controller.retain(|c| {
            legal(c) || (!c.is_ascii() && !legal_names.iter().any(|l| company::short_form_of(c, l)))
        });
    }
    let all = s.controller.clone();
    s.controller
        .retain(|c| !all.iter().any(|o| company::redundant(c, o)));
    s.stored_in_china = if china_yes {
        Some(true)
    } else if china_no {
        Some(false)
    } else {
        None
    };
    // An explicit "will not transfer abroad" outweighs a conditional
    // "if a transfer is needed we will ask you first".
    s.transfers_abroad = if abroad_no {
        Some(false)
    } else if abroad_yes {
        Some(true)
    } else if s.stored_in_china == Some(true) {
        // Stored in China and at most a conditional transfer.
        Some(false)
    } else {
        None
    };
    s
}
