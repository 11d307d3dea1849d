//! GG101 raw-secret, and the spans of secret values that every output must redact.

use super::secret_refs::{AVP_PATH_ANNOTATION, is_encoded_reference, is_reference};
use super::sops::{self, SopsMetadata};
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

The annotation `kubectl.kubernetes.io/last-applied-configuration` of a Secret is a copy of the
whole object, values included: it counts as a value, and every output masks it.

Not reported: Secrets with no keys or only empty values (Jenkins X commits these and fills
them at install time), `SealedSecret`, `ExternalSecret`, `Secret` kinds of other API groups,
values of a SOPS-encrypted Secret that are encrypted (`ENC[…]`) or that the file's own `sops:`
metadata leaves plain on purpose (`unencrypted_suffix`, `encrypted_suffix`,
`unencrypted_regex`, `encrypted_regex`; a `sops:` block without `mac`, `lastmodified` or
`version` is not metadata, so `sops: {}` exempts nothing), values that are only Helm template
expressions, and Secrets annotated `secret.jenkins-x.io/convert-exclude: "true"` (the Jenkins X
opt-out; shown in `--verbose` output).

References are not values: a value that a deploy-time tool resolves from a store —
1Password `op://…`, vals `ref+…`, argocd-vault-plugin `<path:…>` (or `<key>` with the
`avp.kubernetes.io/path` annotation), bank-vaults `vault:…`, also base64-encoded in `data` —
holds nothing secret. A Secret made only of references is not reported (a `--verbose` note
says so); a Secret mixing references and literals is reported for the literals only, and is
not converted by `--fix` (the references cannot be moved into a store).

Secrets of type `kubernetes.io/service-account-token` or `bootstrap.kubernetes.io/token` are
reported but not converted: External Secrets Operator refuses to create them, since the
cluster issues and owns these tokens. Remove them from git and revoke the committed token.

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

No value reaches the ExternalSecret: `last-applied-configuration` is dropped, and a Secret
with any other label or annotation that contains one of its values (as is, base64 or
JSON-escaped) is not converted; the message names the annotation and the key. Deploy-tool
metadata (`argocd.argoproj.io/*`, `helm.sh/hook*`, `helm.sh/resource-policy`,
`kustomize.toolkit.fluxcd.io/*`, `secret.jenkins-x.io/*`, `gitops.jenkins-x.io/pipeline`)
stays on the ExternalSecret, where those tools read it, and is not copied onto the generated
Secret — except Argo CD's `argocd.argoproj.io/secret-type` label, which Argo CD reads from
the Secret. `data[]` keeps the order of the Secret's keys.

With the GCP Secret Manager backend and `format: eso`, a property that starts with `.` (such
as `.dockerconfigjson`) is written as `\.dockerconfigjson`: ESO's GCP provider reads the
property as a gjson path, where a leading `.` is a path separator and `\.` is a literal dot.
"#;

const EXCLUDE_ANNOTATION: &str = "secret.jenkins-x.io/convert-exclude";

/// kubectl's copy of the whole object as last applied: on a Secret it holds every value.
pub const LAST_APPLIED: &str = "kubectl.kubernetes.io/last-applied-configuration";

/// Secret types that the API server or its token controller fill and own: External Secrets
/// Operator refuses to create them, so they cannot become ExternalSecrets.
pub const UNCONVERTIBLE_TYPES: &[&str] = &[
    "kubernetes.io/service-account-token",
    "bootstrap.kubernetes.io/token",
];

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
                if secret.excluded || !secret.holds_values() {
                    continue;
                }
                out.push(super::private_key::note_private_key(
                    finding(self, file.path, obj, &secret),
                    file.text,
                ));
            }
        }
    }
}

/// Whether any scalar of `node` is a template expression: the object is only known after
/// rendering, so the fix (which converts what is written) cannot take it.
fn has_template(node: &Node) -> bool {
    match &node.value {
        crate::manifest::Value::Scalar(s) => s.templated,
        crate::manifest::Value::Seq(items) => items.iter().any(has_template),
        crate::manifest::Value::Map(entries) => entries
            .iter()
            .any(|(k, v)| has_template(k) || has_template(v)),
    }
}

