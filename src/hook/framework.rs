//! Running under the pre-commit framework (pre-commit.com): how to tell, what to advise, and
//! what it did to the working tree before running us.
//!
//! pre-commit sets `PRE_COMMIT=1` in every hook's environment (`commands/run.py`). Before a
//! commit's hooks run it stashes unstaged changes as a patch named `patch<time>-<its pid>` in
//! its store (`$PRE_COMMIT_HOME`, else `$XDG_CACHE_HOME/pre-commit`, else
//! `~/.cache/pre-commit`) and checks the index out; afterwards it applies the patch again, and
//! when a hook changed a file the patch also touches, it throws the hook's changes away
//! ("Rolling back fixes"). So a fix must not write files that patch touches.

use crate::engine::remedy::{FIX_HOOK_ID, Remedy};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Whether the pre-commit framework runs us.
pub fn active() -> bool {
    std::env::var_os("PRE_COMMIT").is_some_and(|v| v == "1")
}

/// The remedy for a check of the index: the fix hook under the framework (whose users have
/// no `gitops-guard` on PATH), else `--fix`.
pub fn remedy(workdir: Option<&Path>) -> Remedy {
    if !active() {
        return Remedy::Fix;
    }
    let configured = workdir
        .and_then(|w| std::fs::read(w.join(".pre-commit-config.yaml")).ok())
        .is_some_and(|text| String::from_utf8_lossy(&text).contains(FIX_HOOK_ID));
    Remedy::PreCommitHook { configured }
}

/// pre-commit's store folder, as it computes it.
fn store_dir() -> Option<PathBuf> {
    let env = |k: &str| {
        std::env::var_os(k)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    env("PRE_COMMIT_HOME")
        .or_else(|| env("XDG_CACHE_HOME").map(|c| c.join("pre-commit")))
        .or_else(|| env("HOME").map(|h| h.join(".cache").join("pre-commit")))
}

/// The files whose unstaged changes pre-commit stashed for the run that started us (empty
/// when it stashed nothing, or we do not run under it). Read from the newest
/// `patch*-<parent pid>` in its store, written in the last hour (pids are reused).
#[cfg(unix)]
pub fn stashed_files() -> BTreeSet<String> {
    if !active() {
        return BTreeSet::new();
    }
    let Some(dir) = store_dir() else {
        return BTreeSet::new();
    };
    let suffix = format!("-{}", std::os::unix::process::parent_id());
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return BTreeSet::new();
    };
    let recent = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
    let newest = entries
        .flatten()
        .filter(|e| {
            e.file_name()
                .to_str()
                .is_some_and(|n| n.starts_with("patch") && n.ends_with(&suffix))
        })
        .filter_map(|e| Some((e.metadata().ok()?.modified().ok()?, e.path())))
        .filter(|(modified, _)| *modified >= recent)
        .max();
    newest
        .and_then(|(_, path)| std::fs::read(path).ok())
        .map(|patch| patch_paths(&patch))
        .unwrap_or_default()
}

#[cfg(not(unix))]
pub fn stashed_files() -> BTreeSet<String> {
    BTreeSet::new()
}

/// The paths a `git diff` patch touches (both sides of `diff --git a/X b/Y`). git quotes a
/// path with unusual bytes (`"a/caf\303\251.yaml"`, core.quotePath) C-style: unquoted here,
/// so such a file is still known to be set aside.
fn patch_paths(patch: &[u8]) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for line in patch.split(|b| *b == b'\n') {
        let Some(rest) = line.strip_prefix(b"diff --git ") else {
            continue;
        };
        if rest.first() == Some(&b'"') {
            // `"a/<path>" "b/<path>"`, or one side quoted and the other not.
            let Some((a, after)) = unquote(rest) else {
                continue;
            };
            let after = after.strip_prefix(b" ").unwrap_or(after);
            let b = match after.first() {
                Some(b'"') => unquote(after).map(|(b, _)| b),
                _ => Some(after.to_vec()),
            };
            for side in [Some(a), b].into_iter().flatten() {
                if let Ok(path) = String::from_utf8(side) {
                    let path = path.strip_prefix("a/").or_else(|| path.strip_prefix("b/"));
                    out.extend(path.map(str::to_string));
                }
            }
            continue;
        }
        let rest = String::from_utf8_lossy(rest);
        // Only the new side quoted (`a/x "b/n\303\251w"`), else `a/<path> b/<path>`: equal
        // halves unless renamed; split at " b/".
        if let Some((a, b)) = rest.split_once(" \"b/") {
            out.insert(a.trim_start_matches("a/").to_string());
            let b =
                unquote(format!("\"b/{b}").as_bytes()).and_then(|(b, _)| String::from_utf8(b).ok());
            out.extend(b.and_then(|b| b.strip_prefix("b/").map(str::to_string)));
        } else if let Some((a, b)) = rest.split_once(" b/") {
            out.insert(a.trim_start_matches("a/").to_string());
            out.insert(b.to_string());
        }
    }
    out
}

/// A C-quoted string at the start of `s` (`"..."` with `\\`, `\"`, `\t`, `\n`, octal
/// `\303`...) and what follows it; `None` when it is not one.
fn unquote(s: &[u8]) -> Option<(Vec<u8>, &[u8])> {
    let mut bytes = s.strip_prefix(b"\"")?.iter().enumerate();
    let mut out = Vec::new();
    while let Some((i, &b)) = bytes.next() {
        match b {
            b'"' => return Some((out, &s[i + 2..])),
            b'\\' => {
                let (_, &e) = bytes.next()?;
                out.push(match e {
                    b'a' => 7,
                    b'b' => 8,
                    b't' => b'\t',
                    b'n' => b'\n',
                    b'v' => 11,
                    b'f' => 12,
                    b'r' => b'\r',
                    b'0'..=b'3' => {
                        let (_, &d2) = bytes.next()?;
                        let (_, &d3) = bytes.next()?;
                        if !(b'0'..=b'7').contains(&d2) || !(b'0'..=b'7').contains(&d3) {
                            return None;
                        }
                        (e - b'0') * 64 + (d2 - b'0') * 8 + (d3 - b'0')
                    }
                    other => other,
                });
            }
            other => out.push(other),
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_of_a_patch() {
        let patch = b"diff --git a/apps/db.yaml b/apps/db.yaml\nindex 1..2 100644\n--- a/apps/db.yaml\n+++ b/apps/db.yaml\n@@ -1 +1 @@\n-a\n+b\ndiff --git a/x y.yaml b/x y.yaml\n";
        let paths: Vec<String> = patch_paths(patch).into_iter().collect();
        assert_eq!(paths, vec!["apps/db.yaml", "x y.yaml"]);
        let quoted = b"diff --git \"a/apps/caf\\303\\251 \\\"db\\\".yaml\" \"b/apps/caf\\303\\251 \\\"db\\\".yaml\"\nindex 1..2\ndiff --git a/old.yaml \"b/n\\303\\251w.yaml\"\n";
        let paths: Vec<String> = patch_paths(quoted).into_iter().collect();
        assert_eq!(paths, ["apps/café \"db\".yaml", "néw.yaml", "old.yaml"]);
        assert_eq!(unquote(b"\"a\\1\""), None);
        assert_eq!(unquote(b"\"open"), None);
    }
}
