//! The HTML report in a real browser: headless Chromium loads the page (no network), its
//! script runs without an error, a self-test sorts and filters every table, and the layout
//! turns into cards on a phone-sized window. Screenshots land in `target/report-screenshots/`
//! (with `GITOPS_GUARD_SCREENSHOTS=docs`, in `docs/`, where the committed ones live).
//!
//! Needs Debian's `chromium` (`apt-get install -y chromium`; `.ci/run` installs it). Without
//! it the test is skipped, except under `CI=true`, where it fails.

#![allow(clippy::unwrap_used)]

mod common;

use common::{TestRepo, copy_tree};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn chromium() -> Option<PathBuf> {
    let names = [
        "chromium",
        "chromium-browser",
        "google-chrome",
        "google-chrome-stable",
    ];
    let found = std::env::var_os("CHROMIUM").map(PathBuf::from).or_else(|| {
        let path = std::env::var_os("PATH")?;
        std::env::split_paths(&path)
            .flat_map(|dir| names.iter().map(move |n| dir.join(n)))
            .find(|p| p.is_file())
    });
    if found.is_none() {
        let ci = std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0");
        assert!(
            !ci,
            "CI is set but chromium is not installed: the HTML report test needs it \
             (`apt-get update && apt-get install -y chromium`, as .ci/run does)"
        );
        eprintln!("notice: chromium not found; the HTML report test is skipped");
    }
    found
}

