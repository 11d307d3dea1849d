//! The catalog: every rule's stable identity (code, name, default level, whether `--fix`
//! handles it, one-line summary), in code order.
//!
//! This is the table the configuration, suppressions and findings look rules up in; it knows
//! nothing about what a rule checks (that is `rules/`, one implementation per entry, in the
//! same order). Codes are never reused: `GG0xx` the tool itself, `GG1xx` secrets, `GG2xx`
//! unpinned artifacts, `GG3xx` layout.

/// How serious a finding is. Only `Error` findings fail the run (exit 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Error,
    Warning,
    Info,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }

    pub fn parse(s: &str) -> Option<Severity> {
        match s {
            "error" => Some(Severity::Error),
            "warning" | "warn" => Some(Severity::Warning),
            "info" => Some(Severity::Info),
            _ => None,
        }
    }
}

/// One rule's identity.
#[derive(Debug, PartialEq, Eq)]
pub struct RuleInfo {
    /// Stable code, e.g. `GG101`.
    pub code: &'static str,
    /// Stable kebab-case name that reads as "allow <name>", e.g. `raw-secret`.
    pub name: &'static str,
    /// The level unless the configuration says otherwise.
    pub severity: Severity,
    /// Whether `check --fix` rewrites what it reports.
    pub fixable: bool,
    /// One line for `gitops-guard rules`.
    pub summary: &'static str,
    /// Whether the rule runs unless configured; an opt-in rule runs at `severity` once
    /// `rules:` or `--select` names it.
    pub enabled: bool,
}

const fn rule(code: &'static str, name: &'static str, summary: &'static str) -> RuleInfo {
    RuleInfo {
        code,
        name,
        severity: Severity::Error,
        fixable: false,
        summary,
        enabled: true,
    }
}

const fn warning(info: RuleInfo) -> RuleInfo {
    RuleInfo {
        severity: Severity::Warning,
        ..info
    }
}

const fn opt_in(info: RuleInfo) -> RuleInfo {
    RuleInfo {
        enabled: false,
        ..info
    }
}

const fn fixable(info: RuleInfo) -> RuleInfo {
    RuleInfo {
        fixable: true,
        ..info
    }
}

