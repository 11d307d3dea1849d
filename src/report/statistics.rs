//! `--statistics` (a count per rule, like ruff's) and the per-rule tally at the end of a long
//! human report.

use crate::engine::Outcome;
use crate::rules;
use serde_json::json;
use std::collections::BTreeMap;
use std::io::{self, Write};

/// One rule's count.
pub struct Count {
    pub code: &'static str,
    pub name: &'static str,
    pub count: usize,
    pub fixable: bool,
}

/// The count of every rule with findings, most frequent first (then by code).
pub fn counts(outcome: &Outcome) -> Vec<Count> {
    let mut by_code: BTreeMap<&'static str, (&'static str, usize)> = BTreeMap::new();
    for f in outcome.findings() {
        by_code.entry(f.code).or_insert((f.rule, 0)).1 += 1;
    }
    let mut out: Vec<Count> = by_code
        .into_iter()
        .map(|(code, (name, count))| Count {
            code,
            name,
            count,
            fixable: rules::lookup(code).is_some_and(|r| r.fixable()),
        })
        .collect();
    out.sort_by(|a, b| b.count.cmp(&a.count).then(a.code.cmp(b.code)));
    out
}

/// The lines of the table: `   12  GG201  latest-tag`, `[*]` marking fixable rules.
pub fn lines(counts: &[Count]) -> Vec<String> {
    let width = counts
        .iter()
        .map(|c| c.count.to_string().len())
        .max()
        .unwrap_or(1);
    counts
        .iter()
        .map(|c| {
            let fix = if c.fixable { "[*] " } else { "" };
            format!("{:>width$}  {}  {fix}{}", c.count, c.code, c.name)
        })
        .collect()
}

/// `--statistics` as text.
pub fn write_text(out: &mut dyn Write, outcome: &Outcome) -> io::Result<()> {
    let counts = counts(outcome);
    for line in lines(&counts) {
        writeln!(out, "{line}")?;
    }
    if counts.iter().any(|c| c.fixable) {
        writeln!(out, "[*] fixable with `gitops-guard check --fix`")?;
    }
    Ok(())
}

/// `--statistics --format json`: an array of `{code, name, count, fixable}`.
pub fn write_json(out: &mut dyn Write, outcome: &Outcome) -> io::Result<()> {
    let list: Vec<_> = counts(outcome)
        .iter()
        .map(|c| json!({"code": c.code, "name": c.name, "count": c.count, "fixable": c.fixable}))
        .collect();
    serde_json::to_writer_pretty(&mut *out, &list)?;
    writeln!(out)
}
