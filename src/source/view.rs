//! [`TreeView`]: the whole index (or a commit's tree) for cross-file rules, read lazily.
//!
//! Rules run on the rayon pool, so the view must be `Sync`; `git2::Repository` is only `Send`,
//! so the view owns its own handle behind a `Mutex`. Blobs are read on first use and cached
//! (by blob id, so identical files are read once).

use super::Limits;
use super::read::{self, Files, Unreadable};
use crate::rules::RepoView;
use git2::{Oid, Repository};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

/// A read-only, lazily read view of every file in the index or in a commit.
pub struct TreeView {
    paths: Vec<String>,
    blobs: HashMap<String, Oid>,
    repo: Mutex<Repository>,
    cache: Mutex<HashMap<Oid, Option<Arc<Vec<u8>>>>>,
    limits: Limits,
}

impl TreeView {
    pub(crate) fn new(files: Files, repo: Repository) -> Self {
        TreeView {
            paths: files.paths,
            blobs: files.blobs.into_iter().collect(),
            repo: Mutex::new(repo),
            cache: Mutex::new(HashMap::new()),
            limits: Limits::default(),
        }
    }

    /// Applies `limits` to [`RepoView::read`]: blobs over the size limit read as `None`.
    pub fn with_limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// The blob id of the regular file at `path`, if any.
    pub fn oid(&self, path: &str) -> Option<Oid> {
        self.blobs.get(path).copied()
    }
}

impl RepoView for TreeView {
    fn paths(&self) -> &[String] {
        &self.paths
    }

    /// The content of the regular file at `path`; `None` when absent, unreadable, or not
    /// text that would be scanned (symlink, submodule, LFS pointer, git-crypt, binary,
    /// oversized).
    fn read(&self, path: &str) -> Option<Arc<Vec<u8>>> {
        let oid = *self.blobs.get(path)?;
        if let Some(hit) = lock(&self.cache).get(&oid) {
            return hit.clone();
        }
        // Read outside the cache lock; two threads racing on one blob both read it, harmlessly.
        let value = {
            let repo = lock(&self.repo);
            let odb = repo.odb().ok()?;
            match read::read_text(&odb, oid, &self.limits) {
                Ok(bytes) => Some(Arc::new(bytes)),
                Err(Unreadable::Skip(_) | Unreadable::Error(_)) => None,
            }
        };
        lock(&self.cache).insert(oid, value.clone());
        value
    }
}

/// Locks `m`, ignoring poisoning: the guarded data (a cache, a repository handle) stays valid
/// when a rule panics elsewhere.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}
