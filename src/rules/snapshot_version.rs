//! GG203 snapshot-version.

use super::pins::{self, Problem};
use super::{Ctx, File, Rule};
use crate::catalog::{self, RuleInfo};
use crate::finding::Finding;
use crate::manifest::FileKind;

/// GG203 snapshot-version. Docs: [`DOC`].
pub struct SnapshotVersion;

pub const DOC: &str = r#"## What it does
Reports a `SNAPSHOT` version (any case): an image tag such as `svc:1.4.0-SNAPSHOT` (in the
places GG201 searches), a kustomize `newTag`, a Helm values `tag`, or a chart version in a
helmfile release, a `Chart.yaml` dependency, a Flux `HelmRelease` or an Argo CD Helm
source. A chart's own `version` in its `Chart.yaml` is the thing being built and is not
reported, and a digest pins an image whatever its tag says (`2.0.0-SNAPSHOT@sha256:…` passes
as a full reference, a Helm `tag` or a kustomize `newTag`).

In a file that kustomizations include (`resources`, `bases`, `components`, transitively), a
container image tag is judged after their `images:` transforms: it is reported only when some
root kustomization (one no other includes) leaves it unpinned, and the message names that
root. A file no kustomization includes is judged alone.

## Why is this bad?
A SNAPSHOT is a development build that is overwritten by the next one. Deploying it means
the same commit installs different software over time.

## Example
```yaml
containers:
  - name: svc
    image: nexus.example.com/svc:1.4.0-SNAPSHOT
```

Use instead:
```yaml
containers:
  - name: svc
    image: nexus.example.com/svc:1.4.0
```
"#;

impl Rule for SnapshotVersion {
    fn info(&self) -> &'static RuleInfo {
        &catalog::SNAPSHOT_VERSION
    }
    fn doc(&self) -> &'static str {
        DOC
    }
    fn applies_to(&self, kind: FileKind, path: &str, bytes: &[u8]) -> bool {
        (kind != FileKind::Other || pins::is_gotmpl(path))
            && super::contains_ignore_ascii_case(bytes, "snapshot")
    }
    fn check(&self, file: &File, ctx: &Ctx, out: &mut Vec<Finding>) {
        pins::report(
            self,
            Problem::Snapshot,
            pins::images(file, ctx),
            file.path,
            out,
        );
        pins::report(
            self,
            Problem::Snapshot,
            pins::charts(file, ctx),
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
    fn images_and_charts() {
        let pod = "containers:\n  - {name: svc, image: nexus.example.com/svc:1.4.0-SNAPSHOT}\n  - {name: ok, image: svc:1.4.0}\n";
        assert_eq!(
            run(&SnapshotVersion, "p.yaml", pod, &NoRepo),
            vec![("GG203", 2)]
        );
        let chart = "apiVersion: v2\nname: app\nversion: 0.1.0-SNAPSHOT\ndependencies:\n  - {name: lib, version: 1.0.0-snapshot, repository: https://charts.example.com}\n";
        // The chart's own version is what is being built: only the dependency counts.
        assert_eq!(
            run(&SnapshotVersion, "charts/app/Chart.yaml", chart, &NoRepo),
            vec![("GG203", 5)]
        );
        let helmfile = "releases:\n  - {name: a, chart: org/a, version: 2.0.0-SNAPSHOT}\n";
        assert_eq!(
            run(&SnapshotVersion, "helmfile.yaml", helmfile, &NoRepo),
            vec![("GG203", 2)]
        );
        assert_eq!(
            run(
                &SnapshotVersion,
                "Dockerfile",
                "FROM org/base:1-SNAPSHOT\n",
                &NoRepo
            ),
            vec![("GG203", 1)]
        );
    }
}
