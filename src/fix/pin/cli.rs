//! What `check --fix --resolve` and `check --diff --resolve` do between the scan and the
//! output: keep the bytes of the files that may need a pin, plan the pins of those the
//! engine reported, write them and say what happened.

use super::lookup::Lookup;
use super::{CODES, FilePlan, PinFile};
use crate::engine::Outcome;
use crate::manifest::{self, FileKind};
use crate::rules;
use crate::source::{RepoView, ScanSet};
use std::io::{self, Write};
use std::path::Path;

/// The scanned bytes `--resolve` needs again: only files that may name an image or a chart
/// (the rules' own prefilters), and nothing at all without `--resolve`.
pub fn inputs(resolve: bool, set: &ScanSet) -> Vec<(String, Vec<u8>)> {
    if !resolve {
        return Vec::new();
    }
    set.candidates
        .iter()
        .filter(|c| {
            let kind = FileKind::of(&c.path);
            rules::pins::may_name_images(kind, &c.path, &c.bytes)
                || rules::charts::may_name_charts(kind, &c.path, &c.bytes)
        })
        .map(|c| (c.path.clone(), c.bytes.clone()))
        .collect()
}

/// Plans the pins of the files with GG201/GG202/GG204 findings, looking them up over the
/// network; `Err` when this build has no network client.
pub fn plan(
    view: &dyn RepoView,
    outcome: &Outcome,
    inputs: &[(String, Vec<u8>)],
) -> Result<Vec<FilePlan>, String> {
    let mut parsed = Vec::new();
    for result in &outcome.files {
        if !result.findings.iter().any(|f| CODES.contains(&f.code)) {
            continue;
        }
        let Some((_, bytes)) = inputs.iter().find(|(p, _)| *p == result.path) else {
            continue;
        };
        let docs = std::str::from_utf8(bytes).map_or_else(
            |_| Vec::new(),
            |text| manifest::parse_file(&result.path, text, FileKind::of(&result.path)),
        );
        parsed.push((result, bytes.as_slice(), docs));
    }
    let files: Vec<PinFile> = parsed
        .iter()
        .map(|(result, bytes, docs)| PinFile {
            path: &result.path,
            staged: bytes,
            docs,
            findings: &result.findings,
        })
        .collect();
    if files.is_empty() {
        return Ok(Vec::new());
    }
    let lookup = network()?;
    Ok(super::plan(&files, lookup.as_ref(), view))
}

#[cfg(feature = "resolve")]
fn network() -> Result<Box<dyn Lookup>, String> {
    Ok(Box::new(super::net::Net::new()))
}

#[cfg(not(feature = "resolve"))]
fn network() -> Result<Box<dyn Lookup>, String> {
    Err(
        "this gitops-guard was built without the `resolve` feature: --resolve is not available"
            .into(),
    )
}

/// Says what the plans skipped or failed to resolve; returns whether anything failed.
pub fn print_problems(plans: &[FilePlan], err: &mut dyn Write) -> io::Result<bool> {
    let mut failed = false;
    for p in plans {
        for line in p.skipped.iter().chain(&p.failed) {
            writeln!(err, "{line}")?;
        }
        if !p.failed.is_empty() {
            failed = true;
            writeln!(err, "{}: left unchanged", p.path)?;
        }
    }
    Ok(failed)
}

/// `--fix --resolve`: writes the plans and says what was pinned; returns (anything pinned,
/// anything failed).
pub fn fix(plans: &[FilePlan], workdir: &Path, err: &mut dyn Write) -> io::Result<(bool, bool)> {
    let mut failed = print_problems(plans, err)?;
    let errors = super::write(plans, workdir);
    let mut pinned = false;
    for p in plans.iter().filter(|p| p.new.is_some()) {
        if let Some(e) = errors.iter().find(|e| e.path == p.path) {
            writeln!(err, "{}", e.message)?;
            failed |= e.error;
            continue;
        }
        pinned = true;
        for line in &p.pinned {
            writeln!(err, "{line}")?;
        }
    }
    Ok((pinned, failed))
}
