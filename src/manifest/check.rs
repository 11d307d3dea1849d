//! Checks of the document model's span contract, shared by the unit tests and the fuzz
//! targets (which cannot use `cfg(test)` code). They panic with the offending text.

use super::{Document, Node, Style, Value};
use std::ops::Range;

pub fn in_file(src: &str, r: &Range<usize>) -> bool {
    r.start <= r.end
        && r.end <= src.len()
        && src.is_char_boundary(r.start)
        && src.is_char_boundary(r.end)
}

/// Every span in bounds and on char boundaries; node spans inside their document.
pub fn check_invariants(src: &str, docs: &[Document]) {
    for d in docs {
        assert!(in_file(src, &d.span), "doc span {:?}", d.span);
        if let Some(e) = &d.error {
            assert!(in_file(src, &e.span), "error span {:?}", e.span);
            assert!(d.root.is_none());
            assert!(!e.message.contains(" at byte "), "{}", e.message);
        }
        let mut stack: Vec<&Node> = d.root.iter().collect();
        while let Some(n) = stack.pop() {
            assert!(in_file(src, &n.span), "node span {:?}", n.span);
            // Content on the `---` line and directives start before the span, never nodes.
            assert!(
                n.span.start >= d.span.start && n.span.end <= d.span.end,
                "node {:?} outside document {:?}",
                n.span,
                d.span
            );
            match &n.value {
                Value::Scalar(_) => {}
                Value::Seq(items) => stack.extend(items),
                Value::Map(entries) => {
                    for (k, v) in entries {
                        stack.push(k);
                        stack.push(v);
                    }
                }
            }
        }
    }
}

fn is_blank(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r' | '\n')
}

/// What a node's source text must look like: no surrounding blanks, quotes and brackets
/// where its style says so.
pub fn check_shapes(src: &str, docs: &[Document]) {
    shapes(src, docs, true);
}

/// [`check_shapes`] without the style checks (quotes, brackets, plain text equal to its
/// value): what the fuzz targets hold every input to. A plain scalar with control
/// characters can differ from its source text, which only the unit tests pin down.
pub fn check_blanks(src: &str, docs: &[Document]) {
    shapes(src, docs, false);
}

fn shapes(src: &str, docs: &[Document], styles: bool) {
    for d in docs {
        // A block scalar's last line may end in blanks that are content, and so may a
        // collection that ends with it (found by fuzzing: `k: |\n  li\t`).
        let mut block_ends = std::collections::HashSet::new();
        let mut stack: Vec<&Node> = d.root.iter().collect();
        while let Some(n) = stack.pop() {
            match &n.value {
                Value::Scalar(s) if matches!(s.style, Style::Literal | Style::Folded) => {
                    block_ends.insert(n.span.end);
                }
                Value::Scalar(_) => {}
                Value::Seq(items) => stack.extend(items),
                Value::Map(entries) => stack.extend(entries.iter().flat_map(|(k, v)| [k, v])),
            }
        }
        let mut stack: Vec<&Node> = d.root.iter().collect();
        while let Some(n) = stack.pop() {
            let t = &src[n.span.clone()];
            let ctx = || format!("{t:?} in {:?}", &src[d.span.clone()]);
            let block = block_ends.contains(&n.span.end);
            assert!(!t.starts_with(is_blank), "{}", ctx());
            assert!(!t.ends_with(['\n', '\r']), "{}", ctx());
            if !block {
                assert!(!t.ends_with(is_blank), "{}", ctx());
            }
            match &n.value {
                Value::Scalar(_) if !styles => {}
                Value::Seq(items) if !styles => stack.extend(items),
                Value::Map(entries) if !styles => {
                    stack.extend(entries.iter().flat_map(|(k, v)| [k, v]));
                }
                Value::Scalar(s) => match s.style {
                    Style::Plain if s.text.is_empty() => assert!(t.is_empty(), "{}", ctx()),
                    Style::Plain => {
                        assert!(!t.is_empty(), "{}", ctx());
                        if !s.templated && !t.contains(['\n', '\r']) {
                            assert_eq!(t, s.text, "{}", ctx());
                        }
                    }
                    Style::DoubleQuoted => {
                        assert!(
                            t.len() >= 2 && t.starts_with('"') && t.ends_with('"'),
                            "{}",
                            ctx()
                        )
                    }
                    Style::SingleQuoted => assert!(
                        t.len() >= 2 && t.starts_with('\'') && t.ends_with('\''),
                        "{}",
                        ctx()
                    ),
                    Style::Literal => assert!(t.starts_with('|'), "{}", ctx()),
                    Style::Folded => assert!(t.starts_with('>'), "{}", ctx()),
                },
                Value::Seq(items) => {
                    assert!(t.starts_with(['[', '-']), "{}", ctx());
                    // (In a template, `{{ x }}: v` is a block mapping starting with `{`.)
                    if t.starts_with('[') && !d.templated {
                        assert!(t.ends_with(']'), "{}", ctx());
                    }
                    stack.extend(items);
                }
                Value::Map(entries) => {
                    assert!(!t.starts_with('#'), "{}", ctx());
                    if t.starts_with('{') && !d.templated {
                        assert!(t.ends_with('}'), "{}", ctx());
                    }
                    for (k, v) in entries {
                        stack.push(k);
                        stack.push(v);
                    }
                }
            }
        }
    }
}
