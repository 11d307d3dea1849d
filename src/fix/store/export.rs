//! `gitops-guard secrets export`: one merged load per remote entry.
//!
//! Every key of every saved Secret points at a remote entry (and a property of it, or the
//! whole entry). [`group`] gathers, per entry, the properties of every saved Secret that maps
//! to it, so Secrets sharing an entry (Jenkins X's `jx/pipelineUser`, same-named Secrets in
//! two namespaces under `jenkins-x` naming) are loaded together instead of overwriting each
//! other. [`check`] refuses what the store cannot hold: one property with two different
//! values (naming both Secrets and keys, never the values), an entry used both whole and by
//! property, a key whose saved value is missing.
//!
//! Renderers: [`script`] writes a bash script for vault, AWS, GCP or Azure whose commands read
//! the values from the saved files with `jq` when it runs (no value in its text); [`json`]
//! (the merged entries) and [`yaml`] (the original Secrets) hold the values and are written
//! only to a file the user names, mode 0600.

use super::meta::Meta;
use super::{Inventory, Saved, plural, sh};
use crate::fix::emit::{self, Out};
use crate::fix::values::StoredValue;
use base64::Engine as _;
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// Where the export goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// Each Secret to the backend it was converted for (`list`, the JSON export).
    Recorded,
    /// Everything to HashiCorp Vault (KV version 2).
    Vault,
    /// Everything to AWS (Secrets Manager; Parameter Store for `systemManager` Secrets).
    Aws,
    /// Everything to Google Secret Manager.
    Gcp,
    /// Everything to Azure Key Vault.
    Azure,
}

/// The store service of an entry.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Service {
    Vault,
    SecretsManager,
    ParameterStore,
    Gcp,
    Azure,
    /// A backend with no loader here (`local`, `alicloudSecretsManager`, ...).
    Other(String),
}

impl Service {
    /// The backend type name, as in the `fix.backend.backend-type` setting.
    pub fn name(&self) -> &str {
        match self {
            Service::Vault => "vault",
            Service::SecretsManager => "secretsManager",
            Service::ParameterStore => "systemManager",
            Service::Gcp => "gcpSecretsManager",
            Service::Azure => "azureKeyVault",
            Service::Other(s) => s,
        }
    }

    /// What the location of an entry is: the JSON key, and the words for messages.
    fn location_kind(&self) -> (&'static str, &'static str) {
        match self {
            Service::Vault => ("mount", "mount"),
            Service::Gcp => ("project", "project"),
            Service::Azure => ("key_vault_name", "key vault"),
            _ => ("region", "region"),
        }
    }

    /// The location as JSON: `{"mount": "secret"}`, `{}` when not recorded.
    pub fn location_json(&self, location: Option<&str>) -> serde_json::Value {
        let mut map = serde_json::Map::new();
        if let Some(l) = location {
            map.insert(
                self.location_kind().0.to_string(),
                serde_json::Value::String(l.to_string()),
            );
        }
        serde_json::Value::Object(map)
    }

    fn of_backend(backend_type: &str) -> Service {
        match backend_type {
            "vault" => Service::Vault,
            "secretsManager" => Service::SecretsManager,
            "systemManager" => Service::ParameterStore,
            "gcpSecretsManager" => Service::Gcp,
            "azureKeyVault" => Service::Azure,
            other => Service::Other(other.to_string()),
        }
    }
}

/// One key of one saved Secret, as a source of a property.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    /// Index into [`Inventory::saved`].
    pub secret: usize,
    pub key: String,
    pub binary: bool,
}

/// One property of an entry (`None`: the entry's whole value) and every key that feeds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    pub property: Option<String>,
    pub sources: Vec<Source>,
}

