//! The real pre-commit framework client against this checkout's `.pre-commit-hooks.yaml`:
//! `pre-commit try-repo <checkout> <hook>` in a temporary repository. `.ci/run` installs the
//! client; without it on PATH this test prints a notice and passes, except in CI (`CI` set),
//! where it fails.
//!
//! `language: rust` makes pre-commit `cargo install` this crate. To keep reruns fast the build
//! goes to `target/pre-commit-build` and pre-commit's store to `target/pre-commit-home`, with
//! a cheap release profile (the hook's speed is not under test here). Network use: the crate
//! registry only (cargo resolves dependencies because pre-commit does not pass `--locked`).
//! `try-repo` on a checkout with uncommitted changes uses its tracked files' working state
//! (untracked files are not included).

#![cfg(unix)]

mod common;

use common::TestRepo;
use std::path::{Path, PathBuf};
use std::process::Output;

const SECRET: &str = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\n  namespace: apps\nstringData:\n  password: hunter2-marker-k1\n";
const SECRET_VALUE: &str = "hunter2-marker-k1";
const CONFIGMAP: &str = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\ndata:\n  a: b\n";

fn checkout() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Whether the pre-commit client is installed. CI (`CI` set, as `.ci/run` runs) installs it,
/// so there a missing client fails the test instead of skipping it.
fn pre_commit_available() -> bool {
    let found = std::process::Command::new("pre-commit")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        found || std::env::var_os("CI").is_none(),
        "CI is set but the pre-commit client is not on PATH (.ci/run installs it)"
    );
    found
}

fn cache(name: &str) -> PathBuf {
    checkout().join("target").join(name)
}

