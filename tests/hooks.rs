//! `gitops-guard install` / `uninstall` and the installed hook, driven through real git: the
//! effective hooks folder (default, `core.hooksPath`, linked worktrees), chaining and restoring
//! an existing hook, and `git commit` (plain, `-a`, `<path>`, `--no-verify`) end to end.

#![cfg(unix)]

mod common;

use common::{BareRepo, TestRepo, git, git_cmd, output_text as text};
use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

const SECRET: &str = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\n  namespace: apps\nstringData:\n  password: hunter2-marker-h1\n";
const SECRET_VALUE: &str = "hunter2-marker-h1";
const CONFIGMAP: &str = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\ndata:\n  a: b\n";
const BIN: &str = env!("CARGO_BIN_EXE_gitops-guard");

/// Runs `gitops-guard <args>` in `cwd`; returns (exit code, stdout + stderr).
fn guard(repo: &TestRepo, cwd: &Path, args: &[&str]) -> (i32, String) {
    let out = repo.cmd_in(cwd).args(args).output().expect("run binary");
    (out.status.code().unwrap_or(-1), text(&out))
}

fn head(cwd: &Path) -> String {
    String::from_utf8_lossy(&git(cwd, &["rev-parse", "HEAD"]).stdout)
        .trim()
        .to_string()
}

/// Every file below `dir` with its content and mode: "the state" that uninstall restores.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, (Vec<u8>, u32)> {
    let mut out = BTreeMap::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            let meta = std::fs::symlink_metadata(e.path()).expect("stat");
            out.insert(
                e.path(),
                (
                    std::fs::read(e.path()).unwrap_or_default(),
                    meta.permissions().mode(),
                ),
            );
        }
    }
    out
}

fn write_exec(path: &Path, body: &str) {
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    std::fs::write(path, body).expect("write");
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
}

/// `git rev-parse --git-path hooks` from `cwd`, made absolute: where git looks for hooks.
fn git_hooks_dir(cwd: &Path) -> PathBuf {
    let out = git(cwd, &["rev-parse", "--git-path", "hooks"]);
    let p = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
    let p = if p.is_absolute() { p } else { cwd.join(p) };
    std::fs::canonicalize(&p).unwrap_or(p)
}

fn canonical(p: &Path) -> PathBuf {
    std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf())
}

