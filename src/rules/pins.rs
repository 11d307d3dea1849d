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

use super::embedded::SpanMap;
use super::image_ref::{
    Decided, ImageRef, Pin, decide_templated, floating_tag, tag_has_digest, tag_pin,
};
use super::{Ctx, File};
use crate::catalog;
use crate::config::Require;
use crate::finding::Finding;
use crate::manifest::dockerfile::{self, Target};
use crate::manifest::{Document, FileKind, Node, ParseOptions, Style, objects, parse_stream};
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
    /// GG205 (opt-in): a tag or action ref that names a release line (`redis:7`, `@v4`).
    FloatingTag,
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
    /// The documents of a helmfile `.gotmpl` file, which the engine does not parse.
    gotmpl: OnceCell<Vec<Document>>,
}

/// Helmfile v1 templates (`helmfile.yaml.gotmpl`, `values.yaml.gotmpl`): YAML with Go
/// template actions, read as tolerantly as a chart's templates.
pub fn is_gotmpl(path: &str) -> bool {
    // Asked of every non-YAML file a prefilter sees: no allocation.
    let ends = |s: &str| {
        path.len() >= s.len()
            && path.as_bytes()[path.len() - s.len()..].eq_ignore_ascii_case(s.as_bytes())
    };
    ends(".yaml.gotmpl") || ends(".yml.gotmpl")
}

/// The path as the readers see it: a `.gotmpl` file named by the YAML file it renders to.
pub fn rendered_path(path: &str) -> &str {
    if is_gotmpl(path) {
        &path[..path.len() - ".gotmpl".len()]
    } else {
        path
    }
}

/// The documents of the file: parsed by the engine, or here for `.gotmpl` files.
pub fn documents<'f>(file: &'f File) -> &'f [Document] {
    if !file.docs.is_empty() || !is_gotmpl(file.path) {
        return file.docs;
    }
    file.scans.gotmpl.get_or_init(|| {
        let opts = ParseOptions {
            tolerant: true,
            ..ParseOptions::default()
        };
        parse_stream(file.text, &opts)
    })
}

/// Whether the images (and charts) of `file` are read as YAML.
fn is_manifest(kind: FileKind, path: &str) -> bool {
    matches!(kind, FileKind::Yaml | FileKind::Json) || is_gotmpl(path)
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
pub fn may_name_images(kind: FileKind, path: &str, bytes: &[u8]) -> bool {
    if kind == FileKind::Dockerfile {
        return true;
    }
    if !is_manifest(kind, path) {
        return false;
    }
    super::contains(bytes, "image")
        || super::contains(bytes, "newTag")
        || super::contains(bytes, "newName")
        // A workflow's `container: node:20` names no `image` key.
        || super::workflows::is_workflow(path)
}

fn scan_images<'c>(file: &'c File, ctx: &'c Ctx<'c>) -> Vec<Unpinned> {
    let mut scan = Scan::new(ctx, file.text);
    if file.kind == FileKind::Dockerfile {
        scan.dockerfile(file.text);
    } else if is_manifest(file.kind, file.path) {
        let role = Role::of(rendered_path(file.path));
        let workflow = super::workflows::is_workflow(file.path);
        for doc in documents(file) {
            let Some(root) = &doc.root else { continue };
            if workflow {
                super::workflows::images(root, &mut scan);
            } else {
                scan.document(root, role);
            }
        }
    }
    dedup(scan.out)
}

/// What GG205 requires, when it is on (`None`: off, or `images.require: tag`).
pub fn required_precision(ctx: &Ctx) -> Option<Require> {
    ctx.settings
        .level(catalog::FLOATING_TAG.code)
        .map(|_| ctx.settings.images.require)
        .filter(|r| *r != Require::Tag)
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

/// The image scanner of one file (also fed by [`workflows`](super::workflows)).
pub(super) struct Scan<'c> {
    ctx: &'c Ctx<'c>,
    /// The file's text (spans of YAML embedded in strings are mapped back into it).
    text: &'c str,
    /// What GG205 requires, when it is on.
    require: Option<Require>,
    out: Vec<Unpinned>,
}

