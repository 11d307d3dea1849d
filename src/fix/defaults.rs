//! The `fix:` defaults that fit the repository, detected from the index.
//!
//! Run lazily: only by `check --fix` when there is a raw Secret to convert, and by `init`;
//! an everyday `check` never comes here. What is read:
//! - two known paths: `jx-requirements.yml` (Jenkins X: backend, GSM project and prefix,
//!   Azure key vault, AWS region) and `.jx/secret/mapping/secret-mappings.yaml` (its
//!   `spec.defaults`, which the conversion honours anyway);
//! - the YAML/JSON blobs of the index that mention `ExternalSecret` or `SecretStore` (a byte
//!   prefilter; `versionStream/` and chart templates are not this repository's objects), parsed
//!   for ExternalSecrets, SecretStores, ClusterSecretStores and the ExternalSecret CRDs. The
//!   facts of each blob are remembered by blob id (the view's memo), so a later run reads only
//!   blobs it has not seen.
//!
//! What follows from them (each value with where it came from, see [`FixDefaults`]):
//! - `naming: jenkins-x` in a Jenkins X repository (what `jx secret convert` writes);
//! - the backend and its details from `jx-requirements.yml`, else the mapping file's
//!   defaults, else the existing KES ExternalSecrets, else the chosen store's provider;
//! - the format from the ExternalSecrets in the index (the more numerous API wins, a tie goes
//!   to ESO), else from the CRDs (the KES CRD alone: `kes`), else `eso` when there are stores;
//! - the secret store from the stores in the index: the one the existing ExternalSecrets use
//!   most (ties: ClusterSecretStore first, then by name); with no store object, the store the
//!   ExternalSecrets reference most;
//! - the KES vault mount point and role the existing vault ExternalSecrets use most.

use super::naming::{MAPPING_PATH, SecretMapping};
use crate::config::{
    FixDefaults, FixFormat, Naming, SecretStoreRef, Sourced, is_dns1123_subdomain,
};
use crate::manifest::{Node, objects};
use crate::rules::{FileKind, RepoView, contains};
use std::collections::BTreeMap;

/// The Jenkins X requirements file at the repository root.
pub const REQUIREMENTS: &str = "jx-requirements.yml";

/// The view memo (by blob id) of each blob's facts. Bump the suffix when [`Fact`] changes.
const MEMO: &str = "fix-defaults-1";

/// Detects the `fix:` defaults of the repository behind `repo`.
pub fn detect(repo: &dyn RepoView) -> FixDefaults {
    let mut d = FixDefaults::default();
    let paths = repo.paths();
    let has = |p: &str| paths.iter().any(|x| x == p);
    let requirements = if has(REQUIREMENTS) {
        repo.read(REQUIREMENTS)
            .and_then(|b| std::str::from_utf8(&b).ok().map(Requirements::parse))
    } else {
        None
    };
    if crate::layout::detect(paths).is_some() {
        let from = if has(REQUIREMENTS) {
            REQUIREMENTS
        } else {
            "config-root/"
        };
        d.naming = Some(Sourced::new(
            Naming::JenkinsX,
            from,
            "a Jenkins X repository: the keys `jx secret convert` writes",
        ));
    }
    if let Some(Err(e)) = &requirements {
        d.notes.push(format!("{REQUIREMENTS} not used: {e}"));
    }
    if let Some(Ok(r)) = &requirements {
        r.apply(&mut d);
    }
    if let Some(m) = repo
        .read(MAPPING_PATH)
        .and_then(|b| std::str::from_utf8(&b).ok().map(SecretMapping::parse))
        .and_then(Result::ok)
    {
        mapping_defaults(&m, &mut d);
    }
    let facts = index_facts(repo);
    from_facts(&facts, &mut d);
    d
}

/// What `jx-requirements.yml` says (the fields that matter; `spec:` of `core.jenkins-x.io/v4beta1`
/// or the top level of older files).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Requirements {
    pub secret_storage: Option<String>,
    pub project: Option<String>,
    pub cluster_name: Option<String>,
    pub region: Option<String>,
    pub key_vault_name: Option<String>,
}

impl Requirements {
    /// Parses the file; only a file that is not YAML is an error (unknown fields are ignored,
    /// as Jenkins X does, and numbers are read as their text).
    pub fn parse(text: &str) -> Result<Requirements, String> {
        let value: serde_json::Value = serde_saphyr::from_str(text).map_err(|e| {
            let loc = e
                .location()
                .map(|l| format!(" at {}:{}", l.line(), l.column()))
                .unwrap_or_default();
            format!(
                "it does not parse{loc}: {}",
                e.to_string().lines().next().unwrap_or_default()
            )
        })?;
        let root = match value.get("spec") {
            Some(spec) if spec.is_object() => spec,
            _ => &value,
        };
        let text_at = |path: &[&str]| -> Option<String> {
            let v = path.iter().try_fold(root, |v, k| v.get(k))?;
            let s = match v {
                serde_json::Value::String(s) => s.clone(),
                serde_json::Value::Number(n) => n.to_string(),
                _ => return None,
            };
            let s = s.trim().to_string();
            (!s.is_empty()).then_some(s)
        };
        Ok(Requirements {
            secret_storage: text_at(&["secretStorage"]),
            project: text_at(&["cluster", "project"]),
            cluster_name: text_at(&["cluster", "clusterName"]),
            region: text_at(&["cluster", "region"]),
            key_vault_name: text_at(&["cluster", "azure", "secretStorage", "keyVaultName"]),
        })
    }

