//! Issue 14, "Secrets wherever they hide": GG104 plaintext-sops, GG105 private-key and GG106
//! credential-in-values, end to end with the real binary in temporary git repositories
//! (exact `(code, path, line)`), positives and negatives for each rule and each place GG106
//! reads.

#![allow(clippy::unwrap_used)]

mod common;

use base64::Engine as _;
use common::{TestRepo, f, findings};

fn b64(s: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(s)
}

/// Runs `check` on the staged files with the given rules selected.
fn check(repo: &TestRepo, select: &str) -> Vec<(String, String, u64)> {
    let (code, json) = repo.check_json(&["--select", select]);
    assert!(code == 0 || code == 1, "exit {code}: {json:#}");
    findings(&json)
}

/// Runs `check` and returns the messages too.
fn messages(repo: &TestRepo, select: &str) -> Vec<String> {
    let (_, json) = repo.check_json(&["--select", select]);
    json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["message"].as_str().unwrap_or_default().to_string())
        .collect()
}

/// A key body of 320 base64 characters (random, not a real key).
fn key_body() -> String {
    let chars = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut s = String::new();
    let mut x: u32 = 7;
    for i in 0..320 {
        x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
        s.push(char::from(chars[(x >> 16) as usize % 64]));
        if i % 64 == 63 {
            s.push('\n');
        }
    }
    s.trim_end().to_string()
}

fn pem(label: &str) -> String {
    format!(
        "-----BEGIN {label}-----\n{}\n-----END {label}-----\n",
        key_body()
    )
}

fn indent(text: &str, n: usize) -> String {
    text.lines()
        .map(|l| format!("{}{l}\n", " ".repeat(n)))
        .collect()
}

const SOPS_CONFIG: &str = "creation_rules:\n  - path_regex: .*/secrets/.*\\.yaml$\n    encrypted_regex: ^(data|stringData)$\n    age: age1example\n  - path_regex: \\.env$\n    age: age1example\n  - path_regex: \\.ini$\n    age: age1example\n  - path_regex: \\.key$\n    age: age1example\n";

// ---------------------------------------------------------------- GG104 plaintext-sops

#[test]
fn gg104_covered_files_without_sops_metadata() {
    let repo = TestRepo::new();
    repo.stage(".sops.yaml", SOPS_CONFIG);
    // Covered, a value to encrypt: reported at the first value (and GG101 sees the Secret).
    repo.stage(
        "apps/secrets/db.yaml",
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\nstringData:\n  password: hunter2\n",
    );
    // Covered, nothing the rule would encrypt: not reported.
    repo.stage(
        "apps/secrets/deploy.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n",
    );
    // Covered, but a ConfigMap: only Secrets count in manifests (Flux's `.*.yaml` rules).
    repo.stage(
        "apps/secrets/cm.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  a: b\n",
    );
    // Not covered.
    repo.stage(
        "apps/config/cm.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  a: b\n",
    );
    // dotenv, INI and binary (any other extension) formats.
    repo.stage("apps/app.env", "# comment\nTOKEN=abc\nEMPTY=\n");
    repo.stage("apps/app.ini", "[db]\nhost = x\n");
    repo.stage("apps/tls.key", "not encrypted at all\n");
    // `.sops.yaml` itself is never checked, though `.*` rules would match it.
    assert_eq!(
        check(&repo, "GG101,GG104"),
        vec![
            f("GG104", "apps/app.env", 2),
            f("GG104", "apps/app.ini", 2),
            f("GG101", "apps/secrets/db.yaml", 1),
            f("GG104", "apps/secrets/db.yaml", 6),
            f("GG104", "apps/tls.key", 1),
        ]
    );
    let msgs = messages(&repo, "GG104").join("\n");
    assert!(msgs.contains("creation rule 1 of `.sops.yaml`"), "{msgs}");
    assert!(msgs.contains("stringData.password"), "{msgs}");
    assert!(!msgs.contains("hunter2") && !msgs.contains("abc"), "{msgs}");
}

