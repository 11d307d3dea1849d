//! Reading what a report is about through the existing readers (`source`): the index, a
//! commit's tree (a [`TreeView`] of the commit), a folder on disk, or the two trees of a range,
//! and running the engine over it with an observer that turns each scanned file into
//! [`FileFacts`] from the documents the engine parsed.

use super::facts::{self, Detail, FileFacts, Options};
use crate::config::Settings;
use crate::engine::{self, Outcome};
use crate::manifest::Document;
use crate::rules::{Ctx, FileKind, RepoView};
use crate::source::{Candidate, Limits, Origin, Repo, ScanSet, Selection, TreeView};
use anyhow::{Context, Result, bail};
use std::collections::{BTreeSet, HashSet};
use std::path::Path;
use std::sync::{Arc, Mutex, PoisonError};

/// The facts and findings of a set of files, and the tree they belong to.
pub struct Scanned {
    pub facts: Vec<FileFacts>,
    pub outcome: Outcome,
}

/// Runs the engine over `set`, collecting the facts of every scanned YAML/JSON file.
pub fn scan(
    set: ScanSet,
    settings: &Settings,
    view: &dyn RepoView,
    serial: bool,
    opts: Options,
) -> Scanned {
    let collected = Mutex::new(Vec::new());
    let observe = |c: &Candidate, docs: Option<&[Document]>| {
        let kind = FileKind::of(&c.path);
        if !matches!(kind, FileKind::Yaml | FileKind::Json) {
            return;
        }
        let Ok(text) = std::str::from_utf8(&c.bytes) else {
            return;
        };
        let ctx = Ctx {
            settings,
            repo: view,
            layout: None,
        };
        let f = match docs {
            Some(docs) => facts::extract(&c.path, text, docs, &ctx, opts),
            None => {
                let docs = engine::parse(&c.path, text, kind);
                facts::extract(&c.path, text, &docs, &ctx, opts)
            }
        };
        if !(f.objects.is_empty() && f.helmfile.is_empty() && f.kustomization.is_none()) {
            collected
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(f);
        }
    };
    let outcome = engine::scan_observed(set, settings, view, serial, &observe);
    Scanned {
        facts: collected
            .into_inner()
            .unwrap_or_else(PoisonError::into_inner),
        outcome,
    }
}

/// A commit id from a revision (`HEAD~1`, a branch, a tag, an id).
pub fn resolve_commit(repo: &Repo, rev: &str) -> Result<String> {
    let obj = repo
        .git()
        .revparse_single(rev)
        .with_context(|| format!("unknown revision `{rev}`"))?;
    let commit = obj
        .peel_to_commit()
        .with_context(|| format!("`{rev}` is not a commit"))?;
    Ok(commit.id().to_string())
}

/// The tree of a commit (given by its id), read lazily.
pub fn commit_view(repo: &Repo, commit: &str, limits: &Limits) -> Result<TreeView> {
    // A range whose tip is the commit: the readers' view of a commit's tree.
    Ok(repo
        .view(&Selection::Range(format!("{commit}..{commit}")))?
        .with_limits(*limits))
}

/// Reads `paths` of `view` into candidates (in the order of `paths`); paths that are absent,
/// not regular files or not text are left out.
pub fn candidates(view: &TreeView, paths: &[&str], commit: &str) -> Vec<Candidate> {
    let out = Mutex::new(Vec::with_capacity(paths.len()));
    view.for_each_blob(paths, &|i, bytes| {
        let path = paths[i];
        let c = Candidate {
            path: path.to_string(),
            raw_path: path.as_bytes().to_vec(),
            bytes: bytes.to_vec(),
            origin: Origin::Commit(commit.to_string()),
            oid: view.oid(path).map(|o| o.to_string()).unwrap_or_default(),
            mode: 0o100644,
            expects_git_crypt: false,
        };
        out.lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push((i, c));
    });
    let mut out = out.into_inner().unwrap_or_else(PoisonError::into_inner);
    out.sort_by_key(|(i, _)| *i);
    out.into_iter().map(|(_, c)| c).collect()
}