    /// The backend type of `secretStorage` (`jx secret convert` names), if known.
    pub fn backend_type(&self) -> Option<&'static str> {
        backend_of_storage(self.secret_storage.as_deref()?)
    }

    fn apply(&self, d: &mut FixDefaults) {
        let src = |v: &Option<String>, field: &str| {
            v.as_ref()
                .map(|v| Sourced::new(v.clone(), REQUIREMENTS, field))
        };
        match (&self.secret_storage, self.backend_type()) {
            (Some(raw), Some(b)) => {
                d.backend_type = Some(Sourced::new(
                    b.to_string(),
                    REQUIREMENTS,
                    format!("secretStorage: {raw}"),
                ));
            }
            (Some(raw), None) => d.notes.push(format!(
                "{REQUIREMENTS} secretStorage `{raw}` is not a backend gitops-guard knows"
            )),
            _ => {}
        }
        d.project_id = src(&self.project, "cluster.project");
        d.unique_prefix = src(&self.cluster_name, "cluster.clusterName");
        d.region = src(&self.region, "cluster.region");
        d.key_vault_name = src(
            &self.key_vault_name,
            "cluster.azure.secretStorage.keyVaultName",
        );
    }
}

/// `secretStorage` values of `jx-requirements.yml` (jx-api, the jx3 Terraform modules) to
/// backend types, case-insensitively.
fn backend_of_storage(storage: &str) -> Option<&'static str> {
    Some(match storage.to_ascii_lowercase().as_str() {
        "vault" => "vault",
        "gsm" | "gcpsm" | "gcpsecretsmanager" => "gcpSecretsManager",
        "azurekeyvault" | "akv" => "azureKeyVault",
        "secretsmanager" | "asm" => "secretsManager",
        "systemmanager" | "parameterstore" | "ssm" => "systemManager",
        "local" => "local",
        _ => return None,
    })
}

/// The mapping file's `spec.defaults`, for what jx-requirements did not say.
fn mapping_defaults(m: &SecretMapping, d: &mut FixDefaults) {
    let defaults = &m.spec.defaults;
    let src = |v: &str, field: &str| {
        (!v.is_empty()).then(|| Sourced::new(v.to_string(), MAPPING_PATH, field))
    };
    if d.backend_type.is_none()
        && crate::config::BACKEND_TYPES.contains(&defaults.backend_type.as_str())
    {
        d.backend_type = src(&defaults.backend_type, "spec.defaults.backendType");
    }
    if let Some(g) = &defaults.gcp_secrets_manager {
        d.project_id = d
            .project_id
            .take()
            .or_else(|| src(&g.project_id, "spec.defaults.gcpSecretsManager.projectId"));
        d.unique_prefix = d.unique_prefix.take().or_else(|| {
            src(
                &g.unique_prefix,
                "spec.defaults.gcpSecretsManager.uniquePrefix",
            )
        });
    }
    if let Some(a) = &defaults.azure_key_vault {
        d.key_vault_name = d.key_vault_name.take().or_else(|| {
            src(
                &a.key_vault_name,
                "spec.defaults.azureKeyVault.keyVaultName",
            )
        });
    }
    let region = defaults
        .secrets_manager
        .as_ref()
        .map(|a| a.region.as_str())
        .filter(|r| !r.is_empty())
        .unwrap_or(defaults.region.as_str());
    d.region = d
        .region
        .take()
        .or_else(|| src(region, "spec.defaults.region"));
}

/// Which ExternalSecret API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Api {
    /// `external-secrets.io`
    Eso,
    /// `kubernetes-client.io`
    Kes,
}

/// What one object of the index says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fact {
    /// An ExternalSecret CRD of that API.
    Crd(Api),
    /// An ESO ExternalSecret: its namespace and the stores it references (each once).
    Eso {
        namespace: String,
        stores: Vec<(String, String)>,
    },
    /// A KES ExternalSecret and its backend fields (empty when unset).
    Kes {
        backend_type: String,
        vault_mount_point: String,
        vault_role: String,
        project_id: String,
        key_vault_name: String,
        region: String,
    },
    /// A `SecretStore` / `ClusterSecretStore` (`external-secrets.io`).
    Store {
        kind: String,
        name: String,
        namespace: String,
        /// The provider key (`vault`, `gcpsm`, `azurekv`, `aws`, `onepassword`, ...).
        provider: String,
        /// What the provider names: GSM project, Azure vault URL, AWS `service/region`.
        detail: String,
    },
}

/// The facts of every relevant blob of the index, with the path each came from.
fn index_facts(repo: &dyn RepoView) -> Vec<(String, Fact)> {
    let paths = repo.paths();
    let items: Vec<(usize, u8)> = paths
        .iter()
        .enumerate()
        .filter_map(|(i, p)| {
            let kind = FileKind::of(p);
            let wanted = matches!(kind, FileKind::Yaml | FileKind::Json)
                && !p.starts_with("versionStream/")
                && !crate::engine::is_chart_template(p);
            wanted.then_some((i, u8::from(kind == FileKind::Json)))
        })
        .collect();
    let found = repo.memo_blobs(MEMO, &items, &|i, bytes| {
        encode(&facts_of(&paths[items[i].0], bytes))
    });
    let mut out = Vec::new();
    for (i, value) in found {
        let path = &paths[items[i].0];
        out.extend(decode(&value).into_iter().map(|f| (path.clone(), f)));
    }
    out
}

/// The facts of one file (the prefilter first: most files never parse).
pub fn facts_of(path: &str, bytes: &[u8]) -> Vec<Fact> {
    if !contains(bytes, "ExternalSecret") && !contains(bytes, "SecretStore") {
        return Vec::new();
    }
    let Ok(text) = std::str::from_utf8(bytes) else {
        return Vec::new();
    };
    let docs = crate::engine::parse(path, text, FileKind::of(path));
    let mut out = Vec::new();
    for root in docs.iter().filter_map(|d| d.root.as_ref()) {
        for obj in objects(root) {
            if let Some(f) = fact_of(obj) {
                out.push(f);
            }
        }
    }
    out
}

