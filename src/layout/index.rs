//! [`LayoutIndex`]: the run-wide view the layout rules share. Built once per run, only when a
//! layout rule is on and a layout applies; it answers the questions that need the whole
//! repository (CRD scopes, sibling files, case collisions) lazily, once each.

use super::case::CaseCollisions;
use super::crds;
use super::object::Object;
use super::resolve::{Home, Layout};
use super::scope::{self, CrdScopes, KindScope, ScopeSource};
use super::split_dir;
use crate::catalog;
use crate::config::Settings;
use crate::source::RepoView;
use std::collections::{BTreeSet, HashMap};
use std::sync::OnceLock;

/// The codes of the layout rules; the index is built only when one of them is on.
const CODES: [&str; 4] = [
    catalog::OFF_LAYOUT.code,
    catalog::NAMESPACE_MISMATCH.code,
    catalog::SCOPE_MISMATCH.code,
    catalog::NON_CANONICAL_NAME.code,
];

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
    case: CaseCollisions,
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
            case: CaseCollisions::default(),
        })
    }

    /// The scope of (group, kind): built in, from the repository's CRDs, or `Cluster*`.
    pub fn kind_scope(&self, group: &str, kind: &str) -> Option<(KindScope, ScopeSource)> {
        scope::resolve(group, kind, || {
            let key = (group.to_string(), kind.to_string());
            match &self.provisional {
                Some(known) => {
                    let answer = known.get(&key).copied();
                    crds::record((key, answer));
                    answer
                }
                None => self.crd_scopes().get(&key).copied(),
            }
        })
    }

    /// Answers CRD scope questions from `known` until [`LayoutIndex::end_provisional`],
    /// recording them ([`crds::take_provisional_answers`]).
    pub fn begin_provisional(&mut self, known: CrdScopes) {
        self.provisional = Some(known);
    }

    /// Back to the complete map; returns the provisional one.
    pub fn end_provisional(&mut self) -> Option<CrdScopes> {
        self.provisional.take()
    }

    /// The scopes the repository's CRDs declare (`spec.scope`), read once.
    pub fn crd_scopes(&self) -> &CrdScopes {
        self.crds.get_or_init(|| crds::read_all(self.repo))
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
        self.case.of(self.repo.paths(), path)
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
