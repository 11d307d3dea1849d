//! GG202 untagged-image.

use super::pins::{self, Problem};
use super::{Ctx, File, Rule};
use crate::catalog::{self, RuleInfo};
use crate::finding::Finding;
use crate::manifest::FileKind;

/// GG202 untagged-image. Docs: [`DOC`].
pub struct UntaggedImage;

pub const DOC: &str = r#"## What it does
Reports a container image with neither a tag nor a digest (`nginx`,
`registry.local:5000/team/app`), which the runtime pulls as `latest`. References are parsed
the way container runtimes parse them, so a registry port is never mistaken for a tag.
Also reported: a kustomize `images[]` override that sets `newName` without `newTag` or
`digest`, and an Argo CD `kustomize.images` rename without one (`app=ghcr.io/org/app`). The
places searched are those of GG201 (pod specs, Tekton, Argo, Knative, Helm values, Argo CD
Helm values, compose, GitHub Actions jobs, Dockerfile `FROM`/`COPY --from` with `ARG`s
resolved); `FROM scratch` and references to earlier build stages are not images. A partly
templated reference whose last path component is literal has no tag whatever the template
says: `"{{ .Values.registry }}/busybox"`, `"${REGISTRY}/nginx"`.

In a file that kustomizations include (`resources`, `bases`, `components`, transitively), a
container image is judged after their `images:` transforms: it is reported only when some
root kustomization (one no other includes) leaves it unpinned, and the message names that
root. A file no kustomization includes is judged alone.

## Why is this bad?
An untagged image is `latest` in disguise: what runs changes with every push to the image
repository, without a commit to the GitOps repository.

## Example
```yaml
apiVersion: v1
kind: Pod
metadata: {name: app}
spec:
  containers:
    - name: app
      image: registry.local:5000/team/app
```

Use instead:
```yaml
apiVersion: v1
kind: Pod
metadata: {name: app}
spec:
  containers:
    - name: app
      image: registry.local:5000/team/app:2.4.1
```
"#;

impl Rule for UntaggedImage {
    fn info(&self) -> &'static RuleInfo {
        &catalog::UNTAGGED_IMAGE
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
            Problem::Untagged,
            pins::images(file, ctx),
            file.path,
            out,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::pins::testing::run;
    use crate::source::NoRepo;

    #[test]
    fn registry_ports_are_not_tags() {
        let text = "\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  template:
    spec:
      containers:
        - {name: a, image: nginx}
        - {name: b, image: nginx:latest}
        - {name: c, image: registry.local:5000/team/app}
        - {name: d, image: registry.local:5000/team/app:1.0}
      volumes:
        - {name: r, rbd: {image: foo, monitors: [m]}}
";
        assert_eq!(
            run(&UntaggedImage, "d.yaml", text, &NoRepo),
            vec![("GG202", 8), ("GG202", 10)]
        );
    }

    #[test]
    fn kustomize_name_only_override_and_compose() {
        let k = "images:\n  - {name: worker, newName: ghcr.io/org/worker}\n  - {name: web, digest: \"sha256:4b5e57f6eb2f42b9039b3d1e13929295f231749c510cbe341cd68036d9af97e2\"}\n";
        assert_eq!(
            run(&UntaggedImage, "overlays/kustomization.yaml", k, &NoRepo),
            vec![("GG202", 2)]
        );
        let compose = "services:\n  web: {image: nginx}\n  app: {build: ., image: org/app}\n";
        assert_eq!(
            run(&UntaggedImage, "compose.yaml", compose, &NoRepo),
            vec![("GG202", 2)]
        );
    }

    #[test]
    fn dockerfile_stages_and_scratch_pass() {
        let text = "FROM golang AS build\nFROM build AS test\nFROM scratch\nCOPY --from=build /a /b\nCOPY --from=alpine /c /d\n";
        assert_eq!(
            run(&UntaggedImage, "svc/Dockerfile", text, &NoRepo),
            vec![("GG202", 1), ("GG202", 5)]
        );
    }

    #[test]
    fn plain_non_string_scalars_are_not_images() {
        let odd = "a: {image: true}\nb: {image: 42}\nc: {image: \"42\"}\n";
        assert_eq!(
            run(&UntaggedImage, "values.yaml", odd, &NoRepo),
            vec![("GG202", 3)]
        );
    }

    #[test]
    fn tekton_trigger_templates() {
        let text = "\
apiVersion: triggers.tekton.dev/v1beta1
kind: TriggerTemplate
metadata: {name: tt}
spec:
  resourcetemplates:
    - apiVersion: tekton.dev/v1
      kind: TaskRun
      metadata: {generateName: run-}
      spec:
        taskSpec:
          steps: [{name: s, image: alpine}]
";
        assert_eq!(
            run(&UntaggedImage, "triggers.yaml", text, &NoRepo),
            vec![("GG202", 11)]
        );
    }

    #[test]
    fn tekton_and_jenkins_x_step_references() {
        let text = "\
apiVersion: tekton.dev/v1beta1
kind: PipelineRun
metadata: {name: pr}
spec:
  pipelineSpec:
    tasks:
      - name: t
        taskSpec:
          stepTemplate: {image: uses:jenkins-x/jx3-pipeline-catalog/tasks/go/release.yaml@versionStream}
          steps:
            - image: uses:jenkins-x/jx3-pipeline-catalog/tasks/git-clone/git-clone.yaml@versionStream
            - {name: build, image: golang}
";
        assert_eq!(
            run(
                &UntaggedImage,
                ".lighthouse/jenkins-x/release.yaml",
                text,
                &NoRepo
            ),
            vec![("GG202", 12)]
        );
    }
}