/// One remote entry and everything saved for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub service: Service,
    /// The vault mount, AWS region, GCP project or Azure key vault; `None` when not recorded.
    pub location: Option<String>,
    /// The name the store's tool uses: the path under the vault mount, else the remote key.
    pub name: String,
    /// The remote keys of the ExternalSecrets that reference it (several spellings of one
    /// vault path, e.g. `secret/data/a` and `a`).
    pub remote_keys: Vec<String>,
    /// Sorted by property, the whole value (`None`) first.
    pub fields: Vec<Field>,
}

impl Entry {
    /// The saved Secrets (indexes) that feed this entry, in inventory order, without repeats.
    pub fn secrets(&self) -> Vec<usize> {
        let mut out: Vec<usize> = self
            .fields
            .iter()
            .flat_map(|f| &f.sources)
            .map(|s| s.secret)
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }

    /// `vault entry secret/data/a` (with the location when there is one), for messages.
    pub fn describe(&self) -> String {
        let key = self.remote_keys.first().unwrap_or(&self.name);
        match &self.location {
            Some(l) => format!(
                "{} entry `{key}` ({} {l})",
                self.service.name(),
                self.service.location_kind().1
            ),
            None => format!("{} entry `{key}`", self.service.name()),
        }
    }
}

/// The service a saved Secret goes to for `target`.
fn service_for(target: Target, meta: &Meta) -> Service {
    match target {
        Target::Recorded => Service::of_backend(&meta.backend.backend_type),
        Target::Vault => Service::Vault,
        Target::Aws if meta.backend.backend_type == "systemManager" => Service::ParameterStore,
        Target::Aws => Service::SecretsManager,
        Target::Gcp => Service::Gcp,
        Target::Azure => Service::Azure,
    }
}

/// The path of a remote key under the vault mount `mount`, as the External Secrets vault
/// provider reads it: `<mount>/data/` or `<mount>/` in front is the mount itself.
pub fn vault_path<'a>(remote_key: &'a str, mount: &str) -> &'a str {
    let with = |suffix: &str| remote_key.strip_prefix(&format!("{mount}{suffix}"));
    with("/data/").or_else(|| with("/")).unwrap_or(remote_key)
}

/// Groups every key of every saved Secret by the remote entry it maps to for `target`.
/// `vault_mount` is the KV mount the store's paths live under.
pub fn group(inv: &Inventory, target: Target, vault_mount: &str) -> Vec<Entry> {
    let mut entries: BTreeMap<(Service, Option<String>, String), Entry> = BTreeMap::new();
    for (i, s) in inv.saved.iter().enumerate() {
        let service = service_for(target, &s.meta);
        let b = &s.meta.backend;
        let location = match service {
            Service::Vault => Some(vault_mount.to_string()),
            Service::Gcp => b.project_id.clone(),
            Service::Azure => b.key_vault_name.clone(),
            _ => b.region.clone(),
        };
        for k in &s.meta.keys {
            let name = match service {
                Service::Vault => vault_path(&k.remote_key, vault_mount).to_string(),
                _ => k.remote_key.clone(),
            };
            let entry = entries
                .entry((service.clone(), location.clone(), name.clone()))
                .or_insert_with(|| Entry {
                    service: service.clone(),
                    location: location.clone(),
                    name,
                    remote_keys: Vec::new(),
                    fields: Vec::new(),
                });
            if !entry.remote_keys.contains(&k.remote_key) {
                entry.remote_keys.push(k.remote_key.clone());
            }
            let source = Source {
                secret: i,
                key: k.key.clone(),
                binary: k.binary,
            };
            match entry.fields.iter_mut().find(|f| f.property == k.property) {
                Some(f) => f.sources.push(source),
                None => entry.fields.push(Field {
                    property: k.property.clone(),
                    sources: vec![source],
                }),
            }
        }
    }
    let mut out: Vec<Entry> = entries.into_values().collect();
    for e in &mut out {
        e.fields.sort_by(|a, b| a.property.cmp(&b.property));
    }
    out
}

