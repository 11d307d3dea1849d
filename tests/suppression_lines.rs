//! A suppression comment on the line the report points at suppresses the finding: a raw
//! Secret is reported at its `kind: Secret` line although the object starts above it.

mod common;

use common::{TestRepo, f, findings};

const SECRET: &str =
    "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\nstringData:\n  password: hunter2-k9\n";

#[test]
fn a_comment_on_the_kind_line_suppresses_the_secret_and_is_used() {
    let repo = TestRepo::new();
    repo.stage(
        "a.yaml",
        SECRET.replace(
            "kind: Secret\n",
            "kind: Secret # gitops-guard: ignore[GG101] sealed later\n",
        ),
    );
    // The line above the reported line, on a line of its own.
    repo.stage(
        "b.yaml",
        SECRET.replace(
            "kind: Secret\n",
            "# gitops-guard: ignore[raw-secret]\nkind: Secret\n",
        ),
    );
    // The form that always worked: the object's first line.
    repo.stage(
        "c.yaml",
        SECRET.replace(
            "apiVersion: v1\n",
            "apiVersion: v1 # gitops-guard: ignore[GG101]\n",
        ),
    );
    let (code, json) = repo.check_json(&[]);
    assert_eq!((code, findings(&json)), (0, vec![]), "{json}");
}

#[test]
fn a_comment_elsewhere_does_not_suppress_and_is_unused() {
    let repo = TestRepo::new();
    repo.stage(
        "a.yaml",
        SECRET.replace("  name: db\n", "  name: db # gitops-guard: ignore[GG101]\n"),
    );
    let (code, json) = repo.check_json(&[]);
    assert_eq!(code, 1);
    assert_eq!(
        findings(&json),
        [f("GG101", "a.yaml", 1), f("GG004", "a.yaml", 4)]
    );
}

#[test]
fn an_image_line_comment_still_works() {
    let repo = TestRepo::new();
    repo.stage(
        "d.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n        - name: a\n          image: nginx:latest # gitops-guard: ignore[GG201]\n        - name: b\n          image: redis:latest\n",
    );
    let (_, json) = repo.check_json(&[]);
    assert_eq!(findings(&json), [f("GG201", "d.yaml", 12)]);
}

/// A finding about the whole file (off the layout, a file name) is reported at 1:1; a
/// comment at the top of the file, on a line of its own, is where a user writes its
/// suppression. It suppresses it, and still covers the next content line as before.
#[test]
fn a_comment_on_the_first_line_suppresses_a_file_finding_reported_there() {
    let repo = TestRepo::new();
    let cm = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n";
    repo.stage(
        "jx-requirements.yml",
        "apiVersion: core.jenkins-x.io/v4beta1\nkind: Requirements\nspec: {}\n",
    );
    repo.stage(
        "stray/a.yaml",
        format!("# gitops-guard: ignore[GG301] kept here on purpose\n{cm}"),
    );
    repo.stage(
        "stray/b.yaml",
        format!("# gitops-guard: ignore[GG201] wrong rule\n{cm}"),
    );
    let (code, json) = repo.check_json(&[]);
    assert_eq!(code, 1, "{json}");
    assert_eq!(
        findings(&json),
        [f("GG004", "stray/b.yaml", 1), f("GG301", "stray/b.yaml", 1)]
    );
}

/// Rules written next to the directive but outside its brackets (`ignore GG202`,
/// `ignore [GG202]`, `ignore: GG202`, `ignore(GG202)`) are a malformed suppression: reported
/// (GG005) and suppressing nothing, rather than every rule on the line. A bare `ignore` with
/// a plain reason still suppresses every rule.
#[test]
fn rules_outside_the_brackets_are_invalid_not_a_blanket_suppression() {
    let repo = TestRepo::new();
    repo.stage(
        "pod.yaml",
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n    - name: a\n      image: nginx:latest # gitops-guard: ignore GG202 not this one\n    - name: b\n      image: redis:latest # gitops-guard: ignore [untagged-image]\n    - name: c\n      image: redis:latest # gitops-guard: ignore: GG202\n    - name: d\n      image: redis:latest # gitops-guard: ignore(GG202)\n    - name: e\n      image: redis:latest # gitops-guard: ignore legacy, pinned by the operator\n",
    );
    let (code, json) = repo.check_json(&[]);
    assert_eq!(code, 1, "{json}");
    assert_eq!(
        findings(&json),
        [
            f("GG201", "pod.yaml", 8),
            f("GG005", "pod.yaml", 8),
            f("GG201", "pod.yaml", 10),
            f("GG005", "pod.yaml", 10),
            f("GG201", "pod.yaml", 12),
            f("GG005", "pod.yaml", 12),
            f("GG201", "pod.yaml", 14),
            f("GG005", "pod.yaml", 14),
        ]
    );
}
