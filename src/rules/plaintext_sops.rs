//! GG104 plaintext-sops.

use super::dotenv::{self, Syntax};
use super::sops_config::{self as sops, Selector};
use super::{Ctx, File, Rule};
use crate::catalog::{self, RuleInfo};
use crate::finding::Finding;
use crate::manifest::FileKind;
use crate::manifest::{Document, ParseOptions, parse_stream};
use crate::source::RepoView;
use std::ops::Range;

/// GG104 plaintext-sops. Docs: [`DOC`].
pub struct PlaintextSops;

pub const DOC: &str = r#"## What it does
Reads the repository's `.sops.yaml` from the index and reports a staged file that one of its
`creation_rules` covers but that is not encrypted, or an encrypted file with values in plain
text that should be encrypted.

It decides as sops does: the config is the nearest `.sops.yaml` in the file's folder or above
(`.sops.yml` is ignored, as sops ignores it); `path_regex` is matched, unanchored, against the
path relative to that config's folder; the first rule that matches (or has no `path_regex`)
wins. The file's format comes from its extension, as in sops: YAML, JSON, dotenv (`.env`),
INI (`.ini`); anything else is sops' binary format (JSON with `data` and `sops`).

- **Not encrypted**: the file has no sops metadata (a top-level `sops:` map with `mac`,
  `lastmodified` or `version` in YAML/JSON; `sops_mac=`… lines in dotenv; a `[sops]` section
  in INI), and holds at least one value that the rule's `encrypted_regex` /
  `unencrypted_regex` / `encrypted_suffix` / `unencrypted_suffix` would encrypt (with none of
  them, everything but keys ending `_unencrypted`). In a Kubernetes manifest only the values
  of `Secret` objects count: Flux's SOPS guide puts a `.*.yaml` catch-all rule in front of
  every manifest of a cluster, and the ConfigMaps and Deployments there are not meant to be
  encrypted. Other YAML/JSON (values files, configuration) counts whole. A covered file with
  nothing to encrypt is not reported. Rules that select by comments
  (`encrypted_comment_regex`) are not checked. A catch-all rule (no `path_regex`, or one
  that matches any path, such as `.*`) only chooses the keys for whatever one encrypts: under
  it, only Kubernetes manifests (their Secrets) and files whose name says secret (`secret`,
  `cred`, `password`, `token`, `.enc.`, `.sops.`, `.env`, `.key`, `.pem`, …) count.
- **Partly plain**: an encrypted file (with or without a `.sops.yaml`) where a value that the
  file's own metadata says is encrypted is not an `ENC[AES256_GCM,…]` value — a value added or
  edited by hand after encryption. Each such value is reported, except in a core `Secret`,
  where GG101 reports it (it reads the same metadata).

Every output masks those values. `.sops.yaml` itself is never checked.

Note: the `sops` command looks for `.sops.yaml` from the working directory, not from the
file; run it from the folder of the config (usually the repository root) and the two agree.

## Why is this bad?
In a Flux (or any) SOPS repository, `.sops.yaml` says which files must be encrypted. The most
common secret accident is a new `secret.yaml` that matches a rule but was committed before
`sops --encrypt` ran: the plaintext is in the history for good. A value typed into an
encrypted file by hand is just as public, and also breaks the file's MAC.

## Example
```yaml
# .sops.yaml
creation_rules:
  - path_regex: .*/secrets/.*\.yaml$
    encrypted_regex: ^(data|stringData)$
    age: age1...
---
# clusters/prod/secrets/db.yaml (staged as is)
apiVersion: v1
kind: Secret
metadata:
  name: db
stringData:
  password: hunter2
```

Use instead: encrypt before staging, `sops --encrypt --in-place clusters/prod/secrets/db.yaml`:
```yaml
stringData:
  password: ENC[AES256_GCM,data:...,iv:...,tag:...,type:str]
sops:
  age: [...]
  lastmodified: "2026-01-01T00:00:00Z"
  mac: ENC[AES256_GCM,data:...,type:str]
  encrypted_regex: ^(data|stringData)$
  version: 3.9.4
```
"#;

