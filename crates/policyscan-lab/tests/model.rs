//! Classifier tests, CI-sized (seconds): training a micro model on a fixture
//! set, save/reload, HF tensor names, gradients, batch invariance, agreement
//! with candle's reference BERT, bad model directories, and the shipped model.

use std::path::{Path, PathBuf};

use candle_core::{Device, Tensor};
use candle_nn::VarBuilder;
use policyscan::classify::Classifier;
use policyscan::labels::N_LABELS;
use policyscan::model::ModelError;
use policyscan::model::batch::Input;
use policyscan::rng::SplitMix64;
use policyscan_lab::data::examples::read_examples;
use policyscan_lab::train::loss::bce_with_logits;
use policyscan_lab::train::{TrainOptions, Trainee, train};

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/fixtures/tiny_train.jsonl")
}

fn micro_opts(out: &Path) -> TrainOptions {
    TrainOptions {
        train: fixture(),
        dev: fixture(),
        out: out.to_path_buf(),
        hidden: 32,
        layers: 1,
        heads: 2,
        vocab_size: 400,
        epochs: 60,
        batch_size: 8,
        lr: 3e-3,
        max_tokens: 64,
        eval_every: 20,
        patience: 100,
        progress: false,
        ..Default::default()
    }
}

/// A folder for a model shared by several tests. It lives in a static, which
/// is never dropped, so it goes under Cargo's scratch folder for integration
/// tests (`target/tmp`, gone with `cargo clean`) rather than the system's
/// temp folder, where every test run would leave one behind.
fn shared_scratch() -> tempfile::TempDir {
    tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap()
}

/// One trained micro model shared by several tests (training is the slow part).
fn trained() -> &'static (tempfile::TempDir, policyscan_lab::train::TrainSummary) {
    static M: std::sync::OnceLock<(tempfile::TempDir, policyscan_lab::train::TrainSummary)> =
        std::sync::OnceLock::new();
    M.get_or_init(|| {
        let dir = shared_scratch();
        let s = train(&micro_opts(dir.path())).expect("training runs");
        (dir, s)
    })
}

fn fixture_inputs() -> Vec<(Vec<String>, String)> {
    read_examples(&fixture())
        .unwrap()
        .into_iter()
        .map(|l| (l.example.heading_path, l.example.text))
        .collect()
}

#[test]
fn training_lowers_the_loss() {
    let (_, s) = trained();
    let n = s.losses.len();
    assert!(n >= 60, "only {n} steps");
    let head: f32 = s.losses[..10].iter().sum::<f32>() / 10.0;
    let tail: f32 = s.losses[n - 10..].iter().sum::<f32>() / 10.0;
    assert!(tail < 0.7 * head, "loss went from {head} to {tail}");
    // On its own training data the micro model must be well above chance.
    assert!(s.dev.micro_f1 > 0.6, "micro-F1 {}", s.dev.micro_f1);
}

#[test]
fn saved_model_uses_hugging_face_names_and_config() {
    let (dir, _) = trained();
    let bytes = std::fs::read(dir.path().join("model.safetensors")).unwrap();
    let st = safetensors::SafeTensors::deserialize(&bytes).unwrap();
    let names: Vec<String> = st.names().into_iter().map(|s| s.to_string()).collect();
    for want in [
        "bert.embeddings.word_embeddings.weight",
        "bert.embeddings.position_embeddings.weight",
        "bert.embeddings.token_type_embeddings.weight",
        "bert.embeddings.LayerNorm.weight",
        "bert.encoder.layer.0.attention.self.query.weight",
        "bert.encoder.layer.0.attention.self.key.bias",
        "bert.encoder.layer.0.attention.output.dense.weight",
        "bert.encoder.layer.0.attention.output.LayerNorm.bias",
        "bert.encoder.layer.0.intermediate.dense.weight",
        "bert.encoder.layer.0.output.dense.weight",
        "bert.encoder.layer.0.output.LayerNorm.weight",
        "bert.pooler.dense.weight",
        "classifier.weight",
        "classifier.bias",
    ] {
        assert!(
            names.iter().any(|n| n == want),
            "missing tensor {want}; have {names:?}"
        );
    }
    assert_eq!(
        st.tensor("classifier.weight").unwrap().shape(),
        &[N_LABELS, 32]
    );
    let cfg: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("config.json")).unwrap()).unwrap();
    assert_eq!(cfg["problem_type"], "multi_label_classification");
    assert_eq!(cfg["architectures"][0], "BertForSequenceClassification");
    assert_eq!(cfg["id2label"]["5"], "cross_border");
    assert_eq!(cfg["label2id"]["cookie"], 1);
    assert!(cfg["thresholds"]["minors"].is_number());
}

