//! Remote keys the secret backend would reject. A naming that yields them is a configuration
//! error, reported before `--fix` writes anything, with the setting that would work.
//!
//! The limits are the backends' own: Google Secret Manager secret ids `[A-Za-z0-9_-]{1,255}`,
//! Azure Key Vault secret names `^[0-9a-zA-Z-]{1,127}$`, AWS Secrets Manager names
//! `[A-Za-z0-9/_+=.@-]{1,512}`. Vault paths (and the other backends) are not limited here.

use super::naming::SecretMapping;
use super::{CODE, FixFile, secret};
use crate::config::{FixConfig, Naming};
use crate::manifest::objects;
use std::fmt::Write as _;

/// What a backend accepts as a secret name.
#[derive(Debug, Clone, Copy)]
pub struct KeyRule {
    pub max: usize,
    pub allowed: fn(char) -> bool,
    /// The rule in words, for messages.
    pub text: &'static str,
}

fn gsm(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '-'
}

fn azure(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-'
}

fn asm(c: char) -> bool {
    c.is_ascii_alphanumeric() || "/_+=.@-".contains(c)
}

/// The rule of a backend type, if it limits names.
pub fn rule(backend_type: &str) -> Option<KeyRule> {
    Some(match backend_type {
        "gcpSecretsManager" => KeyRule {
            max: 255,
            allowed: gsm,
            text: "Google Secret Manager secret names are 1 to 255 of A-Z a-z 0-9 _ -",
        },
        "azureKeyVault" => KeyRule {
            max: 127,
            allowed: azure,
            text: "Azure Key Vault secret names are 1 to 127 of A-Z a-z 0-9 -",
        },
        "secretsManager" => KeyRule {
            max: 512,
            allowed: asm,
            text: "AWS Secrets Manager names are 1 to 512 of A-Z a-z 0-9 / _ + = . @ -",
        },
        _ => return None,
    })
}

/// Whether `backend_type` accepts `key` as a secret name.
pub fn accepts(backend_type: &str, key: &str) -> bool {
    rule(backend_type).is_none_or(|r| {
        !key.is_empty() && key.chars().count() <= r.max && key.chars().all(r.allowed)
    })
}

/// One remote key a backend would reject.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejected {
    /// `<namespace>/<name>` of the Secret (namespace `default` when unset).
    pub secret: String,
    pub remote_key: String,
    pub backend_type: String,
    /// The key comes from an entry of the mapping file, not from the naming scheme.
    pub mapped: bool,
}

/// The remote keys that the Secrets `--fix` would convert in `files` get with `fix`, and that
/// their backend rejects (each remote key once). Secrets that cannot be converted are left to
/// `--fix` to report.
pub fn rejected(
    files: &[FixFile],
    fix: &FixConfig,
    mapping: Option<&SecretMapping>,
) -> Vec<Rejected> {
    let mut out: Vec<Rejected> = Vec::new();
    for f in files {
        let spans: Vec<_> = f
            .findings
            .iter()
            .filter(|x| x.code == CODE)
            .map(|x| &x.span)
            .collect();
        if spans.is_empty() {
            continue;
        }
        for root in f.docs.iter().filter_map(|d| d.root.as_ref()) {
            for obj in objects(root) {
                if !spans.contains(&&obj.span) {
                    continue;
                }
                let Ok(c) = secret::convert(obj, fix, mapping) else {
                    continue;
                };
                let ns = c.values.namespace.as_deref();
                for k in &c.keys {
                    if accepts(&c.backend_type, &k.remote.key)
                        || out.iter().any(|r| r.remote_key == k.remote.key)
                    {
                        continue;
                    }
                    let mapped = mapping
                        .and_then(|m| m.rule(ns, &c.values.name))
                        .is_some_and(|r| {
                            r.mappings
                                .iter()
                                .any(|m| m.name == k.secret_key && !m.key.is_empty())
                        });
                    out.push(Rejected {
                        secret: format!("{}/{}", ns.unwrap_or("default"), c.values.name),
                        remote_key: k.remote.key.clone(),
                        backend_type: c.backend_type.clone(),
                        mapped,
                    });
                }
            }
        }
    }
    out
}