fn text(node: Option<&Node>) -> String {
    node.filter(|n| !n.is_templated())
        .and_then(Node::as_str)
        .unwrap_or_default()
        .to_string()
}

fn fact_of(obj: &Node) -> Option<Fact> {
    let kind = obj.get("kind").and_then(Node::as_str)?;
    let api = obj.get("apiVersion").and_then(Node::as_str)?;
    let group = api.split('/').next().unwrap_or_default();
    let namespace = text(obj.at(&["metadata", "namespace"]));
    match (kind, group) {
        ("CustomResourceDefinition", "apiextensions.k8s.io") => {
            if obj.at(&["spec", "names", "kind"]).and_then(Node::as_str) != Some("ExternalSecret") {
                return None;
            }
            match obj.at(&["spec", "group"]).and_then(Node::as_str)? {
                "kubernetes-client.io" => Some(Fact::Crd(Api::Kes)),
                "external-secrets.io" => Some(Fact::Crd(Api::Eso)),
                _ => None,
            }
        }
        ("ExternalSecret", "kubernetes-client.io") => {
            let spec = |k: &str| text(obj.at(&["spec", k]));
            Some(Fact::Kes {
                backend_type: spec("backendType"),
                vault_mount_point: spec("vaultMountPoint"),
                vault_role: spec("vaultRole"),
                project_id: spec("projectId"),
                key_vault_name: spec("keyVaultName"),
                region: spec("region"),
            })
        }
        ("ExternalSecret", "external-secrets.io") => {
            let mut stores: Vec<(String, String)> = Vec::new();
            let mut add = |r: Option<&Node>| {
                let Some(r) = r else { return };
                let name = text(r.get("name"));
                if name.is_empty() {
                    return;
                }
                let kind = match text(r.get("kind")) {
                    k if k.is_empty() => "SecretStore".to_string(),
                    k => k,
                };
                if !stores.iter().any(|s| s.0 == kind && s.1 == name) {
                    stores.push((kind, name));
                }
            };
            add(obj.at(&["spec", "secretStoreRef"]));
            for list in ["data", "dataFrom"] {
                for item in obj
                    .at(&["spec", list])
                    .and_then(Node::as_seq)
                    .unwrap_or_default()
                {
                    add(item.at(&["sourceRef", "storeRef"]));
                }
            }
            Some(Fact::Eso { namespace, stores })
        }
        ("SecretStore" | "ClusterSecretStore", "external-secrets.io") => {
            let name = text(obj.at(&["metadata", "name"]));
            if name.is_empty() {
                return None;
            }
            let provider_node = obj.at(&["spec", "provider"]);
            let provider = provider_node
                .and_then(Node::as_map)
                .and_then(|m| m.first())
                .and_then(|(k, _)| k.as_str())
                .unwrap_or_default()
                .to_string();
            let p = |path: &[&str]| text(provider_node.and_then(|n| n.at(path)));
            let detail = match provider.as_str() {
                "gcpsm" => p(&["gcpsm", "projectID"]),
                "azurekv" => p(&["azurekv", "vaultUrl"]),
                "aws" => format!("{}/{}", p(&["aws", "service"]), p(&["aws", "region"])),
                _ => String::new(),
            };
            Some(Fact::Store {
                kind: kind.to_string(),
                name,
                namespace,
                provider,
                detail,
            })
        }
        _ => None,
    }
}

/// Facts as the memo keeps them: one per line, fields separated by tabs. A field holding a
/// tab or a line break (nothing real does) drops its fact.
fn encode(facts: &[Fact]) -> Vec<u8> {
    let mut out = String::new();
    for f in facts {
        let fields: Vec<&str> = match f {
            Fact::Crd(Api::Eso) => vec!["C", "eso"],
            Fact::Crd(Api::Kes) => vec!["C", "kes"],
            Fact::Eso { namespace, stores } => {
                let mut v = vec!["E", namespace.as_str()];
                for (k, n) in stores {
                    v.push(k);
                    v.push(n);
                }
                v
            }
            Fact::Kes {
                backend_type,
                vault_mount_point,
                vault_role,
                project_id,
                key_vault_name,
                region,
            } => vec![
                "K",
                backend_type,
                vault_mount_point,
                vault_role,
                project_id,
                key_vault_name,
                region,
            ],
            Fact::Store {
                kind,
                name,
                namespace,
                provider,
                detail,
            } => vec!["S", kind, name, namespace, provider, detail],
        };
        if fields.iter().any(|s| s.contains(['\t', '\n', '\r'])) {
            continue;
        }
        out.push_str(&fields.join("\t"));
        out.push('\n');
    }
    out.into_bytes()
}

fn decode(bytes: &[u8]) -> Vec<Fact> {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return Vec::new();
    };
    let s = |v: &str| v.to_string();
    text.lines()
        .filter_map(|line| {
            let f: Vec<&str> = line.split('\t').collect();
            Some(match f.as_slice() {
                ["C", "eso"] => Fact::Crd(Api::Eso),
                ["C", "kes"] => Fact::Crd(Api::Kes),
                ["E", ns, rest @ ..] if rest.len() % 2 == 0 => Fact::Eso {
                    namespace: s(ns),
                    stores: rest.chunks(2).map(|c| (s(c[0]), s(c[1]))).collect(),
                },
                ["K", b, m, r, p, k, g] => Fact::Kes {
                    backend_type: s(b),
                    vault_mount_point: s(m),
                    vault_role: s(r),
                    project_id: s(p),
                    key_vault_name: s(k),
                    region: s(g),
                },
                ["S", k, n, ns, p, d] => Fact::Store {
                    kind: s(k),
                    name: s(n),
                    namespace: s(ns),
                    provider: s(p),
                    detail: s(d),
                },
                _ => return None,
            })
        })
        .collect()
}

