//! The triage of GG104 plaintext-sops, GG105 private-key and GG106 credential-in-values over
//! every real tree in `tests/fixtures/corpus/`: each finding is listed with why it is a true
//! positive (false positives: none allowed), the near misses with why they are not findings,
//! and each tree is then changed the way an accident would change it, to show that the places
//! the rules read in it are really read.
//!
//! Triage result (all eight trees, `check --all`): no finding. The trees hold no sops files or
//! `.sops.yaml`, no private key block, and no literal credential in a values place; their
//! credential-named keys hold placeholders, names of Secrets, or are outside values places:
//! see [`NEAR_MISSES`].

#![allow(clippy::unwrap_used)]

mod common;

use common::{TestRepo, copy_tree, f, findings};
use std::path::{Path, PathBuf};

/// `(tree, code, path, line, why it is a true positive)`: none today.
const TRUE_POSITIVES: &[(&str, &str, &str, u64, &str)] = &[];

/// `(tree, path, text in the file, why it is not a finding)`.
const NEAR_MISSES: &[(&str, &str, &str, &str)] = &[
    (
        "jx3-gitops-repositories__jx3-kubernetes",
        "helmfiles/jx/jx-values.yaml",
        "      password: todo",
        "a placeholder (`todo`) that `jx gitops` replaces; every helmfiles/*/jx-values.yaml of the four Jenkins X trees has it, and `hmacToken: todo`, `token: todo`",
    ),
    (
        "SkisocksOrg__jx3-azure-akv-cluster",
        "versionStream/charts/grafana/grafana/values.yaml.gotmpl",
        "adminPassword: fakepassword",
        "a placeholder (`fake…`, and the comment above says it is replaced from the external secret); also no helmfile of the tree lists this file",
    ),
    (
        "jx3-gitops-repositories__jx3-kubernetes",
        "versionStream/charts/presslabs/mysql-operator/values.yaml",
        "  topologyPassword: dummy",
        "a placeholder (`dummy`); not listed by a helmfile, and no Chart.yaml beside it",
    ),
    (
        "jx3-gitops-repositories__jx3-kubernetes",
        "versionStream/charts/cdf/tekton-pipeline/values.yaml.gotmpl",
        "  envFromSecret: \"jx-boot-job-env-vars\"",
        "names a Secret (`*FromSecret` is a built-in ignore key)",
    ),
    (
        "evillgenius75__jx3-gke-gsm",
        "versionStream/charts/external-secrets/kubernetes-external-secrets/values.yaml.gotmpl",
        "    secret: vault-tls",
        "a `*secret` key holding a resource name: it names a Secret",
    ),
    (
        "kubernetes__examples",
        "databases/cassandra/image/files/cassandra.yaml",
        "    keystore_password: cassandra",
        "Cassandra's own configuration file, not a values place (no Chart.yaml, helmfile, HelmRelease, Application or generator)",
    ),
    (
        "kubernetes__examples",
        "_archived/volumes/scaleio/secret.yaml",
        "  password: c0NhbGVpbzEyMw==",
        "inside a raw Secret: GG101's (these ten Secrets are tests/corpus.rs' expected GG101 findings)",
    ),
];

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/corpus")
}

fn scan(repo: &TestRepo) -> Vec<(String, String, u64)> {
    let (code, json) = repo.check_json(&["--all", "--select", "GG104,GG105,GG106"]);
    assert!(code == 0 || code == 1, "exit {code}: {json}");
    assert_eq!(json["errors"], serde_json::json!([]));
    findings(&json)
}

/// The 1-based line of the first line of `path` that equals `line`.
fn line_of(repo: &TestRepo, path: &str, line: &str) -> u64 {
    let text = std::fs::read_to_string(repo.join(path)).unwrap();
    let i = text
        .lines()
        .position(|l| l == line)
        .unwrap_or_else(|| panic!("{path}: no line `{line}`"));
    i as u64 + 1
}

