//! [`RepoView`]: read-only access to the whole repository (the index, a commit's tree, or a
//! folder on disk) for the questions that need more than the file being scanned.

use std::any::Any;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

/// A value computed once per view from the whole repository (see [`RepoView::shared`]).
pub type Shared = Arc<dyn Any + Send + Sync>;

/// Read-only access to the rest of the repository (the index, or the commit being scanned).
pub trait RepoView: Sync {
    /// Every path in the index / commit.
    fn paths(&self) -> &[String];
    /// The content at `path`, if present and readable.
    fn read(&self, path: &str) -> Option<Arc<Vec<u8>>>;
    /// Calls `f(i, content)` for each `paths[i]` that [`RepoView::read`] would return, in any
    /// order and possibly on several threads, without keeping the contents: for scans over the
    /// whole repository (the CRDs). The default reads them one by one.
    fn for_each_blob(&self, paths: &[&str], f: &(dyn Fn(usize, &[u8]) + Sync)) {
        for (i, path) in paths.iter().enumerate() {
            if let Some(bytes) = self.read(path) {
                f(i, &bytes);
            }
        }
    }
    /// Offers `value` as what `f` of [`RepoView::memo_blobs`] under `name` would compute for
    /// the content at `path` with `tag`: a scan that read the file anyway saves the view
    /// reading it again. The default ignores it.
    fn remember(&self, _name: &str, _path: &str, _tag: u8, _value: Vec<u8>) {}
    /// `(i, f(i, content))` for each readable `paths()[items[i].0]`, in order of `i`; empty
    /// results may be left out. `f` must depend on nothing but the content and the tag
    /// `items[i].1` (e.g. how the path says to parse it): a view may then remember the results
    /// by blob id (in `name`'s cache file) and skip reading blobs it has seen before. The
    /// default computes everything.
    fn memo_blobs(
        &self,
        _name: &str,
        items: &[(usize, u8)],
        f: &(dyn Fn(usize, &[u8]) -> Vec<u8> + Sync),
    ) -> Vec<(usize, Vec<u8>)> {
        let all = self.paths();
        let paths: Vec<&str> = items.iter().map(|(p, _)| all[*p].as_str()).collect();
        let out = Mutex::new(Vec::new());
        self.for_each_blob(&paths, &|i, bytes| {
            let value = f(i, bytes);
            out.lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push((i, value));
        });
        let mut out = out.into_inner().unwrap_or_else(PoisonError::into_inner);
        out.sort_by_key(|(i, _)| *i);
        out
    }
    /// The value `build` computes, computed once per view under `name`: for run-wide
    /// questions (the kustomization graph) that many files ask. `build` must depend on nothing
    /// but the view. The default computes it at every call.
    fn shared(&self, name: &'static str, build: &dyn Fn() -> Shared) -> Shared {
        let _ = name;
        build()
    }
    /// The URLs of the repository's remotes (`remote.*.url`), to recognise sources that point
    /// at the repository itself; empty when there are none or the view is not a repository.
    fn remote_urls(&self) -> Vec<String> {
        Vec::new()
    }
}

/// The values behind [`RepoView::shared`] for views that keep them.
#[derive(Default)]
pub struct SharedCache {
    slots: Mutex<HashMap<&'static str, Arc<OnceLock<Shared>>>>,
}

impl SharedCache {
    /// The value under `name`, built on first use; concurrent callers wait for one build.
    pub fn get(&self, name: &'static str, build: &dyn Fn() -> Shared) -> Shared {
        let slot = self
            .slots
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .entry(name)
            .or_default()
            .clone();
        slot.get_or_init(build).clone()
    }
}

/// An empty repository view, for unit tests and stdin.
pub struct NoRepo;

impl RepoView for NoRepo {
    fn paths(&self) -> &[String] {
        &[]
    }
    fn read(&self, _path: &str) -> Option<Arc<Vec<u8>>> {
        None
    }
}
