//! The engine: runs every enabled rule over every candidate file, applies suppressions and
//! levels, computes positions, and prepares redacted text for display.
//!
//! Invariants: findings come out sorted by (path, offset, code); the text handed to reports
//! has every secret value masked with a fixed-width mask (see `masked`); per-file work is
//! independent, so files are processed in parallel and the result equals a serial run.

use crate::catalog::{self, Severity};
use crate::config::Settings;
use crate::finding::{Finding, LineIndex, Position};
use crate::layout::LayoutIndex;
use crate::manifest::{Document, FileKind, parse_file};
use crate::masked::Masked;
use crate::rules::{self, Ctx, File, Rule, internal};
use crate::source::{
    Candidate, Origin, Pending, Read, ReadError, RepoView, ScanSet, SkipReason, Skipped,
};
use crate::suppress::{self, Suppression};
use rayon::prelude::*;

mod crds;
pub mod remedy;

/// The findings of one file, and its text with secret values masked.
#[derive(Debug)]
pub struct FileResult {
    pub path: String,
    pub findings: Vec<Finding>,
    /// The file text with every secret value masked, and where each span of the file is in
    /// it; `None` when the file had no findings or is not text.
    pub display: Option<Masked>,
    /// Informational notes for `--verbose` (e.g. a Secret allowed by its opt-out annotation).
    pub notes: Vec<String>,
    /// The commit (hex id) the content was read from, for `--range` and `pre-receive`;
    /// `None` for the index.
    pub commit: Option<String>,
}

/// The result of a whole run.
#[derive(Debug, Default)]
pub struct Outcome {
    pub files: Vec<FileResult>,
    pub errors: Vec<ReadError>,
    pub skipped: Vec<Skipped>,
    pub files_scanned: usize,
    /// What the report advises doing about the findings (set by the caller, which knows
    /// where the content came from).
    pub remedy: remedy::Remedy,
    /// Findings the baseline accepted and took out of `files` (see `crate::baseline`).
    pub baselined: usize,
    /// Selected paths the configuration's `exclude` passed over (for `--verbose`).
    pub excluded: Vec<String>,
}

impl Outcome {
    pub fn findings(&self) -> impl Iterator<Item = &Finding> {
        self.files.iter().flat_map(|f| f.findings.iter())
    }

    pub fn count(&self, severity: Severity) -> usize {
        self.findings().filter(|f| f.severity == severity).count()
    }

    /// 0 clean, 1 error findings, 2 a file could not be read.
    pub fn exit_code(&self) -> u8 {
        if !self.errors.is_empty() {
            2
        } else if self.count(Severity::Error) > 0 {
            1
        } else {
            0
        }
    }
}

/// Scans a whole selection. `serial` forces one thread (used to prove parallel == serial).
pub fn scan(set: ScanSet, settings: &Settings, repo: &dyn RepoView, serial: bool) -> Outcome {
    scan_in(set, settings, repo, serial, None)
}

/// Sees every scanned file once, with the documents its scan parsed (`None` when no rule
/// needed them), on the thread that scanned it: for reports that read the same files
/// (`gitops-guard report`), so that nothing is read or parsed twice.
pub type Observer<'o> = &'o (dyn Fn(&Candidate, Option<&[Document]>) + Sync);

/// [`scan`], handing each scanned file to `observer`.
pub fn scan_observed(
    set: ScanSet,
    settings: &Settings,
    repo: &dyn RepoView,
    serial: bool,
    observer: Observer,
) -> Outcome {
    scan_inner(set, settings, repo, serial, None, Some(observer))
}

/// [`scan`]; `provisional` forces the CRD mode (see `crds`) instead of choosing by size.
fn scan_in(
    set: ScanSet,
    settings: &Settings,
    repo: &dyn RepoView,
    serial: bool,
    provisional: Option<bool>,
) -> Outcome {
    scan_inner(set, settings, repo, serial, provisional, None)
}