/// Every file of a commit, scanned.
pub fn commit(
    repo: &Repo,
    commit: &str,
    settings: &Settings,
    serial: bool,
) -> Result<(Scanned, TreeView)> {
    let limits = Limits {
        max_file_size: settings.max_file_size,
    };
    let view = commit_view(repo, commit, &limits)?;
    let paths: Vec<&str> = view.paths().iter().map(String::as_str).collect();
    let set = ScanSet {
        candidates: candidates(&view, &paths, commit),
        all_paths: view.paths().to_vec(),
        ..ScanSet::default()
    };
    let scanned = scan(set, settings, &view, serial, Options::default());
    Ok((scanned, view))
}

/// Every file of the index, scanned (read while scanned: memory stays bounded).
pub fn index(repo: &Repo, settings: &Settings, serial: bool) -> Result<(Scanned, TreeView)> {
    let limits = Limits {
        max_file_size: settings.max_file_size,
    };
    let (set, view) = repo.collect_and_view(&Selection::All, &limits, true)?;
    let scanned = scan(set, settings, &view, serial, Options::default());
    Ok((scanned, view))
}

/// A folder's view with paths relative to the folder (as in a repository), so that layouts
/// and links work the same as for git content.
pub struct Rebased {
    inner: crate::source::dir::DirView,
    prefix: String,
    paths: Vec<String>,
}

impl RepoView for Rebased {
    fn paths(&self) -> &[String] {
        &self.paths
    }
    fn read(&self, path: &str) -> Option<Arc<Vec<u8>>> {
        self.inner.read(&format!("{}{path}", self.prefix))
    }
}

/// Every file below `dir`, scanned; paths are relative to `dir`.
pub fn directory(dir: &Path, settings: &Settings, serial: bool) -> Result<(Scanned, Rebased)> {
    if !dir.is_dir() {
        bail!("`{}` is not a folder", dir.display());
    }
    let limits = Limits {
        max_file_size: settings.max_file_size,
    };
    let (mut set, view) = crate::source::dir::collect(&[dir.to_path_buf()], &limits);
    let shown = dir.to_string_lossy().replace('\\', "/");
    let shown = shown.trim_end_matches('/');
    let shown = shown.strip_prefix("./").unwrap_or(shown);
    let prefix = if shown.is_empty() || shown == "." {
        String::new()
    } else {
        format!("{shown}/")
    };
    let strip = |p: &mut String| {
        if let Some(rest) = p.strip_prefix(&prefix) {
            *p = rest.to_string();
        }
    };
    for c in &mut set.candidates {
        strip(&mut c.path);
        c.raw_path = c.path.as_bytes().to_vec();
    }
    set.all_paths.iter_mut().for_each(strip);
    set.skipped.iter_mut().for_each(|s| strip(&mut s.path));
    set.errors.iter_mut().for_each(|e| strip(&mut e.path));
    let rebased = Rebased {
        paths: set.all_paths.clone(),
        inner: view,
        prefix,
    };
    let scanned = scan(set, settings, &rebased, serial, Options::default());
    Ok((scanned, rebased))
}

/// One side of a range: the files read and the whole tree.
pub struct Side {
    pub commit: String,
    pub scanned: Scanned,
    pub view: TreeView,
}

/// The two sides of `BASE..HEAD`, each scanned over the files the change touches (and the
/// files those need to be understood).
pub struct RangeRead {
    pub base_rev: String,
    pub head_rev: String,
    pub base: Side,
    pub head: Side,
    /// Paths whose content differs between the trees (added, removed, modified).
    pub changed: Vec<String>,
}

/// Files whose content says something about Flux releases in other files.
fn mentions_flux(bytes: &[u8]) -> bool {
    crate::rules::contains(bytes, "HelmRelease")
        || crate::rules::contains(bytes, "source.toolkit.fluxcd.io")
}

fn dir_of(path: &str) -> &str {
    path.rsplit_once('/').map_or("", |(d, _)| d)
}

