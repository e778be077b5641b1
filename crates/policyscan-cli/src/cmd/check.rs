//! `policyscan check OUT_DIR`: the PIPL checklist of a finished output,
//! computed again from its segments, entities and policies with today's
//! rules — so outputs written before a rule changed can be checked anew
//! without scanning again.

use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::Args;
use policyscan::check::{PolicyFacts, check, counts};
use policyscan::table::read::policy_rows;
use policyscan::table::{OutFormat, Rows, Table, TableWriter};

/// Policies whose checklist rows are written together (memory bound).
const POLICIES_PER_WRITE: usize = 256;

/// Flags of `policyscan check`.
#[derive(Args)]
pub struct CheckArgs {
    /// Output folder of `policyscan scan` (its Parquet tables).
    out_dir: PathBuf,
    /// Folder for the `checklist` table. Default: OUT_DIR.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Table format.
    #[arg(long, value_enum, default_value = "parquet")]
    format: super::Format,
}

pub fn run(a: CheckArgs) -> Result<()> {
    let format: OutFormat = a.format.into();
    let dest_dir = a.out.clone().unwrap_or_else(|| a.out_dir.clone());
    std::fs::create_dir_all(&dest_dir)
        .with_context(|| format!("cannot create {}", dest_dir.display()))?;
    let dest = dest_dir.join(format!("checklist.{}", format.ext()));
    let tmp = dest_dir.join(format!(".checklist.{}.tmp", format.ext()));
    let mut w = TableWriter::create(&tmp, Table::Checklist, format)
        .with_context(|| format!("cannot write {}", tmp.display()))?;
    let (mut policies, mut present, mut applicable) = (0usize, 0u64, 0u64);
    let mut rows = Rows::default();
    for p in policy_rows(&a.out_dir)? {
        let p = p?;
        let items = check(&PolicyFacts {
            policy: &p.policy,
            segments: &p.segments,
            entities: &p.entities,
        });
        let (n, of) = counts(&items);
        (present, applicable) = (present + n as u64, applicable + of as u64);
        policies += 1;
        rows.checklist.extend(items);
        if policies.is_multiple_of(POLICIES_PER_WRITE) {
            w.write(&mut rows.checklist_frame()?)?;
            rows.checklist.clear();
        }
    }
    w.write(&mut rows.checklist_frame()?)?;
    w.finish()?;
    std::fs::rename(&tmp, &dest).with_context(|| format!("cannot write {}", dest.display()))?;
    let mean = |x: u64| x as f64 / policies.max(1) as f64;
    eprintln!(
        "policyscan: checklist of {policies} policies ({:.1} of {:.1} applicable items present on average) in {}",
        mean(present),
        mean(applicable),
        dest.display()
    );
    Ok(())
}
