//! Secrets in shapes a byte search or a first-key lookup would miss: escapes, duplicate keys,
//! half-encrypted SOPS files, git-crypt named keys, kustomize's other file names, and
//! templated names in messages.

mod common;

use common::{TestRepo, f, findings};

fn check(repo: &TestRepo) -> Vec<(String, String, u64)> {
    let (_, json) = repo.check_json(&["--all"]);
    findings(&json)
}

fn messages(repo: &TestRepo) -> Vec<String> {
    let (_, json) = repo.check_json(&["--all"]);
    json["findings"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|f| f["message"].as_str().unwrap_or_default().to_string())
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn escapes_do_not_hide_a_secret_from_the_prefilter() {
    let repo = TestRepo::new();
    repo.stage(
        "a.json",
        r#"{"apiVersion": "v1", "kind": "\u0053ecret", "metadata": {"name": "a"}, "stringData": {"p": "x-value"}}"#,
    );
    repo.stage(
        "b.yaml",
        "apiVersion: v1\nkind: \"\\x53ecret\"\nmetadata: {name: b}\nstringData: {p: x-value}\n",
    );
    repo.stage(
        "c.yaml",
        "apiVersion: v1\nkind: \"Sec\\\n  ret\"\nmetadata: {name: c}\nstringData: {p: x-value}\n",
    );
    repo.stage(
        "d.yaml",
        "apiVersion: v1\nkind: \"\\u0053ecret\"\nmetadata: {name: d}\nstringData: {p: x-value}\n",
    );
    assert_eq!(
        check(&repo),
        vec![
            f("GG101", "a.json", 1),
            f("GG101", "b.yaml", 1),
            f("GG101", "c.yaml", 1),
            f("GG101", "d.yaml", 1),
        ]
    );
}

#[test]
fn duplicate_keys_are_reported_and_the_last_one_counts() {
    let repo = TestRepo::new();
    repo.stage(
        "dup.yaml",
        "apiVersion: v1\nkind: Secret\nmetadata: {name: dup}\ndata: {}\ndata:\n  password: aHVudGVyMg==\n",
    );
    // The other way round: Kubernetes applies an empty `data`, but the value is in git.
    repo.stage(
        "dup2.yaml",
        "apiVersion: v1\nkind: Secret\nmetadata: {name: dup2}\nstringData:\n  token: abc-value\nstringData: {}\n",
    );
    // A ConfigMap whose kind is overridden into a Secret.
    repo.stage(
        "dup3.yaml",
        "apiVersion: v1\nkind: ConfigMap\nkind: Secret\nmetadata: {name: dup3}\nstringData: {a: value-a}\n",
    );
    assert_eq!(
        check(&repo),
        vec![
            f("GG101", "dup.yaml", 1),
            f("GG001", "dup.yaml", 5),
            f("GG101", "dup2.yaml", 1),
            f("GG001", "dup2.yaml", 6),
            f("GG101", "dup3.yaml", 1),
            f("GG001", "dup3.yaml", 3),
        ]
    );
    let msgs = messages(&repo);
    assert!(
        msgs.iter()
            .any(|m| m.starts_with("duplicate key `data`: Kubernetes keeps only the last one")),
        "{msgs:?}"
    );
    // Values under the overridden key are masked too.
    let out = repo.cmd().args(["check", "--all"]).output().expect("run");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        !text.contains("abc-value") && !text.contains("aHVudGVy"),
        "{text}"
    );
}

const SOPS_META: &str = "sops:\n  kms: []\n  lastmodified: \"2024-05-01T10:00:00Z\"\n  mac: ENC[AES256_GCM,data:bWFj,iv:aXY=,tag:dGFn,type:str]\n  version: 3.8.1\n";

