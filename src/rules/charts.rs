//! Where charts and other deployable artifacts are referenced, and whether the reference pins
//! one version: helmfile releases, `Chart.yaml`/`requirements.yaml` dependencies, Flux
//! `HelmRelease`/`HelmChart`/`OCIRepository`/`GitRepository`, Argo CD `Application` and
//! `ApplicationSet` sources, and kustomize `helmCharts` and remote `resources`.
//!
//! SNAPSHOT versions are [`Problem::Snapshot`] (GG203); everything else that floats is
//! [`Problem::UnpinnedChart`] (GG204). Values written as template expressions (`{{ }}`, or
//! Flux post-build `${VAR}`) are unknown until rendering and never reported.

use super::pins::{Problem, Unpinned, describe, documents, is_gotmpl, rendered_path};
use super::versions::{VersionPin, is_commit_sha, is_range, is_version_tag, version_pin};
use super::{Ctx, File, compose, version_stream};
use crate::manifest::{FileKind, Node, objects};
use std::ops::Range;

/// Prefilter for GG203/GG204 chart places: by file name (helmfiles, `Chart.yaml`,
/// kustomizations) or by a kind that references charts or sources.
pub fn may_name_charts(kind: FileKind, path: &str, bytes: &[u8]) -> bool {
    if !matches!(kind, FileKind::Yaml | FileKind::Json) && !is_gotmpl(path) {
        return false;
    }
    let name = path.rsplit('/').next().unwrap_or(path).to_ascii_lowercase();
    name.starts_with("helmfile")
        || name == "chart.yaml"
        || name == "requirements.yaml"
        || name.starts_with("kustomization")
        || path.contains("helmfile.d/")
        || super::workflows::is_workflow(path)
        || [
            "releases",
            "HelmRelease",
            "HelmChart",
            "OCIRepository",
            "GitRepository",
            "Application",
            "Kustomization",
            "Subscription",
        ]
        .iter()
        .any(|n| super::contains(bytes, n))
}

/// Every unpinned chart or artifact reference of the file (read it through [`super::pins::charts`],
/// which scans once per file).
pub(super) fn scan(file: &File, ctx: &Ctx) -> Vec<Unpinned> {
    if !matches!(file.kind, FileKind::Yaml | FileKind::Json) && !is_gotmpl(file.path) {
        return Vec::new();
    }
    if super::workflows::is_workflow(file.path) {
        let mut out = Vec::new();
        let require = super::pins::required_precision(ctx);
        for root in documents(file).iter().filter_map(|d| d.root.as_ref()) {
            super::workflows::uses_refs(root, require, &mut out);
        }
        return out;
    }
    let path = rendered_path(file.path);
    let name = path.rsplit('/').next().unwrap_or(path);
    let lower = name.to_ascii_lowercase();
    let is_helmfile = lower.starts_with("helmfile") || path.contains("helmfile.d/");
    let is_chart_file = name == "Chart.yaml" || name == "requirements.yaml";
    let is_kustomization = matches!(
        lower.as_str(),
        "kustomization.yaml" | "kustomization.yml" | "kustomization"
    );
    let mut scan = Scan {
        ctx,
        out: Vec::new(),
    };
    let git_chart_sources = git_chart_sources(file);
    for doc in documents(file) {
        let Some(root) = &doc.root else { continue };
        let has_kind = root.get("kind").is_some();
        if !has_kind && (is_helmfile || root.get("releases").and_then(Node::as_seq).is_some()) {
            scan.helmfile(root);
        }
        if is_chart_file && !has_kind {
            scan.chart_dependencies(root);
        }
        for obj in objects(root) {
            let kind = obj.get("kind").and_then(Node::as_str).unwrap_or("");
            let api = obj.get("apiVersion").and_then(Node::as_str).unwrap_or("");
            let group = api.rsplit_once('/').map_or("", |(g, _)| g);
            match (group, kind) {
                ("helm.toolkit.fluxcd.io", "HelmRelease") => {
                    if let Some(spec) = obj.at(&["spec", "chart", "spec"]) {
                        scan.flux_chart(obj, spec);
                    }
                }
                ("source.toolkit.fluxcd.io", "HelmChart") => {
                    if let Some(spec) = obj.get("spec") {
                        scan.flux_chart(obj, spec);
                    }
                }
                ("source.toolkit.fluxcd.io", "OCIRepository") => scan.oci_repository(obj),
                ("source.toolkit.fluxcd.io", "GitRepository") => {
                    let name = obj.at(&["metadata", "name"]).and_then(Node::as_str);
                    let charts_from_it = name.is_some_and(|n| git_chart_sources.contains(&n));
                    scan.git_repository(obj, name, charts_from_it);
                }
                ("operators.coreos.com", "Subscription") => scan.olm_subscription(obj),
                ("argoproj.io", "Application") => scan.argo_sources(obj, obj.get("spec")),
                ("argoproj.io", "ApplicationSet") => {
                    scan.argo_sources(obj, obj.at(&["spec", "template", "spec"]));
                }
                _ => {}
            }
            let kustomize = (is_kustomization && !has_kind)
                || (matches!(kind, "Kustomization" | "Component")
                    && group == "kustomize.config.k8s.io");
            if kustomize {
                scan.kustomize(obj);
            }
        }
    }
    super::pins::dedup(scan.out)
}

