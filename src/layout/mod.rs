//! The canonical layout of a GitOps repository, shared by rules GG301–GG304 and the move fix.
//!
//! A [`Layout`] is an ordered list of path patterns (first match wins), each saying what lives
//! there: a [`Home`] (cluster-scoped objects, namespaced objects or CRDs) and a [`Naming`].
//! It comes from the `jx3` preset, from `layout:` in the configuration, or both (the
//! configuration first). A [`LayoutIndex`] is built once per run, only when a layout rule is
//! on and a layout applies; it answers the questions that need the whole repository (CRD
//! scopes, sibling files, case collisions) lazily, once each.

pub mod naming;
pub mod pattern;
pub mod preset;
pub mod scope;

use crate::config::layout::{NamesName, PresetName, ScopeName};
use crate::config::{FILE_NAME, LayoutConfig, Settings};
use crate::manifest::{Document, Node, objects};
use crate::rules::{FileKind, RepoView};
use naming::Naming;
use pattern::{Captures, Pattern};
use scope::{CrdScopes, KindScope, ScopeSource};
use std::collections::{BTreeSet, HashMap};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

/// The codes of the layout rules; the index is built only when one of them is on.
pub const CODES: [&str; 4] = ["GG301", "GG302", "GG303", "GG304"];

/// The kind of folder a pattern describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Home {
    /// Cluster-scoped objects (CRDs excepted).
    Cluster,
    /// Namespaced objects.
    Namespaced,
    /// CustomResourceDefinitions.
    Crd,
}

impl Home {
    /// How the folder is called in messages.
    pub fn describe(self) -> &'static str {
        match self {
            Home::Cluster => "a cluster-scoped folder",
            Home::Namespaced => "a namespaced folder",
            Home::Crd => "the CRD folder",
        }
    }
}

/// Where an entry comes from (for messages).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// The built-in `jx3` preset.
    Jx3,
    /// `layout.paths[i]`.
    Config(usize),
}

/// One pattern of a layout.
#[derive(Debug)]
pub struct Entry {
    pub pattern: Pattern,
    pub home: Option<Home>,
    pub naming: Naming,
    /// Matches a retired place: off-layout for this reason.
    pub legacy: Option<&'static str>,
    pub origin: Origin,
}

impl Entry {
    /// `layout.paths[2] \`apps/*.yaml\`` or `the jx3 layout`.
    pub fn describe(&self) -> String {
        match self.origin {
            Origin::Jx3 => "the jx3 layout".into(),
            Origin::Config(i) => format!("`layout.paths[{i}]` (`{}`)", self.pattern.as_str()),
        }
    }
}

