//! `--fix` for the layout rules: moves, renames and splits files to their canonical place
//! (`jx gitops split` + `rename` + the move to the right folder), in the working tree and the
//! index, as `git mv` would.
//!
//! All or nothing: every move is planned and checked first (no destination may exist in the
//! index or the working tree, none may be planned twice, a file to split may not have
//! unstaged changes); on any conflict nothing is touched. Then new files are created (never
//! over an existing one), the index is written once, and only then are the old files removed.
//! A failure before the index is written removes what was created; the index and the old
//! files are as they were.

use crate::config::Settings;
use crate::layout::naming::split_name;
use crate::layout::{LayoutIndex, Object, Placement, judgeable, resource_docs, split_dir};
use crate::manifest::FileKind;
use crate::source::RepoView;
use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::{Path, PathBuf};

/// What a fix does to one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Renamed or moved, content unchanged (same blob, same mode).
    Move { from: String, to: String },
    /// Split into one file per document (new blobs), the old file removed.
    Split { from: String, to: Vec<String> },
}

impl std::fmt::Display for Action {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Action::Move { from, to } => write!(f, "moved {from} -> {to}"),
            Action::Split { from, to } => write!(f, "split {from} -> {}", to.join(", ")),
        }
    }
}

/// Why a planned move cannot happen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conflict {
    pub path: String,
    pub message: String,
}

/// The outcome of [`run`].
#[derive(Debug, Default)]
pub struct MoveReport {
    /// What was done (empty when there was a conflict or an error).
    pub applied: Vec<Action>,
    /// What prevented the moves; when not empty, nothing was changed.
    pub conflicts: Vec<Conflict>,
    /// Files with findings the fix does not handle, and why.
    pub skipped: Vec<(String, String)>,
    /// An I/O or git error; what was created was removed again where possible.
    pub error: Option<String>,
}

impl MoveReport {
    /// Whether anything changed on disk.
    pub fn changed(&self) -> bool {
        !self.applied.is_empty()
    }
}

/// What the fix may do, from the rules that are on.
#[derive(Debug, Clone, Copy)]
pub struct Allowed {
    /// Move out of retired folders (GG301).
    pub legacy: bool,
    /// Move to the folder of the object's scope (GG303).
    pub scope: bool,
    /// Rename and split (GG304).
    pub names: bool,
}

impl Allowed {
    /// From the levels in `settings`.
    pub fn from_settings(settings: &Settings) -> Allowed {
        Allowed {
            legacy: settings.level("GG301").is_some(),
            scope: settings.level("GG303").is_some(),
            names: settings.level("GG304").is_some(),
        }
    }
}

/// A planned action with what it needs to be applied.
struct Planned {
    action: Action,
    source: git2::IndexEntry,
    /// New files: (path, content, from the old blob as is).
    outputs: Vec<(String, Vec<u8>)>,
}

/// Plans and applies the moves for `paths` (files with fixable layout findings).
pub fn run(
    repo: &git2::Repository,
    settings: &Settings,
    view: &dyn RepoView,
    paths: &[String],
) -> MoveReport {
    plan_and_apply(repo, settings, view, paths, true)
}

/// `--diff`: the moves [`run`] would make (in `applied`), or its conflicts; nothing is
/// touched.
pub fn preview(
    repo: &git2::Repository,
    settings: &Settings,
    view: &dyn RepoView,
    paths: &[String],
) -> MoveReport {
    plan_and_apply(repo, settings, view, paths, false)
}

