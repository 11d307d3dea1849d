//! The advice under the findings can be followed where the check ran: `--fix` for the staged
//! content of a working tree, the `gitops-guard-fix` hook under the pre-commit framework, and
//! what to do instead (rotate, rewrite history) for commits, pushes and files on disk.

#![cfg(unix)]

mod common;

use common::{BareRepo, NotARepo, TestRepo, git, output_text as text};

const SECRET: &str = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\n  namespace: apps\nstringData:\n  password: hunter2-marker-a1\n";
const SECRET_VALUE: &str = "hunter2-marker-a1";
const CONFIGMAP: &str = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\ndata:\n  a: b\n";

/// `gitops-guard check <args>` in `repo` with `env`; (exit code, stdout + stderr).
fn check(repo: &TestRepo, args: &[&str], env: &[(&str, &str)]) -> (i32, String) {
    let mut cmd = repo.cmd();
    cmd.arg("check").args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("run");
    let shown = text(&out);
    assert!(!shown.contains(SECRET_VALUE), "the value leaked: {shown}");
    (out.status.code().unwrap_or(-1), shown)
}

#[test]
fn plain_check_offers_the_fix_flag() {
    let repo = TestRepo::new();
    repo.stage("apps/db.yaml", SECRET);
    let (code, out) = check(&repo, &[], &[]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("(fixable with `--fix`)"), "{out}");
    assert!(
        out.contains("1 finding fixable with `gitops-guard check --fix`."),
        "{out}"
    );
}

#[test]
fn under_the_pre_commit_framework_the_fix_hook_is_named() {
    let repo = TestRepo::new();
    repo.stage("apps/db.yaml", SECRET);
    let (code, out) = check(&repo, &[], &[("PRE_COMMIT", "1")]);
    assert_eq!(code, 1, "{out}");
    assert!(!out.contains("--fix"), "{out}");
    assert!(
        out.contains("(fixable with `pre-commit run gitops-guard-fix`)"),
        "{out}"
    );
    assert!(
        out.contains("add it to .pre-commit-config.yaml"),
        "the hook is not configured yet: {out}"
    );

    repo.write(
        ".pre-commit-config.yaml",
        "repos:\n  - repo: https://example.invalid/gitops-guard\n    rev: v1\n    hooks:\n      - id: gitops-guard\n      - id: gitops-guard-fix\n        stages: [manual]\n",
    );
    let (_, out) = check(&repo, &[], &[("PRE_COMMIT", "1")]);
    assert!(
        out.contains("1 finding fixable with `pre-commit run gitops-guard-fix`."),
        "{out}"
    );
    assert!(!out.contains("add it to"), "{out}");
}

#[test]
fn history_never_offers_the_fix_and_says_to_rotate() {
    let repo = TestRepo::new();
    repo.stage("apps/cm.yaml", CONFIGMAP);
    repo.commit("base");
    repo.stage("apps/db.yaml", SECRET);
    repo.commit("leak");
    let (code, out) = check(&repo, &["--range", "HEAD~1..HEAD"], &[]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("GG101"), "{out}");
    assert!(!out.contains("--fix"), "{out}");
    assert!(!out.contains("fixable"), "{out}");
    assert!(out.contains("rotate the credential"), "{out}");
    assert!(out.contains("rotate those credentials"), "{out}");
    // Also under the framework (a pre-push stage runs `--range`-like checks).
    let (_, out) = check(&repo, &["--range", "HEAD~1..HEAD"], &[("PRE_COMMIT", "1")]);
    assert!(!out.contains("fixable"), "{out}");
}

#[test]
fn files_on_disk_never_offer_the_fix() {
    let dir = NotARepo::new();
    std::fs::create_dir_all(dir.path().join("apps")).expect("mkdir");
    std::fs::write(dir.path().join("apps/db.yaml"), SECRET).expect("write");
    let out = dir.cmd().args(["check", "--no-git"]).output().expect("run");
    let shown = text(&out);
    assert_eq!(out.status.code(), Some(1), "{shown}");
    assert!(shown.contains("GG101"), "{shown}");
    assert!(!shown.contains("--fix"), "{shown}");
    assert!(!shown.contains("fixable"), "{shown}");
    assert!(shown.contains("rotate"), "{shown}");
}

#[test]
fn a_refused_push_never_offers_the_fix() {
    let bare = BareRepo::new();
    let client = TestRepo::new();
    client.git(&["remote", "add", "origin", bare.url()]);
    client.stage("apps/cm.yaml", CONFIGMAP);
    client.commit("base");
    client.git(&["push", "-q", "origin", "main"]);
    let out = client
        .cmd_in(bare.path())
        .args(["install", "--hook", "pre-receive"])
        .output()
        .expect("install");
    assert!(out.status.success(), "{}", text(&out));
    client.stage("apps/db.yaml", SECRET);
    client.commit("leak");
    let out = git(client.path(), &["push", "origin", "main"]);
    let shown = text(&out);
    assert!(!out.status.success(), "{shown}");
    assert!(shown.contains("GG101"), "{shown}");
    assert!(!shown.contains("--fix"), "{shown}");
    assert!(!shown.contains("fixable"), "{shown}");
    assert!(shown.contains("rotate"), "{shown}");
}

#[test]
fn a_chart_template_secret_is_not_counted_as_fixable() {
    let repo = TestRepo::new();
    repo.write(
        "charts/app/Chart.yaml",
        "apiVersion: v2\nname: app\nversion: 1.0.0\n",
    );
    repo.stage(
        "charts/app/templates/secret.yaml",
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: {{ .Release.Name }}-db\nstringData:\n  password: hunter2-marker-a1\n",
    );
    repo.git(&["add", "-A"]);
    let (code, json) = repo.check_json(&["--select", "GG101"]);
    assert_eq!(code, 1, "{json}");
    assert_eq!(
        common::findings(&json),
        vec![common::f("GG101", "charts/app/templates/secret.yaml", 1)]
    );
    assert_eq!(json["findings"][0]["fixable"], false, "{json}");
    let (_, out) = check(&repo, &["--select", "GG101"], &[]);
    assert!(!out.contains("fixable"), "{out}");
    assert!(out.contains("chart template"), "{out}");
    // The same Secret rendered (no template expression) is fixable.
    repo.stage("apps/db.yaml", SECRET);
    let (_, json) = repo.check_json(&["--select", "GG101", "apps/db.yaml"]);
    assert_eq!(json["findings"][0]["fixable"], true, "{json}");
}
