//! GG302 namespace-mismatch: a namespaced object in another namespace's folder.

use super::{Ctx, File, Rule};
use crate::catalog::{self, RuleInfo};
use crate::finding::Finding;
use crate::layout::scope::KindScope;
use crate::layout::{Home, Object, Placement};
use crate::manifest::{FileKind, objects};

/// GG302 namespace-mismatch. Docs: [`DOC`].
pub struct NamespaceMismatch;

pub const DOC: &str = r#"## What it does
Reports a namespaced object under `config-root/namespaces/<ns>/` (or, in a layout of your own,
under a `{namespace}` folder) whose `metadata.namespace` names another namespace. Objects with
no `metadata.namespace` are fine (the folder decides), and cluster-scoped kinds are GG303's
business.

## Why is this bad?
The folder says where the object goes, and the Jenkins X boot job forces `metadata.namespace`
to the folder name (`jx gitops namespace --dir-mode`): a different value in git is either
overwritten at the next boot, or (with other tooling) applied to a namespace nobody expects.
Reviewers read the folder, not the field.

## Example
```yaml
# config-root/namespaces/jx/lighthouse/lighthouse-webhooks-deploy.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: lighthouse-webhooks
  namespace: jx-staging
```

Use instead:
```yaml
# config-root/namespaces/jx/lighthouse/lighthouse-webhooks-deploy.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: lighthouse-webhooks
  namespace: jx
```

## Fix
Not fixable automatically: either the folder or the field is wrong. Move the file to
`config-root/namespaces/<its namespace>/…`, or correct `metadata.namespace`.
"#;

impl Rule for NamespaceMismatch {
    fn info(&self) -> &'static RuleInfo {
        &catalog::NAMESPACE_MISMATCH
    }
    fn doc(&self) -> &'static str {
        DOC
    }
    fn applies_to(&self, kind: FileKind, _path: &str, bytes: &[u8]) -> bool {
        matches!(kind, FileKind::Yaml | FileKind::Json) && super::contains(bytes, "namespace")
    }
    fn applies_in(&self, ctx: &Ctx, kind: FileKind, path: &str, bytes: &[u8]) -> bool {
        self.applies_to(kind, path, bytes)
            && ctx
                .layout
                .is_some_and(|l| folder_namespace(&l.layout.classify(path)).is_some())
    }
    fn check(&self, file: &File, ctx: &Ctx, out: &mut Vec<Finding>) {
        let Some(index) = ctx.layout else { return };
        let placement = index.layout.classify(file.path);
        let Some(folder_ns) = folder_namespace(&placement) else {
            return;
        };
        for doc in file.docs {
            let Some(root) = &doc.root else { continue };
            for obj in objects(root).into_iter().filter_map(Object::of) {
                let Some(ns_node) = obj.namespace else {
                    continue;
                };
                let Some(ns) = ns_node.as_str() else { continue };
                if ns == folder_ns || obj.is_crd() {
                    continue;
                }
                if matches!(
                    index.kind_scope(obj.group(), obj.kind),
                    Some((KindScope::Cluster, _))
                ) {
                    continue;
                }
                let name = obj.name.unwrap_or("<unnamed>");
                out.push(
                    Finding::new(
                        self.info(),
                        file.path,
                        ns_node.span.clone(),
                        format!(
                            "{} `{name}` says namespace `{ns}` but sits in the folder of namespace `{folder_ns}`",
                            obj.kind
                        ),
                    )
                    .with_help(format!(
                        "set `metadata.namespace: {folder_ns}` (or drop it), or move the file under the `{ns}` folder"
                    ))
                    .with_label(ns_node.span.clone(), "namespace set here"),
                );
            }
        }
    }
}

/// The namespace a place names, if its pattern has `{namespace}` and it holds namespaced
/// objects (or anything).
fn folder_namespace<'p>(placement: &'p Placement) -> Option<&'p str> {
    match placement {
        Placement::Entry(e, caps) | Placement::Legacy(e, caps)
            if matches!(e.home, None | Some(Home::Namespaced)) =>
        {
            caps.namespace.as_deref()
        }
        _ => None,
    }
}
