//! `policyscan cv` on a stand-in shared folder of six tiny fictional
//! policies labelled line by line: folds by policy, every policy predicted
//! exactly once, out-of-fold figures for every label from model and
//! baseline; `--final` and `--line-kinds` on the same folder.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde_json::Value;

use crate::util::*;

/// Six fictional policies (text, labels.tsv) in `labeled/segments_train`,
/// two in `labeled/segments_dev`, and two nobody labelled (text only).
fn fake_shared(dir: &Path) {
    let texts = dir.join("corpus/ca4p/texts");
    let train = dir.join("labeled/segments_train");
    let dev = dir.join("labeled/segments_dev");
    for d in [&texts, &train, &dev] {
        std::fs::create_dir_all(d).unwrap();
    }
    let bodies = [
        (
            "我们会收集您的手机号码和设备标识符，用于注册和登录。",
            "collection",
        ),
        ("我们使用Cookie记住您的登录状态。", "cookie"),
        ("我们会与合作伙伴共享您的订单信息，以完成配送。", "sharing"),
        ("您可以在设置中注销账号或删除您的个人信息。", "rights"),
        (
            "若您是未满14周岁的儿童，请在监护人的陪同下阅读本政策。",
            "minors",
        ),
        (
            "您的个人信息存储在中国境内，不会传输至境外。",
            "cross_border",
        ),
    ];
    for p in 0..10 {
        let id = format!("{:04}", p + 1);
        let mut text = String::new();
        let mut tsv = String::new();
        let mut no = 0;
        for k in 0..3 {
            let (body, label) = bodies[(p + k) % bodies.len()];
            text.push_str(&format!(
                "{}、第{}部分\n{body}\n",
                ["一", "二", "三"][k],
                k + 1
            ));
            tsv.push_str(&format!(
                "{}\theading\t{label}\n{}\tbody\t{label}\n",
                no + 1,
                no + 2
            ));
            no += 2;
        }
        text.push_str("本政策自发布之日起生效。\n");
        if p >= 8 {
            std::fs::write(texts.join(format!("{id}.txt")), text).unwrap();
            continue;
        }
        tsv.push_str(&format!("{}\tbody\t-\n", no + 1));
        let folder = if p < 6 { &train } else { &dev };
        std::fs::write(texts.join(format!("{id}.txt")), text).unwrap();
        std::fs::write(folder.join(format!("{id}.labels.tsv")), tsv).unwrap();
    }
}

/// `policyscan <command> --json --shared DIR <args>`, parsed.
fn shared_json(command: &[&str], shared: &Path, args: &[&str]) -> Value {
    let o = bin()
        .args(command)
        .args(["--json", "--shared"])
        .arg(shared)
        .args(args)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    serde_json::from_slice(&o.stdout).unwrap()
}

/// `policyscan cv --json --shared DIR <args>`, parsed.
fn cv_json(shared: &Path, args: &[&str]) -> Value {
    shared_json(&["cv"], shared, args)
}

/// `cv --final` of a tiny three-member ensemble (the default has two of these members),
/// kept in `out`; `extra` arguments beside.
fn final_ensemble(shared: &Path, out: &Path, extra: &[&str]) -> Value {
    let mut args = vec![
        "--final",
        "--out",
        out.to_str().unwrap(),
        "--members",
        "plain,lead-in,ngram",
    ];
    args.extend_from_slice(extra);
    args.extend_from_slice(TINY);
    cv_json(shared, &args)
}

const TINY: &[&str] = &[
    "--config",
    "micro",
    "--vocab-size",
    "300",
    "--max-steps",
    "4",
    "--eval-every",
    "2",
    "--batch-size",
    "8",
    "--max-tokens",
    "64",
    "--resamples",
    "200",
];

