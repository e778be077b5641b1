//! `train`, `eval`, `score` and `dataset` from the command line, CI-sized.

use crate::util::*;

fn train_fixture() -> std::path::PathBuf {
    fixture("tiny_train.jsonl")
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
        .arg(train_fixture())
        .arg("--dev")
        .arg(train_fixture())
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
        .arg(train_fixture())
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
        .arg(train_fixture())
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
fn dev_lines_eval_compares_model_and_baseline_over_policies() {
    // A stand-in for the shared folder: two fictional policies labelled line by line.
    let dir = tempfile::tempdir().unwrap();
    let texts = dir.path().join("corpus/ca4p/texts");
    let labels = dir.path().join("labeled/segments_dev");
    std::fs::create_dir_all(&texts).unwrap();
    std::fs::create_dir_all(&labels).unwrap();
    let policies = [
        (
            "0001",
            "一、我们如何收集您的个人信息\n我们会收集您的手机号码和设备标识符，用于注册和登录。\n二、我们如何使用Cookie\n我们使用Cookie记住您的登录状态。\n",
            "1\theading\t-\n2\tbody\tcollection\n3\theading\t-\n4\tbody\tcookie\n",
        ),
        (
            "0002",
            "一、未成年人保护\n若您是未满14周岁的儿童，请在监护人的陪同下阅读本政策。\n二、您的权利\n您可以在“设置—账号”中注销账号或删除您的个人信息。\n",
            "1\theading\t-\n2\tbody\tminors\n3\theading\t-\n4\tbody\trights\n",
        ),
    ];
    for (id, text, tsv) in policies {
        std::fs::write(texts.join(format!("{id}.txt")), text).unwrap();
        std::fs::write(labels.join(format!("{id}.labels.tsv")), tsv).unwrap();
    }
    let dump = dir.path().join("dev.lines.jsonl");
    let o = bin()
        .args(["eval", "--dev-lines", "--json", "--shared"])
        .arg(dir.path())
        .arg("--dump")
        .arg(&dump)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let r: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(r["model"]["n"], 4);
    assert_eq!(r["baseline"]["n"], 4);
    let boot = &r["model_minus_baseline"];
    assert_eq!(boot["groups"], 2);
    let f = |v: &serde_json::Value| v.as_f64().unwrap();
    let diff = f(&r["model"]["macro_f1"]) - f(&r["baseline"]["macro_f1"]);
    assert!((f(&boot["macro_diff"]) - diff).abs() < 1e-9, "{boot}");
    let (lo, hi) = (f(&boot["macro_interval"][0]), f(&boot["macro_interval"][1]));
    assert!(lo <= hi, "{boot}");
    let ahead = f(&boot["macro_a_ahead"]);
    assert!((0.0..=1.0).contains(&ahead), "{boot}");
    // The dump holds every scored body line with its gold labels, in the
    // format `eval --compare` reads: a run against itself differs by 0.
    let text = std::fs::read_to_string(&dump).unwrap();
    let rows: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(rows.len(), 4);
    assert_eq!(rows[0]["policy"], "0001");
    assert_eq!(rows[0]["line"], 2);
    assert_eq!(rows[0]["gold"], serde_json::json!(["collection"]));
    let o = bin()
        .args(["eval", "--json", "--compare"])
        .args([&dump, &dump])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let c: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(c["a_minus_b"]["macro_diff"], 0.0, "{c}");
    // Each line keeps the classifier's scores and each member's (the
    // built-in ensemble has two), and `eval --ceiling` reads them: as
    // decided it is the run's own figure, and the best thresholds on the
    // same lines can only do as well or better.
    for row in &rows {
        let scores = row["scores"].as_array().unwrap();
        assert_eq!(scores.len(), 6, "{row}");
        assert!(scores.iter().all(|x| (0.0..=1.0).contains(&f(x))), "{row}");
        assert_eq!(row["member_scores"].as_array().unwrap().len(), 2, "{row}");
    }
    let o = bin()
        .args(["eval", "--json", "--ceiling"])
        .arg(&dump)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let c: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(c["decided"]["macro_f1"], r["model"]["macro_f1"], "{c}");
    assert!(f(&c["best_thresholds"]["macro_f1"]) >= f(&c["decided"]["macro_f1"]) - 1e-9);
    assert!(
        c["best_mix"]["weights"].as_array().unwrap().len() == 6,
        "{c}"
    );
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

/// `--ema` keeps a share of the average per step: 1 would never move and
/// a negative share means nothing, so both are refused before training.
#[test]
fn a_weight_average_decay_outside_zero_to_one_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    for bad in ["1", "-0.1", "often"] {
        let o = bin()
            .args(["train", "--config", "micro"])
            .arg(format!("--ema={bad}"))
            .arg("--train")
            .arg(train_fixture())
            .arg("--dev")
            .arg(train_fixture())
            .arg("--out")
            .arg(dir.path().join("m"))
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(2), "--ema {bad}");
        let e = String::from_utf8_lossy(&o.stderr);
        assert!(e.contains("--ema") && e.contains(bad), "{e}");
        assert!(!dir.path().join("m").exists(), "--ema {bad} trained");
    }
}