impl Rule for PlaintextSops {
    fn info(&self) -> &'static RuleInfo {
        &catalog::PLAINTEXT_SOPS
    }
    fn doc(&self) -> &'static str {
        DOC
    }
    /// Without the repository: only files that may carry sops metadata.
    fn applies_to(&self, _kind: FileKind, path: &str, bytes: &[u8]) -> bool {
        !is_config(path) && super::contains(bytes, "sops")
    }
    fn applies_in(&self, ctx: &Ctx, kind: FileKind, path: &str, bytes: &[u8]) -> bool {
        self.applies_to(kind, path, bytes)
            || (!is_config(path)
                && sops::config_for(ctx.repo, path)
                    .is_some_and(|(_, rel, c)| c.rule_for(&rel).is_some()))
    }
    fn check(&self, file: &File, ctx: &Ctx, out: &mut Vec<Finding>) {
        // Plain values in an encrypted Secret are GG101's (it reads the same metadata).
        let secrets = if ctx.settings.level("GG101").is_some() {
            super::private_key::raw_secret_spans(file.docs)
        } else {
            Vec::new()
        };
        for p in analyze(file.path, file.text, file.docs, ctx.repo).problems {
            if p.in_encrypted_file && secrets.iter().any(|s| s.contains(&p.span.start)) {
                continue;
            }
            let mut f = Finding::new(self.info(), file.path, p.span, p.message).with_help(p.help);
            if let Some((span, text)) = p.label {
                f = f.with_label(span, text);
            }
            out.push(f);
        }
    }
}

/// `.sops.yaml`, and the `.sops.yml` sops ignores: configuration, never encrypted.
fn is_config(path: &str) -> bool {
    matches!(path.rsplit('/').next(), Some(".sops.yaml" | ".sops.yml"))
}

/// The format sops picks from the file name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Store {
    Yaml,
    Json,
    Dotenv,
    Ini,
    Binary,
}

impl Store {
    pub fn of(path: &str) -> Store {
        let name = path.rsplit('/').next().unwrap_or(path).to_ascii_lowercase();
        if name.ends_with(".yaml") || name.ends_with(".yml") {
            Store::Yaml
        } else if name.ends_with(".json") {
            Store::Json
        } else if name.ends_with(".env") {
            Store::Dotenv
        } else if name.ends_with(".ini") {
            Store::Ini
        } else {
            Store::Binary
        }
    }
}

/// One thing GG104 reports.
#[derive(Debug, Clone)]
pub struct Problem {
    pub span: Range<usize>,
    pub message: String,
    pub help: String,
    pub label: Option<(Range<usize>, String)>,
    /// A plain value in an encrypted file (not a whole file left unencrypted).
    pub in_encrypted_file: bool,
}

/// What GG104 finds in a file, and the spans every output masks.
#[derive(Debug, Clone, Default)]
pub struct Analysis {
    pub problems: Vec<Problem>,
    pub mask: Vec<Range<usize>>,
}

/// A flat value (dotenv / INI) with its key path.
struct Flat {
    path: Vec<String>,
    value_span: Range<usize>,
    encrypted: bool,
    empty: bool,
}

