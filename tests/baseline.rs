//! `gitops-guard baseline` and `check` with `.gitops-guard-baseline.json`: old findings are
//! accepted through `git mv` and edits elsewhere in the file, new ones still block, entries
//! whose finding is gone are reported under `--all` (GG006), and no value enters the file.

mod common;

use common::{TestRepo, f, findings};
use proptest::prelude::*;

const BASELINE: &str = ".gitops-guard-baseline.json";

fn deployment(images: &[&str]) -> String {
    let mut s = String::from(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n",
    );
    for (i, image) in images.iter().enumerate() {
        s.push_str(&format!("        - name: c{i}\n          image: {image}\n"));
    }
    s
}

fn secret(value: &str) -> String {
    format!(
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\nstringData:\n  password: {}\n",
        serde_json::to_string(value).unwrap_or_default()
    )
}

/// A repository with a committed history of findings and its baseline written.
fn adopted() -> TestRepo {
    let repo = TestRepo::new();
    repo.stage("apps/web.yaml", deployment(&["nginx:latest"]));
    repo.stage("apps/db.yaml", secret("hunter2-old"));
    repo.commit("history");
    let out = repo.cmd().arg("baseline").output().expect("run");
    assert_eq!(out.status.code(), Some(0), "{}", common::output_text(&out));
    repo
}

fn baseline_text(repo: &TestRepo) -> String {
    std::fs::read_to_string(repo.join(BASELINE)).unwrap_or_default()
}

#[test]
fn baseline_is_sorted_one_entry_per_line_and_accepts_everything_it_lists() {
    let repo = adopted();
    let text = baseline_text(&repo);
    let entries: Vec<&str> = text.lines().filter(|l| l.contains("\"code\"")).collect();
    assert_eq!(entries.len(), 2, "{text}");
    assert!(entries[0].contains("\"GG101\"") && entries[0].contains("apps/db.yaml"));
    assert!(entries[1].contains("\"GG201\"") && entries[1].contains("apps/web.yaml"));
    let (code, json) = repo.check_json(&["--all"]);
    assert_eq!((code, findings(&json)), (0, vec![]), "{json}");
    assert_eq!(json["summary"]["baselined"], 2);
    let (code, json) = repo.check_json(&["--all", "--no-baseline"]);
    assert_eq!(code, 1);
    assert_eq!(
        findings(&json),
        [
            f("GG101", "apps/db.yaml", 1),
            f("GG201", "apps/web.yaml", 10)
        ]
    );
}

#[test]
fn git_mv_and_edits_elsewhere_keep_findings_accepted_and_verbose_lists_them() {
    let repo = adopted();
    std::fs::create_dir_all(repo.join("apps/frontend")).expect("mkdir");
    repo.git(&["mv", "apps/web.yaml", "apps/frontend/web.yaml"]);
    // Three lines above it move the finding from line 10 to line 13.
    let edited = format!(
        "# the web tier\n# owned by team a\n{}",
        deployment(&["nginx:latest"]).replace("name: web", "name: web\n  labels: {}")
    );
    repo.stage("apps/frontend/web.yaml", &edited);
    let (code, json) = repo.check_json(&[]);
    assert_eq!((code, findings(&json)), (0, vec![]), "{json}");
    let out = repo.cmd().args(["check", "-v"]).output().expect("run");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("baselined GG201 apps/frontend/web.yaml:13:18:"),
        "{err}"
    );
    let (code, json) = repo.check_json(&["--no-baseline"]);
    assert_eq!(code, 1);
    assert_eq!(findings(&json), [f("GG201", "apps/frontend/web.yaml", 13)]);
}

#[test]
fn a_new_finding_in_an_old_file_still_blocks() {
    let repo = adopted();
    repo.stage(
        "apps/web.yaml",
        deployment(&["nginx:latest", "redis:latest", "nginx:latest"]),
    );
    let (code, json) = repo.check_json(&[]);
    assert_eq!(code, 1);
    // One `nginx:latest` line was accepted: the second identical line is new, as is redis.
    assert_eq!(
        findings(&json),
        [
            f("GG201", "apps/web.yaml", 12),
            f("GG201", "apps/web.yaml", 14)
        ]
    );
    assert_eq!(json["summary"]["baselined"], 1);
}