/// The text a value is stored as: itself, or the standard base64 of a binary value (the
/// ExternalSecret decodes it: `decodingStrategy: Base64`, KES `isBinary`).
pub fn stored_text(v: &StoredValue) -> String {
    match v {
        StoredValue::Text(s) => s.clone(),
        StoredValue::Binary(b) => base64::engine::general_purpose::STANDARD.encode(b),
    }
}

fn source_name(inv: &Inventory, s: &Source) -> String {
    format!("{} (key `{}`)", inv.saved[s.secret].id(), s.key)
}

fn property_name(p: &Option<String>) -> String {
    match p {
        Some(p) => format!("property `{p}`"),
        None => "the whole value".to_string(),
    }
}

/// What the store cannot hold as grouped: each problem names entries, Secrets and keys, never
/// a value. Empty when the export can go ahead.
pub fn check(inv: &Inventory, entries: &[Entry]) -> Vec<String> {
    let mut problems = Vec::new();
    for s in &inv.saved {
        for k in &s.meta.keys {
            match s.values.get(&k.key) {
                None => problems.push(format!(
                    "{}: key `{}` has no saved value in {}",
                    s.id(),
                    k.key,
                    s.values_file.display()
                )),
                Some(v) if v.is_binary() != k.binary => problems.push(format!(
                    "{}: key `{}` is recorded as {} but its saved value is {}",
                    s.id(),
                    k.key,
                    if k.binary { "binary" } else { "text" },
                    if v.is_binary() { "binary" } else { "text" }
                )),
                Some(_) => {}
            }
        }
    }
    for e in entries {
        let whole = e.fields.iter().find(|f| f.property.is_none());
        let named = e.fields.iter().find(|f| f.property.is_some());
        if let (Some(w), Some(n)) = (whole, named) {
            problems.push(format!(
                "{}: {} uses it as a whole value but {} as {}; one entry cannot be both",
                e.describe(),
                source_name(inv, &w.sources[0]),
                source_name(inv, &n.sources[0]),
                property_name(&n.property)
            ));
        }
        for f in &e.fields {
            let Some((first, rest)) = f.sources.split_first() else {
                continue;
            };
            let Some(first_value) = inv.saved[first.secret].values.get(&first.key) else {
                continue;
            };
            let first_text = stored_text(first_value);
            for other in rest {
                let Some(v) = inv.saved[other.secret].values.get(&other.key) else {
                    continue;
                };
                if stored_text(v) != first_text {
                    problems.push(format!(
                        "{}, {}: {} and {} hold different values; the store can keep only one. \
                         Point one ExternalSecret at another remote key (and change `remote_key` \
                         in {}), or forget the stale copy with `gitops-guard secrets forget {}`",
                        e.describe(),
                        property_name(&f.property),
                        source_name(inv, first),
                        source_name(inv, other),
                        inv.saved[other.secret].meta_file.display(),
                        inv.saved[other.secret].id()
                    ));
                }
            }
        }
    }
    problems
}

/// Problems of names the target store refuses (GCP: letters, digits, `-`, `_`; Azure:
/// letters, digits, `-`).
pub fn check_names(inv: &Inventory, entries: &[Entry]) -> Vec<String> {
    let mut problems = Vec::new();
    for e in entries {
        let (ok, rule) = match e.service {
            Service::Gcp => (
                e.name.len() <= 255
                    && e.name
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'),
                "Google Secret Manager names hold only letters, digits, `-` and `_`",
            ),
            Service::Azure => (
                e.name.len() <= 127
                    && e.name
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '-'),
                "Azure Key Vault names hold only letters, digits and `-`",
            ),
            Service::Vault => (
                !e.name.is_empty(),
                "a vault entry needs a path under its mount",
            ),
            _ => (!e.name.is_empty(), "an entry needs a name"),
        };
        if !ok {
            let who: Vec<String> = e.secrets().iter().map(|i| inv.saved[*i].id()).collect();
            problems.push(format!(
                "{} (from {}): {rule}; use `naming: jenkins-x` or a mapping in \
                 .jx/secret/mapping/secret-mappings.yaml for this backend",
                e.describe(),
                who.join(", ")
            ));
        }
    }
    problems
}

