//! The baseline: `.gitops-guard-baseline.json`, the findings a repository already had when
//! gitops-guard was adopted, accepted so that touching or `git mv`-ing an old file does not
//! block a commit. `gitops-guard baseline` writes it from scratch (as ruff's and gitleaks'
//! baselines are regenerated, never merged); `check` takes its findings out of the report.
//!
//! An entry is (rule code, path, fingerprint); the fingerprint (`crate::fingerprint`) hashes
//! the masked text of the finding's lines, never a line number or a value. A finding is
//! accepted by an unused entry with the same code, path and fingerprint; then, for a file
//! that was moved, by an unused entry with the same code and fingerprint whose path is no
//! longer in the repository and that has the file's name (or folder, but for secrets).
//! Entries are counted: a baseline with one `image: nginx:latest`
//! line accepts one such finding, not a second one added next to it.
//!
//! The file is sorted and has one entry per line, so that its diffs are reviewable.

use crate::catalog::Severity;
use crate::config::{BASELINE_FILE_NAME, Settings};
use crate::engine::{FileResult, Outcome};
use crate::finding::{Finding, LineIndex};
use crate::fingerprint;
use crate::masked::Masked;
use crate::rules::unused_baseline_entry;
use serde::Deserialize;
use std::collections::{HashMap, HashSet};
use std::path::Path;

/// The format version written in the file.
const VERSION: u32 = 1;

/// One accepted finding.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    pub path: String,
    pub code: String,
    pub fingerprint: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileFormat {
    version: u32,
    #[serde(default)]
    #[allow(dead_code)] // Written for people and tools; the hash version is in each entry.
    fingerprint: Option<String>,
    entries: Vec<Entry>,
}

/// Where the scanned content came from, for the secret check of [`Baseline::apply`]:
/// `commit` is a finding's commit (`--range`) or `None` for the index.
pub trait History {
    /// Whether there is a history to compare with (`false` for files on disk).
    fn tracked(&self) -> bool;
    /// The bytes of `path` as scanned.
    fn current(&self, commit: Option<&str>, path: &str) -> Option<Vec<u8>>;
    /// The bytes of `path` before: in `HEAD` for the index, in the first parent for a commit.
    fn previous(&self, commit: Option<&str>, path: &str) -> Option<Vec<u8>>;
}

/// No history (`check --no-git`): nothing to compare a secret with.
pub struct NoHistory;

impl History for NoHistory {
    fn tracked(&self) -> bool {
        false
    }
    fn current(&self, _: Option<&str>, _: &str) -> Option<Vec<u8>> {
        None
    }
    fn previous(&self, _: Option<&str>, _: &str) -> Option<Vec<u8>> {
        None
    }
}

/// The history of a git repository: the index against `HEAD`, a commit against its first
/// parent.
pub struct GitHistory<'r> {
    repo: &'r git2::Repository,
    /// Read once, on the first secret to compare (a clean commit never reads it).
    index: std::cell::OnceCell<Option<git2::Index>>,
}

impl<'r> GitHistory<'r> {
    pub fn new(repo: &'r git2::Repository) -> Self {
        GitHistory {
            repo,
            index: std::cell::OnceCell::new(),
        }
    }

    fn tree_blob(&self, tree: Option<git2::Tree>, path: &str) -> Option<Vec<u8>> {
        let entry = tree?.get_path(Path::new(path)).ok()?;
        let blob = self.repo.find_blob(entry.id()).ok()?;
        Some(blob.content().to_vec())
    }

    fn commit(&self, hex: &str) -> Option<git2::Commit<'_>> {
        self.repo.find_commit(git2::Oid::from_str(hex).ok()?).ok()
    }
}

impl History for GitHistory<'_> {
    fn tracked(&self) -> bool {
        true
    }

    fn current(&self, commit: Option<&str>, path: &str) -> Option<Vec<u8>> {
        match commit {
            Some(hex) => self.tree_blob(self.commit(hex)?.tree().ok(), path),
            None => {
                let index = self.index.get_or_init(|| self.repo.index().ok());
                let entry = index.as_ref()?.get_path(Path::new(path), 0)?;
                Some(self.repo.find_blob(entry.id).ok()?.content().to_vec())
            }
        }
    }

    fn previous(&self, commit: Option<&str>, path: &str) -> Option<Vec<u8>> {
        let tree = match commit {
            Some(hex) => self.commit(hex)?.parent(0).ok()?.tree().ok(),
            None => self.repo.head().ok()?.peel_to_tree().ok(),
        };
        self.tree_blob(tree, path)
    }
}

/// A loaded baseline and its text (to point at an unused entry).
#[derive(Debug)]
pub struct Baseline {
    pub entries: Vec<Entry>,
    text: String,
}

