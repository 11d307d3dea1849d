//! What sops would do with a file (GG104): the repository's `.sops.yaml` creation rules, the
//! `sops` metadata an encrypted file carries in any of sops' formats, and which values either
//! says must be encrypted. (`super::sops` is GG101's view of a Secret's metadata.)
//!
//! Follows sops (`config/config.go`, `sops.go`): the config is the nearest `.sops.yaml` in the
//! file's folder or above (`.sops.yml` is ignored, as sops ignores it); `path_regex` is an
//! unanchored RE2 regex matched against the path relative to that config's folder; the first
//! rule whose `path_regex` matches (or that has none) wins; a config without
//! `creation_rules` covers nothing. A leaf value is encrypted unless the rule (or, for an
//! encrypted file, its metadata) selects otherwise: `encrypted_regex` / `encrypted_suffix`
//! encrypt only values under a matching key, `unencrypted_regex` / `unencrypted_suffix` leave
//! those under a matching key in plain text; with none of them, keys ending `_unencrypted`
//! stay plain.

use super::RepoView;
use crate::manifest::{Document, Node, ParseOptions, Value, parse_stream};
use regex::Regex;
use std::collections::HashMap;
use std::ops::Range;
use std::sync::{Arc, LazyLock, Mutex};

/// The name sops looks for.
pub const CONFIG_NAME: &str = ".sops.yaml";
/// The suffix sops leaves in plain text when nothing else is configured.
pub const DEFAULT_UNENCRYPTED_SUFFIX: &str = "_unencrypted";
/// The largest compiled regex accepted (sops' regexes are short).
const REGEX_SIZE_LIMIT: usize = 1 << 20;

/// Which values sops encrypts.
#[derive(Debug, Clone)]
pub enum Selector {
    /// Everything except values under a key ending with this suffix.
    UnencryptedSuffix(String),
    /// Only values under a key ending with this suffix.
    EncryptedSuffix(String),
    /// Everything except values under a key matching this regex.
    UnencryptedRegex(Regex),
    /// Only values under a key matching this regex.
    EncryptedRegex(Regex),
    /// Decided by comments (`encrypted_comment_regex` / `unencrypted_comment_regex`): which
    /// values are meant is not checked value by value.
    Comments,
}

impl Selector {
    /// Whether a leaf under the mapping keys `path` is encrypted.
    pub fn encrypts(&self, path: &[&str]) -> bool {
        match self {
            Selector::UnencryptedSuffix(s) => !path.iter().any(|k| k.ends_with(s.as_str())),
            Selector::EncryptedSuffix(s) => path.iter().any(|k| k.ends_with(s.as_str())),
            Selector::UnencryptedRegex(r) => !path.iter().any(|k| r.is_match(k)),
            Selector::EncryptedRegex(r) => path.iter().any(|k| r.is_match(k)),
            Selector::Comments => true,
        }
    }

    /// How it reads in a message, e.g. `encrypted_regex: ^(data|stringData)$`.
    pub fn describe(&self) -> String {
        match self {
            Selector::UnencryptedSuffix(s) => format!("unencrypted_suffix: {s}"),
            Selector::EncryptedSuffix(s) => format!("encrypted_suffix: {s}"),
            Selector::UnencryptedRegex(r) => format!("unencrypted_regex: {}", r.as_str()),
            Selector::EncryptedRegex(r) => format!("encrypted_regex: {}", r.as_str()),
            Selector::Comments => "comment regexes".to_string(),
        }
    }

    /// The selector of a rule or metadata map (`None` when a regex does not compile or more
    /// than one is set, which sops refuses).
    fn of(get: &dyn Fn(&str) -> Option<String>) -> Option<Selector> {
        let fields = [
            "unencrypted_suffix",
            "encrypted_suffix",
            "unencrypted_regex",
            "encrypted_regex",
            "unencrypted_comment_regex",
            "encrypted_comment_regex",
        ];
        let set: Vec<(&str, String)> = fields
            .iter()
            .filter_map(|f| get(f).filter(|v| !v.is_empty()).map(|v| (*f, v)))
            .collect();
        match set.as_slice() {
            [] => Some(Selector::UnencryptedSuffix(
                DEFAULT_UNENCRYPTED_SUFFIX.to_string(),
            )),
            [(field, value)] => Some(match *field {
                "unencrypted_suffix" => Selector::UnencryptedSuffix(value.clone()),
                "encrypted_suffix" => Selector::EncryptedSuffix(value.clone()),
                "unencrypted_regex" => Selector::UnencryptedRegex(compile(value)?),
                "encrypted_regex" => Selector::EncryptedRegex(compile(value)?),
                _ => Selector::Comments,
            }),
            _ => None,
        }
    }
}

/// Compiles a Go RE2 regex with the `regex` crate (the same syntax for what sops configs use;
/// linear time), within a size limit.
pub fn compile(pattern: &str) -> Option<Regex> {
    regex::RegexBuilder::new(pattern)
        .size_limit(REGEX_SIZE_LIMIT)
        .build()
        .ok()
}