fn join(dir: &str, name: &str) -> String {
    if dir.is_empty() {
        name.to_string()
    } else {
        format!("{dir}/{name}")
    }
}

/// Paths of `view` (among `within`) whose content satisfies `pred`.
fn matching(
    view: &TreeView,
    within: &[&str],
    pred: &(dyn Fn(&[u8]) -> bool + Sync),
) -> Vec<String> {
    let hits = Mutex::new(Vec::new());
    view.for_each_blob(within, &|i, bytes| {
        if pred(bytes) {
            hits.lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(within[i].to_string());
        }
    });
    hits.into_inner().unwrap_or_else(PoisonError::into_inner)
}

fn yaml_paths(view: &TreeView) -> Vec<&str> {
    view.paths()
        .iter()
        .map(String::as_str)
        .filter(|p| matches!(FileKind::of(p), FileKind::Yaml | FileKind::Json))
        .collect()
}

/// Reads a range: `BASE..HEAD` compares the two commits' trees; `BASE...HEAD` compares HEAD
/// with the merge base of the two (what a pull request of HEAD into BASE changes, as git
/// hosts show it).
pub fn range(repo: &Repo, spec: &str, settings: &Settings, serial: bool) -> Result<RangeRead> {
    let (base_rev, head_rev, merge_base) = match spec.split_once("...") {
        Some((b, h)) => (b, h, true),
        None => match spec.split_once("..") {
            Some((b, h)) => (b, h, false),
            None => bail!("`{spec}`: expected a range of the form `BASE..HEAD` or `BASE...HEAD`"),
        },
    };
    let head_rev = if head_rev.is_empty() {
        "HEAD"
    } else {
        head_rev
    };
    if base_rev.is_empty() {
        bail!("`{spec}`: the range needs a base (`BASE..HEAD`)");
    }
    let limits = Limits {
        max_file_size: settings.max_file_size,
    };
    let head_commit = resolve_commit(repo, head_rev)?;
    let mut base_commit = resolve_commit(repo, base_rev)?;
    if merge_base {
        let id = |s: &str| git2::Oid::from_str(s).with_context(|| format!("bad commit id {s}"));
        base_commit = repo
            .git()
            .merge_base(id(&base_commit)?, id(&head_commit)?)
            .with_context(|| format!("`{base_rev}` and `{head_rev}` have no common ancestor"))?
            .to_string();
    }
    let base_view = commit_view(repo, &base_commit, &limits)?;
    let head_view = commit_view(repo, &head_commit, &limits)?;

    // What differs: by blob id, path by path.
    let head_paths: HashSet<&str> = head_view.paths().iter().map(String::as_str).collect();
    let mut changed: BTreeSet<String> = BTreeSet::new();
    for p in head_view.paths() {
        if head_view.oid(p) != base_view.oid(p) {
            changed.insert(p.clone());
        }
    }
    for p in base_view.paths() {
        if !head_paths.contains(p.as_str()) {
            changed.insert(p.clone());
        }
    }
    let changed_list: Vec<String> = changed.iter().cloned().collect();

    let mut include: BTreeSet<String> = changed.clone();
    let exists = |p: &str| head_view.oid(p).is_some() || base_view.oid(p).is_some();
    if changed.iter().any(|p| p == "jx-requirements.yml") {
        // The environment of everything may change: read everything.
        include.extend(head_view.paths().iter().cloned());
        include.extend(base_view.paths().iter().cloned());
    }
    if changed.iter().any(|p| p.starts_with("versionStream/")) {
        for view in [&head_view, &base_view] {
            include.extend(
                view.paths()
                    .iter()
                    .filter(|p| facts::is_helmfile_path(p))
                    .cloned(),
            );
        }
    }
    for p in &changed {
        let dir = dir_of(p);
        for name in ["kustomization.yaml", "kustomization.yml", "Kustomization"] {
            let k = join(dir, name);
            if exists(&k) {
                include.insert(k);
            }
        }
        if facts::is_kustomization_path(p) {
            for view in [&head_view, &base_view] {
                include.extend(view.paths().iter().filter(|q| dir_of(q) == dir).cloned());
            }
        }
    }
    // Flux: a release's chart and version may live in a source in another file, and an
    // overlay patches a release of the base: bring in every Flux file of both trees.
    let touched: Vec<&str> = changed.iter().map(String::as_str).collect();
    let flux = !matching(&head_view, &touched, &mentions_flux).is_empty()
        || !matching(&base_view, &touched, &mentions_flux).is_empty();
    if flux {
        for view in [&head_view, &base_view] {
            include.extend(matching(view, &yaml_paths(view), &mentions_flux));
        }
    }

    let mut read = read_sides(
        &include,
        (base_view, &base_commit),
        (head_view, &head_commit),
        settings,
        serial,
    );
    // A namespace only one side's files show may still be shown by files that did not
    // change: bring those in (they are the same on both sides) and read again.
    let extra = unsettled_namespaces(&read);
    if !extra.is_empty() {
        let unchanged: Vec<&str> = yaml_paths(&read.head.view)
            .into_iter()
            .filter(|p| !include.contains(*p))
            .collect();
        let more = matching(&read.head.view, &unchanged, &|bytes: &[u8]| {
            extra
                .iter()
                .any(|ns| memchr::memmem::find(bytes, ns.as_bytes()).is_some())
        });
        if !more.is_empty() {
            include.extend(more);
            read = read_sides(
                &include,
                (read.base.view, &base_commit),
                (read.head.view, &head_commit),
                settings,
                serial,
            );
        }
    }
    Ok(RangeRead {
        base_rev: base_rev.to_string(),
        head_rev: head_rev.to_string(),
        base: read.base,
        head: read.head,
        changed: changed_list,
    })
}

