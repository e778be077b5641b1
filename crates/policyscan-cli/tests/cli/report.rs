//! `policyscan report`: the overview and the policy pages of a real scan,
//! escaping of hostile policy text, the error for a folder without tables,
//! and — where Chromium is installed — the pages as a browser renders them
//! (the overview's script must run without error and draw the table).

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use policyscan::check::ITEMS;

use crate::util::*;

/// Run `policyscan report <out> [extra]`, asserting success; returns stderr.
fn report_ok(out: &Path, extra: &[&str]) -> String {
    let o = bin().arg("report").arg(out).args(extra).output().unwrap();
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert!(o.status.success(), "report failed: {}\n{err}", o.status);
    err
}

fn read(p: &Path) -> String {
    fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

#[test]
fn samples_give_an_overview_and_one_page_per_policy() {
    let out = tempfile::tempdir().unwrap();
    scan_ok(&[&samples()], out.path(), &[]);
    let err = report_ok(out.path(), &[]);
    assert!(err.contains("3 policy pages"), "{err}");
    assert!(err.contains("report.html"), "{err}");

    let html = read(&out.path().join("report.html"));
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains(r#"<meta charset="utf-8">"#));
    for chart in [
        "chart-checklist",
        "chart-labels",
        "chart-retention",
        "chart-response",
        "chart-crossborder",
        "chart-datatypes",
        "chart-categories",
    ] {
        assert!(
            html.contains(&format!(r#"<svg class="chart" id="{chart}""#)),
            "{chart}"
        );
    }
    for item in ITEMS {
        let title = item.title.replace('&', "&amp;").replace('\'', "&#39;");
        assert!(html.contains(&title), "{title}");
    }
    assert!(html.contains(r#"id="most-missing""#));
    assert!(html.contains("Noto Sans CJK SC"));
    // Self-contained: nothing loaded from elsewhere.
    for external in ["<link", " src=", "@import", "url("] {
        assert!(!html.contains(external), "{external}");
    }
    assert!(html.contains(r#""folder":"report_files/""#));

    let pol = table(out.path(), "policies");
    let ids = strs(&pol, "policy_id");
    let nseg = u32s(&pol, "segments");
    assert_eq!(ids.len(), 3);
    let files = out.path().join("report_files");
    for (i, id) in ids.iter().enumerate() {
        let name = format!("p{:06}.html", i + 1);
        assert!(html.contains(&format!(r#""{id}""#)), "{id}");
        assert!(html.contains(&format!(r#""{name}""#)), "{name}");
        let page = read(&files.join(&name));
        assert!(page.contains(&format!("<h1>{id}</h1>")), "{name}");
        assert!(page.contains(r#"href="../report.html""#));
        assert_eq!(
            page.matches(r#"<div class="seg" id="s"#).count(),
            nseg[i] as usize,
            "{name}"
        );
        for s in 0..nseg[i] {
            assert!(page.contains(&format!(r#"id="s{s}""#)), "{name} s{s}");
        }
        for item in ITEMS {
            assert!(
                page.contains(&format!("<code>{}</code>", item.id)),
                "{}",
                item.id
            );
            assert!(
                page.contains(&format!(r#"<b lang="zh-CN">{}</b>"#, item.title_zh)),
                "{}: its Chinese title",
                item.id
            );
        }
        assert!(page.contains(r#"<span class="badge b-present">present</span>"#));
        assert!(page.contains(r##"<a href="#s"##), "evidence links");
        assert!(!page.contains("<script"), "policy pages carry no script");
    }
    assert!(!files.join("p000004.html").exists());
}

#[test]
fn html_path_elsewhere_gets_its_own_files_folder() {
    let out = tempfile::tempdir().unwrap();
    scan_ok(&[&samples()], out.path(), &[]);
    let target = tempfile::tempdir().unwrap();
    let html = target.path().join("sub/audit.html");
    // A stale page from an earlier, larger report is removed.
    fs::create_dir_all(target.path().join("sub/audit_files")).unwrap();
    fs::write(target.path().join("sub/audit_files/p000009.html"), "old").unwrap();
    report_ok(out.path(), &["--html", html.to_str().unwrap()]);
    assert!(read(&html).contains(r#""folder":"audit_files/""#));
    let page = read(&target.path().join("sub/audit_files/p000001.html"));
    assert!(page.contains(r#"href="../audit.html""#));
    assert!(!target.path().join("sub/audit_files/p000009.html").exists());
    assert!(!out.path().join("report.html").exists());
}

#[test]
fn hostile_policy_text_and_ids_render_as_text() {
    let input = tempfile::tempdir().unwrap();
    // The policy id is the relative path: `a</script>`.
    let folder = input.path().join("a<");
    fs::create_dir_all(&folder).unwrap();
    fs::write(
        folder.join("script>.txt"),
        "隐私政策<!-- x -->\n\n一、我们如何收集<script>alert(2)</script>信息\n我们会收集您的手机号码<script>alert(1)</script>，用于注册账号。\n二、联系我们\n如有问题，请发送邮件至 privacy@example.com <img src=x onerror=alert(3)>。\n",
    )
    .unwrap();
    let out = tempfile::tempdir().unwrap();
    scan_ok(&[input.path()], out.path(), &[]);
    assert_eq!(
        strs(&table(out.path(), "policies"), "policy_id"),
        ["a</script>"]
    );
    report_ok(out.path(), &[]);

    let page = read(&out.path().join("report_files/p000001.html"));
    assert!(
        page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "{page}"
    );
    assert!(page.contains("<h1>a&lt;/script&gt;</h1>"));
    assert!(!page.contains("<script"), "{page}");
    assert!(!page.contains("<img"));

    let html = read(&out.path().join("report.html"));
    // Only the data block and the report's own script, and neither closes early.
    assert_eq!(html.matches("<script").count(), 2);
    assert_eq!(html.matches("</script>").count(), 2);
    assert!(!html.contains("<!-- x"));
    assert!(html.contains(r#""a\u003c/script\u003e""#));
}

#[test]
fn a_folder_without_tables_is_exit_code_2() {
    let empty = tempfile::tempdir().unwrap();
    let o = bin().arg("report").arg(empty.path()).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("no policyscan tables"), "{err}");

    let csv = tempfile::tempdir().unwrap();
    scan_ok(&[&samples()], csv.path(), &["--format", "csv"]);
    let o = bin().arg("report").arg(csv.path()).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("only Parquet"), "{err}");
}

/// `chromium` or `chromium-browser` on PATH.
fn chromium() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|d| ["chromium", "chromium-browser"].map(|b| d.join(b)))
        .find(|p| p.is_file())
}

/// Run headless Chromium on `page` with `args` (a profile of its own, a
/// minute at most); returns its stdout.
fn headless(browser: &Path, page: &Path, args: &[&str]) -> String {
    let tmp = tempfile::tempdir().unwrap();
    let (stdout, stderr) = (tmp.path().join("stdout"), tmp.path().join("stderr"));
    let mut child = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
        ])
        .arg(format!(
            "--user-data-dir={}",
            tmp.path().join("profile").display()
        ))
        .args(args)
        .arg(format!("file://{}", page.display()))
        .stdin(Stdio::null())
        .stdout(fs::File::create(&stdout).unwrap())
        .stderr(fs::File::create(&stderr).unwrap())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("chromium took over a minute on {}", page.display());
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let out = fs::read_to_string(&stdout).unwrap_or_default();
    assert!(
        !out.is_empty() || args.iter().any(|a| a.starts_with("--screenshot")),
        "chromium printed nothing: {}",
        fs::read_to_string(&stderr).unwrap_or_default()
    );
    out
}

#[test]
fn browser_runs_the_overview_script_and_renders_the_pages() {
    let Some(browser) = chromium() else {
        println!("chromium not found: skipping the browser check");
        return;
    };
    let input = tempfile::tempdir().unwrap();
    for f in fs::read_dir(samples()).unwrap() {
        let f = f.unwrap().path();
        fs::copy(&f, input.path().join(f.file_name().unwrap())).unwrap();
    }
    fs::write(
        input.path().join("zz-evil.txt"),
        "一、我们如何收集信息\n我们会收集您的手机号码<script>document.title='pwned'</script>。\n",
    )
    .unwrap();
    let out = tempfile::tempdir().unwrap();
    scan_ok(&[input.path()], out.path(), &[]);
    report_ok(out.path(), &[]);
    let overview = out.path().join("report.html");

    let dom = headless(
        &browser,
        &overview,
        &["--virtual-time-budget=5000", "--dump-dom"],
    );
    assert!(
        dom.contains(r#"data-ready="1""#),
        "the script did not finish:\n{dom}"
    );
    assert!(!dom.contains(r#"data-jserror=""#), "script error:\n{dom}");
    assert!(dom.contains(r#"data-rendered="4""#), "table rows");
    for i in 1..=4 {
        assert!(
            dom.contains(&format!(r#"href="report_files/p{i:06}.html""#)),
            "row {i}"
        );
    }
    assert!(dom.contains(">qingniao-notes</a>"));
    assert!(dom.contains(r#"<svg class="chart" id="chart-checklist""#));
    assert!(dom.contains("rows 1–4 of 4"));

    let evil = out.path().join("report_files/p000004.html");
    let dom = headless(&browser, &evil, &["--dump-dom"]);
    assert!(dom.contains("&lt;script&gt;document.title"), "{dom}");
    assert!(!dom.contains("pwned</title>"));
    assert!(dom.contains(r#"id="s0""#));

    let shots = tempfile::tempdir().unwrap();
    for (page, png) in [
        (&overview, "overview.png"),
        (&out.path().join("report_files/p000001.html"), "policy.png"),
    ] {
        let shot = shots.path().join(png);
        headless(
            &browser,
            page,
            &[
                "--window-size=1400,2000",
                &format!("--screenshot={}", shot.display()),
            ],
        );
        let bytes = fs::read(&shot).unwrap_or_default();
        assert!(
            bytes.starts_with(b"\x89PNG") && bytes.len() > 10_000,
            "{png}"
        );
    }
}
