//! Nothing leaks: every output format and every error path, over a corpus of Secrets whose
//! values are unique markers. No marker (decoded or base64) may appear in stdout, stderr, or
//! any file the tool creates or changes outside the values store.

mod common;

use base64::Engine as _;
use common::TestRepo;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn b64(s: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(s)
}

/// Every marker value used in the corpus (decoded form).
const MARKERS: &[&str] = &[
    "MRKplainA01",
    "MRKdecodedB02",
    "MRKblockC03",
    "MRKblockC04",
    "MRKfoldedC05",
    "MRKflowD06",
    "MRKquotedD07",
    "MRKjsonE08",
    "MRKjsonE09",
    "MRKlistF10",
    "MRKlistF11",
    "MRKgenG12",
    "MRKgenG13",
    "MRKbrokenH14",
    "MRKbadbase64I15",
    "MRKtmplJ16",
    "MRKconflictK17",
    "MRKpartialL18",
    "MRKpartialL19",
    "MRKsingleM20",
    "MRKfileN21",
    "MRKsopsO22",
    "MRKsopsencP23",
    "MRKsopsenvQ24",
    "MRKpemR25",
    "MRKb64pemS26",
    "MRKjsonpemT27",
    "MRKvaluesU28",
    "MRKenvpairV29",
    "MRKargoW30",
    "MRKargoqX31",
    "MRKgenenvY32",
    "MRKsecretpemZ33",
];

/// A private key block whose body holds `marker` (and enough other base64 to be key
/// material).
fn key_with(label: &str, marker: &str) -> String {
    let filler = "Q2hhbmdlZCBrZXkgbWF0ZXJpYWwgZm9yIHRlc3RzIG9ubHkgMDEyMzQ1Njc4OSsv";
    format!(
        "-----BEGIN {label}-----\n{filler}\n{marker}{filler}\n{filler}\n-----END {label}-----\n"
    )
}

/// Files for GG104-GG106 (issue 14): values found by those rules, with a marker each.
fn hidden_secrets() -> Vec<(&'static str, String)> {
    let meta = "sops:\n  mac: ENC[AES256_GCM,data:m,type:str]\n  lastmodified: \"2026-01-01T00:00:00Z\"\n  encrypted_regex: ^(data|stringData)$\n  version: 3.9.4\n";
    vec![
        (
            ".sops.yaml",
            "creation_rules:\n  - path_regex: ^sops/.*\\.yaml$\n    encrypted_regex: ^(data|stringData)$\n    age: age1example\n  - path_regex: ^sops/\n    age: age1example\n".to_string(),
        ),
        (
            "sops/creds.json",
            "{\"db\": {\"host\": \"db\", \"token\": \"MRKsopsO22\"}}\n".to_string(),
        ),
        (
            "sops/enc.yaml",
            format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: e\ndata:\n  a: ENC[AES256_GCM,data:x,type:str]\n  added: MRKsopsencP23\n{meta}"),
        ),
        ("sops/app.env", "TOKEN=MRKsopsenvQ24\n".to_string()),
        ("keys/id.pem", key_with("RSA PRIVATE KEY", "MRKpemR25")),
        (
            "apps/keycm.yaml",
            format!(
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: k\ndata:\n  key: {}\n",
                b64(&key_with("PRIVATE KEY", "MRKb64pemS26"))
            ),
        ),
        (
            "apps/key.json",
            format!(
                "{{\"key\": \"{}\"}}\n",
                key_with("EC PRIVATE KEY", "MRKjsonpemT27").replace('\n', "\\n")
            ),
        ),
        (
            "charts/app/Chart.yaml",
            "apiVersion: v2\nname: app\nversion: 1.0.0\n".to_string(),
        ),
        (
            "charts/app/values.yaml",
            "image: nginx\ndb:\n  password: MRKvaluesU28\nenv:\n- name: DB_PASSWORD\n  value: MRKenvpairV29\nsidecar:\n  image: busybox\n".to_string(),
        ),
        (
            "argo/app.yaml",
            "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: a\nspec:\n  source:\n    helm:\n      values: |\n        image: nginx\n        adminPassword: MRKargoW30\n  sources:\n  - helm:\n      values: \"adminPassword: MRKargoqX31\\nimage: busybox\\n\"\n".to_string(),
        ),
        ("apps/db.env", "DB_PASSWORD=MRKgenenvY32\n".to_string()),
        (
            "apps/tls.yaml",
            format!(
                "apiVersion: v1\nkind: Secret\nmetadata: {{name: tls, namespace: apps}}\ntype: kubernetes.io/tls\ndata:\n  tls.key: {}\n",
                b64(&key_with("RSA PRIVATE KEY", "MRKsecretpemZ33"))
            ),
        ),
    ]
}

