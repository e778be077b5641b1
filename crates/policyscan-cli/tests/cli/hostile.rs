//! Whatever an app-store crawl produced: the run finishes, exits 0, never
//! panics, and accounts for every file exactly once.

use crate::util::*;

fn random_bytes(n: usize, seed: u64) -> Vec<u8> {
    let mut r = policyscan::rng::SplitMix64::new(seed);
    (0..n).map(|_| r.next_u64() as u8).collect()
}

#[test]
fn hostile_folder_is_fully_accounted_for() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let ok = "一、我们如何收集信息\n我们会收集您的手机号码。\n";
    let mut expected = vec![];
    let mut put = |name: &str, bytes: Vec<u8>| {
        std::fs::write(d.join(name), bytes).unwrap();
        expected.push(name.to_string());
    };
    put("random.txt", random_bytes(4096, 1));
    put(
        "image.txt",
        [b"\x89PNG\r\n\x1a\n".to_vec(), random_bytes(500, 2)].concat(),
    );
    put(
        "nul.txt",
        "一、信息\n我们会收集\u{0}您的手机号码。\n"
            .as_bytes()
            .to_vec(),
    );
    put("truncated.txt", {
        let mut v = ok.as_bytes().to_vec();
        v.truncate(v.len() - 2); // cut inside a UTF-8 sequence
        v
    });
    put(
        "zero-width.txt",
        "一、信息\n我们会\u{200b}收集您的\u{202e}手机号码。\n"
            .as_bytes()
            .to_vec(),
    );
    put(
        "lone-cr.txt",
        "一、信息\r我们会收集您的手机号码。\r".as_bytes().to_vec(),
    );
    put(
        "only-headings.md",
        "# 标题\n## 第二个标题\n".as_bytes().to_vec(),
    );
    put("long-line.txt", "字".repeat(2_000_000).into_bytes());
    put(
        "deep.html",
        format!(
            "{}我们会收集您的手机号码。{}",
            "<div>".repeat(20_000),
            "</div>".repeat(20_000)
        )
        .into_bytes(),
    );
    put(
        "script.html",
        format!(
            "<p>政策</p><script>{}</script><p>我们会收集您的位置。",
            "var a=1;".repeat(250_000)
        )
        .into_bytes(),
    );
    put(
        "bogus.html",
        "<p>&bogus; &#xZZ; &#99999999; &amp 收集 <b>未闭合"
            .as_bytes()
            .to_vec(),
    );
    put("名字 有空格.txt", ok.as_bytes().to_vec());
    put("big.txt", "收集".repeat(1_000_000).into_bytes());
    std::fs::create_dir(d.join("folder.txt")).unwrap();
    std::fs::write(d.join("folder.txt/inner.txt"), ok).unwrap();
    expected.push("folder.txt/inner.txt".into());
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(d, d.join("loop")).unwrap();
        std::os::unix::fs::symlink(d.join("random.txt"), d.join("link.txt")).unwrap();
        expected.push("link.txt".into());
        // A named pipe (opening it would block the run) and a link to one.
        let fifo = d.join("pipe.txt");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        if made.is_ok_and(|s| s.success()) {
            std::os::unix::fs::symlink(&fifo, d.join("pipe-link.txt")).unwrap();
            expected.push("pipe.txt".into());
            expected.push("pipe-link.txt".into());
        }
    }

    let out = tempfile::tempdir().unwrap();
    scan_ok(&[d], out.path(), &["--max-bytes", "3000000"]);
    let pol = table(out.path(), "policies");
    let err = table(out.path(), "errors");
    let mut seen: Vec<String> = strs(&pol, "path")
        .into_iter()
        .chain(strs(&err, "path"))
        .collect();
    let rel = |p: &str| {
        p.strip_prefix(&format!("{}/", d.display()))
            .unwrap_or(p)
            .to_string()
    };
    seen = seen.iter().map(|p| rel(p)).collect();
    for name in &expected {
        assert_eq!(
            seen.iter().filter(|p| *p == name).count(),
            1,
            "{name} must appear exactly once; seen {seen:?}"
        );
    }
    let stage = |name: &str| {
        let paths: Vec<String> = strs(&err, "path").iter().map(|p| rel(p)).collect();
        paths
            .iter()
            .position(|p| p == name)
            .map(|i| strs(&err, "stage")[i].clone())
    };
    assert_eq!(stage("random.txt").as_deref(), Some("decode"));
    assert_eq!(stage("image.txt").as_deref(), Some("decode"));
    assert_eq!(
        stage("big.txt").as_deref(),
        Some("read"),
        "over --max-bytes"
    );
    assert_eq!(stage("only-headings.md").as_deref(), Some("parse"));
    #[cfg(unix)]
    assert!(
        strs(&err, "error").iter().any(|e| e.contains("loop")),
        "the link loop is reported"
    );
    // Segments stay bounded even for a line with no punctuation.
    let seg = table(out.path(), "segments");
    let (s, e) = (u32s(&seg, "char_start"), u32s(&seg, "char_end"));
    assert!(s.iter().zip(&e).all(|(a, b)| b - a <= 200));
    // Zero-width and NUL characters are gone from the text.
    assert!(
        strs(&seg, "text")
            .iter()
            .all(|t| !t.contains('\u{200b}') && !t.contains('\u{0}'))
    );
}

