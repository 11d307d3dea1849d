//! Flux sources across files: the `GitRepository`s that some `HelmRelease` or `HelmChart` of
//! the index builds its chart from (`sourceRef`), wherever the two are written.

use crate::manifest::{FileKind, Node, objects, parse_file};
use crate::rules::contains;
use crate::source::RepoView;
use std::collections::HashSet;
use std::sync::Arc;

/// The name of the per-blob memo (see [`RepoView::memo_blobs`]).
const MEMO: &str = "git-chart-sources";

/// Names of the `GitRepository`s that charts of the index are built from, read once per run
/// (and per blob across runs, through the view's memo).
pub fn chart_sources(repo: &dyn RepoView) -> Arc<HashSet<String>> {
    let shared = repo.shared(MEMO, &|| Arc::new(read_all(repo)));
    shared.downcast::<HashSet<String>>().unwrap_or_default()
}

fn read_all(repo: &dyn RepoView) -> HashSet<String> {
    let paths = repo.paths();
    let items: Vec<(usize, u8)> = paths
        .iter()
        .enumerate()
        .filter_map(|(i, p)| match FileKind::of(p) {
            FileKind::Yaml => Some((i, 0)),
            FileKind::Json => Some((i, 1)),
            _ => None,
        })
        .collect();
    let found = repo.memo_blobs(MEMO, &items, &|i, bytes| {
        let kind = if items[i].1 == 1 {
            FileKind::Json
        } else {
            FileKind::Yaml
        };
        names_in(bytes, kind).join("\n").into_bytes()
    });
    found
        .iter()
        .flat_map(|(_, names)| {
            String::from_utf8_lossy(names)
                .into_owned()
                .lines()
                .map(str::to_string)
                .collect::<Vec<_>>()
        })
        .filter(|n| !n.is_empty())
        .collect()
}

/// The `GitRepository` names the charts of one file come from.
pub fn names_in(bytes: &[u8], kind: FileKind) -> Vec<String> {
    if !contains(bytes, "GitRepository") {
        return Vec::new();
    }
    let Ok(text) = std::str::from_utf8(bytes) else {
        return Vec::new();
    };
    let path = if kind == FileKind::Json {
        "f.json"
    } else {
        "f.yaml"
    };
    let mut names = Vec::new();
    for doc in parse_file(path, text, kind) {
        let Some(root) = &doc.root else { continue };
        for obj in objects(root) {
            let source = match obj.get("kind").and_then(Node::as_str) {
                Some("HelmRelease") => obj.at(&["spec", "chart", "spec", "sourceRef"]),
                Some("HelmChart") => obj.at(&["spec", "sourceRef"]),
                _ => None,
            };
            if let Some(source) = source
                && source.get("kind").and_then(Node::as_str) == Some("GitRepository")
                && let Some(name) = source.get("name").and_then(Node::as_str)
            {
                names.push(name.trim().to_string());
            }
        }
    }
    names
}