fn scan_inner(
    set: ScanSet,
    settings: &Settings,
    repo: &dyn RepoView,
    serial: bool,
    provisional: Option<bool>,
    observer: Option<Observer>,
) -> Outcome {
    // Built only when a layout rule is on and a layout applies; lazy inside.
    let mut layout = LayoutIndex::for_run(settings, repo);
    let mut errors = set.errors;
    let mut read_skips = set.skipped;
    let mut excluded = Vec::new();
    let mut candidates: Vec<_> = set
        .candidates
        .into_iter()
        .filter(|c| {
            let out = settings.is_excluded(&c.path);
            if out {
                excluded.push(c.path.clone());
            }
            !out
        })
        .collect();
    let mut pending = set.pending;
    // A large scan of the index (a first import, `--all`) reads nearly every blob anyway:
    // the CRDs among them are collected as they are scanned instead of being read a second
    // time when the first custom resource asks for its scope (see `crds`).
    let total = candidates.len() + pending.len();
    let provisional = layout.is_some()
        && provisional.unwrap_or(total > 64 && total * 4 >= repo.paths().len())
        && candidates.iter().all(|c| c.origin == Origin::Index)
        && pending.all_from_index();
    // A handful of files: their parse trees are left to the end of the process.
    let crds = crds::Collector::new(provisional, total <= 64).observed(observer);
    let mut files = Vec::new();
    let mut files_scanned = 0;
    // Phase 0 scans the files that look like CRDs, so phase 1 knows their scopes.
    let phases: Vec<(Vec<Candidate>, Pending)> = if provisional {
        let first: Vec<Candidate>;
        (first, candidates) = candidates
            .into_iter()
            .partition(|c| crds::crd_like(c.path.as_bytes()));
        let first_pending = pending.split_off(crds::crd_like);
        vec![(first, first_pending), (candidates, pending)]
    } else {
        vec![(candidates, pending)]
    };
    for (candidates, pending) in phases {
        if let Some(l) = layout.as_mut()
            && provisional
        {
            l.begin_provisional(crds.known());
        }
        let ctx = Ctx {
            settings,
            repo,
            layout: layout.as_ref(),
        };
        let work = |c: &Candidate| crds.scan(c, &ctx);
        files_scanned += candidates.len();
        if serial {
            files.extend(candidates.iter().map(work));
        } else {
            files.par_extend(candidates.par_iter().map(work));
        }
        drop(candidates);
        if pending.is_empty() {
            continue;
        }
        // Read and scan each blob in one go, so its bytes are freed right after its scan.
        enum Item {
            File(FileResult),
            Skip(Skipped),
            Error(ReadError),
            Excluded(String),
        }
        let items = pending.map(serial, |read| match read {
            Read::Scan(c) if settings.is_excluded(&c.path) => Item::Excluded(c.path),
            Read::Scan(c) => Item::File(work(&c)),
            Read::Skip(s) => Item::Skip(s),
            Read::Error(e) => Item::Error(e),
        });
        for item in items {
            match item {
                Item::File(f) => {
                    files_scanned += 1;
                    files.push(f);
                }
                Item::Skip(s) => read_skips.push(s),
                Item::Error(e) => errors.push(e),
                Item::Excluded(path) => excluded.push(path),
            }
        }
    }
    if let Some(l) = layout.as_mut()
        && provisional
    {
        l.end_provisional();
        let ctx = Ctx {
            settings,
            repo,
            layout: Some(l),
        };
        crds.rescan_changed(&ctx, &mut files);
    }
    // In path order, as `Repo::collect` leaves them (stable: pre-read skips stay first).
    read_skips.sort_by(|a, b| a.path.cmp(&b.path));
    let mut skipped = Vec::new();
    let mut too_large = Vec::new();
    for s in read_skips {
        if settings.is_excluded(&s.path) {
            excluded.push(s.path);
            continue;
        }
        if let SkipReason::TooLarge { size, limit } = s.reason {
            too_large.push((s.path.clone(), size, limit));
        }
        skipped.push(s);
    }
    for (path, size, limit) in too_large {
        if let Some(level) = settings
            .level(catalog::FILE_TOO_LARGE.code)
            .filter(|_| !settings.ignored_in(&path, catalog::FILE_TOO_LARGE.code))
        {
            let mut f = internal::too_large(&path, size, limit);
            f.severity = level;
            f.start = Position { line: 1, column: 1 };
            f.end = f.start;
            files.push(FileResult {
                path,
                findings: vec![f],
                display: None,
                notes: Vec::new(),
                commit: None,
            });
        }
    }
    files.retain(|f| !f.findings.is_empty() || !f.notes.is_empty());
    files.sort_by(|a, b| a.path.cmp(&b.path));
    Outcome {
        files,
        errors,
        skipped,
        files_scanned,
        remedy: remedy::Remedy::default(),
        baselined: 0,
        excluded,
    }
}

