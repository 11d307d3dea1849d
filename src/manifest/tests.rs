//! Tests of `parse_stream` against the contract in `mod.rs`: exact spans, documents, errors,
//! aliases, templates, and the whole corpus.

use super::check::{check_invariants, check_shapes};
use super::*;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

fn parse(src: &str) -> Vec<Document> {
    let docs = parse_stream(src, &ParseOptions::default());
    check_invariants(src, &docs);
    check_shapes(src, &docs);
    docs
}

fn parse_json(src: &str) -> Vec<Document> {
    let opts = ParseOptions {
        json: true,
        ..ParseOptions::default()
    };
    let docs = parse_stream(src, &opts);
    check_invariants(src, &docs);
    docs
}

fn one_json(src: &str) -> Node {
    let docs = parse_json(src);
    assert_eq!(docs.len(), 1);
    root(&docs[0]).clone()
}

fn root(doc: &Document) -> &Node {
    match (&doc.root, &doc.error) {
        (Some(r), _) => r,
        (None, e) => panic!("document {} has no root: {e:?}", doc.index),
    }
}

fn one(src: &str) -> Node {
    let docs = parse(src);
    assert_eq!(docs.len(), 1, "{docs:#?}");
    root(&docs[0]).clone()
}

fn text<'a>(src: &'a str, n: &Node) -> &'a str {
    &src[n.span.clone()]
}

#[test]
fn block_mapping_and_sequence_spans() {
    let src = "a: 1\nb:\n  c: x y  # comment\n  d:\n  - p\n  - q: 1\n    r: 2\n\n# end\n";
    let r = one(src);
    assert_eq!(
        text(src, &r),
        "a: 1\nb:\n  c: x y  # comment\n  d:\n  - p\n  - q: 1\n    r: 2"
    );
    let (k, v) = r.entry("a").unwrap();
    assert_eq!(text(src, k), "a");
    assert_eq!(text(src, v), "1");
    let b = r.get("b").unwrap();
    assert_eq!(
        text(src, b),
        "c: x y  # comment\n  d:\n  - p\n  - q: 1\n    r: 2"
    );
    assert_eq!(text(src, b.get("c").unwrap()), "x y");
    let d = b.get("d").unwrap();
    assert_eq!(text(src, d), "- p\n  - q: 1\n    r: 2");
    let items = d.as_seq().unwrap();
    assert_eq!(text(src, &items[0]), "p");
    assert_eq!(text(src, &items[1]), "q: 1\n    r: 2");
}

#[test]
fn indented_and_nested_sequences() {
    let src = "k:\n  - - a\n    - b\n  - c\nl:\n- - x\n";
    let r = one(src);
    let k = r.get("k").unwrap();
    assert_eq!(text(src, k), "- - a\n    - b\n  - c");
    assert_eq!(text(src, &k.as_seq().unwrap()[0]), "- a\n    - b");
    let l = r.get("l").unwrap();
    assert_eq!(text(src, l), "- - x");
    assert_eq!(text(src, &l.as_seq().unwrap()[0]), "- x");
    let src = "- a\n- b: c\n  d: e\n-\n  - f\n";
    let r = one(src);
    assert_eq!(text(src, &r), "- a\n- b: c\n  d: e\n-\n  - f");
    assert_eq!(text(src, &r.as_seq().unwrap()[2]), "- f");
}

#[test]
fn flow_collections() {
    let src = "a: {b: [1, 2 , {c: d}], e: f }  # x\ng: [h: i, j]\nk: {}\nl: [ ]\n";
    let r = one(src);
    let a = r.get("a").unwrap();
    assert_eq!(text(src, a), "{b: [1, 2 , {c: d}], e: f }");
    let b = a.get("b").unwrap();
    assert_eq!(text(src, b), "[1, 2 , {c: d}]");
    let bs = b.as_seq().unwrap();
    assert_eq!(text(src, &bs[1]), "2");
    assert_eq!(text(src, &bs[2]), "{c: d}");
    let g = r.get("g").unwrap();
    assert_eq!(text(src, g), "[h: i, j]");
    assert_eq!(text(src, &g.as_seq().unwrap()[0]), "h: i");
    assert_eq!(text(src, r.get("k").unwrap()), "{}");
    assert_eq!(text(src, r.get("l").unwrap()), "[ ]");
    let src = "[a, [b,\n  c], {d: e}]";
    assert_eq!(text(src, &one(src)), src);
}