/// The forms a marker could leak in: itself, its base64 (whole and without padding), and
/// its base64 as it would appear at any alignment inside a longer value.
fn forms(m: &str) -> Vec<String> {
    let mut out = vec![m.to_string()];
    let enc = b64(m);
    out.push(enc.trim_end_matches('=').to_string());
    for pad in ["x", "xx"] {
        let shifted = b64(&format!("{pad}{m}"));
        // Skip the characters that encode the padding prefix.
        out.push(shifted[4..shifted.len() - 4].to_string());
    }
    out
}

fn corpus(repo: &TestRepo) {
    let files: Vec<(&str, String)> = vec![
        (
            "apps/plain.yaml",
            format!(
                "apiVersion: v1\nkind: Secret\nmetadata:\n  name: plain\n  namespace: apps\ntype: Opaque\nstringData:\n  token: MRKplainA01\n  single: 'MRKsingleM20'\ndata:\n  password: {}\n",
                b64("MRKdecodedB02")
            ),
        ),
        (
            "apps/block.yaml",
            "# Source: chart/templates/secret.yaml\napiVersion: v1\nkind: Secret\nmetadata: {name: block, namespace: apps}\nstringData:\n  cert: |\n    MRKblockC03\n    MRKblockC04\n  folded: >-\n    MRKfoldedC05\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: keep}\n".to_string(),
        ),
        (
            "apps/flow.yaml",
            "{apiVersion: v1, kind: Secret, metadata: {name: flow, namespace: apps}, stringData: {k: MRKflowD06, \"q\": \"MRKquotedD07\"}}\n".to_string(),
        ),
        (
            "apps/json.json",
            format!(
                "{{\"apiVersion\": \"v1\", \"kind\": \"Secret\", \"metadata\": {{\"name\": \"json\", \"namespace\": \"apps\"}},\n \"data\": {{\"k\": \"{}\"}}, \"stringData\": {{\"s\": \"MRKjsonE09\"}}}}\n",
                b64("MRKjsonE08")
            ),
        ),
        (
            "apps/list.yaml",
            format!(
                "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Secret\n  metadata: {{name: l1, namespace: apps}}\n  stringData: {{k: MRKlistF10}}\n- apiVersion: v1\n  kind: Secret\n  metadata: {{name: l2, namespace: apps}}\n  data:\n    k: {}\n",
                b64("MRKlistF11")
            ),
        ),
        (
            "apps/kustomization.yaml",
            "secretGenerator:\n- name: gen\n  literals:\n  - K=MRKgenG12\n  - \"P=MRKgenG13\"\n  envs:\n  - db.env\n".to_string(),
        ),
        (
            "apps/broken.yaml",
            "apiVersion: v1\nkind: Secret\nmetadata: {name: broken}\nstringData:\n  a: MRKbrokenH14\n  bad: [x\n".to_string(),
        ),
        (
            "apps/badb64.yaml",
            "apiVersion: v1\nkind: Secret\nmetadata: {name: badb64, namespace: apps}\ndata:\n  k: \"MRKbadbase64I15!!\"\n".to_string(),
        ),
        (
            "chart/templates/tmpl.yaml",
            "apiVersion: v1\nkind: Secret\nmetadata: {name: tmpl}\nstringData:\n  a: MRKtmplJ16\n  b: {{ .Values.b | quote }}\n".to_string(),
        ),
        (
            "apps/conflict.yaml",
            "apiVersion: v1\nkind: Secret\nmetadata: {name: conflict, namespace: apps}\nstringData:\n  token: MRKconflictK17\n".to_string(),
        ),
        (
            "apps/partial.yaml",
            "apiVersion: v1\nkind: Secret\nmetadata: {name: partial, namespace: apps}\nstringData:\n  token: MRKpartialL18\n".to_string(),
        ),
        (
            "apps/generic.yaml",
            "apiVersion: v1\nkind: Secret\nmetadata: {name: file, namespace: apps}\nstringData:\n  config.env: \"A=MRKfileN21\\nB=2\\n\"\n".to_string(),
        ),
    ];
    for (path, text) in files.iter().chain(hidden_secrets().iter()) {
        repo.stage(path, text);
    }
    // Unstaged work on a staged Secret: --fix must refuse it.
    repo.write(
        "apps/partial.yaml",
        "apiVersion: v1\nkind: Secret\nmetadata: {name: partial, namespace: apps}\nstringData:\n  token: MRKpartialL19\n",
    );
}

