//! GG304 non-canonical-name: a resource file not named `<name>-<suffix>.yaml`, or holding
//! several documents.

use super::{Ctx, File, Rule};
use crate::catalog::{self, RuleInfo};
use crate::finding::Finding;
use crate::layout::naming::{self, Naming};
use crate::layout::{Object, Placement, judgeable, resource_docs, split_dir};
use crate::manifest::FileKind;

/// GG304 non-canonical-name. Docs: [`DOC`].
pub struct NonCanonicalName;

pub const DOC: &str = r#"## What it does
Reports a resource file inside `config-root/` that is not named as `jx gitops rename` names
it, `<metadata.name>-<suffix>.yaml`, or that holds several YAML documents (`jx gitops split`
keeps one resource per file).

The suffix is `crb` (ClusterRoleBinding), `cm` (ConfigMap), `crd` (CustomResourceDefinition),
`deploy` (Deployment), `mutwebhookcfg` (MutatingWebhookConfiguration), `ns` (Namespace), `rb`
(RoleBinding), `svc` (Service; `ksvc` for a Knative Service), `sa` (ServiceAccount),
`valwebhookcfg` (ValidatingWebhookConfiguration), else the lowercased kind. The name is not
lowercased; `/` and `:` become `-`. An `ExternalSecret` keeps the `-secret` suffix of the
Secret it was converted from (`-externalsecret` is accepted too). Files Jenkins X writes under
other names pass: `cluster/namespaces/<ns>.yaml`, `source-repositories/<owner>-<repo>.yaml`,
`lighthouse-config/install-config-cm.yaml`, `lighthouse-config/jx-meta-pipeline.yaml`.
Documents without `metadata.name`, templated names and `List`s are not judged. With
`layout.paths`, patterns with `names: canonical` or `names: bare` are checked the same way.

## Why is this bad?
One resource per file, named after it, is what makes a GitOps diff readable and a file
findable from `kubectl get`; the boot job renames and splits files anyway, so a hand-written
name turns into a surprise delete-and-add at the next boot.

## Example
```yaml
# config-root/namespaces/jx/app/settings.yaml
apiVersion: v1
kind: ConfigMap
metadata:
  name: app-settings
```

Use instead:
```yaml
# config-root/namespaces/jx/app/app-settings-cm.yaml
apiVersion: v1
kind: ConfigMap
metadata:
  name: app-settings
```

## Fix
`gitops-guard check --fix` renames the file, or splits a multi-document file into one file per
document (each canonically named), in the working tree and the index. It never overwrites an
existing file.
"#;

impl Rule for NonCanonicalName {
    fn info(&self) -> &'static RuleInfo {
        &catalog::NON_CANONICAL_NAME
    }
    fn doc(&self) -> &'static str {
        DOC
    }
    fn applies_to(&self, kind: FileKind, _path: &str, _bytes: &[u8]) -> bool {
        matches!(kind, FileKind::Yaml | FileKind::Json)
    }
    fn applies_in(&self, ctx: &Ctx, kind: FileKind, path: &str, bytes: &[u8]) -> bool {
        self.applies_to(kind, path, bytes)
            && ctx
                .layout
                .is_some_and(|l| folder_naming(&l.layout.classify(path)).is_some())
    }
    fn check(&self, file: &File, ctx: &Ctx, out: &mut Vec<Finding>) {
        let Some(index) = ctx.layout else { return };
        let placement = index.layout.classify(file.path);
        let Some(folder_naming) = folder_naming(&placement) else {
            return;
        };
        // Templates and broken files are not judged (GG001 speaks for the latter).
        if !judgeable(file.text, file.docs) {
            return;
        }
        let file_name = split_dir(file.path).1;
        let docs = resource_docs(file.text, file.docs);
        if docs.len() > 1 {
            out.push(
                Finding::new(
                    self.info(),
                    file.path,
                    0..0,
                    format!(
                        "holds {} documents; Jenkins X keeps one resource per file",
                        docs.len()
                    ),
                )
                .with_help(
                    "split it into one file per document, each named `<name>-<suffix>.yaml`",
                ),
            );
            return;
        }
        let Some(obj) = docs
            .first()
            .and_then(|d| d.root.as_ref())
            .and_then(Object::of)
        else {
            return;
        };
        let Some(name) = obj.name else { return };
        let ext = naming::extension(file_name);
        let accepted = naming::accepted(folder_naming, name, obj.api_version, obj.kind, ext);
        if accepted.iter().any(|a| a == file_name) {
            return;
        }
        let want = accepted.first().cloned().unwrap_or_default();
        let mut f = Finding::new(
            self.info(),
            file.path,
            0..0,
            format!(
                "{} `{name}` should be in a file named `{want}`, not `{file_name}`",
                obj.kind
            ),
        )
        .with_help(format!("rename it to `{want}`"));
        if let Some(name_node) = obj.node.at(&["metadata", "name"]) {
            f = f.with_label(name_node.span.clone(), "the name");
        }
        out.push(f);
    }
}

/// The naming a place expects, if it checks names.
fn folder_naming(placement: &Placement) -> Option<Naming> {
    match placement {
        Placement::Entry(e, _) | Placement::Legacy(e, _) if e.naming != Naming::Any => {
            Some(e.naming)
        }
        _ => None,
    }
}
