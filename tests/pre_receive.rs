//! `gitops-guard pre-receive` on a bare repository, through real `git push` over the local
//! file transport (so git's quarantine environment is in play): clean pushes, refused pushes,
//! new branches, deletions, tags, force pushes.

#![cfg(unix)]

mod common;

use common::{BareRepo, TestRepo, git, git_ok, output_text as text};
use std::process::Output;

const SECRET: &str = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\n  namespace: apps\nstringData:\n  password: hunter2-marker-p1\n";
const SECRET_VALUE: &str = "hunter2-marker-p1";
const CONFIGMAP: &str = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\ndata:\n  a: b\n";

/// A bare "server" repository with the gitops-guard pre-receive hook installed, and a clone.
struct Server {
    bare: BareRepo,
    client: TestRepo,
}

impl Server {
    fn new() -> Server {
        let bare = BareRepo::new();
        let client = TestRepo::new();
        client.git(&["remote", "add", "origin", bare.url()]);
        // A first clean commit, pushed before the hook exists.
        client.stage("apps/cm.yaml", CONFIGMAP);
        client.commit("base");
        client.git(&["push", "-q", "origin", "main"]);
        let out = client
            .cmd_in(bare.path())
            .args(["install", "--hook", "pre-receive"])
            .output()
            .expect("install");
        assert!(out.status.success(), "{}", text(&out));
        assert!(bare.path().join("hooks/pre-receive").is_file());
        Server { bare, client }
    }

    fn push(&self, args: &[&str]) -> Output {
        let mut all = vec!["push", "origin"];
        all.extend_from_slice(args);
        git(self.client.path(), &all)
    }

    /// The server's value of `reference`, or `None` when it does not exist.
    fn server_ref(&self, reference: &str) -> Option<String> {
        let out = git(
            self.bare.path(),
            &["rev-parse", "-q", "--verify", reference],
        );
        out.status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
    }

    fn head(&self) -> String {
        git_ok(self.client.path(), &["rev-parse", "HEAD"])
    }
}

fn assert_refused(out: &Output) -> String {
    let shown = text(out);
    assert!(!out.status.success(), "push should be refused: {shown}");
    assert!(shown.contains("pre-receive hook declined"), "{shown}");
    assert!(
        shown.contains("remote:"),
        "the pusher sees the report: {shown}"
    );
    assert!(shown.contains("GG101"), "{shown}");
    assert!(!shown.contains(SECRET_VALUE), "the value leaked: {shown}");
    shown
}

