//! Configuration errors in plain words, with one location and a did-you-mean.

mod common;

use common::TestRepo;

/// The one error line for configuration `text`.
fn error(text: &str) -> String {
    let repo = TestRepo::new();
    repo.write(".gitops-guard.yaml", text);
    let out = repo.cmd().arg("check").output().expect("run");
    assert_eq!(out.status.code(), Some(2), "{text}");
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    let root = repo.path().canonicalize().unwrap_or_default();
    err.replace(&format!("{}/", root.display()), "")
        .replace(&format!("{}/", repo.path().display()), "")
}

#[test]
fn errors_are_plain_located_once_and_suggest() {
    let cases = [
        (
            "exlude: [a]\n",
            ".gitops-guard.yaml:1:1: unknown key `exlude` (did you mean `exclude`?); the keys here are: ",
        ),
        (
            "exclude: apps/*\n",
            ".gitops-guard.yaml:1:10: expected a list here (`[a, b]`, or one `- a` per line)",
        ),
        (
            "images:\n  alow: [x]\n",
            ".gitops-guard.yaml:2:3: unknown key `alow` (did you mean `allow`?); the keys here are: mutable-tags, allow",
        ),
        (
            "rules:\n  GG101: off\n  GG1O2: warning\n",
            ".gitops-guard.yaml:3:3: unknown rule `GG1O2` in `rules` (did you mean `GG102`?)",
        ),
        (
            "rules:\n  latest-tag: warn1ng\n",
            ".gitops-guard.yaml:2:3: invalid level `warn1ng` for rule GG201 (did you mean `warning`?)",
        ),
        (
            "layout:\n  preset: jx4\n",
            ".gitops-guard.yaml:2:11: unknown value `jx4` (did you mean `jx3`?); the values here are: jx3, none",
        ),
    ];
    for (text, expected) in cases {
        let err = error(text);
        assert!(
            err.starts_with(&format!("gitops-guard: error: {expected}")),
            "{text:?}:\n{err}"
        );
        assert_eq!(err.lines().count(), 1, "{err}");
        for jargon in [
            "expected sequence start",
            "unknown field",
            "line 1 column",
            "error: line",
        ] {
            assert!(!err.contains(jargon), "{text:?}: {err}");
        }
    }
}
