//! End-to-end tests of the foundation: what "staged" means, the document model as seen
//! through GG101/GG102/GG001, output formats, configuration, suppressions, exit codes.

mod common;

use common::{TestRepo, f, findings};

const SECRET: &str = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\n  namespace: apps\nstringData:\n  password: hunter2-marker-a1\n";
const CONFIGMAP: &str = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\ndata:\n  a: b\n";

#[test]
fn staged_secret_is_refused_and_clean_index_passes() {
    let repo = TestRepo::new();
    repo.stage("apps/cm.yaml", CONFIGMAP);
    let (code, json) = repo.check_json(&[]);
    assert_eq!(code, 0, "{json}");
    assert_eq!(findings(&json), vec![]);
    repo.stage("apps/db.yaml", SECRET);
    let (code, json) = repo.check_json(&[]);
    assert_eq!(code, 1);
    assert_eq!(findings(&json), vec![f("GG101", "apps/db.yaml", 1)]);
    let finding = &json["findings"][0];
    assert_eq!(finding["rule"], "raw-secret");
    assert_eq!(finding["severity"], "error");
    assert_eq!(finding["end_line"], 7);
    assert_eq!(finding["fixable"], true);
    assert_eq!(json["summary"]["files_scanned"], 2);
}

#[test]
fn staged_content_wins_over_worktree_both_ways() {
    let repo = TestRepo::new();
    // Staged Secret, then edited away in the working tree: still refused.
    repo.stage("s.yaml", SECRET);
    repo.write("s.yaml", CONFIGMAP);
    // Staged ConfigMap, then a Secret added to the working tree only: not refused.
    repo.stage("c.yaml", CONFIGMAP);
    repo.write("c.yaml", SECRET);
    let (code, json) = repo.check_json(&[]);
    assert_eq!(code, 1);
    assert_eq!(findings(&json), vec![f("GG101", "s.yaml", 1)]);
}

#[test]
fn only_changes_relative_to_head_are_scanned() {
    let repo = TestRepo::new();
    repo.stage("old.yaml", SECRET);
    repo.stage("keep.yaml", CONFIGMAP);
    repo.commit("base");
    // Rename the committed Secret, delete nothing else; modify the ConfigMap.
    std::fs::create_dir_all(repo.join("moved")).unwrap();
    repo.git(&["mv", "old.yaml", "moved/new.yaml"]);
    repo.stage("keep.yaml", format!("{CONFIGMAP}  c: d\n"));
    let (code, json) = repo.check_json(&[]);
    assert_eq!(code, 1);
    assert_eq!(findings(&json), vec![f("GG101", "moved/new.yaml", 1)]);
    assert_eq!(json["summary"]["files_scanned"], 2);
    // Deleting the Secret is always allowed.
    repo.git(&["rm", "-q", "-f", "moved/new.yaml"]);
    let (code, json) = repo.check_json(&[]);
    assert_eq!(code, 0, "{json}");
    // --all scans the whole index (the committed Secret was removed from it).
    repo.stage("other.yaml", SECRET);
    repo.commit("again");
    let (code, json) = repo.check_json(&["--all"]);
    assert_eq!(code, 1);
    assert_eq!(findings(&json), vec![f("GG101", "other.yaml", 1)]);
}

#[test]
fn temporary_index_file_is_honoured() {
    let repo = TestRepo::new();
    repo.stage("cm.yaml", CONFIGMAP);
    repo.commit("base");
    // What `git commit -a` does: a temporary index holding the worktree content.
    repo.write("cm.yaml", SECRET);
    let tmp_index = repo.join(".git/index.tmp");
    std::fs::copy(repo.join(".git/index"), &tmp_index).unwrap();
    let add = common::git_cmd(repo.path())
        .args(["add", "cm.yaml"])
        .env("GIT_INDEX_FILE", &tmp_index)
        .status();
    assert!(add.unwrap().success());
    let (code, _) = repo.check_json(&[]);
    assert_eq!(code, 0, "the real index has nothing staged");
    let (code, json) = common::run_json(repo.cmd().arg("check").env("GIT_INDEX_FILE", &tmp_index));
    assert_eq!(code, 1);
    assert_eq!(findings(&json), vec![f("GG101", "cm.yaml", 1)]);
}