fn plan_and_apply(
    repo: &git2::Repository,
    settings: &Settings,
    view: &dyn RepoView,
    paths: &[String],
    apply_them: bool,
) -> MoveReport {
    let mut report = MoveReport::default();
    let Some(index_view) = LayoutIndex::for_run(settings, view) else {
        return report;
    };
    let Some(workdir) = repo.workdir() else {
        report.error = Some("the repository has no working tree".into());
        return report;
    };
    let mut index = match repo.index().and_then(|mut i| i.read(true).map(|()| i)) {
        Ok(i) => i,
        Err(e) => {
            report.error = Some(format!("cannot read the index: {e}"));
            return report;
        }
    };
    let entries: BTreeMap<Vec<u8>, git2::IndexEntry> =
        index.iter().map(|e| (e.path.clone(), e)).collect();
    let allowed = Allowed::from_settings(settings);
    let mut planned = Vec::new();
    let wanted: BTreeSet<&String> = paths.iter().collect();
    for path in wanted {
        match plan_file(repo, &index_view, &entries, path, allowed) {
            Ok(Some(p)) => planned.push(p),
            Ok(None) => {}
            Err(reason) => report.skipped.push((path.clone(), reason)),
        }
    }
    report.conflicts = check(&planned, &entries, workdir, repo);
    if !report.conflicts.is_empty() || planned.is_empty() {
        return report;
    }
    if !apply_them {
        report.applied = planned.into_iter().map(|p| p.action).collect();
        return report;
    }
    match apply(&planned, &mut index, workdir) {
        Ok(()) => report.applied = planned.into_iter().map(|p| p.action).collect(),
        Err(e) => report.error = Some(e),
    }
    report
}

/// `git2::IndexEntry` is not `Clone`.
fn copy_entry(e: &git2::IndexEntry) -> git2::IndexEntry {
    git2::IndexEntry {
        ctime: e.ctime,
        mtime: e.mtime,
        dev: e.dev,
        ino: e.ino,
        mode: e.mode,
        uid: e.uid,
        gid: e.gid,
        file_size: e.file_size,
        id: e.id,
        flags: e.flags,
        flags_extended: e.flags_extended,
        path: e.path.clone(),
    }
}

fn stage_of(entry: &git2::IndexEntry) -> u16 {
    (entry.flags >> 12) & 0x3
}

/// The plan for one file, `Ok(None)` when it is already where and as it should be.
fn plan_file(
    repo: &git2::Repository,
    index: &LayoutIndex,
    entries: &BTreeMap<Vec<u8>, git2::IndexEntry>,
    path: &str,
    allowed: Allowed,
) -> Result<Option<Planned>, String> {
    let entry = entries
        .get(path.as_bytes())
        .filter(|e| stage_of(e) == 0)
        .ok_or("not a (merged) file in the index")?;
    if !matches!(entry.mode, 0o100644 | 0o100755) {
        return Err("not a regular file".into());
    }
    let layout = &index.layout;
    let placement = layout.classify(path);
    let (entry_from, caps, legacy) = match &placement {
        Placement::Entry(e, c) => (*e, c, false),
        Placement::Legacy(e, c) => (*e, c, true),
        _ => return Err("the layout has no place for it; move it by hand".into()),
    };
    if legacy && !allowed.legacy {
        return Ok(None);
    }
    let blob = repo
        .find_blob(entry.id)
        .map_err(|e| format!("cannot read the staged content: {e}"))?;
    let text = std::str::from_utf8(blob.content()).map_err(|_| "not UTF-8".to_string())?;
    let kind = FileKind::of(path);
    let docs = if matches!(kind, FileKind::Yaml | FileKind::Json) {
        crate::manifest::parse_file(path, text, kind)
    } else {
        Vec::new()
    };
    let pieces = resource_docs(text, &docs);
    let file_name = split_dir(path).1;
    let single = pieces.len() <= 1;
    // A move takes the file as it is; only cutting it apart needs every document parsed.
    if !single && !judgeable(text, &docs) {
        return Err("it has templated or unparsable documents; split it by hand".into());
    }
    if !single && !allowed.names {
        return Err("splitting files is off (GG304)".into());
    }
    let mut outputs = Vec::new();
    for (i, doc) in pieces.iter().enumerate() {
        let obj = doc.root.as_ref().and_then(Object::of);
        let target = match (&obj, entry_from.home) {
            (Some(o), Some(folder)) if allowed.scope => {
                index.home_of(o).map(|(h, _)| h).filter(|h| *h != folder)
            }
            _ => None,
        };
        let current = if single {
            file_name.to_string()
        } else {
            split_name(file_name, i)
        };
        let mut dest = layout
            .destination(entry_from, caps, target, obj.as_ref(), &current, single)
            .ok_or_else(|| match target {
                Some(h) => format!("the layout has no place for it in {}", h.describe()),
                None => "the layout has no place for it".to_string(),
            })?;
        if !allowed.names && single {
            // Keep the name; only the folder changes.
            let (dir, _) = split_dir(&dest);
            dest = format!("{dir}/{file_name}");
        }
        let bytes = if single {
            blob.content().to_vec()
        } else {
            let mut piece = text.get(doc.span.clone()).unwrap_or_default().to_string();
            if !piece.ends_with('\n') {
                piece.push('\n');
            }
            piece.into_bytes()
        };
        outputs.push((dest, bytes));
    }
    let action = match outputs.as_slice() {
        [] => return Ok(None),
        [(to, _)] if to == path => return Ok(None),
        [(to, _)] => Action::Move {
            from: path.to_string(),
            to: to.clone(),
        },
        many => Action::Split {
            from: path.to_string(),
            to: many.iter().map(|(p, _)| p.clone()).collect(),
        },
    };
    Ok(Some(Planned {
        action,
        source: copy_entry(entry),
        outputs,
    }))
}