#[test]
fn saved_and_reloaded_model_gives_the_same_logits() {
    let dir = tempfile::tempdir().unwrap();
    let opts = micro_opts(dir.path());
    let ex = fixture_inputs();
    let texts: Vec<&str> = ex.iter().map(|(_, t)| t.as_str()).collect();
    let trainee = Trainee::scratch(&texts, &opts, &mut SplitMix64::new(9)).unwrap();
    let inputs: Vec<Input> = ex
        .iter()
        .map(|(h, t)| Input {
            heading_path: h,
            text: t,
            lead_in: None,
        })
        .collect();
    let enc = trainee.batcher.encode(&inputs).unwrap();
    let idx: Vec<usize> = (0..enc.len()).collect();
    let b = trainee.batcher.pad(&enc, &idx);
    let t = b.tensors(&Device::Cpu).unwrap();
    let before = trainee
        .model
        .forward(&t.ids, &t.type_ids, &t.mask, false, None)
        .unwrap()
        .to_vec2::<f32>()
        .unwrap();
    trainee.save(dir.path(), &[0.5; N_LABELS]).unwrap();
    let clf = Classifier::from_dir(dir.path(), opts.max_tokens).unwrap();
    let after = clf.logits(&t).unwrap();
    for (r0, r1) in before.iter().zip(&after) {
        for (a, b) in r0.iter().zip(r1) {
            assert!((a - b).abs() < 1e-5, "{a} vs {b}");
        }
    }
}

/// A model reads the lead-in only when it was trained with it, and says so
/// in its `config.json`, so a scan feeds it what it learned from.
#[test]
fn lead_ins_are_read_only_by_a_model_trained_with_them() {
    let path = vec!["一、信息共享".to_string()];
    let with = |lead_in| Input {
        heading_path: &path,
        text: "1. 支付机构；",
        lead_in,
    };
    let score = |clf: &Classifier, lead_in| clf.score(&[with(lead_in)], 1).unwrap()[0];
    let lead = Some("我们会与以下第三方共享您的信息：");

    let (plain_dir, _) = trained();
    let plain = Classifier::from_dir(plain_dir.path(), 64).unwrap();
    assert!(!plain.config().unwrap().lead_in);
    let cfg = std::fs::read_to_string(plain_dir.path().join("config.json")).unwrap();
    assert!(!cfg.contains("lead_in"), "an off flag is not written");
    assert_eq!(score(&plain, None), score(&plain, lead));

    let dir = tempfile::tempdir().unwrap();
    let opts = TrainOptions {
        lead_in: true,
        ..micro_opts(dir.path())
    };
    let ex = fixture_inputs();
    let texts: Vec<&str> = ex.iter().map(|(_, t)| t.as_str()).collect();
    let trainee = Trainee::scratch(&texts, &opts, &mut SplitMix64::new(9)).unwrap();
    trainee.save(dir.path(), &[0.5; N_LABELS]).unwrap();
    let reading = Classifier::from_dir(dir.path(), 64).unwrap();
    assert!(reading.config().unwrap().lead_in);
    assert_ne!(score(&reading, None), score(&reading, lead));
}

