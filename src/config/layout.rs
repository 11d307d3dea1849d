//! The `layout:` section of the configuration (rules GG301–GG304).
//!
//! ```yaml
//! layout:
//!   preset: jx3              # jx3 | none; unset: jx3 when the repository looks like Jenkins X v3
//!   allow: ["scripts/**"]    # extra allowed paths (globs)
//!   paths:                   # a layout of your own, checked before the preset; first match wins
//!     - path: "clusters/*/namespaces/{namespace}/**/*.yaml"
//!       scope: namespaced    # cluster | namespaced | crd (GG303); `{namespace}` enables GG302
//!       names: canonical     # canonical | bare | any (GG304)
//!   folders:                 # per-folder expectations
//!     - path: "clusters/*/apps/*"
//!       require: [kustomization.yaml]
//! ```

use crate::pattern::Pattern;
use serde::Deserialize;

/// The `layout:` section as written.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct LayoutConfig {
    /// The built-in layout to start from; unset means "detect".
    #[serde(default)]
    pub preset: Option<PresetName>,
    /// Extra allowed paths (globs relative to the repository root).
    #[serde(default)]
    pub allow: Vec<String>,
    /// Allowed path patterns with what must hold there, checked before the preset's.
    #[serde(default)]
    pub paths: Vec<PathRule>,
    /// Per-folder expectations.
    #[serde(default)]
    pub folders: Vec<FolderRule>,
}

/// A built-in layout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PresetName {
    /// The Jenkins X v3 GitOps repository layout.
    Jx3,
    /// No preset: only `paths` and `allow` (and with neither, layout rules are off).
    None,
}

/// One allowed path pattern.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct PathRule {
    /// Segments are globs; `**` is any number of folders; `{namespace}` is one folder named
    /// after the namespace of the resources below it.
    pub path: String,
    /// Which objects belong here (GG303); unset: any.
    #[serde(default)]
    pub scope: Option<ScopeName>,
    /// Which file names are accepted (GG304); unset: any.
    #[serde(default)]
    pub names: Option<NamesName>,
}

/// The objects a folder holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ScopeName {
    /// Cluster-scoped objects (not CRDs).
    Cluster,
    /// Namespaced objects.
    Namespaced,
    /// CustomResourceDefinitions only.
    Crd,
}

/// File naming in a folder.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum NamesName {
    /// `<name>-<suffix>.yaml`, one document per file (`jx gitops rename`).
    Canonical,
    /// `<name>.yaml` or the canonical name, one document per file.
    Bare,
    /// Any name.
    Any,
}

/// Expectations for every folder matching `path`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct FolderRule {
    /// A folder pattern (same syntax as `paths`).
    pub path: String,
    /// File names each such folder holding files must contain (e.g. `kustomization.yaml`).
    #[serde(default)]
    pub require: Vec<String>,
}

impl LayoutConfig {
    /// Checks values that serde cannot (patterns, names).
    pub fn validate(&self) -> Result<(), String> {
        for (i, glob) in self.allow.iter().enumerate() {
            Pattern::new(glob).map_err(|e| format!("invalid `layout.allow[{i}]`: {e}"))?;
        }
        for (i, rule) in self.paths.iter().enumerate() {
            Pattern::new(&rule.path)
                .map_err(|e| format!("invalid `layout.paths[{i}].path`: {e}"))?;
        }
        for (i, folder) in self.folders.iter().enumerate() {
            Pattern::new(&folder.path)
                .map_err(|e| format!("invalid `layout.folders[{i}].path`: {e}"))?;
            if folder.require.is_empty() {
                return Err(format!(
                    "`layout.folders[{i}]` requires nothing: add `require: [...]`"
                ));
            }
            for name in &folder.require {
                if name.is_empty() || name.contains('/') || name == "." || name == ".." {
                    return Err(format!(
                        "`layout.folders[{i}].require`: `{name}` must be a file name, not a path"
                    ));
                }
            }
        }
        Ok(())
    }

    /// Whether the section says anything beyond the preset.
    pub fn has_custom_layout(&self) -> bool {
        !self.paths.is_empty() || !self.folders.is_empty()
    }
}

/// The `layout:` section `gitops-guard init` writes for what it detected.
pub fn init_text(detected: Option<PresetName>) -> String {
    let head = "\n# Canonical layout (GG301-GG304; `gitops-guard rule GG301`).\n";
    match detected {
        Some(PresetName::Jx3) => format!(
            "{head}# Detected: a Jenkins X v3 repository (jx-requirements.yml or config-root/).\n\
             layout:\n  preset: jx3\n  # Extra allowed paths (globs), e.g. \"scripts/**\".\n  allow: []\n"
        ),
        _ => format!(
            "{head}# No known layout was detected, so the layout rules are off. Use `preset: jx3`\n\
             # for a Jenkins X v3 repository, or describe your own layout:\n\
             #   paths:\n\
             #     - path: \"clusters/*/namespaces/{{namespace}}/**/*.yaml\"\n\
             #       scope: namespaced\n\
             #       names: canonical\n\
             layout:\n  preset: none\n"
        ),
    }
}

#[cfg(test)]
mod tests {
    use crate::config::Settings;

    #[test]
    fn parses_and_validates() {
        let s = Settings::from_text(
            "layout:\n  preset: jx3\n  allow: [\"scripts/**\"]\n  paths:\n    - path: \"apps/{namespace}/*.yaml\"\n      scope: namespaced\n      names: canonical\n  folders:\n    - path: \"apps/*\"\n      require: [kustomization.yaml]\n",
            None,
        )
        .unwrap();
        assert_eq!(s.layout.preset, Some(super::PresetName::Jx3));
        assert_eq!(s.layout.paths[0].scope, Some(super::ScopeName::Namespaced));
        assert_eq!(s.layout.folders[0].require, vec!["kustomization.yaml"]);
    }

    #[test]
    fn rejects_bad_values() {
        for (text, needle) in [
            ("layout:\n  preset: jx2\n", "jx2"),
            ("layout:\n  bogus: 1\n", "bogus"),
            (
                "layout:\n  paths:\n    - path: a\n      scope: global\n",
                "global",
            ),
            (
                "layout:\n  paths:\n    - path: /abs\n",
                "layout.paths[0].path",
            ),
            ("layout:\n  allow: [\"a//b\"]\n", "layout.allow[0]"),
            (
                "layout:\n  folders:\n    - path: a\n      require: [b/c]\n",
                "file name",
            ),
            ("layout:\n  folders:\n    - path: a\n", "requires nothing"),
        ] {
            let err = Settings::from_text(text, None).unwrap_err();
            assert!(err.to_string().contains(needle), "{text}: {err}");
        }
    }
}
