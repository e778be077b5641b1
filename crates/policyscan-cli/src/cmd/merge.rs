//! `policyscan merge`: check that every shard of a planned run is in and
//! declare the dataset complete (`_SUCCESS`), or name the missing shards
//! (exit 2). See docs/cluster.md.

use anyhow::Result;
use clap::Args;

/// Flags of `policyscan merge`.
#[derive(Args)]
pub struct MergeArgs {
    /// The location given to `policyscan plan --out`: a shared folder or `s3://bucket/prefix`.
    #[arg(value_name = "URI")]
    uri: String,
}

pub fn run(a: MergeArgs) -> Result<()> {
    let r = policyscan::shard::merge(&a.uri)?;
    let rows = |t: &str| r.rows.get(t).copied().unwrap_or(0);
    eprintln!(
        "policyscan: {} is complete: {} shards, {} policies, {} errors, {} segments, {} entities; \
         read it as {}/<table>/*.parquet",
        a.uri,
        r.shards,
        r.policies,
        r.errors,
        rows("segments"),
        rows("entities"),
        a.uri.trim_end_matches('/')
    );
    Ok(())
}
