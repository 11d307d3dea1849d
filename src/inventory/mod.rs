//! `gitops-guard report`: what runs where at which version, read from exactly the content a
//! reviewer cares about (the index, a commit, or a folder), and what a change does to it.
//!
//! The pipeline: [`facts`] reads one file into owned facts (objects, helmfile releases,
//! kustomizations), using the documents the engine parsed while it scanned the same file
//! ([`crate::engine::scan_observed`]: nothing is read or parsed twice); [`build`] resolves what
//! needs more than one file (version stream, Flux sources, jx3 release folders, environments)
//! into an [`Inventory`]; [`diff`] compares two inventories (`--range`), built from the files
//! the change touches only; `render_*` write Markdown, JSON and HTML.
//!
//! Invariant: no secret value enters the model. Raw Secrets contribute their name and key
//! names only, ExternalSecrets their store and remote keys, findings their (masked) messages.

pub mod build;
pub mod cli;
pub mod diff;
pub mod facts;
pub mod read;
pub mod render_html;
pub mod render_json;
pub mod render_markdown;
pub mod text;
pub mod version;

use serde::Serialize;

/// The version of the JSON schemas (`docs/report.md`); bumped on breaking changes only.
pub const SCHEMA_VERSION: u32 = 1;

/// Where the inventory was read from.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum SourceInfo {
    /// The git index: what the next commit holds.
    Index,
    /// A commit's tree.
    Commit { rev: String, commit: String },
    /// Files on disk (`--no-git`).
    Directory { path: String },
}

impl SourceInfo {
    /// How the source is named in prose.
    pub fn describe(&self) -> String {
        match self {
            SourceInfo::Index => "the git index (what the next commit holds)".into(),
            SourceInfo::Commit { rev, commit } => {
                let short = commit.get(..12).unwrap_or(commit);
                if rev == commit || commit.starts_with(rev.as_str()) {
                    format!("commit {short}")
                } else {
                    format!("`{}` (commit {short})", text::plain(rev))
                }
            }
            SourceInfo::Directory { path } => format!("the folder `{}`", text::plain(path)),
        }
    }
}

/// A place in a file.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Location {
    /// Repository-relative path with `/`.
    pub path: String,
    /// 1-based line.
    pub line: usize,
}

/// How a release is declared.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[serde(rename_all = "kebab-case")]
pub enum ReleaseType {
    /// A helmfile `releases[]` entry.
    Helmfile,
    /// A Flux `HelmRelease`.
    Flux,
    /// An Argo CD `Application` (or `ApplicationSet` template) source.
    Argocd,
    /// A kustomize `helmCharts[]` entry.
    Kustomize,
    /// A jx3 `config-root/namespaces/<ns>/<folder>/` no helmfile release accounts for.
    Jx3Folder,
}

impl ReleaseType {
    pub fn as_str(self) -> &'static str {
        match self {
            ReleaseType::Helmfile => "helmfile",
            ReleaseType::Flux => "flux",
            ReleaseType::Argocd => "argocd",
            ReleaseType::Kustomize => "kustomize",
            ReleaseType::Jx3Folder => "jx3-folder",
        }
    }
}

/// Where a release's version came from.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[serde(rename_all = "kebab-case")]
pub enum VersionSource {
    /// Written on the release itself (`version`, `targetRevision`, `spec.chart.spec.version`).
    Release,
    /// The jx3 version stream (`versionStream/charts/<prefix>/<chart>/defaults.yaml`).
    VersionStream,
    /// The Flux source the release points at (`chartRef` → `OCIRepository.spec.ref`, or a
    /// `HelmChart`).
    Source,
    /// A Flux HelmRelease in the shared base that this overlay patches.
    Base,
}

