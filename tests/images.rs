//! End to end: unpinned images and charts (GG201–GG204) in a temporary git repository, with the
//! real binary. Expected findings are written next to the offending line as `# FLAG GG20x`
//! (or listed explicitly for formats without comments); every other line must pass.

mod common;

use common::{TestRepo, f, findings};

type Expected = Vec<(String, String, u64)>;

/// `# FLAG GGxxx` markers of a file: (code, path, line).
fn marked(path: &str, text: &str) -> Expected {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let mut rest = line;
        while let Some(pos) = rest.find("FLAG GG") {
            let code = &rest[pos + 5..pos + 10];
            out.push(f(code, path, i as u64 + 1));
            rest = &rest[pos + 10..];
        }
    }
    out
}

/// Stages `files`, runs `check --format json`, and compares the GG2xx findings (sorted)
/// with the markers plus `extra`.
fn check(files: &[(&str, &str)], extra: Expected) -> serde_json::Value {
    check_in(&TestRepo::new(), files, extra, &[])
}

fn check_in(
    repo: &TestRepo,
    files: &[(&str, &str)],
    extra: Expected,
    args: &[&str],
) -> serde_json::Value {
    let mut expected = extra;
    for (path, text) in files {
        repo.stage(path, text);
        expected.extend(marked(path, text));
    }
    let (code, json) = repo.check_json(args);
    let mut got: Expected = findings(&json)
        .into_iter()
        .filter(|(c, _, _)| c.starts_with("GG2"))
        .collect();
    got.sort();
    expected.sort();
    assert_eq!(got, expected, "findings differ; full output:\n{json:#}");
    let blocking = findings(&json)
        .iter()
        .any(|(c, _, _)| c.starts_with("GG2") || c.starts_with("GG1"));
    assert_eq!(
        code,
        if blocking { 1 } else { 0 },
        "exit code; output:\n{json:#}"
    );
    json
}

fn message_of<'a>(json: &'a serde_json::Value, code: &str, line: u64) -> (&'a str, &'a str) {
    let f = json["findings"]
        .as_array()
        .and_then(|a| a.iter().find(|f| f["code"] == code && f["line"] == line))
        .unwrap_or_else(|| panic!("no {code} at line {line}: {json:#}"));
    (
        f["message"].as_str().unwrap_or_default(),
        f["help"].as_str().unwrap_or_default(),
    )
}

const DIGEST: &str = "sha256:50d858e0985ecc7f60418aaf0cc5ab587f42c2570a884095a9e8ccacd0f6545c";

#[test]
fn c12_untagged_latest_and_registry_port() {
    let deploy = "\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: apps}
spec:
  template:
    spec:
      containers:
        - {name: a, image: nginx}                          # FLAG GG202
        - {name: b, image: nginx:latest}                   # FLAG GG201
        - {name: c, image: registry.local:5000/team/app}   # FLAG GG202
        - {name: d, image: \"registry.local:5000/team/app:1.2.0\"}
        - {name: e, image: nginx:1.25-latest-alpine}
        - name: f
          image: NGINX:LATEST                              # FLAG GG201
";
    let json = check(&[("apps/web/deployment.yaml", deploy)], vec![]);
    let (msg, help) = message_of(&json, "GG202", 10);
    assert!(msg.contains("`registry.local:5000/team/app`"), "{msg}");
    assert!(
        msg.contains("container `c`") && msg.contains("Deployment `web`"),
        "{msg}"
    );
    assert!(
        help.contains("registry.local:5000/team/app@sha256:"),
        "{help}"
    );
    let (msg, _) = message_of(&json, "GG201", 9);
    assert!(
        msg.contains("`nginx:latest`") && msg.contains("`latest`"),
        "{msg}"
    );
}

#[test]
fn c12_kindless_fragment_and_json() {
    let fragment = "\
containers:
  - {name: a, image: nginx}                          # FLAG GG202
  - {name: b, image: nginx:latest}                   # FLAG GG201
  - {name: c, image: registry.local:5000/team/app}   # FLAG GG202
";
    let json_pod = r#"{
  "apiVersion": "v1",
  "kind": "Pod",
  "metadata": {"name": "p"},
  "spec": {
    "containers": [
      {"name": "a", "image": "busybox:latest"}
    ]
  }
}
"#;
    check(
        &[
            ("snippets/containers.yaml", fragment),
            ("apps/pod.json", json_pod),
        ],
        vec![f("GG201", "apps/pod.json", 7)],
    );
}

