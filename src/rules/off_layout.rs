//! GG301 off-layout: a staged file at a path the layout does not allow.

use super::{Ctx, File, Rule};
use crate::catalog::{self, RuleInfo, Severity};
use crate::finding::Finding;
use crate::layout::{Placement, preset};
use crate::manifest::FileKind;

/// GG301 off-layout. Docs: [`DOC`].
pub struct OffLayout;

pub const DOC: &str = r#"## What it does
Reports a staged file (YAML or not) at a path the repository's layout does not allow:

- with the `jx3` preset (on by default in repositories that look like Jenkins X v3: they have
  `jx-requirements.yml` or `config-root/`), anything outside the Jenkins X v3 tree: the
  top-level files and folders (`helmfile.yaml`, `helmfiles/<ns>/`, `jx-requirements.yml`,
  `.jx/`, `.lighthouse/`, `versionStream/`, `docs/`, ...) and the `config-root/` structure
  (`cluster/namespaces/<ns>.yaml`, `cluster/resources/<ns>/<release>/…`,
  `customresourcedefinitions/<ns>/<release>/…`, `namespaces/<ns>/<release>/…`, YAML only);
- the pre-2021 folders `config-root/cluster/<ns>/<release>/` (replaced by
  `config-root/cluster/resources/<ns>/<release>/` in jx-gitops #734);
- with `layout.paths` in `.gitops-guard.yaml`, anything no pattern or `layout.allow` matches;
- a file in a folder that lacks a file `layout.folders` requires (e.g. `kustomization.yaml`);
- two paths that differ only in letter case (they collide on macOS and Windows).

A `layout.allow` entry that matches nothing is reported on `.gitops-guard.yaml` as a warning.

## Why is this bad?
"The YAML in git mirrors exactly what should exist in the cluster" only holds when every file
sits where the tooling expects it: Jenkins X applies `config-root/` folder by folder and prunes
by folder label, so a file elsewhere is silently never applied, or applied with the wrong
pruning. A stray `notes.txt` in `config-root/` breaks `kubectl apply -R`.

## Example
```text
config-root/cluster/jx/jx-build-controller/jx-build-controller-jx-clusterrole.yaml
config-root/namespaces/jx/notes.txt
tmp/debug-pod.yaml
```

Use instead:
```text
config-root/cluster/resources/jx/jx-build-controller/jx-build-controller-jx-clusterrole.yaml
docs/notes.md
```

## Fix
`gitops-guard check --fix` moves files from the pre-2021 folders to
`config-root/cluster/resources/<ns>/<release>/` in the working tree and the index, as `git mv`
would. Other off-layout files have no known home: move them, delete them, or add a pattern to
`layout.allow`.
"#;

impl Rule for OffLayout {
    fn info(&self) -> &'static RuleInfo {
        &catalog::OFF_LAYOUT
    }
    fn doc(&self) -> &'static str {
        DOC
    }
    fn applies_to(&self, _kind: FileKind, _path: &str, _bytes: &[u8]) -> bool {
        true
    }
    fn applies_in(&self, ctx: &Ctx, _kind: FileKind, _path: &str, _bytes: &[u8]) -> bool {
        ctx.layout.is_some()
    }
    fn reads_documents(&self) -> bool {
        false
    }
    fn check(&self, file: &File, ctx: &Ctx, out: &mut Vec<Finding>) {
        let Some(index) = ctx.layout else { return };
        let layout = &index.layout;
        match layout.classify(file.path) {
            Placement::Entry(..) | Placement::Allowed(_) => {}
            Placement::Legacy(entry, caps) => {
                let file_name = crate::layout::split_dir(file.path).1;
                let dest = layout.destination(entry, &caps, None, None, file_name, true);
                let mut f = Finding::new(
                    self.info(),
                    file.path,
                    0..0,
                    format!("in {}", entry.legacy.unwrap_or("a retired folder")),
                );
                f = match dest {
                    Some(d) => f.with_help(format!("move it to `{d}`")),
                    None => {
                        f.fixable = false;
                        f.with_help("move it to its place in the current layout")
                    }
                };
                out.push(f);
            }
            Placement::Off => {
                let (message, help) = if layout.jx3 {
                    preset::off_layout_hint(file.path)
                } else {
                    (
                        "matches no `layout.paths` or `layout.allow` pattern".to_string(),
                        "move or delete it, or add a pattern to `layout.paths` or `layout.allow` in .gitops-guard.yaml".to_string(),
                    )
                };
                let mut f = Finding::new(self.info(), file.path, 0..0, message).with_help(help);
                f.fixable = false;
                out.push(f);
            }
        }
        for (i, name) in index.missing_required(file.path) {
            let (dir, _) = crate::layout::split_dir(file.path);
            let mut f = Finding::new(
                self.info(),
                file.path,
                0..0,
                format!("folder `{dir}/` has no `{name}` (required by `layout.folders[{i}]`)"),
            )
            .with_help(format!("add `{dir}/{name}`, or move this file"));
            f.fixable = false;
            out.push(f);
        }
        for other in index.case_collisions(file.path) {
            let mut f = Finding::new(
                self.info(),
                file.path,
                0..0,
                format!("differs from `{other}` only in letter case"),
            )
            .with_help(
                "the two collide on case-insensitive file systems (macOS, Windows); rename one",
            );
            f.fixable = false;
            out.push(f);
        }
        if file.path == crate::config::FILE_NAME {
            for i in index.unused_allows() {
                let glob = layout.allow_patterns()[i].as_str();
                let at = file
                    .text
                    .find(glob)
                    .map(|s| s..s + glob.len())
                    .unwrap_or(0..0);
                let mut f = Finding::new(
                    self.info(),
                    file.path,
                    at,
                    format!("`layout.allow[{i}]` (`{glob}`) matches no file in the index"),
                )
                .with_help("remove the entry, or fix the pattern");
                f.severity = Severity::Warning;
                f.fixable = false;
                out.push(f);
            }
        }
    }
}
