//! A run killed part-way and continued with `--resume` gives exactly the
//! rows of an uninterrupted run.

use crate::util::*;

#[test]
fn resume_after_a_crash_matches_an_uninterrupted_run() {
    let dir = tempfile::tempdir().unwrap();
    for i in 0..7 {
        std::fs::write(
            dir.path().join(format!("p{i}.txt")),
            format!(
                "一、收集\n我们会收集您的手机号码和第{i}项信息。\n二、权利\n您可以删除您的信息。\n"
            ),
        )
        .unwrap();
    }
    std::fs::write(dir.path().join("bad.txt"), "").unwrap();
    let full = tempfile::tempdir().unwrap();
    scan_ok(&[dir.path()], full.path(), &["--chunk", "2"]);

    let out = tempfile::tempdir().unwrap();
    let o = bin()
        .args(["scan"])
        .arg(dir.path())
        .arg("--out")
        .arg(out.path())
        .args(["--chunk", "2"])
        .env("POLICYSCAN_ABORT_AFTER_BATCHES", "2")
        .output()
        .unwrap();
    assert!(!o.status.success(), "the abort hook must kill the run");
    assert!(
        !out.path().join("segments.parquet").exists(),
        "no final table after a crash"
    );
    // Without --resume the unfinished run is refused, not overwritten.
    let o = scan(&[dir.path()], out.path(), &["--chunk", "2"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--resume"));
    let o = scan_ok(&[dir.path()], out.path(), &["--chunk", "2", "--resume"]);
    assert!(String::from_utf8_lossy(&o.stderr).contains("2 batches resumed"));
    for t in ["segments", "entities", "policies", "errors"] {
        assert!(
            table(full.path(), t).equals_missing(&table(out.path(), t)),
            "table {t} differs"
        );
    }
    assert_eq!(table(out.path(), "policies").height(), 7);
    assert_eq!(table(out.path(), "errors").height(), 1);
}