/// `eval --compare A B`: two runs' dump files, paired over their policies;
/// runs that scored other lines are refused, naming the line.
#[test]
fn eval_compare_pairs_two_runs_dumps_and_refuses_other_lines() {
    let dir = tempfile::tempdir().unwrap();
    let dump = |name: &str, p2_model: &str, lines: usize| {
        let path = dir.path().join(name);
        let mut s = String::new();
        for (policy, model) in [("p1", "[\"rights\"]"), ("p2", p2_model)] {
            for line in 1..=lines {
                s += &format!(
                    "{{\"policy\":\"{policy}\",\"line\":{line},\"gold\":[\"rights\"],\"model\":{model},\"baseline\":[]}}\n"
                );
            }
        }
        std::fs::write(&path, s).unwrap();
        path
    };
    let (a, b) = (dump("a.jsonl", "[\"rights\"]", 3), dump("b.jsonl", "[]", 3));
    let o = bin()
        .args(["eval", "--json", "--compare"])
        .arg(&a)
        .arg(&b)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let r: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(r["policies"], 2);
    assert_eq!(r["a"]["n"], 6);
    let diff = r["a_minus_b"]["micro_diff"].as_f64().unwrap();
    assert!((diff - (1.0 - 2.0 / 3.0)).abs() < 1e-9, "{diff}");

    let short = dump("short.jsonl", "[]", 2);
    let o = bin()
        .args(["eval", "--compare"])
        .arg(&a)
        .arg(&short)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let e = String::from_utf8_lossy(&o.stderr);
    assert!(e.contains("line 3 is in A only"), "{e}");
}

/// `eval --ceiling` needs the scores a dump keeps: one written without
/// them is refused, naming the file and the line.
#[test]
fn eval_ceiling_refuses_a_dump_without_scores() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.jsonl");
    std::fs::write(
        &path,
        "{\"policy\":\"p1\",\"line\":4,\"gold\":[\"rights\"],\"model\":[],\"baseline\":[]}\n",
    )
    .unwrap();
    let o = bin()
        .args(["eval", "--ceiling"])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let e = String::from_utf8_lossy(&o.stderr);
    assert!(e.contains("old.jsonl") && e.contains("p1 line 4"), "{e}");
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
    let fx = fixture("tiny_tag.jsonl");
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
        &[
            "--tagger",
            repo()
                .join("models/policy-bert-zh/lead-in")
                .to_str()
                .unwrap(),
        ],
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
    let fx = fixture("tiny_train.jsonl");
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

/// `--lead-in` shapes the classifier's input only: the masked-LM and the
/// tagger refuse it rather than ignore it, and write nothing.
#[test]
fn lead_in_is_refused_where_it_would_be_ignored() {
    let fx = fixture("tiny_train.jsonl");
    let dir = tempfile::tempdir().unwrap();
    for command in ["pretrain", "train-tagger"] {
        let out = dir.path().join(command);
        let o = bin()
            .args([
                command,
                "--config",
                "micro",
                "--lead-in",
                "--max-steps",
                "1",
            ])
            .arg("--train")
            .arg(&fx)
            .arg("--dev")
            .arg(&fx)
            .arg("--out")
            .arg(&out)
            .output()
            .unwrap();
        assert!(!o.status.success(), "{command}");
        let e = String::from_utf8_lossy(&o.stderr);
        assert!(e.contains("--lead-in") && e.contains(command), "{e}");
        assert!(!out.exists(), "{command}");
    }
}

