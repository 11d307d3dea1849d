//! The composite GitHub Action (action.yml): its shape (pinned actions, declared inputs, flags
//! the binary has) and its scripts, run with bash the way the runner runs them
//! (`bash --noprofile --norc -eo pipefail`), on a temporary repository with the real binary:
//! the commits of a "pull request" are selected, annotated and written as SARIF, and the job
//! fails on findings (tests/action_steps runs the steps). The install step's wheel path is
//! tested in tests/wheel.rs, which has a wheel.

#![cfg(unix)]

mod action_steps;
mod common;

use action_steps::{Ran, action, bin_dir, step, steps};
use common::TestRepo;
use regex::Regex;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

const SECRET: &str = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\n  namespace: apps\nstringData:\n  password: action-marker-q3\n";
const SECRET_VALUE: &str = "action-marker-q3";
const CONFIGMAP: &str = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\ndata:\n  a: b\n";

fn check_help() -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_gitops-guard"))
        .args(["check", "--help"])
        .output()
        .expect("run");
    assert!(out.status.success());
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn the_action_is_composite_pins_what_it_uses_and_declares_what_it_reads() {
    let action = action();
    assert_eq!(action["runs"]["using"], "composite");
    let pinned = Regex::new(r"^[\w.-]+/[\w./-]+@[0-9a-f]{40}$").expect("regex");
    for s in steps(&action) {
        if let Some(uses) = s["uses"].as_str() {
            assert!(pinned.is_match(uses), "not pinned by commit SHA: {uses}");
        }
        if s.get("run").is_some() {
            assert!(
                s["shell"].is_string(),
                "a composite run step needs a shell: {s}"
            );
            // Expressions go through `env`, never into the script text (no injection).
            let run = s["run"].as_str().expect("run");
            assert!(!run.contains("${{"), "expression inside a script: {run}");
        }
    }
    let text = serde_json::to_string(&action).expect("json");
    let inputs = action["inputs"].as_object().expect("inputs");
    let used = Regex::new(r"inputs\.([\w-]+)").expect("regex");
    for cap in used.captures_iter(&text) {
        assert!(inputs.contains_key(&cap[1]), "undeclared input {}", &cap[1]);
    }
    let outputs = Regex::new(r"steps\.([\w-]+)\.outputs").expect("regex");
    for cap in outputs.captures_iter(&text) {
        step(&action, &cap[1]);
    }
}

/// Every flag the scripts give gitops-guard is one `gitops-guard check --help` lists, and every
/// `--format` value one it accepts.
#[test]
fn the_action_passes_only_flags_the_binary_has() {
    let action = action();
    let help = check_help();
    let flag = Regex::new(r"(?:^|[\s=])(--[a-z][a-z-]*)").expect("regex");
    let format = Regex::new(r"--format[ =]([a-z]+)").expect("regex");
    let mut seen = Vec::new();
    for s in steps(&action) {
        let Some(run) = s["run"].as_str() else {
            continue;
        };
        for line in run.lines() {
            // What runs gitops-guard, and the scope the select step hands to it.
            if !(line.contains("gitops-guard check") || line.contains("scope=")) {
                continue;
            }
            for cap in flag.captures_iter(line) {
                let name = &cap[1];
                let listed = Regex::new(&format!(r"(?m)^\s+(?:-\w, )?{name}\b")).expect("regex");
                assert!(
                    listed.is_match(&help),
                    "`{name}` is not a flag of check:\n{line}"
                );
                seen.push(name.to_string());
            }
            for cap in format.captures_iter(line) {
                assert!(
                    help.contains(&format!("- {}:", &cap[1])),
                    "`--format {}` is not accepted",
                    &cap[1]
                );
            }
        }
    }
    for expected in ["--range", "--all", "--format", "--exit-zero"] {
        assert!(
            seen.iter().any(|s| s == expected),
            "{expected} unused: {seen:?}"
        );
    }
}

/// Runs a step with the binary under test on PATH: (exit code, its output, what it wrote to
/// `$GITHUB_OUTPUT`).
fn run_step(
    step: &Value,
    cwd: &Path,
    temp: &Path,
    env: &[(&str, &str)],
) -> (i32, String, BTreeMap<String, String>) {
    let Ran {
        code,
        text,
        outputs,
        ..
    } = action_steps::run_step(step, cwd, temp, env, Some(bin_dir()));
    (code, text, outputs)
}

