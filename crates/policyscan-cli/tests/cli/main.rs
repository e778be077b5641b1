//! End-to-end tests: run the real `policyscan` binary on policies written by
//! the tests into a temp dir, then read the tables back with polars.
//! Grouped by topic in one test binary (one link, as ripgrep does).

mod util;

mod check;
mod commands;
mod cv;
mod fuzz;
mod hostile;
mod inputs;
mod report;
mod resume;
mod scan_samples;
mod shards;