#[test]
fn quoted_scalars() {
    let src = "a: \"abc\"\nb: 'it''s'\nc: \"x\\ty\\u00e9\"\n\"d k\": \"multi\n  line\"\n";
    let r = one(src);
    let a = r.get("a").unwrap();
    assert_eq!(text(src, a), "\"abc\"");
    assert_eq!(a.span.len(), 5);
    assert_eq!(a.as_scalar().unwrap().style, Style::DoubleQuoted);
    let b = r.get("b").unwrap();
    assert_eq!(text(src, b), "'it''s'");
    assert_eq!(b.as_str(), Some("it's"));
    assert_eq!(b.as_scalar().unwrap().style, Style::SingleQuoted);
    assert_eq!(r.get("c").unwrap().as_str(), Some("x\tyé"));
    let src2 = "a: \"q\"  # c\nb: 'it''s'   # 'c'\nc: [\"x\" , 'y' ]\n\"k\"  : v\n";
    let r2 = one(src2);
    assert_eq!(text(src2, r2.get("a").unwrap()), "\"q\"");
    assert_eq!(text(src2, r2.get("b").unwrap()), "'it''s'");
    let c = r2.get("c").unwrap().as_seq().unwrap();
    assert_eq!(text(src2, &c[0]), "\"x\"");
    assert_eq!(text(src2, &c[1]), "'y'");
    assert_eq!(text(src2, r2.entry("k").unwrap().0), "\"k\"");
    let (k, v) = r.entry("d k").unwrap();
    assert_eq!(text(src, k), "\"d k\"");
    assert_eq!(text(src, v), "\"multi\n  line\"");
    assert_eq!(v.as_str(), Some("multi line"));
}

#[test]
fn block_scalars() {
    let src = "a: |\n  l1\n  l2  \n\n# c\nb: >-\n  f1\n  f2\nc: |+\n  k\n\n\nd: |  # hdr | >\n  x\ne: |\nf: &x !!str |2\n   y\ng:\n- |-\n  s\n- >\n- z\n";
    let r = one(src);
    let a = r.get("a").unwrap();
    assert_eq!(text(src, a), "|\n  l1\n  l2  ");
    assert_eq!(a.as_str(), Some("l1\nl2  \n"));
    assert_eq!(a.as_scalar().unwrap().style, Style::Literal);
    let b = r.get("b").unwrap();
    assert_eq!(text(src, b), ">-\n  f1\n  f2");
    assert_eq!(b.as_str(), Some("f1 f2"));
    assert_eq!(b.as_scalar().unwrap().style, Style::Folded);
    assert_eq!(text(src, r.get("c").unwrap()), "|+\n  k");
    assert_eq!(r.get("c").unwrap().as_str(), Some("k\n\n\n"));
    assert_eq!(text(src, r.get("d").unwrap()), "|  # hdr | >\n  x");
    assert_eq!(text(src, r.get("e").unwrap()), "|");
    let src2 = "a: &x |-  # no content\nb: !t >\n";
    let r2 = one(src2);
    assert_eq!(text(src2, r2.get("a").unwrap()), "|-");
    assert_eq!(text(src2, r2.get("b").unwrap()), ">");
    assert_eq!(text(src, r.get("f").unwrap()), "|2\n   y");
    assert_eq!(r.get("f").unwrap().as_str(), Some(" y\n"));
    let g = r.get("g").unwrap().as_seq().unwrap();
    assert_eq!(text(src, &g[0]), "|-\n  s");
    assert_eq!(text(src, &g[1]), ">");
    assert_eq!(text(src, &g[2]), "z");
    // At the end of the file without a final line break.
    let src = "k: |\n  last";
    assert_eq!(text(src, one(src).get("k").unwrap()), "|\n  last");
    // Block scalar as the document on the separator line.
    let src = "--- |\n  text\n";
    let docs = parse(src);
    assert_eq!(&src[docs[0].span.clone()], "|\n  text\n");
    assert_eq!(text(src, root(&docs[0])), "|\n  text");
}

#[test]
fn empty_values() {
    let src = "a:\nb: \nc: [x, ]\nd:\n- \n-\ne: ~\n";
    let r = one(src);
    for k in ["a", "b"] {
        let v = r.get(k).unwrap();
        assert!(v.is_null());
        assert!(v.span.is_empty());
        assert_eq!(&src[..v.span.start].chars().last(), &Some(':'));
    }
    let d = r.get("d").unwrap().as_seq().unwrap();
    assert_eq!(d.len(), 2);
    assert!(d.iter().all(|n| n.is_null()));
    assert!(r.get("e").unwrap().is_null());
    // Empty values last in their collection do not stretch it over what follows.
    for (src, want) in [
        ("? a\n\n# c\n", "? a"),
        ("k:\n- x\n-\n\n", "k:\n- x\n-"),
        ("k:\n  - x\n  -   # c\n", "k:\n  - x\n  -"),
        ("m: {a, b: }\n", "m: {a, b: }"),
        ("s: [a: ]\n", "s: [a: ]"),
        ("a: # c\n", "a:"),
    ] {
        let r = one(src);
        assert_eq!(text(src, &r), want);
    }
    let src = "s: [a: ]\nm: {x}\n";
    let r = one(src);
    let pair = &r.get("s").unwrap().as_seq().unwrap()[0];
    assert_eq!(text(src, pair), "a:");
    assert_eq!(pair.get("a").unwrap().span, 6..6);
    assert_eq!(r.get("m").unwrap().get("x").unwrap().span, 14..14);
}

