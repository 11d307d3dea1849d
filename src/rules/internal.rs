//! Findings about the scan itself: files that cannot be read as manifests, and suppressions.
//! The engine produces most of these (from the functions here, which word them); they are
//! rules so that they have codes, levels and docs.

use super::{Ctx, File, Rule};
use crate::catalog::{self, RuleInfo};
use crate::finding::Finding;
use crate::manifest::FileKind;
use crate::manifest::{Node, Value};
use std::ops::Range;

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
    fn info(&self) -> &'static RuleInfo {
        &catalog::INVALID_YAML
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
                    Finding::new(self.info(), file.path, err.span.clone(), what).with_help(
                        "fix the syntax; the other documents and files were still checked",
                    ),
                );
            }
            // Manifests only: what Kubernetes decodes (other YAML has other readers).
            if let Some(root) = doc.root.as_ref().filter(|r| is_object(r)) {
                duplicate_keys(self.info(), file.path, root, out);
            }
        }
    }
}

/// Reports every mapping key that appears twice in one mapping. Kubernetes' decoders keep the
/// last one (or reject the object under strict field validation), so what git shows first is
/// not what the cluster gets; gitops-guard's rules read the last one too.
fn duplicate_keys(rule: &RuleInfo, path: &str, node: &Node, out: &mut Vec<Finding>) {
    match &node.value {
        Value::Scalar(_) => {}
        Value::Seq(items) => {
            for item in items {
                duplicate_keys(rule, path, item, out);
            }
        }
        Value::Map(entries) => {
            let firsts = first_occurrences(entries);
            for (i, (key, value)) in entries.iter().enumerate() {
                let first = firsts.as_ref().and_then(|f| f[i]).map(|at| &entries[at].0);
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

/// For a mapping with a duplicate key, the position of each entry's first occurrence (for
/// the later copies); `None` when every key is unique, as almost always.
///
/// Runs on every mapping of every manifest, so it is built to cost little: small mappings
/// are compared pairwise, larger ones through an open-addressing table of FNV-1a hashes in a
/// buffer reused by the thread (no allocation, never quadratic).
fn first_occurrences(entries: &[(Node, Node)]) -> Option<Vec<Option<usize>>> {
    let first_of = |i: usize, name: &str| {
        entries[..i]
            .iter()
            .position(|(k, _)| k.as_str() == Some(name))
    };
    if entries.len() <= 8 {
        let any = entries
            .iter()
            .enumerate()
            .any(|(i, (k, _))| k.as_str().is_some_and(|n| first_of(i, n).is_some()));
        return any.then(|| {
            entries
                .iter()
                .enumerate()
                .map(|(i, (k, _))| k.as_str().and_then(|n| first_of(i, n)))
                .collect()
        });
    }
    thread_local! {
        static SLOTS: std::cell::RefCell<Vec<u32>> = const { std::cell::RefCell::new(Vec::new()) };
    }
    SLOTS.with(|slots| {
        let mut slots = slots.borrow_mut();
        let size = (entries.len() * 2).next_power_of_two();
        slots.clear();
        slots.resize(size, 0);
        let mut firsts: Option<Vec<Option<usize>>> = None;
        for (i, (k, _)) in entries.iter().enumerate() {
            let Some(name) = k.as_str() else { continue };
            let mut at = fnv1a(name.as_bytes()) as usize & (size - 1);
            loop {
                match slots[at] {
                    0 => {
                        // Positions are stored + 1: 0 is an empty slot.
                        slots[at] = u32::try_from(i + 1).unwrap_or(u32::MAX);
                        break;
                    }
                    seen => {
                        let j = seen as usize - 1;
                        if entries.get(j).and_then(|(e, _)| e.as_str()) == Some(name) {
                            firsts.get_or_insert_with(|| vec![None; entries.len()])[i] = Some(j);
                            break;
                        }
                        at = (at + 1) & (size - 1);
                    }
                }
            }
        }
        firsts
    })
}

fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
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

/// GG001 for a file that is not UTF-8; `at` is the offset of its first invalid byte.
pub fn not_utf8(path: &str, at: usize) -> Finding {
    Finding::new(
        &catalog::INVALID_YAML,
        path,
        at..at,
        format!("is not valid UTF-8 (first invalid byte at offset {at}); it cannot be checked"),
    )
    .with_help("save the file as UTF-8")
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
    fn info(&self) -> &'static RuleInfo {
        &catalog::FILE_TOO_LARGE
    }
    fn doc(&self) -> &'static str {
        FILE_TOO_LARGE_DOC
    }
    fn applies_to(&self, _kind: FileKind, _path: &str, _bytes: &[u8]) -> bool {
        false
    }
    fn check(&self, _file: &File, _ctx: &Ctx, _out: &mut Vec<Finding>) {}
}

/// GG003 for a file the source did not read: `size` bytes over `limit`.
pub fn too_large(path: &str, size: u64, limit: u64) -> Finding {
    Finding::new(
        &catalog::FILE_TOO_LARGE,
        path,
        0..0,
        format!("not scanned: {size} bytes is over the size limit of {limit} bytes"),
    )
    .with_help("raise `max-file-size` in .gitops-guard.yaml to scan it, or keep it out of git")
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
    fn info(&self) -> &'static RuleInfo {
        &catalog::UNUSED_SUPPRESSION
    }
    fn doc(&self) -> &'static str {
        UNUSED_SUPPRESSION_DOC
    }
    fn applies_to(&self, _kind: FileKind, _path: &str, _bytes: &[u8]) -> bool {
        false
    }
    fn check(&self, _file: &File, _ctx: &Ctx, _out: &mut Vec<Finding>) {}
}

/// GG004 for the suppression at `span`.
pub fn unused_suppression(path: &str, span: Range<usize>) -> Finding {
    Finding::new(
        &catalog::UNUSED_SUPPRESSION,
        path,
        span,
        "this suppression matches no finding",
    )
    .with_help("remove it")
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
    fn info(&self) -> &'static RuleInfo {
        &catalog::INVALID_SUPPRESSION
    }
    fn doc(&self) -> &'static str {
        INVALID_SUPPRESSION_DOC
    }
    fn applies_to(&self, _kind: FileKind, _path: &str, _bytes: &[u8]) -> bool {
        false
    }
    fn check(&self, _file: &File, _ctx: &Ctx, _out: &mut Vec<Finding>) {}
}

/// GG005 for `name` at `span`, which is neither a rule nor a directive.
pub fn invalid_suppression(path: &str, span: Range<usize>, name: &str) -> Finding {
    Finding::new(
        &catalog::INVALID_SUPPRESSION,
        path,
        span,
        format!("`{name}` is not a gitops-guard rule or directive"),
    )
    .with_help(
        "use a code or name from `gitops-guard rules`, e.g. `# gitops-guard: ignore[GG101] reason`",
    )
}
