//! Sharded runs (`plan`, `scan --plan --shard`, `merge`) with the real
//! binary: four workers as four processes, one killed mid-run and rerun,
//! merge to exactly the rows of a single-machine scan.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use polars::prelude::*;

use crate::util::*;

const TABLES: [&str; 5] = ["segments", "entities", "policies", "checklist", "errors"];

/// Twelve policies in two folders (the three samples, Markdown, HTML and
/// text, and nine small ones), an unsupported file and an empty one.
fn corpus() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("apps")).unwrap();
    for e in std::fs::read_dir(samples()).unwrap() {
        let p = e.unwrap().path();
        std::fs::copy(&p, dir.path().join("apps").join(p.file_name().unwrap())).unwrap();
    }
    for i in 0..9 {
        let sub = if i % 3 == 0 { "apps/" } else { "" };
        let extra = "我们会在您同意后与合作伙伴共享设备信息。".repeat(i % 4 + 1);
        std::fs::write(
            dir.path().join(format!("{sub}p{i:02}.txt")),
            format!(
                "一、我们收集的信息\n我们会收集您的手机号码、位置信息和第{i}项信息。{extra}\n\
                 二、信息存储\n我们将信息存储在中国境内，保存{}个月。\n三、您的权利\n\
                 您可以访问、更正、删除您的个人信息。联系邮箱：privacy{i}@example.com\n",
                i + 1
            ),
        )
        .unwrap();
    }
    std::fs::write(dir.path().join("bad.bin"), [0u8, 159, 146, 150]).unwrap();
    std::fs::write(dir.path().join("apps/empty.txt"), "").unwrap();
    dir
}

fn plan(corpus: &Path, run: &Path, extra: &[&str]) -> Output {
    bin()
        .arg("plan")
        .arg(corpus)
        .arg("--out")
        .arg(run)
        .args(extra)
        .output()
        .unwrap()
}

/// `scan --plan run [--shard k] --scratch scratch`, not yet run.
fn worker(run: &Path, scratch: &Path, k: Option<usize>) -> Command {
    let mut c = bin();
    c.arg("scan")
        .arg("--plan")
        .arg(run)
        .arg("--scratch")
        .arg(scratch)
        .args(["--threads", "1"]);
    if let Some(k) = k {
        c.arg("--shard").arg(k.to_string());
    }
    for v in [
        "JOB_COMPLETION_INDEX",
        "SLURM_ARRAY_TASK_ID",
        "AWS_BATCH_JOB_ARRAY_INDEX",
    ] {
        c.env_remove(v);
    }
    c
}

fn ok(o: &Output, what: &str) -> String {
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert!(o.status.success(), "{what} failed: {}\n{err}", o.status);
    assert!(!err.contains("panicked"), "{err}");
    err
}

/// The parts of a table, concatenated in shard order.
fn merged(run: &Path, table: &str, shards: usize) -> DataFrame {
    let mut out: Option<DataFrame> = None;
    for k in 0..shards {
        let p = run
            .join(table)
            .join(format!("part-{k}-of-{shards}.parquet"));
        let df = ParquetReader::new(std::fs::File::open(&p).unwrap())
            .finish()
            .unwrap();
        out = Some(match out {
            None => df,
            Some(mut o) => {
                o.vstack_mut(&df).unwrap();
                o
            }
        });
    }
    out.unwrap()
}

fn sorted(df: &DataFrame, by: &str) -> DataFrame {
    df.sort([by], SortMultipleOptions::default()).unwrap()
}

fn assert_same_as_single(run: &Path, single: &Path, shards: usize) {
    for t in TABLES {
        let (m, s) = (merged(run, t, shards), table(single, t));
        let (m, s) = if t == "errors" {
            (sorted(&m, "path"), sorted(&s, "path"))
        } else {
            (m, s)
        };
        assert_eq!(m.height(), s.height(), "{t}: row count");
        assert!(m.equals_missing(&s), "{t}: rows differ\n{m}\n{s}");
    }
}

