//! Remote key naming: where in the secret store each key of a Secret lives.
//!
//! Schemes: `default` (`<namespace>/<name>`, property `<key>`) and `jenkins-x` (the keys
//! `jx secret convert` writes, so existing store data keeps working; see jx-secret
//! `pkg/cmd/convert/`). A Jenkins X mapping file
//! (`.jx/secret/mapping/secret-mappings.yaml`) overrides both per Secret and key.

use crate::config::{BackendConfig, Naming};
use serde::Deserialize;

/// Where the mapping file lives in a Jenkins X repository.
pub const MAPPING_PATH: &str = ".jx/secret/mapping/secret-mappings.yaml";

/// The annotation that prefixes vault paths.
pub const PREFIX_ANNOTATION: &str = "secret.jenkins-x.io/prefix";

/// A parsed `SecretMapping` (only the fields that affect naming; unknown fields ignored,
/// as the Jenkins X loader does).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct SecretMapping {
    pub spec: MappingSpec,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct MappingSpec {
    pub defaults: MappingDefaults,
    pub secrets: Vec<SecretRule>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct MappingDefaults {
    pub backend_type: String,
    pub gcp_secrets_manager: Option<GsmSettings>,
    pub azure_key_vault: Option<AzureSettings>,
    pub secrets_manager: Option<AsmSettings>,
    pub role_arn: String,
    pub region: String,
    pub version_stage: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct GsmSettings {
    pub project_id: String,
    pub unique_prefix: String,
    pub version: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct AzureSettings {
    pub key_vault_name: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct AsmSettings {
    pub region: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct SecretRule {
    pub name: String,
    pub namespace: String,
    pub backend_type: String,
    pub gcp_secrets_manager: Option<GsmSettings>,
    pub azure_key_vault: Option<AzureSettings>,
    pub secrets_manager: Option<AsmSettings>,
    pub role_arn: String,
    pub region: String,
    pub mappings: Vec<KeyMapping>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct KeyMapping {
    pub name: String,
    pub key: String,
    pub property: String,
    pub version_stage: String,
    pub is_binary: bool,
}

impl SecretMapping {
    /// Parses the mapping file text.
    pub fn parse(text: &str) -> Result<SecretMapping, String> {
        if text.trim().is_empty() {
            return Ok(SecretMapping::default());
        }
        serde_saphyr::from_str(text).map_err(|e| {
            let loc = e
                .location()
                .map(|l| format!(":{}:{}", l.line(), l.column()))
                .unwrap_or_default();
            format!(
                "{MAPPING_PATH}{loc}: {}",
                e.to_string().lines().next().unwrap_or_default()
            )
        })
    }

    /// The rule for a Secret: same name, and the same namespace when the rule sets one.
    pub fn rule(&self, namespace: Option<&str>, name: &str) -> Option<&SecretRule> {
        self.spec.secrets.iter().find(|r| {
            r.name == name && (r.namespace.is_empty() || Some(r.namespace.as_str()) == namespace)
        })
    }
}

impl SecretRule {
    fn mapping(&self, key: &str) -> Option<&KeyMapping> {
        self.mappings.iter().find(|m| m.name == key)
    }
}

/// What naming needs to know about a Secret.
#[derive(Debug, Clone)]
pub struct SecretId<'a> {
    pub name: &'a str,
    pub namespace: Option<&'a str>,
    /// The `secret.jenkins-x.io/prefix` annotation.
    pub prefix: Option<&'a str>,
    /// How many keys the Secret has (some backends omit the property for one key).
    pub key_count: usize,
}

/// Where one key lives in the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteKey {
    pub key: String,
    pub property: Option<String>,
    /// GSM version (`latest`).
    pub version: Option<String>,
    /// AWS/Alicloud version stage.
    pub version_stage: Option<String>,
}

/// The backend type in effect for a Secret: the mapping rule's, else the mapping defaults',
/// else the configured one.
pub fn backend_type<'a>(
    mapping: Option<&'a SecretMapping>,
    id: &SecretId,
    config: &'a BackendConfig,
) -> &'a str {
    if let Some(m) = mapping {
        if let Some(rule) = m.rule(id.namespace, id.name)
            && !rule.backend_type.is_empty()
        {
            return &rule.backend_type;
        }
        if !m.spec.defaults.backend_type.is_empty() {
            return &m.spec.defaults.backend_type;
        }
    }
    &config.backend_type
}

/// The remote key of `data_key` of the Secret `id`.
pub fn remote_key(
    scheme: Naming,
    id: &SecretId,
    data_key: &str,
    mapping: Option<&SecretMapping>,
    config: &BackendConfig,
) -> RemoteKey {
    let rule = mapping.and_then(|m| m.rule(id.namespace, id.name));
    let entry = rule.and_then(|r| r.mapping(data_key));
    let non_empty = |s: &str| (!s.is_empty()).then(|| s.to_string());
    let mut remote = match scheme {
        Naming::Default => RemoteKey {
            key: format!("{}/{}", id.namespace.unwrap_or("default"), id.name),
            property: Some(data_key.to_string()),
            version: None,
            version_stage: None,
        },
        Naming::JenkinsX => jenkins_x(id, data_key, mapping, rule, config),
    };
    if let Some(m) = entry {
        // GSM applies the mapping key itself (under the unique prefix).
        let gsm =
            scheme == Naming::JenkinsX && backend_type(mapping, id, config) == "gcpSecretsManager";
        if !gsm && let Some(k) = non_empty(&m.key) {
            remote.key = k;
        }
        if let Some(p) = non_empty(&m.property) {
            remote.property = Some(p);
        }
        if let Some(v) = non_empty(&m.version_stage) {
            remote.version_stage = Some(v);
        }
    }
    remote
}

fn jenkins_x(
    id: &SecretId,
    data_key: &str,
    mapping: Option<&SecretMapping>,
    rule: Option<&SecretRule>,
    config: &BackendConfig,
) -> RemoteKey {
    let non_empty = |s: &str| (!s.is_empty()).then(|| s.to_string());
    let entry = rule.and_then(|r| r.mapping(data_key));
    let mut remote = RemoteKey {
        key: id.name.to_string(),
        property: Some(data_key.to_string()),
        version: None,
        version_stage: None,
    };
    match backend_type(mapping, id, config) {
        "vault" => remote.key = vault_key(id.name, data_key, id.prefix),
        "gcpSecretsManager" => {
            let prefix = rule
                .and_then(|r| r.gcp_secrets_manager.as_ref())
                .and_then(|g| non_empty(&g.unique_prefix))
                .or_else(|| {
                    mapping
                        .and_then(|m| m.spec.defaults.gcp_secrets_manager.as_ref())
                        .and_then(|g| non_empty(&g.unique_prefix))
                })
                .or_else(|| config.unique_prefix.clone());
            let base = entry
                .and_then(|m| non_empty(&m.key))
                .unwrap_or_else(|| id.name.to_string());
            remote.key = match prefix {
                Some(p) => format!("{p}-{base}"),
                None => base,
            }
            .to_lowercase();
            remote.version = Some(
                rule.and_then(|r| r.gcp_secrets_manager.as_ref())
                    .and_then(|g| non_empty(&g.version))
                    .unwrap_or_else(|| "latest".to_string()),
            );
        }
        "local" => remote.key = data_key.to_string(),
        "secretsManager" => {
            remote.version_stage = mapping.and_then(|m| non_empty(&m.spec.defaults.version_stage));
        }
        _ => {
            if id.key_count <= 1 {
                remote.property = None;
            }
            remote.version_stage = mapping.and_then(|m| non_empty(&m.spec.defaults.version_stage));
        }
    }
    remote
}

/// The vault path `jx secret convert` uses: `secret/data/` + [prefix/] + the Secret name
/// with `-` as `/`, dropping the last segment when it equals the data key.
pub fn vault_key(secret_name: &str, data_key: &str, prefix: Option<&str>) -> String {
    let mut segments: Vec<&str> = secret_name.split('-').collect();
    if segments.len() > 1 && segments.last() == Some(&data_key) {
        segments.pop();
    }
    let path = segments.join("/");
    match prefix.filter(|p| !p.is_empty()) {
        Some(p) => format!("secret/data/{}/{path}", p.trim_matches('/')),
        None => format!("secret/data/{path}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id<'a>(name: &'a str, ns: Option<&'a str>) -> SecretId<'a> {
        SecretId {
            name,
            namespace: ns,
            prefix: None,
            key_count: 1,
        }
    }

    fn jx(id: &SecretId, key: &str, mapping: Option<&SecretMapping>) -> RemoteKey {
        remote_key(
            Naming::JenkinsX,
            id,
            key,
            mapping,
            &BackendConfig::default(),
        )
    }

    /// The examples of jx-secret's golden files (`pkg/cmd/convert/test_data/`).
    #[test]
    fn jenkins_x_vault_examples() {
        let r = jx(&id("lighthouse-hmac-token", Some("jx")), "hmac", None);
        assert_eq!(r.key, "secret/data/lighthouse/hmac/token");
        assert_eq!(r.property.as_deref(), Some("hmac"));
        let r = jx(&id("bucketrepo-config", Some("jx")), "config.yaml", None);
        assert_eq!(r.key, "secret/data/bucketrepo/config");
        assert_eq!(r.property.as_deref(), Some("config.yaml"));
        let mut staged = id("lighthouse-hmac-token", Some("jx-staging"));
        staged.prefix = Some("staging");
        let r = jx(&staged, "hmac", None);
        assert_eq!(r.key, "secret/data/staging/lighthouse/hmac/token");
        assert_eq!(r.property.as_deref(), Some("hmac"));
    }

    #[test]
    fn vault_drops_a_last_segment_equal_to_the_key() {
        assert_eq!(
            vault_key("jenkins-x-chartmuseum", "chartmuseum", None),
            "secret/data/jenkins/x"
        );
        assert_eq!(vault_key("nexus", "nexus", None), "secret/data/nexus");
        assert_eq!(
            vault_key("tekton-git", "password", None),
            "secret/data/tekton/git"
        );
        assert_eq!(vault_key("a-b", "b", Some("/p/")), "secret/data/p/a");
    }

    #[test]
    fn default_scheme() {
        let r = remote_key(
            Naming::Default,
            &id("db", Some("apps")),
            "password",
            None,
            &BackendConfig::default(),
        );
        assert_eq!(r.key, "apps/db");
        assert_eq!(r.property.as_deref(), Some("password"));
        let r = remote_key(
            Naming::Default,
            &id("db", None),
            "password",
            None,
            &BackendConfig::default(),
        );
        assert_eq!(r.key, "default/db");
    }

    const MAPPING: &str = r#"
apiVersion: gitops.jenkins-x.io/v1alpha1
kind: SecretMapping
spec:
  secrets:
  - name: lighthouse-oauth-token
    mappings:
    - name: oauth
      key: secret/data/lighthouse/oauth
      property: token
  - name: jx-pipeline-git-github-github
    namespace: jx
    mappings:
    - name: username
      key: secret/data/jx/pipelineUser
      property: username
    - name: password
      key: secret/data/jx/pipelineUser
      property: token
  defaults:
    backendType: vault
"#;

    /// The vault mappings the version stream ships (reference §1.5).
    #[test]
    fn mapping_file_overrides() {
        let m = SecretMapping::parse(MAPPING).unwrap();
        let r = jx(&id("lighthouse-oauth-token", Some("jx")), "oauth", Some(&m));
        assert_eq!(
            (r.key.as_str(), r.property.as_deref()),
            ("secret/data/lighthouse/oauth", Some("token"))
        );
        let r = jx(
            &id("jx-pipeline-git-github-github", Some("jx")),
            "password",
            Some(&m),
        );
        assert_eq!(
            (r.key.as_str(), r.property.as_deref()),
            ("secret/data/jx/pipelineUser", Some("token"))
        );
        // The rule is limited to namespace jx.
        let r = jx(
            &id("jx-pipeline-git-github-github", Some("other")),
            "password",
            Some(&m),
        );
        assert_eq!(r.key, "secret/data/jx/pipeline/git/github/github");
        // Unmapped keys of a mapped Secret use the scheme.
        let r = jx(&id("lighthouse-oauth-token", Some("jx")), "other", Some(&m));
        assert_eq!(r.key, "secret/data/lighthouse/oauth/token");
        // Mappings apply with the default scheme too.
        let r = remote_key(
            Naming::Default,
            &id("lighthouse-oauth-token", Some("jx")),
            "oauth",
            Some(&m),
            &BackendConfig::default(),
        );
        assert_eq!(r.key, "secret/data/lighthouse/oauth");
    }

    /// GSM from evillgenius75/jx3-gke-gsm (reference §1.4).
    #[test]
    fn gsm_naming() {
        let m = SecretMapping::parse(
            "spec:\n  defaults:\n    backendType: gcpSecretsManager\n    gcpSecretsManager:\n      projectId: eddiejv-stp-appmod-demo\n      uniquePrefix: tf-jx-top-drum\n  secrets:\n  - name: lighthouse-oauth-token\n    mappings:\n    - name: oauth\n      key: lighthouse-oauth\n      property: token\n",
        )
        .unwrap();
        let r = jx(&id("lighthouse-oauth-token", Some("jx")), "oauth", Some(&m));
        assert_eq!(r.key, "tf-jx-top-drum-lighthouse-oauth");
        assert_eq!(r.property.as_deref(), Some("token"));
        assert_eq!(r.version.as_deref(), Some("latest"));
        let r = jx(&id("Nexus", Some("jx")), "password", Some(&m));
        assert_eq!(r.key, "tf-jx-top-drum-nexus");
        assert_eq!(r.property.as_deref(), Some("password"));
    }

    #[test]
    fn other_backends() {
        let cfg = |t: &str| BackendConfig {
            backend_type: t.into(),
            ..BackendConfig::default()
        };
        let one = id("lighthouse-oauth-token", Some("jx"));
        let r = remote_key(Naming::JenkinsX, &one, "oauth", None, &cfg("local"));
        assert_eq!(
            (r.key.as_str(), r.property.as_deref()),
            ("oauth", Some("oauth"))
        );
        let r = remote_key(
            Naming::JenkinsX,
            &one,
            "oauth",
            None,
            &cfg("secretsManager"),
        );
        assert_eq!(
            (r.key.as_str(), r.property.as_deref()),
            ("lighthouse-oauth-token", Some("oauth"))
        );
        let r = remote_key(Naming::JenkinsX, &one, "oauth", None, &cfg("azureKeyVault"));
        assert_eq!(
            (r.key.as_str(), r.property.as_deref()),
            ("lighthouse-oauth-token", None)
        );
        let two = SecretId {
            key_count: 2,
            ..one
        };
        let r = remote_key(Naming::JenkinsX, &two, "oauth", None, &cfg("azureKeyVault"));
        assert_eq!(r.property.as_deref(), Some("oauth"));
    }

    #[test]
    fn bad_mapping_file_is_located() {
        let err = SecretMapping::parse("spec:\n  secrets: 3\n").unwrap_err();
        assert!(err.starts_with(MAPPING_PATH), "{err}");
    }
}
