//! `.gitops-guard.yaml`: loading, validation and the resolved [`Settings`] the engine uses.
//!
//! Unknown keys and bad values are errors that name the file, line and column. Each rule
//! family owns its section in a file of its own (`images.rs`, `layout.rs`, `fix.rs`).

mod credentials;
mod errors;
mod fix;
pub mod fix_defaults;
mod images;
pub mod layout;
mod path_glob;
pub mod select;
mod sources;

pub use credentials::{CredentialsConfig, normalize as normalize_key};
pub use fix::{
    BACKEND_TYPES, BackendConfig, FixConfig, FixFormat, Naming, SecretStoreRef,
    is_dns1123_subdomain,
};
pub use fix_defaults::{FixDefaults, Provenance, Sourced};
pub use images::{ImagesConfig, Require};
pub use layout::LayoutConfig;
pub use select::PerFileIgnores;
pub use sources::SourcesConfig;

use crate::catalog::{self, Severity};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The name of the configuration file at the repository root.
pub const FILE_NAME: &str = ".gitops-guard.yaml";

/// The baseline `gitops-guard baseline` writes at the repository root (see `crate::baseline`).
pub const BASELINE_FILE_NAME: &str = ".gitops-guard-baseline.json";

/// The file as written by the user.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ConfigFile {
    /// Per-rule level by code or name: `off`, `error`, `warning` or `info`.
    #[serde(default)]
    pub rules: BTreeMap<String, String>,
    /// Paths (globs, relative to the repository root) never scanned.
    #[serde(default)]
    pub exclude: Vec<String>,
    /// Rules (codes, names or code prefixes) never reported in the files a glob matches;
    /// a glob without `/` matches the file name at any depth.
    #[serde(default)]
    pub per_file_ignores: BTreeMap<String, Vec<String>>,
    /// Files larger than this are skipped with a warning (bytes, or `10MiB`, `512KiB`).
    #[serde(default)]
    pub max_file_size: Option<ByteSize>,
    #[serde(default)]
    pub images: ImagesConfig,
    #[serde(default)]
    pub layout: LayoutConfig,
    #[serde(default)]
    pub fix: FixConfig,
    #[serde(default)]
    pub credentials: CredentialsConfig,
    #[serde(default)]
    pub sources: SourcesConfig,
}

/// A byte count written as a number or with a unit suffix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ByteSize(pub u64);

impl<'de> Deserialize<'de> for ByteSize {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            N(u64),
            S(String),
        }
        match Raw::deserialize(d)? {
            Raw::N(n) => Ok(ByteSize(n)),
            Raw::S(s) => parse_size(&s).map(ByteSize).ok_or_else(|| {
                serde::de::Error::custom(format!(
                    "invalid size `{s}`: use a number of bytes or a unit such as 512KiB, 10MiB"
                ))
            }),
        }
    }
}

fn parse_size(s: &str) -> Option<u64> {
    let s = s.trim();
    let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let (num, unit) = s.split_at(split);
    let n: u64 = num.parse().ok()?;
    let mult = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" => 1000,
        "kib" => 1024,
        "m" | "mb" => 1000 * 1000,
        "mib" => 1024 * 1024,
        "g" | "gb" => 1000 * 1000 * 1000,
        "gib" => 1024 * 1024 * 1024,
        _ => return None,
    };
    n.checked_mul(mult)
}

/// A configuration error with the location it refers to.
#[derive(Debug, thiserror::Error)]
#[error("{path}{location}: {message}")]
pub struct ConfigError {
    pub path: String,
    pub location: String,
    pub message: String,
}

/// The resolved settings: defaults, then the file, then command-line flags.
#[derive(Debug)]
pub struct Settings {
    /// Effective severity per rule code; `None` means the rule is off.
    levels: BTreeMap<&'static str, Option<Severity>>,
    pub exclude: Vec<globset::GlobSet>,
    pub per_file_ignores: PerFileIgnores,
    pub max_file_size: u64,
    pub images: ImagesConfig,
    pub layout: LayoutConfig,
    pub fix: FixConfig,
    pub credentials: CredentialsConfig,
    pub sources: SourcesConfig,
    /// Where the configuration came from, if anywhere.
    pub source: Option<PathBuf>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings::resolve(ConfigFile::default(), None).unwrap_or_else(|_| unreachable!())
    }
}

