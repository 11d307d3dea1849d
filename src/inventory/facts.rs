//! What one file says about the cluster, as owned data: its Kubernetes objects (with images,
//! releases, secrets), its helmfile releases, its kustomization. Depends on the file's path
//! and content only (and, through the rules' lookups, on the version stream), so the facts of
//! a file that did not change are the same on both sides of a change.

use super::{Image, RemoteKey, Store};
use crate::finding::LineIndex;
use crate::manifest::FileKind;
use crate::manifest::{Document, Node, Value, objects};
use crate::rules::image_ref::{ImageRef, Pin};
use crate::rules::pins::{self, Problem, Unpinned};
use crate::rules::{Ctx, File, RawSecretInfo, charts, containers};
use std::hash::{DefaultHasher, Hash, Hasher};
use std::ops::Range;

/// Options of the extraction.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// Compute content digests of objects (for `--range`: modified objects).
    pub digests: bool,
}

/// A Flux or Argo CD reference to another object (`sourceRef`, `chartRef`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectRef {
    pub kind: String,
    pub name: String,
    pub namespace: Option<String>,
}

/// A Flux `HelmRelease`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FluxRelease {
    pub chart: Option<String>,
    pub version: Option<String>,
    /// `spec.chart.spec.sourceRef`.
    pub source: Option<ObjectRef>,
    /// `spec.chartRef`.
    pub chart_ref: Option<ObjectRef>,
    pub target_namespace: Option<String>,
}

/// A Flux source (`HelmRepository`, `OCIRepository`, `GitRepository`, `Bucket`) or a
/// `HelmChart`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FluxSource {
    pub url: Option<String>,
    /// OCI/git: the `ref` that pins it (`tag`, `semver`, `digest`, `commit`, `branch`...).
    pub reference: Option<String>,
    /// HelmChart: `spec.chart`, `spec.version`, `spec.sourceRef`.
    pub chart: Option<String>,
    pub version: Option<String>,
    pub source: Option<ObjectRef>,
}

/// One source of an Argo CD `Application`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArgoSource {
    pub repo_url: Option<String>,
    pub chart: Option<String>,
    pub path: Option<String>,
    pub target_revision: Option<String>,
    pub verdict: Option<&'static str>,
    pub line: usize,
}

/// What an object is, beyond its identity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Detail {
    Plain,
    FluxRelease(FluxRelease),
    FluxSource(FluxSource),
    Argo {
        sources: Vec<ArgoSource>,
        destination: Option<String>,
    },
    ExternalSecret {
        operator: &'static str,
        store: Option<Store>,
        target: String,
        keys: Vec<RemoteKey>,
    },
    /// A core Secret: key names only.
    Secret {
        secret_type: Option<String>,
        keys: Vec<String>,
        holds_values: bool,
    },
}

/// A Kubernetes object.
#[derive(Debug, Clone)]
pub struct ObjectFacts {
    pub api_version: String,
    pub kind: String,
    pub name: String,
    /// `metadata.namespace` as written.
    pub namespace: Option<String>,
    pub line: usize,
    pub span: Range<usize>,
    pub digest: u64,
    pub images: Vec<Image>,
    /// The GG203/GG204 rule that reports a chart or source reference of this object.
    pub verdict: Option<&'static str>,
    pub detail: Detail,
}

/// A helmfile `releases[]` entry.
#[derive(Debug, Clone)]
pub struct HelmfileRelease {
    pub name: String,
    pub chart: String,
    pub version: Option<String>,
    /// The release's `namespace`, else the helmfile's.
    pub namespace: Option<String>,
    pub verdict: Option<&'static str>,
    pub line: usize,
}

/// A kustomize `helmCharts[]` entry.
#[derive(Debug, Clone)]
pub struct KustomizeChart {
    pub name: String,
    pub release_name: Option<String>,
    pub repo: Option<String>,
    pub version: Option<String>,
    pub namespace: Option<String>,
    pub verdict: Option<&'static str>,
    pub line: usize,
}

