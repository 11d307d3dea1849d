//! [`TreeView`]: the whole index (or a commit's tree) for cross-file rules, read lazily.
//!
//! Rules run on the rayon pool, so the view must be `Sync`; `git2::Repository` is only `Send`,
//! so the view opens its own handle (on first read; most runs never read) behind a `Mutex`.
//! Blobs are read on first use and cached by blob id, so identical files are read once.

use super::Limits;
use super::RepoView;
use super::objects::Objects;
use super::read::{self, Files, Opener};
use super::repo_view::{Shared, SharedCache};
use git2::{Oid, Repository};
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

/// A read-only, lazily read view of every file in the index or in a commit.
pub struct TreeView {
    paths: Vec<String>,
    /// Regular files: (index into `paths`, blob id), sorted by path for binary search.
    blobs: Vec<(usize, Oid)>,
    /// The blob id of each of `paths`, if a regular file.
    by_index: Vec<Option<Oid>>,
    opener: Opener,
    repo: Mutex<Option<Repository>>,
    cache: Mutex<HashMap<Oid, Option<Arc<Vec<u8>>>>>,
    /// Results offered by [`RepoView::remember`], by memo name.
    seeded: Mutex<HashMap<String, memo::Map>>,
    shared: SharedCache,
    limits: Limits,
}

impl TreeView {
    pub(crate) fn new(files: Files, opener: Opener) -> Self {
        let Files { paths, mut blobs } = files;
        let mut by_index = vec![None; paths.len()];
        for &(i, oid) in &blobs {
            by_index[i] = Some(oid);
        }
        // Index and tree order are nearly sorted already, which the stable sort exploits.
        blobs.sort_by(|a, b| paths[a.0].cmp(&paths[b.0]));
        TreeView {
            paths,
            blobs,
            by_index,
            opener,
            repo: Mutex::new(None),
            cache: Mutex::new(HashMap::new()),
            seeded: Mutex::new(HashMap::new()),
            shared: SharedCache::default(),
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
        let objects = Objects::new(slot.as_ref()?).ok()?;
        read::read_text(&objects, oid, &self.limits).ok()
    }
}

impl RepoView for TreeView {
    fn paths(&self) -> &[String] {
        &self.paths
    }

    fn shared(&self, name: &'static str, build: &dyn Fn() -> Shared) -> Shared {
        self.shared.get(name, build)
    }

