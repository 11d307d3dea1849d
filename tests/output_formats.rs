//! Output for hundreds of findings and for GitHub: `--statistics`, `--format concise`, the
//! per-rule tally of long reports, `--color` and its environment, wrapping of long names,
//! JSON `summary`, `-v`, and SARIF against the SARIF 2.1.0 schema.

mod common;

use common::{TestRepo, f, findings, output_text};
use std::path::Path;

/// `n` Deployments with `nginx:latest` (GG201) and one raw Secret (GG101, fixable).
fn many(n: usize) -> TestRepo {
    let repo = TestRepo::new();
    for i in 0..n {
        repo.stage(
            &format!("apps/web{i}.yaml"),
            format!(
                "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web{i}\nspec:\n  template:\n    spec:\n      containers:\n        - name: web\n          image: nginx:latest\n"
            ),
        );
    }
    repo.stage(
        "apps/db.yaml",
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\nstringData:\n  password: hunter2-k9\n",
    );
    repo
}

fn stdout(repo: &TestRepo, args: &[&str]) -> (i32, String) {
    let out = repo.cmd().args(args).output().expect("run");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

#[test]
fn statistics_counts_per_rule_as_text_and_json() {
    let repo = many(3);
    let (code, text) = stdout(&repo, &["check", "--statistics"]);
    assert_eq!(code, 1);
    assert_eq!(
        text,
        "3  GG201  latest-tag\n1  GG101  [*] raw-secret\n[*] fixable with `gitops-guard check --fix`\n"
    );
    let (code, text) = stdout(&repo, &["check", "--statistics", "--format", "json"]);
    assert_eq!(code, 1);
    let json: serde_json::Value = serde_json::from_str(&text).expect("json");
    assert_eq!(
        json,
        serde_json::json!([
            {"code": "GG201", "name": "latest-tag", "count": 3, "fixable": false},
            {"code": "GG101", "name": "raw-secret", "count": 1, "fixable": true},
        ])
    );
    let out = repo
        .cmd()
        .args(["check", "--statistics", "--format", "sarif"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(output_text(&out).contains("--statistics prints text or JSON"));
}

#[test]
fn concise_is_one_line_per_finding() {
    let repo = many(2);
    let (code, text) = stdout(&repo, &["check", "--format", "concise"]);
    assert_eq!(code, 1);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 4, "{text}");
    assert!(
        lines[0].starts_with("apps/db.yaml:1:1: GG101 [error] [*] raw Secret `db`"),
        "{text}"
    );
    assert!(
        lines[1].starts_with("apps/web0.yaml:10:18: GG201 [error] Deployment `web0`"),
        "{text}"
    );
    assert!(
        lines[2].starts_with("apps/web1.yaml:10:18: GG201 [error]"),
        "{text}"
    );
    assert!(lines[3].starts_with("Found 3 errors in 3 files"), "{text}");
}

#[test]
fn long_human_reports_end_with_a_tally_short_ones_do_not() {
    let repo = many(10);
    let (_, text) = stdout(&repo, &["check"]);
    let tally =
        text.find("Findings by rule:\n  10  GG201  latest-tag\n   1  GG101  [*] raw-secret\n");
    assert!(tally.is_some(), "{text}");
    assert!(
        text.trim_end()
            .ends_with("fixable with `gitops-guard check --fix`."),
        "{text}"
    );
    let repo = many(2);
    let (_, text) = stdout(&repo, &["check"]);
    assert!(!text.contains("Findings by rule"), "{text}");
}

#[test]
fn color_follows_the_flag_then_the_environment() {
    let repo = many(1);
    let colored = |args: &[&str], env: &[(&str, &str)]| {
        let mut cmd = repo.cmd();
        cmd.env_remove("NO_COLOR").args(["check"]).args(args);
        for (k, v) in env {
            cmd.env(k, v);
        }
        let out = cmd.output().expect("run");
        out.stdout.contains(&0x1b)
    };
    // stdout is a pipe here: no colour unless asked for.
    assert!(!colored(&[], &[]));
    assert!(colored(&["--color", "always"], &[]));
    assert!(colored(&["--color", "always"], &[("NO_COLOR", "1")]));
    assert!(!colored(&["--color", "never"], &[("FORCE_COLOR", "1")]));
    assert!(colored(&[], &[("FORCE_COLOR", "1")]));
    assert!(!colored(&[], &[("FORCE_COLOR", "1"), ("NO_COLOR", "1")]));
    assert!(!colored(&[], &[("FORCE_COLOR", "0")]));
    assert!(!colored(&["--color", "auto"], &[("TERM", "dumb")]));
    // Machine formats never carry colour.
    assert!(!colored(&["--color", "always", "--format", "json"], &[]));
    let out = repo
        .cmd()
        .args(["check", "--color", "sometimes"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn long_image_names_are_never_split() {
    let repo = TestRepo::new();
    let image = "registry.example-company.internal/platform-team/very-long-service-name-for-wrapping/api-gateway-component:latest";
    repo.stage(
        "apps/api.yaml",
        format!(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\nspec:\n  template:\n    spec:\n      containers:\n        - name: api\n          image: {image}\n"
        ),
    );
    let (code, text) = stdout(&repo, &["check"]);
    assert_eq!(code, 1);
    // The message names the image whole on one line (besides the code frame's line), and no
    // line ends inside it.
    let whole = text.lines().filter(|l| l.contains(image)).count();
    assert!(whole >= 2, "{text}");
    for piece in [
        "very-long-service-",
        "platform-",
        "platform-team/",
        "internal/",
    ] {
        let split = text.lines().find(|l| l.trim_end().ends_with(piece));
        assert!(split.is_none(), "split at `{piece}`: {split:?}\n{text}");
    }
}

#[test]
fn json_summary_errors_counts_the_errors_array() {
    let repo = many(1);
    let (_, json) = repo.check_json(&[]);
    let s = &json["summary"];
    assert_eq!(s["errors"], 0, "{json}");
    assert_eq!(s["error_findings"], 2);
    assert_eq!(s["warnings"], 0);
    assert_eq!(s["findings"], 2);
    // A damaged object: one entry in `errors`, and `summary.errors` says 1.
    repo.stage(
        "broken.yaml",
        "apiVersion: v1\nkind: ConfigMap\n".repeat(200),
    );
    let oid = common::git_ok(repo.path(), &["rev-parse", ":broken.yaml"]);
    let path = repo.join(&format!(".git/objects/{}/{}", &oid[..2], &oid[2..]));
    let mut perms = std::fs::metadata(&path).expect("object").permissions();
    #[allow(clippy::permissions_set_readonly_false)]
    perms.set_readonly(false);
    std::fs::set_permissions(&path, perms).expect("chmod");
    let bytes = std::fs::read(&path).expect("read object");
    std::fs::write(&path, &bytes[..bytes.len() / 2]).expect("truncate");
    let (code, json) = repo.check_json(&[]);
    assert_eq!(code, 2);
    assert_eq!(json["errors"].as_array().map(Vec::len), Some(1), "{json}");
    assert_eq!(json["summary"]["errors"], 1, "{json}");
    assert_eq!(json["summary"]["error_findings"], 2, "{json}");
}

#[test]
fn verbose_lists_excluded_files() {
    let repo = many(1);
    repo.stage(".gitops-guard.yaml", "exclude: [\"apps/web*.yaml\"]\n");
    let out = repo
        .cmd()
        .args(["check", "-v", "--format", "json"])
        .output()
        .expect("run");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("excluded apps/web0.yaml: matches `exclude` in the configuration"),
        "{err}"
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(findings(&json), [f("GG101", "apps/db.yaml", 1)]);
    let out = repo.cmd().args(["check"]).output().expect("run");
    assert!(!String::from_utf8_lossy(&out.stderr).contains("excluded"));
}

#[test]
fn verbose_lists_images_allowed_by_the_configuration() {
    let repo = many(2);
    repo.stage(
        ".gitops-guard.yaml",
        "images:\n  allow: [\"docker.io/library/nginx\"]\n",
    );
    let out = repo
        .cmd()
        .args(["check", "-v", "--format", "json"])
        .output()
        .expect("run");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        err.lines()
            .filter(|l| l.starts_with("allowed image"))
            .collect::<Vec<_>>(),
        ["allowed image nginx: matches `docker.io/library/nginx` in `images.allow`"],
        "{err}"
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(findings(&json), [f("GG101", "apps/db.yaml", 1)]);
    let out = repo.cmd().args(["check"]).output().expect("run");
    assert!(!String::from_utf8_lossy(&out.stderr).contains("allowed image"));
}

#[test]
fn sarif_is_valid_and_has_what_code_scanning_uses() {
    let repo = many(1);
    repo.stage(
        "charts/app/Chart.yaml",
        "apiVersion: v2\nname: app\nversion: 1.0.0\n",
    );
    let (_, text) = stdout(&repo, &["check", "--format", "sarif"]);
    let sarif: serde_json::Value = serde_json::from_str(&text).expect("json");
    let schema_path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/schemas/sarif-schema-2.1.0.json");
    let schema: serde_json::Value =
        serde_json::from_slice(&std::fs::read(schema_path).expect("schema")).expect("schema json");
    let validator = jsonschema::validator_for(&schema).expect("schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(&sarif)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    let run = &sarif["runs"][0];
    let rules = run["tool"]["driver"]["rules"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let rule = |id: &str| {
        rules
            .iter()
            .find(|r| r["id"] == id)
            .cloned()
            .unwrap_or_default()
    };
    assert_eq!(rule("GG101")["properties"]["security-severity"], "9.0");
    assert_eq!(rule("GG201")["properties"]["security-severity"], "5.0");
    assert_eq!(rule("GG301")["properties"]["security-severity"], "3.0");
    assert_eq!(
        rule("GG101")["properties"]["tags"],
        serde_json::json!(["security", "secrets"])
    );
    assert_eq!(
        rule("GG301")["properties"]["tags"],
        serde_json::json!(["maintainability", "layout"])
    );
    let results = run["results"].as_array().cloned().unwrap_or_default();
    assert_eq!(results.len(), 2);
    for r in &results {
        let fp = r["partialFingerprints"]["gitopsGuard/v1"]
            .as_str()
            .unwrap_or_default();
        assert!(
            fp.len() == 16 && fp.bytes().all(|b| b.is_ascii_hexdigit()),
            "{r}"
        );
        // Fixes are not text replacements in place (see report/sarif.rs): none is claimed.
        assert!(r.get("fixes").is_none(), "{r}");
    }
}

#[test]
fn sarif_fingerprints_ignore_line_moves() {
    let repo = many(1);
    let fp = |repo: &TestRepo| {
        let (_, text) = stdout(repo, &["check", "--format", "sarif", "apps/web0.yaml"]);
        let sarif: serde_json::Value = serde_json::from_str(&text).expect("json");
        sarif["runs"][0]["results"][0]["partialFingerprints"]["gitopsGuard/v1"].clone()
    };
    let before = fp(&repo);
    let text = std::fs::read_to_string(repo.join("apps/web0.yaml")).unwrap_or_default();
    repo.stage("apps/web0.yaml", format!("# moved down\n\n{text}"));
    assert_eq!(fp(&repo), before);
    repo.stage("apps/web0.yaml", text.replace("nginx:latest", "nginx:edge"));
    assert_ne!(fp(&repo), before);
}
