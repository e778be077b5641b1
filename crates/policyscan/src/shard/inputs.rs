//! Listing a plan's inputs exactly as `scan` lists them, so that a sharded
//! run and a single-machine run see the same policies under the same ids:
//! local paths go through [`crate::read::discover`] itself; `s3://` folders
//! and objects are listed here by the same rules (id = the key relative to
//! the folder argument without its extension, or the stem of an object
//! argument; unsupported extensions and duplicate ids become rejected
//! entries). Rejected entries are kept with a sort key next to the ids they
//! would have had, so each lands in exactly one shard.

use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};

use super::ShardError;
use super::s3::S3Store;
use super::storage::{Store, is_remote, split_bucket};
use crate::read::{ArgError, Format, Source, discover};
use crate::stage::Stage;

/// One entry found under the arguments: an input, or a rejected entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Found {
    /// Sort key: the policy id, or for a rejected entry the id it would have
    /// had (else its path).
    pub key: String,
    pub policy_id: Option<String>,
    /// The path as the tables show it (what `scan` would write).
    pub path: String,
    /// What a worker reads: an absolute local path or an `s3://` URI.
    pub source: String,
    pub bytes: u64,
    pub rejected: Option<(Stage, String)>,
}

/// The id `read::discover` gives a file at `rel` under a folder argument.
fn id_from_relative(rel: &Path) -> String {
    rel.with_extension("")
        .components()
        .filter_map(|c| match c {
            Component::Normal(s) => Some(s.to_string_lossy().into_owned()),
            _ => None,
        })
        .collect::<Vec<_>>()
        .join("/")
}

const UNSUPPORTED: &str = "not a policy file: only .txt, .md, .html and .htm are read";

/// Every entry under `args` (local paths and `s3://` URIs), sorted by key:
/// inputs in exactly `scan`'s order, rejected entries among them.
pub(super) fn find_inputs(args: &[String]) -> Result<Vec<Found>, ShardError> {
    if args.iter().any(|a| a == "-") {
        return Err(ArgError {
            path: "-".into(),
            reason: "standard input cannot be planned into shards; save it to a file".into(),
        }
        .into());
    }
    let local: Vec<PathBuf> = args
        .iter()
        .filter(|a| !is_remote(a))
        .map(PathBuf::from)
        .collect();
    let mut found = if local.is_empty() {
        Vec::new()
    } else {
        find_local(&local)?
    };
    let mut stores: HashMap<String, S3Store> = HashMap::new();
    for arg in args.iter().filter(|a| is_remote(a)) {
        find_remote(arg, &mut stores, &mut found)?;
    }
    dedupe(&mut found);
    found.sort_by(|a, b| a.key.cmp(&b.key).then(a.path.cmp(&b.path)));
    Ok(found)
}

fn find_local(args: &[PathBuf]) -> Result<Vec<Found>, ShardError> {
    let d = discover(args)?;
    let mut out = Vec::with_capacity(d.inputs.len() + d.rejected.len());
    for i in d.inputs {
        let Source::File(p) = &i.source else {
            continue;
        };
        let source = std::path::absolute(p).unwrap_or_else(|_| p.clone());
        out.push(Found {
            key: i.policy_id.clone(),
            policy_id: Some(i.policy_id.clone()),
            path: i.path_str(),
            source: source.display().to_string(),
            bytes: std::fs::metadata(p).map(|m| m.len()).unwrap_or(0),
            rejected: None,
        });
    }
    for r in d.rejected {
        let p = Path::new(&r.path);
        let key = args
            .iter()
            .find_map(|a| {
                let rel = p.strip_prefix(a).ok()?;
                if rel.as_os_str().is_empty() {
                    p.file_stem().map(|s| s.to_string_lossy().into_owned())
                } else {
                    Some(id_from_relative(rel))
                }
            })
            .unwrap_or_else(|| r.path.clone());
        let source = std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf());
        out.push(Found {
            key,
            policy_id: None,
            path: r.path.clone(),
            source: source.display().to_string(),
            bytes: 0,
            rejected: Some((r.stage, r.error)),
        });
    }
    Ok(out)
}

