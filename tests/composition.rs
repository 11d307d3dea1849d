//! End to end: pinning across composed files (GG201–GG204). kustomize `images:` over bases,
//! components and nested bases; Flux base/overlay `HelmRelease` patches; Flux sources named
//! from other files; sources that are the repository itself (Flux and Argo CD).

#![allow(clippy::unwrap_used)]

mod common;

use common::{TestRepo, f, findings};

type Found = Vec<(String, String, u64)>;

/// The GG2xx findings of `check --format json <args>`, sorted.
fn gg2(repo: &TestRepo, args: &[&str]) -> Found {
    let (code, json) = repo.check_json(args);
    assert!(code == 0 || code == 1, "exit {code}: {json:#}");
    let mut got: Found = findings(&json)
        .into_iter()
        .filter(|(c, _, _)| c.starts_with("GG2"))
        .collect();
    got.sort();
    got
}

fn message(repo: &TestRepo, args: &[&str], code: &str, path: &str) -> String {
    field(repo, args, code, path, "message")
}

/// A field (`message`, `help`) of the first `code` finding in `path`.
fn field(repo: &TestRepo, args: &[&str], code: &str, path: &str, name: &str) -> String {
    let (_, json) = repo.check_json(args);
    json["findings"]
        .as_array()
        .and_then(|a| a.iter().find(|f| f["code"] == code && f["path"] == path))
        .and_then(|f| f[name].as_str())
        .unwrap_or_else(|| panic!("no {code} in {path}: {json:#}"))
        .to_string()
}

fn stage_all(repo: &TestRepo, files: &[(&str, &str)]) {
    for (path, text) in files {
        repo.stage(path, text);
    }
}

/// Commits everything, then stages a changed copy of `path` alone: the graph must still come
/// from the whole index.
fn restage_alone(repo: &TestRepo, path: &str) {
    repo.commit("all");
    let text = std::fs::read_to_string(repo.join(path)).unwrap();
    repo.stage(path, format!("# edited\n{text}"));
}

const BASE_DEPLOYMENT: &str = "\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  template:
    spec:
      initContainers:
        - {name: init, image: busybox}
      containers:
        - {name: web, image: nginx}
        - {name: side, image: ghcr.io/org/side:latest}
";

const BASE_KUSTOMIZATION: &str = "resources:\n  - deployment.yaml\n";

fn pinning_overlay(base: &str) -> String {
    format!(
        "resources:\n  - {base}\nimages:\n  - name: nginx\n    newTag: 1.25.3\n  - name: busybox\n    digest: sha256:50d858e0985ecc7f60418aaf0cc5ab587f42c2570a884095a9e8ccacd0f6545c\n  - name: ghcr.io/org/side\n    newTag: 2.0.1\n"
    )
}

#[test]
fn base_images_pinned_by_every_overlay_pass_even_when_the_base_is_staged_alone() {
    let repo = TestRepo::new();
    stage_all(
        &repo,
        &[
            ("base/deployment.yaml", BASE_DEPLOYMENT),
            ("base/kustomization.yaml", BASE_KUSTOMIZATION),
            (
                "overlays/dev/kustomization.yaml",
                &pinning_overlay("../../base"),
            ),
            (
                "overlays/prod/kustomization.yml",
                &pinning_overlay("../../base/"),
            ),
        ],
    );
    assert_eq!(gg2(&repo, &["--all"]), vec![]);
    restage_alone(&repo, "base/deployment.yaml");
    assert_eq!(gg2(&repo, &[]), vec![]);
}

#[test]
fn one_overlay_that_does_not_pin_is_named_at_the_base_image() {
    let repo = TestRepo::new();
    stage_all(
        &repo,
        &[
            ("base/deployment.yaml", BASE_DEPLOYMENT),
            ("base/kustomization.yaml", BASE_KUSTOMIZATION),
            (
                "overlays/dev/kustomization.yaml",
                &pinning_overlay("../../base"),
            ),
            // Pins the sidecar and busybox, not nginx.
            (
                "overlays/prod/kustomization.yaml",
                "resources: [../../base]\nimages:\n  - {name: ghcr.io/org/side, newTag: 2.0.1}\n  - {name: busybox, newTag: '1.36'}\n  - {name: nginx, newName: registry.local/nginx}\n",
            ),
        ],
    );
    let expected = vec![
        f("GG202", "base/deployment.yaml", 10),
        // The rename without a tag is reported where it is written.
        f("GG202", "overlays/prod/kustomization.yaml", 5),
    ];
    assert_eq!(gg2(&repo, &["--all"]), expected);
    let msg = message(&repo, &["--all"], "GG202", "base/deployment.yaml");
    assert!(
        msg.contains("`overlays/prod/kustomization.yaml`") && !msg.contains("overlays/dev"),
        "{msg}"
    );
    let help = field(&repo, &["--all"], "GG202", "base/deployment.yaml", "help");
    assert!(
        help.contains("`images: [{name: nginx, newTag: <version>}]` in `overlays/prod/"),
        "{help}"
    );
    restage_alone(&repo, "base/deployment.yaml");
    assert_eq!(
        gg2(&repo, &[]),
        vec![f("GG202", "base/deployment.yaml", 11)]
    );
}

