//! The `fix:` section of the configuration: how `--fix` turns raw Secrets into
//! ExternalSecrets (output format, secret store, remote key naming, backend details).

use serde::Deserialize;
use std::collections::BTreeSet;

/// Which ExternalSecret API `--fix` writes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FixFormat {
    /// External Secrets Operator, `external-secrets.io/v1`.
    #[default]
    Eso,
    /// Kubernetes External Secrets (deprecated), `kubernetes-client.io/v1`, shaped like
    /// `jx secret convert` output.
    Kes,
}

/// How remote keys (`remoteRef.key` / `property`) are named.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Naming {
    /// `<namespace>/<name>`, property `<key>`.
    #[default]
    Default,
    /// The paths `jx secret convert` produces (vault: `secret/data/<name with - as />`).
    JenkinsX,
}

/// `spec.secretStoreRef` of the generated ESO ExternalSecret.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct SecretStoreRef {
    #[serde(default = "default_store_kind")]
    pub kind: String,
    #[serde(default = "default_store_name")]
    pub name: String,
}

impl Default for SecretStoreRef {
    fn default() -> Self {
        SecretStoreRef {
            kind: default_store_kind(),
            name: default_store_name(),
        }
    }
}

fn default_store_kind() -> String {
    "ClusterSecretStore".into()
}

fn default_store_name() -> String {
    "jx-secret-store".into()
}

fn default_refresh_interval() -> String {
    "1h".into()
}

/// Backend settings used by the `kes` format (`spec.backendType` and its fields) and by the
/// `jenkins-x` naming scheme. A `.jx/secret/mapping/secret-mappings.yaml` in the repository
/// takes precedence for the backend type and the GSM/Azure details.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct BackendConfig {
    /// `vault`, `gcpSecretsManager`, `secretsManager`, `systemManager`, `azureKeyVault`,
    /// `alicloudSecretsManager`, `ibmcloudSecretsManager` or `local`.
    #[serde(default = "default_backend_type")]
    pub backend_type: String,
    /// KES `vaultMountPoint` (jx default `kubernetes`).
    #[serde(default = "default_vault_mount_point")]
    pub vault_mount_point: String,
    /// KES `vaultRole` (jx default `jx-vault`).
    #[serde(default = "default_vault_role")]
    pub vault_role: String,
    /// GSM `projectId`.
    #[serde(default)]
    pub project_id: Option<String>,
    /// GSM unique prefix (usually the cluster name).
    #[serde(default)]
    pub unique_prefix: Option<String>,
    /// Azure `keyVaultName`.
    #[serde(default)]
    pub key_vault_name: Option<String>,
    /// AWS `region`.
    #[serde(default)]
    pub region: Option<String>,
    /// AWS `roleArn`.
    #[serde(default)]
    pub role_arn: Option<String>,
}

impl Default for BackendConfig {
    fn default() -> Self {
        BackendConfig {
            backend_type: default_backend_type(),
            vault_mount_point: default_vault_mount_point(),
            vault_role: default_vault_role(),
            project_id: None,
            unique_prefix: None,
            key_vault_name: None,
            region: None,
            role_arn: None,
        }
    }
}

fn default_backend_type() -> String {
    "vault".into()
}

fn default_vault_mount_point() -> String {
    "kubernetes".into()
}

fn default_vault_role() -> String {
    "jx-vault".into()
}

/// The backend types `jx secret convert` knows.
pub const BACKEND_TYPES: &[&str] = &[
    "vault",
    "gcpSecretsManager",
    "secretsManager",
    "systemManager",
    "azureKeyVault",
    "alicloudSecretsManager",
    "ibmcloudSecretsManager",
    "local",
];

/// The `fix:` section. Keys left out are filled by the defaults detected from the index when
/// `--fix` runs (see [`FixConfig::apply_defaults`]); [`FixConfig::explicit`] says which keys the
/// file set, so an explicit value always wins, key by key.
#[derive(Debug, Clone, Deserialize)]
#[serde(from = "RawFixConfig")]
pub struct FixConfig {
    pub format: FixFormat,
    pub secret_store: SecretStoreRef,
    pub naming: Naming,
    /// ESO `spec.refreshInterval` (a Go duration such as `1h`, `30m`, `0s`).
    pub refresh_interval: Option<String>,
    pub backend: BackendConfig,
    /// The keys the configuration file set (`format`, `secret-store.name`,
    /// `backend.project-id`, ...); the others hold built-in or detected defaults.
    pub explicit: BTreeSet<&'static str>,
}

