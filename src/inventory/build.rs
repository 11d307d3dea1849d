//! From the facts of each file to the inventory: environments, namespaces, and what needs
//! more than one file (the version stream, helmfile repositories, Flux sources and overlays,
//! kustomize namespaces, jx3 release folders, findings placed in namespaces).

use super::facts::{Detail, FileFacts, FluxSource, ObjectFacts, ObjectRef};
use super::{
    Environment, ExternalSecret, FindingRow, Inventory, Location, Namespace, RawSecret,
    ReadProblem, Release, ReleaseType, Resource, Scope, SourceInfo, Summary, VersionSource,
    Workload,
};
use crate::config::Settings;
use crate::config::layout::PresetName;
use crate::engine::Outcome;
use crate::layout::scope::{self, KindScope};
use crate::manifest::FileKind;
use crate::manifest::Node;
use crate::rules::version_stream;
use crate::source::RepoView;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// What an inventory is built from.
pub struct Input<'a> {
    pub source: SourceInfo,
    /// The facts of the files read (every file for a full report; for `--range`, the files
    /// the change touches, on one side).
    pub facts: Vec<FileFacts>,
    /// The engine's run over the same files.
    pub outcome: &'a Outcome,
    /// The whole tree (paths, and lookups such as the version stream).
    pub repo: &'a dyn RepoView,
    pub settings: &'a Settings,
}

/// Whether the repository follows the jx3 layout: as configured, else as detected.
pub fn is_jx3(settings: &Settings, paths: &[String]) -> bool {
    match settings.layout.preset {
        Some(p) => p == PresetName::Jx3,
        None => crate::layout::detect(paths) == Some(PresetName::Jx3),
    }
}