/// Names of GitRepositories that a HelmRelease/HelmChart of this file takes its chart from.
fn git_chart_sources<'a>(file: &'a File) -> Vec<&'a str> {
    let mut names = Vec::new();
    for doc in documents(file) {
        let Some(root) = &doc.root else { continue };
        for obj in objects(root) {
            // Only charts: a Flux `Kustomization` applying the same repository is how the
            // cluster follows its own branch.
            let source = match obj.get("kind").and_then(Node::as_str) {
                Some("HelmRelease") => obj.at(&["spec", "chart", "spec", "sourceRef"]),
                Some("HelmChart") => obj.at(&["spec", "sourceRef"]),
                _ => None,
            };
            if let Some(source) = source
                && source.get("kind").and_then(Node::as_str) == Some("GitRepository")
            {
                names.extend(source.get("name").and_then(Node::as_str));
            }
        }
    }
    names
}

struct Scan<'c> {
    ctx: &'c Ctx<'c>,
    out: Vec<Unpinned>,
}

/// A scalar whose value is not known in git: `{{ }}` or `${VAR}` substitution.
fn unknown(node: &Node) -> bool {
    node.is_templated()
        || node
            .as_str()
            .is_some_and(|s| s.contains("${") || s.contains("{{"))
}

/// The scalar text, trimmed; `None` for null, empty or non-scalar.
fn text(node: Option<&Node>) -> Option<&str> {
    node.filter(|n| !n.is_null())
        .and_then(Node::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

impl Scan<'_> {
    fn push(&mut self, problem: Problem, span: Range<usize>, message: String, help: String) {
        self.out.push(Unpinned {
            problem,
            span,
            message,
            help,
            labels: Vec::new(),
        });
    }

    /// A version value that is present: a range, `latest` or SNAPSHOT is reported.
    fn version(&mut self, node: &Node, what: &str, field: &str, floating_means: &str) {
        if unknown(node) {
            return;
        }
        let Some(v) = text(Some(node)) else { return };
        let help = format!("pin one exact version, e.g. `{}`", example_version(v));
        match version_pin(v) {
            VersionPin::Exact => {}
            VersionPin::Range => self.push(
                Problem::UnpinnedChart,
                node.span.clone(),
                format!("{what} has {field} `{v}`, a range: {floating_means}"),
                help,
            ),
            VersionPin::Latest => self.push(
                Problem::UnpinnedChart,
                node.span.clone(),
                format!("{what} has {field} `{v}`: {floating_means}"),
                help,
            ),
            VersionPin::Snapshot => self.push(
                Problem::Snapshot,
                node.span.clone(),
                format!(
                    "{what} has {field} `{v}`: a SNAPSHOT is overwritten by every build, so git \
                     does not say what is installed"
                ),
                "pin a released version instead of a SNAPSHOT".into(),
            ),
        }
    }

    /// helmfile `releases` (and the `helmfiles:` it includes from git).
    fn helmfile(&mut self, root: &Node) {
        const FLOATING: &str = "a new chart release changes what is installed without a commit";
        for release in root
            .get("releases")
            .and_then(Node::as_seq)
            .unwrap_or_default()
        {
            let Some(chart_node) = release.get("chart") else {
                continue;
            };
            let Some(chart) = text(Some(chart_node)) else {
                continue;
            };
            if unknown(chart_node) || is_local_chart(chart) {
                continue;
            }
            // A chart archive by URL: `…/releases/latest/download/app.tgz` floats.
            if let Some(why) = floating_url(chart) {
                self.floating_url(chart_node, chart, "helmfile release chart", &why);
                continue;
            }
            let name = text(release.get("name"));
            let what = match name {
                Some(n) => format!("helmfile release `{n}` (chart `{chart}`)"),
                None => format!("helmfile release of chart `{chart}`"),
            };
            match release.get("version").filter(|v| text(Some(v)).is_some()) {
                Some(v) => self.version(v, &what, "`version`", FLOATING),
                None => self.missing_helmfile_version(chart_node, chart, name, &what),
            }
            // Values read from a URL (helmfile fetches them with go-getter).
            for list in ["values", "secrets"] {
                for entry in release.get(list).and_then(Node::as_seq).unwrap_or_default() {
                    if let Some(url) = text(Some(entry)).filter(|_| !unknown(entry))
                        && let Some(why) = floating_url(url)
                    {
                        self.floating_url(entry, url, &format!("{what} `{list}` file"), &why);
                    }
                }
            }
        }
        for include in root
            .get("helmfiles")
            .and_then(Node::as_seq)
            .unwrap_or_default()
        {
            let node = include.get("path").unwrap_or(include);
            let Some(path) = text(Some(node)).filter(|_| !unknown(node)) else {
                continue;
            };
            if path.starts_with("git::") {
                self.git_url(node, path, "helmfile include");
            } else if let Some(why) = floating_url(path) {
                self.floating_url(node, path, "helmfile include", &why);
            }
        }
    }

    fn missing_helmfile_version(
        &mut self,
        chart_node: &Node,
        chart: &str,
        release: Option<&str>,
        what: &str,
    ) {
        let repo = self.ctx.repo;
        if version_stream::chart_version(repo, chart, release).is_some() {
            return; // `jx gitops helmfile resolve` pins it from the version stream
        }
        let (message, help) = if version_stream::present(repo) {
            let name = chart.rsplit('/').next().unwrap_or(chart);
            let prefix = chart.split('/').next().unwrap_or(chart);
            (
                format!(
                    "{what} has no `version`, and the version stream does not pin it (no \
                     `{}/charts/{prefix}/{name}/defaults.yaml`): helmfile installs the newest \
                     chart at every sync",
                    version_stream::DIR
                ),
                "add `version: <x.y.z>` to the release, or add the chart to the version stream \
                 and run `jx gitops helmfile resolve`"
                    .to_string(),
            )
        } else {
            (
                format!(
                    "{what} has no `version`: helmfile installs the newest chart at every sync"
                ),
                "add `version: <x.y.z>` to the release".to_string(),
            )
        };
        self.push(
            Problem::UnpinnedChart,
            chart_node.span.clone(),
            message,
            help,
        );
    }

    /// `Chart.yaml` (v2) / `requirements.yaml` (v1) dependencies.
    fn chart_dependencies(&mut self, root: &Node) {
        for dep in root
            .get("dependencies")
            .and_then(Node::as_seq)
            .unwrap_or_default()
        {
            let Some(name_node) = dep.get("name") else {
                continue;
            };
            let name = text(Some(name_node)).unwrap_or("?");
            let repository = text(dep.get("repository")).unwrap_or("");
            // Local sub-charts (`file://`, or no repository) are versioned with the chart.
            if repository.is_empty() || repository.starts_with("file://") {
                continue;
            }
            let what = format!("chart dependency `{name}`");
            match dep.get("version").filter(|v| text(Some(v)).is_some()) {
                Some(v) => self.version(
                    v,
                    &what,
                    "`version`",
                    "`helm dependency update` picks a different chart whenever one is released",
                ),
                None => self.push(
                    Problem::UnpinnedChart,
                    name_node.span.clone(),
                    format!("{what} from `{repository}` has no `version`"),
                    "add `version: <x.y.z>` to the dependency".into(),
                ),
            }
        }
    }

    /// Flux `HelmRelease.spec.chart.spec` or `HelmChart.spec`.
    fn flux_chart(&mut self, obj: &Node, spec: &Node) {
        let source_kind = spec.at(&["sourceRef", "kind"]).and_then(Node::as_str);
        // Charts from git or a bucket ignore `version`: the source's ref pins them.
        if matches!(source_kind, Some("GitRepository" | "Bucket")) {
            return;
        }
        let object = describe(obj);
        let object = object.trim_end_matches(", ");
        let what = match text(spec.get("chart")) {
            Some(chart) => format!("{object} (chart `{chart}`)"),
            None => object.to_string(),
        };
        const FLOATING: &str = "Flux upgrades to every new chart release that matches";
        match spec.get("version").filter(|v| text(Some(v)).is_some()) {
            Some(v) => self.version(v, &what, "`version`", FLOATING),
            // A patch that only sets other fields has no `chart`: nothing to say.
            None => {
                if let Some(chart_node) = spec.get("chart").filter(|c| !unknown(c)) {
                    self.push(
                        Problem::UnpinnedChart,
                        chart_node.span.clone(),
                        format!(
                            "{what} has no `version`: Flux defaults it to `*` and upgrades to \
                             every new chart release"
                        ),
                        "set `version: <x.y.z>` under `spec.chart.spec`".into(),
                    );
                }
            }
        }
    }

    /// Flux `OCIRepository`: `ref.semver` ranges, `ref.tag: latest`, or no ref at all.
    fn oci_repository(&mut self, obj: &Node) {
        let what = describe(obj).trim_end_matches(", ").to_string();
        let Some(spec) = obj.get("spec") else { return };
        let reference = spec.get("ref");
        if text(reference.and_then(|r| r.get("digest"))).is_some() {
            return;
        }
        if let Some(semver) = reference.and_then(|r| r.get("semver")) {
            if !unknown(semver) && text(Some(semver)).is_some_and(is_range) {
                self.version(
                    semver,
                    &what,
                    "`ref.semver`",
                    "Flux follows every new artifact that matches",
                );
            }
            return;
        }
        if let Some(tag) = reference.and_then(|r| r.get("tag")) {
            if !unknown(tag) {
                self.version(
                    tag,
                    &what,
                    "`ref.tag`",
                    "Flux follows whatever the tag points at",
                );
            }
            return;
        }
        if let Some(url) = spec.get("url").filter(|u| !unknown(u)) {
            self.push(
                Problem::UnpinnedChart,
                url.span.clone(),
                format!("{what} has no `ref`: Flux pulls the `latest` tag"),
                "set `ref.tag: <version>` or `ref.digest: sha256:<digest>`".into(),
            );
        }
    }

    /// Flux `GitRepository`: a `semver` range always; a bare `branch` when a chart of any
    /// file is built from it (the cluster's own sync source legitimately follows a branch),
    /// unless it is this very repository (`sources.allow-self-branch`).
    fn git_repository(&mut self, obj: &Node, name: Option<&str>, charts_from_it: bool) {
        let what = describe(obj).trim_end_matches(", ").to_string();
        let Some(reference) = obj.at(&["spec", "ref"]) else {
            return;
        };
        if text(reference.get("commit")).is_some() || text(reference.get("tag")).is_some() {
            return;
        }
        if let Some(semver) = reference.get("semver") {
            if !unknown(semver) && text(Some(semver)).is_some_and(is_range) {
                self.version(
                    semver,
                    &what,
                    "`ref.semver`",
                    "Flux follows every new tag that matches",
                );
            }
            return;
        }
        if text(reference.get("name")).is_some() {
            return;
        }
        if let Some(branch) = reference.get("branch").filter(|b| !unknown(b)) {
            let url = obj.at(&["spec", "url"]).and_then(|u| text(Some(u)));
            if url.is_some_and(|u| compose::self_repo::allowed_branch(self.ctx, u)) {
                return;
            }
            // Charts of other files: read only for a branch that would otherwise pass.
            let used = charts_from_it
                || name.is_some_and(|n| compose::sources::chart_sources(self.ctx.repo).contains(n));
            if !used {
                return;
            }
            let b = text(Some(branch)).unwrap_or("?");
            self.push(
                Problem::UnpinnedChart,
                branch.span.clone(),
                format!(
                    "{what} follows branch `{b}`, and a HelmRelease builds its chart from it: \
                     every push to the branch changes what is installed"
                ),
                "pin `ref.tag: <version>` or `ref.commit: <sha>`".into(),
            );
        }
    }

    /// Argo CD `spec.source` and `spec.sources[]`.
    fn argo_sources(&mut self, obj: &Node, spec: Option<&Node>) {
        let Some(spec) = spec else { return };
        let object = describe(obj).trim_end_matches(", ").to_string();
        let sources = spec.get("source").into_iter().chain(
            spec.get("sources")
                .and_then(Node::as_seq)
                .unwrap_or_default(),
        );
        for source in sources {
            let Some(repo_url) = source.get("repoURL") else {
                continue;
            };
            if unknown(repo_url) {
                continue;
            }
            let url = text(Some(repo_url)).unwrap_or("?");
            let revision = source
                .get("targetRevision")
                .filter(|r| text(Some(r)).is_some());
            if let Some(chart_node) = source.get("chart") {
                if unknown(chart_node) {
                    continue;
                }
                let chart = text(Some(chart_node)).unwrap_or("?");
                let what = format!("{object} Helm source `{chart}`");
                match revision {
                    Some(r) => self.version(
                        r,
                        &what,
                        "`targetRevision`",
                        "Argo CD syncs every new chart release that matches",
                    ),
                    None => self.push(
                        Problem::UnpinnedChart,
                        chart_node.span.clone(),
                        format!("{what} has no `targetRevision`: Argo CD takes the newest chart"),
                        "set `targetRevision: <x.y.z>`".into(),
                    ),
                }
                continue;
            }
            let what = format!("{object} source `{url}`");
            // The repository itself, on a branch: how Argo CD follows its own config.
            let follows_branch = revision
                .and_then(|r| text(Some(r)))
                .is_none_or(|r| !(is_commit_sha(r) || is_version_tag(r) || is_range(r)));
            if follows_branch
                && !url.starts_with("oci://")
                && compose::self_repo::allowed_branch(self.ctx, url)
            {
                continue;
            }
            match revision {
                None => self.push(
                    Problem::UnpinnedChart,
                    repo_url.span.clone(),
                    format!(
                        "{what} has no `targetRevision`, so Argo CD tracks `HEAD`: every push \
                         changes what is deployed"
                    ),
                    "set `targetRevision` to a release tag (`v1.4.2`) or a commit SHA".into(),
                ),
                // An OCI artifact source: the revision is a tag or a semver constraint.
                Some(r) if url.starts_with("oci://") => {
                    self.version(
                        r,
                        &what,
                        "`targetRevision`",
                        "Argo CD syncs every new artifact that matches",
                    );
                }
                Some(r) => {
                    if !unknown(r) {
                        self.git_revision(r, &what, "Argo CD");
                    }
                }
            }
        }
    }

    /// A git revision: a SHA or a version tag passes; `HEAD`, ranges and branches float.
    fn git_revision(&mut self, node: &Node, what: &str, tool: &str) {
        let Some(rev) = text(Some(node)) else { return };
        if is_commit_sha(rev) || is_version_tag(rev) {
            return;
        }
        if is_range(rev) {
            let means = format!("{tool} follows every new tag that matches");
            return self.version(node, what, "`targetRevision`", &means);
        }
        let kind = if rev.eq_ignore_ascii_case("HEAD") {
            "`HEAD`".to_string()
        } else {
            format!("`{rev}`, a branch (not a release tag or commit SHA)")
        };
        self.push(
            Problem::UnpinnedChart,
            node.span.clone(),
            format!("{what} tracks {kind}: every push changes what is deployed"),
            "use a release tag (`v1.4.2`) or a commit SHA".into(),
        );
    }

    /// Kustomize: `helmCharts` versions and remote `resources`/`bases`/`components`.
    fn kustomize(&mut self, obj: &Node) {
        for chart in obj
            .get("helmCharts")
            .and_then(Node::as_seq)
            .unwrap_or_default()
        {
            let Some(name_node) = chart.get("name") else {
                continue;
            };
            if text(chart.get("repo")).is_none() || unknown(name_node) {
                continue; // a local chart
            }
            let what = format!(
                "kustomize helmCharts `{}`",
                text(Some(name_node)).unwrap_or("?")
            );
            match chart.get("version").filter(|v| text(Some(v)).is_some()) {
                Some(v) => self.version(
                    v,
                    &what,
                    "`version`",
                    "kustomize pulls whatever matches at build time",
                ),
                None => self.push(
                    Problem::UnpinnedChart,
                    name_node.span.clone(),
                    format!("{what} has no `version`: kustomize pulls the newest chart"),
                    "add `version: <x.y.z>`".into(),
                ),
            }
        }
        for list in ["resources", "bases", "components"] {
            for item in obj.get(list).and_then(Node::as_seq).unwrap_or_default() {
                let Some(entry) = text(Some(item)) else {
                    continue;
                };
                if unknown(item) {
                    continue;
                }
                self.remote_resource(item, entry);
            }
        }
    }

    fn remote_resource(&mut self, node: &Node, entry: &str) {
        let lower = entry.to_ascii_lowercase();
        let is_http = lower.starts_with("https://") || lower.starts_with("http://");
        let is_file = [".yaml", ".yml", ".json"]
            .iter()
            .any(|ext| lower.split(['?', '#']).next().unwrap_or("").ends_with(ext));
        if is_http && (is_file || floating_url(entry).is_some()) {
            // A single file over HTTP: only URLs that name a ref or a release say which.
            if let Some(why) = floating_url(entry) {
                self.floating_url(node, entry, "kustomize resource", &why);
            }
            return;
        }
        let remote = is_http
            || [
                "github.com/",
                "gitlab.com/",
                "bitbucket.org/",
                "git@",
                "git::",
                "ssh://",
                "file://",
            ]
            .iter()
            .any(|p| lower.starts_with(p));
        if remote && !lower.starts_with("file://") {
            self.git_url(node, entry, "kustomize remote resource");
        }
    }

    fn floating_url(&mut self, node: &Node, url: &str, what: &str, why: &str) {
        self.push(
            Problem::UnpinnedChart,
            node.span.clone(),
            format!("{what} `{url}` {why}: every push or release changes what is deployed"),
            "point the URL at a release tag or a commit SHA".into(),
        );
    }

    /// OLM `Subscription`: with `installPlanApproval: Automatic` (the default) the operator
    /// upgrades itself to every new CSV of its channel; pinned only by `startingCSV` with
    /// `Manual` approval.
    fn olm_subscription(&mut self, obj: &Node) {
        let Some(spec) = obj.get("spec") else { return };
        let approval = spec.get("installPlanApproval");
        if approval.is_some_and(unknown) {
            return;
        }
        let manual = text(approval).is_some_and(|a| a.eq_ignore_ascii_case("manual"));
        let starting = text(spec.get("startingCSV")).is_some();
        if manual && starting {
            return;
        }
        let what = describe(obj).trim_end_matches(", ").to_string();
        let package = text(spec.get("name")).unwrap_or("?");
        let channel = text(spec.get("channel"))
            .map(|c| format!(" channel `{c}`"))
            .unwrap_or_default();
        let (node, message) = if manual {
            (
                approval.unwrap_or(obj),
                format!(
                    "{what} approves upgrades by hand but has no `startingCSV`: the first \
                     install takes whatever version heads{channel} at the time"
                ),
            )
        } else {
            let node = approval
                .or_else(|| spec.get("name"))
                .or_else(|| spec.get("channel"))
                .unwrap_or(obj);
            (
                node,
                format!(
                    "{what} installs operator `{package}` with automatic install plan \
                     approval: OLM upgrades it to every new version published on{channel} \
                     without a commit"
                ),
            )
        };
        self.push(
            Problem::UnpinnedChart,
            node.span.clone(),
            message,
            "set `installPlanApproval: Manual` and `startingCSV: <package>.v<x.y.z>`".into(),
        );
    }

    /// A git URL with an optional `?ref=` (or legacy `?version=`).
    fn git_url(&mut self, node: &Node, url: &str, what: &str) {
        let query = url.split_once('?').map_or("", |(_, q)| q);
        let rev = query.split('&').find_map(|kv| {
            kv.strip_prefix("ref=")
                .or_else(|| kv.strip_prefix("version="))
        });
        let what = format!("{what} `{url}`");
        match rev.filter(|r| !r.is_empty()) {
            None => self.push(
                Problem::UnpinnedChart,
                node.span.clone(),
                format!("{what} has no `?ref=`: it follows the default branch"),
                "add `?ref=<release tag or commit SHA>`".into(),
            ),
            Some(rev) if is_commit_sha(rev) || is_version_tag(rev) => {}
            Some(rev) => self.push(
                Problem::UnpinnedChart,
                node.span.clone(),
                format!(
                    "{what} follows `{rev}`, a branch (not a release tag or commit SHA): every \
                     push to it changes what is deployed"
                ),
                "use `?ref=<release tag or commit SHA>`".into(),
            ),
        }
    }
}

/// Local chart paths in a helmfile: `./x`, `../x`, `/x`, or a bare directory name.
fn is_local_chart(chart: &str) -> bool {
    chart.starts_with(['.', '/']) || !chart.contains('/')
}

/// Why a file URL floats: it names a branch (raw GitHub, GitHub `raw`/`blob`, GitLab
/// `/-/raw/<ref>/`) or the latest release (`/releases/latest/download/`); `None` when it
/// names a commit, a version tag, or no ref we can read.
pub fn floating_url(url: &str) -> Option<String> {
    let lower = url.to_ascii_lowercase();
    if !(lower.starts_with("https://") || lower.starts_with("http://")) {
        return None;
    }
    let path = url.split(['?', '#']).next().unwrap_or(url);
    if path.contains("/releases/latest/download/") {
        return Some("is the latest release's download, not one release".into());
    }
    let rev = raw_github_ref(path).or_else(|| gitlab_raw_ref(path))?;
    if is_commit_sha(rev) || is_version_tag(rev) {
        return None;
    }
    Some(format!(
        "is read from `{rev}`, a branch (not a release tag or commit SHA)"
    ))
}

/// The ref of a GitLab file URL: `https://<host>/<group>/…/<project>/-/raw/<ref>/<file>`
/// (also `/-/blob/`).
fn gitlab_raw_ref(url: &str) -> Option<&str> {
    let (_, after) = url
        .split_once("/-/raw/")
        .or_else(|| url.split_once("/-/blob/"))?;
    let rev = after.split('/').next()?;
    (!rev.is_empty()).then_some(rev)
}

/// The ref of `https://raw.githubusercontent.com/<org>/<repo>/<ref>/...` or
/// `https://github.com/<org>/<repo>/raw/<ref>/...` (`refs/heads/<b>` counts as `<b>`).
fn raw_github_ref(url: &str) -> Option<&str> {
    let rest = url.split_once("://")?.1;
    let mut parts = rest.split('/');
    let host = parts.next()?;
    let parts: Vec<&str> = parts.collect();
    let after = match host {
        "raw.githubusercontent.com" => parts.get(2..)?,
        "github.com" if matches!(parts.get(2), Some(&"raw" | &"blob")) => parts.get(3..)?,
        "github.com" if parts.get(2..4) == Some(&["releases", "download"]) => {
            return parts.get(4).copied(); // a release tag
        }
        _ => return None,
    };
    match after {
        ["refs", "heads" | "tags", r, ..] => Some(r),
        [r, ..] => Some(r),
        [] => None,
    }
}

/// An exact version in the style of `v` (`^1.2` → `1.2.0`), for help texts.
fn example_version(v: &str) -> String {
    let digits: String = v
        .trim_start_matches(|c: char| !c.is_ascii_digit())
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.')
        .collect();
    let parts: Vec<&str> = digits.split('.').filter(|p| !p.is_empty()).collect();
    match parts.len() {
        0 => "1.2.3".into(),
        1 => format!("{}.0.0", parts[0]),
        2 => format!("{}.{}.0", parts[0], parts[1]),
        _ => parts[..3].join("."),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_refs() {
        assert_eq!(
            raw_github_ref("https://raw.githubusercontent.com/org/repo/main/deploy.yaml"),
            Some("main")
        );
        assert_eq!(
            raw_github_ref("https://raw.githubusercontent.com/org/repo/refs/heads/dev/x.yaml"),
            Some("dev")
        );
        assert_eq!(
            raw_github_ref("https://github.com/org/repo/releases/download/v1.2.3/install.yaml"),
            Some("v1.2.3")
        );
        assert_eq!(
            raw_github_ref("https://github.com/org/repo/raw/v2.0.0/a.yaml"),
            Some("v2.0.0")
        );
        assert_eq!(raw_github_ref("https://example.com/install.yaml"), None);
    }

    #[test]
    fn floating_urls() {
        for url in [
            "https://github.com/org/repo/releases/latest/download/install.yaml",
            "https://gitlab.com/group/sub/project/-/raw/main/deploy.yaml",
            "https://gitlab.example.com/g/p/-/blob/develop/x.yaml?inline=false",
            "https://raw.githubusercontent.com/org/repo/master/deploy/crds.yaml",
            "https://raw.githubusercontent.com/org/repo/refs/heads/dev/x.yaml",
        ] {
            assert!(floating_url(url).is_some(), "{url} floats");
        }
        for url in [
            "https://github.com/org/repo/releases/download/v1.2.3/install.yaml",
            "https://gitlab.com/group/project/-/raw/v1.4.0/deploy.yaml",
            "https://gitlab.com/group/project/-/raw/3f2a1b0c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a/d.yaml",
            "https://raw.githubusercontent.com/org/repo/v0.15.3/deploy/crds.yaml",
            "https://example.com/latest/install.yaml",
            "github.com/org/repo/releases/latest/download/x.yaml",
        ] {
            assert_eq!(floating_url(url), None, "{url} is pinned or unknown");
        }
    }

    #[test]
    fn local_charts_and_examples() {
        assert!(is_local_chart("./charts/app"));
        assert!(is_local_chart("../app"));
        assert!(is_local_chart("app"));
        assert!(!is_local_chart("jxgh/lighthouse"));
        assert!(!is_local_chart("oci://ghcr.io/org/charts/app"));
        assert_eq!(example_version(">=1.0.0 <2.0.0"), "1.0.0");
        assert_eq!(example_version("1.2.*"), "1.2.0");
        assert_eq!(example_version("*"), "1.2.3");
        assert_eq!(example_version("^3"), "3.0.0");
    }
}
