//! Finding inputs and reading their bytes, safely.
//!
//! - Every path argument is expanded (folders recursively, symbolic links
//!   followed with loop detection) into [`Input`]s with a stable
//!   `policy_id`: the path relative to the folder argument without its
//!   extension (`apps/0498`), or the file stem for a file argument, `stdin`
//!   for `-`.
//! - Files that are not `.txt`/`.md`/`.html`/`.htm`, unreadable entries,
//!   link loops and duplicate ids become [`Rejected`] entries: they go to the
//!   errors table, never vanish.
//! - Reading refuses files over `max_bytes` without loading them.

use std::io::Read;
use std::path::{Component, Path, PathBuf};

use crate::stage::Stage;

/// The kind of text a file holds, from its extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Text,
    Markdown,
    Html,
}

impl Format {
    /// Format for a file extension (case-insensitive); `None` = unsupported.
    pub fn from_path(path: &Path) -> Option<Self> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "txt" => Some(Format::Text),
            "md" | "markdown" => Some(Format::Markdown),
            "html" | "htm" | "xhtml" => Some(Format::Html),
            _ => None,
        }
    }
}

/// Where an input's bytes come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    File(PathBuf),
    Stdin,
}

/// One policy to process.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Input {
    pub policy_id: String,
    pub source: Source,
    pub format: Format,
}

impl Input {
    /// The path as written to the tables (`-` for stdin).
    pub fn path_str(&self) -> String {
        match &self.source {
            Source::File(p) => p.display().to_string(),
            Source::Stdin => "-".into(),
        }
    }
}

/// An entry that will not be processed, with the errors-table stage and a
/// sentence saying why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejected {
    pub path: String,
    pub stage: Stage,
    pub error: String,
}

/// Everything found under the path arguments, sorted by policy id.
#[derive(Debug, Default)]
pub struct Discovery {
    pub inputs: Vec<Input>,
    pub rejected: Vec<Rejected>,
}

/// A path argument that cannot be used at all (the run stops: bad arguments).
#[derive(Debug, thiserror::Error)]
#[error("{path}: {reason}")]
pub struct ArgError {
    pub path: PathBuf,
    pub reason: String,
}

