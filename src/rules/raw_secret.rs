//! GG101 raw-secret, and the spans of secret values that every output must redact.

use super::{Ctx, File, Rule};
use crate::catalog::{self, RuleInfo};
use crate::finding::Finding;
use crate::manifest::{Document, FileKind, Node, objects};
use std::ops::Range;

/// GG101 raw-secret. Docs: [`DOC`].
pub struct RawSecret;

pub const DOC: &str = r#"## What it does
Reports a core Kubernetes `Secret` (`apiVersion: v1`, `kind: Secret`) whose `data` or
`stringData` holds at least one value, in any document of a YAML/JSON file, including the
items of a `kind: List`.

Not reported: Secrets with no keys or only empty values (Jenkins X commits these and fills
them at install time), `SealedSecret`, `ExternalSecret`, `Secret` kinds of other API groups,
SOPS-encrypted Secrets (a top-level `sops:` block), values that are only Helm template
expressions, and Secrets annotated `secret.jenkins-x.io/convert-exclude: "true"` (the Jenkins X
opt-out; shown in `--verbose` output).

## Why is this bad?
Anything in git is readable by everyone who can clone the repository, forever: base64 is an
encoding, not encryption. Secret values belong in an external secret store; git holds an
`ExternalSecret` that points at them.

## Example
```yaml
apiVersion: v1
kind: Secret
metadata:
  name: db
  namespace: apps
type: Opaque
stringData:
  password: hunter2
```

Use instead:
```yaml
apiVersion: external-secrets.io/v1
kind: ExternalSecret
metadata:
  name: db
  namespace: apps
spec:
  refreshInterval: 1h
  secretStoreRef: {kind: ClusterSecretStore, name: jx-secret-store}
  target: {name: db, creationPolicy: Owner, template: {type: Opaque}}
  data:
  - secretKey: password
    remoteRef: {key: apps/db, property: password}
```

## Fix
`gitops-guard check --fix` rewrites the Secret document into an ExternalSecret, after saving
the values under `.git/gitops-guard/secrets/<namespace>/<name>.json` (never printed).
"#;

const EXCLUDE_ANNOTATION: &str = "secret.jenkins-x.io/convert-exclude";