/// Replaces the first line equal to `from` with `to`, or appends `to` when `from` is empty;
/// returns the line number of `to`.
fn mutate(repo: &TestRepo, path: &str, from: &str, to: &str) -> u64 {
    let text = std::fs::read_to_string(repo.join(path)).unwrap();
    let new = if from.is_empty() {
        format!("{}\n{to}\n", text.trim_end())
    } else {
        let at = line_of(repo, path, from) as usize;
        text.lines()
            .enumerate()
            .map(|(i, l)| if i + 1 == at { to } else { l })
            .collect::<Vec<_>>()
            .join("\n")
            + "\n"
    };
    repo.write(path, new);
    repo.git(&["add", "--", path]);
    line_of(repo, path, to)
}

#[test]
fn triage_of_every_corpus_tree() {
    let mut trees: Vec<_> = std::fs::read_dir(corpus())
        .unwrap()
        .flatten()
        .filter(|e| e.path().is_dir())
        .map(|e| e.path())
        .collect();
    trees.sort();
    assert_eq!(trees.len(), 8, "{trees:?}");
    for (tree, path, text, why) in NEAR_MISSES {
        let content = std::fs::read_to_string(corpus().join(tree).join(path)).unwrap();
        assert!(
            content.lines().any(|l| l == *text),
            "{tree}/{path}: `{text}` ({why})"
        );
    }
    for tree in trees {
        let name = tree.file_name().unwrap().to_string_lossy().into_owned();
        let repo = TestRepo::new();
        copy_tree(&tree, repo.path());
        repo.git(&["add", "-A"]);
        let expected: Vec<_> = TRUE_POSITIVES
            .iter()
            .filter(|t| t.0 == name)
            .map(|t| f(t.1, t.2, t.3))
            .collect();
        assert_eq!(scan(&repo), expected, "{name}");

        // The accidents: each place the tree has is read.
        let mut want = Vec::new();
        let jx_values = "helmfiles/jx/jx-values.yaml";
        if repo.join(jx_values).is_file() {
            let line = mutate(
                &repo,
                jx_values,
                "      password: todo",
                "      password: Adm1n-Pa55",
            );
            want.push(f("GG106", jx_values, line));
        }
        match name.as_str() {
            "Morgan-Jenkins-X__jx3-eks-vault" => {
                // Listed by helmfiles/jx/helmfile.yaml as ../../versionStream/...
                let p = "versionStream/charts/bitnami/external-dns/values.yaml.gotmpl";
                want.push(f(
                    "GG106",
                    p,
                    mutate(&repo, p, "", "mutationPassword: L1sted-Pa55"),
                ));
            }
            "fluxcd__flux2-kustomize-helm-example" => {
                let p = "apps/production/podinfo-values.yaml";
                want.push(f(
                    "GG106",
                    p,
                    mutate(&repo, p, "", "    redisPassword: Fl0x-Pa55"),
                ));
            }
            "stefanprodan__podinfo" => {
                let p = "charts/podinfo/values.yaml";
                want.push(f(
                    "GG106",
                    p,
                    mutate(&repo, p, "", "adminPassword: P0d-Pa55"),
                ));
                let k = "kustomize/deploy.key";
                repo.write(
                    k,
                    format!(
                        "-----BEGIN RSA PRIVATE KEY-----\n{}\n-----END RSA PRIVATE KEY-----\n",
                        "MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun\nVTLw7onLRnrq0/IzW7yWR7QkrmBL7jTKEn5u+qKhbwKfBstIs+bMY2Zkp18gnTxK\nLxoS2tFczGkPLPgizskuemMghRniWaoLcyehkd3qqGElvW/VDL5AaWTg0nLVkjRo"
                    ),
                );
                repo.git(&["add", "--", k]);
                want.push(f("GG105", k, 1));
            }
            "kubernetes__examples" => {
                // A sops config that covers the archived Secrets, which are not encrypted.
                repo.write(
                    ".sops.yaml",
                    "creation_rules:\n  - path_regex: ^_archived/volumes/scaleio/.*\\.yaml$\n    encrypted_regex: ^(data|stringData)$\n",
                );
                repo.git(&["add", "--", ".sops.yaml"]);
                let p = "_archived/volumes/scaleio/secret.yaml";
                want.push(f("GG104", p, line_of(&repo, p, "  username: YWRtaW4=")));
            }
            _ => {}
        }
        want.sort();
        let mut got = scan(&repo);
        got.sort();
        assert_eq!(got, want, "{name} after the accidents");
    }
}
