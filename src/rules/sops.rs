//! The `sops:` metadata of a SOPS-encrypted YAML/JSON document, and which of its values sops
//! means to leave in plain text.
//!
//! sops encrypts every value, except where the metadata recorded at encryption time says
//! otherwise (one of, in sops' order of precedence): `unencrypted_suffix` (keys ending with it
//! stay plain, with everything below them), `encrypted_suffix` (only keys ending with it are
//! encrypted), `unencrypted_regex`, `encrypted_regex` (the same with regular expressions).
//! With none of them, sops uses `unencrypted_suffix: _unencrypted`. A key anywhere on a
//! value's path decides. An encrypted value is written `ENC[AES256_GCM,data:…]`.
//!
//! A `sops:` block with none of the fields sops writes (`mac`, `lastmodified`, `version`) is
//! not metadata: nothing in the document is treated as encrypted by design.

use crate::manifest::Node;
use regex::Regex;

/// The default of sops when no rule is recorded.
const DEFAULT_UNENCRYPTED_SUFFIX: &str = "_unencrypted";

/// What the metadata says about plain text.
#[derive(Debug)]
enum Policy {
    UnencryptedSuffix(String),
    EncryptedSuffix(String),
    UnencryptedRegex(Regex),
    EncryptedRegex(Regex),
    /// The metadata names a regular expression that does not compile: nothing is plain.
    Unknown,
}

/// The parts of a document's `sops:` block that decide what is plain.
#[derive(Debug)]
pub struct SopsMetadata {
    policy: Policy,
}

impl SopsMetadata {
    /// The metadata of `root` (a document's top-level mapping), when it has real metadata.
    pub fn of(root: &Node) -> Option<SopsMetadata> {
        let sops = root.get("sops")?;
        let field = |k: &str| sops.get(k).and_then(Node::as_str).filter(|s| !s.is_empty());
        if ["mac", "lastmodified", "version"]
            .iter()
            .all(|k| field(k).is_none())
        {
            return None;
        }
        let regex = |pattern: &str| Regex::new(pattern).ok();
        let policy = if let Some(s) = field("unencrypted_suffix") {
            Policy::UnencryptedSuffix(s.to_string())
        } else if let Some(s) = field("encrypted_suffix") {
            Policy::EncryptedSuffix(s.to_string())
        } else if let Some(r) = field("unencrypted_regex") {
            regex(r).map_or(Policy::Unknown, Policy::UnencryptedRegex)
        } else if let Some(r) = field("encrypted_regex") {
            regex(r).map_or(Policy::Unknown, Policy::EncryptedRegex)
        } else {
            Policy::UnencryptedSuffix(DEFAULT_UNENCRYPTED_SUFFIX.to_string())
        };
        Some(SopsMetadata { policy })
    }

    /// Whether sops leaves the value at `path` (the keys from the document root) in plain
    /// text on purpose.
    pub fn plain_by_design(&self, path: &[&str]) -> bool {
        match &self.policy {
            Policy::UnencryptedSuffix(s) => path.iter().any(|k| k.ends_with(s.as_str())),
            Policy::EncryptedSuffix(s) => !path.iter().any(|k| k.ends_with(s.as_str())),
            Policy::UnencryptedRegex(r) => path.iter().any(|k| r.is_match(k)),
            Policy::EncryptedRegex(r) => !path.iter().any(|k| r.is_match(k)),
            Policy::Unknown => false,
        }
    }
}

/// Whether a scalar is a sops-encrypted value.
pub fn is_encrypted(text: &str) -> bool {
    super::sops_config::is_encrypted_value(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifest::{ParseOptions, parse_stream};

    fn meta(yaml: &str) -> Option<SopsMetadata> {
        let docs = parse_stream(yaml, &ParseOptions::default());
        docs.first()
            .and_then(|d| d.root.as_ref())
            .and_then(SopsMetadata::of)
    }

    #[test]
    fn empty_or_fake_blocks_are_not_metadata() {
        assert!(meta("sops: {}\n").is_none());
        assert!(meta("sops: {kms: []}\n").is_none());
        assert!(meta("a: 1\n").is_none());
    }

    #[test]
    fn each_policy() {
        let m = meta("sops:\n  mac: ENC[x]\n  encrypted_regex: ^(data|stringData)$\n");
        let m = m.expect("metadata");
        assert!(!m.plain_by_design(&["data", "password"]));
        assert!(m.plain_by_design(&["metadata", "name"]));

        let m = meta("sops:\n  version: 3.9.0\n  unencrypted_regex: ^user$\n").expect("m");
        assert!(m.plain_by_design(&["stringData", "user"]));
        assert!(!m.plain_by_design(&["stringData", "password"]));

        let m = meta("sops:\n  version: 3.9.0\n  encrypted_suffix: _enc\n").expect("m");
        assert!(m.plain_by_design(&["stringData", "user"]));
        assert!(!m.plain_by_design(&["stringData", "password_enc"]));

        let m = meta("sops:\n  lastmodified: '2024-01-01T00:00:00Z'\n").expect("m");
        assert!(m.plain_by_design(&["stringData", "host_unencrypted"]));
        assert!(!m.plain_by_design(&["stringData", "password"]));

        let m = meta("sops:\n  mac: x\n  encrypted_regex: '(unclosed'\n").expect("m");
        assert!(!m.plain_by_design(&["metadata"]));
    }

    #[test]
    fn encrypted_values() {
        assert!(is_encrypted(
            "ENC[AES256_GCM,data:abc=,iv:x,tag:y,type:str]"
        ));
        assert!(!is_encrypted("hunter2"));
        assert!(!is_encrypted("ENC[unterminated"));
    }
}