/// Notes for the export's stderr: Secrets converted for another backend than the target,
/// metadata recomputed from the current configuration.
pub fn notes(inv: &Inventory, target: Target) -> Vec<String> {
    let mut out = Vec::new();
    for s in &inv.saved {
        let recorded = Service::of_backend(&s.meta.backend.backend_type);
        let wanted = service_for(target, &s.meta);
        if target != Target::Recorded && recorded != wanted {
            out.push(format!(
                "{} was converted for backend {}; its remote keys go to {} as they are",
                s.id(),
                recorded.name(),
                wanted.name()
            ));
        }
        if !s.recorded {
            out.push(format!(
                "{}: no metadata was saved with it (an older gitops-guard); its remote keys \
                 were recomputed from the current configuration and mapping file",
                s.id()
            ));
        } else if !s.recomputed_keys.is_empty() {
            out.push(format!(
                "{}: keys {} were not in its metadata; their remote keys were recomputed from \
                 the current configuration",
                s.id(),
                s.recomputed_keys.join(", ")
            ));
        }
    }
    out
}

/// Text safe inside a shell comment (no line breaks or other control characters).
fn comment(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { '?' } else { c })
        .collect()
}

fn json_str(s: &str) -> String {
    serde_json::Value::String(s.to_string()).to_string()
}

/// The jq filter that builds an entry's value from the slurped values files `files`.
fn jq_filter(inv: &Inventory, e: &Entry, files: &[usize]) -> String {
    let expr = |src: &Source| {
        let index = files.iter().position(|f| *f == src.secret).unwrap_or(0);
        let mut access = format!(".[{index}][{}]", json_str(&src.key));
        if src.binary {
            access.push_str(".base64");
        }
        let missing = format!(
            "{}: key {} is missing from its values file",
            inv.saved[src.secret].id(),
            src.key
        );
        format!("({access} // error({}))", json_str(&missing))
    };
    match e.fields.as_slice() {
        [f] if f.property.is_none() => expr(&f.sources[0]),
        fields => {
            let parts: Vec<String> = fields
                .iter()
                .map(|f| {
                    format!(
                        "{}: {}",
                        json_str(f.property.as_deref().unwrap_or_default()),
                        expr(&f.sources[0])
                    )
                })
                .collect();
            format!("{{{}}}", parts.join(", "))
        }
    }
}

const VAULT_LOAD: &str = r#"# MOUNT PATH < JSON object: patches the entry (fields no saved Secret names stay) or
# creates it.
load_vault() {
  if vault kv get -mount="$1" "$2" >/dev/null 2>&1 </dev/null; then
    vault kv patch -mount="$1" "$2" - >/dev/null
  else
    vault kv put -mount="$1" "$2" - >/dev/null
  fi
  echo "loaded $1/$2" >&2
}
"#;

const SECRETS_MANAGER_LOAD: &str = r#"# REGION NAME < value: a new current version of the secret (created when missing).
load_secretsmanager() {
  if aws secretsmanager describe-secret --secret-id "$2" --region "$1" >/dev/null 2>&1 </dev/null; then
    aws secretsmanager put-secret-value --secret-id "$2" --secret-string file:///dev/stdin --region "$1" >/dev/null
  else
    aws secretsmanager create-secret --name "$2" --secret-string file:///dev/stdin --region "$1" >/dev/null
  fi
  echo "loaded $2" >&2
}
"#;

const PARAMETER_STORE_LOAD: &str = r#"# REGION NAME < value: the SecureString parameter's new value.
load_parameter() {
  aws ssm put-parameter --name "$2" --type SecureString --overwrite --value file:///dev/stdin --region "$1" >/dev/null
  echo "loaded $2" >&2
}
"#;

