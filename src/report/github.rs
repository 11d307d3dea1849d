//! `--format github`: GitHub Actions workflow commands, one line per finding, which GitHub
//! turns into annotations on the changed lines, then the plain summary line for the log.
//!
//! `::error file=apps/db.yaml,line=1,endLine=7,title=GG101 raw-secret::raw Secret ...`
//!
//! Escaping follows the runner (`toolkit/packages/core/src/command.ts`): in the message `%`,
//! `\r` and `\n` are percent-encoded; in properties also `:` and `,`. Columns are given only
//! for single-line findings, because GitHub drops `col`/`endColumn` on multi-line annotations.
//! See: <https://docs.github.com/en/actions/reference/workflow-commands-for-github-actions>

use crate::catalog::Severity;
use crate::engine::{FileResult, Outcome};
use crate::finding::Finding;
use std::io::{self, Write};

/// The workflow command for a severity (`notice` is GitHub's word for info).
pub fn command(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "notice",
    }
}

/// Escapes a command's message (the part after `::`).
pub fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a property value (`file=`, `title=`).
pub fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// The annotation line for one finding (without the trailing newline).
pub fn line(file: &FileResult, f: &Finding) -> String {
    let start = f.start;
    let mut end = f.end;
    // A span that ends with its line break ends at column 1 of the next line; the annotation
    // should end on the line the text ends on.
    if end.line > start.line && end.column == 1 {
        end.line -= 1;
    }
    let line = start.line.max(1);
    let mut props = format!("file={},line={line}", escape_property(&f.path));
    if end.line > line {
        props.push_str(&format!(",endLine={}", end.line));
    } else if f.end > f.start {
        props.push_str(&format!(
            ",col={},endLine={line},endColumn={}",
            start.column.max(1),
            end.column.max(1)
        ));
    } else {
        props.push_str(&format!(",col={}", start.column.max(1)));
    }
    props.push_str(&format!(
        ",title={}",
        escape_property(&format!("{} {}", f.code, f.rule))
    ));
    let mut message = f.message.clone();
    if let Some(commit) = &file.commit {
        message.push_str(&format!(
            " (in commit {})",
            crate::report::human::short_id(commit)
        ));
    }
    if let Some(help) = &f.help {
        message.push_str("\nhelp: ");
        message.push_str(help);
    }
    if f.fixable {
        message.push_str("\nfix: `gitops-guard check --fix` rewrites it automatically");
    }
    format!(
        "::{} {props}::{}",
        command(f.severity),
        escape_data(&message)
    )
}

/// Writes an annotation per finding and per unreadable file, then the summary.
pub fn write(out: &mut dyn Write, outcome: &Outcome) -> io::Result<()> {
    for file in &outcome.files {
        for f in &file.findings {
            writeln!(out, "{}", line(file, f))?;
        }
    }
    for e in &outcome.errors {
        writeln!(
            out,
            "::error file={},title=gitops-guard::{}",
            escape_property(&e.path),
            escape_data(&format!("could not be read: {}", e.message))
        )?;
    }
    writeln!(out, "{}", crate::report::human::summary(outcome))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Position;

    fn finding(
        start: (usize, usize),
        end: (usize, usize),
        span: std::ops::Range<usize>,
    ) -> Finding {
        Finding {
            code: "GG101",
            rule: "raw-secret",
            severity: Severity::Error,
            path: "apps/a,b:c.yaml".into(),
            span,
            message: "50% of `x`\nsecond line".into(),
            help: None,
            labels: Vec::new(),
            fixable: false,
            start: Position {
                line: start.0,
                column: start.1,
            },
            end: Position {
                line: end.0,
                column: end.1,
            },
        }
    }

    fn file() -> FileResult {
        FileResult {
            path: "apps/a,b:c.yaml".into(),
            findings: Vec::new(),
            display: None,
            notes: Vec::new(),
            commit: None,
        }
    }

    #[test]
    fn escaping() {
        assert_eq!(escape_data("a%b\r\nc:d,e"), "a%25b%0D%0Ac:d,e");
        assert_eq!(escape_property("a%b\r\nc:d,e"), "a%25b%0D%0Ac%3Ad%2Ce");
    }

    #[test]
    fn single_line_has_columns() {
        let f = finding((3, 5), (3, 9), 20..24);
        assert_eq!(
            line(&file(), &f),
            "::error file=apps/a%2Cb%3Ac.yaml,line=3,col=5,endLine=3,endColumn=9,\
             title=GG101 raw-secret::50%25 of `x`%0Asecond line"
        );
    }

    #[test]
    fn multi_line_ends_on_the_last_text_line() {
        let f = finding((1, 1), (8, 1), 0..90);
        assert!(
            line(&file(), &f)
                .starts_with("::error file=apps/a%2Cb%3Ac.yaml,line=1,endLine=7,title=")
        );
    }

    #[test]
    fn whole_file_finding_points_at_line_one() {
        let f = finding((1, 1), (1, 1), 0..0);
        assert!(
            line(&file(), &f).starts_with("::error file=apps/a%2Cb%3Ac.yaml,line=1,col=1,title=")
        );
    }
}
