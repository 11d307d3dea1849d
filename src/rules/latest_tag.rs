//! GG201 latest-tag.

use super::pins::{self, Problem};
use super::{Ctx, File, Rule};
use crate::catalog::{self, RuleInfo};
use crate::finding::Finding;
use crate::manifest::FileKind;

/// GG201 latest-tag. Docs: [`DOC`].
pub struct LatestTag;

pub const DOC: &str = r#"## What it does
Reports a container image whose tag is `latest` (any case) or another mutable tag from
`images.mutable-tags` (by default `latest`, `edge`, `nightly`, `main`, `master`, `develop`,
`canary`, `unstable`), wherever an image is really run or built from:

- the containers, init containers and ephemeral containers of every pod spec (Pod,
  Deployment, StatefulSet, DaemonSet, ReplicaSet, ReplicationController, Job, CronJob,
  PodTemplate), Tekton steps/sidecars/`stepTemplate`, Argo Rollouts and Workflows, Knative
  Services, Kuberhealthy checks, and the container lists of other custom resources (any list
  whose items all have a `name` and an `image`: `sidecarContainers`, `extraContainers`, ...);
- Helm values (`image: repo:tag`, `image: {repository, tag}`, and `image: {tag: latest}`
  without a repository, as in a subchart override or `global.image.tag`), Flux
  `HelmRelease` values, helmfile `values.yaml.gotmpl`, and Argo CD `helm.valuesObject`,
  `helm.values` (YAML in a string) and `helm.parameters` (`image.tag`);
- kustomize `images[].newTag`, Argo CD `kustomize.images` (`nginx:latest`,
  `app=ghcr.io/org/app:latest`), compose `services.*.image`;
- GitHub Actions workflows: a job's `container:`, `services:` and `uses: docker://…`;
- Dockerfile `FROM`, `COPY --from` and `RUN --mount=from=`, after `ARG` substitution.

A digest pins the image whatever the tag says (`nginx:latest@sha256:...` and
`tag: latest@sha256:...` pass), and `1.25-latest-alpine` is an ordinary tag. In Helm values
an empty `tag: ""` passes: charts fall back to their `appVersion`, which the chart version
pins. A partly templated reference is judged by its literal part: `"{{ .Values.image }}:latest"`
is `latest` whatever the template says, while `"app:{{ .Values.tag }}"` is not known until
rendering. Not reported: fields that only look like images (Flux `ImageRepository`, RBD
volumes, CRD schemas, ConfigMap payloads, annotations, env values), fully templated values,
and images matching `images.allow`. A tag that only names a release line (`redis:7`) is
GG205's.

In a file that kustomizations include (`resources`, `bases`, `components`, transitively), a
container image is judged after their `images:` transforms: it is reported only when some
root kustomization (one no other includes) leaves it unpinned, and the message names that
root. A file no kustomization includes is judged alone.

## Why is this bad?
A mutable tag is re-pointed at every push. The same commit then runs different code on
different nodes and days, a rollback to it does not roll anything back, and git no longer
says what runs.

## Example
```yaml
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  template:
    spec:
      containers:
        - name: web
          image: nginx:latest
```

Use instead:
```yaml
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  template:
    spec:
      containers:
        - name: web
          image: nginx:1.27.3   # or nginx@sha256:<digest>
```

## Configuration
```yaml
images:
  mutable-tags: [latest, edge, nightly]   # replaces the default list; latest always counts
  allow: ["registry.local/*", "*/pause"]  # image globs that are never reported
```
"#;

impl Rule for LatestTag {
    fn info(&self) -> &'static RuleInfo {
        &catalog::LATEST_TAG
    }
    fn doc(&self) -> &'static str {
        DOC
    }
    fn applies_to(&self, kind: FileKind, path: &str, bytes: &[u8]) -> bool {
        pins::may_name_images(kind, path, bytes)
    }
    fn check(&self, file: &File, ctx: &Ctx, out: &mut Vec<Finding>) {
        pins::report(
            self,
            Problem::MutableTag,
            pins::images(file, ctx),
            file.path,
            out,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Settings;
    use crate::rules::pins::testing::{run, run_with};
    use crate::source::NoRepo;

    #[test]
    fn pod_specs_and_nesting() {
        let text = "\
apiVersion: batch/v1
kind: CronJob
metadata: {name: c}
spec:
  jobTemplate:
    spec:
      template:
        spec:
          initContainers: [{name: init, image: busybox:latest}]
          containers: [{name: job, image: ghcr.io/org/job:1.4.0}]
---
apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  containers:
    - {name: a, image: nginx:1.25-latest-alpine}
    - {name: b, image: \"nginx:latest@sha256:50d858e0985ecc7f60418aaf0cc5ab587f42c2570a884095a9e8ccacd0f6545c\"}
    - {name: c, image: traefik:edge}
";
        assert_eq!(
            run(&LatestTag, "apps/a.yaml", text, &NoRepo),
            vec![("GG201", 9), ("GG201", 19)]
        );
    }

    #[test]
    fn configured_tags_replace_the_default_but_keep_latest() {
        let settings = Settings::from_text("images:\n  mutable-tags: [stable]\n", None).unwrap();
        let text = "containers:\n  - {name: a, image: nginx:stable}\n  - {name: b, image: traefik:edge}\n  - {name: c, image: nginx:latest}\n";
        assert_eq!(
            run_with(&LatestTag, "x.yaml", text, &NoRepo, &settings),
            vec![("GG201", 2), ("GG201", 4)]
        );
    }

    #[test]
    fn dockerfile_arg_resolves_to_latest() {
        let text =
            "ARG TAG=latest\nFROM alpine:${TAG}\nFROM scratch\nCOPY --from=nginx:latest /a /b\n";
        assert_eq!(
            run(&LatestTag, "Dockerfile", text, &NoRepo),
            vec![("GG201", 2), ("GG201", 4)]
        );
    }

    #[test]
    fn values_kustomize_and_non_images() {
        let values = "api: {image: {repository: ghcr.io/org/api, tag: latest}}\nworker: {image: {repository: ghcr.io/org/worker, tag: \"\"}}\n";
        assert_eq!(
            run(&LatestTag, "charts/x/values.yaml", values, &NoRepo),
            vec![("GG201", 1)]
        );
        let kustomization =
            "images:\n  - {name: api, newTag: latest}\n  - {name: web, newTag: 1.0.0}\n";
        assert_eq!(
            run(&LatestTag, "kustomization.yaml", kustomization, &NoRepo),
            vec![("GG201", 2)]
        );
        let data =
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata:\n  image: nginx:latest\n";
        assert_eq!(run(&LatestTag, "cm.yaml", data, &NoRepo), vec![]);
    }
}