pub const INVALID_YAML: RuleInfo = rule(
    "GG001",
    "invalid-yaml",
    "a YAML/JSON file or document does not parse",
);
pub const FILE_TOO_LARGE: RuleInfo = warning(rule(
    "GG003",
    "file-too-large",
    "a staged file is over the size limit and was not scanned",
));
pub const UNUSED_SUPPRESSION: RuleInfo = warning(rule(
    "GG004",
    "unused-suppression",
    "a suppression comment or annotation matches no finding",
));
pub const INVALID_SUPPRESSION: RuleInfo = warning(rule(
    "GG005",
    "invalid-suppression",
    "a suppression names an unknown rule or is malformed",
));
pub const UNUSED_BASELINE_ENTRY: RuleInfo = warning(rule(
    "GG006",
    "unused-baseline-entry",
    "a baseline entry matches no finding any more (reported under `--all`)",
));
pub const RAW_SECRET: RuleInfo = fixable(rule(
    "GG101",
    "raw-secret",
    "a Kubernetes Secret with values in data/stringData",
));
pub const SECRET_GENERATOR_LITERAL: RuleInfo = rule(
    "GG102",
    "secret-generator-literal",
    "a kustomize secretGenerator with literal values",
);
pub const PLAINTEXT_GIT_CRYPT: RuleInfo = rule(
    "GG103",
    "plaintext-git-crypt",
    "a file marked filter=git-crypt is staged as plaintext",
);
pub const PLAINTEXT_SOPS: RuleInfo = rule(
    "GG104",
    "plaintext-sops",
    "a file .sops.yaml says to encrypt is staged in plain text (or partly)",
);
pub const PRIVATE_KEY: RuleInfo = rule(
    "GG105",
    "private-key",
    "a PEM, OpenSSH or PGP private key block (also base64-encoded)",
);
pub const CREDENTIAL_IN_VALUES: RuleInfo = rule(
    "GG106",
    "credential-in-values",
    "a plain-text credential in Helm/helmfile values, a HelmRelease, an Application or a generator env file",
);
pub const LATEST_TAG: RuleInfo = rule(
    "GG201",
    "latest-tag",
    "an image with the `latest` tag or another mutable tag",
);
pub const UNTAGGED_IMAGE: RuleInfo = rule(
    "GG202",
    "untagged-image",
    "an image with neither tag nor digest (implicitly `latest`)",
);
pub const SNAPSHOT_VERSION: RuleInfo = rule(
    "GG203",
    "snapshot-version",
    "a SNAPSHOT image tag or chart version",
);
pub const UNPINNED_CHART: RuleInfo = rule(
    "GG204",
    "unpinned-chart",
    "a chart or artifact without an exact version (missing, range, branch)",
);
pub const FLOATING_TAG: RuleInfo = opt_in(rule(
    "GG205",
    "floating-tag",
    "an image tag or action ref that names a release line (`redis:7`, `@v4`), not a release",
));
pub const OFF_LAYOUT: RuleInfo = fixable(rule(
    "GG301",
    "off-layout",
    "a file at a path the repository layout does not allow",
));
pub const NAMESPACE_MISMATCH: RuleInfo = rule(
    "GG302",
    "namespace-mismatch",
    "metadata.namespace differs from the namespace folder the file is in",
);
pub const SCOPE_MISMATCH: RuleInfo = fixable(rule(
    "GG303",
    "scope-mismatch",
    "a cluster-scoped, namespaced or CRD object in the wrong kind of folder",
));
pub const NON_CANONICAL_NAME: RuleInfo = fixable(rule(
    "GG304",
    "non-canonical-name",
    "a resource file not named <name>-<suffix>.yaml, or with several documents",
));

/// Every rule, in code order. A test keeps codes unique and sorted.
pub const ALL: &[&RuleInfo] = &[
    &INVALID_YAML,
    &FILE_TOO_LARGE,
    &UNUSED_SUPPRESSION,
    &INVALID_SUPPRESSION,
    &UNUSED_BASELINE_ENTRY,
    &RAW_SECRET,
    &SECRET_GENERATOR_LITERAL,
    &PLAINTEXT_GIT_CRYPT,
    &PLAINTEXT_SOPS,
    &PRIVATE_KEY,
    &CREDENTIAL_IN_VALUES,
    &LATEST_TAG,
    &UNTAGGED_IMAGE,
    &SNAPSHOT_VERSION,
    &UNPINNED_CHART,
    &FLOATING_TAG,
    &OFF_LAYOUT,
    &NAMESPACE_MISMATCH,
    &SCOPE_MISMATCH,
    &NON_CANONICAL_NAME,
];

/// Looks a rule up by code (`GG101`) or name (`raw-secret`), case-insensitively.
pub fn lookup(code_or_name: &str) -> Option<&'static RuleInfo> {
    ALL.iter().copied().find(|r| {
        r.code.eq_ignore_ascii_case(code_or_name) || r.name.eq_ignore_ascii_case(code_or_name)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_sorted_and_names_kebab_case() {
        let codes: Vec<_> = ALL.iter().map(|r| r.code).collect();
        let mut sorted = codes.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(codes, sorted, "rule codes must be unique and in order");
        for rule in ALL {
            assert!(
                rule.name
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c == '-' || c.is_ascii_digit()),
                "{} name must be kebab-case",
                rule.code
            );
        }
    }

    #[test]
    fn lookup_by_code_or_name() {
        assert_eq!(lookup("gg101"), Some(&RAW_SECRET));
        assert_eq!(lookup("Raw-Secret"), Some(&RAW_SECRET));
        assert_eq!(lookup("GG999"), None);
    }
}