/// The jx3 cluster's name (`jx-requirements.yml`: `spec.cluster.clusterName`).
pub fn cluster_name(repo: &dyn RepoView) -> Option<String> {
    let bytes = repo.read("jx-requirements.yml")?;
    let text = std::str::from_utf8(&bytes).ok()?;
    let docs = crate::manifest::parse_file("jx-requirements.yml", text, FileKind::Yaml);
    docs.iter()
        .filter_map(|d| d.root.as_ref())
        .find_map(|r| r.at(&["spec", "cluster", "clusterName"]))
        .filter(|n| !n.is_templated())
        .and_then(Node::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

/// Folder names that say which environment a file belongs to.
const ENV_WORDS: &[&str] = &[
    "production",
    "prod",
    "staging",
    "stage",
    "dev",
    "development",
    "test",
    "testing",
    "qa",
    "uat",
    "preprod",
    "pre-prod",
    "sandbox",
    "live",
];

/// The environment a path belongs to, outside jx3: the folder after `clusters/`,
/// `environments/`, `envs/` or `overlays/`, else a folder named like an environment
/// (`production`, `staging`, ...); `""` for shared files.
pub fn env_of_path(path: &str) -> String {
    let dirs: Vec<&str> = match path.rsplit_once('/') {
        Some((dir, _)) => dir.split('/').collect(),
        None => return String::new(),
    };
    for (i, d) in dirs.iter().enumerate() {
        if matches!(*d, "clusters" | "environments" | "envs" | "overlays")
            && let Some(next) = dirs.get(i + 1)
        {
            return (*next).to_string();
        }
    }
    dirs.iter()
        .find(|d| ENV_WORDS.contains(&d.to_ascii_lowercase().as_str()))
        .map(|d| (*d).to_string())
        .unwrap_or_default()
}

/// How paths place things, for one tree.
pub struct Placer {
    pub jx3: bool,
    pub cluster: String,
}

impl Placer {
    pub fn new(settings: &Settings, repo: &dyn RepoView) -> Placer {
        let jx3 = is_jx3(settings, repo.paths());
        Placer {
            jx3,
            cluster: if jx3 {
                cluster_name(repo).unwrap_or_default()
            } else {
                String::new()
            },
        }
    }

    pub fn env(&self, path: &str) -> String {
        if self.jx3 {
            self.cluster.clone()
        } else {
            env_of_path(path)
        }
    }

    /// Whether the objects of this file are what the cluster runs (rather than templates,
    /// CI pipelines or the version stream).
    pub fn applies_objects(&self, path: &str) -> bool {
        if path.starts_with("versionStream/") {
            return false;
        }
        if self.jx3 {
            return path.starts_with("config-root/");
        }
        !path.split('/').any(|s| s.starts_with('.') && s.len() > 1)
    }

    /// Whether the helmfile releases of this file are deployed.
    pub fn applies_releases(&self, path: &str) -> bool {
        !path.starts_with("versionStream/")
            && !path.split('/').any(|s| s.starts_with('.') && s.len() > 1)
    }
}

/// What a jx3 `config-root` path says: (namespace, release folder, cluster-scoped folder).
pub fn jx3_place(path: &str) -> Option<(&str, Option<&str>, bool)> {
    let rest = path.strip_prefix("config-root/")?;
    // Asked for every path of the tree: no allocation.
    let mut seg = [""; 5];
    let mut n = 0;
    for (i, s) in rest.splitn(5, '/').enumerate() {
        seg[i] = s;
        n = i + 1;
    }
    match (seg[0], seg[1], n) {
        ("namespaces", ns, 4 | 5) => Some((ns, Some(seg[2]), false)),
        ("namespaces", ns, 3) => Some((ns, None, false)),
        ("cluster", "resources", 5) => Some((seg[2], Some(seg[3]), true)),
        ("customresourcedefinitions", ns, 4 | 5) => Some((ns, Some(seg[2]), true)),
        // The pre-2021 layout: `cluster/<ns>/<release>/`.
        ("cluster", ns, 4 | 5) if ns != "resources" && ns != "namespaces" => {
            Some((ns, Some(seg[2]), true))
        }
        _ => None,
    }
}

/// Namespaces a jx3 tree shows by its paths alone: `config-root/namespaces/<ns>/` and
/// `config-root/cluster/namespaces/<ns>.yaml`.
pub fn jx3_path_namespaces(paths: &[String]) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for p in paths {
        if let Some(rest) = p.strip_prefix("config-root/namespaces/")
            && let Some((ns, _)) = rest.split_once('/')
        {
            out.insert(ns.to_string());
        } else if let Some(file) = p.strip_prefix("config-root/cluster/namespaces/")
            && !file.contains('/')
            && let Some(ns) = file
                .strip_suffix(".yaml")
                .or_else(|| file.strip_suffix(".yml"))
        {
            out.insert(ns.to_string());
        }
    }
    out
}

/// The jx3 release folders of a tree: (namespace, folder) → the folder's path (the
/// namespaced one when there is one).
pub fn jx3_folders(paths: &[String]) -> BTreeMap<(String, String), String> {
    let mut out: BTreeMap<(String, String), String> = BTreeMap::new();
    let mut last: Option<(&str, &str, bool)> = None;
    for p in paths {
        let Some((ns, Some(folder), cluster)) = jx3_place(p) else {
            continue;
        };
        // Files of one folder come one after the other.
        if last == Some((ns, folder, cluster)) {
            continue;
        }
        last = Some((ns, folder, cluster));
        let key = (ns.to_string(), folder.to_string());
        if !cluster {
            out.insert(key, format!("config-root/namespaces/{ns}/{folder}"));
        } else if let std::collections::btree_map::Entry::Vacant(slot) = out.entry(key) {
            let dir = p.rsplit_once('/').map_or(p.as_str(), |(d, _)| d);
            // The folder itself, not a sub-folder of it (`templates/...`).
            let end = dir
                .find(&format!("/{ns}/{folder}"))
                .map(|i| i + ns.len() + folder.len() + 2);
            slot.insert(end.map_or(dir, |e| &dir[..e]).to_string());
        }
    }
    out
}

/// The folder `jx gitops helmfile move` renders a release into: the chart name if it equals
/// the release name, else the release name if it starts with the chart name, else
/// `<chart>-<release>`.
pub fn jx3_path_name(chart: &str, release: &str) -> String {
    let chart = chart.rsplit('/').next().unwrap_or(chart);
    if chart == release {
        chart.to_string()
    } else if release.starts_with(chart) {
        release.to_string()
    } else {
        format!("{chart}-{release}")
    }
}

/// `versionStream/charts/repositories.yml`: prefix → first URL.
fn stream_repositories(repo: &dyn RepoView) -> HashMap<String, String> {
    let mut out = HashMap::new();
    let path = format!("{}/charts/repositories.yml", version_stream::DIR);
    let Some(bytes) = repo.read(&path) else {
        return out;
    };
    let Ok(text) = std::str::from_utf8(&bytes) else {
        return out;
    };
    for doc in crate::manifest::parse_file(&path, text, FileKind::Yaml) {
        let Some(root) = &doc.root else { continue };
        for r in root
            .get("repositories")
            .and_then(Node::as_seq)
            .unwrap_or_default()
        {
            let prefix = r.get("prefix").and_then(Node::as_str);
            let url = r
                .get("urls")
                .and_then(Node::as_seq)
                .and_then(|u| u.first())
                .and_then(Node::as_str);
            if let (Some(p), Some(u)) = (prefix, url) {
                out.entry(p.to_string()).or_insert_with(|| u.to_string());
            }
        }
    }
    out
}

/// The scope of an object.
fn scope_of(group: &str, kind: &str, path: &str, jx3: bool, namespaced: bool) -> Scope {
    match scope::builtin(group, kind) {
        Some(KindScope::Cluster) => return Scope::Cluster,
        Some(KindScope::Namespaced) => return Scope::Namespaced,
        None => {}
    }
    if jx3 && let Some((_, _, cluster)) = jx3_place(path) {
        return if cluster {
            Scope::Cluster
        } else {
            Scope::Namespaced
        };
    }
    if !namespaced && kind.starts_with("Cluster") && kind.len() > "Cluster".len() {
        return Scope::Cluster;
    }
    Scope::Namespaced
}

/// An object placed in the cluster.
struct Placed<'f> {
    file: &'f FileFacts,
    obj: &'f ObjectFacts,
    env: String,
    namespace: String,
    scope: Scope,
    group: String,
    folder: Option<String>,
}

