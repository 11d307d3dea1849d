//! `--range BASE..TIP`: the files each commit of the range adds or changes relative to its
//! first parent, read from that commit. Works in bare repositories (`pre-receive`).
//!
//! A BASE of all zeros (git's null id, which `pre-receive` gets for a new ref) means "the
//! commits of TIP that no existing ref reaches", like `git rev-list TIP --not --all`.

use super::read::{self, Entry, Files, Opener, lossy};
use super::{Limits, Origin, ScanSet, SourceError};
use git2::{Delta, DiffOptions, ErrorCode, ObjectType, Oid, Repository, Sort, Tree};
use std::collections::HashSet;

/// Collects the range `spec` (`A..B`).
pub(crate) fn collect(
    repo: &Repository,
    opener: &Opener,
    spec: &str,
    limits: &Limits,
    defer: bool,
) -> Result<ScanSet, SourceError> {
    let (base, tip) = parse(repo, spec)?;
    let mut walk = repo.revwalk()?;
    // Oldest first, so a file is attributed to the commit that introduced its content.
    walk.set_sorting(Sort::TOPOLOGICAL | Sort::REVERSE)?;
    walk.push(tip)?;
    match base {
        Base::Commit(base) => walk.hide(base)?,
        // In pre-receive the pushed refs are not updated yet, so every ref is "old".
        Base::ExistingRefs => walk.hide_glob("refs/*")?,
    }

    let mut opts = DiffOptions::new();
    opts.include_typechange(true).skip_binary_check(true);
    let mut seen: HashSet<(Vec<u8>, Oid)> = HashSet::new();
    let mut entries = Vec::new();
    for id in walk {
        let id = id?;
        let commit = repo.find_commit(id)?;
        let tree = commit.tree()?;
        let parent_tree = if commit.parent_count() == 0 {
            None
        } else {
            match commit.parent(0) {
                Ok(parent) => Some(parent.tree()?),
                // A shallow clone's boundary: the parent is not here, so treat the commit like
                // a root commit and scan everything it holds rather than nothing.
                Err(e) if e.code() == ErrorCode::NotFound => None,
                Err(e) => return Err(e.into()),
            }
        };
        let diff = repo.diff_tree_to_tree(parent_tree.as_ref(), Some(&tree), Some(&mut opts))?;
        let origin = Origin::Commit(id.to_string());
        for delta in diff.deltas() {
            if !matches!(
                delta.status(),
                Delta::Added | Delta::Modified | Delta::Renamed | Delta::Copied | Delta::Typechange
            ) {
                continue;
            }
            let new = delta.new_file();
            let Some(path) = new.path_bytes() else {
                continue;
            };
            if seen.insert((path.to_vec(), new.id())) {
                entries.push(Entry {
                    expects_git_crypt: false,
                    raw_path: path.to_vec(),
                    oid: new.id(),
                    mode: u32::from(new.mode()),
                    origin: origin.clone(),
                });
            }
        }
    }

    let tip_tree = repo.find_commit(tip)?.tree()?;
    let mut out = ScanSet::default();
    walk_files(repo, &tip_tree, &mut |path, _, _| {
        out.all_paths.push(lossy(path))
    })?;
    read::read_entries(repo, opener, entries, limits, defer, &mut out);
    Ok(out)
}

/// The tree of the range's tip commit.
pub(crate) fn tip_tree<'r>(repo: &'r Repository, spec: &str) -> Result<Tree<'r>, SourceError> {
    let (_, tip) = parse(repo, spec)?;
    Ok(repo.find_commit(tip)?.tree()?)
}

/// Every non-tree path in `tree`, and the regular files among them with their blob ids.
pub(crate) fn tree_files(repo: &Repository, tree: &Tree<'_>) -> Result<Files, SourceError> {
    let mut files = Files::default();
    walk_files(repo, tree, &mut |path, id, mode| {
        if super::classify::is_regular(mode) {
            files.blobs.push((files.paths.len(), id));
        }
        files.paths.push(lossy(path));
    })?;
    Ok(files)
}

/// Calls `f(path, id, mode)` for every non-tree entry below `tree`, depth first.
///
/// Hand-rolled rather than `Tree::walk`, whose callback gets the directory as `&str` and
/// aborts on a non-UTF-8 directory name.
fn walk_files(
    repo: &Repository,
    tree: &Tree<'_>,
    f: &mut dyn FnMut(&[u8], Oid, u32),
) -> Result<(), SourceError> {
    fn go(
        repo: &Repository,
        tree: &Tree<'_>,
        prefix: &mut Vec<u8>,
        f: &mut dyn FnMut(&[u8], Oid, u32),
    ) -> Result<(), SourceError> {
        for entry in tree.iter() {
            let len = prefix.len();
            prefix.extend_from_slice(entry.name_bytes());
            if entry.kind() == Some(ObjectType::Tree) {
                prefix.push(b'/');
                let sub = repo.find_tree(entry.id())?;
                go(repo, &sub, prefix, f)?;
            } else {
                // Tree entry modes are small non-negative octal numbers.
                f(
                    prefix,
                    entry.id(),
                    u32::try_from(entry.filemode_raw()).unwrap_or(0),
                );
            }
            prefix.truncate(len);
        }
        Ok(())
    }
    go(repo, tree, &mut Vec::new(), f)
}

/// What the walk excludes.
#[derive(Debug, Clone, Copy)]
enum Base {
    /// Commits reachable from this one (`BASE..TIP`).
    Commit(Oid),
    /// Commits reachable from any ref (`0000…..TIP`).
    ExistingRefs,
}

/// Parses `A..B` into the base and the tip commit id.
fn parse(repo: &Repository, spec: &str) -> Result<(Base, Oid), SourceError> {
    let invalid = |message: &str| SourceError::Range {
        range: spec.to_owned(),
        message: message.to_owned(),
    };
    if spec.contains("...") {
        return Err(invalid(
            "symmetric differences (`A...B`) are not supported; use `BASE..TIP`",
        ));
    }
    if !spec.contains("..") {
        return Err(invalid("expected a range of the form `BASE..TIP`"));
    }
    let wrap = |source: git2::Error| SourceError::Range {
        range: spec.to_owned(),
        message: source.message().to_owned(),
    };
    if let Some((left, right)) = spec.split_once("..")
        && matches!(left.len(), 40 | 64)
        && left.bytes().all(|b| b == b'0')
    {
        let tip = repo.revparse_single(right).map_err(wrap)?;
        return Ok((Base::ExistingRefs, tip.peel_to_commit().map_err(wrap)?.id()));
    }
    let revspec = repo.revparse(spec).map_err(wrap)?;
    let (Some(from), Some(to)) = (revspec.from(), revspec.to()) else {
        return Err(invalid("expected both ends of the range"));
    };
    let base = from.peel_to_commit().map_err(wrap)?.id();
    let tip = to.peel_to_commit().map_err(wrap)?.id();
    Ok((Base::Commit(base), tip))
}
