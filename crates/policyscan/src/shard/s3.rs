//! The [`Store`] for `s3://bucket/prefix`, on the `object_store` crate (the
//! one polars builds its cloud I/O on), so AWS S3 and compatible servers
//! (MinIO, Ceph, OSS, COS, moto) all work.
//!
//! Endpoint, region and credentials come from the usual `AWS_*` variables
//! (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`,
//! `AWS_REGION` / `AWS_DEFAULT_REGION`, `AWS_ENDPOINT_URL`, `AWS_ALLOW_HTTP`
//! for a plain-HTTP endpoint), else from the instance, container or web
//! identity role, as the AWS tools do. Requests use path-style addressing.
//!
//! `object_store` is async; the rest of policyscan is not. A small
//! current-thread tokio runtime lives inside the store and every call blocks
//! on it, so no async leaks out of this file.

use std::future::Future;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use futures_util::{StreamExt, TryStreamExt};
use object_store::aws::{AmazonS3, AmazonS3Builder};
use object_store::path::Path as ObjPath;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload, WriteMultipart};

use super::storage::{Entry, Store, StoreError, join_key, temp_beside};

/// Files up to this size are one PUT; larger ones a multipart upload in
/// parts of this size.
const PART: usize = 16 << 20;

/// Objects fetched at once by [`Store::get_files`].
const CONCURRENCY: usize = 16;

/// A bucket prefix on S3 or an S3-compatible server.
#[derive(Debug)]
pub struct S3Store {
    rt: tokio::runtime::Runtime,
    store: Arc<AmazonS3>,
    bucket: String,
    prefix: String,
}

/// An `object_store` path for a key, taken as written (keys from a listing
/// are already in the store's form).
fn obj_path(key: &str) -> ObjPath {
    ObjPath::parse(key).unwrap_or_else(|_| ObjPath::from(key))
}

impl S3Store {
    /// The store at `s3://bucket/prefix`, configured from the environment.
    pub fn new(bucket: &str, prefix: &str) -> Result<Self, StoreError> {
        let uri = format!("s3://{bucket}/{prefix}");
        let bad = |e: &dyn std::fmt::Display| StoreError::BadUri {
            uri: uri.clone(),
            reason: e.to_string(),
        };
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| bad(&e))?;
        let store = AmazonS3Builder::from_env()
            .with_bucket_name(bucket)
            .build()
            .map_err(|e| bad(&e))?;
        Ok(Self {
            rt,
            store: Arc::new(store),
            bucket: bucket.into(),
            prefix: prefix.into(),
        })
    }

    fn full(&self, key: &str) -> ObjPath {
        obj_path(&join_key(&self.prefix, key))
    }

    fn block<F: Future>(&self, f: F) -> F::Output {
        self.rt.block_on(f)
    }

    fn remote(&self, key: &str) -> impl FnOnce(object_store::Error) -> StoreError + '_ {
        let uri = self.uri(key);
        move |e| StoreError::Remote {
            uri,
            message: e.to_string(),
        }
    }

    fn local_io(path: &Path) -> impl FnOnce(std::io::Error) -> StoreError + '_ {
        move |source| StoreError::Io {
            uri: path.display().to_string(),
            source,
        }
    }
}

/// Stream an object into `local` (temporary name, then rename); `false`
/// when it does not exist.
async fn fetch(store: &AmazonS3, key: &ObjPath, local: &Path) -> Result<bool, FetchError> {
    let res = match store.get(key).await {
        Ok(r) => r,
        Err(object_store::Error::NotFound { .. }) => return Ok(false),
        Err(e) => return Err(FetchError::Remote(e)),
    };
    if let Some(dir) = local.parent() {
        std::fs::create_dir_all(dir).map_err(FetchError::Io)?;
    }
    let tmp = temp_beside(local);
    let mut f = std::fs::File::create(&tmp).map_err(FetchError::Io)?;
    let mut stream = res.into_stream();
    while let Some(chunk) = stream.next().await {
        match chunk {
            Ok(b) => f.write_all(&b).map_err(FetchError::Io)?,
            Err(e) => {
                let _ = std::fs::remove_file(&tmp);
                return Err(FetchError::Remote(e));
            }
        }
    }
    drop(f);
    std::fs::rename(&tmp, local).map_err(FetchError::Io)?;
    Ok(true)
}

enum FetchError {
    Remote(object_store::Error),
    Io(std::io::Error),
}

impl Store for S3Store {
    fn uri(&self, key: &str) -> String {
        format!("s3://{}/{}", self.bucket, join_key(&self.prefix, key))
    }

    fn get(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let path = self.full(key);
        self.block(async {
            match self.store.get(&path).await {
                Ok(r) => Ok(Some(r.bytes().await?.to_vec())),
                Err(object_store::Error::NotFound { .. }) => Ok(None),
                Err(e) => Err(e),
            }
        })
        .map_err(self.remote(key))
    }

    fn get_file(&self, key: &str, local: &Path) -> Result<bool, StoreError> {
        Ok(self.get_files(&[(key.to_string(), local.to_path_buf())])?[0])
    }

    fn get_files(&self, items: &[(String, PathBuf)]) -> Result<Vec<bool>, StoreError> {
        let store = &self.store;
        let jobs = items.iter().map(|(k, p)| {
            let path = self.full(k);
            async move { (k, p, fetch(store, &path, p).await) }
        });
        let results: Vec<_> = self.block(
            futures_util::stream::iter(jobs)
                .buffered(CONCURRENCY)
                .collect(),
        );
        results
            .into_iter()
            .map(|(k, p, r)| match r {
                Ok(found) => Ok(found),
                Err(FetchError::Remote(e)) => Err(self.remote(k)(e)),
                Err(FetchError::Io(e)) => Err(Self::local_io(p)(e)),
            })
            .collect()
    }

