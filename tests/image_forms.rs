//! End to end: image and chart references in the places and forms of issue #15 (Argo CD Helm
//! values and kustomize images, image maps without a repository, partly templated
//! references, digests after a tag, helmfile `.gotmpl`, floating URLs, container lists by
//! shape, OLM Subscriptions, GitHub Actions) and GG205 floating-tag. Expected findings are
//! written next to the offending line as `# FLAG GG20x`; every other line must pass.

mod common;

use common::{TestRepo, f, findings};

type Expected = Vec<(String, String, u64)>;

const DIGEST: &str = "sha256:50d858e0985ecc7f60418aaf0cc5ab587f42c2570a884095a9e8ccacd0f6545c";

/// `# FLAG GGxxx` markers of a file: (code, path, line).
fn marked(path: &str, text: &str) -> Expected {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let mut rest = line;
        while let Some(pos) = rest.find("FLAG GG") {
            out.push(f(&rest[pos + 5..pos + 10], path, i as u64 + 1));
            rest = &rest[pos + 10..];
        }
    }
    out
}

/// Stages `files` (with `config` as `.gitops-guard.yaml` when given), runs
/// `check --all --format json`, and compares the GG2xx findings with the markers.
fn check(config: Option<&str>, files: &[(&str, &str)]) -> serde_json::Value {
    check_with(config, files, Vec::new())
}

/// [`check`] with findings the files cannot mark (Dockerfile lines).
fn check_with(config: Option<&str>, files: &[(&str, &str)], extra: Expected) -> serde_json::Value {
    let repo = TestRepo::new();
    if let Some(config) = config {
        repo.stage(".gitops-guard.yaml", config);
    }
    let mut expected = extra;
    for (path, text) in files {
        repo.stage(path, text);
        expected.extend(marked(path, text));
    }
    let (code, json) = repo.check_json(&["--all"]);
    let mut got: Expected = findings(&json)
        .into_iter()
        .filter(|(c, _, _)| c.starts_with("GG2"))
        .collect();
    got.sort();
    expected.sort();
    assert_eq!(got, expected, "findings differ; full output:\n{json:#}");
    let blocking = json["findings"]
        .as_array()
        .is_some_and(|a| a.iter().any(|f| f["severity"] == "error"));
    assert_eq!(code, i32::from(blocking), "exit code: {json:#}");
    assert_eq!(json["errors"], serde_json::json!([]), "{json:#}");
    json
}

fn message_of<'a>(json: &'a serde_json::Value, code: &str, path: &str, line: u64) -> &'a str {
    json["findings"]
        .as_array()
        .and_then(|a| {
            a.iter()
                .find(|f| f["code"] == code && f["path"] == path && f["line"] == line)
        })
        .and_then(|f| f["message"].as_str())
        .unwrap_or_else(|| panic!("no {code} at line {line}: {json:#}"))
}

const GG205_ON: &str = "rules:\n  GG205: error\n";

#[test]
fn argo_cd_helm_values_parameters_and_kustomize_images() {
    let app = format!(
        "\
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {{name: shop, namespace: argocd}}
spec:
  source:
    repoURL: https://charts.example.com
    chart: shop
    targetRevision: 1.2.3
    helm:
      valuesObject:
        api:
          image: {{repository: ghcr.io/org/api, tag: latest}} # FLAG GG201
        web:
          image: {{repository: ghcr.io/org/web, tag: 1.4.0}}
      values: |
        worker:
          image: busybox # FLAG GG202
        cron:
          image: ghcr.io/org/cron:2.0.0-SNAPSHOT # FLAG GG203
        ok:
          image: nginx:1.27.3
      parameters:
        - name: image.repository
          value: ghcr.io/org/shop
        - name: image.tag
          value: latest # FLAG GG201
        - {{name: sidecar.image, value: redis}} # FLAG GG202
        - {{name: pinned.image, value: redis:7.4.2}}
        - {{name: replicas, value: latest}}
  sources:
    - repoURL: https://github.com/org/deploy
      targetRevision: v1.0.0
      kustomize:
        images:
          - nginx:latest # FLAG GG201
          - app=ghcr.io/org/app # FLAG GG202
          - api=ghcr.io/org/api:1.2.3
          - web=ghcr.io/org/web:2.0.0-SNAPSHOT@{DIGEST}
          - db:1.0-SNAPSHOT # FLAG GG203
          - cache@{DIGEST}
          - plain
"
    );
    let json = check(None, &[("apps/shop.yaml", &app)]);
    let m = message_of(&json, "GG202", "apps/shop.yaml", 17);
    assert!(
        m.contains("spec.source.helm.values.worker.image") && m.contains("`busybox`"),
        "{m}"
    );
    let m = message_of(&json, "GG201", "apps/shop.yaml", 26);
    assert!(m.contains("`ghcr.io/org/shop:latest`"), "{m}");
    let m = message_of(&json, "GG202", "apps/shop.yaml", 36);
    assert!(m.contains("renames the image to `ghcr.io/org/app`"), "{m}");

    // An ApplicationSet template: the same places under `spec.template.spec`; values that
    // are templates of the generator are not known.
    let set = "\
apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata: {name: shops}
spec:
  template:
    spec:
      source:
        repoURL: https://charts.example.com
        chart: shop
        targetRevision: 1.2.3
        helm:
          valuesObject:
            image: {tag: edge} # FLAG GG201
          values: |
            image: {{ .values.image }}
          parameters:
            - {name: image.tag, value: '{{ .values.tag }}'}
";
    check(None, &[("apps/shops.yaml", set)]);
}

