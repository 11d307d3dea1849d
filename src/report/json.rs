//! `--format json`: one object, stable for scripts (`version` bumps on breaking changes).

use crate::catalog::Severity;
use crate::engine::Outcome;
use serde_json::json;
use std::io::{self, Write};

/// Builds the JSON value (lines and columns are 1-based).
pub fn value(outcome: &Outcome) -> serde_json::Value {
    let findings: Vec<_> = outcome
        .files
        .iter()
        .flat_map(|file| file.findings.iter().map(move |f| (file, f)))
        .map(|(file, f)| {
            let mut v = json!({
                "code": f.code,
                "rule": f.rule,
                "severity": f.severity.as_str(),
                "path": f.path,
                "line": f.start.line,
                "column": f.start.column,
                "end_line": f.end.line,
                "end_column": f.end.column,
                "message": f.message,
                "help": f.help,
                "fixable": f.fixable,
            });
            // Only present for `--range` and `pre-receive` (content read from a commit).
            if let Some(commit) = &file.commit {
                v["commit"] = json!(commit);
            }
            v
        })
        .collect();
    let errors: Vec<_> = outcome
        .errors
        .iter()
        .map(|e| json!({"path": e.path, "message": e.message}))
        .collect();
    let skipped: Vec<_> = outcome
        .skipped
        .iter()
        .map(|s| json!({"path": s.path, "reason": s.reason.to_string()}))
        .collect();
    json!({
        "version": 1,
        "findings": findings,
        "errors": errors,
        "skipped": skipped,
        "summary": {
            "files_scanned": outcome.files_scanned,
            "findings": findings.len(),
            // `errors` counts `errors[]` (files that could not be read); findings by level
            // are `error_findings`, `warnings` and `infos`.
            "errors": errors.len(),
            "error_findings": outcome.count(Severity::Error),
            "warnings": outcome.count(Severity::Warning),
            "infos": outcome.count(Severity::Info),
            "baselined": outcome.baselined,
        },
    })
}

pub fn write(out: &mut dyn Write, outcome: &Outcome) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, &value(outcome))?;
    writeln!(out)
}
