//! When `--fix` must not write, though it could: its changes would be thrown away or would
//! break what git is in the middle of.
//!
//! - A merge, cherry-pick or revert in progress: the fix hook runs as `pre-merge-commit` or
//!   at the commit that concludes a conflicted merge. Files it rewrites without staging make
//!   `git merge --abort` (`git reset --merge`) refuse ("not uptodate. Cannot merge"), and a
//!   fix folded into a merge commit hides it from review.
//! - Partial staging under the pre-commit framework: it set the unstaged changes aside and
//!   rolls back every hook change to a file they touch when it puts them back, so "converted,
//!   now `git add` it" would be untrue (see `framework.rs`).
//!
//! The check then reports as usual and says what the fix would do and when to run it.

use std::collections::BTreeSet;
use std::fmt;

/// Why `--fix` writes nothing this time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Hold {
    /// git is merging, cherry-picking or reverting: (what, the command that gets out of it).
    Sequencer {
        what: &'static str,
        abort: &'static str,
    },
    /// pre-commit stashed unstaged changes to these files, which the fix would touch.
    Stashed(Vec<String>),
}

/// Whether `--fix` must hold back in `repo`, given the files it would touch.
pub fn hold(repo: &git2::Repository, touched: &BTreeSet<String>) -> Option<Hold> {
    use git2::RepositoryState as S;
    let sequencer = match repo.state() {
        S::Merge => Some(("a merge", "git merge --abort")),
        S::CherryPick | S::CherryPickSequence => Some(("a cherry-pick", "git cherry-pick --abort")),
        S::Revert | S::RevertSequence => Some(("a revert", "git revert --abort")),
        _ => None,
    };
    if let Some((what, abort)) = sequencer {
        return Some(Hold::Sequencer { what, abort });
    }
    if touched.is_empty() {
        return None;
    }
    let stashed = super::framework::stashed_files();
    let both: Vec<String> = touched.intersection(&stashed).cloned().collect();
    (!both.is_empty()).then_some(Hold::Stashed(both))
}

impl fmt::Display for Hold {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Hold::Sequencer { what, abort } => write!(
                f,
                "--fix wrote nothing: {what} is in progress, and files changed now would \
                 stop `{abort}` from working and slip unreviewed into its commit.\n\
                 Fix the commits being brought in, or finish first (`git commit --no-verify` \
                 concludes it as it is) and run `gitops-guard check --fix` (under pre-commit: \
                 `pre-commit run gitops-guard-fix`) right after; `{abort}` still works."
            ),
            Hold::Stashed(paths) => write!(
                f,
                "--fix wrote nothing: pre-commit set aside your unstaged changes to {}, and \
                 would throw the fix away when it puts them back.\n\
                 Stage those changes (`git add`) or stash them (`git stash --keep-index`), then \
                 commit again.",
                paths
                    .iter()
                    .map(|p| format!("`{p}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
    }
}
