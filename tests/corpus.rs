//! The real GitOps repositories in `tests/fixtures/corpus/`: every tree scans
//! with `--all` without a crash, without a parse error, and with exactly the raw Secrets that
//! are really there (kubernetes/examples' ten archived volume Secrets; none elsewhere).

#![allow(clippy::unwrap_used)]

mod common;

use common::TestRepo;

#[test]
fn every_corpus_tree_scans_cleanly_with_exact_raw_secrets() {
    let mut trees: Vec<_> = std::fs::read_dir(common::corpus_dir())
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
        let repo = TestRepo::staging_tree(&tree);
        let (code, json) = repo.check_json(&["--all", "--select", "GG001,GG101,GG102"]);
        assert!(code == 0 || code == 1, "{name}: exit {code}: {json}");
        assert_eq!(json["errors"], serde_json::json!([]), "{name}");
        let mut secrets = Vec::new();
        for f in common::findings(&json) {
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