/// Runs GG104 over one file. `docs` are the parsed documents when the engine parsed them
/// (YAML/JSON); other formats are read here.
pub fn analyze(path: &str, text: &str, docs: &[Document], repo: &dyn RepoView) -> Analysis {
    let mut out = Analysis::default();
    if is_config(path) {
        return out;
    }
    let store = Store::of(path);
    let parsed;
    let docs: &[Document] = match store {
        Store::Yaml | Store::Json if !docs.is_empty() => docs,
        Store::Yaml | Store::Json => {
            parsed = parse_stream(
                text,
                &ParseOptions {
                    json: store == Store::Json,
                    ..ParseOptions::default()
                },
            );
            &parsed
        }
        Store::Binary if text.trim_start().starts_with('{') => {
            parsed = parse_stream(
                text,
                &ParseOptions {
                    json: true,
                    ..ParseOptions::default()
                },
            );
            &parsed
        }
        _ => &[],
    };
    // An encrypted file: its own metadata decides.
    match store {
        Store::Yaml | Store::Json | Store::Binary => {
            let with_meta: Vec<_> = docs
                .iter()
                .filter_map(|d| {
                    let root = d.root.as_ref()?;
                    Some((d, sops::metadata(root)?))
                })
                .collect();
            if !with_meta.is_empty() {
                for (doc, meta) in with_meta {
                    let Some(selector) = sops::metadata_selector(meta) else {
                        continue;
                    };
                    if matches!(selector, Selector::Comments) {
                        continue;
                    }
                    let leaves = sops::plaintext_leaves(std::slice::from_ref(doc), &selector);
                    partly_plain(&mut out, &selector, leaves);
                }
                return out;
            }
        }
        Store::Dotenv | Store::Ini => {
            let (flat, meta) = flat_entries(text, store);
            if let Some(meta) = meta {
                if let Some(selector) = sops::flat_metadata_selector(&meta)
                    && !matches!(selector, Selector::Comments)
                {
                    let leaves = flat
                        .iter()
                        .filter(|f| !f.encrypted && !f.empty && encrypts(&selector, &f.path))
                        .map(|f| (f.path.join("."), f.value_span.clone()))
                        .collect();
                    partly_plain(&mut out, &selector, leaves);
                }
                return out;
            }
        }
    }
    // Not encrypted: does a creation rule cover it?
    let Some((config, rel, parsed_config)) = sops::config_for(repo, path) else {
        return out;
    };
    let Some(rule) = parsed_config.rule_for(&rel) else {
        return out;
    };
    let Some(selector) = &rule.selector else {
        return out;
    };
    if matches!(selector, Selector::Comments) {
        return out;
    }
    // A catch-all rule only chooses keys for whatever one encrypts: it says nothing about
    // which files must be encrypted, so only files that are secrets by nature count.
    let manifest = docs
        .iter()
        .filter_map(|d| d.root.as_ref())
        .any(|r| secret_spans(r).is_some());
    if is_catch_all(rule) && !manifest && !secret_like_name(path) {
        return out;
    }
    let values: Vec<(String, Range<usize>)> = match store {
        Store::Yaml | Store::Json => {
            if docs.iter().any(|d| d.root.is_none() && d.error.is_some()) {
                // Unparsed: GG001 reports it; hide what it holds all the same.
                out.mask.push(0..text.len());
                return out;
            }
            docs.iter()
                .filter_map(|d| d.root.as_ref())
                .flat_map(|root| {
                    let secrets = secret_spans(root);
                    sops::leaves(root).into_iter().filter(move |l| {
                        secrets
                            .as_ref()
                            .is_none_or(|s| s.iter().any(|s| s.contains(&l.node.span.start)))
                    })
                })
                .filter(|l| selector.encrypts(&l.path))
                .filter(|l| !sops::is_encrypted_value(l.node.as_str().unwrap_or_default()))
                .map(|l| (l.path.join("."), l.node.span.clone()))
                .collect()
        }
        Store::Dotenv | Store::Ini => flat_entries(text, store)
            .0
            .into_iter()
            .filter(|f| !f.empty && encrypts(selector, &f.path))
            .map(|f| (f.path.join("."), f.value_span))
            .collect(),
        Store::Binary if text.trim().is_empty() => Vec::new(),
        Store::Binary => vec![(String::new(), 0..text.len())],
    };
    let Some((first_key, first_span)) = values.first().cloned() else {
        return out;
    };
    let regex = rule
        .path_regex
        .as_ref()
        .map(|r| format!("path_regex `{}`", r.as_str()))
        .unwrap_or_else(|| "no path_regex: every file".to_string());
    let what = if store == Store::Binary {
        "its whole content would be encrypted (sops binary format)".to_string()
    } else {
        format!(
            "{} would be encrypted, first `{first_key}`",
            if values.len() == 1 {
                "1 value".to_string()
            } else {
                format!("{} values", values.len())
            }
        )
    };
    let span = if store == Store::Binary {
        0..0
    } else {
        first_span.clone()
    };
    out.problems.push(Problem {
        span,
        message: format!(
            "creation rule {} of `{config}` ({regex}) covers this file, but it is not \
             encrypted (no sops metadata): {what}",
            rule.number
        ),
        help: format!(
            "unstage it, encrypt it with `sops --encrypt --in-place {path}` (run where \
             `{config}` is found) and stage it again; if it ever left this machine, rotate \
             what it holds"
        ),
        label: None,
        in_encrypted_file: false,
    });
    out.mask.extend(values.into_iter().map(|(_, s)| s));
    out
}

/// Paths that only a rule meant for every file matches.
const CATCH_ALL_PROBES: &[&str] = &["README.md", "deploy/app.yaml", "config.json", "Makefile"];

