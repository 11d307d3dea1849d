//! GG303 scope-mismatch: a cluster-scoped kind in a namespaced folder, a namespaced kind in a
//! cluster folder, or a CRD outside the CRD folder.

use super::{Ctx, File, Rule};
use crate::catalog::{self, RuleInfo};
use crate::finding::Finding;
use crate::layout::scope::ScopeSource;
use crate::layout::{Home, Object, Placement, resource_docs, split_dir};
use crate::manifest::{FileKind, objects};

/// GG303 scope-mismatch. Docs: [`DOC`].
pub struct ScopeMismatch;

pub const DOC: &str = r#"## What it does
Reports an object in the wrong kind of folder:

- a cluster-scoped kind under `config-root/namespaces/` (e.g. a `ValidatingWebhookConfiguration`
  or a `PodSecurityPolicy`);
- a namespaced kind under `config-root/cluster/`;
- a `CustomResourceDefinition` outside `config-root/customresourcedefinitions/`, or anything
  else inside it.

The scope is decided by API group **and** kind, never by kind alone (a CRD may define a
`Secret` kind of its own; jx-gitops #877): first a built-in table of Kubernetes kinds, then the
`spec.scope` of the CRDs in the repository itself, then the Jenkins X rule that kinds named
`Cluster*` are cluster-scoped. Kinds nothing knows are never reported. With `layout.paths`,
the same applies to patterns with a `scope:`.

## Why is this bad?
Jenkins X applies and prunes `config-root/cluster/`, `customresourcedefinitions/` and
`namespaces/` separately (the `gitops.jenkins-x.io/pipeline` label): a cluster-scoped object in
a namespace folder gets a namespace it cannot have, is pruned with the wrong set, and CRDs
outside their folder may be applied after the resources that need them.

## Example
```yaml
# config-root/namespaces/tekton-pipelines/tekton-pipeline/tekton-pipelines-podsecuritypolicy.yaml
apiVersion: policy/v1beta1
kind: PodSecurityPolicy
metadata:
  name: tekton-pipelines
```

Use instead:
```yaml
# config-root/cluster/resources/tekton-pipelines/tekton-pipeline/tekton-pipelines-podsecuritypolicy.yaml
apiVersion: policy/v1beta1
kind: PodSecurityPolicy
metadata:
  name: tekton-pipelines
```

## Fix
`gitops-guard check --fix` moves the file to the same `<ns>/<release>/…` place under the right
folder, in the working tree and the index (as `git mv` would); a multi-document file is split
first, each document going to its own place.
"#;

impl Rule for ScopeMismatch {
    fn info(&self) -> &'static RuleInfo {
        &catalog::SCOPE_MISMATCH
    }
    fn doc(&self) -> &'static str {
        DOC
    }
    fn applies_to(&self, kind: FileKind, _path: &str, bytes: &[u8]) -> bool {
        matches!(kind, FileKind::Yaml | FileKind::Json) && super::contains(bytes, "kind")
    }
    fn applies_in(&self, ctx: &Ctx, kind: FileKind, path: &str, bytes: &[u8]) -> bool {
        self.applies_to(kind, path, bytes)
            && ctx
                .layout
                .is_some_and(|l| folder_home(&l.layout.classify(path)).is_some())
    }
    fn check(&self, file: &File, ctx: &Ctx, out: &mut Vec<Finding>) {
        let Some(index) = ctx.layout else { return };
        let placement = index.layout.classify(file.path);
        let Some(folder) = folder_home(&placement) else {
            return;
        };
        let (Placement::Entry(entry, caps) | Placement::Legacy(entry, caps)) = &placement else {
            return;
        };
        let single = resource_docs(file.text, file.docs).len() == 1;
        for (i, doc) in file.docs.iter().enumerate() {
            let Some(root) = &doc.root else { continue };
            for obj in objects(root).into_iter().filter_map(Object::of) {
                let Some((home, source)) = index.home_of(&obj) else {
                    continue;
                };
                if home == folder {
                    continue;
                }
                let name = obj.name.unwrap_or("<unnamed>");
                let what = match home {
                    Home::Crd => "is a CustomResourceDefinition".to_string(),
                    Home::Cluster => format!("is cluster-scoped{}", because(source)),
                    Home::Namespaced if folder == Home::Crd => {
                        "is not a CustomResourceDefinition".to_string()
                    }
                    Home::Namespaced => format!("is namespaced{}", because(source)),
                };
                let current = crate::layout::naming::split_name(split_dir(file.path).1, i);
                let dest =
                    index
                        .layout
                        .destination(entry, caps, Some(home), Some(&obj), &current, single);
                let span = obj
                    .kind_node
                    .map(|k| k.span.clone())
                    .unwrap_or_else(|| obj.node.span.clone());
                let mut f = Finding::new(
                    self.info(),
                    file.path,
                    span.clone(),
                    format!(
                        "{} `{name}` {what} but sits in {}",
                        obj.kind,
                        folder.describe()
                    ),
                );
                f = match dest {
                    Some(d) => f.with_help(format!("move it to `{d}`")),
                    None => {
                        f.fixable = false;
                        f.with_help(format!(
                            "move it to {} ({} has no such place for it)",
                            home.describe(),
                            entry.describe()
                        ))
                    }
                };
                out.push(f.with_label(span, "this kind"));
            }
        }
    }
}

fn because(source: Option<ScopeSource>) -> &'static str {
    match source {
        Some(ScopeSource::Crd) => " (per its CRD in this repository)",
        Some(ScopeSource::ClusterPrefix) => " (kinds named `Cluster*` are)",
        Some(ScopeSource::BuiltIn) | None => "",
    }
}

/// The kind of folder a place is, if it expects one.
fn folder_home(placement: &Placement) -> Option<Home> {
    match placement {
        Placement::Entry(e, _) | Placement::Legacy(e, _) => e.home,
        _ => None,
    }
}
