//! Opening the repository and selecting index entries (`Staged`, `All`, `Paths`).
//!
//! The index is the one git will commit: [`Repo::open`] uses `open_from_env`, which honours
//! `GIT_INDEX_FILE` (set by git for `commit -a` / `commit <path>`), `GIT_DIR` and
//! `GIT_WORK_TREE`; `Repository::discover`/`open` would read `.git/index` instead.
//! Content always comes from index blobs, never from the working tree.

use super::attributes::GitCryptAttrs;
use super::dircache::{self, IndexFile, Row};
use super::objects::Objects;
use super::range;
use super::read::{self, Entry, Files, Opener, into_string_lossy, lossy};
use super::view::TreeView;
use super::{Limits, Origin, ScanSet, Selection, SkipReason, Skipped, SourceError};
use git2::{ErrorCode, Index, IndexEntryExtendedFlag, Oid, Repository, RepositoryOpenFlags};
use std::collections::HashSet;
use std::path::{Component, Path, PathBuf};

/// Bits 12–13 of an index entry's flags hold its merge stage (0 = merged).
const STAGE_SHIFT: u16 = 12;
const STAGE_MASK: u16 = 0x3000;

/// An opened repository, discovered the way git itself does (honouring `GIT_DIR`,
/// `GIT_INDEX_FILE`, `GIT_WORK_TREE`, ...).
pub struct Repo {
    repo: Repository,
    /// Opens further handles on the same objects (parallel reads, views).
    opener: Opener,
    /// The canonical work tree root; `None` in a bare repository.
    root: Option<PathBuf>,
    /// The canonical directory that relative [`Selection::Paths`] are resolved against.
    cwd: Option<PathBuf>,
    /// The index file git will commit: `GIT_INDEX_FILE`, or the (work tree's) git dir's
    /// `index`, as libgit2 resolves it.
    index_path: PathBuf,
}

impl Repo {
    /// Opens the repository from the environment and the current directory, as git does in a
    /// hook: `GIT_DIR`, `GIT_WORK_TREE`, `GIT_INDEX_FILE`, `GIT_OBJECT_DIRECTORY`, ... are
    /// honoured, and relative [`Selection::Paths`] resolve against the current directory.
    ///
    /// Turns off libgit2's process-wide re-hashing of objects on read (as git does).
    pub fn open() -> Result<Repo, SourceError> {
        let cwd = std::env::current_dir().ok();
        let repo = Repository::open_from_env().map_err(|source| SourceError::NotARepo {
            cwd: cwd
                .as_ref()
                .map(|p| p.display().to_string())
                .unwrap_or_default(),
            message: source.message().to_string(),
        })?;
        // libgit2 opens a relative `GIT_INDEX_FILE` against the current directory too.
        let index_path = std::env::var_os("GIT_INDEX_FILE")
            .filter(|v| !v.is_empty())
            .map_or_else(|| repo.path().join("index"), PathBuf::from);
        Ok(Repo::new(repo, Opener::Env, cwd, index_path))
    }

    /// Opens the repository containing `dir` as if the process ran in `dir`, without reading
    /// the environment: for tests and embedding. `index_file` stands in for `GIT_INDEX_FILE`
    /// (a relative path resolves against `dir`).
    pub fn open_at(dir: &Path, index_file: Option<&Path>) -> Result<Repo, SourceError> {
        let repo = Repository::open_ext(dir, RepositoryOpenFlags::empty(), [] as [&Path; 0])
            .map_err(|source| SourceError::NotARepo {
                cwd: dir.display().to_string(),
                message: source.message().to_string(),
            })?;
        let index_path = match index_file {
            Some(file) => {
                let path = dir.join(file);
                let mut index = Index::open(&path).map_err(SourceError::Index)?;
                repo.set_index(&mut index).map_err(SourceError::Index)?;
                path
            }
            None => repo.path().join("index"),
        };
        let opener = Opener::Path(repo.path().to_path_buf());
        Ok(Repo::new(repo, opener, Some(dir.to_path_buf()), index_path))
    }