struct Sides {
    base: Side,
    head: Side,
}

fn read_sides(
    include: &BTreeSet<String>,
    (base_view, base_commit): (TreeView, &str),
    (head_view, head_commit): (TreeView, &str),
    settings: &Settings,
    serial: bool,
) -> Sides {
    let opts = Options { digests: true };
    let side = |view: TreeView, commit: &str| {
        let paths: Vec<&str> = include
            .iter()
            .map(String::as_str)
            .filter(|p| view.oid(p).is_some())
            .collect();
        let set = ScanSet {
            candidates: candidates(&view, &paths, commit),
            all_paths: view.paths().to_vec(),
            ..ScanSet::default()
        };
        let scanned = scan(set, settings, &view, serial, opts);
        Side {
            commit: commit.to_string(),
            scanned,
            view,
        }
    };
    Sides {
        base: side(base_view, base_commit),
        head: side(head_view, head_commit),
    }
}

/// Namespaces the files read show on one side only, that the tree's paths do not settle.
fn unsettled_namespaces(read: &Sides) -> Vec<String> {
    let names = |side: &Side| -> BTreeSet<String> {
        let mut out = BTreeSet::new();
        for f in &side.scanned.facts {
            for o in &f.objects {
                out.extend(o.namespace.clone());
                if o.kind == "Namespace" && o.api_version == "v1" {
                    out.insert(o.name.clone());
                }
                match &o.detail {
                    Detail::FluxRelease(r) => out.extend(r.target_namespace.clone()),
                    Detail::Argo { destination, .. } => out.extend(destination.clone()),
                    _ => {}
                }
            }
            out.extend(f.helmfile.iter().filter_map(|r| r.namespace.clone()));
            if let Some(k) = &f.kustomization {
                out.extend(k.namespace.clone());
                out.extend(k.charts.iter().filter_map(|c| c.namespace.clone()));
            }
        }
        out
    };
    let (b, h) = (names(&read.base), names(&read.head));
    let by_paths = |view: &TreeView| super::build::jx3_path_namespaces(view.paths());
    let (pb, ph) = (by_paths(&read.base.view), by_paths(&read.head.view));
    b.symmetric_difference(&h)
        .filter(|ns| !(pb.contains(*ns) && ph.contains(*ns)))
        .cloned()
        .collect()
}