#[test]
fn a_copy_is_not_accepted_while_the_original_is_still_there() {
    let repo = adopted();
    repo.stage("apps/web-copy.yaml", deployment(&["nginx:latest"]));
    let (code, json) = repo.check_json(&[]);
    assert_eq!(code, 1);
    assert_eq!(findings(&json), [f("GG201", "apps/web-copy.yaml", 10)]);
}

#[test]
fn a_changed_value_line_is_a_new_finding() {
    let repo = adopted();
    repo.stage("apps/web.yaml", deployment(&["nginx:edge"]));
    let (code, json) = repo.check_json(&[]);
    assert_eq!(code, 1);
    assert_eq!(findings(&json), [f("GG201", "apps/web.yaml", 10)]);
}

#[test]
fn a_gone_finding_is_reported_under_all_only() {
    let repo = adopted();
    repo.stage(BASELINE, baseline_text(&repo));
    repo.commit("baseline");
    repo.stage("apps/web.yaml", deployment(&["nginx:1.27.3"]));
    let (code, json) = repo.check_json(&[]);
    assert_eq!((code, findings(&json)), (0, vec![]), "{json}");
    let (code, json) = repo.check_json(&["--all"]);
    // A warning: the baseline should shrink, the commit is not blocked.
    assert_eq!(code, 0);
    assert_eq!(findings(&json), [f("GG006", BASELINE, 6)]);
    assert!(
        json["findings"][0]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("GG201 in apps/web.yaml"),
        "{json}"
    );
    // Rewriting the baseline drops the entry.
    repo.cmd().arg("baseline").assert().success();
    let text = baseline_text(&repo);
    assert!(!text.contains("GG201"), "{text}");
    let (code, json) = repo.check_json(&["--all"]);
    assert_eq!((code, findings(&json)), (0, vec![]), "{json}");
    // Ignoring the rule hides it too.
    repo.stage(
        "apps/db.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: db\n",
    );
    let (_, json) = repo.check_json(&["--all", "--ignore", "GG006"]);
    assert_eq!(findings(&json), vec![]);
}

