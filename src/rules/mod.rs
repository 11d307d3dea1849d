//! The rules: one file each, a stable code, and a doc comment that is the user documentation.
//!
//! A rule sees one [`File`] at a time (with its parsed documents) and a [`Ctx`] with the
//! resolved settings and a read-only view of the whole repository. Rules never print; they
//! push [`Finding`]s. Codes are never reused: `GG0xx` for the tool itself, `GG1xx` secrets,
//! `GG2xx` unpinned artifacts, `GG3xx` layout.

pub mod charts;
pub mod containers;
pub mod credential_in_values;
pub mod dotenv;
mod found_values;
pub mod image_ref;
mod internal;
mod latest_tag;
mod namespace_mismatch;
mod non_canonical_name;
mod off_layout;
pub mod pins;
mod plaintext_git_crypt;
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
pub mod version_stream;
pub mod versions;

pub use found_values::found_value_spans;
pub use internal::{FileTooLarge, InvalidSuppression, InvalidYaml, UnusedSuppression};
pub use namespace_mismatch::NamespaceMismatch;
pub use non_canonical_name::NonCanonicalName;
pub use off_layout::OffLayout;
pub use plaintext_git_crypt::PlaintextGitCrypt;
pub use raw_secret::{LAST_APPLIED, RawSecret, RawSecretInfo, allowed_secrets, sensitive_spans};
pub use scope_mismatch::ScopeMismatch;

use crate::config::Settings;
use crate::finding::{Finding, Severity};
use crate::manifest::Document;

/// What kind of content a file holds, decided from its path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    Yaml,
    Json,
    Dockerfile,
    Other,
}

impl FileKind {
    pub fn of(path: &str) -> FileKind {
        // Called for every path of the repository (CRD lookups): no allocation.
        let name = path.as_bytes();
        let name = memchr::memrchr(b'/', name).map_or(name, |i| &name[i + 1..]);
        let ends = |s: &str| {
            name.len() >= s.len() && name[name.len() - s.len()..].eq_ignore_ascii_case(s.as_bytes())
        };
        let starts =
            |s: &str| name.len() >= s.len() && name[..s.len()].eq_ignore_ascii_case(s.as_bytes());
        // kustomize also reads an extension-less `Kustomization` file.
        if ends(".yaml") || ends(".yml") || name == b"Kustomization" {
            FileKind::Yaml
        } else if ends(".json") {
            FileKind::Json
        } else if name.eq_ignore_ascii_case(b"dockerfile")
            || starts("dockerfile.")
            || ends(".dockerfile")
            || name.eq_ignore_ascii_case(b"containerfile")
            || starts("containerfile.")
        {
            FileKind::Dockerfile
        } else {
            FileKind::Other
        }
    }
}

/// One file as the rules see it.
pub struct File<'a> {
    pub path: &'a str,
    pub text: &'a str,
    pub kind: FileKind,
    /// Parsed documents (empty unless the file is YAML or JSON).
    pub docs: &'a [Document],
}

/// Read-only access to the rest of the repository (the index, or the commit being scanned).
pub trait RepoView: Sync {
    /// Every path in the index / commit.
    fn paths(&self) -> &[String];
    /// The content at `path`, if present and readable.
    fn read(&self, path: &str) -> Option<std::sync::Arc<Vec<u8>>>;
    /// Calls `f(i, content)` for each `paths[i]` that [`RepoView::read`] would return, in any
    /// order and possibly on several threads, without keeping the contents: for scans over the
    /// whole repository (the CRDs). The default reads them one by one.
    fn for_each_blob(&self, paths: &[&str], f: &(dyn Fn(usize, &[u8]) + Sync)) {
        for (i, path) in paths.iter().enumerate() {
            if let Some(bytes) = self.read(path) {
                f(i, &bytes);
            }
        }
    }
    /// Offers `value` as what `f` of [`RepoView::memo_blobs`] under `name` would compute for
    /// the content at `path` with `tag`: a scan that read the file anyway saves the view
    /// reading it again. The default ignores it.
    fn remember(&self, _name: &str, _path: &str, _tag: u8, _value: Vec<u8>) {}
    /// `(i, f(i, content))` for each readable `paths()[items[i].0]`, in order of `i`; empty
    /// results may be left out. `f` must depend on nothing but the content and the tag
    /// `items[i].1` (e.g. how the path says to parse it): a view may then remember the results
    /// by blob id (in `name`'s cache file) and skip reading blobs it has seen before. The
    /// default computes everything.
    fn memo_blobs(
        &self,
        _name: &str,
        items: &[(usize, u8)],
        f: &(dyn Fn(usize, &[u8]) -> Vec<u8> + Sync),
    ) -> Vec<(usize, Vec<u8>)> {
        let all = self.paths();
        let paths: Vec<&str> = items.iter().map(|(p, _)| all[*p].as_str()).collect();
        let out = std::sync::Mutex::new(Vec::new());
        self.for_each_blob(&paths, &|i, bytes| {
            let value = f(i, bytes);
            out.lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .push((i, value));
        });
        let mut out = out
            .into_inner()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        out.sort_by_key(|(i, _)| *i);
        out
    }
}

