//! Deterministic text output for generated objects: an ordered tree ([`Out`]) rendered as
//! 2-space block YAML or as JSON, and [`yaml_scalar`], the quoting helper.
//!
//! Invariants: the output parses back to exactly the tree (every string stays a string,
//! whatever it looks like); mapping order is the order of insertion.

use std::fmt::Write as _;

/// A value to render.
#[derive(Debug, Clone, PartialEq)]
pub enum Out {
    Str(String),
    Bool(bool),
    Map(Vec<(String, Out)>),
    Seq(Vec<Out>),
}

impl Out {
    pub fn str(s: impl Into<String>) -> Out {
        Out::Str(s.into())
    }

    /// A mapping from `(key, value)` pairs.
    pub fn map<K: Into<String>>(entries: impl IntoIterator<Item = (K, Out)>) -> Out {
        Out::Map(entries.into_iter().map(|(k, v)| (k.into(), v)).collect())
    }

    /// Converts to a `serde_json::Value` (for schema validation in tests).
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            Out::Str(s) => serde_json::Value::String(s.clone()),
            Out::Bool(b) => serde_json::Value::Bool(*b),
            Out::Seq(items) => serde_json::Value::Array(items.iter().map(Out::to_json).collect()),
            Out::Map(entries) => serde_json::Value::Object(
                entries
                    .iter()
                    .map(|(k, v)| (k.clone(), v.to_json()))
                    .collect(),
            ),
        }
    }
}

/// Renders `value` (a mapping) as block YAML ending in a newline. Every line but the first
/// is prefixed with `indent` spaces, so the text can replace a node that starts at column
/// `indent` (an item of a `kind: List`).
pub fn to_yaml(value: &Out, indent: usize) -> String {
    let mut out = String::new();
    write_yaml(&mut out, value, 0);
    if indent == 0 {
        return out;
    }
    let pad = " ".repeat(indent);
    let mut shifted = String::with_capacity(out.len() + out.len() / 8);
    for (i, line) in out.split_inclusive('\n').enumerate() {
        if i > 0 {
            shifted.push_str(&pad);
        }
        shifted.push_str(line);
    }
    shifted
}

fn write_yaml(out: &mut String, value: &Out, level: usize) {
    match value {
        Out::Map(entries) => {
            for (key, val) in entries {
                pad(out, level);
                out.push_str(&yaml_scalar(key));
                out.push(':');
                write_yaml_value(out, val, level);
            }
        }
        Out::Seq(items) => {
            for item in items {
                pad(out, level);
                out.push_str("- ");
                match item {
                    Out::Map(entries) if !entries.is_empty() => {
                        // The first entry shares the dash's line; the rest align with it.
                        let mut first = String::new();
                        write_yaml(&mut first, item, level + 1);
                        out.push_str(first.trim_start_matches(' '));
                    }
                    Out::Seq(items) if !items.is_empty() => {
                        let mut nested = String::new();
                        write_yaml(&mut nested, item, level + 1);
                        out.push_str(nested.trim_start_matches(' '));
                    }
                    other => {
                        out.push_str(&inline(other));
                        out.push('\n');
                    }
                }
            }
        }
        other => {
            pad(out, level);
            out.push_str(&inline(other));
            out.push('\n');
        }
    }
}

fn write_yaml_value(out: &mut String, val: &Out, level: usize) {
    match val {
        Out::Map(entries) if !entries.is_empty() => {
            out.push('\n');
            write_yaml(out, val, level + 1);
        }
        Out::Seq(items) if !items.is_empty() => {
            out.push('\n');
            write_yaml(out, val, level + 1);
        }
        other => {
            out.push(' ');
            out.push_str(&inline(other));
            out.push('\n');
        }
    }
}

fn inline(value: &Out) -> String {
    match value {
        Out::Str(s) => yaml_scalar(s),
        Out::Bool(b) => b.to_string(),
        Out::Map(_) => "{}".into(),
        Out::Seq(_) => "[]".into(),
    }
}

fn pad(out: &mut String, level: usize) {
    for _ in 0..level {
        out.push_str("  ");
    }
}

/// Renders `value` as pretty JSON (2 spaces). Every line but the first is prefixed with
/// `indent` spaces; no trailing newline.
pub fn to_json(value: &Out, indent: usize) -> String {
    let mut out = String::new();
    write_json(&mut out, value, indent);
    out
}