#[test]
fn a_broken_baseline_is_an_error_that_says_so() {
    let repo = adopted();
    std::fs::write(
        repo.join(BASELINE),
        "{\"version\": 1, \"entries\": [\n  {\"code\": 1}\n]}\n",
    )
    .expect("write");
    let out = repo.cmd().args(["check", "--all"]).output().expect("run");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(".gitops-guard-baseline.json: line 2 column"),
        "{err}"
    );
    assert!(err.contains("not a gitops-guard baseline"), "{err}");
    // `--no-baseline` does not read it.
    let out = repo
        .cmd()
        .args(["check", "--all", "--no-baseline"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn sarif_fingerprints_are_the_baseline_fingerprints() {
    let repo = adopted();
    let out = repo
        .cmd()
        .args(["check", "--all", "--no-baseline", "--format", "sarif"])
        .output()
        .expect("run");
    let sarif: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let text = baseline_text(&repo);
    let results = sarif["runs"][0]["results"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(results.len(), 2);
    for r in results {
        let fp = r["partialFingerprints"]["gitopsGuard/v1"]
            .as_str()
            .unwrap_or_default();
        assert_eq!(fp.len(), 16, "{r}");
        assert!(text.contains(&format!("\"{fp}\"")), "{fp} not in {text}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

    /// No value enters the baseline: it is byte-identical whatever the values are, and none
    /// of them appears in it.
    #[test]
    fn the_baseline_never_depends_on_a_value(
        a in "k[A-Za-z0-9+/=_.-]{6,40}7",
        b in "k[A-Za-z0-9+/=_.-]{6,40}7",
    ) {
        let write = |value: &str| {
            let repo = TestRepo::new();
            repo.stage("apps/db.yaml", secret(value));
            repo.stage("charts/app/Chart.yaml", "apiVersion: v2\nname: app\nversion: 1.0.0\n");
            repo.stage(
                "charts/app/values.yaml",
                format!("auth:\n  password: {}\n", serde_json::to_string(value).unwrap_or_default()),
            );
            repo.commit("history");
            repo.cmd().arg("baseline").assert().success();
            baseline_text(&repo)
        };
        let (ta, tb) = (write(&a), write(&b));
        prop_assert_eq!(&ta, &tb);
        prop_assert!(ta.matches("\"code\"").count() >= 2, "{}", ta);
        for v in [&a, &b] {
            prop_assert!(!ta.contains(v.as_str()), "{} leaked into {}", v, ta);
        }
    }
}

/// An entry whose rule did not run on its file (turned off by `--ignore` or the
/// configuration, ignored there by `per-file-ignores`, or its file excluded) is not known to
/// be gone: no GG006 for it. An entry of a rule that ran and found nothing still is one.
#[test]
fn entries_of_rules_that_did_not_run_are_not_reported_unused() {
    let repo = adopted();
    repo.stage(BASELINE, baseline_text(&repo));
    repo.commit("baseline");
    for args in [
        &["--all", "--ignore", "GG2"][..],
        &["--all", "--ignore", "latest-tag"],
    ] {
        let (code, json) = repo.check_json(args);
        assert_eq!((code, findings(&json)), (0, vec![]), "{args:?} {json}");
    }
    for config in [
        "rules:\n  GG201: off\n",
        "per-file-ignores:\n  \"apps/web.yaml\": [GG2]\n",
        "exclude: [\"apps/web.yaml\"]\n",
    ] {
        repo.stage(".gitops-guard.yaml", config);
        let (code, json) = repo.check_json(&["--all"]);
        assert_eq!((code, findings(&json)), (0, vec![]), "{config} {json}");
    }
    // The rule runs on the file and the finding is gone: reported.
    repo.stage(
        ".gitops-guard.yaml",
        "per-file-ignores:\n  \"other/**\": [GG2]\n",
    );
    repo.stage("apps/web.yaml", deployment(&["nginx:1.27.3"]));
    let (code, json) = repo.check_json(&["--all"]);
    assert_eq!((code, findings(&json)), (0, vec![f("GG006", BASELINE, 6)]));
}

/// In CI, `--range` checks every commit of a pull request: an old finding in a file that
/// several commits touch (edits elsewhere, a `git mv`) is accepted in each commit, and a new
/// one in any commit still blocks.
#[test]
fn every_commit_of_a_range_is_matched_against_the_whole_baseline() {
    let repo = adopted();
    repo.stage(BASELINE, baseline_text(&repo));
    repo.commit("baseline");
    let base = String::from_utf8_lossy(&repo.git(&["rev-parse", "HEAD"]).stdout)
        .trim()
        .to_string();
    let edited =
        deployment(&["nginx:latest"]).replace("name: web\n", "name: web\n  labels: {a: b}\n");
    repo.stage("apps/web.yaml", &edited);
    repo.commit("label");
    repo.git(&["mv", "apps/web.yaml", "apps/web-deploy.yaml"]);
    repo.commit("move");
    repo.stage("apps/web-deploy.yaml", edited.replace("{a: b}", "{a: c}"));
    repo.commit("relabel");
    let range = format!("{base}..HEAD");
    let (code, json) = repo.check_json(&["--range", &range]);
    assert_eq!((code, findings(&json)), (0, vec![]), "{json}");
    assert_eq!(json["summary"]["baselined"], 3, "{json}");
    // A second `latest` image in the last commit is new.
    repo.stage(
        "apps/web-deploy.yaml",
        deployment(&["nginx:latest", "redis:latest"]),
    );
    repo.commit("sidecar");
    let (code, json) = repo.check_json(&["--range", &range]);
    assert_eq!(code, 1);
    assert_eq!(findings(&json), [f("GG201", "apps/web-deploy.yaml", 12)]);
}

/// The entry of a deleted file is not a licence for any new file with a finding that hashes
/// alike (a raw Secret with the same key names, an off-layout file with the same first
/// line): only a file that keeps the old one's name (or its folder, but for secrets) is
/// taken for it, moved.
#[test]
fn a_deleted_files_entry_does_not_accept_an_unrelated_new_file() {
    let repo = adopted();
    repo.stage(BASELINE, baseline_text(&repo));
    repo.commit("baseline");
    repo.git(&["rm", "-q", "apps/db.yaml"]);
    repo.commit("db goes");
    let new_secret = secret("brand-new-prod-password").replace("name: db", "name: payments");
    repo.stage("team2/payments.yaml", &new_secret);
    let (code, json) = repo.check_json(&[]);
    assert_eq!(code, 1, "{json}");
    assert_eq!(findings(&json), [f("GG101", "team2/payments.yaml", 1)]);
    // Deleted and added in one commit: the same.
    repo.git(&["rm", "-q", "--cached", "team2/payments.yaml"]);
    repo.git(&["rm", "-q", "apps/web.yaml"]);
    repo.stage("team2/api.yaml", deployment(&["nginx:latest"]));
    let (code, json) = repo.check_json(&[]);
    assert_eq!(code, 1, "{json}");
    assert_eq!(findings(&json), [f("GG201", "team2/api.yaml", 10)]);
    // A move that keeps the name is still a move; a new Secret beside a deleted one is not
    // (that is how a value is rotated).
    repo.git(&["rm", "-q", "--cached", "team2/api.yaml"]);
    repo.stage("team2/web.yaml", deployment(&["nginx:latest"]));
    repo.stage("apps/payments.yaml", &new_secret);
    let (code, json) = repo.check_json(&[]);
    assert_eq!(code, 1, "{json}");
    assert_eq!(findings(&json), [f("GG101", "apps/payments.yaml", 1)]);
    assert_eq!(json["summary"]["baselined"], 1, "{json}");
}

/// The fingerprint hashes masked text, so a value changed in place would hash alike: a
/// baselined secret stays accepted only while its text is what the previous version of the
/// file had (`HEAD` for the index, the parent for each commit of a range), also when moved.
#[test]
fn a_secret_whose_value_changed_in_place_is_reported_again() {
    let repo = adopted();
    repo.stage(BASELINE, baseline_text(&repo));
    repo.commit("baseline");
    let base = String::from_utf8_lossy(&repo.git(&["rev-parse", "HEAD"]).stdout)
        .trim()
        .to_string();
    // An edit elsewhere in the file (another document) and a move keep it accepted.
    let cm = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: db-cfg\ndata: {a: b}\n---\n";
    std::fs::create_dir_all(repo.join("apps/data")).expect("mkdir");
    repo.git(&["mv", "apps/db.yaml", "apps/data/db.yaml"]);
    repo.stage(
        "apps/data/db.yaml",
        format!("{cm}{}", secret("hunter2-old")),
    );
    let (code, json) = repo.check_json(&[]);
    assert_eq!((code, findings(&json)), (0, vec![]), "{json}");
    repo.commit("move and add a ConfigMap");
    // The value rotated in plain text: reported, in the index and in the range.
    repo.stage(
        "apps/data/db.yaml",
        format!("{cm}{}", secret("rotated-new-value")),
    );
    let (code, json) = repo.check_json(&[]);
    assert_eq!(code, 1, "{json}");
    assert_eq!(findings(&json), [f("GG101", "apps/data/db.yaml", 7)]);
    let (code, json) = repo.check_json(&["--all"]);
    assert_eq!(
        (code, findings(&json)),
        (1, vec![f("GG101", "apps/data/db.yaml", 7)])
    );
    repo.commit("rotate");
    let range = format!("{base}..HEAD");
    let (code, json) = repo.check_json(&["--range", &range]);
    assert_eq!(code, 1, "{json}");
    assert_eq!(findings(&json), [f("GG101", "apps/data/db.yaml", 7)]);
    // Once committed, `check --all` compares the index with HEAD: unchanged, accepted.
    let (code, json) = repo.check_json(&["--all"]);
    assert_eq!((code, findings(&json)), (0, vec![]), "{json}");
}
