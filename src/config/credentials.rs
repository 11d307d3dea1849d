//! The `credentials:` section of the configuration: which key names GG106 treats as holding a
//! credential, and which it ignores.
//!
//! Names are compared normalised: lower-case, without `-`, `_`, `.` (so `apiKey`, `api_key`,
//! `API-KEY` and `api.key` are one name). A pattern is a glob over that form (`*password`
//! matches `adminPassword` and `DB_PASSWORD`); `ignore-keys` wins over `keys`.

use serde::Deserialize;
use std::sync::OnceLock;

/// `credentials:` in `.gitops-guard.yaml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct CredentialsConfig {
    /// Key names that hold a credential (replaces the default list).
    #[serde(default = "default_keys")]
    pub keys: Vec<String>,
    /// Key names never reported, added to the built-in ones (names that name a secret
    /// rather than hold one, such as `existingSecret`).
    #[serde(default)]
    pub ignore_keys: Vec<String>,
    #[serde(skip)]
    sets: OnceLock<(globset::GlobSet, globset::GlobSet)>,
}

/// Names that hold a credential, normalised.
pub const DEFAULT_KEYS: &[&str] = &[
    "*password",
    "*passwd",
    "*passphrase",
    "*secret",
    "*token",
    "*apikey",
    "*accesskey",
    "*secretkey",
    "*privatekey",
    "*credential",
    "*credentials",
];

/// Names that name a secret, or say something about one, rather than hold one; always
/// ignored (`ignore-keys` adds to them).
pub const BUILTIN_IGNORE_KEYS: &[&str] = &[
    "existing*",
    "*fromsecret",
    "*secretref",
    "*secretkeyref",
    "*pullsecret",
    "*enabled",
];

fn default_keys() -> Vec<String> {
    DEFAULT_KEYS.iter().map(|s| s.to_string()).collect()
}

impl Default for CredentialsConfig {
    fn default() -> Self {
        CredentialsConfig {
            keys: default_keys(),
            ignore_keys: Vec::new(),
            sets: OnceLock::new(),
        }
    }
}

/// A key name in the form patterns are matched against.
pub fn normalize(key: &str) -> String {
    key.chars()
        .filter(|c| !matches!(c, '-' | '_' | '.'))
        .flat_map(char::to_lowercase)
        .collect()
}

/// One pattern, checked: not empty, not matching every key, a valid glob.
fn glob(p: &str, what: &str) -> Result<globset::Glob, String> {
    let norm = normalize(p);
    if norm.is_empty() || norm.chars().all(|c| c == '*') {
        return Err(format!(
            "invalid pattern `{p}` in `credentials.{what}`: it would match every key"
        ));
    }
    globset::Glob::new(&norm)
        .map_err(|e| format!("invalid pattern `{p}` in `credentials.{what}`: {e}"))
}

fn build(patterns: &[String], what: &str) -> Result<globset::GlobSet, String> {
    let mut builder = globset::GlobSetBuilder::new();
    for p in patterns {
        builder.add(glob(p, what)?);
    }
    builder
        .build()
        .map_err(|e| format!("invalid patterns in `credentials.{what}`: {e}"))
}

impl CredentialsConfig {
    /// Checks the patterns (serde cannot). Only parses them: the matchers are built when
    /// GG106 first looks at a key, so a run with no values file to read never pays for them.
    pub fn validate(&self) -> Result<(), String> {
        for p in &self.keys {
            glob(p, "keys")?;
        }
        for p in &self.ignore_keys {
            glob(p, "ignore-keys")?;
        }
        Ok(())
    }

    fn sets(&self) -> Result<&(globset::GlobSet, globset::GlobSet), String> {
        if let Some(s) = self.sets.get() {
            return Ok(s);
        }
        let keys = build(&self.keys, "keys")?;
        let mut ignore: Vec<String> = BUILTIN_IGNORE_KEYS.iter().map(|s| s.to_string()).collect();
        ignore.extend(self.ignore_keys.iter().cloned());
        let ignore = build(&ignore, "ignore-keys")?;
        Ok(self.sets.get_or_init(|| (keys, ignore)))
    }

    /// Whether a key of this name holds a credential.
    pub fn is_credential_key(&self, key: &str) -> bool {
        let Ok((keys, ignore)) = self.sets() else {
            return false;
        };
        let norm = normalize(key);
        !norm.is_empty() && keys.is_match(&norm) && !ignore.is_match(&norm)
    }

    /// Lower-case words whose presence (case-insensitive) a file needs before GG106 parses
    /// it: the literal tail of each pattern after its last `*` (at least 3 characters), or
    /// `None` when a pattern has no such tail (then every candidate file is parsed).
    pub fn needles(&self) -> Option<Vec<String>> {
        let mut out = Vec::new();
        for p in &self.keys {
            let norm = normalize(p);
            let tail = norm.rsplit(['*', '?', ']', '}']).next().unwrap_or_default();
            // The tail may be spelled with separators (`api_key`): keep its last word-ish
            // part, which has none in the default list (`key`, `token`, `password`, ...).
            let tail = last_word(tail);
            if tail.len() < 3 {
                return None;
            }
            out.push(tail);
        }
        out.sort();
        out.dedup();
        // A word that contains another is found by the shorter one.
        let all = out.clone();
        out.retain(|n| !all.iter().any(|m| m != n && n.contains(m.as_str())));
        Some(out)
    }
}

/// The last word of a normalised pattern tail: `apikey` → `key`, `clientsecret` → `secret`.
fn last_word(tail: &str) -> String {
    for word in [
        "password",
        "passwd",
        "passphrase",
        "secret",
        "token",
        "key",
        "credential",
    ] {
        if tail.ends_with(word) {
            return word.to_string();
        }
    }
    tail.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_keys_match_the_usual_spellings() {
        let c = CredentialsConfig::default();
        for k in [
            "password",
            "adminPassword",
            "DB_PASSWORD",
            "db-password",
            "apiKey",
            "api_key",
            "AWS_SECRET_ACCESS_KEY",
            "clientSecret",
            "privateKey",
            "githubToken",
            "credentials",
        ] {
            assert!(c.is_credential_key(k), "{k}");
        }
        for k in [
            "existingSecret",
            "secretName",
            "passwordKey",
            "tokenPath",
            "secretKeyRef",
            "imagePullSecret",
            "envFromSecret",
            "tokenTTL",
            "username",
            "",
        ] {
            assert!(!c.is_credential_key(k), "{k}");
        }
    }

    #[test]
    fn configured_patterns() {
        let c: CredentialsConfig =
            serde_saphyr::from_str("keys: ['*pin']\nignore-keys: [simPin]\n").unwrap();
        assert!(c.is_credential_key("adminPin"));
        assert!(!c.is_credential_key("sim_pin"));
        assert!(!c.is_credential_key("password"));
        assert_eq!(c.needles(), Some(vec!["pin".to_string()]));
        let bad: CredentialsConfig = serde_saphyr::from_str("keys: ['*']\n").unwrap();
        assert!(bad.validate().is_err());
        assert!(serde_saphyr::from_str::<CredentialsConfig>("nope: 1\n").is_err());
        assert_eq!(
            CredentialsConfig::default().needles(),
            Some(
                [
                    "credential",
                    "key",
                    "passphrase",
                    "passwd",
                    "password",
                    "secret",
                    "token"
                ]
                .iter()
                .map(|s| s.to_string())
                .collect()
            )
        );
    }
}
