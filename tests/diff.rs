//! `check --diff` end to end: what `--fix` would change, as a unified diff on stdout, with
//! nothing written (no file, no index entry, no saved value) and no secret value shown.

mod common;

use common::TestRepo;
use std::process::Output;

fn text(out: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn diff_shows_the_secret_fix_without_values_and_writes_nothing() {
    let repo = TestRepo::new();
    let secret = "apiVersion: v1\nkind: Secret\nmetadata: {name: db, namespace: apps}\ntype: Opaque\nstringData:\n  password: hunter2-resolve-test\n";
    repo.stage("apps/db-secret.yaml", secret);
    let out = repo
        .cmd()
        .args(["check", "--diff", "--select", "GG101"])
        .output()
        .expect("runs");
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stdout}{stderr}");
    assert!(
        stdout.starts_with("--- a/apps/db-secret.yaml\n+++ b/apps/db-secret.yaml\n"),
        "{stdout}"
    );
    assert!(stdout.contains("+kind: ExternalSecret"), "{stdout}");
    assert!(stdout.contains("-  password: ********"), "{stdout}");
    assert!(
        !stdout.contains("hunter2") && !stderr.contains("hunter2"),
        "{stdout}{stderr}"
    );
    assert_eq!(
        std::fs::read_to_string(repo.join("apps/db-secret.yaml")).expect("read"),
        secret
    );
    assert!(
        !repo.join(".git/gitops-guard/secrets").exists(),
        "no value saved"
    );
    // Nothing to fix: no diff, exit 0.
    repo.stage(
        "apps/cm.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n",
    );
    repo.git(&["rm", "-q", "--cached", "apps/db-secret.yaml"]);
    let out = repo.cmd().args(["check", "--diff"]).output().expect("runs");
    assert_eq!(out.status.code(), Some(0), "{:?}", text(&out));
    assert_eq!(out.stdout, b"");
}

#[test]
fn diff_shows_layout_moves_as_renames_and_moves_nothing() {
    let repo = TestRepo::new();
    repo.stage(
        "jx-requirements.yml",
        "apiVersion: core.jenkins-x.io/v4beta1\nkind: Requirements\nspec: {}\n",
    );
    let from = "config-root/namespaces/jx/app/db.yaml";
    let to = "config-root/namespaces/jx/app/db-secret.yaml";
    let secret = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\n  namespace: jx\nstringData:\n  password: hunter2-diff-layout\n";
    repo.stage(from, secret);
    let before = String::from_utf8_lossy(&repo.git(&["ls-files", "-s"]).stdout).into_owned();
    let out = repo
        .cmd()
        .args(["check", "--all", "--diff"])
        .output()
        .expect("runs");
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stdout}{stderr}");
    assert!(
        stdout.starts_with(&format!(
            "diff --git a/{from} b/{to}\nsimilarity index 100%\nrename from {from}\nrename to {to}\n"
        )),
        "{stdout}"
    );
    // The Secret fix is planned on the file as it is now.
    assert!(
        stdout.contains(&format!("--- a/{from}\n+++ b/{from}\n")),
        "{stdout}"
    );
    assert!(
        !stdout.contains("hunter2") && !stderr.contains("hunter2"),
        "{stdout}{stderr}"
    );
    let after = String::from_utf8_lossy(&repo.git(&["ls-files", "-s"]).stdout).into_owned();
    assert_eq!(before, after, "the index is untouched");
    assert_eq!(
        std::fs::read_to_string(repo.join(from)).expect("read"),
        secret
    );
    assert!(!repo.join(to).exists());
}

#[test]
fn diff_of_a_split_that_keeps_the_file_name_rewrites_it_in_place() {
    let repo = TestRepo::new();
    repo.stage(
        "jx-requirements.yml",
        "apiVersion: core.jenkins-x.io/v4beta1\nkind: Requirements\nspec: {}\n",
    );
    let path = "config-root/namespaces/jx/app/app-cm.yaml";
    let piece = "config-root/namespaces/jx/app/app-svc.yaml";
    repo.stage(
        path,
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\ndata: {a: b}\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: app\n",
    );
    let out = repo
        .cmd()
        .args(["check", "--all", "--diff"])
        .output()
        .expect("runs");
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stdout}{stderr}");
    assert_eq!(
        stdout,
        format!(
            "diff --git a/{path} b/{path}\ndiff --git a/{piece} b/{piece}\nnew file mode 100644\n"
        ),
        "{stderr}"
    );
    assert!(!repo.join(piece).exists());
}

/// The report masks a Secret's label and annotation values (any of them may hold a value);
/// the fix carries them into the ExternalSecret, and the diff masks them there too rather
/// than show on its `+` side what its `-` side hides.
#[test]
fn diff_masks_on_the_new_side_what_it_masks_on_the_old() {
    let repo = TestRepo::new();
    let secret = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\n  namespace: apps\n  labels: {team: LabelMark7Qx}\n  annotations:\n    note: 'AnnotMark3Zr'\ntype: Opaque\nstringData:\n  password: hunter2-label-test\n";
    repo.stage("apps/db-secret.yaml", secret);
    let out = repo
        .cmd()
        .args(["check", "--diff", "--select", "GG101"])
        .output()
        .expect("runs");
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stdout}{stderr}");
    assert!(stdout.contains("+kind: ExternalSecret"), "{stdout}");
    assert!(stdout.contains("-  labels: {team: ********}"), "{stdout}");
    for marker in ["LabelMark7Qx", "AnnotMark3Zr", "hunter2"] {
        assert!(
            !stdout.contains(marker) && !stderr.contains(marker),
            "{marker}:\n{stdout}{stderr}"
        );
    }
    assert!(stdout.contains("+    team: ********\n"), "{stdout}");
    // The names the fix writes are not values of the Secret: still shown.
    assert!(stdout.contains("+    name: db\n"), "{stdout}");
}
