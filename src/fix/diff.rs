//! `--diff`: what `--fix` would change, as a unified diff (`git apply`-able paths), without
//! writing anything. Only the text of repository files is diffed: the fixes write masked or
//! no values into them, and the values store is never shown.

use crate::config::Settings;
use crate::manifest::{Document, FileKind, Node, Value, parse_file};
use crate::masked::Masked;
use crate::rules::{self, Ctx};
use crate::source::NoRepo;
use similar::TextDiff;
use std::collections::HashSet;
use std::ops::Range;

/// `text` as people may see it: every secret value behind the mask (as in the report),
/// so a diff of a file that held a raw Secret shows where its values were, never them.
pub fn masked(path: &str, text: &str, settings: &Settings) -> String {
    let docs = parse_file(path, text, FileKind::of(path));
    Masked::new(text, &value_spans(path, text, &docs, settings)).text
}

fn value_spans(
    path: &str,
    text: &str,
    docs: &[Document],
    settings: &Settings,
) -> Vec<Range<usize>> {
    let ctx = Ctx {
        settings,
        repo: &NoRepo,
        layout: None,
    };
    let mut spans = rules::sensitive_spans(text, docs);
    spans.extend(rules::found_value_spans(path, text, docs, &ctx));
    spans
}

/// [`unified`] of the masked texts. A scalar of `new` that equals a masked scalar of `old` is
/// masked as well: a fix may carry a value the report hides (a Secret's label or
/// annotation) into an object where nothing marks it as one.
pub fn unified_masked(path: &str, old: &str, new: &str, settings: &Settings) -> String {
    if old == new {
        return String::new();
    }
    let kind = FileKind::of(path);
    let old_docs = parse_file(path, old, kind);
    let old_spans = value_spans(path, old, &old_docs, settings);
    let mut hidden = HashSet::new();
    for root in old_docs.iter().filter_map(|d| d.root.as_ref()) {
        scalars(root, &mut |n, text| {
            if old_spans
                .iter()
                .any(|s| s.start <= n.span.start && n.span.end <= s.end)
            {
                hidden.insert(text.to_string());
            }
        });
    }
    let new_docs = parse_file(path, new, kind);
    let mut new_spans = value_spans(path, new, &new_docs, settings);
    for root in new_docs.iter().filter_map(|d| d.root.as_ref()) {
        scalars(root, &mut |n, text| {
            if hidden.contains(text) {
                new_spans.push(n.span.clone());
            }
        });
    }
    unified(
        path,
        &Masked::new(old, &old_spans).text,
        &Masked::new(new, &new_spans).text,
    )
}

/// Calls `f` with every non-empty scalar of `node` (mapping keys aside) and its text.
fn scalars(node: &Node, f: &mut dyn FnMut(&Node, &str)) {
    match &node.value {
        Value::Scalar(s) if !s.text.is_empty() => f(node, &s.text),
        Value::Scalar(_) => {}
        Value::Seq(items) => items.iter().for_each(|n| scalars(n, f)),
        Value::Map(entries) => entries.iter().for_each(|(_, v)| scalars(v, f)),
    }
}

/// The unified diff of `path` from `old` to `new` (empty when they are equal).
pub fn unified(path: &str, old: &str, new: &str) -> String {
    if old == new {
        return String::new();
    }
    TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(3)
        .header(&format!("a/{path}"), &format!("b/{path}"))
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hunks_with_headers() {
        let old = "a: 1\nb: 2\nc: 3\n";
        let new = "a: 1\nb: 20\nc: 3\n";
        assert_eq!(
            unified("x/y.yaml", old, new),
            "--- a/x/y.yaml\n+++ b/x/y.yaml\n@@ -1,3 +1,3 @@\n a: 1\n-b: 2\n+b: 20\n c: 3\n"
        );
        assert_eq!(unified("x", old, old), "");
    }

    #[test]
    fn secret_values_are_masked() {
        let old = "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\nstringData:\n  password: hunter2-very-secret\n";
        let new = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: s}\n";
        let d = unified_masked("s.yaml", old, new, &Settings::default());
        assert!(!d.contains("hunter2"), "{d}");
        assert!(d.contains("-  password: ********"), "{d}");
        assert!(d.contains("+kind: ConfigMap"), "{d}");
    }
}
