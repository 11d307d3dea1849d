//! `gitops-guard pre-receive`: the server-side check. git runs the `pre-receive` hook once per
//! push, before any ref moves, with one `<old-id> <new-id> <ref-name>` line per ref on stdin;
//! a non-zero exit refuses the whole push, and whatever the hook prints reaches the pusher as
//! `remote:` lines. See githooks(5), "pre-receive".
//!
//! What is scanned: every commit the push makes reachable that no existing ref already
//! reaches, each with the files it adds or changes. A branch deletion scans nothing; a new
//! branch scans only the commits that are new to the repository; a force push scans the
//! replacement commits; a tag is peeled to its commit. Because every commit is scanned, a
//! Secret added in one commit and deleted in the next is still refused: it would stay in
//! history.

use crate::config::Settings;
use crate::engine::{self, Outcome};
use crate::source::{Limits, Origin, Repo, Selection, SourceError};
use std::collections::HashSet;

/// One line of the hook's input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefUpdate {
    /// The ref's value before the push (all zeros: the ref is created).
    pub old: String,
    /// The value the push asks for (all zeros: the ref is deleted).
    pub new: String,
    /// The full ref name, e.g. `refs/heads/main`.
    pub name: String,
}

impl RefUpdate {
    /// The push deletes the ref.
    pub fn is_deletion(&self) -> bool {
        is_zero(&self.new)
    }

    /// The push creates the ref.
    pub fn is_creation(&self) -> bool {
        is_zero(&self.old)
    }
}

/// git's null id (SHA-1 length), which stands for "no commit" in ref updates and ranges.
const ZERO_ID: &str = "0000000000000000000000000000000000000000";

/// Whether `id` is git's all-zero id (SHA-1 or SHA-256 length), meaning "no object".
pub fn is_zero(id: &str) -> bool {
    !id.is_empty() && id.bytes().all(|b| b == b'0')
}

/// A malformed input line (exit 2: git refuses the push).
#[derive(Debug, thiserror::Error)]
#[error("pre-receive input line {line}: expected `<old-id> <new-id> <ref-name>`, got `{text}`")]
pub struct InputError {
    /// 1-based line number.
    pub line: usize,
    /// The offending line.
    pub text: String,
}

/// Parses git's pre-receive input (blank lines are ignored).
pub fn parse(input: &str) -> Result<Vec<RefUpdate>, InputError> {
    let hex = |s: &str| matches!(s.len(), 40 | 64) && s.bytes().all(|b| b.is_ascii_hexdigit());
    input
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| {
            let mut parts = l.trim_end_matches('\r').splitn(3, ' ');
            match (parts.next(), parts.next(), parts.next()) {
                (Some(old), Some(new), Some(name)) if hex(old) && hex(new) && !name.is_empty() => {
                    Ok(RefUpdate {
                        old: old.to_string(),
                        new: new.to_string(),
                        name: name.to_string(),
                    })
                }
                _ => Err(InputError {
                    line: i + 1,
                    text: l.to_string(),
                }),
            }
        })
        .collect()
}

/// What happened to one ref update, for the summary printed to the pusher.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefResult {
    /// The ref name.
    pub name: String,
    /// The commits scanned for this ref (new to the repository, not already scanned for an
    /// earlier ref of the same push).
    pub commits: usize,
    /// Why nothing was scanned, when nothing was.
    pub note: Option<&'static str>,
}

/// The result of checking a push.
#[derive(Debug, Default)]
pub struct PushOutcome {
    /// The findings of every checked commit, merged.
    pub outcome: Outcome,
    /// One entry per input line, in order.
    pub refs: Vec<RefResult>,
}

