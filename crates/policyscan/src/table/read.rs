//! Reading a finished output folder back, policy by policy.
//!
//! `policyscan check` and `policyscan report` work from tables written
//! earlier (old runs can be checked again with today's rules), and an output
//! may hold millions of segment rows. Every table is sorted by `policy_id`,
//! so the reader walks them side by side in slices of [`SLICE`] rows: memory
//! holds one slice per table plus the policy being built, whatever the
//! corpus size. Only Parquet keeps the types exactly, so only Parquet output
//! is read.

use std::collections::VecDeque;
use std::fs::File;
use std::path::{Path, PathBuf};

use polars::prelude::*;

use super::{ChecklistRow, EntityRow, ErrorRow, PolicyRow, SegmentRow, Status, Table};
use crate::check::{PolicyFacts, check, counts};
use crate::extract::Summary;
use crate::labels::{LABELS, N_LABELS};
use crate::stage::Stage;

/// Rows read from a table at a time.
pub const SLICE: usize = 4096;

/// Why an output folder cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// The folder holds no `policies.parquet`.
    #[error(
        "{0}: no policyscan output here (expected policies.parquet; `check` and `report` read the Parquet tables of `policyscan scan`)"
    )]
    NotAnOutput(PathBuf),
    /// A table is unreadable or does not have the contract's columns.
    #[error("{path}: {reason}")]
    Table { path: PathBuf, reason: String },
}

/// All rows of one policy.
#[derive(Debug, Clone, PartialEq)]
pub struct PolicyRows {
    pub policy: PolicyRow,
    pub segments: Vec<SegmentRow>,
    pub entities: Vec<EntityRow>,
    pub checklist: Vec<ChecklistRow>,
}

fn table_path(dir: &Path, t: Table) -> PathBuf {
    dir.join(format!("{}.parquet", t.name()))
}

fn bad(path: &Path) -> impl Fn(PolarsError) -> ReadError + '_ {
    move |e| ReadError::Table {
        path: path.to_path_buf(),
        reason: e.to_string(),
    }
}

/// One table read slice by slice, rows converted as they come.
struct Slices<R> {
    path: PathBuf,
    rows: usize,
    next: usize,
    buf: VecDeque<R>,
    convert: fn(&DataFrame) -> PolarsResult<Vec<R>>,
}

impl<R: HasPolicy> Slices<R> {
    fn open(
        path: PathBuf,
        convert: fn(&DataFrame) -> PolarsResult<Vec<R>>,
    ) -> Result<Self, ReadError> {
        let f = File::open(&path).map_err(|e| ReadError::Table {
            path: path.clone(),
            reason: e.to_string(),
        })?;
        let rows = ParquetReader::new(f).num_rows().map_err(bad(&path))?;
        Ok(Self {
            path,
            rows,
            next: 0,
            buf: VecDeque::new(),
            convert,
        })
    }

    fn fill(&mut self) -> Result<bool, ReadError> {
        if self.next >= self.rows {
            return Ok(false);
        }
        let f = File::open(&self.path).map_err(|e| ReadError::Table {
            path: self.path.clone(),
            reason: e.to_string(),
        })?;
        let df = ParquetReader::new(f)
            .with_slice(Some((self.next, SLICE)))
            .finish()
            .map_err(bad(&self.path))?;
        self.next += SLICE;
        self.buf
            .extend((self.convert)(&df).map_err(bad(&self.path))?);
        Ok(true)
    }

    /// The next row, if any.
    fn pop(&mut self) -> Result<Option<R>, ReadError> {
        if self.buf.is_empty() && !self.fill()? {
            return Ok(None);
        }
        Ok(self.buf.pop_front())
    }

    /// The rows of policy `id`, skipping rows of ids before it (tables are
    /// sorted by policy id).
    fn take(&mut self, id: &str) -> Result<Vec<R>, ReadError> {
        let mut out = Vec::new();
        loop {
            if self.buf.is_empty() && !self.fill()? {
                return Ok(out);
            }
            match self.buf.front().map(|r| r.policy_id().cmp(id)) {
                Some(std::cmp::Ordering::Less) => {
                    self.buf.pop_front();
                }
                Some(std::cmp::Ordering::Equal) => out.extend(self.buf.pop_front()),
                _ => return Ok(out),
            }
        }
    }
}

