//! Defaults of the `fix:` section detected from the repository, and how they combine with the
//! configuration file: an explicit key always wins, key by key; a detected value fills a key
//! the file left out; the built-in default fills the rest.
//!
//! This file holds only the data and its rendering (the `check --fix` summary line and the
//! section `gitops-guard init` writes); `fix::defaults` reads the index to fill it.

use super::fix::{FixConfig, FixFormat, Naming, SecretStoreRef};
use std::fmt::Write as _;

/// A detected value and where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sourced<T> {
    pub value: T,
    /// Where, shortly: a file (`jx-requirements.yml`) or what was counted
    /// (`12 ExternalSecrets`). Consecutive values with the same `from` share it in the summary.
    pub from: String,
    /// The field or reason, for the comment `init` writes (`secretStorage: gsm`).
    pub detail: String,
}

impl<T> Sourced<T> {
    pub fn new(value: T, from: impl Into<String>, detail: impl Into<String>) -> Self {
        Sourced {
            value,
            from: from.into(),
            detail: detail.into(),
        }
    }
}

/// What the index says about how `--fix` should write ExternalSecrets. Every field is
/// optional: nothing detected leaves the built-in default.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FixDefaults {
    pub format: Option<Sourced<FixFormat>>,
    pub naming: Option<Sourced<Naming>>,
    pub secret_store: Option<Sourced<SecretStoreRef>>,
    pub backend_type: Option<Sourced<String>>,
    /// GSM project (`cluster.project`).
    pub project_id: Option<Sourced<String>>,
    /// GSM unique prefix (`cluster.clusterName`).
    pub unique_prefix: Option<Sourced<String>>,
    /// Azure Key Vault name (`cluster.azure.secretStorage.keyVaultName`).
    pub key_vault_name: Option<Sourced<String>>,
    /// AWS region (`cluster.region`).
    pub region: Option<Sourced<String>>,
    pub vault_mount_point: Option<Sourced<String>>,
    pub vault_role: Option<Sourced<String>>,
    /// What was seen and deliberately not used (said after the summary line).
    pub notes: Vec<String>,
}

impl FixDefaults {
    /// Whether anything was detected.
    pub fn is_empty(&self) -> bool {
        self.format.is_none()
            && self.naming.is_none()
            && self.secret_store.is_none()
            && self.backend_type.is_none()
            && self.project_id.is_none()
            && self.unique_prefix.is_none()
            && self.key_vault_name.is_none()
            && self.region.is_none()
            && self.vault_mount_point.is_none()
            && self.vault_role.is_none()
    }
}

/// Where one effective value came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// The configuration file set it.
    Configured,
    /// Detected from the index (`from`).
    Detected(String),
    /// The built-in default.
    Default,
}

impl Origin {
    fn label(&self) -> &str {
        match self {
            Origin::Configured => "configured",
            Origin::Detected(from) => from,
            Origin::Default => "default",
        }
    }
}

/// The effective settings `--fix` uses, each with its origin, in summary order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Provenance {
    /// (what, value, origin), e.g. ("backend", "gcpSecretsManager", Detected("jx-requirements.yml")).
    pub items: Vec<(&'static str, String, Origin)>,
    pub notes: Vec<String>,
}

impl Provenance {
    /// The one line `check --fix` prints, e.g. `fix defaults: format kes (12 ExternalSecrets),
    /// naming jenkins-x, backend gcpSecretsManager, project my-proj (jx-requirements.yml)`:
    /// consecutive values of the same origin share it.
    pub fn summary(&self) -> String {
        let mut out = String::from("fix defaults:");
        let mut i = 0;
        while i < self.items.len() {
            let origin = &self.items[i].2;
            let mut group = Vec::new();
            while i < self.items.len() && &self.items[i].2 == origin {
                let (what, value, _) = &self.items[i];
                group.push(format!("{what} {value}"));
                i += 1;
            }
            let sep = if out.ends_with(':') { " " } else { ", " };
            let _ = write!(out, "{sep}{} ({})", group.join(", "), origin.label());
        }
        for note in &self.notes {
            let _ = write!(out, "; {note}");
        }
        one_line(&out)
    }

    /// The origin of an item, if listed.
    pub fn origin(&self, what: &str) -> Option<&Origin> {
        self.items.iter().find(|i| i.0 == what).map(|i| &i.2)
    }
}

/// Backend types whose settings name a region.
const AWS: &[&str] = &["secretsManager", "systemManager"];

