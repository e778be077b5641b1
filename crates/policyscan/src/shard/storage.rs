//! Where a sharded run keeps its plan, parts and markers: a local or shared
//! folder, or `s3://bucket/prefix` (`super::s3`). Both sit behind the small
//! [`Store`] trait, so planning, workers and merging are written once and the
//! tests run without S3.
//!
//! The one promise every store keeps: a reader sees a whole object or none.
//! A local put writes a hidden temporary file in the target folder, syncs it
//! and renames it into place (atomic on one file system, NFS included); an S3
//! put is a single PUT or a multipart upload, which S3 shows only once it is
//! completed. So `kill -9` at any moment never leaves half a part visible.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// One object found by [`Store::list`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The key relative to the store's root, `/`-separated.
    pub key: String,
    pub size: u64,
}

/// A storage operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The local file system refused.
    #[error("{uri}: {source}")]
    Io { uri: String, source: std::io::Error },
    /// The object store refused or could not be reached.
    #[error("{uri}: {message}")]
    Remote { uri: String, message: String },
    /// The location cannot be used at all.
    #[error("{uri}: {reason}")]
    BadUri { uri: String, reason: String },
}

/// A flat namespace of objects under one root (a folder or a bucket prefix).
/// Keys are relative to the root and `/`-separated. All calls block.
pub trait Store: Send + Sync {
    /// The full URI of `key`, for messages and for the tables.
    fn uri(&self, key: &str) -> String;
    /// The object's bytes, or `None` when there is no such object.
    fn get(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError>;
    /// Copy the object into the local file `local` (written under a
    /// temporary name, then renamed); `false` when there is no such object.
    fn get_file(&self, key: &str, local: &Path) -> Result<bool, StoreError>;
    /// Size of the object, or `None` when there is none.
    fn head(&self, key: &str) -> Result<Option<u64>, StoreError>;
    /// Write an object whole (readers never see a part of it).
    fn put(&self, key: &str, bytes: Vec<u8>) -> Result<(), StoreError>;
    /// Write the local file `local` as an object, whole.
    fn put_file(&self, key: &str, local: &Path) -> Result<(), StoreError>;
    /// Every object under the folder `dir` (`""` = the root), recursively,
    /// sorted by key.
    fn list(&self, dir: &str) -> Result<Vec<Entry>, StoreError>;
    /// Remove an object; no error when it is not there.
    fn delete(&self, key: &str) -> Result<(), StoreError>;

    /// Download many objects; per object `false` when it does not exist.
    /// Stores that can, fetch several at once.
    fn get_files(&self, items: &[(String, PathBuf)]) -> Result<Vec<bool>, StoreError> {
        items.iter().map(|(k, p)| self.get_file(k, p)).collect()
    }

    /// Whether `key` exists.
    fn exists(&self, key: &str) -> Result<bool, StoreError> {
        Ok(self.head(key)?.is_some())
    }
}

/// Open the store rooted at `uri`: `s3://bucket[/prefix]`, or a local path
/// (created on first write).
pub fn open(uri: &str) -> Result<Box<dyn Store>, StoreError> {
    if let Some(rest) = uri.strip_prefix("s3://") {
        let (bucket, prefix) = split_bucket(uri, rest)?;
        return Ok(Box::new(super::s3::S3Store::new(bucket, prefix)?));
    }
    if uri.contains("://") {
        return Err(StoreError::BadUri {
            uri: uri.into(),
            reason: "only local paths and s3://bucket/prefix are supported".into(),
        });
    }
    Ok(Box::new(LocalStore::new(PathBuf::from(uri))))
}

/// Whether `s` names an object-store location rather than a local path.
pub fn is_remote(s: &str) -> bool {
    s.starts_with("s3://")
}

/// `bucket` and `prefix` (no leading or trailing `/`) of `s3://bucket/prefix`.
pub(super) fn split_bucket<'a>(uri: &str, rest: &'a str) -> Result<(&'a str, &'a str), StoreError> {
    let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
    if bucket.is_empty() {
        return Err(StoreError::BadUri {
            uri: uri.into(),
            reason: "no bucket name: write s3://bucket/prefix".into(),
        });
    }
    Ok((bucket, prefix.trim_matches('/')))
}

/// Join a key under a prefix (either may be empty).
pub(super) fn join_key(prefix: &str, key: &str) -> String {
    match (prefix.is_empty(), key.is_empty()) {
        (true, _) => key.to_string(),
        (_, true) => prefix.to_string(),
        _ => format!("{prefix}/{key}"),
    }
}

/// A folder on a local or shared file system.
#[derive(Debug, Clone)]
pub struct LocalStore {
    root: PathBuf,
}

impl LocalStore {
    pub fn new(root: PathBuf) -> Self {
        Self { root }
    }

    fn path(&self, key: &str) -> PathBuf {
        let mut p = self.root.clone();
        for part in key.split('/').filter(|s| !s.is_empty()) {
            p.push(part);
        }
        p
    }

    fn io(&self, key: &str) -> impl FnOnce(std::io::Error) -> StoreError + '_ {
        let uri = self.uri(key);
        move |source| StoreError::Io { uri, source }
    }
}

