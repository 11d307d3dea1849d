//! The shared scanner behind GG201–GG204: every place a file names an image or a chart, and
//! whether that place pins what runs. Each rule keeps the [`Unpinned`] of its own [`Problem`].
//!
//! Image places: Kubernetes objects ([`containers`](super::containers)), Helm values files
//! and `HelmRelease` values, kustomize `images`, compose services and Dockerfiles. Chart and
//! source places are in [`charts`](super::charts). Template expressions are never reported:
//! their value is unknown until rendering.
//!
//! Several rules read the same scan (GG201–GG203 the images, GG203 and GG204 the charts): it
//! runs once per file, on first use, and is kept on the [`File`].

use super::image_ref::{ImageRef, Pin, tag_pin};
use super::{Ctx, File};
use crate::finding::Finding;
use crate::manifest::dockerfile::{self, Target};
use crate::manifest::{FileKind, Node, Style, objects};
use std::cell::OnceCell;
use std::ops::Range;

/// What is wrong with a reference; each problem belongs to one rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Problem {
    /// GG201: `latest` or another mutable tag.
    MutableTag,
    /// GG202: an image with neither tag nor digest.
    Untagged,
    /// GG203: a SNAPSHOT image tag or chart version.
    Snapshot,
    /// GG204: a chart or source that floats (no version, a range, a branch).
    UnpinnedChart,
}

/// One unpinned reference, ready to become a finding of the rule that owns its problem.
#[derive(Debug, Clone)]
pub struct Unpinned {
    pub problem: Problem,
    /// The offending value node (or the node that should have held the version).
    pub span: Range<usize>,
    pub message: String,
    pub help: String,
    pub labels: Vec<(Range<usize>, String)>,
}

impl Unpinned {
    /// The finding for `rule`.
    pub fn into_finding(self, rule: &dyn super::Rule, path: &str) -> Finding {
        let mut f = Finding::new(rule.info(), path, self.span, self.message).with_help(self.help);
        for (span, text) in self.labels {
            f = f.with_label(span, text);
        }
        f
    }
}

/// Pushes the findings of one rule: the scan filtered to `problem`.
pub fn report(
    rule: &dyn super::Rule,
    problem: Problem,
    found: &[Unpinned],
    path: &str,
    out: &mut Vec<Finding>,
) {
    out.extend(
        found
            .iter()
            .filter(|u| u.problem == problem)
            .map(|u| u.clone().into_finding(rule, path)),
    );
}

/// The scans of one file, each done on first use.
#[derive(Default)]
pub(super) struct Scans {
    images: OnceCell<Vec<Unpinned>>,
    charts: OnceCell<Vec<Unpinned>>,
}

/// Every unpinned image reference of the file.
pub fn images<'f>(file: &'f File, ctx: &Ctx) -> &'f [Unpinned] {
    file.scans
        .images
        .get_or_init(|| super::compose::images(file, ctx, scan_images(file, ctx)))
}

/// Every unpinned chart or artifact reference of the file ([`charts`](super::charts)).
pub fn charts<'f>(file: &'f File, ctx: &Ctx) -> &'f [Unpinned] {
    file.scans
        .charts
        .get_or_init(|| super::compose::charts(file, ctx, super::charts::scan(file, ctx)))
}

/// Prefilter for the image rules: the file may name an image.
pub fn may_name_images(kind: FileKind, bytes: &[u8]) -> bool {
    match kind {
        FileKind::Dockerfile => true,
        FileKind::Yaml | FileKind::Json => {
            super::contains(bytes, "image")
                || super::contains(bytes, "newTag")
                || super::contains(bytes, "newName")
        }
        FileKind::Other => false,
    }
}