trait HasPolicy {
    fn policy_id(&self) -> &str;
}

impl HasPolicy for PolicyRow {
    fn policy_id(&self) -> &str {
        &self.policy_id
    }
}
impl HasPolicy for SegmentRow {
    fn policy_id(&self) -> &str {
        &self.policy_id
    }
}
impl HasPolicy for EntityRow {
    fn policy_id(&self) -> &str {
        &self.policy_id
    }
}
impl HasPolicy for ChecklistRow {
    fn policy_id(&self) -> &str {
        &self.policy_id
    }
}

/// Streams an output folder policy by policy, in `policy_id` order. When
/// the folder has no `checklist.parquet` (written before the checklist
/// existed), the checklist is computed from the other tables on the way.
pub struct PolicyStream {
    policies: Slices<PolicyRow>,
    segments: Slices<SegmentRow>,
    entities: Slices<EntityRow>,
    checklist: Option<Slices<ChecklistRow>>,
}

/// Open `dir` (an output folder of `policyscan scan`) for streaming.
pub fn policy_rows(dir: &Path) -> Result<PolicyStream, ReadError> {
    let policies = table_path(dir, Table::Policies);
    if !policies.is_file() {
        return Err(ReadError::NotAnOutput(dir.to_path_buf()));
    }
    let checklist = table_path(dir, Table::Checklist);
    Ok(PolicyStream {
        policies: Slices::open(policies, policies_of)?,
        segments: Slices::open(table_path(dir, Table::Segments), segments_of)?,
        entities: Slices::open(table_path(dir, Table::Entities), entities_of)?,
        checklist: if checklist.is_file() {
            Some(Slices::open(checklist, checklist_of)?)
        } else {
            None
        },
    })
}

impl PolicyStream {
    fn next_policy(&mut self) -> Result<Option<PolicyRows>, ReadError> {
        let Some(mut policy) = self.policies.pop()? else {
            return Ok(None);
        };
        let segments = self.segments.take(&policy.policy_id)?;
        let entities = self.entities.take(&policy.policy_id)?;
        let checklist = match &mut self.checklist {
            Some(c) => c.take(&policy.policy_id)?,
            None => {
                let rows = check(&PolicyFacts {
                    policy: &policy,
                    segments: &segments,
                    entities: &entities,
                });
                (policy.checklist_present, policy.checklist_applicable) = counts(&rows);
                rows
            }
        };
        Ok(Some(PolicyRows {
            policy,
            segments,
            entities,
            checklist,
        }))
    }
}

impl Iterator for PolicyStream {
    type Item = Result<PolicyRows, ReadError>;

    fn next(&mut self) -> Option<Self::Item> {
        self.next_policy().transpose()
    }
}

/// The whole `errors` table (one row per failed input: small).
pub fn read_errors(dir: &Path) -> Result<Vec<ErrorRow>, ReadError> {
    let path = table_path(dir, Table::Errors);
    if !path.is_file() {
        return Err(ReadError::NotAnOutput(dir.to_path_buf()));
    }
    let df = super::read_parquet(&path).map_err(bad(&path))?;
    errors_of(&df).map_err(bad(&path))
}

// Column readers. A missing column is an error naming it, except the
// checklist counts of `policies`, which outputs written before the checklist
// lack (they are then computed).

fn strs(df: &DataFrame, name: &str) -> PolarsResult<Vec<String>> {
    Ok(df
        .column(name)?
        .str()?
        .iter()
        .map(|v| v.unwrap_or_default().to_string())
        .collect())
}

fn opt_strs(df: &DataFrame, name: &str) -> PolarsResult<Vec<Option<String>>> {
    Ok(df
        .column(name)?
        .str()?
        .iter()
        .map(|v| v.map(str::to_string))
        .collect())
}