/// An ensemble directory scores with the mean of its members (weighted
/// per label where its manifest says) and decides with its manifest's
/// thresholds, not theirs.
#[test]
fn an_ensemble_averages_its_members_and_uses_its_own_thresholds() {
    let (trained_dir, _) = trained();
    let dir = tempfile::tempdir().unwrap();
    copy_dir(trained_dir.path(), &dir.path().join("a"));
    let opts = TrainOptions {
        lead_in: true,
        ..micro_opts(&dir.path().join("b"))
    };
    let ex = fixture_inputs();
    let texts: Vec<&str> = ex.iter().map(|(_, t)| t.as_str()).collect();
    let trainee = Trainee::scratch(&texts, &opts, &mut SplitMix64::new(5)).unwrap();
    trainee
        .save(&dir.path().join("b"), &[0.9; N_LABELS])
        .unwrap();
    let manifest = |weights| policyscan::classify::Ensemble {
        members: vec!["a".into(), "b".into()],
        thresholds: [("minors".to_string(), 0.3)].into_iter().collect(),
        weights,
    };
    manifest(Default::default()).write(dir.path()).unwrap();

    let ens = Classifier::from_dir(dir.path(), 64).unwrap();
    assert_eq!(ens.member_count(), 2);
    assert_eq!(ens.thresholds()[4], 0.3);
    assert_eq!(ens.thresholds()[0], 0.5, "a label the manifest omits");
    let a = Classifier::from_dir(&dir.path().join("a"), 64).unwrap();
    let b = Classifier::from_dir(&dir.path().join("b"), 64).unwrap();
    let path = vec!["一、信息共享".to_string()];
    let inputs: Vec<Input> = ["1. 支付机构；", "我们使用Cookie。"]
        .iter()
        .map(|t| Input {
            heading_path: &path,
            text: t,
            lead_in: Some("我们会与以下第三方共享您的信息："),
        })
        .collect();
    let (se, sa, sb) = (
        ens.score(&inputs, 2).unwrap(),
        a.score(&inputs, 2).unwrap(),
        b.score(&inputs, 2).unwrap(),
    );
    for i in 0..inputs.len() {
        for l in 0..N_LABELS {
            let mean = (sa[i][l] + sb[i][l]) / 2.0;
            assert!((se[i][l] - mean).abs() < 1e-6, "{} vs {mean}", se[i][l]);
        }
    }
    // Weighted per label: minors 3:1, the labels the manifest omits equal.
    manifest(
        [("minors".to_string(), vec![3.0, 1.0])]
            .into_iter()
            .collect(),
    )
    .write(dir.path())
    .unwrap();
    let weighted = Classifier::from_dir(dir.path(), 64).unwrap();
    let sw = weighted.score(&inputs, 2).unwrap();
    for i in 0..inputs.len() {
        let minors = 0.75 * sa[i][4] + 0.25 * sb[i][4];
        assert!((sw[i][4] - minors).abs() < 1e-6, "{} vs {minors}", sw[i][4]);
        assert!((sw[i][0] - se[i][0]).abs() < 1e-6);
    }
    assert_ne!(sw, se, "the members score minors differently");
}

#[test]
fn logits_survive_save_and_reload() {
    let (dir, s) = trained();
    // Scores on the dev (= fixture) set reproduce the training summary.
    let clf = Classifier::from_dir(dir.path(), 64).unwrap();
    let ex = read_examples(&fixture()).unwrap();
    let inputs: Vec<Input> = ex.iter().map(|l| l.input()).collect();
    let scores = clf.score(&inputs, 8).unwrap();
    let pred = policyscan_lab::eval::metrics::decide(&scores, clf.thresholds());
    let gold: Vec<_> = ex.iter().map(|l| l.gold).collect();
    let r = policyscan_lab::eval::metrics::report(&gold, &pred);
    assert!(
        (r.macro_f1 - s.dev.macro_f1).abs() < 1e-9,
        "{} vs {}",
        r.macro_f1,
        s.dev.macro_f1
    );
}

#[test]
fn every_parameter_receives_a_gradient() {
    let dir = tempfile::tempdir().unwrap();
    let opts = micro_opts(dir.path());
    let texts = [
        "我们会收集您的手机号码。",
        "您有权删除您的个人信息。",
        "Cookie",
    ];
    let mut rng = SplitMix64::new(5);
    let t = Trainee::scratch(&texts, &opts, &mut rng).unwrap();
    let heads = vec!["二、收集".to_string()];
    let inputs: Vec<Input> = texts
        .iter()
        .map(|x| Input {
            heading_path: &heads,
            text: x,
            lead_in: None,
        })
        .collect();
    let enc = t.batcher.encode(&inputs).unwrap();
    let b = t.batcher.pad(&enc, &[0, 1, 2]);
    let bt = b.tensors(&Device::Cpu).unwrap();
    let logits = t
        .model
        .forward(&bt.ids, &bt.type_ids, &bt.mask, true, None)
        .unwrap();
    let targets = Tensor::ones((3, N_LABELS), candle_core::DType::F32, &Device::Cpu).unwrap();
    let loss = bce_with_logits(&logits, &targets, None).unwrap();
    let grads = loss.backward().unwrap();
    let data = t.varmap.data().lock().unwrap();
    assert!(data.len() >= 16);
    for (name, var) in data.iter() {
        let g = grads
            .get(var.as_tensor())
            .unwrap_or_else(|| panic!("no gradient for {name}"));
        let mag = g
            .abs()
            .unwrap()
            .sum_all()
            .unwrap()
            .to_scalar::<f32>()
            .unwrap();
        assert!(mag > 0.0, "zero gradient for {name}");
    }
}

