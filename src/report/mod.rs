//! Rendering findings: human (miette), JSON, SARIF, GitHub workflow commands. Only this module
//! knows output formats.
//!
//! Every renderer reads the engine's redacted display text, never the raw file, so secret
//! values cannot reach output.

pub mod color;
pub mod concise;
pub mod github;
pub mod human;
pub mod json;
pub mod sarif;
pub mod statistics;

use crate::engine::Outcome;
use std::io::{self, Write};

/// Output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Diagnostics with code frames (default).
    Human,
    /// One line per finding: `path:line:column: CODE [severity] message`.
    Concise,
    /// One JSON object, stable for scripts.
    Json,
    /// SARIF 2.1.0 (GitHub code scanning and other SARIF viewers).
    Sarif,
    /// GitHub Actions workflow commands (annotations on the changed lines).
    Github,
}

/// Writes `--statistics` (a count per rule) in `format`: JSON for `json`, text for `human`
/// and `concise`; `None` for the formats that have no such table (SARIF, GitHub).
pub fn write_statistics(
    out: &mut dyn Write,
    outcome: &Outcome,
    format: Format,
) -> Option<io::Result<()>> {
    match format {
        Format::Json => Some(statistics::write_json(out, outcome)),
        Format::Human | Format::Concise => Some(statistics::write_text(out, outcome)),
        Format::Sarif | Format::Github => None,
    }
}

/// Writes the outcome in `format`.
pub fn write(
    out: &mut dyn Write,
    outcome: &Outcome,
    format: Format,
    color: bool,
) -> io::Result<()> {
    match format {
        Format::Human => human::write(out, outcome, color),
        Format::Concise => concise::write(out, outcome),
        Format::Json => json::write(out, outcome),
        Format::Sarif => sarif::write(out, outcome),
        Format::Github => github::write(out, outcome),
    }
}