/// A hidden temporary name beside `path`, unique to this process and call,
/// so two workers redoing the same shard never write the same file.
pub(super) fn temp_beside(path: &Path) -> PathBuf {
    static N: AtomicU64 = AtomicU64::new(0);
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    path.with_file_name(format!(
        ".{name}.tmp.{}.{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ))
}

/// Write `bytes` to `path` whole: temporary file, sync, rename.
pub(super) fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let tmp = temp_beside(path);
    let res = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if res.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    res
}

/// Copy `from` to `to` whole: temporary file, sync, rename.
fn copy_atomic(from: &Path, to: &Path) -> std::io::Result<()> {
    if let Some(dir) = to.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let tmp = temp_beside(to);
    let res = (|| {
        std::fs::copy(from, &tmp)?;
        std::fs::File::open(&tmp)?.sync_all()?;
        std::fs::rename(&tmp, to)
    })();
    if res.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    res
}

impl Store for LocalStore {
    fn uri(&self, key: &str) -> String {
        self.path(key).display().to_string()
    }

    fn get(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        match std::fs::read(self.path(key)) {
            Ok(b) => Ok(Some(b)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(self.io(key)(e)),
        }
    }

    fn get_file(&self, key: &str, local: &Path) -> Result<bool, StoreError> {
        let src = self.path(key);
        if !src.is_file() {
            return Ok(false);
        }
        copy_atomic(&src, local).map_err(self.io(key))?;
        Ok(true)
    }

    fn head(&self, key: &str) -> Result<Option<u64>, StoreError> {
        match std::fs::metadata(self.path(key)) {
            Ok(m) if m.is_file() => Ok(Some(m.len())),
            Ok(_) => Ok(None),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(self.io(key)(e)),
        }
    }

    fn put(&self, key: &str, bytes: Vec<u8>) -> Result<(), StoreError> {
        write_atomic(&self.path(key), &bytes).map_err(self.io(key))
    }

    fn put_file(&self, key: &str, local: &Path) -> Result<(), StoreError> {
        copy_atomic(local, &self.path(key)).map_err(self.io(key))
    }

    fn list(&self, dir: &str) -> Result<Vec<Entry>, StoreError> {
        let base = self.path(dir);
        if !base.is_dir() {
            return Ok(Vec::new());
        }
        let mut out = Vec::new();
        for e in walkdir::WalkDir::new(&base).sort_by_file_name() {
            let e = e.map_err(|e| StoreError::Io {
                uri: base.display().to_string(),
                source: e.into(),
            })?;
            if !e.file_type().is_file() {
                continue;
            }
            let rel = e.path().strip_prefix(&self.root).unwrap_or(e.path());
            let key = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy())
                .collect::<Vec<_>>()
                .join("/");
            let size = e.metadata().map(|m| m.len()).unwrap_or(0);
            out.push(Entry { key, size });
        }
        out.sort_by(|a, b| a.key.cmp(&b.key));
        Ok(out)
    }

    fn delete(&self, key: &str) -> Result<(), StoreError> {
        match std::fs::remove_file(self.path(key)) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(self.io(key)(e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_store_round_trips_and_lists_sorted() {
        let dir = tempfile::tempdir().unwrap();
        let s = open(dir.path().to_str().unwrap()).unwrap();
        assert_eq!(s.get("a/b.json").unwrap(), None);
        s.put("b/x.txt", b"xx".to_vec()).unwrap();
        s.put("a/b.json", b"{}".to_vec()).unwrap();
        assert_eq!(s.get("a/b.json").unwrap().as_deref(), Some(&b"{}"[..]));
        assert_eq!(s.head("b/x.txt").unwrap(), Some(2));
        let keys: Vec<String> = s.list("").unwrap().into_iter().map(|e| e.key).collect();
        assert_eq!(keys, ["a/b.json", "b/x.txt"]);
        assert_eq!(s.list("b").unwrap()[0].key, "b/x.txt");
        assert!(s.list("nothing").unwrap().is_empty());
        let local = dir.path().join("copy/x");
        assert!(s.get_file("b/x.txt", &local).unwrap());
        assert!(!s.get_file("b/none", &local).unwrap());
        assert_eq!(std::fs::read(&local).unwrap(), b"xx");
        s.delete("b/x.txt").unwrap();
        s.delete("b/x.txt").unwrap();
        assert!(!s.exists("b/x.txt").unwrap());
        // No temporary file is left behind.
        let leftovers: Vec<_> = walkdir::WalkDir::new(dir.path())
            .into_iter()
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().to_string_lossy().contains(".tmp."))
            .collect();
        assert!(leftovers.is_empty(), "{leftovers:?}");
    }

    #[test]
    fn uris_are_parsed() {
        assert!(open("http://x/y").is_err());
        assert!(matches!(
            split_bucket("s3://", ""),
            Err(StoreError::BadUri { .. })
        ));
        assert_eq!(split_bucket("s3://b/p/q/", "b/p/q/").unwrap(), ("b", "p/q"));
        assert_eq!(split_bucket("s3://b", "b").unwrap(), ("b", ""));
        assert_eq!(join_key("", "k"), "k");
        assert_eq!(join_key("p", ""), "p");
        assert_eq!(join_key("p", "k/l"), "p/k/l");
    }
}