/// One `creation_rules` entry.
#[derive(Debug, Clone)]
pub struct CreationRule {
    /// 1-based position in `creation_rules`.
    pub number: usize,
    /// `None`: no `path_regex`, the rule matches every file.
    pub path_regex: Option<Regex>,
    /// `None` when the rule's selection is invalid (sops refuses to use it).
    pub selector: Option<Selector>,
}

/// A parsed `.sops.yaml`.
#[derive(Debug, Clone, Default)]
pub struct SopsConfig {
    pub rules: Vec<CreationRule>,
    /// A `path_regex` did not compile at this rule number: sops fails at it.
    pub broken_at: Option<usize>,
}

impl SopsConfig {
    /// Parses `.sops.yaml` text; `None` when it has no `creation_rules` (sops then uses none).
    pub fn parse(text: &str) -> Option<SopsConfig> {
        let docs = parse_stream(text, &ParseOptions::default());
        let root = docs.first()?.root.as_ref()?;
        let rules = root.get("creation_rules")?.as_seq()?;
        let mut config = SopsConfig::default();
        for (i, rule) in rules.iter().enumerate() {
            let number = i + 1;
            let text_of = |key: &str| {
                rule.get(key)
                    .and_then(Node::as_str)
                    .map(str::to_string)
                    .filter(|_| !rule.get(key).is_some_and(Node::is_null))
            };
            let path_regex = match text_of("path_regex").filter(|p| !p.is_empty()) {
                None => None,
                Some(p) => match compile(&p) {
                    Some(r) => Some(r),
                    None => {
                        config.broken_at = Some(number);
                        break;
                    }
                },
            };
            config.rules.push(CreationRule {
                number,
                path_regex,
                selector: Selector::of(&text_of),
            });
        }
        Some(config)
    }

    /// The rule sops applies to `rel` (a path relative to the config's folder): the first
    /// whose `path_regex` matches or that has none. `None` when no rule matches, or a broken
    /// `path_regex` comes first (sops fails then).
    pub fn rule_for(&self, rel: &str) -> Option<&CreationRule> {
        for rule in &self.rules {
            match &rule.path_regex {
                None => return Some(rule),
                Some(r) if r.is_match(rel) => return Some(rule),
                Some(_) => {}
            }
        }
        None
    }
}

/// The `.sops.yaml` that governs `path`, as `(config path, path relative to its folder,
/// parsed config)`. Parsed configs are kept by content, so each is parsed once per process.
pub fn config_for(repo: &dyn RepoView, path: &str) -> Option<(String, String, Arc<SopsConfig>)> {
    let name = path.rsplit('/').next().unwrap_or(path);
    if name == CONFIG_NAME {
        return None;
    }
    let mut dir = path;
    loop {
        dir = match dir.rfind('/') {
            Some(i) => &dir[..i],
            None => "",
        };
        let candidate = if dir.is_empty() {
            CONFIG_NAME.to_string()
        } else {
            format!("{dir}/{CONFIG_NAME}")
        };
        if let Some(bytes) = repo.read(&candidate) {
            let rel = if dir.is_empty() {
                path
            } else {
                &path[dir.len() + 1..]
            };
            let config = cached_parse(&bytes)?;
            return Some((candidate, rel.to_string(), config));
        }
        if dir.is_empty() {
            return None;
        }
    }
}

type Cache = Mutex<HashMap<Vec<u8>, Option<Arc<SopsConfig>>>>;

fn cached_parse(bytes: &[u8]) -> Option<Arc<SopsConfig>> {
    static CACHE: LazyLock<Cache> = LazyLock::new(|| Mutex::new(HashMap::new()));
    let mut cache = CACHE
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some(hit) = cache.get(bytes) {
        return hit.clone();
    }
    let parsed = std::str::from_utf8(bytes)
        .ok()
        .and_then(SopsConfig::parse)
        .map(Arc::new);
    if cache.len() >= 64 {
        cache.clear();
    }
    cache.insert(bytes.to_vec(), parsed.clone());
    parsed
}

/// The `sops` metadata of a YAML/JSON document: a top-level `sops` mapping with `mac`,
/// `lastmodified` or `version`.
pub fn metadata(root: &Node) -> Option<&Node> {
    let sops = root.get("sops")?;
    sops.as_map()?;
    ["mac", "lastmodified", "version"]
        .iter()
        .any(|k| sops.get(k).is_some())
        .then_some(sops)
}

/// The selection fields sops records in an encrypted file's metadata.
const SELECTION_FIELDS: &[&str] = &[
    "unencrypted_suffix",
    "encrypted_suffix",
    "unencrypted_regex",
    "encrypted_regex",
    "unencrypted_comment_regex",
    "encrypted_comment_regex",
];

