//! The real GitOps repositories in `shared/corpus/` (beside this checkout): every tree scans
//! with `--all` without a crash, without a parse error, and with exactly the raw Secrets that
//! are really there (kubernetes/examples' ten archived volume Secrets; none elsewhere).

#![allow(clippy::unwrap_used)]

mod common;

use common::TestRepo;
use std::path::PathBuf;

fn corpus_dir() -> Option<PathBuf> {
    let found = common::corpus_dir();
    if found.is_none() {
        eprintln!("notice: shared/corpus not found beside the checkout; corpus tests skipped");
    }
    found
}

use common::copy_tree;

/// The duplicate mapping keys of the real trees (GG001), every one a true positive: the
/// object in git says one thing, the cluster gets the last one (or, with kubectl's strict
/// field validation, refuses the object).
const DUPLICATE_KEYS: &[(&str, &str, u64)] = &[
    // Tekton's rendered feature flags set `enable-api-fields` to `stable`, then to `alpha`.
    (
        "Morgan-Jenkins-X__jx3-eks-vault",
        "config-root/namespaces/tekton-pipelines/tekton-pipeline/feature-flags-cm.yaml",
        14,
    ),
    (
        "SkisocksOrg__jx3-azure-akv-cluster",
        "config-root/namespaces/tekton-pipelines/tekton-pipeline/feature-flags-cm.yaml",
        14,
    ),
    // The version stream's systemManager SecretMapping has two `defaults:` blocks.
    (
        "Morgan-Jenkins-X__jx3-eks-vault",
        "versionStream/secrets/systemManager/mapping/secret-mappings.yaml",
        79,
    ),
    (
        "SkisocksOrg__jx3-azure-akv-cluster",
        "versionStream/secrets/systemManager/mapping/secret-mappings.yaml",
        79,
    ),
    (
        "jx3-gitops-repositories__jx3-kubernetes",
        "versionStream/secrets/systemManager/mapping/secret-mappings.yaml",
        79,
    ),
    // Archived examples: two `selector:`s, two `type:`s, two `storageClassName:`s.
    (
        "kubernetes__examples",
        "_archived/openshift-origin/etcd-controller.yaml",
        12,
    ),
    (
        "kubernetes__examples",
        "_archived/openshift-origin/etcd-discovery-controller.yaml",
        12,
    ),
    (
        "kubernetes__examples",
        "_archived/openshift-origin/openshift-controller.yaml",
        12,
    ),
    (
        "kubernetes__examples",
        "_archived/persistent-volume-provisioning/quobyte/quobyte-admin-secret.yaml",
        9,
    ),
    (
        "kubernetes__examples",
        "_archived/volumes/scaleio/sc-pvc.yaml",
        12,
    ),
];

#[test]
fn every_corpus_tree_scans_cleanly_with_exact_raw_secrets() {
    let Some(corpus) = corpus_dir() else { return };
    let mut trees: Vec<_> = std::fs::read_dir(&corpus)
        .unwrap()
        .flatten()
        .filter(|e| e.path().is_dir())
        .map(|e| e.path())
        .collect();
    trees.sort();
    assert!(
        trees.len() >= 8,
        "expected the 8 corpus trees, found {trees:?}"
    );
    for tree in trees {
        let name = tree.file_name().unwrap().to_string_lossy().into_owned();
        let repo = TestRepo::new();
        copy_tree(&tree, repo.path());
        repo.git(&["add", "-A"]);
        let (code, json) = repo.check_json(&["--all", "--select", "GG001,GG101,GG102"]);
        assert!(code == 0 || code == 1, "{name}: exit {code}: {json}");
        assert_eq!(json["errors"], serde_json::json!([]), "{name}");
        let mut secrets = Vec::new();
        for f in common::findings(&json) {
            if f.0 == "GG001" && DUPLICATE_KEYS.contains(&(name.as_str(), f.1.as_str(), f.2)) {
                continue;
            }
            assert_ne!(f.0, "GG001", "{name}: parse error {f:?}: {json:#}");
            assert_eq!(f.0, "GG101", "{name}: {f:?}");
            secrets.push(f.1);
        }
        let expected: Vec<&str> = if name == "kubernetes__examples" {
            vec![
                "_archived/persistent-volume-provisioning/glusterfs/glusterfs-secret.yaml",
                "_archived/persistent-volume-provisioning/quobyte/quobyte-admin-secret.yaml",
                "_archived/persistent-volume-provisioning/rbd/ceph-secret-admin.yaml",
                "_archived/persistent-volume-provisioning/rbd/ceph-secret-user.yaml",
                "_archived/volumes/azure_file/secret/azure-secret.yaml",
                "_archived/volumes/cephfs/secret/ceph-secret.yaml",
                "_archived/volumes/iscsi/chap-secret.yaml",
                "_archived/volumes/rbd/secret/ceph-secret.yaml",
                "_archived/volumes/scaleio/secret.yaml",
                "_archived/volumes/storageos/storageos-secret.yaml",
            ]
        } else {
            vec![]
        };
        assert_eq!(secrets, expected, "{name}");
    }
}