fn scan_images(file: &File, ctx: &Ctx) -> Vec<Unpinned> {
    let mut scan = Scan {
        ctx,
        out: Vec::new(),
    };
    match file.kind {
        FileKind::Dockerfile => scan.dockerfile(file.text),
        FileKind::Yaml | FileKind::Json => {
            let role = Role::of(file.path);
            for doc in file.docs {
                let Some(root) = &doc.root else { continue };
                scan.document(root, role);
            }
        }
        FileKind::Other => {}
    }
    dedup(scan.out)
}

/// Drops repeats (a container list that is also a values `image`, say).
pub fn dedup(mut found: Vec<Unpinned>) -> Vec<Unpinned> {
    let mut seen = std::collections::HashSet::new();
    found.retain(|u| seen.insert((u.problem as u8, u.span.start, u.span.end)));
    found
}

/// What a YAML file is, from its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Compose,
    Values,
    Kustomization,
    Other,
}

impl Role {
    fn of(path: &str) -> Role {
        let name = path.rsplit('/').next().unwrap_or(path).to_ascii_lowercase();
        if name == "kustomization" {
            return Role::Kustomization;
        }
        let Some(stem) = name
            .strip_suffix(".yaml")
            .or_else(|| name.strip_suffix(".yml"))
        else {
            return Role::Other;
        };
        if stem == "compose" || stem.starts_with("compose.") || stem.starts_with("docker-compose") {
            Role::Compose
        } else if stem == "kustomization" {
            Role::Kustomization
        } else if stem == "values"
            || ["values-", "values.", "values_"]
                .iter()
                .any(|p| stem.starts_with(p))
            || ["-values", "_values", ".values"]
                .iter()
                .any(|s| stem.ends_with(s))
            || (path.starts_with("helmfiles/") || path.contains("/helmfiles/"))
                && !stem.starts_with("helmfile")
        {
            Role::Values
        } else {
            Role::Other
        }
    }
}

struct Scan<'c> {
    ctx: &'c Ctx<'c>,
    out: Vec<Unpinned>,
}