/// A kustomization file.
#[derive(Debug, Clone, Default)]
pub struct Kustomization {
    pub namespace: Option<String>,
    /// Local entries of `resources`.
    pub resources: Vec<String>,
    pub charts: Vec<KustomizeChart>,
}

/// Everything one file says.
#[derive(Debug, Clone, Default)]
pub struct FileFacts {
    pub path: String,
    pub objects: Vec<ObjectFacts>,
    pub helmfile: Vec<HelmfileRelease>,
    /// helmfile `repositories`: name → URL.
    pub repositories: Vec<(String, String)>,
    pub kustomization: Option<Kustomization>,
}

/// The rule code of a pin problem.
pub fn problem_code(p: Problem) -> &'static str {
    match p {
        Problem::MutableTag => "GG201",
        Problem::Untagged => "GG202",
        Problem::Snapshot => "GG203",
        Problem::UnpinnedChart => "GG204",
        Problem::FloatingTag => "GG205",
    }
}

/// Trimmed, non-empty scalar text; `None` for null, empty or non-scalar.
fn text(node: Option<&Node>) -> Option<String> {
    node.filter(|n| !n.is_null())
        .and_then(Node::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

/// [`text`] of a path below `node`.
fn text_at(node: &Node, path: &[&str]) -> Option<String> {
    text(node.at(path))
}

fn object_ref(node: Option<&Node>) -> Option<ObjectRef> {
    let node = node?;
    Some(ObjectRef {
        kind: text(node.get("kind")).unwrap_or_default(),
        name: text(node.get("name"))?,
        namespace: text(node.get("namespace")),
    })
}

/// The first verdict among `found` whose span lies inside `within`.
fn verdict_in(found: &[Unpinned], within: &Range<usize>) -> Option<&'static str> {
    found
        .iter()
        .find(|u| u.span.start >= within.start && u.span.end <= within.end)
        .map(|u| problem_code(u.problem))
}

/// Hashes what a node says (keys, scalars, structure), not how it is written.
fn digest_node(node: &Node, h: &mut DefaultHasher) {
    match &node.value {
        Value::Scalar(s) => {
            0u8.hash(h);
            s.text.hash(h);
        }
        Value::Seq(items) => {
            1u8.hash(h);
            items.len().hash(h);
            for item in items {
                digest_node(item, h);
            }
        }
        Value::Map(entries) => {
            2u8.hash(h);
            entries.len().hash(h);
            for (k, v) in entries {
                digest_node(k, h);
                digest_node(v, h);
            }
        }
    }
}

/// Whether the file name is a helmfile's (as GG204 reads them).
pub fn is_helmfile_path(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path).to_ascii_lowercase();
    name.starts_with("helmfile") || path.contains("helmfile.d/")
}

/// Whether the file name is a kustomization's.
pub fn is_kustomization_path(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    matches!(
        name.to_ascii_lowercase().as_str(),
        "kustomization.yaml" | "kustomization.yml"
    ) || name == "Kustomization"
}