/// Where a path falls in the layout.
#[derive(Debug)]
pub enum Placement<'l> {
    /// Allowed by an entry, which may expect a scope or names.
    Entry(&'l Entry, Captures),
    /// Allowed by `layout.allow[i]` (`None`: the configuration file, or no restriction).
    Allowed(Option<usize>),
    /// A retired place of the layout: off-layout, but the entry says what lives there.
    Legacy(&'l Entry, Captures),
    /// Allowed nowhere.
    Off,
}

/// A [`Placement`] by entry index, for [`Layout::classify`]'s cache.
#[derive(Clone)]
enum Cached {
    Entry(usize, Captures),
    Legacy(usize, Captures),
    Allowed(Option<usize>),
    Off,
}

/// A compiled layout.
#[derive(Debug)]
pub struct Layout {
    entries: Vec<Entry>,
    allow: Vec<Pattern>,
    folders: Vec<(usize, Pattern, Vec<String>)>,
    /// The jx3 preset is part of it.
    pub jx3: bool,
    /// Whether paths are restricted at all (an empty allow-list allows everything).
    restricts_paths: bool,
    /// Unique per compiled layout (the key of `classify`'s cache; an address can be reused).
    id: u64,
}

/// The preset a repository looks like, from its index paths: `jx3` when it has
/// `jx-requirements.yml` or anything under `config-root/`.
pub fn detect(paths: &[String]) -> Option<PresetName> {
    paths
        .iter()
        .any(|p| p == "jx-requirements.yml" || p.starts_with("config-root/"))
        .then_some(PresetName::Jx3)
}

impl Layout {
    /// The layout for a repository with these index paths; `None` when none applies.
    pub fn resolve(config: &LayoutConfig, paths: &[String]) -> Result<Option<Layout>, String> {
        let preset = match config.preset {
            Some(p) => p,
            // Paths of one's own replace detection; `allow` and `folders` only add to it.
            None if !config.paths.is_empty() => PresetName::None,
            None => detect(paths).unwrap_or(PresetName::None),
        };
        let jx3 = preset == PresetName::Jx3;
        let custom = config.has_custom_layout()
            || (!jx3 && !config.allow.is_empty() && config.preset.is_some());
        if !jx3 && !custom {
            return Ok(None);
        }
        let mut entries = Vec::new();
        for (i, rule) in config.paths.iter().enumerate() {
            entries.push(Entry {
                pattern: Pattern::new(&rule.path)?,
                home: rule.scope.map(|s| match s {
                    ScopeName::Cluster => Home::Cluster,
                    ScopeName::Namespaced => Home::Namespaced,
                    ScopeName::Crd => Home::Crd,
                }),
                naming: match rule.names {
                    Some(NamesName::Canonical) => Naming::Canonical,
                    Some(NamesName::Bare) => Naming::Bare,
                    Some(NamesName::Any) | None => Naming::Any,
                },
                legacy: None,
                origin: Origin::Config(i),
            });
        }
        if jx3 {
            for e in preset::JX3 {
                entries.push(Entry {
                    pattern: Pattern::new(e.path)?,
                    home: e.home,
                    naming: e.naming,
                    legacy: e.legacy,
                    origin: Origin::Jx3,
                });
            }
        }
        let allow = config
            .allow
            .iter()
            .map(|g| Pattern::new(g))
            .collect::<Result<Vec<_>, _>>()?;
        let folders = config
            .folders
            .iter()
            .enumerate()
            .map(|(i, f)| Ok((i, Pattern::new(&f.path)?, f.require.clone())))
            .collect::<Result<Vec<_>, String>>()?;
        let restricts_paths = !entries.is_empty() || !allow.is_empty();
        static IDS: AtomicU64 = AtomicU64::new(0);
        Ok(Some(Layout {
            entries,
            allow,
            folders,
            jx3,
            restricts_paths,
            id: IDS.fetch_add(1, Ordering::Relaxed),
        }))
    }

    /// Where `path` falls.
    pub fn classify(&self, path: &str) -> Placement<'_> {
        // Every layout rule (and its `applies_in`) asks about the file being scanned, one
        // after the other on one thread: remember the last answer.
        thread_local! {
            static LAST: std::cell::RefCell<Option<(u64, String, Cached)>> =
                const { std::cell::RefCell::new(None) };
        }
        let me = self.id;
        let hit = LAST.with(|l| match &*l.borrow() {
            Some((who, p, cached)) if *who == me && p == path => Some(cached.clone()),
            _ => None,
        });
        if let Some(cached) = hit {
            return match cached {
                Cached::Entry(i, caps) => Placement::Entry(&self.entries[i], caps),
                Cached::Legacy(i, caps) => Placement::Legacy(&self.entries[i], caps),
                Cached::Allowed(a) => Placement::Allowed(a),
                Cached::Off => Placement::Off,
            };
        }
        let placement = self.classify_uncached(path);
        let index = |e: &Entry| self.entries.iter().position(|x| std::ptr::eq(x, e));
        let cached = match &placement {
            Placement::Entry(e, caps) => index(e).map(|i| Cached::Entry(i, caps.clone())),
            Placement::Legacy(e, caps) => index(e).map(|i| Cached::Legacy(i, caps.clone())),
            Placement::Allowed(a) => Some(Cached::Allowed(*a)),
            Placement::Off => Some(Cached::Off),
        };
        LAST.with(|l| *l.borrow_mut() = cached.map(|c| (me, path.to_string(), c)));
        placement
    }

    fn classify_uncached(&self, path: &str) -> Placement<'_> {
        for e in self.entries.iter().filter(|e| e.legacy.is_none()) {
            if let Some(caps) = e.pattern.matches(path) {
                return Placement::Entry(e, caps);
            }
        }
        if let Some(i) = self.allow.iter().position(|p| p.matches(path).is_some()) {
            return Placement::Allowed(Some(i));
        }
        // The configuration file itself is always welcome.
        if path == FILE_NAME || !self.restricts_paths {
            return Placement::Allowed(None);
        }
        for e in self.entries.iter().filter(|e| e.legacy.is_some()) {
            if let Some(caps) = e.pattern.matches(path) {
                return Placement::Legacy(e, caps);
            }
        }
        Placement::Off
    }

    /// The entry for objects of `home` that takes the captures of `from` (same shape).
    fn home_entry<'l>(&'l self, from: &'l Entry, home: Home) -> Option<&'l Entry> {
        if from.legacy.is_none() && from.home == Some(home) {
            return Some(from);
        }
        self.entries.iter().find(|e| {
            e.legacy.is_none() && e.home == Some(home) && e.pattern.same_shape(&from.pattern)
        })
    }

    /// Where a file (or one document of it) belongs: the path for `target` home, keeping the
    /// captures of the current place and renaming when the folder wants canonical names.
    /// `file_name` is the name it has now (or its `jx gitops split` name). `None` when the
    /// layout has no such place.
    pub fn destination(
        &self,
        from: &Entry,
        caps: &Captures,
        target: Option<Home>,
        obj: Option<&Object>,
        file_name: &str,
        single: bool,
    ) -> Option<String> {
        let entry = match target.or(from.home) {
            Some(home) => self.home_entry(from, home)?,
            None => from,
        };
        let name = choose_name(entry.naming, obj, file_name, single);
        let path = entry.pattern.instantiate(caps, &name)?;
        // The new place may fall under a more specific entry (e.g. `source-repositories/`),
        // whose naming then decides, from the name the file has now.
        let Placement::Entry(e, _) = self.classify(&path) else {
            return None;
        };
        if e.home != entry.home {
            return None;
        }
        let better = choose_name(e.naming, obj, file_name, single);
        if better == name {
            return Some(path);
        }
        let (dir, _) = split_dir(&path);
        let path = format!("{dir}/{better}");
        match self.classify(&path) {
            Placement::Entry(again, _) if std::ptr::eq(again, e) => Some(path),
            _ => None,
        }
    }

    /// The `layout.folders` entries whose pattern matches `dir`, with their required files.
    fn folder_rules(&self, dir: &str) -> impl Iterator<Item = &(usize, Pattern, Vec<String>)> {
        self.folders
            .iter()
            .filter(move |(_, p, _)| p.matches(dir).is_some())
    }

    /// The `layout.allow` patterns.
    pub fn allow_patterns(&self) -> &[Pattern] {
        &self.allow
    }
}