#[test]
fn crlf() {
    let src =
        "a: b # c\r\nd: \"x\r\n  y\"\r\ne: |\r\n  l1\r\n  l2\r\n\r\nf:\r\n- |-\r\n  z\r\n- q\r\n";
    let r = one(src);
    assert_eq!(text(src, &r), &src[..src.len() - 2]);
    assert_eq!(text(src, r.get("a").unwrap()), "b");
    assert_eq!(r.get("d").unwrap().as_str(), Some("x y"));
    let e = r.get("e").unwrap();
    assert_eq!(text(src, e), "|\r\n  l1\r\n  l2");
    assert_eq!(e.as_str(), Some("l1\nl2\n"));
    let f = r.get("f").unwrap();
    assert_eq!(text(src, f), "- |-\r\n  z\r\n- q");
    assert_eq!(f.as_seq().unwrap()[0].as_str(), Some("z"));
}

#[test]
fn lone_cr_line_breaks() {
    let src = "a: 1\r---\rb: [x]\r";
    let docs = parse(src);
    assert_eq!(docs.len(), 2);
    assert_eq!(text(src, root(&docs[1]).get("b").unwrap()), "[x]");
}

#[test]
fn helm_block_scalar_starting_with_an_action() {
    // A blanked first line would be longer than the content's indentation; the second
    // attempt turns it into a comment.
    let src = "command:\n  - |\n    {{- if .Values.sleep }}\n    sleep {{ .Values.sleep }}\n    {{- end }}\n    exit 0\nnext: 1\n";
    let docs = parse(src);
    let r = root(&docs[0]);
    let script = &r.get("command").unwrap().as_seq().unwrap()[0];
    assert!(script.is_templated());
    assert_eq!(text(src, script), &src[13..src.len() - 9]);
    assert_eq!(r.get("next").and_then(Node::as_str), Some("1"));
}

#[test]
fn bom() {
    let src = "\u{feff}a: 1\n";
    let docs = parse(src);
    assert_eq!(docs.len(), 1);
    assert_eq!(docs[0].span, 3..src.len());
    assert_eq!(text(src, root(&docs[0])), "a: 1");
    let src = "\u{feff}---\nb: é\n---\nc: 1\n";
    let docs = parse(src);
    assert_eq!(docs.len(), 2);
    assert_eq!(text(src, root(&docs[0]).get("b").unwrap()), "é");
    assert_eq!(text(src, root(&docs[1])), "c: 1");
}

#[test]
fn multi_document_stream() {
    let src = "# header\n---\na: 1\n--- # second\n# Source: chart/templates/x.yaml\nb: 2\n---\n# only a comment\n---\n\n--- {c: 3}\n...\n---\nd: [4]\n";
    let docs = parse(src);
    let spans: Vec<&str> = docs.iter().map(|d| &src[d.span.clone()]).collect();
    assert_eq!(
        spans,
        vec![
            "a: 1\n",
            "# Source: chart/templates/x.yaml\nb: 2\n",
            "# only a comment\n",
            "\n",
            "{c: 3}\n",
            "d: [4]\n"
        ]
    );
    assert_eq!(
        docs.iter().map(|d| d.index).collect::<Vec<_>>(),
        (0..6).collect::<Vec<_>>()
    );
    assert_eq!(text(src, root(&docs[0])), "a: 1");
    assert_eq!(text(src, root(&docs[1])), "b: 2");
    assert!(docs[2].root.is_none() && docs[2].error.is_none());
    assert!(docs[3].root.is_none() && docs[3].error.is_none());
    assert_eq!(text(src, root(&docs[4])), "{c: 3}");
    assert_eq!(text(src, root(&docs[5]).get("d").unwrap()), "[4]");
}

#[test]
fn document_end_marker_and_directives() {
    let src = "a: 1\n...\n%YAML 1.2\n---\nb: 2\n...\nc: 3\n";
    let docs = parse(src);
    assert_eq!(docs.len(), 3);
    assert_eq!(text(src, root(&docs[0])), "a: 1");
    assert_eq!(&src[docs[1].span.clone()], "%YAML 1.2\n---\nb: 2\n");
    assert_eq!(text(src, root(&docs[1])), "b: 2");
    assert_eq!(text(src, root(&docs[2])), "c: 3");
}

#[test]
fn comment_only_and_empty_files() {
    for src in ["", "\n", "# just a comment\n", "\u{feff}", "---\n", "---"] {
        let docs = parse(src);
        assert_eq!(docs.len(), 1, "{src:?}");
        assert!(docs[0].root.is_none() && docs[0].error.is_none(), "{src:?}");
    }
}

#[test]
fn kind_list_objects() {
    let src = "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Secret\n  metadata: {name: a}\n- kind: ConfigMap\n  data:\n    k: v\n";
    let r = one(src);
    let objs = objects(&r);
    assert_eq!(objs.len(), 2);
    assert_eq!(
        text(src, objs[0]),
        "apiVersion: v1\n  kind: Secret\n  metadata: {name: a}"
    );
    assert_eq!(text(src, objs[1]), "kind: ConfigMap\n  data:\n    k: v");
    assert_eq!(objs[1].at(&["data", "k"]).and_then(Node::as_str), Some("v"));
}