    /// From the repository's configuration; unreadable remotes are left out.
    fn remote_urls(&self) -> Vec<String> {
        let mut slot = lock(&self.repo);
        if slot.is_none() {
            *slot = self.opener.open().ok();
        }
        let Some(repo) = slot.as_ref() else {
            return Vec::new();
        };
        let Ok(names) = repo.remotes() else {
            return Vec::new();
        };
        names
            .iter()
            .filter_map(|name| {
                let remote = repo.find_remote(name.ok()??).ok()?;
                remote.url().ok().map(str::to_string)
            })
            .collect()
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
                        let Some(objects) = repo.as_ref().and_then(|r| Objects::new(r).ok()) else {
                            continue;
                        };
                        if let Ok(bytes) = read::read_text(&objects, oid, &self.limits) {
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

    /// Remembers results by (blob id, tag) in `<git common dir>/gitops-guard/<name>.cache`:
    /// content-addressed, so never stale; rewritten (atomically, best effort) only when new
    /// blobs were read, with the entries of this tree only, so it stays as large as the tree.
    fn remember(&self, name: &str, path: &str, tag: u8, value: Vec<u8>) {
        if let Some(oid) = self.oid(path) {
            lock(&self.seeded)
                .entry(name.to_string())
                .or_default()
                .insert((memo::id(oid), tag), value);
        }
    }

    fn memo_blobs(
        &self,
        name: &str,
        items: &[(usize, u8)],
        f: &(dyn Fn(usize, &[u8]) -> Vec<u8> + Sync),
    ) -> Vec<(usize, Vec<u8>)> {
        let file = self
            .git_dir()
            .map(|d| d.join("gitops-guard").join(format!("{name}.cache")));
        let (mut known, loaded) = file.as_deref().map(memo::load).unwrap_or_default();
        // What a scan offered and the file does not hold yet is new: written below.
        let mut new_keys = Vec::new();
        if let Some(seeded) = lock(&self.seeded).remove(name) {
            for (key, value) in seeded {
                if let std::collections::hash_map::Entry::Vacant(slot) = known.entry(key) {
                    slot.insert(value);
                    new_keys.push(key);
                }
            }
        }
        let mut out = Vec::new();
        let mut todo = Vec::new();
        let mut keys = Vec::with_capacity(items.len());
        for (i, &(path, tag)) in items.iter().enumerate() {
            let Some(oid) = self.by_index.get(path).copied().flatten() else {
                continue;
            };
            let key = (memo::id(oid), tag);
            keys.push(key);
            match known.get(&key) {
                Some(value) if value.is_empty() => {}
                Some(value) => out.push((i, value.clone())),
                None => todo.push(i),
            }
        }
        if !todo.is_empty() || !new_keys.is_empty() {
            let paths: Vec<&str> = todo
                .iter()
                .map(|&i| self.paths[items[i].0].as_str())
                .collect();
            let fresh = Mutex::new(Vec::new());
            self.for_each_blob(&paths, &|j, bytes| {
                let i = todo[j];
                let value = f(i, bytes);
                lock(&fresh).push((i, value));
            });
            let fresh = fresh
                .into_inner()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            for (i, value) in &fresh {
                if let Some(oid) = self.by_index.get(items[*i].0).copied().flatten() {
                    let key = (memo::id(oid), items[*i].1);
                    known.insert(key, value.clone());
                    new_keys.push(key);
                }
            }
            out.extend(fresh.into_iter().filter(|(_, v)| !v.is_empty()));
            if let Some(file) = &file {
                // An everyday commit adds a few records: append them. Rewrite with this tree's
                // entries only when the file is damaged or mostly stale, so it stays about as
                // large as the tree.
                let stale = loaded.records > 2 * keys.len() + 1024;
                if loaded.clean && loaded.records > 0 && !stale {
                    memo::append(file, &new_keys, &known);
                } else {
                    memo::save(file, &keys, &known);
                }
            }
        }
        out.sort_by_key(|(i, _)| *i);
        out
    }
}

impl TreeView {
    /// The git common directory (for caches), from the view's handle.
    fn git_dir(&self) -> Option<std::path::PathBuf> {
        let mut slot = lock(&self.repo);
        if slot.is_none() {
            *slot = Some(self.opener.open().ok()?);
        }
        Some(slot.as_ref()?.commondir().to_path_buf())
    }
}

/// The on-disk memo: `GGMEMO1\n`, then records `[oid len u8][oid][tag u8][len u32 LE][value]`.
mod memo {
    use git2::Oid;
    use std::collections::HashMap;
    use std::hash::{BuildHasherDefault, Hasher};
    use std::path::Path;

    const MAGIC: &[u8] = b"GGMEMO1\n";

    /// Keys are blob ids, uniformly random already: their first bytes are a good hash, and
    /// SipHash over 20 bytes for every file of the repository showed in the profile.
    #[derive(Default)]
    pub(super) struct IdHasher(u64);

    impl Hasher for IdHasher {
        fn write(&mut self, bytes: &[u8]) {
            let mut word = [0u8; 8];
            let n = bytes.len().min(8);
            word[..n].copy_from_slice(&bytes[..n]);
            self.0 = self.0.rotate_left(8) ^ u64::from_le_bytes(word);
        }
        fn write_u8(&mut self, b: u8) {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
        fn write_usize(&mut self, n: usize) {
            self.0 = self.0.rotate_left(8) ^ n as u64;
        }
        fn finish(&self) -> u64 {
            self.0
        }
    }

    /// A blob id's bytes: the memo's key, without a libgit2 call per record.
    pub(super) type Id = [u8; 20];

    pub(super) fn id(oid: Oid) -> Id {
        let mut id = [0u8; 20];
        let b = oid.as_bytes();
        let n = b.len().min(20);
        id[..n].copy_from_slice(&b[..n]);
        id
    }

    pub(super) type Map = HashMap<(Id, u8), Vec<u8>, BuildHasherDefault<IdHasher>>;

    /// What [`load`] found besides the values.
    #[derive(Default)]
    pub(super) struct Loaded {
        /// Records read (duplicates included).
        pub records: usize,
        /// The file ended exactly after its last record, so records can be appended.
        pub clean: bool,
    }

    pub(super) fn load(file: &Path) -> (Map, Loaded) {
        let mut map = Map::default();
        let mut loaded = Loaded::default();
        let Ok(bytes) = std::fs::read(file) else {
            return (map, loaded);
        };
        // A record takes 26 bytes or more: no rehashing while loading.
        map.reserve(bytes.len() / 26);
        let Some(mut rest) = bytes.strip_prefix(MAGIC) else {
            return (map, loaded);
        };
        // A truncated or foreign file yields what parsed so far: values are only ever
        // looked up by the id of the content they were computed from.
        while let Some((&n, tail)) = rest.split_first() {
            let n = usize::from(n);
            let Some(oid) = tail.get(..n).and_then(|b| Id::try_from(b).ok()) else {
                break;
            };
            let Some((&tag, tail)) = tail[n..].split_first() else {
                break;
            };
            let Some(len) = tail.get(..4) else { break };
            let len = u32::from_le_bytes([len[0], len[1], len[2], len[3]]) as usize;
            let Some(value) = tail.get(4..4 + len) else {
                break;
            };
            map.insert((oid, tag), value.to_vec());
            loaded.records += 1;
            rest = &tail[4 + len..];
        }
        loaded.clean = rest.is_empty();
        (map, loaded)
    }

    fn encode(out: &mut Vec<u8>, key: &(Id, u8), value: &[u8]) {
        let Ok(len) = u32::try_from(value.len()) else {
            return;
        };
        let oid = &key.0;
        out.push(oid.len() as u8);
        out.extend_from_slice(oid);
        out.push(key.1);
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(value);
    }

    /// Appends the records of `keys` in one write (best effort). A crash can leave a partial
    /// last record: the next [`load`] stops there, reports the file unclean, and it is
    /// rewritten.
    pub(super) fn append(file: &Path, keys: &[(Id, u8)], known: &Map) {
        use std::io::Write;
        let mut out = Vec::new();
        for key in keys {
            if let Some(value) = known.get(key) {
                encode(&mut out, key, value);
            }
        }
        if let Ok(mut f) = std::fs::OpenOptions::new().append(true).open(file) {
            let _ = f.write_all(&out);
        }
    }

    pub(super) fn save(file: &Path, keys: &[(Id, u8)], known: &Map) {
        let mut out = MAGIC.to_vec();
        for key in keys {
            if let Some(value) = known.get(key) {
                encode(&mut out, key, value);
            }
        }
        let Some(dir) = file.parent() else { return };
        if std::fs::create_dir_all(dir).is_err() {
            return;
        }
        // Best effort: a cache that cannot be written only costs the next run time.
        let name = file.file_name().unwrap_or_default().to_string_lossy();
        let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
        if std::fs::write(&tmp, &out).is_ok() && std::fs::rename(&tmp, file).is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
    }
}

/// Locks `m`, ignoring poisoning: the guarded data (a cache, a repository handle) stays valid
/// when a rule panics elsewhere.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}
