//! What a push brings: the commits reachable from a pushed tip and from no existing ref (for
//! `gitops-guard pre-receive`; their files are collected as the range `0000…..TIP`).
//!
//! Invariants: in a pre-receive hook the refs still hold their old values and the pushed
//! objects are visible only through git's quarantine environment (`GIT_OBJECT_DIRECTORY`,
//! `GIT_ALTERNATE_OBJECT_DIRECTORIES`), which [`Repo::open`] honours; so "not reachable from
//! any ref" is exactly "new to this repository", whatever the push does (new branch, force
//! push, tag). Commits come out oldest first, each once.

use super::SourceError;
use super::index::Repo;
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
}