    fn new(repo: Repository, opener: Opener, cwd: Option<PathBuf>, index_path: PathBuf) -> Repo {
        // libgit2 re-hashes every object it reads (SHA-1 with collision detection), which
        // doubles the cost of reading blobs; git itself does not verify on read either (only
        // fsck does). Whoever can write `.git/objects` can rewrite the hooks anyway. The
        // option is process-wide, so set it once.
        static FAST_READS: std::sync::Once = std::sync::Once::new();
        FAST_READS.call_once(|| git2::opts::strict_hash_verification(false));
        // Canonical forms, so that paths given through a symlinked directory (macOS `/tmp`,
        // a symlinked checkout) still land inside the work tree.
        let canonical = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
        let root = repo.workdir().map(canonical);
        let cwd = cwd.as_deref().map(canonical);
        Repo {
            repo,
            opener,
            root,
            cwd,
            index_path,
        }
    }

    /// The underlying git2 repository.
    pub fn git(&self) -> &Repository {
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

    /// The current directory relative to the work tree root, with `/` (empty at the root);
    /// `None` in a bare repository or when the current directory is outside the work tree.
    pub fn cwd_prefix(&self) -> Option<String> {
        let rel = self
            .cwd
            .as_deref()?
            .strip_prefix(self.root.as_deref()?)
            .ok()?;
        Some(lossy(&git_path_bytes(rel)))
    }

    /// Reads the selection.
    pub fn collect(&self, sel: &Selection, limits: &Limits) -> Result<ScanSet, SourceError> {
        self.collect_with(sel, limits, false)
    }

    /// Like [`Repo::collect`], but the selection is left in [`ScanSet::pending`], to be read
    /// while it is scanned ([`crate::engine::scan`]): memory stays bounded by the blobs in
    /// flight instead of growing with the whole selection, and each thread reads what it
    /// scans. A single blob (or a single thread) is read now, exactly as by `collect`.
    pub fn collect_deferred(
        &self,
        sel: &Selection,
        limits: &Limits,
    ) -> Result<ScanSet, SourceError> {
        self.collect_with(sel, limits, true)
    }

    /// [`Repo::collect`] (or, with `defer`, [`Repo::collect_deferred`]) and [`Repo::view`]
    /// together, reading the index once. For index selections the paths of
    /// [`ScanSet::all_paths`] move into the view (`view.paths()`), rather than being copied.
    pub fn collect_and_view(
        &self,
        sel: &Selection,
        limits: &Limits,
        defer: bool,
    ) -> Result<(ScanSet, TreeView), SourceError> {
        let (mut set, files) = self.collect_files(sel, limits, defer)?;
        let view = match files {
            Some(mut files) => {
                files.paths = std::mem::take(&mut set.all_paths);
                TreeView::new(files, self.opener.clone()).with_limits(*limits)
            }
            None => self.view(sel)?,
        };
        Ok((set, view))
    }

    fn collect_with(
        &self,
        sel: &Selection,
        limits: &Limits,
        defer: bool,
    ) -> Result<ScanSet, SourceError> {
        Ok(self.collect_files(sel, limits, defer)?.0)
    }

    /// The selection, and for index selections the blobs of the index for a view (whose
    /// paths are `all_paths`).
    fn collect_files(
        &self,
        sel: &Selection,
        limits: &Limits,
        defer: bool,
    ) -> Result<(ScanSet, Option<Files>), SourceError> {
        let (mut out, files) = match sel {
            Selection::Range(spec) => (
                range::collect(&self.repo, &self.opener, spec, limits, defer)?,
                None,
            ),
            Selection::Staged => with_files(self.collect_index(Scope::Staged, limits, defer)?),
            Selection::All => with_files(self.collect_index(Scope::All, limits, defer)?),
            Selection::Paths(paths) => {
                let set = self.resolve_paths(paths)?;
                with_files(self.collect_index(Scope::Paths(&set), limits, defer)?)
            }
        };
        // Pre-read skips (conflicts, intent-to-add) and read skips arrive separately.
        out.skipped.sort_by(|a, b| a.path.cmp(&b.path));
        Ok((out, files))
    }

    /// Flags the entries that `.gitattributes` (as staged) routes through git-crypt, so a
    /// plaintext blob among them is reported. Only looks when the index has a
    /// `.gitattributes` that can set `filter`, so ordinary repositories pay nothing.
    fn mark_git_crypt(&self, attributes: &[(Vec<u8>, Oid)], entries: &mut [Entry]) {
        if attributes.is_empty() || entries.is_empty() {
            return;
        }
        let staged: Vec<(&[u8], Oid)> =
            attributes.iter().map(|(p, o)| (p.as_slice(), *o)).collect();
        match GitCryptAttrs::load(&self.repo, &staged) {
            Ok(None) => {}
            Ok(Some(attrs)) => {
                for e in entries {
                    e.expects_git_crypt = attrs.is_git_crypt(&e.raw_path);
                }
            }
            // A line our reader does not handle: ask libgit2 (which loads the whole index).
            Err(()) => {
                for e in entries {
                    let filter = self.repo.get_attr_bytes(
                        Path::new(&lossy(&e.raw_path)),
                        "filter",
                        git2::AttrCheckFlags::INDEX_ONLY,
                    );
                    e.expects_git_crypt =
                        matches!(filter, Ok(Some(v)) if super::attributes::is_git_crypt_filter(v));
                }
            }
        }
    }

    /// A lazy, cached view of every file in the index (or, for a range, in its tip commit),
    /// for cross-file rules. Uses the default [`Limits`]; see [`TreeView::with_limits`].
    pub fn view(&self, sel: &Selection) -> Result<TreeView, SourceError> {
        let files = match sel {
            Selection::Range(spec) => {
                let tip = range::tip_tree(&self.repo, spec)?;
                range::tree_files(&self.repo, &tip)?
            }
            Selection::Staged | Selection::All | Selection::Paths(_) => {
                self.require_workdir()?;
                let index = self.load_index()?;
                let mut files = Files::default();
                files.paths.reserve(index.rows.len());
                files.blobs.reserve(index.rows.len());
                for row in index.rows.into_iter().filter(|r| r.stage == 0) {
                    if !row.intent_to_add && super::classify::is_regular(row.mode) {
                        files.blobs.push((files.paths.len(), row.oid));
                    }
                    files.paths.push(into_string_lossy(row.path));
                }
                files
            }
        };
        Ok(TreeView::new(files, self.opener.clone()))
    }

    /// The content of `path` in the index (or `None`), for cross-file lookups such as the
    /// version stream or CRDs; never used for the files being scanned. `None` also for
    /// non-regular, binary, encrypted, LFS or oversized entries.
    pub fn index_content(&self, path: &str) -> Option<Vec<u8>> {
        let index = self.load_index().ok()?;
        let row = index
            .rows
            .iter()
            .find(|r| r.stage == 0 && r.path == path.as_bytes())?;
        if row.intent_to_add || !super::classify::is_regular(row.mode) {
            return None;
        }
        let objects = Objects::new(&self.repo).ok()?;
        read::read_text(&objects, row.oid, &Limits::default()).ok()
    }

    fn require_workdir(&self) -> Result<(), SourceError> {
        if self.repo.is_bare() || self.root.is_none() {
            return Err(SourceError::Bare);
        }
        Ok(())
    }

    /// The entries and cache-tree of the index git will commit: read directly when the
    /// format allows (see [`dircache`]), through libgit2 otherwise.
    fn load_index(&self) -> Result<IndexFile, SourceError> {
        if let Some(file) = dircache::read(&self.index_path) {
            return Ok(file);
        }
        let index = self.index()?;
        let rows = index
            .iter()
            .map(|e| Row {
                stage: (e.flags & STAGE_MASK) >> STAGE_SHIFT,
                intent_to_add: e.flags_extended & IndexEntryExtendedFlag::INTENT_TO_ADD.bits() != 0,
                oid: e.id,
                mode: e.mode,
                path: e.path,
            })
            .collect();
        Ok(IndexFile {
            rows,
            cache_tree: None,
        })
    }

    /// The index git will commit, refreshed if the file changed since it was loaded.
    fn index(&self) -> Result<Index, SourceError> {
        let mut index = self.repo.index().map_err(SourceError::Index)?;
        index.read(false).map_err(SourceError::Index)?;
        Ok(index)
    }

    /// One pass over the index: `all_paths`, conflicts, and the selected entries.
    fn collect_index(
        &self,
        scope: Scope<'_>,
        limits: &Limits,
        defer: bool,
    ) -> Result<(ScanSet, Files), SourceError> {
        self.require_workdir()?;
        let index = self.load_index()?;
        // `None` selects every entry: `All`, or `Staged` on an unborn HEAD (no commit yet,
        // so everything in the index is new).
        let changed = match scope {
            Scope::Staged => match self.head_commit()? {
                Some(commit) => {
                    let objects = Objects::new(&self.repo)?;
                    let tree = objects.commit_tree(commit).map_err(SourceError::Head)?;
                    Some(
                        dircache::changed_rows(
                            &objects,
                            &tree,
                            &index.rows,
                            index.cache_tree.as_ref(),
                        )
                        .map_err(SourceError::Head)?,
                    )
                }
                None => None,
            },
            Scope::All | Scope::Paths(_) => None,
        };
        let selected = |i: usize, path: &[u8]| match scope {
            Scope::Paths(set) => set.matches(path),
            Scope::Staged | Scope::All => changed.as_ref().is_none_or(|c| c[i]),
        };

        let mut out = ScanSet::default();
        out.all_paths.reserve(index.rows.len());
        let mut files = Files::default();
        let mut entries = Vec::new();
        let mut attributes = Vec::new();
        let mut last_conflict: Option<Vec<u8>> = None;
        for (i, entry) in index.rows.into_iter().enumerate() {
            if entry.stage != 0 {
                // Every conflict blocks the commit, so `Staged` reports them all. The stages of
                // one path are adjacent in the index: record the path once.
                let wanted = !matches!(scope, Scope::Paths(set) if !set.matches(&entry.path));
                if wanted && last_conflict.as_ref() != Some(&entry.path) {
                    out.skipped.push(Skipped {
                        path: lossy(&entry.path),
                        reason: SkipReason::Conflict,
                    });
                    last_conflict = Some(entry.path);
                }
                continue;
            }
            if (entry.path == b".gitattributes" || entry.path.ends_with(b"/.gitattributes"))
                && super::classify::is_regular(entry.mode)
                && !entry.intent_to_add
            {
                attributes.push((entry.path.clone(), entry.oid));
            }
            if selected(i, &entry.path) {
                if entry.intent_to_add {
                    // `git add -N`: the index holds the empty blob as a placeholder.
                    out.skipped.push(Skipped {
                        path: lossy(&entry.path),
                        reason: SkipReason::IntentToAdd,
                    });
                } else {
                    entries.push(Entry {
                        expects_git_crypt: false,
                        raw_path: entry.path.clone(),
                        oid: entry.oid,
                        mode: entry.mode,
                        origin: Origin::Index,
                    });
                }
            }
            if !entry.intent_to_add && super::classify::is_regular(entry.mode) {
                files.blobs.push((out.all_paths.len(), entry.oid));
            }
            out.all_paths.push(into_string_lossy(entry.path));
        }
        self.mark_git_crypt(&attributes, &mut entries);
        read::read_entries(&self.repo, &self.opener, entries, limits, defer, &mut out);
        Ok((out, files))
    }

    /// HEAD's commit, or `None` on an unborn branch. (Its objects are read by [`Objects`]:
    /// libgit2 hangs on a truncated loose object.)
    fn head_commit(&self) -> Result<Option<Oid>, SourceError> {
        match self.repo.head() {
            Ok(head) => match head.target() {
                Some(oid) => Ok(Some(oid)),
                None => Err(SourceError::Head("HEAD names no commit".into())),
            },
            Err(e) if matches!(e.code(), ErrorCode::UnbornBranch | ErrorCode::NotFound) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// The command-line paths that name no entry of the index (`index_paths`, every path
    /// of it) and no file HEAD has (a staged deletion): a typo or an untracked file would
    /// otherwise pass as "0 files scanned". Each comes with whether it exists on disk
    /// (untracked) or not at all.
    pub fn unmatched_paths(
        &self,
        paths: &[PathBuf],
        index_paths: &[String],
    ) -> Result<Vec<(PathBuf, bool)>, SourceError> {
        let root = self.root.as_deref().ok_or(SourceError::Bare)?;
        let base = self.cwd.as_deref().unwrap_or(root);
        // The index is sorted: a binary search per path settles the everyday case.
        let found = |b: &[u8]| {
            let at = index_paths.partition_point(|p| p.as_bytes() < b);
            let folder = [b, b"/"].concat();
            let below = index_paths.partition_point(|p| p.as_bytes() < folder.as_slice());
            index_paths.get(at).is_some_and(|p| p.as_bytes() == b)
                || index_paths
                    .get(below)
                    .is_some_and(|p| p.as_bytes().starts_with(&folder))
        };
        let mut wanted: Vec<(Vec<u8>, &PathBuf)> = Vec::with_capacity(paths.len());
        for p in paths {
            // From the root, a plain relative path (how pre-commit passes them) is looked up
            // as it is; anything else is resolved as the scan resolved it.
            let plain = base == root
                && p.components().all(|c| matches!(c, Component::Normal(_)))
                && p.to_str().is_some_and(|s| found(s.as_bytes()));
            if plain {
                continue;
            }
            let set = self.resolve_paths(std::slice::from_ref(p))?;
            if set.everything {
                continue;
            }
            wanted.extend(set.prefixes.into_iter().map(|b| (b, p)));
        }
        if wanted.is_empty() {
            return Ok(Vec::new());
        }
        let mut pending: HashSet<&[u8]> = wanted
            .iter()
            .map(|(b, _)| b.as_slice())
            .filter(|b| !found(b))
            .collect();
        // What it did not find is confirmed by one pass over the index, each path and its
        // folders looked up (as PathSet does), in case lossily decoded paths broke the order.
        for path in index_paths {
            if pending.is_empty() {
                break;
            }
            let path = path.as_bytes();
            pending.remove(path);
            for i in memchr::memchr_iter(b'/', path) {
                pending.remove(&path[..i]);
            }
        }
        let head = self.repo.head().ok().and_then(|h| h.peel_to_tree().ok());
        Ok(wanted
            .iter()
            .filter(|(b, _)| pending.contains(b.as_slice()))
            // A staged deletion (in HEAD, gone from the index) leaves nothing to check.
            .filter(|(b, _)| {
                let rel = Path::new(std::str::from_utf8(b).unwrap_or_default());
                head.as_ref().is_none_or(|t| t.get_path(rel).is_err())
            })
            .map(|(_, p)| {
                let on_disk = base.join(p).symlink_metadata().is_ok();
                ((*p).clone(), on_disk)
            })
            .collect())
    }

    /// Resolves user paths (relative to the current directory, or absolute) to
    /// repository-relative prefixes.
    fn resolve_paths(&self, paths: &[PathBuf]) -> Result<PathSet, SourceError> {
        let root = self.root.as_deref().ok_or(SourceError::Bare)?;
        let base = self.cwd.as_deref().unwrap_or(root);
        let mut set = PathSet::default();
        for p in paths {
            let full = canonical_parent(&normalize(&base.join(p)));
            let rel = full
                .strip_prefix(root)
                .map_err(|_| SourceError::OutsideRepo(p.display().to_string()))?;
            let bytes = git_path_bytes(rel);
            if bytes.is_empty() {
                set.everything = true;
            } else {
                set.prefixes.insert(bytes);
            }
        }
        Ok(set)
    }
}

fn with_files((set, files): (ScanSet, Files)) -> (ScanSet, Option<Files>) {
    (set, Some(files))
}

/// Which index entries `collect_index` selects.
#[derive(Clone, Copy)]
enum Scope<'a> {
    Staged,
    All,
    Paths(&'a PathSet),
}

/// Repository-relative paths (files or directories) from the command line.
#[derive(Default)]
struct PathSet {
    /// The work tree root itself was given.
    everything: bool,
    prefixes: HashSet<Vec<u8>>,
}

impl PathSet {
    /// Whether `path` is one of the prefixes or lies below one: checks the path and each of
    /// its ancestors, so thousands of paths (pre-commit `--all-files`) cost one hash lookup per
    /// path component.
    fn matches(&self, path: &[u8]) -> bool {
        self.everything
            || self.prefixes.contains(path)
            || memchr::memchr_iter(b'/', path).any(|i| self.prefixes.contains(&path[..i]))
    }
}

/// Removes `.` and resolves `..` lexically (the path may not exist).
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// Canonicalizes the longest existing ancestor of `path` and re-appends the rest. The last
/// component is never resolved: a symlink committed in the repository names itself, and a
/// deleted file has nothing to resolve.
fn canonical_parent(path: &Path) -> PathBuf {
    let mut tail = Vec::new();
    let mut cur = path;
    while let (Some(parent), Some(name)) = (cur.parent(), cur.file_name()) {
        tail.push(name);
        if let Ok(mut out) = std::fs::canonicalize(parent) {
            out.extend(tail.iter().rev());
            return out;
        }
        cur = parent;
    }
    path.to_path_buf()
}

/// A relative path as git spells it: the raw bytes, `/`-separated.
fn git_path_bytes(rel: &Path) -> Vec<u8> {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        rel.as_os_str().as_bytes().to_vec()
    }
    #[cfg(not(unix))]
    {
        let parts: Vec<String> = rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        parts.join("/").into_bytes()
    }
}
