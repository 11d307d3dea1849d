//! GG204 unpinned-chart.

use super::pins::{self, Problem};
use super::{Ctx, File, Rule};
use crate::catalog::{self, RuleInfo};
use crate::finding::Finding;
use crate::manifest::FileKind;

/// GG204 unpinned-chart. Docs: [`DOC`].
pub struct UnpinnedChart;

pub const DOC: &str = r#"## What it does
Reports a chart or deployable artifact whose version floats:

- helmfile releases without `version`, or with a range (`^1.2`, `~1.2`, `1.2.*`, `>=1.0`,
  `*`) or `latest`. In a Jenkins X repository a missing version is filled in from the version
  stream (`versionStream/charts/<repo prefix>/<chart>/defaults.yaml`, as
  `jx gitops helmfile resolve` does): only releases the version stream does not pin are
  reported;
- `Chart.yaml` / `requirements.yaml` dependencies with a range or no version (local
  `file://` sub-charts are skipped);
- Flux `HelmRelease` / `HelmChart` without `version` (Flux reads that as `*`) or with a
  range; a base `HelmRelease` that every root kustomization including it patches with a
  version passes. Charts from a `GitRepository` or `Bucket` ignore `version` and are pinned
  by the source instead: a `GitRepository` that such a chart (in any file) is built from and
  that follows a `branch` is reported once, at the branch. `OCIRepository`/`GitRepository`
  `ref.semver` ranges, and an `OCIRepository` without `ref` (the `latest` tag);
- Argo CD `Application`/`ApplicationSet` Helm sources whose `targetRevision` is missing, a
  range or `*`, and git sources that track `HEAD`, omit `targetRevision` or name a branch (a
  commit SHA or a version tag such as `v1.4.2` passes);
- except that a Flux `GitRepository` or Argo CD git source that is this repository itself
  (one of its remotes' URLs) may follow a branch: that is how the cluster follows its own
  configuration (`sources.allow-self-branch: false` reports it too);
- kustomize `helmCharts` without an exact `version`, and remote `resources` that follow a
  branch (`?ref=main`) or no ref at all;
- file URLs that float, in kustomize `resources`, helmfile release `chart:` and `values:`
  and `helmfiles:`: the latest release (`…/releases/latest/download/…`) or a branch
  (`raw.githubusercontent.com/<org>/<repo>/main/…`, GitLab `…/-/raw/main/…`);
- OLM `Subscription`s with `installPlanApproval: Automatic` (the default): the operator
  upgrades itself to every new version of its channel. Pinned: `installPlanApproval: Manual`
  with a `startingCSV`;
- GitHub Actions workflows (`.github/workflows/*.yml`): `uses: owner/repo@<branch>` for
  actions and reusable workflows (`@main`, `@release/v1`). A full commit SHA and version tags
  pass; a major tag such as `@v4` is GG205's (opt-in).

Helmfile v1 templates (`helmfile.yaml.gotmpl`) are read as tolerantly as Helm templates;
values written as template expressions are not known and not reported.

SNAPSHOT versions are GG203.

## Why is this bad?
A floating version installs whatever was released last: a sync or a re-install changes the
cluster without any commit, and git can no longer say what runs or roll it back.

## Example
```yaml
releases:
  - name: lighthouse
    chart: jxgh/lighthouse
  - name: api
    chart: org/api
    version: ^1.2.0
```

Use instead:
```yaml
releases:
  - name: lighthouse
    chart: jxgh/lighthouse
    version: 1.33.6
  - name: api
    chart: org/api
    version: 1.2.7
```
"#;

impl Rule for UnpinnedChart {
    fn info(&self) -> &'static RuleInfo {
        &catalog::UNPINNED_CHART
    }
    fn doc(&self) -> &'static str {
        DOC
    }
    fn applies_to(&self, kind: FileKind, path: &str, bytes: &[u8]) -> bool {
        super::charts::may_name_charts(kind, path, bytes)
    }
    fn check(&self, file: &File, ctx: &Ctx, out: &mut Vec<Finding>) {
        let found = pins::charts(file, ctx);
        pins::report(self, Problem::UnpinnedChart, found, file.path, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::pins::testing::{MemRepo, run};
    use crate::source::NoRepo;

    const HELMFILE: &str = "\
environments:
  default:
    values: [jx-values.yaml]
---
releases:
- chart: jxgh/lighthouse
  name: lighthouse
- chart: jxgh/jx-preview
  name: jx-preview
- chart: jxgh/ranged
  version: ^1.2.0
- chart: ./local
";

    #[test]
    fn helmfile_versions_resolve_from_the_version_stream() {
        let repo = MemRepo::new(&[(
            "versionStream/charts/jxgh/lighthouse/defaults.yaml",
            "version: 1.33.6\n",
        )]);
        assert_eq!(
            run(
                &UnpinnedChart,
                "helmfiles/jx/helmfile.yaml",
                HELMFILE,
                &repo
            ),
            vec![("GG204", 8), ("GG204", 11)]
        );
        // Without a version stream, every release without a version floats.
        assert_eq!(
            run(
                &UnpinnedChart,
                "helmfiles/jx/helmfile.yaml",
                HELMFILE,
                &NoRepo
            ),
            vec![("GG204", 6), ("GG204", 8), ("GG204", 11)]
        );
    }

    #[test]
    fn flux_argo_and_kustomize() {
        let text = "\
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {name: worker}
spec:
  chart:
    spec: {chart: worker, sourceRef: {kind: HelmRepository, name: org}}
---
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: a}
spec:
  source: {repoURL: https://git.example.com/cfg.git, path: x, targetRevision: HEAD}
---
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: b}
spec:
  source: {repoURL: https://git.example.com/cfg.git, path: x, targetRevision: v1.4.2}
";
        assert_eq!(
            run(&UnpinnedChart, "apps.yaml", text, &NoRepo),
            vec![("GG204", 6), ("GG204", 12)]
        );
        let k = "resources:\n  - https://github.com/org/base//deploy?ref=main\n  - ../base\n";
        assert_eq!(
            run(&UnpinnedChart, "kustomization.yaml", k, &NoRepo),
            vec![("GG204", 2)]
        );
    }
}