#[test]
fn cv_predicts_every_policy_once_from_folds_that_share_none() {
    let dir = tempfile::tempdir().unwrap();
    fake_shared(dir.path());
    let mut args = vec!["--folds", "2"];
    args.extend_from_slice(TINY);
    let r = cv_json(dir.path(), &args);

    // Fold assignment: six policies, two folds of three.
    let fold_of: BTreeMap<String, u64> = r["fold_of"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.as_u64().unwrap()))
        .collect();
    assert_eq!(fold_of.len(), 6);
    let folds = r["fold_results"].as_array().unwrap();
    assert_eq!(folds.len(), 2);
    let mut seen = BTreeSet::new();
    for f in folds {
        let test: BTreeSet<String> = strings(&f["test"]);
        let t = &f["trained"];
        let train: BTreeSet<String> = strings(&t["fit"])
            .union(&strings(&t["inner"]))
            .cloned()
            .collect();
        assert!(
            test.is_disjoint(&train),
            "fold trains on a held-out policy: {f}"
        );
        assert!(test.is_disjoint(&seen), "two folds hold one policy: {f}");
        assert_eq!(test.len() + train.len(), 6, "{f}");
        for id in &test {
            assert_eq!(fold_of[id], f["fold"].as_u64().unwrap());
        }
        assert!(!strings(&t["inner"]).is_empty(), "no inner split: {f}");
        seen.extend(test);
    }

    // Every policy predicted exactly once, all its body lines.
    let predicted = r["predicted"].as_array().unwrap();
    let ids: Vec<&str> = predicted
        .iter()
        .map(|p| p["policy"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), 6);
    assert_eq!(ids.iter().collect::<BTreeSet<_>>().len(), 6);
    for p in predicted {
        assert_eq!(p["lines"], 4, "{p}");
        assert_eq!(
            fold_of[p["policy"].as_str().unwrap()],
            p["fold"].as_u64().unwrap()
        );
    }

    // Out-of-fold figures for every label, model and baseline.
    let oof = &r["out_of_fold"];
    for system in ["model", "baseline"] {
        let rep = &oof[system];
        assert_eq!(rep["n"], 24, "{system}");
        let labels = rep["labels"].as_array().unwrap();
        let names: Vec<&str> = labels
            .iter()
            .map(|l| l["label"].as_str().unwrap())
            .collect();
        assert_eq!(
            names,
            [
                "collection",
                "cookie",
                "sharing",
                "rights",
                "minors",
                "cross_border"
            ]
        );
        for l in labels {
            let f1 = l["f1"].as_f64().unwrap();
            assert!((0.0..=1.0).contains(&f1), "{l}");
            assert!(l["support"].as_u64().unwrap() > 0, "{l}");
        }
        assert!(rep["macro_f1"].as_f64().is_some());
    }
    let boot = &oof["model_minus_baseline"];
    assert_eq!(boot["groups"], 6);
    let diff =
        oof["model"]["macro_f1"].as_f64().unwrap() - oof["baseline"]["macro_f1"].as_f64().unwrap();
    assert!(
        (boot["macro_diff"].as_f64().unwrap() - diff).abs() < 1e-9,
        "{boot}"
    );
}

