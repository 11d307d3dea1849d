//! A [`Layout`]: the jx3 preset and the `layout:` configuration resolved into one ordered list
//! of path patterns (first match wins), each saying what lives there, plus the extra allowed
//! paths and the per-folder expectations.

use super::naming::Naming;
use super::preset;
use crate::config::LayoutConfig;
use crate::config::layout::{NamesName, PresetName, ScopeName};
use crate::pattern::Pattern;
use std::sync::atomic::{AtomicU64, Ordering};

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

/// A compiled layout.
#[derive(Debug)]
pub struct Layout {
    pub(super) entries: Vec<Entry>,
    allow: Vec<Pattern>,
    folders: Vec<(usize, Pattern, Vec<String>)>,
    /// The jx3 preset is part of it.
    pub jx3: bool,
    /// Whether paths are restricted at all (an empty allow-list allows everything).
    pub(super) restricts_paths: bool,
    /// Unique per compiled layout (the key of `classify`'s cache; an address can be reused).
    pub(super) id: u64,
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

    /// The `layout.folders` entries whose pattern matches `dir`, with their required files.
    pub(super) fn folder_rules(
        &self,
        dir: &str,
    ) -> impl Iterator<Item = &(usize, Pattern, Vec<String>)> {
        self.folders
            .iter()
            .filter(move |(_, p, _)| p.matches(dir).is_some())
    }

    /// The `layout.allow` patterns, in order.
    pub fn allow_patterns(&self) -> &[Pattern] {
        &self.allow
    }

    /// Whether `path` matches `layout.allow[i]`, for the first such `i`.
    pub(super) fn allowed_by(&self, path: &str) -> Option<usize> {
        self.allow.iter().position(|p| p.matches(path).is_some())
    }
}