/// GG103: the file should have been encrypted. All of its content counts as secret, so no
/// code frame is shown for any of its findings.
fn plaintext_git_crypt(result: &mut FileResult, settings: &Settings) {
    result.display = None;
    if let Some(level) = settings
        .level(catalog::PLAINTEXT_GIT_CRYPT.code)
        .filter(|_| !settings.ignored_in(&result.path, catalog::PLAINTEXT_GIT_CRYPT.code))
    {
        let mut f = rules::plaintext_git_crypt::finding(&result.path);
        f.severity = level;
        f.start = Position { line: 1, column: 1 };
        f.end = f.start;
        result.findings.insert(0, f);
    }
}

/// Runs the rules over one file.
pub fn scan_file(path: &str, bytes: &[u8], ctx: &Ctx) -> FileResult {
    scan_file_with(path, bytes, ctx, &mut |_| {}, false)
}

/// [`scan_file`], handing the parsed documents (if the file was parsed) to `on_docs`. With
/// `leak_docs` the documents are not freed: for the few files of an everyday commit, just
/// before the process exits, freeing thousands of small nodes costs more than scanning.
fn scan_file_with(
    path: &str,
    bytes: &[u8],
    ctx: &Ctx,
    on_docs: &mut dyn FnMut(&[Document]),
    leak_docs: bool,
) -> FileResult {
    let kind = FileKind::of(path);
    let active: Vec<(&dyn Rule, Severity)> = rules::RULES
        .iter()
        .filter(|r| !ctx.settings.ignored_in(path, r.code()))
        .filter_map(|r| ctx.settings.level(r.code()).map(|lvl| (*r, lvl)))
        .filter(|(r, _)| r.applies_in(ctx, kind, path, bytes))
        .collect();
    let mut result = FileResult {
        path: path.to_string(),
        findings: Vec::new(),
        display: None,
        notes: Vec::new(),
        commit: None,
    };
    if active.is_empty() {
        return result;
    }
    let reads_docs = active.iter().any(|(r, _)| r.reads_documents());
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            // Rules about paths alone still run: they never look at the bytes.
            let file = File::new(path, "", kind, &[]);
            for (rule, level) in active.iter().filter(|(r, _)| !r.reads_documents()) {
                let before = result.findings.len();
                rule.check(&file, ctx, &mut result.findings);
                for f in &mut result.findings[before..] {
                    f.severity = (*level).max(f.severity);
                    f.start = Position { line: 1, column: 1 };
                    f.end = f.start;
                }
            }
            if !reads_docs {
                return result;
            }
            if let Some(level) = ctx
                .settings
                .level(catalog::INVALID_YAML.code)
                .filter(|_| !ctx.settings.ignored_in(path, catalog::INVALID_YAML.code))
            {
                let at = e.valid_up_to();
                let mut f = internal::not_utf8(path, at);
                f.severity = level;
                let prefix = String::from_utf8_lossy(&bytes[..at]);
                let idx = LineIndex::new(&prefix);
                f.start = idx.position(&prefix, prefix.len());
                f.end = f.start;
                result.findings.push(f);
            }
            return result;
        }
    };
    let manifest = matches!(kind, FileKind::Yaml | FileKind::Json);
    let mut docs = if manifest && reads_docs {
        parse_file(path, text, kind)
    } else {
        Vec::new()
    };
    if manifest && reads_docs {
        on_docs(&docs);
    }
    let file = File::new(path, text, kind, &docs);
    let mut findings = Vec::new();
    for (rule, level) in &active {
        let before = findings.len();
        rule.check(&file, ctx, &mut findings);
        for f in &mut findings[before..] {
            // A rule may downgrade its own finding (e.g. to info); config sets the ceiling.
            f.severity = (*level).max(f.severity);
        }
    }
    if ctx.settings.level(catalog::RAW_SECRET.code).is_some() {
        result.notes = rules::allowed_secrets(&docs)
            .into_iter()
            .map(|(name, why)| format!("{path}: Secret `{name}` {why}"))
            .collect();
    }
    if manifest && !reads_docs && !findings.is_empty() {
        // Only path rules ran; suppressions and redaction still need the documents.
        docs = parse_file(path, text, kind);
    }
    let lines = LineIndex::new(text);
    apply_suppressions(&mut findings, text, &docs, &lines, ctx.settings, path);
    // `per-file-ignores` also covers what the engine itself reports (GG001, GG004, GG005).
    findings.retain(|f| !ctx.settings.ignored_in(path, f.code));
    for f in &mut findings {
        f.start = lines.position(text, f.span.start);
        f.end = lines.position(text, f.span.end.max(f.span.start));
        for l in &mut f.labels {
            l.start = lines.position(text, l.span.start);
            l.end = lines.position(text, l.span.end.max(l.span.start));
        }
    }
    findings.sort_by(|a, b| (a.span.start, a.code).cmp(&(b.span.start, b.code)));
    if !findings.is_empty() {
        let mut spans = rules::sensitive_spans(text, &docs);
        spans.extend(rules::found_value_spans(path, text, &docs, ctx));
        result.display = Some(Masked::new(text, &spans));
    }
    result.findings = findings;
    if leak_docs {
        std::mem::forget(docs);
    }
    result
}