impl<'c> Scan<'c> {
    fn new(ctx: &'c Ctx<'c>, text: &'c str) -> Scan<'c> {
        Scan {
            ctx,
            text,
            require: required_precision(ctx),
            out: Vec::new(),
        }
    }

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
            if api.starts_with("argoproj.io/") {
                match kind {
                    "Application" => self.argo_sources(obj.get("spec"), "spec", &object),
                    "ApplicationSet" => self.argo_sources(
                        obj.at(&["spec", "template", "spec"]),
                        "spec.template.spec",
                        &object,
                    ),
                    _ => {}
                }
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

    /// A scalar holding a whole reference. A partly templated one is judged by its literal
    /// part ([`decide_templated`]).
    pub(super) fn image_node(&mut self, node: &Node, what: &str) {
        let Some(text) = node.as_str() else { return };
        if !is_string(node) {
            return;
        }
        let text = text.trim();
        if let Some(r) = ImageRef::parse(text) {
            if !node.is_templated() {
                self.image(&r, text, node.span.clone(), what, Vec::new());
            }
            return;
        }
        let (pin, tag) = match decide_templated(text) {
            Decided::Tag(tag) => (tag_pin(tag, &self.ctx.settings.images.mutable_tags), tag),
            Decided::Untagged => (Pin::Untagged, ""),
            Decided::Digest | Decided::Unknown => return,
        };
        let judged = Judged {
            pin,
            tag: Some(tag).filter(|t| !t.is_empty()),
            digest: false,
            shown: text,
            name: text,
            allow: &[text],
        };
        self.judge(judged, node.span.clone(), what, Vec::new());
    }

    /// A parsed reference (`shown` as the message should name it).
    pub(super) fn image(
        &mut self,
        r: &ImageRef,
        shown: &str,
        span: Range<usize>,
        what: &str,
        labels: Vec<(Range<usize>, String)>,
    ) {
        let images = &self.ctx.settings.images;
        let name = r.name();
        let normalized = r.normalized_name();
        let judged = Judged {
            pin: r.pin(&images.mutable_tags),
            tag: r.tag,
            digest: r.digest.is_some(),
            shown,
            name: &name,
            allow: &[&name, shown, &normalized],
        };
        self.judge(judged, span, what, labels);
    }

    /// Reports what `judged` says is wrong, unless its image is allowed.
    fn judge(
        &mut self,
        judged: Judged,
        span: Range<usize>,
        what: &str,
        labels: Vec<(Range<usize>, String)>,
    ) {
        let found = match judged.pin {
            Pin::Pinned => match self.floating(judged.tag, judged.digest) {
                Some(why) => (
                    Problem::FloatingTag,
                    format!(
                        "{what} uses `{}`: {why}, so the same commit runs whatever is \
                         published under it next",
                        judged.shown
                    ),
                ),
                None => return,
            },
            pin => describe_pin(pin, what, judged.shown),
        };
        if self.ctx.settings.images.is_allowed(judged.allow) {
            return;
        }
        let help = if found.0 == Problem::FloatingTag && judged.name.is_empty() {
            "pin a full version (`tag: x.y.z`) or a digest".to_string()
        } else if found.0 == Problem::FloatingTag {
            format!(
                "pin a full version (`{}:x.y.z`) or a digest (`{}@sha256:<digest>`); \
                 `images.require` in .gitops-guard.yaml sets how precise a pin must be",
                judged.name, judged.name
            )
        } else if judged.name.is_empty() {
            "set a release tag (`tag: <version>`) or a digest (`digest: sha256:<digest>`)"
                .to_string()
        } else {
            image_help(judged.name)
        };
        self.out.push(Unpinned {
            problem: found.0,
            span,
            message: found.1,
            help,
            labels,
        });
    }

    /// Why a pinned tag still floats under `images.require` (GG205, when on).
    fn floating(&self, tag: Option<&str>, digest: bool) -> Option<String> {
        let has_digest = digest || tag.is_some_and(tag_has_digest);
        match self.require? {
            Require::Tag => None,
            Require::Digest if !has_digest => {
                Some("it has no digest, and `images.require: digest` asks for one".into())
            }
            Require::Digest => None,
            Require::Version if has_digest => None,
            Require::Version => {
                let tag = tag?;
                floating_tag(tag).map(|f| format!("the tag `{tag}` {}", f.describe()))
            }
        }
    }

    /// A bare tag (Helm `tag:`, kustomize `newTag:`) for the image `name` (`None` when the
    /// image is the chart's default, as in `image: {tag: latest}`).
    fn tag(&mut self, tag_node: &Node, name: Option<&str>, what: &str) {
        let Some(tag) = tag_node.as_str() else { return };
        if tag_node.is_templated() || tag_node.is_null() || tag.trim().is_empty() {
            return;
        }
        let tag = tag.trim();
        let images = &self.ctx.settings.images;
        let shown = match name {
            Some(name) => format!("{name}:{tag}"),
            None => tag.to_string(),
        };
        let normalized = name.and_then(ImageRef::parse).map(|r| r.normalized_name());
        let mut allow = vec![shown.as_str()];
        allow.extend(name);
        allow.extend(normalized.as_deref());
        let judged = Judged {
            pin: tag_pin(tag, &images.mutable_tags),
            tag: Some(tag),
            digest: false,
            shown: &shown,
            name: name.unwrap_or(""),
            allow: &allow,
        };
        self.judge(judged, tag_node.span.clone(), what, Vec::new());
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
        let tag_what = format!("Helm value `{}.tag`", dotted(path));
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
            // `image: {tag: latest}` overrides the tag of the chart's own image (a subchart
            // override, `global.image.tag`): the tag alone decides.
            if let Some(tag) = map.get("tag") {
                self.tag(tag, None, &tag_what);
            }
            return;
        };
        let Some(repo) = repository.as_str().map(str::trim).filter(|s| !s.is_empty()) else {
            return;
        };
        if repository.is_templated() {
            // `repository: "{{ .Values.registry }}/app"`: the literal tag still decides.
            if let Some(tag) = map.get("tag") {
                self.tag(tag, Some(repo), &tag_what);
            }
            return;
        }
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
            self.tag(tag, Some(&name), &tag_what);
        }
    }