#[test]
fn cv_fixed_and_final_and_line_kinds() {
    let dir = tempfile::tempdir().unwrap();
    fake_shared(dir.path());
    // A fixed model (stage 1: it never saw a human label) on the same
    // folds: no training.
    let stage1 = repo().join("models/policy-bert-zh-stage1");
    let r = cv_json(
        dir.path(),
        &[
            "--fixed",
            "--model",
            stage1.to_str().unwrap(),
            "--folds",
            "3",
            "--resamples",
            "100",
        ],
    );
    assert_eq!(r["predicted"].as_array().unwrap().len(), 6);
    assert!(r["fold_results"][0]["trained"].is_null());
    // The built-in model trained on these policies: no "out of fold" for it.
    let o = bin()
        .args(["cv", "--fixed", "--shared"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(!o.status.success());
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("--model"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );

    // The final check: train on the six, score the two dev policies; here
    // an ensemble of a plain, a lead-in and an n-gram member, as the
    // default model is.
    let out = dir.path().join("final-model");
    let r = final_ensemble(dir.path(), &out, &[]);
    assert_eq!(r["final"]["dev"]["policies"], 2);
    assert_eq!(r["final"]["dev"]["model"]["n"], 8);
    let trained = &r["final"]["trained"];
    assert_eq!(trained["members"].as_array().unwrap().len(), 3);
    let manifest: Value =
        serde_json::from_slice(&std::fs::read(out.join("ensemble.json")).unwrap()).unwrap();
    assert_eq!(
        manifest["members"],
        serde_json::json!(["plain", "lead-in", "ngram"])
    );
    let ngram: Value =
        serde_json::from_slice(&std::fs::read(out.join("ngram/ngram.json")).unwrap()).unwrap();
    assert_eq!(ngram["model_type"], "char_ngram");
    assert!(!ngram["vocab"].as_array().unwrap().is_empty());
    assert!(out.join("ngram/ngram.safetensors").is_file());
    for (label, t) in trained["thresholds"].as_object().unwrap() {
        let m = manifest["thresholds"][label].as_f64().unwrap();
        assert!(
            (m - t.as_f64().unwrap()).abs() < 1e-6,
            "{label}: {m} vs {t}"
        );
    }
    for (member, lead_in) in [("plain", false), ("lead-in", true)] {
        assert!(out.join(member).join("model.safetensors").is_file());
        let cfg: Value =
            serde_json::from_slice(&std::fs::read(out.join(member).join("config.json")).unwrap())
                .unwrap();
        assert_eq!(
            cfg["lead_in"].as_bool().unwrap_or(false),
            lead_in,
            "{member}"
        );
    }
    // The ensemble directory is a model like any other for `scan`.
    let tables = dir.path().join("tables");
    let samples = repo().join("data/samples");
    scan_ok(
        &[&samples],
        &tables,
        &["--no-tagger", "--model", out.to_str().unwrap()],
    );
    assert!(tables.join("segments.parquet").is_file());

    // Line kinds over all eight policies: 7 labelled lines each.
    let r = cv_json(dir.path(), &["--line-kinds"]);
    assert_eq!(r["policies"], 8);
    assert_eq!(r["lines"], 56);
    assert_eq!(r["kinds"].as_array().unwrap().len(), 3);
}

#[test]
fn refit_trains_every_member_again_on_fit_and_inner_and_keeps_the_chosen_thresholds() {
    let dir = tempfile::tempdir().unwrap();
    fake_shared(dir.path());
    let run = |name: &str, extra: &[&str]| {
        let out = dir.path().join(name);
        let trained = final_ensemble(dir.path(), &out, extra)["final"]["trained"].clone();
        (trained, out)
    };
    let (chosen, chosen_dir) = run("chosen", &[]);
    let (refit, refit_dir) = run("refit", &["--refit"]);
    let json = |p: std::path::PathBuf| -> Value {
        serde_json::from_slice(&std::fs::read(&p).unwrap()).unwrap()
    };
    assert_eq!(chosen["refit"], false);
    assert_eq!(refit["refit"], true);
    // The same choices: inner policies, ensemble thresholds, each member's.
    assert_eq!(refit["inner"], chosen["inner"]);
    assert_eq!(refit["thresholds"], chosen["thresholds"]);
    assert_eq!(
        json(refit_dir.join("ensemble.json")),
        json(chosen_dir.join("ensemble.json"))
    );
    let members = refit["members"].as_array().unwrap();
    for (k, (member, config)) in [
        ("plain", "config.json"),
        ("lead-in", "config.json"),
        ("ngram", "ngram.json"),
    ]
    .into_iter()
    .enumerate()
    {
        assert_eq!(members[k]["refit"], true, "{member}");
        assert_eq!(
            members[k]["thresholds"], chosen["members"][k]["thresholds"],
            "{member}"
        );
        // As f32, the width a model's config keeps them in.
        let f32s = |v: &Value| -> BTreeMap<String, f32> {
            v.as_object()
                .unwrap()
                .iter()
                .map(|(l, t)| (l.clone(), t.as_f64().unwrap() as f32))
                .collect()
        };
        let cfg = json(refit_dir.join(member).join(config));
        assert_eq!(
            f32s(&cfg["thresholds"]),
            f32s(&members[k]["thresholds"]),
            "{member}"
        );
    }
    // Retrained: every member's weights moved, and the lead-in member
    // still reads lead-ins.
    for file in [
        "plain/model.safetensors",
        "lead-in/model.safetensors",
        "ngram/ngram.safetensors",
    ] {
        let w = |d: &Path| std::fs::read(d.join(file)).unwrap();
        assert_ne!(w(&refit_dir), w(&chosen_dir), "{file} not retrained");
    }
    assert_eq!(json(refit_dir.join("lead-in/config.json"))["lead_in"], true);

    // `--refit=ngram` trains that member again and leaves the others as
    // the inner policies judged them, byte for byte.
    let (one, one_dir) = run("refit-ngram", &["--refit=ngram"]);
    assert_eq!(one["refit"], false, "not every member was refitted");
    let refitted: Vec<&Value> = one["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| &m["refit"])
        .collect();
    assert_eq!(refitted, [false, false, true]);
    assert_eq!(
        json(one_dir.join("ensemble.json")),
        json(chosen_dir.join("ensemble.json"))
    );
    for (file, same) in [
        ("plain/model.safetensors", true),
        ("lead-in/model.safetensors", true),
        ("ngram/ngram.safetensors", false),
    ] {
        let w = |d: &Path| std::fs::read(d.join(file)).unwrap();
        assert_eq!(w(&one_dir) == w(&chosen_dir), same, "{file}");
    }
    // A member the run does not train cannot be refitted.
    let o = bin()
        .args(["cv", "--final", "--shared"])
        .arg(dir.path())
        .args(["--out"])
        .arg(dir.path().join("bad"))
        .args(["--members", "plain,ngram", "--refit=lead-in"])
        .args(TINY)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let e = String::from_utf8_lossy(&o.stderr);
    assert!(
        e.contains("--refit lead-in") && e.contains("not a member"),
        "{e}"
    );
}

#[test]
fn the_ngram_member_reads_the_weak_pool_only_at_the_weights_it_is_offered() {
    let dir = tempfile::tempdir().unwrap();
    fake_shared(dir.path());
    let trained = |name: &str, weights: &str| {
        let out = dir.path().join(name);
        let args = ["--ngram-weak-weights", weights];
        let t = final_ensemble(dir.path(), &out, &args)["final"]["trained"].clone();
        (t["members"][2].clone(), t["members"][0].clone(), out)
    };
    let (plain, _, plain_dir) = trained("plain", "0");
    assert_eq!(plain["extra_examples"], 0);
    assert_eq!(plain["extra_weight"], 0.0);
    // Offered one weight only, it must take it: the weak segments of the
    // two policies nobody labelled, one per human segment at most.
    let (weak, bert, weak_dir) = trained("weak", "0.5");
    assert_eq!(weak["extra_weight"], 0.5);
    let n = weak["extra_examples"].as_u64().unwrap();
    assert!(
        n > 0 && n <= weak["human_examples"].as_u64().unwrap(),
        "{weak}"
    );
    let w = |d: &Path| std::fs::read(d.join("ngram/ngram.safetensors")).unwrap();
    assert_ne!(w(&weak_dir), w(&plain_dir));
    // The BERT members still train on the human segments alone.
    assert_eq!(bert["extra_examples"], 0);
}

/// Train the n-gram member alone with `cv --final … extra` on a fake
/// `../shared` in `dir`, into `dir/ng`; its `ngram.json`.
fn final_ngram(dir: &Path, extra: &[&str]) -> Value {
    fake_shared(dir);
    let out = dir.join("ng");
    let mut args = vec![
        "--final",
        "--members",
        "ngram",
        "--out",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    args.extend_from_slice(TINY);
    cv_json(dir, &args);
    serde_json::from_slice(&std::fs::read(out.join("ngram.json")).unwrap()).unwrap()
}

/// `--ngram-max-n` and `--ngram-cs` reach the n-gram member: its
/// vocabulary holds no longer n-gram, its C is the one offered; a C that is
/// not positive is refused.
#[test]
fn the_ngram_member_takes_its_range_and_c_from_the_flags() {
    let dir = tempfile::tempdir().unwrap();
    let config = final_ngram(dir.path(), &["--ngram-max-n", "2", "--ngram-cs", "2.5"]);
    assert_eq!(
        (config["max_n"].as_u64(), config["c"].as_f64()),
        (Some(2), Some(2.5))
    );
    let vocab = config["vocab"].as_array().unwrap();
    assert!(
        vocab
            .iter()
            .any(|v| v.as_str().unwrap().chars().count() == 2)
    );
    assert!(
        vocab
            .iter()
            .all(|v| v.as_str().unwrap().chars().count() <= 2)
    );
    let err = cv_refused(dir.path(), &["--members", "ngram", "--ngram-cs", "4,0"]);
    assert!(
        err.contains("--ngram-cs: every C must be a positive number"),
        "{err}"
    );
}

/// `--ngram-fields` reaches the n-gram member: `ngram.json` records the
/// fields, every term carries a field's tag, and a scan reads the member.
#[test]
fn the_ngram_member_reads_the_fields_the_flag_names() {
    let dir = tempfile::tempdir().unwrap();
    let config = final_ngram(dir.path(), &["--ngram-fields", "text,lead-in,rules"]);
    let out = dir.path().join("ng");
    assert_eq!(
        config["fields"],
        serde_json::json!(["text", "lead_in", "rules"])
    );
    // Every term is tagged with its field; no joined text is read.
    let vocab: Vec<&str> = config["vocab"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert!(
        vocab
            .iter()
            .all(|v| ["t:", "l:", "r:"].iter().any(|t| v.starts_with(t)))
    );
    assert!(vocab.iter().any(|v| v.starts_with("r:")), "{vocab:?}");
    // The member scores a scan like any other.
    let scan = dir.path().join("scan");
    scan_ok(&[&samples()], &scan, &["--model", out.to_str().unwrap()]);
    assert!(table(&scan, "segments").height() > 50);
    let err = cv_refused(
        dir.path(),
        &["--members", "ngram", "--ngram-fields", "body"],
    );
    assert!(err.contains("body"), "{err}");
}

#[test]
fn cv_distils_from_fold_teachers_and_refuses_one_that_saw_the_held_out_fold() {
    let dir = tempfile::tempdir().unwrap();
    fake_shared(dir.path());
    let teachers = dir.path().join("teachers");
    let mut args = vec!["--folds", "2", "--work", teachers.to_str().unwrap()];
    args.extend_from_slice(TINY);
    cv_json(dir.path(), &args);
    // Every model cv trains names the policies it learned from.
    for f in 0..2 {
        let rec: Value = serde_json::from_slice(
            &std::fs::read(teachers.join(format!("fold-{f}/trained.json"))).unwrap(),
        )
        .unwrap();
        assert_eq!(strings(&rec["fit"]).len() + strings(&rec["inner"]).len(), 3);
    }

    // The same folds, each student taught by its fold's teacher on the
    // segments of the two unlabelled policies (4 segments each).
    let mut args = vec![
        "--folds",
        "2",
        "--teachers",
        teachers.to_str().unwrap(),
        "--distill-ratio",
        "10",
    ];
    args.extend_from_slice(TINY);
    let r = cv_json(dir.path(), &args);
    for f in r["fold_results"].as_array().unwrap() {
        assert_eq!(f["trained"]["extra_examples"], 8, "{f}");
    }
    assert_eq!(r["predicted"].as_array().unwrap().len(), 6);

    // A teacher that learned from every training policy may teach the
    // final model, but no fold: each would learn its held-out policies.
    let all = dir.path().join("all");
    let mut args = vec!["--final", "--out", all.to_str().unwrap()];
    args.extend_from_slice(TINY);
    cv_json(dir.path(), &args);
    let taught = dir.path().join("taught");
    let mut args = vec![
        "--final",
        "--out",
        taught.to_str().unwrap(),
        "--teachers",
        all.to_str().unwrap(),
    ];
    args.extend_from_slice(TINY);
    let r = cv_json(dir.path(), &args);
    assert!(r["final"]["trained"]["extra_examples"].as_u64().unwrap() > 0);
    let leaky = dir.path().join("leaky");
    for f in 0..2 {
        copy_dir(&all, &leaky.join(format!("fold-{f}")));
    }
    let err = cv_refused(dir.path(), &["--teachers", leaky.to_str().unwrap()]);
    assert!(err.contains("must not see"), "{err}");
}

/// Run `cv --folds 2` of the tiny model on `shared` with `args`, which
/// must fail; its error output.
fn cv_refused(shared: &Path, args: &[&str]) -> String {
    let o = bin()
        .args(["cv", "--folds", "2", "--shared"])
        .arg(shared)
        .args(args)
        .args(TINY)
        .output()
        .unwrap();
    assert!(!o.status.success());
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
    }
}

/// A JSON array of strings as a set.
fn strings(v: &Value) -> BTreeSet<String> {
    v.as_array()
        .unwrap_or_else(|| panic!("not an array: {v}"))
        .iter()
        .map(|s| s.as_str().unwrap().to_string())
        .collect()
}

#[test]
fn cv_reuses_members_an_earlier_run_trained_on_the_same_policies() {
    let dir = tempfile::tempdir().unwrap();
    fake_shared(dir.path());
    let run = |work: &Path, extra: &[&str]| {
        let mut args = vec!["--folds", "2", "--members", "plain,ngram", "--work"];
        args.push(work.to_str().unwrap());
        args.extend_from_slice(extra);
        args.extend_from_slice(TINY);
        cv_json(dir.path(), &args)
    };
    let (first_dir, second_dir) = (dir.path().join("first"), dir.path().join("second"));
    let first = run(&first_dir, &[]);
    let from = first_dir.to_str().unwrap();
    let second = run(&second_dir, &["--reuse-from", from, "--reuse", "plain"]);
    // The BERT is copied with its record, the n-gram model trained again
    // (deterministically): the same model, so the same out-of-fold lines.
    assert_eq!(second["out_of_fold"], first["out_of_fold"]);
    for f in 0..2 {
        let fold = format!("fold-{f}");
        let weights =
            |d: &Path| std::fs::read(d.join(&fold).join("plain/model.safetensors")).unwrap();
        assert_eq!(weights(&second_dir), weights(&first_dir));
        let (a, b) = (
            &first["fold_results"][f]["trained"]["members"],
            &second["fold_results"][f]["trained"]["members"],
        );
        assert_eq!(b[0]["steps"], a[0]["steps"]);
        assert_eq!(b[0]["thresholds"], a[0]["thresholds"]);
        let source = b[0]["reused_from"].as_str().unwrap();
        assert!(source.ends_with(&fold), "{source}");
        assert!(b[1].get("reused_from").is_none(), "{b}");
    }

    // Folds dealt by another seed hold other policies: refused, by name.
    let refused = |extra: &[&str]| {
        let mut args = vec!["--reuse-from", from];
        args.extend_from_slice(extra);
        cv_refused(dir.path(), &args)
    };
    let err = refused(&[
        "--reuse",
        "plain",
        "--members",
        "plain,ngram",
        "--seed",
        "18",
    ]);
    assert!(
        err.contains("other policies") && err.contains(from),
        "{err}"
    );
    // A member the earlier run did not train, or this run does not have.
    let err = refused(&["--reuse", "lead-in", "--members", "plain,lead-in"]);
    assert!(err.contains("no member `lead-in`"), "{err}");
    let err = refused(&["--reuse", "lead-in", "--members", "plain,ngram"]);
    assert!(err.contains("not a member of this run"), "{err}");
    // A member refitted on the inner policies has seen the labels that
    // would choose this run's thresholds: refused, by name.
    let refitted_dir = dir.path().join("refitted");
    run(&refitted_dir, &["--refit=ngram"]);
    let refitted = refitted_dir.to_str().unwrap();
    let err = cv_refused(
        dir.path(),
        &[
            "--members",
            "plain,ngram",
            "--reuse-from",
            refitted,
            "--reuse",
            "ngram",
        ],
    );
    assert!(
        err.contains("`ngram` was refitted") && err.contains(refitted),
        "{err}"
    );
    // Its members that were not refitted are still the fold's to reuse.
    let again = run(
        &dir.path().join("again"),
        &["--reuse-from", refitted, "--reuse", "plain"],
    );
    assert_eq!(again["out_of_fold"], first["out_of_fold"]);
    // A single model's folder is no ensemble to take members from.
    let single = dir.path().join("single");
    let mut args = vec!["--folds", "2", "--members", "ngram", "--work"];
    args.push(single.to_str().unwrap());
    args.extend_from_slice(TINY);
    cv_json(dir.path(), &args);
    let from_single = ["--reuse-from", single.to_str().unwrap()];
    let err = cv_refused(
        dir.path(),
        &[
            &from_single[..],
            &["--reuse", "ngram", "--members", "ngram"],
        ]
        .concat(),
    );
    assert!(err.contains("trained a single model"), "{err}");
}

#[test]
fn cv_bags_an_ensembles_thresholds_over_inner_policy_resamples() {
    let dir = tempfile::tempdir().unwrap();
    fake_shared(dir.path());
    let work = dir.path().join("work");
    let mut args = vec!["--folds", "2", "--members", "plain,ngram"];
    args.extend_from_slice(&["--thresholds", "bagged-median", "--work"]);
    args.push(work.to_str().unwrap());
    args.extend_from_slice(TINY);
    let r = cv_json(dir.path(), &args);
    for f in 0..2 {
        let trained = &r["fold_results"][f]["trained"];
        assert_eq!(trained["threshold_choice"], "bagged-median", "{trained}");
        // The members' own thresholds were chosen the usual way.
        assert_eq!(trained["members"][0]["threshold_choice"], "best");
        // What the record says is what the fold's model applies.
        let path = work.join(format!("fold-{f}/ensemble.json"));
        let ensemble: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        assert_eq!(ensemble["thresholds"], trained["thresholds"]);
    }
    // The table names each member's own run, not the ensemble's summed
    // steps as if one model had run them.
    let mut args = vec!["cv", "--folds", "2", "--members", "plain,ngram"];
    args.extend_from_slice(&["--thresholds", "bagged-median", "--reuse-from"]);
    args.push(work.to_str().unwrap());
    args.extend_from_slice(&["--reuse", "plain,ngram"]);
    args.extend_from_slice(TINY);
    let o = bin()
        .args(&args)
        .arg("--shared")
        .arg(dir.path())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    for f in 0..2 {
        let t = &r["fold_results"][f]["trained"]["members"];
        let want = format!(
            "plain step {} of {}, ngram {} L-BFGS iterations, inner macro-F1",
            t[0]["best_step"], t[0]["steps"], t[1]["steps"]
        );
        let line = text
            .lines()
            .find(|l| l.starts_with(&format!("  fold {f}:")));
        let line = line.unwrap_or_else(|| panic!("no fold {f} in {text}"));
        assert!(line.contains(&want), "{line} lacks {want}");
        assert!(line.contains("(bagged median)"), "{line}");
        assert!(line.ends_with("(plain, ngram reused)"), "{line}");
    }
    // One model's thresholds are chosen with its checkpoint: refused.
    let args = ["--members", "plain", "--thresholds", "bagged-median"];
    let err = cv_refused(dir.path(), &args);
    assert!(err.contains("two or more members"), "{err}");
    let args = ["--members", "plain", "--member-weights", "bagged-median"];
    let err = cv_refused(dir.path(), &args);
    assert!(err.contains("member weights are an ensemble's"), "{err}");
}

/// `--member-weights bagged-median`: the members' per-label weights are
/// chosen on the inner policies, recorded, written to the fold's
/// `ensemble.json` (which the fold's model then applies) and named in the
/// fold line; without it the manifest holds none (equal weights).
#[test]
fn cv_weighs_an_ensembles_members_per_label_on_inner_policies() {
    let dir = tempfile::tempdir().unwrap();
    fake_shared(dir.path());
    let (work, weighed) = (dir.path().join("work"), dir.path().join("weighed"));
    let mut args = vec!["--folds", "2", "--members", "plain,ngram", "--work"];
    args.push(work.to_str().unwrap());
    args.extend_from_slice(TINY);
    let equal = cv_json(dir.path(), &args);
    let mut args = vec!["--folds", "2", "--members", "plain,ngram"];
    args.extend_from_slice(&["--member-weights", "bagged-median", "--reuse-from"]);
    args.push(work.to_str().unwrap());
    args.extend_from_slice(&["--reuse", "plain,ngram", "--work"]);
    args.push(weighed.to_str().unwrap());
    args.extend_from_slice(TINY);
    let r = cv_json(dir.path(), &args);
    for f in 0..2 {
        let manifest = |root: &Path| -> Value {
            let path = root.join(format!("fold-{f}/ensemble.json"));
            serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
        };
        assert!(manifest(&work).get("weights").is_none());
        assert!(
            equal["fold_results"][f]["trained"]
                .get("member_weights")
                .is_none()
        );
        let trained = &r["fold_results"][f]["trained"];
        let weights = trained["member_weights"].as_object().unwrap();
        assert_eq!(weights.len(), 6, "{trained}");
        for w in weights.values() {
            let w: Vec<f64> = w
                .as_array()
                .unwrap()
                .iter()
                .map(|x| x.as_f64().unwrap())
                .collect();
            assert!(w.len() == 2 && (w[0] + w[1] - 1.0).abs() < 1e-5, "{w:?}");
        }
        assert_eq!(manifest(&weighed)["weights"], trained["member_weights"]);
    }
    let text = bin()
        .args(["cv", "--shared"])
        .arg(dir.path())
        .args(&args)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.contains("(member weights bagged)"), "{text}");
}

#[test]
fn the_distilled_ngram_member_learns_the_other_members_scores_on_unlabelled_segments() {
    let dir = tempfile::tempdir().unwrap();
    fake_shared(dir.path());
    let run = |name: &str, weights: &str| {
        let out = dir.path().join(name);
        let mut args = vec!["--final", "--out", out.to_str().unwrap()];
        args.extend_from_slice(&["--members", "ngram,ngram-distilled", "--student-weights"]);
        args.push(weights);
        args.extend_from_slice(TINY);
        let t = cv_json(dir.path(), &args)["final"]["trained"].clone();
        (t["members"][1].clone(), out)
    };
    // Offered one weight, the student reads every segment of the two
    // policies nobody labelled (4 each), scored by the n-gram member.
    let (student, out) = run("student", "0.5");
    assert_eq!(student["extra_examples"], 8, "{student}");
    assert_eq!(student["extra_weight"], 0.5);
    let manifest: Value =
        serde_json::from_slice(&std::fs::read(out.join("ensemble.json")).unwrap()).unwrap();
    assert_eq!(
        manifest["members"],
        serde_json::json!(["ngram", "ngram-distilled"])
    );
    let bytes = |d: &Path, m: &str, f: &str| std::fs::read(d.join(m).join(f)).unwrap();
    let weights = "ngram.safetensors";
    assert_ne!(
        bytes(&out, "ngram", weights),
        bytes(&out, "ngram-distilled", weights)
    );
    // At weight 0 the student is its human-trained sibling byte for byte:
    // the teacher's segments add no column and move nothing.
    let (zero, same) = run("zero", "0");
    assert_eq!(zero["extra_examples"], 0, "{zero}");
    for f in ["ngram.json", weights] {
        assert_eq!(
            bytes(&same, "ngram", f),
            bytes(&same, "ngram-distilled", f),
            "{f}"
        );
    }
    // The ensemble scores a scan like any other model.
    let scan = dir.path().join("scan");
    scan_ok(&[&samples()], &scan, &["--model", out.to_str().unwrap()]);
    assert!(table(&scan, "segments").height() > 50);
    // It learns from the members before it, and not from weak labels.
    let err = cv_refused(dir.path(), &["--members", "ngram-distilled,ngram"]);
    assert!(err.contains("name it last"), "{err}");
    let err = cv_refused(
        dir.path(),
        &[
            "--members",
            "ngram,ngram-distilled",
            "--ngram-weak-weights",
            "0,0.5",
        ],
    );
    assert!(err.contains("--ngram-weak-weights"), "{err}");
}

/// `eval --checklist --folds WORK` builds every training policy's checklist
/// with the fold that held it out — the same models as the cv run, so the
/// same out-of-fold line figures — and `eval --checklist` alone the dev
/// policies' with one model; a folder of no cv run is refused by name.
#[test]
fn eval_checklist_reads_each_policy_with_the_fold_that_held_it_out() {
    let dir = tempfile::tempdir().unwrap();
    fake_shared(dir.path());
    let work = dir.path().join("work");
    let mut args = vec!["--folds", "2", "--members", "plain,ngram", "--work"];
    args.push(work.to_str().unwrap());
    args.extend_from_slice(TINY);
    let cv = cv_json(dir.path(), &args);
    let max_tokens = TINY[TINY.iter().position(|a| *a == "--max-tokens").unwrap() + 1];
    let with = |flag: &str, path: &Path| {
        let args = [flag, path.to_str().unwrap(), "--max-tokens", max_tokens];
        shared_json(&["eval", "--checklist"], dir.path(), &args)
    };
    let r = with("--folds", &work);
    assert_eq!(r["lines"]["model"], cv["out_of_fold"]["model"]);
    assert_eq!(r["lines"]["baseline"], cv["out_of_fold"]["baseline"]);
    let c = &r["checklist"];
    assert_eq!(c["policies"], 6);
    let items = c["items"].as_array().unwrap().len() as u64;
    assert!(items > 20, "{c}");
    assert_eq!(c["all"]["rows"].as_u64(), Some(6 * items));

    let dev = with("--model", &work.join("fold-0"));
    assert_eq!(dev["checklist"]["policies"], 2);

    let o = bin()
        .args(["eval", "--checklist", "--shared"])
        .arg(dir.path())
        .arg("--folds")
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(!o.status.success());
    let e = String::from_utf8_lossy(&o.stderr);
    assert!(e.contains("no fold-*"), "{e}");
}

#[test]
fn cv_trains_on_a_share_of_each_folds_fit_policies_for_a_learning_curve() {
    let dir = tempfile::tempdir().unwrap();
    fake_shared(dir.path());
    let run = |share: &str| {
        let mut args = vec!["--folds", "2", "--members", "ngram", "--fit-share", share];
        args.extend_from_slice(TINY);
        cv_json(dir.path(), &args)
    };
    let (all, half) = (run("1"), run("0.5"));
    for (a, h) in all["fold_results"]
        .as_array()
        .unwrap()
        .iter()
        .zip(half["fold_results"].as_array().unwrap())
    {
        // Same held-out fold and inner policies; half the fit policies,
        // all of them among the full run's.
        assert_eq!(a["test"], h["test"]);
        assert_eq!(a["trained"]["inner"], h["trained"]["inner"]);
        let (fit_a, fit_h) = (strings(&a["trained"]["fit"]), strings(&h["trained"]["fit"]));
        assert_eq!((fit_a.len(), fit_h.len()), (2, 1), "{h}");
        assert!(fit_h.is_subset(&fit_a), "{h}");
    }
    // Every policy is still scored out of fold.
    assert_eq!(half["predicted"].as_array().unwrap().len(), 6);
    assert_eq!(half["out_of_fold"]["model"]["n"], 24);

    for bad in ["0", "1.5", "NaN"] {
        let err = cv_refused(dir.path(), &["--members", "ngram", "--fit-share", bad]);
        assert!(err.contains("--fit-share"), "{err}");
    }
}