#[test]
fn gg104_nearest_config_relative_paths_and_first_rule() {
    let repo = TestRepo::new();
    // The root config would cover everything, but the nearest one decides (no fallback).
    repo.stage(".sops.yaml", "creation_rules:\n  - age: age1example\n");
    repo.stage(
        "clusters/prod/.sops.yaml",
        "creation_rules:\n  - path_regex: ^secrets/\n    encrypted_regex: ^stringData$\n  - path_regex: \\.yaml$\n    encrypted_regex: ^nothing$\n",
    );
    let secret = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\nstringData:\n  k: v\n";
    // Matched relative to the config's folder: `^secrets/` is `clusters/prod/secrets/`.
    repo.stage("clusters/prod/secrets/a.yaml", secret);
    // `^secrets/` does not match `other/secrets/`; the second rule wins, encrypting nothing.
    repo.stage("clusters/prod/other/secrets/b.yaml", secret);
    // Under the root config: the catch-all rule covers it (a secret by its name).
    repo.stage("apps/c-secrets.yaml", "a: 1\n");
    // `.sops.yml` is ignored, as sops ignores it.
    repo.stage(
        "legacy/.sops.yml",
        "creation_rules:\n  - path_regex: nothing\n",
    );
    repo.stage("legacy/d.secret.yaml", "b: 2\n");
    assert_eq!(
        check(&repo, "GG104"),
        vec![
            f("GG104", "apps/c-secrets.yaml", 1),
            f("GG104", "clusters/prod/secrets/a.yaml", 6),
            f("GG104", "legacy/d.secret.yaml", 1),
        ]
    );
}

#[test]
fn gg104_catch_all_rules_only_count_secret_files() {
    let repo = TestRepo::new();
    repo.stage(".sops.yaml", "creation_rules:\n  - age: age1example\n");
    repo.stage("README.md", "# docs\n");
    repo.stage("charts/app/values.yaml", "replicas: 2\n");
    repo.stage(
        "apps/deploy.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n",
    );
    repo.stage(
        "apps/db.yaml",
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\nstringData:\n  password: hunter2\n",
    );
    repo.stage("apps/app.env", "TOKEN=abc\n");
    repo.stage("apps/creds.json", "{\"user\": \"u\"}\n");
    assert_eq!(
        check(&repo, "GG104"),
        vec![
            f("GG104", "apps/app.env", 1),
            f("GG104", "apps/creds.json", 1),
            f("GG104", "apps/db.yaml", 1),
        ]
    );
}

#[test]
fn gg104_encrypted_files_with_plain_values() {
    let repo = TestRepo::new();
    repo.stage(".sops.yaml", SOPS_CONFIG);
    let meta = "sops:\n  age:\n    - recipient: age1example\n      enc: x\n  lastmodified: \"2026-01-01T00:00:00Z\"\n  mac: ENC[AES256_GCM,data:m,iv:i,tag:t,type:str]\n  encrypted_regex: ^(data|stringData)$\n  version: 3.9.4\n";
    // Encrypted as it should be: fine.
    repo.stage(
        "apps/secrets/ok.yaml",
        format!("apiVersion: v1\nkind: Secret\nmetadata:\n  name: ok\nstringData:\n  password: ENC[AES256_GCM,data:x,iv:y,tag:z,type:str]\n{meta}"),
    );
    // A value typed in by hand after encryption: reported, whether covered or not.
    repo.stage(
        "apps/secrets/edited.yaml",
        format!("apiVersion: v1\nkind: Secret\nmetadata:\n  name: e\nstringData:\n  password: ENC[AES256_GCM,data:x,iv:y,tag:z,type:str]\n  added: by-hand\n{meta}"),
    );
    repo.stage(
        "elsewhere/edited.json",
        "{\"a\": \"ENC[AES256_GCM,data:x,type:str]\", \"b\": \"plain\", \"c_unencrypted\": \"fine\",\n \"sops\": {\"mac\": \"ENC[x]\", \"unencrypted_suffix\": \"_unencrypted\", \"version\": \"3.9.4\"}}\n",
    );
    // dotenv and INI metadata.
    repo.stage(
        "apps/enc.env",
        "A=ENC[AES256_GCM,data:x,type:str]\nB=plain\nsops_mac=ENC[x]\nsops_version=3.9.4\nsops_unencrypted_suffix=_unencrypted\n",
    );
    repo.stage(
        "apps/enc.ini",
        "[db]\npassword = ENC[AES256_GCM,data:x,type:str]\nuser = plain\n[sops]\nmac = ENC[x]\nunencrypted_suffix = _unencrypted\nversion = 3.9.4\n",
    );
    assert_eq!(
        check(&repo, "GG104"),
        vec![
            f("GG104", "apps/enc.env", 2),
            f("GG104", "apps/enc.ini", 3),
            f("GG104", "apps/secrets/edited.yaml", 7),
            f("GG104", "elsewhere/edited.json", 1),
        ]
    );
    // In a Secret, the plain value is GG101's (one finding per accident).
    assert_eq!(
        check(&repo, "GG101,GG104"),
        vec![
            f("GG104", "apps/enc.env", 2),
            f("GG104", "apps/enc.ini", 3),
            f("GG101", "apps/secrets/edited.yaml", 1),
            f("GG104", "elsewhere/edited.json", 1),
        ]
    );
    let msgs = messages(&repo, "GG104").join("\n");
    assert!(msgs.contains("`stringData.added`"), "{msgs}");
    assert!(
        !msgs.contains("by-hand") && !msgs.contains("plain\""),
        "{msgs}"
    );
}