/// Builds the inventory.
pub fn build(input: Input) -> Inventory {
    let Input {
        source,
        mut facts,
        outcome,
        repo,
        settings,
    } = input;
    facts.sort_by(|a, b| a.path.cmp(&b.path));
    let placer = Placer::new(settings, repo);
    let jx3 = placer.jx3;

    // Kustomization namespaces, by the files they list: (dir, file) → namespace.
    let mut kustomized: HashMap<String, String> = HashMap::new();
    for f in &facts {
        let Some(k) = &f.kustomization else { continue };
        let Some(ns) = &k.namespace else { continue };
        let dir = f.path.rsplit_once('/').map_or("", |(d, _)| d);
        for r in &k.resources {
            let r = r.trim_start_matches("./");
            let joined = if dir.is_empty() {
                r.to_string()
            } else {
                format!("{dir}/{r}")
            };
            kustomized.insert(joined, ns.clone());
        }
    }

    // Every object the cluster gets, placed.
    let mut placed: Vec<Placed> = Vec::new();
    for f in &facts {
        if !placer.applies_objects(&f.path) {
            continue;
        }
        let env = placer.env(&f.path);
        let path_place = if jx3 { jx3_place(&f.path) } else { None };
        for obj in &f.objects {
            let group = scope::group_of(&obj.api_version).to_string();
            let mut namespace = obj.namespace.clone();
            if let Some(ns) = kustomized.get(&f.path) {
                namespace = Some(ns.clone());
            }
            if namespace.is_none()
                && let Some((ns, _, false)) = path_place
            {
                namespace = Some(ns.to_string());
            }
            let scope = scope_of(&group, &obj.kind, &f.path, jx3, namespace.is_some());
            let namespace = match scope {
                Scope::Cluster => String::new(),
                Scope::Namespaced => namespace.unwrap_or_default(),
            };
            placed.push(Placed {
                file: f,
                obj,
                env: env.clone(),
                namespace,
                scope,
                group,
                folder: path_place.and_then(|(_, folder, _)| folder.map(str::to_string)),
            });
        }
    }

    let resources: Vec<Resource> = placed
        .iter()
        .map(|p| Resource {
            environment: p.env.clone(),
            namespace: p.namespace.clone(),
            group: p.group.clone(),
            api_version: p.obj.api_version.clone(),
            kind: p.obj.kind.clone(),
            name: p.obj.name.clone(),
            scope: p.scope,
            release: p.folder.clone(),
            digest: p.obj.digest,
            at: Location {
                path: p.file.path.clone(),
                line: p.obj.line,
            },
        })
        .collect();

    let workloads: Vec<Workload> = placed
        .iter()
        .filter(|p| !p.obj.images.is_empty())
        .map(|p| Workload {
            environment: p.env.clone(),
            namespace: p.namespace.clone(),
            kind: p.obj.kind.clone(),
            api_version: p.obj.api_version.clone(),
            name: p.obj.name.clone(),
            release: p.folder.clone(),
            images: p.obj.images.clone(),
            at: Location {
                path: p.file.path.clone(),
                line: p.obj.line,
            },
        })
        .collect();

    let mut external_secrets = Vec::new();
    let mut raw_secrets = Vec::new();
    for p in &placed {
        match &p.obj.detail {
            Detail::ExternalSecret {
                operator,
                store,
                target,
                keys,
            } => external_secrets.push(ExternalSecret {
                environment: p.env.clone(),
                namespace: p.namespace.clone(),
                name: p.obj.name.clone(),
                api_version: p.obj.api_version.clone(),
                operator,
                store: store.clone(),
                target: target.clone(),
                keys: keys.clone(),
                at: Location {
                    path: p.file.path.clone(),
                    line: p.obj.line,
                },
            }),
            Detail::Secret {
                secret_type,
                keys,
                holds_values,
            } if *holds_values => {
                let reported = outcome.findings().any(|f| {
                    f.code == "GG101" && f.path == p.file.path && f.span.start == p.obj.span.start
                });
                raw_secrets.push(RawSecret {
                    environment: p.env.clone(),
                    namespace: p.namespace.clone(),
                    name: p.obj.name.clone(),
                    secret_type: secret_type.clone(),
                    keys: keys.clone(),
                    reported,
                    at: Location {
                        path: p.file.path.clone(),
                        line: p.obj.line,
                    },
                });
            }
            _ => {}
        }
    }

    let folders = if jx3 {
        jx3_folders(repo.paths())
    } else {
        BTreeMap::new()
    };
    let mut releases = releases(&facts, &placed, &placer, repo, &folders);
    if jx3 {
        jx3_folder_releases(&mut releases, &folders, &placer.cluster);
    }

    // Findings, placed in the namespace of the object they are about.
    let mut findings = Vec::new();
    let by_path: HashMap<&str, &FileFacts> = facts.iter().map(|f| (f.path.as_str(), f)).collect();
    let placed_ns: HashMap<(&str, usize), &str> = placed
        .iter()
        .map(|p| {
            (
                (p.file.path.as_str(), p.obj.span.start),
                p.namespace.as_str(),
            )
        })
        .collect();
    for f in outcome.findings() {
        let mut namespace = String::new();
        if let Some(file) = by_path.get(f.path.as_str())
            && let Some(obj) = file.objects.iter().find(|o| {
                o.span.start <= f.span.start && f.span.start < o.span.end.max(o.span.start + 1)
            })
        {
            namespace = placed_ns
                .get(&(f.path.as_str(), obj.span.start))
                .map(|s| s.to_string())
                .or_else(|| obj.namespace.clone())
                .unwrap_or_default();
        }
        if namespace.is_empty()
            && jx3
            && let Some((ns, _, false)) = jx3_place(&f.path)
        {
            namespace = ns.to_string();
        }
        findings.push(FindingRow {
            environment: placer.env(&f.path),
            namespace,
            code: f.code,
            rule: f.rule,
            severity: f.severity.as_str(),
            message: f.message.clone(),
            at: Location {
                path: f.path.clone(),
                line: f.start.line,
            },
        });
    }

    let errors: Vec<ReadProblem> = outcome
        .errors
        .iter()
        .map(|e| ReadProblem {
            path: e.path.clone(),
            message: e.message.clone(),
        })
        .collect();

    let namespaces = namespaces(
        &placed,
        &releases,
        &workloads,
        &external_secrets,
        &raw_secrets,
        &findings,
        if jx3 {
            jx3_path_namespaces(repo.paths())
                .into_iter()
                .map(|n| (placer.cluster.clone(), n))
                .collect()
        } else {
            Vec::new()
        },
    );

    let mut envs: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for n in &namespaces {
        envs.entry(n.environment.clone())
            .or_default()
            .push(n.name.clone());
    }
    for r in &resources {
        envs.entry(r.environment.clone()).or_default();
    }
    let environments: Vec<Environment> = envs
        .into_iter()
        .map(|(name, namespaces)| Environment {
            origin: if name.is_empty() {
                "none"
            } else if jx3 {
                "jx-requirements.yml"
            } else {
                "path"
            },
            name,
            namespaces,
        })
        .collect();

    let summary = Summary {
        files: outcome.files_scanned,
        environments: environments.iter().filter(|e| !e.name.is_empty()).count(),
        namespaces: namespaces.len(),
        releases: releases.len(),
        unpinned_releases: releases.iter().filter(|r| !r.pinned).count(),
        workloads: workloads.len(),
        images: workloads.iter().map(|w| w.images.len()).sum(),
        unpinned_images: workloads
            .iter()
            .flat_map(|w| &w.images)
            .filter(|i| i.pinned == Some(false))
            .count(),
        resources: resources.len(),
        external_secrets: external_secrets.len(),
        raw_secrets: raw_secrets.len(),
        findings: findings.len(),
        errors: errors.len(),
    };

    let mut inv = Inventory {
        source,
        layout: jx3.then_some("jx3"),
        summary,
        environments,
        namespaces,
        releases,
        workloads,
        external_secrets,
        raw_secrets,
        resources,
        findings,
        errors,
    };
    sort(&mut inv);
    inv
}

