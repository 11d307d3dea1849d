//! `--format concise`: one line per finding (`path:line:column: CODE [severity] message`),
//! then the summary line, for hundreds of findings and for `grep`.

use super::human::{short_id, summary};
use crate::engine::Outcome;
use std::io::{self, Write};

pub fn write(out: &mut dyn Write, outcome: &Outcome) -> io::Result<()> {
    for file in &outcome.files {
        let commit = file
            .commit
            .as_deref()
            .map(|c| format!("{}:", short_id(c)))
            .unwrap_or_default();
        for f in &file.findings {
            let fix = if f.fixable { " [*]" } else { "" };
            writeln!(
                out,
                "{commit}{}:{}:{}: {} [{}]{fix} {}",
                f.path,
                f.start.line.max(1),
                f.start.column.max(1),
                f.code,
                f.severity.as_str(),
                f.message
            )?;
        }
    }
    for e in &outcome.errors {
        writeln!(out, "{}: error: {}", e.path, e.message)?;
    }
    writeln!(out, "{}", summary(outcome))
}
