//! One core `Secret` object → the `ExternalSecret` that replaces it, plus its decoded values.
//!
//! Invariants: either every key of `data` and `stringData` is converted faithfully (decoded
//! value saved, one ExternalSecret entry per key) or the conversion fails with an error that
//! names keys and fields, never values. Anything the ExternalSecret cannot express (unknown
//! fields, templated content, owner references, ...) is an error, not a silent loss.

use super::emit::Out;
use super::leak;
use super::naming::{self, RemoteKey, SecretId, SecretMapping};
use super::values::{SecretValues, StoredValue};
use crate::config::{FixConfig, FixFormat, is_dns1123_subdomain};
use crate::manifest::{Node, Value};
use crate::rules::{LAST_APPLIED, RawSecretInfo};
use base64::Engine as _;
use std::collections::BTreeMap;

/// Why a Secret cannot be converted. Never holds a value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ConvertError(pub String);

fn err<T>(msg: impl Into<String>) -> Result<T, ConvertError> {
    Err(ConvertError(msg.into()))
}

/// One converted key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyRef {
    /// The key in the Secret (ESO `secretKey`, KES `name`).
    pub secret_key: String,
    pub remote: RemoteKey,
    /// The value is not UTF-8: stored base64 and decoded by the operator.
    pub binary: bool,
}

/// The result of converting one Secret.
#[derive(Debug, Clone)]
pub struct Converted {
    /// The ExternalSecret object.
    pub object: Out,
    pub values: SecretValues,
    pub keys: Vec<KeyRef>,
    /// The backend type used for naming (vault unless configured or mapped otherwise).
    pub backend_type: String,
}

const TOP_LEVEL: &[&str] = &[
    "apiVersion",
    "kind",
    "metadata",
    "type",
    "data",
    "stringData",
    "immutable",
];
const METADATA: &[&str] = &[
    "name",
    "namespace",
    "labels",
    "annotations",
    "creationTimestamp",
];
const KEY_CHARS: &str = "-._";

/// Converts the Secret `obj` (a core Secret per [`RawSecretInfo::of`]).
pub fn convert(
    obj: &Node,
    fix: &FixConfig,
    mapping: Option<&SecretMapping>,
) -> Result<Converted, ConvertError> {
    let Some(info) = RawSecretInfo::of(obj) else {
        return err("not a core v1 Secret");
    };
    if let Some(kind) = info.unconvertible_type() {
        return err(format!(
            "External Secrets cannot create a Secret of type `{kind}` (the cluster issues and \
             owns these tokens); remove it from git and revoke the committed token"
        ));
    }
    if obj.get("sops").is_some() {
        return err(
            "it is a SOPS file with plain-text values: encrypt it again with `sops \
             --encrypt` instead",
        );
    }
    if !info.reference_keys.is_empty() {
        return err(format!(
            "{} resolved elsewhere ({}) next to literal values; references cannot be moved \
             into a store: make the literals references too, or convert by hand",
            if info.reference_keys.len() == 1 {
                "a reference"
            } else {
                "references"
            },
            info.reference_keys.join(", ")
        ));
    }
    if any_templated(obj) {
        return err("it contains template expressions ({{ ... }}); render it first");
    }
    let entries = obj.as_map().unwrap_or_default();
    check_unique_keys(entries, "the Secret")?;
    for (k, _) in entries {
        let key = k.as_str().unwrap_or("?");
        if !TOP_LEVEL.contains(&key) {
            return err(format!(
                "field `{key}` has no ExternalSecret equivalent; convert it by hand"
            ));
        }
    }
    let meta = obj.get("metadata");
    if let Some(meta) = meta {
        let Some(meta_entries) = meta.as_map() else {
            return err("`metadata` is not a mapping");
        };
        check_unique_keys(meta_entries, "metadata")?;
        for (k, v) in meta_entries {
            let key = k.as_str().unwrap_or("?");
            let null_timestamp = key == "creationTimestamp" && v.is_null();
            if !METADATA.contains(&key) || (key == "creationTimestamp" && !null_timestamp) {
                return err(format!(
                    "`metadata.{key}` has no ExternalSecret equivalent; convert it by hand"
                ));
            }
        }
    }
    let name = match meta.and_then(|m| m.get("name")).and_then(Node::as_str) {
        Some(n) if is_dns1123_subdomain(n) => n.to_string(),
        Some(_) => return err("`metadata.name` is not a valid Kubernetes name"),
        None => return err("the Secret has no `metadata.name`"),
    };
    let namespace = info.namespace.clone();
    if namespace
        .as_deref()
        .is_some_and(|ns| !is_dns1123_subdomain(ns))
    {
        return err("`metadata.namespace` is not a valid Kubernetes name");
    }
    let labels = string_map(meta.and_then(|m| m.get("labels")), "metadata.labels")?;
    let mut annotations = string_map(
        meta.and_then(|m| m.get("annotations")),
        "metadata.annotations",
    )?;
    // kubectl's copy of the whole Secret, values included: never carried over.
    annotations.retain(|(k, _)| k != LAST_APPLIED);
    let secret_type = match obj.get("type") {
        None => "Opaque".to_string(),
        Some(t) if t.is_null() => "Opaque".to_string(),
        Some(t) => match t.as_str() {
            Some(s) if !s.is_empty() => s.to_string(),
            _ => return err("`type` is not a string"),
        },
    };
    let immutable = match obj.get("immutable") {
        None => None,
        Some(n) if n.is_null() => None,
        Some(n) => match n.as_str() {
            Some("true") => Some(true),
            Some("false") => Some(false),
            _ => return err("`immutable` is not a boolean"),
        },
    };

    let (values, order) = decode_values(obj)?;
    if values.is_empty() {
        return err("the Secret has no keys to convert");
    }
    if let Some((what, entry, key)) =
        leak::in_metadata(&[("label", &labels), ("annotation", &annotations)], &values)
    {
        return err(format!(
            "{what} `{entry}` contains the value of `{key}`; remove it from the Secret (or \
             convert by hand), so that no value is copied into the ExternalSecret"
        ));
    }

    let prefix = annotations
        .iter()
        .find(|(k, _)| k == naming::PREFIX_ANNOTATION)
        .map(|(_, v)| v.as_str());
    let id = SecretId {
        name: &name,
        namespace: namespace.as_deref(),
        prefix,
        key_count: values.len(),
    };
    let backend_type = naming::backend_type(mapping, &id, &fix.backend).to_string();
    // `data[]` in the order the Secret lists its keys.
    let keys: Vec<KeyRef> = order
        .iter()
        .filter_map(|k| values.get_key_value(k))
        .map(|(k, v)| KeyRef {
            secret_key: k.clone(),
            remote: naming::remote_key(fix.naming, &id, k, mapping, &fix.backend),
            binary: v.is_binary(),
        })
        .collect();
    let placed = Placement::of(&labels, &annotations);

    let parts = Parts {
        name: &name,
        namespace: namespace.as_deref(),
        placed: &placed,
        secret_type: &secret_type,
        immutable,
        keys: &keys,
        backend_type: &backend_type,
    };
    let object = match fix.format {
        FixFormat::Eso => eso(&parts, fix),
        FixFormat::Kes => kes(&parts, fix, mapping, &backend_type)?,
    };
    Ok(Converted {
        object,
        values: SecretValues {
            namespace,
            name,
            values,
        },
        keys,
        backend_type,
    })
}