#[test]
fn scores_do_not_depend_on_batch_size_or_padding() {
    let (dir, _) = trained();
    let clf = Classifier::from_dir(dir.path(), 64).unwrap();
    let ex = fixture_inputs();
    let inputs: Vec<Input> = ex
        .iter()
        .map(|(h, t)| Input {
            heading_path: h,
            text: t,
            lead_in: None,
        })
        .collect();
    let one = clf.score(&inputs, 1).unwrap();
    for bs in [3, 8, 64] {
        let many = clf.score(&inputs, bs).unwrap();
        for (a, b) in one.iter().zip(&many) {
            for l in 0..N_LABELS {
                assert!(
                    (a[l] - b[l]).abs() < 1e-4,
                    "batch {bs}: {} vs {}",
                    a[l],
                    b[l]
                );
            }
        }
    }
}

#[test]
fn encoder_matches_candles_reference_bert() {
    use candle_transformers::models::bert::{BertModel, Config};
    let (dir, _) = trained();
    let cfg: Config =
        serde_json::from_slice(&std::fs::read(dir.path().join("config.json")).unwrap()).unwrap();
    let weights = std::fs::read(dir.path().join("model.safetensors")).unwrap();
    let vb = VarBuilder::from_buffered_safetensors(
        weights.clone(),
        candle_core::DType::F32,
        &Device::Cpu,
    )
    .unwrap();
    let reference = BertModel::load(vb, &cfg).unwrap();
    let opts = micro_opts(dir.path());
    let ours = Trainee::from_init(dir.path(), &opts, &mut SplitMix64::new(2)).unwrap();
    let ex = fixture_inputs();
    let inputs: Vec<Input> = ex
        .iter()
        .map(|(h, t)| Input {
            heading_path: h,
            text: t,
            lead_in: None,
        })
        .collect();
    let enc = ours.batcher.encode(&inputs).unwrap();
    let b = ours.batcher.pad(&enc, &(0..enc.len()).collect::<Vec<_>>());
    let t = b.tensors(&Device::Cpu).unwrap();
    let mask_u32 = t.mask.to_dtype(candle_core::DType::U32).unwrap();
    let want = reference
        .forward(&t.ids, &t.type_ids, Some(&mask_u32))
        .unwrap();
    let got = ours
        .model
        .encode(&t.ids, &t.type_ids, &t.mask, false, None)
        .unwrap();
    let d = (want - got)
        .unwrap()
        .abs()
        .unwrap()
        .max_all()
        .unwrap()
        .to_scalar::<f32>()
        .unwrap();
    assert!(d < 1e-4, "max abs diff {d}");
}

fn copy_model(from: &Path) -> tempfile::TempDir {
    let to = tempfile::tempdir().unwrap();
    copy_dir(from, to.path());
    to
}

/// Copy a model's three files into `to` (created).
fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for f in ["config.json", "tokenizer.json", "model.safetensors"] {
        std::fs::copy(from.join(f), to.join(f)).unwrap();
    }
}

#[test]
fn bad_model_directories_give_clear_errors() {
    let (dir, _) = trained();
    // Missing file.
    let d = copy_model(dir.path());
    std::fs::remove_file(d.path().join("tokenizer.json")).unwrap();
    let e = Classifier::from_dir(d.path(), 64).err().expect("must fail");
    assert!(
        matches!(
            e,
            ModelError::Missing {
                file: "tokenizer.json",
                ..
            }
        ),
        "{e}"
    );
    assert!(e.to_string().contains("tokenizer.json"));
    // Corrupt weights.
    let d = copy_model(dir.path());
    let w = std::fs::read(d.path().join("model.safetensors")).unwrap();
    std::fs::write(d.path().join("model.safetensors"), &w[..w.len() / 2]).unwrap();
    let e = Classifier::from_dir(d.path(), 64).err().expect("must fail");
    assert!(matches!(e, ModelError::Weights { .. }), "{e}");
    // Label count disagrees with the head.
    let d = copy_model(dir.path());
    let mut cfg: serde_json::Value =
        serde_json::from_slice(&std::fs::read(d.path().join("config.json")).unwrap()).unwrap();
    cfg["id2label"].as_object_mut().unwrap().remove("5");
    std::fs::write(d.path().join("config.json"), cfg.to_string()).unwrap();
    let e = Classifier::from_dir(d.path(), 64).err().expect("must fail");
    assert!(matches!(e, ModelError::Labels { .. }), "{e}");
    assert!(e.to_string().contains("6 outputs"), "{e}");
    // Not a config at all.
    let d = copy_model(dir.path());
    std::fs::write(d.path().join("config.json"), "{\"hidden_size\": 3}").unwrap();
    let e = Classifier::from_dir(d.path(), 64).err().expect("must fail");
    assert!(matches!(e, ModelError::Config { .. }), "{e}");
}

