//! The metadata file saved beside each values file: what `gitops-guard secrets` needs to know
//! about a saved Secret without the repository or the configuration it was converted with.
//!
//! `<dir>/<namespace>/<name>.meta` (JSON, file 0600, written atomically and fsynced before the
//! manifest changes, like the values). Values files always end in `.json` and metadata files
//! in `.meta`, so no Secret name can make one collide with the other.
//!
//! It holds the Secret's identity and shape (namespace, name, type, labels, annotations,
//! `immutable`), where it came from (the manifest path, the ExternalSecret format and naming
//! scheme), the backend with its settings (vault auth mount and role, GSM project and prefix,
//! Azure key vault, AWS region and role), and per key the remote key, property, version and
//! binary flag the written ExternalSecret references, as the store holds them (ESO's GCP
//! provider reads a property starting with `.` escaped, `\.dockerconfigjson`; the metadata
//! keeps the store's key, `.dockerconfigjson`). Never a value.
//!
//! A store written before metadata existed has none: [`recompute`] derives it from the
//! current configuration and mapping file, and callers say so.

use crate::config::{FixConfig, FixFormat, Naming};
use crate::fix::naming::{self, SecretId, SecretMapping};
use crate::fix::secret::KeyRef;
use crate::fix::values::StoredValue;
use crate::manifest::Node;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The version written in [`Meta::version`]; a newer one is refused, not misread.
pub const VERSION: u32 = 1;

/// The file extension of metadata files.
pub const EXTENSION: &str = "meta";

/// The metadata of one saved Secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Meta {
    /// Format version ([`VERSION`]).
    pub version: u32,
    /// `None` when the Secret had no namespace (its files are under `default/`).
    pub namespace: Option<String>,
    pub name: String,
    /// The Secret's `type` (`Opaque` when it had none).
    #[serde(rename = "type")]
    pub secret_type: String,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub immutable: Option<bool>,
    /// The repository path of the manifest that held it (empty when unknown).
    #[serde(default)]
    pub manifest: String,
    /// When its values were first saved (RFC 3339, UTC; empty when unknown).
    #[serde(default)]
    pub saved: String,
    /// The ExternalSecret format written: `eso` or `kes`.
    pub format: String,
    /// The naming scheme used: `default` or `jenkins-x`.
    pub naming: String,
    pub backend: Backend,
    /// One entry per key, sorted by key.
    pub keys: Vec<KeyMeta>,
}

/// The backend a Secret was converted for, with the settings its loads need.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Backend {
    /// `vault`, `gcpSecretsManager`, `secretsManager`, `systemManager`, `azureKeyVault`, ...
    #[serde(rename = "type")]
    pub backend_type: String,
    /// Vault: the auth mount point (KES `vaultMountPoint`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vault_mount_point: Option<String>,
    /// Vault: the role (KES `vaultRole`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vault_role: Option<String>,
    /// GSM: the project.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project_id: Option<String>,
    /// GSM: the unique prefix of secret names.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unique_prefix: Option<String>,
    /// Azure: the key vault.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_vault_name: Option<String>,
    /// AWS (and other regional backends): the region.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// AWS: the role to assume.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role_arn: Option<String>,
}

/// Where one key of the Secret lives in the store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyMeta {
    /// The key in the Secret.
    pub key: String,
    /// `remoteRef.key` (KES `key`).
    pub remote_key: String,
    /// `remoteRef.property` (KES `property`) as the store holds it (unescaped); `None`: the
    /// whole entry is the value.
    #[serde(default)]
    pub property: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version_stage: Option<String>,
    /// Not UTF-8: the store holds its standard base64 and the ExternalSecret decodes it.
    pub binary: bool,
}

impl KeyMeta {
    fn of(k: &KeyRef) -> KeyMeta {
        KeyMeta {
            key: k.secret_key.clone(),
            remote_key: k.remote.key.clone(),
            property: k.remote.property.clone(),
            version: k.remote.version.clone(),
            version_stage: k.remote.version_stage.clone(),
            binary: k.binary,
        }
    }
}