/// Every file under `dir` with its content.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            let Ok(ft) = e.file_type() else { continue };
            if ft.is_dir() {
                stack.push(p);
            } else if ft.is_file() {
                out.insert(p.clone(), std::fs::read(&p).unwrap_or_default());
            }
        }
    }
    out
}

struct Checker {
    forms: Vec<(String, String)>,
    values_dirs: Vec<PathBuf>,
}

impl Checker {
    fn new(values_dirs: Vec<PathBuf>) -> Checker {
        let forms = MARKERS
            .iter()
            .flat_map(|m| forms(m).into_iter().map(|f| (m.to_string(), f)))
            .collect();
        Checker { forms, values_dirs }
    }

    /// The first marker found in `bytes`, and the form it was found in.
    fn find(&self, bytes: &[u8]) -> Option<(&str, &str)> {
        let text = String::from_utf8_lossy(bytes);
        self.forms
            .iter()
            .find(|(_, form)| text.contains(form.as_str()))
            .map(|(m, f)| (m.as_str(), f.as_str()))
    }

    fn assert_clean(&self, what: &str, bytes: &[u8]) {
        if let Some((m, form)) = self.find(bytes) {
            panic!(
                "{what}: `{m}` leaked (as `{form}`):\n{}",
                String::from_utf8_lossy(bytes)
            );
        }
    }