struct Parts<'a> {
    name: &'a str,
    namespace: Option<&'a str>,
    placed: &'a Placement,
    secret_type: &'a str,
    immutable: Option<bool>,
    keys: &'a [KeyRef],
    backend_type: &'a str,
}

/// Labels and annotations of deploy tools act on the object in git (Argo CD sync options,
/// Helm hooks, Flux reconcile settings, Jenkins X secret schemas and pruning): they stay on
/// the ExternalSecret. Everything else describes the Secret and goes into its template.
const DEPLOY_TOOL_PREFIXES: &[&str] = &[
    "argocd.argoproj.io/",
    "helm.sh/hook",
    "helm.sh/resource-policy",
    "kustomize.toolkit.fluxcd.io/",
    "secret.jenkins-x.io/",
    "gitops.jenkins-x.io/pipeline",
];

/// Deploy-tool labels that Argo CD reads from the Secret itself (repository credentials).
const BELONGS_ON_SECRET: &[&str] = &["argocd.argoproj.io/secret-type"];

/// Where each label and annotation of the Secret goes, in source order.
struct Placement {
    /// Every label: the ExternalSecret keeps the Secret's labels, as before.
    labels: Vec<(String, String)>,
    /// Deploy-tool annotations, on the ExternalSecret.
    annotations: Vec<(String, String)>,
    template_labels: Vec<(String, String)>,
    template_annotations: Vec<(String, String)>,
}

impl Placement {
    fn of(labels: &[(String, String)], annotations: &[(String, String)]) -> Placement {
        let deploy = |k: &str| DEPLOY_TOOL_PREFIXES.iter().any(|p| k.starts_with(p));
        let on_secret = |k: &str| !deploy(k) || BELONGS_ON_SECRET.contains(&k);
        let pick = |pairs: &[(String, String)], keep: &dyn Fn(&str) -> bool| {
            pairs.iter().filter(|(k, _)| keep(k)).cloned().collect()
        };
        Placement {
            labels: labels.to_vec(),
            annotations: pick(annotations, &|k| deploy(k)),
            template_labels: pick(labels, &on_secret),
            template_annotations: pick(annotations, &on_secret),
        }
    }
}

fn string_pairs(pairs: &[(String, String)]) -> Out {
    Out::map(pairs.iter().map(|(k, v)| (k.clone(), Out::str(v.clone()))))
}