/// Every list in a stable order.
fn sort(inv: &mut Inventory) {
    inv.releases.sort_by(|a, b| {
        (&a.environment, &a.namespace, &a.name, a.kind, &a.at).cmp(&(
            &b.environment,
            &b.namespace,
            &b.name,
            b.kind,
            &b.at,
        ))
    });
    inv.workloads.sort_by(|a, b| {
        (&a.environment, &a.namespace, &a.kind, &a.name, &a.at).cmp(&(
            &b.environment,
            &b.namespace,
            &b.kind,
            &b.name,
            &b.at,
        ))
    });
    inv.external_secrets.sort_by(|a, b| {
        (&a.environment, &a.namespace, &a.name, &a.at).cmp(&(
            &b.environment,
            &b.namespace,
            &b.name,
            &b.at,
        ))
    });
    inv.raw_secrets.sort_by(|a, b| {
        (&a.environment, &a.namespace, &a.name, &a.at).cmp(&(
            &b.environment,
            &b.namespace,
            &b.name,
            &b.at,
        ))
    });
    inv.resources.sort_by(|a, b| {
        (
            &a.environment,
            &a.namespace,
            &a.group,
            &a.kind,
            &a.name,
            &a.at,
        )
            .cmp(&(
                &b.environment,
                &b.namespace,
                &b.group,
                &b.kind,
                &b.name,
                &b.at,
            ))
    });
    inv.findings.sort_by(|a, b| {
        (&a.environment, &a.namespace, a.code, &a.at).cmp(&(
            &b.environment,
            &b.namespace,
            b.code,
            &b.at,
        ))
    });
}