#[test]
fn subdirectory_and_explicit_paths() {
    let repo = TestRepo::new();
    repo.stage("a/s.yaml", SECRET);
    repo.stage("b/s.yaml", SECRET);
    let (code, json) = common::run_json(repo.cmd_in(&repo.join("a")).arg("check"));
    assert_eq!(code, 1);
    // Paths are always relative to the repository root.
    assert_eq!(
        findings(&json),
        vec![f("GG101", "a/s.yaml", 1), f("GG101", "b/s.yaml", 1)]
    );
    let (_, json) = common::run_json(repo.cmd_in(&repo.join("a")).args(["check", "s.yaml"]));
    assert_eq!(findings(&json), vec![f("GG101", "a/s.yaml", 1)]);
    let (_, json) = repo.check_json(&["b"]);
    assert_eq!(findings(&json), vec![f("GG101", "b/s.yaml", 1)]);
}

#[test]
fn no_repository_is_exit_2() {
    let out = common::NotARepo::new().cmd().arg("check").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("not inside a git repository"), "{err}");
}

#[test]
fn document_model_cases() {
    let repo = TestRepo::new();
    // Second document, kind after data, flow style, CRLF + BOM, List, JSON.
    repo.stage(
        "multi.yaml",
        format!("{CONFIGMAP}--- # the secret\n# Source: chart/templates/s.yaml\napiVersion: v1\ndata:\n  tls.key: a2V5LW1hcmtlci1iMg==\nkind: Secret\nmetadata: {{name: certs}}\n"),
    );
    repo.stage(
        "flow.yaml",
        "{apiVersion: v1, kind: Secret, metadata: {name: f}, data: {token: dG9rZW4tbWFya2VyLWMz}}\n",
    );
    repo.stage(
        "crlf.yaml",
        "\u{feff}apiVersion: v1\r\nkind: ConfigMap\r\nmetadata:\r\n  name: x\r\n---\r\napiVersion: v1\r\nkind: Secret\r\nmetadata:\r\n  name: y\r\nstringData:\r\n  p: crlf-marker-d4\r\n",
    );
    repo.stage(
        "list.yaml",
        "apiVersion: v1\nkind: List\nitems:\n  - apiVersion: v1\n    kind: ConfigMap\n    metadata: {name: a}\n  - apiVersion: v1\n    kind: Secret\n    metadata: {name: inner}\n    data: {token: bGlzdC1tYXJrZXItZTU=}\n",
    );
    repo.stage(
        "s.json",
        "{\n\t\"apiVersion\": \"v1\",\n\t\"kind\": \"Secret\",\n\t\"metadata\": {\"name\": \"j\"},\n\t\"stringData\": {\"k\": \"json-marker-f6\"}\n}\n",
    );
    let (code, json) = repo.check_json(&[]);
    assert_eq!(code, 1);
    assert_eq!(
        findings(&json),
        vec![
            f("GG101", "crlf.yaml", 6),
            f("GG101", "flow.yaml", 1),
            f("GG101", "list.yaml", 7),
            f("GG101", "multi.yaml", 9),
            f("GG101", "s.json", 1),
        ]
    );
}

#[test]
fn not_raw_secrets() {
    let repo = TestRepo::new();
    let cases = [
        // No keys (Jenkins X commits these).
        (
            "empty.yaml",
            "apiVersion: v1\nkind: Secret\nmetadata: {name: webhook-certs}\n",
        ),
        (
            "emptyvals.yaml",
            "apiVersion: v1\nkind: Secret\nmetadata: {name: e}\ndata: {}\n",
        ),
        (
            "sealed.yaml",
            "apiVersion: bitnami.com/v1alpha1\nkind: SealedSecret\nmetadata: {name: s}\nspec:\n  encryptedData:\n    password: AgBzZWFsZWQ=\n",
        ),
        (
            "es.yaml",
            "apiVersion: external-secrets.io/v1\nkind: ExternalSecret\nmetadata: {name: b}\nspec:\n  target:\n    template:\n      data:\n        resources.yaml: |\n          kind: Secret\n          stringData: {token: \"{{ .token }}\"}\n  data:\n    - secretKey: token\n      remoteRef: {key: b, property: token}\n",
        ),
        (
            "crossplane.yaml",
            "apiVersion: example.crossplane.io/v1\nkind: Secret\nmetadata: {name: x}\ndata: {a: b}\n",
        ),
        (
            "comment.yaml",
            "# kind: Secret\n# data: {password: aGk=}\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n",
        ),
        (
            "excluded.yaml",
            "apiVersion: v1\nkind: Secret\nmetadata:\n  name: x\n  annotations:\n    secret.jenkins-x.io/convert-exclude: \"true\"\nstringData: {a: b}\n",
        ),
        (
            "sops.yaml",
            "apiVersion: v1\nkind: Secret\nmetadata: {name: db}\nstringData:\n  password: ENC[AES256_GCM,data:Tr7o,iv:x,tag:y,type:str]\nsops:\n  mac: ENC[AES256_GCM,data:z]\n",
        ),
        (
            "chart/templates/secret.yaml",
            "apiVersion: v1\nkind: Secret\nmetadata:\n  name: {{ include \"app.fullname\" . }}\ndata:\n  password: {{ .Values.db.password | b64enc | quote }}\n",
        ),
        (
            "tpl.yaml",
            "apiVersion: v1\nkind: Secret\nmetadata:\n  name: t\nstringData:\n  password: \"{{ .Values.password }}\"\n",
        ),
    ];
    for (path, text) in cases {
        repo.stage(path, text);
    }
    let (code, json) = repo.check_json(&[]);
    assert_eq!(findings(&json), vec![], "{json:#}");
    assert_eq!(code, 0);
    // The opt-out is shown as allowed in verbose output.
    let out = repo.cmd().args(["check", "-v"]).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("excluded.yaml") && err.contains("convert-exclude"),
        "{err}"
    );
}

