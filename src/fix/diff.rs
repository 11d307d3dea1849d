//! `--diff`: what `--fix` would change, as a unified diff (`git apply`-able paths), without
//! writing anything. Only the text of repository files is diffed: the fixes write masked or
//! no values into them, and the values store is never shown.

use crate::config::Settings;
use crate::manifest::{FileKind, parse_file};
use crate::masked::Masked;
use crate::rules::{self, Ctx};
use crate::source::NoRepo;
use similar::TextDiff;

/// `text` as people may see it: every secret value behind the mask (as in the report),
/// so a diff of a file that held a raw Secret shows where its values were, never them.
pub fn masked(path: &str, text: &str, settings: &Settings) -> String {
    let docs = parse_file(path, text, FileKind::of(path));
    let ctx = Ctx {
        settings,
        repo: &NoRepo,
        layout: None,
    };
    let mut spans = rules::sensitive_spans(text, &docs);
    spans.extend(rules::found_value_spans(path, text, &docs, &ctx));
    Masked::new(text, &spans).text
}

/// [`unified`] of the masked texts.
pub fn unified_masked(path: &str, old: &str, new: &str, settings: &Settings) -> String {
    if old == new {
        return String::new();
    }
    unified(
        path,
        &masked(path, old, settings),
        &masked(path, new, settings),
    )
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