/// Train a micro classifier on the fixture into `out` (fine-tuning `init`
/// when given).
fn micro_model(out: &std::path::Path, init: Option<&std::path::Path>, lr: &str) {
    let fx = train_fixture();
    let mut cmd = bin();
    cmd.args(["train", "--max-steps", "6", "--batch-size", "8", "--lr", lr]);
    match init {
        Some(dir) => cmd.arg("--init").arg(dir),
        None => cmd.args(["--config", "micro", "--vocab-size", "300"]),
    };
    let o = cmd
        .arg("--train")
        .arg(&fx)
        .arg("--dev")
        .arg(&fx)
        .arg("--out")
        .arg(out)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

fn scores(model: &std::path::Path, out: &std::path::Path) -> String {
    let o = bin()
        .arg("score")
        .arg("--model")
        .arg(model)
        .arg("--data")
        .arg(train_fixture())
        .arg("--out")
        .arg(out)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    std::fs::read_to_string(out).unwrap()
}

#[test]
fn a_soup_of_fine_tunes_is_one_model_that_scores() {
    let dir = tempfile::tempdir().unwrap();
    let p = |name: &str| dir.path().join(name);
    micro_model(&p("start"), None, "1e-3");
    micro_model(&p("a"), Some(&p("start")), "1e-3");
    micro_model(&p("b"), Some(&p("start")), "3e-3");
    let soup = |out: &str, models: &[&str]| {
        let mut cmd = bin();
        cmd.arg("soup").arg("--out").arg(p(out));
        for m in models {
            cmd.arg(p(m));
        }
        cmd.output().unwrap()
    };
    // The mean of a model and itself is that model: the same scores.
    let o = soup("aa", &["a", "a"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(
        scores(&p("aa"), &p("aa.jsonl")),
        scores(&p("a"), &p("a.jsonl"))
    );
    // Two fine-tunes of one start average into a model of their own.
    let o = soup("ab", &["a", "b"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("averaged"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let ab = scores(&p("ab"), &p("ab.jsonl"));
    assert_eq!(ab.lines().count(), 21);
    assert_ne!(ab, scores(&p("b"), &p("b.jsonl")));
    // One model is no soup; a folder that is no model is named.
    let o = soup("x", &["a"]);
    assert!(!o.status.success());
    std::fs::create_dir_all(p("empty")).unwrap();
    let o = soup("x", &["a", "empty"]);
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("empty"), "{err}");
    assert!(!p("x").exists(), "nothing written for a refused soup");
}

/// `eval --data-types OUT` scores a scan's lists of data types against the
/// types in each policy's CA4P `data` spans; policies without spans are
/// skipped, and a folder that is no scan output is named.
#[test]
fn eval_data_types_scores_a_scans_lists_against_the_marked_types() {
    let dir = tempfile::tempdir().unwrap();
    let shared = dir.path().join("shared");
    let texts = shared.join("corpus/ca4p/texts");
    let spans = shared.join("corpus/ca4p/spans");
    for d in [&texts, &spans, &shared.join("labeled/segments_dev")] {
        std::fs::create_dir_all(d).unwrap();
    }
    let text = "一、我们如何收集信息\n我们会收集您的手机号码和姓名。\n二、联系我们\n客服邮箱：kefu@example.com\n本政策依据法律文件制定。您可以随时清除浏览记录。\n";
    std::fs::write(texts.join("0001.txt"), text).unwrap();
    std::fs::write(texts.join("0002.txt"), text).unwrap();
    let b = text.find("手机号码和姓名").unwrap();
    let s = text[..b].chars().count();
    std::fs::write(
        spans.join("0001.jsonl"),
        format!(
            "{{\"start\": {s}, \"end\": {}, \"label\": \"data\", \"text\": \"手机号码和姓名\"}}\n",
            s + 7
        ),
    )
    .unwrap();
    let out = dir.path().join("out");
    scan_ok(&[&texts], &out, &[]);
    let o = bin()
        .args(["eval", "--json", "--data-types"])
        .arg(&out)
        .arg("--shared")
        .arg(&shared)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let rows = v["data_type_lists"].as_array().unwrap();
    let row = |name: &str| rows.iter().find(|r| r["name"] == name).unwrap();
    // 0002 has no spans: one policy scored. The lexicon lists 手机号码,
    // 姓名 and 浏览记录 (not the contact channel's 电子邮箱, nor 法律文件's
    // 文件); the spans mark two.
    let lexicon = row("lexicon list, 1 policies");
    assert_eq!((&lexicon["pred"], &lexicon["gold"]), (&3.into(), &2.into()));
    assert!((lexicon["precision"].as_f64().unwrap() - 2.0 / 3.0).abs() < 1e-9);
    let mentioned = row("mentioned list, 1 policies");
    assert!(mentioned["pred"].as_u64().unwrap() <= 3, "{mentioned}");
    // Both lists are read against the same marked types.
    assert_eq!(mentioned["gold"], 2, "{mentioned}");
    assert_eq!(row("lexicon list, 0 held out")["pred"], 0);

    let o = bin()
        .args(["eval", "--data-types"])
        .arg(&texts)
        .arg("--shared")
        .arg(&shared)
        .output()
        .unwrap();
    assert!(!o.status.success());
    let e = String::from_utf8_lossy(&o.stderr);
    assert!(e.contains("no policyscan output"), "{e}");
}
