//! Reading from the repository with git2.

use super::{Limits, ScanSet, Selection, SourceError};
use std::path::{Path, PathBuf};

/// An opened repository, discovered the way git itself does (honouring `GIT_DIR`,
/// `GIT_INDEX_FILE`, `GIT_WORK_TREE`, ...).
pub struct Repo {
    repo: git2::Repository,
}

impl Repo {
    /// Opens the repository from the environment and the current directory.
    pub fn open() -> Result<Repo, SourceError> {
        let repo = git2::Repository::open_from_env().map_err(|source| SourceError::NotARepo {
            cwd: std::env::current_dir()
                .map(|p| p.display().to_string())
                .unwrap_or_default(),
            source,
        })?;
        Ok(Repo { repo })
    }

    pub fn git(&self) -> &git2::Repository {
        &self.repo
    }

    /// The working tree, if any.
    pub fn workdir(&self) -> Option<&Path> {
        self.repo.workdir()
    }

    /// The common git directory (shared by linked worktrees).
    pub fn common_dir(&self) -> PathBuf {
        self.repo.commondir().to_path_buf()
    }

    /// Reads the selection.
    pub fn collect(&self, _sel: &Selection, _limits: &Limits) -> Result<ScanSet, SourceError> {
        Ok(ScanSet::default())
    }

    /// A view of the whole index (or commit) for cross-file rules.
    pub fn view(&self, _sel: &Selection) -> Result<crate::rules::NoRepo, SourceError> {
        Ok(crate::rules::NoRepo)
    }

    /// The content of `path` in the index (or `None`), for cross-file lookups such as the
    /// version stream or CRDs; never used for the files being scanned.
    pub fn index_content(&self, _path: &str) -> Option<Vec<u8>> {
        None
    }
}
