//! Splitting a YAML stream into documents by scanning lines.
//!
//! In YAML a `---` or `...` marker at column 0 always ends the current document (even inside a
//! block scalar), so a line scan finds exactly the boundaries the parser would, and each
//! document can be parsed on its own: an error in one cannot affect the others.

use memchr::memchr2;
use std::ops::Range;

/// UTF-8 byte order mark.
pub(super) const BOM: &[u8] = b"\xEF\xBB\xBF";

/// One document of the stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Piece {
    /// The document's span (see [`super::Document::span`]).
    pub span: Range<usize>,
    /// Where the parser's input starts: the `---` line itself (so that `--- !tag`, `--- |` and
    /// `--- {a: 1}` parse as YAML defines them), or the directives before it.
    pub parse_start: usize,
}

enum Marker {
    /// `---`; `Some(offset)` of content on the same line after the marker.
    Start(Option<usize>),
    /// `...`
    End,
}

/// Offset of the first byte after a leading BOM.
pub(super) fn content_start(src: &str) -> usize {
    if src.as_bytes().starts_with(BOM) {
        BOM.len()
    } else {
        0
    }
}

/// Classifies the line starting at `line` (ending before `end`, its line break excluded).
fn marker(bytes: &[u8], line: usize, end: usize) -> Option<Marker> {
    let l = bytes.get(line..end)?;
    let is_start = l.starts_with(b"---");
    if !is_start && !l.starts_with(b"...") {
        return None;
    }
    // The marker must be followed by white space or the end of the line (`---x` is a scalar).
    match l.get(3) {
        None | Some(b' ' | b'\t') => {}
        Some(_) => return None,
    }
    if !is_start {
        return Some(Marker::End);
    }
    let rest = &l[3..];
    let ws = rest
        .iter()
        .take_while(|&&b| b == b' ' || b == b'\t')
        .count();
    let content = match rest.get(ws) {
        None | Some(b'#') => None,
        Some(_) => Some(line + 3 + ws),
    };
    Some(Marker::Start(content))
}

/// What the lines of an implicit region (before the first marker or after `...`) hold.
struct RegionKinds {
    content: bool,
    directive: bool,
}

fn region_kinds(bytes: &[u8], range: Range<usize>) -> RegionKinds {
    let mut kinds = RegionKinds {
        content: false,
        directive: false,
    };
    let text = bytes.get(range).unwrap_or_default();
    for line in text.split(|&b| b == b'\n' || b == b'\r') {
        if line.first() == Some(&b'%') {
            kinds.directive = true;
            continue;
        }
        let first = line.iter().find(|&&b| !matches!(b, b' ' | b'\t'));
        if matches!(first, Some(b) if *b != b'#') {
            kinds.content = true;
            return kinds;
        }
    }
    kinds
}

/// Splits a YAML stream into documents.
///
/// Rules: every `---` starts a document (even an empty one). The text before the first `---`,
/// and after a `...`, is a document only when it holds content (not just comments or blank
/// lines) or when the stream has no markers at all; directives there (`%YAML`) belong to the
/// following `---` document.
pub(super) fn split(src: &str) -> Vec<Piece> {
    let bytes = src.as_bytes();
    let start = content_start(src);
    let mut pieces = Vec::new();

    // The open region: its span start, where parsing starts, and whether it began with `---`.
    let mut span_start = start;
    let mut parse_start = start;
    let mut explicit = false;
    let mut saw_marker = false;

    let mut line = start;
    while line <= bytes.len() {
        // Line breaks are LF, CRLF or (as YAML also reads them) a lone CR.
        let brk = memchr2(b'\n', b'\r', bytes.get(line..).unwrap_or_default()).map(|i| line + i);
        let line_end = brk.unwrap_or(bytes.len());
        let next = match brk {
            None => bytes.len() + 1,
            Some(i) if bytes.get(i) == Some(&b'\r') && bytes.get(i + 1) == Some(&b'\n') => i + 2,
            Some(i) => i + 1,
        };
        if let Some(m) = marker(bytes, line, line_end) {
            saw_marker = true;
            // Close the open region at this line.
            let mut carry = None;
            if explicit {
                pieces.push(Piece {
                    span: span_start..line,
                    parse_start,
                });
            } else {
                let kinds = region_kinds(bytes, span_start..line);
                if kinds.content {
                    pieces.push(Piece {
                        span: span_start..line,
                        parse_start,
                    });
                } else if kinds.directive && matches!(m, Marker::Start(_)) {
                    carry = Some(span_start);
                }
            }
            match m {
                Marker::Start(content) => {
                    explicit = true;
                    parse_start = carry.unwrap_or(line);
                    span_start = carry.or(content).unwrap_or(next.min(bytes.len()));
                }
                Marker::End => {
                    explicit = false;
                    parse_start = next.min(bytes.len());
                    span_start = parse_start;
                }
            }
        }
        line = next;
    }
    let end = bytes.len();
    if !saw_marker || explicit || region_kinds(bytes, span_start..end).content {
        pieces.push(Piece {
            span: span_start.min(end)..end,
            parse_start: parse_start.min(end),
        });
    }
    pieces
}