#[test]
fn four_workers_one_killed_merge_to_exactly_a_single_machine_scan() {
    let input = corpus();
    let single = tempfile::tempdir().unwrap();
    scan_ok(&[input.path()], single.path(), &["--chunk", "1"]);

    let tmp = tempfile::tempdir().unwrap();
    let run = tmp.path().join("run");
    let scratch = tmp.path().join("scratch");
    let err = ok(
        &plan(input.path(), &run, &["--shards", "4", "--chunk", "1"]),
        "plan",
    );
    assert!(err.contains("14 entries (13 inputs, 1 rejected"), "{err}");
    let meta: serde_json::Value =
        serde_json::from_slice(&std::fs::read(run.join("_plan/plan.json")).unwrap()).unwrap();
    assert_eq!(meta["count"], 14);
    let counts: Vec<u64> = meta["shard_counts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap())
        .collect();
    assert_eq!(counts.len(), 4);
    assert!(counts.iter().all(|&c| c > 0), "{counts:?}");

    // Four processes at once: shard 0 by flag, 1 from Kubernetes' variable,
    // 3 from Slurm's with an offset, and 2 killed after its first batch.
    let s = |k: usize| scratch.join(format!("s{k}"));
    let mut w1 = worker(&run, &s(1), None);
    w1.env("JOB_COMPLETION_INDEX", "1");
    let mut w3 = worker(&run, &s(3), None);
    w3.env("SLURM_ARRAY_TASK_ID", "1")
        .args(["--shard-offset", "2"]);
    let mut w2 = worker(&run, &s(2), Some(2));
    w2.env("POLICYSCAN_ABORT_AFTER_BATCHES", "1");
    let children: Vec<_> = [worker(&run, &s(0), Some(0)), w1, w2, w3]
        .iter_mut()
        .map(|c| {
            c.stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let outs: Vec<Output> = children
        .into_iter()
        .map(|c| c.wait_with_output().unwrap())
        .collect();
    for (k, o) in outs.iter().enumerate() {
        if k == 2 {
            assert!(!o.status.success(), "the abort hook must kill shard 2");
        } else {
            let err = ok(o, &format!("shard {k}"));
            assert!(err.contains(&format!("shard {k} of 4")), "{err}");
        }
    }
    // The killed shard left no marker and no part, only its scratch.
    assert!(!run.join("_done/shard-2.json").exists());
    for t in TABLES {
        assert!(!run.join(t).join("part-2-of-4.parquet").exists());
    }
    assert!(s(2).join("out/.policyscan-parts").is_dir());

    // Merge names the missing shard and fails.
    let o = bin().arg("merge").arg(&run).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("shard 2") && err.contains("3 of 4"), "{err}");
    assert!(!run.join("_SUCCESS").exists());

    // Rerun: it resumes from scratch; then merge succeeds.
    let err = ok(&worker(&run, &s(2), Some(2)).output().unwrap(), "rerun");
    assert!(err.contains("1 batches resumed"), "{err}");
    assert!(!s(2).exists(), "scratch is removed when done");
    let err = ok(&bin().arg("merge").arg(&run).output().unwrap(), "merge");
    assert!(err.contains("4 shards, 12 policies, 2 errors"), "{err}");
    assert!(run.join("_SUCCESS").is_file());
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(run.join("_manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["policies"], 12);
    assert_eq!(
        manifest["rows"]["segments"].as_u64().unwrap() as usize,
        table(single.path(), "segments").height()
    );
    assert_same_as_single(&run, single.path(), 4);

    // A finished shard is a no-op: nothing is written again.
    let part = run.join("segments/part-0-of-4.parquet");
    let before = std::fs::metadata(&part).unwrap().modified().unwrap();
    let err = ok(&worker(&run, &s(0), Some(0)).output().unwrap(), "again");
    assert!(err.contains("shard 0 of 4 already done"), "{err}");
    assert_eq!(
        before,
        std::fs::metadata(&part).unwrap().modified().unwrap()
    );

    // A shard redone without its marker overwrites its own parts: still
    // exactly the single-machine rows, no duplicates.
    std::fs::remove_file(run.join("_done/shard-1.json")).unwrap();
    let o = bin().arg("merge").arg(&run).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("shard 1"), "{err}");
    assert!(
        !run.join("_SUCCESS").exists(),
        "a failed merge withdraws _SUCCESS"
    );
    ok(&worker(&run, &s(1), Some(1)).output().unwrap(), "redo");
    ok(&bin().arg("merge").arg(&run).output().unwrap(), "merge");
    assert_same_as_single(&run, single.path(), 4);

    // Nothing but parts and control files (`_…`) is left in the dataset.
    for e in walkdir(&run) {
        let rel = e.strip_prefix(&run).unwrap().to_string_lossy().into_owned();
        let name = e.file_name().unwrap().to_string_lossy().into_owned();
        assert!(
            name.starts_with("part-") || rel.starts_with('_'),
            "stray file {rel}"
        );
    }
}

#[test]
fn shards_cut_on_batch_edges_match_a_scan_with_the_same_chunk() {
    let input = corpus();
    let single = tempfile::tempdir().unwrap();
    scan_ok(&[input.path()], single.path(), &["--chunk", "3"]);
    let tmp = tempfile::tempdir().unwrap();
    let run = tmp.path().join("run");
    ok(
        &plan(input.path(), &run, &["--shards", "3", "--chunk", "3"]),
        "plan",
    );
    for k in 0..3 {
        let scratch = tmp.path().join(format!("s{k}"));
        ok(&worker(&run, &scratch, Some(k)).output().unwrap(), "shard");
    }
    ok(&bin().arg("merge").arg(&run).output().unwrap(), "merge");
    assert_same_as_single(&run, single.path(), 3);
}

fn walkdir(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walkdir(&p));
        } else {
            out.push(p);
        }
    }
    out
}

