//! YAML written inside a string (Argo CD `helm.values: |`): the spans of what is parsed
//! from the string's text, mapped back into the file so findings point at the right line.

use crate::manifest::{Node, Style};
use std::ops::Range;

/// Maps spans of a block scalar's text back into the file (`|` literal scalars line by line;
/// other styles to the whole scalar).
pub struct SpanMap<'t> {
    text: &'t str,
    whole: Range<usize>,
    /// File offset where each line of the scalar's text starts (literal style only).
    lines: Option<Vec<(usize, usize)>>,
}

impl<'t> SpanMap<'t> {
    pub fn new(text: &'t str, node: &Node) -> SpanMap<'t> {
        let whole = node.span.clone();
        let literal = matches!(node.as_scalar().map(|s| s.style), Some(Style::Literal));
        if !literal {
            return SpanMap {
                text,
                whole,
                lines: None,
            };
        }
        let Some(body) = text.get(whole.clone()) else {
            return SpanMap {
                text,
                whole,
                lines: None,
            };
        };
        // Content starts on the line after the `|` header.
        let Some(nl) = body.find('\n') else {
            return SpanMap {
                text,
                whole,
                lines: None,
            };
        };
        let mut lines = Vec::new();
        let mut at = whole.start + nl + 1;
        let mut indent = None;
        for line in text[at..whole.end.min(text.len())].split_inclusive('\n') {
            let content = line.trim_end_matches(['\n', '\r']);
            if indent.is_none() && !content.trim().is_empty() {
                indent = Some(content.len() - content.trim_start().len());
            }
            lines.push((at, at + content.len()));
            at += line.len();
        }
        let indent = indent.unwrap_or(0);
        let lines = lines
            .into_iter()
            .map(|(s, e)| ((s + indent).min(e), e))
            .collect();
        SpanMap {
            text,
            whole,
            lines: Some(lines),
        }
    }

    /// The file span of `inner` (a span of the scalar's text `value`).
    pub fn map(&self, value: &str, inner: &Range<usize>) -> Range<usize> {
        let Some(lines) = &self.lines else {
            return self.whole.clone();
        };
        let pos = |o: usize| -> Option<usize> {
            let before = value.get(..o)?;
            let line = before.matches('\n').count();
            let col = o - before.rfind('\n').map_or(0, |i| i + 1);
            let (s, e) = *lines.get(line)?;
            Some((s + col).min(e))
        };
        match (pos(inner.start), pos(inner.end)) {
            (Some(s), Some(e))
                if s <= e && self.text.is_char_boundary(s) && self.text.is_char_boundary(e) =>
            {
                s..e
            }
            _ => self.whole.clone(),
        }
    }
}
