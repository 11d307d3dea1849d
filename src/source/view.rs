//! [`TreeView`]: the whole index (or a commit's tree) for cross-file rules, read lazily.
//!
//! Rules run on the rayon pool, so the view must be `Sync`; `git2::Repository` is only `Send`,
//! so the view opens its own handle (on first read; most runs never read) behind a `Mutex`.
//! Blobs are read on first use and cached by blob id, so identical files are read once.

use super::Limits;
use super::read::{self, Files, Opener};
use crate::rules::RepoView;
use git2::{Oid, Repository};
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

/// A read-only, lazily read view of every file in the index or in a commit.
pub struct TreeView {
    paths: Vec<String>,
    /// Regular files: (index into `paths`, blob id), sorted by path for binary search.
    blobs: Vec<(usize, Oid)>,
    opener: Opener,
    repo: Mutex<Option<Repository>>,
    cache: Mutex<HashMap<Oid, Option<Arc<Vec<u8>>>>>,
    limits: Limits,
}

impl TreeView {
    pub(crate) fn new(files: Files, opener: Opener) -> Self {
        let Files { paths, mut blobs } = files;
        // Index and tree order are nearly sorted already, which the stable sort exploits.
        blobs.sort_by(|a, b| paths[a.0].cmp(&paths[b.0]));
        TreeView {
            paths,
            blobs,
            opener,
            repo: Mutex::new(None),
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
        let i = self
            .blobs
            .binary_search_by(|(p, _)| self.paths[*p].as_str().cmp(path))
            .ok()?;
        Some(self.blobs[i].1)
    }

    fn read_blob(&self, oid: Oid) -> Option<Vec<u8>> {
        let mut slot = lock(&self.repo);
        if slot.is_none() {
            *slot = Some(self.opener.open().ok()?);
        }
        let odb = slot.as_ref()?.odb().ok()?;
        read::read_text(&odb, oid, &self.limits).ok()
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
        let oid = self.oid(path)?;
        if let Some(hit) = lock(&self.cache).get(&oid) {
            return hit.clone();
        }
        // Read outside the cache lock; two threads racing on one blob both read it, harmlessly.
        let value = self.read_blob(oid).map(Arc::new);
        lock(&self.cache).insert(oid, value.clone());
        value
    }

    /// Reads on as many OS threads as the rayon pool has (plain threads: the caller may be a
    /// rayon worker inside a `OnceLock` initialiser, where a nested rayon job could steal a
    /// task that waits on that same lock), each with its own repository handle, and caches
    /// nothing: a scan of every file of a 50,000-file repository must not keep them all.
    fn for_each_blob(&self, paths: &[&str], f: &(dyn Fn(usize, &[u8]) + Sync)) {
        let next = AtomicUsize::new(0);
        let work = || {
            let mut handle: Option<Option<Repository>> = None;
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(path) = paths.get(i) else { break };
                let Some(oid) = self.oid(path) else { continue };
                let cached = lock(&self.cache).get(&oid).cloned();
                match cached {
                    Some(Some(bytes)) => f(i, &bytes),
                    Some(None) => {}
                    None => {
                        let repo = handle.get_or_insert_with(|| self.opener.open().ok());
                        let Some(odb) = repo.as_ref().and_then(|r| r.odb().ok()) else {
                            continue;
                        };
                        if let Ok(bytes) = read::read_text(&odb, oid, &self.limits) {
                            f(i, &bytes);
                        }
                    }
                }
            }
        };
        let threads = rayon::current_num_threads().clamp(1, paths.len().div_ceil(64).max(1));
        std::thread::scope(|s| {
            for _ in 1..threads {
                s.spawn(work);
            }
            work();
        });
    }
}

/// Locks `m`, ignoring poisoning: the guarded data (a cache, a repository handle) stays valid
/// when a rule panics elsewhere.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}