/// For AWS entries whose Secret recorded no region: the environment names it, checked before
/// anything is loaded (the AWS CLI's own default could be another account's region).
const AWS_REGION_FALLBACK: &str = r#"# No region was recorded for some entries (`fix.backend.region` in .gitops-guard.yaml
# records it): they go to $AWS_REGION, else $AWS_DEFAULT_REGION.
aws_region="${AWS_REGION:-${AWS_DEFAULT_REGION:-}}"
if [ -z "$aws_region" ]; then
  echo "set AWS_REGION to the region of the secret store: no region was recorded for some entries" >&2
  exit 1
fi
"#;

const GCP_LOAD: &str = r#"# PROJECT NAME < value: a new version of the secret (created when missing).
load_gcp() {
  local project=()
  if [ -n "$1" ]; then project=(--project "$1"); fi
  if ! gcloud secrets describe "$2" ${project[@]+"${project[@]}"} >/dev/null 2>&1 </dev/null; then
    gcloud secrets create "$2" --replication-policy=automatic ${project[@]+"${project[@]}"} >/dev/null </dev/null
  fi
  gcloud secrets versions add "$2" --data-file=- ${project[@]+"${project[@]}"} >/dev/null
  echo "loaded $2" >&2
}
"#;

const AZURE_LOAD: &str = r#"# VAULT NAME < value: a new version of the secret (`--output none`: az would print it).
load_azure() {
  az keyvault secret set --vault-name "$1" --name "$2" --file /dev/stdin --output none
  echo "loaded $2" >&2
}
"#;

/// The bash script that loads every entry into the store of `target`. `dir` is the store
/// folder as the script should name it (absolute). No value appears in it.
pub fn script(inv: &Inventory, entries: &[Entry], target: Target, dir: &str) -> String {
    let format = match target {
        Target::Vault => "vault",
        Target::Aws => "aws",
        Target::Gcp => "gcp",
        Target::Azure => "azure",
        Target::Recorded => "?",
    };
    let mut out = String::new();
    let _ = writeln!(
        out,
        "#!/usr/bin/env bash\n\
         # Loads {} into {}: written by `gitops-guard secrets export --format {format}`.\n\
         # No value is written here: the commands read them from the saved files with jq when\n\
         # this runs. Each entry gets all its properties at once; running it again changes nothing.\n\
         set -euo pipefail\n\
         command -v jq >/dev/null || {{ echo \"this script needs jq\" >&2; exit 1; }}\n\
         values={}\n",
        plural(inv.saved.len(), "saved Secret"),
        match entries.len() {
            1 => format!("1 {format} entry"),
            n => format!("{n} {format} entries"),
        },
        sh(dir)
    );
    let mut used: Vec<&'static str> = Vec::new();
    for e in entries {
        let f = match e.service {
            Service::Vault => VAULT_LOAD,
            Service::SecretsManager => SECRETS_MANAGER_LOAD,
            Service::ParameterStore => PARAMETER_STORE_LOAD,
            Service::Gcp => GCP_LOAD,
            Service::Azure => AZURE_LOAD,
            Service::Other(_) => continue,
        };
        if !used.contains(&f) {
            used.push(f);
        }
    }
    for f in &used {
        let _ = writeln!(out, "{f}");
    }
    for (n, e) in entries.iter().enumerate() {
        let files = e.secrets();
        let sources: Vec<String> = e
            .fields
            .iter()
            .map(|f| {
                let from: Vec<String> = f
                    .sources
                    .iter()
                    .map(|s| format!("{} key {}", inv.saved[s.secret].id(), s.key))
                    .collect();
                format!(
                    "{} <- {}",
                    f.property.as_deref().unwrap_or("(whole value)"),
                    from.join(" = ")
                )
            })
            .collect();
        let _ = writeln!(
            out,
            "# {}: {}",
            comment(&e.remote_keys.join(", ")),
            comment(&sources.join(", "))
        );
        let paths: Vec<String> = files
            .iter()
            .map(|i| {
                format!(
                    "\"$values\"/{}",
                    sh(&inv.saved[*i].relative_values_file(&inv.dir))
                )
            })
            .collect();
        let _ = writeln!(
            out,
            "entry_{}() {{ jq -cjs {} {}; }}\n",
            n + 1,
            sh(&jq_filter(inv, e, &files)),
            paths.join(" ")
        );
    }
    let _ = writeln!(
        out,
        "# Every entry is read once first: a missing file or key stops here, before anything is loaded."
    );
    for n in 1..=entries.len() {
        let _ = writeln!(out, "entry_{n} >/dev/null");
    }
    let aws = |e: &Entry| matches!(e.service, Service::SecretsManager | Service::ParameterStore);
    if entries.iter().any(|e| aws(e) && e.location.is_none()) {
        let _ = write!(out, "{AWS_REGION_FALLBACK}");
    }
    let _ = writeln!(out);
    for (n, e) in entries.iter().enumerate() {
        let location = e.location.as_deref().map(sh);
        let (function, location) = match e.service {
            Service::Vault => ("load_vault", location.unwrap_or_else(|| "secret".into())),
            Service::SecretsManager => (
                "load_secretsmanager",
                location.unwrap_or("\"$aws_region\"".into()),
            ),
            Service::ParameterStore => (
                "load_parameter",
                location.unwrap_or("\"$aws_region\"".into()),
            ),
            Service::Gcp => ("load_gcp", location.unwrap_or("''".into())),
            Service::Azure => (
                "load_azure",
                location.unwrap_or(
                    "\"${AZURE_KEY_VAULT:?set AZURE_KEY_VAULT to the name of the key vault}\""
                        .into(),
                ),
            ),
            Service::Other(_) => continue,
        };
        let _ = writeln!(
            out,
            "entry_{} | {function} {location} {}",
            n + 1,
            sh(&e.name)
        );
    }
    out
}