impl Rule for RawSecret {
    fn info(&self) -> &'static RuleInfo {
        &catalog::RAW_SECRET
    }
    fn doc(&self) -> &'static str {
        DOC
    }
    fn applies_to(&self, kind: FileKind, _path: &str, bytes: &[u8]) -> bool {
        matches!(kind, FileKind::Yaml | FileKind::Json) && super::contains(bytes, "Secret")
    }
    fn check(&self, file: &File, _ctx: &Ctx, out: &mut Vec<Finding>) {
        for doc in file.docs {
            let Some(root) = &doc.root else { continue };
            for obj in objects(root) {
                let Some(secret) = RawSecretInfo::of(obj) else {
                    continue;
                };
                if secret.excluded || secret.value_keys.is_empty() {
                    continue;
                }
                let mut finding = Finding::new(
                    self.info(),
                    file.path,
                    obj.span.clone(),
                    format!(
                        "raw Secret `{}`{} holds {} in plain text ({})",
                        secret.name,
                        secret
                            .namespace
                            .as_deref()
                            .map(|ns| format!(" in namespace `{ns}`"))
                            .unwrap_or_default(),
                        plural(secret.value_keys.len(), "value"),
                        secret
                            .value_keys
                            .iter()
                            .map(|(k, _)| k.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                )
                .with_help(
                    "keep the values in a secret store and commit an ExternalSecret instead: \
                     `gitops-guard check --fix` converts it and saves the values outside git",
                );
                if let Some(kind) = obj.get("kind") {
                    finding = finding.with_label(kind.span.clone(), "raw Secret");
                }
                for (key, span) in &secret.value_keys {
                    finding = finding.with_label(span.clone(), format!("value of `{key}`"));
                }
                out.push(finding);
            }
        }
    }
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// What GG101 and `--fix` need to know about a core Secret object.
pub struct RawSecretInfo<'a> {
    pub name: String,
    pub namespace: Option<String>,
    /// Annotated `secret.jenkins-x.io/convert-exclude: "true"`.
    pub excluded: bool,
    /// Keys (of `data` and `stringData`) whose value is set, with the span of each key node.
    pub value_keys: Vec<(String, Range<usize>)>,
    /// The `data` and `stringData` mappings, for `--fix`.
    #[allow(dead_code)]
    pub data: Option<&'a Node>,
    #[allow(dead_code)]
    pub string_data: Option<&'a Node>,
}

impl<'a> RawSecretInfo<'a> {
    /// `Some` when `obj` is a core (`v1`) Secret that is not SOPS-encrypted.
    pub fn of(obj: &'a Node) -> Option<RawSecretInfo<'a>> {
        if !is_core_secret(obj) || obj.get("sops").is_some() {
            return None;
        }
        let meta = obj.get("metadata");
        let text = |key: &str| {
            meta.and_then(|m| m.get(key))
                .and_then(Node::as_str)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
        };
        let excluded = meta
            .and_then(|m| m.at(&["annotations", EXCLUDE_ANNOTATION]))
            .and_then(Node::as_str)
            .is_some_and(|v| v.eq_ignore_ascii_case("true"));
        let data = obj.get("data").filter(|n| n.as_map().is_some());
        let string_data = obj.get("stringData").filter(|n| n.as_map().is_some());
        let mut value_keys = Vec::new();
        for map in [data, string_data].into_iter().flatten() {
            for (k, v) in map.as_map().unwrap_or_default() {
                let holds_value = match v.as_scalar() {
                    Some(s) => !s.templated && !v.is_null(),
                    None => true, // a nested structure is still content in git
                };
                if holds_value {
                    value_keys.push((k.as_str().unwrap_or("?").to_string(), k.span.clone()));
                }
            }
        }
        Some(RawSecretInfo {
            name: text("name").unwrap_or_else(|| "<unnamed>".into()),
            namespace: text("namespace"),
            excluded,
            value_keys,
            data,
            string_data,
        })
    }
}

/// Names of the Secrets that hold values but are allowed by the Jenkins X opt-out annotation.
pub fn allowed_secrets(docs: &[Document]) -> Vec<String> {
    docs.iter()
        .filter_map(|d| d.root.as_ref())
        .flat_map(objects)
        .filter_map(RawSecretInfo::of)
        .filter(|s| s.excluded && !s.value_keys.is_empty())
        .map(|s| s.name)
        .collect()
}

/// A `kind: Secret` of the core API group (`apiVersion: v1`, or no apiVersion at all).
pub fn is_core_secret(obj: &Node) -> bool {
    obj.get("kind").and_then(Node::as_str) == Some("Secret")
        && obj
            .get("apiVersion")
            .and_then(Node::as_str)
            .is_none_or(|v| v == "v1")
}

/// Byte spans of every secret value in the file, for redaction in all output. Errs on the
/// side of hiding: every Secret counts (excluded or not), as do kustomize generator literals,
/// and every value of a document that failed to parse and mentions secrets.
pub fn sensitive_spans(text: &str, docs: &[Document]) -> Vec<Range<usize>> {
    let mut spans = Vec::new();
    for doc in docs {
        match &doc.root {
            Some(root) => {
                for obj in objects(root) {
                    if obj.get("kind").and_then(Node::as_str) == Some("Secret") {
                        for key in ["data", "stringData"] {
                            if let Some(map) = obj.get(key).and_then(Node::as_map) {
                                spans.extend(map.iter().map(|(_, v)| v.span.clone()));
                            }
                        }
                    }
                }
                spans.extend(super::secret_generator_literal::literal_value_spans(root));
            }
            None => {
                let body = text.get(doc.span.clone()).unwrap_or_default();
                if body.to_ascii_lowercase().contains("secret") {
                    spans.extend(unparsed_value_spans(body, doc.span.start));
                }
            }
        }
    }
    spans
}

/// For text that did not parse: everything after the first `: ` or `- ` on each line.
fn unparsed_value_spans(body: &str, base: usize) -> Vec<Range<usize>> {
    let mut spans = Vec::new();
    let mut offset = 0;
    for line in body.split_inclusive('\n') {
        let content = line.trim_end_matches(['\n', '\r']);
        let start = content.find(": ").map(|i| i + 2).or_else(|| {
            content
                .trim_start()
                .starts_with("- ")
                .then(|| content.find("- ").unwrap_or(0) + 2)
        });
        if let Some(s) = start {
            if s < content.len() {
                spans.push(base + offset + s..base + offset + content.len());
            }
        } else if !content.trim_start().starts_with('#') && !content.trim().ends_with(':') {
            // A continuation line of a multi-line value.
            let lead = content.len() - content.trim_start().len();
            if lead < content.len() {
                spans.push(base + offset + lead..base + offset + content.len());
            }
        }
        offset += line.len();
    }
    spans
}
