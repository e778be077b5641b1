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
    for t in ["segments", "entities", "policies", "checklist", "errors"] {
        assert!(
            table(full.path(), t).equals_missing(&table(out.path(), t)),
            "table {t} differs"
        );
    }
    assert_eq!(table(out.path(), "policies").height(), 7);
    assert_eq!(table(out.path(), "errors").height(), 1);
}

fn three_policies() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for i in 0..3 {
        std::fs::write(
            dir.path().join(format!("p{i}.txt")),
            format!("一、收集\n我们会收集您的手机号码和第{i}项信息。\n"),
        )
        .unwrap();
    }
    dir
}

#[test]
fn a_kill_before_the_manifest_header_is_recovered_by_any_run() {
    let dir = three_policies();
    let full = tempfile::tempdir().unwrap();
    scan_ok(&[dir.path()], full.path(), &[]);
    // A parts folder without a manifest (killed right after creating it),
    // and one with a torn header: neither holds a committed batch.
    for (case, manifest) in [
        ("no manifest", None),
        ("torn header", Some("{\"version\":1,\"inp")),
    ] {
        for resume in [false, true] {
            let out = tempfile::tempdir().unwrap();
            let parts = out.path().join(".policyscan-parts");
            std::fs::create_dir_all(parts.join("segments")).unwrap();
            if let Some(m) = manifest {
                std::fs::write(parts.join("manifest.jsonl"), m).unwrap();
            }
            let extra: &[&str] = if resume { &["--resume"] } else { &[] };
            let o = scan(&[dir.path()], out.path(), extra);
            assert!(
                o.status.success(),
                "{case}, resume {resume}: {}",
                String::from_utf8_lossy(&o.stderr)
            );
            assert!(table(full.path(), "policies").equals_missing(&table(out.path(), "policies")));
        }
    }
}

#[test]
fn resume_on_a_finished_output_says_so_and_does_nothing() {
    let dir = three_policies();
    let out = tempfile::tempdir().unwrap();
    scan_ok(&[dir.path()], out.path(), &[]);
    let before = std::fs::metadata(out.path().join("segments.parquet"))
        .unwrap()
        .modified()
        .unwrap();
    let o = scan_ok(&[dir.path()], out.path(), &["--resume"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("already complete") && err.contains("3 policies"),
        "{err}"
    );
    let after = std::fs::metadata(out.path().join("segments.parquet"))
        .unwrap()
        .modified()
        .unwrap();
    assert_eq!(before, after, "the tables were written again");
    // Other inputs are another run: scanned, not declared complete.
    std::fs::write(
        dir.path().join("p9.txt"),
        "一、收集\n我们会收集您的邮箱。\n",
    )
    .unwrap();
    let o = scan_ok(&[dir.path()], out.path(), &["--resume"]);
    assert!(!String::from_utf8_lossy(&o.stderr).contains("already complete"));
    assert_eq!(table(out.path(), "policies").height(), 4);
}
