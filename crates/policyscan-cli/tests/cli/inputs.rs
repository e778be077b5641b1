//! Inputs as app stores publish them: encodings, formats, stdin, ids.

use std::io::Write;
use std::process::Stdio;

use crate::util::*;

const POLICY: &str = "示例隐私政策\n一、我们如何收集您的个人信息\n当您注册账号时，我们会收集您的手机号码。\n二、您的权利\n您可以随时删除您的个人信息。\n";

fn utf16(text: &str, le: bool, bom: bool) -> Vec<u8> {
    let mut v = Vec::new();
    if bom {
        v.extend(if le { [0xFF, 0xFE] } else { [0xFE, 0xFF] });
    }
    for u in text.encode_utf16() {
        v.extend(if le { u.to_le_bytes() } else { u.to_be_bytes() });
    }
    v
}

#[test]
fn every_file_lands_in_exactly_one_table() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("utf8.txt"), POLICY).unwrap();
    std::fs::write(d.join("utf8bom.txt"), format!("\u{feff}{POLICY}")).unwrap();
    let (gbk, _, _) = encoding_rs::GBK.encode(POLICY);
    std::fs::write(d.join("gbk.txt"), &gbk).unwrap();
    std::fs::write(d.join("u16le.txt"), utf16(POLICY, true, true)).unwrap();
    std::fs::write(d.join("u16be-nobom.txt"), utf16(POLICY, false, false)).unwrap();
    let (big5, _, _) = encoding_rs::BIG5.encode("隱私政策\n一、我們如何收集您的個人資訊\n當您註冊帳號時，我們會收集您的手機號碼與電子郵件地址。\n");
    std::fs::write(d.join("big5.txt"), &big5).unwrap();
    std::fs::write(d.join("crlf.md"), POLICY.replace('\n', "\r\n")).unwrap();
    std::fs::write(
        d.join("page.html"),
        format!(
            "<html><body><h1>政策</h1><p>{}</p></body></html>",
            "我们会收集您的位置信息。"
        ),
    )
    .unwrap();
    std::fs::write(d.join("empty.txt"), "").unwrap();
    std::fs::write(d.join("blank.txt"), " \n\t\n").unwrap();
    std::fs::write(d.join("scan.pdf"), b"%PDF-1.4 fake").unwrap();
    std::fs::create_dir(d.join("sub")).unwrap();
    std::fs::write(d.join("sub/nested.txt"), POLICY).unwrap();

    let out = tempfile::tempdir().unwrap();
    scan_ok(&[d], out.path(), &[]);
    let pol = table(out.path(), "policies");
    let err = table(out.path(), "errors");
    let ids = strs(&pol, "policy_id");
    assert_eq!(
        ids,
        [
            "big5",
            "crlf",
            "gbk",
            "page",
            "sub/nested",
            "u16be-nobom",
            "u16le",
            "utf8",
            "utf8bom"
        ]
    );
    let enc = strs(&pol, "encoding");
    let enc_of = |id: &str| enc[ids.iter().position(|i| i == id).unwrap()].clone();
    assert_eq!(enc_of("gbk"), "gb18030");
    assert_eq!(enc_of("big5"), "big5");
    assert_eq!(enc_of("u16le"), "utf-16le");
    assert_eq!(enc_of("u16be-nobom"), "utf-16be");
    assert_eq!(enc_of("utf8"), "utf-8");
    // Every decoding gives the same segments as the UTF-8 original.
    let seg = table(out.path(), "segments");
    let sids = strs(&seg, "policy_id");
    let texts = strs(&seg, "text");
    let of = |id: &str| -> Vec<String> {
        sids.iter()
            .zip(&texts)
            .filter(|(s, _)| *s == id)
            .map(|(_, t)| t.clone())
            .collect()
    };
    for id in [
        "gbk",
        "u16le",
        "u16be-nobom",
        "utf8bom",
        "crlf",
        "sub/nested",
    ] {
        assert_eq!(of(id), of("utf8"), "{id}");
    }
    assert!(of("big5").iter().any(|t| t.contains("手機號碼")));
    // Errors: empty, blank, pdf; with stages and readable reasons.
    let paths = strs(&err, "path");
    let stages = strs(&err, "stage");
    assert_eq!(err.height(), 3, "{paths:?}");
    let stage_of =
        |name: &str| stages[paths.iter().position(|p| p.ends_with(name)).unwrap()].clone();
    assert_eq!(stage_of("scan.pdf"), "unsupported");
    assert_eq!(stage_of("empty.txt"), "decode");
    assert_eq!(stage_of("blank.txt"), "decode");
    for e in strs(&err, "error") {
        assert!(e.len() > 10, "error message too terse: {e}");
    }
}

#[test]
fn stdin_is_one_policy() {
    let out = tempfile::tempdir().unwrap();
    let mut child = bin()
        .args(["scan", "-", "--out"])
        .arg(out.path())
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(POLICY.as_bytes())
        .unwrap();
    let o = child.wait_with_output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let pol = table(out.path(), "policies");
    assert_eq!(strs(&pol, "policy_id"), ["stdin"]);
    assert_eq!(strs(&pol, "path"), ["-"]);
}

#[test]
fn duplicate_ids_are_reported_and_the_first_kept() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.txt"), POLICY).unwrap();
    std::fs::write(dir.path().join("a.md"), POLICY).unwrap();
    let out = tempfile::tempdir().unwrap();
    let o = scan_ok(&[dir.path()], out.path(), &[]);
    assert!(String::from_utf8_lossy(&o.stderr).contains("duplicate policy id"));
    let pol = table(out.path(), "policies");
    assert_eq!(pol.height(), 1);
    let err = table(out.path(), "errors");
    assert_eq!(err.height(), 1);
    assert!(strs(&err, "error")[0].contains("duplicate policy id `a`"));
}

#[test]
fn bad_runs_exit_non_zero_with_a_message() {
    let out = tempfile::tempdir().unwrap();
    let o = scan(
        &[&samples()],
        out.path(),
        &["--model", "/nonexistent/model"],
    );
    assert_eq!(o.status.code(), Some(2));
    let e = String::from_utf8_lossy(&o.stderr);
    assert!(e.contains("config.json") && e.contains("not found"), "{e}");
    let o = scan(
        &[std::path::Path::new("/nonexistent/policies")],
        out.path(),
        &[],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("/nonexistent/policies"));
}