fn u32s(df: &DataFrame, name: &str) -> PolarsResult<Vec<u32>> {
    Ok(df
        .column(name)?
        .u32()?
        .iter()
        .map(|v| v.unwrap_or_default())
        .collect())
}

fn opt_i32s(df: &DataFrame, name: &str) -> PolarsResult<Vec<Option<i32>>> {
    Ok(df.column(name)?.i32()?.iter().collect())
}

fn opt_bools(df: &DataFrame, name: &str) -> PolarsResult<Vec<Option<bool>>> {
    Ok(df.column(name)?.bool()?.iter().collect())
}

fn f32s(df: &DataFrame, name: &str) -> PolarsResult<Vec<f32>> {
    Ok(df
        .column(name)?
        .f32()?
        .iter()
        .map(|v| v.unwrap_or_default())
        .collect())
}

/// A list column, each list converted with `inner`.
fn lists<T>(
    df: &DataFrame,
    name: &str,
    inner: impl Fn(&Series) -> PolarsResult<Vec<T>>,
) -> PolarsResult<Vec<Vec<T>>> {
    let ca = df.column(name)?.list()?;
    (0..ca.len())
        .map(|i| ca.get_as_series(i))
        .map(|v| v.map_or_else(|| Ok(Vec::new()), |s| inner(&s)))
        .collect()
}

fn str_list(s: &Series) -> PolarsResult<Vec<String>> {
    Ok(s.str()?.iter().flatten().map(str::to_string).collect())
}

fn i32_list(s: &Series) -> PolarsResult<Vec<i32>> {
    Ok(s.i32()?.iter().flatten().collect())
}

fn u32_list(s: &Series) -> PolarsResult<Vec<u32>> {
    Ok(s.u32()?.iter().flatten().collect())
}

fn segments_of(df: &DataFrame) -> PolarsResult<Vec<SegmentRow>> {
    let ids = strs(df, "policy_id")?;
    let seg = u32s(df, "segment")?;
    let paths = lists(df, "heading_path", str_list)?;
    let text = strs(df, "text")?;
    let (cs, ce) = (u32s(df, "char_start")?, u32s(df, "char_end")?);
    let labels = lists(df, "labels", str_list)?;
    let scores: Vec<Vec<f32>> = LABELS
        .iter()
        .map(|l| f32s(df, &format!("score_{l}")))
        .collect::<PolarsResult<_>>()?;
    Ok((0..df.height())
        .map(|i| SegmentRow {
            policy_id: ids[i].clone(),
            segment: seg[i],
            heading_path: paths[i].clone(),
            text: text[i].clone(),
            char_start: cs[i],
            char_end: ce[i],
            labels: labels[i].clone(),
            scores: std::array::from_fn(|l| scores[l][i]),
        })
        .collect())
}

fn entities_of(df: &DataFrame) -> PolarsResult<Vec<EntityRow>> {
    let ids = strs(df, "policy_id")?;
    let seg = u32s(df, "segment")?;
    let (kind, text, value) = (strs(df, "kind")?, strs(df, "text")?, strs(df, "value")?);
    let category = opt_strs(df, "category")?;
    let (cs, ce) = (u32s(df, "char_start")?, u32s(df, "char_end")?);
    let (dmin, dmax) = (opt_i32s(df, "days_min")?, opt_i32s(df, "days_max")?);
    Ok((0..df.height())
        .map(|i| EntityRow {
            policy_id: ids[i].clone(),
            segment: seg[i],
            kind: kind[i].clone(),
            text: text[i].clone(),
            value: value[i].clone(),
            category: category[i].clone(),
            char_start: cs[i],
            char_end: ce[i],
            days_min: dmin[i],
            days_max: dmax[i],
        })
        .collect())
}

