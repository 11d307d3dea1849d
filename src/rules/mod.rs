//! The rules: one file each, with the check and the doc comment that is the user
//! documentation; their identities (code, name, level) are in [`crate::catalog`].
//!
//! A rule sees one [`File`] at a time (with its parsed documents) and a [`Ctx`] with the
//! resolved settings and a read-only view of the whole repository. Rules never print; they
//! push [`Finding`]s.

pub mod charts;
mod compose;
pub mod containers;
pub mod credential_in_values;
pub mod dotenv;
mod embedded;
mod floating_tag;
mod found_values;
pub mod image_ref;
pub mod internal;
mod latest_tag;
mod namespace_mismatch;
mod non_canonical_name;
mod off_layout;
pub mod pins;
pub mod plaintext_git_crypt;
pub mod plaintext_sops;
pub mod private_key;
mod raw_secret;
mod scope_mismatch;
mod secret_generator_literal;
pub mod secret_refs;
mod snapshot_version;
pub mod sops;
pub mod sops_config;
mod unpinned_chart;
mod untagged_image;
pub mod unused_baseline_entry;
pub mod version_stream;
pub mod versions;
mod workflows;

pub use found_values::found_value_spans;
pub use raw_secret::{LAST_APPLIED, RawSecretInfo, allowed_secrets, sensitive_spans};

use crate::catalog::{self, RuleInfo, Severity};
use crate::config::Settings;
use crate::finding::Finding;
use crate::layout::LayoutIndex;
use crate::manifest::{Document, FileKind};
use crate::source::RepoView;

/// One file as the rules see it.
pub struct File<'a> {
    pub path: &'a str,
    pub text: &'a str,
    pub kind: FileKind,
    /// Parsed documents (empty unless the file is YAML or JSON).
    pub docs: &'a [Document],
    /// Scans several rules share, done once per file (see [`pins::images`]).
    scans: pins::Scans,
}

impl<'a> File<'a> {
    pub fn new(path: &'a str, text: &'a str, kind: FileKind, docs: &'a [Document]) -> Self {
        File {
            path,
            text,
            kind,
            docs,
            scans: pins::Scans::default(),
        }
    }
}

/// Everything a rule may consult besides the file itself.
pub struct Ctx<'a> {
    pub settings: &'a Settings,
    pub repo: &'a dyn RepoView,
    /// The layout of this run (GG301–GG304); `None` when no layout applies or those rules
    /// are off.
    pub layout: Option<&'a LayoutIndex<'a>>,
}

/// A rule. See `raw_secret.rs` for the model to follow.
pub trait Rule: Sync {
    /// The rule's entry in the catalog: code, name, default level, summary.
    fn info(&self) -> &'static RuleInfo;
    /// The full documentation (What it does / Why is this bad? / Example / Use instead / Fix).
    fn doc(&self) -> &'static str;
    /// Whether the rule may report anything for this file; lets the engine skip parsing.
    fn applies_to(&self, kind: FileKind, path: &str, bytes: &[u8]) -> bool;
    /// [`Rule::applies_to`] with the run's context, for rules whose answer depends on
    /// the whole repository (the layout). The engine asks this one.
    fn applies_in(&self, ctx: &Ctx, kind: FileKind, path: &str, bytes: &[u8]) -> bool {
        let _ = ctx;
        self.applies_to(kind, path, bytes)
    }
    /// Whether the rule reads the parsed documents. A file only path rules look at is never
    /// parsed (and never needs to be UTF-8).
    fn reads_documents(&self) -> bool {
        true
    }
    fn check(&self, file: &File, ctx: &Ctx, out: &mut Vec<Finding>);

    // Shorthands for the catalog entry (not meant to be overridden).
    fn code(&self) -> &'static str {
        self.info().code
    }
    fn name(&self) -> &'static str {
        self.info().name
    }
    fn summary(&self) -> &'static str {
        self.info().summary
    }
    fn default_severity(&self) -> Severity {
        self.info().severity
    }
    fn fixable(&self) -> bool {
        self.info().fixable
    }
}

/// Every rule, in the order of [`catalog::ALL`] (a test keeps them in step).
pub const RULES: &[&dyn Rule] = &[
    &internal::InvalidYaml,
    &internal::FileTooLarge,
    &internal::UnusedSuppression,
    &internal::InvalidSuppression,
    &unused_baseline_entry::UnusedBaselineEntry,
    &raw_secret::RawSecret,
    &secret_generator_literal::SecretGeneratorLiteral,
    &plaintext_git_crypt::PlaintextGitCrypt,
    &plaintext_sops::PlaintextSops,
    &private_key::PrivateKey,
    &credential_in_values::CredentialInValues,
    &latest_tag::LatestTag,
    &untagged_image::UntaggedImage,
    &snapshot_version::SnapshotVersion,
    &unpinned_chart::UnpinnedChart,
    &floating_tag::FloatingTag,
    &off_layout::OffLayout,
    &namespace_mismatch::NamespaceMismatch,
    &scope_mismatch::ScopeMismatch,
    &non_canonical_name::NonCanonicalName,
];

/// The implementation of a rule, by code (`GG101`) or name (`raw-secret`), case-insensitively.
pub fn lookup(code_or_name: &str) -> Option<&'static dyn Rule> {
    let info = catalog::lookup(code_or_name)?;
    RULES.iter().copied().find(|r| r.code() == info.code)
}

/// True when `haystack` contains `needle` (a cheap prefilter before parsing).
pub fn contains(haystack: &[u8], needle: &str) -> bool {
    memchr::memmem::find(haystack, needle.as_bytes()).is_some() || may_hide_text(haystack)
}

/// Like [`contains`], ignoring ASCII case (`needle` must be lower-case).
pub fn contains_ignore_ascii_case(haystack: &[u8], needle: &str) -> bool {
    let n = needle.as_bytes();
    let Some(&first) = n.first() else { return true };
    // Scan for either case of the first byte, then compare the rest.
    let upper = first.to_ascii_uppercase();
    memchr::memchr2_iter(first, upper, haystack).any(|i| {
        haystack
            .get(i..i + n.len())
            .is_some_and(|w| w.eq_ignore_ascii_case(n))
    }) || may_hide_text(haystack)
}

/// Whether the bytes hold an escape that spells text differently from how the parser reads
/// it: `\u0053ecret` (JSON and YAML double-quoted), `\x53`, `\U…`, or an escaped line break
/// that joins two lines of a double-quoted scalar (or of a Dockerfile instruction). A byte
/// prefilter must accept every file the parser could read as matching, so such files are
/// always parsed.
pub fn may_hide_text(haystack: &[u8]) -> bool {
    memchr::memchr_iter(b'\\', haystack).any(|i| {
        matches!(
            haystack.get(i + 1),
            Some(b'u' | b'U' | b'x' | b'\n' | b'\r')
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_implementation_per_catalog_entry_in_order_and_documented() {
        let implemented: Vec<&RuleInfo> = RULES.iter().map(|r| r.info()).collect();
        assert_eq!(implemented, catalog::ALL);
        for rule in RULES {
            let doc = rule.doc();
            for section in ["## What it does", "## Why is this bad?", "## Example"] {
                assert!(doc.contains(section), "{} lacks `{section}`", rule.code());
            }
        }
    }

    #[test]
    fn lookup_finds_the_implementation() {
        assert_eq!(lookup("raw-secret").map(|r| r.code()), Some("GG101"));
        assert!(lookup("GG999").is_none());
    }
}