    /// Runs the command and checks its output and every file it created or changed.
    fn run(&self, repo: &TestRepo, args: &[&str]) -> std::process::Output {
        let before = snapshot(repo.path());
        let out = repo.cmd().args(args).output().expect("run");
        let code = out.status.code();
        assert!(
            matches!(code, Some(0..=2)),
            "{args:?}: exit {code:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        self.assert_clean(&format!("stdout of {args:?}"), &out.stdout);
        self.assert_clean(&format!("stderr of {args:?}"), &out.stderr);
        for (path, bytes) in snapshot(repo.path()) {
            if self.values_dirs.iter().any(|d| path.starts_with(d)) {
                continue;
            }
            if before.get(&path) != Some(&bytes) {
                self.assert_clean(&format!("{} after {args:?}", path.display()), &bytes);
            }
        }
        out
    }
}

/// The output formats the binary offers (the `Possible values` of `--format` in `--help`,
/// so formats added later are covered without editing this test).
fn formats(repo: &TestRepo) -> Vec<String> {
    let out = repo
        .cmd()
        .args(["check", "--help"])
        .output()
        .expect("run --help");
    let help = String::from_utf8_lossy(&out.stdout);
    let section = help
        .split("--format")
        .nth(1)
        .and_then(|s| s.split("[default").next())
        .unwrap_or_default();
    let found: Vec<String> = section
        .lines()
        .filter_map(|l| l.trim().strip_prefix("- "))
        .filter_map(|l| l.split(':').next())
        .map(|f| f.trim().to_string())
        .collect();
    assert!(found.contains(&"json".to_string()), "{help}");
    assert!(found.contains(&"human".to_string()), "{help}");
    found
}

#[test]
fn no_marker_reaches_any_output_or_file() {
    let repo = TestRepo::new();
    corpus(&repo);
    let values = repo.path().join(".git/gitops-guard/secrets");
    let alt_values = repo.path().join("alt-values");
    let checker = Checker::new(vec![values.clone(), alt_values.clone()]);
    // The detector sees markers in every form the corpus holds them (base64 only, here).
    let list = std::fs::read(repo.join("apps/list.yaml")).unwrap();
    assert_eq!(
        checker
            .find(list.get(list.len() - 20..).unwrap_or_default())
            .map(|x| x.0),
        Some("MRKlistF11")
    );

    // A stored value that differs from the Secret's: a values conflict for `conflict`.
    std::fs::create_dir_all(values.join("apps")).unwrap();
    std::fs::write(
        values.join("apps/conflict.json"),
        "{\n  \"token\": \"something-else\"\n}\n",
    )
    .unwrap();

    for format in formats(&repo) {
        for extra in [&[][..], &["-v"][..], &["--all"][..], &["--exit-zero"][..]] {
            let mut args = vec!["check", "--format", format.as_str()];
            args.extend_from_slice(extra);
            let out = checker.run(&repo, &args);
            assert_eq!(
                out.status.code(),
                Some(if extra == ["--exit-zero"] { 0 } else { 1 }),
                "{args:?}"
            );
        }
        // Explicit paths, including the broken and templated ones.
        checker.run(
            &repo,
            &["check", "--format", &format, "apps/broken.yaml", "chart"],
        );
        // An unreadable configuration (exit 2) and a configuration that is a folder.
        repo.write("bad-config.yaml", "rules: {GG101: [unclosed\n");
        let out = checker.run(
            &repo,
            &["check", "--format", &format, "--config", "bad-config.yaml"],
        );
        assert_eq!(out.status.code(), Some(2));
        checker.run(&repo, &["check", "--format", &format, "--config", "apps"]);
        // Only the image rules: their code frames still mask what GG104-GG106 find.
        let out = checker.run(&repo, &["check", "--format", &format, "--select", "GG202"]);
        assert_eq!(out.status.code(), Some(1), "{format}");
    }

    // --fix into an unwritable values folder (a file): nothing changes, nothing leaks.
    repo.write("values-file", "x");
    let out = checker.run(&repo, &["check", "--fix", "--values-dir", "values-file"]);
    assert_eq!(out.status.code(), Some(2));

    // --fix for real, in every format: conversion, invalid base64, templated Secret, values
    // conflict, partial staging refusal, parse error, all in one run.
    let out = checker.run(&repo, &["check", "--fix", "--format", "json"]);
    let err = String::from_utf8_lossy(&out.stderr);
    for needle in [
        "apps/partial.yaml",
        "apps/conflict.yaml",
        "apps/badb64.yaml",
    ] {
        assert!(err.contains(needle), "`{needle}` not reported:\n{err}");
    }
    // Converted Secrets lost nothing: their values are in the store.
    let store = snapshot(&values);
    let stored: String = store
        .values()
        .map(|b| String::from_utf8_lossy(b).into_owned())
        .collect();
    for m in [
        "MRKplainA01",
        "MRKdecodedB02",
        "MRKflowD06",
        "MRKjsonE08",
        "MRKlistF11",
    ] {
        assert!(stored.contains(m), "`{m}` not saved:\n{stored}");
    }
    secrets_commands(&repo, &checker, &values);

    for format in formats(&repo) {
        // A second run (already fixed, unstaged) and a run into another values folder.
        checker.run(&repo, &["check", "--fix", "--format", &format]);
        checker.run(
            &repo,
            &[
                "check",
                "--fix",
                "--format",
                &format,
                "--values-dir",
                "alt-values",
            ],
        );
    }
}

/// `gitops-guard secrets ...` after the fix: listings, reminders and scripts name keys, never
/// values; the values appear only in the 0600 files `export --format yaml|json --out` writes.
fn secrets_commands(repo: &TestRepo, checker: &Checker, values: &Path) {
    // The reminder of `check` (human output only).
    let out = checker.run(repo, &["check"]);
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("saved Secrets with plaintext values wait"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for format in ["human", "json"] {
        let out = checker.run(repo, &["secrets", "list", "--format", format]);
        assert_eq!(out.status.code(), Some(0), "list {format}");
    }
    let outside = tempfile::tempdir().expect("tempdir");
    for format in ["vault", "aws", "gcp", "azure"] {
        // gcp and azure refuse the `<namespace>/<name>` keys of the default naming (exit 2).
        let out = checker.run(repo, &["secrets", "export", "--format", format]);
        assert!(matches!(out.status.code(), Some(0 | 2)), "{format}");
        let script = outside.path().join(format!("load-{format}.sh"));
        let path = script.to_str().expect("utf-8");
        checker.run(
            repo,
            &["secrets", "export", "--format", format, "--out", path],
        );
        if let Ok(bytes) = std::fs::read(&script) {
            checker.assert_clean(&format!("the {format} script"), &bytes);
        }
    }
    // yaml and json: refused without --out or inside the work tree, written 0600 outside it.
    for format in ["yaml", "json"] {
        for extra in [&[][..], &["--out", "-"][..], &["--out", "dump.txt"][..]] {
            let mut args = vec!["secrets", "export", "--format", format];
            args.extend_from_slice(extra);
            let out = checker.run(repo, &args);
            assert_eq!(out.status.code(), Some(2), "{args:?}");
        }
        let file = outside.path().join(format!("secrets.{format}"));
        let out = checker.run(
            repo,
            &[
                "secrets",
                "export",
                "--format",
                format,
                "--out",
                file.to_str().expect("utf-8"),
            ],
        );
        assert_eq!(
            out.status.code(),
            Some(0),
            "{format}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let bytes = std::fs::read(&file).expect("the export file");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&file).expect("stat").permissions().mode() & 0o777;
            assert_eq!(mode, 0o600, "{format}");
        }
        // The values are there, and only there.
        for m in [
            "MRKplainA01",
            "MRKdecodedB02",
            "MRKflowD06",
            "MRKjsonE08",
            "MRKlistF11",
        ] {
            let found = forms(m)
                .iter()
                .any(|f| String::from_utf8_lossy(&bytes).contains(f.as_str()));
            assert!(found, "{format}: `{m}` is not in the export");
        }
    }
    // Forgetting, one and then all: nothing printed but ids and paths.
    checker.run(repo, &["secrets", "forget", "apps/plain"]);
    assert!(!values.join("apps/plain.json").exists());
    checker.run(repo, &["secrets", "forget", "--all"]);
    assert!(!values.exists());
}

#[test]
fn secret_generator_literals_without_a_key_are_never_repeated() {
    // A literal with no `KEY=` (or typed `key:value`) may be the value itself: GG102 used to
    // quote everything before the first `=`, which was the whole literal.
    let repo = TestRepo::new();
    repo.write(
        "kustomization.yaml",
        "secretGenerator:\n- name: s\n  literals:\n  - hunter2-bare-marker\n  - password:hunter2-colon-marker\n  - TOKEN=hunter2-keyed-marker\n",
    );
    repo.git(&["add", "-A"]);
    for format in ["human", "concise", "json", "sarif", "github"] {
        let out = repo
            .cmd()
            .args(["check", "--format", format])
            .output()
            .expect("run");
        assert_eq!(out.status.code(), Some(1), "{format}");
        let all = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(all.contains("GG102"), "{format}: {all}");
        assert!(all.contains("TOKEN"), "{format}: the key is named: {all}");
        for marker in [
            "hunter2-bare-marker",
            "hunter2-colon-marker",
            "hunter2-keyed-marker",
        ] {
            for form in forms(marker) {
                assert!(!all.contains(&form), "{format} leaked {marker}: {all}");
            }
        }
    }
}

#[test]
fn no_marker_reaches_any_report() {
    // `report` lists Secrets by name and key: every format, every source, and `--range`
    // over the commit that adds them and the one that removes one.
    let repo = TestRepo::new();
    repo.stage("README.md", "base\n");
    repo.commit("base");
    corpus(&repo);
    repo.commit("secrets");
    repo.git(&["rm", "-q", "apps/flow.yaml"]);
    repo.commit("no flow");
    let checker = Checker::new(Vec::new());
    let sources: [&[&str]; 5] = [
        &[],
        &["--rev", "HEAD"],
        &["--no-git", "apps"],
        &["--range", "HEAD~2..HEAD~1"],
        &["--range", "HEAD~1..HEAD"],
    ];
    for format in ["markdown", "json", "html"] {
        for source in sources {
            if format == "html" && source.first() == Some(&"--range") {
                continue;
            }
            let mut args = vec!["report", "--format", format];
            args.extend_from_slice(source);
            let out = checker.run(&repo, &args);
            assert_eq!(out.status.code(), Some(0), "{args:?}");
            let text = String::from_utf8_lossy(&out.stdout);
            // Not vacuous: the Secrets are there, by name and key.
            if source.is_empty() || source[0] == "--rev" {
                for needle in ["plain", "token", "password", "json", "l2"] {
                    assert!(
                        text.contains(needle),
                        "{args:?}: `{needle}` missing:\n{text}"
                    );
                }
            }
        }
    }
    checker.run(&repo, &["report", "--out", "inventory"]);
    checker.run(
        &repo,
        &["report", "--range", "HEAD~1..HEAD", "--out", "changes"],
    );
    let json = std::fs::read_to_string(repo.join("changes/report.json")).unwrap_or_default();
    assert!(json.contains("\"flow\""), "{json}");
}

/// A finding about a whole file (GG301 off-layout) points at no line, so the human report
/// shows no lines of the file: a `.env` or an `.npmrc` nobody scans for values would
/// otherwise print its first lines, credentials included.
#[test]
fn a_whole_file_finding_shows_no_lines_of_the_file() {
    let repo = TestRepo::new();
    // A Jenkins X layout, so the files at the top are off it.
    repo.stage(
        "config-root/namespaces/jx/app/app-cm.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\n",
    );
    repo.stage(".env", "DB_PASSWORD=MRKdotenvWF1\nAPI_KEY=MRKdotenvWF2\n");
    repo.stage(
        ".npmrc",
        "//npm.example.com/:_authToken=MRKnpmrcWF3\nalways-auth=true\n",
    );
    let out = repo.cmd().arg("check").output().expect("runs");
    let text = common::output_text(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    for marker in ["MRKdotenvWF1", "MRKdotenvWF2", "MRKnpmrcWF3"] {
        assert!(!text.contains(marker), "{marker} shown:\n{text}");
    }
    for path in [".env", ".npmrc"] {
        assert!(text.contains(&format!("  at {path}\n")), "{text}");
    }
    assert_eq!(text.matches("GG301 off-layout").count(), 2, "{text}");
}