/// Flux sources by (kind, namespace, name).
type Sources<'f> = HashMap<(String, String, String), Vec<(&'f Placed<'f>, &'f FluxSource)>>;

fn releases(
    facts: &[FileFacts],
    placed: &[Placed],
    placer: &Placer,
    repo: &dyn RepoView,
    folders: &BTreeMap<(String, String), String>,
) -> Vec<Release> {
    let mut out = Vec::new();
    let stream = version_stream::present(repo);
    let mut stream_repos: Option<HashMap<String, String>> = None;

    // helmfile releases.
    for f in facts {
        if f.helmfile.is_empty() || !placer.applies_releases(&f.path) {
            continue;
        }
        let env = placer.env(&f.path);
        for r in &f.helmfile {
            let local = r.chart.starts_with(['.', '/']) || !r.chart.contains('/');
            let repository = if let Some(oci) = r.chart.strip_prefix("oci://") {
                Some(format!(
                    "oci://{}",
                    oci.rsplit_once('/').map_or(oci, |(base, _)| base)
                ))
            } else if local {
                None
            } else {
                let prefix = r.chart.split('/').next().unwrap_or("");
                f.repositories
                    .iter()
                    .find(|(n, _)| n == prefix)
                    .map(|(_, u)| u.clone())
                    .or_else(|| {
                        stream_repos
                            .get_or_insert_with(|| stream_repositories(repo))
                            .get(prefix)
                            .cloned()
                    })
            };
            let pinned_by_stream = if stream && !local {
                version_stream::chart_version(repo, &r.chart, Some(&r.name)).map(|v| v.version)
            } else {
                None
            };
            let (version, version_source) = match (&r.version, &pinned_by_stream) {
                (Some(v), _) => (Some(v.clone()), Some(VersionSource::Release)),
                (None, Some(v)) => (Some(v.clone()), Some(VersionSource::VersionStream)),
                (None, None) => (None, None),
            };
            let namespace = r.namespace.clone().unwrap_or_default();
            let folder = folders
                .get(&(namespace.clone(), jx3_path_name(&r.chart, &r.name)))
                .cloned();
            out.push(Release {
                environment: env.clone(),
                namespace,
                name: r.name.clone(),
                kind: ReleaseType::Helmfile,
                chart: Some(r.chart.clone()),
                repository,
                version,
                version_source,
                stream_version: pinned_by_stream,
                source_path: None,
                patch: false,
                folder,
                pinned: r.verdict.is_none(),
                verdict: r.verdict,
                at: Location {
                    path: f.path.clone(),
                    line: r.line,
                },
            });
        }
    }

    // kustomize helmCharts.
    for f in facts {
        let Some(k) = &f.kustomization else { continue };
        if !placer.applies_objects(&f.path) {
            continue;
        }
        for c in &k.charts {
            out.push(Release {
                environment: placer.env(&f.path),
                namespace: c.namespace.clone().unwrap_or_default(),
                name: c.release_name.clone().unwrap_or_else(|| c.name.clone()),
                kind: ReleaseType::Kustomize,
                chart: Some(c.name.clone()),
                repository: c.repo.clone(),
                version: c.version.clone(),
                version_source: c.version.as_ref().map(|_| VersionSource::Release),
                stream_version: None,
                source_path: None,
                patch: false,
                folder: None,
                pinned: c.verdict.is_none(),
                verdict: c.verdict,
                at: Location {
                    path: f.path.clone(),
                    line: c.line,
                },
            });
        }
    }

    // Flux.
    let mut sources: Sources = HashMap::new();
    for p in placed {
        if let Detail::FluxSource(s) = &p.obj.detail {
            sources
                .entry((p.obj.kind.clone(), p.namespace.clone(), p.obj.name.clone()))
                .or_default()
                .push((p, s));
        }
    }
    let find = |r: &ObjectRef, ns: &str, env: &str| -> Option<(&Placed, &FluxSource)> {
        let ns = r.namespace.as_deref().unwrap_or(ns);
        let list = sources.get(&(r.kind.clone(), ns.to_string(), r.name.clone()))?;
        list.iter()
            .find(|(p, _)| p.env == env)
            .or_else(|| list.iter().find(|(p, _)| p.env.is_empty()))
            .or_else(|| list.first())
            .copied()
    };
    let bases: Vec<&Placed> = placed
        .iter()
        .filter(|p| matches!(&p.obj.detail, Detail::FluxRelease(r) if r.chart.is_some() || r.chart_ref.is_some()))
        .collect();
    for p in placed {
        let Detail::FluxRelease(hr) = &p.obj.detail else {
            continue;
        };
        let mut own = hr.clone();
        let mut version_source = hr.version.as_ref().map(|_| VersionSource::Release);
        let mut verdict = p.obj.verdict;
        let patch = hr.chart.is_none() && hr.chart_ref.is_none();
        let mut base_verdict = None;
        if patch
            && let Some(base) = bases
                .iter()
                .filter(|b| b.obj.name == p.obj.name && b.namespace == p.namespace)
                .find(|b| b.env.is_empty())
                .or_else(|| {
                    bases
                        .iter()
                        .find(|b| b.obj.name == p.obj.name && b.namespace == p.namespace)
                })
            && let Detail::FluxRelease(b) = &base.obj.detail
        {
            own.chart = b.chart.clone();
            own.source = b.source.clone();
            own.chart_ref = b.chart_ref.clone();
            if own.target_namespace.is_none() {
                own.target_namespace = b.target_namespace.clone();
            }
            if own.version.is_none() {
                own.version = b.version.clone();
                version_source = own.version.as_ref().map(|_| VersionSource::Base);
                base_verdict = base.obj.verdict;
            }
        }
        let mut chart = own.chart.clone();
        let mut repository = None;
        let mut version = own.version.clone();
        if let Some(sref) = &own.source
            && let Some((_, s)) = find(sref, &p.namespace, &p.env)
        {
            repository = s.url.clone();
        }
        if let Some(cref) = &own.chart_ref
            && let Some((sp, s)) = find(cref, &p.namespace, &p.env)
        {
            if cref.kind == "HelmChart" {
                chart = s.chart.clone();
                if version.is_none() {
                    version = s.version.clone();
                    version_source = version.as_ref().map(|_| VersionSource::Source);
                }
                if let Some(inner) = &s.source
                    && let Some((_, src)) = find(inner, &sp.namespace, &sp.env)
                {
                    repository = src.url.clone();
                }
            } else {
                repository = s.url.clone();
                chart = s
                    .url
                    .as_deref()
                    .map(|u| u.rsplit('/').next().unwrap_or(u).to_string());
                if version.is_none() {
                    version = s.reference.clone();
                    version_source = version.as_ref().map(|_| VersionSource::Source);
                }
            }
            verdict = verdict.or(sp.obj.verdict);
        }
        verdict = verdict.or(base_verdict);
        out.push(Release {
            environment: p.env.clone(),
            namespace: own.target_namespace.clone().unwrap_or(p.namespace.clone()),
            name: p.obj.name.clone(),
            kind: ReleaseType::Flux,
            chart,
            repository,
            version,
            version_source,
            stream_version: None,
            source_path: None,
            patch,
            folder: None,
            pinned: verdict.is_none(),
            verdict,
            at: Location {
                path: p.file.path.clone(),
                line: p.obj.line,
            },
        });
    }

    // Argo CD.
    for p in placed {
        let Detail::Argo {
            sources,
            destination,
        } = &p.obj.detail
        else {
            continue;
        };
        for s in sources {
            out.push(Release {
                environment: p.env.clone(),
                namespace: destination.clone().unwrap_or(p.namespace.clone()),
                name: p.obj.name.clone(),
                kind: ReleaseType::Argocd,
                chart: s.chart.clone(),
                repository: s.repo_url.clone(),
                version: s.target_revision.clone(),
                version_source: s.target_revision.as_ref().map(|_| VersionSource::Release),
                stream_version: None,
                source_path: s.path.clone(),
                patch: false,
                folder: None,
                pinned: s.verdict.is_none(),
                verdict: s.verdict,
                at: Location {
                    path: p.file.path.clone(),
                    line: s.line,
                },
            });
        }
    }
    out
}