#[test]
fn shipped_model_labels_clear_cut_segments() {
    let clf = Classifier::embedded(128).expect("the embedded model loads");
    let cases: &[(&str, &str, &str)] = &[
        (
            "二、我们如何收集和使用您的个人信息",
            "在您注册账号时，您需要向我们提供手机号码、密码和昵称。",
            "collection",
        ),
        (
            "四、我们如何使用Cookie和同类技术",
            "为确保网站正常运转，我们会在您的计算机上存储名为Cookie的小数据文件。",
            "cookie",
        ),
        (
            "五、我们如何共享、转让、公开披露您的个人信息",
            "我们不会与本公司以外的任何公司、组织和个人共享您的个人信息，但以下情况除外。",
            "sharing",
        ),
        (
            "八、您的权利",
            "您有权访问、更正、删除您的个人信息，也可以注销您的账号。",
            "rights",
        ),
        (
            "九、我们如何处理未成年人的个人信息",
            "如您为未满十四周岁的儿童，请在监护人的陪同下阅读本政策，并在取得监护人同意后使用我们的服务。",
            "minors",
        ),
        (
            "七、我们如何存储您的个人信息",
            "我们在中华人民共和国境内收集和产生的个人信息，将存储在中华人民共和国境内，不会向境外传输。",
            "cross_border",
        ),
    ];
    for (head, text, want) in cases {
        let path = vec![head.to_string()];
        let s = clf
            .score(
                &[Input {
                    heading_path: &path,
                    text,
                    lead_in: None,
                }],
                1,
            )
            .unwrap();
        let on = clf.decide(&s[0]);
        let idx = policyscan::labels::label_index(want).unwrap();
        assert!(on[idx], "{text} should be {want}; scores {:?}", s[0]);
    }
}

// ---- data-mention tagger ----

fn tag_fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/fixtures/tiny_tag.jsonl")
}

/// One micro tagger trained from scratch on the fixture, shared by the tests.
fn trained_tagger() -> &'static (
    tempfile::TempDir,
    policyscan_lab::train::tagger::TagTrainSummary,
) {
    static M: std::sync::OnceLock<(
        tempfile::TempDir,
        policyscan_lab::train::tagger::TagTrainSummary,
    )> = std::sync::OnceLock::new();
    M.get_or_init(|| {
        let dir = shared_scratch();
        let mut o = micro_opts(dir.path());
        o.train = tag_fixture();
        o.dev = tag_fixture();
        o.epochs = 30;
        o.eval_every = 30;
        let s = policyscan_lab::train::tagger::train_tagger(&o).expect("tagger training runs");
        (dir, s)
    })
}

#[test]
fn tagger_training_lowers_the_loss_and_learns_the_spans() {
    let (_, s) = trained_tagger();
    let n = s.losses.len();
    assert!(n >= 60, "{n} steps");
    let head: f32 = s.losses[..5].iter().sum::<f32>() / 5.0;
    let tail: f32 = s.losses[n - 5..].iter().sum::<f32>() / 5.0;
    assert!(tail < head * 0.5, "loss {head} -> {tail}");
    // The fixture's spans are regular: a micro model must find most of them.
    assert!(s.dev.overlap.f1 > 0.6, "{:?}", s.dev);
}