/// External Secrets Operator `external-secrets.io/v1`.
fn eso(p: &Parts, fix: &FixConfig) -> Out {
    let placed = p.placed;
    let mut metadata = vec![("name", Out::str(p.name))];
    if let Some(ns) = p.namespace {
        metadata.push(("namespace", Out::str(ns)));
    }
    if !placed.labels.is_empty() {
        metadata.push(("labels", string_pairs(&placed.labels)));
    }
    if !placed.annotations.is_empty() {
        metadata.push(("annotations", string_pairs(&placed.annotations)));
    }
    let mut template_meta = Vec::new();
    if !placed.template_labels.is_empty() {
        template_meta.push(("labels", string_pairs(&placed.template_labels)));
    }
    if !placed.template_annotations.is_empty() {
        template_meta.push(("annotations", string_pairs(&placed.template_annotations)));
    }
    let mut template = vec![("type", Out::str(p.secret_type))];
    if !template_meta.is_empty() {
        template.push(("metadata", Out::map(template_meta)));
    }
    let mut target = vec![
        ("name", Out::str(p.name)),
        ("creationPolicy", Out::str("Owner")),
    ];
    if let Some(immutable) = p.immutable {
        target.push(("immutable", Out::Bool(immutable)));
    }
    target.push(("template", Out::map(template)));
    let data = p
        .keys
        .iter()
        .map(|k| {
            let mut remote = vec![("key", Out::str(k.remote.key.clone()))];
            if let Some(prop) = &k.remote.property {
                remote.push(("property", Out::str(eso_property(p.backend_type, prop))));
            }
            if let Some(v) = &k.remote.version {
                remote.push(("version", Out::str(v.clone())));
            }
            if k.binary {
                // The store holds base64 text (see values.rs); ESO decodes it back to bytes.
                remote.push(("decodingStrategy", Out::str("Base64")));
            }
            Out::map([
                ("secretKey", Out::str(k.secret_key.clone())),
                ("remoteRef", Out::map(remote)),
            ])
        })
        .collect();
    Out::map([
        ("apiVersion", Out::str("external-secrets.io/v1")),
        ("kind", Out::str("ExternalSecret")),
        ("metadata", Out::map(metadata)),
        (
            "spec",
            Out::map([
                ("refreshInterval", Out::str(fix.refresh_interval())),
                (
                    "secretStoreRef",
                    Out::map([
                        ("kind", Out::str(fix.secret_store.kind.clone())),
                        ("name", Out::str(fix.secret_store.name.clone())),
                    ]),
                ),
                ("target", Out::map(target)),
                ("data", Out::Seq(data)),
            ]),
        ),
    ])
}

/// Kubernetes External Secrets `kubernetes-client.io/v1`, in `jx secret convert`'s shape.
fn kes(
    p: &Parts,
    fix: &FixConfig,
    mapping: Option<&SecretMapping>,
    backend: &str,
) -> Result<Out, ConvertError> {
    let cfg = &fix.backend;
    let rule = mapping.and_then(|m| m.rule(p.namespace, p.name));
    let defaults = mapping.map(|m| &m.spec.defaults);
    let pick = |from_rule: Option<&str>, from_defaults: Option<&str>, from_cfg: Option<&str>| {
        [from_rule, from_defaults, from_cfg]
            .into_iter()
            .flatten()
            .find(|s| !s.is_empty())
            .map(str::to_string)
    };
    let placed = p.placed;
    let mut metadata = vec![("name", Out::str(p.name))];
    if !placed.labels.is_empty() {
        metadata.push(("labels", string_pairs(&placed.labels)));
    }
    if let Some(ns) = p.namespace {
        metadata.push(("namespace", Out::str(ns)));
    }
    if !placed.annotations.is_empty() {
        metadata.push(("annotations", string_pairs(&placed.annotations)));
    }
    let mut spec = vec![("backendType", Out::str(backend))];
    let role_arn = pick(
        rule.map(|r| r.role_arn.as_str()),
        defaults.map(|d| d.role_arn.as_str()),
        cfg.role_arn.as_deref(),
    );
    let region = pick(
        rule.map(|r| r.region.as_str()),
        defaults.map(|d| d.region.as_str()),
        cfg.region.as_deref(),
    );
    if let Some(arn) = role_arn {
        spec.push(("roleArn", Out::str(arn)));
    }
    let region = if backend == "secretsManager" {
        pick(
            rule.and_then(|r| r.secrets_manager.as_ref())
                .map(|a| a.region.as_str()),
            defaults
                .and_then(|d| d.secrets_manager.as_ref())
                .map(|a| a.region.as_str()),
            None,
        )
        .or(region)
    } else {
        region
    };
    if let Some(r) = region {
        spec.push(("region", Out::str(r)));
    }
    match backend {
        "vault" => {
            spec.push(("vaultMountPoint", Out::str(cfg.vault_mount_point.clone())));
            spec.push(("vaultRole", Out::str(cfg.vault_role.clone())));
        }
        "gcpSecretsManager" => {
            let project = pick(
                rule.and_then(|r| r.gcp_secrets_manager.as_ref())
                    .map(|g| g.project_id.as_str()),
                defaults
                    .and_then(|d| d.gcp_secrets_manager.as_ref())
                    .map(|g| g.project_id.as_str()),
                cfg.project_id.as_deref(),
            );
            let Some(project) = project else {
                return err("backend gcpSecretsManager needs a project id \
                     (fix.backend.project-id or the mapping file's gcpSecretsManager.projectId)");
            };
            spec.push(("projectId", Out::str(project)));
        }
        "azureKeyVault" => {
            let vault = pick(
                rule.and_then(|r| r.azure_key_vault.as_ref())
                    .map(|a| a.key_vault_name.as_str()),
                defaults
                    .and_then(|d| d.azure_key_vault.as_ref())
                    .map(|a| a.key_vault_name.as_str()),
                cfg.key_vault_name.as_deref(),
            );
            let Some(vault) = vault else {
                return err("backend azureKeyVault needs a key vault name \
                     (fix.backend.key-vault-name or the mapping file's azureKeyVault.keyVaultName)");
            };
            spec.push(("keyVaultName", Out::str(vault)));
        }
        _ => {}
    }
    let data = p
        .keys
        .iter()
        .map(|k| {
            let mut item = vec![
                ("name", Out::str(k.secret_key.clone())),
                ("key", Out::str(k.remote.key.clone())),
            ];
            if let Some(prop) = &k.remote.property {
                item.push(("property", Out::str(prop.clone())));
            }
            if let Some(v) = &k.remote.version {
                item.push(("version", Out::str(v.clone())));
            }
            if let Some(v) = &k.remote.version_stage {
                item.push(("versionStage", Out::str(v.clone())));
            }
            if k.binary {
                item.push(("isBinary", Out::Bool(true)));
            }
            Out::map(item)
        })
        .collect();
    spec.push(("data", Out::Seq(data)));
    let mut template_meta = Vec::new();
    if !placed.template_annotations.is_empty() {
        template_meta.push(("annotations", string_pairs(&placed.template_annotations)));
    }
    if !placed.template_labels.is_empty() {
        template_meta.push(("labels", string_pairs(&placed.template_labels)));
    }
    let mut template = Vec::new();
    if !template_meta.is_empty() {
        template.push(("metadata", Out::map(template_meta)));
    }
    template.push(("type", Out::str(p.secret_type)));
    if let Some(immutable) = p.immutable {
        template.push(("immutable", Out::Bool(immutable)));
    }
    spec.push(("template", Out::map(template)));
    Ok(Out::map([
        ("apiVersion", Out::str("kubernetes-client.io/v1")),
        ("kind", Out::str("ExternalSecret")),
        ("metadata", Out::map(metadata)),
        ("spec", Out::map(spec)),
    ]))
}