/// A rule without `path_regex`, or whose `path_regex` matches any file (`.*`).
fn is_catch_all(rule: &sops::CreationRule) -> bool {
    rule.path_regex
        .as_ref()
        .is_none_or(|r| CATCH_ALL_PROBES.iter().all(|p| r.is_match(p)))
}

/// A file name that says secret: `secret`, `cred`, `password`, `token` in it, sops'
/// `.enc.` / `.sops.` naming, or a key / env file extension.
fn secret_like_name(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path).to_ascii_lowercase();
    [
        "secret", "cred", "password", "passwd", "token", ".enc.", ".sops.",
    ]
    .iter()
    .any(|w| name.contains(w))
        || [
            ".env",
            ".key",
            ".pem",
            ".p12",
            ".pfx",
            ".jks",
            ".keystore",
            ".asc",
            ".gpg",
        ]
        .iter()
        .any(|e| name.ends_with(e))
        || name.starts_with(".env")
}

/// For a Kubernetes document, the spans of its `Secret` objects (the root, or the items of a
/// `List`): only their values count for a file without sops metadata. `None` for YAML that is
/// not a Kubernetes object (values files, plain configuration), where every value counts.
///
/// Flux's SOPS guide puts a `.*.yaml` catch-all rule (with `encrypted_regex:
/// ^(data|stringData)$`) in front of every manifest of a cluster folder, and people encrypt
/// the Secrets among them, not the ConfigMaps.
fn secret_spans(root: &crate::manifest::Node) -> Option<Vec<Range<usize>>> {
    use crate::manifest::Node;
    let is_object = |n: &Node| {
        n.get("apiVersion").and_then(Node::as_str).is_some()
            && n.get("kind").and_then(Node::as_str).is_some()
    };
    if !is_object(root) {
        return None;
    }
    Some(
        crate::manifest::objects(root)
            .into_iter()
            .filter(|o| o.get("kind").and_then(Node::as_str) == Some("Secret"))
            .map(|o| o.span.clone())
            .collect(),
    )
}

fn partly_plain(out: &mut Analysis, selector: &Selector, leaves: Vec<(String, Range<usize>)>) {
    for (key, span) in leaves {
        out.problems.push(Problem {
            span: span.clone(),
            message: format!(
                "`{key}` is in plain text in a sops-encrypted file whose metadata \
                 (`{}`) says it is encrypted",
                selector.describe()
            ),
            help: "a value added or edited by hand after encryption: open the file with \
                   `sops <file>` (which encrypts on save) instead, and rotate the value"
                .to_string(),
            label: Some((span.clone(), "plain-text value".to_string())),
            in_encrypted_file: true,
        });
        out.mask.push(span);
    }
}

fn encrypts(selector: &Selector, path: &[String]) -> bool {
    let refs: Vec<&str> = path.iter().map(String::as_str).collect();
    selector.encrypts(&refs)
}

/// The entries of a dotenv / INI file, and its sops metadata entries (`sops_` keys, or the
/// `[sops]` section) when it has `mac`, `lastmodified` or `version`.
#[allow(clippy::type_complexity)]
fn flat_entries(text: &str, store: Store) -> (Vec<Flat>, Option<Vec<(String, String)>>) {
    let syntax = if store == Store::Ini {
        Syntax::Ini
    } else {
        Syntax::Dotenv
    };
    let mut flat = Vec::new();
    let mut meta = Vec::new();
    for e in dotenv::parse(text, syntax) {
        let meta_key = match store {
            Store::Ini if e.section == "sops" => Some(e.key.clone()),
            Store::Dotenv => e.key.strip_prefix("sops_").map(str::to_string),
            _ => None,
        };
        if let Some(k) = meta_key {
            meta.push((k, e.value.clone()));
            continue;
        }
        let path = if store == Store::Ini && !e.section.is_empty() {
            vec![e.section.clone(), e.key.clone()]
        } else {
            vec![e.key.clone()]
        };
        flat.push(Flat {
            path,
            encrypted: sops::is_encrypted_value(&e.value),
            empty: e.value.trim().is_empty(),
            value_span: e.value_span,
        });
    }
    let has_meta = meta
        .iter()
        .any(|(k, _)| matches!(k.as_str(), "mac" | "lastmodified" | "version"));
    (flat, has_meta.then_some(meta))
}