#[test]
fn saved_tagger_is_a_token_classifier_that_reloads_and_tags() {
    let (dir, s) = trained_tagger();
    let shapes = policyscan::model::tensor_shapes(
        &std::fs::read(dir.path().join("model.safetensors")).unwrap(),
        "t",
    )
    .unwrap();
    assert_eq!(shapes["classifier.weight"], vec![3, 32]);
    assert!(shapes.contains_key("bert.encoder.layer.0.attention.self.query.weight"));
    assert!(!shapes.keys().any(|k| k.starts_with("bert.pooler")));
    let cfg: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("config.json")).unwrap()).unwrap();
    assert_eq!(cfg["architectures"][0], "BertForTokenClassification");
    assert_eq!(cfg["id2label"]["1"], "B-data");
    // Reloaded (frozen, fused kernels) it reproduces the dev figure of training.
    let tagger = policyscan::tag::Tagger::from_dir(dir.path(), 64).unwrap();
    let ex = policyscan_lab::train::tagger::read_tag_examples(&tag_fixture()).unwrap();
    let texts: Vec<&str> = ex.iter().map(|e| e.text.as_str()).collect();
    let gold: Vec<_> = ex.iter().map(|e| e.spans.clone()).collect();
    let pred = tagger.tag(&texts, 7).unwrap();
    let again = policyscan_lab::eval::spans::span_scores(&gold, &pred);
    assert!(
        (again.exact.f1 - s.dev.exact.f1).abs() < 1e-9,
        "{again:?} vs {:?}",
        s.dev
    );
    // Batch size does not change the tags.
    assert_eq!(tagger.tag(&texts, 1).unwrap(), pred);
}

#[test]
fn a_classifier_is_not_a_tagger() {
    let (dir, _) = trained();
    match policyscan::tag::Tagger::from_dir(dir.path(), 64) {
        Err(ModelError::Labels { reason, .. }) => assert!(reason.contains("B-data"), "{reason}"),
        Err(e) => panic!("wrong error: {e}"),
        Ok(_) => panic!("a 6-label classifier loaded as a tagger"),
    }
    let (tdir, _) = trained_tagger();
    assert!(Classifier::from_dir(tdir.path(), 64).is_err());
}

#[test]
fn shipped_tagger_marks_clear_cut_data_phrases() {
    let tagger = policyscan::tag::Tagger::embedded(policyscan::tag::WINDOW).unwrap();
    let texts = [
        "为完成注册，您需要提供您的手机号码、姓名和身份证号码。",
        "我们会收集您的设备型号、操作系统版本及IP地址，用于安全风控。",
        "本政策自2024年1月1日起生效。",
    ];
    let spans = tagger.tag(&texts, 8).unwrap();
    let covered = |i: usize, needle: &str| {
        let start = texts[i].find(needle).unwrap();
        let a = texts[i][..start].chars().count();
        let b = a + needle.chars().count();
        spans[i].iter().any(|&(s, e)| s <= a && e >= b)
    };
    assert!(covered(0, "手机号码"), "{:?}", spans[0]);
    assert!(covered(0, "身份证号码"), "{:?}", spans[0]);
    assert!(covered(1, "设备型号"), "{:?}", spans[1]);
    assert!(spans[2].is_empty(), "{:?}", spans[2]);
}

// ---- masked-language-model pre-training ----

#[test]
fn pretraining_learns_and_hands_its_encoder_to_the_classifier_and_tagger() {
    let dir = tempfile::tempdir().unwrap();
    let mut o = micro_opts(dir.path());
    o.epochs = 100;
    o.eval_every = 50;
    let s = policyscan_lab::train::pretrain::pretrain(&o).expect("pre-training runs");
    let n = s.losses.len();
    let head: f32 = s.losses[..10].iter().sum::<f32>() / 10.0;
    let tail: f32 = s.losses[n - 10..].iter().sum::<f32>() / 10.0;
    // Down by more than half a nat per masked token.
    assert!(tail < head - 0.5, "loss {head} -> {tail}");
    // The fixture is small and repetitive: masked tokens become guessable
    // (a uniform guess over its vocabulary would be right < 1 % of the time).
    assert!(s.dev_accuracy > 0.15, "{s:?}");
    let weights = assert_masked_lm_dir(dir.path());
    assert_classifier_starts_from(dir.path(), &weights);
    assert_tagger_fine_tunes_from(dir.path());
}

