//! `policyscan report`: the tables of a finished scan as HTML — an overview
//! file and a folder of policy pages beside it (see `docs/report.md`). The
//! writing lives in `crate::report`; this file is flags and messages.

use std::path::PathBuf;

use anyhow::{Result, bail};
use clap::Args;

use crate::report::write_report;

/// Flags of `policyscan report`.
#[derive(Args)]
pub struct ReportArgs {
    /// Output folder of `policyscan scan` (Parquet tables, the default format).
    out_dir: PathBuf,
    /// Where to write the overview; policy pages go to the folder beside it
    /// (`report.html` → `report_files/`). Default: OUT_DIR/report.html.
    #[arg(long)]
    html: Option<PathBuf>,
}

pub fn run(a: ReportArgs) -> Result<()> {
    let dir = &a.out_dir;
    if !dir.is_dir() {
        bail!(
            "{}: no such folder (give the --out folder of `policyscan scan`)",
            dir.display()
        );
    }
    if !dir.join("policies.parquet").is_file() {
        let other = ["csv", "jsonl"]
            .into_iter()
            .find(|ext| dir.join(format!("policies.{ext}")).is_file());
        match other {
            Some(ext) => bail!(
                "{}: the tables are .{ext}; `report` reads only Parquet tables (scan again without --format, or with --format parquet)",
                dir.display()
            ),
            None => bail!(
                "{}: no policyscan tables here (expected policies.parquet; run `policyscan scan … --out {}` first)",
                dir.display(),
                dir.display()
            ),
        }
    }
    let html = a.html.unwrap_or_else(|| dir.join("report.html"));
    let w = write_report(dir, &html)?;
    eprintln!(
        "wrote {} (overview of {} policies, {} errors) and {} policy pages in {}",
        w.html.display(),
        w.pages,
        w.errors,
        w.pages,
        w.folder.display()
    );
    Ok(())
}
