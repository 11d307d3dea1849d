//! CI surfaces: `check --range BASE..HEAD` (every commit of the range, with the commit named),
//! `--format sarif` (validated structurally against SARIF 2.1.0's required shape) and
//! `--format github` (exact workflow-command lines).

mod common;

use common::{TestRepo, f, findings};
use serde_json::Value;

const SECRET: &str = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\n  namespace: apps\nstringData:\n  password: hunter2-marker-c1\n";
const SECRET_VALUE: &str = "hunter2-marker-c1";
const CONFIGMAP: &str = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\ndata:\n  a: b\n";

fn rev(repo: &TestRepo, spec: &str) -> String {
    String::from_utf8_lossy(&repo.git(&["rev-parse", spec]).stdout)
        .trim()
        .to_string()
}

/// Runs `check`: (exit code, stdout). Every run's stderr is checked for the secret too.
fn run(repo: &TestRepo, args: &[&str]) -> (i32, String) {
    let out = repo.cmd().arg("check").args(args).output().expect("run");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains(SECRET_VALUE), "the value leaked to stderr");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

#[test]
fn range_catches_a_secret_added_then_deleted_and_names_the_commit() {
    let repo = TestRepo::new();
    repo.stage("apps/cm.yaml", CONFIGMAP);
    repo.commit("base");
    let base = rev(&repo, "HEAD");
    repo.stage("apps/db.yaml", SECRET);
    repo.commit("add secret");
    let added = rev(&repo, "HEAD");
    repo.git(&["rm", "-q", "apps/db.yaml"]);
    repo.commit("delete secret");
    repo.stage("apps/cm.yaml", format!("{CONFIGMAP}  c: d\n"));
    repo.commit("clean change");

    // The tip is clean...
    let (code, json) = repo.check_json(&["--all"]);
    assert_eq!(code, 0, "{json}");
    // ...but the range is not.
    let range = format!("{base}..HEAD");
    let (code, json) = repo.check_json(&["--range", &range]);
    assert_eq!(code, 1, "{json}");
    assert_eq!(findings(&json), vec![f("GG101", "apps/db.yaml", 1)]);
    assert_eq!(json["findings"][0]["commit"], added.as_str());

    // Human output says which commit, by its abbreviated id.
    let (code, out) = run(&repo, &["--range", &range]);
    assert_eq!(code, 1);
    assert!(
        out.contains(&format!("{}:apps/db.yaml:", &added[..12])),
        "{out}"
    );
    assert!(!out.contains(SECRET_VALUE));

    // A range that starts after the Secret was deleted is clean.
    let (code, json) = repo.check_json(&["--range", "HEAD~1..HEAD"]);
    assert_eq!(code, 0, "{json}");

    // GitHub annotations carry the commit too.
    let (_, out) = run(&repo, &["--range", &range, "--format", "github"]);
    assert!(
        out.contains(&format!("(in commit {})", &added[..12])),
        "{out}"
    );
}

/// Checks the shape GitHub code scanning and the SARIF 2.1.0 schema require.
fn validate_sarif(sarif: &Value) {
    assert_eq!(sarif["version"], "2.1.0");
    assert!(
        sarif["$schema"]
            .as_str()
            .unwrap_or("")
            .contains("sarif-2.1.0")
    );
    let runs = sarif["runs"].as_array().expect("runs");
    assert_eq!(runs.len(), 1);
    let driver = &runs[0]["tool"]["driver"];
    assert_eq!(driver["name"], "gitops-guard");
    assert_eq!(driver["version"], env!("CARGO_PKG_VERSION"));
    if let Some(uri) = driver.get("informationUri") {
        let uri = uri.as_str().expect("string");
        assert!(
            uri.starts_with("https://") && !uri.contains("example"),
            "{uri}"
        );
    }
    let rules = driver["rules"].as_array().expect("rules");
    assert!(!rules.is_empty());
    let levels = ["none", "note", "warning", "error"];
    for rule in rules {
        let id = rule["id"].as_str().expect("id");
        assert!(id.starts_with("GG") && id.len() == 5, "{id}");
        assert!(rule["name"].as_str().is_some_and(|n| !n.is_empty()));
        for key in ["shortDescription", "fullDescription", "help"] {
            assert!(
                rule[key]["text"].as_str().is_some_and(|t| !t.is_empty()),
                "{id} lacks {key}.text"
            );
        }
        assert!(
            levels.contains(
                &rule["defaultConfiguration"]["level"]
                    .as_str()
                    .unwrap_or("?")
            )
        );
    }
    for result in runs[0]["results"].as_array().expect("results") {
        let id = result["ruleId"].as_str().expect("ruleId");
        let index = result["ruleIndex"].as_u64().expect("ruleIndex") as usize;
        assert_eq!(rules[index]["id"], id, "ruleIndex points at the rule");
        assert!(levels.contains(&result["level"].as_str().unwrap_or("?")));
        assert!(
            result["message"]["text"]
                .as_str()
                .is_some_and(|t| !t.is_empty())
        );
        let locations = result["locations"].as_array().expect("locations");
        assert!(!locations.is_empty());
        for loc in locations {
            let phys = &loc["physicalLocation"];
            let uri = phys["artifactLocation"]["uri"].as_str().expect("uri");
            assert!(
                !uri.starts_with('/') && !uri.contains("://"),
                "repo-relative: {uri}"
            );
            let r = &phys["region"];
            let n = |k: &str| r[k].as_u64().unwrap_or_else(|| panic!("region.{k}"));
            assert!(n("startLine") >= 1 && n("startColumn") >= 1);
            assert!(
                (n("endLine"), n("endColumn")) >= (n("startLine"), n("startColumn")),
                "region ends after it starts: {r}"
            );
        }
    }
}