/// The entries for every finding of `outcome`, sorted (GG006 findings are not carried over).
pub fn entries(outcome: &Outcome) -> Vec<Entry> {
    let mut out: Vec<Entry> = outcome
        .files
        .iter()
        .flat_map(|file| file.findings.iter().map(move |f| (file, f)))
        .filter(|(_, f)| f.code != unused_baseline_entry::CODE)
        .map(|(file, f)| Entry {
            path: f.path.clone(),
            code: f.code.to_string(),
            fingerprint: fingerprint::of(f, file.display.as_ref()),
        })
        .collect();
    out.sort();
    out
}

/// The file text: pretty JSON with one entry per line.
pub fn render(entries: &[Entry]) -> String {
    let quote = |s: &str| serde_json::Value::String(s.to_string()).to_string();
    let mut out = format!(
        "{{\n  \"version\": {VERSION},\n  \"fingerprint\": {},\n  \"entries\": [",
        quote(fingerprint::VERSION)
    );
    for (i, e) in entries.iter().enumerate() {
        out.push_str(if i == 0 { "\n" } else { ",\n" });
        out.push_str(&format!(
            "    {{\"code\": {}, \"path\": {}, \"fingerprint\": {}}}",
            quote(&e.code),
            quote(&e.path),
            quote(&e.fingerprint)
        ));
    }
    out.push_str(if entries.is_empty() {
        "]\n}\n"
    } else {
        "\n  ]\n}\n"
    });
    out
}