impl FixConfig {
    /// Fills every key the configuration left out with its detected value (an explicit key
    /// always wins). The secret store is one reference: it is taken whole, and only when
    /// neither its kind nor its name is configured. Backend details (project, key vault,
    /// region, vault mount and role) are taken for the effective backend type only.
    /// Returns where every value in effect came from.
    pub fn apply_defaults(&mut self, d: &FixDefaults) -> Provenance {
        let mut p = Provenance {
            notes: d.notes.clone(),
            ..Provenance::default()
        };
        let explicit = self.explicit.clone();
        let set = |key: &str| explicit.contains(key);

        let origin = apply(&mut self.format, set("format"), d.format.as_ref());
        p.items
            .push(("format", format_name(self.format).into(), origin));
        let origin = apply(&mut self.naming, set("naming"), d.naming.as_ref());
        p.items
            .push(("naming", naming_name(self.naming).into(), origin));
        let origin = apply(
            &mut self.backend.backend_type,
            set("backend.backend-type"),
            d.backend_type.as_ref(),
        );
        let backend = self.backend.backend_type.clone();
        p.items.push(("backend", backend.clone(), origin));

        let detail = |what: &'static str,
                      key: &str,
                      field: &mut Option<String>,
                      found: Option<&Sourced<String>>,
                      items: &mut Vec<(&'static str, String, Origin)>| {
            let origin = if set(key) {
                Origin::Configured
            } else if let Some(s) = found {
                *field = Some(s.value.clone());
                Origin::Detected(s.from.clone())
            } else {
                Origin::Default
            };
            if let Some(v) = field {
                items.push((what, v.clone(), origin));
            }
        };
        match backend.as_str() {
            "gcpSecretsManager" => {
                detail(
                    "project",
                    "backend.project-id",
                    &mut self.backend.project_id,
                    d.project_id.as_ref(),
                    &mut p.items,
                );
                detail(
                    "unique-prefix",
                    "backend.unique-prefix",
                    &mut self.backend.unique_prefix,
                    d.unique_prefix.as_ref(),
                    &mut p.items,
                );
            }
            "azureKeyVault" => detail(
                "key-vault",
                "backend.key-vault-name",
                &mut self.backend.key_vault_name,
                d.key_vault_name.as_ref(),
                &mut p.items,
            ),
            b if AWS.contains(&b) => detail(
                "region",
                "backend.region",
                &mut self.backend.region,
                d.region.as_ref(),
                &mut p.items,
            ),
            "vault" => {
                let origin = apply(
                    &mut self.backend.vault_mount_point,
                    set("backend.vault-mount-point"),
                    d.vault_mount_point.as_ref(),
                );
                let origin_role = apply(
                    &mut self.backend.vault_role,
                    set("backend.vault-role"),
                    d.vault_role.as_ref(),
                );
                // The KES fields; ESO keeps them in its store.
                if self.format == FixFormat::Kes {
                    p.items.push((
                        "vault-mount-point",
                        self.backend.vault_mount_point.clone(),
                        origin,
                    ));
                    p.items
                        .push(("vault-role", self.backend.vault_role.clone(), origin_role));
                }
            }
            _ => {}
        }

        let store_set = set("secret-store.kind") || set("secret-store.name");
        let origin = match &d.secret_store {
            _ if store_set => Origin::Configured,
            Some(s) => {
                self.secret_store = s.value.clone();
                Origin::Detected(s.from.clone())
            }
            None => Origin::Default,
        };
        // KES has no store reference.
        if self.format == FixFormat::Eso {
            p.items.push((
                "store",
                format!("{} {}", self.secret_store.kind, self.secret_store.name),
                origin,
            ));
        }
        p
    }
}

fn apply<T: Clone>(field: &mut T, explicit: bool, found: Option<&Sourced<T>>) -> Origin {
    if explicit {
        return Origin::Configured;
    }
    match found {
        Some(s) => {
            *field = s.value.clone();
            Origin::Detected(s.from.clone())
        }
        None => Origin::Default,
    }
}

pub fn format_name(f: FixFormat) -> &'static str {
    match f {
        FixFormat::Eso => "eso",
        FixFormat::Kes => "kes",
    }
}

pub fn naming_name(n: Naming) -> &'static str {
    match n {
        Naming::Default => "default",
        Naming::JenkinsX => "jenkins-x",
    }
}