/// The merged entries with their values, as JSON (for a loader of one's own).
pub fn json(inv: &Inventory, entries: &[Entry]) -> String {
    let value_of = |src: &Source| {
        inv.saved[src.secret]
            .values
            .get(&src.key)
            .map(stored_text)
            .unwrap_or_default()
    };
    let list: Vec<serde_json::Value> = entries
        .iter()
        .map(|e| {
            let value = match e.fields.as_slice() {
                [f] if f.property.is_none() => serde_json::Value::String(value_of(&f.sources[0])),
                fields => serde_json::Value::Object(
                    fields
                        .iter()
                        .map(|f| {
                            (
                                f.property.clone().unwrap_or_default(),
                                serde_json::Value::String(value_of(&f.sources[0])),
                            )
                        })
                        .collect(),
                ),
            };
            let location = e.service.location_json(e.location.as_deref());
            serde_json::json!({
                "backend": e.service.name(),
                "location": location,
                "name": e.name,
                "remote_keys": e.remote_keys,
                "secrets": e.secrets().iter().map(|i| inv.saved[*i].id()).collect::<Vec<_>>(),
                "value": value,
            })
        })
        .collect();
    let mut text = serde_json::to_string_pretty(&serde_json::json!({
        "version": 1,
        "entries": list,
    }))
    .unwrap_or_else(|_| "{}".into());
    text.push('\n');
    text
}