impl Baseline {
    /// Reads the baseline at `path`; `Ok(None)` when there is none.
    pub fn load(path: &Path) -> Result<Option<Baseline>, String> {
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
        };
        Baseline::parse(&text)
            .map(Some)
            .map_err(|e| format!("{}: {e}", path.display()))
    }

    /// Parses baseline text; the error says what is wrong in plain words.
    pub fn parse(text: &str) -> Result<Baseline, String> {
        let file: FileFormat = serde_json::from_str(text).map_err(|e| {
            format!(
                "line {} column {}: not a gitops-guard baseline ({}); \
                 `gitops-guard baseline` writes a new one",
                e.line(),
                e.column(),
                plain_json_error(&e)
            )
        })?;
        if file.version != VERSION {
            return Err(format!(
                "baseline version {} is not supported (this gitops-guard writes version \
                 {VERSION}); `gitops-guard baseline` writes a new one",
                file.version
            ));
        }
        Ok(Baseline {
            entries: file.entries,
            text: text.to_string(),
        })
    }

    /// Takes the findings the baseline accepts out of `outcome` (counting them in
    /// `outcome.baselined`) and returns them, for `--verbose`. `known_path` says whether a
    /// path is still in the repository (an entry for a path that is not may accept the same
    /// finding in a moved file). With `report_unused` (a scan of everything) each entry that
    /// accepted nothing becomes a GG006 finding on the baseline file, at `settings`' level.
    pub fn apply(
        &self,
        outcome: &mut Outcome,
        known_path: &dyn Fn(&str) -> bool,
        report_unused: bool,
        settings: &Settings,
        history: &dyn History,
    ) -> Vec<Finding> {
        // Fingerprints only for files with findings: nothing to do on a clean commit.
        let prints: Vec<Vec<String>> = outcome
            .files
            .iter()
            .map(|file| {
                file.findings
                    .iter()
                    .map(|f| fingerprint::of(f, file.display.as_ref()))
                    .collect()
            })
            .collect();
        let mut accepted: Vec<Vec<bool>> = prints.iter().map(|p| vec![false; p.len()]).collect();
        // Each commit of a `--range` is matched against the whole baseline: an old finding in a
        // file that several commits touch is the same finding in each of them.
        let mut groups: Vec<Vec<usize>> = Vec::new();
        let mut group_of: HashMap<Option<&str>, usize> = HashMap::new();
        for (fi, file) in outcome.files.iter().enumerate() {
            if file.findings.is_empty() {
                continue;
            }
            let g = *group_of.entry(file.commit.as_deref()).or_insert_with(|| {
                groups.push(Vec::new());
                groups.len() - 1
            });
            groups[g].push(fi);
        }
        let mut used = vec![false; self.entries.len()];
        for files in &groups {
            let group = self.match_files(outcome, files, &prints, &mut accepted, known_path);
            for (u, g) in used.iter_mut().zip(group) {
                *u |= g;
            }
        }
        // The fingerprint hashes masked text, so a secret whose value changed in place (a
        // rotation committed in plain text) hashes alike: a secret stays accepted only while
        // its text is what the file's previous version had.
        for (fi, file) in outcome.files.iter().enumerate() {
            for (i, f) in file.findings.iter().enumerate() {
                if accepted[fi][i] && f.code.starts_with("GG1") {
                    let was = |path: &str| history.previous(file.commit.as_deref(), path);
                    accepted[fi][i] = self.unchanged_secret(file, f, history, &was, known_path);
                }
            }
        }
        let mut taken = Vec::new();
        for (file, accepted) in outcome.files.iter_mut().zip(&accepted) {
            let mut flags = accepted.iter();
            let (gone, kept): (Vec<Finding>, Vec<Finding>) = std::mem::take(&mut file.findings)
                .into_iter()
                .partition(|_| flags.next().copied().unwrap_or(false));
            file.findings = kept;
            taken.extend(gone);
        }
        outcome.baselined += taken.len();
        outcome
            .files
            .retain(|f| !f.findings.is_empty() || !f.notes.is_empty());
        if report_unused && let Some(level) = settings.level(unused_baseline_entry::CODE) {
            self.report_unused(outcome, &used, level, settings);
        }
        taken
    }

    /// Whether the text of secret finding `f` is, byte for byte, in the previous version of
    /// its file (or of a baselined file of the same rule that is gone, for a moved file).
    fn unchanged_secret(
        &self,
        file: &FileResult,
        f: &Finding,
        history: &dyn History,
        was: &dyn Fn(&str) -> Option<Vec<u8>>,
        known_path: &dyn Fn(&str) -> bool,
    ) -> bool {
        let Some(now) = history.current(file.commit.as_deref(), &f.path) else {
            return !history.tracked();
        };
        let Some(text) = now.get(f.span.clone()).filter(|t| !t.is_empty()) else {
            return false;
        };
        let holds = |old: Vec<u8>| old.windows(text.len()).any(|w| w == text);
        if was(&f.path).is_some_and(holds) {
            return true;
        }
        self.entries
            .iter()
            .filter(|e| e.code == f.code && e.path != f.path && !known_path(&e.path))
            .any(|e| was(&e.path).is_some_and(holds))
    }

    /// Accepts findings of `files` (indices into `outcome.files`) with the entries, counted
    /// (first by code, path and fingerprint, then moved files by code and fingerprint),
    /// marking them in `accepted`; returns which entries were used.
    fn match_files(
        &self,
        outcome: &Outcome,
        files: &[usize],
        prints: &[Vec<String>],
        accepted: &mut [Vec<bool>],
        known_path: &dyn Fn(&str) -> bool,
    ) -> Vec<bool> {
        let mut used = vec![false; self.entries.len()];
        let mut by_place: HashMap<(&str, &str, &str), Vec<usize>> = HashMap::new();
        for (i, e) in self.entries.iter().enumerate().rev() {
            by_place
                .entry((&e.code, &e.path, &e.fingerprint))
                .or_default()
                .push(i);
        }
        for &fi in files {
            for (i, f) in outcome.files[fi].findings.iter().enumerate() {
                let key = (f.code, f.path.as_str(), prints[fi][i].as_str());
                if let Some(e) = by_place.get_mut(&key).and_then(Vec::pop) {
                    used[e] = true;
                    accepted[fi][i] = true;
                }
            }
        }
        // Moved files: entries whose path is gone, by code and fingerprint.
        let mut moved: HashMap<(&str, &str), Vec<usize>> = HashMap::new();
        for (i, e) in self.entries.iter().enumerate().rev() {
            if !used[i] && !known_path(&e.path) {
                moved.entry((&e.code, &e.fingerprint)).or_default().push(i);
            }
        }
        if !moved.is_empty() {
            for &fi in files {
                for (i, f) in outcome.files[fi].findings.iter().enumerate() {
                    if accepted[fi][i] {
                        continue;
                    }
                    let Some(candidates) = moved.get_mut(&(f.code, prints[fi][i].as_str())) else {
                        continue;
                    };
                    // Last first, as entries were pushed in reverse.
                    if let Some(at) = candidates
                        .iter()
                        .rposition(|&e| moved_here(f.code, &self.entries[e].path, &f.path))
                    {
                        let e = candidates.remove(at);
                        used[e] = true;
                        accepted[fi][i] = true;
                    }
                }
            }
        }
        used
    }

    /// Adds a GG006 finding on the baseline file for each unused entry whose rule ran on its
    /// file: an entry of a rule turned off, ignored in that file or of an excluded file is not
    /// known to be gone.
    fn report_unused(
        &self,
        outcome: &mut Outcome,
        used: &[bool],
        level: Severity,
        settings: &Settings,
    ) {
        let lines = LineIndex::new(&self.text);
        let mut seen: HashMap<&str, usize> = HashMap::new();
        let mut findings = Vec::new();
        for (e, used) in self.entries.iter().zip(used) {
            // The n-th entry with this fingerprint is at its n-th occurrence in the text.
            let nth = seen.entry(&e.fingerprint).or_insert(0);
            let span = nth_occurrence(&self.text, &format!("\"{}\"", e.fingerprint), *nth)
                .map_or(0..0, |at| line_span(&self.text, at));
            *nth += 1;
            if *used
                || settings.level(&e.code).is_none()
                || settings.ignored_in(&e.path, &e.code)
                || settings.is_excluded(&e.path)
            {
                continue;
            }
            let mut f = unused_baseline_entry::finding(BASELINE_FILE_NAME, span, &e.code, &e.path);
            f.severity = level;
            f.start = lines.position(&self.text, f.span.start);
            f.end = lines.position(&self.text, f.span.end);
            findings.push(f);
        }
        if findings.is_empty() {
            return;
        }
        let result = FileResult {
            path: BASELINE_FILE_NAME.to_string(),
            findings,
            // The baseline holds codes, paths and hashes only: nothing to mask.
            display: Some(Masked::new(&self.text, &[])),
            notes: Vec::new(),
            commit: None,
        };
        let at = outcome
            .files
            .partition_point(|f| f.path.as_str() < BASELINE_FILE_NAME);
        outcome.files.insert(at, result);
    }
}