/// The parts of a Secret's shape that the ExternalSecret carries but the conversion result
/// does not expose: read from the Secret object itself.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Shape {
    pub secret_type: String,
    pub labels: BTreeMap<String, String>,
    pub annotations: BTreeMap<String, String>,
    pub immutable: Option<bool>,
}

impl Shape {
    /// Reads the shape of a Secret that converted successfully. `last-applied-configuration`
    /// is left out: it is a copy of the whole Secret, values included, and `kubectl apply`
    /// writes it again.
    pub fn of(obj: &Node) -> Shape {
        let string_map = |node: Option<&Node>| -> BTreeMap<String, String> {
            node.and_then(Node::as_map)
                .unwrap_or_default()
                .iter()
                .filter_map(|(k, v)| {
                    let value = if v.is_null() { "" } else { v.as_str()? };
                    Some((k.as_str()?.to_string(), value.to_string()))
                })
                .collect()
        };
        let secret_type = obj
            .get("type")
            .filter(|t| !t.is_null())
            .and_then(Node::as_str)
            .filter(|t| !t.is_empty())
            .unwrap_or("Opaque")
            .to_string();
        let immutable = match obj.get("immutable").and_then(Node::as_str) {
            Some("true") => Some(true),
            Some("false") => Some(false),
            _ => None,
        };
        let mut annotations = string_map(obj.at(&["metadata", "annotations"]));
        annotations.remove(crate::rules::LAST_APPLIED);
        Shape {
            secret_type,
            labels: string_map(obj.at(&["metadata", "labels"])),
            annotations,
            immutable,
        }
    }
}

/// What one converted Secret contributes to its metadata file.
pub struct Converted<'a> {
    pub namespace: Option<&'a str>,
    pub name: &'a str,
    pub keys: &'a [KeyRef],
    pub backend_type: &'a str,
    pub shape: &'a Shape,
    /// The manifest's repository path.
    pub manifest: &'a str,
}

/// The metadata of a Secret converted now.
pub fn build(c: &Converted, fix: &FixConfig, mapping: Option<&SecretMapping>, now: &str) -> Meta {
    let mut keys: Vec<KeyMeta> = c.keys.iter().map(KeyMeta::of).collect();
    keys.sort_by(|a, b| a.key.cmp(&b.key));
    Meta {
        version: VERSION,
        namespace: c.namespace.map(str::to_string),
        name: c.name.to_string(),
        secret_type: c.shape.secret_type.clone(),
        labels: c.shape.labels.clone(),
        annotations: c.shape.annotations.clone(),
        immutable: c.shape.immutable,
        manifest: c.manifest.to_string(),
        saved: now.to_string(),
        format: format_name(fix.format).to_string(),
        naming: naming_name(fix.naming).to_string(),
        backend: backend(fix, mapping, c.namespace, c.name, c.backend_type),
        keys,
    }
}

/// `new` over what an earlier run recorded for the same Secret: keys converted now replace
/// their old entries, keys only the old file knew stay, the first save time stays.
pub fn merge(old: Meta, mut new: Meta) -> Meta {
    for k in old.keys {
        if !new.keys.iter().any(|n| n.key == k.key) {
            new.keys.push(k);
        }
    }
    new.keys.sort_by(|a, b| a.key.cmp(&b.key));
    if !old.saved.is_empty() {
        new.saved = old.saved;
    }
    new
}

fn format_name(f: FixFormat) -> &'static str {
    match f {
        FixFormat::Eso => "eso",
        FixFormat::Kes => "kes",
    }
}

fn naming_name(n: Naming) -> &'static str {
    match n {
        Naming::Default => "default",
        Naming::JenkinsX => "jenkins-x",
    }
}