/// The selector recorded in a metadata map. `None` if sops could not use it, or if none is
/// recorded: sops always writes one (`unencrypted_suffix: _unencrypted` by default), so
/// metadata without any was cut or written by hand, and which values it meant is unknown.
pub fn metadata_selector(sops: &Node) -> Option<Selector> {
    let get = |key: &str| sops.get(key).and_then(Node::as_str).map(str::to_string);
    SELECTION_FIELDS
        .iter()
        .any(|f| get(f).is_some())
        .then_some(())?;
    Selector::of(&get)
}

/// The selector recorded in dotenv (`sops_*` keys) or INI (`[sops]` section) metadata (as
/// [`metadata_selector`]).
pub fn flat_metadata_selector(entries: &[(String, String)]) -> Option<Selector> {
    let get = |key: &str| {
        entries
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
    };
    SELECTION_FIELDS
        .iter()
        .any(|f| get(f).is_some())
        .then_some(())?;
    Selector::of(&get)
}

/// A value as sops writes an encrypted one: `ENC[AES256_GCM,data:…,type:…]`.
pub fn is_encrypted_value(value: &str) -> bool {
    let v = value.trim();
    v.starts_with("ENC[") && v.ends_with(']')
}

/// A leaf value with its key path.
#[derive(Debug, Clone)]
pub struct Leaf<'a> {
    /// Mapping keys from the root (sequence items add none, as in sops).
    pub path: Vec<&'a str>,
    pub node: &'a Node,
}

/// Every non-empty scalar leaf of a document, except the `sops` metadata itself.
pub fn leaves(root: &Node) -> Vec<Leaf<'_>> {
    let mut out = Vec::new();
    let mut path = Vec::new();
    walk(root, &mut path, &mut out, true);
    out
}

fn walk<'a>(node: &'a Node, path: &mut Vec<&'a str>, out: &mut Vec<Leaf<'a>>, top: bool) {
    match &node.value {
        Value::Map(entries) => {
            for (k, v) in entries {
                let key = k.as_str().unwrap_or("");
                if top && key == "sops" {
                    continue;
                }
                path.push(key);
                walk(v, path, out, false);
                path.pop();
            }
        }
        Value::Seq(items) => {
            for item in items {
                walk(item, path, out, false);
            }
        }
        Value::Scalar(s) => {
            if !node.is_null() && !s.text.is_empty() {
                out.push(Leaf {
                    path: path.clone(),
                    node,
                });
            }
        }
    }
}

/// The documents' leaves a selector encrypts that are in plain text: `(key path, span)`.
pub fn plaintext_leaves(docs: &[Document], selector: &Selector) -> Vec<(String, Range<usize>)> {
    let mut out = Vec::new();
    for doc in docs {
        let Some(root) = &doc.root else { continue };
        for leaf in leaves(root) {
            let text = leaf.node.as_str().unwrap_or_default();
            if selector.encrypts(&leaf.path) && !is_encrypted_value(text) {
                out.push((leaf.path.join("."), leaf.node.span.clone()));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_matching_rule_wins_and_catch_all() {
        let c = SopsConfig::parse(
            "creation_rules:\n- path_regex: '.*/prod/.*\\.yaml$'\n  encrypted_regex: ^(data|stringData)$\n  age: x\n- path_regex: \\.env$\n- age: y\n",
        )
        .unwrap();
        assert_eq!(c.rule_for("apps/prod/db.yaml").map(|r| r.number), Some(1));
        assert_eq!(c.rule_for("a.env").map(|r| r.number), Some(2));
        assert_eq!(c.rule_for("README.md").map(|r| r.number), Some(3));
        let sel = c.rules[0].selector.as_ref().unwrap();
        assert!(sel.encrypts(&["stringData", "password"]));
        assert!(!sel.encrypts(&["metadata", "name"]));
    }

    #[test]
    fn no_rules_broken_regex_and_two_selectors() {
        assert!(SopsConfig::parse("destination_rules: []\n").is_none());
        assert!(SopsConfig::parse("[").is_none());
        let c = SopsConfig::parse("creation_rules:\n- path_regex: '('\n- age: y\n").unwrap();
        assert_eq!(c.broken_at, Some(1));
        assert!(c.rule_for("x").is_none());
        let c =
            SopsConfig::parse("creation_rules:\n- encrypted_regex: a\n  unencrypted_regex: b\n")
                .unwrap();
        assert!(c.rules[0].selector.is_none());
        // Go-style escapes of punctuation compile.
        assert!(compile(r".*\/secrets\/.*").is_some());
    }

    #[test]
    fn default_suffix_and_metadata() {
        let docs = parse_stream(
            "a: ENC[AES256_GCM,data:x,type:str]\nb_unencrypted: plain\nc: leaked\nsops:\n  mac: ENC[x]\n  unencrypted_suffix: _unencrypted\n  version: 3.8.1\n",
            &ParseOptions::default(),
        );
        let root = docs[0].root.as_ref().unwrap();
        let meta = metadata(root).unwrap();
        let sel = metadata_selector(meta).unwrap();
        let plain: Vec<_> = plaintext_leaves(&docs, &sel)
            .into_iter()
            .map(|p| p.0)
            .collect();
        assert_eq!(plain, vec!["c"]);
    }
}
