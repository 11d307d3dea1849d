//! Invariants shared by the fuzz targets.
#![allow(dead_code)]

use gitops_guard::manifest::{Document, Node, Style, Value};
use std::ops::Range;

pub fn in_file(src: &str, r: &Range<usize>) -> bool {
    r.start <= r.end
        && r.end <= src.len()
        && src.is_char_boundary(r.start)
        && src.is_char_boundary(r.end)
}

/// Every span in bounds and on char boundaries; node spans inside their document; an
/// error means no root.
pub fn check_documents(src: &str, docs: &[Document]) {
    for d in docs {
        assert!(in_file(src, &d.span), "doc span {:?}", d.span);
        if let Some(e) = &d.error {
            assert!(in_file(src, &e.span), "error span {:?}", e.span);
            assert!(d.root.is_none(), "a document with an error has a root");
        }
        let mut stack: Vec<&Node> = d.root.iter().collect();
        while let Some(n) = stack.pop() {
            assert!(in_file(src, &n.span), "node span {:?}", n.span);
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

/// Runs every rule over the file as the engine does and checks the findings' spans and the
/// redacted display text (same length as the file).
pub fn check_scan(path: &str, bytes: &[u8]) {
    let settings = gitops_guard::config::Settings::default();
    let ctx = gitops_guard::rules::Ctx {
        settings: &settings,
        repo: &gitops_guard::rules::NoRepo,
        layout: None,
    };
    let result = gitops_guard::engine::scan_file(path, bytes, &ctx);
    for f in &result.findings {
        assert!(
            f.span.start <= f.span.end && f.span.end <= bytes.len(),
            "finding span {:?}",
            f.span
        );
        if let Ok(text) = std::str::from_utf8(bytes) {
            assert!(
                in_file(text, &f.span),
                "finding span {:?} off char boundaries",
                f.span
            );
        }
    }
    if let Some(t) = &result.display_text {
        assert_eq!(t.len(), bytes.len(), "display text changed length");
    }
}

/// What a node's text looks like (as `check_shapes` in src/manifest/tests.rs): no leading
/// blanks, no trailing line break, no trailing blanks except in block scalars.
pub fn check_shapes(src: &str, docs: &[Document]) {
    let blank = |c: char| matches!(c, ' ' | '\t' | '\r' | '\n');
    for d in docs {
        // A collection that ends with a block scalar ends with that scalar's content, which
        // may end in blanks (`|` keeps trailing tabs and spaces).
        let mut block_ends = std::collections::HashSet::new();
        let mut stack: Vec<&Node> = d.root.iter().collect();
        while let Some(n) = stack.pop() {
            if matches!(&n.value, Value::Scalar(s) if matches!(s.style, Style::Literal | Style::Folded))
            {
                block_ends.insert(n.span.end);
            }
            match &n.value {
                Value::Scalar(_) => {}
                Value::Seq(items) => stack.extend(items),
                Value::Map(entries) => stack.extend(entries.iter().flat_map(|(k, v)| [k, v])),
            }
        }
        let mut stack: Vec<&Node> = d.root.iter().collect();
        while let Some(n) = stack.pop() {
            let t = &src[n.span.clone()];
            let block = block_ends.contains(&n.span.end);
            assert!(!t.starts_with(blank), "node {t:?} starts with a blank");
            assert!(
                !t.ends_with(['\n', '\r']),
                "node {t:?} ends with a line break"
            );
            if !block {
                assert!(!t.ends_with(blank), "node {t:?} ends with a blank");
            }
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
