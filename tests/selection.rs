//! Choosing rules: `--select` / `--ignore` by code, name or code prefix, and
//! `per-file-ignores` in the configuration.

mod common;

use common::{TestRepo, f, findings, output_text};

/// A Secret (GG101), a `latest` image (GG201) and an untagged one (GG202), in two files.
fn repo() -> TestRepo {
    let repo = TestRepo::new();
    repo.stage(
        "apps/db.yaml",
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\nstringData:\n  password: hunter2-k9\n",
    );
    repo.stage(
        "charts/web/templates/web.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n        - name: a\n          image: nginx:latest\n        - name: b\n          image: redis\n",
    );
    repo
}

fn codes(json: &serde_json::Value) -> Vec<String> {
    findings(json).into_iter().map(|(c, _, _)| c).collect()
}

#[test]
fn select_and_ignore_take_prefixes_codes_and_names() {
    let repo = repo();
    let (_, all) = repo.check_json(&[]);
    assert_eq!(
        findings(&all),
        [
            f("GG101", "apps/db.yaml", 1),
            f("GG201", "charts/web/templates/web.yaml", 10),
            f("GG202", "charts/web/templates/web.yaml", 12),
        ]
    );
    let (_, json) = repo.check_json(&["--select", "GG2"]);
    assert_eq!(codes(&json), ["GG201", "GG202"]);
    let (_, json) = repo.check_json(&["--select", "gg20"]);
    assert_eq!(codes(&json), ["GG201", "GG202"]);
    let (_, json) = repo.check_json(&["--select", "GG"]);
    assert_eq!(codes(&json), ["GG101", "GG201", "GG202"]);
    let (code, json) = repo.check_json(&["--ignore", "GG2"]);
    assert_eq!((code, codes(&json)), (1, vec!["GG101".to_string()]));
    let (_, json) = repo.check_json(&["--select", "GG2", "--ignore", "untagged-image"]);
    assert_eq!(codes(&json), ["GG201"]);
    let (code, json) = repo.check_json(&["--ignore", "GG1,GG2"]);
    assert_eq!((code, codes(&json)), (0, Vec::<String>::new()));
}

#[test]
fn an_unknown_selector_is_an_error_with_a_suggestion() {
    let repo = repo();
    for (arg, hint) in [
        ("GG2O1", "did you mean `GG201`?"),
        ("latest-tags", "did you mean `latest-tag`?"),
        ("GG9", "a code prefix such as `GG2`"),
    ] {
        let out = repo
            .cmd()
            .args(["check", "--select", arg])
            .output()
            .expect("run");
        assert_eq!(out.status.code(), Some(2), "{arg}");
        let text = output_text(&out);
        assert!(text.contains(&format!("unknown rule `{arg}`")), "{text}");
        assert!(text.contains(hint), "{text}");
    }
}

#[test]
fn per_file_ignores_by_folder_glob_and_by_file_name() {
    let repo = repo();
    repo.stage(
        ".gitops-guard.yaml",
        "per-file-ignores:\n  \"charts/**\": [GG201]\n  \"db.yaml\": [GG1]\n  \"apps/*.json\": [GG]\n",
    );
    let (_, json) = repo.check_json(&["--all"]);
    assert_eq!(
        findings(&json),
        [f("GG202", "charts/web/templates/web.yaml", 12)]
    );
    // Without the configuration everything is reported.
    let (_, json) = repo.check_json(&["--all", "--isolated"]);
    assert_eq!(codes(&json), ["GG101", "GG201", "GG202"]);
    // A name glob matches at any depth, a path glob only where it says.
    repo.stage(
        "charts/web/templates/db.yaml",
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db2\nstringData:\n  password: hunter2-k9\n",
    );
    repo.stage(
        "other/charts/web.yaml",
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n    - name: a\n      image: nginx:latest\n",
    );
    let (_, json) = repo.check_json(&["--all"]);
    assert_eq!(
        findings(&json),
        [
            f("GG202", "charts/web/templates/web.yaml", 12),
            f("GG201", "other/charts/web.yaml", 8),
        ]
    );
    // A suppression for an ignored rule is not "unused" there.
    repo.stage(
        "charts/web/templates/web.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n        - name: a\n          image: nginx:latest # gitops-guard: ignore[GG201]\n",
    );
    let (_, json) = repo.check_json(&["--all"]);
    assert_eq!(findings(&json), [f("GG201", "other/charts/web.yaml", 8)]);
}

#[test]
fn per_file_ignores_with_an_unknown_rule_is_a_located_error() {
    let repo = repo();
    repo.stage(
        ".gitops-guard.yaml",
        "per-file-ignores:\n  \"*.yaml\": [GG2O1]\n",
    );
    let out = repo.cmd().arg("check").output().expect("run");
    assert_eq!(out.status.code(), Some(2));
    let text = output_text(&out);
    assert!(
        text.contains(
            "in `per-file-ignores` `*.yaml`: unknown rule `GG2O1` (did you mean `GG201`?)"
        ),
        "{text}"
    );
}

#[test]
fn a_prefix_leaves_opt_in_rules_off_and_their_code_turns_them_on() {
    // GG205 floating-tag is off by default: `GG2` keeps it off (as ruff's prefixes leave
    // preview rules out); its code or name turns it on.
    let repo = TestRepo::new();
    repo.stage(
        "apps/cache.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: cache\nspec:\n  template:\n    spec:\n      containers:\n        - name: redis\n          image: redis:7\n",
    );
    let (code, json) = repo.check_json(&["--select", "GG2"]);
    assert_eq!((code, codes(&json)), (0, Vec::<String>::new()));
    for named in ["GG205", "floating-tag", "GG2,GG205"] {
        let (_, json) = repo.check_json(&["--select", named]);
        assert_eq!(
            findings(&json),
            [f("GG205", "apps/cache.yaml", 10)],
            "{named}"
        );
    }
}

/// Globs written the way `.gitignore` users write them: anchored at the root (`/charts/**`),
/// from the current folder (`./apps/**`), or a folder (`charts/`, `apps/web`): each means the
/// files under that folder of the repository, in `per-file-ignores` and in `exclude` alike.
#[test]
fn root_anchored_dotted_and_folder_globs_match_what_they_name() {
    let repo = repo();
    for (pfi, exclude) in [
        ("/charts/**", "/apps/**"),
        ("./charts/**", "./apps/**"),
        ("charts/", "apps/"),
        ("charts/web", "apps"),
    ] {
        std::fs::write(
            repo.join(".gitops-guard.yaml"),
            format!("per-file-ignores:\n  \"{pfi}\": [GG201]\nexclude: [\"{exclude}\"]\n"),
        )
        .expect("write");
        let (_, json) = repo.check_json(&["--all"]);
        assert_eq!(
            findings(&json),
            [f("GG202", "charts/web/templates/web.yaml", 12)],
            "{pfi} / {exclude}"
        );
    }
    // Only the folder named: `/web.yaml` is the file at the root, not one deeper.
    std::fs::write(
        repo.join(".gitops-guard.yaml"),
        "per-file-ignores:\n  \"/web.yaml\": [GG2]\n  \"/charts/we\": [GG2]\n",
    )
    .expect("write");
    let (_, json) = repo.check_json(&["--all"]);
    assert_eq!(codes(&json), ["GG101", "GG201", "GG202"]);
}
