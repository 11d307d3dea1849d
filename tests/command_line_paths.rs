//! Nothing passes silently: a path on the command line that selects nothing staged, and a
//! `--range` with nothing in it, are named in a warning; a path that does not exist at all
//! is an error (exit 2).

mod common;

use common::TestRepo;

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn repo() -> TestRepo {
    let repo = TestRepo::new();
    repo.stage(
        "apps/a.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n",
    );
    repo.commit("one");
    repo
}

#[test]
fn an_untracked_path_is_named_and_a_staged_one_is_not() {
    let repo = repo();
    repo.write("apps/new.yaml", "apiVersion: v1\nkind: ConfigMap\n");
    let out = repo
        .cmd()
        .args(["check", "apps/new.yaml", "apps/a.yaml", "apps"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(0));
    let err = stderr(&out);
    assert_eq!(
        err,
        "warning: apps/new.yaml is not in the index (untracked?): not checked; `git add` it first\n"
    );
}

#[test]
fn a_path_that_exists_nowhere_exits_2() {
    let repo = repo();
    let out = repo
        .cmd()
        .args(["check", "apps/a.yaml", "apps/typo.yaml"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("no such file or folder, in the index or on disk: apps/typo.yaml"),
        "{}",
        stderr(&out)
    );
    // A staged deletion is not an error: there is simply nothing to check.
    repo.git(&["rm", "-q", "apps/a.yaml"]);
    let out = repo
        .cmd()
        .args(["check", "apps/a.yaml"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stderr(&out), "");
}

#[test]
fn an_intent_to_add_path_is_named() {
    let repo = repo();
    repo.write("apps/later.yaml", "apiVersion: v1\nkind: ConfigMap\n");
    repo.git(&["add", "-N", "apps/later.yaml"]);
    let out = repo
        .cmd()
        .args(["check", "apps/later.yaml"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        stderr(&out),
        "warning: not checked: apps/later.yaml: intent-to-add entry (no content staged)\n"
    );
}

#[test]
fn an_empty_range_is_named() {
    let repo = repo();
    let out = repo
        .cmd()
        .args(["check", "--range", "HEAD..HEAD"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(0));
    assert!(
        stderr(&out).contains("warning: --range HEAD..HEAD adds or changes no file"),
        "{}",
        stderr(&out)
    );
    repo.stage("apps/b.yaml", "apiVersion: v1\nkind: ConfigMap\n");
    repo.commit("two");
    let out = repo
        .cmd()
        .args(["check", "--range", "HEAD~1..HEAD"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(stderr(&out), "");
}