/// Reads the facts of one YAML/JSON file from its parsed documents.
pub fn extract(path: &str, text_: &str, docs: &[Document], ctx: &Ctx, opts: Options) -> FileFacts {
    let kind = FileKind::of(path);
    let mut facts = FileFacts {
        path: path.to_string(),
        ..FileFacts::default()
    };
    if !matches!(kind, FileKind::Yaml | FileKind::Json) {
        return facts;
    }
    let lines = LineIndex::new(text_);
    let line = |offset: usize| lines.position(text_, offset).line;
    let file = File::new(path, text_, kind, docs);
    // The rules' own scans: their verdicts are matched to what is listed by span.
    let chart_found = if charts::may_name_charts(kind, path, text_.as_bytes()) {
        pins::charts(&file, ctx).to_vec()
    } else {
        Vec::new()
    };
    let mut image_found: Option<Vec<Unpinned>> = None;
    let template_file = crate::manifest::is_chart_template(path);
    let helmfile = is_helmfile_path(path);
    let kustomization = is_kustomization_path(path);

    for doc in docs {
        let Some(root) = &doc.root else { continue };
        // An unrendered chart template is not what runs.
        if template_file
            && doc.templated
            && text_
                .get(doc.span.clone())
                .is_some_and(|t| t.contains("{{"))
        {
            continue;
        }
        let has_kind = root.get("kind").is_some();
        if !has_kind && (helmfile || root.get("releases").and_then(Node::as_seq).is_some()) {
            helmfile_doc(root, &chart_found, &line, &mut facts);
        }
        let api = root.get("apiVersion").and_then(Node::as_str).unwrap_or("");
        let kustomize_kind = matches!(
            root.get("kind").and_then(Node::as_str),
            Some("Kustomization" | "Component")
        ) && api.starts_with("kustomize.config.k8s.io/");
        if (kustomization && !has_kind) || kustomize_kind {
            facts.kustomization = Some(kustomization_doc(root, &chart_found, &line));
            continue;
        }
        for obj in objects(root) {
            let Some(o) = crate::layout::Object::of(obj) else {
                continue;
            };
            let Some(name) = o.name else { continue };
            let namespace = o
                .namespace
                .and_then(Node::as_str)
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string);
            let sites = containers::image_sites(obj);
            let mut images = Vec::new();
            if !sites.is_empty() {
                let found = image_found.get_or_insert_with(|| pins::images(&file, ctx).to_vec());
                for site in sites {
                    images.push(image(site, found, ctx, &line));
                }
            }
            let digest = if opts.digests {
                let mut h = DefaultHasher::new();
                digest_node(obj, &mut h);
                h.finish()
            } else {
                0
            };
            let group = o.group();
            let detail = detail(obj, group, o.kind, &chart_found, &line);
            facts.objects.push(ObjectFacts {
                api_version: o.api_version.to_string(),
                kind: o.kind.to_string(),
                name: name.trim().to_string(),
                namespace,
                line: line(obj.span.start),
                span: obj.span.clone(),
                digest,
                images,
                verdict: verdict_in(&chart_found, &obj.span),
                detail,
            });
        }
    }
    facts
}

fn image(
    site: containers::ImageSite,
    found: &[Unpinned],
    ctx: &Ctx,
    line: &dyn Fn(usize) -> usize,
) -> Image {
    let node = site.node;
    let written = node.as_str().unwrap_or("").trim().to_string();
    let parsed = if node.is_templated() {
        None
    } else {
        ImageRef::parse(&written)
    };
    let verdict = found
        .iter()
        .find(|u| u.span == node.span)
        .map(|u| problem_code(u.problem));
    Image {
        container: site.container.map(str::to_string),
        field: site.field,
        registry: parsed.and_then(|r| r.registry).map(str::to_string),
        repository: parsed.map(|r| r.path.to_string()),
        tag: parsed.and_then(|r| r.tag).map(str::to_string),
        digest: parsed.and_then(|r| r.digest).map(str::to_string),
        pinned: parsed.map(|r| r.pin(&ctx.settings.images.mutable_tags) == Pin::Pinned),
        verdict,
        line: line(node.span.start),
        image: written,
    }
}