#[test]
fn json_with_tabs() {
    let src = "{\n\t\"apiVersion\":\t\"v1\",\n\t\"kind\": \"Secret\",\n\t\"data\": {\"k\": \"dg==\"},\n\t\"list\": [1,\t2, true, null]\n}\n";
    let docs = parse_json(src);
    assert_eq!(docs.len(), 1);
    let r = root(&docs[0]);
    assert_eq!(text(src, r), &src[..src.len() - 1]);
    assert_eq!(text(src, r.get("kind").unwrap()), "\"Secret\"");
    assert_eq!(r.at(&["data", "k"]).and_then(Node::as_str), Some("dg=="));
    let (k, _) = r.entry("apiVersion").unwrap();
    assert_eq!(text(src, k), "\"apiVersion\"");
    assert_eq!(text(src, r.get("list").unwrap()), "[1,\t2, true, null]");
    // No `---` splitting, and trailing garbage is an error.
    let docs = parse_json("{\"a\": 1}\n---\n{\"b\": 2}\n");
    assert_eq!(docs.len(), 1);
    assert!(docs[0].error.is_some());
    // Surrogate pairs (as JavaScript escapes emoji) are valid JSON, not valid YAML escapes.
    let src = "{\"e\": \"\\ud83d\\ude00 ok\", \"l\": \"\\udc00\", \"s\": \"a\\/b\"}";
    let r = one_json(src);
    assert_eq!(r.get("e").and_then(Node::as_str), Some("😀 ok"));
    assert_eq!(text(src, r.get("e").unwrap()), "\"\\ud83d\\ude00 ok\"");
    assert_eq!(r.get("l").and_then(Node::as_str), Some("\u{fffd}"));
    assert_eq!(r.get("s").and_then(Node::as_str), Some("a/b"));
    let src = "\u{feff}[\"x\"]";
    assert_eq!(text(src, root(&parse_json(src)[0])), "[\"x\"]");
}

#[test]
fn anchors_aliases_and_merge_keys() {
    let src = "base: &base\n  a: 1\n  b: 2\nlist: &l [x, y]\nuse: *l\nm:\n  <<: *base\n  b: 3\n  c: 4\nn:\n  <<: [*base, {d: 5, a: 9}]\n  e: 6\nscalar: &s val\nagain: *s\n";
    let r = one(src);
    let base = r.get("base").unwrap();
    assert_eq!(text(src, base), "a: 1\n  b: 2");
    let used = r.get("use").unwrap();
    assert_eq!(text(src, used), "[x, y]");
    assert_eq!(used.as_seq().unwrap().len(), 2);
    let m = r.get("m").unwrap();
    let keys: Vec<_> = m
        .as_map()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.as_str().unwrap(), v.as_str().unwrap()))
        .collect();
    assert_eq!(keys, vec![("b", "3"), ("c", "4"), ("a", "1")]);
    // Merged entries keep the spans of their source.
    let (ka, va) = m.entry("a").unwrap();
    assert_eq!(ka.span, base.entry("a").unwrap().0.span);
    assert_eq!(text(src, va), "1");
    let n = r.get("n").unwrap();
    let keys: Vec<_> = n
        .as_map()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.as_str().unwrap(), v.as_str().unwrap()))
        .collect();
    assert_eq!(keys, vec![("e", "6"), ("a", "1"), ("b", "2"), ("d", "5")]);
    assert_eq!(r.get("again").unwrap().as_str(), Some("val"));
    // The mapping's span still covers its own text, including the alias token.
    assert_eq!(text(src, m), "<<: *base\n  b: 3\n  c: 4");
    let src = "a: &a x\nb: *a";
    assert_eq!(text(src, &one(src)), src);
}

#[test]
fn quoted_merge_key_is_a_plain_key() {
    let src = "b: &b {x: 1}\nm:\n  \"<<\": *b\n";
    let r = one(src);
    let m = r.get("m").unwrap();
    assert!(m.get("<<").is_some());
    assert!(m.get("x").is_none());
}

#[test]
fn alias_bomb_is_an_error() {
    let src = "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
---
ok: 1
";
    let t = Instant::now();
    let docs = parse(src);
    assert!(t.elapsed() < Duration::from_secs(2));
    let e = docs[0].error.as_ref().expect("bomb must fail");
    assert_eq!(
        e.message,
        "alias expansion exceeds 100000 nodes (alias bomb?)"
    );
    assert!(docs[0].root.is_none());
    assert_eq!(text(src, root(&docs[1])), "ok: 1");
    // A small budget trips early.
    let opts = ParseOptions {
        alias_budget: 5,
        ..ParseOptions::default()
    };
    let docs = parse_stream("a: &a [1, 2, 3]\nb: *a\nc: *a\n", &opts);
    assert!(docs[0].error.is_some());
}

#[test]
fn recursive_alias_is_an_error() {
    let docs = parse("a: &a [1, *a]\n");
    assert!(docs[0].error.is_some());
}

