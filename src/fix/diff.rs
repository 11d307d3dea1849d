//! `--diff`: what `--fix` would change, as a unified diff (`git apply`-able paths), without
//! writing anything. Only the text of repository files is diffed: the fixes write masked or
//! no values into them, and the values store is never shown.

use similar::TextDiff;

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
}