#[test]
fn secret_generator_literals() {
    let repo = TestRepo::new();
    repo.stage(
        "overlays/prod/kustomization.yaml",
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nsecretGenerator:\n  - name: api\n    literals:\n      - DB_PASSWORD=gen-marker-g7\n      - API_KEY=gen-marker-h8\n    envs: [secrets.env]\n",
    );
    let (code, json) = repo.check_json(&[]);
    assert_eq!(code, 1);
    assert_eq!(
        findings(&json),
        vec![
            f("GG102", "overlays/prod/kustomization.yaml", 6),
            f("GG102", "overlays/prod/kustomization.yaml", 7),
        ]
    );
}

#[test]
fn malformed_yaml_is_reported_and_scan_goes_on() {
    let repo = TestRepo::new();
    repo.stage(
        "bad.yaml",
        format!("{CONFIGMAP}---\napiVersion: v1\nkind: ConfigMap\ndata: {{a: [1\n---\n{SECRET}"),
    );
    repo.stage("ok.yaml", SECRET);
    let (code, json) = repo.check_json(&[]);
    assert_eq!(code, 1);
    let got = findings(&json);
    assert_eq!(got.len(), 3, "{json:#}");
    assert_eq!(got[0].0, "GG001");
    assert_eq!(got[0].1, "bad.yaml");
    assert!((9..=11).contains(&got[0].2), "{got:?}");
    assert_eq!(got[1], f("GG101", "bad.yaml", 12));
    assert_eq!(got[2], f("GG101", "ok.yaml", 1));
}

#[test]
fn alias_bomb_is_an_error_not_oom() {
    let repo = TestRepo::new();
    let mut bomb = String::from(
        "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n",
    );
    for (i, name) in ["b", "c", "d", "e", "f", "g", "h", "i"].iter().enumerate() {
        let prev = ["a", "b", "c", "d", "e", "f", "g", "h"][i];
        bomb.push_str(&format!(
            "{name}: &{name} [*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev}]\n"
        ));
    }
    repo.stage("bomb.yaml", bomb);
    let (code, json) = repo.check_json(&[]);
    assert_eq!(code, 1);
    let got = findings(&json);
    assert_eq!(got.len(), 1, "{json:#}");
    assert_eq!(
        (got[0].0.as_str(), got[0].1.as_str()),
        ("GG001", "bomb.yaml")
    );
    assert!(
        json["findings"][0]["message"]
            .as_str()
            .unwrap()
            .contains("alias")
    );
}

#[test]
fn skipped_entries_are_said_in_verbose() {
    let repo = TestRepo::new();
    repo.stage(
        "bin.yaml",
        b"apiVersion: v1\x00\x01kind: Secret\n".as_slice(),
    );
    repo.stage(
        "lfs.yaml",
        "version https://git-lfs.github.com/spec/v1\noid sha256:4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393\nsize 12345\n",
    );
    std::os::unix::fs::symlink("target.yaml", repo.join("link.yaml")).unwrap();
    repo.git(&["add", "link.yaml"]);
    let (code, json) = repo.check_json(&[]);
    assert_eq!(code, 0, "{json:#}");
    let out = repo.cmd().args(["check", "-v"]).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    for needle in [
        "bin.yaml: binary",
        "lfs.yaml: Git LFS pointer",
        "link.yaml: symbolic link",
    ] {
        assert!(err.contains(needle), "missing `{needle}` in {err}");
    }
}

