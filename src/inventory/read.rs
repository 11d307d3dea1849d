//! Reading what a report is about through the existing readers (`source`): the index, a
//! commit's tree (a [`TreeView`] of the commit), a folder on disk, or the two trees of a range,
//! and running the engine over it with an observer that turns each scanned file into
//! [`FileFacts`] from the documents the engine parsed.

use super::facts::{self, Detail, FileFacts, Options};
use crate::config::Settings;
use crate::engine::{self, Outcome};
use crate::manifest::Document;
use crate::manifest::FileKind;
use crate::rules::Ctx;
use crate::source::RepoView;
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
                let docs = crate::manifest::parse_file(&c.path, text, kind);
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
        // The engine takes the whole tree from the view (`all_paths` is not read).
        candidates: candidates(&view, &paths, commit),
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
    shared: crate::source::SharedCache,
}

impl RepoView for Rebased {
    fn paths(&self) -> &[String] {
        &self.paths
    }
    fn read(&self, path: &str) -> Option<Arc<Vec<u8>>> {
        self.inner.read(&format!("{}{path}", self.prefix))
    }
    fn shared(
        &self,
        name: &'static str,
        build: &dyn Fn() -> crate::source::Shared,
    ) -> crate::source::Shared {
        // The inner view's cache is for its own (unrebased) paths.
        self.shared.get(name, build)
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
        shared: crate::source::SharedCache::default(),
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

fn yaml_paths(view: &TreeView) -> Vec<&str> {
    view.paths()
        .iter()
        .map(String::as_str)
        .filter(|p| matches!(FileKind::of(p), FileKind::Yaml | FileKind::Json))
        .collect()
}

/// The files of one side read so far, by path.
struct Files<'v> {
    view: &'v TreeView,
    commit: &'v str,
    read: std::collections::BTreeMap<String, Candidate>,
}

impl Files<'_> {
    /// Reads the `paths` not read yet (those absent from the tree are skipped).
    fn add<'p>(&mut self, paths: impl IntoIterator<Item = &'p str>) {
        let todo: Vec<&str> = paths
            .into_iter()
            .filter(|p| !self.read.contains_key(*p) && self.view.oid(p).is_some())
            .collect();
        if todo.is_empty() {
            return;
        }
        for c in candidates(self.view, &todo, self.commit) {
            self.read.insert(c.path.clone(), c);
        }
    }

    /// Reads the YAML files not read yet whose content satisfies `pred` (one pass over the
    /// tree's blobs, keeping only the matches).
    fn add_matching(&mut self, pred: &(dyn Fn(&[u8]) -> bool + Sync)) {
        let todo: Vec<&str> = yaml_paths(self.view)
            .into_iter()
            .filter(|p| !self.read.contains_key(*p))
            .collect();
        let found = Mutex::new(Vec::new());
        let (view, commit) = (self.view, self.commit);
        view.for_each_blob(&todo, &|i, bytes| {
            if pred(bytes) {
                let path = todo[i];
                found
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .push(Candidate {
                        path: path.to_string(),
                        raw_path: path.as_bytes().to_vec(),
                        bytes: bytes.to_vec(),
                        origin: Origin::Commit(commit.to_string()),
                        oid: view.oid(path).map(|o| o.to_string()).unwrap_or_default(),
                        mode: 0o100644,
                        expects_git_crypt: false,
                    });
            }
        });
        for c in found.into_inner().unwrap_or_else(PoisonError::into_inner) {
            self.read.insert(c.path.clone(), c);
        }
    }

    fn any(&self, pred: impl Fn(&[u8]) -> bool) -> bool {
        self.read.values().any(|c| pred(&c.bytes))
    }

    /// Scans what was read, with the tree as the view.
    fn scan(&self, settings: &Settings, serial: bool) -> Scanned {
        let set = ScanSet {
            candidates: self.read.values().cloned().collect(),
            ..ScanSet::default()
        };
        scan(set, settings, self.view, serial, Options { digests: true })
    }
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
    let mut changed: BTreeSet<&str> = BTreeSet::new();
    for p in head_view.paths() {
        if head_view.oid(p) != base_view.oid(p) {
            changed.insert(p);
        }
    }
    for p in base_view.paths() {
        if !head_paths.contains(p.as_str()) {
            changed.insert(p);
        }
    }

    // What the changed files need to be understood.
    let mut include: BTreeSet<&str> = changed.clone();
    let views = [&head_view, &base_view];
    if changed.contains("jx-requirements.yml") {
        // The environment of everything may change: read everything.
        for v in views {
            include.extend(v.paths().iter().map(String::as_str));
        }
    }
    if changed.iter().any(|p| p.starts_with("versionStream/")) {
        for v in views {
            include.extend(
                v.paths()
                    .iter()
                    .map(String::as_str)
                    .filter(|p| facts::is_helmfile_path(p)),
            );
        }
    }
    let mut kustomizations = Vec::new();
    for p in &changed {
        let dir = dir_of(p);
        for name in ["kustomization.yaml", "kustomization.yml", "Kustomization"] {
            kustomizations.push(join(dir, name));
        }
        if facts::is_kustomization_path(p) {
            for v in views {
                include.extend(
                    v.paths()
                        .iter()
                        .map(String::as_str)
                        .filter(|q| dir_of(q) == dir),
                );
            }
        }
    }
    include.extend(kustomizations.iter().map(String::as_str));

    let mut base = Files {
        view: &base_view,
        commit: &base_commit,
        read: Default::default(),
    };
    let mut head = Files {
        view: &head_view,
        commit: &head_commit,
        read: Default::default(),
    };
    base.add(include.iter().copied());
    head.add(include.iter().copied());
    // Flux: a release's chart and version may live in a source in another file, and an
    // overlay patches a release of the base: bring in every Flux file of both trees.
    if base.any(mentions_flux) || head.any(mentions_flux) {
        base.add_matching(&mentions_flux);
        head.add_matching(&mentions_flux);
    }
    let mut sides = (base.scan(settings, serial), head.scan(settings, serial));
    // A namespace only one side's files show may still be shown by files that did not
    // change: bring those in (they are the same on both sides) and read again.
    let extra = unsettled_namespaces(&sides.0, &sides.1, &base_view, &head_view);
    if !extra.is_empty() {
        let names = |bytes: &[u8]| {
            extra
                .iter()
                .any(|ns| memchr::memmem::find(bytes, ns.as_bytes()).is_some())
        };
        let before = head.read.len();
        head.add_matching(&names);
        let more: Vec<String> = head
            .read
            .keys()
            .filter(|p| !base.read.contains_key(*p) && !changed.contains(p.as_str()))
            .cloned()
            .collect();
        if head.read.len() > before {
            base.add(more.iter().map(String::as_str));
            sides = (base.scan(settings, serial), head.scan(settings, serial));
        }
    }
    let changed: Vec<String> = changed.into_iter().map(str::to_string).collect();
    Ok(RangeRead {
        base_rev: base_rev.to_string(),
        head_rev: head_rev.to_string(),
        base: Side {
            commit: base_commit.clone(),
            scanned: sides.0,
            view: base_view,
        },
        head: Side {
            commit: head_commit.clone(),
            scanned: sides.1,
            view: head_view,
        },
        changed,
    })
}

/// Namespaces the files read show on one side only, that the trees' paths do not settle.
fn unsettled_namespaces(
    base: &Scanned,
    head: &Scanned,
    base_view: &TreeView,
    head_view: &TreeView,
) -> Vec<String> {
    let names = |scanned: &Scanned| -> BTreeSet<String> {
        let mut out = BTreeSet::new();
        for f in &scanned.facts {
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
    let (b, h) = (names(base), names(head));
    let by_paths = |view: &TreeView| super::build::jx3_path_namespaces(view.paths());
    let (pb, ph) = (by_paths(base_view), by_paths(head_view));
    b.symmetric_difference(&h)
        .filter(|ns| !(pb.contains(*ns) && ph.contains(*ns)))
        .cloned()
        .collect()
}
