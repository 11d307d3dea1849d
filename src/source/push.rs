//! What a push brings: the commits reachable from the pushed tips and from no existing ref,
//! and the files each of them adds or changes (for `gitops-guard pre-receive`).
//!
//! Invariants: in a pre-receive hook the refs still hold their old values and the pushed
//! objects are visible only through git's quarantine environment (`GIT_OBJECT_DIRECTORY`,
//! `GIT_ALTERNATE_OBJECT_DIRECTORIES`), which [`Repo::open`] honours; so "not reachable from
//! any ref" is exactly "new to this repository", whatever the push does (new branch, force
//! push, tag). Commits come out oldest first, each once.

use super::index::Repo;
use super::{Limits, ScanSet, SourceError};
use git2::Oid;

impl Repo {
    /// The commit `id` names, peeling annotated tags; `None` when it names no commit (a tag of
    /// a tree or blob).
    pub fn peel_to_commit(&self, id: &str) -> Result<Option<String>, SourceError> {
        let mut object = self.git().find_object(Oid::from_str(id)?, None)?;
        loop {
            match object.kind() {
                Some(git2::ObjectType::Commit) => return Ok(Some(object.id().to_string())),
                Some(git2::ObjectType::Tag) => {
                    let target = object.as_tag().map(|t| t.target()).transpose()?;
                    match target {
                        Some(next) => object = next,
                        None => return Ok(None),
                    }
                }
                _ => return Ok(None),
            }
        }
    }

    /// Commits reachable from `tips` but from no existing reference, oldest first.
    pub fn new_commits(&self, tips: &[String]) -> Result<Vec<String>, SourceError> {
        let repo = self.git();
        let mut walk = repo.revwalk()?;
        walk.set_sorting(git2::Sort::TOPOLOGICAL | git2::Sort::REVERSE)?;
        for tip in tips {
            walk.push(Oid::from_str(tip)?)?;
        }
        for reference in repo.references()? {
            let Ok(reference) = reference else { continue };
            // Refs that do not lead to a commit (a tag of a blob, a broken ref) hide nothing.
            if let Ok(commit) = reference.peel_to_commit() {
                walk.hide(commit.id())?;
            }
        }
        walk.map(|oid| oid.map(|o| o.to_string()).map_err(SourceError::from))
            .collect()
    }

    /// The files each of `commits` adds or changes (relative to its first parent; everything
    /// for a root commit), with content from that commit.
    pub fn collect_commits(
        &self,
        commits: &[String],
        limits: &Limits,
    ) -> Result<ScanSet, SourceError> {
        let mut set = ScanSet::default();
        for id in commits {
            let part = self.collect_commit(id, limits)?;
            set.candidates.extend(part.candidates);
            set.skipped.extend(part.skipped);
            set.errors.extend(part.errors);
            set.all_paths = part.all_paths;
        }
        Ok(set)
    }

    /// One commit's added and changed files.
    // Provisional: replaced by the range collector of `index.rs` once it lands on main.
    fn collect_commit(&self, id: &str, limits: &Limits) -> Result<ScanSet, SourceError> {
        use super::{Candidate, Origin, SkipReason, Skipped};
        let repo = self.git();
        let commit = repo.find_commit(Oid::from_str(id)?)?;
        let tree = commit.tree()?;
        let parent_tree = match commit.parent(0) {
            Ok(p) => Some(p.tree()?),
            Err(_) => None,
        };
        let diff = repo.diff_tree_to_tree(parent_tree.as_ref(), Some(&tree), None)?;
        let mut set = ScanSet::default();
        for delta in diff.deltas() {
            if matches!(delta.status(), git2::Delta::Deleted) {
                continue;
            }
            let file = delta.new_file();
            let raw_path = file.path_bytes().unwrap_or_default().to_vec();
            let path = String::from_utf8_lossy(&raw_path).into_owned();
            let mode = u32::from(file.mode());
            let reason = match file.mode() {
                git2::FileMode::Link => Some(SkipReason::Symlink),
                git2::FileMode::Commit => Some(SkipReason::Submodule),
                _ => None,
            };
            if let Some(reason) = reason {
                set.skipped.push(Skipped { path, reason });
                continue;
            }
            let blob = repo.find_blob(file.id())?;
            if blob.size() as u64 > limits.max_file_size {
                set.skipped.push(Skipped {
                    path,
                    reason: SkipReason::TooLarge {
                        size: blob.size() as u64,
                        limit: limits.max_file_size,
                    },
                });
                continue;
            }
            set.candidates.push(Candidate {
                path,
                raw_path,
                bytes: blob.content().to_vec(),
                origin: Origin::Commit(id.to_string()),
                oid: file.id().to_string(),
                mode,
            });
        }
        Ok(set)
    }
}