fn apply_suppressions(
    findings: &mut Vec<Finding>,
    text: &str,
    docs: &[Document],
    lines: &LineIndex,
    settings: &Settings,
    path: &str,
) {
    let (mut sups, mut bad) = if matches!(FileKind::of(path), FileKind::Json) {
        (Vec::new(), Vec::new())
    } else {
        suppress::comments(text, docs)
    };
    sups.extend(suppress::annotations(docs, &mut bad));
    if sups.is_empty() && bad.is_empty() {
        return;
    }
    findings.retain(|f| {
        // The line the finding starts on, and the line the report points at (its first
        // label: a Secret's `kind: Secret`, not the object's first line): a comment on
        // either suppresses it.
        let line = lines.position(text, f.span.start).line;
        let shown = f
            .labels
            .first()
            .map_or(line, |l| lines.position(text, l.span.start).line);
        let mut suppressed = false;
        for s in sups.iter_mut() {
            if s.covers(f.code, f.span.start, line)
                || (shown != line && s.covers(f.code, f.span.start, shown))
            {
                s.used = true;
                suppressed = true;
            }
        }
        !suppressed
    });
    if let Some(level) = settings.level(catalog::UNUSED_SUPPRESSION.code) {
        for s in sups
            .iter()
            .filter(|s| !s.used && names_enabled_rule(s, settings, path))
        {
            let mut f = internal::unused_suppression(path, s.span.clone());
            f.severity = level;
            findings.push(f);
        }
    }
    if let Some(level) = settings.level(catalog::INVALID_SUPPRESSION.code) {
        for b in bad {
            let mut f = internal::invalid_suppression(path, b.span, &b.name);
            f.severity = level;
            findings.push(f);
        }
    }
}

/// A suppression for rules that are all off (here) is not "unused": it waits for them to be
/// on.
fn names_enabled_rule(s: &Suppression, settings: &Settings, path: &str) -> bool {
    match &s.codes {
        None => true,
        Some(codes) => codes
            .iter()
            .any(|c| settings.level(c).is_some() && !settings.ignored_in(path, c)),
    }
}