impl Scan<'_> {
    fn document(&mut self, root: &Node, role: Role) {
        let has_kind = root.get("kind").is_some();
        match role {
            Role::Compose if !has_kind => return self.compose(root),
            Role::Values if !has_kind => return self.values(root, &mut Vec::new()),
            _ => {}
        }
        for obj in objects(root) {
            let kind = obj.get("kind").and_then(Node::as_str).unwrap_or("");
            let api = obj.get("apiVersion").and_then(Node::as_str).unwrap_or("");
            let object = describe(obj);
            if role == Role::Kustomization
                || (matches!(kind, "Kustomization" | "Component")
                    && api.starts_with("kustomize.config.k8s.io/"))
            {
                self.kustomize_images(obj.get("images"));
            }
            if kind == "Kustomization" && api.starts_with("kustomize.toolkit.fluxcd.io/") {
                self.kustomize_images(obj.at(&["spec", "images"]));
            }
            if kind == "HelmRelease"
                && api.starts_with("helm.toolkit.fluxcd.io/")
                && let Some(values) = obj.at(&["spec", "values"])
            {
                self.values(values, &mut vec!["spec".into(), "values".into()]);
            }
            for site in super::containers::image_sites(obj) {
                let what = match site.container {
                    Some(name) => format!("{object}{} `{name}`", container_word(site.field)),
                    None => format!("{object}{}", container_word(site.field)),
                };
                self.image_node(site.node, &what);
            }
        }
    }

    /// A scalar holding a whole reference.
    fn image_node(&mut self, node: &Node, what: &str) {
        let Some(text) = node.as_str() else { return };
        if node.is_templated() || !is_string(node) {
            return;
        }
        if let Some(r) = ImageRef::parse(text.trim()) {
            self.image(&r, text.trim(), node.span.clone(), what, Vec::new());
        }
    }

    fn image(
        &mut self,
        r: &ImageRef,
        shown: &str,
        span: Range<usize>,
        what: &str,
        labels: Vec<(Range<usize>, String)>,
    ) {
        let images = &self.ctx.settings.images;
        let pin = r.pin(&images.mutable_tags);
        if pin == Pin::Pinned {
            return;
        }
        let name = r.name();
        if images.is_allowed(&[&name, shown, &r.normalized_name()]) {
            return;
        }
        let (problem, message) = describe_pin(pin, what, shown);
        self.out.push(Unpinned {
            problem,
            span,
            message,
            help: image_help(&name),
            labels,
        });
    }

    /// A bare tag (Helm `tag:`, kustomize `newTag:`) for the image `name`.
    fn tag(&mut self, tag_node: &Node, name: &str, what: &str) {
        let Some(tag) = tag_node.as_str() else { return };
        if tag_node.is_templated() || tag_node.is_null() || tag.trim().is_empty() {
            return;
        }
        let images = &self.ctx.settings.images;
        let pin = tag_pin(tag.trim(), &images.mutable_tags);
        if pin == Pin::Pinned {
            return;
        }
        let shown = format!("{name}:{}", tag.trim());
        let normalized = ImageRef::parse(name).map(|r| r.normalized_name());
        let mut names = vec![name, shown.as_str()];
        names.extend(normalized.as_deref());
        if images.is_allowed(&names) {
            return;
        }
        let (problem, message) = describe_pin(pin, what, &shown);
        self.out.push(Unpinned {
            problem,
            span: tag_node.span.clone(),
            message,
            help: image_help(name),
            labels: Vec::new(),
        });
    }

    /// Helm values: `image: "repo:tag"` and `image: {registry, repository, tag, digest}`,
    /// at any depth, plus any mapping with both `repository` and `tag`.
    fn values(&mut self, node: &Node, path: &mut Vec<String>) {
        if let Some(items) = node.as_seq() {
            for (i, item) in items.iter().enumerate() {
                path.push(format!("[{i}]"));
                self.values(item, path);
                path.pop();
            }
            return;
        }
        let Some(entries) = node.as_map() else { return };
        if node.get("repository").and_then(Node::as_str).is_some() && node.get("tag").is_some() {
            self.values_image_map(node, path);
            return;
        }
        for (k, v) in entries {
            let Some(key) = k.as_str() else { continue };
            path.push(key.to_string());
            if key == "image" {
                if v.as_map().is_some() {
                    self.values_image_map(v, path);
                } else if v.as_str().is_some() {
                    self.values_image_string(node, v, path);
                }
            } else {
                self.values(v, path);
            }
            path.pop();
        }
    }

    fn values_image_map(&mut self, map: &Node, path: &[String]) {
        let what = format!("Helm value `{}`", dotted(path));
        let text = |key: &str| {
            map.get(key)
                .filter(|n| !n.is_templated())
                .and_then(Node::as_str)
                .map(str::trim)
                .filter(|s| !s.is_empty())
        };
        if text("digest").is_some() || text("sha").is_some() {
            return;
        }
        let Some(repository) = map.get("repository").or_else(|| map.get("name")) else {
            return;
        };
        if repository.is_templated() {
            return;
        }
        let Some(repo) = repository.as_str().map(str::trim).filter(|s| !s.is_empty()) else {
            return;
        };
        let name = match text("registry") {
            Some(reg) if !repo.starts_with(&format!("{reg}/")) => format!("{reg}/{repo}"),
            _ => repo.to_string(),
        };
        // A repository that carries its own tag or digest speaks for itself.
        if let Some(r) = ImageRef::parse(&name)
            && (r.tag.is_some() || r.digest.is_some())
        {
            self.image(&r, &name, repository.span.clone(), &what, Vec::new());
            return;
        }
        // No tag, or an empty one, falls back to the chart's appVersion: the recommended
        // pattern, and pinned by the chart version.
        if let Some(tag) = map.get("tag") {
            self.tag(tag, &name, &format!("Helm value `{}.tag`", dotted(path)));
        }
    }

    fn values_image_string(&mut self, parent: &Node, image: &Node, path: &[String]) {
        let what = format!("Helm value `{}`", dotted(path));
        // `image: repo` next to `tag:` / `imageTag:`: the tag sits beside it.
        let sibling_tag = ["tag", "imageTag"].iter().find_map(|k| parent.get(k));
        match sibling_tag {
            Some(tag) => {
                let name = image
                    .as_str()
                    .map(str::trim)
                    .filter(|_| !image.is_templated() && is_string(image))
                    .filter(|n| ImageRef::parse(n).is_some());
                if let Some(name) = name {
                    self.tag(tag, name, &what);
                }
            }
            None => self.image_node(image, &what),
        }
    }

    /// Kustomize `images:` overrides.
    fn kustomize_images(&mut self, images: Option<&Node>) {
        for entry in images.and_then(Node::as_seq).unwrap_or_default() {
            let text = |key: &str| entry.get(key).and_then(Node::as_str).map(str::trim);
            if text("digest").is_some_and(|d| !d.is_empty()) {
                continue;
            }
            let name = text("name").unwrap_or("");
            let what = format!("kustomize image override `{name}`");
            let target = text("newName").filter(|n| !n.is_empty()).unwrap_or(name);
            if let Some(tag) = entry.get("newTag").filter(|t| !t.is_null()) {
                self.tag(tag, target, &what);
                continue;
            }
            let Some(new_name) = entry.get("newName") else {
                continue;
            };
            if new_name.is_templated() {
                continue;
            }
            let Some(r) = new_name.as_str().and_then(|s| ImageRef::parse(s.trim())) else {
                continue;
            };
            if r.tag.is_some() || r.digest.is_some() {
                self.image(&r, target, new_name.span.clone(), &what, Vec::new());
                continue;
            }
            let images = &self.ctx.settings.images;
            if images.is_allowed(&[&r.name(), &r.normalized_name()]) {
                continue;
            }
            self.out.push(Unpinned {
                problem: Problem::Untagged,
                span: new_name.span.clone(),
                message: format!(
                    "{what} renames the image to `{target}` without `newTag` or `digest`: \
                     what runs then depends on whatever tag the base manifests use, or `latest`"
                ),
                help: format!(
                    "add `newTag: <version>` or `digest: sha256:<digest>` to the override of `{name}`"
                ),
                labels: Vec::new(),
            });
        }
    }

    /// Compose: `services.<name>.image`. A service that also has `build:` names its own
    /// build output with `image:`; nothing is pulled, so it is not reported.
    fn compose(&mut self, root: &Node) {
        for (name, service) in root
            .get("services")
            .and_then(Node::as_map)
            .unwrap_or_default()
        {
            if service.get("build").is_some() {
                continue;
            }
            if let Some(image) = service.get("image") {
                let what = format!("compose service `{}`", name.as_str().unwrap_or("?"));
                self.image_node(image, &what);
            }
        }
    }

    fn dockerfile(&mut self, text: &str) {
        for u in dockerfile::image_uses(text) {
            let Target::Image(resolved) = &u.target else {
                continue;
            };
            let Some(r) = ImageRef::parse(resolved) else {
                continue;
            };
            let instruction = match u.source {
                dockerfile::Source::From => "`FROM`",
                dockerfile::Source::CopyFrom => "`COPY --from`",
                dockerfile::Source::MountFrom => "`RUN --mount=from=`",
            };
            let shown = if u.raw == *resolved {
                u.raw.clone()
            } else {
                format!("{} (resolves to `{resolved}`)", u.raw)
            };
            let labels = u
                .args
                .iter()
                .map(|(name, span)| (span.clone(), format!("`{name}` is set here")))
                .collect();
            let what = format!("Dockerfile {instruction}");
            self.image(&r, &shown, u.span.clone(), &what, labels);
        }
    }
}

