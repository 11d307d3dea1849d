//! Human output: a miette diagnostic per finding (code, message, code frame with labels,
//! help), then a summary line.

use super::statistics;
use crate::catalog::Severity;
use crate::engine::remedy::Remedy;
use crate::engine::{FileResult, Outcome};
use crate::finding::Finding;
use crate::masked::Masked;
use miette::{
    Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource, SourceCode,
};
use std::fmt;
use std::io::{self, Write};

/// Adapts a [`Finding`] (and its file's redacted text) to miette.
struct Diag<'a> {
    finding: &'a Finding,
    source: Option<NamedSource<String>>,
    /// Points the finding's spans into the masked text of `source`.
    masked: Option<&'a Masked>,
    remedy: Remedy,
}

impl fmt::Debug for Diag<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.finding.message)
    }
}

impl fmt::Display for Diag<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.finding.message)
    }
}

impl std::error::Error for Diag<'_> {}

impl Diagnostic for Diag<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        Some(Box::new(format!(
            "{} {}",
            self.finding.code, self.finding.rule
        )))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.finding.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
            Severity::Info => miette::Severity::Advice,
        })
    }

    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        let fix = self
            .remedy
            .finding_note(self.finding.code, self.finding.fixable);
        self.finding
            .help
            .as_ref()
            .map(|h| Box::new(format!("{h}{fix}")) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        self.source.as_ref().map(|s| s as &dyn SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        self.source.as_ref()?;
        let masked = self.masked?;
        let f = self.finding;
        let labels: Vec<LabeledSpan> = if f.labels.is_empty() {
            // Point at the first line of the span only: a whole-object frame is noise.
            let start = masked.offset_start(f.span.start);
            vec![LabeledSpan::new_primary_with_span(
                None,
                (
                    start,
                    first_line_len(&masked.text, start, masked.offset_end(f.span.end)),
                ),
            )]
        } else {
            f.labels
                .iter()
                .enumerate()
                .map(|(i, l)| {
                    let shown = masked.span(&l.span);
                    let span = (shown.start, shown.end - shown.start);
                    if i == 0 {
                        LabeledSpan::new_primary_with_span(Some(l.text.clone()), span)
                    } else {
                        LabeledSpan::new_with_span(Some(l.text.clone()), span)
                    }
                })
                .collect()
        };
        Some(Box::new(labels.into_iter()))
    }
}

fn first_line_len(text: &str, start: usize, end: usize) -> usize {
    let end = end.min(text.len());
    let start = start.min(end);
    text.get(start..end)
        .map(|s| s.find('\n').unwrap_or(s.len()))
        .unwrap_or(0)
}

/// Renders one finding to a string (no trailing summary).
pub fn render(file: &FileResult, finding: &Finding, remedy: Remedy, color: bool) -> String {
    let theme = if color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    // Wrapped at spaces only: an image name or a path is never split at a `-`, a `/` or
    // mid-word (a name longer than the line stays whole on a line of its own).
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_width(100)
        .with_break_words(false)
        .with_word_separator(textwrap::WordSeparator::AsciiSpace)
        .with_word_splitter(textwrap::WordSplitter::NoHyphenation)
        .with_context_lines(1);
    // In a range or a push the same path can appear in several commits: say which one, in
    // git's `<rev>:<path>` notation (`git show <rev>:<path>` prints that version).
    let commit = file
        .commit
        .as_deref()
        .map(|c| format!("{}:", short_id(c)))
        .unwrap_or_default();
    // A whole-file finding points at no line: a frame would only print the file's first
    // lines, which no rule read for values (a `.env` or `.npmrc` off the layout).
    let whole_file =
        finding.span.is_empty() && finding.span.start == 0 && finding.labels.is_empty();
    let masked = file
        .display
        .as_ref()
        .filter(|masked| !whole_file && frame_fits(masked, finding));
    let source =
        masked.map(|m| NamedSource::new(format!("{commit}{}", finding.path), m.text.clone()));
    let diag = Diag {
        finding,
        source,
        masked,
        remedy,
    };
    let mut out = String::new();
    if handler.render_report(&mut out, &diag).is_err() {
        out = format!("{}: {}\n", finding.code, finding.message);
    }
    // miette names the source after the span; without a frame say where it is.
    if diag.source.is_none() {
        let at = if finding.span.is_empty() && finding.span.start == 0 {
            String::new()
        } else {
            format!(":{}:{}", finding.start.line, finding.start.column)
        };
        out.push_str(&format!("  at {commit}{}{at}\n", finding.path));
    }
    out.push('\n');
    out
}