/// Everything that would make the plan unsafe; empty when it can be applied.
fn check(
    planned: &[Planned],
    entries: &BTreeMap<Vec<u8>, git2::IndexEntry>,
    workdir: &Path,
    repo: &git2::Repository,
) -> Vec<Conflict> {
    let mut conflicts = Vec::new();
    let mut targets: BTreeMap<&str, &str> = BTreeMap::new();
    let index_files: BTreeSet<&[u8]> = entries.keys().map(|k| k.as_slice()).collect();
    for p in planned {
        let from = source_path(&p.action);
        let on_disk = workdir.join(from);
        match std::fs::symlink_metadata(&on_disk) {
            Ok(m) if m.is_file() => {}
            Ok(_) => conflicts.push(conflict(from, "is not a regular file in the working tree")),
            Err(_) => conflicts.push(conflict(from, "is missing from the working tree")),
        }
        if matches!(p.action, Action::Split { .. }) && on_disk.is_file() {
            // The pieces are cut from the staged blob: unstaged edits would be lost.
            let dirty = repo
                .status_file(Path::new(from))
                .map(|s| s.intersects(git2::Status::WT_MODIFIED | git2::Status::WT_TYPECHANGE))
                .unwrap_or(true);
            if dirty {
                conflicts.push(conflict(
                    from,
                    "has unstaged changes; stage or stash them before it is split",
                ));
            }
        }
        for (to, _) in &p.outputs {
            if let Some(other) = targets.insert(to.as_str(), from) {
                conflicts.push(conflict(
                    to,
                    &format!("would be written from both `{other}` and `{from}`"),
                ));
            }
            if entries.contains_key(to.as_bytes()) {
                conflicts.push(conflict(
                    to,
                    &format!("already exists in the index (moving `{from}`)"),
                ));
            } else if std::fs::symlink_metadata(workdir.join(to)).is_ok() {
                conflicts.push(conflict(
                    to,
                    &format!("already exists in the working tree (moving `{from}`)"),
                ));
            }
            // A folder on the way that is a file, in the index or on disk.
            let mut dir = split_dir(to).0;
            while !dir.is_empty() {
                let as_file = index_files.contains(dir.as_bytes())
                    || std::fs::symlink_metadata(workdir.join(dir)).is_ok_and(|m| !m.is_dir());
                if as_file {
                    conflicts.push(conflict(to, &format!("`{dir}` is a file, not a folder")));
                    break;
                }
                dir = split_dir(dir).0;
            }
        }
    }
    conflicts
}

fn conflict(path: &str, message: &str) -> Conflict {
    Conflict {
        path: path.to_string(),
        message: message.to_string(),
    }
}

fn source_path(action: &Action) -> &str {
    match action {
        Action::Move { from, .. } | Action::Split { from, .. } => from,
    }
}

