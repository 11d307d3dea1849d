//! GG102 secret-generator-literal.

use super::{Ctx, File, Rule};
use crate::catalog::{self, RuleInfo};
use crate::finding::Finding;
use crate::manifest::{FileKind, Node};
use std::ops::Range;

/// GG102 secret-generator-literal. Docs: [`DOC`].
pub struct SecretGeneratorLiteral;

pub const DOC: &str = r#"## What it does
Reports `secretGenerator[].literals` entries in a kustomization: each `KEY=value` puts a secret
value into git in plain text.

## Why is this bad?
Kustomize turns the literal into a Secret at build time, but the value itself sits in the
repository, readable by everyone with access, forever.

## Example
```yaml
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
secretGenerator:
  - name: api
    literals:
      - DB_PASSWORD=not-a-real-password
```

Use instead: an `ExternalSecret` (or a generator that reads from a secret store), and no
literal values in git.
"#;

impl Rule for SecretGeneratorLiteral {
    fn info(&self) -> &'static RuleInfo {
        &catalog::SECRET_GENERATOR_LITERAL
    }
    fn doc(&self) -> &'static str {
        DOC
    }
    fn applies_to(&self, kind: FileKind, _path: &str, bytes: &[u8]) -> bool {
        matches!(kind, FileKind::Yaml | FileKind::Json) && super::contains(bytes, "secretGenerator")
    }
    fn check(&self, file: &File, _ctx: &Ctx, out: &mut Vec<Finding>) {
        for doc in file.docs {
            let Some(root) = &doc.root else { continue };
            for generator in generators(root) {
                let name = generator
                    .get("name")
                    .and_then(Node::as_str)
                    .unwrap_or("<unnamed>");
                for lit in literals(generator) {
                    let Some(text) = lit.as_str() else { continue };
                    if lit.is_templated() {
                        continue;
                    }
                    // Only the part before `=` is a key; a literal without `=` (or typed
                    // `key:value`) may be the value itself and is never repeated.
                    let message = match text.split_once('=') {
                        Some((key, _)) => format!(
                            "secretGenerator `{name}` puts the value of `{}` in git as a literal",
                            key.trim()
                        ),
                        None => format!(
                            "secretGenerator `{name}` puts a literal without `KEY=` in git (a value in the repository)"
                        ),
                    };
                    out.push(
                        Finding::new(self.info(), file.path, lit.span.clone(), message).with_help(
                            "remove the literal and source the value from a secret store \
                             (an ExternalSecret), not from the repository",
                        ),
                    );
                }
            }
        }
    }
}

fn generators(root: &Node) -> impl Iterator<Item = &Node> {
    root.get("secretGenerator")
        .and_then(Node::as_seq)
        .unwrap_or_default()
        .iter()
}

fn literals(generator: &Node) -> impl Iterator<Item = &Node> {
    generator
        .get("literals")
        .and_then(Node::as_seq)
        .unwrap_or_default()
        .iter()
}

/// Spans of every generator literal (key and value), for redaction.
pub fn literal_value_spans(root: &Node) -> Vec<Range<usize>> {
    let mut spans = Vec::new();
    for generator in generators(root) {
        for lit in literals(generator) {
            spans.push(lit.span.clone());
        }
    }
    spans
}
