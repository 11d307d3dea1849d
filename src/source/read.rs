//! Reading the selected blobs: mode checks, the size limit (from the object header, before
//! anything is inflated), content classification, and the copy into a [`Candidate`].
//!
//! Large selections are read on the rayon pool with one repository handle per chunk, because
//! `git2::Repository` and `Odb` are not `Sync`. Output order always equals input order.

use super::classify::{classify_content, classify_mode};
use super::objects::{Objects, ReadFail};
use super::{Candidate, Limits, Origin, ReadError, ScanSet, SkipReason, Skipped};
use git2::{ObjectType, Oid, Repository};
use rayon::prelude::*;
use std::path::PathBuf;

/// Below this many blobs the thread hand-off and the extra repository handles cost more than
/// they save (an everyday commit touches a handful of files).
const PARALLEL_MIN: usize = 64;

/// One blob selected for reading.
#[derive(Debug)]
pub(crate) struct Entry {
    /// `.gitattributes` routes the path through git-crypt (see `Candidate::expects_git_crypt`).
    pub expects_git_crypt: bool,
    pub raw_path: Vec<u8>,
    pub oid: Oid,
    pub mode: u32,
    pub origin: Origin,
}

/// The files of a tree or index, for a [`super::TreeView`].
#[derive(Default)]
pub(crate) struct Files {
    /// Every non-tree path.
    pub paths: Vec<String>,
    /// The regular files among them: an index into `paths`, and the blob id.
    pub blobs: Vec<(usize, Oid)>,
}

/// How to open more handles on the same object database (per thread, or for a view).
#[derive(Debug, Clone)]
pub(crate) enum Opener {
    /// Like the main handle: from `GIT_DIR`, `GIT_OBJECT_DIRECTORY`, ... and the current
    /// directory. The environment holds the quarantine directories during `pre-receive`, so
    /// reopening by path alone could miss objects there.
    Env,
    /// The git directory of a repository opened with [`super::Repo::open_at`].
    Path(PathBuf),
}

impl Opener {
    pub(crate) fn open(&self) -> Result<Repository, git2::Error> {
        match self {
            Opener::Env => Repository::open_from_env(),
            Opener::Path(git_dir) => Repository::open(git_dir),
        }
    }
}

/// What reading one selected blob gives.
#[derive(Debug)]
pub enum Read {
    Scan(Candidate),
    Skip(Skipped),
    Error(ReadError),
}

use Read as Outcome;

/// Selected blobs that are read on demand, in parallel, with one repository handle per rayon
/// job ([`Pending::map`]).
#[derive(Debug, Default)]
pub struct Pending {
    entries: Vec<Entry>,
    opener: Option<Opener>,
    limits: Limits,
}

impl Pending {
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Whether every entry is read from the index (not from commits of a range).
    pub fn all_from_index(&self) -> bool {
        self.entries.iter().all(|e| e.origin == Origin::Index)
    }

    /// Moves the entries whose raw path satisfies `pred` into a new `Pending` (order kept).
    pub fn split_off(&mut self, pred: impl Fn(&[u8]) -> bool) -> Pending {
        let (taken, kept) = std::mem::take(&mut self.entries)
            .into_iter()
            .partition(|e| pred(&e.raw_path));
        self.entries = kept;
        Pending {
            entries: taken,
            opener: self.opener.clone(),
            limits: self.limits,
        }
    }

    /// Reads every blob and hands it to `f` as soon as it is read; the results come back in
    /// selection order. `serial` reads (and calls `f`) on the current thread only.
    pub fn map<T: Send>(self, serial: bool, f: impl Fn(Read) -> T + Sync + Send) -> Vec<T> {
        let Pending {
            entries,
            opener,
            limits,
        } = self;
        let Some(opener) = opener else {
            return Vec::new();
        };
        let open = || opener.open().map_err(|e| e.message().to_owned());
        if serial || rayon::current_num_threads() < 2 {
            let handle = open();
            entries
                .into_iter()
                .map(|entry| f(read_via(&handle, entry, &limits)))
                .collect()
        } else if entries.len() < PARALLEL_MIN {
            // An everyday commit: one handle per thread, each thread taking the next blob as
            // it finishes one (blob sizes vary a lot; a fixed split leaves a core idle).
            let threads = rayon::current_num_threads().min(entries.len());
            let next = std::sync::atomic::AtomicUsize::new(0);
            let slots: Vec<std::sync::Mutex<Option<Entry>>> = entries
                .into_iter()
                .map(|e| std::sync::Mutex::new(Some(e)))
                .collect();
            let per_thread: Vec<Vec<(usize, T)>> = (0..threads)
                .into_par_iter()
                .map(|_| {
                    let handle = open();
                    let mut out = Vec::new();
                    loop {
                        let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        let Some(slot) = slots.get(i) else { break };
                        let entry = slot
                            .lock()
                            .unwrap_or_else(std::sync::PoisonError::into_inner)
                            .take();
                        if let Some(entry) = entry {
                            out.push((i, f(read_via(&handle, entry, &limits))));
                        }
                    }
                    out
                })
                .collect();
            let mut all: Vec<(usize, T)> = per_thread.into_iter().flatten().collect();
            all.sort_by_key(|(i, _)| *i);
            all.into_iter().map(|(_, t)| t).collect()
        } else {
            // `map_init` opens a handle per rayon job (a few per thread), not per blob:
            // `Repository` is `Send` but not `Sync`.
            entries
                .into_par_iter()
                .with_min_len(8)
                .map_init(open, |handle, entry| f(read_via(handle, entry, &limits)))
                .collect()
        }
    }
}