/// A scalar that YAML reads as a string: not a plain `true`, `null`, `42`, `1.5`, ...
fn is_string(node: &Node) -> bool {
    let Some(s) = node.as_scalar() else {
        return false;
    };
    if s.style != Style::Plain {
        return true;
    }
    let t = s.text.as_str();
    let keyword = matches!(
        t.to_ascii_lowercase().as_str(),
        "" | "~" | "null" | "true" | "false" | "yes" | "no" | "on" | "off"
    );
    !keyword && t.parse::<f64>().is_err()
}

fn describe_pin(pin: Pin, what: &str, shown: &str) -> (Problem, String) {
    let shown = if shown.contains("(resolves to") {
        // `alpine:${TAG}` (resolves to `alpine:latest`): keep the backticks balanced.
        format!("`{}", shown.replacen(" (", "` (", 1))
    } else {
        format!("`{shown}`")
    };
    match pin {
        Pin::Mutable(tag) if tag.eq_ignore_ascii_case("latest") => (
            Problem::MutableTag,
            format!(
                "{what} uses {shown}: the `{tag}` tag moves with every push, so git does not \
                 say what runs"
            ),
        ),
        Pin::Mutable(tag) => (
            Problem::MutableTag,
            format!(
                "{what} uses {shown}: `{tag}` is a mutable tag (`images.mutable-tags`) that is \
                 re-pointed at new builds, so git does not say what runs"
            ),
        ),
        Pin::Snapshot(_) => (
            Problem::Snapshot,
            format!(
                "{what} uses {shown}: a SNAPSHOT tag is overwritten by every build, so git \
                 does not say what runs"
            ),
        ),
        Pin::Untagged | Pin::Pinned => (
            Problem::Untagged,
            format!(
                "{what} uses {shown} with no tag or digest: the runtime pulls whatever \
                 `latest` is at the time"
            ),
        ),
    }
}