/// A deployed chart or source.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Release {
    pub environment: String,
    pub namespace: String,
    pub name: String,
    #[serde(rename = "type")]
    pub kind: ReleaseType,
    /// `jxgh/lighthouse`, `podinfo`, `oci://…/cert-manager`; `null` for a plain source.
    pub chart: Option<String>,
    /// The chart repository or source URL (`https://…`, `oci://…`, a git URL).
    pub repository: Option<String>,
    /// What the release installs: an exact version, a range, a git revision; `null` when
    /// nothing says (then the newest is installed).
    pub version: Option<String>,
    pub version_source: Option<VersionSource>,
    /// What the jx3 version stream pins for this chart, when it has it.
    pub stream_version: Option<String>,
    /// Argo CD: the path in the source repository (`spec.source.path`).
    pub source_path: Option<String>,
    /// A Flux HelmRelease that only patches a base (an overlay without a chart of its own).
    pub patch: bool,
    /// The jx3 folder its rendered resources live in (`config-root/namespaces/<ns>/<folder>`).
    pub folder: Option<String>,
    /// Whether one exact version is installed (GG203/GG204 say why not).
    pub pinned: bool,
    /// The GG2xx rule that reports it, if any.
    pub verdict: Option<&'static str>,
    #[serde(flatten)]
    pub at: Location,
}

/// One container image of a workload.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Image {
    /// The container (or step) name.
    pub container: Option<String>,
    /// The list it is in: `containers`, `initContainers`, `steps`, ...
    pub field: &'static str,
    /// The reference as written.
    pub image: String,
    pub registry: Option<String>,
    pub repository: Option<String>,
    pub tag: Option<String>,
    pub digest: Option<String>,
    /// A digest, or an immutable-looking tag; `null` when the reference is unresolved: not
    /// known in git (a template expression, a variable) or not an image reference.
    pub pinned: Option<bool>,
    /// The GG2xx rule that reports it (`GG201` mutable tag, `GG202` untagged, `GG203`
    /// SNAPSHOT); `null` when pinned, unknown or allowed by `images.allow`.
    pub verdict: Option<&'static str>,
    pub line: usize,
}

/// A Kubernetes object that runs containers.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Workload {
    pub environment: String,
    pub namespace: String,
    pub kind: String,
    pub api_version: String,
    pub name: String,
    /// The jx3 release folder it was rendered into.
    pub release: Option<String>,
    pub images: Vec<Image>,
    #[serde(flatten)]
    pub at: Location,
}

/// Where an ExternalSecret reads from.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Store {
    /// ESO: `SecretStore` or `ClusterSecretStore`; KES: `backend`.
    pub kind: String,
    /// ESO: the store's name; KES: the `backendType` (`vault`, `gcpSecretsManager`, ...).
    pub name: String,
    /// KES backend settings (`vaultMountPoint`, `vaultRole`, `projectId`, `keyVaultName`,
    /// `region`, `roleArn`), by name.
    #[serde(skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub options: std::collections::BTreeMap<String, String>,
}

impl Store {
    pub fn describe(&self) -> String {
        let mut s = format!("{}/{}", self.kind, self.name);
        if !self.options.is_empty() {
            let opts: Vec<String> = self
                .options
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            s.push_str(&format!(" ({})", opts.join(", ")));
        }
        s
    }
}

/// One key an ExternalSecret fetches: where from, never a value.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RemoteKey {
    /// The key in the generated Secret; `null` for `dataFrom` (every key of the remote one).
    pub secret_key: Option<String>,
    /// The key (path) in the store.
    pub remote_key: String,
    pub property: Option<String>,
    pub version: Option<String>,
}

/// An ExternalSecret (External Secrets Operator or kubernetes-external-secrets).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ExternalSecret {
    pub environment: String,
    pub namespace: String,
    pub name: String,
    pub api_version: String,
    /// `eso` (`external-secrets.io`) or `kes` (`kubernetes-client.io`).
    pub operator: &'static str,
    pub store: Option<Store>,
    /// The Secret it creates.
    pub target: String,
    pub keys: Vec<RemoteKey>,
    #[serde(flatten)]
    pub at: Location,
}

/// A Secret with values in git: its name and key names, never a value.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct RawSecret {
    pub environment: String,
    pub namespace: String,
    pub name: String,
    /// `type`, when written.
    pub secret_type: Option<String>,
    /// The keys of `data`/`stringData` that hold a value.
    pub keys: Vec<String>,
    /// GG101 reports it (not when opted out, suppressed or turned off).
    pub reported: bool,
    #[serde(flatten)]
    pub at: Location,
}

