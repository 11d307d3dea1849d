//! The `sources:` section of the configuration: how GG204 judges Flux and Argo CD sources.

use serde::Deserialize;

/// `sources:` in `.gitops-guard.yaml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct SourcesConfig {
    /// A Flux `GitRepository` or Argo CD source that points at this very repository (one of
    /// its remotes) and follows a branch is GitOps by design, not an unpinned artifact: not
    /// reported unless this is `false`.
    #[serde(default = "yes")]
    pub allow_self_branch: bool,
}

fn yes() -> bool {
    true
}

impl Default for SourcesConfig {
    fn default() -> Self {
        SourcesConfig {
            allow_self_branch: true,
        }
    }
}

/// The commented section `gitops-guard init` writes.
pub fn init_text() -> &'static str {
    "\n# Sources (GG204): a Flux GitRepository or Argo CD source that points at this repository\n\
     # (any of its remotes) and follows a branch is how the cluster follows its own config, so\n\
     # it is not reported; `false` reports it like any other branch.\n\
     # sources:\n\
     #   allow-self-branch: true\n"
}

#[cfg(test)]
mod tests {
    use crate::config::Settings;

    #[test]
    fn defaults_to_allowing_the_repository_itself() {
        let s = Settings::from_text("", None).unwrap();
        assert!(s.sources.allow_self_branch);
        let s = Settings::from_text("sources:\n  allow-self-branch: false\n", None).unwrap();
        assert!(!s.sources.allow_self_branch);
        let err = Settings::from_text("sources:\n  allow-self: false\n", None).unwrap_err();
        assert!(err.message.contains("allow-self"), "{err}");
    }
}
