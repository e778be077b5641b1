//! What the overview needs of the whole corpus, gathered while the policy
//! pages are written: counts, and one small row per policy. Nothing here
//! keeps a segment or an entity, so the overview of a 100,000-policy output
//! costs a few megabytes however long the policies are.

use std::collections::HashMap;

use policyscan::check::{ITEMS, Status};
use policyscan::labels::N_LABELS;
use policyscan::table::read::PolicyRows;

/// Retention histogram bins (`retention_days_max`), log-ish.
pub const RETENTION_BINS: [&str; 8] = [
    "≤ 30 days",
    "≤ 90 days",
    "≤ 180 days",
    "≤ 1 year",
    "≤ 3 years",
    "> 3 years",
    "qualitative only",
    "none",
];

/// Reply-deadline histogram bins (`response_days`).
pub const RESPONSE_BINS: [&str; 5] = ["≤ 7 days", "≤ 15 days", "≤ 30 days", "> 30 days", "none"];

/// The flags of the policy table, one bit each in [`PolicyLine::flags`], in
/// bit order. The overview's script reads the names from the embedded data.
pub const FLAGS: [&str; 6] = [
    "transfers abroad",
    "silent on storage and transfer",
    "no operator named",
    "no contact",
    "missing retention",
    "no reply deadline",
];

/// One checklist item's counts, by [`Status::ALL`] order.
pub struct ItemTally {
    pub id: String,
    pub title: String,
    /// Empty for an item this binary does not know.
    pub title_zh: String,
    pub law: String,
    pub counts: [u64; 4],
}

/// The overview's row for one policy.
pub struct PolicyLine {
    pub id: String,
    /// `summary.controller`, joined with `；`.
    pub operator: String,
    pub present: u32,
    pub applicable: u32,
    pub missing: u32,
    pub segments: u32,
    /// Bits of [`FLAGS`].
    pub flags: u32,
}

/// Counts over every policy read so far.
pub struct Tally {
    pub policies: u64,
    pub segments: u64,
    pub entities: u64,
    pub chars: u64,
    pub items: Vec<ItemTally>,
    item_index: HashMap<String, usize>,
    /// Policies with at least one segment of each label.
    pub labels: [u64; N_LABELS],
    pub retention: [u64; RETENTION_BINS.len()],
    pub response: [u64; RESPONSE_BINS.len()],
    /// `transfers_abroad`: yes, no, silent.
    pub abroad: [u64; 3],
    /// `stored_in_china`: yes, no, silent.
    pub china: [u64; 3],
    /// Policies stating a minors' age; with 14; with 18; with another age.
    pub minors: [u64; 4],
    /// Policies listing each data type / data category.
    pub data_types: HashMap<String, u64>,
    pub categories: HashMap<String, u64>,
    pub lines: Vec<PolicyLine>,
}

impl Default for Tally {
    fn default() -> Self {
        let items: Vec<ItemTally> = ITEMS
            .iter()
            .map(|i| ItemTally {
                id: i.id.to_string(),
                title: i.title.to_string(),
                title_zh: i.title_zh.to_string(),
                law: i.law.to_string(),
                counts: [0; 4],
            })
            .collect();
        let item_index = items
            .iter()
            .enumerate()
            .map(|(n, i)| (i.id.clone(), n))
            .collect();
        Self {
            policies: 0,
            segments: 0,
            entities: 0,
            chars: 0,
            items,
            item_index,
            labels: [0; N_LABELS],
            retention: [0; RETENTION_BINS.len()],
            response: [0; RESPONSE_BINS.len()],
            abroad: [0; 3],
            china: [0; 3],
            minors: [0; 4],
            data_types: HashMap::new(),
            categories: HashMap::new(),
            lines: Vec::new(),
        }
    }
}

/// Index of a status in [`Status::ALL`].
pub fn status_index(s: Status) -> usize {
    Status::ALL.iter().position(|x| *x == s).unwrap_or(0)
}

/// The retention bin of a policy.
pub fn retention_bin(max_days: Option<i32>, qualitative: bool) -> usize {
    match max_days {
        Some(d) if d <= 30 => 0,
        Some(d) if d <= 90 => 1,
        Some(d) if d <= 180 => 2,
        Some(d) if d <= 365 => 3,
        Some(d) if d <= 3 * 365 => 4,
        Some(_) => 5,
        None if qualitative => 6,
        None => 7,
    }
}

/// The reply-deadline bin of a policy.
pub fn response_bin(days: Option<i32>) -> usize {
    match days {
        Some(d) if d <= 7 => 0,
        Some(d) if d <= 15 => 1,
        Some(d) if d <= 30 => 2,
        Some(_) => 3,
        None => 4,
    }
}