fn read_via(handle: &Result<Repository, String>, entry: Entry, limits: &Limits) -> Outcome {
    match handle
        .as_ref()
        .map_err(String::clone)
        .and_then(|r| Objects::new(r).map_err(|e| e.message().to_owned()))
    {
        Ok(objects) => read_one(&objects, entry, limits),
        Err(e) => Outcome::Error(ReadError {
            path: lossy(&entry.raw_path),
            message: format!("cannot open the object database: {e}"),
        }),
    }
}

/// Reads `entries` into `out`, in order; with `defer`, a selection large enough to be read in
/// parallel is left in `out.pending` instead.
pub(crate) fn read_entries(
    repo: &Repository,
    opener: &Opener,
    entries: Vec<Entry>,
    limits: &Limits,
    defer: bool,
    out: &mut ScanSet,
) {
    let threads = rayon::current_num_threads();
    // Deferred, the engine reads each blob on the thread that scans it: a large selection
    // never sits in memory at once, and a small one is read on both cores.
    if defer && (entries.len() >= PARALLEL_MIN || (threads >= 2 && entries.len() >= 2)) {
        out.pending = Pending {
            entries,
            opener: Some(opener.clone()),
            limits: *limits,
        };
        return;
    }
    let outcomes: Vec<Outcome> = if entries.len() < PARALLEL_MIN || threads < 2 {
        read_chunk(Ok(repo), entries, limits)
    } else {
        // A few chunks per thread balance uneven blob sizes while keeping the number of
        // repository handles (each reads the config files) small.
        let chunk_len = entries.len().div_ceil(threads * 4);
        let mut chunks = Vec::with_capacity(threads * 4);
        let mut rest = entries.into_iter();
        loop {
            let chunk: Vec<Entry> = rest.by_ref().take(chunk_len).collect();
            if chunk.is_empty() {
                break;
            }
            chunks.push(chunk);
        }
        let per_chunk: Vec<Vec<Outcome>> = chunks
            .into_par_iter()
            .map(|chunk| {
                let handle = opener.open();
                let repo = handle.as_ref().map_err(|e| e.message().to_owned());
                read_chunk(repo, chunk, limits)
            })
            .collect();
        per_chunk.into_iter().flatten().collect()
    };
    for outcome in outcomes {
        match outcome {
            Outcome::Scan(c) => out.candidates.push(c),
            Outcome::Skip(s) => out.skipped.push(s),
            Outcome::Error(e) => out.errors.push(e),
        }
    }
}

fn read_chunk(
    repo: Result<&Repository, String>,
    entries: Vec<Entry>,
    limits: &Limits,
) -> Vec<Outcome> {
    let objects = match repo.and_then(|r| Objects::new(r).map_err(|e| e.message().to_owned())) {
        Ok(objects) => objects,
        Err(e) => {
            let message = format!("cannot open the object database: {e}");
            return entries
                .into_iter()
                .map(|entry| {
                    Outcome::Error(ReadError {
                        path: lossy(&entry.raw_path),
                        message: message.clone(),
                    })
                })
                .collect();
        }
    };
    entries
        .into_iter()
        .map(|entry| read_one(&objects, entry, limits))
        .collect()
}

fn read_one(objects: &Objects<'_>, entry: Entry, limits: &Limits) -> Outcome {
    let path = lossy(&entry.raw_path);
    if let Some(reason) = classify_mode(entry.mode) {
        return Outcome::Skip(Skipped { path, reason });
    }
    match read_text(objects, entry.oid, limits) {
        Ok(bytes) => Outcome::Scan(Candidate {
            path,
            raw_path: entry.raw_path,
            bytes,
            origin: entry.origin,
            oid: entry.oid.to_string(),
            mode: entry.mode,
            expects_git_crypt: entry.expects_git_crypt,
        }),
        Err(Unreadable::Skip(reason)) => Outcome::Skip(Skipped { path, reason }),
        Err(Unreadable::Error(message)) => Outcome::Error(ReadError { path, message }),
    }
}

/// Why a blob's bytes are not returned.
pub(crate) enum Unreadable {
    Skip(SkipReason),
    Error(String),
}

/// Reads a blob that is to be scanned as text: size-checked from the header first, so an
/// oversized blob is never inflated.
pub(crate) fn read_text(
    objects: &Objects<'_>,
    oid: Oid,
    limits: &Limits,
) -> Result<Vec<u8>, Unreadable> {
    let data = match objects.read(oid, limits.max_file_size) {
        Ok((ObjectType::Blob, data)) => data,
        Ok((kind, _)) => {
            return Err(Unreadable::Error(format!(
                "object {oid} is a {kind}, not a blob"
            )));
        }
        Err(ReadFail::TooLarge(size)) => {
            return Err(Unreadable::Skip(SkipReason::TooLarge {
                size,
                limit: limits.max_file_size,
            }));
        }
        Err(ReadFail::Error(e)) => return Err(Unreadable::Error(e)),
    };
    if let Some(reason) = classify_content(&data) {
        return Err(Unreadable::Skip(reason));
    }
    Ok(data)
}

/// A path for display and matching; invalid UTF-8 becomes U+FFFD.
pub(crate) fn lossy(raw: &[u8]) -> String {
    String::from_utf8_lossy(raw).into_owned()
}

/// [`lossy`] without a copy when the bytes are valid UTF-8 (nearly always).
pub(crate) fn into_string_lossy(raw: Vec<u8>) -> String {
    String::from_utf8(raw).unwrap_or_else(|e| lossy(e.as_bytes()))
}
