//! From a GG201/GG202/GG204 finding to what to look up and which bytes to change. The rules
//! report the exact node (the image string, the Helm `tag:`, the `version:` or
//! `targetRevision:` value, or the `chart:`/`repoURL:` entry that lacks a version); this
//! finds that node again in the parsed documents and reads its neighbours.

use super::lookup::ChartRepo;
use crate::finding::Finding;
use crate::manifest::{Document, Node, objects};
use crate::rules::image_ref::ImageRef;
use std::ops::Range;

/// Where a version goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Place {
    /// Replace the scalar's text (inside its quotes).
    Value(Range<usize>),
    /// Add `key: <value>` next to the entry whose key and value are at these spans.
    NewKey {
        key: &'static str,
        beside_key: Range<usize>,
        beside_value: Range<usize>,
    },
    /// Flux `ref.branch: x` becomes `ref.tag: <tag>` or `ref.commit: <sha>`.
    RenameKey {
        key: Range<usize>,
        value: Range<usize>,
    },
}

/// One thing to pin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A whole image reference (`nginx:latest`) at `range` (inside its quotes).
    Image {
        reference: String,
        range: Range<usize>,
    },
    /// A Helm values `tag:` (at `range`) of the image `name`.
    ImageTag {
        name: String,
        tag: String,
        range: Range<usize>,
    },
    Chart {
        repo: ChartRepo,
        chart: String,
        /// The range written (`None`: no version at all).
        constraint: Option<String>,
        /// A helmfile release (`<repository>/<chart>`, release name): the version stream
        /// of a Jenkins X repository may pin it, offline.
        stream: Option<(String, Option<String>)>,
        place: Place,
    },
    Git {
        url: String,
        /// A range (`>=1.0`) to satisfy, or the branch/`HEAD` followed now.
        revision: Option<String>,
        place: Place,
    },
}

/// A finding this fix cannot handle, and why.
pub type Unsupported = (usize, String);

/// The targets of one file's findings; the findings it cannot pin, with the reason.
pub fn collect(
    text: &str,
    docs: &[Document],
    findings: &[Finding],
) -> (Vec<(usize, Target)>, Vec<Unsupported>) {
    let mut targets = Vec::new();
    let mut unsupported = Vec::new();
    for (i, f) in findings.iter().enumerate() {
        let found = match f.code {
            "GG201" | "GG202" => image(text, docs, &f.span),
            "GG204" => chart_or_git(text, docs, &f.span),
            _ => continue,
        };
        match found {
            Ok(t) => targets.push((i, t)),
            Err(why) => unsupported.push((i, why)),
        }
    }
    (targets, unsupported)
}

/// The span without the quotes of a quoted scalar.
pub fn inner(text: &str, span: &Range<usize>) -> Range<usize> {
    let raw = text.get(span.clone()).unwrap_or("");
    let quoted = raw.len() >= 2
        && ((raw.starts_with('"') && raw.ends_with('"'))
            || (raw.starts_with('\'') && raw.ends_with('\'')));
    if quoted {
        span.start + 1..span.end - 1
    } else {
        let lead = raw.len() - raw.trim_start().len();
        span.start + lead..span.start + raw.trim_end().len()
    }
}

fn image(text: &str, docs: &[Document], span: &Range<usize>) -> Result<Target, String> {
    let range = inner(text, span);
    let written = text.get(range.clone()).unwrap_or("");
    // A bare tag (Helm `tag:`, kustomize `newTag:`) parses as an image name too: the key
    // decides.
    let entry = locate(docs, span).map(|path| path[path.len() - 1]);
    let key = entry.map_or("", |(_, k)| k);
    if !matches!(key, "tag" | "newTag" | "newName") {
        let r = ImageRef::parse(written)
            .ok_or("not a plain image reference (a build argument or template)")?;
        if r.digest.is_some() {
            return Err("it already has a digest".into());
        }
        return Ok(Target::Image {
            reference: written.to_string(),
            range,
        });
    }
    let Some((map, key)) = entry else {
        return Err("not a plain image reference".into());
    };
    match key {
        "tag" => {
            let repo = map
                .get("repository")
                .or_else(|| map.get("name"))
                .and_then(Node::as_str)
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .ok_or("the Helm value has no `repository`")?;
            let name = match map.get("registry").and_then(Node::as_str).map(str::trim) {
                Some(reg) if !reg.is_empty() && !repo.starts_with(&format!("{reg}/")) => {
                    format!("{reg}/{repo}")
                }
                _ => repo.to_string(),
            };
            Ok(Target::ImageTag {
                name,
                tag: written.to_string(),
                range,
            })
        }
        "newTag" | "newName" => Err(
            "a kustomize `images` override: set its `digest:` by hand (or pin the image where \
             it is used)"
                .into(),
        ),
        _ => Err("not a plain image reference".into()),
    }
}