// ---------------------------------------------------------------- GG105 private-key

#[test]
fn gg105_private_keys_in_any_text_file() {
    let repo = TestRepo::new();
    repo.stage("keys/deploy.pem", pem("RSA PRIVATE KEY"));
    repo.stage(
        "keys/id_ed25519",
        format!("\n{}", pem("OPENSSH PRIVATE KEY")),
    );
    repo.stage(
        "apps/cm.yaml",
        format!(
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: k\ndata:\n  key.pem: |\n{}",
            indent(&pem("EC PRIVATE KEY"), 4)
        ),
    );
    repo.stage(
        "apps/values.json",
        format!(
            "{{\n  \"sshKey\": \"{}\"\n}}\n",
            pem("PRIVATE KEY").replace('\n', "\\n")
        ),
    );
    repo.stage(
        "apps/encoded.yaml",
        format!(
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: e\ndata:\n  a: b\n  key: {}\n",
            b64(&pem("ENCRYPTED PRIVATE KEY"))
        ),
    );
    repo.stage(
        "apps/gpg.env",
        format!("GPG_KEY={}\n", b64(&pem("PGP PRIVATE KEY BLOCK"))),
    );
    // Certificates, public keys and documentation placeholders are fine.
    repo.stage("certs/ca.crt", pem("CERTIFICATE"));
    repo.stage("certs/pub.pem", pem("PUBLIC KEY"));
    repo.stage(
        "docs/howto.yaml",
        "example: |\n  -----BEGIN PRIVATE KEY-----\n  ...\n  -----END PRIVATE KEY-----\n",
    );
    repo.stage(
        "certs/encoded.yaml",
        format!("ca.crt: {}\n", b64(&pem("CERTIFICATE"))),
    );
    assert_eq!(
        check(&repo, "GG105"),
        vec![
            f("GG105", "apps/cm.yaml", 7),
            f("GG105", "apps/encoded.yaml", 7),
            f("GG105", "apps/gpg.env", 1),
            f("GG105", "apps/values.json", 2),
            f("GG105", "keys/deploy.pem", 1),
            f("GG105", "keys/id_ed25519", 2),
        ]
    );
}

#[test]
fn gg105_leaves_keys_in_reported_secrets_to_gg101() {
    let repo = TestRepo::new();
    repo.stage(
        "apps/tls.yaml",
        format!(
            "apiVersion: v1\nkind: Secret\nmetadata:\n  name: tls\ntype: kubernetes.io/tls\ndata:\n  tls.key: {}\n  tls.crt: {}\n",
            b64(&pem("RSA PRIVATE KEY")),
            b64(&pem("CERTIFICATE"))
        ),
    );
    repo.stage(
        "apps/plain.yaml",
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: plain\nstringData:\n  password: hunter2\n",
    );
    assert_eq!(
        check(&repo, "GG101,GG105"),
        vec![
            f("GG101", "apps/plain.yaml", 1),
            f("GG101", "apps/tls.yaml", 1)
        ]
    );
    let msgs = messages(&repo, "GG101,GG105");
    assert!(msgs[1].contains("holds a private key"), "{msgs:?}");
    assert!(!msgs[0].contains("private key"), "{msgs:?}");
    // With GG101 off, GG105 reports the key itself.
    assert_eq!(check(&repo, "GG105"), vec![f("GG105", "apps/tls.yaml", 7)]);
}

// ---------------------------------------------------------------- GG106 credential-in-values