#[test]
fn deep_nesting_is_an_error() {
    let src = "[".repeat(100_000);
    let docs = parse(&src);
    assert!(docs[0].error.is_some());
    let src = "{\"a\":".repeat(100_000);
    assert!(parse(&src)[0].error.is_some());
    let mut src = String::new();
    for i in 0..100_000 {
        src.push_str(&" ".repeat(i % 1000));
        src.push_str("- ");
        if i % 1000 == 999 {
            src.push('\n');
        }
    }
    assert!(parse(&src)[0].error.is_some());
    let mut src = String::new();
    for i in 0..2_000 {
        src.push_str(&" ".repeat(i));
        src.push_str("k:\n");
    }
    let docs = parse(&src);
    let e = docs[0].error.as_ref().expect("too deep");
    assert_eq!(e.message, "nesting deeper than 256 levels");
    // 100k nested block mappings on one line: `? ` opens a mapping per explicit key.
    let src = format!("{}a\n", "? ".repeat(100_000));
    let e = parse(&src)[0].error.clone().expect("too deep");
    assert_eq!(e.message, "nesting deeper than 256 levels");
    assert!(parse("? ? ? a\n")[0].root.is_some());
    // Within the limit is fine.
    let src = format!("{}{}", "[".repeat(200), "]".repeat(200));
    assert!(parse(&src)[0].root.is_some());
}

#[test]
fn pathological_inputs_stay_linear() {
    let t = Instant::now();
    // Many actions on one long line, and many standalone ones.
    let line = format!("a: \"{}\"\n", "{{ .x }} y ".repeat(50_000));
    let docs = parse(&line);
    assert!(root(&docs[0]).get("a").unwrap().is_templated());
    let many = "  {{- if .x }}\n".repeat(50_000) + "b: 1\n";
    assert!(parse(&many)[0].root.is_some());
    // Many documents, many keys, long quoted scalars with comments.
    let docs = "---\na: 1\n".repeat(20_000);
    assert_eq!(parse(&docs).len(), 20_000);
    let keys: String = (0..50_000)
        .map(|i| format!("k{i}: \"v # {i}\"  # c\n"))
        .collect();
    assert_eq!(one(&keys).as_map().unwrap().len(), 50_000);
    assert!(t.elapsed() < Duration::from_secs(20), "{:?}", t.elapsed());
}

#[test]
fn alias_cannot_exceed_max_depth() {
    let opts = ParseOptions {
        max_depth: 10,
        ..ParseOptions::default()
    };
    let src = format!(
        "a: &a {}{}\nb: {}*a{}\n",
        "[".repeat(8),
        "]".repeat(8),
        "[".repeat(8),
        "]".repeat(8)
    );
    let docs = parse_stream(&src, &opts);
    assert!(docs[0].error.is_some());
}

#[test]
fn error_in_one_document_leaves_the_others() {
    let src = "a: 1\n---\nb: [1, 2\nc: d\n---\ne: 3\n";
    let docs = parse(src);
    assert_eq!(docs.len(), 3);
    assert_eq!(text(src, root(&docs[0])), "a: 1");
    assert_eq!(text(src, root(&docs[2])), "e: 3");
    let e = docs[1].error.as_ref().expect("doc 2 is invalid");
    assert!(docs[1].root.is_none());
    assert!(!docs[1].templated);
    // The error is located in document 2.
    assert!(e.span.start >= docs[1].span.start && e.span.end <= docs[1].span.end);
    assert!(e.span.len() <= 4);
    let src = "a: 1\n---\nkey: value\n  bad: indent\n---\nc: 2\n";
    let docs = parse(src);
    let e = docs[1].error.as_ref().unwrap();
    let line = src[..e.span.start].matches('\n').count() + 1;
    assert!((3..=4).contains(&line), "error on line {line}: {e:?}");
    assert!(docs[0].root.is_some() && docs[2].root.is_some());
}

#[test]
fn error_messages_do_not_quote_the_source() {
    for src in [
        "k: @secretvalue\n",
        "k: `secretvalue\n",
        "a: \"unterminated secretvalue\n",
    ] {
        let docs = parse(src);
        let e = docs[0].error.as_ref().unwrap_or_else(|| panic!("{src}"));
        assert!(!e.message.contains("secretvalue"), "{}", e.message);
        assert!(
            !e.message.contains('@') && !e.message.contains('`'),
            "{}",
            e.message
        );
    }
}

#[test]
fn non_ascii() {
    let src = "é: \"ü\"\nk: [ä, {ö: 1}]\nl: |\n  日本語\n  😀 x\nm: naïve café\n";
    let r = one(src);
    let (k, v) = r.entry("é").unwrap();
    assert_eq!(text(src, k), "é");
    assert_eq!(text(src, v), "\"ü\"");
    let kk = r.get("k").unwrap();
    assert_eq!(text(src, kk), "[ä, {ö: 1}]");
    assert_eq!(text(src, &kk.as_seq().unwrap()[1]), "{ö: 1}");
    assert_eq!(text(src, r.get("l").unwrap()), "|\n  日本語\n  😀 x");
    assert_eq!(text(src, r.get("m").unwrap()), "naïve café");
    assert_eq!(text(src, &r), &src[..src.len() - 1]);
    // A long non-ASCII document crosses many checkpoints.
    let long: String = (0..500).map(|i| format!("k{i}: \"ß{i}€\"\n")).collect();
    let r = one(&long);
    assert_eq!(text(&long, r.get("k499").unwrap()), "\"ß499€\"");
}