/// The backend settings in effect for a Secret, resolved as the KES conversion does: the
/// mapping file's rule, then its defaults, then the configuration.
pub fn backend(
    fix: &FixConfig,
    mapping: Option<&SecretMapping>,
    namespace: Option<&str>,
    name: &str,
    backend_type: &str,
) -> Backend {
    let cfg = &fix.backend;
    let rule = mapping.and_then(|m| m.rule(namespace, name));
    let defaults = mapping.map(|m| &m.spec.defaults);
    let pick = |candidates: [Option<&str>; 3]| {
        candidates
            .into_iter()
            .flatten()
            .find(|s| !s.is_empty())
            .map(str::to_string)
    };
    let mut b = Backend {
        backend_type: backend_type.to_string(),
        ..Backend::default()
    };
    match backend_type {
        "vault" => {
            b.vault_mount_point = Some(cfg.vault_mount_point.clone());
            b.vault_role = Some(cfg.vault_role.clone());
        }
        "gcpSecretsManager" => {
            let gsm_rule = rule.and_then(|r| r.gcp_secrets_manager.as_ref());
            let gsm_defaults = defaults.and_then(|d| d.gcp_secrets_manager.as_ref());
            b.project_id = pick([
                gsm_rule.map(|g| g.project_id.as_str()),
                gsm_defaults.map(|g| g.project_id.as_str()),
                cfg.project_id.as_deref(),
            ]);
            b.unique_prefix = pick([
                gsm_rule.map(|g| g.unique_prefix.as_str()),
                gsm_defaults.map(|g| g.unique_prefix.as_str()),
                cfg.unique_prefix.as_deref(),
            ]);
        }
        "azureKeyVault" => {
            b.key_vault_name = pick([
                rule.and_then(|r| r.azure_key_vault.as_ref())
                    .map(|a| a.key_vault_name.as_str()),
                defaults
                    .and_then(|d| d.azure_key_vault.as_ref())
                    .map(|a| a.key_vault_name.as_str()),
                cfg.key_vault_name.as_deref(),
            ]);
        }
        _ => {
            let general = pick([
                rule.map(|r| r.region.as_str()),
                defaults.map(|d| d.region.as_str()),
                cfg.region.as_deref(),
            ]);
            b.region = if backend_type == "secretsManager" {
                pick([
                    rule.and_then(|r| r.secrets_manager.as_ref())
                        .map(|a| a.region.as_str()),
                    defaults
                        .and_then(|d| d.secrets_manager.as_ref())
                        .map(|a| a.region.as_str()),
                    None,
                ])
                .or(general)
            } else {
                general
            };
            b.role_arn = pick([
                rule.map(|r| r.role_arn.as_str()),
                defaults.map(|d| d.role_arn.as_str()),
                cfg.role_arn.as_deref(),
            ]);
        }
    }
    b
}

/// Metadata for a values file saved without any (by an older version): derived from the
/// current configuration and mapping, as `--fix` would convert the Secret now. What cannot
/// be known (type, labels, annotations, the vault prefix annotation, the manifest) is left
/// at its default.
pub fn recompute(
    namespace: &str,
    name: &str,
    values: &BTreeMap<String, StoredValue>,
    fix: &FixConfig,
    mapping: Option<&SecretMapping>,
) -> Meta {
    let id = SecretId {
        name,
        namespace: Some(namespace),
        prefix: None,
        key_count: values.len(),
    };
    let backend_type = naming::backend_type(mapping, &id, &fix.backend).to_string();
    let keys = values
        .iter()
        .map(|(k, v)| {
            let remote = naming::remote_key(fix.naming, &id, k, mapping, &fix.backend);
            KeyMeta {
                key: k.clone(),
                remote_key: remote.key,
                property: remote.property,
                version: remote.version,
                version_stage: remote.version_stage,
                binary: v.is_binary(),
            }
        })
        .collect();
    Meta {
        version: VERSION,
        namespace: Some(namespace.to_string()),
        name: name.to_string(),
        secret_type: "Opaque".to_string(),
        labels: BTreeMap::new(),
        annotations: BTreeMap::new(),
        immutable: None,
        manifest: String::new(),
        saved: String::new(),
        format: format_name(fix.format).to_string(),
        naming: naming_name(fix.naming).to_string(),
        backend: backend(fix, mapping, Some(namespace), name, &backend_type),
        keys,
    }
}

/// The metadata file of the values file `values_file` (`x.json` → `x.meta`).
pub fn file_for(values_file: &Path) -> PathBuf {
    values_file.with_extension(EXTENSION)
}