fn tri(v: Option<bool>) -> usize {
    match v {
        Some(true) => 0,
        Some(false) => 1,
        None => 2,
    }
}

impl Tally {
    /// Count one policy.
    pub fn add(&mut self, p: &PolicyRows) {
        let s = &p.policy.summary;
        self.policies += 1;
        self.segments += p.segments.len() as u64;
        self.entities += p.entities.len() as u64;
        self.chars += u64::from(p.policy.chars);
        let mut missing = 0;
        for row in &p.checklist {
            let n = match self.item_index.get(&row.item) {
                Some(&n) => n,
                None => {
                    // An item this binary does not know (tables from a newer
                    // scan): listed after the known ones, titled by its id.
                    self.items.push(ItemTally {
                        id: row.item.clone(),
                        title: row.item.clone(),
                        title_zh: String::new(),
                        law: row.law.clone(),
                        counts: [0; 4],
                    });
                    self.item_index
                        .insert(row.item.clone(), self.items.len() - 1);
                    self.items.len() - 1
                }
            };
            self.items[n].counts[status_index(row.status)] += 1;
            missing += u32::from(row.status == Status::Missing);
        }
        for (c, n) in self.labels.iter_mut().zip(p.policy.n_labels) {
            *c += u64::from(n > 0);
        }
        self.retention[retention_bin(s.retention_days_max, s.retention_qualitative)] += 1;
        self.response[response_bin(s.response_days)] += 1;
        self.abroad[tri(s.transfers_abroad)] += 1;
        self.china[tri(s.stored_in_china)] += 1;
        if !s.minor_age.is_empty() {
            self.minors[0] += 1;
            self.minors[1] += u64::from(s.minor_age.contains(&14));
            self.minors[2] += u64::from(s.minor_age.contains(&18));
            self.minors[3] += u64::from(s.minor_age.iter().any(|a| *a != 14 && *a != 18));
        }
        for t in &s.data_types {
            *self.data_types.entry(t.clone()).or_default() += 1;
        }
        for c in &s.data_categories {
            *self.categories.entry(c.clone()).or_default() += 1;
        }
        self.lines.push(PolicyLine {
            id: p.policy.policy_id.clone(),
            operator: s.controller.join("；"),
            present: p.policy.checklist_present,
            applicable: p.policy.checklist_applicable,
            missing,
            segments: p.policy.segments,
            flags: flags(p),
        });
    }

    /// Items by how many policies miss them, most first (ties in list
    /// order); items no policy misses are left out.
    pub fn most_missing(&self, n: usize) -> Vec<&ItemTally> {
        let missing = status_index(Status::Missing);
        let mut v: Vec<&ItemTally> = self
            .items
            .iter()
            .filter(|i| i.counts[missing] > 0)
            .collect();
        v.sort_by(|a, b| b.counts[missing].cmp(&a.counts[missing]));
        v.truncate(n);
        v
    }
}

/// The `n` most frequent keys, most first, ties by name.
pub fn top(counts: &HashMap<String, u64>, n: usize) -> Vec<(&str, u64)> {
    let mut v: Vec<(&str, u64)> = counts.iter().map(|(k, c)| (k.as_str(), *c)).collect();
    v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    v.truncate(n);
    v
}

/// The [`FLAGS`] bits of a policy.
fn flags(p: &PolicyRows) -> u32 {
    let s = &p.policy.summary;
    let set = [
        s.transfers_abroad == Some(true),
        s.transfers_abroad.is_none() && s.stored_in_china.is_none(),
        s.controller.is_empty(),
        s.phones.is_empty() && s.emails.is_empty() && s.addresses.is_empty(),
        s.retention_days_max.is_none()
            && s.retention_days_min.is_none()
            && !s.retention_qualitative,
        s.response_days.is_none(),
    ];
    set.iter()
        .enumerate()
        .fold(0, |acc, (i, on)| acc | (u32::from(*on) << i))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bins_follow_the_documented_bounds() {
        let r = |d| retention_bin(Some(d), false);
        assert_eq!(
            [r(30), r(31), r(90), r(180), r(365), r(1095), r(1096)],
            [0, 1, 1, 2, 3, 4, 5]
        );
        assert_eq!(retention_bin(None, true), 6);
        assert_eq!(retention_bin(None, false), 7);
        let q = |d| response_bin(Some(d));
        assert_eq!([q(7), q(8), q(15), q(30), q(31)], [0, 1, 1, 2, 3]);
        assert_eq!(response_bin(None), 4);
    }
}