/// SARIF must not embed file content anywhere (no `snippet`, no `contextRegion`).
fn assert_no_snippets(v: &Value) {
    match v {
        Value::Object(map) => {
            for (k, v) in map {
                assert!(
                    k != "snippet" && k != "contextRegion",
                    "SARIF embeds source: {k}"
                );
                assert_no_snippets(v);
            }
        }
        Value::Array(items) => items.iter().for_each(assert_no_snippets),
        _ => {}
    }
}

#[test]
fn sarif_has_rules_results_regions_and_no_source_text() {
    let repo = TestRepo::new();
    repo.stage("apps/cm.yaml", CONFIGMAP);
    repo.stage("apps/my db.yaml", SECRET);
    let (code, out) = run(&repo, &["--format", "sarif"]);
    assert_eq!(code, 1, "{out}");
    assert!(!out.contains(SECRET_VALUE), "the value leaked");
    let sarif: Value = serde_json::from_str(&out).expect("SARIF is JSON");
    validate_sarif(&sarif);
    assert_no_snippets(&sarif);

    let results = sarif["runs"][0]["results"].as_array().expect("results");
    assert_eq!(results.len(), 1, "{sarif:#}");
    let r = &results[0];
    assert_eq!(r["ruleId"], "GG101");
    assert_eq!(r["level"], "error");
    let phys = &r["locations"][0]["physicalLocation"];
    assert_eq!(phys["artifactLocation"]["uri"], "apps/my%20db.yaml");
    assert_eq!(phys["artifactLocation"]["uriBaseId"], "%SRCROOT%");
    // Same position as the JSON report.
    let (_, json) = repo.check_json(&[]);
    let jf = &json["findings"][0];
    let region = &phys["region"];
    assert_eq!(region["startLine"], jf["line"]);
    assert_eq!(region["startColumn"], jf["column"]);
    assert_eq!(region["endLine"], jf["end_line"]);
    assert_eq!(region["endColumn"], jf["end_column"]);
    // The fix hint for a fixable finding.
    let message = r["message"]["text"].as_str().expect("text");
    assert!(message.contains("--fix"), "{message}");
    assert_eq!(r["properties"]["fixable"], true);

    let rule = &sarif["runs"][0]["tool"]["driver"]["rules"]
        [r["ruleIndex"].as_u64().expect("index") as usize];
    assert_eq!(rule["name"], "raw-secret");
    assert_eq!(rule["defaultConfiguration"]["level"], "error");
    assert!(
        rule["help"]["markdown"]
            .as_str()
            .expect("md")
            .contains("## Why is this bad?")
    );

    // A clean index is a valid log with no results.
    repo.git(&["rm", "-q", "--cached", "apps/my db.yaml"]);
    let (code, out) = run(&repo, &["--format", "sarif"]);
    assert_eq!(code, 0, "{out}");
    let sarif: Value = serde_json::from_str(&out).expect("SARIF");
    validate_sarif(&sarif);
    assert_eq!(sarif["runs"][0]["results"], serde_json::json!([]));
}

#[test]
fn github_format_prints_exact_workflow_commands() {
    let repo = TestRepo::new();
    // A comma and a colon in the path must be escaped in the `file=` property.
    repo.stage("apps/a,b:c.yaml", SECRET);
    let (_, json) = repo.check_json(&[]);
    let jf = &json["findings"][0];
    let (code, out) = run(&repo, &["--format", "github"]);
    assert_eq!(code, 1, "{out}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 2, "{out}");
    let message = format!(
        "{}%0Ahelp: {}%0Afix: `gitops-guard check --fix` rewrites it automatically",
        jf["message"].as_str().expect("message"),
        jf["help"].as_str().expect("help")
    );
    // A span that ends with its line break ends on the line before.
    let end_line = match (jf["end_line"].as_u64(), jf["end_column"].as_u64()) {
        (Some(l), Some(1)) if l > 1 => l - 1,
        (Some(l), _) => l,
        _ => panic!("no end position: {jf}"),
    };
    assert_eq!(
        lines[0],
        format!(
            "::error file=apps/a%2Cb%3Ac.yaml,line=1,endLine={end_line},title=GG101 raw-secret::{message}"
        )
    );
    assert!(lines[1].starts_with("Found 1 error"), "{out}");
    assert!(!out.contains(SECRET_VALUE));

    // A clean index: only the summary line.
    repo.git(&["rm", "-q", "--cached", "apps/a,b:c.yaml"]);
    repo.stage("apps/cm.yaml", CONFIGMAP);
    let (code, out) = run(&repo, &["--format", "github"]);
    assert_eq!(code, 0, "{out}");
    assert_eq!(out.lines().count(), 1, "{out}");
    assert!(out.starts_with("No problems found"), "{out}");
}
