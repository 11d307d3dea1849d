//! Findings about the scan itself: files that cannot be read as manifests, and suppressions.
//! The engine produces most of these; they are rules so that they have codes, levels and docs.

use super::{Ctx, File, FileKind, Rule};
use crate::finding::{Finding, Severity};
use crate::manifest::{Node, Value};

/// GG001 invalid-yaml: a YAML/JSON file or document that does not parse. Docs: [`INVALID_YAML_DOC`].
pub struct InvalidYaml;

pub const INVALID_YAML_DOC: &str = r#"## What it does
Reports a staged YAML or JSON file (or one document of a multi-document file) that does not
parse, or that is not valid UTF-8, and every mapping key that appears twice in one mapping of a
Kubernetes object (`data: {}` followed by `data: {password: …}`): Kubernetes keeps the last one, or rejects the
object under strict validation, so the file does not say what the cluster gets. The other
rules read the last one, as Kubernetes does; GG101 reports values under either.

## Why is this bad?
A file that does not parse cannot be applied, and cannot be checked: a Secret inside it would
go unnoticed. Helm chart templates (`templates/`, or text with `{{ }}`) are read tolerantly
and never reported here.

## Example
```yaml
apiVersion: v1
kind: ConfigMap
data: {a: 1
```

Use instead:
```yaml
apiVersion: v1
kind: ConfigMap
data: {a: "1"}
```
"#;

impl Rule for InvalidYaml {
    fn code(&self) -> &'static str {
        "GG001"
    }
    fn name(&self) -> &'static str {
        "invalid-yaml"
    }
    fn summary(&self) -> &'static str {
        "a YAML/JSON file or document does not parse"
    }
    fn doc(&self) -> &'static str {
        INVALID_YAML_DOC
    }
    fn applies_to(&self, kind: FileKind, _path: &str, _bytes: &[u8]) -> bool {
        matches!(kind, FileKind::Yaml | FileKind::Json)
    }
    fn check(&self, file: &File, _ctx: &Ctx, out: &mut Vec<Finding>) {
        for doc in file.docs {
            // Templates are not YAML until rendered: never a flood of parse errors for them.
            if doc.templated {
                continue;
            }
            if let Some(err) = &doc.error {
                let what = if file.docs.len() > 1 {
                    format!("document {} does not parse: {}", doc.index + 1, err.message)
                } else {
                    format!("does not parse: {}", err.message)
                };
                out.push(
                    Finding::new(self, file.path, err.span.clone(), what).with_help(
                        "fix the syntax; the other documents and files were still checked",
                    ),
                );
            }
            // Manifests only: what Kubernetes decodes (other YAML has other readers).
            if let Some(root) = doc.root.as_ref().filter(|r| is_object(r)) {
                duplicate_keys(self, file.path, root, out);
            }
        }
    }
}

/// Reports every mapping key that appears twice in one mapping. Kubernetes' decoders keep the
/// last one (or reject the object under strict field validation), so what git shows first is
/// not what the cluster gets; gitops-guard's rules read the last one too.
fn duplicate_keys(rule: &InvalidYaml, path: &str, node: &Node, out: &mut Vec<Finding>) {
    match &node.value {
        Value::Scalar(_) => {}
        Value::Seq(items) => {
            for item in items {
                duplicate_keys(rule, path, item, out);
            }
        }
        Value::Map(entries) => {
            // Linear scans for the usual small mapping; an index for a large (or hostile) one.
            let index: Option<std::collections::HashMap<&str, usize>> =
                (entries.len() > 16).then(|| {
                    let mut seen = std::collections::HashMap::new();
                    for (i, (k, _)) in entries.iter().enumerate() {
                        if let Some(name) = k.as_str() {
                            seen.entry(name).or_insert(i);
                        }
                    }
                    seen
                });
            for (i, (key, value)) in entries.iter().enumerate() {
                let first = key.as_str().and_then(|name| match &index {
                    Some(seen) => seen
                        .get(name)
                        .filter(|&&at| at < i)
                        .map(|&at| &entries[at].0),
                    None => entries[..i]
                        .iter()
                        .find(|(k, _)| k.as_str() == Some(name))
                        .map(|(k, _)| k),
                });
                if let (Some(name), Some(first)) = (key.as_str(), first) {
                    out.push(
                        Finding::new(
                            rule,
                            path,
                            key.span.clone(),
                            format!(
                                "duplicate key `{}`: Kubernetes keeps only the last one, or \
                                 rejects the object",
                                printable(name)
                            ),
                        )
                        .with_label(key.span.clone(), "applied")
                        .with_label(first.span.clone(), "ignored: the same key, earlier")
                        .with_help("keep one entry for the key"),
                    );
                }
                duplicate_keys(rule, path, value, out);
            }
        }
    }
}