/// Control characters (a path or value from the repository) never break a line or a comment.
fn one_line(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// A YAML scalar for a value read from the repository: plain when it cannot be mistaken for
/// anything else, otherwise double-quoted (JSON string syntax is valid YAML).
fn scalar(s: &str) -> String {
    let plain = !s.is_empty()
        && s.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./".contains(c))
        && !matches!(
            s.to_ascii_lowercase().as_str(),
            "true" | "false" | "yes" | "no" | "on" | "off" | "null" | "y" | "n"
        );
    if plain {
        s.to_string()
    } else {
        serde_json::Value::String(s.to_string()).to_string()
    }
}

/// The `fix:` section `gitops-guard init` writes: the detected keys set, each with a comment
/// saying where it came from, and the others commented out with their built-in defaults.
/// With nothing detected, the whole section is commented out.
pub fn init_text(d: &FixDefaults) -> String {
    let mut out =
        String::from("\n# `check --fix` (GG101): how raw Secrets become ExternalSecrets.\n");
    if d.is_empty() {
        out.push_str(
            "# fix:\n\
             #   format: eso              # eso (external-secrets.io/v1) or kes (kubernetes-client.io/v1)\n\
             #   naming: default          # default (<namespace>/<name>) or jenkins-x (jx secret convert paths)\n\
             #   refresh-interval: 1h\n\
             #   secret-store: {kind: ClusterSecretStore, name: jx-secret-store}\n\
             #   backend: {backend-type: vault}\n",
        );
        return out;
    }
    out.push_str(
        "# Detected from the index by `gitops-guard init`; a key left out (or commented out) is\n\
         # detected again by each `check --fix`, and a key set here always wins.\n\
         fix:\n",
    );
    let line = |out: &mut String, indent: &str, key: &str, value: String, why: Option<String>| {
        let text = format!("{indent}{key}: {value}");
        match why {
            Some(why) => {
                let _ = writeln!(out, "{text:<40} # {}", one_line(&why));
            }
            None => {
                let _ = writeln!(out, "{text}");
            }
        }
    };
    let why = |from: &str, detail: &str| {
        if detail.is_empty() {
            format!("detected: {from}")
        } else {
            format!("detected: {from} ({detail})")
        }
    };
    match &d.format {
        Some(s) => line(
            &mut out,
            "  ",
            "format",
            format_name(s.value).into(),
            Some(why(&s.from, &s.detail)),
        ),
        None => out.push_str("  # format: eso                 # eso or kes; not detected\n"),
    }
    match &d.naming {
        Some(s) => line(
            &mut out,
            "  ",
            "naming",
            naming_name(s.value).into(),
            Some(why(&s.from, &s.detail)),
        ),
        None => {
            out.push_str("  # naming: default             # default or jenkins-x; not detected\n")
        }
    }
    out.push_str("  # refresh-interval: 1h\n");
    match &d.secret_store {
        Some(s) => line(
            &mut out,
            "  ",
            "secret-store",
            format!(
                "{{kind: {}, name: {}}}",
                scalar(&s.value.kind),
                scalar(&s.value.name)
            ),
            Some(why(&s.from, &s.detail)),
        ),
        None => out.push_str(
            "  # secret-store: {kind: ClusterSecretStore, name: jx-secret-store}   # not detected\n",
        ),
    }
    let details: [(&str, &Option<Sourced<String>>); 7] = [
        ("backend-type", &d.backend_type),
        ("project-id", &d.project_id),
        ("unique-prefix", &d.unique_prefix),
        ("key-vault-name", &d.key_vault_name),
        ("region", &d.region),
        ("vault-mount-point", &d.vault_mount_point),
        ("vault-role", &d.vault_role),
    ];
    let relevant = |key: &str| -> bool {
        let backend = d.backend_type.as_ref().map(|s| s.value.as_str());
        match key {
            "project-id" | "unique-prefix" => backend == Some("gcpSecretsManager"),
            "key-vault-name" => backend == Some("azureKeyVault"),
            "region" => backend.is_some_and(|b| AWS.contains(&b)),
            "vault-mount-point" | "vault-role" => matches!(backend, Some("vault") | None),
            _ => true,
        }
    };
    let found: Vec<_> = details
        .iter()
        .filter(|(k, v)| v.is_some() && relevant(k))
        .collect();
    if found.is_empty() {
        out.push_str("  # backend: {backend-type: vault}   # not detected\n");
    } else {
        out.push_str("  backend:\n");
        for (key, value) in found {
            if let Some(s) = value {
                line(
                    &mut out,
                    "    ",
                    key,
                    scalar(&s.value),
                    Some(why(&s.from, &s.detail)),
                );
            }
        }
    }
    for note in &d.notes {
        let _ = writeln!(out, "# note: {}", one_line(note));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Settings;

    fn gsm() -> FixDefaults {
        FixDefaults {
            format: Some(Sourced::new(
                FixFormat::Kes,
                "12 ExternalSecrets",
                "kubernetes-client.io/v1",
            )),
            naming: Some(Sourced::new(
                Naming::JenkinsX,
                "jx-requirements.yml",
                "a Jenkins X repository",
            )),
            backend_type: Some(Sourced::new(
                "gcpSecretsManager".to_string(),
                "jx-requirements.yml",
                "secretStorage: gsm",
            )),
            project_id: Some(Sourced::new(
                "my-proj".to_string(),
                "jx-requirements.yml",
                "cluster.project",
            )),
            region: Some(Sourced::new(
                "us-east-1".to_string(),
                "jx-requirements.yml",
                "",
            )),
            ..FixDefaults::default()
        }
    }

    #[test]
    fn detected_values_fill_what_the_file_left_out() {
        let mut s = Settings::from_text("", None).unwrap();
        let p = s.fix.apply_defaults(&gsm());
        assert_eq!(s.fix.format, FixFormat::Kes);
        assert_eq!(s.fix.naming, Naming::JenkinsX);
        assert_eq!(s.fix.backend.backend_type, "gcpSecretsManager");
        assert_eq!(s.fix.backend.project_id.as_deref(), Some("my-proj"));
        assert_eq!(s.fix.backend.region, None, "not a detail of GSM");
        assert_eq!(
            p.summary(),
            "fix defaults: format kes (12 ExternalSecrets), naming jenkins-x, \
             backend gcpSecretsManager, project my-proj (jx-requirements.yml)"
        );
    }

    #[test]
    fn an_explicit_key_always_wins_key_by_key() {
        let mut s = Settings::from_text(
            "fix:\n  naming: default\n  backend: {project-id: mine}\n",
            None,
        )
        .unwrap();
        let p = s.fix.apply_defaults(&gsm());
        assert_eq!(s.fix.format, FixFormat::Kes, "not configured: detected");
        assert_eq!(s.fix.naming, Naming::Default);
        assert_eq!(s.fix.backend.backend_type, "gcpSecretsManager");
        assert_eq!(s.fix.backend.project_id.as_deref(), Some("mine"));
        assert_eq!(p.origin("naming"), Some(&Origin::Configured));
        assert_eq!(p.origin("project"), Some(&Origin::Configured));
        assert!(
            p.summary().contains("naming default (configured)"),
            "{}",
            p.summary()
        );

        // A configured store name keeps the detected store out entirely.
        let mut s = Settings::from_text("fix:\n  secret-store: {name: mine}\n", None).unwrap();
        let d = FixDefaults {
            secret_store: Some(Sourced::new(
                SecretStoreRef {
                    kind: "SecretStore".into(),
                    name: "other".into(),
                },
                "1 store",
                "",
            )),
            ..FixDefaults::default()
        };
        s.fix.apply_defaults(&d);
        assert_eq!(s.fix.secret_store.kind, "ClusterSecretStore");
        assert_eq!(s.fix.secret_store.name, "mine");
        let mut s = Settings::from_text("", None).unwrap();
        let p = s.fix.apply_defaults(&d);
        assert_eq!(s.fix.secret_store.name, "other");
        assert!(
            p.summary().ends_with("store SecretStore other (1 store)"),
            "{}",
            p.summary()
        );
    }

    #[test]
    fn nothing_detected_keeps_the_built_in_defaults() {
        let mut s = Settings::from_text("", None).unwrap();
        let p = s.fix.apply_defaults(&FixDefaults::default());
        assert_eq!(s.fix.format, FixFormat::Eso);
        assert_eq!(s.fix.secret_store.name, "jx-secret-store");
        assert_eq!(
            p.summary(),
            "fix defaults: format eso, naming default, backend vault, \
             store ClusterSecretStore jx-secret-store (default)"
        );
    }

    #[test]
    fn init_text_parses_and_holds_what_was_detected() {
        let mut d = gsm();
        d.unique_prefix = Some(Sourced::new(
            "tf-jx-top-drum".to_string(),
            "jx-requirements.yml",
            "cluster.clusterName",
        ));
        d.project_id = Some(Sourced::new(
            "339337551661".to_string(),
            "jx-requirements.yml",
            "cluster.project",
        ));
        d.notes.push("a note\nwith a newline".into());
        let text = init_text(&d);
        let s = Settings::from_text(&text, None).unwrap_or_else(|e| panic!("{e}\n{text}"));
        assert_eq!(s.fix.format, FixFormat::Kes);
        assert_eq!(s.fix.naming, Naming::JenkinsX);
        assert_eq!(s.fix.backend.project_id.as_deref(), Some("339337551661"));
        assert_eq!(
            s.fix.backend.unique_prefix.as_deref(),
            Some("tf-jx-top-drum")
        );
        assert_eq!(
            s.fix.backend.region, None,
            "not relevant to GSM: not written"
        );
        assert!(s.fix.explicit.contains("backend.project-id"));
        assert!(!s.fix.explicit.contains("secret-store.name"));
        assert!(
            text.contains("# detected: jx-requirements.yml (cluster.project)"),
            "{text}"
        );
        assert!(text.contains("# note: a note with a newline"), "{text}");
    }

    #[test]
    fn scalars_that_would_change_meaning_are_quoted() {
        assert_eq!(scalar("jx-secret-store"), "jx-secret-store");
        assert_eq!(scalar("339337551661"), "\"339337551661\"");
        assert_eq!(scalar("yes"), "\"yes\"");
        assert_eq!(scalar("a: b"), "\"a: b\"");
        assert_eq!(scalar(""), "\"\"");
    }
}