fn policies_of(df: &DataFrame) -> PolarsResult<Vec<PolicyRow>> {
    let s = |n: &str| strs(df, n);
    let l = |n: &str| lists(df, n, str_list);
    let (ids, path, sha, enc) = (s("policy_id")?, s("path")?, s("sha256")?, s("encoding")?);
    let (chars, segs) = (u32s(df, "chars")?, u32s(df, "segments")?);
    let n: Vec<Vec<u32>> = LABELS
        .iter()
        .map(|x| u32s(df, &format!("n_{x}")))
        .collect::<PolarsResult<_>>()?;
    let (controller, phones, emails) = (l("controller")?, l("phones")?, l("emails")?);
    let (addresses, types, cats) = (l("addresses")?, l("data_types")?, l("data_categories")?);
    let (rmin, rmax) = (
        opt_i32s(df, "retention_days_min")?,
        opt_i32s(df, "retention_days_max")?,
    );
    let rqual = opt_bools(df, "retention_qualitative")?;
    let response = opt_i32s(df, "response_days")?;
    let minor = lists(df, "minor_age", i32_list)?;
    let (court, arb) = (l("court")?, l("arbitration")?);
    let (china, abroad) = (
        opt_bools(df, "stored_in_china")?,
        opt_bools(df, "transfers_abroad")?,
    );
    let updated = opt_strs(df, "updated")?;
    let has_counts = df.column("checklist_present").is_ok();
    let (present, applicable) = if has_counts {
        (
            u32s(df, "checklist_present")?,
            u32s(df, "checklist_applicable")?,
        )
    } else {
        (vec![0; df.height()], vec![0; df.height()])
    };
    Ok((0..df.height())
        .map(|i| PolicyRow {
            policy_id: ids[i].clone(),
            path: path[i].clone(),
            sha256: sha[i].clone(),
            encoding: enc[i].clone(),
            chars: chars[i],
            segments: segs[i],
            n_labels: std::array::from_fn::<u32, N_LABELS, _>(|x| n[x][i]),
            summary: Summary {
                controller: controller[i].clone(),
                phones: phones[i].clone(),
                emails: emails[i].clone(),
                addresses: addresses[i].clone(),
                data_types: types[i].clone(),
                data_categories: cats[i].clone(),
                retention_days_min: rmin[i],
                retention_days_max: rmax[i],
                retention_qualitative: rqual[i].unwrap_or_default(),
                response_days: response[i],
                minor_age: minor[i].clone(),
                court: court[i].clone(),
                arbitration: arb[i].clone(),
                stored_in_china: china[i],
                transfers_abroad: abroad[i],
                updated: updated[i].clone(),
            },
            checklist_present: present[i],
            checklist_applicable: applicable[i],
        })
        .collect())
}

fn checklist_of(df: &DataFrame) -> PolarsResult<Vec<ChecklistRow>> {
    let (ids, item, law) = (strs(df, "policy_id")?, strs(df, "item")?, strs(df, "law")?);
    let status = strs(df, "status")?;
    let segs = lists(df, "evidence_segments", u32_list)?;
    let evidence = lists(df, "evidence", str_list)?;
    let reason = strs(df, "reason")?;
    (0..df.height())
        .map(|i| {
            let st = Status::ALL
                .into_iter()
                .find(|s| s.as_str() == status[i])
                .ok_or_else(|| {
                    PolarsError::ComputeError(format!("unknown status `{}`", status[i]).into())
                })?;
            Ok(ChecklistRow {
                policy_id: ids[i].clone(),
                item: item[i].clone(),
                law: law[i].clone(),
                status: st,
                evidence_segments: segs[i].clone(),
                evidence: evidence[i].clone(),
                reason: reason[i].clone(),
            })
        })
        .collect()
}