#[test]
fn sops_exempts_only_what_it_encrypts_or_means_to_leave_plain() {
    let repo = TestRepo::new();
    // An empty sops block is not metadata.
    repo.stage(
        "empty.yaml",
        "apiVersion: v1\nkind: Secret\nmetadata: {name: empty}\nstringData: {password: plain-value}\nsops: {}\n",
    );
    // One plaintext value next to encrypted ones.
    repo.stage(
        "half.yaml",
        format!(
            "apiVersion: v1\nkind: Secret\nmetadata: {{name: half}}\nstringData:\n  user: ENC[AES256_GCM,data:dXNlcg==,iv:aXY=,tag:dGFn,type:str]\n  password: forgot-to-encrypt\n{SOPS_META}"
        ),
    );
    // Fully encrypted: fine.
    repo.stage(
        "sealed.yaml",
        format!(
            "apiVersion: v1\nkind: Secret\nmetadata: {{name: sealed}}\nstringData:\n  password: ENC[AES256_GCM,data:cGFzcw==,iv:aXY=,tag:dGFn,type:str]\n{SOPS_META}"
        ),
    );
    // encrypted_regex covers data only: plain metadata is by design, plain data is not.
    repo.stage(
        "regex.yaml",
        format!(
            "apiVersion: v1\nkind: Secret\nmetadata: {{name: regex}}\ndata:\n  password: ENC[AES256_GCM,data:cGFzcw==,iv:aXY=,tag:dGFn,type:str]\n{SOPS_META}  encrypted_regex: ^(data|stringData)$\n"
        ),
    );
    // The default unencrypted suffix leaves `host_unencrypted` plain on purpose.
    repo.stage(
        "suffix.yaml",
        format!(
            "apiVersion: v1\nkind: Secret\nmetadata: {{name: suffix}}\nstringData:\n  host_unencrypted: db.internal\n  password: ENC[AES256_GCM,data:cGFzcw==,iv:aXY=,tag:dGFn,type:str]\n{SOPS_META}"
        ),
    );
    assert_eq!(
        check(&repo),
        vec![f("GG101", "empty.yaml", 1), f("GG101", "half.yaml", 1)]
    );
    let msgs = messages(&repo);
    assert!(
        msgs.contains(&"raw Secret `half` holds 1 value in plain text (password)".to_string()),
        "{msgs:?}"
    );
    let (_, json) = repo.check_json(&["--all"]);
    let half = &json["findings"][1];
    assert_eq!(half["fixable"], false);
    assert!(
        half["help"]
            .as_str()
            .unwrap_or_default()
            .contains("sops --encrypt"),
        "{half:#}"
    );
}

#[test]
fn git_crypt_named_keys_are_git_crypt() {
    let repo = TestRepo::new();
    repo.stage(
        ".gitattributes",
        "secrets/** filter=git-crypt-prod diff=git-crypt-prod\n",
    );
    repo.stage("secrets/db.env", "PASSWORD=plain\n");
    assert_eq!(check(&repo), vec![f("GG103", "secrets/db.env", 1)]);
}

#[test]
fn every_kustomization_file_name_is_read() {
    let repo = TestRepo::new();
    for (dir, name) in [("a", "Kustomization"), ("b", "kustomization.yml")] {
        repo.stage(
            &format!("{dir}/{name}"),
            "secretGenerator:\n- name: s\n  literals:\n  - PASSWORD=plain\nimages:\n- name: nginx\n  newTag: latest\n",
        );
    }
    assert_eq!(
        check(&repo),
        vec![
            f("GG102", "a/Kustomization", 4),
            f("GG201", "a/Kustomization", 7),
            f("GG102", "b/kustomization.yml", 4),
            f("GG201", "b/kustomization.yml", 7),
        ]
    );
}

#[test]
fn templated_names_show_the_template() {
    let repo = TestRepo::new();
    repo.stage(
        "chart/Chart.yaml",
        "apiVersion: v2\nname: c\nversion: 1.0.0\n",
    );
    repo.stage(
        "chart/templates/secret.yaml",
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: {{ .Release.Name }}-db\n  namespace: \"{{ .Release.Namespace }}\"\nstringData:\n  password: literal-in-template\n",
    );
    let msgs = messages(&repo);
    assert_eq!(
        msgs,
        vec![
            "raw Secret `{{ .Release.Name }}-db` in namespace `{{ .Release.Namespace }}` holds 1 \
             value in plain text (password)"
                .to_string()
        ]
    );
}
