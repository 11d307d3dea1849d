//! The `images:` section of the configuration: which tags count as mutable, which images
//! are never reported (GG201–GG205), and how precise a pin GG205 requires.

use serde::Deserialize;
use std::collections::BTreeSet;
use std::sync::{Arc, Mutex, OnceLock};

/// (image name, `allow` pattern) pairs seen allowed during a run, for `--verbose`.
type Seen = Arc<Mutex<BTreeSet<(String, String)>>>;

/// `images:` in `.gitops-guard.yaml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ImagesConfig {
    /// Tags that move (GG201 names the tag it found). `latest` is always included; the
    /// list replaces the default.
    #[serde(default = "default_mutable_tags")]
    pub mutable_tags: Vec<String>,
    /// Image name globs never reported, matched against the name as written, the full
    /// reference and the fully qualified name (`docker.io/library/nginx`); `*` crosses `/`.
    #[serde(default)]
    pub allow: Vec<String>,
    /// What GG205 (floating-tag, off by default) requires of a reference.
    #[serde(default)]
    pub require: Require,
    #[serde(skip)]
    allow_set: OnceLock<globset::GlobSet>,
    /// Set by [`ImagesConfig::record_allowed`] (`check -v`); `None` on the everyday path.
    #[serde(skip)]
    seen: Option<Seen>,
}

/// `images.require`: how precisely a reference must name what runs (GG205).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Require {
    /// Any tag: GG205 reports nothing (GG201/GG202 still apply).
    Tag,
    /// A full `x.y.z` version (or a build tag): a major, a major.minor or a word floats.
    #[default]
    Version,
    /// A digest (`@sha256:…`); for GitHub Actions, a full commit SHA.
    Digest,
}

/// Channel tags that are re-pointed at new builds all the time.
pub const DEFAULT_MUTABLE_TAGS: &[&str] = &[
    "latest", "edge", "nightly", "main", "master", "develop", "canary", "unstable",
];

fn default_mutable_tags() -> Vec<String> {
    DEFAULT_MUTABLE_TAGS.iter().map(|s| s.to_string()).collect()
}

impl Default for ImagesConfig {
    fn default() -> Self {
        ImagesConfig {
            mutable_tags: default_mutable_tags(),
            allow: Vec::new(),
            require: Require::default(),
            allow_set: OnceLock::new(),
            seen: None,
        }
    }
}

impl ImagesConfig {
    /// Checks values that serde cannot (patterns, names).
    pub fn validate(&self) -> Result<(), String> {
        for tag in &self.mutable_tags {
            let ok = !tag.is_empty()
                && tag.len() <= 128
                && tag
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'));
            if !ok {
                return Err(format!(
                    "invalid tag `{tag}` in `images.mutable-tags`: a tag is 1-128 letters, digits, `_`, `.` or `-`"
                ));
            }
        }
        for pattern in &self.allow {
            build_glob(pattern)?;
        }
        Ok(())
    }

    /// Whether any of `names` (forms of one image name) matches an `allow` pattern.
    pub fn is_allowed(&self, names: &[&str]) -> bool {
        if self.allow.is_empty() {
            return false;
        }
        let set = self.allow_set.get_or_init(|| {
            let mut builder = globset::GlobSetBuilder::new();
            // Invalid patterns were rejected by `validate`; skipping here is only a fallback.
            for glob in self.allow.iter().filter_map(|p| build_glob(p).ok()) {
                builder.add(glob);
            }
            builder
                .build()
                .unwrap_or_else(|_| globset::GlobSet::empty())
        });
        let Some(seen) = &self.seen else {
            return names.iter().any(|n| set.is_match(n));
        };
        let hit = names
            .iter()
            .find_map(|n| set.matches(n).first().and_then(|&i| self.allow.get(i)));
        if let (Some(pattern), Some(name)) = (hit, names.first())
            && let Ok(mut seen) = seen.lock()
        {
            seen.insert((name.to_string(), pattern.clone()));
        }
        hit.is_some()
    }

    /// From now on, remember which images `allow` let through (for `check -v`).
    pub fn record_allowed(&mut self) {
        self.seen = Some(Seen::default());
    }

    /// The (image name, pattern) pairs `allow` let through since [`Self::record_allowed`].
    pub fn allowed_seen(&self) -> Vec<(String, String)> {
        self.seen
            .as_ref()
            .and_then(|s| s.lock().ok().map(|s| s.iter().cloned().collect()))
            .unwrap_or_default()
    }
}

fn build_glob(pattern: &str) -> Result<globset::Glob, String> {
    globset::GlobBuilder::new(pattern)
        .literal_separator(false)
        .build()
        .map_err(|e| format!("invalid image pattern `{pattern}` in `images.allow`: {e}"))
}

#[cfg(test)]
mod tests {
    use crate::config::Settings;

    #[test]
    fn defaults() {
        let s = Settings::default();
        assert!(s.images.mutable_tags.iter().any(|t| t == "latest"));
        assert!(s.images.mutable_tags.iter().any(|t| t == "edge"));
        assert!(!s.images.is_allowed(&["nginx"]));
    }

    #[test]
    fn parse_and_match() {
        let s = Settings::from_text(
            "images:\n  mutable-tags: [latest, nightly]\n  allow: [\"registry.local/*\", \"*/pause\"]\n",
            None,
        )
        .unwrap();
        assert_eq!(s.images.mutable_tags, vec!["latest", "nightly"]);
        assert!(s.images.is_allowed(&["registry.local/team/app"]));
        assert!(s.images.is_allowed(&["kubernetes/pause"]));
        assert!(s.images.is_allowed(&["nope", "docker.io/kubernetes/pause"]));
        assert!(!s.images.is_allowed(&["nginx", "docker.io/library/nginx"]));
    }

    #[test]
    fn invalid_values_are_errors() {
        let err = Settings::from_text("images:\n  allow: [\"a[\"]\n", None).unwrap_err();
        assert!(err.message.contains("images.allow"), "{err}");
        let err = Settings::from_text("images:\n  mutable-tags: [\"a b\"]\n", None).unwrap_err();
        assert!(err.message.contains("mutable-tags"), "{err}");
        let err = Settings::from_text("images:\n  bogus: 1\n", None).unwrap_err();
        assert!(err.message.contains("bogus"), "{err}");
    }
}