/// A `BertForMaskedLM` directory: encoder and tied-decoder head, no pooler.
/// Returns its weights.
fn assert_masked_lm_dir(dir: &Path) -> Vec<u8> {
    let weights = std::fs::read(dir.join("model.safetensors")).unwrap();
    let shapes = policyscan::model::tensor_shapes(&weights, "p").unwrap();
    let vocab = shapes["bert.embeddings.word_embeddings.weight"][0];
    assert_eq!(shapes["cls.predictions.bias"], vec![vocab]);
    assert_eq!(
        shapes["cls.predictions.transform.dense.weight"],
        vec![32, 32]
    );
    assert!(shapes.contains_key("cls.predictions.transform.LayerNorm.weight"));
    assert!(
        !shapes
            .keys()
            .any(|k| k.starts_with("bert.pooler") || k.starts_with("classifier"))
    );
    let cfg: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("config.json")).unwrap()).unwrap();
    assert_eq!(cfg["architectures"][0], "BertForMaskedLM");
    weights
}

/// `train --init` starts from exactly these encoder weights, with a new head.
fn assert_classifier_starts_from(dir: &Path, weights: &[u8]) {
    let pretrained = candle_core::safetensors::load_buffer(weights, &Device::Cpu).unwrap();
    let trainee = Trainee::from_init(dir, &micro_opts(dir), &mut SplitMix64::new(3)).unwrap();
    let vars = trainee.varmap.data().lock().unwrap();
    for name in [
        "bert.embeddings.word_embeddings.weight",
        "bert.encoder.layer.0.output.dense.weight",
    ] {
        let a = vars[name].as_tensor().flatten_all().unwrap();
        let b = pretrained[name].flatten_all().unwrap();
        let diff = (a - b).unwrap().abs().unwrap().max(0).unwrap();
        assert_eq!(diff.to_scalar::<f32>().unwrap(), 0.0, "{name}");
    }
    assert!(vars.contains_key("classifier.weight"));
    drop(vars);
    assert_eq!(
        trainee.config.architectures,
        vec!["BertForSequenceClassification".to_string()]
    );
}

/// The tagger fine-tunes from the pre-trained encoder too, also grown by
/// `--stack-layers` (which must fit the encoder's depth).
fn assert_tagger_fine_tunes_from(dir: &Path) {
    let tdir = tempfile::tempdir().unwrap();
    let mut t = micro_opts(tdir.path());
    t.train = tag_fixture();
    t.dev = tag_fixture();
    t.init = Some(dir.to_path_buf());
    t.max_steps = Some(5);
    policyscan_lab::train::tagger::train_tagger(&t)
        .expect("tagger starts from the pre-trained encoder");
    policyscan::tag::Tagger::from_dir(tdir.path(), 64).unwrap();

    // `--stack-layers 2` grows the 1-layer encoder to 2 layers; the saved
    // tagger says so and loads.
    let sdir = tempfile::tempdir().unwrap();
    t.out = sdir.path().to_path_buf();
    t.stack_layers = Some(2);
    policyscan_lab::train::tagger::train_tagger(&t).expect("stacked tagger trains");
    let cfg: serde_json::Value =
        serde_json::from_slice(&std::fs::read(sdir.path().join("config.json")).unwrap()).unwrap();
    assert_eq!(cfg["num_hidden_layers"], 2);
    let shapes = policyscan::model::tensor_shapes(
        &std::fs::read(sdir.path().join("model.safetensors")).unwrap(),
        "s",
    )
    .unwrap();
    assert!(shapes.contains_key("bert.encoder.layer.1.output.dense.weight"));
    policyscan::tag::Tagger::from_dir(sdir.path(), 64).unwrap();
    t.stack_layers = Some(0);
    t.out = sdir.path().join("refused");
    let err = policyscan_lab::train::tagger::train_tagger(&t).unwrap_err();
    assert!(err.to_string().contains("--stack-layers 0"), "{err}");
}

/// `--ema`: checkpoints are judged and saved with the weights' moving
/// average, but training goes on from the live weights, so the losses are
/// those of the run without it, step for step.
#[test]
fn a_weight_average_changes_what_is_saved_not_how_training_goes() {
    let (plain_dir, plain) = trained();
    let dir = tempfile::tempdir().unwrap();
    let averaged = train(&TrainOptions {
        ema: Some(0.9),
        ..micro_opts(dir.path())
    })
    .expect("training runs");
    assert_eq!(averaged.losses, plain.losses);
    let weights = |d: &Path| std::fs::read(d.join("model.safetensors")).unwrap();
    assert_ne!(weights(dir.path()), weights(plain_dir.path()));
    assert!(
        averaged.dev.micro_f1 > 0.6,
        "micro-F1 {}",
        averaged.dev.micro_f1
    );
    Classifier::from_dir(dir.path(), 64).expect("the averaged model loads");
}