#[test]
fn large_files_warn_and_non_utf8_is_reported() {
    let repo = TestRepo::new();
    repo.write(".gitops-guard.yaml", "max-file-size: 1KiB\n");
    repo.stage("big.yaml", format!("{CONFIGMAP}{}", "# pad\n".repeat(400)));
    repo.stage(
        "latin1.yaml",
        b"apiVersion: v1\nkind: ConfigMap\ndata: {a: \xe9t\xe9}\n".as_slice(),
    );
    let (code, json) = repo.check_json(&[]);
    assert_eq!(
        findings(&json),
        vec![f("GG003", "big.yaml", 1), f("GG001", "latin1.yaml", 3)]
    );
    assert_eq!(json["findings"][0]["severity"], "warning");
    assert_eq!(code, 1);
}

#[test]
fn suppressions_and_unused_ones() {
    let repo = TestRepo::new();
    repo.stage(
        "a.yaml",
        "# gitops-guard: ignore[GG101] values are dummies for the test cluster\napiVersion: v1\nkind: Secret\nmetadata: {name: a}\nstringData: {p: q}\n",
    );
    repo.stage(
        "b.yaml",
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: b\n  annotations:\n    ignore-check.gitops-guard.io/raw-secret: \"test fixture\"\nstringData: {p: q}\n",
    );
    repo.stage(
        "c.yaml",
        "apiVersion: v1 # gitops-guard: ignore[GG101]\nkind: ConfigMap\nmetadata: {name: c}\n---\n# gitops-guard: ignore-document[GG1O1]\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: d}\n",
    );
    let (code, json) = repo.check_json(&[]);
    assert_eq!(
        findings(&json),
        vec![f("GG004", "c.yaml", 1), f("GG005", "c.yaml", 5)]
    );
    assert_eq!(code, 0, "warnings do not fail the run");
}

#[test]
fn config_levels_excludes_and_errors() {
    let repo = TestRepo::new();
    repo.stage("s.yaml", SECRET);
    repo.stage("vendor/s.yaml", SECRET);
    repo.write(
        ".gitops-guard.yaml",
        "rules:\n  GG101: warning\nexclude: [\"vendor/**\"]\n",
    );
    let (code, json) = repo.check_json(&[]);
    assert_eq!(code, 0);
    assert_eq!(findings(&json), vec![f("GG101", "s.yaml", 1)]);
    assert_eq!(json["findings"][0]["severity"], "warning");
    repo.write(
        ".gitops-guard.yaml",
        "rules:\n  GG101: error\nunknown-key: 1\n",
    );
    let out = repo.cmd().arg("check").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(".gitops-guard.yaml:3") && err.contains("unknown-key"),
        "{err}"
    );
    let out = repo
        .cmd()
        .args(["check", "--isolated", "--ignore", "GG101"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn unborn_head_scans_every_entry_and_human_output_is_readable() {
    let repo = TestRepo::new();
    repo.stage("deep/in/s.yaml", SECRET);
    let out = repo.cmd().arg("check").output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    for needle in [
        "GG101 raw-secret",
        "deep/in/s.yaml:2:7",
        "raw Secret `db`",
        "--fix",
        "Found 1 error",
    ] {
        assert!(text.contains(needle), "missing `{needle}` in:\n{text}");
    }
    assert!(!text.contains("\u{1b}["), "no colour when NO_COLOR is set");
}

#[test]
fn rules_rule_and_init() {
    let repo = TestRepo::new();
    let out = repo.cmd().arg("rules").output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("GG101  raw-secret"), "{text}");
    let out = repo.cmd().args(["rule", "GG101"]).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("## Why is this bad?") && text.contains("Use instead"),
        "{text}"
    );
    assert_eq!(
        repo.cmd()
            .args(["rule", "GG999"])
            .output()
            .unwrap()
            .status
            .code(),
        Some(2)
    );
    // A misspelt code or name gets the closest one.
    for (typo, hint) in [("GG1O1", "`GG101`"), ("raw-secrets", "`raw-secret`")] {
        let out = repo.cmd().args(["rule", typo]).output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert!(err.contains(&format!("did you mean {hint}?")), "{err}");
    }
    assert_eq!(
        repo.cmd().arg("init").output().unwrap().status.code(),
        Some(0)
    );
    assert!(repo.join(".gitops-guard.yaml").is_file());
    assert_eq!(
        repo.cmd().arg("init").output().unwrap().status.code(),
        Some(2)
    );
    assert_eq!(
        repo.cmd().arg("check").output().unwrap().status.code(),
        Some(0)
    );
}