fn helmfile_doc(
    root: &Node,
    found: &[Unpinned],
    line: &dyn Fn(usize) -> usize,
    facts: &mut FileFacts,
) {
    let doc_namespace = text(root.get("namespace"));
    for repo in root
        .get("repositories")
        .and_then(Node::as_seq)
        .unwrap_or_default()
    {
        if let (Some(name), Some(url)) = (text(repo.get("name")), text(repo.get("url"))) {
            let url = if repo.get("oci").and_then(Node::as_str) == Some("true")
                && !url.starts_with("oci://")
            {
                format!("oci://{url}")
            } else {
                url
            };
            facts.repositories.push((name, url));
        }
    }
    for release in root
        .get("releases")
        .and_then(Node::as_seq)
        .unwrap_or_default()
    {
        let Some(chart) = text(release.get("chart")) else {
            continue;
        };
        let name = text(release.get("name")).unwrap_or_else(|| {
            chart
                .rsplit('/')
                .next()
                .unwrap_or(chart.as_str())
                .to_string()
        });
        facts.helmfile.push(HelmfileRelease {
            name,
            chart,
            version: text(release.get("version")),
            namespace: text(release.get("namespace")).or_else(|| doc_namespace.clone()),
            verdict: verdict_in(found, &release.span),
            line: line(release.span.start),
        });
    }
}

fn kustomization_doc(
    root: &Node,
    found: &[Unpinned],
    line: &dyn Fn(usize) -> usize,
) -> Kustomization {
    let namespace = text(root.get("namespace"));
    let resources = root
        .get("resources")
        .and_then(Node::as_seq)
        .unwrap_or_default()
        .iter()
        .filter_map(|n| text(Some(n)))
        .filter(|r| !r.contains("://") && !r.starts_with("github.com/") && !r.contains('?'))
        .collect();
    let charts = root
        .get("helmCharts")
        .and_then(Node::as_seq)
        .unwrap_or_default()
        .iter()
        .filter_map(|c| {
            Some(KustomizeChart {
                name: text(c.get("name"))?,
                release_name: text(c.get("releaseName")),
                repo: text(c.get("repo")),
                version: text(c.get("version")),
                namespace: text(c.get("namespace")).or_else(|| namespace.clone()),
                verdict: verdict_in(found, &c.span),
                line: line(c.span.start),
            })
        })
        .collect();
    Kustomization {
        namespace,
        resources,
        charts,
    }
}

fn detail(
    obj: &Node,
    group: &str,
    kind: &str,
    found: &[Unpinned],
    line: &dyn Fn(usize) -> usize,
) -> Detail {
    match (group, kind) {
        ("helm.toolkit.fluxcd.io", "HelmRelease") => {
            let spec = obj.at(&["spec", "chart", "spec"]);
            Detail::FluxRelease(FluxRelease {
                chart: spec.and_then(|s| text(s.get("chart"))),
                version: spec.and_then(|s| text(s.get("version"))),
                source: object_ref(spec.and_then(|s| s.get("sourceRef"))),
                chart_ref: object_ref(obj.at(&["spec", "chartRef"])),
                target_namespace: text_at(obj, &["spec", "targetNamespace"]),
            })
        }
        ("source.toolkit.fluxcd.io", "HelmChart") => {
            let spec = obj.get("spec");
            Detail::FluxSource(FluxSource {
                url: None,
                reference: None,
                chart: spec.and_then(|s| text(s.get("chart"))),
                version: spec.and_then(|s| text(s.get("version"))),
                source: object_ref(spec.and_then(|s| s.get("sourceRef"))),
            })
        }
        (
            "source.toolkit.fluxcd.io",
            "HelmRepository" | "OCIRepository" | "GitRepository" | "Bucket",
        ) => {
            let spec = obj.get("spec");
            let reference = spec.and_then(|s| s.get("ref")).and_then(|r| {
                ["digest", "commit", "tag", "semver", "name", "branch"]
                    .iter()
                    .find_map(|k| text(r.get(k)))
            });
            let url = spec.and_then(|s| {
                text(s.get("url")).or_else(|| {
                    text(s.get("endpoint"))
                        .map(|e| format!("{e}/{}", text(s.get("bucketName")).unwrap_or_default()))
                })
            });
            Detail::FluxSource(FluxSource {
                url,
                reference,
                chart: None,
                version: None,
                source: None,
            })
        }
        ("argoproj.io", "Application" | "ApplicationSet") => {
            let spec = if kind == "Application" {
                obj.get("spec")
            } else {
                obj.at(&["spec", "template", "spec"])
            };
            let Some(spec) = spec else {
                return Detail::Plain;
            };
            let sources = spec
                .get("source")
                .into_iter()
                .chain(
                    spec.get("sources")
                        .and_then(Node::as_seq)
                        .unwrap_or_default(),
                )
                .filter(|s| s.as_map().is_some())
                .map(|s| ArgoSource {
                    repo_url: text(s.get("repoURL")),
                    chart: text(s.get("chart")),
                    path: text(s.get("path")),
                    target_revision: text(s.get("targetRevision")),
                    verdict: verdict_in(found, &s.span),
                    line: line(s.span.start),
                })
                .collect();
            Detail::Argo {
                sources,
                destination: text_at(spec, &["destination", "namespace"]),
            }
        }
        ("external-secrets.io", "ExternalSecret" | "ClusterExternalSecret") => {
            let spec = if kind == "ExternalSecret" {
                obj.get("spec")
            } else {
                obj.at(&["spec", "externalSecretSpec"])
            };
            eso(obj, spec)
        }
        ("kubernetes-client.io", "ExternalSecret") => kes(obj),
        ("", "Secret") => match RawSecretInfo::of(obj) {
            Some(info) => Detail::Secret {
                secret_type: info.secret_type.map(str::to_string),
                holds_values: info.holds_values() && !info.excluded,
                keys: info.value_keys.into_iter().map(|(k, _)| k).collect(),
            },
            None => Detail::Plain,
        },
        _ => Detail::Plain,
    }
}