impl Default for FixConfig {
    fn default() -> Self {
        FixConfig::from(RawFixConfig::default())
    }
}

/// The section as written: every key optional, so that what was set is known.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawFixConfig {
    #[serde(default)]
    format: Option<FixFormat>,
    #[serde(default)]
    secret_store: Option<RawSecretStore>,
    #[serde(default)]
    naming: Option<Naming>,
    #[serde(default)]
    refresh_interval: Option<String>,
    #[serde(default)]
    backend: Option<RawBackend>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawSecretStore {
    #[serde(default)]
    kind: Option<String>,
    #[serde(default)]
    name: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawBackend {
    #[serde(default)]
    backend_type: Option<String>,
    #[serde(default)]
    vault_mount_point: Option<String>,
    #[serde(default)]
    vault_role: Option<String>,
    #[serde(default)]
    project_id: Option<String>,
    #[serde(default)]
    unique_prefix: Option<String>,
    #[serde(default)]
    key_vault_name: Option<String>,
    #[serde(default)]
    region: Option<String>,
    #[serde(default)]
    role_arn: Option<String>,
}

impl From<RawFixConfig> for FixConfig {
    fn from(raw: RawFixConfig) -> Self {
        let mut explicit = BTreeSet::new();
        let mut seen = |key: &'static str, set: bool| {
            if set {
                explicit.insert(key);
            }
        };
        let store = raw.secret_store.unwrap_or_default();
        let backend = raw.backend.unwrap_or_default();
        seen("format", raw.format.is_some());
        seen("naming", raw.naming.is_some());
        seen("refresh-interval", raw.refresh_interval.is_some());
        seen("secret-store.kind", store.kind.is_some());
        seen("secret-store.name", store.name.is_some());
        seen("backend.backend-type", backend.backend_type.is_some());
        seen(
            "backend.vault-mount-point",
            backend.vault_mount_point.is_some(),
        );
        seen("backend.vault-role", backend.vault_role.is_some());
        seen("backend.project-id", backend.project_id.is_some());
        seen("backend.unique-prefix", backend.unique_prefix.is_some());
        seen("backend.key-vault-name", backend.key_vault_name.is_some());
        seen("backend.region", backend.region.is_some());
        seen("backend.role-arn", backend.role_arn.is_some());
        FixConfig {
            format: raw.format.unwrap_or_default(),
            secret_store: SecretStoreRef {
                kind: store.kind.unwrap_or_else(default_store_kind),
                name: store.name.unwrap_or_else(default_store_name),
            },
            naming: raw.naming.unwrap_or_default(),
            refresh_interval: Some(
                raw.refresh_interval
                    .unwrap_or_else(default_refresh_interval),
            ),
            backend: BackendConfig {
                backend_type: backend.backend_type.unwrap_or_else(default_backend_type),
                vault_mount_point: backend
                    .vault_mount_point
                    .unwrap_or_else(default_vault_mount_point),
                vault_role: backend.vault_role.unwrap_or_else(default_vault_role),
                project_id: backend.project_id,
                unique_prefix: backend.unique_prefix,
                key_vault_name: backend.key_vault_name,
                region: backend.region,
                role_arn: backend.role_arn,
            },
            explicit,
        }
    }
}

impl FixConfig {
    /// The refresh interval to write (`1h` unless configured).
    pub fn refresh_interval(&self) -> &str {
        self.refresh_interval.as_deref().unwrap_or("1h")
    }

    /// Checks values that serde cannot (patterns, names).
    pub fn validate(&self) -> Result<(), String> {
        let kind = &self.secret_store.kind;
        if kind != "SecretStore" && kind != "ClusterSecretStore" {
            return Err(format!(
                "invalid fix.secret-store.kind `{kind}`: use SecretStore or ClusterSecretStore"
            ));
        }
        if !is_dns1123_subdomain(&self.secret_store.name) {
            return Err(format!(
                "invalid fix.secret-store.name `{}`: must be a DNS-1123 subdomain \
                 (lowercase letters, digits, `-` and `.`, at most 253 characters)",
                self.secret_store.name
            ));
        }
        if let Some(interval) = &self.refresh_interval
            && !is_go_duration(interval)
        {
            return Err(format!(
                "invalid fix.refresh-interval `{interval}`: use a Go duration such as 1h, 30m, 1h30m or 0s"
            ));
        }
        if !BACKEND_TYPES.contains(&self.backend.backend_type.as_str()) {
            return Err(format!(
                "invalid fix.backend.backend-type `{}`: use one of {}",
                self.backend.backend_type,
                BACKEND_TYPES.join(", ")
            ));
        }
        Ok(())
    }
}