/// The JSON text of a metadata file (2-space indent, final newline).
pub fn render(meta: &Meta) -> String {
    let mut text = serde_json::to_string_pretty(meta).unwrap_or_else(|_| String::from("{}"));
    text.push('\n');
    text
}

/// Parses a metadata file.
pub fn parse(text: &str) -> Result<Meta, String> {
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|e| format!("invalid JSON at line {}", e.line()))?;
    match value.get("version").and_then(serde_json::Value::as_u64) {
        Some(v) if v == u64::from(VERSION) => {}
        Some(v) => {
            return Err(format!(
                "format version {v} is not {VERSION}: written by another gitops-guard version"
            ));
        }
        None => return Err("no format version".into()),
    }
    serde_json::from_value(value).map_err(|e| e.to_string())
}

/// Reads the metadata file at `path`: `Ok(None)` when there is none.
pub fn load(path: &Path) -> Result<Option<Meta>, String> {
    match std::fs::read(path) {
        Ok(bytes) => {
            let text = String::from_utf8(bytes).map_err(|_| "not UTF-8".to_string())?;
            parse(&text).map(Some)
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e.to_string()),
    }
}

/// Writes `meta` to `path` atomically (folders 0700, file exactly 0600), fsynced.
pub fn store(path: &Path, meta: &Meta) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        crate::fix::atomic::create_dir_all(dir, 0o700)?;
    }
    crate::fix::atomic::write(
        path,
        render(meta).as_bytes(),
        crate::fix::atomic::Mode::Exact(0o600),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Settings;
    use crate::fix::naming::RemoteKey;

    fn key(k: &str, remote: &str, property: Option<&str>) -> KeyRef {
        KeyRef {
            secret_key: k.into(),
            remote: RemoteKey {
                key: remote.into(),
                property: property.map(str::to_string),
                version: None,
                version_stage: None,
            },
            binary: false,
        }
    }

    #[test]
    fn exact_text_and_round_trip() {
        let settings = Settings::default();
        let keys = [key("user", "apps/db", Some("user")), {
            let mut k = key("cert", "apps/db", Some("cert"));
            k.binary = true;
            k
        }];
        let shape = Shape {
            secret_type: "Opaque".into(),
            labels: [("app".to_string(), "db".to_string())].into(),
            ..Shape::default()
        };
        let meta = build(
            &Converted {
                namespace: Some("apps"),
                name: "db",
                keys: &keys,
                backend_type: "vault",
                shape: &shape,
                manifest: "apps/db.yaml",
            },
            &settings.fix,
            None,
            "2026-11-26T10:00:00Z",
        );
        let text = render(&meta);
        assert_eq!(
            text,
            r#"{
  "version": 1,
  "namespace": "apps",
  "name": "db",
  "type": "Opaque",
  "labels": {
    "app": "db"
  },
  "manifest": "apps/db.yaml",
  "saved": "2026-11-26T10:00:00Z",
  "format": "eso",
  "naming": "default",
  "backend": {
    "type": "vault",
    "vault_mount_point": "kubernetes",
    "vault_role": "jx-vault"
  },
  "keys": [
    {
      "key": "cert",
      "remote_key": "apps/db",
      "property": "cert",
      "binary": true
    },
    {
      "key": "user",
      "remote_key": "apps/db",
      "property": "user",
      "binary": false
    }
  ]
}
"#
        );
        assert_eq!(parse(&text), Ok(meta));
        assert!(parse(&text.replace("\"version\": 1", "\"version\": 2")).is_err());
        assert!(parse("{}").is_err());
    }

    #[test]
    fn merge_keeps_old_keys_and_first_save() {
        let settings = Settings::default();
        let shape = Shape::default();
        let one = [key("a", "n/s", Some("a"))];
        let two = [key("b", "n/s", Some("b"))];
        let c = |keys| Converted {
            namespace: Some("n"),
            name: "s",
            keys,
            backend_type: "vault",
            shape: &shape,
            manifest: "m.yaml",
        };
        let old = build(&c(&one), &settings.fix, None, "2026-01-01T00:00:00Z");
        let new = build(&c(&two), &settings.fix, None, "2026-02-01T00:00:00Z");
        let merged = merge(old, new);
        assert_eq!(merged.saved, "2026-01-01T00:00:00Z");
        let keys: Vec<&str> = merged.keys.iter().map(|k| k.key.as_str()).collect();
        assert_eq!(keys, ["a", "b"]);
    }

    #[test]
    fn backend_settings_follow_the_mapping_then_the_configuration() {
        let settings = Settings::from_text(
            "fix:\n  backend: {backend-type: secretsManager, region: eu-west-1, key-vault-name: kv, project-id: cfg-p}\n",
            None,
        )
        .unwrap();
        let b = backend(&settings.fix, None, Some("jx"), "s", "secretsManager");
        assert_eq!(b.region.as_deref(), Some("eu-west-1"));
        let mapping = SecretMapping::parse(
            "spec:\n  defaults:\n    backendType: secretsManager\n    secretsManager: {region: us-east-2}\n    gcpSecretsManager: {projectId: p1, uniquePrefix: c1}\n  secrets:\n  - name: s\n    azureKeyVault: {keyVaultName: rule-kv}\n",
        )
        .unwrap();
        let b = backend(
            &settings.fix,
            Some(&mapping),
            Some("jx"),
            "s",
            "secretsManager",
        );
        assert_eq!(b.region.as_deref(), Some("us-east-2"));
        let b = backend(
            &settings.fix,
            Some(&mapping),
            Some("jx"),
            "s",
            "azureKeyVault",
        );
        assert_eq!(b.key_vault_name.as_deref(), Some("rule-kv"));
        let b = backend(
            &settings.fix,
            Some(&mapping),
            Some("jx"),
            "o",
            "azureKeyVault",
        );
        assert_eq!(b.key_vault_name.as_deref(), Some("kv"));
        let b = backend(
            &settings.fix,
            Some(&mapping),
            Some("jx"),
            "s",
            "gcpSecretsManager",
        );
        assert_eq!(
            (b.project_id.as_deref(), b.unique_prefix.as_deref()),
            (Some("p1"), Some("c1"))
        );
    }

    #[test]
    fn recompute_names_keys_as_fix_would() {
        let settings = Settings::from_text("fix:\n  naming: jenkins-x\n", None).unwrap();
        let values: BTreeMap<String, StoredValue> = [
            ("hmac".to_string(), StoredValue::Text("x".into())),
            ("bin".to_string(), StoredValue::Binary(vec![0xff])),
        ]
        .into();
        let meta = recompute("jx", "lighthouse-hmac-token", &values, &settings.fix, None);
        assert_eq!(meta.backend.backend_type, "vault");
        assert_eq!(meta.keys[1].key, "hmac");
        assert_eq!(meta.keys[1].remote_key, "secret/data/lighthouse/hmac/token");
        assert!(meta.keys[0].binary);
        assert_eq!(meta.naming, "jenkins-x");
    }

    #[test]
    fn meta_files_never_collide_with_values_files() {
        let dir = Path::new("/s/ns");
        let values_of = |name: &str| dir.join(format!("{name}.json"));
        // `a.meta` is a valid Secret name: its values file is `a.meta.json`.
        assert_eq!(file_for(&values_of("a")), dir.join("a.meta"));
        assert_eq!(values_of("a.meta"), dir.join("a.meta.json"));
        assert_eq!(file_for(&values_of("a.meta")), dir.join("a.meta.meta"));
    }

    #[test]
    fn shape_reads_the_secret() {
        let text = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\n  labels: {a: b}\n  annotations: {x: '', kubectl.kubernetes.io/last-applied-configuration: '{\"data\": 1}'}\ntype: kubernetes.io/tls\nimmutable: true\ndata: {}\n";
        let docs = crate::engine::parse("s.yaml", text, crate::rules::FileKind::Yaml);
        let root = docs[0].root.as_ref().unwrap();
        let shape = Shape::of(root);
        assert_eq!(shape.secret_type, "kubernetes.io/tls");
        assert_eq!(shape.labels["a"], "b");
        assert_eq!(shape.annotations["x"], "");
        assert_eq!(shape.annotations.len(), 1, "no last-applied-configuration");
        assert_eq!(shape.immutable, Some(true));
    }
}