/// Whether a file at `now` may be the one an entry of rule `code` recorded at `was` (a path no
/// longer in the repository), moved: it keeps its name (`git mv apps/web.yaml apps/frontend/`)
/// or, except for secrets, its folder (a rename). Fingerprints of common findings are alike
/// across files (a Secret with a `password` key, an off-layout file's first line), so without
/// this the entry of any deleted file would accept a new finding anywhere; a Secret file
/// deleted and another added beside it is how a value is rotated, never a move.
fn moved_here(code: &str, was: &str, now: &str) -> bool {
    let (was_dir, was_name) = was.rsplit_once('/').unwrap_or(("", was));
    let (now_dir, now_name) = now.rsplit_once('/').unwrap_or(("", now));
    was_name == now_name || (was_dir == now_dir && !code.starts_with("GG1"))
}

/// The paths of a repository view as a lookup (built only when an entry may have moved).
pub fn path_lookup(paths: &[String]) -> impl Fn(&str) -> bool + '_ {
    let set = std::cell::OnceCell::new();
    move |p: &str| {
        set.get_or_init(|| paths.iter().map(String::as_str).collect::<HashSet<&str>>())
            .contains(p)
    }
}

fn nth_occurrence(text: &str, needle: &str, n: usize) -> Option<usize> {
    memchr::memmem::find_iter(text.as_bytes(), needle.as_bytes()).nth(n)
}

/// The trimmed line around byte `at`.
fn line_span(text: &str, at: usize) -> std::ops::Range<usize> {
    let start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    let end = text[at..].find('\n').map_or(text.len(), |i| at + i);
    let line = &text[start..end];
    let lead = line.len() - line.trim_start().len();
    let trimmed = line.trim_end().trim_end_matches(',');
    start + lead..start + trimmed.len()
}

/// serde_json's message without its own position (the caller gives it once).
fn plain_json_error(e: &serde_json::Error) -> String {
    let s = e.to_string();
    match s.rfind(" at line ") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(code: &str, path: &str, fp: &str) -> Entry {
        Entry {
            path: path.into(),
            code: code.into(),
            fingerprint: fp.into(),
        }
    }

    #[test]
    fn render_parses_back_and_is_one_entry_per_line() {
        let entries = vec![
            entry("GG201", "a \"b\".yaml", "0011223344556677"),
            entry("GG101", "s.yaml", "8899aabbccddeeff"),
        ];
        let text = render(&entries);
        assert_eq!(text.lines().filter(|l| l.contains("\"code\"")).count(), 2);
        let back = Baseline::parse(&text).map(|b| b.entries);
        assert_eq!(back, Ok(entries));
        assert_eq!(Baseline::parse(&render(&[])).map(|b| b.entries), Ok(vec![]));
    }

    #[test]
    fn bad_files_say_where_and_what() {
        let err = Baseline::parse("{\"version\": 1, \"entries\": [}").unwrap_err();
        assert!(
            err.starts_with("line 1 column 28: not a gitops-guard baseline"),
            "{err}"
        );
        assert_eq!(err.matches(" column ").count(), 1, "{err}");
        let err = Baseline::parse("{\"version\": 9, \"entries\": []}").unwrap_err();
        assert!(err.contains("version 9 is not supported"), "{err}");
    }

    #[test]
    fn line_span_is_the_entry_without_its_comma() {
        let text = "[\n    {\"a\": \"x\"},\n]";
        let at = text.find("\"x\"").unwrap_or(0);
        assert_eq!(&text[line_span(text, at)], "{\"a\": \"x\"}");
    }
}