/// The saved Secrets as `v1` Secret manifests (every value in `data`, base64), one YAML
/// document each: for `kubectl apply -f` or `jx secret populate`.
pub fn yaml(inv: &Inventory) -> String {
    let mut out = String::new();
    for (i, s) in inv.saved.iter().enumerate() {
        if i > 0 {
            out.push_str("---\n");
        }
        let _ = writeln!(
            out,
            "# {}: saved by gitops-guard{}",
            comment(&s.id()),
            if s.meta.manifest.is_empty() {
                String::new()
            } else {
                format!(" from {}", comment(&s.meta.manifest))
            }
        );
        out.push_str(&emit::to_yaml(&secret_object(s), 0));
    }
    out
}

fn secret_object(s: &Saved) -> Out {
    let pairs = |m: &BTreeMap<String, String>| {
        Out::map(m.iter().map(|(k, v)| (k.clone(), Out::str(v.clone()))))
    };
    let mut metadata = vec![("name", Out::str(s.meta.name.clone()))];
    if let Some(ns) = &s.meta.namespace {
        metadata.push(("namespace", Out::str(ns.clone())));
    }
    if !s.meta.labels.is_empty() {
        metadata.push(("labels", pairs(&s.meta.labels)));
    }
    if !s.meta.annotations.is_empty() {
        metadata.push(("annotations", pairs(&s.meta.annotations)));
    }
    let mut object = vec![
        ("apiVersion", Out::str("v1")),
        ("kind", Out::str("Secret")),
        ("metadata", Out::map(metadata)),
        ("type", Out::str(s.meta.secret_type.clone())),
    ];
    if let Some(immutable) = s.meta.immutable {
        object.push(("immutable", Out::Bool(immutable)));
    }
    let engine = &base64::engine::general_purpose::STANDARD;
    object.push((
        "data",
        Out::map(s.values.iter().map(|(k, v)| {
            let bytes = match v {
                StoredValue::Text(t) => engine.encode(t.as_bytes()),
                StoredValue::Binary(b) => engine.encode(b),
            };
            (k.clone(), Out::str(bytes))
        })),
    ));
    Out::map(object)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fix::store::meta::{Backend, KeyMeta, VERSION};
    use crate::fix::store::{Inventory, Saved};
    use std::path::PathBuf;

    fn saved(ns: &str, name: &str, keys: &[(&str, &str, Option<&str>, StoredValue)]) -> Saved {
        Saved {
            values_file: PathBuf::from(format!("/s/{ns}/{name}.json")),
            meta_file: PathBuf::from(format!("/s/{ns}/{name}.meta")),
            meta: Meta {
                version: VERSION,
                namespace: Some(ns.into()),
                name: name.into(),
                secret_type: "Opaque".into(),
                labels: BTreeMap::new(),
                annotations: BTreeMap::new(),
                immutable: None,
                manifest: String::new(),
                saved: String::new(),
                format: "eso".into(),
                naming: "jenkins-x".into(),
                backend: Backend {
                    backend_type: "vault".into(),
                    ..Backend::default()
                },
                keys: keys
                    .iter()
                    .map(|(k, remote, property, v)| KeyMeta {
                        key: (*k).into(),
                        remote_key: (*remote).into(),
                        property: property.map(str::to_string),
                        version: None,
                        version_stage: None,
                        binary: v.is_binary(),
                    })
                    .collect(),
            },
            recorded: true,
            recomputed_keys: Vec::new(),
            values: keys
                .iter()
                .map(|(k, _, _, v)| ((*k).to_string(), v.clone()))
                .collect(),
            modified: None,
        }
    }

    fn inventory(saved: Vec<Saved>) -> Inventory {
        Inventory {
            dir: PathBuf::from("/s"),
            saved,
            problems: Vec::new(),
        }
    }

    fn text(s: &str) -> StoredValue {
        StoredValue::Text(s.into())
    }

    #[test]
    fn vault_paths_drop_the_mount() {
        assert_eq!(
            vault_path("secret/data/jx/pipelineUser", "secret"),
            "jx/pipelineUser"
        );
        assert_eq!(vault_path("secret/jx/a", "secret"), "jx/a");
        assert_eq!(vault_path("apps/db", "secret"), "apps/db");
        assert_eq!(vault_path("kv/data/a", "kv"), "a");
        assert_eq!(vault_path("secretive/a", "secret"), "secretive/a");
    }

    #[test]
    fn spellings_of_one_vault_path_are_one_entry() {
        let inv = inventory(vec![
            saved("a", "x", &[("k", "secret/data/p", Some("k"), text("1"))]),
            saved("b", "y", &[("j", "p", Some("j"), text("2"))]),
        ]);
        let entries = group(&inv, Target::Vault, "secret");
        assert_eq!(entries.len(), 1);
        assert_eq!(entries[0].name, "p");
        assert_eq!(entries[0].remote_keys, ["secret/data/p", "p"]);
        assert_eq!(entries[0].secrets(), [0, 1]);
        assert!(check(&inv, &entries).is_empty());
    }

    #[test]
    fn conflicts_name_secrets_and_keys_never_values() {
        let inv = inventory(vec![
            saved("a", "x", &[("k", "e", Some("p"), text("value-one"))]),
            saved("b", "y", &[("j", "e", Some("p"), text("value-two"))]),
            saved("c", "z", &[("w", "e", None, text("value-one"))]),
        ]);
        let entries = group(&inv, Target::Vault, "secret");
        let problems = check(&inv, &entries);
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(
            problems[0].starts_with("vault entry `e` (mount secret): c/z (key `w`) uses it as a whole value but a/x (key `k`) as property `p`"),
            "{problems:?}"
        );
        assert!(
            problems[1].starts_with("vault entry `e` (mount secret), property `p`: a/x (key `k`) and b/y (key `j`) hold different values"),
            "{problems:?}"
        );
        for p in &problems {
            assert!(!p.contains("value-one") && !p.contains("value-two"), "{p}");
        }
    }

    #[test]
    fn binary_values_compare_as_stored() {
        let inv = inventory(vec![
            saved(
                "a",
                "x",
                &[("k", "e", Some("p"), StoredValue::Binary(vec![0xff]))],
            ),
            saved(
                "b",
                "y",
                &[("k", "e", Some("p"), StoredValue::Binary(vec![0xff]))],
            ),
        ]);
        let entries = group(&inv, Target::Aws, "secret");
        assert!(check(&inv, &entries).is_empty());
        assert_eq!(entries[0].service, Service::SecretsManager);
        let json = json(&inv, &entries);
        assert!(json.contains("\"p\": \"/w==\""), "{json}");
    }

    #[test]
    fn missing_and_mistyped_values_are_problems() {
        let mut s = saved("a", "x", &[("k", "e", Some("p"), text("v"))]);
        s.values.clear();
        let mut t = saved("b", "y", &[("k", "f", Some("p"), text("v"))]);
        t.meta.keys[0].binary = true;
        let inv = inventory(vec![s, t]);
        let problems = check(&inv, &group(&inv, Target::Vault, "secret"));
        assert_eq!(
            problems,
            [
                "a/x: key `k` has no saved value in /s/a/x.json",
                "b/y: key `k` is recorded as binary but its saved value is text"
            ]
        );
    }

    #[test]
    fn script_text_cannot_be_escaped_by_names() {
        let inv = inventory(vec![saved(
            "a",
            "x",
            &[("k", "e'\n$(reboot)", Some("p'\"q\n"), text("v"))],
        )]);
        let entries = group(&inv, Target::Vault, "secret");
        let script = script(&inv, &entries, Target::Vault, "/s");
        assert!(
            script.contains("# e'?$(reboot): p'\"q? <- a/x key k\n"),
            "{script}"
        );
        assert!(
            script.ends_with("entry_1 | load_vault secret 'e'\\''\n$(reboot)'\n"),
            "{script}"
        );
        assert!(script.contains(r#"'{"p'\''\"q\n": (.[0]["k"]"#), "{script}");
    }
}