#[test]
fn no_secret_value_reaches_any_output() {
    let repo = TestRepo::new();
    let markers = [
        "leak-marker-one",
        "leak-marker-two",
        "leak-marker-three",
        "leak-marker-four",
    ];
    repo.stage(
        "a.yaml",
        format!("apiVersion: v1\nkind: Secret\nmetadata: {{name: a}}\nstringData:\n  password: {}\n  multi: |\n    {}\n", markers[0], markers[1]),
    );
    // A Secret in a document that does not parse: its values are masked too.
    repo.stage(
        "broken.yaml",
        format!(
            "apiVersion: v1\nkind: Secret\nstringData:\n  password: {}\n  bad: [x\n",
            markers[2]
        ),
    );
    repo.stage(
        "kustomization.yaml",
        format!(
            "secretGenerator:\n  - name: x\n    literals: [\"K={}\"]\n",
            markers[3]
        ),
    );
    let mut outputs = Vec::new();
    for args in [
        vec!["check"],
        vec!["check", "-v"],
        vec!["check", "--format", "json"],
        vec!["check", "--all"],
    ] {
        let out = repo.cmd().args(&args).output().unwrap();
        assert_ne!(out.status.code(), Some(0));
        outputs.push(String::from_utf8_lossy(&out.stdout).into_owned());
        outputs.push(String::from_utf8_lossy(&out.stderr).into_owned());
    }
    let all = outputs.join("\n");
    assert!(
        all.contains("GG101") && all.contains("GG102") && all.contains("GG001"),
        "{all}"
    );
    for m in markers {
        assert!(!all.contains(m), "secret value `{m}` leaked:\n{all}");
    }
}

#[test]
fn no_git_scans_a_folder_on_disk() {
    let dir = common::NotARepo::new();
    let root = dir.path();
    std::fs::create_dir_all(root.join("out/apps")).unwrap();
    std::fs::write(root.join("out/apps/db.yaml"), SECRET).unwrap();
    std::fs::write(root.join("out/apps/cm.yaml"), CONFIGMAP).unwrap();
    std::fs::write(root.join("out/.gitignore"), "ignored.yaml\n").unwrap();
    std::fs::write(root.join("out/ignored.yaml"), SECRET).unwrap();
    let out = dir
        .cmd()
        .args(["check", "--no-git", "out", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(findings(&json), vec![f("GG101", "out/apps/db.yaml", 1)]);
    assert_eq!(
        json["summary"]["files_scanned"], 2,
        "hidden and ignored files are passed over"
    );
}

#[test]
fn plaintext_where_git_crypt_is_expected() {
    let repo = TestRepo::new();
    repo.stage(
        ".gitattributes",
        "secrets/** filter=git-crypt diff=git-crypt\n",
    );
    // No git-crypt here: the filter does not run and plaintext is staged.
    repo.stage("secrets/prod.yaml", SECRET);
    repo.stage(
        "secrets/sealed.bin",
        b"\0GITCRYPT\0abcdefghijkl-ciphertext".as_slice(),
    );
    repo.stage("apps/cm.yaml", CONFIGMAP);
    let (code, json) = repo.check_json(&[]);
    assert_eq!(code, 1);
    assert_eq!(
        findings(&json),
        vec![
            f("GG103", "secrets/prod.yaml", 1),
            f("GG101", "secrets/prod.yaml", 1)
        ]
    );
    let out = repo.cmd().args(["check", "-v"]).output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        text.contains("secrets/sealed.bin: git-crypt ciphertext"),
        "{text}"
    );
    assert!(
        !text.contains("hunter2-marker-a1") && !text.contains("password:"),
        "{text}"
    );
}

#[test]
fn very_long_lines_get_no_code_frame() {
    let repo = TestRepo::new();
    let filler = "x".repeat(5000);
    repo.stage(
        "long.yaml",
        format!("{{apiVersion: v1, kind: Secret, metadata: {{name: l}}, note: {filler}, stringData: {{p: long-line-marker}}}}\n"),
    );
    let out = repo.cmd().arg("check").output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("at long.yaml:1:1"), "{text}");
    assert!(text.len() < 2000, "{} bytes of output", text.len());
    assert!(!text.contains("long-line-marker"));
}