#[test]
fn tags_are_ignored() {
    let src = "a: !!binary aGk=\nb: !custom\n  c: 1\nd: !!str &x 5\n";
    let r = one(src);
    assert_eq!(text(src, r.get("a").unwrap()), "aGk=");
    assert_eq!(r.get("a").unwrap().as_str(), Some("aGk="));
    assert_eq!(text(src, r.get("b").unwrap()), "c: 1");
    assert_eq!(text(src, r.get("d").unwrap()), "5");
}

#[test]
fn duplicate_keys_are_kept_in_order() {
    let src = "a: 1\nb: 2\na: 3\n";
    let r = one(src);
    let keys: Vec<_> = r
        .as_map()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.as_str().unwrap(), text(src, v)))
        .collect();
    assert_eq!(keys, vec![("a", "1"), ("b", "2"), ("a", "3")]);
    // As in Kubernetes' decoders, the last one wins.
    assert_eq!(r.get("a").unwrap().as_str(), Some("3"));
    assert_eq!(r.get_all("a").count(), 2);
}

#[test]
fn helm_inline_and_standalone_actions() {
    let src = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: {{ include \"app.fullname\" . }}\n  labels:\n    {{- include \"app.labels\" . | nindent 4 }}\ndata:\n  {{- if .Values.x }}\n  image: \"{{ .Values.image }}:{{ .Values.tag }}\"\n  plain: literal\n  {{- end }}\nspec:\n  replicas: {{ .Values.n }}\n";
    let docs = parse(src);
    let d = &docs[0];
    assert!(d.templated);
    let r = root(d);
    let name = r.at(&["metadata", "name"]).unwrap();
    assert!(name.is_templated());
    assert_eq!(text(src, name), "{{ include \"app.fullname\" . }}");
    // The empty value stands for the action on the next line.
    let labels = r.at(&["metadata", "labels"]).unwrap();
    assert!(labels.is_null() && labels.is_templated());
    let image = r.at(&["data", "image"]).unwrap();
    assert!(image.is_templated());
    assert_eq!(
        text(src, image),
        "\"{{ .Values.image }}:{{ .Values.tag }}\""
    );
    assert!(!r.get("data").unwrap().is_templated());
    let plain = r.at(&["data", "plain"]).unwrap();
    assert!(!plain.is_templated());
    assert_eq!(plain.as_str(), Some("literal"));
    assert_eq!(r.get("kind").and_then(Node::as_str), Some("Secret"));
    assert!(r.at(&["spec", "replicas"]).unwrap().is_templated());
}

#[test]
fn helm_broken_template_is_templated_error() {
    let src = "a: 1\n---\n{{ range .Values.x }}: [\nb: {\n---\nc: 2\n";
    let docs = parse(src);
    assert!(!docs[0].templated);
    assert!(docs[1].templated);
    assert!(docs[1].error.is_some());
    assert!(docs[2].root.is_some());
}

#[test]
fn tolerant_marks_every_document_templated() {
    let opts = ParseOptions {
        tolerant: true,
        ..ParseOptions::default()
    };
    let docs = parse_stream("a: 1\n---\nb: 2\n", &opts);
    assert!(docs.iter().all(|d| d.templated && d.root.is_some()));
    let r = docs[0].root.as_ref().unwrap();
    assert!(!r.get("a").unwrap().is_templated());
}

#[test]
fn helm_non_ascii_inside_action() {
    let src = "a: {{ \"é\" | quote }} ü\nb: ü\n";
    let r = one(src);
    let a = r.get("a").unwrap();
    assert!(a.is_templated());
    assert_eq!(text(src, a), "{{ \"é\" | quote }} ü");
    assert_eq!(text(src, r.get("b").unwrap()), "ü");
}

/// `shared/corpus/` beside (or above) the checkout.
fn corpus_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .map(|a| a.join("shared/corpus"))
        .find(|p| p.is_dir())
        .unwrap_or_else(|| PathBuf::from("/work/shared/corpus"))
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        let Ok(ft) = e.file_type() else { continue };
        if ft.is_dir() {
            if p.file_name().is_some_and(|n| n != ".git") {
                walk(&p, out);
            }
        } else if ft.is_file() {
            let name = p.to_string_lossy().to_ascii_lowercase();
            if name.ends_with(".yaml") || name.ends_with(".yml") || name.ends_with(".json") {
                out.push(p);
            }
        }
    }
}