/// jx3 release folders that no helmfile release of the inventory accounts for.
fn jx3_folder_releases(
    releases: &mut Vec<Release>,
    folders: &BTreeMap<(String, String), String>,
    cluster: &str,
) {
    let claimed: BTreeSet<(String, String)> = releases
        .iter()
        .filter(|r| r.kind == ReleaseType::Helmfile)
        .filter_map(|r| {
            let chart = r.chart.as_deref()?;
            Some((r.namespace.clone(), jx3_path_name(chart, &r.name)))
        })
        .collect();
    for ((ns, folder), dir) in folders {
        if claimed.contains(&(ns.clone(), folder.clone())) {
            continue;
        }
        let (ns, folder, dir) = (ns.clone(), folder.clone(), dir.clone());
        releases.push(Release {
            environment: cluster.to_string(),
            namespace: ns,
            name: folder,
            kind: ReleaseType::Jx3Folder,
            chart: None,
            repository: None,
            version: None,
            version_source: None,
            stream_version: None,
            source_path: None,
            patch: false,
            folder: Some(dir.clone()),
            pinned: true,
            verdict: None,
            at: Location { path: dir, line: 0 },
        });
    }
}

#[allow(clippy::too_many_arguments)]
fn namespaces(
    placed: &[Placed],
    releases: &[Release],
    workloads: &[Workload],
    external: &[ExternalSecret],
    raw: &[RawSecret],
    findings: &[FindingRow],
    from_paths: Vec<(String, String)>,
) -> Vec<Namespace> {
    let mut map: BTreeMap<(String, String), Namespace> = BTreeMap::new();
    fn slot<'m>(
        map: &'m mut BTreeMap<(String, String), Namespace>,
        env: &str,
        ns: &str,
    ) -> Option<&'m mut Namespace> {
        if ns.is_empty() {
            return None;
        }
        Some(
            map.entry((env.to_string(), ns.to_string()))
                .or_insert_with(|| Namespace {
                    environment: env.to_string(),
                    name: ns.to_string(),
                    ..Namespace::default()
                }),
        )
    }
    for (env, ns) in &from_paths {
        slot(&mut map, env, ns);
    }
    for p in placed {
        if p.group.is_empty() && p.obj.kind == "Namespace" {
            if let Some(n) = slot(&mut map, &p.env, &p.obj.name)
                && n.declared_in.is_none()
            {
                n.declared_in = Some(p.file.path.clone());
            }
        } else if let Some(n) = slot(&mut map, &p.env, &p.namespace) {
            n.resources += 1;
        }
    }
    for r in releases {
        if let Some(n) = slot(&mut map, &r.environment, &r.namespace) {
            n.releases += 1;
        }
    }
    for w in workloads {
        if let Some(n) = slot(&mut map, &w.environment, &w.namespace) {
            n.workloads += 1;
            n.images += w.images.len();
            n.unpinned_images += w.images.iter().filter(|i| i.pinned == Some(false)).count();
        }
    }
    for e in external {
        if let Some(n) = slot(&mut map, &e.environment, &e.namespace) {
            n.external_secrets += 1;
        }
    }
    for r in raw {
        if let Some(n) = slot(&mut map, &r.environment, &r.namespace) {
            n.raw_secrets += 1;
        }
    }
    for f in findings {
        if let Some(n) = slot(&mut map, &f.environment, &f.namespace) {
            n.findings += 1;
        }
    }
    map.into_values().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn environments_from_paths() {
        assert_eq!(env_of_path("clusters/production/apps.yaml"), "production");
        assert_eq!(env_of_path("apps/staging/podinfo-values.yaml"), "staging");
        assert_eq!(env_of_path("apps/base/podinfo/release.yaml"), "");
        assert_eq!(env_of_path("overlays/eu-west/x.yaml"), "eu-west");
        assert_eq!(env_of_path("top.yaml"), "");
        assert_eq!(env_of_path("clusters/x.yaml"), "");
    }

    #[test]
    fn jx3_places_and_folders() {
        assert_eq!(
            jx3_place("config-root/namespaces/jx/lighthouse/a-deploy.yaml"),
            Some(("jx", Some("lighthouse"), false))
        );
        assert_eq!(
            jx3_place("config-root/cluster/resources/jx/lighthouse/a-clusterrole.yaml"),
            Some(("jx", Some("lighthouse"), true))
        );
        assert_eq!(jx3_place("config-root/cluster/namespaces/jx.yaml"), None);
        assert_eq!(jx3_path_name("jxgh/lighthouse", "lighthouse"), "lighthouse");
        assert_eq!(jx3_path_name("jxgh/acme", "acme-jx"), "acme-jx");
        assert_eq!(
            jx3_path_name("ingress-nginx/ingress-nginx", "nginx-ingress"),
            "ingress-nginx-nginx-ingress"
        );
        let paths: Vec<String> = [
            "config-root/namespaces/jx/lighthouse/a.yaml",
            "config-root/cluster/resources/jx/lighthouse/b.yaml",
            "config-root/cluster/resources/nginx/x/c.yaml",
            "config-root/cluster/namespaces/jx.yaml",
            "config-root/cluster/namespaces/other.yaml",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let folders = jx3_folders(&paths);
        assert_eq!(
            folders
                .get(&("jx".into(), "lighthouse".into()))
                .map(String::as_str),
            Some("config-root/namespaces/jx/lighthouse")
        );
        assert_eq!(
            folders
                .get(&("nginx".into(), "x".into()))
                .map(String::as_str),
            Some("config-root/cluster/resources/nginx/x")
        );
        assert_eq!(
            jx3_path_namespaces(&paths).into_iter().collect::<Vec<_>>(),
            vec!["jx".to_string(), "other".to_string()]
        );
    }
}