#[test]
fn unpinned_transforms_are_reported_where_they_are_written() {
    let repo = TestRepo::new();
    stage_all(
        &repo,
        &[
            ("base/deployment.yaml", BASE_DEPLOYMENT),
            ("base/kustomization.yaml", BASE_KUSTOMIZATION),
            (
                "overlays/dev/kustomization.yaml",
                "resources: [../../base]\nimages:\n  - {name: nginx, newTag: latest}\n  - {name: busybox, newName: ghcr.io/org/busybox}\n  - {name: ghcr.io/org/side, newTag: 1.0.0-SNAPSHOT}\n",
            ),
        ],
    );
    assert_eq!(
        gg2(&repo, &["--all"]),
        vec![
            // busybox is renamed and keeps no tag: the root leaves the base image untagged.
            f("GG201", "overlays/dev/kustomization.yaml", 3),
            f("GG202", "base/deployment.yaml", 8),
            f("GG202", "overlays/dev/kustomization.yaml", 4),
            f("GG203", "overlays/dev/kustomization.yaml", 5),
        ]
    );
}

#[test]
fn components_nested_bases_and_renames() {
    let repo = TestRepo::new();
    stage_all(
        &repo,
        &[
            ("base/deployment.yaml", BASE_DEPLOYMENT),
            ("base/kustomization.yaml", BASE_KUSTOMIZATION),
            // A middle layer without transforms.
            ("mid/kustomization.yaml", "resources:\n  - ../base\n"),
            // The pins live in a component.
            (
                "components/pins/kustomization.yaml",
                "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\nimages:\n  - {name: nginx, newName: registry.local/nginx}\n  - {name: busybox, newTag: '1.36'}\n  - {name: ghcr.io/org/side, newTag: 2.0.1}\n",
            ),
            // The outer level pins the renamed image: outermost runs last.
            (
                "clusters/a/kustomization.yaml",
                "resources: [../../mid]\ncomponents: [../../components/pins]\nimages:\n  - {name: registry.local/nginx, newTag: 1.25.3}\n",
            ),
            // Includes the same base without the component: leaves all three open.
            (
                "clusters/b/kustomization.yaml",
                "resources:\n  - ../../mid\n",
            ),
        ],
    );
    let got = gg2(&repo, &["--all"]);
    assert_eq!(
        got,
        vec![
            f("GG201", "base/deployment.yaml", 11),
            f("GG202", "base/deployment.yaml", 8),
            f("GG202", "base/deployment.yaml", 10),
            f("GG202", "components/pins/kustomization.yaml", 4),
        ]
    );
    let msg = message(&repo, &["--all"], "GG201", "base/deployment.yaml");
    assert!(msg.contains("`clusters/b/kustomization.yaml`"), "{msg}");
    // Without cluster b, every root pins every image.
    repo.git(&["rm", "-q", "--cached", "clusters/b/kustomization.yaml"]);
    assert_eq!(
        gg2(&repo, &["--all"]),
        vec![f("GG202", "components/pins/kustomization.yaml", 4)]
    );
}

#[test]
fn files_no_kustomization_includes_are_judged_alone() {
    let repo = TestRepo::new();
    stage_all(
        &repo,
        &[
            ("base/deployment.yaml", BASE_DEPLOYMENT),
            // Next to a kustomization, but not listed in it.
            ("base/extra.yaml", BASE_DEPLOYMENT),
            ("base/kustomization.yaml", BASE_KUSTOMIZATION),
            (
                "overlays/dev/kustomization.yaml",
                &pinning_overlay("../../base"),
            ),
            ("standalone/pod.yaml", BASE_DEPLOYMENT),
        ],
    );
    assert_eq!(
        gg2(&repo, &["--all"]),
        vec![
            f("GG201", "base/extra.yaml", 11),
            f("GG201", "standalone/pod.yaml", 11),
            f("GG202", "base/extra.yaml", 8),
            f("GG202", "base/extra.yaml", 10),
            f("GG202", "standalone/pod.yaml", 8),
            f("GG202", "standalone/pod.yaml", 10),
        ]
    );
}

const FLUX_BASE: &str = "\
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: podinfo
spec:
  chart:
    spec:
      chart: podinfo
      sourceRef: {kind: HelmRepository, name: podinfo}
";

const FLUX_PATCH: &str = "\
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: podinfo
spec:
  chart:
    spec:
      version: 6.5.4