/// `pre-commit try-repo <checkout> <hook> <extra>` in `repo`.
fn try_repo(repo: &TestRepo, hook: &str, extra: &[&str]) -> (bool, String) {
    let mut cmd = std::process::Command::new("pre-commit");
    common::scrubbed(&mut cmd)
        .arg("try-repo")
        .arg(checkout())
        .arg(hook)
        .args(extra)
        .current_dir(repo.path())
        .env("PRE_COMMIT_HOME", cache("pre-commit-home"))
        .env("CARGO_TARGET_DIR", cache("pre-commit-build"))
        // A debug-like release profile: the first build takes far less time.
        .env("CARGO_PROFILE_RELEASE_LTO", "false")
        .env("CARGO_PROFILE_RELEASE_CODEGEN_UNITS", "16")
        .env("CARGO_PROFILE_RELEASE_OPT_LEVEL", "0")
        .env("CARGO_PROFILE_RELEASE_DEBUG", "false")
        .env("CARGO_TERM_COLOR", "never")
        .env_remove("PRE_COMMIT_COLOR");
    let out: Output = cmd.output().expect("run pre-commit");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

#[test]
fn pre_commit_try_repo_refuses_a_staged_secret_and_passes_a_clean_change() {
    if !pre_commit_available() {
        println!("NOTICE: `pre-commit` is not on PATH; skipping the pre-commit client test");
        return;
    }
    let repo = TestRepo::new();
    repo.stage("apps/cm.yaml", CONFIGMAP);
    let (passed, out) = try_repo(&repo, "gitops-guard", &[]);
    assert!(passed, "clean change passes:\n{out}");
    assert!(out.contains("Passed"), "{out}");

    repo.stage("apps/db.yaml", SECRET);
    let (passed, out) = try_repo(&repo, "gitops-guard", &[]);
    assert!(!passed, "staged Secret refused:\n{out}");
    assert!(out.contains("Failed") && out.contains("GG101"), "{out}");
    assert!(out.contains("apps/db.yaml"), "{out}");
    assert!(!out.contains(SECRET_VALUE), "the value leaked:\n{out}");

    // `--all-files` (pre-commit.ci, CI jobs) checks committed files too, not only staged ones:
    // the reason the hooks take file names (see .pre-commit-hooks.yaml).
    repo.commit("committed without the hook");
    let (passed, out) = try_repo(&repo, "gitops-guard", &["--all-files"]);
    assert!(!passed, "--all-files sees the committed Secret:\n{out}");
    assert!(out.contains("GG101"), "{out}");
}

#[test]
fn pre_commit_hook_sees_non_yaml_files_for_the_layout_rules() {
    if !pre_commit_available() {
        println!("NOTICE: `pre-commit` is not on PATH; skipping the pre-commit layout test");
        return;
    }
    // A Jenkins X v3 repository: only YAML manifests belong under config-root/. A `types`
    // filter on the hook would hide this file from gitops-guard.
    let repo = TestRepo::new();
    repo.stage(
        "jx-requirements.yml",
        "apiVersion: core.jenkins-x.io/v4beta1\nkind: Requirements\nspec: {}\n",
    );
    repo.commit("jx3");
    repo.stage("config-root/namespaces/jx/notes.txt", "hi\n");
    let (passed, out) = try_repo(&repo, "gitops-guard", &[]);
    assert!(!passed, "stray file refused:\n{out}");
    assert!(out.contains("GG301"), "{out}");
}

#[test]
fn pre_commit_fix_hook_rewrites_the_secret() {
    if !pre_commit_available() {
        println!("NOTICE: `pre-commit` is not on PATH; skipping the pre-commit fix hook test");
        return;
    }
    let repo = TestRepo::new();
    repo.stage("apps/db.yaml", SECRET);
    let (passed, out) = try_repo(&repo, "gitops-guard-fix", &[]);
    // pre-commit fails a hook that modified files, by design: the user reviews and stages.
    assert!(!passed, "{out}");
    assert!(!out.contains(SECRET_VALUE), "the value leaked:\n{out}");
    let fixed = std::fs::read_to_string(repo.join("apps/db.yaml")).expect("file");
    assert!(fixed.contains("kind: ExternalSecret"), "{fixed}");
    assert!(!fixed.contains(SECRET_VALUE), "{fixed}");
    // Staging the rewrite makes the next run pass.
    repo.git(&["add", "apps/db.yaml"]);
    let (passed, out) = try_repo(&repo, "gitops-guard-fix", &[]);
    assert!(passed, "{out}");
}

/// `pre-commit run` in `repo` with a local hook that runs this build's binary as the
/// `gitops-guard-fix` hook does (`check --fix`, file names passed): the framework's own stash
/// and roll-back, without building the hook (`try-repo` also keeps its patches in a temporary
/// store of its own, unlike a commit's `pre-commit run`).
fn run_local_fix_hook(repo: &TestRepo, home: &Path) -> (bool, String) {
    let config = format!(
        "repos:\n- repo: local\n  hooks:\n  - id: gitops-guard-fix\n    name: gitops-guard (fix)\n    entry: '{} check --fix'\n    language: system\n    pass_filenames: true\n    require_serial: true\n",
        env!("CARGO_BIN_EXE_gitops-guard")
    );
    repo.stage(".pre-commit-config.yaml", config);
    let mut cmd = std::process::Command::new("pre-commit");
    common::scrubbed(&mut cmd)
        .arg("run")
        .current_dir(repo.path())
        .env("PRE_COMMIT_HOME", home)
        .env_remove("PRE_COMMIT_COLOR");
    let out: Output = cmd.output().expect("run pre-commit");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

#[test]
fn pre_commit_fix_hook_with_partial_staging_says_why_it_wrote_nothing() {
    if !pre_commit_available() {
        println!("NOTICE: `pre-commit` is not on PATH; skipping the partial staging test");
        return;
    }
    let home = tempfile::tempdir().expect("tempdir");
    let repo = TestRepo::new();
    repo.stage("apps/cm.yaml", CONFIGMAP);
    repo.commit("base");
    repo.stage("apps/db.yaml", SECRET);
    // An unstaged edit of the same file: pre-commit stashes it, and would roll back a fix.
    let edited = format!("{SECRET}# more to come\n");
    repo.write("apps/db.yaml", &edited);
    let (passed, out) = run_local_fix_hook(&repo, home.path());
    let staged = String::from_utf8_lossy(&repo.git(&["ls-files", "-s"]).stdout).into_owned();
    assert!(!passed, "{out}");
    assert!(out.contains("Stashing unstaged files"), "{out}");
    assert!(!out.contains(SECRET_VALUE), "the value leaked:\n{out}");
    assert!(
        out.contains(
            "--fix wrote nothing: pre-commit set aside your unstaged changes to `apps/db.yaml`"
        ),
        "{out}"
    );
    assert!(!out.contains("Rolling back fixes"), "{out}");
    assert!(!out.contains("git add apps/db.yaml"), "{out}");
    // The working tree and the index are as they were.
    assert_eq!(
        std::fs::read_to_string(repo.join("apps/db.yaml")).expect("file"),
        edited
    );
    let (_, _) = run_local_fix_hook(&repo, home.path());
    assert_eq!(
        String::from_utf8_lossy(&repo.git(&["ls-files", "-s"]).stdout),
        staged
    );
    // Once the change is staged, the hook fixes the file.
    repo.git(&["add", "apps/db.yaml"]);
    let (passed, out) = run_local_fix_hook(&repo, home.path());
    assert!(!passed, "{out}");
    assert!(!out.contains("wrote nothing"), "{out}");
    let fixed = std::fs::read_to_string(repo.join("apps/db.yaml")).expect("file");
    assert!(fixed.contains("kind: ExternalSecret"), "{out}\n{fixed}");
}

/// git quotes a path with non-ASCII bytes in the patch pre-commit stashes
/// (`"a/apps/caf\303\251.yaml"`): the fix still knows the file is set aside and writes
/// nothing, rather than write a conversion pre-commit then rolls back.
#[test]
fn pre_commit_fix_hook_reads_quoted_paths_of_the_stash() {
    if !pre_commit_available() {
        println!("NOTICE: `pre-commit` is not on PATH; skipping the quoted path test");
        return;
    }
    let home = tempfile::tempdir().expect("tempdir");
    let repo = TestRepo::new();
    repo.stage("apps/cm.yaml", CONFIGMAP);
    repo.commit("base");
    repo.stage("apps/café \"db\".yaml", SECRET);
    let edited = format!("{SECRET}# more to come\n");
    repo.write("apps/café \"db\".yaml", &edited);
    let (passed, out) = run_local_fix_hook(&repo, home.path());
    assert!(!passed, "{out}");
    assert!(out.contains("Stashing unstaged files"), "{out}");
    assert!(
        out.contains(
            "--fix wrote nothing: pre-commit set aside your unstaged changes to `apps/café \"db\".yaml`"
        ),
        "{out}"
    );
    assert!(!out.contains("Rolling back fixes"), "{out}");
    assert_eq!(
        std::fs::read_to_string(repo.join("apps/café \"db\".yaml")).expect("file"),
        edited
    );
}
