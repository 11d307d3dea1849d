//! Where bytes come from: the git index (staged content, exactly what the commit will
//! contain), every index entry (`--all`), explicit paths, or the commits of a range.
//!
//! Cross-file questions (the layout, CRD scopes, the version stream) go through a
//! [`RepoView`] of the whole index, commit or folder.
//!
//! Invariants: content is always read from git objects, never from the working tree; paths
//! are repository-relative with `/`; nothing is skipped silently (every skip is recorded).

mod attributes;
mod classify;
pub mod dir;
mod dircache;
mod index;
mod objects;
mod push;
mod range;
mod read;
mod repo_view;
#[cfg(all(test, unix))]
mod tests;
mod view;

pub use classify::classify_content;

/// The entries (path, merge stage) the index-file reader finds in `bytes`, or `None` when it
/// leaves the file to libgit2: for the fuzz target, which checks it never panics.
#[doc(hidden)]
pub fn parse_index_file(bytes: &[u8]) -> Option<Vec<(Vec<u8>, u16)>> {
    dircache::parse(bytes).map(|f| f.rows.into_iter().map(|r| (r.path, r.stage)).collect())
}
pub use index::Repo;
pub use read::{Pending, Read};
pub use repo_view::{NoRepo, RepoView, Shared, SharedCache};
pub use view::TreeView;

/// Where a candidate's bytes were read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// The index git will commit (honours `GIT_INDEX_FILE`).
    Index,
    /// A commit (hex id), for `--range` and `pre-receive`.
    Commit(String),
    /// A file on disk (`check --no-git`).
    Worktree,
}

/// A file to scan.
#[derive(Debug, Clone)]
pub struct Candidate {
    /// Repository-relative path with `/`, lossily decoded for display and matching.
    pub path: String,
    /// The path exactly as git stores it (may be non-UTF-8).
    pub raw_path: Vec<u8>,
    pub bytes: Vec<u8>,
    pub origin: Origin,
    /// The blob id of the content.
    pub oid: String,
    /// The index entry mode (e.g. 0o100644, 0o100755).
    pub mode: u32,
    /// `.gitattributes` (in the index) says `filter=git-crypt` for this path, yet the staged
    /// blob is plaintext (ciphertext is skipped before it gets here): git-crypt is locked or
    /// not installed, and the commit would publish the file.
    pub expects_git_crypt: bool,
}

/// Why an index entry was not scanned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SkipReason {
    Submodule,
    Symlink,
    LfsPointer,
    GitCrypt,
    IntentToAdd,
    Binary,
    /// Over the size limit: reported as a warning finding, never silently.
    TooLarge {
        size: u64,
        limit: u64,
    },
    /// An unmerged (conflict) entry; the commit cannot happen until it is resolved.
    Conflict,
}

impl std::fmt::Display for SkipReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SkipReason::Submodule => f.write_str("submodule (gitlink)"),
            SkipReason::Symlink => f.write_str("symbolic link"),
            SkipReason::LfsPointer => f.write_str("Git LFS pointer"),
            SkipReason::GitCrypt => f.write_str("git-crypt ciphertext"),
            SkipReason::IntentToAdd => f.write_str("intent-to-add entry (no content staged)"),
            SkipReason::Binary => f.write_str("binary content"),
            SkipReason::TooLarge { size, limit } => {
                write!(f, "{size} bytes, over the size limit of {limit} bytes")
            }
            SkipReason::Conflict => f.write_str("unmerged (conflicted) entry"),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Skipped {
    pub path: String,
    pub reason: SkipReason,
}

/// A file that could not be read: reported, and the run exits 2.
#[derive(Debug, Clone)]
pub struct ReadError {
    pub path: String,
    pub message: String,
}

/// What to scan.
#[derive(Debug, Clone)]
pub enum Selection {
    /// Entries the index adds or changes relative to HEAD (all entries on an unborn HEAD).
    Staged,
    /// Every index entry.
    All,
    /// Index entries at or below these paths (relative to the current directory).
    Paths(Vec<std::path::PathBuf>),
    /// Files added or changed by each commit of a revision range (`BASE..HEAD`).
    Range(String),
}

/// Limits applied while reading.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub max_file_size: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_file_size: 10 * 1024 * 1024,
        }
    }
}

/// The result of reading a selection.
#[derive(Debug, Default)]
pub struct ScanSet {
    pub candidates: Vec<Candidate>,
    pub skipped: Vec<Skipped>,
    pub errors: Vec<ReadError>,
    /// Every path in the index (or in the last commit of a range): the whole picture that
    /// cross-file rules (layout, CRD scopes, version stream) need.
    pub all_paths: Vec<String>,
    /// Selected blobs not read yet ([`Repo::collect_deferred`]): the engine reads and scans
    /// them one at a time, so a large selection never sits in memory all at once.
    pub pending: Pending,
}

impl From<git2::Error> for SourceError {
    fn from(e: git2::Error) -> Self {
        SourceError::Git(e)
    }
}

/// Errors opening or reading the repository as a whole (exit 2).
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    #[error("not inside a git repository (searched from {cwd}): {message}")]
    NotARepo { cwd: String, message: String },
    #[error(
        "the repository has no working tree and no index to scan (bare repository); use `gitops-guard pre-receive` or `--range` there"
    )]
    Bare,
    #[error("cannot read the git index: {}", .0.message())]
    Index(git2::Error),
    #[error("invalid revision range `{range}`: {message}")]
    Range { range: String, message: String },
    #[error("path `{0}` is outside the repository")]
    OutsideRepo(String),
    #[error("git error: {}", .0.message())]
    Git(git2::Error),
    #[error("cannot compare the index with HEAD: {0}")]
    Head(String),
}
