//! The Secret -> ExternalSecret rewrite: a Secret built from the fuzz input (names, keys,
//! values, layout) goes through the same planning as `--fix`. When it converts, the result
//! must re-parse, hold no raw Secret (GG101), and keep the surrounding documents byte for byte.
#![no_main]

mod common;

use base64::Engine as _;
use gitops_guard::config::Settings;
use gitops_guard::fix::{self, Status};
use gitops_guard::manifest::{ParseOptions, parse_stream};
use libfuzzer_sys::arbitrary::{self, Arbitrary};
use libfuzzer_sys::fuzz_target;

#[derive(Arbitrary, Debug)]
struct Input {
    name: String,
    namespace: Option<String>,
    /// (key, value, how the value is written)
    entries: Vec<(String, Vec<u8>, u8)>,
    layout: u8,
    /// Free text appended after the Secret's document (more documents, garbage, comments).
    tail: String,
}

const HEAD: &str = "# keep me\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: keep}\n---\n";

fn yaml_dq(s: &str) -> String {
    serde_like_json(s)
}

/// A JSON string literal (also a valid YAML double-quoted scalar).
fn serde_like_json(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                out.push_str(&format!("\\u{:04x}", c as u32))
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn value_text(v: &[u8], style: u8, indent: usize) -> (bool, String) {
    let b64 = base64::engine::general_purpose::STANDARD.encode(v);
    let s = String::from_utf8_lossy(v);
    match style % 5 {
        // data: base64
        0 => (true, b64),
        1 => (true, yaml_dq(&b64)),
        // stringData: double-quoted, plain (raw, may be hostile), literal block
        2 => (false, yaml_dq(&s)),
        3 => (false, s.replace(['\n', '\r'], " ")),
        _ => {
            let pad = " ".repeat(indent + 2);
            let body: Vec<String> = s.lines().map(|l| format!("{pad}{l}")).collect();
            (false, format!("|\n{}", body.join("\n")))
        }
    }
}

fn build(input: &Input) -> (String, String) {
    let name = yaml_dq(&input.name);
    let ns = input.namespace.as_deref().map(yaml_dq);
    match input.layout % 3 {
        // JSON file
        0 => {
            let mut data = Vec::new();
            let mut string_data = Vec::new();
            for (k, v, style) in &input.entries {
                if style % 2 == 0 {
                    let b64 = base64::engine::general_purpose::STANDARD.encode(v);
                    data.push(format!("{}: {}", yaml_dq(k), yaml_dq(&b64)));
                } else {
                    string_data.push(format!(
                        "{}: {}",
                        yaml_dq(k),
                        yaml_dq(&String::from_utf8_lossy(v))
                    ));
                }
            }
            let ns = ns
                .map(|n| format!(", \"namespace\": {n}"))
                .unwrap_or_default();
            let text = format!(
                "{{\"apiVersion\": \"v1\", \"kind\": \"Secret\", \"metadata\": {{\"name\": {name}{ns}}}, \"data\": {{{}}}, \"stringData\": {{{}}}}}\n",
                data.join(", "),
                string_data.join(", ")
            );
            ("fuzz/secret.json".into(), text)
        }
        // A block-style Secret document, or the same as a `kind: List` item.
        layout => {
            let list = layout == 2;
            let ind = if list { "    " } else { "" };
            let mut text = String::from(HEAD);
            if list {
                text.push_str("apiVersion: v1\nkind: List\nitems:\n  - ");
            }
            text.push_str("apiVersion: v1\n");
            text.push_str(&format!(
                "{ind}kind: Secret\n{ind}metadata:\n{ind}  name: {name}\n"
            ));
            if let Some(ns) = ns {
                text.push_str(&format!("{ind}  namespace: {ns}\n"));
            }
            let mut data = String::new();
            let mut string_data = String::new();
            for (k, v, style) in &input.entries {
                let (is_data, vt) = value_text(v, *style, ind.len() + 2);
                let line = format!("{ind}  {}: {vt}\n", yaml_dq(k));
                if is_data {
                    data.push_str(&line)
                } else {
                    string_data.push_str(&line)
                }
            }
            if !data.is_empty() {
                text.push_str(&format!("{ind}data:\n{data}"));
            }
            if !string_data.is_empty() {
                text.push_str(&format!("{ind}stringData:\n{string_data}"));
            }
            if !input.tail.is_empty() {
                text.push_str("---\n");
                text.push_str(&input.tail);
            }
            ("fuzz/secret.yaml".into(), text)
        }
    }
}

fuzz_target!(|input: Input| {
    let (path, text) = build(&input);
    let settings = Settings::default();
    let before_errors =
        gitops_guard::manifest::parse_file(&path, &text, gitops_guard::manifest::FileKind::of(&path))
            .iter()
            .filter(|d| d.error.is_some())
            .count();
    match fix::plan_in_memory(&path, &text, &settings) {
        Ok(Some((new, converted))) => {
            assert!(!converted.is_empty());
            let kind = gitops_guard::manifest::FileKind::of(&path);
            let docs = gitops_guard::manifest::parse_file(&path, &new, kind);
            common::check_documents(&new, &docs);
            let after_errors = docs.iter().filter(|d| d.error.is_some()).count();
            assert!(
                after_errors <= before_errors,
                "the fixed file parses worse:\n{new}"
            );
            if path.ends_with(".yaml") {
                assert!(
                    new.starts_with(HEAD),
                    "the document before the Secret changed:\n{new}"
                );
            }
            // Planning the result again finds nothing left to fix.
            match fix::plan_in_memory(&path, &new, &settings) {
                Ok(None) => {}
                other => panic!(
                    "GG101 still fires after the fix: {:?}\n{new}",
                    other.map(|o| o.map(|x| x.0))
                ),
            }
            // JSON stays JSON when it was JSON.
            let opts = ParseOptions {
                json: kind == gitops_guard::manifest::FileKind::Json,
                ..ParseOptions::default()
            };
            common::check_documents(&new, &parse_stream(&new, &opts));
        }
        Ok(None) => {}
        // Refusals are fine; internal errors are bugs.
        Err(Status::Failed(_)) => {}
        Err(other) => panic!("{other:?}\ninput:\n{text}"),
    }
});
