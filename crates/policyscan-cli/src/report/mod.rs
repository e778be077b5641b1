//! `policyscan report`: the scan's tables as HTML a regulator can read —
//! an overview of the corpus and one page per policy. Layout and reasons:
//! `docs/report.md`.
//!
//! Why this shape: an output may hold 100,000 policies and millions of
//! segments, so the report is written as the tables are read, policy by
//! policy ([`policyscan::table::read::policy_rows`]): each policy's page is
//! written as soon as its rows arrive and dropped, and the overview keeps
//! only counts and one short row per policy ([`tally`]). The overview is a
//! single self-contained file (inline CSS, script, SVG and data, nothing
//! fetched), so it can be archived or mailed with its `_files` folder and
//! opened offline years later.
//!
//! Files: [`tally`] gathers the corpus figures; [`svg`] draws the charts;
//! [`overview`] and [`page`] write the two kinds of page; [`escape`] keeps
//! untrusted policy text from becoming markup.

mod escape;
mod overview;
mod page;
mod svg;
mod tally;

use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use policyscan::check::{ITEMS, Status};
use policyscan::table::read::{PolicyRows, policy_rows, read_errors};

use tally::Tally;

/// The style sheet shared by the overview and the policy pages (inlined
/// into each, so every page stands alone).
pub(crate) const CSS: &str = include_str!("style.css");
/// The overview's script: the sortable, filterable, paged policy table.
pub(crate) const JS: &str = include_str!("overview.js");

/// Colours of the segment labels, in [`policyscan::labels::LABELS`] order.
pub(crate) const LABEL_COLOURS: [&str; 6] = [
    "#1f77b4", "#8c564b", "#ff7f0e", "#2ca02c", "#e377c2", "#9467bd",
];

/// Colour of each status, in [`Status::ALL`] order.
pub(crate) const STATUS_COLOURS: [&str; 4] = ["#2e7d32", "#f2a900", "#c62828", "#9e9e9e"];

/// What a report run wrote.
#[derive(Debug)]
pub struct Written {
    /// The overview file.
    pub html: PathBuf,
    /// The folder of policy pages beside it.
    pub folder: PathBuf,
    /// Policy pages written.
    pub pages: usize,
    /// Rows of the `errors` table.
    pub errors: usize,
}

/// The file name of policy `number` (1-based) in the pages folder.
pub(crate) fn page_name(number: usize) -> String {
    format!("p{number:06}.html")
}

/// The pages folder of an overview file: `report.html` → `report_files`.
pub fn files_folder(html: &Path) -> PathBuf {
    let stem = html
        .file_stem()
        .map_or_else(|| "report".into(), |s| s.to_string_lossy().into_owned());
    html.with_file_name(format!("{stem}_files"))
}

/// A status as a coloured badge.
pub(crate) fn status_badge(s: Status) -> String {
    let text = match s {
        Status::NotApplicable => "not applicable",
        s => s.as_str(),
    };
    format!(r#"<span class="badge b-{}">{text}</span>"#, s.as_str())
}

/// Item id → (Chinese title, English title), for the items this binary knows.
pub(crate) fn item_titles() -> HashMap<&'static str, (&'static str, &'static str)> {
    ITEMS
        .iter()
        .map(|i| (i.id, (i.title_zh, i.title)))
        .collect()
}

/// Remove the policy pages an earlier report left in `folder`
/// (`p<digits>.html` only), so a smaller corpus leaves no stale pages.
fn clear_old_pages(folder: &Path) -> Result<()> {
    for e in fs::read_dir(folder).with_context(|| format!("cannot list {}", folder.display()))? {
        let e = e?;
        let name = e.file_name();
        let name = name.to_string_lossy();
        let is_page = name
            .strip_prefix('p')
            .and_then(|r| r.strip_suffix(".html"))
            .is_some_and(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()));
        if is_page && e.file_type()?.is_file() {
            fs::remove_file(e.path())
                .with_context(|| format!("cannot remove {}", e.path().display()))?;
        }
    }
    Ok(())
}

/// Read the output folder `dir` and write the overview to `html` and the
/// policy pages to the folder beside it.
pub fn write_report(dir: &Path, html: &Path) -> Result<Written> {
    let stream = policy_rows(dir)?;
    let errors = read_errors(dir)?;
    let folder = files_folder(html);
    fs::create_dir_all(&folder).with_context(|| format!("cannot create {}", folder.display()))?;
    clear_old_pages(&folder)?;
    let overview_name = html.file_name().map_or_else(
        || "report.html".into(),
        |s| s.to_string_lossy().into_owned(),
    );
    let write_page = |p: &PolicyRows, number: usize, has_next: bool| -> Result<()> {
        let place = page::Place {
            number,
            has_next,
            overview: &overview_name,
        };
        let path = folder.join(page_name(number));
        fs::write(&path, page::render(p, &place))
            .with_context(|| format!("cannot write {}", path.display()))
    };
    // One policy is held back so that its page knows whether a next one
    // exists (for its "next policy" link).
    let mut tally = Tally::default();
    let mut held: Option<PolicyRows> = None;
    let mut pages = 0;
    for p in stream {
        let p = p?;
        tally.add(&p);
        if let Some(prev) = held.replace(p) {
            pages += 1;
            write_page(&prev, pages, true)?;
        }
    }
    if let Some(last) = held {
        pages += 1;
        write_page(&last, pages, false)?;
    }
    let folder_name = folder
        .file_name()
        .map_or_else(String::new, |s| s.to_string_lossy().into_owned());
    let doc = overview::render(&tally, &errors, &folder_name, dir);
    fs::write(html, doc).with_context(|| format!("cannot write {}", html.display()))?;
    Ok(Written {
        html: html.to_path_buf(),
        folder,
        pages,
        errors: errors.len(),
    })
}
