//! `--format sarif`: SARIF 2.1.0 for GitHub code scanning and other SARIF viewers.
//!
//! One run; `tool.driver.rules` lists every rule (with its documentation as help), results
//! point at repository-relative URIs with 1-based regions (`endColumn` is exclusive, as SARIF
//! wants). Nothing here embeds file content: no `snippet`, no `contextRegion`, so a secret
//! value cannot leak through a report; messages come from findings, which never hold one.
//!
//! For GitHub code scanning: each result carries `partialFingerprints["gitopsGuard/v1"]`, the
//! baseline's fingerprint (`crate::fingerprint`: masked text, no line number, no value), so
//! an alert follows its line when other lines move; each rule carries
//! `properties.security-severity` (secrets 9.0, unpinned artifacts 5.0, layout 3.0, the tool's
//! own rules 1.0) and `properties.tags` (`security` on the secret and pinning families, which
//! is what makes GitHub show the severity). No result has `fixes`: SARIF fixes are text
//! replacements in place, and gitops-guard's fixes are not — a raw Secret becomes an
//! ExternalSecret only after its values are saved in a store, and a layout fix moves the
//! file — so a fix is announced in the message (`gitops-guard check --fix`) instead.
//!
//! See: <https://docs.oasis-open.org/sarif/sarif/v2.1.0/sarif-v2.1.0.html>,
//! <https://docs.github.com/en/code-security/code-scanning/integrating-with-code-scanning/sarif-support-for-code-scanning>

use crate::catalog::Severity;
use crate::engine::{FileResult, Outcome};
use crate::finding::{Finding, Position};
use crate::fingerprint;
use crate::rules::{self, Rule};
use serde_json::{Value, json};
use std::io::{self, Write};

/// The schema URL GitHub and the SARIF tooling recognise for 2.1.0.
pub const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// The `partialFingerprints` key of the fingerprint (versioned with it).
pub const FINGERPRINT_KEY: &str = "gitopsGuard/v1";

/// The SARIF level of a severity (`note` is SARIF's word for info).
pub fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// Builds the SARIF log.
pub fn value(outcome: &Outcome) -> Value {
    let rules: Vec<Value> = rules::RULES.iter().map(|r| rule_descriptor(*r)).collect();
    let mut results = Vec::new();
    for file in &outcome.files {
        for f in &file.findings {
            results.push(result(file, f));
        }
    }
    let notifications: Vec<Value> = outcome
        .errors
        .iter()
        .map(|e| {
            json!({
                "level": "error",
                "message": {"text": format!("{} could not be read: {}", e.path, e.message)},
                "locations": [{"physicalLocation": {"artifactLocation": artifact(&e.path)}}],
            })
        })
        .collect();
    let mut driver = json!({
        "name": "gitops-guard",
        "version": env!("CARGO_PKG_VERSION"),
        "semanticVersion": env!("CARGO_PKG_VERSION"),
        "rules": rules,
    });
    // Cargo sets this to "" when the manifest has no `repository`; never emit a placeholder.
    let repository = env!("CARGO_PKG_REPOSITORY");
    if !repository.is_empty() {
        driver["informationUri"] = json!(repository);
    }
    json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": driver},
            "originalUriBaseIds": {"%SRCROOT%": {"description": {"text": "The repository root."}}},
            "invocations": [{
                "executionSuccessful": outcome.errors.is_empty(),
                "toolExecutionNotifications": notifications,
            }],
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    })
}

fn rule_descriptor(rule: &dyn Rule) -> Value {
    let doc = rule.doc().trim();
    json!({
        "id": rule.code(),
        "name": rule.name(),
        "shortDescription": {"text": rule.summary()},
        "fullDescription": {"text": first_section(doc)},
        "help": {"text": doc, "markdown": doc},
        "defaultConfiguration": {
            "level": level(rule.default_severity()),
            "enabled": rule.info().enabled,
        },
        "properties": {
            "fixable": rule.fixable(),
            "tags": tags(rule.code()),
            "security-severity": security_severity(rule.code()),
        },
    })
}

/// GitHub's `security-severity` (a number 0.0–10.0 as a string; 9.0+ is critical, 7.0+
/// high, 4.0+ medium): a leaked credential is critical, an artifact that can change under
/// the cluster medium, a file in the wrong place low.
pub fn security_severity(code: &str) -> &'static str {
    match family(code) {
        "secrets" => "9.0",
        "pinning" => "5.0",
        "layout" => "3.0",
        _ => "1.0",
    }
}

