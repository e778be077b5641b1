//! The quick start: the shipped sample policies through the whole scan.

use polars::prelude::*;

use crate::util::*;

#[test]
fn samples_give_four_tables_with_the_contract_schema() {
    let out = tempfile::tempdir().unwrap();
    let o = scan_ok(&[&samples()], out.path(), &["--keep-text"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("3 policies"), "{err}");
    let seg = table(out.path(), "segments");
    let names: Vec<String> = seg
        .get_column_names()
        .iter()
        .map(|s| s.to_string())
        .collect();
    assert_eq!(
        names,
        [
            "policy_id",
            "segment",
            "heading_path",
            "text",
            "char_start",
            "char_end",
            "labels",
            "score_collection",
            "score_cookie",
            "score_sharing",
            "score_rights",
            "score_minors",
            "score_cross_border"
        ]
    );
    let pol = table(out.path(), "policies");
    assert_eq!(
        strs(&pol, "policy_id"),
        ["hongshan-mall", "lanjing-weather", "qingniao-notes"]
    );
    assert_eq!(table(out.path(), "errors").height(), 0);
    let ent = table(out.path(), "entities");
    assert!(
        ent.get_column_names()
            .iter()
            .any(|c| c.as_str() == "days_min")
    );
}

#[test]
fn offsets_slice_back_to_the_decoded_text() {
    let out = tempfile::tempdir().unwrap();
    scan_ok(&[&samples()], out.path(), &["--keep-text"]);
    let seg = table(out.path(), "segments");
    let ids = strs(&seg, "policy_id");
    let texts = strs(&seg, "text");
    let (s, e) = (u32s(&seg, "char_start"), u32s(&seg, "char_end"));
    for i in 0..seg.height() {
        let full =
            std::fs::read_to_string(out.path().join("texts").join(format!("{}.txt", ids[i])))
                .unwrap();
        assert_eq!(
            char_slice(&full, s[i], e[i]),
            texts[i],
            "segment {i} of {}",
            ids[i]
        );
    }
    let ent = table(out.path(), "entities");
    let ids = strs(&ent, "policy_id");
    let texts = strs(&ent, "text");
    let (s, e) = (u32s(&ent, "char_start"), u32s(&ent, "char_end"));
    for i in 0..ent.height() {
        let full =
            std::fs::read_to_string(out.path().join("texts").join(format!("{}.txt", ids[i])))
                .unwrap();
        assert_eq!(
            char_slice(&full, s[i], e[i]),
            texts[i],
            "entity {i} of {}",
            ids[i]
        );
    }
}

#[test]
fn heading_paths_follow_the_section_structure() {
    let out = tempfile::tempdir().unwrap();
    scan_ok(&[&samples()], out.path(), &[]);
    let seg = table(out.path(), "segments");
    let texts = strs(&seg, "text");
    let paths = lists(&seg, "heading_path");
    let find = |needle: &str| {
        let i = texts
            .iter()
            .position(|t| t.contains(needle))
            .unwrap_or_else(|| panic!("no segment contains {needle}"));
        paths[i].clone()
    };
    // Plain text: 一、 > （三） > list item.
    assert_eq!(
        find("相机权限"),
        ["一、我们如何收集和使用您的个人信息", "（三）设备权限"]
    );
    // A short list item keeps its own segment under the rights section.
    let p = find("注销您的账号");
    assert_eq!(p.last().map(String::as_str), Some("五、您的权利"));
    // Markdown headings.
    assert_eq!(
        find("物流服务商").last().map(String::as_str),
        Some("第二部分 信息的共享与对外提供")
    );
    // HTML headings; script and nav text never become segments.
    assert_eq!(
        find("网络信标").last().map(String::as_str),
        Some("二、Cookie与同类技术")
    );
    assert!(
        !texts
            .iter()
            .any(|t| t.contains("不要把脚本当成正文") || t.contains("footer script"))
    );
    assert!(!texts.iter().any(|t| t.contains("帮助中心")));
    // The table of contents is not the heading path of the body.
    let toc_free = find("我们将通过发送短信验证码");
    assert_eq!(
        toc_free,
        ["一、我们如何收集和使用您的个人信息", "（一）注册与登录"]
    );
}

/// The built-in ensemble, and its n-gram member alone (the fast choice,
/// loaded as a model directory of its own).
#[test]
fn clear_cut_segments_get_their_labels() {
    let ngram = repo().join("models/policy-bert-zh/ngram");
    for args in [
        &[][..],
        &["--no-tagger", "--model", ngram.to_str().unwrap()],
    ] {
        clear_cut_labels(args);
    }
}

fn clear_cut_labels(args: &[&str]) {
    let out = tempfile::tempdir().unwrap();
    scan_ok(&[&samples()], out.path(), args);
    let seg = table(out.path(), "segments");
    let texts = strs(&seg, "text");
    let labels = lists(&seg, "labels");
    let has = |needle: &str, label: &str| {
        let i = texts.iter().position(|t| t.contains(needle)).unwrap();
        assert!(
            labels[i].iter().any(|l| l == label),
            "{args:?}: `{}` should be {label}, got {:?}",
            texts[i],
            labels[i]
        );
    };
    has("存储名为Cookie的小数据文件", "cookie");
    has("物流服务商", "sharing");
    has("需要向我们提供手机号码", "collection");
    has("未满十四周岁的儿童", "minors");
    has("不会向境外传输", "cross_border");
    has("注销账号", "rights");
}

/// The same list item under the same heading, introduced once as shared
/// and once as collected: the default classifier reads each with its own
/// lead-in, so the two copies get their own scores (a scan scores each
/// distinct input once; the lead-in is part of what makes it distinct).
#[test]
fn list_items_are_read_with_their_lead_in() {
    let dir = tempfile::tempdir().unwrap();
    let item = "1. 支付机构和物流公司；";
    for (name, lead) in [
        ("shares", "为完成交易，我们会与以下第三方共享您的订单信息："),
        ("collects", "为完成交易，我们会收集您的以下订单信息："),
    ] {
        let text = format!("隐私政策\n一、其他事项\n{lead}\n{item}\n2. 收货地址。\n");
        std::fs::write(dir.path().join(format!("{name}.txt")), text).unwrap();
    }
    let out = dir.path().join("out");
    scan_ok(&[dir.path()], &out, &["--no-tagger"]);
    let seg = table(&out, "segments");
    let (ids, texts) = (strs(&seg, "policy_id"), strs(&seg, "text"));
    let sharing: Vec<f32> = seg
        .column("score_sharing")
        .unwrap()
        .f32()
        .unwrap()
        .iter()
        .map(|v| v.unwrap())
        .collect();
    let score = |id: &str| {
        let i = (0..texts.len())
            .find(|&i| ids[i] == id && texts[i] == item)
            .unwrap_or_else(|| panic!("{id}: no segment `{item}` in {texts:?}"));
        sharing[i]
    };
    // Only the lead-in member (a third of the mean) sees the difference;
    // without it the two scores would be equal.
    let (shared, collected) = (score("shares"), score("collects"));
    assert!(
        shared > collected + 0.02,
        "sharing score {shared} after a sharing lead-in, {collected} after a collection one"
    );
}

#[test]
fn csv_and_jsonl_outputs() {
    let out = tempfile::tempdir().unwrap();
    scan_ok(&[&samples()], out.path(), &["--format", "csv"]);
    let csv = std::fs::read(out.path().join("segments.csv")).unwrap();
    assert!(csv.starts_with("\u{feff}policy_id,segment,heading_path".as_bytes()));
    let text = String::from_utf8(csv).unwrap();
    assert!(
        text.contains("[\"\"一、我们如何收集和使用您的个人信息\"\""),
        "list columns are JSON arrays"
    );
    for t in ["entities", "policies", "errors"] {
        assert!(out.path().join(format!("{t}.csv")).exists());
    }
    let out = tempfile::tempdir().unwrap();
    scan_ok(&[&samples()], out.path(), &["--format", "jsonl"]);
    let j = std::fs::read_to_string(out.path().join("policies.jsonl")).unwrap();
    let rows: Vec<serde_json::Value> = j
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(rows.len(), 3);
    assert!(rows[0]["controller"].is_array());
    // errors.jsonl exists even though empty.
    assert_eq!(
        std::fs::read_to_string(out.path().join("errors.jsonl")).unwrap(),
        ""
    );
}

#[test]
fn output_is_identical_for_any_thread_count() {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    scan_ok(&[&samples()], a.path(), &["--threads", "1", "--chunk", "2"]);
    scan_ok(&[&samples()], b.path(), &["--threads", "2", "--chunk", "2"]);
    for t in ["segments", "entities", "policies", "errors"] {
        assert!(
            table(a.path(), t).equals_missing(&table(b.path(), t)),
            "table {t} differs"
        );
    }
}

#[test]
fn samples_fill_the_compliance_fields() {
    let out = tempfile::tempdir().unwrap();
    scan_ok(&[&samples()], out.path(), &[]);
    let pol = table(out.path(), "policies");
    let ids = strs(&pol, "policy_id");
    let row = |id: &str| ids.iter().position(|i| i == id).unwrap();
    let list = |col: &str, id: &str| lists(&pol, col)[row(id)].clone();
    let int = |col: &str, id: &str| pol.column(col).unwrap().i32().unwrap().get(row(id));
    let boolean = |col: &str, id: &str| pol.column(col).unwrap().bool().unwrap().get(row(id));

    let q = "qingniao-notes";
    assert_eq!(list("controller", q), ["杭州青鸟云笔记科技有限公司"]);
    assert_eq!(list("phones", q), ["4008201234"]);
    assert_eq!(list("emails", q), ["privacy@qingniao-notes.example.cn"]);
    assert_eq!(
        list("addresses", q),
        ["浙江省杭州市西湖区文三路88号青鸟大厦12层"]
    );
    assert_eq!(list("court", q), ["杭州市西湖区人民法院"]);
    assert_eq!(int("retention_days_min", q), Some(180));
    assert_eq!(boolean("retention_qualitative", q), Some(true));
    assert_eq!(int("response_days", q), Some(15));
    assert_eq!(boolean("stored_in_china", q), Some(true));
    assert_eq!(boolean("transfers_abroad", q), Some(false));
    assert_eq!(strs(&pol, "updated")[row(q)], "2025-03-25");
    let ages = pol
        .column("minor_age")
        .unwrap()
        .list()
        .unwrap()
        .get_as_series(row(q))
        .unwrap();
    assert_eq!(ages.i32().unwrap().get(0), Some(14));
    for t in ["手机号码", "设备标识符", "IP地址", "设备信息", "照片"] {
        assert!(list("data_types", q).iter().any(|x| x == t), "missing {t}");
    }

    let h = "hongshan-mall";
    assert_eq!(list("controller", h), ["成都红山优选电子商务有限公司"]);
    assert_eq!(list("phones", h), ["02887654321"]);
    assert_eq!(list("emails", h), ["service@hongshan-mall.example.cn"]);
    assert_eq!(list("arbitration", h), ["成都仲裁委员会"]);
    assert_eq!(int("retention_days_min", h), Some(1095));
    assert_eq!(int("response_days", h), Some(15));
    // Stored in China, transfer only "if needed, with separate consent":
    // careful readers (and the dev-set annotators) record that as false.
    assert_eq!(boolean("stored_in_china", h), Some(true));
    assert_eq!(boolean("transfers_abroad", h), Some(false));
    assert_eq!(strs(&pol, "updated")[row(h)], "2024-11-01");

    let l = "lanjing-weather";
    assert_eq!(list("phones", l), ["075523456789"]);
    assert_eq!(list("emails", l), ["privacy@lanjing-weather.example.cn"]);
    assert_eq!(int("retention_days_max", l), Some(180));
    assert_eq!(boolean("stored_in_china", l), Some(true));

    // Entity rows: kinds, normalised values and offsets.
    let ent = table(out.path(), "entities");
    let kinds = strs(&ent, "kind");
    let values = strs(&ent, "value");
    assert!(
        kinds
            .iter()
            .zip(&values)
            .any(|(k, v)| k == "retention" && v == "1095")
    );
    assert!(
        kinds
            .iter()
            .zip(&values)
            .any(|(k, v)| k == "retention" && v == "qualitative")
    );
    let cats = ent.column("category").unwrap().str().unwrap().clone();
    for (i, k) in kinds.iter().enumerate() {
        assert_eq!(
            k == "data_type",
            cats.get(i).is_some(),
            "category only on data types"
        );
    }
    let dmin = ent.column("days_min").unwrap().i32().unwrap().clone();
    assert!(dmin.iter().flatten().all(|d| d > 0));
}

#[test]
fn data_mentions_come_from_the_tagger_and_can_be_switched_off() {
    let out = tempfile::tempdir().unwrap();
    scan_ok(&[&samples()], out.path(), &[]);
    let ent = table(out.path(), "entities");
    let kinds = strs(&ent, "kind");
    let texts = strs(&ent, "text");
    let values = strs(&ent, "value");
    let mentions: Vec<usize> = (0..kinds.len())
        .filter(|&i| kinds[i] == "data_mention")
        .collect();
    assert!(mentions.len() >= 10, "{} data_mention rows", mentions.len());
    // Whole phrases, valued with the canonical types inside them.
    assert!(
        mentions
            .iter()
            .any(|&i| texts[i].contains('、') && values[i].contains('、')),
        "no enumeration among {:?}",
        mentions.iter().map(|&i| &texts[i]).collect::<Vec<_>>()
    );
    assert!(mentions.iter().all(|&i| texts[i].chars().count() >= 2));
    // The lexicon's data_type rows are still there, and the summary is theirs.
    assert!(kinds.iter().any(|k| k == "data_type"));

    let off = tempfile::tempdir().unwrap();
    scan_ok(&[&samples()], off.path(), &["--no-tagger"]);
    let ent2 = table(off.path(), "entities");
    assert!(strs(&ent2, "kind").iter().all(|k| k != "data_mention"));
    assert_eq!(
        ent2.height(),
        ent.height() - mentions.len(),
        "--no-tagger drops exactly the mentions"
    );
    assert_eq!(
        lists(&table(out.path(), "policies"), "data_types"),
        lists(&table(off.path(), "policies"), "data_types")
    );
}

/// Rows of `df` whose `policy_id` is `id`, without that column.
fn rows_of(df: &DataFrame, id: &str) -> DataFrame {
    let keep: BooleanChunked = df
        .column("policy_id")
        .unwrap()
        .str()
        .unwrap()
        .iter()
        .map(|p| Some(p == Some(id)))
        .collect();
    df.filter(&keep).unwrap().drop("policy_id").unwrap()
}

#[test]
fn a_policy_repeated_in_a_batch_gets_the_rows_it_gets_alone() {
    // A batch runs the models once per distinct segment and hands the result
    // to every copy: a copy, and the original beside other policies, must
    // still get the labels and data mentions of the policy scanned alone.
    let dir = tempfile::tempdir().unwrap();
    for f in std::fs::read_dir(samples()).unwrap() {
        let f = f.unwrap().path();
        std::fs::copy(&f, dir.path().join(f.file_name().unwrap())).unwrap();
    }
    let notes = samples().join("qingniao-notes.txt");
    std::fs::copy(&notes, dir.path().join("zz-copy.txt")).unwrap();
    let alone_dir = tempfile::tempdir().unwrap();
    std::fs::copy(&notes, alone_dir.path().join("qingniao-notes.txt")).unwrap();

    let batch = tempfile::tempdir().unwrap();
    let alone = tempfile::tempdir().unwrap();
    scan_ok(&[dir.path()], batch.path(), &["--chunk", "8"]);
    scan_ok(&[alone_dir.path()], alone.path(), &[]);
    let ent = table(batch.path(), "entities");
    let want = rows_of(&table(alone.path(), "entities"), "qingniao-notes");
    assert!(
        strs(&want, "kind").iter().any(|k| k == "data_mention"),
        "the sample must have tagged data mentions"
    );
    for id in ["qingniao-notes", "zz-copy"] {
        assert!(rows_of(&ent, id).equals_missing(&want), "entities of {id}");
        let seg = rows_of(&table(batch.path(), "segments"), id);
        let seg_alone = rows_of(&table(alone.path(), "segments"), "qingniao-notes");
        assert_eq!(lists(&seg, "labels"), lists(&seg_alone, "labels"), "{id}");
        assert_eq!(strs(&seg, "text"), strs(&seg_alone, "text"));
    }
}