fn finding(rule: &RawSecret, path: &str, obj: &Node, secret: &RawSecretInfo) -> Finding {
    let mut held: Vec<String> = secret.value_keys.iter().map(|(k, _)| k.clone()).collect();
    if secret.last_applied.is_some() {
        held.push(format!("annotation `{LAST_APPLIED}`"));
    }
    let mut message = format!(
        "raw Secret `{}`{} holds {} in plain text ({})",
        secret.name,
        secret
            .namespace
            .as_deref()
            .map(|ns| format!(" in namespace `{ns}`"))
            .unwrap_or_default(),
        plural(held.len(), "value"),
        held.join(", ")
    );
    if !secret.reference_keys.is_empty() {
        message.push_str(&format!(
            "; {} resolved elsewhere ({}) {} fine",
            plural(secret.reference_keys.len(), "reference"),
            secret.reference_keys.join(", "),
            if secret.reference_keys.len() == 1 {
                "is"
            } else {
                "are"
            }
        ));
    }
    let (help, fixable) = if let Some(kind) = secret.unconvertible_type() {
        (
            format!(
                "External Secrets cannot create a Secret of type `{kind}` (Kubernetes fills \
                 and owns these tokens): remove the manifest from git, let the cluster issue \
                 the token, and revoke the committed one"
            ),
            false,
        )
    } else if obj.get("sops").is_some() {
        (
            "this SOPS file holds values in plain text that its own sops rules say must be \
             encrypted: encrypt it again (`sops --encrypt --in-place FILE`) before committing"
                .to_string(),
            false,
        )
    } else if has_template(obj) {
        (
            "this is a chart template: template an ExternalSecret instead of the Secret and \
             keep the values in a secret store, not in the chart or its values (a template \
             cannot be converted automatically)"
                .to_string(),
            false,
        )
    } else if !secret.reference_keys.is_empty() {
        (
            "make the literal values references too, or keep them in a secret store and \
             commit an ExternalSecret instead (convert by hand: references cannot be moved \
             into a store)"
                .to_string(),
            false,
        )
    } else {
        (
            "keep the values in a secret store and commit an ExternalSecret instead; the \
             fix converts it and saves the values outside git"
                .to_string(),
            true,
        )
    };
    let mut finding = Finding::new(rule.info(), path, obj.span.clone(), message).with_help(help);
    finding.fixable = fixable;
    if let Some(kind) = obj.get("kind") {
        finding = finding.with_label(kind.span.clone(), "raw Secret");
    }
    for (key, span) in &secret.value_keys {
        finding = finding.with_label(span.clone(), format!("value of `{key}`"));
    }
    if let Some(key_span) = &secret.last_applied {
        finding = finding.with_label(
            key_span.clone(),
            "a copy of the whole Secret, values included",
        );
    }
    finding
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
    /// Keys (of `data` and `stringData`) holding a literal value, with the span of each key
    /// node. Empty, null and templated values are not values; references are counted apart.
    pub value_keys: Vec<(String, Range<usize>)>,
    /// Keys whose value is a reference resolved elsewhere (see [`super::secret_refs`]).
    pub reference_keys: Vec<String>,
    /// The span of the `last-applied-configuration` annotation's key, when it has a value.
    pub last_applied: Option<Range<usize>>,
    /// The Secret's `type`, when it is a plain string.
    pub secret_type: Option<&'a str>,
}