/// The rule's tags: its family, with `security` for the families GitHub should rate.
fn tags(code: &str) -> Vec<&'static str> {
    match family(code) {
        "secrets" => vec!["security", "secrets"],
        "pinning" => vec!["security", "supply-chain", "pinning"],
        "layout" => vec!["maintainability", "layout"],
        other => vec![other],
    }
}

/// The text of the doc's first section ("What it does"), without its heading.
fn first_section(doc: &str) -> String {
    let body = doc
        .strip_prefix("## What it does")
        .map(str::trim_start)
        .unwrap_or(doc);
    let end = body.find("\n## ").unwrap_or(body.len());
    body[..end].trim().to_string()
}

/// The rule family, as a SARIF tag (GitHub shows tags as filters).
fn family(code: &str) -> &'static str {
    match code.get(2..3) {
        Some("1") => "secrets",
        Some("2") => "pinning",
        Some("3") => "layout",
        _ => "gitops-guard",
    }
}

fn result(file: &FileResult, f: &Finding) -> Value {
    let mut text = f.message.clone();
    if let Some(help) = &f.help {
        text.push_str("\nhelp: ");
        text.push_str(help);
    }
    if f.fixable {
        text.push_str("\nfix: `gitops-guard check --fix` rewrites it automatically");
    }
    let primary = region(f.start, f.end);
    let mut r = json!({
        "ruleId": f.code,
        "level": level(f.severity),
        "message": {"text": text},
        "locations": [{
            "physicalLocation": {"artifactLocation": artifact(&f.path), "region": primary},
        }],
        "partialFingerprints": {
            FINGERPRINT_KEY: fingerprint::of(f, file.display.as_ref()),
        },
        "properties": {"rule": f.rule, "fixable": f.fixable},
    });
    if let Some(i) = rules::RULES.iter().position(|r| r.code() == f.code) {
        r["ruleIndex"] = json!(i);
    }
    let related: Vec<Value> = f
        .labels
        .iter()
        .enumerate()
        .map(|(i, l)| {
            json!({
                "id": i,
                "message": {"text": l.text},
                "physicalLocation": {
                    "artifactLocation": artifact(&f.path),
                    "region": region(l.start, l.end),
                },
            })
        })
        .collect();
    if !related.is_empty() {
        r["relatedLocations"] = json!(related);
    }
    if let Some(commit) = &file.commit {
        r["properties"]["commit"] = json!(commit);
    }
    r
}

/// A 1-based region; SARIF's `endColumn` is the column after the last character, so an empty
/// span (a whole-file finding) is an empty region where it starts.
fn region(start: Position, end: Position) -> Value {
    let start_line = start.line.max(1);
    let start_column = start.column.max(1);
    let (end_line, end_column) = if end > start {
        (end.line, end.column.max(1))
    } else {
        (start_line, start_column)
    };
    json!({
        "startLine": start_line,
        "startColumn": start_column,
        "endLine": end_line,
        "endColumn": end_column,
    })
}

fn artifact(path: &str) -> Value {
    json!({"uri": encode_uri_path(path), "uriBaseId": "%SRCROOT%"})
}

/// Percent-encodes a repository-relative path as a relative URI reference (RFC 3986: keep
/// unreserved characters and `/`, encode every other byte).
pub fn encode_uri_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Writes the SARIF log (pretty-printed JSON).
pub fn write(out: &mut dyn Write, outcome: &Outcome) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, &value(outcome))?;
    writeln!(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_are_percent_encoded() {
        assert_eq!(encode_uri_path("apps/db.yaml"), "apps/db.yaml");
        assert_eq!(encode_uri_path("a b/c#d%.yaml"), "a%20b/c%23d%25.yaml");
        assert_eq!(encode_uri_path("é.yaml"), "%C3%A9.yaml");
    }

    #[test]
    fn first_section_is_the_what_it_does_text() {
        let doc = "## What it does\nReports x.\n\n## Why is this bad?\nBecause.\n";
        assert_eq!(first_section(doc), "Reports x.");
    }

    #[test]
    fn every_rule_has_a_descriptor_with_help() {
        for rule in rules::RULES {
            let d = rule_descriptor(*rule);
            assert_eq!(d["id"], rule.code());
            assert!(
                !d["fullDescription"]["text"]
                    .as_str()
                    .unwrap_or("")
                    .is_empty()
            );
            assert!(d["help"]["markdown"].as_str().unwrap_or("").contains("## "));
        }
    }
}
