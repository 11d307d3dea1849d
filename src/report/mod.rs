//! Rendering findings: human (miette), JSON. Only this module knows output formats.
//!
//! Every renderer reads the engine's redacted display text, never the raw file, so secret
//! values cannot reach output.

pub mod human;
pub mod json;

use crate::engine::Outcome;
use std::io::{self, Write};

/// Output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Diagnostics with code frames (default).
    Human,
    /// One JSON object, stable for scripts.
    Json,
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
    }
}