/// A Kubernetes object: a mapping with `apiVersion` and `kind`.
fn is_object(root: &Node) -> bool {
    root.get("apiVersion").is_some() && root.get("kind").is_some()
}

/// A key as shown in a message: short, on one line.
fn printable(key: &str) -> String {
    let one_line: String = key
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    match one_line.char_indices().nth(60) {
        Some((at, _)) => format!("{}…", &one_line[..at]),
        None => one_line,
    }
}

/// GG003 file-too-large. Docs: [`FILE_TOO_LARGE_DOC`].
pub struct FileTooLarge;

pub const FILE_TOO_LARGE_DOC: &str = r#"## What it does
Reports a staged file above the size limit (`max-file-size`, default 10 MiB). The file is not
scanned, and the report says so: nothing is skipped silently.

## Why is this bad?
Manifests are small; a huge file is usually a mistake (a dump, an archive), and scanning it
would slow every commit.

## Example
A 50 MiB `cluster-dump.yaml` staged by accident.

Use instead: keep it out of git, or raise `max-file-size` in `.gitops-guard.yaml`.
"#;

impl Rule for FileTooLarge {
    fn code(&self) -> &'static str {
        "GG003"
    }
    fn name(&self) -> &'static str {
        "file-too-large"
    }
    fn summary(&self) -> &'static str {
        "a staged file is over the size limit and was not scanned"
    }
    fn doc(&self) -> &'static str {
        FILE_TOO_LARGE_DOC
    }
    fn default_severity(&self) -> Severity {
        Severity::Warning
    }
    fn applies_to(&self, _kind: FileKind, _path: &str, _bytes: &[u8]) -> bool {
        false
    }
    fn check(&self, _file: &File, _ctx: &Ctx, _out: &mut Vec<Finding>) {}
}

/// GG004 unused-suppression. Docs: [`UNUSED_SUPPRESSION_DOC`].
pub struct UnusedSuppression;

pub const UNUSED_SUPPRESSION_DOC: &str = r#"## What it does
Reports a suppression (`# gitops-guard: ignore[CODE]` comment or
`ignore-check.gitops-guard.io/<rule>` annotation) that suppresses nothing.

## Why is this bad?
A stale suppression hides the next real problem at that place. Like ruff's RUF100.

## Example
```yaml
# gitops-guard: ignore[GG101] legacy
apiVersion: v1
kind: ConfigMap
```

Use instead: delete the comment.
"#;

impl Rule for UnusedSuppression {
    fn code(&self) -> &'static str {
        "GG004"
    }
    fn name(&self) -> &'static str {
        "unused-suppression"
    }
    fn summary(&self) -> &'static str {
        "a suppression comment or annotation matches no finding"
    }
    fn doc(&self) -> &'static str {
        UNUSED_SUPPRESSION_DOC
    }
    fn default_severity(&self) -> Severity {
        Severity::Warning
    }
    fn applies_to(&self, _kind: FileKind, _path: &str, _bytes: &[u8]) -> bool {
        false
    }
    fn check(&self, _file: &File, _ctx: &Ctx, _out: &mut Vec<Finding>) {}
}

/// GG005 invalid-suppression. Docs: [`INVALID_SUPPRESSION_DOC`].
pub struct InvalidSuppression;

pub const INVALID_SUPPRESSION_DOC: &str = r#"## What it does
Reports a suppression comment that names an unknown rule code or is malformed.

## Why is this bad?
A typo in a suppression silently suppresses nothing, or worse, hides the wrong rule.

## Example
```yaml
# gitops-guard: ignore[GG1O1] typo: letter O
```

Use instead:
```yaml
# gitops-guard: ignore[GG101] values come from the sealed store
```
"#;

impl Rule for InvalidSuppression {
    fn code(&self) -> &'static str {
        "GG005"
    }
    fn name(&self) -> &'static str {
        "invalid-suppression"
    }
    fn summary(&self) -> &'static str {
        "a suppression names an unknown rule or is malformed"
    }
    fn doc(&self) -> &'static str {
        INVALID_SUPPRESSION_DOC
    }
    fn default_severity(&self) -> Severity {
        Severity::Warning
    }
    fn applies_to(&self, _kind: FileKind, _path: &str, _bytes: &[u8]) -> bool {
        false
    }
    fn check(&self, _file: &File, _ctx: &Ctx, _out: &mut Vec<Finding>) {}
}
