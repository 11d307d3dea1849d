//! GG202 untagged-image.

use super::pins::{self, Problem};
use super::{Ctx, File, FileKind, Rule};
use crate::finding::Finding;

/// GG202 untagged-image. Docs: [`DOC`].
pub struct UntaggedImage;

pub const DOC: &str = r#"## What it does
Reports a container image with neither a tag nor a digest (`nginx`,
`registry.local:5000/team/app`), which the runtime pulls as `latest`. References are parsed
the way container runtimes parse them, so a registry port is never mistaken for a tag.
Also reported: a kustomize `images[]` override that sets `newName` without `newTag` or
`digest`. The places searched are those of GG201 (pod specs, Tekton, Argo, Knative, Helm
values, compose, Dockerfile `FROM`/`COPY --from` with `ARG`s resolved); `FROM scratch` and
references to earlier build stages are not images.

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
    fn code(&self) -> &'static str {
        "GG202"
    }
    fn name(&self) -> &'static str {
        "untagged-image"
    }
    fn summary(&self) -> &'static str {
        "an image with neither tag nor digest (implicitly `latest`)"
    }
    fn doc(&self) -> &'static str {
        DOC
    }
    fn applies_to(&self, kind: FileKind, _path: &str, bytes: &[u8]) -> bool {
        pins::may_name_images(kind, bytes)
    }
    fn check(&self, file: &File, ctx: &Ctx, out: &mut Vec<Finding>) {
        pins::report(self, Problem::Untagged, pins::images(file, ctx), file.path, out);
    }
}