#[test]
fn plans_are_stable_and_never_replaced() {
    let input = corpus();
    let tmp = tempfile::tempdir().unwrap();
    let run = tmp.path().join("run");
    ok(&plan(input.path(), &run, &["--shards", "3"]), "plan");
    let first = std::fs::read(run.join("_plan/plan.parquet")).unwrap();
    // The same plan again is fine (a resubmitted job), and unchanged.
    let err = ok(&plan(input.path(), &run, &["--shards", "3"]), "replan");
    assert!(err.contains("already there"), "{err}");
    assert_eq!(
        first,
        std::fs::read(run.join("_plan/plan.parquet")).unwrap()
    );
    // Another plan into the same location would give shard K other inputs.
    let o = plan(input.path(), &run, &["--shards", "5"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("another plan"));
    // --files-from gives the inputs of file arguments (ids are stems).
    let list = tmp.path().join("list.txt");
    std::fs::write(
        &list,
        format!(
            "{}\n{}\n",
            input.path().join("p01.txt").display(),
            input.path().join("apps/p00.txt").display()
        ),
    )
    .unwrap();
    let run2 = tmp.path().join("run2");
    let o = bin()
        .args(["plan", "--shards", "2", "--files-from"])
        .arg(&list)
        .arg("--out")
        .arg(&run2)
        .output()
        .unwrap();
    let err = ok(&o, "plan --files-from");
    assert!(err.contains("2 entries (2 inputs"), "{err}");
    // Bad shard numbers and flags that would change the rows are refused.
    for (args, want) in [
        (vec!["--shard", "3"], "shard 3 does not exist"),
        (vec!["--shard", "0", "--chunk", "5"], "--chunk 64"),
        (vec!["--shard", "0", "--format", "csv"], "Parquet"),
    ] {
        let o = bin()
            .arg("scan")
            .arg("--plan")
            .arg(&run)
            .args(&args)
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains(want), "{args:?}: {err}");
    }
    let o = worker(&run, tmp.path(), None).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("SLURM_ARRAY_TASK_ID"));
}

/// Against a real S3-compatible server only when one is configured:
/// `POLICYSCAN_TEST_S3=s3://bucket/prefix` plus the `AWS_*` variables
/// (`scripts/e2e-cluster.sh` runs the full cluster check with moto).
#[test]
fn s3_round_trip_when_configured() {
    let Ok(base) = std::env::var("POLICYSCAN_TEST_S3") else {
        eprintln!(
            "skipping the S3 test: set POLICYSCAN_TEST_S3=s3://bucket/prefix and AWS_* to run it"
        );
        return;
    };
    let input = corpus();
    let uri = format!(
        "{}/test-{}-{}",
        base.trim_end_matches('/'),
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    );
    ok(
        &bin()
            .arg("plan")
            .arg(input.path())
            .args(["--shards", "2", "--chunk", "2", "--out", &uri])
            .output()
            .unwrap(),
        "plan to S3",
    );
    let scratch = tempfile::tempdir().unwrap();
    for k in 0..2 {
        let mut c = bin();
        c.args(["scan", "--plan", &uri, "--shard", &k.to_string()])
            .arg("--scratch")
            .arg(scratch.path().join(k.to_string()));
        ok(&c.output().unwrap(), "shard on S3");
    }
    ok(
        &bin().args(["merge", &uri]).output().unwrap(),
        "merge on S3",
    );
}