";

fn flux_repo(third_overlay: &str) -> TestRepo {
    let repo = TestRepo::new();
    stage_all(
        &repo,
        &[
            ("apps/base/podinfo/release.yaml", FLUX_BASE),
            (
                "apps/base/podinfo/kustomization.yaml",
                "resources: [release.yaml]\n",
            ),
            // `patches` with a target.
            (
                "apps/production/kustomization.yaml",
                "resources: [../base/podinfo]\npatches:\n  - path: podinfo-values.yaml\n    target: {kind: HelmRelease}\n",
            ),
            ("apps/production/podinfo-values.yaml", FLUX_PATCH),
            // `patchesStrategicMerge`, matched by kind and name.
            (
                "apps/staging/kustomization.yaml",
                "resources: [../base/podinfo]\npatchesStrategicMerge: [version.yaml]\n",
            ),
            ("apps/staging/version.yaml", FLUX_PATCH),
            ("apps/dev/kustomization.yaml", third_overlay),
        ],
    );
    repo
}

#[test]
fn flux_base_release_patched_with_a_version_by_every_overlay_passes() {
    // An inline JSON 6902 patch.
    let repo = flux_repo(
        "resources: [../base/podinfo]\npatches:\n  - target: {kind: HelmRelease, name: podinfo}\n    patch: |\n      - op: add\n        path: /spec/chart/spec/version\n        value: 6.5.4\n",
    );
    assert_eq!(gg2(&repo, &["--all"]), vec![]);
    restage_alone(&repo, "apps/base/podinfo/release.yaml");
    assert_eq!(gg2(&repo, &[]), vec![]);
}

#[test]
fn flux_base_release_one_overlay_leaves_without_a_version() {
    // A patch that names another release, and one that sets values only.
    let repo = flux_repo(
        "resources: [../base/podinfo]\npatches:\n  - target: {kind: HelmRelease, name: other}\n    patch: |\n      - {op: add, path: /spec/chart/spec/version, value: 1.0.0}\n  - target: {kind: HelmRelease}\n    patch: |\n      apiVersion: helm.toolkit.fluxcd.io/v2\n      kind: HelmRelease\n      metadata: {name: podinfo}\n      spec: {values: {replicas: 2}}\n",
    );
    assert_eq!(
        gg2(&repo, &["--all"]),
        vec![f("GG204", "apps/base/podinfo/release.yaml", 8)]
    );
    let msg = message(&repo, &["--all"], "GG204", "apps/base/podinfo/release.yaml");
    assert!(msg.contains("`apps/dev/kustomization.yaml`"), "{msg}");
    assert!(!msg.contains("apps/staging"), "{msg}");
    let help = field(
        &repo,
        &["--all"],
        "GG204",
        "apps/base/podinfo/release.yaml",
        "help",
    );
    assert!(
        help.contains("from `apps/dev/kustomization.yaml`"),
        "{help}"
    );
}

const GIT_SOURCE: &str = "\
apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata:
  name: charts
  namespace: flux-system
spec:
  url: https://github.com/org/charts
  ref:
    branch: main
";

fn release_from_git(name: &str) -> String {
    format!(
        "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: {{name: {name}}}\nspec:\n  chart:\n    spec:\n      chart: ./charts/{name}\n      sourceRef: {{kind: GitRepository, name: charts, namespace: flux-system}}\n"
    )
}

#[test]
fn a_git_source_is_judged_once_where_it_is_written() {
    let repo = TestRepo::new();
    stage_all(
        &repo,
        &[
            ("sources/charts.yaml", GIT_SOURCE),
            ("apps/a.yaml", &release_from_git("a")),
            ("apps/b.yaml", &release_from_git("b")),
        ],
    );
    let expected = vec![f("GG204", "sources/charts.yaml", 9)];
    assert_eq!(gg2(&repo, &["--all"]), expected);
    // Staged alone, the source still knows its users.
    restage_alone(&repo, "sources/charts.yaml");
    assert_eq!(gg2(&repo, &[]), vec![f("GG204", "sources/charts.yaml", 10)]);
    // A branch that only a Flux Kustomization applies is the cluster following its config.
    let other = TestRepo::new();
    stage_all(
        &other,
        &[
            ("sources/charts.yaml", GIT_SOURCE),
            (
                "apps/sync.yaml",
                "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {name: apps}\nspec:\n  path: ./apps\n  sourceRef: {kind: GitRepository, name: charts}\n",
            ),
        ],
    );
    assert_eq!(gg2(&other, &["--all"]), vec![]);
}

