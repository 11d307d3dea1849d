//! The Python wheel (pyproject.toml: maturin, `bindings = "bin"`) and the real pre-commit
//! client installing gitops-guard through `language: python`.
//!
//! Building the wheel compiles the binary, so every test here that needs a wheel shares ONE
//! `pip wheel` build (`built_wheel`). All builds go to `target/pre-commit-build` with the same
//! cheap release profile as tests/pre_commit_client.rs, so the dependencies compiled for one
//! are reused by the others and by later runs (the hook's speed is not under test here).
//! Network use: the Python package index only, for maturin (pip's build isolation) and
//! pre-commit's virtualenv. `.ci/run` installs the pre-commit client; without Python's pip or
//! the client these tests print a notice and pass, except in CI (`CI` set), where they fail.

#![cfg(unix)]

mod action_steps;
mod common;

use common::TestRepo;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;
use std::time::Instant;

const SECRET: &str = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\n  namespace: apps\nstringData:\n  password: wheel-marker-v9\n";
const SECRET_VALUE: &str = "wheel-marker-v9";
const CONFIGMAP: &str = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\ndata:\n  a: b\n";

fn checkout() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn cache(name: &str) -> PathBuf {
    checkout().join("target").join(name)
}

/// The build environment every Rust build started from here gets: a shared target dir and a
/// cheap release profile (the same as tests/pre_commit_client.rs, so the two share work).
fn cheap_build(cmd: &mut Command) -> &mut Command {
    cmd.env("CARGO_TARGET_DIR", cache("pre-commit-build"))
        .env("CARGO_PROFILE_RELEASE_LTO", "false")
        .env("CARGO_PROFILE_RELEASE_CODEGEN_UNITS", "16")
        .env("CARGO_PROFILE_RELEASE_OPT_LEVEL", "0")
        .env("CARGO_PROFILE_RELEASE_DEBUG", "false")
        .env("CARGO_TERM_COLOR", "never")
        .env("PIP_DISABLE_PIP_VERSION_CHECK", "1")
        .env("PIP_NO_INPUT", "1")
}

/// Whether `tool --version` runs. In CI (`CI` set) a missing tool fails the test instead.
fn available(tool: &[&str]) -> bool {
    let found = Command::new(tool[0])
        .args(&tool[1..])
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        found || std::env::var_os("CI").is_none(),
        "CI is set but `{}` does not run (.ci/run installs it)",
        tool.join(" ")
    );
    if !found {
        println!("NOTICE: `{}` is not available; skipping", tool.join(" "));
    }
    found
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// `pip wheel <checkout>`, once per test process; the path of the one wheel it wrote.
fn built_wheel() -> &'static Path {
    static WHEEL: OnceLock<PathBuf> = OnceLock::new();
    WHEEL.get_or_init(|| {
        let out_dir = cache("wheel-dist");
        // A wheel left by an earlier run must not stand in for this build.
        let _ = std::fs::remove_dir_all(&out_dir);
        std::fs::create_dir_all(&out_dir).expect("wheel dir");
        let started = Instant::now();
        let mut cmd = Command::new("python3");
        cheap_build(&mut cmd)
            .args(["-m", "pip", "wheel", "--no-deps", "--wheel-dir"])
            .arg(&out_dir)
            .arg(checkout());
        let out = cmd.output().expect("run pip");
        assert!(out.status.success(), "pip wheel failed:\n{}", text(&out));
        println!("pip wheel: {:.0?}", started.elapsed());
        let wheels: Vec<PathBuf> = std::fs::read_dir(&out_dir)
            .expect("wheel dir")
            .map(|e| e.expect("entry").path())
            .collect();
        assert_eq!(wheels.len(), 1, "exactly one wheel: {wheels:?}");
        wheels.into_iter().next().expect("one wheel")
    })
}