/// The file name an object should have in a folder with `naming`.
fn choose_name(naming: Naming, obj: Option<&Object>, current: &str, single: bool) -> String {
    let ext = naming::extension(current);
    match (naming, obj.and_then(|o| o.name.map(|n| (o, n)))) {
        (Naming::Any, _) | (_, None) => current.to_string(),
        (naming, Some((o, name))) => {
            let accepted = naming::accepted(naming, name, o.api_version, o.kind, ext);
            if single && accepted.iter().any(|a| a == current) {
                current.to_string()
            } else {
                accepted
                    .into_iter()
                    .next()
                    .unwrap_or_else(|| current.to_string())
            }
        }
    }
}

/// What the layout rules read from one Kubernetes object.
#[derive(Debug, Clone, Copy)]
pub struct Object<'n> {
    pub node: &'n Node,
    pub api_version: &'n str,
    pub kind: &'n str,
    pub kind_node: Option<&'n Node>,
    /// `metadata.name`, unless missing, empty or templated.
    pub name: Option<&'n str>,
    /// `metadata.namespace` (the value node), unless missing, empty or templated.
    pub namespace: Option<&'n Node>,
}

impl<'n> Object<'n> {
    /// Reads an object (a mapping with `kind`); templated kinds are not objects to judge.
    pub fn of(node: &'n Node) -> Option<Object<'n>> {
        let kind_node = node.get("kind");
        let kind = kind_node
            .filter(|k| !k.is_templated())
            .and_then(Node::as_str)?;
        let text = |n: &'n Node| Some(n).filter(|n| !n.is_templated()).and_then(Node::as_str);
        let meta = node.get("metadata");
        Some(Object {
            node,
            api_version: node.get("apiVersion").and_then(text).unwrap_or(""),
            kind,
            kind_node,
            name: meta
                .and_then(|m| m.get("name"))
                .and_then(text)
                .filter(|s| !s.is_empty()),
            namespace: meta
                .and_then(|m| m.get("namespace"))
                .filter(|n| text(n).is_some_and(|s| !s.is_empty())),
        })
    }

    /// The API group (`""` for core).
    pub fn group(&self) -> &'n str {
        scope::group_of(self.api_version)
    }

    /// Whether this is a CustomResourceDefinition.
    pub fn is_crd(&self) -> bool {
        scope::is_crd(self.group(), self.kind)
    }
}

/// Whether a document's text holds nothing but blank lines, comments and markers.
fn blank(text: &str) -> bool {
    text.lines().all(|l| {
        let t = l.trim();
        t.is_empty() || t.starts_with('#') || t == "---" || t == "..."
    })
}

/// The documents of a file that hold something (not empty or comment-only).
pub fn resource_docs<'d>(text: &str, docs: &'d [Document]) -> Vec<&'d Document> {
    docs.iter()
        .filter(|d| {
            d.root.is_some()
                || d.error.is_some()
                || !blank(text.get(d.span.clone()).unwrap_or_default())
        })
        .collect()
}

/// Whether the documents can be judged (and cut apart) at all: every one that holds
/// something parsed, and none has template expressions. Files in a `templates/` folder are
/// read tolerantly, but rendered output there (jx3 keeps chart sub-folders) is plain YAML.
pub fn judgeable(text: &str, docs: &[Document]) -> bool {
    resource_docs(text, docs).iter().all(|d| {
        d.error.is_none()
            && d.root.is_some()
            && !(d.templated && text.get(d.span.clone()).is_none_or(|t| t.contains("{{")))
    })
}

/// The name of the memo (`.git/gitops-guard/<name>.cache`) of CRD scopes by blob.
pub const CRD_MEMO: &str = "crd-scopes";

/// The run-wide view the layout rules share (see the module docs).
pub struct LayoutIndex<'a> {
    pub layout: Layout,
    repo: &'a dyn RepoView,
    crds: OnceLock<CrdScopes>,
    /// During a large scan: the CRD scopes known so far, answered instead of `crds` (which
    /// would read every blob of the repository a second time). Every answer is recorded per
    /// thread, and the engine re-scans the few files whose answers the complete map changes.
    provisional: Option<CrdScopes>,
    dirs: OnceLock<HashMap<String, BTreeSet<String>>>,
    case: OnceLock<HashMap<String, Vec<String>>>,
    /// How many case-collision questions were answered without `case`.
    case_queries: AtomicUsize,
    /// The indexes of the non-ASCII paths.
    non_ascii: OnceLock<Vec<usize>>,
}