/// `Err(message)` when a remote key would be rejected: what, why, and the setting that works
/// (the other naming scheme, when every key is valid with it).
pub fn check(
    files: &[FixFile],
    fix: &FixConfig,
    mapping: Option<&SecretMapping>,
) -> Result<(), String> {
    let bad = rejected(files, fix, mapping);
    if bad.is_empty() {
        return Ok(());
    }
    let name = |n: Naming| match n {
        Naming::Default => "default",
        Naming::JenkinsX => "jenkins-x",
    };
    let origin = if fix.explicit.contains("naming") {
        " (configured)"
    } else {
        ""
    };
    let mut msg = format!(
        "--fix: with fix.naming: {}{origin}, the secret backend would reject {} remote {}:\n",
        name(fix.naming),
        bad.len(),
        if bad.len() == 1 { "key" } else { "keys" }
    );
    const SHOWN: usize = 10;
    for r in bad.iter().take(SHOWN) {
        let rule = rule(&r.backend_type).map_or("", |x| x.text);
        let from = if r.mapped {
            format!(", from its entry in {}", super::naming::MAPPING_PATH)
        } else {
            String::new()
        };
        let _ = writeln!(
            msg,
            "  `{}` (Secret {}, backend {}{from}): {rule}",
            r.remote_key.escape_debug(),
            r.secret,
            r.backend_type
        );
    }
    if bad.len() > SHOWN {
        let _ = writeln!(msg, "  and {} more", bad.len() - SHOWN);
    }
    let other = match fix.naming {
        Naming::Default => Naming::JenkinsX,
        Naming::JenkinsX => Naming::Default,
    };
    let mut alt = fix.clone();
    alt.naming = other;
    if rejected(files, &alt, mapping).is_empty() {
        let _ = write!(
            msg,
            "set `fix.naming: {}` in .gitops-guard.yaml: every remote key is valid with it",
            name(other)
        );
    } else {
        let _ = write!(
            msg,
            "no naming gives valid keys for them: map them in {} (an entry under `mappings` \
             with a valid `key`), or set `fix.backend.backend-type` to a backend that accepts them",
            super::naming::MAPPING_PATH
        );
    }
    msg.push_str("; nothing was written");
    Err(msg)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Settings;
    use crate::engine;
    use crate::finding::Finding;
    use crate::rules::{self, Ctx, File, FileKind};

    fn check_yaml(yaml: &str, config: &str) -> Result<(), String> {
        let settings = Settings::from_text(config, None).unwrap();
        let path = "a.yaml";
        let docs = engine::parse(path, yaml, FileKind::Yaml);
        let mut findings: Vec<Finding> = Vec::new();
        let rule = rules::lookup(CODE).unwrap();
        let file = File {
            path,
            text: yaml,
            kind: FileKind::Yaml,
            docs: &docs,
        };
        let ctx = Ctx {
            settings: &settings,
            repo: &rules::NoRepo,
            layout: None,
        };
        rule.check(&file, &ctx, &mut findings);
        let files = [FixFile {
            path,
            staged: yaml.as_bytes(),
            docs: &docs,
            findings: &findings,
        }];
        check(&files, &settings.fix, None)
    }

    const DB: &str = "apiVersion: v1\nkind: Secret\nmetadata: {name: db, namespace: apps}\nstringData: {password: x, user: y}\n";

    #[test]
    fn limits_of_each_backend() {
        assert!(accepts(
            "gcpSecretsManager",
            "tf-jx-top-drum-lighthouse-oauth"
        ));
        assert!(!accepts("gcpSecretsManager", "apps/db"));
        assert!(!accepts("gcpSecretsManager", "my.secret"));
        assert!(!accepts("gcpSecretsManager", &"a".repeat(256)));
        assert!(accepts("gcpSecretsManager", &"a".repeat(255)));
        assert!(accepts("azureKeyVault", "lighthouse-oauth"));
        assert!(!accepts("azureKeyVault", "jx_token"));
        assert!(!accepts("azureKeyVault", &"a".repeat(128)));
        assert!(accepts("secretsManager", "apps/db+x=y.z@w_v-u"));
        assert!(!accepts("secretsManager", "a b"));
        assert!(!accepts("secretsManager", ""));
        assert!(accepts("vault", "secret/data/any thing"));
    }

    #[test]
    fn default_naming_on_gsm_names_the_setting_that_works() {
        let e = check_yaml(DB, "fix:\n  backend: {backend-type: gcpSecretsManager}\n").unwrap_err();
        assert!(
            e.contains("`apps/db` (Secret apps/db, backend gcpSecretsManager)"),
            "{e}"
        );
        assert!(e.contains("set `fix.naming: jenkins-x`"), "{e}");
        assert!(e.contains("1 remote key:"), "{e}");
        let e = check_yaml(
            DB,
            "fix:\n  naming: default\n  backend: {backend-type: azureKeyVault}\n",
        )
        .unwrap_err();
        assert!(e.contains("fix.naming: default (configured)"), "{e}");
        assert!(e.contains("Azure Key Vault"), "{e}");
        // Fine with the jx naming, and with vault or AWS.
        check_yaml(
            DB,
            "fix:\n  naming: jenkins-x\n  backend: {backend-type: gcpSecretsManager}\n",
        )
        .unwrap();
        check_yaml(DB, "fix:\n  backend: {backend-type: secretsManager}\n").unwrap();
        check_yaml(DB, "").unwrap();
    }

    #[test]
    fn when_no_naming_works_it_says_so() {
        let dotted = "apiVersion: v1\nkind: Secret\nmetadata: {name: my.db, namespace: apps}\nstringData: {password: x}\n";
        let e = check_yaml(
            dotted,
            "fix:\n  backend: {backend-type: gcpSecretsManager}\n",
        )
        .unwrap_err();
        assert!(e.contains("no naming gives valid keys"), "{e}");
        assert!(e.contains("nothing was written"), "{e}");
        assert!(!e.contains("hunter"), "{e}");
    }
}