#[test]
fn gg106_chart_values_and_jx_values() {
    let repo = TestRepo::new();
    repo.stage(
        "charts/app/Chart.yaml",
        "apiVersion: v2\nname: app\nversion: 1.0.0\n",
    );
    repo.stage(
        "charts/app/values.yaml",
        "image:\n  repository: nginx\n  tag: \"1.27\"\npostgresql:\n  auth:\n    password: s3cr3t-Pa55\n    existingSecret: \"\"\n    secretKeys:\n      adminPasswordKey: admin-password\n  tlsSecret: my-tls\n  createSecret: true\nadmin:\n  password: changeme\n  token: \"{{ .Values.global.token }}\"\n  apiKey: ref+vault://secret/app#/key\nenv:\n  - name: DB_PASSWORD\n    value: Pa55-w0rd-env\n  - name: DB_HOST\n    value: db\n",
    );
    repo.stage(
        "charts/app/values-prod.yaml",
        "auth:\n  clientSecret: Zq8-Kp2_vX\n",
    );
    // Templates are not values; a values.yaml without Chart.yaml is not a chart's.
    repo.stage(
        "charts/app/templates/secret.yaml",
        "stringData:\n  password: {{ .Values.postgresql.auth.password }}\n  other: literal-Pa55\n",
    );
    repo.stage("notes/values.yaml", "password: n0t-a-chart\n");
    repo.stage(
        "helmfiles/jx/jx-values.yaml",
        "jx:\n  secrets:\n    adminUser:\n      password: todo\n      username: admin\n    hmacToken: 5f2b9c0e7d1a\n",
    );
    assert_eq!(
        check(&repo, "GG106"),
        vec![
            f("GG106", "charts/app/values-prod.yaml", 2),
            f("GG106", "charts/app/values.yaml", 6),
            f("GG106", "charts/app/values.yaml", 17),
            f("GG106", "helmfiles/jx/jx-values.yaml", 6),
        ]
    );
    let msgs = messages(&repo, "GG106").join("\n");
    for key in [
        "`auth.clientSecret`",
        "`postgresql.auth.password`",
        "`env.DB_PASSWORD`",
        "`jx.secrets.hmacToken`",
    ] {
        assert!(msgs.contains(key), "{key}: {msgs}");
    }
    for value in ["s3cr3t", "Zq8", "Pa55-w0rd", "5f2b9c0e7d1a"] {
        assert!(!msgs.contains(value), "{value}: {msgs}");
    }
}

#[test]
fn gg106_helmfile_inline_and_listed_values() {
    let repo = TestRepo::new();
    repo.stage(
        "helmfiles/apps/helmfile.yaml",
        "releases:\n- name: db\n  chart: bitnami/postgresql\n  version: 1.0.0\n  values:\n  - ../../values/db/values.yaml.gotmpl\n  - values.yaml\n  - auth:\n      postgresPassword: Inl1ne-Pa55\n      existingSecret: \"\"\n",
    );
    repo.stage(
        "values/db/values.yaml.gotmpl",
        "auth:\n  password: {{ .Values.x | quote }}\n  replicationPassword: L1sted-Pa55\n",
    );
    repo.stage(
        "helmfiles/apps/values.yaml",
        "metrics:\n  token: L1sted-T0ken\n",
    );
    // Not listed by any helmfile: not values.
    repo.stage("values/unused/values.yaml.gotmpl", "password: N0t-L1sted\n");
    assert_eq!(
        check(&repo, "GG106"),
        vec![
            f("GG106", "helmfiles/apps/helmfile.yaml", 9),
            f("GG106", "helmfiles/apps/values.yaml", 2),
            f("GG106", "values/db/values.yaml.gotmpl", 3),
        ]
    );
}

#[test]
fn gg106_flux_helmrelease_and_argo_application() {
    let repo = TestRepo::new();
    repo.stage(
        "apps/podinfo.yaml",
        "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: podinfo\nspec:\n  chart:\n    spec: {chart: podinfo, version: 6.0.0}\n  values:\n    redis:\n      password: R3d1s-Pa55\n      auth: ${REDIS_PASSWORD}\n    ui:\n      secretName: podinfo-ui\n  valuesFrom:\n  - kind: Secret\n    name: podinfo-values\n",
    );
    repo.stage(
        "argo/app.yaml",
        "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: grafana\nspec:\n  source:\n    helm:\n      values: |\n        grafana:\n          adminPassword: Gr4f-Adm1n\n          admin:\n            existingSecret: grafana-admin\n      parameters:\n      - name: auth.token\n        value: P4r4m-T0ken\n      - name: replicas\n        value: \"2\"\n  sources:\n  - helm:\n      valuesObject:\n        db:\n          password: 0bj3ct-Pa55\n          passwordSecretRef: {name: db}\n",
    );
    // Other kinds are not values.
    repo.stage(
        "apps/cm.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  password: n0t-values\n",
    );
    assert_eq!(
        check(&repo, "GG106"),
        vec![
            f("GG106", "apps/podinfo.yaml", 10),
            f("GG106", "argo/app.yaml", 10),
            f("GG106", "argo/app.yaml", 14),
            f("GG106", "argo/app.yaml", 22),
        ]
    );
}

