//! `train`, `eval`, `score` and `dataset` from the command line, CI-sized.

use std::path::Path;

use crate::util::*;

fn fixture() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/tiny_train.jsonl")
}

#[test]
fn train_then_eval_then_scan_with_the_trained_model() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("model");
    let o = bin()
        .args([
            "train",
            "--config",
            "micro",
            "--vocab-size",
            "300",
            "--max-steps",
            "12",
            "--epochs",
            "10",
            "--patience",
            "100",
            "--batch-size",
            "8",
            "--max-tokens",
            "64",
        ])
        .arg("--train")
        .arg(fixture())
        .arg("--dev")
        .arg(fixture())
        .arg("--out")
        .arg(&model)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(stdout.contains("trained 12 steps"), "{stdout}");
    for f in ["config.json", "model.safetensors", "tokenizer.json"] {
        assert!(model.join(f).is_file(), "{f}");
    }
    let o = bin()
        .args(["eval", "--json", "--max-tokens", "64"])
        .arg("--model")
        .arg(&model)
        .arg("--data")
        .arg(fixture())
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let r: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(r["n"], 21);
    assert_eq!(r["labels"].as_array().unwrap().len(), 6);
    assert!(r["macro_f1"].as_f64().unwrap() >= 0.0);

    let scores = dir.path().join("scores.jsonl");
    let o = bin()
        .args(["score"])
        .arg("--model")
        .arg(&model)
        .arg("--data")
        .arg(fixture())
        .arg("--out")
        .arg(&scores)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let lines = std::fs::read_to_string(&scores).unwrap();
    assert_eq!(lines.lines().count(), 21);
    let first: serde_json::Value = serde_json::from_str(lines.lines().next().unwrap()).unwrap();
    assert!(first["cross_border"].as_f64().is_some());

    let out = dir.path().join("out");
    scan_ok(&[&samples()], &out, &["--model", model.to_str().unwrap()]);
    assert_eq!(table(&out, "policies").height(), 3);
}

#[test]
fn dataset_without_shared_data_says_where_it_looked() {
    let dir = tempfile::tempdir().unwrap();
    let o = bin()
        .args(["dataset", "--shared", "/nonexistent/shared", "--out"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let e = String::from_utf8_lossy(&o.stderr);
    assert!(
        e.contains("/nonexistent/shared") && e.contains("not found"),
        "{e}"
    );
}

#[test]
fn bad_training_file_names_the_line() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.jsonl");
    std::fs::write(&bad, "{\"text\": \"ok\", \"labels\": [\"rights\"]}\n{\"text\": \"x\", \"labels\": [\"privacy\"]}\n").unwrap();
    let o = bin()
        .args(["train", "--config", "micro"])
        .arg("--train")
        .arg(&bad)
        .arg("--dev")
        .arg(&bad)
        .arg("--out")
        .arg(dir.path().join("m"))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let e = String::from_utf8_lossy(&o.stderr);
    assert!(e.contains("bad.jsonl:2") && e.contains("privacy"), "{e}");
}

#[test]
fn train_tagger_then_eval_then_scan_with_it() {
    let fx = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/tiny_tag.jsonl");
    let dir = tempfile::tempdir().unwrap();
    let tagger = dir.path().join("tagger");
    let o = bin()
        .args([
            "train-tagger",
            "--config",
            "micro",
            "--vocab-size",
            "300",
            "--max-steps",
            "10",
            "--batch-size",
            "8",
        ])
        .arg("--train")
        .arg(&fx)
        .arg("--dev")
        .arg(&fx)
        .arg("--out")
        .arg(&tagger)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(String::from_utf8_lossy(&o.stdout).contains("best dev exact-span F1"));
    for f in ["config.json", "model.safetensors", "tokenizer.json"] {
        assert!(tagger.join(f).is_file(), "{f}");
    }
    let o = bin()
        .arg("eval")
        .arg("--tag-data")
        .arg(&fx)
        .arg("--tagger")
        .arg(&tagger)
        .arg("--json")
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["gold"], 36, "the fixture's spans");
    assert!(v["lexicon"]["overlap"]["f1"].as_f64().unwrap() > 0.5);
    // A scan with that tagger runs; a classifier directory is refused as one.
    let out = dir.path().join("out");
    scan_ok(&[&samples()], &out, &["--tagger", tagger.to_str().unwrap()]);
    let o = scan(
        &[&samples()],
        &dir.path().join("out2"),
        &["--tagger", "models/policy-bert-zh"],
    );
    assert!(!o.status.success());
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("B-data"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

#[test]
fn pretrain_then_fine_tune_from_it() {
    let fx = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/tiny_train.jsonl");
    let dir = tempfile::tempdir().unwrap();
    let mlm = dir.path().join("mlm");
    let o = bin()
        .args([
            "pretrain",
            "--config",
            "micro",
            "--vocab-size",
            "300",
            "--max-steps",
            "10",
            "--batch-size",
            "8",
        ])
        .arg("--train")
        .arg(&fx)
        .arg("--dev")
        .arg(&fx)
        .arg("--out")
        .arg(&mlm)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(
        String::from_utf8_lossy(&o.stdout).contains("masked-token accuracy"),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    let model = dir.path().join("model");
    let o = bin()
        .args(["train", "--max-steps", "5", "--batch-size", "8"])
        .arg("--init")
        .arg(&mlm)
        .arg("--train")
        .arg(&fx)
        .arg("--dev")
        .arg(&fx)
        .arg("--out")
        .arg(&model)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    // The fine-tuned directory is a classifier that `eval` accepts.
    let o = bin()
        .arg("eval")
        .arg("--model")
        .arg(&model)
        .arg("--data")
        .arg(&fx)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}
