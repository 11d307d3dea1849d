//! Flux base/overlay: a base `HelmRelease` without a chart version that the overlays patch
//! with one. Patches are strategic-merge documents (matched by `target` or by their own kind
//! and name) or JSON 6902 operations (matched by `target`).

use super::graph::{Graph, Patch};
use crate::manifest::{Document, FileKind, Node, objects, parse_file};
use crate::rules::File;
use crate::source::RepoView;
use std::ops::Range;

/// The Flux `HelmRelease`s of the file without `spec.chart.spec.version`: the span of their
/// `chart` (where GG204 reports) and their name.
pub fn unversioned_releases(file: &File) -> Vec<(Range<usize>, String)> {
    let mut out = Vec::new();
    for doc in file.docs {
        let Some(root) = &doc.root else { continue };
        for obj in objects(root) {
            let api = obj.get("apiVersion").and_then(Node::as_str).unwrap_or("");
            if obj.get("kind").and_then(Node::as_str) != Some("HelmRelease")
                || !api.starts_with("helm.toolkit.fluxcd.io/")
            {
                continue;
            }
            let (Some(chart), Some(name)) = (
                obj.at(&["spec", "chart", "spec", "chart"]),
                obj.at(&["metadata", "name"]).and_then(Node::as_str),
            ) else {
                continue;
            };
            out.push((chart.span.clone(), name.to_string()));
        }
    }
    out
}

/// Whether one of kustomization `k`'s patches sets the chart version of `HelmRelease/name`.
pub fn sets_version(graph: &Graph, repo: &dyn RepoView, k: usize, name: &str) -> bool {
    graph
        .patches(k)
        .iter()
        .any(|p| patch_sets_version(p, repo, name))
}

fn patch_sets_version(patch: &Patch, repo: &dyn RepoView, name: &str) -> bool {
    if patch.target_selector
        || patch
            .target_kind
            .as_deref()
            .is_some_and(|k| k != "HelmRelease")
        || patch
            .target_name
            .as_deref()
            .is_some_and(|n| !name_matches(n, name))
    {
        return false;
    }
    let targeted = patch.target_kind.is_some() || patch.target_name.is_some();
    let docs = match (&patch.path, &patch.inline) {
        (Some(path), _) => {
            let Some(bytes) = repo.read(path) else {
                return false;
            };
            let Ok(text) = std::str::from_utf8(&bytes) else {
                return false;
            };
            parse_file(path, text, FileKind::of(path))
        }
        (None, Some(text)) => parse_file("patch.yaml", text, FileKind::Yaml),
        (None, None) => return false,
    };
    docs.iter()
        .filter_map(|d: &Document| d.root.as_ref())
        .any(|root| match root.as_seq() {
            Some(ops) => targeted && ops.iter().any(op_sets_version),
            None => {
                let names_it = root.get("kind").and_then(Node::as_str) == Some("HelmRelease")
                    && root.at(&["metadata", "name"]).and_then(Node::as_str) == Some(name);
                (targeted || names_it) && has_version(root.at(&["spec", "chart", "spec"]))
            }
        })
}

/// A kustomize target name is an anchored regular expression.
fn name_matches(pattern: &str, name: &str) -> bool {
    if pattern == name {
        return true;
    }
    regex::Regex::new(&format!("^(?:{pattern})$")).is_ok_and(|re| re.is_match(name))
}

fn has_version(spec: Option<&Node>) -> bool {
    spec.and_then(|s| s.get("version"))
        .filter(|v| !v.is_null())
        .and_then(Node::as_str)
        .is_some_and(|v| !v.trim().is_empty())
}

/// A JSON 6902 `add`/`replace` of the version, or of a `chart`/`chart.spec` holding one.
fn op_sets_version(op: &Node) -> bool {
    let kind = op.get("op").and_then(Node::as_str).unwrap_or("");
    if !matches!(kind, "add" | "replace") {
        return false;
    }
    let value = op.get("value");
    match op.get("path").and_then(Node::as_str).unwrap_or("") {
        "/spec/chart/spec/version" => value
            .and_then(Node::as_str)
            .is_some_and(|v| !v.trim().is_empty()),
        "/spec/chart/spec" => has_version(value),
        "/spec/chart" => has_version(value.and_then(|v| v.get("spec"))),
        _ => false,
    }
}