#[test]
fn clean_push_passes_and_a_secret_anywhere_in_the_pushed_history_is_refused() {
    let s = Server::new();
    s.client.stage("apps/cm2.yaml", CONFIGMAP);
    s.client.commit("clean");
    let out = s.push(&["main"]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(s.server_ref("main"), Some(s.head()));
    let accepted = s.head();

    // Added in one commit, deleted in the next: the tip is clean, history is not.
    s.client.stage("apps/db.yaml", SECRET);
    s.client.commit("add secret");
    let bad = s.head();
    s.client.git(&["rm", "-q", "apps/db.yaml"]);
    s.client.commit("remove secret");
    let shown = assert_refused(&s.push(&["main"]));
    assert!(shown.contains(&bad[..12]), "names the commit: {shown}");
    assert!(shown.contains("apps/db.yaml"), "{shown}");
    assert!(
        shown.contains("git rebase -i"),
        "says how to get out: {shown}"
    );
    assert_eq!(s.server_ref("main"), Some(accepted), "ref not updated");
    // The quarantined objects were dropped with the push.
    assert!(
        !git(s.bare.path(), &["cat-file", "-e", &bad])
            .status
            .success()
    );
}

#[test]
fn new_branches_are_checked_for_their_new_commits_only() {
    let s = Server::new();
    // A new branch at an existing commit brings nothing new.
    s.client.git(&["branch", "same"]);
    let out = s.push(&["same"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("no new commits"), "{}", text(&out));

    // A new branch with a clean commit passes.
    s.client.git(&["checkout", "-q", "-b", "feature"]);
    s.client.stage("apps/cm3.yaml", CONFIGMAP);
    s.client.commit("feature");
    let out = s.push(&["feature"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("1 new commit checked"),
        "{}",
        text(&out)
    );

    // A new branch that brings a Secret is refused.
    s.client.git(&["checkout", "-q", "-b", "leaky"]);
    s.client.stage("apps/db.yaml", SECRET);
    s.client.commit("leak");
    assert_refused(&s.push(&["leaky"]));
    assert_eq!(s.server_ref("leaky"), None);
}

#[test]
fn deletions_pass_and_force_pushes_check_the_replacement_commits() {
    let s = Server::new();
    s.client.git(&["checkout", "-q", "-b", "topic"]);
    s.client.stage("apps/cm4.yaml", CONFIGMAP);
    s.client.commit("topic");
    assert!(s.push(&["topic"]).status.success());

    // Deleting a branch checks nothing and passes.
    let out = s.push(&["--delete", "topic"]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(s.server_ref("topic"), None);

    // A force push that rewrites main with a Secret is refused; a clean rewrite passes.
    s.client.git(&["checkout", "-q", "main"]);
    let before = s.server_ref("main");
    s.client
        .git(&["commit", "-q", "--amend", "--no-verify", "-m", "rewritten"]);
    s.client.stage("apps/db.yaml", SECRET);
    s.client.commit("leak");
    assert_refused(&s.push(&["--force", "main"]));
    assert_eq!(s.server_ref("main"), before);
    s.client.git(&["reset", "-q", "--hard", "HEAD~1"]);
    let out = s.push(&["--force", "main"]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(s.server_ref("main"), Some(s.head()));
}

#[test]
fn tags_are_peeled_to_their_commits() {
    let s = Server::new();
    // A lightweight tag of an accepted commit passes.
    s.client.git(&["tag", "v1"]);
    let out = s.push(&["v1"]);
    assert!(out.status.success(), "{}", text(&out));

    // An annotated tag of a commit that is on no branch and holds a Secret is refused.
    s.client.git(&["checkout", "-q", "--detach"]);
    s.client.stage("apps/db.yaml", SECRET);
    s.client.commit("leak");
    s.client.git(&["tag", "-a", "-m", "release", "v2"]);
    assert_refused(&s.push(&["v2"]));
    assert_eq!(s.server_ref("refs/tags/v2"), None);

    // An annotated tag of a clean new commit passes.
    s.client.git(&["reset", "-q", "--hard", "HEAD~1"]);
    s.client.stage("apps/cm5.yaml", CONFIGMAP);
    s.client.commit("clean");
    s.client.git(&["tag", "-a", "-m", "release", "v3"]);
    let out = s.push(&["v3"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(s.server_ref("refs/tags/v3").is_some());
}

#[test]
fn server_configuration_comes_from_head_not_from_the_push() {
    let s = Server::new();
    // Turning GG101 off inside the pushed commits does not loosen the server's check.
    s.client
        .stage(".gitops-guard.yaml", "rules:\n  GG101: off\n");
    s.client.stage("apps/db.yaml", SECRET);
    s.client.commit("disable and leak");
    assert_refused(&s.push(&["main"]));
}

#[test]
fn malformed_input_is_an_error() {
    let repo = TestRepo::new();
    let out = repo
        .cmd()
        .arg("pre-receive")
        .write_stdin("not a ref line\n")
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("expected `<old-id> <new-id> <ref-name>`"));
}

#[test]
fn first_push_to_an_empty_server_is_checked() {
    let bare = BareRepo::new();
    let client = TestRepo::new();
    let out = client
        .cmd_in(bare.path())
        .args(["install", "--hook", "pre-receive"])
        .output()
        .expect("install");
    assert!(out.status.success(), "{}", text(&out));
    client.git(&["remote", "add", "origin", bare.url()]);
    client.stage("apps/cm.yaml", CONFIGMAP);
    client.stage("apps/db.yaml", SECRET);
    client.commit("everything at once");
    assert_refused(&git(client.path(), &["push", "origin", "main"]));
    client.git(&["rm", "-q", "--cached", "apps/db.yaml"]);
    client.git(&["commit", "-q", "--amend", "--no-verify", "-m", "clean"]);
    let out = git(client.path(), &["push", "origin", "main"]);
    assert!(out.status.success(), "{}", text(&out));
}

#[test]
fn an_existing_pre_receive_hook_is_chained_and_gets_the_same_input() {
    let bare = BareRepo::new();
    let log = bare.scratch().join("legacy-input");
    let legacy = bare.path().join("hooks/pre-receive");
    std::fs::write(&legacy, format!("#!/bin/sh\ncat > '{}'\n", log.display())).expect("write");
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&legacy, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    }
    let client = TestRepo::new();
    let out = client
        .cmd_in(bare.path())
        .args(["install", "--hook", "pre-receive"])
        .output()
        .expect("install");
    assert!(text(&out).contains("runs first"), "{}", text(&out));
    client.git(&["remote", "add", "origin", bare.url()]);
    client.stage("apps/db.yaml", SECRET);
    client.commit("leak");
    let head = git_ok(client.path(), &["rev-parse", "HEAD"]);
    // The old hook accepts and logs its input; gitops-guard, reading the same input, refuses.
    assert_refused(&git(client.path(), &["push", "origin", "main"]));
    let seen = std::fs::read_to_string(&log).expect("the old hook ran");
    assert_eq!(
        seen,
        format!("0000000000000000000000000000000000000000 {head} refs/heads/main\n")
    );
}

#[test]
fn a_commit_pushed_on_several_refs_is_reported_once() {
    let s = Server::new();
    s.client.stage("apps/db.yaml", SECRET);
    s.client.commit("leak");
    s.client.git(&["branch", "copy"]);
    s.client.git(&["tag", "-a", "-m", "t", "v1"]);
    let shown = assert_refused(&s.push(&["main", "copy", "v1"]));
    assert_eq!(shown.matches("GG101 raw-secret").count(), 1, "{shown}");
    assert!(
        shown.contains("refs/heads/main: 1 new commit checked"),
        "{shown}"
    );
    assert!(
        shown.contains("refs/heads/copy: its new commits are checked above"),
        "{shown}"
    );
    assert_eq!(
        s.server_ref("copy"),
        None,
        "one refusal refuses the whole push"
    );
}