impl Settings {
    /// Reads `path` (a `.gitops-guard.yaml`).
    pub fn load(path: &Path) -> Result<Settings, ConfigError> {
        let shown = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError {
            path: shown.clone(),
            location: String::new(),
            message: format!("cannot read the configuration: {e}"),
        })?;
        Settings::from_text(&text, Some(path))
    }

    /// Parses configuration text (used for the file and for tests).
    pub fn from_text(text: &str, path: Option<&Path>) -> Result<Settings, ConfigError> {
        let shown = path
            .map(|p| p.display().to_string())
            .unwrap_or_else(|| FILE_NAME.to_string());
        let file: ConfigFile = if text.trim().is_empty() {
            ConfigFile::default()
        } else {
            serde_saphyr::from_str(text).map_err(|e| {
                let location = e
                    .location()
                    .map(|l| format!(":{}:{}", l.line(), l.column()))
                    .unwrap_or_default();
                ConfigError {
                    path: shown.clone(),
                    location,
                    message: errors::plain(&e.to_string()),
                }
            })?
        };
        Settings::resolve(file, path).map_err(|(message, key)| ConfigError {
            path: shown,
            location: key
                .and_then(|k| errors::locate_key(text, &k))
                .unwrap_or_default(),
            message,
        })
    }

    /// The settings of a parsed file; an error comes with the key it is about, if any.
    fn resolve(
        file: ConfigFile,
        path: Option<&Path>,
    ) -> Result<Settings, (String, Option<String>)> {
        let plain = |message: String| (message, None);
        let mut levels: BTreeMap<&'static str, Option<Severity>> = catalog::ALL
            .iter()
            .map(|r| (r.code, Some(r.severity).filter(|_| r.enabled)))
            .collect();
        for (key, level) in &file.rules {
            let rule = catalog::lookup(key).ok_or_else(|| {
                let known = catalog::ALL.iter().flat_map(|r| [r.code, r.name]);
                let message = format!(
                    "unknown rule `{key}` in `rules`{} (`gitops-guard rules` lists them)",
                    crate::suggest::hint(key, known)
                );
                (message, Some(key.clone()))
            })?;
            let value = match level.as_str() {
                "off" | "false" => None,
                "on" | "true" => Some(rule.severity),
                other => Some(Severity::parse(other).ok_or_else(|| {
                    let message = format!(
                        "invalid level `{other}` for rule {}{}: use off, error, warning or info",
                        rule.code,
                        crate::suggest::hint(other, ["off", "error", "warning", "info"])
                    );
                    (message, Some(key.clone()))
                })?),
            };
            levels.insert(rule.code, value);
        }
        let exclude = file
            .exclude
            .iter()
            .map(|pattern| {
                path_glob::path_set(pattern)
                    .map_err(|e| plain(format!("invalid exclude pattern `{pattern}`: {e}")))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let per_file_ignores = PerFileIgnores::new(&file.per_file_ignores).map_err(plain)?;
        file.images.validate().map_err(plain)?;
        file.layout.validate().map_err(plain)?;
        file.fix.validate().map_err(plain)?;
        file.credentials.validate().map_err(plain)?;
        Ok(Settings {
            levels,
            exclude,
            per_file_ignores,
            max_file_size: file.max_file_size.map(|b| b.0).unwrap_or(10 * 1024 * 1024),
            images: file.images,
            layout: file.layout,
            fix: file.fix,
            credentials: file.credentials,
            sources: file.sources,
            source: path.map(Path::to_path_buf),
        })
    }

    /// The effective severity of a rule, or `None` when it is off.
    pub fn level(&self, code: &str) -> Option<Severity> {
        self.levels.get(code).copied().flatten()
    }

    /// Turns a rule on or off (command-line `--select` / `--ignore`).
    pub fn set_level(&mut self, code: &'static str, level: Option<Severity>) {
        self.levels.insert(code, level);
    }

    /// Whether `per-file-ignores` turns rule `code` off in `path`.
    pub fn ignored_in(&self, path: &str, code: &str) -> bool {
        !self.per_file_ignores.is_empty() && self.per_file_ignores.ignores(path, code)
    }

    /// Whether `path` is excluded by configuration.
    pub fn is_excluded(&self, path: &str) -> bool {
        self.exclude.iter().any(|set| set.is_match(path))
    }
}

/// What `gitops-guard init` found in the repository, written into the generated file.
#[derive(Debug, Clone, Default)]
pub struct Detected {
    /// The layout preset the repository looks like (`jx3`), if any.
    pub layout: Option<layout::PresetName>,
    /// The `fix:` defaults the index gives.
    pub fix: FixDefaults,
}

/// The commented default file written by `gitops-guard init`.
pub fn default_file_text(detected: &Detected) -> String {
    let mut out = String::from(
        "# gitops-guard configuration. `gitops-guard rules` lists the rules and\n\
         # `gitops-guard rule CODE` documents one.\n\n\
         # Per-rule level: off, error, warning or info. Rules not listed keep their default.\n\
         rules: {}\n",
    );
    out.push_str("#  GG101: error\n#  GG203: warning\n\n");
    out.push_str(
        "# Paths never scanned (globs relative to the repository root).\nexclude: []\n\n\
         # Files above this size are skipped with a warning.\nmax-file-size: 10MiB\n",
    );
    out.push_str(&fix_defaults::init_text(&detected.fix));
    out.push_str(
        "\n# Images (GG201-GG205): tags that move (replaces the default list; `latest` always\n\
         # counts), image globs never reported (`*` crosses `/`), and what GG205 (off by\n\
         # default) requires: tag, version (a full x.y.z) or digest.\n\
         # images:\n\
         #   mutable-tags: [latest, edge, nightly, main, master, develop, canary, unstable]\n\
         #   allow: [\"registry.local/*\", \"*/pause\"]\n\
         #   require: version\n",
    );
    out.push_str(
        "\n# GG106: key names that hold a credential (globs over the name lower-cased without\n\
         # `-`, `_`, `.`; `keys` replaces the default list, `ignore-keys` adds to the built-in one).\n\
         # credentials:\n\
         #   keys: [\"*password\", \"*passwd\", \"*passphrase\", \"*secret\", \"*token\", \"*apikey\",\n\
         #          \"*accesskey\", \"*secretkey\", \"*privatekey\", \"*credential\", \"*credentials\"]\n\
         #   ignore-keys: []\n",
    );
    out.push_str(sources::init_text());
    out.push_str(&layout::init_text(detected.layout));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(parse_size("10MiB"), Some(10 * 1024 * 1024));
        assert_eq!(parse_size("512 KiB"), Some(512 * 1024));
        assert_eq!(parse_size("7"), Some(7));
        assert_eq!(parse_size("ten"), None);
    }

    #[test]
    fn unknown_key_is_located() {
        let err = Settings::from_text("rules: {}\nbogus: 1\n", None).unwrap_err();
        assert!(err.location.starts_with(":2:"), "{err}");
        assert!(err.message.contains("bogus"), "{err}");
    }

    #[test]
    fn rule_levels() {
        let s = Settings::from_text(
            "rules:\n  GG101: warning\n  secret-generator-literal: off\n",
            None,
        )
        .unwrap();
        assert_eq!(s.level("GG101"), Some(Severity::Warning));
        assert_eq!(s.level("GG102"), None);
        let err = Settings::from_text("rules:\n  GG999: off\n", None).unwrap_err();
        assert!(err.message.contains("GG999"));
    }

    #[test]
    fn default_text_parses() {
        let plain = Settings::from_text(&default_file_text(&Detected::default()), None).unwrap();
        assert_eq!(plain.layout.preset, Some(layout::PresetName::None));
        let jx3 = Detected {
            layout: Some(layout::PresetName::Jx3),
            ..Detected::default()
        };
        let s = Settings::from_text(&default_file_text(&jx3), None).unwrap();
        assert_eq!(s.layout.preset, Some(layout::PresetName::Jx3));
    }
}