impl<'a> LayoutIndex<'a> {
    /// The index for a run, or `None` when every layout rule is off or no layout applies
    /// (then nothing else is computed: start-up stays free of layout work).
    pub fn for_run(settings: &Settings, repo: &'a dyn RepoView) -> Option<LayoutIndex<'a>> {
        if CODES.iter().all(|c| settings.level(c).is_none()) {
            return None;
        }
        // The configuration was validated when loaded, so this cannot fail.
        let layout = Layout::resolve(&settings.layout, repo.paths()).ok()??;
        Some(LayoutIndex {
            layout,
            repo,
            crds: OnceLock::new(),
            provisional: None,
            dirs: OnceLock::new(),
            case: OnceLock::new(),
            case_queries: AtomicUsize::new(0),
            non_ascii: OnceLock::new(),
        })
    }

    /// The scope of (group, kind): built in, from the repository's CRDs, or `Cluster*`.
    pub fn kind_scope(&self, group: &str, kind: &str) -> Option<(KindScope, ScopeSource)> {
        scope::resolve(group, kind, || {
            let key = (group.to_string(), kind.to_string());
            match &self.provisional {
                Some(known) => {
                    let answer = known.get(&key).copied();
                    ASKED.with(|a| a.borrow_mut().push((key, answer)));
                    answer
                }
                None => self.crd_scopes().get(&key).copied(),
            }
        })
    }

    /// Answers CRD scope questions from `known` until [`LayoutIndex::end_provisional`],
    /// recording them ([`take_provisional_answers`]).
    pub fn begin_provisional(&mut self, known: CrdScopes) {
        self.provisional = Some(known);
    }

    /// Back to the complete map; returns the provisional one.
    pub fn end_provisional(&mut self) -> Option<CrdScopes> {
        self.provisional.take()
    }

    /// The scopes the repository's CRDs declare (`spec.scope`), read once.
    pub fn crd_scopes(&self) -> &CrdScopes {
        self.crds.get_or_init(|| {
            // The parse (and so the result) depends on the content and on whether the path
            // says JSON or chart template: that is the memo's tag.
            let paths = self.repo.paths();
            let items = crd_memo_tags(paths);
            // Remembered by blob id (an everyday commit reads only its new blobs), read in
            // parallel otherwise; applied in path order, so a later duplicate wins.
            let found = self.repo.memo_blobs(CRD_MEMO, &items, &|i, bytes| {
                encode_scopes(&crd_scopes_of(&paths[items[i].0], bytes))
            });
            let mut map = CrdScopes::new();
            for (_, value) in found {
                map.extend(decode_scopes(&value));
            }
            map
        })
    }

    /// Every folder of the index with the names of the files directly inside.
    fn dirs(&self) -> &HashMap<String, BTreeSet<String>> {
        self.dirs.get_or_init(|| {
            let mut map: HashMap<String, BTreeSet<String>> = HashMap::new();
            for p in self.repo.paths() {
                let (dir, name) = split_dir(p);
                map.entry(dir.to_string())
                    .or_default()
                    .insert(name.to_string());
            }
            map
        })
    }

    /// Required files missing next to `path`: (`layout.folders` index, file name).
    pub fn missing_required(&self, path: &str) -> Vec<(usize, String)> {
        let (dir, _) = split_dir(path);
        let mut missing = Vec::new();
        for (i, _, require) in self.layout.folder_rules(dir) {
            let present = self.dirs().get(dir);
            for name in require {
                if !present.is_some_and(|s| s.contains(name)) {
                    missing.push((*i, name.clone()));
                }
            }
        }
        missing
    }

    /// Other index paths equal to `path` but for letter case.
    pub fn case_collisions(&self, path: &str) -> Vec<String> {
        // An everyday commit asks for a handful of paths: compare them with every path
        // directly (a length check first) instead of indexing the whole repository. A large
        // commit builds the index once.
        const DIRECT: usize = 32;
        let paths = self.repo.paths();
        if self.case.get().is_none() && self.case_queries.fetch_add(1, Ordering::Relaxed) < DIRECT {
            // Equal but for ASCII case: same length. A non-ASCII path can also lower-case onto
            // another of a different length (the Kelvin sign is three bytes and becomes `k`):
            // those few are compared in full.
            let non_ascii = self
                .non_ascii
                .get_or_init(|| (0..paths.len()).filter(|&i| !paths[i].is_ascii()).collect());
            let mut found: Vec<usize> = paths
                .iter()
                .enumerate()
                .filter(|(_, p)| p.len() == path.len() && p.eq_ignore_ascii_case(path))
                .map(|(i, _)| i)
                .collect();
            if !non_ascii.is_empty() {
                let lower = path.to_lowercase();
                found.extend(
                    non_ascii
                        .iter()
                        .filter(|&&i| paths[i].to_lowercase() == lower),
                );
                if !path.is_ascii() {
                    found.extend((0..paths.len()).filter(|&i| paths[i].to_lowercase() == lower));
                }
                found.sort_unstable();
                found.dedup();
            }
            return found
                .into_iter()
                .map(|i| &paths[i])
                .filter(|p| *p != path)
                .cloned()
                .collect();
        }
        let map = self.case.get_or_init(|| {
            // Sort by a hash of the lower-cased path (no allocation for ASCII paths) and look
            // closer only at equal hashes: a repository rarely has any.
            let mut hashes: Vec<(u64, usize)> = paths
                .iter()
                .enumerate()
                .map(|(i, p)| (lower_hash(p), i))
                .collect();
            hashes.sort_unstable();
            let mut map: HashMap<String, Vec<String>> = HashMap::new();
            for run in hashes.chunk_by(|a, b| a.0 == b.0).filter(|r| r.len() > 1) {
                let mut run: Vec<usize> = run.iter().map(|(_, i)| *i).collect();
                run.sort_unstable();
                for i in run {
                    let p = &paths[i];
                    map.entry(p.to_lowercase()).or_default().push(p.clone());
                }
            }
            map.retain(|_, v| v.len() > 1);
            map
        });
        map.get(&path.to_lowercase())
            .map(|v| v.iter().filter(|p| *p != path).cloned().collect())
            .unwrap_or_default()
    }

    /// `layout.allow` entries that match no path of the index.
    pub fn unused_allows(&self) -> Vec<usize> {
        let paths = self.repo.paths();
        self.layout
            .allow_patterns()
            .iter()
            .enumerate()
            .filter(|(_, p)| !paths.iter().any(|path| p.matches(path).is_some()))
            .map(|(i, _)| i)
            .collect()
    }

    /// The home of an object: CRDs go to the CRD folder, others by their scope; `None` when
    /// the scope is unknown.
    pub fn home_of(&self, obj: &Object) -> Option<(Home, Option<ScopeSource>)> {
        if obj.is_crd() {
            return Some((Home::Crd, Some(ScopeSource::BuiltIn)));
        }
        self.kind_scope(obj.group(), obj.kind).map(|(s, src)| {
            (
                match s {
                    KindScope::Cluster => Home::Cluster,
                    KindScope::Namespaced => Home::Namespaced,
                },
                Some(src),
            )
        })
    }
}

/// (group, kind) and scope declared by a CRD object.
/// FNV-1a of `p.to_lowercase()`, without allocating when `p` is ASCII.
fn lower_hash(p: &str) -> u64 {
    let fnv = |bytes: &mut dyn Iterator<Item = u8>| {
        bytes.fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
        })
    };
    if p.is_ascii() {
        fnv(&mut p.bytes().map(|b| b.to_ascii_lowercase()))
    } else {
        fnv(&mut p.to_lowercase().bytes())
    }
}