    fn values_image_string(&mut self, parent: &Node, image: &Node, path: &[String]) {
        let what = format!("Helm value `{}`", dotted(path));
        // `image: repo` next to `tag:` / `imageTag:`: the tag sits beside it.
        let sibling_tag = ["tag", "imageTag"].iter().find_map(|k| parent.get(k));
        match sibling_tag {
            Some(tag) => {
                // A templated name (`"{{ .Values.registry }}/app"`) leaves the tag to decide.
                let name = image
                    .as_str()
                    .map(str::trim)
                    .filter(|_| is_string(image))
                    .filter(|n| image.is_templated() || ImageRef::parse(n).is_some());
                if let Some(name) = name {
                    self.tag(tag, Some(name), &what);
                }
            }
            None => self.image_node(image, &what),
        }
    }

    /// Argo CD `Application` sources: Helm `valuesObject`, `values` (YAML in a string) and
    /// `parameters`, and kustomize `images`.
    fn argo_sources(&mut self, spec: Option<&Node>, spec_path: &str, object: &str) {
        let Some(spec) = spec else { return };
        let single = spec
            .get("source")
            .map(|s| (format!("{spec_path}.source"), s));
        let many = spec
            .get("sources")
            .and_then(Node::as_seq)
            .unwrap_or_default()
            .iter()
            .enumerate()
            .map(|(i, s)| (format!("{spec_path}.sources[{i}]"), s));
        for (at, source) in single.into_iter().chain(many) {
            if let Some(helm) = source.get("helm") {
                let path = |field: &str| vec![format!("{at}.helm.{field}")];
                if let Some(values) = helm.get("valuesObject") {
                    self.values(values, &mut path("valuesObject"));
                }
                if let Some(values) = helm.get("values") {
                    self.embedded_values(values, &mut path("values"));
                }
                if let Some(params) = helm.get("parameters").and_then(Node::as_seq) {
                    self.helm_parameters(params, object);
                }
            }
            for entry in source
                .at(&["kustomize", "images"])
                .and_then(Node::as_seq)
                .unwrap_or_default()
            {
                self.argo_kustomize_image(entry, object);
            }
        }
    }

    /// `helm.values: |` — values YAML inside a string, reported at its own lines.
    fn embedded_values(&mut self, node: &Node, path: &mut Vec<String>) {
        let Some(scalar) = node.as_scalar() else {
            return;
        };
        // An ApplicationSet template: the text is not known until generation.
        if scalar.templated {
            return;
        }
        let inner_docs = parse_stream(&scalar.text, &ParseOptions::default());
        let map = SpanMap::new(self.text, node);
        let mut inner = Scan::new(self.ctx, "");
        for root in inner_docs.iter().filter_map(|d| d.root.as_ref()) {
            inner.values(root, path);
        }
        for mut u in inner.out {
            u.span = map.map(&scalar.text, &u.span);
            for (span, _) in &mut u.labels {
                *span = map.map(&scalar.text, span);
            }
            self.out.push(u);
        }
    }