#[cfg(test)]
mod tests {
    use super::{Piece, split};

    fn spans(src: &str) -> Vec<&str> {
        split(src).iter().map(|p| &src[p.span.clone()]).collect()
    }

    #[test]
    fn no_markers_is_one_document() {
        assert_eq!(spans("a: 1\n"), vec!["a: 1\n"]);
        assert_eq!(spans(""), vec![""]);
        assert_eq!(spans("# only\n"), vec!["# only\n"]);
    }

    #[test]
    fn separators() {
        let src = "# pre\n---\na: 1\n--- # c\n# Source: x.yaml\nb: 2\n---\n";
        assert_eq!(spans(src), vec!["a: 1\n", "# Source: x.yaml\nb: 2\n", ""]);
    }

    #[test]
    fn content_on_separator_line() {
        let src = "--- {a: 1}\n---\t!tag\nb: 1\n";
        let p = split(src);
        assert_eq!(&src[p[0].span.clone()], "{a: 1}\n");
        assert_eq!(p[0].parse_start, 0);
        assert_eq!(&src[p[1].span.clone()], "!tag\nb: 1\n");
        assert_eq!(&src[p[1].parse_start..p[1].span.end], "---\t!tag\nb: 1\n");
    }

    #[test]
    fn not_separators() {
        assert_eq!(
            spans("a: ---x\n----\n---x: 1\n"),
            vec!["a: ---x\n----\n---x: 1\n"]
        );
    }

    #[test]
    fn document_end_and_directives() {
        let src = "a: 1\n...\n%YAML 1.2\n---\nb: 2\n...\n# tail\n";
        let p = split(src);
        assert_eq!(p.len(), 2);
        assert_eq!(&src[p[0].span.clone()], "a: 1\n");
        assert_eq!(&src[p[1].span.clone()], "%YAML 1.2\n---\nb: 2\n");
        assert_eq!(p[1].parse_start, p[1].span.start);
        // Content after `...` without `---` is a document of its own.
        assert_eq!(spans("a: 1\n...\nb: 2\n"), vec!["a: 1\n", "b: 2\n"]);
    }

    #[test]
    fn bom_and_crlf() {
        let src = "\u{feff}---\r\na: 1\r\n---\r\nb: 2\r\n";
        assert_eq!(spans(src), vec!["a: 1\r\n", "b: 2\r\n"]);
        assert_eq!(
            split("\u{feff}a: 1"),
            vec![Piece {
                span: 3..7,
                parse_start: 3
            }]
        );
    }

    #[test]
    fn lone_cr_is_a_line_break() {
        assert_eq!(spans("a: 1\r---\rb: 2\r"), vec!["a: 1\r", "b: 2\r"]);
        assert_eq!(spans("--- # c\rb: 2"), vec!["b: 2"]);
    }

    #[test]
    fn separator_at_eof_without_newline() {
        assert_eq!(spans("a: 1\n---"), vec!["a: 1\n", ""]);
    }
}