#[test]
fn pip_wheel_builds_a_wheel_whose_binary_checks_the_index() {
    if !available(&["python3", "-m", "pip"]) {
        return;
    }
    let wheel = built_wheel();
    let name = wheel.file_name().and_then(|n| n.to_str()).expect("name");
    // `bindings = "bin"`: no Python code, so the wheel fits any Python 3 (`py3-none`).
    let prefix = format!("gitops_guard-{}-py3-none-", env!("CARGO_PKG_VERSION"));
    assert!(
        name.starts_with(&prefix) && name.ends_with(".whl"),
        "{name}"
    );

    // Installed the way users install it: into a virtualenv, offline, from the wheel file.
    let venv = tempfile::tempdir().expect("tempdir");
    let out = Command::new("python3")
        .args(["-m", "venv"])
        .arg(venv.path())
        .output()
        .expect("venv");
    assert!(out.status.success(), "{}", text(&out));
    let out = Command::new(venv.path().join("bin/python"))
        .args(["-m", "pip", "install", "--no-index", "--no-deps", "--quiet"])
        .arg(wheel)
        .env("PIP_DISABLE_PIP_VERSION_CHECK", "1")
        .output()
        .expect("pip install");
    assert!(out.status.success(), "{}", text(&out));
    let installed = venv.path().join("bin/gitops-guard");

    let out = Command::new(&installed)
        .arg("--version")
        .output()
        .expect("run");
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains(env!("CARGO_PKG_VERSION")),
        "{}",
        text(&out)
    );

    let repo = TestRepo::new();
    repo.stage("apps/cm.yaml", CONFIGMAP);
    let run = |args: &[&str]| {
        let mut cmd = Command::new(&installed);
        common::scrubbed(&mut cmd)
            .arg("check")
            .args(args)
            .current_dir(repo.path());
        cmd.output().expect("run the installed binary")
    };
    let out = run(&[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));

    repo.stage("apps/db.yaml", SECRET);
    let out = run(&["--format", "json"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(
        common::findings(&json),
        vec![common::f("GG101", "apps/db.yaml", 1)]
    );
    assert!(!text(&out).contains(SECRET_VALUE), "the value leaked");
}

/// `pre-commit try-repo <checkout> gitops-guard-wheel`: pre-commit clones this repository,
/// creates a virtualenv and `pip install .`s it, which builds the wheel through maturin.
#[test]
fn pre_commit_installs_the_wheel_hook_from_a_clone_and_refuses_a_secret() {
    if !available(&["pre-commit"]) {
        return;
    }
    let repo = TestRepo::new();
    let try_repo = |extra: &[&str]| {
        let mut cmd = Command::new("pre-commit");
        common::scrubbed(&mut cmd)
            .arg("try-repo")
            .arg(checkout())
            .arg("gitops-guard-wheel")
            .args(extra)
            .current_dir(repo.path())
            .env("PRE_COMMIT_HOME", cache("pre-commit-home"))
            .env_remove("PRE_COMMIT_COLOR");
        let out = cheap_build(&mut cmd).output().expect("run pre-commit");
        (out.status.success(), text(&out))
    };

    repo.stage("apps/cm.yaml", CONFIGMAP);
    let started = Instant::now();
    let (passed, out) = try_repo(&[]);
    println!(
        "try-repo gitops-guard-wheel (install + run): {:.0?}",
        started.elapsed()
    );
    assert!(passed, "clean change passes:\n{out}");
    assert!(
        out.contains("gitops-guard (wheel)") && out.contains("Passed"),
        "{out}"
    );

    repo.stage("apps/db.yaml", SECRET);
    let (passed, out) = try_repo(&[]);
    assert!(!passed, "staged Secret refused:\n{out}");
    assert!(out.contains("Failed") && out.contains("GG101"), "{out}");
    assert!(out.contains("apps/db.yaml"), "{out}");
    assert!(!out.contains(SECRET_VALUE), "the value leaked:\n{out}");
}

/// The fast path docs/integrations.md describes for a wheel you publish: a `repo: local` hook
/// with `language: python` whose `additional_dependencies` name the wheel. pre-commit installs
/// the wheel as it is; nothing is compiled.
#[test]
fn pre_commit_local_hook_installs_a_built_wheel_and_refuses_a_secret() {
    if !available(&["python3", "-m", "pip"]) || !available(&["pre-commit"]) {
        return;
    }
    let wheel = built_wheel();
    let repo = TestRepo::new();
    // JSON is YAML: the wheel's path is quoted correctly whatever it holds.
    let dep = serde_json::to_string(&wheel.display().to_string()).expect("json");
    repo.stage(
        ".pre-commit-config.yaml",
        format!(
            "repos:\n  - repo: local\n    hooks:\n      - id: gitops-guard\n        name: gitops-guard (local wheel)\n        entry: gitops-guard check\n        language: python\n        additional_dependencies: [{dep}]\n        pass_filenames: true\n        require_serial: true\n"
        ),
    );
    repo.stage("apps/cm.yaml", CONFIGMAP);
    // A store of its own: a cached environment from an earlier run must not hide the install.
    let home = tempfile::tempdir().expect("tempdir");
    let run = || {
        let mut cmd = Command::new("pre-commit");
        common::scrubbed(&mut cmd)
            .arg("run")
            .current_dir(repo.path())
            .env("PRE_COMMIT_HOME", home.path())
            .env("PIP_DISABLE_PIP_VERSION_CHECK", "1")
            .env_remove("PRE_COMMIT_COLOR");
        let out = cmd.output().expect("run pre-commit");
        (out.status.success(), text(&out))
    };

    let started = Instant::now();
    let (passed, out) = run();
    println!(
        "pre-commit run, local wheel hook (install + run): {:.0?}",
        started.elapsed()
    );
    assert!(passed, "clean change passes:\n{out}");
    assert!(
        out.contains("gitops-guard (local wheel)") && out.contains("Passed"),
        "{out}"
    );

    repo.stage("apps/db.yaml", SECRET);
    let (passed, out) = run();
    assert!(!passed, "staged Secret refused:\n{out}");
    assert!(
        out.contains("GG101") && out.contains("apps/db.yaml"),
        "{out}"
    );
    assert!(!out.contains(SECRET_VALUE), "the value leaked:\n{out}");
}

/// The GitHub Action's install step with `package:` set to a wheel: it installs the wheel into
/// a virtualenv of its own and puts only the binary's folder on the job's PATH.
#[test]
fn the_action_installs_gitops_guard_from_a_wheel() {
    if !available(&["python3", "-m", "pip"]) {
        return;
    }
    let wheel = built_wheel().display().to_string();
    let action = action_steps::action();
    let temp = tempfile::tempdir().expect("tempdir");
    let ran = action_steps::run_step(
        action_steps::step(&action, "install"),
        temp.path(),
        temp.path(),
        &[("GG_PACKAGE", &wheel), ("GG_SOURCE", "/nonexistent")],
        None,
    );
    assert_eq!(ran.code, 0, "{}", ran.text);
    assert_eq!(ran.path_added.len(), 1, "{:?}", ran.path_added);
    let dir = &ran.path_added[0];
    let mut entries: Vec<String> = std::fs::read_dir(dir)
        .expect("the folder added to PATH")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    entries.sort();
    assert_eq!(
        entries,
        vec!["gitops-guard"],
        "the binary only, not a Python"
    );

    let repo = TestRepo::new();
    repo.stage("apps/db.yaml", SECRET);
    let mut cmd = Command::new(dir.join("gitops-guard"));
    common::scrubbed(&mut cmd)
        .args(["check", "--format", "github"])
        .current_dir(repo.path());
    let out = cmd.output().expect("run the installed binary");
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        text(&out).contains("::error file=apps/db.yaml,line=1,"),
        "{}",
        text(&out)
    );
}