/// A value as text, trimmed, when it is a non-empty scalar.
fn text_of(node: Option<&Node>) -> Option<&str> {
    node.and_then(Node::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

fn chart_or_git(text: &str, docs: &[Document], span: &Range<usize>) -> Result<Target, String> {
    let path = locate(docs, span).ok_or("not a field this fix knows")?;
    let (map, key) = path[path.len() - 1];
    let value_range = inner(text, span);
    let value = text.get(value_range.clone()).unwrap_or("").to_string();
    let key_span = map
        .entry(key)
        .map(|(k, _)| k.span.clone())
        .ok_or("not a field this fix knows")?;
    let new_key = |k: &'static str| Place::NewKey {
        key: k,
        beside_key: key_span.clone(),
        beside_value: span.clone(),
    };
    // Argo CD sources: `repoURL` with `chart` (Helm) or without (git).
    if let Some(repo_url) = text_of(map.get("repoURL")) {
        if let Some(chart) = text_of(map.get("chart")) {
            let repo = ChartRepo::from_url(repo_url, false)
                .ok_or_else(|| format!("cannot read the chart repository `{repo_url}`"))?;
            return Ok(match key {
                "targetRevision" => Target::Chart {
                    repo,
                    chart: chart.to_string(),
                    constraint: Some(value),
                    stream: None,
                    place: Place::Value(value_range),
                },
                _ => Target::Chart {
                    repo,
                    chart: chart.to_string(),
                    constraint: None,
                    stream: None,
                    place: new_key("targetRevision"),
                },
            });
        }
        if repo_url.starts_with("oci://") {
            return Err("an OCI artifact source: pin its `targetRevision` by hand".into());
        }
        return Ok(match key {
            "targetRevision" => Target::Git {
                url: repo_url.to_string(),
                revision: Some(value),
                place: Place::Value(value_range),
            },
            _ => Target::Git {
                url: repo_url.to_string(),
                revision: None,
                place: new_key("targetRevision"),
            },
        });
    }
    // Flux GitRepository `spec.ref.branch`.
    if key == "branch" && path.len() >= 2 && path[path.len() - 2].1 == "ref" {
        let spec = path[path.len() - 2].0;
        let url = text_of(spec.get("url")).ok_or("the GitRepository has no `spec.url`")?;
        return Ok(Target::Git {
            url: url.to_string(),
            revision: Some(value),
            place: Place::RenameKey {
                key: key_span,
                value: value_range,
            },
        });
    }
    if key == "semver" {
        return Err("a Flux `ref.semver` range: pin `ref.tag` by hand".into());
    }
    let constraint = (key == "version").then_some(value);
    let place = match key {
        "version" => Place::Value(value_range),
        _ => new_key("version"),
    };
    // A helmfile release: `chart: <repository name>/<chart>`.
    if let Some(chart) = text_of(map.get("chart"))
        && let Some((repo_name, chart_name)) = chart.split_once('/')
        && map.get("repoURL").is_none()
        && path.len() >= 2
        && path[0].1 == "releases"
    {
        let root = path[0].0;
        let repo = helmfile_repository(root, repo_name)
            .ok_or_else(|| format!("the helmfile declares no repository `{repo_name}`"))?;
        return Ok(Target::Chart {
            repo,
            chart: chart_name.to_string(),
            constraint,
            stream: Some((
                chart.to_string(),
                text_of(map.get("name")).map(str::to_string),
            )),
            place,
        });
    }
    // Chart.yaml dependencies (`repository`) and kustomize helmCharts (`repo`).
    if let (Some(name), Some(url)) = (
        text_of(map.get("name")),
        text_of(map.get("repository")).or_else(|| text_of(map.get("repo"))),
    ) {
        let repo = ChartRepo::from_url(url, false)
            .ok_or_else(|| format!("cannot read the chart repository `{url}`"))?;
        return Ok(Target::Chart {
            repo,
            chart: name.to_string(),
            constraint,
            stream: None,
            place,
        });
    }
    // Flux HelmRelease/HelmChart: the HelmRepository must be in the same file.
    if let Some(chart) = text_of(map.get("chart"))
        && let Some(source) = text_of(map.at(&["sourceRef", "name"]))
    {
        let repo = flux_repository(docs, source).ok_or_else(|| {
            format!("the HelmRepository `{source}` is not in this file; pin `version` by hand")
        })?;
        return Ok(Target::Chart {
            repo,
            chart: chart.to_string(),
            constraint,
            stream: None,
            place,
        });
    }
    Err("not a chart or git reference this fix knows".into())
}

fn helmfile_repository(root: &Node, name: &str) -> Option<ChartRepo> {
    let repo = root
        .get("repositories")?
        .as_seq()?
        .iter()
        .find(|r| text_of(r.get("name")) == Some(name))?;
    let oci = repo
        .get("oci")
        .and_then(Node::as_str)
        .is_some_and(|s| s == "true");
    ChartRepo::from_url(text_of(repo.get("url"))?, oci)
}

fn flux_repository(docs: &[Document], name: &str) -> Option<ChartRepo> {
    docs.iter()
        .filter_map(|d| d.root.as_ref())
        .flat_map(objects)
        .find(|o| {
            o.get("kind").and_then(Node::as_str) == Some("HelmRepository")
                && text_of(o.at(&["metadata", "name"])) == Some(name)
        })
        .and_then(|o| {
            let oci = text_of(o.at(&["spec", "type"])) == Some("oci");
            ChartRepo::from_url(text_of(o.at(&["spec", "url"]))?, oci)
        })
}

/// The chain of (mapping, key) entries from a document root down to the entry whose value
/// is at `span`.
fn locate<'d>(docs: &'d [Document], span: &Range<usize>) -> Option<Vec<(&'d Node, &'d str)>> {
    fn walk<'d>(node: &'d Node, span: &Range<usize>, path: &mut Vec<(&'d Node, &'d str)>) -> bool {
        if node.span.start > span.start || node.span.end < span.end {
            return false;
        }
        if let Some(items) = node.as_seq() {
            return items.iter().any(|i| walk(i, span, path));
        }
        for (k, v) in node.as_map().unwrap_or_default() {
            let Some(key) = k.as_str() else { continue };
            path.push((node, key));
            if v.span == *span || walk(v, span, path) {
                return true;
            }
            path.pop();
        }
        false
    }
    docs.iter()
        .filter_map(|d| d.root.as_ref())
        .find_map(|root| {
            let mut path = Vec::new();
            walk(root, span, &mut path).then_some(path)
        })
}