/// A Kubernetes DNS-1123 subdomain (resource names, store names).
pub fn is_dns1123_subdomain(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 253
        && s.split('.').all(|label| {
            !label.is_empty()
                && label
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
                && !label.starts_with('-')
                && !label.ends_with('-')
        })
}

/// A Go `time.ParseDuration` string: `0`, or one or more `<number><unit>` with an optional
/// leading sign left out (negative intervals make no sense here).
pub fn is_go_duration(s: &str) -> bool {
    if s == "0" {
        return true;
    }
    let mut rest = s;
    if rest.is_empty() {
        return false;
    }
    while !rest.is_empty() {
        let num_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let num = &rest[..num_len];
        if num.is_empty() || num == "." || num.matches('.').count() > 1 {
            return false;
        }
        rest = &rest[num_len..];
        let unit = ["ns", "us", "µs", "μs", "ms", "s", "m", "h"]
            .iter()
            .filter(|u| rest.starts_with(**u))
            .max_by_key(|u| u.len());
        match unit {
            Some(u) => rest = &rest[u.len()..],
            None => return false,
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Settings;

    #[test]
    fn defaults() {
        let s = Settings::from_text("", None).unwrap();
        assert_eq!(s.fix.format, FixFormat::Eso);
        assert_eq!(s.fix.naming, Naming::Default);
        assert_eq!(s.fix.secret_store.kind, "ClusterSecretStore");
        assert_eq!(s.fix.secret_store.name, "jx-secret-store");
        assert_eq!(s.fix.refresh_interval(), "1h");
        assert_eq!(s.fix.backend.backend_type, "vault");
        assert_eq!(s.fix.backend.vault_role, "jx-vault");
    }

    #[test]
    fn parses_every_field() {
        let s = Settings::from_text(
            "fix:\n  format: kes\n  naming: jenkins-x\n  refresh-interval: 15m\n  \
             secret-store: {kind: SecretStore, name: vault}\n  \
             backend: {backend-type: gcpSecretsManager, project-id: p, unique-prefix: c}\n",
            None,
        )
        .unwrap();
        assert_eq!(s.fix.format, FixFormat::Kes);
        assert_eq!(s.fix.naming, Naming::JenkinsX);
        assert_eq!(s.fix.refresh_interval(), "15m");
        assert_eq!(s.fix.secret_store.kind, "SecretStore");
        assert_eq!(s.fix.backend.project_id.as_deref(), Some("p"));
    }

    #[test]
    fn rejects_bad_values() {
        for (text, needle) in [
            ("fix:\n  format: sealed\n", "sealed"),
            ("fix:\n  secret-store: {kind: Store}\n", "Store"),
            ("fix:\n  secret-store: {name: Bad_Name}\n", "Bad_Name"),
            ("fix:\n  refresh-interval: hourly\n", "hourly"),
            ("fix:\n  backend: {backend-type: keepass}\n", "keepass"),
            ("fix:\n  bogus: 1\n", "bogus"),
        ] {
            let err = Settings::from_text(text, None).unwrap_err();
            assert!(err.to_string().contains(needle), "{text}: {err}");
        }
    }

    #[test]
    fn init_template_fix_section_parses_when_uncommented() {
        let text = crate::config::default_file_text(&crate::config::Detected::default());
        let section: String = text
            .lines()
            .skip_while(|l| !l.starts_with("# fix:"))
            .take_while(|l| l.starts_with("# "))
            .map(|l| format!("{}\n", &l[2..]))
            .collect();
        assert!(section.starts_with("fix:\n"), "{section}");
        let s = Settings::from_text(&section, None).unwrap();
        assert_eq!(s.fix.format, FixFormat::Eso);
    }

    #[test]
    fn go_durations() {
        for ok in ["0", "0s", "1h", "1h0m0s", "90m", "1.5h", "300ms", "2h30m"] {
            assert!(is_go_duration(ok), "{ok}");
        }
        for bad in ["", "h", "1", "1d", "-1h", "1h-", "1..5h"] {
            assert!(!is_go_duration(bad), "{bad}");
        }
    }
}