fn errors_of(df: &DataFrame) -> PolarsResult<Vec<ErrorRow>> {
    let (path, stage, error) = (strs(df, "path")?, strs(df, "stage")?, strs(df, "error")?);
    (0..df.height())
        .map(|i| {
            let st = Stage::ALL
                .into_iter()
                .find(|s| s.as_str() == stage[i])
                .ok_or_else(|| {
                    PolarsError::ComputeError(format!("unknown stage `{}`", stage[i]).into())
                })?;
            Ok(ErrorRow {
                path: path[i].clone(),
                stage: st,
                error: error[i].clone(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::table::{OutFormat, Rows, TableWriter};

    fn policy(id: &str) -> PolicyRow {
        PolicyRow {
            policy_id: id.into(),
            path: format!("in/{id}.txt"),
            sha256: "ab".into(),
            encoding: "utf-8".into(),
            chars: 10,
            segments: 2,
            n_labels: [1, 0, 0, 0, 0, 0],
            summary: Summary {
                controller: vec!["某某科技有限公司".into()],
                retention_days_max: Some(180),
                minor_age: vec![14],
                stored_in_china: Some(true),
                ..Default::default()
            },
            checklist_present: 0,
            checklist_applicable: 0,
        }
    }

    fn segment(id: &str, n: u32, text: &str) -> SegmentRow {
        SegmentRow {
            policy_id: id.into(),
            segment: n,
            heading_path: vec!["一、我们如何收集".into()],
            text: text.into(),
            char_start: 0,
            char_end: text.chars().count() as u32,
            labels: vec!["collection".into()],
            scores: [0.9, 0.1, 0.0, 0.0, 0.0, 0.0],
        }
    }

    /// Rows of `n` policies, checklist included, written as an output folder.
    fn write_output(dir: &Path, n: usize, with_checklist: bool) -> Vec<PolicyRows> {
        let mut rows = Rows::default();
        let mut expected = Vec::new();
        for i in 0..n {
            let id = format!("p{i:05}");
            let mut p = policy(&id);
            let segments = vec![
                segment(&id, 0, "我们收集您的手机号码，用于注册账号。"),
                segment(&id, 1, "如您不满14周岁，请在监护人陪同下阅读。"),
            ];
            let entities = vec![EntityRow {
                policy_id: id.clone(),
                segment: 0,
                kind: "data_type".into(),
                text: "手机号码".into(),
                value: "手机号码".into(),
                category: Some("contact".into()),
                char_start: 4,
                char_end: 8,
                days_min: None,
                days_max: None,
            }];
            let checklist = check(&PolicyFacts {
                policy: &p,
                segments: &segments,
                entities: &entities,
            });
            (p.checklist_present, p.checklist_applicable) = counts(&checklist);
            rows.policies.push(p.clone());
            rows.segments.extend(segments.clone());
            rows.entities.extend(entities.clone());
            rows.checklist.extend(checklist.clone());
            expected.push(PolicyRows {
                policy: p,
                segments,
                entities,
                checklist,
            });
        }
        for t in Table::ALL {
            if t == Table::Checklist && !with_checklist {
                continue;
            }
            let mut w = TableWriter::create(&table_path(dir, t), t, OutFormat::Parquet).unwrap();
            w.write(&mut rows.frame(t).unwrap()).unwrap();
            w.finish().unwrap();
        }
        expected
    }

    #[test]
    fn an_output_reads_back_policy_by_policy_across_slices() {
        let dir = tempfile::tempdir().unwrap();
        // More segment rows than one slice, so policies straddle slices.
        let n = SLICE + 7;
        let expected = write_output(dir.path(), n, true);
        let got: Vec<PolicyRows> = policy_rows(dir.path())
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(got.len(), n);
        assert_eq!(got, expected);
        assert!(read_errors(dir.path()).unwrap().is_empty());
    }

    #[test]
    fn an_output_without_checklist_gets_it_computed() {
        let dir = tempfile::tempdir().unwrap();
        let expected = write_output(dir.path(), 3, false);
        let got: Vec<PolicyRows> = policy_rows(dir.path())
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(got, expected);
        assert!(got[0].policy.checklist_applicable > 0);
    }

    #[test]
    fn a_folder_without_tables_is_named_in_the_error() {
        let dir = tempfile::tempdir().unwrap();
        let e = policy_rows(dir.path()).err().unwrap().to_string();
        assert!(
            e.contains(&dir.path().display().to_string()) && e.contains("policies.parquet"),
            "{e}"
        );
    }
}