fn id_from_relative(rel: &Path) -> String {
    let no_ext = rel.with_extension("");
    no_ext
        .components()
        .filter_map(|c| match c {
            Component::Normal(s) => Some(s.to_string_lossy().into_owned()),
            _ => None,
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// Expand path arguments into inputs. Fails only when an argument does not
/// exist or `-` is given twice.
pub fn discover(args: &[PathBuf]) -> Result<Discovery, ArgError> {
    let mut d = Discovery::default();
    let mut stdin_seen = false;
    for arg in args {
        if arg.as_os_str() == "-" {
            if stdin_seen {
                return Err(ArgError {
                    path: arg.clone(),
                    reason: "standard input given twice".into(),
                });
            }
            stdin_seen = true;
            d.inputs.push(Input {
                policy_id: "stdin".into(),
                source: Source::Stdin,
                format: Format::Text,
            });
            continue;
        }
        let meta = std::fs::metadata(arg).map_err(|e| ArgError {
            path: arg.clone(),
            reason: format!("cannot read this path: {e}"),
        })?;
        if meta.is_file() {
            let stem = arg
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_else(|| "policy".into());
            push_file(&mut d, arg.clone(), stem);
            continue;
        }
        for entry in walkdir::WalkDir::new(arg)
            .follow_links(true)
            .sort_by_file_name()
        {
            match entry {
                Ok(e) if e.file_type().is_file() => {
                    let rel = e.path().strip_prefix(arg).unwrap_or(e.path());
                    let id = id_from_relative(rel);
                    push_file(&mut d, e.path().to_path_buf(), id);
                }
                Ok(e) if e.file_type().is_dir() => {}
                // Named pipes, sockets and devices (or links to them): never
                // opened (a pipe would block the run), but reported, so every
                // path found lands in `policies` or `errors`.
                Ok(e) => d.rejected.push(Rejected {
                    path: e.path().display().to_string(),
                    stage: Stage::Unsupported,
                    error: "not a regular file (a named pipe, socket or device); skipped".into(),
                }),
                Err(e) => {
                    let path = e
                        .path()
                        .map(|p| p.display().to_string())
                        .unwrap_or_else(|| arg.display().to_string());
                    let reason = if e.loop_ancestor().is_some() {
                        "symbolic link loop: the link points to one of its parent folders; skipped"
                            .to_string()
                    } else {
                        format!("cannot read this entry: {e}")
                    };
                    d.rejected.push(Rejected {
                        path,
                        stage: Stage::Read,
                        error: reason,
                    });
                }
            }
        }
    }
    d.inputs.sort_by(|a, b| {
        a.policy_id
            .cmp(&b.policy_id)
            .then(a.path_str().cmp(&b.path_str()))
    });
    let mut kept: Vec<Input> = Vec::with_capacity(d.inputs.len());
    for input in std::mem::take(&mut d.inputs) {
        match kept.last() {
            Some(prev) if prev.policy_id == input.policy_id => d.rejected.push(Rejected {
                path: input.path_str(),
                stage: Stage::Read,
                error: format!(
                    "duplicate policy id `{}`: {} gives the same id; rename one of them",
                    input.policy_id,
                    prev.path_str()
                ),
            }),
            _ => kept.push(input),
        }
    }
    d.inputs = kept;
    Ok(d)
}

fn push_file(d: &mut Discovery, path: PathBuf, id: String) {
    match Format::from_path(&path) {
        Some(format) => d.inputs.push(Input {
            policy_id: if id.is_empty() { "policy".into() } else { id },
            source: Source::File(path),
            format,
        }),
        None => d.rejected.push(Rejected {
            path: path.display().to_string(),
            stage: Stage::Unsupported,
            error: "not a policy file: only .txt, .md, .html and .htm are read".into(),
        }),
    }
}

/// Reading an input failed.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// The OS refused (permissions, vanished file, …).
    #[error("cannot read the file: {0}")]
    Io(#[from] std::io::Error),
    /// The file is larger than `--max-bytes`.
    #[error(
        "file is {size} bytes, over the --max-bytes limit of {limit}; raise the limit to read it"
    )]
    TooLarge { size: u64, limit: u64 },
}

/// Read an input's bytes, refusing anything over `max_bytes` before loading it.
pub fn read_bytes(input: &Input, max_bytes: u64) -> Result<Vec<u8>, ReadError> {
    let mut buf = Vec::new();
    match &input.source {
        Source::File(p) => {
            let f = std::fs::File::open(p)?;
            let size = f.metadata()?.len();
            if size > max_bytes {
                return Err(ReadError::TooLarge {
                    size,
                    limit: max_bytes,
                });
            }
            f.take(max_bytes + 1).read_to_end(&mut buf)?;
        }
        Source::Stdin => {
            std::io::stdin()
                .lock()
                .take(max_bytes + 1)
                .read_to_end(&mut buf)?;
        }
    }
    if buf.len() as u64 > max_bytes {
        return Err(ReadError::TooLarge {
            size: buf.len() as u64,
            limit: max_bytes,
        });
    }
    Ok(buf)
}

/// The relative path under the output folder that holds policy `policy_id`
/// (`--keep-text` writes `texts/<this>`). One-to-one, so two ids never share
/// a file, and safe, so nothing escapes `--out`: the id's `/` separate
/// folders; inside each part, control characters, `%`, `\\` and `:` are
/// percent-encoded as UTF-8 (`a:b` → `a%3Ab`, `a%b` → `a%25b`), a part `.`
/// or `..` is written `%2E` / `%2E%2E` and an empty part `%` (an escape no
/// other part can produce).
pub fn safe_relative_path(policy_id: &str, ext: &str) -> PathBuf {
    let mut p = PathBuf::new();
    for part in policy_id.split('/') {
        p.push(match part {
            "" => "%".to_string(),
            "." => "%2E".to_string(),
            ".." => "%2E%2E".to_string(),
            _ => escape_part(part),
        });
    }
    let name = format!(
        "{}.{ext}",
        p.file_name().unwrap_or_default().to_string_lossy()
    );
    p.set_file_name(name);
    p
}

fn escape_part(part: &str) -> String {
    let mut out = String::with_capacity(part.len());
    for c in part.chars() {
        if c.is_control() || matches!(c, '%' | '\\' | ':') {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("%{b:02X}"));
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_relative_paths_without_extension() {
        assert_eq!(id_from_relative(Path::new("apps/0498.txt")), "apps/0498");
        assert_eq!(id_from_relative(Path::new("隐私 政策.html")), "隐私 政策");
    }

    #[test]
    fn safe_paths_stay_inside() {
        assert_eq!(
            safe_relative_path("../../etc/passwd", "txt"),
            PathBuf::from("%2E%2E/%2E%2E/etc/passwd.txt")
        );
        assert_eq!(
            safe_relative_path("/abs/x", "txt"),
            PathBuf::from("%/abs/x.txt")
        );
        assert_eq!(safe_relative_path("..", "txt"), PathBuf::from("%2E%2E.txt"));
        assert_eq!(
            safe_relative_path("a\u{0}b", "txt"),
            PathBuf::from("a%00b.txt")
        );
        assert_eq!(
            safe_relative_path("apps/0498", "txt"),
            PathBuf::from("apps/0498.txt")
        );
        for id in [
            "..\\..\\x",
            "C:\\x",
            "a/../../b",
            "./.",
            "\u{202e}x",
            "a//b",
            "/",
        ] {
            let p = safe_relative_path(id, "txt");
            assert!(
                p.components().all(|c| matches!(c, Component::Normal(_))),
                "{id} -> {p:?}"
            );
        }
    }

    #[test]
    fn text_paths_are_one_to_one() {
        let ids = [
            "b_p\nq", "b_p_q", "b_p%0Aq", "a:b", "a_b", "a%3Ab", "a/b", "a\\b", "a%5Cb", "x/.",
            "x/%2E", "x/", "x/%", ".", "..", "%2E", "stdin",
        ];
        let paths: std::collections::HashSet<PathBuf> =
            ids.iter().map(|i| safe_relative_path(i, "txt")).collect();
        assert_eq!(paths.len(), ids.len(), "{paths:?}");
    }
}