/// Applies a checked plan (see the module docs for the order and the rollback).
fn apply(planned: &[Planned], index: &mut git2::Index, workdir: &Path) -> Result<(), String> {
    let mut created_files: Vec<PathBuf> = Vec::new();
    let mut created_dirs: Vec<PathBuf> = Vec::new();
    let result = (|| -> Result<(), String> {
        for p in planned {
            let from = workdir.join(source_path(&p.action));
            let meta = std::fs::metadata(&from).map_err(|e| format!("{}: {e}", from.display()))?;
            for (to, staged) in &p.outputs {
                let dest = workdir.join(to);
                make_dirs(&dest, workdir, &mut created_dirs)?;
                // A move keeps the working-tree content (unstaged edits travel along, as
                // with `git mv`); a split writes the pieces of the staged blob.
                let bytes = match p.action {
                    Action::Move { .. } => {
                        std::fs::read(&from).map_err(|e| format!("{}: {e}", from.display()))?
                    }
                    Action::Split { .. } => staged.clone(),
                };
                write_new(&dest, &bytes, &meta)?;
                created_files.push(dest);
            }
        }
        for p in planned {
            let from = source_path(&p.action);
            index
                .remove_path(Path::new(from))
                .map_err(|e| format!("cannot update the index for {from}: {e}"))?;
            for (to, bytes) in &p.outputs {
                let mut entry = copy_entry(&p.source);
                entry.path = to.as_bytes().to_vec();
                entry.flags = 0;
                entry.flags_extended = 0;
                let added = match p.action {
                    Action::Move { .. } => index.add(&entry),
                    Action::Split { .. } => {
                        entry.file_size = 0;
                        index.add_frombuffer(&entry, bytes)
                    }
                };
                added.map_err(|e| format!("cannot update the index for {to}: {e}"))?;
            }
        }
        index
            .write()
            .map_err(|e| format!("cannot write the index: {e}"))
    })();
    if let Err(e) = result {
        for f in created_files.iter().rev() {
            let _ = std::fs::remove_file(f);
        }
        for d in created_dirs.iter().rev() {
            let _ = std::fs::remove_dir(d);
        }
        return Err(format!("{e}; nothing was moved"));
    }
    // The index now has the new paths: remove the old files (and folders left empty).
    let mut errors = Vec::new();
    for p in planned {
        let from = workdir.join(source_path(&p.action));
        if let Err(e) = std::fs::remove_file(&from) {
            errors.push(format!("{}: {e}", from.display()));
            continue;
        }
        let mut dir = from.parent();
        while let Some(d) = dir.filter(|d| *d != workdir && d.starts_with(workdir)) {
            if std::fs::remove_dir(d).is_err() {
                break;
            }
            dir = d.parent();
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "the index was updated, but old files could not be removed: {}",
            errors.join("; ")
        ))
    }
}

/// Creates the missing folders above `dest` (inside `workdir`), remembering them.
fn make_dirs(dest: &Path, workdir: &Path, created: &mut Vec<PathBuf>) -> Result<(), String> {
    let Some(parent) = dest.parent() else {
        return Ok(());
    };
    let mut missing = Vec::new();
    let mut cur = Some(parent);
    while let Some(d) = cur.filter(|d| *d != workdir && !d.is_dir()) {
        missing.push(d.to_path_buf());
        cur = d.parent();
    }
    for d in missing.into_iter().rev() {
        std::fs::create_dir(&d).map_err(|e| format!("{}: {e}", d.display()))?;
        created.push(d);
    }
    Ok(())
}

/// Writes a new file, failing if anything exists at `dest` (never overwrites), with the
/// permissions of the file it comes from. Not [`super::atomic::write`]: that one replaces
/// the target by design, and here an existing file must stop the run instead. A crash
/// mid-write leaves an untracked partial file next to the intact original and index.
fn write_new(dest: &Path, bytes: &[u8], like: &std::fs::Metadata) -> Result<(), String> {
    let shown = dest.display();
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(dest)
        .map_err(|e| format!("{shown}: {e}"))?;
    let written = file
        .write_all(bytes)
        .and_then(|()| file.set_permissions(like.permissions()))
        .and_then(|()| file.sync_all());
    if let Err(e) = written {
        let _ = std::fs::remove_file(dest);
        return Err(format!("{shown}: {e}"));
    }
    // The new name must be durable before the index points at it.
    match dest.parent() {
        Some(dir) => super::atomic::sync_dir(dir).map_err(|e| format!("{}: {e}", dir.display())),
        None => Ok(()),
    }
}

/// The files whose findings the move fix may resolve.
pub fn fixable_paths<'a>(
    findings: impl Iterator<Item = &'a crate::finding::Finding>,
) -> Vec<String> {
    let mut paths: Vec<String> = findings
        .filter(|f| f.fixable && matches!(f.code, "GG301" | "GG303" | "GG304"))
        .map(|f| f.path.clone())
        .collect();
    paths.sort();
    paths.dedup();
    paths
}