fn image_help(name: &str) -> String {
    format!(
        "pin a release tag (`{name}:<version>`) or a digest (`{name}@sha256:<digest>`); \
         or allow the image under `images.allow` in .gitops-guard.yaml"
    )
}

/// `Deployment `web`, ` for messages (empty for kind-less fragments).
pub fn describe(obj: &Node) -> String {
    let kind = obj.get("kind").and_then(Node::as_str);
    // A templated name is not known (and its text may be a placeholder): leave it out.
    let name = obj
        .at(&["metadata", "name"])
        .filter(|n| !n.is_templated())
        .and_then(Node::as_str);
    match (kind, name) {
        (Some(k), Some(n)) => format!("{k} `{n}`, "),
        (Some(k), None) => format!("{k}, "),
        _ => String::new(),
    }
}

fn container_word(field: &str) -> &'static str {
    match field {
        "initContainers" => "init container",
        "ephemeralContainers" => "ephemeral container",
        "steps" => "step",
        "sidecars" => "sidecar",
        "stepTemplate" => "stepTemplate",
        "StepAction" => "step action",
        "container" | "script" => "template",
        _ => "container",
    }
}

fn dotted(path: &[String]) -> String {
    let mut s = String::new();
    for part in path {
        if !s.is_empty() && !part.starts_with('[') {
            s.push('.');
        }
        s.push_str(part);
    }
    s
}

/// Helpers for the rule unit tests: run one rule over one file, with the real parser.
#[cfg(test)]
pub(crate) mod testing {
    use crate::config::Settings;
    use crate::manifest::FileKind;
    use crate::rules::{Ctx, File, Rule};
    use crate::source::RepoView;
    use std::collections::HashMap;
    use std::sync::Arc;

    /// An in-memory repository: path → content.
    pub struct MemRepo {
        paths: Vec<String>,
        files: HashMap<String, Arc<Vec<u8>>>,
    }

    impl MemRepo {
        pub fn new(files: &[(&str, &str)]) -> MemRepo {
            MemRepo {
                paths: files.iter().map(|(p, _)| p.to_string()).collect(),
                files: files
                    .iter()
                    .map(|(p, t)| (p.to_string(), Arc::new(t.as_bytes().to_vec())))
                    .collect(),
            }
        }
    }