/// Lines longer than this are not shown in a code frame (a minified or 1 MB line would flood
/// the terminal); the finding is then reported with its position only.
const MAX_FRAME_LINE: usize = 1000;

/// Whether every line the finding's labels touch is short enough to show.
fn frame_fits(masked: &Masked, finding: &Finding) -> bool {
    let text = masked.text.as_str();
    let line_len = |offset: usize| {
        let offset = offset.min(text.len());
        let start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
        let end = text[offset..].find('\n').map_or(text.len(), |i| offset + i);
        end - start
    };
    std::iter::once(masked.offset_start(finding.span.start))
        .chain(finding.labels.iter().flat_map(|l| {
            let shown = masked.span(&l.span);
            [shown.start, shown.end]
        }))
        .filter(|&o| text.is_char_boundary(o.min(text.len())))
        .all(|o| line_len(o) <= MAX_FRAME_LINE)
}

/// The abbreviated commit id shown to people (12 hex digits, like `git log --abbrev=12`).
pub fn short_id(id: &str) -> &str {
    id.get(..12).unwrap_or(id)
}

/// Writes every finding and the summary.
pub fn write(out: &mut dyn Write, outcome: &Outcome, color: bool) -> io::Result<()> {
    for file in &outcome.files {
        for finding in &file.findings {
            out.write_all(render(file, finding, outcome.remedy, color).as_bytes())?;
        }
    }
    for e in &outcome.errors {
        writeln!(out, "error: {}: {}", e.path, e.message)?;
    }
    let total = outcome.findings().count();
    if total >= LONG_REPORT {
        // The overview a long report scrolls away from.
        writeln!(out, "Findings by rule:")?;
        for line in statistics::lines(&statistics::counts(outcome)) {
            writeln!(out, "  {line}")?;
        }
        writeln!(out)?;
    }
    writeln!(out, "{}", summary(outcome))
}

/// From this many findings on, the human report ends with a count per rule.
pub const LONG_REPORT: usize = 10;

/// `Found 2 errors and 1 warning in 2 files (12 files scanned).`
pub fn summary(outcome: &Outcome) -> String {
    let errors = outcome.count(Severity::Error);
    let warnings = outcome.count(Severity::Warning);
    let files = outcome
        .files
        .iter()
        .filter(|f| !f.findings.is_empty())
        .count();
    let scanned = plural(outcome.files_scanned, "file");
    let mut s = if errors + warnings == 0 {
        format!("No problems found ({scanned} scanned).")
    } else {
        let counts = [(errors, "error"), (warnings, "warning")]
            .iter()
            .filter(|(n, _)| *n > 0)
            .map(|(n, w)| plural(*n, w))
            .collect::<Vec<_>>()
            .join(" and ");
        format!(
            "Found {counts} in {} ({scanned} scanned).",
            plural(files, "file")
        )
    };
    let fixable = outcome.findings().filter(|f| f.fixable).count();
    let secrets = outcome
        .findings()
        .filter(|f| f.code.starts_with("GG1"))
        .count();
    if let Some(advice) = outcome.remedy.summary(fixable, secrets) {
        s.push(' ');
        s.push_str(&advice);
    }
    if !outcome.errors.is_empty() {
        s.push_str(&format!(
            " {} could not be read.",
            plural(outcome.errors.len(), "file")
        ));
    }
    if outcome.baselined > 0 {
        s.push_str(&format!(
            " {} accepted by the baseline not shown (`-v` lists them, `--no-baseline` reports them).",
            plural(outcome.baselined, "finding")
        ));
    }
    s
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}
