//! Findings are data: a rule code, a path, a byte span and text. Only `report/` renders them.

use crate::catalog::{RuleInfo, Severity};
use std::ops::Range;

/// A secondary location, e.g. "the value is here" or "the config entry that says so".
#[derive(Debug, Clone, PartialEq)]
pub struct Label {
    pub span: Range<usize>,
    pub text: String,
    /// Filled in by the engine from `span`.
    pub start: Position,
    pub end: Position,
}

/// 1-based line and column (column counted in characters).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Position {
    pub line: usize,
    pub column: usize,
}

/// One problem found in one file.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    pub code: &'static str,
    pub rule: &'static str,
    pub severity: Severity,
    /// Repository-relative path with `/`.
    pub path: String,
    /// Byte range in the file; empty at 0 for whole-file findings.
    pub span: Range<usize>,
    /// Never contains a secret value.
    pub message: String,
    pub help: Option<String>,
    pub labels: Vec<Label>,
    pub fixable: bool,
    /// Filled in by the engine from `span`.
    pub start: Position,
    pub end: Position,
}

impl Finding {
    /// A finding of `rule` at `span`; the engine sets the configured level and positions.
    pub fn new(
        rule: &RuleInfo,
        path: &str,
        span: Range<usize>,
        message: impl Into<String>,
    ) -> Finding {
        Finding {
            code: rule.code,
            rule: rule.name,
            severity: rule.severity,
            path: path.to_string(),
            span,
            message: hide_userinfo(message.into()),
            help: None,
            labels: Vec::new(),
            fixable: rule.fixable,
            start: Position::default(),
            end: Position::default(),
        }
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Finding {
        self.help = Some(hide_userinfo(help.into()));
        self
    }

    pub fn with_label(mut self, span: Range<usize>, text: impl Into<String>) -> Finding {
        self.labels.push(Label {
            span,
            text: hide_userinfo(text.into()),
            start: Position::default(),
            end: Position::default(),
        });
        self
    }
}

/// Maps byte offsets to 1-based line/column.
pub struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    pub fn new(text: &str) -> LineIndex {
        let mut starts = vec![0];
        starts.extend(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i + 1));
        LineIndex { starts }
    }

    /// The position of byte `offset` (clamped to the text).
    pub fn position(&self, text: &str, offset: usize) -> Position {
        let offset = offset.min(text.len());
        let line = self.starts.partition_point(|&s| s <= offset).max(1);
        let start = self.starts[line - 1];
        let column = text
            .get(start..offset)
            .map(|s| s.chars().count())
            .unwrap_or(offset - start)
            + 1;
        Position { line, column }
    }

    /// The byte offset where 1-based `line` starts.
    pub fn line_start(&self, line: usize) -> Option<usize> {
        self.starts.get(line.checked_sub(1)?).copied()
    }

    pub fn line_count(&self) -> usize {
        self.starts.len()
    }
}

/// A message that quotes a URL from the file never shows the URL's password or token.
fn hide_userinfo(text: String) -> String {
    match crate::masked::userinfo::hide(&text) {
        std::borrow::Cow::Borrowed(_) => text,
        std::borrow::Cow::Owned(hidden) => hidden,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_are_one_based() {
        let text = "a: 1\nbé: 2\n";
        let idx = LineIndex::new(text);
        assert_eq!(idx.position(text, 0), Position { line: 1, column: 1 });
        assert_eq!(idx.position(text, 5), Position { line: 2, column: 1 });
        // "bé: " is 5 bytes but 4 characters.
        assert_eq!(idx.position(text, 10), Position { line: 2, column: 5 });
    }
}