fn write_json(out: &mut String, value: &Out, col: usize) {
    match value {
        Out::Str(s) => out.push_str(&serde_json::Value::String(s.clone()).to_string()),
        Out::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Out::Map(entries) if entries.is_empty() => out.push_str("{}"),
        Out::Seq(items) if items.is_empty() => out.push_str("[]"),
        Out::Map(entries) => {
            out.push_str("{\n");
            for (i, (k, v)) in entries.iter().enumerate() {
                let _ = write!(
                    out,
                    "{:w$}{}: ",
                    "",
                    serde_json::Value::String(k.clone()),
                    w = col + 2
                );
                write_json(out, v, col + 2);
                out.push_str(if i + 1 < entries.len() { ",\n" } else { "\n" });
            }
            let _ = write!(out, "{:w$}}}", "", w = col);
        }
        Out::Seq(items) => {
            out.push_str("[\n");
            for (i, v) in items.iter().enumerate() {
                let _ = write!(out, "{:w$}", "", w = col + 2);
                write_json(out, v, col + 2);
                out.push_str(if i + 1 < items.len() { ",\n" } else { "\n" });
            }
            let _ = write!(out, "{:w$}]", "", w = col);
        }
    }
}

/// A YAML scalar that reads back as exactly the string `s`: plain when that is unambiguous
/// in YAML 1.1 and 1.2 (so Go and Python readers agree), single-quoted when it only needs
/// quoting, double-quoted with escapes when it holds control or line-break characters.
pub fn yaml_scalar(s: &str) -> String {
    if plain_is_safe(s) {
        return s.to_string();
    }
    if s.chars().all(|c| !needs_escape(c)) {
        return format!("'{}'", s.replace('\'', "''"));
    }
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            '\0' => out.push_str("\\0"),
            c if needs_escape(c) => {
                let _ = if (c as u32) <= 0xff {
                    write!(out, "\\x{:02x}", c as u32)
                } else {
                    write!(out, "\\u{:04x}", c as u32)
                };
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Characters that cannot appear literally inside a single-quoted one-line scalar.
fn needs_escape(c: char) -> bool {
    c.is_control() || matches!(c, '\u{2028}' | '\u{2029}' | '\u{feff}')
}

fn plain_is_safe(s: &str) -> bool {
    let Some(first) = s.chars().next() else {
        return false;
    };
    if s.starts_with(char::is_whitespace) || s.ends_with(char::is_whitespace) {
        return false;
    }
    // Indicators that start something else than a plain scalar (or might, depending on the
    // next character: `-`, `?`, `:`); quoting them is always safe.
    if "-?:,[]{}#&*!|>'\"%@`".contains(first) {
        return false;
    }
    // Numbers (decimal, hex, octal, binary, floats, `1_000`), sexagesimals (`12:30`) and
    // dates resolve to other types in YAML 1.1 or 1.2; quote anything that could be one.
    let mut chars = s.chars();
    let numeric_start = first.is_ascii_digit()
        || (matches!(first, '+' | '.')
            && chars.nth(1).is_some_and(|c| c.is_ascii_digit() || c == '.'));
    let looks_numeric = (numeric_start
        && (s
            .chars()
            .all(|c| c.is_ascii_hexdigit() || "xXoO._:+-".contains(c))
            || is_date_prefix(s)))
        || matches!(
            s,
            ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" | ".nan" | ".NaN" | ".NAN"
        );
    if looks_numeric || is_reserved_word(s) {
        return false;
    }
    if s.contains(": ") || s.contains(" #") || s.ends_with(':') {
        return false;
    }
    // Flow indicators are fine in block context but not in flow context; quoting keeps
    // the output valid wherever it is pasted.
    !s.chars()
        .any(|c| needs_escape(c) || matches!(c, ',' | '[' | ']' | '{' | '}'))
}

/// `YYYY-M-D...`: a YAML 1.1 timestamp.
fn is_date_prefix(s: &str) -> bool {
    let b = s.as_bytes();
    let digits =
        |r: std::ops::Range<usize>| b.get(r).is_some_and(|x| x.iter().all(u8::is_ascii_digit));
    digits(0..4) && b.get(4) == Some(&b'-') && digits(5..6)
}

/// Words that a YAML 1.1 or 1.2 reader resolves to null or a boolean.
fn is_reserved_word(s: &str) -> bool {
    const WORDS: &[&str] = &[
        "null", "~", "true", "false", "yes", "no", "on", "off", "y", "n", "=", "<<",
    ];
    let lower = s.to_ascii_lowercase();
    WORDS.contains(&lower.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifest::{ParseOptions, parse_stream};

    #[test]
    fn plain_when_unambiguous() {
        for s in [
            "hello",
            "app.kubernetes.io/name",
            "secret/data/lighthouse/hmac/token",
            "a-b_c.d",
            "config.yaml",
            "with space",
            "https://example.com/x?y=1",
            "é-ünïcode",
            "a:b",
            "a#b",
            "1h",
            "1h0m0s",
            "1password",
        ] {
            assert_eq!(yaml_scalar(s), s, "{s}");
        }
    }

    #[test]
    fn quoted_when_needed() {
        let cases = [
            ("", "''"),
            ("true", "'true'"),
            ("True", "'True'"),
            ("yes", "'yes'"),
            ("off", "'off'"),
            ("null", "'null'"),
            ("~", "'~'"),
            ("123", "'123'"),
            ("0x1F", "'0x1F'"),
            ("1.5", "'1.5'"),
            ("1e3", "'1e3'"),
            ("1_000", "'1_000'"),
            ("0b101", "'0b101'"),
            ("1d", "'1d'"),
            (
                "2001-12-14t21:59:43.10-05:00",
                "'2001-12-14t21:59:43.10-05:00'",
            ),
            ("+1", "'+1'"),
            (".5", "'.5'"),
            (".inf", "'.inf'"),
            ("2024-01-01", "'2024-01-01'"),
            ("12:30:00", "'12:30:00'"),
            ("a: b", "'a: b'"),
            ("key:", "'key:'"),
            ("x #y", "'x #y'"),
            ("#comment", "'#comment'"),
            ("- item", "'- item'"),
            ("-dash", "'-dash'"),
            ("*alias", "'*alias'"),
            ("&anchor", "'&anchor'"),
            ("!tag", "'!tag'"),
            ("@at", "'@at'"),
            ("%pct", "'%pct'"),
            ("{a}", "'{a}'"),
            ("[a]", "'[a]'"),
            ("a,b", "'a,b'"),
            ("it's", "it's"),
            ("'lead", "'''lead'"),
            (" lead", "' lead'"),
            ("trail ", "'trail '"),
            ("line\nbreak", "\"line\\nbreak\""),
            ("tab\there", "\"tab\\there\""),
            ("q\"\\\u{1}", "\"q\\\"\\\\\\x01\""),
            ("\u{2028}", "\"\\u2028\""),
        ];
        for (input, expected) in cases {
            assert_eq!(yaml_scalar(input), expected, "{input:?}");
        }
    }

    #[test]
    fn block_yaml_layout() {
        let v = Out::map([
            ("apiVersion", Out::str("v1")),
            ("empty", Out::Map(vec![])),
            ("list", Out::Seq(vec![])),
            (
                "spec",
                Out::map([
                    ("flag", Out::Bool(true)),
                    (
                        "data",
                        Out::Seq(vec![
                            Out::map([
                                ("secretKey", Out::str("a")),
                                ("remoteRef", Out::map([("key", Out::str("ns/n"))])),
                            ]),
                            Out::str("yes"),
                        ]),
                    ),
                ]),
            ),
        ]);
        let expected = "apiVersion: v1\nempty: {}\nlist: []\nspec:\n  flag: true\n  data:\n    - secretKey: a\n      remoteRef:\n        key: ns/n\n    - 'yes'\n";
        assert_eq!(to_yaml(&v, 0), expected);
        let shifted = to_yaml(&v, 4);
        assert!(shifted.starts_with("apiVersion: v1\n    empty: {}\n"));
        assert_eq!(shifted.lines().count(), expected.lines().count());
    }

    #[test]
    fn json_layout() {
        let v = Out::map([
            ("a", Out::str("x\"y")),
            (
                "b",
                Out::Seq(vec![Out::Bool(false), Out::map([("c", Out::str("d"))])]),
            ),
        ]);
        let text = to_json(&v, 2);
        assert_eq!(
            text,
            "{\n    \"a\": \"x\\\"y\",\n    \"b\": [\n      false,\n      {\n        \"c\": \"d\"\n      }\n    ]\n  }"
        );
        let back: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(back, v.to_json());
    }

    /// Every quoted form reads back as the same string with a real YAML reader.
    #[test]
    fn scalars_round_trip_through_serde_saphyr() {
        let samples = [
            "",
            "true",
            "no",
            "NULL",
            "~",
            "0",
            "0o17",
            "1_000",
            "-1",
            "-.5",
            "a: b",
            "#x",
            "x #y",
            "'",
            "\"",
            "\\",
            "a\nb",
            "\t",
            "\u{7f}",
            "ünï",
            "{{ .Values.x }}",
            "a,b",
            "- x",
            "? x",
            ": x",
            "|",
            ">",
            "%YAML",
            "@x",
            "`x",
            "=",
            "<<",
            "12:30",
            "2001-12-14",
        ];
        for s in samples {
            let doc = format!("k: {}\n", yaml_scalar(s));
            let map: std::collections::BTreeMap<String, String> =
                serde_saphyr::from_str(&doc).unwrap_or_else(|e| panic!("{doc:?}: {e}"));
            assert_eq!(map["k"], s, "{doc:?}");
        }
        // Our own parser agrees (it masks template expressions, so those are left out).
        for s in samples.iter().filter(|s| !s.contains("{{")) {
            let doc = format!("k: {}\n", yaml_scalar(s));
            for d in parse_stream(&doc, &ParseOptions::default()) {
                if let Some(root) = d.root {
                    assert_eq!(root.get("k").and_then(|n| n.as_str()), Some(*s), "{doc:?}");
                }
            }
        }
    }
}