#[test]
fn policy_ids_cannot_write_outside_out() {
    let dir = tempfile::tempdir().unwrap();
    let nested = dir.path().join("..evil").join("..");
    std::fs::create_dir_all(dir.path().join("..evil")).unwrap();
    std::fs::write(
        dir.path().join("..evil/x.txt"),
        "一、信息\n我们会收集您的手机号码。\n",
    )
    .unwrap();
    let _ = nested;
    let out_parent = tempfile::tempdir().unwrap();
    let out = out_parent.path().join("out");
    scan_ok(&[dir.path()], &out, &["--keep-text"]);
    // Everything written is under --out.
    for e in walk(out_parent.path()) {
        assert!(e.starts_with(&out), "{} is outside --out", e.display());
    }
    assert!(out.join("texts/..evil/x.txt").exists());
}

#[test]
fn kept_texts_of_ids_differing_in_replaced_characters_do_not_collide() {
    let dir = tempfile::tempdir().unwrap();
    let names = [
        "b_p\nq.txt",
        "b_p_q.txt",
        "b_p%0Aq.txt",
        "a:b.txt",
        "a_b.txt",
    ];
    for (i, n) in names.iter().enumerate() {
        let text = format!("一、信息\n我们会收集您的第{i}项信息。\n");
        std::fs::write(dir.path().join(n), text).unwrap();
    }
    let out = tempfile::tempdir().unwrap();
    scan_ok(&[dir.path()], out.path(), &["--keep-text"]);
    let kept: Vec<_> = walk(&out.path().join("texts"));
    assert_eq!(kept.len(), names.len(), "{kept:?}");
    // Each text file holds its own policy: its segments slice back from it.
    let seg = table(out.path(), "segments");
    let ids = strs(&seg, "policy_id");
    let texts = strs(&seg, "text");
    let (s, e) = (u32s(&seg, "char_start"), u32s(&seg, "char_end"));
    for i in 0..ids.len() {
        let rel = policyscan::read::safe_relative_path(&ids[i], "txt");
        let full = std::fs::read_to_string(out.path().join("texts").join(rel)).unwrap();
        assert_eq!(char_slice(&full, s[i], e[i]), texts[i], "{}", ids[i]);
    }
}

fn walk(p: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut v = vec![];
    for e in std::fs::read_dir(p).unwrap() {
        let e = e.unwrap().path();
        if e.is_dir() {
            v.extend(walk(&e));
        } else {
            v.push(e);
        }
    }
    v
}