#[test]
fn values_image_maps_without_repository_and_global_image_tag() {
    let values = "\
global:
  image:
    tag: latest # FLAG GG201
redis:
  image:
    tag: 7.0.0-SNAPSHOT # FLAG GG203
    pullPolicy: IfNotPresent
web:
  image:
    tag: \"\"
db:
  image:
    pullPolicy: Always
api:
  image:
    registry: ghcr.io
    tag: edge # FLAG GG201
ok:
  image:
    tag: 1.2.3
";
    let json = check(None, &[("charts/shop/values.yaml", values)]);
    let m = message_of(&json, "GG201", "charts/shop/values.yaml", 3);
    assert!(m.contains("`global.image.tag`"), "{m}");
    // The same keys in a file that is not values are not images.
    check(None, &[("config/settings.yaml", "image:\n  tag: latest\n")]);
}

#[test]
fn partly_templated_references_are_judged_by_their_literal_part() {
    let template = "\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  template:
    spec:
      initContainers:
        - name: a
          image: \"{{ .Values.registry }}/busybox\" # FLAG GG202
        - name: b
          image: \"{{ .Values.image.repository }}:latest\" # FLAG GG201
        - name: c
          image: \"{{ .Values.registry }}:5000/team/app:1.0-SNAPSHOT\" # FLAG GG203
        - name: d
          image: \"{{ .Values.image.repository }}:{{ .Values.image.tag }}\"
        - name: e
          image: \"{{ .Values.registry }}/app@sha256:50d858e0985ecc7f60418aaf0cc5ab587f42c2570a884095a9e8ccacd0f6545c\"
        - name: f
          image: \"ghcr.io/org/{{ .Values.name }}\"
        - name: g
          image: {{ .Values.image }}
        - name: h
          image: \"{{ .Values.registry }}/app:{{ .Chart.AppVersion }}\"
      containers:
        - name: i
          image: \"{{ .Values.image.repository }}-debug:latest\" # FLAG GG201
        - name: j
          image: \"{{ .Values.registry }}/app:1.4.2\"
";
    let json = check(None, &[("charts/web/templates/deploy.yaml", template)]);
    let m = message_of(&json, "GG202", "charts/web/templates/deploy.yaml", 9);
    assert!(m.contains("`{{ .Values.registry }}/busybox`"), "{m}");

    // Flux post-build and Tekton substitutions are expressions too.
    let flux = "\
apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  containers:
    - {name: a, image: \"${REGISTRY}/nginx\"} # FLAG GG202
    - {name: b, image: \"ghcr.io/org/app:${TAG}\"}
    - {name: c, image: \"$(params.registry)/tool:latest\"} # FLAG GG201
";
    check(None, &[("apps/pod.yaml", flux)]);

    // A values map whose repository is a template: the literal tag still decides.
    let values = "\
api:
  image:
    repository: \"{{ .Values.global.registry }}/api\"
    tag: latest # FLAG GG201
web:
  image:
    repository: \"{{ .Values.global.registry }}/web\"
    tag: 1.0.0
worker:
  image: \"{{ .Values.global.registry }}/worker\"
  tag: latest # FLAG GG201
cron:
  image: \"{{ .Values.global.registry }}/cron\"
  tag: \"{{ .Values.tag }}\"
";
    check(None, &[("charts/x/values.yaml", values)]);
}

#[test]
fn a_digest_pins_whatever_the_tag_says_in_every_form() {
    let deploy = format!(
        "\
apiVersion: v1
kind: Pod
metadata: {{name: p}}
spec:
  containers:
    - {{name: a, image: \"app:2.0.0-SNAPSHOT@{DIGEST}\"}}
    - {{name: b, image: \"app:latest@{DIGEST}\"}}
    - {{name: c, image: \"app:2.0.0-SNAPSHOT\"}} # FLAG GG203
"
    );
    let values = format!(
        "\
a:
  image: {{repository: ghcr.io/org/a, tag: \"2.0.0-SNAPSHOT@{DIGEST}\"}}
b:
  image: {{repository: ghcr.io/org/b, tag: 2.0.0-SNAPSHOT, digest: \"{DIGEST}\"}}
c:
  image: ghcr.io/org/c
  tag: \"latest@{DIGEST}\"
d:
  image: {{tag: \"2.0.0-SNAPSHOT@{DIGEST}\"}}
e:
  image: {{tag: \"2.0.0-SNAPSHOT@sha256:short\"}} # FLAG GG203
"
    );
    let kustomization = format!(
        "\
images:
  - name: a
    newTag: \"2.0.0-SNAPSHOT@{DIGEST}\"
  - name: b
    newTag: 2.0.0-SNAPSHOT
    digest: \"{DIGEST}\"
  - name: c
    newTag: 2.0.0-SNAPSHOT # FLAG GG203
"
    );
    check(
        None,
        &[
            ("apps/pod.yaml", &deploy),
            ("charts/x/values.yaml", &values),
            ("apps/kustomization.yaml", &kustomization),
        ],
    );
}

#[test]
fn helmfile_gotmpl_files_are_read_tolerantly() {
    let helmfile = "\
repositories:
  - name: jx
    url: https://jenkins-x-charts.github.io/repo
releases:
{{- range .Values.apps }}
  - name: {{ .name }}
    chart: jx/{{ .name }}
{{- end }}
  - name: pinned
    chart: jx/pinned
    version: 1.2.3
  - name: floating
    chart: jx/floating # FLAG GG204
  - name: templated
    chart: jx/templated
    version: {{ .Values.version }}
{{ if .Values.snapshot }}
  - name: snap
    chart: jx/snap
    version: 0.1.0-SNAPSHOT # FLAG GG203
{{ end }}
";
    let values = "\
image:
  repository: ghcr.io/org/app
  tag: latest # FLAG GG201
{{- if eq .Environment.Name \"prod\" }}
replicas: 3
{{- end }}
sidecar:
  image: {{ .Values.sidecar }}
";
    check(
        None,
        &[
            ("helmfile.yaml.gotmpl", helmfile),
            ("helmfiles/apps/values.yaml.gotmpl", values),
            // Not a YAML template: never read.
            ("notes.txt.gotmpl", "image: nginx:latest\n"),
        ],
    );
}

#[test]
fn floating_urls_in_kustomize_resources_and_helmfiles() {
    let kustomization = "\
resources:
  - https://github.com/org/op/releases/latest/download/install.yaml # FLAG GG204
  - https://github.com/org/op/releases/download/v1.4.0/install.yaml
  - https://gitlab.com/group/sub/project/-/raw/main/deploy/crds.yaml # FLAG GG204
  - https://gitlab.com/group/project/-/raw/v2.1.0/deploy/crds.yaml
  - https://raw.githubusercontent.com/org/repo/master/deploy.yaml # FLAG GG204
  - https://raw.githubusercontent.com/org/repo/3f2a1b0c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a/deploy.yaml
  - https://example.com/latest/install.yaml
  - deploy.yaml
";
    let helmfile = "\
helmfiles:
  - path: https://raw.githubusercontent.com/org/stack/main/helmfile.yaml # FLAG GG204
  - path: https://raw.githubusercontent.com/org/stack/v1.0.0/helmfile.yaml
releases:
  - name: op
    chart: https://github.com/org/op/releases/latest/download/op.tgz # FLAG GG204
  - name: app
    chart: jx/app
    version: 1.0.0
    values:
      - https://gitlab.example.com/g/p/-/raw/develop/values.yaml # FLAG GG204
      - https://gitlab.example.com/g/p/-/raw/1.0.0/values.yaml
      - values/app.yaml
";
    let json = check(
        None,
        &[
            ("apps/op/kustomization.yaml", kustomization),
            ("helmfile.yaml", helmfile),
        ],
    );
    assert!(message_of(&json, "GG204", "apps/op/kustomization.yaml", 2).contains("latest release"));
    assert!(
        message_of(&json, "GG204", "apps/op/kustomization.yaml", 4).contains("`main`, a branch")
    );
}

#[test]
fn container_lists_of_custom_resources_by_shape() {
    let cr = "\
apiVersion: example.com/v1
kind: Gateway
metadata: {name: gw}
spec:
  sidecarContainers:
    - name: proxy
      image: envoyproxy/envoy:latest # FLAG GG201
  deployment:
    extraContainers:
      - {name: shell, image: busybox} # FLAG GG202
      - {name: pinned, image: busybox:1.36.1}
  mirrors:
    - {image: busybox}
  images:
    - {name: base, image: busybox, digest: none}
    - {name: other}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: c}
data:
  list: x
extra:
  sidecars:
    - {name: a, image: busybox}
";
    check(None, &[("apps/gw.yaml", cr)]);
}

#[test]
fn olm_subscriptions_that_upgrade_themselves() {
    let subs = "\
apiVersion: operators.coreos.com/v1alpha1
kind: Subscription
metadata: {name: etcd, namespace: operators}
spec:
  channel: stable
  name: etcd # FLAG GG204
  source: operatorhubio-catalog
  sourceNamespace: olm
---
apiVersion: operators.coreos.com/v1alpha1
kind: Subscription
metadata: {name: prom, namespace: operators}
spec:
  channel: beta
  name: prometheus
  installPlanApproval: Automatic # FLAG GG204
  startingCSV: prometheusoperator.0.47.0
---
apiVersion: operators.coreos.com/v1alpha1
kind: Subscription
metadata: {name: manual, namespace: operators}
spec:
  name: strimzi
  installPlanApproval: Manual # FLAG GG204
---
apiVersion: operators.coreos.com/v1alpha1
kind: Subscription
metadata: {name: pinned, namespace: operators}
spec:
  channel: stable
  name: cert-manager
  installPlanApproval: Manual
  startingCSV: cert-manager.v1.14.4
---
apiVersion: example.com/v1
kind: Subscription
metadata: {name: billing}
spec:
  plan: gold
";
    let json = check(None, &[("operators/subs.yaml", subs)]);
    assert!(
        message_of(&json, "GG204", "operators/subs.yaml", 6)
            .contains("automatic install plan approval")
    );
    assert!(message_of(&json, "GG204", "operators/subs.yaml", 24).contains("no `startingCSV`"));
}

#[test]
fn github_actions_workflows() {
    let workflow = format!(
        "\
on: push
jobs:
  build:
    runs-on: ubuntu-latest
    container: node:latest # FLAG GG201
    services:
      db:
        image: postgres # FLAG GG202
      cache:
        image: redis:7.4.2
    steps:
      - uses: actions/checkout@3f2a1b0c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a # v4.1.7
      - uses: actions/setup-go@main # FLAG GG204
      - uses: org/tool/sub@feature/x # FLAG GG204
      - uses: actions/cache@v4
      - uses: actions/upload-artifact@v4.3.1
      - uses: ./.github/actions/local
      - uses: docker://alpine # FLAG GG202
      - uses: docker://alpine:3.20.1@{DIGEST}
      - uses: ${{{{ matrix.action }}}}
      - run: echo nginx:latest
  test:
    container:
      image: ghcr.io/org/ci:${{{{ matrix.tag }}}}
    uses: org/workflows/.github/workflows/test.yml@develop # FLAG GG204
"
    );
    let json = check(None, &[(".github/workflows/ci.yml", &workflow)]);
    assert!(
        message_of(&json, "GG204", ".github/workflows/ci.yml", 13).contains("`main` is a branch")
    );
    // The same text elsewhere is not a workflow GitHub runs.
    check(
        None,
        &[(
            "docs/ci.yml",
            "jobs:\n  a:\n    steps:\n      - uses: a/b@main\n",
        )],
    );
}

#[test]
fn gg205_is_off_by_default_and_reports_release_lines_when_on() {
    let pod = "\
apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  containers:
    - {name: a, image: postgres:18-alpine}
    - {name: b, image: redis:7}
    - {name: c, image: nginx:stable}
    - {name: d, image: nginx:latest} # FLAG GG201
";
    check(None, &[("apps/pod.yaml", pod)]);

    let pod = format!(
        "\
apiVersion: v1
kind: Pod
metadata: {{name: p}}
spec:
  containers:
    - {{name: a, image: postgres:18-alpine}} # FLAG GG205
    - {{name: b, image: redis:7}} # FLAG GG205
    - {{name: c, image: nginx:stable}} # FLAG GG205
    - {{name: d, image: python:3.12-slim}} # FLAG GG205
    - {{name: e, image: \"nginx:mainline@{DIGEST}\"}}
    - {{name: f, image: nginx:1.27.3-alpine}}
    - {{name: g, image: ghcr.io/org/app:sha-3f2a1b0}}
    - {{name: h, image: ghcr.io/org/app:20240115}}
    - {{name: i, image: nginx:latest}} # FLAG GG201
    - {{name: j, image: nginx}} # FLAG GG202
"
    );
    let values = "\
api:
  image: {repository: ghcr.io/org/api, tag: \"1.4\"} # FLAG GG205
web:
  image: {tag: lts} # FLAG GG205
";
    let kustomization =
        "images:\n  - {name: db, newTag: v16} # FLAG GG205\n  - {name: ok, newTag: v16.2.0}\n";
    let dockerfile = "FROM golang:1.23 AS build\nFROM gcr.io/distroless/static:nonroot\n";
    let workflow = "\
on: push
jobs:
  a:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4 # FLAG GG205
      - uses: actions/setup-node@v4.1 # FLAG GG205
      - uses: actions/cache@v4.2.0
      - uses: actions/setup-go@main # FLAG GG204
";
    let json = check_with(
        Some(GG205_ON),
        &[
            ("apps/pod.yaml", &pod),
            ("charts/x/values.yaml", values),
            ("apps/kustomization.yaml", kustomization),
            ("Dockerfile", dockerfile),
            (".github/workflows/ci.yml", workflow),
        ],
        vec![f("GG205", "Dockerfile", 1), f("GG205", "Dockerfile", 2)],
    );
    assert!(
        message_of(&json, "GG205", "apps/pod.yaml", 6)
            .contains("`18-alpine` names only a major version")
    );
    assert!(message_of(&json, "GG205", "apps/pod.yaml", 8).contains("is a word, not a version"));
}

#[test]
fn gg205_levels_from_images_require() {
    let pod = format!(
        "\
apiVersion: v1
kind: Pod
metadata: {{name: p}}
spec:
  containers:
    - {{name: a, image: redis:7.4.2}} # FLAG GG205
    - {{name: b, image: \"redis:7@{DIGEST}\"}}
"
    );
    let workflow = "\
on: push
jobs:
  a:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/cache@v4.2.0 # FLAG GG205
      - uses: actions/checkout@3f2a1b0c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a
";
    let config = "rules:\n  GG205: warning\nimages:\n  require: digest\n";
    let json = check(
        Some(config),
        &[
            ("apps/pod.yaml", &pod),
            (".github/workflows/ci.yml", workflow),
        ],
    );
    assert!(message_of(&json, "GG205", "apps/pod.yaml", 6).contains("no digest"));

    // `tag`: any tag passes; `--select` turns the opt-in rule on.
    let pod = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n    - {name: a, image: redis:7}\n";
    check(
        Some("rules:\n  GG205: on\nimages:\n  require: tag\n"),
        &[("apps/pod.yaml", pod)],
    );
    let repo = TestRepo::new();
    repo.stage("apps/pod.yaml", pod);
    let (code, json) = repo.check_json(&["--all", "--select", "GG205"]);
    assert_eq!(code, 1, "{json:#}");
    assert_eq!(findings(&json), vec![f("GG205", "apps/pod.yaml", 6)]);

    // A bad level is a configuration error that names the key.
    let repo = TestRepo::new();
    repo.stage(".gitops-guard.yaml", "images:\n  require: exact\n");
    repo.stage("apps/pod.yaml", pod);
    let out = repo.cmd().args(["check", "--all"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(".gitops-guard.yaml:2:12") && stderr.contains("`exact`"),
        "{stderr}"
    );
}

#[test]
fn rule_listing_shows_gg205_off_by_default() {
    let repo = TestRepo::new();
    let out = repo.cmd().args(["rules"]).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text
        .lines()
        .find(|l| l.starts_with("GG205"))
        .unwrap_or_else(|| panic!("{text}"));
    assert!(
        line.contains("floating-tag") && line.contains(" off "),
        "{line}"
    );
    let out = repo.cmd().args(["rule", "GG205"]).output().unwrap();
    let doc = String::from_utf8_lossy(&out.stdout);
    assert!(doc.contains("Default level: off"), "{doc}");
    assert!(
        doc.contains("`digest`") && doc.contains("`version`"),
        "{doc}"
    );
}

/// The GG201–GG204 findings of the real trees in `tests/fixtures/corpus/`, every one a true
/// positive: reading more places and forms must not add or lose one. kubernetes/examples'
/// archived manifests are counted (3 `latest`, 61 untagged).
const CORPUS_FINDINGS: &[(&str, &str, &str, u64)] = &[
    (
        "SkisocksOrg__jx3-azure-akv-cluster",
        "GG201",
        "config-root/namespaces/tekton-pipelines/tekton-pipeline/tekton-pipelines-controller-deploy.yaml",
        105,
    ),
    (
        "SkisocksOrg__jx3-azure-akv-cluster",
        "GG201",
        "config-root/namespaces/tekton-pipelines/tekton-pipeline/tekton-pipelines-webhook-deploy.yaml",
        81,
    ),
    (
        "evillgenius75__jx3-gke-gsm",
        "GG201",
        "config-root/namespaces/jx/lighthouse-config/jx-meta-pipeline.yaml",
        199,
    ),
    (
        "evillgenius75__jx3-gke-gsm",
        "GG201",
        "config-root/namespaces/jx/lighthouse-config/jx-meta-pipeline.yaml",
        224,
    ),
    (
        "evillgenius75__jx3-gke-gsm",
        "GG201",
        "versionStream/src/base/namespaces/jx/lighthouse-config/jx-meta-pipeline.yaml",
        202,
    ),
    (
        "evillgenius75__jx3-gke-gsm",
        "GG201",
        "versionStream/src/base/namespaces/jx/lighthouse-config/jx-meta-pipeline.yaml",
        227,
    ),
    // Not `apps/base/podinfo/release.yaml:11`: every overlay patches a version into that base
    // HelmRelease (composition, tests/composition.rs); the overlays' ranges are reported.
    (
        "fluxcd__flux2-kustomize-helm-example",
        "GG204",
        "apps/production/podinfo-values.yaml",
        9,
    ),
    (
        "fluxcd__flux2-kustomize-helm-example",
        "GG204",
        "apps/staging/podinfo-values.yaml",
        9,
    ),
    (
        "fluxcd__flux2-kustomize-helm-example",
        "GG204",
        "infrastructure/controllers/cert-manager.yaml",
        21,
    ),
    (
        "fluxcd__flux2-kustomize-helm-example",
        "GG204",
        "infrastructure/controllers/envoy-gateway.yaml",
        21,
    ),
    (
        "stefanprodan__podinfo",
        "GG202",
        "charts/podinfo/templates/tests/jwt.yaml",
        17,
    ),
];

#[test]
fn corpus_trees_keep_exactly_their_unpinned_findings() {
    let mut trees: Vec<_> = std::fs::read_dir(common::corpus_dir())
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    trees.sort();
    assert!(trees.len() >= 8, "{trees:?}");
    for tree in trees {
        let name = tree
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let repo = TestRepo::staging_tree(&tree);
        let args = ["--all", "--isolated", "--select", "GG201,GG202,GG203,GG204"];
        let (_, json) = repo.check_json(&args);
        assert_eq!(json["errors"], serde_json::json!([]), "{name}");
        let got = findings(&json);
        if name == "kubernetes__examples" {
            let count = |code: &str| got.iter().filter(|g| g.0 == code).count();
            assert_eq!(
                (count("GG201"), count("GG202"), got.len()),
                (3, 61, 64),
                "{name}: {got:?}"
            );
            continue;
        }
        let expected: Expected = CORPUS_FINDINGS
            .iter()
            .filter(|e| e.0 == name)
            .map(|e| f(e.1, e.2, e.3))
            .collect();
        let mut got = got;
        got.sort();
        assert_eq!(got, expected, "{name}");
    }
}