/// Whether a kind lives in a namespace.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[serde(rename_all = "kebab-case")]
pub enum Scope {
    Namespaced,
    Cluster,
}

/// Any Kubernetes object the repository applies.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Resource {
    pub environment: String,
    /// `""` for cluster-scoped objects, and for namespaced ones that do not say (the
    /// namespace of whoever applies them).
    pub namespace: String,
    /// The API group (`""` for core).
    pub group: String,
    pub api_version: String,
    pub kind: String,
    pub name: String,
    pub scope: Scope,
    /// The jx3 release folder it was rendered into.
    pub release: Option<String>,
    /// A digest of the object's content (not its comments or formatting), to tell modified
    /// objects apart in `--range`; not in the JSON.
    #[serde(skip)]
    pub digest: u64,
    #[serde(flatten)]
    pub at: Location,
}

impl Resource {
    /// The identity a change is judged by: group, kind, namespace, name (and environment).
    pub fn key(&self) -> (String, String, String, String, String) {
        (
            self.environment.clone(),
            self.group.clone(),
            self.kind.clone(),
            self.namespace.clone(),
            self.name.clone(),
        )
    }

    /// Role, ClusterRole and their bindings.
    pub fn is_rbac(&self) -> bool {
        self.group == "rbac.authorization.k8s.io"
            && matches!(
                self.kind.as_str(),
                "Role" | "ClusterRole" | "RoleBinding" | "ClusterRoleBinding"
            )
    }
}

/// A namespace and what is in it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, Default)]
pub struct Namespace {
    pub environment: String,
    pub name: String,
    /// The file declaring the `Namespace` object, when the repository has one.
    pub declared_in: Option<String>,
    pub releases: usize,
    pub workloads: usize,
    pub images: usize,
    pub unpinned_images: usize,
    pub resources: usize,
    pub external_secrets: usize,
    pub raw_secrets: usize,
    pub findings: usize,
}

/// One finding of the engine, placed in the cluster.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct FindingRow {
    pub environment: String,
    /// The namespace of the object the finding is about; `""` when none.
    pub namespace: String,
    pub code: &'static str,
    pub rule: &'static str,
    pub severity: &'static str,
    /// Never contains a secret value (the engine's guarantee).
    pub message: String,
    #[serde(flatten)]
    pub at: Location,
}

/// An environment (cluster) and its namespaces.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Environment {
    /// `""` when the layout shows none (shared bases, single-cluster repositories).
    pub name: String,
    /// How it was recognized: `jx-requirements.yml` (`spec.cluster.clusterName`) or `path`.
    pub origin: &'static str,
    pub namespaces: Vec<String>,
}

/// Counts for a summary line.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, Default)]
pub struct Summary {
    pub files: usize,
    pub environments: usize,
    pub namespaces: usize,
    pub releases: usize,
    pub unpinned_releases: usize,
    pub workloads: usize,
    pub images: usize,
    pub unpinned_images: usize,
    pub resources: usize,
    pub external_secrets: usize,
    pub raw_secrets: usize,
    pub findings: usize,
    pub errors: usize,
}

/// A file that could not be read (the report is then incomplete).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ReadProblem {
    pub path: String,
    pub message: String,
}

/// What runs where, at which version.
#[derive(Debug, Clone, Serialize)]
pub struct Inventory {
    pub source: SourceInfo,
    /// The layout preset the repository follows (`jx3`), if any.
    pub layout: Option<&'static str>,
    pub summary: Summary,
    pub environments: Vec<Environment>,
    pub namespaces: Vec<Namespace>,
    pub releases: Vec<Release>,
    pub workloads: Vec<Workload>,
    pub external_secrets: Vec<ExternalSecret>,
    pub raw_secrets: Vec<RawSecret>,
    pub resources: Vec<Resource>,
    pub findings: Vec<FindingRow>,
    pub errors: Vec<ReadProblem>,
}