fn plural(n: usize, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else {
        format!("{n} {what}s")
    }
}

/// The most frequent value (ties: the smallest), with its count.
fn most<'a>(values: impl Iterator<Item = &'a str>) -> Option<(&'a str, usize)> {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for v in values.filter(|v| !v.is_empty()) {
        *counts.entry(v).or_default() += 1;
    }
    // max_by_key keeps the last maximum: iterate in reverse so the smallest value wins a tie.
    counts.into_iter().rev().max_by_key(|(_, n)| *n)
}

/// Format, store, KES backend details and vault mount/role from the objects of the index.
pub fn from_facts(facts: &[(String, Fact)], d: &mut FixDefaults) {
    let kes: Vec<&Fact> = facts
        .iter()
        .map(|(_, f)| f)
        .filter(|f| matches!(f, Fact::Kes { .. }))
        .collect();
    let eso: Vec<(&str, &[(String, String)])> = facts
        .iter()
        .filter_map(|(_, f)| match f {
            Fact::Eso { namespace, stores } => Some((namespace.as_str(), stores.as_slice())),
            _ => None,
        })
        .collect();
    let crd = |api: Api| facts.iter().find(|(_, f)| *f == Fact::Crd(api));
    let stores: Vec<(&str, &Fact)> = facts
        .iter()
        .filter(|(_, f)| matches!(f, Fact::Store { .. }))
        .map(|(p, f)| (p.as_str(), f))
        .collect();

    // Format.
    d.format = if !kes.is_empty() || !eso.is_empty() {
        let (api, n) = if kes.len() > eso.len() {
            (FixFormat::Kes, kes.len())
        } else {
            (FixFormat::Eso, eso.len())
        };
        let detail = format!(
            "{} kubernetes-client.io, {} external-secrets.io",
            kes.len(),
            eso.len()
        );
        Some(Sourced::new(api, plural(n, "ExternalSecret"), detail))
    } else if let Some((path, _)) = crd(Api::Eso) {
        Some(Sourced::new(FixFormat::Eso, "the ESO CRD", path.clone()))
    } else if let Some((path, _)) = crd(Api::Kes) {
        Some(Sourced::new(FixFormat::Kes, "the KES CRD", path.clone()))
    } else if let Some((path, _)) = stores.first() {
        Some(Sourced::new(
            FixFormat::Eso,
            plural(stores.len(), "secret store"),
            *path,
        ))
    } else {
        None
    };

    // The KES ExternalSecrets' backend, for what the files above did not say.
    let from_kes = |v: Option<(&str, usize)>, field: &str| {
        v.map(|(v, n)| {
            Sourced::new(
                v.to_string(),
                plural(n, "ExternalSecret"),
                format!("spec.{field}"),
            )
        })
    };
    let field = |f: &Fact, which: usize| -> String {
        match f {
            Fact::Kes {
                backend_type,
                vault_mount_point,
                vault_role,
                project_id,
                key_vault_name,
                region,
            } => [
                backend_type,
                vault_mount_point,
                vault_role,
                project_id,
                key_vault_name,
                region,
            ][which]
                .clone(),
            _ => String::new(),
        }
    };
    let values = |which: usize| -> Vec<String> { kes.iter().map(|f| field(f, which)).collect() };
    let backend_types = values(0);
    if d.backend_type.is_none() {
        let found = most(
            backend_types
                .iter()
                .map(String::as_str)
                .filter(|b| crate::config::BACKEND_TYPES.contains(b)),
        );
        d.backend_type = from_kes(found, "backendType");
    }
    let effective = d.backend_type.as_ref().map(|s| s.value.clone());
    // Details of ExternalSecrets of the backend in effect only.
    let of_backend = |which: usize| -> Vec<String> {
        kes.iter()
            .zip(&backend_types)
            .filter(|(_, b)| Some(*b) == effective.as_ref())
            .map(|(f, _)| field(f, which))
            .collect()
    };
    let fill = |slot: &mut Option<Sourced<String>>, which: usize, name: &str| {
        if slot.is_none() {
            let vals = of_backend(which);
            *slot = from_kes(most(vals.iter().map(String::as_str)), name);
        }
    };
    fill(&mut d.project_id, 3, "projectId");
    fill(&mut d.key_vault_name, 4, "keyVaultName");
    fill(&mut d.region, 5, "region");
    fill(&mut d.vault_mount_point, 1, "vaultMountPoint");
    // A role that starts with `-` is an option name read as the role: the jx3 Makefile passed
    // `-r $(VAULT_ROLE) -m ...` with an empty role (jx3-versions #3270). Never copied.
    let roles = of_backend(2);
    let bogus: Vec<&String> = roles.iter().filter(|r| r.starts_with('-')).collect();
    if let Some(first) = bogus.first() {
        d.notes.push(format!(
            "vaultRole `{first}` of {} not used (an option name read as the role, the jx3 \
             Makefile bug of jx3-versions #3270)",
            plural(bogus.len(), "ExternalSecret")
        ));
    }
    if d.vault_role.is_none() {
        d.vault_role = from_kes(
            most(
                roles
                    .iter()
                    .map(String::as_str)
                    .filter(|r| !r.starts_with('-')),
            ),
            "vaultRole",
        );
    }

    // The secret store.
    let uses = |kind: &str, name: &str, namespace: &str| {
        eso.iter()
            .filter(|(es_ns, refs)| {
                refs.iter().any(|(k, n)| {
                    k == kind
                        && n == name
                        && (kind == "ClusterSecretStore"
                            || namespace.is_empty()
                            || es_ns.is_empty()
                            || *es_ns == namespace)
                })
            })
            .count()
    };
    let rank = |kind: &str| u8::from(kind != "ClusterSecretStore");
    let mut candidates: Vec<(usize, &str, &str, &str, &str, &Fact)> = stores
        .iter()
        .filter_map(|(path, f)| match f {
            Fact::Store {
                kind,
                name,
                namespace,
                ..
            } if is_dns1123_subdomain(name) => Some((
                uses(kind, name, namespace),
                kind.as_str(),
                name.as_str(),
                namespace.as_str(),
                *path,
                *f,
            )),
            _ => None,
        })
        .collect();
    candidates.sort_by(|a, b| {
        b.0.cmp(&a.0)
            .then(rank(a.1).cmp(&rank(b.1)))
            .then(a.2.cmp(b.2))
            .then(a.3.cmp(b.3))
    });
    if let Some((n, kind, name, _, path, fact)) = candidates.first() {
        let from = if candidates.len() == 1 {
            "the only store in the index".to_string()
        } else {
            format!(
                "used by {n} of {}, {} in the index",
                plural(eso.len(), "ExternalSecret"),
                plural(candidates.len(), "store")
            )
        };
        d.secret_store = Some(Sourced::new(
            SecretStoreRef {
                kind: kind.to_string(),
                name: name.to_string(),
            },
            from,
            *path,
        ));
        if d.backend_type.is_none() {
            store_backend(fact, path, d);
        }
    } else {
        // No store object: the store the ExternalSecrets reference most.
        let mut counts: BTreeMap<(u8, &str, &str), usize> = BTreeMap::new();
        for (_, refs) in &eso {
            for (k, n) in refs.iter() {
                if (k == "SecretStore" || k == "ClusterSecretStore") && is_dns1123_subdomain(n) {
                    *counts.entry((rank(k), k, n)).or_default() += 1;
                }
            }
        }
        let best = counts
            .into_iter()
            .rev()
            .max_by_key(|(_, n)| *n)
            .map(|((_, k, name), n)| (k, name, n));
        if let Some((kind, name, n)) = best {
            d.secret_store = Some(Sourced::new(
                SecretStoreRef {
                    kind: kind.to_string(),
                    name: name.to_string(),
                },
                format!("used by {n} of {}", plural(eso.len(), "ExternalSecret")),
                "not defined in the repository",
            ));
        }
    }
}