    fn head(&self, key: &str) -> Result<Option<u64>, StoreError> {
        let path = self.full(key);
        self.block(async {
            match self.store.head(&path).await {
                Ok(m) => Ok(Some(m.size)),
                Err(object_store::Error::NotFound { .. }) => Ok(None),
                Err(e) => Err(e),
            }
        })
        .map_err(self.remote(key))
    }

    fn put(&self, key: &str, bytes: Vec<u8>) -> Result<(), StoreError> {
        let path = self.full(key);
        self.block(self.store.put(&path, PutPayload::from(bytes)))
            .map(|_| ())
            .map_err(self.remote(key))
    }

    fn put_file(&self, key: &str, local: &Path) -> Result<(), StoreError> {
        let size = std::fs::metadata(local)
            .map_err(Self::local_io(local))?
            .len();
        if size <= PART as u64 {
            let bytes = std::fs::read(local).map_err(Self::local_io(local))?;
            return self.put(key, bytes);
        }
        // A multipart upload shows nothing until it is completed; one that
        // fails is aborted (a killed one is left to the bucket's
        // AbortIncompleteMultipartUpload rule, docs/cluster.md).
        let path = self.full(key);
        let mut file = std::fs::File::open(local).map_err(Self::local_io(local))?;
        self.block(async {
            let upload = self.store.put_multipart(&path).await?;
            let mut w = WriteMultipart::new_with_chunk_size(upload, PART);
            let mut buf = vec![0u8; PART];
            loop {
                let n = match file.read(&mut buf) {
                    Ok(n) => n,
                    Err(e) => {
                        let _ = w.abort().await;
                        return Err(object_store::Error::Generic {
                            store: "local file",
                            source: Box::new(e),
                        });
                    }
                };
                if n == 0 {
                    break;
                }
                if let Err(e) = w.wait_for_capacity(4).await {
                    let _ = w.abort().await;
                    return Err(e);
                }
                w.write(&buf[..n]);
            }
            w.finish().await.map(|_| ())
        })
        .map_err(self.remote(key))
    }

    fn list(&self, dir: &str) -> Result<Vec<Entry>, StoreError> {
        let base = join_key(&self.prefix, dir);
        let prefix = (!base.is_empty()).then(|| obj_path(&base));
        let metas: Vec<object_store::ObjectMeta> = self
            .block(self.store.list(prefix.as_ref()).try_collect())
            .map_err(self.remote(dir))?;
        let root = if self.prefix.is_empty() {
            String::new()
        } else {
            format!("{}/", self.prefix)
        };
        let mut out: Vec<Entry> = metas
            .into_iter()
            .filter_map(|m| {
                let full: &str = m.location.as_ref();
                full.strip_prefix(&root).map(|k| Entry {
                    key: k.to_string(),
                    size: m.size,
                })
            })
            .collect();
        out.sort_by(|a, b| a.key.cmp(&b.key));
        Ok(out)
    }

    fn delete(&self, key: &str) -> Result<(), StoreError> {
        let path = self.full(key);
        self.block(async {
            match self.store.delete(&path).await {
                Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
                Err(e) => Err(e),
            }
        })
        .map_err(self.remote(key))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Against a real server only: `POLICYSCAN_TEST_S3=s3://bucket/prefix`
    /// and the `AWS_*` variables (scripts/e2e-cluster.sh sets them for moto).
    #[test]
    fn large_files_go_up_in_parts_and_come_back_whole() {
        let Ok(uri) = std::env::var("POLICYSCAN_TEST_S3") else {
            eprintln!("skipping: set POLICYSCAN_TEST_S3=s3://bucket/prefix and AWS_* to run");
            return;
        };
        let store = crate::shard::open(&format!("{uri}/store-{}", std::process::id())).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let big: Vec<u8> = (0..PART * 2 + 12345)
            .map(|i| (i * 31 % 251) as u8)
            .collect();
        std::fs::write(dir.path().join("big"), &big).unwrap();
        store
            .put_file("a/big.bin", &dir.path().join("big"))
            .unwrap();
        store.put("a/small.json", b"{}".to_vec()).unwrap();
        assert_eq!(store.head("a/big.bin").unwrap(), Some(big.len() as u64));
        let back = dir.path().join("back/big");
        assert!(store.get_file("a/big.bin", &back).unwrap());
        assert!(std::fs::read(&back).unwrap() == big);
        assert!(!store.get_file("a/none", &back).unwrap());
        assert_eq!(store.get("a/none").unwrap(), None);
        let keys: Vec<String> = store
            .list("a")
            .unwrap()
            .into_iter()
            .map(|e| e.key)
            .collect();
        assert_eq!(keys, ["a/big.bin", "a/small.json"]);
        store.delete("a/big.bin").unwrap();
        store.delete("a/big.bin").unwrap();
        assert!(!store.exists("a/big.bin").unwrap());
    }

    #[test]
    fn keys_are_taken_as_written() {
        assert_eq!(obj_path("a/b c.txt").as_ref(), "a/b c.txt");
        assert_eq!(obj_path("隐私/政策.html").as_ref(), "隐私/政策.html");
    }
}