#[test]
fn install_twice_is_a_no_op_and_uninstall_restores_the_folder() {
    let repo = TestRepo::new();
    let hooks = repo.join(".git/hooks");
    let before = snapshot(&hooks);

    let (code, out) = guard(&repo, repo.path(), &["install"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("installed the pre-commit hook"), "{out}");
    let hook = hooks.join("pre-commit");
    let installed = std::fs::read_to_string(&hook).expect("hook written");
    assert!(installed.starts_with("#!/bin/sh\n"));
    assert!(installed.contains("# gitops-guard managed hook: pre-commit"));
    let exe = canonical(Path::new(BIN));
    let exe = exe.to_str().expect("utf-8");
    assert!(
        installed.contains(exe),
        "the hook names the binary that installed it"
    );
    let mode = std::fs::metadata(&hook).expect("stat").permissions().mode();
    assert_eq!(mode & 0o111, 0o111, "hook is executable");
    assert_eq!(canonical(&hooks), git_hooks_dir(repo.path()));

    let after_first = snapshot(&hooks);
    let (code, out) = guard(&repo, repo.path(), &["install"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("already installed"), "{out}");
    assert_eq!(
        snapshot(&hooks),
        after_first,
        "second install changed nothing"
    );

    let (code, out) = guard(&repo, repo.path(), &["uninstall"]);
    assert_eq!(code, 0, "{out}");
    assert_eq!(
        snapshot(&hooks),
        before,
        "uninstall restores the hooks folder exactly"
    );
    let (code, out) = guard(&repo, repo.path(), &["uninstall"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("no gitops-guard pre-commit hook"), "{out}");
}

#[test]
fn existing_hook_is_chained_runs_first_and_is_restored() {
    let repo = TestRepo::new();
    repo.stage("cm.yaml", CONFIGMAP);
    repo.commit("base");
    let hooks = repo.join(".git/hooks");
    let ran = repo.join("legacy-ran");
    let original = format!(
        "#!/bin/sh\n# someone's own hook\necho ran >> '{}'\nexit \"${{LEGACY_EXIT:-0}}\"\n",
        ran.display()
    );
    write_exec(&hooks.join("pre-commit"), &original);
    let before = snapshot(&hooks);

    let (code, out) = guard(&repo, repo.path(), &["install"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("runs first"), "{out}");
    let legacy = hooks.join("pre-commit.gitops-guard.legacy");
    assert_eq!(std::fs::read_to_string(&legacy).expect("moved"), original);

    // A clean commit: the old hook runs, then gitops-guard; both pass.
    repo.stage("cm.yaml", format!("{CONFIGMAP}  c: d\n"));
    let out = git(repo.path(), &["commit", "-q", "-m", "clean"]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(std::fs::read_to_string(&ran).expect("legacy ran"), "ran\n");

    // The old hook's failure stops the commit, even when gitops-guard would pass it.
    repo.stage("cm.yaml", format!("{CONFIGMAP}  e: f\n"));
    let before_head = head(repo.path());
    let out = git_cmd(repo.path())
        .args(["commit", "-q", "-m", "refused by legacy"])
        .env("LEGACY_EXIT", "3")
        .output()
        .expect("git");
    assert!(!out.status.success());
    assert_eq!(head(repo.path()), before_head);

    // Installing again does not chain the hook to itself.
    let (code, out) = guard(&repo, repo.path(), &["install"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("already installed"), "{out}");

    let (code, out) = guard(&repo, repo.path(), &["uninstall"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("put back the previous one"), "{out}");
    assert_eq!(
        snapshot(&hooks),
        before,
        "the original hook is back, byte for byte"
    );
}

#[test]
fn force_replaces_without_running_the_old_hook_and_uninstall_brings_it_back() {
    let repo = TestRepo::new();
    let hooks = repo.join(".git/hooks");
    write_exec(&hooks.join("pre-commit"), "#!/bin/sh\nexit 1\n");
    let before = snapshot(&hooks);
    let (code, out) = guard(&repo, repo.path(), &["install", "--force"]);
    assert_eq!(code, 0, "{out}");
    assert!(hooks.join("pre-commit.gitops-guard.backup").exists());
    repo.stage("cm.yaml", CONFIGMAP);
    let out = git(repo.path(), &["commit", "-q", "-m", "clean"]);
    assert!(
        out.status.success(),
        "the replaced hook no longer runs: {}",
        text(&out)
    );
    let (code, out) = guard(&repo, repo.path(), &["uninstall"]);
    assert_eq!(code, 0, "{out}");
    assert_eq!(snapshot(&hooks), before);
}

#[test]
fn foreign_hook_is_never_removed_by_uninstall() {
    let repo = TestRepo::new();
    let hook = repo.join(".git/hooks/pre-commit");
    write_exec(&hook, "#!/bin/sh\nexit 0\n");
    let (code, out) = guard(&repo, repo.path(), &["uninstall"]);
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("not installed by gitops-guard"), "{out}");
    assert_eq!(
        std::fs::read_to_string(&hook).expect("kept"),
        "#!/bin/sh\nexit 0\n"
    );
}

#[test]
fn core_hooks_path_is_honoured_relative_to_the_worktree_root() {
    let repo = TestRepo::new();
    repo.stage("cm.yaml", CONFIGMAP);
    repo.commit("base");
    repo.git(&["config", "core.hooksPath", ".githooks"]);
    std::fs::create_dir_all(repo.join("apps")).expect("mkdir");
    // From a subfolder: the relative hooksPath still means <root>/.githooks.
    let (code, out) = guard(&repo, &repo.join("apps"), &["install"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("core.hooksPath"), "{out}");
    let hook = repo.join(".githooks/pre-commit");
    assert!(hook.is_file());
    assert!(!repo.join(".git/hooks/pre-commit").exists());
    assert_eq!(
        canonical(&repo.join(".githooks")),
        git_hooks_dir(repo.path())
    );

    // git runs it.
    repo.stage("apps/db.yaml", SECRET);
    let before = head(repo.path());
    let out = git(repo.path(), &["commit", "-q", "-m", "secret"]);
    assert!(!out.status.success(), "refused: {}", text(&out));
    assert!(text(&out).contains("GG101"), "{}", text(&out));
    assert_eq!(head(repo.path()), before);

    // The folder was created by install, so uninstall removes it again.
    let (code, out) = guard(&repo, repo.path(), &["uninstall"]);
    assert_eq!(code, 0, "{out}");
    assert!(!repo.join(".githooks").exists());
}

#[test]
fn linked_worktree_installs_into_the_common_hooks_folder() {
    let repo = TestRepo::new();
    repo.stage("cm.yaml", CONFIGMAP);
    repo.commit("base");
    let wt_parent = tempfile::tempdir().expect("tempdir");
    let wt = wt_parent.path().join("wt");
    repo.git(&[
        "worktree",
        "add",
        "-q",
        "-b",
        "feature",
        wt.to_str().expect("utf-8"),
    ]);

    let (code, out) = guard(&repo, &wt, &["install"]);
    assert_eq!(code, 0, "{out}");
    let hook = repo.join(".git/hooks/pre-commit");
    assert!(hook.is_file(), "installed in the common dir: {out}");
    assert_eq!(canonical(&repo.join(".git/hooks")), git_hooks_dir(&wt));

    std::fs::write(wt.join("db.yaml"), SECRET).expect("write");
    assert!(git(&wt, &["add", "db.yaml"]).status.success());
    let out = git(&wt, &["commit", "-q", "-m", "secret"]);
    assert!(
        !out.status.success(),
        "refused in the worktree: {}",
        text(&out)
    );
    assert!(text(&out).contains("GG101"));
    // And in the main worktree too: one hook serves both.
    repo.stage("db.yaml", SECRET);
    let out = git(repo.path(), &["commit", "-q", "-m", "secret"]);
    assert!(!out.status.success(), "{}", text(&out));
}

#[test]
fn installed_hook_refuses_staged_commit_a_and_commit_path_and_passes_clean_commits() {
    let repo = TestRepo::new();
    repo.stage("apps/cm.yaml", CONFIGMAP);
    repo.commit("base");
    let (code, out) = guard(&repo, repo.path(), &["install"]);
    assert_eq!(code, 0, "{out}");

    // A clean change commits.
    repo.stage("apps/cm.yaml", format!("{CONFIGMAP}  c: d\n"));
    let out = git(repo.path(), &["commit", "-q", "-m", "clean"]);
    assert!(out.status.success(), "{}", text(&out));
    let base = head(repo.path());

    // A staged Secret is refused, without its value in the output.
    repo.stage("apps/db.yaml", SECRET);
    let out = git(repo.path(), &["commit", "-q", "-m", "secret"]);
    let shown = text(&out);
    assert!(!out.status.success(), "{shown}");
    assert!(
        shown.contains("GG101") && shown.contains("apps/db.yaml"),
        "{shown}"
    );
    assert!(!shown.contains(SECRET_VALUE), "the value leaked: {shown}");
    assert_eq!(head(repo.path()), base);
    repo.git(&["rm", "-q", "--cached", "apps/db.yaml"]);
    std::fs::remove_file(repo.join("apps/db.yaml")).expect("rm");

    // `git commit -a`: the Secret is only in the working tree of a tracked file; git builds a
    // temporary index (GIT_INDEX_FILE) that the hook must read.
    repo.write("apps/cm.yaml", SECRET);
    let out = git(repo.path(), &["commit", "-q", "-a", "-m", "commit -a"]);
    assert!(!out.status.success(), "commit -a refused: {}", text(&out));
    assert!(text(&out).contains("apps/cm.yaml"));
    assert_eq!(head(repo.path()), base);

    // `git commit <path>` (also a temporary index), with a clean index otherwise.
    let out = git(
        repo.path(),
        &["commit", "-q", "-m", "commit path", "--", "apps/cm.yaml"],
    );
    assert!(
        !out.status.success(),
        "commit <path> refused: {}",
        text(&out)
    );
    assert_eq!(head(repo.path()), base);

    // `--no-verify` is git's documented way around a hook.
    let out = git(
        repo.path(),
        &["commit", "-q", "-a", "--no-verify", "-m", "bypass"],
    );
    assert!(out.status.success(), "{}", text(&out));
    assert_ne!(head(repo.path()), base);
}

#[test]
fn repository_copy_of_the_hook_runs_from_path_and_explains_a_missing_binary() {
    let repo = TestRepo::new();
    repo.stage("cm.yaml", CONFIGMAP);
    repo.commit("base");
    let shim = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/hooks/pre-commit"))
        .expect("hooks/pre-commit");
    write_exec(&repo.join(".git/hooks/pre-commit"), &shim);
    repo.stage("db.yaml", SECRET);

    // No binary on PATH: the commit fails with instructions.
    let out = git_cmd(repo.path())
        .args(["commit", "-q", "-m", "x"])
        .env("PATH", "/usr/bin:/bin")
        .output()
        .expect("git");
    let shown = text(&out);
    assert!(!out.status.success());
    assert!(shown.contains("binary was not found"), "{shown}");
    assert!(shown.contains("cargo install"), "{shown}");

    // The binary on PATH: it runs and refuses the Secret.
    let bin_dir = Path::new(BIN).parent().expect("bin dir");
    let path = format!("{}:/usr/bin:/bin", bin_dir.display());
    let out = git_cmd(repo.path())
        .args(["commit", "-q", "-m", "x"])
        .env("PATH", path)
        .output()
        .expect("git");
    assert!(!out.status.success());
    assert!(text(&out).contains("GG101"), "{}", text(&out));
}

#[test]
fn installed_hook_falls_back_to_path_when_its_binary_moved() {
    let repo = TestRepo::new();
    repo.stage("cm.yaml", CONFIGMAP);
    repo.commit("base");
    guard(&repo, repo.path(), &["install"]);
    let hook = repo.join(".git/hooks/pre-commit");
    let exe = canonical(Path::new(BIN));
    let moved = std::fs::read_to_string(&hook)
        .expect("hook")
        .replace(exe.to_str().expect("utf-8"), "/nonexistent/gitops-guard");
    assert!(moved.contains("/nonexistent/gitops-guard"));
    std::fs::write(&hook, moved).expect("write");
    repo.stage("db.yaml", SECRET);
    let out = git_cmd(repo.path())
        .args(["commit", "-q", "-m", "x"])
        .env("PATH", "/usr/bin:/bin")
        .output()
        .expect("git");
    assert!(!out.status.success());
    assert!(
        text(&out).contains("neither where it was installed from nor on PATH"),
        "{}",
        text(&out)
    );
}

#[test]
fn bare_repository_refuses_a_pre_commit_hook() {
    let bare = BareRepo::new();
    let repo = TestRepo::new();
    let (code, out) = guard(&repo, bare.path(), &["install"]);
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("--hook pre-receive"), "{out}");
}

#[test]
fn pre_merge_commit_hook_checks_what_a_merge_brings() {
    let repo = TestRepo::new();
    repo.stage("cm.yaml", CONFIGMAP);
    repo.commit("base");
    repo.git(&["checkout", "-q", "-b", "topic"]);
    repo.stage("db.yaml", SECRET);
    repo.commit("leak on a branch, hook skipped");
    repo.git(&["checkout", "-q", "main"]);
    repo.stage("cm2.yaml", CONFIGMAP);
    repo.commit("main moves on");
    let (code, out) = guard(
        &repo,
        repo.path(),
        &["install", "--hook", "pre-merge-commit"],
    );
    assert_eq!(code, 0, "{out}");
    assert!(repo.join(".git/hooks/pre-merge-commit").is_file());
    let before = head(repo.path());
    let out = git(repo.path(), &["merge", "-q", "--no-edit", "topic"]);
    assert!(!out.status.success(), "merge refused: {}", text(&out));
    assert!(text(&out).contains("GG101"), "{}", text(&out));
    assert_eq!(head(repo.path()), before);
    let (code, out) = guard(
        &repo,
        repo.path(),
        &["uninstall", "--hook", "pre-merge-commit"],
    );
    assert_eq!(code, 0, "{out}");
    assert!(!repo.join(".git/hooks/pre-merge-commit").exists());
}

#[test]
fn install_by_default_covers_merge_commits_and_a_second_uninstall_is_a_no_op() {
    let repo = TestRepo::new();
    repo.stage("cm.yaml", CONFIGMAP);
    repo.commit("base");
    repo.git(&["checkout", "-q", "-b", "topic"]);
    repo.stage("db.yaml", SECRET);
    repo.git(&["commit", "-q", "--no-verify", "-m", "leak on a branch"]);
    repo.git(&["checkout", "-q", "main"]);
    repo.stage("cm2.yaml", CONFIGMAP);
    repo.commit("main moves on");
    let hooks = repo.join(".git/hooks");
    let before = snapshot(&hooks);

    let (code, out) = guard(&repo, repo.path(), &["install"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("installed the pre-commit hook"), "{out}");
    assert!(out.contains("installed the pre-merge-commit hook"), "{out}");
    let merge_hook = std::fs::read_to_string(hooks.join("pre-merge-commit")).expect("hook");
    assert!(merge_hook.contains("# gitops-guard managed hook: pre-merge-commit"));
    let base = head(repo.path());
    let out = git(repo.path(), &["merge", "-q", "--no-edit", "topic"]);
    assert!(!out.status.success(), "merge refused: {}", text(&out));
    assert!(text(&out).contains("GG101"), "{}", text(&out));
    assert_eq!(head(repo.path()), base);
    repo.git(&["merge", "--abort"]);

    let (code, out) = guard(&repo, repo.path(), &["uninstall"]);
    assert_eq!(code, 0, "{out}");
    assert_eq!(snapshot(&hooks), before);
    let (code, out) = guard(&repo, repo.path(), &["uninstall"]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("no gitops-guard pre-commit hook")
            && out.contains("no gitops-guard pre-merge-commit hook")
            && out.contains("nothing to remove"),
        "{out}"
    );
    assert_eq!(snapshot(&hooks), before);
}

/// A husky v9 layout as `npm install` leaves it (husky itself is not needed): stubs in
/// `.husky/_` that run `.husky/<their own name>` with `sh -e`, `core.hooksPath=.husky/_`.
fn husky_v9(repo: &TestRepo) {
    let stubs = repo.join(".husky/_");
    std::fs::create_dir_all(&stubs).expect("mkdir");
    std::fs::write(stubs.join(".gitignore"), "*\n").expect("write");
    write_exec(
        &stubs.join("h"),
        "#!/bin/sh\nn=$(basename \"$0\")\ns=$(dirname \"$(dirname \"$0\")\")/$n\n[ -f \"$s\" ] || exit 0\nsh -e \"$s\" \"$@\"\n",
    );
    for name in ["pre-commit", "pre-merge-commit", "commit-msg"] {
        write_exec(&stubs.join(name), "#!/bin/sh\n. \"$(dirname \"$0\")/h\"\n");
    }
    repo.git(&["config", "core.hooksPath", ".husky/_"]);
}

#[test]
fn husky_hooks_keep_running_and_gitops_guard_joins_them() {
    let repo = TestRepo::new();
    let ran = repo.join("user-hook-ran");
    let user_hook = format!("echo ran >> '{}'\n", ran.display());
    repo.stage(".husky/pre-commit", &user_hook);
    repo.stage("cm.yaml", CONFIGMAP);
    repo.commit("base");
    husky_v9(&repo);
    let stubs_before = snapshot(&repo.join(".husky/_"));

    let (code, out) = guard(&repo, repo.path(), &["install"]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("warning:") && out.contains(".husky/pre-commit is tracked by git"),
        "{out}"
    );
    // Husky's own folder is untouched (it is regenerated anyway); the user's hook gains a block.
    assert_eq!(snapshot(&repo.join(".husky/_")), stubs_before);
    assert!(!repo.join(".git/hooks/pre-commit").exists());
    let edited = std::fs::read_to_string(repo.join(".husky/pre-commit")).expect("hook");
    assert!(edited.starts_with(&user_hook), "{edited}");
    assert!(edited.contains("gitops-guard}\" check"), "{edited}");
    let (code, out) = guard(&repo, repo.path(), &["install"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("already installed"), "{out}");
    assert_eq!(
        std::fs::read_to_string(repo.join(".husky/pre-commit")).expect("hook"),
        edited
    );

    // `npm install` regenerates `.husky/_`: gitops-guard still runs, after the user's lines.
    std::fs::remove_dir_all(repo.join(".husky/_")).expect("rm");
    husky_v9(&repo);
    repo.stage("db.yaml", SECRET);
    let base = head(repo.path());
    let out = git_cmd(repo.path())
        .args(["commit", "-q", "-m", "secret"])
        .env("GITOPS_GUARD", BIN)
        .output()
        .expect("git");
    assert!(!out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("GG101"), "{}", text(&out));
    assert!(!text(&out).contains(SECRET_VALUE));
    assert_eq!(head(repo.path()), base);
    assert_eq!(
        std::fs::read_to_string(&ran).expect("user hook ran"),
        "ran\n"
    );

    // Without the binary on PATH the block says so, and the commit stops.
    let out = git_cmd(repo.path())
        .args(["commit", "-q", "-m", "secret"])
        .env("PATH", "/usr/bin:/bin")
        .output()
        .expect("git");
    assert!(!out.status.success());
    assert!(text(&out).contains("not found on PATH"), "{}", text(&out));

    // A clean commit passes both.
    repo.git(&["rm", "-q", "--cached", "db.yaml"]);
    repo.stage("cm.yaml", format!("{CONFIGMAP}  c: d\n"));
    let out = git_cmd(repo.path())
        .args(["commit", "-q", "-m", "clean"])
        .env("GITOPS_GUARD", BIN)
        .output()
        .expect("git");
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(
        std::fs::read_to_string(&ran).expect("ran"),
        "ran\nran\nran\n"
    );

    // Merge commits: `.husky/pre-merge-commit` was created for them, and goes again.
    assert!(repo.join(".husky/pre-merge-commit").is_file());
    let (code, out) = guard(&repo, repo.path(), &["uninstall"]);
    assert_eq!(code, 0, "{out}");
    assert_eq!(
        std::fs::read_to_string(repo.join(".husky/pre-commit")).expect("hook"),
        user_hook,
        "the user's hook is back byte for byte"
    );
    assert!(!repo.join(".husky/pre-merge-commit").exists());
    let (code, out) = guard(&repo, repo.path(), &["uninstall"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("nothing to remove"), "{out}");
}

#[test]
fn husky_not_yet_set_up_is_edited_with_a_note() {
    let repo = TestRepo::new();
    std::fs::create_dir_all(repo.join(".husky")).expect("mkdir");
    let (code, out) = guard(&repo, repo.path(), &["install", "--hook", "pre-commit"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("`npm install`"), "{out}");
    assert!(repo.join(".husky/pre-commit").is_file());
    assert!(!repo.join(".git/hooks/pre-commit").exists());
}

#[test]
fn lefthook_repositories_get_the_snippet_and_no_hook() {
    let repo = TestRepo::new();
    repo.write(
        "lefthook.yml",
        "pre-commit:\n  commands:\n    lint:\n      run: make lint\n",
    );
    let hooks = repo.join(".git/hooks");
    let before = snapshot(&hooks);
    let (code, out) = guard(&repo, repo.path(), &["install"]);
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("lefthook manages the git hooks"), "{out}");
    assert!(
        out.contains(
            "pre-commit:\n  commands:\n    gitops-guard:\n      run: gitops-guard check\n"
        ),
        "{out}"
    );
    assert!(
        out.contains(
            "pre-merge-commit:\n  commands:\n    gitops-guard:\n      run: gitops-guard check\n"
        ),
        "{out}"
    );
    assert_eq!(snapshot(&hooks), before, "nothing written");
    assert_eq!(
        std::fs::read_to_string(repo.join("lefthook.yml")).expect("kept"),
        "pre-commit:\n  commands:\n    lint:\n      run: make lint\n"
    );
}

#[test]
fn install_warns_before_writing_into_a_tracked_hooks_folder() {
    let repo = TestRepo::new();
    write_exec(&repo.join(".githooks/commit-msg"), "#!/bin/sh\nexit 0\n");
    repo.git(&["add", ".githooks/commit-msg"]);
    repo.commit("shared hooks");
    repo.git(&["config", "core.hooksPath", ".githooks"]);
    let (code, out) = guard(&repo, repo.path(), &["install"]);
    assert_eq!(code, 0, "{out}");
    let warning = out.find("is tracked by git").expect("warned");
    assert!(
        warning
            < out
                .find("installed the pre-commit hook")
                .expect("installed"),
        "{out}"
    );
    // An untracked hooks folder gets no warning.
    let plain = TestRepo::new();
    let (code, out) = guard(&plain, plain.path(), &["install"]);
    assert_eq!(code, 0, "{out}");
    assert!(!out.contains("warning"), "{out}");
}

/// A husky hook saved without a final newline (many editors do) is put back byte for byte:
/// the newline `install` had to add before its block goes with the block.
#[test]
fn husky_hook_without_a_final_newline_is_restored_byte_for_byte() {
    let repo = TestRepo::new();
    let user_hook = "npm test\nnpx lint-staged";
    repo.stage(".husky/pre-commit", user_hook);
    repo.commit("base");
    husky_v9(&repo);
    let (code, out) = guard(&repo, repo.path(), &["install"]);
    assert_eq!(code, 0, "{out}");
    let edited = std::fs::read_to_string(repo.join(".husky/pre-commit")).expect("hook");
    assert!(
        edited.starts_with("npm test\nnpx lint-staged\n# >>> gitops-guard"),
        "{edited}"
    );
    let (code, out) = guard(&repo, repo.path(), &["install"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("already installed"), "{out}");
    let (code, out) = guard(&repo, repo.path(), &["uninstall"]);
    assert_eq!(code, 0, "{out}");
    assert_eq!(
        std::fs::read_to_string(repo.join(".husky/pre-commit")).expect("hook"),
        user_hook
    );
    let status = repo.git(&["status", "--porcelain", "--", ".husky/pre-commit"]);
    assert_eq!(String::from_utf8_lossy(&status.stdout), "");
}

/// `uninstall` takes out its block and nothing else, even when the user's lines are not
/// UTF-8 (a Latin-1 comment added after `install`): every other byte stays as it was.
#[test]
fn husky_uninstall_keeps_bytes_that_are_not_utf8() {
    let repo = TestRepo::new();
    repo.stage(".husky/pre-commit", "npx lint-staged\n");
    repo.commit("base");
    husky_v9(&repo);
    let (code, out) = guard(&repo, repo.path(), &["install"]);
    assert_eq!(code, 0, "{out}");
    let hook = repo.join(".husky/pre-commit");
    let mut bytes = std::fs::read(&hook).expect("read");
    bytes.extend_from_slice(b"# caf\xe9\n");
    std::fs::write(&hook, &bytes).expect("write");
    let (code, out) = guard(&repo, repo.path(), &["uninstall"]);
    assert_eq!(code, 0, "{out}");
    assert_eq!(
        std::fs::read(&hook).expect("read"),
        b"npx lint-staged\n# caf\xe9\n".to_vec()
    );
}