/// The property as External Secrets Operator's provider for `backend` reads it. The GCP
/// provider looks a property up as a gjson path and escapes dots only after the first
/// character (`getDataByProperty` in its `gcpsm` provider), so a leading `.` would be read as
/// a path separator: `\.dockerconfigjson` is the literal key `.dockerconfigjson`.
fn eso_property(backend: &str, property: &str) -> String {
    match property.strip_prefix('.') {
        Some(rest) if backend == "gcpSecretsManager" => format!("\\.{rest}"),
        _ => property.to_string(),
    }
}

/// The decoded values of `data` and `stringData` (stringData wins, as in Kubernetes), and the
/// keys in the order the Secret lists them.
type Decoded = (BTreeMap<String, StoredValue>, Vec<String>);

fn decode_values(obj: &Node) -> Result<Decoded, ConvertError> {
    let mut values = BTreeMap::new();
    let mut order = Vec::new();
    for field in ["data", "stringData"] {
        let Some(map) = obj.get(field) else { continue };
        if map.is_null() {
            continue;
        }
        let Some(entries) = map.as_map() else {
            return err(format!("`{field}` is not a mapping"));
        };
        check_unique_keys(entries, &format!("`{field}`"))?;
        for (k, v) in entries {
            let Some(key) = k.as_str() else {
                return err(format!("`{field}` has a key that is not a string"));
            };
            if key.is_empty()
                || key.len() > 253
                || !key
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || KEY_CHARS.contains(c))
            {
                return err(format!(
                    "key `{key}` of `{field}` is not a valid Secret key (letters, digits, `-`, `_`, `.`)"
                ));
            }
            let Some(scalar) = v.as_scalar() else {
                return err(format!("the value of `{field}.{key}` is not a string"));
            };
            let bytes = if v.is_null() {
                Vec::new()
            } else if field == "data" {
                decode_base64(&scalar.text).ok_or_else(|| {
                    ConvertError(format!("the value of `data.{key}` is not valid base64"))
                })?
            } else {
                scalar.text.clone().into_bytes()
            };
            if values
                .insert(key.to_string(), StoredValue::from_bytes(bytes))
                .is_none()
            {
                order.push(key.to_string());
            }
        }
    }
    Ok((values, order))
}

/// Standard base64 with padding, as the API server decodes `data` (line breaks allowed).
fn decode_base64(text: &str) -> Option<Vec<u8>> {
    use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
    const ENGINE: GeneralPurpose = GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        GeneralPurposeConfig::new()
            .with_decode_padding_mode(DecodePaddingMode::RequireCanonical)
            .with_decode_allow_trailing_bits(true),
    );
    let compact: String = text.chars().filter(|c| !matches!(c, '\n' | '\r')).collect();
    ENGINE.decode(compact.as_bytes()).ok()
}

fn check_unique_keys(entries: &[(Node, Node)], what: &str) -> Result<(), ConvertError> {
    let mut seen = std::collections::BTreeSet::new();
    for (k, _) in entries {
        let key = k.as_str().unwrap_or("?");
        if !seen.insert(key) {
            return err(format!("{what} has the key `{key}` twice"));
        }
    }
    Ok(())
}

/// A mapping of strings (labels, annotations) in source order.
fn string_map(node: Option<&Node>, what: &str) -> Result<Vec<(String, String)>, ConvertError> {
    let Some(node) = node else {
        return Ok(Vec::new());
    };
    if node.is_null() {
        return Ok(Vec::new());
    }
    let Some(entries) = node.as_map() else {
        return err(format!("`{what}` is not a mapping"));
    };
    check_unique_keys(entries, &format!("`{what}`"))?;
    entries
        .iter()
        .map(|(k, v)| {
            let key = k
                .as_str()
                .ok_or_else(|| ConvertError(format!("`{what}` has a key that is not a string")))?;
            let value = if v.is_null() {
                String::new()
            } else {
                v.as_str()
                    .ok_or_else(|| ConvertError(format!("`{what}.{key}` is not a string")))?
                    .to_string()
            };
            Ok((key.to_string(), value))
        })
        .collect()
}

