//! GG205 floating-tag (opt-in).

use super::pins::{self, Problem};
use super::{Ctx, File, Rule};
use crate::catalog::{self, RuleInfo};
use crate::finding::Finding;
use crate::manifest::FileKind;

/// GG205 floating-tag. Docs: [`DOC`].
pub struct FloatingTag;

pub const DOC: &str = r#"## What it does
Off by default; turn it on with `rules: {GG205: on}` (or `error`, `warning`, `info`) or
`--select GG205`. Reports a reference whose tag names a release line rather than one
release, in every place GG201 reads images (pod specs, Helm values, kustomize, compose,
Dockerfiles, Argo CD Helm values and kustomize images, GitHub Actions `container:` and
`services:`), and the `uses:` refs of GitHub Actions workflows.

How precise a pin must be is `images.require`:

| level | passes | reported |
|---|---|---|
| `tag` | any tag (GG205 reports nothing; GG201/GG202 still apply) | — |
| `version` (default) | a full `x.y.z` (`postgres:18.1.0-alpine`, `@v4.1.7`), a build tag that names one build (`sha-3f2a1b0`, `20240115`), a digest | a major (`redis:7`, `postgres:18-alpine`, `@v4`), a major.minor (`nginx:1.27`, `python:3.12-slim`), a word that is not a version (`stable`, `alpine`, `lts`, `mainline`) |
| `digest` | a digest (`@sha256:…`); for actions, a full 40-hex commit SHA | everything else |

`latest` and the other `images.mutable-tags` stay GG201, untagged images GG202, SNAPSHOTs
GG203, and an action on a branch (`@main`) GG204. Images under `images.allow` are never
reported.

## Why is this bad?
`redis:7` is re-pointed at every 7.x.y release and `actions/checkout@v4` at every v4
release: the same commit runs different code on different days, and a rollback to it does
not bring the old version back. GitHub's own hardening guide says that only a full commit
SHA is immutable.

## Example
```yaml
containers:
  - name: cache
    image: redis:7-alpine
```

Use instead:
```yaml
containers:
  - name: cache
    image: redis:7.4.2-alpine   # or redis@sha256:<digest>
```

## Configuration
```yaml
rules:
  GG205: warning
images:
  require: version   # tag | version | digest
```
"#;

impl Rule for FloatingTag {
    fn info(&self) -> &'static RuleInfo {
        &catalog::FLOATING_TAG
    }
    fn doc(&self) -> &'static str {
        DOC
    }
    fn applies_to(&self, kind: FileKind, path: &str, bytes: &[u8]) -> bool {
        pins::may_name_images(kind, path, bytes)
    }
    fn check(&self, file: &File, ctx: &Ctx, out: &mut Vec<Finding>) {
        let images = pins::images(file, ctx);
        pins::report(self, Problem::FloatingTag, images, file.path, out);
        if super::workflows::is_workflow(file.path) {
            let refs = pins::charts(file, ctx);
            pins::report(self, Problem::FloatingTag, refs, file.path, out);
        }
    }
}