/// An empty repository view, for unit tests and stdin.
pub struct NoRepo;

impl RepoView for NoRepo {
    fn paths(&self) -> &[String] {
        &[]
    }
    fn read(&self, _path: &str) -> Option<std::sync::Arc<Vec<u8>>> {
        None
    }
}

/// Everything a rule may consult besides the file itself.
pub struct Ctx<'a> {
    pub settings: &'a Settings,
    pub repo: &'a dyn RepoView,
    /// The layout of this run (GG301–GG304); `None` when no layout applies or those rules
    /// are off.
    pub layout: Option<&'a crate::layout::LayoutIndex<'a>>,
}

/// A rule. See `raw_secret.rs` for the model to follow.
pub trait Rule: Sync {
    /// Stable code, e.g. `GG101`.
    fn code(&self) -> &'static str;
    /// Stable kebab-case name, e.g. `raw-secret`.
    fn name(&self) -> &'static str;
    /// One line for `gitops-guard rules`.
    fn summary(&self) -> &'static str;
    /// The full documentation (What it does / Why is this bad? / Example / Use instead / Fix).
    fn doc(&self) -> &'static str;
    fn default_severity(&self) -> Severity {
        Severity::Error
    }
    fn fixable(&self) -> bool {
        false
    }
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
}

/// Every rule, in code order. A test keeps codes unique and sorted.
pub const RULES: &[&dyn Rule] = &[
    &InvalidYaml,
    &FileTooLarge,
    &UnusedSuppression,
    &InvalidSuppression,
    &RawSecret,
    &secret_generator_literal::SecretGeneratorLiteral,
    &PlaintextGitCrypt,
    &plaintext_sops::PlaintextSops,
    &private_key::PrivateKey,
    &credential_in_values::CredentialInValues,
    &latest_tag::LatestTag,
    &untagged_image::UntaggedImage,
    &snapshot_version::SnapshotVersion,
    &unpinned_chart::UnpinnedChart,
    &OffLayout,
    &NamespaceMismatch,
    &ScopeMismatch,
    &NonCanonicalName,
];

/// Looks a rule up by code (`GG101`) or name (`raw-secret`), case-insensitively.
pub fn lookup(code_or_name: &str) -> Option<&'static dyn Rule> {
    RULES.iter().copied().find(|r| {
        r.code().eq_ignore_ascii_case(code_or_name) || r.name().eq_ignore_ascii_case(code_or_name)
    })
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
    fn codes_are_unique_sorted_and_documented() {
        let codes: Vec<_> = RULES.iter().map(|r| r.code()).collect();
        let mut sorted = codes.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(codes, sorted, "rule codes must be unique and in order");
        for rule in RULES {
            let doc = rule.doc();
            for section in ["## What it does", "## Why is this bad?", "## Example"] {
                assert!(doc.contains(section), "{} lacks `{section}`", rule.code());
            }
            assert!(
                rule.name()
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c == '-' || c.is_ascii_digit()),
                "{} name must be kebab-case",
                rule.code()
            );
        }
    }

    #[test]
    fn file_kinds() {
        assert_eq!(FileKind::of("a/b.YAML"), FileKind::Yaml);
        assert_eq!(FileKind::of("x.json"), FileKind::Json);
        assert_eq!(FileKind::of("svc/Dockerfile.prod"), FileKind::Dockerfile);
        assert_eq!(FileKind::of("build.dockerfile"), FileKind::Dockerfile);
        assert_eq!(FileKind::of("Containerfile"), FileKind::Dockerfile);
        assert_eq!(FileKind::of("notes.txt"), FileKind::Other);
    }
}