/// Runs headless Chromium on `url` with `extra` flags; returns (stdout, stderr).
fn run_chromium(bin: &Path, url: &str, extra: &[String]) -> (String, String) {
    let profile = tempfile::tempdir().unwrap();
    let mut cmd = Command::new(bin);
    cmd.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-extensions",
        "--disable-dev-shm-usage",
        "--enable-logging=stderr",
        "--v=0",
    ])
    .arg(format!("--user-data-dir={}", profile.path().display()))
    .args(extra)
    .arg(url)
    .stdin(Stdio::null())
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("start chromium");
    let mut stdout = child.stdout.take().unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let out = std::thread::spawn(move || {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut stdout, &mut s).ok();
        s
    });
    let err = std::thread::spawn(move || {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut stderr, &mut s).ok();
        s
    });
    let start = Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        if start.elapsed() > Duration::from_secs(180) {
            child.kill().ok();
            child.wait().ok();
            panic!("chromium did not finish within 180 s on {url}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    (out.join().unwrap(), err.join().unwrap())
}

/// The value of attribute `name` on the `<html>` element of a dumped DOM.
fn root_attr(dom: &str, name: &str) -> Option<String> {
    let start = dom.find("<html")?;
    let end = start + dom[start..].find('>')?;
    let tag = &dom[start..end];
    let key = format!("{name}=\"");
    let i = tag.find(&key)? + key.len();
    let j = i + tag[i..].find('"')?;
    Some(tag[i..j].to_string())
}

/// What the page logged on Chromium's stderr: uncaught errors, Content-Security-Policy
/// refusals, any console message (the page's script never logs).
fn js_errors(stderr: &str) -> Vec<&str> {
    stderr
        .lines()
        .filter(|l| {
            l.contains("Uncaught")
                || l.contains(":CONSOLE")
                || l.contains("Content Security Policy")
        })
        .collect()
}

fn report_html(tree: &str, hostile: Option<&str>) -> (TestRepo, PathBuf) {
    let repo = TestRepo::new();
    copy_tree(
        &Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/corpus")
            .join(tree),
        repo.path(),
    );
    // A hostile name must stay text: it would run if the page pasted it as HTML.
    if let Some(hostile) = hostile {
        repo.write(
            hostile,
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: \"<img src=x onerror=alert(1)>\"\n  namespace: jx\n",
        );
    }
    repo.git(&["add", "-A"]);
    let out = repo
        .cmd()
        .args(["report", "--out", "inventory"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let html = repo.join("inventory/report.html");
    let text = std::fs::read_to_string(&html).unwrap();
    assert!(!text.contains("<img src=x"), "unescaped name in the page");
    assert_eq!(
        text.contains("&lt;img src=x onerror=alert(1)&gt;"),
        hostile.is_some()
    );
    // Self-contained: nothing is fetched.
    for needle in [
        "http-equiv=\"Content-Security-Policy\"",
        "default-src 'none'",
    ] {
        assert!(text.contains(needle), "{needle}");
    }
    for needle in ["<link ", "src=\"http", "@import", "url("] {
        assert!(!text.contains(needle), "the page loads `{needle}`");
    }
    (repo, html)
}

#[test]
fn html_report_renders_sorts_filters_and_fits_a_phone() {
    let Some(bin) = chromium() else { return };
    let (_repo, html) = report_html(
        "Morgan-Jenkins-X__jx3-eks-vault",
        Some("config-root/namespaces/jx/evil/evil-cm.yaml"),
    );
    let url = format!("file://{}", html.display());

    // Desktop: the script runs, the self-test passes, no error is logged.
    let (dom, err) = run_chromium(
        &bin,
        &format!("{url}#selftest"),
        &["--window-size=1280,900".into(), "--dump-dom".into()],
    );
    assert_eq!(root_attr(&dom, "data-ready").as_deref(), Some("1"), "{err}");
    assert_eq!(root_attr(&dom, "data-errors"), None, "{err}");
    assert_eq!(
        root_attr(&dom, "data-selftest").as_deref(),
        Some("ok 7 tables"),
        "{err}"
    );
    assert_eq!(root_attr(&dom, "data-layout").as_deref(), Some("table"));
    assert!(js_errors(&err).is_empty(), "{:?}", js_errors(&err));
    // The hostile name is shown as text.
    assert!(dom.contains("&lt;img src=x onerror=alert(1)&gt;"));

    // A phone: rows become cards.
    let (dom, err) = run_chromium(
        &bin,
        &format!("{url}#selftest"),
        &["--window-size=390,844".into(), "--dump-dom".into()],
    );
    assert_eq!(
        root_attr(&dom, "data-layout").as_deref(),
        Some("cards"),
        "{err}"
    );
    assert_eq!(
        root_attr(&dom, "data-selftest").as_deref(),
        Some("ok 7 tables"),
        "{err}"
    );
    assert!(js_errors(&err).is_empty(), "{:?}", js_errors(&err));

    // Screenshots (PNG), desktop and phone, of a real tree with two `:latest` images.
    let (_repo, html) = report_html("SkisocksOrg__jx3-azure-akv-cluster", None);
    let url = format!("file://{}", html.display());
    let dir = match std::env::var("GITOPS_GUARD_SCREENSHOTS").as_deref() {
        Ok("docs") => Path::new(env!("CARGO_MANIFEST_DIR")).join("docs"),
        _ => Path::new(env!("CARGO_MANIFEST_DIR")).join("target/report-screenshots"),
    };
    std::fs::create_dir_all(&dir).unwrap();
    for (name, size) in [
        ("report-desktop.png", "1280,1400"),
        ("report-phone.png", "390,1400"),
    ] {
        let shot = dir.join(name);
        let _ = std::fs::remove_file(&shot);
        let (_, err) = run_chromium(
            &bin,
            &url,
            &[
                format!("--window-size={size}"),
                "--hide-scrollbars".into(),
                format!("--screenshot={}", shot.display()),
            ],
        );
        let png = std::fs::read(&shot).unwrap_or_else(|e| panic!("{name}: {e}\n{err}"));
        assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "{name} is not a PNG");
        assert!(
            png.len() > 10_000,
            "{name} looks empty ({} bytes)",
            png.len()
        );
    }
}

#[test]
fn html_report_of_flux_environments_renders() {
    let Some(bin) = chromium() else { return };
    let (_repo, html) = report_html(
        "fluxcd__flux2-kustomize-helm-example",
        Some("apps/base/podinfo/evil.yaml"),
    );
    let (dom, err) = run_chromium(
        &bin,
        &format!("file://{}#selftest", html.display()),
        &["--window-size=1024,768".into(), "--dump-dom".into()],
    );
    assert_eq!(
        root_attr(&dom, "data-selftest").as_deref(),
        Some("ok 7 tables"),
        "{err}"
    );
    assert!(
        dom.contains("production · podinfo"),
        "environments are shown"
    );
    assert!(js_errors(&err).is_empty(), "{:?}", js_errors(&err));
}