    /// `helm.parameters`: `{name: image.tag, value: latest}` pairs set values by their
    /// dotted path; an `…image.tag` goes with its `…image.repository`, an `…image` string
    /// with a sibling `…tag`.
    fn helm_parameters(&mut self, params: &[Node], object: &str) {
        // Indexed once: a hostile list of many parameters stays linear.
        let index: std::collections::HashMap<&str, &Node> = params
            .iter()
            .filter_map(|p| Some((p.get("name")?.as_str()?, p.get("value")?)))
            .collect();
        let by_name = |name: &str| index.get(name).copied();
        for param in params {
            let (Some(name_node), Some(value)) = (param.get("name"), param.get("value")) else {
                continue;
            };
            let Some(name) = name_node.as_str().filter(|_| !name_node.is_templated()) else {
                continue;
            };
            let (parent, last) = name.rsplit_once('.').unwrap_or(("", name));
            let sibling = |key: &str| {
                if parent.is_empty() {
                    key.to_string()
                } else {
                    format!("{parent}.{key}")
                }
            };
            let what = format!("{object}Helm parameter `{name}`");
            let parent_last = parent.rsplit('.').next().unwrap_or(parent);
            if last == "tag" && parent_last == "image" {
                let repo = by_name(&sibling("repository"))
                    .filter(|r| !r.is_templated())
                    .and_then(Node::as_str)
                    .map(str::trim)
                    .filter(|r| ImageRef::parse(r).is_some());
                self.tag(value, repo, &what);
            } else if last == "image" {
                match by_name(&sibling("tag")) {
                    Some(tag) => {
                        let repo = value
                            .as_str()
                            .map(str::trim)
                            .filter(|r| !value.is_templated() && ImageRef::parse(r).is_some());
                        if let Some(repo) = repo {
                            self.tag(tag, Some(repo), &what);
                        }
                    }
                    None => self.image_node(value, &what),
                }
            }
        }
    }

    /// Argo CD `kustomize.images`: `name:tag`, `name@digest`, `name=newname:tag`; a rename
    /// without a tag or digest runs whatever the base's tag or `latest` is.
    fn argo_kustomize_image(&mut self, entry: &Node, object: &str) {
        let Some(text) = entry.as_str().map(str::trim) else {
            return;
        };
        if entry.is_templated() {
            return self.image_node(entry, &format!("{object}kustomize image override"));
        }
        let (name, target) = match text.split_once('=') {
            Some((name, target)) => (name, target),
            None => (text, text),
        };
        let Some(r) = ImageRef::parse(target) else {
            return;
        };
        let name = if target == text {
            r.name()
        } else {
            name.to_string()
        };
        let what = format!("{object}kustomize image override `{name}`");
        if r.tag.is_some() || r.digest.is_some() {
            return self.image(&r, target, entry.span.clone(), &what, Vec::new());
        }
        // `name` alone overrides nothing; a rename without tag keeps the base's tag.
        if target == text {
            return;
        }
        self.untagged_rename(entry, &name, target, &r, &what);
    }

    fn untagged_rename(&mut self, node: &Node, name: &str, target: &str, r: &ImageRef, what: &str) {
        let images = &self.ctx.settings.images;
        if images.is_allowed(&[&r.name(), &r.normalized_name()]) {
            return;
        }
        self.out.push(Unpinned {
            problem: Problem::Untagged,
            span: node.span.clone(),
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
                self.tag(tag, Some(target), &what);
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
            self.untagged_rename(new_name, name, target, &r, &what);
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

/// One reference, judged: what it pins and the names it goes by.
struct Judged<'a> {
    pin: Pin<'a>,
    tag: Option<&'a str>,
    digest: bool,
    /// The reference as the message names it.
    shown: &'a str,
    /// The image name for the help text (empty: the chart's default image).
    name: &'a str,
    /// The forms `images.allow` is matched against.
    allow: &'a [&'a str],
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
    fn gotmpl_files_read_as_what_they_render() {
        assert!(is_gotmpl("helmfile.yaml.gotmpl"));
        assert!(is_gotmpl("helmfiles/jx/values.YML.gotmpl"));
        assert!(!is_gotmpl("notes.txt.gotmpl"));
        assert!(!is_gotmpl("gotmpl"));
        assert_eq!(rendered_path("a/values.yaml.gotmpl"), "a/values.yaml");
        assert_eq!(rendered_path("a/values.yaml"), "a/values.yaml");
        assert_eq!(
            Role::of(rendered_path("helmfiles/jx/values.yaml.gotmpl")),
            Role::Values
        );
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
