//! `check --fix` as a hook (the `gitops-guard-fix` pre-commit hook, or a hand-written one):
//! it writes nothing when git or the pre-commit framework would undo or trip over it — a
//! merge in progress, or unstaged changes pre-commit set aside — and says so.

#![cfg(unix)]

mod common;

use common::{TestRepo, git, output_text as text};
use std::os::unix::fs::PermissionsExt;

const CONFIGMAP: &str = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\ndata:\n  a: b\n";

fn secret(value: &str) -> String {
    format!(
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\n  namespace: apps\nstringData:\n  password: {value}\n"
    )
}

/// A merge of `topic` into `main` that conflicts on `apps/db.yaml` (both add a Secret),
/// resolved and staged, not yet committed.
fn resolved_merge() -> TestRepo {
    let repo = TestRepo::new();
    repo.stage("cm.yaml", CONFIGMAP);
    repo.commit("base");
    repo.git(&["checkout", "-q", "-b", "topic"]);
    repo.stage("apps/db.yaml", secret("topic-marker-f1"));
    repo.commit("topic");
    repo.git(&["checkout", "-q", "main"]);
    repo.stage("apps/db.yaml", secret("main-marker-f1"));
    repo.commit("main");
    let out = git(repo.path(), &["merge", "-q", "topic"]);
    assert!(!out.status.success(), "conflicts: {}", text(&out));
    repo.stage("apps/db.yaml", secret("resolved-marker-f1"));
    repo
}

#[test]
fn fix_during_a_merge_writes_nothing_and_merge_abort_still_works() {
    let repo = resolved_merge();
    let before = std::fs::read(repo.join("apps/db.yaml")).expect("read");
    let out = repo.cmd().args(["check", "--fix"]).output().expect("run");
    let shown = text(&out);
    assert_eq!(out.status.code(), Some(1), "{shown}");
    assert!(
        shown.contains("--fix wrote nothing: a merge is in progress"),
        "{shown}"
    );
    assert!(
        shown.contains("--fix would:\n  convert the raw Secrets in apps/db.yaml"),
        "{shown}"
    );
    assert!(!shown.contains("resolved-marker-f1"), "{shown}");
    assert!(!shown.contains("git add apps/db.yaml"), "{shown}");
    assert_eq!(
        std::fs::read(repo.join("apps/db.yaml")).expect("read"),
        before
    );
    assert!(
        !repo.join(".git/gitops-guard").exists(),
        "no values were saved"
    );
    let out = git(repo.path(), &["merge", "--abort"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(!repo.join(".git/MERGE_HEAD").exists());
}

#[test]
fn a_fix_hook_concluding_a_merge_leaves_git_merge_abort_working() {
    let repo = resolved_merge();
    let hook = repo.join(".git/hooks/pre-commit");
    std::fs::create_dir_all(hook.parent().expect("parent")).expect("mkdir");
    std::fs::write(
        &hook,
        format!(
            "#!/bin/sh\nexec '{}' check --fix\n",
            env!("CARGO_BIN_EXE_gitops-guard")
        ),
    )
    .expect("write");
    std::fs::set_permissions(&hook, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let out = git(repo.path(), &["commit", "--no-edit"]);
    assert!(!out.status.success(), "refused: {}", text(&out));
    assert!(
        text(&out).contains("a merge is in progress"),
        "{}",
        text(&out)
    );
    let out = git(repo.path(), &["merge", "--abort"]);
    assert!(out.status.success(), "{}", text(&out));
    let status = git(repo.path(), &["status", "--porcelain"]);
    assert_eq!(String::from_utf8_lossy(&status.stdout), "");
}

#[test]
fn fix_outside_a_merge_still_writes() {
    let repo = TestRepo::new();
    repo.stage("apps/db.yaml", secret("plain-marker-f1"));
    let out = repo.cmd().args(["check", "--fix"]).output().expect("run");
    let shown = text(&out);
    assert_eq!(out.status.code(), Some(1), "{shown}");
    assert!(!shown.contains("wrote nothing"), "{shown}");
    let fixed = std::fs::read_to_string(repo.join("apps/db.yaml")).expect("read");
    assert!(fixed.contains("kind: ExternalSecret"), "{fixed}");
    assert!(!shown.contains("pre-commit keeps off your PATH"), "{shown}");
}

/// Writes what pre-commit leaves in its store when it stashes unstaged changes: a patch
/// named after the pid of the process that runs the hook (here: this test process).
fn stash_patch(home: &std::path::Path, paths: &[&str]) {
    let mut patch = String::new();
    for p in paths {
        patch.push_str(&format!(
            "diff --git a/{p} b/{p}\nindex 1111111..2222222 100644\n--- a/{p}\n+++ b/{p}\n@@ -1 +1,2 @@\n x\n+y\n"
        ));
    }
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs();
    std::fs::write(
        home.join(format!("patch{now}-{}", std::process::id())),
        patch,
    )
    .expect("write");
}

#[test]
fn fix_under_pre_commit_holds_back_on_files_with_stashed_changes() {
    let repo = TestRepo::new();
    let home = tempfile::tempdir().expect("tempdir");
    repo.stage("apps/db.yaml", secret("stash-marker-f1"));
    stash_patch(home.path(), &["apps/db.yaml"]);
    let staged = git(repo.path(), &["ls-files", "-s"]).stdout;
    let out = repo
        .cmd()
        .args(["check", "--fix"])
        .env("PRE_COMMIT", "1")
        .env("PRE_COMMIT_HOME", home.path())
        .output()
        .expect("run");
    let shown = text(&out);
    assert_eq!(out.status.code(), Some(1), "{shown}");
    assert!(
        shown.contains(
            "--fix wrote nothing: pre-commit set aside your unstaged changes to `apps/db.yaml`"
        ),
        "{shown}"
    );
    assert!(shown.contains("git stash --keep-index"), "{shown}");
    assert!(!shown.contains("converted"), "{shown}");
    assert_eq!(
        std::fs::read_to_string(repo.join("apps/db.yaml")).expect("read"),
        secret("stash-marker-f1")
    );
    assert_eq!(git(repo.path(), &["ls-files", "-s"]).stdout, staged);

    // Unstaged changes elsewhere do not stop it: pre-commit's patch applies cleanly.
    let other = tempfile::tempdir().expect("tempdir");
    stash_patch(other.path(), &["README.md"]);
    let out = repo
        .cmd()
        .args(["check", "--fix"])
        .env("PRE_COMMIT", "1")
        .env("PRE_COMMIT_HOME", other.path())
        .output()
        .expect("run");
    let shown = text(&out);
    assert!(!shown.contains("wrote nothing"), "{shown}");
    let fixed = std::fs::read_to_string(repo.join("apps/db.yaml")).expect("read");
    assert!(fixed.contains("kind: ExternalSecret"), "{fixed}");
    // The next steps name `gitops-guard`, which pre-commit users do not have on PATH.
    assert!(
        shown.contains(&format!(
            "which pre-commit keeps off your PATH: {}",
            env!("CARGO_BIN_EXE_gitops-guard")
        )),
        "{shown}"
    );
}