impl<'a> RawSecretInfo<'a> {
    /// `Some` when `obj` is a core (`v1`) Secret. In a SOPS-encrypted Secret only the values
    /// that are neither encrypted nor plain by the file's own sops rules count.
    pub fn of(obj: &'a Node) -> Option<RawSecretInfo<'a>> {
        if !is_core_secret(obj) {
            return None;
        }
        let sops = SopsMetadata::of(obj);
        let meta = obj.get("metadata");
        let text = |key: &str| {
            meta.and_then(|m| m.get(key))
                .and_then(Node::as_str)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
        };
        let annotations = meta.and_then(|m| m.get("annotations"));
        let excluded = annotations
            .and_then(|a| a.get(EXCLUDE_ANNOTATION))
            .and_then(Node::as_str)
            .is_some_and(|v| v.eq_ignore_ascii_case("true"));
        let avp_path = annotations.is_some_and(|a| a.get(AVP_PATH_ANNOTATION).is_some());
        let last_applied = annotations
            .and_then(|a| a.entry(LAST_APPLIED))
            .filter(|(_, v)| !v.as_str().is_some_and(|t| t.trim().is_empty()) && !v.is_null())
            .map(|(k, _)| k.span.clone());
        let mut value_keys = Vec::new();
        let mut reference_keys = Vec::new();
        // Every copy of a duplicated `data`: Kubernetes applies the last, but all are in git.
        let maps = ["data", "stringData"]
            .into_iter()
            .flat_map(|field| obj.get_all(field).map(move |m| (field, m)));
        for (field, map) in maps {
            let Some(map) = map.as_map() else {
                continue;
            };
            for (k, v) in map {
                let key = k.as_str().unwrap_or("?").to_string();
                let sealed = |text: &str| {
                    sops.as_ref().is_some_and(|m| {
                        sops::is_encrypted(text) || m.plain_by_design(&[field, key.as_str()])
                    })
                };
                match v.as_scalar() {
                    Some(s) if s.templated || v.is_null() || s.text.is_empty() => {}
                    Some(s) if sealed(&s.text) => {}
                    Some(s) => {
                        let reference = if field == "data" {
                            is_encoded_reference(&s.text, avp_path)
                        } else {
                            is_reference(&s.text, avp_path)
                        };
                        if reference {
                            reference_keys.push(key);
                        } else {
                            value_keys.push((key, k.span.clone()));
                        }
                    }
                    // A nested structure is still content in git.
                    None => value_keys.push((key, k.span.clone())),
                }
            }
        }
        Some(RawSecretInfo {
            name: text("name").unwrap_or_else(|| "<unnamed>".into()),
            namespace: text("namespace"),
            excluded,
            value_keys,
            reference_keys,
            last_applied,
            secret_type: obj.get("type").and_then(Node::as_str),
        })
    }

    /// Whether anything in git is a value: a literal, or kubectl's copy of the object.
    pub fn holds_values(&self) -> bool {
        !self.value_keys.is_empty() || self.last_applied.is_some()
    }

    /// The Secret's type, when it is one External Secrets Operator cannot create.
    pub fn unconvertible_type(&self) -> Option<&'a str> {
        self.secret_type.filter(|t| UNCONVERTIBLE_TYPES.contains(t))
    }
}

/// Secrets that GG101 leaves alone on purpose, each with why: allowed by the Jenkins X
/// opt-out annotation, or holding only references resolved elsewhere (`--verbose` notes).
pub fn allowed_secrets(docs: &[Document]) -> Vec<(String, &'static str)> {
    docs.iter()
        .filter_map(|d| d.root.as_ref())
        .flat_map(objects)
        .filter_map(RawSecretInfo::of)
        .filter_map(|s| {
            if s.excluded && s.holds_values() {
                Some((s.name, "allowed by `secret.jenkins-x.io/convert-exclude: \"true\"`"))
            } else if !s.holds_values() && !s.reference_keys.is_empty() {
                Some((
                    s.name,
                    "holds only references resolved elsewhere (op://, ref+, <path:…>, vault:), no value",
                ))
            } else {
                None
            }
        })
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
/// side of hiding: every Secret counts (excluded or not) with the values of its labels and
/// annotations, as do kustomize generator literals, and every value of a document that
/// failed to parse and mentions secrets.
pub fn sensitive_spans(text: &str, docs: &[Document]) -> Vec<Range<usize>> {
    let mut spans = Vec::new();
    for doc in docs {
        match &doc.root {
            Some(root) => {
                for obj in objects(root) {
                    if obj.get("kind").and_then(Node::as_str) == Some("Secret") {
                        // Every copy of a duplicated key: an overridden value is still in git.
                        let values = obj.get_all("data").chain(obj.get_all("stringData"));
                        // kubectl's copy holds every value; any other label or annotation
                        // of a Secret may hold one too (they are shown, never needed).
                        let meta = obj.get_all("metadata");
                        let meta =
                            meta.flat_map(|m| m.get_all("labels").chain(m.get_all("annotations")));
                        for map in values.chain(meta) {
                            match map.as_map() {
                                Some(entries) => {
                                    spans.extend(entries.iter().map(|(_, v)| v.span.clone()))
                                }
                                None => spans.push(map.span.clone()),
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