    impl RepoView for MemRepo {
        fn paths(&self) -> &[String] {
            &self.paths
        }
        fn read(&self, path: &str) -> Option<Arc<Vec<u8>>> {
            self.files.get(path).cloned()
        }
    }

    /// (code, 1-based line) of every finding of `rule` on `text` at `path`.
    pub fn run(
        rule: &dyn Rule,
        path: &str,
        text: &str,
        repo: &dyn RepoView,
    ) -> Vec<(&'static str, usize)> {
        run_with(rule, path, text, repo, &Settings::default())
    }

    pub fn run_with(
        rule: &dyn Rule,
        path: &str,
        text: &str,
        repo: &dyn RepoView,
        settings: &Settings,
    ) -> Vec<(&'static str, usize)> {
        let kind = FileKind::of(path);
        if !rule.applies_to(kind, path, text.as_bytes()) {
            return Vec::new();
        }
        let docs = crate::manifest::parse_file(path, text, kind);
        let file = File::new(path, text, kind, &docs);
        let ctx = Ctx {
            settings,
            repo,
            layout: None,
        };
        let mut out = Vec::new();
        rule.check(&file, &ctx, &mut out);
        let lines = crate::finding::LineIndex::new(text);
        let mut got: Vec<_> = out
            .iter()
            .map(|f| (f.code, lines.position(text, f.span.start).line))
            .collect();
        got.sort();
        got
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_scan_runs_once_per_file() {
        let text = "image: nginx:latest\nversion: 1.0.0-SNAPSHOT\n";
        let docs = crate::manifest::parse_file("values.yaml", text, FileKind::Yaml);
        let file = File::new("values.yaml", text, FileKind::Yaml, &docs);
        let settings = crate::config::Settings::default();
        let ctx = Ctx {
            settings: &settings,
            repo: &crate::source::NoRepo,
            layout: None,
        };
        let first = images(&file, &ctx);
        assert_eq!(first.len(), 1);
        assert!(std::ptr::eq(first, images(&file, &ctx)), "scanned again");
        assert!(std::ptr::eq(charts(&file, &ctx), charts(&file, &ctx)));
    }

    #[test]
    fn roles() {
        assert_eq!(Role::of("docker-compose.prod.yml"), Role::Compose);
        assert_eq!(Role::of("deploy/compose.yaml"), Role::Compose);
        assert_eq!(Role::of("charts/app/values.yaml"), Role::Values);
        assert_eq!(Role::of("charts/app/values-prod.yaml"), Role::Values);
        assert_eq!(Role::of("helmfiles/jx/jx-values.yaml"), Role::Values);
        assert_eq!(Role::of("helmfiles/jx/lighthouse.yaml"), Role::Values);
        assert_eq!(Role::of("helmfiles/jx/helmfile.yaml"), Role::Other);
        assert_eq!(
            Role::of("apps/production/podinfo-values.yaml"),
            Role::Values
        );
        assert_eq!(Role::of("base/kustomization.yml"), Role::Kustomization);
        assert_eq!(Role::of("apps/deploy.yaml"), Role::Other);
        assert_eq!(Role::of("values-schema.json"), Role::Other);
    }

    #[test]
    fn messages_name_the_reference() {
        let (p, m) = describe_pin(Pin::Mutable("latest"), "container `a`", "nginx:latest");
        assert_eq!(p, Problem::MutableTag);
        assert!(m.contains("`nginx:latest`"), "{m}");
        let (p, m) = describe_pin(Pin::Untagged, "x", "alpine:${T} (resolves to `alpine`)");
        assert_eq!(p, Problem::Untagged);
        assert!(m.contains("`alpine:${T}` (resolves to `alpine`)"), "{m}");
        assert_eq!(
            dotted(&["a".into(), "[0]".into(), "image".into()]),
            "a[0].image"
        );
    }
}