/// The backend the chosen store's provider names (vault, GSM, Azure Key Vault, AWS).
fn store_backend(fact: &Fact, path: &str, d: &mut FixDefaults) {
    let Fact::Store {
        provider,
        detail,
        name,
        ..
    } = fact
    else {
        return;
    };
    let from = format!("store {name}");
    let at = |field: &str| format!("{path}: spec.provider.{provider}{field}");
    let (backend, found) = match provider.as_str() {
        "vault" => ("vault", None),
        "gcpsm" => ("gcpSecretsManager", Some(("project", detail.clone()))),
        "azurekv" => {
            // https://<name>.vault.azure.net[/]
            let host = detail
                .split("://")
                .nth(1)
                .unwrap_or(detail)
                .split(['.', '/'])
                .next()
                .unwrap_or_default()
                .to_string();
            ("azureKeyVault", Some(("vault", host)))
        }
        "aws" => {
            let (service, region) = detail.split_once('/').unwrap_or((detail, ""));
            let backend = match service {
                "ParameterStore" => "systemManager",
                _ => "secretsManager",
            };
            (backend, Some(("region", region.to_string())))
        }
        _ => return,
    };
    d.backend_type = Some(Sourced::new(backend.to_string(), from.clone(), at("")));
    if let Some((what, value)) = found.filter(|(_, v)| !v.is_empty()) {
        let s = Sourced::new(
            value,
            from,
            at(match what {
                "project" => ".projectID",
                "vault" => ".vaultUrl",
                _ => ".region",
            }),
        );
        match what {
            "project" if d.project_id.is_none() => d.project_id = Some(s),
            "vault" if d.key_vault_name.is_none() => d.key_vault_name = Some(s),
            "region" if d.region.is_none() => d.region = Some(s),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;
    use std::sync::Arc;

    struct Mem(Vec<String>, HashMap<String, Arc<Vec<u8>>>);

    impl RepoView for Mem {
        fn paths(&self) -> &[String] {
            &self.0
        }
        fn read(&self, path: &str) -> Option<Arc<Vec<u8>>> {
            self.1.get(path).cloned()
        }
    }

    fn mem(files: &[(&str, &str)]) -> Mem {
        let mut paths: Vec<String> = files.iter().map(|(p, _)| p.to_string()).collect();
        paths.sort();
        Mem(
            paths,
            files
                .iter()
                .map(|(p, t)| (p.to_string(), Arc::new(t.as_bytes().to_vec())))
                .collect(),
        )
    }

    const EKS_VAULT: &str = include_str!(
        "../../tests/fixtures/corpus/Morgan-Jenkins-X__jx3-eks-vault/jx-requirements.yml"
    );
    const AKS_AKV: &str = include_str!(
        "../../tests/fixtures/corpus/SkisocksOrg__jx3-azure-akv-cluster/jx-requirements.yml"
    );
    const GKE_GSM: &str =
        include_str!("../../tests/fixtures/corpus/evillgenius75__jx3-gke-gsm/jx-requirements.yml");
    const KES_CRD: &str = include_str!(
        "../../tests/fixtures/corpus/Morgan-Jenkins-X__jx3-eks-vault/config-root/customresourcedefinitions/secret-infra/kubernetes-external-secrets/externalsecrets.kubernetes-client.io-crd.yaml"
    );
    const KES_CRD_V1BETA1: &str = include_str!(
        "../../tests/fixtures/corpus/evillgenius75__jx3-gke-gsm/config-root/customresourcedefinitions/secret-infra/kubernetes-external-secrets/externalsecrets.kubernetes-client.io-crd.yaml"
    );
    const KES_ES: &str = include_str!(
        "../../tests/fixtures/corpus/Morgan-Jenkins-X__jx3-eks-vault/config-root/namespaces/jx/lighthouse/lighthouse-oauth-token-secret.yaml"
    );

    fn value<T: Clone>(s: &Option<Sourced<T>>) -> Option<T> {
        s.as_ref().map(|s| s.value.clone())
    }

    fn detected(req: &str) -> FixDefaults {
        let mut d = FixDefaults::default();
        Requirements::parse(req).unwrap().apply(&mut d);
        d
    }

    /// The three real jx3 repositories of the corpus.
    #[test]
    fn requirements_of_the_real_repositories() {
        let d = detected(EKS_VAULT);
        assert_eq!(value(&d.backend_type).as_deref(), Some("vault"));
        assert_eq!(value(&d.region).as_deref(), Some("us-east-2"));
        assert_eq!(
            value(&d.unique_prefix).as_deref(),
            Some("automation-mgmt-eks")
        );
        assert_eq!(
            d.backend_type.as_ref().unwrap().detail,
            "secretStorage: vault"
        );

        let d = detected(AKS_AKV);
        assert_eq!(value(&d.backend_type).as_deref(), Some("azureKeyVault"));
        assert_eq!(value(&d.key_vault_name).as_deref(), Some("full-bulldog"));
        assert_eq!(
            d.key_vault_name.as_ref().unwrap().detail,
            "cluster.azure.secretStorage.keyVaultName"
        );
        assert_eq!(d.project_id, None);

        let d = detected(GKE_GSM);
        assert_eq!(value(&d.backend_type).as_deref(), Some("gcpSecretsManager"));
        assert_eq!(
            value(&d.project_id).as_deref(),
            Some("eddiejv-stp-appmod-demo")
        );
        assert_eq!(value(&d.unique_prefix).as_deref(), Some("tf-jx-top-drum"));
        assert!(d.notes.is_empty());
    }

    #[test]
    fn requirements_variants() {
        // An older file without `spec:`, an unquoted number, AWS Secrets Manager.
        let d = detected(
            "cluster:\n  project: 339337551661\n  region: eu-west-1\nsecretStorage: secretsManager\n",
        );
        assert_eq!(value(&d.backend_type).as_deref(), Some("secretsManager"));
        assert_eq!(value(&d.project_id).as_deref(), Some("339337551661"));
        assert_eq!(value(&d.region).as_deref(), Some("eu-west-1"));
        // Case does not matter; an empty value says nothing.
        let d = detected("spec:\n  secretStorage: AzureKeyVault\n");
        assert_eq!(value(&d.backend_type).as_deref(), Some("azureKeyVault"));
        let d = detected("spec:\n  secretStorage: ''\n  cluster: {clusterName: ''}\n");
        assert_eq!(d, FixDefaults::default());
        // An unknown one is said, not guessed.
        let d = detected("spec:\n  secretStorage: keepass\n");
        assert_eq!(d.backend_type, None);
        assert!(d.notes[0].contains("`keepass`"), "{:?}", d.notes);
        // Not YAML: an error, not a panic.
        assert!(Requirements::parse("spec: [\n").is_err());
        assert_eq!(
            Requirements::parse("").unwrap(),
            Requirements::default(),
            "an empty file"
        );
    }

    fn es(ns: &str, stores: &[(&str, &str)]) -> (String, Fact) {
        (
            format!("{ns}/es.yaml"),
            Fact::Eso {
                namespace: ns.into(),
                stores: stores
                    .iter()
                    .map(|(k, n)| (k.to_string(), n.to_string()))
                    .collect(),
            },
        )
    }

    fn store(kind: &str, name: &str, ns: &str, provider: &str, detail: &str) -> (String, Fact) {
        (
            format!("stores/{name}.yaml"),
            Fact::Store {
                kind: kind.into(),
                name: name.into(),
                namespace: ns.into(),
                provider: provider.into(),
                detail: detail.into(),
            },
        )
    }

    fn picked(facts: &[(String, Fact)]) -> FixDefaults {
        let mut d = FixDefaults::default();
        from_facts(facts, &mut d);
        d
    }

    fn store_of(d: &FixDefaults) -> Option<(String, String)> {
        value(&d.secret_store).map(|s| (s.kind, s.name))
    }

    #[test]
    fn the_only_store_is_taken_with_its_backend() {
        let d = picked(&[store(
            "ClusterSecretStore",
            "onepassword",
            "",
            "onepassword",
            "",
        )]);
        assert_eq!(
            store_of(&d),
            Some(("ClusterSecretStore".into(), "onepassword".into()))
        );
        assert_eq!(
            d.secret_store.as_ref().unwrap().from,
            "the only store in the index"
        );
        assert_eq!(value(&d.format), Some(FixFormat::Eso));
        assert_eq!(d.backend_type, None, "1Password has no backend type here");

        let d = picked(&[store("SecretStore", "gsm", "apps", "gcpsm", "my-proj")]);
        assert_eq!(value(&d.backend_type).as_deref(), Some("gcpSecretsManager"));
        assert_eq!(value(&d.project_id).as_deref(), Some("my-proj"));
        let d = picked(&[store(
            "ClusterSecretStore",
            "kv",
            "",
            "azurekv",
            "https://my-vault.vault.azure.net/",
        )]);
        assert_eq!(value(&d.key_vault_name).as_deref(), Some("my-vault"));
        let d = picked(&[store(
            "ClusterSecretStore",
            "aws",
            "",
            "aws",
            "ParameterStore/eu-west-1",
        )]);
        assert_eq!(value(&d.backend_type).as_deref(), Some("systemManager"));
        assert_eq!(value(&d.region).as_deref(), Some("eu-west-1"));
    }

    #[test]
    fn with_several_stores_the_most_used_wins() {
        let stores = [
            store("ClusterSecretStore", "vault", "", "vault", ""),
            store("ClusterSecretStore", "onepassword", "", "onepassword", ""),
            store("SecretStore", "local", "apps", "fake", ""),
        ];
        let mut facts = stores.to_vec();
        facts.push(es("apps", &[("ClusterSecretStore", "onepassword")]));
        facts.push(es("jx", &[("ClusterSecretStore", "onepassword")]));
        facts.push(es("apps", &[("SecretStore", "local")]));
        facts.push(es("jx", &[("ClusterSecretStore", "vault")]));
        let d = picked(&facts);
        assert_eq!(
            store_of(&d),
            Some(("ClusterSecretStore".into(), "onepassword".into()))
        );
        assert_eq!(
            d.secret_store.as_ref().unwrap().from,
            "used by 2 of 4 ExternalSecrets, 3 stores in the index"
        );
        // An ExternalSecret using a store twice (store and item level) counts once; a
        // SecretStore is only used from its own namespace.
        let mut facts = stores.to_vec();
        facts.push(es(
            "apps",
            &[("SecretStore", "local"), ("ClusterSecretStore", "vault")],
        ));
        facts.push(es("other", &[("SecretStore", "local")]));
        facts.push(es("other", &[("SecretStore", "local")]));
        let d = picked(&facts);
        assert_eq!(
            store_of(&d),
            Some(("ClusterSecretStore".into(), "vault".into()))
        );
    }

    #[test]
    fn store_ties_are_broken_deterministically() {
        // Nothing uses them: ClusterSecretStore before SecretStore, then by name, whatever
        // the order in the index.
        let a = store("SecretStore", "aaa", "apps", "vault", "");
        let b = store("ClusterSecretStore", "zzz", "", "vault", "");
        let c = store("ClusterSecretStore", "mmm", "", "vault", "");
        for facts in [
            vec![a.clone(), b.clone(), c.clone()],
            vec![c.clone(), b.clone(), a.clone()],
            vec![b.clone(), a.clone(), c.clone()],
        ] {
            let d = picked(&facts);
            assert_eq!(
                store_of(&d),
                Some(("ClusterSecretStore".into(), "mmm".into()))
            );
        }
        // No store object: the most referenced store, ties the same way.
        let d = picked(&[
            es("a", &[("SecretStore", "x")]),
            es("b", &[("ClusterSecretStore", "y")]),
        ]);
        assert_eq!(
            store_of(&d),
            Some(("ClusterSecretStore".into(), "y".into()))
        );
        assert_eq!(
            d.secret_store.as_ref().unwrap().detail,
            "not defined in the repository"
        );
        // A store name that is not a Kubernetes name is never proposed.
        let d = picked(&[store("ClusterSecretStore", "Bad_Name", "", "vault", "")]);
        assert_eq!(d.secret_store, None);
    }

    fn kes(backend: &str, role: &str) -> (String, Fact) {
        (
            "k.yaml".into(),
            Fact::Kes {
                backend_type: backend.into(),
                vault_mount_point: "kubernetes".into(),
                vault_role: role.into(),
                project_id: String::new(),
                key_vault_name: String::new(),
                region: String::new(),
            },
        )
    }

    #[test]
    fn format_by_existing_external_secrets_then_crds() {
        let d = picked(&[kes("vault", "jx-vault"), es("jx", &[])]);
        assert_eq!(value(&d.format), Some(FixFormat::Eso), "a tie goes to ESO");
        let d = picked(&[kes("vault", "a"), kes("vault", "a"), es("jx", &[])]);
        assert_eq!(value(&d.format), Some(FixFormat::Kes));
        assert_eq!(d.format.as_ref().unwrap().from, "2 ExternalSecrets");
        let crd = |api| ("crd.yaml".to_string(), Fact::Crd(api));
        let d = picked(&[crd(Api::Kes)]);
        assert_eq!(value(&d.format), Some(FixFormat::Kes));
        assert_eq!(d.format.as_ref().unwrap().from, "the KES CRD");
        let d = picked(&[crd(Api::Kes), crd(Api::Eso)]);
        assert_eq!(
            value(&d.format),
            Some(FixFormat::Eso),
            "both installed: ESO"
        );
        let d = picked(&[crd(Api::Kes), es("jx", &[]), es("jx", &[])]);
        assert_eq!(
            value(&d.format),
            Some(FixFormat::Eso),
            "objects before CRDs"
        );
        assert_eq!(picked(&[]).format, None);
    }

    #[test]
    fn kes_external_secrets_give_backend_and_vault_role() {
        let d = picked(&[
            kes("vault", "-m"),
            kes("vault", "-m"),
            kes("vault", "jx-vault"),
            kes("gcpSecretsManager", "other"),
        ]);
        assert_eq!(value(&d.format), Some(FixFormat::Kes));
        assert_eq!(value(&d.backend_type).as_deref(), Some("vault"));
        assert_eq!(value(&d.vault_role).as_deref(), Some("jx-vault"));
        assert_eq!(value(&d.vault_mount_point).as_deref(), Some("kubernetes"));
        assert!(
            d.notes[0].contains("vaultRole `-m` of 2 ExternalSecrets"),
            "{:?}",
            d.notes
        );
        // Only the bug: the role stays undetected (the jx default applies).
        let d = picked(&[kes("vault", "-m")]);
        assert_eq!(d.vault_role, None);
    }

    #[test]
    fn facts_of_real_and_synthetic_files() {
        assert_eq!(
            facts_of("a.yaml", KES_CRD.as_bytes()),
            vec![Fact::Crd(Api::Kes)]
        );
        assert_eq!(
            facts_of("a.yaml", KES_CRD_V1BETA1.as_bytes()),
            vec![Fact::Crd(Api::Kes)]
        );
        assert_eq!(
            facts_of("a.yaml", KES_ES.as_bytes()),
            vec![Fact::Kes {
                backend_type: "vault".into(),
                vault_mount_point: "kubernetes".into(),
                vault_role: "-m".into(),
                project_id: String::new(),
                key_vault_name: String::new(),
                region: String::new(),
            }]
        );
        let eso = "apiVersion: v1\nkind: List\nitems:\n- apiVersion: external-secrets.io/v1\n  kind: ExternalSecret\n  metadata: {name: a, namespace: apps}\n  spec:\n    secretStoreRef: {name: vault, kind: ClusterSecretStore}\n    data:\n    - secretKey: k\n      sourceRef: {storeRef: {name: local}}\n      remoteRef: {key: x}\n    - secretKey: l\n      sourceRef: {storeRef: {name: vault, kind: ClusterSecretStore}}\n      remoteRef: {key: y}\n- apiVersion: external-secrets.io/v1\n  kind: ClusterSecretStore\n  metadata: {name: gsm}\n  spec:\n    provider:\n      gcpsm: {projectID: p1}\n";
        assert_eq!(
            facts_of("l.yaml", eso.as_bytes()),
            vec![
                Fact::Eso {
                    namespace: "apps".into(),
                    stores: vec![
                        ("ClusterSecretStore".into(), "vault".into()),
                        ("SecretStore".into(), "local".into())
                    ]
                },
                Fact::Store {
                    kind: "ClusterSecretStore".into(),
                    name: "gsm".into(),
                    namespace: String::new(),
                    provider: "gcpsm".into(),
                    detail: "p1".into()
                }
            ]
        );
        // The prefilter: no parse at all; a Secret, templated or broken YAML: nothing.
        assert!(facts_of("a.yaml", b"kind: ConfigMap\n").is_empty());
        assert!(facts_of("a.yaml", b"kind: ExternalSecret\n: : [\n").is_empty());
        assert!(facts_of("a.yaml", &[0xff, 0xfe, b'E']).is_empty());
    }

    #[test]
    fn memo_encoding_round_trips() {
        let facts = vec![
            Fact::Crd(Api::Eso),
            Fact::Crd(Api::Kes),
            es("apps", &[("SecretStore", "a"), ("ClusterSecretStore", "b")]).1,
            es("", &[]).1,
            kes("vault", "jx-vault").1,
            store("SecretStore", "s", "ns", "aws", "SecretsManager/us-east-1").1,
        ];
        assert_eq!(decode(&encode(&facts)), facts);
        let tabbed = vec![
            store("SecretStore", "s\tx", "", "", "").1,
            Fact::Crd(Api::Kes),
        ];
        assert_eq!(decode(&encode(&tabbed)), vec![Fact::Crd(Api::Kes)]);
        assert!(decode(b"X\tbogus\n\xff").is_empty());
    }

    #[test]
    fn detect_in_a_repository() {
        // A Jenkins X repository: naming, backend and details from the known files, format
        // from the objects; versionStream/ and chart templates are not looked at.
        let repo = mem(&[
            ("jx-requirements.yml", GKE_GSM),
            ("config-root/namespaces/jx/x/es-secret.yaml", KES_ES),
            (
                "versionStream/x/es.yaml",
                "apiVersion: external-secrets.io/v1\nkind: ExternalSecret\n",
            ),
            (
                "charts/c/templates/es.yaml",
                "apiVersion: external-secrets.io/v1\nkind: ExternalSecret\n",
            ),
        ]);
        let d = detect(&repo);
        assert_eq!(value(&d.naming), Some(Naming::JenkinsX));
        assert_eq!(d.naming.as_ref().unwrap().from, "jx-requirements.yml");
        assert_eq!(value(&d.format), Some(FixFormat::Kes));
        assert_eq!(d.format.as_ref().unwrap().from, "1 ExternalSecret");
        assert_eq!(value(&d.backend_type).as_deref(), Some("gcpSecretsManager"));
        assert_eq!(
            value(&d.project_id).as_deref(),
            Some("eddiejv-stp-appmod-demo")
        );

        // Only a mapping file: its defaults.
        let repo = mem(&[(
            MAPPING_PATH,
            "spec:\n  defaults:\n    backendType: azureKeyVault\n    azureKeyVault: {keyVaultName: kv1}\n",
        )]);
        let d = detect(&repo);
        assert_eq!(d.naming, None, "not a Jenkins X repository");
        assert_eq!(value(&d.backend_type).as_deref(), Some("azureKeyVault"));
        assert_eq!(value(&d.key_vault_name).as_deref(), Some("kv1"));
        assert_eq!(d.key_vault_name.as_ref().unwrap().from, MAPPING_PATH);

        // A broken requirements file is said, and the rest still detected.
        let repo = mem(&[("jx-requirements.yml", "spec: [\n")]);
        let d = detect(&repo);
        assert_eq!(value(&d.naming), Some(Naming::JenkinsX));
        assert!(
            d.notes[0].starts_with("jx-requirements.yml not used"),
            "{:?}",
            d.notes
        );

        // Nothing to go on.
        let repo = mem(&[("apps/db.yaml", "kind: ConfigMap\n")]);
        assert!(detect(&repo).is_empty());
    }
}