#[test]
fn the_action_annotates_a_pull_request_writes_sarif_and_fails_on_a_secret() {
    let action = action();
    let repo = TestRepo::new();
    repo.stage("apps/cm.yaml", CONFIGMAP);
    repo.commit("base");
    let base = common::git_ok(repo.path(), &["rev-parse", "HEAD"]);
    repo.stage("apps/db.yaml", SECRET);
    repo.commit("adds a Secret");
    let head = common::git_ok(repo.path(), &["rev-parse", "HEAD"]);
    let temp = tempfile::tempdir().expect("tempdir");

    let (code, _, out) = run_step(
        step(&action, "select"),
        repo.path(),
        temp.path(),
        &[("GG_RANGE", ""), ("GG_BASE", &base), ("GG_HEAD", &head)],
    );
    assert_eq!(code, 0);
    let scope = out["scope"].clone();
    assert_eq!(scope, format!("--range={base}..{head}"));

    let (code, stdout, out) = run_step(
        step(&action, "check"),
        repo.path(),
        temp.path(),
        &[("GG_SCOPE", &scope), ("GG_ARGS", "")],
    );
    assert_eq!(
        code, 0,
        "the step records the exit code, later steps fail the job:\n{stdout}"
    );
    assert_eq!(out["exit-code"], "1", "{stdout}");
    assert!(
        stdout.contains("::error file=apps/db.yaml,line=1,"),
        "an annotation on the Secret:\n{stdout}"
    );
    assert!(!stdout.contains(SECRET_VALUE), "the value leaked");

    let sarif_step = steps(&action)
        .iter()
        .find(|s| {
            s["run"]
                .as_str()
                .is_some_and(|r| r.contains("--format sarif"))
        })
        .expect("a SARIF step");
    let (code, stdout, _) = run_step(
        sarif_step,
        repo.path(),
        temp.path(),
        &[("GG_SCOPE", &scope), ("GG_ARGS", "")],
    );
    assert_eq!(code, 0, "{stdout}");
    let sarif_text =
        std::fs::read_to_string(temp.path().join("gitops-guard.sarif")).expect("SARIF file");
    assert!(!sarif_text.contains(SECRET_VALUE), "the value leaked");
    let sarif: Value = serde_json::from_str(&sarif_text).expect("SARIF is JSON");
    let results = sarif["runs"][0]["results"].as_array().expect("results");
    let found: Vec<(&str, &str)> = results
        .iter()
        .map(|r| {
            (
                r["ruleId"].as_str().unwrap_or(""),
                r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                    .as_str()
                    .unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(found, vec![("GG101", "apps/db.yaml")]);
    // The upload step reads the file the SARIF step wrote.
    let upload = steps(&action)
        .iter()
        .find(|s| {
            s["uses"]
                .as_str()
                .is_some_and(|u| u.starts_with("github/codeql-action/upload-sarif@"))
        })
        .expect("an upload step");
    assert_eq!(
        upload["with"]["sarif_file"],
        "${{ runner.temp }}/gitops-guard.sarif"
    );

    let fail = steps(&action)
        .iter()
        .find(|s| s["env"]["GG_CODE"].is_string())
        .expect("a step that fails the job");
    assert_eq!(fail["if"], "steps.check.outputs.exit-code != '0'");
    let (code, _, _) = run_step(fail, repo.path(), temp.path(), &[("GG_CODE", "1")]);
    assert_eq!(code, 1, "the job fails on findings");
}

#[test]
fn the_action_passes_a_clean_pull_request_and_checks_a_new_branch_whole() {
    let action = action();
    let repo = TestRepo::new();
    repo.stage("apps/cm.yaml", CONFIGMAP);
    repo.commit("base");
    let base = common::git_ok(repo.path(), &["rev-parse", "HEAD"]);
    repo.stage("apps/cm2.yaml", CONFIGMAP.replace("cfg", "cfg2"));
    repo.commit("clean change");
    let head = common::git_ok(repo.path(), &["rev-parse", "HEAD"]);
    let temp = tempfile::tempdir().expect("tempdir");

    let (_, _, out) = run_step(
        step(&action, "select"),
        repo.path(),
        temp.path(),
        &[("GG_RANGE", ""), ("GG_BASE", &base), ("GG_HEAD", &head)],
    );
    let (_, stdout, out) = run_step(
        step(&action, "check"),
        repo.path(),
        temp.path(),
        &[("GG_SCOPE", &out["scope"]), ("GG_ARGS", "")],
    );
    assert_eq!(out["exit-code"], "0", "{stdout}");
    assert!(!stdout.contains("::error"), "{stdout}");

    // A push that creates a branch has no `before`: the whole tip is checked, where the
    // Secret committed without the hook is found.
    repo.stage("apps/db.yaml", SECRET);
    repo.commit("a Secret committed without the hook");
    let zero = "0".repeat(40);
    let (_, _, out) = run_step(
        step(&action, "select"),
        repo.path(),
        temp.path(),
        &[("GG_RANGE", ""), ("GG_BASE", &zero), ("GG_HEAD", &head)],
    );
    assert_eq!(out["scope"], "--all");
    let (_, stdout, out) = run_step(
        step(&action, "check"),
        repo.path(),
        temp.path(),
        &[("GG_SCOPE", &out["scope"]), ("GG_ARGS", "--select GG101")],
    );
    assert_eq!(out["exit-code"], "1", "{stdout}");
    assert!(
        stdout.contains("::error file=apps/db.yaml,line=1,"),
        "{stdout}"
    );

    // An explicit range wins.
    let (_, _, out) = run_step(
        step(&action, "select"),
        repo.path(),
        temp.path(),
        &[
            ("GG_RANGE", "main~1..main"),
            ("GG_BASE", &base),
            ("GG_HEAD", &head),
        ],
    );
    assert_eq!(out["scope"], "--range=main~1..main");
}

/// With gitops-guard already on PATH and no `package`, the install step installs nothing.
#[test]
fn the_install_step_uses_a_binary_already_on_path() {
    let action = action();
    let temp = tempfile::tempdir().expect("tempdir");
    let ran = action_steps::run_step(
        step(&action, "install"),
        temp.path(),
        temp.path(),
        &[("GG_PACKAGE", ""), ("GG_SOURCE", "/nonexistent")],
        Some(bin_dir()),
    );
    assert_eq!(ran.code, 0, "{}", ran.text);
    assert!(ran.path_added.is_empty(), "{:?}", ran.path_added);
    assert!(!temp.path().join("gitops-guard").exists());
}