fn any_templated(node: &Node) -> bool {
    match &node.value {
        Value::Scalar(s) => s.templated,
        Value::Seq(items) => items.iter().any(any_templated),
        Value::Map(entries) => entries
            .iter()
            .any(|(k, v)| any_templated(k) || any_templated(v)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_like_the_api_server() {
        assert_eq!(decode_base64("aHVudGVyMg==").unwrap(), b"hunter2");
        assert_eq!(decode_base64("aHVu\ndGVy\r\nMg==").unwrap(), b"hunter2");
        assert_eq!(decode_base64("").unwrap(), b"");
        assert!(decode_base64("aHVudGVyMg").is_none(), "padding is required");
        assert!(decode_base64("aHVud GVyMg==").is_none());
        assert!(decode_base64("!!!!").is_none());
        assert!(
            decode_base64("aHVudGVyMg-_").is_none(),
            "not the URL alphabet"
        );
    }
}

#[cfg(test)]
mod conversion_tests {
    use super::*;
    use crate::config::{Naming, Settings};
    use crate::fix::emit;
    use crate::fix::testutil::{crd_schema, eso_webhook_violations, node, violations};

    const ESO_CRD: &str = "external-secrets.io_externalsecrets.crd.yaml";
    const KES_CRD: &str = "kubernetes-client.io_externalsecrets.crd.yaml";

    fn settings(text: &str) -> Settings {
        Settings::from_text(text, None).unwrap()
    }

    fn convert_yaml(yaml: &str, fix: &FixConfig) -> Result<Converted, ConvertError> {
        convert(&node(yaml), fix, None)
    }

    /// The rendered YAML text, read back by an independent YAML reader.
    fn reread(c: &Converted) -> serde_json::Value {
        let text = emit::to_yaml(&c.object, 0);
        let back: serde_json::Value = serde_saphyr::from_str(&text).unwrap();
        assert_eq!(
            back,
            c.object.to_json(),
            "the YAML text reads back as the object:\n{text}"
        );
        back
    }

    /// Secrets covering the shapes seen in real repositories.
    const SECRETS: &[&str] = &[
        // Opaque, data + stringData clash (stringData wins), namespace set.
        "apiVersion: v1\nkind: Secret\nmetadata: {name: db, namespace: apps}\ntype: Opaque\ndata: {password: aHVudGVyMg==, user: YWRtaW4=}\nstringData: {password: override}\n",
        // No type, no namespace.
        "apiVersion: v1\nkind: Secret\nmetadata: {name: plain}\nstringData: {token: abc}\n",
        // TLS.
        "apiVersion: v1\nkind: Secret\nmetadata: {name: tls-cert, namespace: ingress}\ntype: kubernetes.io/tls\ndata: {tls.crt: LS0tLS1CRUdJTg==, tls.key: LS0tLS1CRUdJTiBLRVk=}\n",
        // Docker config JSON (key starts with a dot).
        "apiVersion: v1\nkind: Secret\nmetadata: {name: regcred, namespace: jx}\ntype: kubernetes.io/dockerconfigjson\ndata: {.dockerconfigjson: eyJhdXRocyI6e319}\n",
        // Labels and annotations with values that need quoting.
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: lighthouse-hmac-token\n  namespace: jx\n  labels: {app: lighthouse, chart: \"lighthouse-0.0.633\", enabled: \"true\", port: \"8080\", empty: \"\"}\n  annotations: {meta.helm.sh/release-name: lighthouse, note: \"a: b # c\", secret.jenkins-x.io/prefix: staging}\ntype: Opaque\ndata: {hmac: c2VjcmV0}\n",
        // Binary value, immutable, null creationTimestamp (kubectl --dry-run output).
        "apiVersion: v1\nkind: Secret\nmetadata: {name: keystore, namespace: apps, creationTimestamp: null}\nimmutable: true\ndata: {keystore.jks: /u3+7QAAAAI=}\n",
        // Basic auth with many keys.
        "apiVersion: v1\nkind: Secret\nmetadata: {name: basic, namespace: apps}\ntype: kubernetes.io/basic-auth\nstringData: {username: u, password: p, extra_key-1.x: \"v\"}\n",
    ];

    #[test]
    fn eso_output_validates_against_the_crd_and_webhook() {
        let schema = crd_schema(ESO_CRD, "v1");
        for naming in ["default", "jenkins-x"] {
            let s = settings(&format!("fix:\n  naming: {naming}\n"));
            for (i, yaml) in SECRETS.iter().enumerate() {
                let c = convert_yaml(yaml, &s.fix).unwrap_or_else(|e| panic!("secret {i}: {e}"));
                let es = reread(&c);
                let v = violations(&schema, &es);
                assert!(v.is_empty(), "secret {i} ({naming}): {v:#?}\n{es:#}");
                let w = eso_webhook_violations(&es);
                assert!(w.is_empty(), "secret {i} ({naming}): {w:?}");
            }
        }
    }

    #[test]
    fn kes_output_validates_against_the_crd() {
        let schema = crd_schema(KES_CRD, "v1");
        for backend in [
            "backend-type: vault",
            "{backend-type: gcpSecretsManager, project-id: p, unique-prefix: c}",
            "{backend-type: azureKeyVault, key-vault-name: kv}",
            "{backend-type: secretsManager, region: us-east-1}",
            "{backend-type: systemManager, role-arn: 'arn:aws:iam::1:role/x', region: eu-west-1}",
        ] {
            let backend = if backend.starts_with('{') {
                backend.to_string()
            } else {
                format!("{{{backend}}}")
            };
            let s = settings(&format!(
                "fix:\n  format: kes\n  naming: jenkins-x\n  backend: {backend}\n"
            ));
            for (i, yaml) in SECRETS.iter().enumerate() {
                let c = convert_yaml(yaml, &s.fix).unwrap_or_else(|e| panic!("secret {i}: {e}"));
                let es = reread(&c);
                let v = violations(&schema, &es);
                assert!(v.is_empty(), "secret {i} ({backend}): {v:#?}\n{es:#}");
            }
        }
    }

    #[test]
    fn strict_schema_catches_mistakes() {
        // The validation is not vacuous: a misspelled field or a bad enum fails.
        let schema = crd_schema(ESO_CRD, "v1");
        let s = settings("");
        let c = convert_yaml(SECRETS[0], &s.fix).unwrap();
        let mut es = c.object.to_json();
        es["spec"]["target"]["creationpolicy"] = "Owner".into();
        assert!(!violations(&schema, &es).is_empty());
        let mut es = c.object.to_json();
        es["spec"]["secretStoreRef"]["kind"] = "Store".into();
        assert!(!violations(&schema, &es).is_empty());
        let mut es = c.object.to_json();
        es["spec"]["data"][0]["secretKey"] = "bad key".into();
        assert!(!violations(&schema, &es).is_empty());
        let kes = crd_schema(KES_CRD, "v1");
        let mut es = c.object.to_json();
        es["spec"]["backendType"] = "vault".into();
        assert!(!violations(&kes, &es).is_empty(), "ESO spec is not KES");
    }

    #[test]
    fn eso_shape_and_values() {
        let s = settings("");
        let c = convert_yaml(SECRETS[0], &s.fix).unwrap();
        let text = emit::to_yaml(&c.object, 0);
        assert_eq!(
            text,
            "apiVersion: external-secrets.io/v1
kind: ExternalSecret
metadata:
  name: db
  namespace: apps
spec:
  refreshInterval: 1h
  secretStoreRef:
    kind: ClusterSecretStore
    name: jx-secret-store
  target:
    name: db
    creationPolicy: Owner
    template:
      type: Opaque
  data:
    - secretKey: password
      remoteRef:
        key: apps/db
        property: password
    - secretKey: user
      remoteRef:
        key: apps/db
        property: user
"
        );
        assert_eq!(c.values.namespace.as_deref(), Some("apps"));
        assert_eq!(
            c.values.values["password"],
            StoredValue::Text("override".into())
        );
        assert_eq!(c.values.values["user"], StoredValue::Text("admin".into()));
    }

    #[test]
    fn labels_annotations_type_binary_immutable() {
        let s = settings("fix:\n  naming: jenkins-x\n");
        let c = convert_yaml(SECRETS[4], &s.fix).unwrap();
        let es = c.object.to_json();
        assert_eq!(es["metadata"]["labels"]["enabled"], "true");
        // Jenkins X's own annotation stays on the ExternalSecret, the rest describe the Secret.
        assert_eq!(
            es["metadata"]["annotations"],
            serde_json::json!({"secret.jenkins-x.io/prefix": "staging"})
        );
        let meta = &es["spec"]["target"]["template"]["metadata"];
        assert_eq!(meta["labels"]["port"], "8080");
        assert_eq!(meta["annotations"]["note"], "a: b # c");
        assert!(
            meta["annotations"]
                .get("secret.jenkins-x.io/prefix")
                .is_none()
        );
        // The prefix annotation drives the vault path.
        assert_eq!(
            es["spec"]["data"][0]["remoteRef"]["key"],
            "secret/data/staging/lighthouse/hmac/token"
        );

        let c = convert_yaml(SECRETS[5], &s.fix).unwrap();
        let es = c.object.to_json();
        assert_eq!(es["spec"]["target"]["immutable"], true);
        assert_eq!(
            es["spec"]["data"][0]["remoteRef"]["decodingStrategy"],
            "Base64"
        );
        assert!(c.values.values["keystore.jks"].is_binary());
        assert!(c.keys[0].binary);

        let c = convert_yaml(SECRETS[3], &s.fix).unwrap();
        assert_eq!(
            c.object.to_json()["spec"]["target"]["template"]["type"],
            "kubernetes.io/dockerconfigjson"
        );
        assert_eq!(
            c.values.values[".dockerconfigjson"],
            StoredValue::Text("{\"auths\":{}}".into())
        );
    }

    #[test]
    fn kes_shape_like_jx_secret_convert() {
        // The golden example of reference §1.3 (lighthouse hmac), with a value.
        let s = settings("fix:\n  format: kes\n  naming: jenkins-x\n");
        let yaml = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: lighthouse-hmac-token\n  labels: {app: lighthouse-lighthouse}\ntype: Opaque\ndata: {hmac: c2VjcmV0}\n";
        let c = convert_yaml(yaml, &s.fix).unwrap();
        assert_eq!(
            emit::to_yaml(&c.object, 0),
            "apiVersion: kubernetes-client.io/v1
kind: ExternalSecret
metadata:
  name: lighthouse-hmac-token
  labels:
    app: lighthouse-lighthouse
spec:
  backendType: vault
  vaultMountPoint: kubernetes
  vaultRole: jx-vault
  data:
    - name: hmac
      key: secret/data/lighthouse/hmac/token
      property: hmac
  template:
    metadata:
      labels:
        app: lighthouse-lighthouse
    type: Opaque
"
        );
        assert_eq!(s.fix.naming, Naming::JenkinsX);
    }

    #[test]
    fn kes_backends_need_their_settings() {
        let s = settings("fix:\n  format: kes\n  backend: {backend-type: gcpSecretsManager}\n");
        let e = convert_yaml(SECRETS[1], &s.fix).unwrap_err();
        assert!(e.0.contains("project id"), "{e}");
        let s = settings("fix:\n  format: kes\n  backend: {backend-type: azureKeyVault}\n");
        assert!(
            convert_yaml(SECRETS[1], &s.fix)
                .unwrap_err()
                .0
                .contains("key vault")
        );
    }

    #[test]
    fn refuses_what_it_cannot_convert_faithfully() {
        let s = settings("");
        let cases = [
            ("data: {a: '!!notbase64'}", "`data.a` is not valid base64"),
            ("data: {a: aGk}", "`data.a` is not valid base64"),
            ("stringData: {a: [1, 2]}", "`stringData.a` is not a string"),
            ("stringData: {a: {b: c}}", "`stringData.a` is not a string"),
            (
                "stringData: {'bad key': v}",
                "key `bad key` of `stringData`",
            ),
            ("stringData: {a: '{{ .Values.x }}'}", "template expressions"),
            ("stringData: {}", "no keys"),
            ("data: [a]", "`data` is not a mapping"),
            (
                "stringData: {a: b}\nownerReferences: []",
                "`ownerReferences`",
            ),
            ("stringData: {a: b}\nimmutable: maybe", "`immutable`"),
        ];
        for (extra, needle) in cases {
            let yaml = format!(
                "apiVersion: v1\nkind: Secret\nmetadata: {{name: x, namespace: n}}\n{extra}\n"
            );
            let e = convert_yaml(&yaml, &s.fix).expect_err(extra);
            assert!(e.0.contains(needle), "{extra}: {e}");
            for value in ["!!notbase64", "aGk", "hi"] {
                assert!(
                    !e.0.contains(value)
                        || needle.contains(value)
                        || extra.contains(&format!("{{{value}")),
                    "{e} leaks a value"
                );
            }
        }
        let meta = [
            (
                "metadata: {name: x, finalizers: [a]}",
                "`metadata.finalizers`",
            ),
            (
                "metadata: {name: x, creationTimestamp: '2020-01-01T00:00:00Z'}",
                "`metadata.creationTimestamp`",
            ),
            ("metadata: {namespace: n}", "no `metadata.name`"),
            ("metadata: {name: Bad_Name}", "not a valid Kubernetes name"),
            (
                "metadata: {name: x, labels: {a: [1]}}",
                "`metadata.labels.a` is not a string",
            ),
        ];
        for (m, needle) in meta {
            let yaml = format!("apiVersion: v1\nkind: Secret\n{m}\nstringData: {{k: v}}\n");
            let e = convert_yaml(&yaml, &s.fix).expect_err(m);
            assert!(e.0.contains(needle), "{m}: {e}");
        }
    }

    #[test]
    fn duplicate_keys_are_refused() {
        // serde-saphyr refuses duplicates itself, so build the map by hand.
        let mut obj =
            node("apiVersion: v1\nkind: Secret\nmetadata: {name: x}\nstringData: {a: one}\n");
        let crate::manifest::Value::Map(entries) = &mut obj.value else {
            unreachable!()
        };
        let (_, sd) = entries
            .iter_mut()
            .find(|(k, _)| k.as_str() == Some("stringData"))
            .unwrap();
        let crate::manifest::Value::Map(kv) = &mut sd.value else {
            unreachable!()
        };
        let dup = kv[0].clone();
        kv.push(dup);
        let e = convert(&obj, &settings("").fix, None).unwrap_err();
        assert!(e.0.contains("the key `a` twice"), "{e}");
        assert!(!e.0.contains("one"));
    }

    /// What kubectl leaves on a Secret it applied: the whole object, values included.
    const APPLIED: &str = r#"apiVersion: v1
kind: Secret
metadata:
  name: db
  namespace: apps
  labels: {app: db}
  annotations:
    kubectl.kubernetes.io/last-applied-configuration: |
      {"apiVersion":"v1","data":{"password":"czNjcjN0LWh1bnRlcjI="},"kind":"Secret","metadata":{"name":"db","namespace":"apps"}}
    team: storage
data:
  password: czNjcjN0LWh1bnRlcjI=
"#;

    #[test]
    fn last_applied_configuration_is_never_carried_over() {
        for format in ["eso", "kes"] {
            let s = settings(&format!("fix:\n  format: {format}\n"));
            let c = convert_yaml(APPLIED, &s.fix).unwrap();
            let text = emit::to_yaml(&c.object, 0);
            assert!(!text.contains("last-applied"), "{text}");
            assert!(!text.contains("czNjcjN0LWh1bnRlcjI") && !text.contains("s3cr3t"));
            assert!(text.contains("team: storage"), "{text}");
        }
    }

    #[test]
    fn metadata_holding_a_value_refuses_the_secret() {
        let cases = [
            (
                "note: \"the password is s3cr3t-hunter2\"",
                "annotation `note`",
            ),
            (
                "copy: '{\"password\":\"czNjcjN0LWh1bnRlcjI=\"}'",
                "annotation `copy`",
            ),
        ];
        for (annotation, what) in cases {
            let yaml = format!(
                "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\n  annotations:\n    {annotation}\ndata: {{password: czNjcjN0LWh1bnRlcjI=}}\n"
            );
            let e = convert_yaml(&yaml, &FixConfig::default()).unwrap_err().0;
            assert!(e.starts_with(what) && e.contains("`password`"), "{e}");
            assert!(!e.contains("s3cr3t") && !e.contains("czNjcjN0"), "{e}");
        }
        let label = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\n  labels: {user: admin}\nstringData: {username: admin}\n";
        let e = convert_yaml(label, &FixConfig::default()).unwrap_err().0;
        assert!(
            e.starts_with("label `user` contains the value of `username`"),
            "{e}"
        );
    }

    #[test]
    fn tokens_the_cluster_owns_and_references_are_not_converted() {
        for kind in [
            "kubernetes.io/service-account-token",
            "bootstrap.kubernetes.io/token",
        ] {
            let yaml = format!(
                "apiVersion: v1\nkind: Secret\nmetadata: {{name: t}}\ntype: {kind}\ndata: {{token: dG9rZW4=}}\n"
            );
            let e = convert_yaml(&yaml, &FixConfig::default()).unwrap_err().0;
            assert!(e.contains(kind) && e.contains("revoke"), "{e}");
        }
        let mixed = "apiVersion: v1\nkind: Secret\nmetadata: {name: m}\nstringData: {a: op://vault/item/a, b: literal-b}\n";
        let e = convert_yaml(mixed, &FixConfig::default()).unwrap_err().0;
        assert!(
            e.contains("references cannot be moved") && e.contains("(a)"),
            "{e}"
        );
    }

    #[test]
    fn deploy_tool_metadata_stays_on_the_external_secret() {
        let yaml = r#"apiVersion: v1
kind: Secret
metadata:
  name: repo
  namespace: argocd
  labels:
    argocd.argoproj.io/secret-type: repository
    gitops.jenkins-x.io/pipeline: namespaces
    app: x
  annotations:
    argocd.argoproj.io/sync-wave: "-1"
    helm.sh/hook: pre-install
    helm.sh/hook-weight: "1"
    helm.sh/resource-policy: keep
    kustomize.toolkit.fluxcd.io/reconcile: disabled
    secret.jenkins-x.io/schema-object: "{}"
    description: repository credentials
stringData:
  zeta: z-value-1
  alpha: a-value-2
  mid: m-value-3
"#;
        for format in ["eso", "kes"] {
            let s = settings(&format!(
                "fix:\n  format: {format}\n  backend: {{key-vault-name: kv}}\n"
            ));
            let c = convert_yaml(yaml, &s.fix).unwrap();
            let es = c.object.to_json();
            let on_es: Vec<&str> = es["metadata"]["annotations"]
                .as_object()
                .map(|m| m.keys().map(String::as_str).collect())
                .unwrap_or_default();
            assert_eq!(
                on_es.len(),
                6,
                "{format}: every deploy-tool annotation stays: {on_es:?}"
            );
            assert!(!on_es.contains(&"description"));
            let template = if format == "eso" {
                &es["spec"]["target"]["template"]["metadata"]
            } else {
                &es["spec"]["template"]["metadata"]
            };
            assert_eq!(
                template["annotations"],
                serde_json::json!({"description": "repository credentials"}),
                "{format}"
            );
            assert_eq!(
                template["labels"],
                serde_json::json!({"argocd.argoproj.io/secret-type": "repository", "app": "x"}),
                "{format}: Argo CD reads the secret-type label from the Secret"
            );
            // data[] in the Secret's own key order (the test helper's `node` sorts keys:
            // read the text with the real parser).
            let docs = crate::engine::parse("s.yaml", yaml, crate::rules::FileKind::Yaml);
            let root = docs[0].root.as_ref().expect("parses");
            let c = convert(root, &s.fix, None).unwrap();
            let order: Vec<&str> = c.keys.iter().map(|k| k.secret_key.as_str()).collect();
            assert_eq!(order, ["zeta", "alpha", "mid"], "{format}");
        }
    }

    #[test]
    fn gsm_properties_with_a_leading_dot_are_escaped_for_eso_only() {
        let yaml = SECRETS[3];
        let s = settings("fix:\n  backend: {backend-type: gcpSecretsManager, project-id: p}\n");
        let c = convert_yaml(yaml, &s.fix).unwrap();
        let es = c.object.to_json();
        assert_eq!(
            es["spec"]["data"][0]["remoteRef"]["property"],
            "\\.dockerconfigjson"
        );
        // The store keeps the real key: what `secrets export` loads.
        assert_eq!(
            c.keys[0].remote.property.as_deref(),
            Some(".dockerconfigjson")
        );
        let s = settings(
            "fix:\n  format: kes\n  backend: {backend-type: gcpSecretsManager, project-id: p}\n",
        );
        let c = convert_yaml(yaml, &s.fix).unwrap();
        assert_eq!(
            c.object.to_json()["spec"]["data"][0]["property"],
            ".dockerconfigjson"
        );
        let s = settings("fix:\n  backend: {backend-type: vault}\n");
        let c = convert_yaml(yaml, &s.fix).unwrap();
        let es = c.object.to_json();
        assert_eq!(
            es["spec"]["data"][0]["remoteRef"]["property"],
            ".dockerconfigjson"
        );
    }
}