fn all_scalars<'a>(n: &'a Node, out: &mut Vec<&'a Node>) {
    let mut stack = vec![n];
    while let Some(n) = stack.pop() {
        match &n.value {
            Value::Scalar(_) => out.push(n),
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

#[test]
fn podinfo_helm_templates() {
    let dir = corpus_root().join("stefanprodan__podinfo/charts/podinfo/templates");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        eprintln!("skipped: {} not found", dir.display());
        return;
    };
    let opts = ParseOptions {
        tolerant: true,
        ..ParseOptions::default()
    };
    let mut parsed = 0;
    let mut files = 0;
    for e in entries.flatten() {
        let p = e.path();
        if p.extension().is_none_or(|x| x != "yaml") {
            continue;
        }
        let Ok(src) = std::fs::read_to_string(&p) else {
            continue;
        };
        files += 1;
        let docs = parse_stream(&src, &opts);
        check_invariants(&src, &docs);
        check_shapes(&src, &docs);
        for d in &docs {
            assert!(d.templated);
            let Some(r) = &d.root else { continue };
            parsed += 1;
            let mut scalars = Vec::new();
            all_scalars(r, &mut scalars);
            for s in scalars {
                let t = &src[s.span.clone()];
                if t.contains("{{") {
                    assert!(s.is_templated(), "{}: {t:?} not templated", p.display());
                }
            }
        }
    }
    assert!(files > 5);
    // Most templates are readable once masked.
    assert!(parsed * 2 > files, "{parsed} of {files}");
}

#[test]
fn corpus_parses() {
    let root_dir = corpus_root();
    if !root_dir.is_dir() {
        eprintln!("skipped: corpus not found");
        return;
    }
    let mut files = Vec::new();
    walk(&root_dir, &mut files);
    let mut failures = Vec::new();
    let mut bytes = 0;
    for p in &files {
        let Ok(src) = std::fs::read_to_string(p) else {
            continue;
        };
        bytes += src.len();
        let path = p.to_string_lossy();
        let opts = ParseOptions {
            json: path.to_ascii_lowercase().ends_with(".json"),
            tolerant: path.contains("/templates/"),
            ..ParseOptions::default()
        };
        let docs = parse_stream(&src, &opts);
        check_invariants(&src, &docs);
        check_shapes(&src, &docs);
        for d in docs.iter().filter(|_| !path.contains("/templates/")) {
            if let Some(e) = &d.error {
                failures.push(format!(
                    "{path} doc {}: {} at {:?}",
                    d.index, e.message, e.span
                ));
            }
        }
    }
    eprintln!("corpus: {} files, {bytes} bytes", files.len());
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

mod prop {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn arbitrary_text_never_panics(s in "\\PC*") {
            for json in [false, true] {
                let opts = ParseOptions { json, ..ParseOptions::default() };
                check_invariants(&s, &parse_stream(&s, &opts));
            }
        }

        #[test]
        fn yamlish_text_never_panics(s in "([-:?|>{}\\[\\],&*!#'\"%@ \\t\\r\\n.a-cé😀]|---|\\{\\{|\\}\\}|<<){0,60}") {
            for tolerant in [false, true] {
                let opts = ParseOptions { tolerant, ..ParseOptions::default() };
                let docs = parse_stream(&s, &opts);
                check_invariants(&s, &docs);
                check_shapes(&s, &docs);
            }
        }
    }
}
/// Found by the hostile-input tests: `? key` without a value made the empty value (and so
/// the enclosing block mapping) end past the line break, on the next token.
#[test]
fn empty_key_takes_its_own_colon() {
    // Found by fuzzing (`document`): the empty value of an empty key was placed after the
    // previous entry's `:`, so the mapping ended before its last `:` with a line break.
    let src = "\n\u{1a} :\n#1\n:\n";
    let root_node = one(src);
    let entries = root_node.as_map().unwrap();
    assert_eq!(entries[1].0.span, 8..8);
    assert_eq!(entries[1].1.span, 9..9);
    assert_eq!(text(src, &root_node), "\u{1a} :\n#1\n:");
    // Also found by fuzzing: an explicit empty key followed by blanks.
    for src in ["?   ", "? \n", "a: 1\n?  \n"] {
        let docs = parse(src);
        let t = text(src, root(&docs[0]));
        assert_eq!(t.trim_end(), t, "{src:?}");
    }
}

#[test]
fn explicit_key_without_value_ends_at_the_key() {
    let src = "? ? ? a\n";
    let docs = parse(src);
    assert_eq!(text(src, root(&docs[0])), "? ? ? a");
    let src = "? a\nb: 1\n";
    let root_node = one(src);
    let entries = root_node.as_map().unwrap();
    assert_eq!(entries[0].1.span, 3..3);
    assert_eq!(text(src, &root_node), "? a\nb: 1");
    // Found by fuzzing (`document`): an empty last item at the end of the file.
    for src in ["- ", "- \t", "a:\n- ", "-  \n"] {
        let docs = parse(src);
        let t = text(src, root(&docs[0]));
        assert_eq!(t.trim_end(), t, "{src:?}");
    }
    // A mapping that ends with a block scalar whose last line ends in a tab (content).
    let docs = parse("a:\n  k: |\n    li\t");
    assert!(docs[0].root.is_some());
    // Flow mappings are unaffected.
    assert_eq!(text("{a}", &one("{a}")), "{a}");
}

#[test]
fn explicit_empty_key_after_an_empty_value() {
    // Found by fuzzing (`document`): after an empty value (`k:`) the cursor stayed on its `:`,
    // so a following explicit empty key (`?`) was placed at the end of the file and the
    // mapping ended in blank lines. Helm masking turns an unclosed `{{ a` line into blanks.
    for src in [
        "k:\n?\n    \n",
        "k:\n?\n{{ a\n",
        "k:\r?\r{{ a\n",
        "ma:\n  k:\r\t\r\r?\r\r{{{{ - s\n",
    ] {
        let docs = parse(src);
        let t = text(src, root(&docs[0]));
        assert!(t.ends_with('?'), "{src:?}: {t:?}");
    }
    let src = "k:\n?\n    \n";
    let entries = one(src);
    let entries = entries.as_map().unwrap();
    assert_eq!(entries[1].0.span, 4..4);
}

#[test]
fn block_mapping_after_properties_on_the_line_before_starts_at_its_key() {
    // Found by fuzzing (`document`): saphyr marks a block mapping whose anchor ends the line
    // before it just after the anchor, so the mapping's span started with a line break.
    let src = "!: &x:{\n\"Se &x{{cret\",a\": {\"(\": \"dg==\"}\na\": {\"A=\"}\n}\n";
    parse(src);
    let src = "k: &a\n  \"x\": v\n";
    let root_node = one(src);
    let value = &root_node.as_map().unwrap()[0].1;
    assert_eq!(text(src, value), "\"x\": v");
}

#[test]
fn indentless_sequence_as_an_explicit_key_starts_at_its_dash() {
    // Found by fuzzing (`document`): saphyr reports the start of an indentless sequence that
    // is an explicit key (`?` then `-` on the next line) after its first `-`, so the
    // sequence started at the end of the file and its mapping ended with a line break.
    for src in [
        "?\n-\n",
        "a:\n- x\n?\n-\n",
        "a:\n- b\r?\r\r-\r\r",
        "? \n- a\n- b\n: v\n",
        "apiVersioms:\n- ahhhhhhhhpiV List\nitems:\n- apiV\x1b\x1b\x1b\x1b\x1b\x1b\x1b\x1b\x1b\x1b\x1bms:\n- apiV\x1b\x1b\r\r?\r\r\r\r\r\r-\r\r\r\r\r...\r\r\r\r\x1b\x1b\x1b\x1b\x1b\x1b\x1b\x1b\x1b\x1b.yaml\x1b",
    ] {
        parse(src);
    }
    let src = "?\n- a\n";
    let root_node = one(src);
    let key = &root_node.as_map().unwrap()[0].0;
    assert_eq!(text(src, key), "- a");
}

#[test]
fn empty_value_of_an_explicit_key_stays_at_its_key() {
    // Found by fuzzing (`document`): the empty value of an explicit key without `:` was placed
    // after the next entry's `?`, and the next key after it, so the mapping ended with a
    // line break.
    for src in [
        "?\n?\n",
        "k:\n?\n?\n",
        "?\r?\r\r",
        "? a\n?\n",
        "ma:\n  k:\r\t\r\r\r\r\r\r\r\r\r\t\r?\r\r\r\r\r?\r\r...\r\r\r\r\r\r\r\t\x1d\r\r\r\r\r\r\r\r\r\r\r\r\r\r\r\r\r\r\t\r?\r\r\r\r\r\r\r\r\r\rŞĜ",
    ] {
        parse(src);
    }
    let src = "?\n?\n";
    let root_node = one(src);
    let entries = root_node.as_map().unwrap();
    assert_eq!(
        (entries[0].0.span.clone(), entries[0].1.span.clone()),
        (1..1, 1..1)
    );
    assert_eq!(
        (entries[1].0.span.clone(), entries[1].1.span.clone()),
        (3..3, 3..3)
    );
}

#[test]
fn non_ascii_directive_lines_do_not_shift_spans() {
    // Found by fuzzing (`document`): saphyr counts an unknown directive it skips in bytes, so
    // a non-ASCII character there shifted every later span.
    for src in [
        "%YADat.a: &\u{fefc}G:x.\n--- {a: 0}\n---\r\nb: |+\u{0}\u{0}\u{0}\u{0}\u{8}9\"\r\n a",
        "%Y \u{e9}\n--- {a: 0}\n",
        "%Y \u{e9}\r--- {a: \u{e9}}\n",
    ] {
        parse(src);
    }
    let src = "%Y \u{e9}\n--- {a: \u{e9}}\n";
    let root_node = one(src);
    assert_eq!(text(src, &root_node), "{a: \u{e9}}");
    // The value keeps its text: only the directive line is rewritten for the parser.
    assert_eq!(root_node.as_map().unwrap()[0].1.as_str(), Some("\u{e9}"));
}