#[test]
fn c13_init_ephemeral_and_cronjob_nesting() {
    let text = "\
apiVersion: batch/v1
kind: CronJob
metadata: {name: nightly}
spec:
  schedule: '0 3 * * *'
  jobTemplate:
    spec:
      template:
        spec:
          initContainers: [{name: init, image: busybox:latest}]   # FLAG GG201
          containers: [{name: job, image: ghcr.io/org/job:1.4.0}]
---
apiVersion: v1
kind: Pod
metadata: {name: debug}
spec:
  containers: [{name: app, image: app:1.0.0}]
  ephemeralContainers: [{name: dbg, image: busybox}]   # FLAG GG202
";
    let json = check(&[("apps/jobs.yaml", text)], vec![]);
    let (msg, _) = message_of(&json, "GG202", 18);
    assert!(msg.contains("ephemeral container `dbg`"), "{msg}");
    let (msg, _) = message_of(&json, "GG201", 10);
    assert!(msg.contains("init container `init`"), "{msg}");
}

#[test]
fn all_workload_kinds() {
    let text = "\
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  template:
    spec:
      containers: [{name: db, image: postgres}]   # FLAG GG202
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent}
spec:
  template:
    spec:
      containers: [{name: agent, image: fluent/fluent-bit:latest}]   # FLAG GG201
---
apiVersion: apps/v1
kind: ReplicaSet
metadata: {name: rs}
spec:
  template:
    spec:
      containers: [{name: x, image: 'quay.io/x/y'}]   # FLAG GG202
---
apiVersion: v1
kind: ReplicationController
metadata: {name: rc}
spec:
  template:
    spec:
      containers: [{name: x, image: redis}]   # FLAG GG202
