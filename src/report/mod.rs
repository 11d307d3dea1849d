//! Rendering findings: human (miette), JSON, SARIF, GitHub workflow commands. Only this module
//! knows output formats.
//!
//! Every renderer reads the engine's redacted display text, never the raw file, so secret
//! values cannot reach output.

pub mod github;
pub mod human;
pub mod json;
pub mod sarif;

use crate::engine::Outcome;
use std::io::{self, Write};

/// Output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Diagnostics with code frames (default).
    Human,
    /// One JSON object, stable for scripts.
    Json,
    /// SARIF 2.1.0 (GitHub code scanning and other SARIF viewers).
    Sarif,
    /// GitHub Actions workflow commands (annotations on the changed lines).
    Github,
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
        Format::Json => json::write(out, outcome),
        Format::Sarif => sarif::write(out, outcome),
        Format::Github => github::write(out, outcome),
    }
}