/// Checks every ref update of a push.
pub fn check(
    repo: &Repo,
    updates: &[RefUpdate],
    settings: &Settings,
    serial: bool,
) -> Result<PushOutcome, SourceError> {
    let limits = Limits {
        max_file_size: settings.max_file_size,
    };
    let mut seen: HashSet<String> = HashSet::new();
    let mut result = PushOutcome::default();
    for update in updates {
        let mut entry = RefResult {
            name: update.name.clone(),
            commits: 0,
            note: None,
        };
        if update.is_deletion() {
            entry.note = Some("deleted; nothing to check");
            result.refs.push(entry);
            continue;
        }
        if update.name.starts_with("refs/notes/") {
            // Notes trees hold annotations keyed by commit id, not project files.
            entry.note = Some("git notes; not project files");
            result.refs.push(entry);
            continue;
        }
        let Some(tip) = repo.peel_to_commit(&update.new)? else {
            entry.note = Some("does not point at a commit; nothing to check");
            result.refs.push(entry);
            continue;
        };
        let all = repo.new_commits(std::slice::from_ref(&tip))?;
        let any = !all.is_empty();
        let new: HashSet<String> = all.into_iter().filter(|c| seen.insert(c.clone())).collect();
        entry.commits = new.len();
        if new.is_empty() {
            entry.note = Some(if any {
                "its new commits are checked above (same push)"
            } else {
                "no new commits"
            });
            result.refs.push(entry);
            continue;
        }
        // `0000…..TIP` is the range of TIP's commits that no existing ref reaches.
        let range = Selection::Range(format!("{}..{tip}", ZERO_ID));
        let mut set = repo.collect(&range, &limits)?;
        // A commit that an earlier ref of this push brought was checked with that ref.
        set.candidates.retain(|c| match &c.origin {
            Origin::Commit(id) => new.contains(id),
            _ => true,
        });
        let view = repo.view(&range)?.with_limits(limits);
        let part = engine::scan(set, settings, &view, serial);
        merge(&mut result.outcome, part);
        result.refs.push(entry);
    }
    Ok(result)
}

fn merge(into: &mut Outcome, part: Outcome) {
    into.files.extend(part.files);
    into.errors.extend(part.errors);
    into.skipped.extend(part.skipped);
    into.files_scanned += part.files_scanned;
}

/// The settings a server applies: `--config` if given, else `.gitops-guard.yaml` as committed
/// on the repository's `HEAD` before this push (the pusher cannot loosen the rules in the
/// same push), else the defaults.
pub fn settings(repo: &Repo, explicit: Option<&std::path::Path>) -> anyhow::Result<Settings> {
    use anyhow::Context;
    if let Some(path) = explicit {
        return Ok(Settings::load(path)?);
    }
    let git = repo.git();
    let blob = git
        .head()
        .and_then(|h| h.peel_to_tree())
        .ok()
        .and_then(|tree| tree.get_name(crate::config::FILE_NAME).map(|e| e.id()))
        .and_then(|id| git.find_blob(id).ok());
    match blob {
        Some(blob) => {
            let text = std::str::from_utf8(blob.content())
                .context("HEAD:.gitops-guard.yaml is not UTF-8")?;
            let shown = format!("HEAD:{}", crate::config::FILE_NAME);
            Ok(Settings::from_text(
                text,
                Some(std::path::Path::new(&shown)),
            )?)
        }
        None => Ok(Settings::default()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const Z: &str = "0000000000000000000000000000000000000000";
    const A: &str = "1111111111111111111111111111111111111111";

    #[test]
    fn parses_updates() {
        let input = format!("{Z} {A} refs/heads/new\n\n{A} {Z} refs/heads/gone\r\n");
        let updates = parse(&input).unwrap();
        assert_eq!(updates.len(), 2);
        assert!(updates[0].is_creation() && !updates[0].is_deletion());
        assert!(updates[1].is_deletion());
        assert_eq!(updates[1].name, "refs/heads/gone");
    }

    #[test]
    fn rejects_garbage() {
        let err = parse("hello world\n").unwrap_err();
        assert_eq!(err.line, 1);
        assert!(parse(&format!("{A} {A}\n")).is_err());
    }

    #[test]
    fn zero_ids() {
        assert!(is_zero(Z));
        assert!(is_zero(&"0".repeat(64)));
        assert!(!is_zero(A));
        assert!(!is_zero(""));
    }
}
