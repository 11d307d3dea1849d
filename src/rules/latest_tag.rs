//! GG201 latest-tag.

use super::pins::{self, Problem};
use super::{Ctx, File, FileKind, Rule};
use crate::finding::Finding;

/// GG201 latest-tag. Docs: [`DOC`].
pub struct LatestTag;

pub const DOC: &str = r#"## What it does
Reports a container image whose tag is `latest` (any case) or another mutable tag from
`images.mutable-tags` (by default `latest`, `edge`, `nightly`, `main`, `master`, `develop`,
`canary`, `unstable`), wherever an image is really run or built from:

- the containers, init containers and ephemeral containers of every pod spec (Pod,
  Deployment, StatefulSet, DaemonSet, ReplicaSet, ReplicationController, Job, CronJob,
  PodTemplate), Tekton steps/sidecars/`stepTemplate`, Argo Rollouts and Workflows, Knative
  Services, Kuberhealthy checks, and `containers` lists of other custom resources;
- Helm values (`image: repo:tag`, `image: {repository, tag}`) and Flux `HelmRelease` values;
- kustomize `images[].newTag`, compose `services.*.image`;
- Dockerfile `FROM`, `COPY --from` and `RUN --mount=from=`, after `ARG` substitution.

A digest pins the image whatever the tag says (`nginx:latest@sha256:...` passes), and
`1.25-latest-alpine` is an ordinary tag. Not reported: fields that only look like images
(Flux `ImageRepository`, RBD volumes, CRD schemas, ConfigMap payloads, annotations, env
values), template expressions, and images matching `images.allow`.

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
    fn code(&self) -> &'static str {
        "GG201"
    }
    fn name(&self) -> &'static str {
        "latest-tag"
    }
    fn summary(&self) -> &'static str {
        "an image with the `latest` tag or another mutable tag"
    }
    fn doc(&self) -> &'static str {
        DOC
    }
    fn applies_to(&self, kind: FileKind, _path: &str, bytes: &[u8]) -> bool {
        pins::may_name_images(kind, bytes)
    }
    fn check(&self, file: &File, ctx: &Ctx, out: &mut Vec<Finding>) {
        pins::report(self, Problem::MutableTag, pins::images(file, ctx), file.path, out);
    }
}