/// External Secrets Operator: `secretStoreRef`, `data[].remoteRef`, `dataFrom[]`.
fn eso(obj: &Node, spec: Option<&Node>) -> Detail {
    let name = text_at(obj, &["metadata", "name"]).unwrap_or_default();
    let Some(spec) = spec else {
        return Detail::ExternalSecret {
            operator: "eso",
            store: None,
            target: name,
            keys: Vec::new(),
        };
    };
    let store = text_at(spec, &["secretStoreRef", "name"]).map(|n| Store {
        kind: text_at(spec, &["secretStoreRef", "kind"]).unwrap_or_else(|| "SecretStore".into()),
        name: n,
        options: Default::default(),
    });
    let mut keys = Vec::new();
    for d in spec.get("data").and_then(Node::as_seq).unwrap_or_default() {
        let Some(remote_key) = text_at(d, &["remoteRef", "key"]) else {
            continue;
        };
        keys.push(RemoteKey {
            secret_key: text(d.get("secretKey")),
            remote_key,
            property: text_at(d, &["remoteRef", "property"]),
            version: text_at(d, &["remoteRef", "version"]),
        });
    }
    for d in spec
        .get("dataFrom")
        .and_then(Node::as_seq)
        .unwrap_or_default()
    {
        let remote_key = text_at(d, &["extract", "key"])
            .or_else(|| text_at(d, &["find", "name", "regexp"]).map(|r| format!("find: {r}")))
            .or_else(|| text_at(d, &["find", "path"]).map(|p| format!("find: {p}/*")));
        if let Some(remote_key) = remote_key {
            keys.push(RemoteKey {
                secret_key: None,
                remote_key,
                property: text_at(d, &["extract", "property"]),
                version: text_at(d, &["extract", "version"]),
            });
        }
    }
    Detail::ExternalSecret {
        operator: "eso",
        store,
        target: text_at(spec, &["target", "name"]).unwrap_or(name),
        keys,
    }
}