#[test]
fn gg106_kustomize_generator_files() {
    let repo = TestRepo::new();
    repo.stage(
        "apps/kustomization.yaml",
        "secretGenerator:\n- name: db\n  envs:\n  - db.env\n  files:\n  - creds=config/app.properties\nconfigMapGenerator:\n- name: settings\n  envs: [settings.env]\n- name: podinfo-values\n  files: [values.yaml=helm-values.yaml]\n",
    );
    repo.stage(
        "apps/db.env",
        "DB_USER=app\nDB_PASSWORD=Gen-Pa55-w0rd\nDB_PASSWORD_FILE=/run/secrets/db\nAPI_TOKEN=\n",
    );
    repo.stage(
        "apps/config/app.properties",
        "# props\nsmtp.password = Pr0p-Pa55\n",
    );
    repo.stage(
        "apps/settings.env",
        "LOG_LEVEL=debug\nSESSION_SECRET=${SESSION_SECRET}\n",
    );
    // Helm values a generator turns into a ConfigMap (Flux `valuesFrom`).
    repo.stage(
        "apps/helm-values.yaml",
        "redis:\n  password: Cm-Pa55-w0rd\n",
    );
    // An env file no generator names.
    repo.stage("apps/local.env", "DB_PASSWORD=L0cal-Only\n");
    assert_eq!(
        check(&repo, "GG106"),
        vec![
            f("GG106", "apps/config/app.properties", 2),
            f("GG106", "apps/db.env", 2),
            f("GG106", "apps/helm-values.yaml", 2),
        ]
    );
}

#[test]
fn gg106_configured_key_patterns() {
    let repo = TestRepo::new();
    repo.stage(
        "charts/app/Chart.yaml",
        "apiVersion: v2\nname: app\nversion: 1.0.0\n",
    );
    repo.stage(
        "charts/app/values.yaml",
        "simPin: 4711-x\nadminPin: 9c2-Zz\npassword: Pa55-w0rd\npublicToken: pk-123-abc\n",
    );
    assert_eq!(
        check(&repo, "GG106"),
        vec![
            f("GG106", "charts/app/values.yaml", 3),
            f("GG106", "charts/app/values.yaml", 4),
        ]
    );
    repo.write(
        ".gitops-guard.yaml",
        "credentials:\n  keys: ['*pin', '*password', '*token']\n  ignore-keys: [sim_pin, '*public-token']\n",
    );
    assert_eq!(
        check(&repo, "GG106"),
        vec![
            f("GG106", "charts/app/values.yaml", 2),
            f("GG106", "charts/app/values.yaml", 3),
        ]
    );
    // Unknown fields and patterns that match everything are configuration errors.
    repo.write(".gitops-guard.yaml", "credentials:\n  key: ['*pin']\n");
    let out = repo.cmd().arg("check").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    repo.write(".gitops-guard.yaml", "credentials:\n  keys: ['*']\n");
    let out = repo.cmd().arg("check").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("every key"));
}

#[test]
fn rule_docs_are_printed() {
    let repo = TestRepo::new();
    for (code, name) in [
        ("GG104", "plaintext-sops"),
        ("GG105", "private-key"),
        ("GG106", "credential-in-values"),
    ] {
        let out = repo.cmd().args(["rule", code]).output().unwrap();
        assert!(out.status.success(), "{code}");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains("## What it does"), "{code}: {text}");
        let out = repo.cmd().args(["rule", name]).output().unwrap();
        assert!(out.status.success(), "{name}");
    }
}

#[test]
fn a_private_key_in_values_is_reported_once_by_gg105() {
    let repo = TestRepo::new();
    repo.stage(
        "charts/app/Chart.yaml",
        "apiVersion: v2\nname: app\nversion: 1.0.0\n",
    );
    repo.stage(
        "charts/app/values.yaml",
        format!(
            "tls:\n  privateKey: |\n{}  password: Pa55-w0rd-x\n",
            indent(&pem("RSA PRIVATE KEY"), 4)
        ),
    );
    assert_eq!(
        check(&repo, "GG105,GG106"),
        vec![
            f("GG105", "charts/app/values.yaml", 3),
            f("GG106", "charts/app/values.yaml", 10),
        ]
    );
}