---
apiVersion: batch/v1
kind: Job
metadata: {name: migrate}
spec:
  template:
    spec:
      containers: [{name: m, image: \"migrate/migrate:v4.17.0\"}]
      initContainers: [{name: w, image: \"busybox:LATEST\"}]   # FLAG GG201
---
apiVersion: v1
kind: PodTemplate
metadata: {name: tpl}
template:
  spec:
    containers: [{name: t, image: alpine}]   # FLAG GG202
---
apiVersion: v1
kind: List
items:
  - apiVersion: v1
    kind: Pod
    metadata: {name: in-list}
    spec:
      containers: [{name: l, image: 'alpine:latest'}]   # FLAG GG201
";
    check(&[("apps/workloads.yaml", text)], vec![]);
}

#[test]
fn c14_snapshot_and_mutable_channel_tags() {
    let text = "\
apiVersion: v1
kind: Pod
metadata: {name: svc}
spec:
  containers:
    - {name: svc, image: nexus.example.com/svc:1.4.0-SNAPSHOT}   # FLAG GG203
    - {name: low, image: nexus.example.com/svc:2.0.0-snapshot}   # FLAG GG203
    - {name: edge, image: traefik:edge}                          # FLAG GG201
    - {name: nightly, image: org/tool:nightly}                   # FLAG GG201
    - {name: stable, image: nginx:stable}
";
    let json = check(&[("apps/svc.yaml", text)], vec![]);
    let (msg, _) = message_of(&json, "GG201", 8);
    assert!(msg.contains("`edge`") && msg.contains("mutable"), "{msg}");
    let (msg, _) = message_of(&json, "GG203", 6);
    assert!(
        msg.contains("`nexus.example.com/svc:1.4.0-SNAPSHOT`") && msg.contains("SNAPSHOT"),
        "{msg}"
    );
}

#[test]
fn configured_mutable_tags_and_allow_list() {
    let repo = TestRepo::new();
    repo.stage(
        ".gitops-guard.yaml",
        "images:\n  mutable-tags: [stable]\n  allow: [\"registry.local/*\", \"*/pause\"]\n",
    );
    let text = "\
apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  containers:
    - {name: a, image: nginx:stable}                 # FLAG GG201
    - {name: b, image: traefik:edge}
    - {name: c, image: nginx:latest}                 # FLAG GG201
    - {name: d, image: registry.local/team/app}
    - {name: e, image: registry.local/team/app:latest}
    - {name: f, image: kubernetes/pause}
    - {name: g, image: registry.k8s.io/pause}
    - {name: h, image: registry.other/pause-not}     # FLAG GG202
";
    check_in(&repo, &[("apps/p.yaml", text)], vec![], &[]);
}

#[test]
fn c15_digest_pins_with_or_without_tag() {
    let text = format!(
        "\
apiVersion: v1
kind: Pod
metadata: {{name: p}}
spec:
  containers:
    - {{name: a, image: \"nginx@{DIGEST}\"}}
    - {{name: b, image: \"nginx:latest@{DIGEST}\"}}
    - {{name: c, image: \"registry.local:5000/team/app@{DIGEST}\"}}
"
    );
    check(&[("apps/p.yaml", &text)], vec![]);
}

#[test]
fn c16_helm_values() {
    let chart = "apiVersion: v2\nname: app\nversion: 1.0.0\nappVersion: 2.3.4\n";
    let values = "\
api:    {image: {repository: ghcr.io/org/api, tag: latest}}   # FLAG GG201
worker: {image: {repository: ghcr.io/org/worker, tag: \"\"}}
web:
  image:
    registry: docker.io
    repository: org/web
    tag: \"{{ .Chart.AppVersion }}\"
cron:
  image:
    repository: ghcr.io/org/cron
    tag: 1.2.0-SNAPSHOT                  # FLAG GG203
pinned:
  image: {repository: ghcr.io/org/p, tag: latest, digest: \"sha256:50d858e0985ecc7f60418aaf0cc5ab587f42c2570a884095a9e8ccacd0f6545c\"}
sidecar:
  image: busybox:latest                  # FLAG GG201
plain:
  image: alpine                          # FLAG GG202
split:
  image: ghcr.io/org/split
  tag: main                              # FLAG GG201
notag:
  image: {repository: ghcr.io/org/notag, pullPolicy: IfNotPresent}
redis:
  repository: redis
  tag: latest                            # FLAG GG201
";
    let template = "\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include \"app.fullname\" . }}
spec:
  template:
    spec:
      containers:
        - name: api
          image: \"{{ .Values.api.image.repository }}:{{ .Values.api.image.tag | default .Chart.AppVersion }}\"
";
    let jx_values = "\
lighthouse:
  image:
    repository: ghcr.io/jenkins-x/lighthouse
    tag: latest                          # FLAG GG201
";
    let json = check(
        &[
            ("charts/app/Chart.yaml", chart),
            ("charts/app/values.yaml", values),
            ("charts/app/templates/deployment.yaml", template),
            ("helmfiles/jx/lighthouse-values.yaml", jx_values),
        ],
        vec![],
    );
    let (msg, _) = message_of(&json, "GG201", 1);
    assert!(
        msg.contains("`api.image.tag`") && msg.contains("`ghcr.io/org/api:latest`"),
        "{msg}"
    );
}

#[test]
fn c17_kustomize_images_and_remote_bases() {
    let text = format!(
        "\
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
  - ../base
  - https://github.com/org/base//deploy?ref=main   # FLAG GG204
  - https://github.com/org/base//deploy?ref=v1.2.3
  - github.com/org/repo/deploy?ref=3f2a1b0c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a
  - github.com/org/other//config                   # FLAG GG204
  - https://raw.githubusercontent.com/org/repo/main/install.yaml   # FLAG GG204
  - https://github.com/org/repo/releases/download/v0.5.0/install.yaml
images:
  - {{name: api, newTag: latest}}                    # FLAG GG201
  - {{name: worker, newName: ghcr.io/org/worker}}    # FLAG GG202
  - {{name: web, digest: \"{DIGEST}\"}}
  - {{name: svc, newTag: 1.0.0-SNAPSHOT}}            # FLAG GG203
  - {{name: ok, newName: ghcr.io/org/ok, newTag: 1.0.0}}
  - {{name: edge, newTag: edge}}                     # FLAG GG201
"
    );
    let json = check(&[("apps/api/kustomization.yaml", &text)], vec![]);
    let (msg, help) = message_of(&json, "GG202", 13);
    assert!(
        msg.contains("`worker`") && msg.contains("`ghcr.io/org/worker`"),
        "{msg}"
    );
    assert!(help.contains("newTag") && help.contains("digest"), "{help}");
    let (msg, _) = message_of(&json, "GG204", 5);
    assert!(msg.contains("`main`") && msg.contains("branch"), "{msg}");
}

#[test]
fn c18_argo_cd_moving_revisions() {
    let text = "\
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: api}
spec:
  source:
    repoURL: https://charts.example.com
    chart: api
    targetRevision: \"1.2.*\"        # FLAG GG204
---
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: cfg}
spec:
  source: {repoURL: https://git.example.com/org/cfg.git, path: apps/api, targetRevision: HEAD}  # FLAG GG204
---
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: pinned}
spec:
  sources:
    - {repoURL: https://git.example.com/org/cfg.git, path: a, targetRevision: v1.4.2}
    - {repoURL: https://git.example.com/org/cfg.git, path: b, targetRevision: 3f2a1b0c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a}
    - {repoURL: https://charts.example.com, chart: web, targetRevision: 2.0.1}
    - {repoURL: https://charts.example.com, chart: any, targetRevision: \"*\"}   # FLAG GG204
    - {repoURL: https://charts.example.com, chart: caret, targetRevision: ^2.0.0}   # FLAG GG204
    - {repoURL: https://git.example.com/org/cfg.git, path: c, targetRevision: main}   # FLAG GG204
    - repoURL: https://git.example.com/org/cfg.git   # FLAG GG204
      path: d
    - {repoURL: https://charts.example.com, chart: snap, targetRevision: 0.1.0-SNAPSHOT}   # FLAG GG203
---
apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata: {name: set}
spec:
  template:
    metadata: {name: '{{name}}'}
    spec:
      source:
        repoURL: https://git.example.com/org/cfg.git
        targetRevision: '{{revision}}'
        path: apps
";
    let json = check(&[("argocd/apps.yaml", text)], vec![]);
    let (msg, _) = message_of(&json, "GG204", 14);
    assert!(msg.contains("`HEAD`"), "{msg}");
    let (msg, _) = message_of(&json, "GG204", 27);
    assert!(msg.contains("no `targetRevision`"), "{msg}");
}

#[test]
fn c19_flux_helm_release_versions() {
    let text = "\
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {name: api}
spec:
  chart:
    spec: {chart: api, version: \">=1.0.0 <2.0.0\", sourceRef: {kind: HelmRepository, name: org}}   # FLAG GG204
---
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {name: worker}
spec:
  chart:
    spec: {chart: worker, sourceRef: {kind: HelmRepository, name: org}}   # FLAG GG204
---
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {name: pinned}
spec:
  chart:
    spec: {chart: pinned, version: \"1.4.2\", sourceRef: {kind: HelmRepository, name: org}}
---
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {name: from-git}
spec:
  chart:
    spec: {chart: ./charts/app, sourceRef: {kind: GitRepository, name: app-src}}
---
apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata: {name: app-src}
spec:
  url: https://github.com/org/app
  ref: {branch: main}   # FLAG GG204
---
apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata: {name: flux-system}
spec:
  url: https://github.com/org/fleet
  ref: {branch: main}
---
apiVersion: source.toolkit.fluxcd.io/v1
kind: OCIRepository
metadata: {name: podinfo}
spec:
  url: oci://ghcr.io/stefanprodan/charts/podinfo
  ref: {semver: \"6.x\"}   # FLAG GG204
---
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {name: subst}
spec:
  chart:
    spec: {chart: subst, version: \"${CHART_VERSION}\", sourceRef: {kind: HelmRepository, name: org}}
  values:
    image: {repository: ghcr.io/org/subst, tag: latest}   # FLAG GG201
";
    // A patch that only overrides the version (the flux2-kustomize-helm-example overlays).
    let patch = "\
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {name: podinfo, namespace: podinfo}
spec:
  chart:
    spec:
      version: \">=1.0.0\"   # FLAG GG204
  values:
    replicaCount: 2
";
    let json = check(
        &[
            ("clusters/prod/releases.yaml", text),
            ("apps/production/podinfo-values.yaml", patch),
        ],
        vec![],
    );
    let (msg, _) = message_of(&json, "GG204", 13);
    assert!(msg.contains("`*`") && msg.contains("`worker`"), "{msg}");
}

#[test]
fn c20_c21_fields_that_are_not_images() {
    let text = "\
apiVersion: image.toolkit.fluxcd.io/v1beta2
kind: ImageRepository
metadata: {name: api}
spec: {image: ghcr.io/org/api, interval: 5m}
---
apiVersion: image.toolkit.fluxcd.io/v1beta2
kind: ImagePolicy
metadata: {name: api}
spec:
  imageRepositoryRef: {name: api}
  policy: {semver: {range: '>=1.0.0'}}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
  annotations:
    image: nginx:latest
spec:
  template:
    metadata:
      annotations: {image: busybox}
    spec:
      containers:
        - name: api
          image: ghcr.io/org/api:1.4.2 # {\"$imagepolicy\": \"flux-system:api\"}
          env:
            - {name: IMAGE, value: nginx:latest}
            - {name: SIDECAR_IMAGE, value: busybox}
          # image: nginx:latest
      volumes:
        - name: rbd
          rbd: {monitors: ['10.0.0.1:6789'], image: foo, pool: kube}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: cfg}
data:
  compose.yaml: |
    services: {web: {image: nginx:latest}}
  image: nginx
---
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: environments.jenkins.io}
spec:
  versions:
    - name: v1
      schema:
        openAPIV3Schema:
          properties:
            containers:
              type: array
              items: {properties: {image: {type: string}}}
            image: {type: string, description: 'Defaults to Always if :latest tag is specified'}
---
apiVersion: kubernetes-client.io/v1
kind: ExternalSecret
metadata: {name: gsm}
spec:
  backendType: gcpSecretsManager
  projectId: p
  data:
    - {key: cluster-token, name: token, version: latest}
---
apiVersion: external-secrets.io/v1
kind: ExternalSecret
metadata: {name: gsm2}
spec:
  data:
    - secretKey: token
      remoteRef: {key: token, version: latest}
";
    check(&[("apps/not-images.yaml", text)], vec![]);
}

#[test]
fn c22_c23_dockerfiles() {
    let c22 = "\
ARG TAG=latest
ARG BASE=python:3.12-slim@sha256:558bb81cf74f2d2d82ca9f2722c5f930d4357db703cc293574c77ac1d3198a61
FROM alpine:${TAG}
FROM ${BASE} AS build
";
    let c23 = "\
FROM golang:1.23 AS build
FROM scratch
COPY --from=build /out/app /app
COPY --from=nginx:latest /etc/nginx/nginx.conf /etc/nginx/
COPY --from=0 /a /b
";
    let more = "\
# syntax=docker/dockerfile:1
ARG REGISTRY=ghcr.io
ARG VARIANT
FROM --platform=$BUILDPLATFORM ${REGISTRY}/org/builder AS builder
FROM ${REGISTRY}/org/base:${VARIANT}
FROM node:20-alpine AS deps
RUN --mount=type=bind,from=tools:1.0.0-SNAPSHOT,source=/x,target=/y make
FROM \\
    debian
FROM builder
RUN <<EOF
FROM nginx:latest
EOF
ARG IMG=redis:${VARIANT:-latest}
COPY --from=${IMG} /usr/local/bin/redis-server /bin/
";
    let json = check(
        &[
            ("images/c22/Dockerfile", c22),
            ("images/c23/Dockerfile", c23),
            ("images/more/app.Dockerfile", more),
            (
                "images/ok/Containerfile",
                "FROM registry.local:5000/base:1.2\n",
            ),
        ],
        vec![
            f("GG201", "images/c22/Dockerfile", 3),
            f("GG201", "images/c23/Dockerfile", 4),
            f("GG202", "images/more/app.Dockerfile", 4),
            f("GG203", "images/more/app.Dockerfile", 7),
            f("GG202", "images/more/app.Dockerfile", 9),
            f("GG201", "images/more/app.Dockerfile", 15),
        ],
    );
    let (msg, help) = message_of(&json, "GG201", 3);
    assert!(
        msg.contains("`alpine:${TAG}` (resolves to `alpine:latest`)"),
        "{msg}"
    );
    assert!(help.contains("alpine@sha256:"), "{help}");
}

#[test]
fn tekton_argo_knative_kuberhealthy_and_unknown_crds() {
    let tekton = "\
apiVersion: tekton.dev/v1
kind: Task
metadata: {name: build}
spec:
  stepTemplate: {image: ghcr.io/org/base}   # FLAG GG202
  steps:
    - {name: compile, image: golang:1.23}
    - {name: scan, image: ghcr.io/jenkins-x/trivydb:latest}   # FLAG GG201
    - {name: param, image: $(params.builder)}
  sidecars:
    - {name: docker, image: docker:dind}
---
apiVersion: tekton.dev/v1beta1
kind: PipelineRun
metadata: {name: release}
spec:
  pipelineSpec:
    tasks:
      - name: from-build-pack
        taskSpec:
          stepTemplate:
            image: uses:jenkins-x/jx3-pipeline-catalog/tasks/go/release.yaml@versionStream
          steps:
            - image: uses:jenkins-x/jx3-pipeline-catalog/tasks/git-clone/git-clone.yaml@versionStream
            - name: jx-variables
            - {name: promote, image: gcr.io/jenkinsxio/jx-cli:latest}   # FLAG GG201
    finally:
      - name: notify
        taskSpec:
          steps: [{name: n, image: curlimages/curl}]   # FLAG GG202
---
apiVersion: tekton.dev/v1
kind: Pipeline
metadata: {name: p}
spec:
  tasks:
    - name: t
      taskSpec:
        steps: [{name: s, image: alpine:3.20}]
---
apiVersion: tekton.dev/v1
kind: TaskRun
metadata: {name: tr}
spec:
  taskSpec:
    steps: [{name: s, image: alpine}]   # FLAG GG202
";
    let others = "\
apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata: {name: ro}
spec:
  template:
    spec:
      containers: [{name: r, image: argoproj/rollouts-demo:blue}]
      initContainers: [{name: i, image: busybox}]   # FLAG GG202
---
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {generateName: wf-}
spec:
  templates:
    - name: main
      container: {image: docker/whalesay:latest}   # FLAG GG201
    - name: script
      script: {image: python:alpine3.6, source: print(1)}
    - name: with-sidecar
      container: {image: alpine:3.7}
      sidecars: [{name: s, image: nginx}]   # FLAG GG202
---
apiVersion: serving.knative.dev/v1
kind: Service
metadata: {name: hello}
spec:
  template:
    spec:
      containers: [{image: gcr.io/knative-samples/helloworld-go}]   # FLAG GG202
---
apiVersion: comcast.github.io/v1
kind: KuberhealthyCheck
metadata: {name: kh}
spec:
  runInterval: 5m
  podSpec:
    containers:
      - {name: check, image: gcr.io/jenkinsxio/jx-webhook-events:latest}   # FLAG GG201
---
apiVersion: example.com/v1
kind: Unknown
metadata: {name: u}
spec:
  runner:
    containers: [{name: c, image: ghcr.io/org/runner:edge}]   # FLAG GG201
  # Any list whose every item has a `name` and an `image` is a container list (#15).
  helpers: [{name: c, image: nginx}]   # FLAG GG202
  mirrors: [{image: nginx}, {name: m, image: nginx}]
  containers: [name-only]
---
apiVersion: v1
kind: Service
metadata: {name: plain}
spec:
  ports: [{port: 80}]
";
    check(
        &[
            ("tekton/pipelines.yaml", tekton),
            ("apps/crds.yaml", others),
        ],
        vec![],
    );
}

#[test]
fn compose_files() {
    let compose = "\
services:
  web: {image: nginx}            # FLAG GG202
  db: {image: 'postgres:latest'} # FLAG GG201
  api: {image: ghcr.io/org/api:1.2.3}
  built: {build: ., image: org/built}
x-note: {image: nginx}
";
    check(
        &[
            ("docker-compose.yml", compose),
            (
                "deploy/compose.yaml",
                "services:\n  a: {image: alpine:edge}   # FLAG GG201\n",
            ),
        ],
        vec![],
    );
}

fn version_stream(repo: &TestRepo) {
    repo.stage(
        "versionStream/charts/repositories.yml",
        "repositories:\n- prefix: jxgh\n  urls: [https://jenkins-x-charts.github.io/repo]\n",
    );
    repo.stage(
        "versionStream/charts/jxgh/lighthouse/defaults.yaml",
        "gitUrl: https://github.com/jenkins-x/lighthouse\nversion: 1.33.6\n",
    );
    repo.stage(
        "versionStream/charts/jxgh/acme-jx/defaults.yaml",
        "version: 0.0.19\n",
    );
}

#[test]
fn helmfile_releases_with_jenkins_x_version_stream() {
    let repo = TestRepo::new();
    version_stream(&repo);
    let helmfile = "\
environments:
  default:
    values:
    - jx-values.yaml
---
namespace: jx
repositories:
- name: jxgh
  url: https://jenkins-x-charts.github.io/repo
releases:
- chart: jxgh/lighthouse
  name: lighthouse
- chart: jxgh/acme
  name: acme-jx
- chart: jxgh/jx-preview     # FLAG GG204
  name: jx-preview
- chart: jxgh/bucketrepo
  version: 0.6.4
  name: bucketrepo
- chart: jxgh/ranged
  version: ~0.3.0            # FLAG GG204
- chart: jxgh/star
  version: '*'               # FLAG GG204
- chart: jxgh/newest
  version: latest            # FLAG GG204
- chart: jxgh/snap
  version: 0.1.0-SNAPSHOT    # FLAG GG203
- chart: ./charts/local
  name: local
- chart: jxgh/templated
  version: '{{ .Values.version }}'
";
    let json = check_in(
        &repo,
        &[("helmfiles/jx/helmfile.yaml", helmfile)],
        vec![],
        &[],
    );
    let (msg, help) = message_of(&json, "GG204", 15);
    assert!(
        msg.contains("`jx-preview`") && msg.contains("version stream"),
        "{msg}"
    );
    assert!(
        msg.contains("versionStream/charts/jxgh/jx-preview/defaults.yaml"),
        "{msg}"
    );
    assert!(help.contains("jx gitops helmfile resolve"), "{help}");
}

#[test]
fn helmfile_without_version_stream() {
    let helmfile = "\
releases:
  - name: lighthouse
    chart: jxgh/lighthouse     # FLAG GG204
  - name: pinned
    chart: jxgh/pinned
    version: 1.2.3
";
    check(&[("helmfile.yaml", helmfile)], vec![]);
}

#[test]
fn chart_yaml_dependencies() {
    let chart = "\
apiVersion: v2
name: app
version: 0.1.0-SNAPSHOT
dependencies:
  - {name: a, version: ^1.2.0, repository: https://charts.example.com}         # FLAG GG204
  - {name: b, version: ~1.2.0, repository: https://charts.example.com}         # FLAG GG204
  - {name: c, version: '*', repository: https://charts.example.com}            # FLAG GG204
  - {name: d, version: 1.2.x, repository: https://charts.example.com}          # FLAG GG204
  - {name: e, version: '>=1.0.0', repository: https://charts.example.com}      # FLAG GG204
  - {name: f, version: '^1 || ^2', repository: https://charts.example.com}     # FLAG GG204
  - {name: g, version: 1.0.0 - 2.0.0, repository: https://charts.example.com}  # FLAG GG204
  - {name: h, version: 1.0.0-SNAPSHOT, repository: https://charts.example.com} # FLAG GG203
  - {name: i, version: 1.2.3, repository: https://charts.example.com}
  - {name: j, version: 0.1.0, repository: file://../j}
  - {name: k, repository: oci://ghcr.io/org/charts}                            # FLAG GG204
";
    check(&[("charts/app/Chart.yaml", chart)], vec![]);
}

#[test]
fn suppression_comment_and_rule_levels() {
    let repo = TestRepo::new();
    repo.stage(".gitops-guard.yaml", "rules:\n  GG202: off\n");
    let text = "\
apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  containers:
    - {name: a, image: nginx:latest}   # gitops-guard: ignore[GG201] vendor demo
    - {name: b, image: nginx}
    - {name: c, image: busybox:latest} # FLAG GG201
---
apiVersion: v1
kind: Pod
metadata:
  name: demo
  annotations:
    ignore-check.gitops-guard.io/latest-tag: \"upstream demo, never deployed\"
spec:
  containers:
    - {name: a, image: nginx:latest}
";
    check_in(&repo, &[("apps/p.yaml", text)], vec![], &[]);
}

#[test]
fn rule_docs_have_bad_and_good_examples() {
    let repo = TestRepo::new();
    for code in ["GG201", "GG202", "GG203", "GG204"] {
        let out = repo.cmd().args(["rule", code]).output().expect("run");
        assert!(out.status.success(), "{code}");
        let text = String::from_utf8_lossy(&out.stdout);
        for section in [
            "What it does",
            "Why is this bad?",
            "Example",
            "Use instead:",
        ] {
            assert!(text.contains(section), "{code} lacks {section}:\n{text}");
        }
    }
}