/// kubernetes-external-secrets (`kubernetes-client.io/v1`, what Jenkins X 3 writes).
fn kes(obj: &Node) -> Detail {
    let name = text_at(obj, &["metadata", "name"]).unwrap_or_default();
    let spec = obj.get("spec");
    let store = spec
        .and_then(|s| text(s.get("backendType")))
        .map(|backend| Store {
            kind: "backend".into(),
            name: backend,
            options: [
                "vaultMountPoint",
                "vaultRole",
                "projectId",
                "keyVaultName",
                "region",
                "roleArn",
            ]
            .iter()
            .filter_map(|k| Some((k.to_string(), text(spec?.get(k))?)))
            .collect(),
        });
    let mut keys = Vec::new();
    if let Some(spec) = spec {
        for d in spec.get("data").and_then(Node::as_seq).unwrap_or_default() {
            let Some(remote_key) = text(d.get("key")) else {
                continue;
            };
            keys.push(RemoteKey {
                secret_key: text(d.get("name")),
                remote_key,
                property: text(d.get("property")),
                version: text(d.get("version")),
            });
        }
        for d in spec
            .get("dataFrom")
            .and_then(Node::as_seq)
            .unwrap_or_default()
        {
            if let Some(remote_key) = text(Some(d)) {
                keys.push(RemoteKey {
                    secret_key: None,
                    remote_key,
                    property: None,
                    version: None,
                });
            }
        }
    }
    Detail::ExternalSecret {
        operator: "kes",
        store,
        target: name,
        keys,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Settings;
    use crate::source::NoRepo;

    fn facts(path: &str, text: &str) -> FileFacts {
        let settings = Settings::default();
        let ctx = Ctx {
            settings: &settings,
            repo: &NoRepo,
            layout: None,
        };
        let docs = crate::manifest::parse_file(path, text, FileKind::of(path));
        extract(path, text, &docs, &ctx, Options { digests: true })
    }

    #[test]
    fn workloads_images_and_verdicts() {
        let f = facts(
            "apps/web.yaml",
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: apps}\nspec:\n  template:\n    spec:\n      initContainers:\n      - {name: init, image: busybox}\n      containers:\n      - name: web\n        image: ghcr.io/org/web:1.2.3\n      - name: side\n        image: nginx:latest\n      - name: dig\n        image: reg.local:5000/a/b@sha256:50d858e0985ecc7f60418aaf0cc5ab587f42c2570a884095a9e8ccacd0f6545c\n",
        );
        assert_eq!(f.objects.len(), 1);
        let o = &f.objects[0];
        assert_eq!((o.kind.as_str(), o.name.as_str()), ("Deployment", "web"));
        assert_eq!(o.namespace.as_deref(), Some("apps"));
        let got: Vec<_> = o
            .images
            .iter()
            .map(|i| {
                (
                    i.container.as_deref().unwrap_or(""),
                    i.registry.as_deref(),
                    i.repository.as_deref(),
                    i.tag.as_deref(),
                    i.pinned,
                    i.verdict,
                    i.line,
                )
            })
            .collect();
        assert_eq!(
            got,
            vec![
                (
                    "init",
                    None,
                    Some("busybox"),
                    None,
                    Some(false),
                    Some("GG202"),
                    8
                ),
                (
                    "web",
                    Some("ghcr.io"),
                    Some("org/web"),
                    Some("1.2.3"),
                    Some(true),
                    None,
                    11
                ),
                (
                    "side",
                    None,
                    Some("nginx"),
                    Some("latest"),
                    Some(false),
                    Some("GG201"),
                    13
                ),
                (
                    "dig",
                    Some("reg.local:5000"),
                    Some("a/b"),
                    None,
                    Some(true),
                    None,
                    15
                ),
            ]
        );
        assert!(
            o.images[3]
                .digest
                .as_deref()
                .unwrap_or("")
                .starts_with("sha256:")
        );
    }

    #[test]
    fn digests_ignore_formatting_and_comments() {
        let a = facts(
            "a.yaml",
            "kind: ConfigMap\napiVersion: v1\nmetadata: {name: c}\ndata: {k: v}\n",
        );
        let b = facts(
            "a.yaml",
            "# comment\nkind: ConfigMap\napiVersion: v1\nmetadata:\n  name: c\ndata:\n  k: \"v\" # x\n",
        );
        let c = facts(
            "a.yaml",
            "kind: ConfigMap\napiVersion: v1\nmetadata: {name: c}\ndata: {k: w}\n",
        );
        assert_eq!(a.objects[0].digest, b.objects[0].digest);
        assert_ne!(a.objects[0].digest, c.objects[0].digest);
    }

    #[test]
    fn secrets_give_names_and_keys_only() {
        let f = facts(
            "s.yaml",
            "apiVersion: v1\nkind: Secret\nmetadata: {name: db, namespace: apps}\nstringData: {password: hunter2, user: ''}\n---\napiVersion: external-secrets.io/v1\nkind: ExternalSecret\nmetadata: {name: es, namespace: apps}\nspec:\n  secretStoreRef: {kind: ClusterSecretStore, name: store}\n  target: {name: db2}\n  data:\n  - secretKey: password\n    remoteRef: {key: apps/db, property: password}\n  dataFrom:\n  - extract: {key: apps/all}\n---\napiVersion: kubernetes-client.io/v1\nkind: ExternalSecret\nmetadata: {name: kes}\nspec:\n  backendType: vault\n  vaultMountPoint: kubernetes\n  data:\n  - {name: token, key: secret/data/x, property: token}\n",
        );
        let details: Vec<_> = f.objects.iter().map(|o| o.detail.clone()).collect();
        assert_eq!(
            details[0],
            Detail::Secret {
                secret_type: None,
                keys: vec!["password".into()],
                holds_values: true
            }
        );
        let Detail::ExternalSecret {
            operator,
            store,
            target,
            keys,
        } = &details[1]
        else {
            panic!("{:?}", details[1]);
        };
        assert_eq!((*operator, target.as_str()), ("eso", "db2"));
        assert_eq!(
            store.as_ref().map(Store::describe).as_deref(),
            Some("ClusterSecretStore/store")
        );
        assert_eq!(keys.len(), 2);
        assert_eq!(keys[1].remote_key, "apps/all");
        let Detail::ExternalSecret { store, keys, .. } = &details[2] else {
            panic!("{:?}", details[2]);
        };
        assert_eq!(
            store.as_ref().map(Store::describe).as_deref(),
            Some("backend/vault (vaultMountPoint=kubernetes)")
        );
        assert_eq!(keys[0].remote_key, "secret/data/x");
        let all = format!("{f:?}");
        assert!(!all.contains("hunter2"), "{all}");
    }

    #[test]
    fn helmfiles_and_flux() {
        let f = facts(
            "helmfiles/jx/helmfile.yaml",
            "namespace: jx\nrepositories:\n- {name: jxgh, url: https://charts.example/repo}\nreleases:\n- chart: jxgh/lighthouse\n  version: 1.7.4\n  name: lighthouse\n- chart: jxgh/nexus\n  name: nexus\n  namespace: other\n",
        );
        assert_eq!(
            f.repositories,
            vec![("jxgh".into(), "https://charts.example/repo".into())]
        );
        let got: Vec<_> = f
            .helmfile
            .iter()
            .map(|r| {
                (
                    r.name.as_str(),
                    r.version.as_deref(),
                    r.namespace.as_deref(),
                    r.verdict,
                    r.line,
                )
            })
            .collect();
        assert_eq!(
            got,
            vec![
                ("lighthouse", Some("1.7.4"), Some("jx"), None, 5),
                ("nexus", None, Some("other"), Some("GG204"), 8),
            ]
        );
        let f = facts(
            "apps/r.yaml",
            "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: {name: p, namespace: p}\nspec:\n  chart:\n    spec:\n      chart: podinfo\n      version: '>=1.0.0'\n      sourceRef: {kind: HelmRepository, name: podinfo}\n",
        );
        assert_eq!(f.objects[0].verdict, Some("GG204"));
        assert!(
            matches!(&f.objects[0].detail, Detail::FluxRelease(r) if r.version.as_deref() == Some(">=1.0.0") && r.source.as_ref().is_some_and(|s| s.name == "podinfo"))
        );
    }
}