fn self_repo(config: Option<&str>) -> TestRepo {
    let repo = TestRepo::new();
    repo.git(&["remote", "add", "origin", "git@github.com:Org/Cluster.git"]);
    repo.git(&[
        "remote",
        "add",
        "mirror",
        "https://git.example.com/mirror/cluster",
    ]);
    if let Some(config) = config {
        repo.stage(".gitops-guard.yaml", config);
    }
    stage_all(
        &repo,
        &[
            (
                "sources/self.yaml",
                &GIT_SOURCE.replace(
                    "https://github.com/org/charts",
                    "ssh://git@GITHUB.com/Org/Cluster/",
                ),
            ),
            ("apps/a.yaml", &release_from_git("a")),
            (
                "argo/apps.yaml",
                "\
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: self}
spec:
  source: {repoURL: 'https://github.com/Org/Cluster.git', path: apps, targetRevision: HEAD}
---
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: mirror}
spec:
  source: {repoURL: 'https://git.example.com/mirror/cluster.git', path: apps}
---
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: elsewhere}
spec:
  source: {repoURL: 'https://github.com/Org/other.git', path: apps, targetRevision: main}
",
            ),
        ],
    );
    repo
}

#[test]
fn sources_that_are_the_repository_itself_may_follow_a_branch() {
    let repo = self_repo(None);
    assert_eq!(
        gg2(&repo, &["--all"]),
        vec![f("GG204", "argo/apps.yaml", 17)]
    );
    let strict = self_repo(Some("sources:\n  allow-self-branch: false\n"));
    assert_eq!(
        gg2(&strict, &["--all"]),
        vec![
            f("GG204", "argo/apps.yaml", 5),
            f("GG204", "argo/apps.yaml", 11),
            f("GG204", "argo/apps.yaml", 17),
            f("GG204", "sources/self.yaml", 9),
        ]
    );
}

#[test]
fn a_bad_sources_setting_is_a_clear_error() {
    let repo = TestRepo::new();
    repo.stage(
        ".gitops-guard.yaml",
        "sources:\n  allow-self-branch: maybe\n",
    );
    repo.stage("a.yaml", "kind: ConfigMap\n");
    let out = repo.cmd().arg("check").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(".gitops-guard.yaml"), "{err}");
}

/// The real trees: composition clears the one false positive they had (the Flux example's
/// base `HelmRelease`, which both overlays patch with a version) and keeps every true
/// positive, the overlays' version ranges among them.
#[test]
fn real_corpus_keeps_every_true_positive_and_loses_the_composed_false_one() {
    let expected_counts = [
        ("Morgan-Jenkins-X__jx3-eks-vault", 0),
        ("SkisocksOrg__jx3-azure-akv-cluster", 2),
        ("evillgenius75__jx3-gke-gsm", 4),
        ("fluxcd__flux2-kustomize-helm-example", 4),
        ("jenkins-x__jx3-versions", 0),
        ("jx3-gitops-repositories__jx3-kubernetes", 0),
        ("kubernetes__examples", 64),
        ("stefanprodan__podinfo", 1),
    ];
    for (name, count) in expected_counts {
        let repo = TestRepo::staging_tree(&common::corpus_tree(name));
        let got = gg2(&repo, &["--all"]);
        assert_eq!(got.len(), count, "{name}: {got:?}");
        if name == "fluxcd__flux2-kustomize-helm-example" {
            assert_eq!(
                got,
                vec![
                    f("GG204", "apps/production/podinfo-values.yaml", 9),
                    f("GG204", "apps/staging/podinfo-values.yaml", 9),
                    f("GG204", "infrastructure/controllers/cert-manager.yaml", 21),
                    f("GG204", "infrastructure/controllers/envoy-gateway.yaml", 21),
                ]
            );
        }
    }
}

#[test]
fn images_in_overlay_patches_go_through_the_overlay_transforms() {
    let repo = TestRepo::new();
    let patch = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  template:\n    spec:\n      containers:\n        - {name: web, image: nginx}\n        - {name: cache, image: redis:latest}\n";
    stage_all(
        &repo,
        &[
            ("base/deployment.yaml", BASE_DEPLOYMENT),
            ("base/kustomization.yaml", BASE_KUSTOMIZATION),
            ("overlays/dev/patch.yaml", patch),
            (
                "overlays/dev/kustomization.yaml",
                "resources: [../../base]\npatches:\n  - path: patch.yaml\nimages:\n  - {name: nginx, newTag: 1.25.3}\n  - {name: busybox, newTag: '1.36'}\n  - {name: ghcr.io/org/side, newTag: 2.0.1}\n",
            ),
        ],
    );
    assert_eq!(
        gg2(&repo, &["--all"]),
        vec![f("GG201", "overlays/dev/patch.yaml", 9)]
    );
    let msg = message(&repo, &["--all"], "GG201", "overlays/dev/patch.yaml");
    assert!(msg.contains("`overlays/dev/kustomization.yaml`"), "{msg}");
}