/// An `s3://` argument: one object (its id is the key's stem), or a folder
/// listed recursively (ids relative to it).
fn find_remote(
    arg: &str,
    stores: &mut HashMap<String, S3Store>,
    out: &mut Vec<Found>,
) -> Result<(), ShardError> {
    let rest = arg.strip_prefix("s3://").unwrap_or(arg);
    let (bucket, prefix) = split_bucket(arg, rest)?;
    if !stores.contains_key(bucket) {
        stores.insert(bucket.to_string(), S3Store::new(bucket, "")?);
    }
    let store = &stores[bucket];
    if !arg.ends_with('/')
        && !prefix.is_empty()
        && let Some(size) = store.head(prefix)?
    {
        let stem = Path::new(prefix)
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "policy".into());
        out.push(remote_entry(bucket, prefix, stem, size));
        return Ok(());
    }
    let entries = store.list(prefix)?;
    if entries.is_empty() {
        return Err(ArgError {
            path: arg.into(),
            reason: "no object or folder at this location".into(),
        }
        .into());
    }
    for e in entries {
        let rel = match prefix {
            "" => e.key.as_str(),
            p => e
                .key
                .strip_prefix(p)
                .and_then(|r| r.strip_prefix('/'))
                .unwrap_or(&e.key),
        };
        let id = id_from_relative(Path::new(rel));
        out.push(remote_entry(bucket, &e.key, id, e.size));
    }
    Ok(())
}

fn remote_entry(bucket: &str, key: &str, id: String, size: u64) -> Found {
    let uri = format!("s3://{bucket}/{key}");
    let id = if id.is_empty() { "policy".into() } else { id };
    match Format::from_path(Path::new(key)) {
        Some(_) => Found {
            key: id.clone(),
            policy_id: Some(id),
            path: uri.clone(),
            source: uri,
            bytes: size,
            rejected: None,
        },
        None => Found {
            key: id,
            policy_id: None,
            path: uri.clone(),
            source: uri,
            bytes: 0,
            rejected: Some((Stage::Unsupported, UNSUPPORTED.into())),
        },
    }
}

/// Two inputs with one id (across arguments of different kinds): the first
/// by path is kept, the others become rejected entries, as `discover` does.
fn dedupe(found: &mut [Found]) {
    let mut order: Vec<usize> = (0..found.len())
        .filter(|&i| found[i].rejected.is_none())
        .collect();
    order.sort_by(|&a, &b| {
        (found[a].policy_id.as_deref(), &found[a].path)
            .cmp(&(found[b].policy_id.as_deref(), &found[b].path))
    });
    let mut kept: Option<(String, String)> = None;
    for i in order {
        let id = found[i].policy_id.clone().unwrap_or_default();
        match &kept {
            Some((kid, kpath)) if *kid == id => {
                let f = &mut found[i];
                f.rejected = Some((
                    Stage::Read,
                    format!(
                        "duplicate policy id `{id}`: {kpath} gives the same id; rename one of them"
                    ),
                ));
                f.policy_id = None;
                f.bytes = 0;
                f.key = id;
            }
            _ => kept = Some((id, found[i].path.clone())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_inputs_are_scans_inputs_in_scans_order() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("apps")).unwrap();
        for f in ["b.txt", "a.html", "apps/c.md", "z.pdf", "a.txt"] {
            std::fs::write(dir.path().join(f), "x").unwrap();
        }
        let arg = dir.path().to_str().unwrap().to_string();
        let found = find_inputs(std::slice::from_ref(&arg)).unwrap();
        let d = discover(&[PathBuf::from(&arg)]).unwrap();
        let ids: Vec<_> = found.iter().filter_map(|f| f.policy_id.clone()).collect();
        let want: Vec<_> = d.inputs.iter().map(|i| i.policy_id.clone()).collect();
        assert_eq!(ids, want);
        let keys: Vec<_> = found.iter().map(|f| f.key.as_str()).collect();
        // The duplicate `a` (a.txt after a.html) and z.pdf sit by their ids.
        assert_eq!(keys, ["a", "a", "apps/c", "b", "z"]);
        assert!(found[1].rejected.is_some() && found[4].rejected.is_some());
        assert!(found.iter().all(|f| Path::new(&f.source).is_absolute()));
        assert!(find_inputs(&["-".to_string()]).is_err());
    }

    #[test]
    fn cross_source_duplicates_keep_the_first_by_path() {
        let mk = |id: &str, path: &str| Found {
            key: id.into(),
            policy_id: Some(id.into()),
            path: path.into(),
            source: path.into(),
            bytes: 1,
            rejected: None,
        };
        let mut f = vec![
            mk("p", "s3://b/p.txt"),
            mk("p", "/a/p.txt"),
            mk("q", "/q.txt"),
            mk("p", "/b/p.txt"),
        ];
        dedupe(&mut f);
        assert!(f[1].rejected.is_none() && f[2].rejected.is_none());
        let (stage, msg) = f[0].rejected.clone().unwrap();
        assert_eq!(stage, Stage::Read);
        assert!(msg.contains("/a/p.txt gives the same id"), "{msg}");
        let (_, msg) = f[3].rejected.clone().unwrap();
        assert!(msg.contains("/a/p.txt gives the same id"), "{msg}");
    }
}