/// The CRD scope answers given on this thread since the last call (see
/// [`LayoutIndex::begin_provisional`]).
pub fn take_provisional_answers() -> Vec<ProvisionalAnswer> {
    ASKED.with(|a| std::mem::take(&mut *a.borrow_mut()))
}

/// A (group, kind) asked during a provisional scan, and the scope it was given.
pub type ProvisionalAnswer = ((String, String), Option<KindScope>);

thread_local! {
    static ASKED: std::cell::RefCell<Vec<ProvisionalAnswer>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// The CRD scopes declared by already parsed documents.
pub fn crd_scopes_in(docs: &[crate::manifest::Document]) -> Vec<((String, String), KindScope)> {
    docs.iter()
        .filter_map(|d| d.root.as_ref())
        .flat_map(|root| objects(root).into_iter().filter_map(Object::of))
        .filter_map(|obj| crd_scope(&obj))
        .collect()
}

/// The memo value (`crd-scopes`) of one file's CRD scopes, as [`LayoutIndex::crd_scopes`]
/// stores it; with [`crd_memo_tag`], what a scan can hand the view so the blob is not read
/// again.
pub fn encode_crd_scopes(scopes: &[((String, String), KindScope)]) -> Vec<u8> {
    encode_scopes(scopes)
}

/// [`crd_memo_tag`] of every path that has one, as (index, tag). Whether a path is a chart
/// template depends on its folder only, and neighbours in the index share folders: asked once
/// per folder (this runs over every path of the repository on every commit).
fn crd_memo_tags(paths: &[String]) -> Vec<(usize, u8)> {
    let mut last: Option<(&str, bool)> = None;
    paths
        .iter()
        .enumerate()
        .filter_map(|(i, p)| {
            let kind = FileKind::of(p);
            if !matches!(kind, FileKind::Yaml | FileKind::Json) {
                return None;
            }
            let dir = &p[..p.rfind('/').map_or(0, |k| k + 1)];
            let template = match last {
                Some((d, t)) if d == dir => t,
                _ => {
                    let t = crate::engine::is_chart_template(p);
                    last = Some((dir, t));
                    t
                }
            };
            Some((
                i,
                u8::from(kind == FileKind::Json) | u8::from(template) << 1,
            ))
        })
        .collect()
}

/// The memo tag of `path` for `crd-scopes`: how the path says to parse it.
pub fn crd_memo_tag(path: &str) -> Option<u8> {
    // Asked for every path of the repository: `.yaml`/`.yml`/`.json` end in `l` or `n`.
    if !matches!(path.as_bytes().last(), Some(b'l' | b'L' | b'n' | b'N')) {
        return None;
    }
    match FileKind::of(path) {
        k @ (FileKind::Yaml | FileKind::Json) => Some(
            u8::from(k == FileKind::Json) | u8::from(crate::engine::is_chart_template(path)) << 1,
        ),
        _ => None,
    }
}

/// The CRD scopes declared in one file.
fn crd_scopes_of(path: &str, bytes: &[u8]) -> Vec<((String, String), KindScope)> {
    if !crate::rules::contains(bytes, "CustomResourceDefinition") {
        return Vec::new();
    }
    let Ok(text) = std::str::from_utf8(bytes) else {
        return Vec::new();
    };
    let mut scopes = Vec::new();
    for doc in crate::engine::parse(path, text, FileKind::of(path)) {
        let Some(root) = &doc.root else { continue };
        scopes.extend(
            objects(root)
                .into_iter()
                .filter_map(Object::of)
                .filter_map(|obj| crd_scope(&obj)),
        );
    }
    scopes
}

/// `group NUL kind NUL C|N NUL ...` (names never hold NUL: they come from YAML text).
fn encode_scopes(scopes: &[((String, String), KindScope)]) -> Vec<u8> {
    let mut out = Vec::new();
    for ((group, kind), scope) in scopes {
        for field in [group.as_bytes(), kind.as_bytes()] {
            out.extend_from_slice(field);
            out.push(0);
        }
        out.push(if *scope == KindScope::Cluster {
            b'C'
        } else {
            b'N'
        });
        out.push(0);
    }
    out
}

fn decode_scopes(bytes: &[u8]) -> Vec<((String, String), KindScope)> {
    let fields: Vec<&[u8]> = bytes.split(|&b| b == 0).collect();
    fields
        .chunks_exact(3)
        .map(|f| {
            let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
            let scope = if f[2] == b"C" {
                KindScope::Cluster
            } else {
                KindScope::Namespaced
            };
            ((text(f[0]), text(f[1])), scope)
        })
        .collect()
}

fn crd_scope(obj: &Object) -> Option<((String, String), KindScope)> {
    if !obj.is_crd() {
        return None;
    }
    let spec = obj.node.get("spec")?;
    let group = spec.get("group").and_then(Node::as_str)?;
    let kind = spec.at(&["names", "kind"]).and_then(Node::as_str)?;
    let scope = match spec.get("scope").and_then(Node::as_str)? {
        "Cluster" => KindScope::Cluster,
        "Namespaced" => KindScope::Namespaced,
        _ => return None,
    };
    Some(((group.to_string(), kind.to_string()), scope))
}

/// (folder, file name) of a path; the folder of a top-level file is `""`.
pub fn split_dir(path: &str) -> (&str, &str) {
    path.rsplit_once('/').unwrap_or(("", path))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jx3() -> Layout {
        let config = LayoutConfig {
            preset: Some(PresetName::Jx3),
            ..LayoutConfig::default()
        };
        Layout::resolve(&config, &[]).unwrap().unwrap()
    }

    fn kind_of(p: Placement) -> String {
        match p {
            Placement::Entry(e, c) => format!(
                "{:?}/{:?}/{}",
                e.home,
                e.naming,
                c.namespace.unwrap_or_default()
            ),
            Placement::Allowed(_) => "allowed".into(),
            Placement::Legacy(e, _) => format!("legacy {:?}", e.home),
            Placement::Off => "off".into(),
        }
    }

    #[test]
    fn jx3_preset_places() {
        let l = jx3();
        let cases = [
            (
                "config-root/cluster/namespaces/jx.yaml",
                "Some(Cluster)/Bare/",
            ),
            (
                "config-root/cluster/resources/jx/jx-build-controller/jx-build-controller-jx-clusterrole.yaml",
                "Some(Cluster)/Canonical/jx",
            ),
            (
                "config-root/cluster/resources/nginx/ingress-nginx-nginx-ingress/templates/admission-webhooks/ingress-nginx-admission-valwebhookcfg.yaml",
                "Some(Cluster)/Canonical/nginx",
            ),
            (
                "config-root/customresourcedefinitions/jx/lighthouse/lighthousejobs.lighthouse.jenkins.io-crd.yaml",
                "Some(Crd)/Canonical/jx",
            ),
            (
                "config-root/namespaces/jx/lighthouse/lighthouse-webhooks-deploy.yaml",
                "Some(Namespaced)/Canonical/jx",
            ),
            (
                "config-root/namespaces/jx/source-repositories/skisocksorg-http-server.yaml",
                "Some(Namespaced)/Bare/jx",
            ),
            (
                "config-root/namespaces/jx/lighthouse-config/install-config-cm.yaml",
                "Some(Namespaced)/Any/jx",
            ),
            (
                "config-root/namespaces/jx/lighthouse-config/jx-meta-pipeline.yaml",
                "Some(Namespaced)/Any/jx",
            ),
            (
                "config-root/namespaces/jx/lighthouse-config/config-cm.yaml",
                "Some(Namespaced)/Canonical/jx",
            ),
            (
                "config-root/namespaces/jx/source-repositories/README.md",
                "None/Any/jx",
            ),
            ("config-root/cluster/Kptfile", "None/Any/"),
            (
                "config-root/cluster/jx/jx-build-controller/x-clusterrole.yaml",
                "legacy Some(Cluster)",
            ),
            ("config-root/namespaces/jx/notes.txt", "off"),
            ("config-root/namespaces/jx/lighthouse/notes.txt", "off"),
            ("config-root/namespaces/jx/x-cm.yaml", "off"),
            ("config-root/x.yaml", "off"),
            ("helmfiles/jx/helmfile.yaml", "None/Any/"),
            ("helmfiles/helmfile.yaml", "off"),
            (
                "versionStream/charts/jxgh/lighthouse/defaults.yaml",
                "None/Any/",
            ),
            ("jx-requirements.yml", "None/Any/"),
            ("README.md", "None/Any/"),
            (".gitops-guard.yaml", "allowed"),
            ("tmp/debug-pod.yaml", "off"),
        ];
        for (path, want) in cases {
            assert_eq!(kind_of(l.classify(path)), want, "{path}");
        }
    }

    #[test]
    fn detection() {
        assert_eq!(
            detect(&["jx-requirements.yml".into()]),
            Some(PresetName::Jx3)
        );
        assert_eq!(detect(&["config-root/x".into()]), Some(PresetName::Jx3));
        assert_eq!(detect(&["apps/config-root/x".into()]), None);
        let none = LayoutConfig::default();
        assert!(
            Layout::resolve(&none, &["README.md".into()])
                .unwrap()
                .is_none()
        );
        assert!(
            Layout::resolve(&none, &["jx-requirements.yml".into()])
                .unwrap()
                .is_some()
        );
        let off = LayoutConfig {
            preset: Some(PresetName::None),
            ..LayoutConfig::default()
        };
        assert!(
            Layout::resolve(&off, &["jx-requirements.yml".into()])
                .unwrap()
                .is_none()
        );
    }

    fn obj(yaml_kind: &str, api: &str, name: &str) -> Node {
        use crate::manifest::{Scalar, Style, Value};
        let s = |t: &str| Node {
            span: 0..0,
            value: Value::Scalar(Scalar {
                text: t.into(),
                style: Style::Plain,
                templated: false,
            }),
        };
        let meta = Node {
            span: 0..0,
            value: Value::Map(vec![(s("name"), s(name))]),
        };
        Node {
            span: 0..0,
            value: Value::Map(vec![
                (s("apiVersion"), s(api)),
                (s("kind"), s(yaml_kind)),
                (s("metadata"), meta),
            ]),
        }
    }

    #[test]
    fn destinations() {
        let l = jx3();
        let psp = obj("PodSecurityPolicy", "policy/v1beta1", "tekton-pipelines");
        let psp = Object::of(&psp).unwrap();
        let from = "config-root/namespaces/tekton-pipelines/tekton-pipeline/tekton-pipelines-podsecuritypolicy.yaml";
        let Placement::Entry(e, caps) = l.classify(from) else {
            panic!()
        };
        assert_eq!(
            l.destination(
                e,
                &caps,
                Some(Home::Cluster),
                Some(&psp),
                "tekton-pipelines-podsecuritypolicy.yaml",
                true
            )
            .as_deref(),
            Some(
                "config-root/cluster/resources/tekton-pipelines/tekton-pipeline/tekton-pipelines-podsecuritypolicy.yaml"
            )
        );
        // Legacy: same namespace, release and subfolders, under `resources/`.
        let cr = obj(
            "ClusterRole",
            "rbac.authorization.k8s.io/v1",
            "gcactivities-jx",
        );
        let cr = Object::of(&cr).unwrap();
        let from = "config-root/cluster/jx/jxboot-helmfile-resources/charts/gcactivities/gcactivities-jx-clusterrole.yaml";
        let Placement::Legacy(e, caps) = l.classify(from) else {
            panic!()
        };
        assert_eq!(
            l.destination(
                e,
                &caps,
                None,
                Some(&cr),
                "gcactivities-jx-clusterrole.yaml",
                true
            )
            .as_deref(),
            Some(
                "config-root/cluster/resources/jx/jxboot-helmfile-resources/charts/gcactivities/gcactivities-jx-clusterrole.yaml"
            )
        );
        // A rename in place, and a SourceRepository moved into `source-repositories/` keeps
        // (or gets) the bare name Jenkins X gives it.
        let cm = obj("ConfigMap", "v1", "foo/bar");
        let cm = Object::of(&cm).unwrap();
        let from = "config-root/namespaces/jx/app/settings.yaml";
        let Placement::Entry(e, caps) = l.classify(from) else {
            panic!()
        };
        assert_eq!(
            l.destination(e, &caps, None, Some(&cm), "settings.yaml", true)
                .as_deref(),
            Some("config-root/namespaces/jx/app/foo-bar-cm.yaml")
        );
        let sr = obj("SourceRepository", "jenkins.io/v1", "acme-api");
        let sr = Object::of(&sr).unwrap();
        let from = "config-root/cluster/resources/jx/source-repositories/acme-api.yaml";
        let Placement::Entry(e, caps) = l.classify(from) else {
            panic!()
        };
        assert_eq!(
            l.destination(
                e,
                &caps,
                Some(Home::Namespaced),
                Some(&sr),
                "acme-api.yaml",
                true
            )
            .as_deref(),
            Some("config-root/namespaces/jx/source-repositories/acme-api.yaml")
        );
        // No CRD folder for a top-level Namespace file: no destination.
        let from = "config-root/cluster/namespaces/jx.yaml";
        let Placement::Entry(e, caps) = l.classify(from) else {
            panic!()
        };
        assert_eq!(
            l.destination(e, &caps, Some(Home::Crd), None, "jx.yaml", true),
            None
        );
    }

    #[test]
    fn custom_layout_first_then_allow() {
        let config: LayoutConfig = serde_saphyr::from_str(
            "preset: none\nallow: [\"README.md\"]\npaths:\n  - path: \"clusters/*/{namespace}/*.yaml\"\n    scope: namespaced\n    names: canonical\n",
        )
        .unwrap();
        let l = Layout::resolve(&config, &[]).unwrap().unwrap();
        assert!(!l.jx3);
        assert_eq!(
            kind_of(l.classify("clusters/prod/apps/api-deploy.yaml")),
            "Some(Namespaced)/Canonical/apps"
        );
        assert_eq!(kind_of(l.classify("README.md")), "allowed");
        assert_eq!(kind_of(l.classify("clusters/prod/apps/x/y.yaml")), "off");
        assert_eq!(
            kind_of(l.classify("config-root/namespaces/jx/a/b-cm.yaml")),
            "off"
        );
    }

    struct Paths(Vec<String>);

    impl RepoView for Paths {
        fn paths(&self) -> &[String] {
            &self.0
        }
        fn read(&self, _path: &str) -> Option<std::sync::Arc<Vec<u8>>> {
            None
        }
    }

    #[test]
    fn case_collisions_direct_and_indexed_agree() {
        let paths: Vec<String> = [
            "config-root/namespaces/jx/a/Kind.yaml",
            "config-root/namespaces/jx/a/kind.yaml",
            "config-root/namespaces/jx/a/\u{212a}ind.yaml", // Kelvin sign: lower-cases to `k`
            "config-root/namespaces/jx/a/KIND.YAML",
            "config-root/namespaces/jx/a/other.yaml",
            "config-root/namespaces/jx/a/Ä.yaml",
            "config-root/namespaces/jx/a/ä.yaml",
        ]
        .map(String::from)
        .to_vec();
        let repo = Paths(paths.clone());
        let settings = Settings::default();
        let index = LayoutIndex::for_run(&settings, &repo).expect("jx3 detected");
        // The first questions are answered directly, later ones from the index.
        let direct: Vec<Vec<String>> = paths.iter().map(|p| index.case_collisions(p)).collect();
        for _ in 0..40 {
            index.case_collisions("x");
        }
        assert!(index.case.get().is_some());
        let indexed: Vec<Vec<String>> = paths.iter().map(|p| index.case_collisions(p)).collect();
        assert_eq!(direct, indexed);
        assert_eq!(direct[0].len(), 3, "{:?}", direct[0]);
        assert_eq!(direct[5], ["config-root/namespaces/jx/a/ä.yaml"]);
        assert!(direct[4].is_empty());
    }

    #[test]
    fn memo_tags_of_all_paths_equal_the_tag_of_each() {
        let paths: Vec<String> = [
            "a.yaml",
            "a.json",
            "x/templates/d.yaml",
            "x/templates/e.yml",
            "x/templates/f.txt",
            "templates/g.yaml",
            "y/h.JSON",
            "y/templates",
            "y/templatesx/i.yaml",
            "z/j.yaml",
            "Dockerfile",
            "k/templates/l/m.json",
        ]
        .map(String::from)
        .to_vec();
        let all = crd_memo_tags(&paths);
        let each: Vec<(usize, u8)> = paths
            .iter()
            .enumerate()
            .filter_map(|(i, p)| Some((i, crd_memo_tag(p)?)))
            .collect();
        assert_eq!(all, each);
        assert!(all.iter().any(|(_, t)| t & 2 != 0));
    }

    #[test]
    fn folders_alone_keep_the_detected_preset() {
        let config: LayoutConfig = serde_saphyr::from_str(
            "folders:\n- path: \"extensions/*\"\n  require: [kustomization.yaml]\n",
        )
        .expect("config");
        let paths = vec!["config-root/namespaces/jx/a/a-cm.yaml".to_string()];
        let layout = Layout::resolve(&config, &paths)
            .expect("valid")
            .expect("a layout");
        assert!(
            layout.jx3,
            "adding folders must not turn the detected jx3 preset off"
        );
        assert!(matches!(layout.classify("stray/x.yaml"), Placement::Off));
    }
}
