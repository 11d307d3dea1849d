//! The kustomization graph of the whole index: which kustomization includes which files and
//! folders (`resources`, `bases`, `components`), with the `images` transforms and patches of
//! each, and the chains from a file up to the kustomizations nobody includes (the roots).
//!
//! Components are flattened into every kustomization that lists them: their resources join
//! the parent's, and their transforms run on everything the parent holds, before the parent's
//! own (as `kustomize build` does). Patch files count as held by the kustomization that
//! applies them: kustomize runs `images:` after the patches of the same level.

use crate::manifest::{FileKind, Node, parse_file};
use crate::source::RepoView;
use std::collections::HashMap;
use std::sync::Arc;

/// Past this many chains from one file to its roots the walk stops and the file is judged
/// alone: a diamond-heavy graph must not make one file cost more than the rest of the scan.
const MAX_CHAINS: usize = 256;
/// Components within components, at most this deep (cycles end here too).
const MAX_COMPONENT_DEPTH: usize = 16;

/// One `images[]` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageTransform {
    pub name: String,
    pub new_name: Option<String>,
    pub new_tag: Option<String>,
    pub digest: Option<String>,
}

/// One patch of a kustomization, not read yet: a file of the index or inline text.
#[derive(Debug, Clone)]
pub struct Patch {
    /// The patch file (index path), or `None` for an inline patch.
    pub path: Option<String>,
    pub inline: Option<String>,
    /// `target.kind` / `target.name`, when the patch names its target that way.
    pub target_kind: Option<String>,
    pub target_name: Option<String>,
    /// The target uses a selector this reading does not evaluate (labels, annotations).
    pub target_selector: bool,
}

/// One kustomization file of the index.
#[derive(Debug, Default)]
pub struct Kustomization {
    /// The file (`apps/dev/kustomization.yaml`).
    pub path: String,
    pub component: bool,
    images: Vec<ImageTransform>,
    patches: Vec<Patch>,
    /// Local `resources`/`bases` entries, resolved against the folder.
    resources: Vec<String>,
    components: Vec<String>,
}

/// The graph; build it with [`Graph::read`].
#[derive(Debug, Default)]
pub struct Graph {
    kusts: Vec<Kustomization>,
    /// Per kustomization: its transforms, components' first (see the module docs).
    levels: Vec<Vec<ImageTransform>>,
    level_patches: Vec<Vec<Patch>>,
    /// File path → the kustomizations (not components) that hold it directly.
    file_parents: HashMap<String, Vec<usize>>,
    /// Per kustomization: the kustomizations (not components) that include its folder.
    parents: Vec<Vec<usize>>,
}

/// Whether `path` names a kustomization file.
pub fn is_kustomization_path(path: &str) -> bool {
    // Suffix tests, not a split: this runs over every path of the index once per run.
    ["kustomization.yaml", "kustomization.yml", "Kustomization"]
        .iter()
        .any(|name| {
            path.strip_suffix(name)
                .is_some_and(|dir| dir.is_empty() || dir.ends_with('/'))
        })
}

fn dir_of(path: &str) -> &str {
    path.rsplit_once('/').map_or("", |(d, _)| d)
}

/// `dir` joined with a relative `entry`, `.` and `..` resolved; `None` for remote entries,
/// absolute paths and paths that leave the repository.
fn resolve(dir: &str, entry: &str) -> Option<String> {
    let entry = entry.trim();
    if entry.is_empty() || entry.starts_with('/') || entry.contains("://") || entry.contains('?') {
        return None;
    }
    let mut parts: Vec<&str> = dir.split('/').filter(|p| !p.is_empty()).collect();
    for part in entry.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            p => parts.push(p),
        }
    }
    Some(parts.join("/"))
}

fn text(node: Option<&Node>) -> Option<String> {
    node.filter(|n| !n.is_null() && !n.is_templated())
        .and_then(Node::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

impl Kustomization {
    fn parse(path: &str, bytes: &[u8]) -> Option<Kustomization> {
        let source = std::str::from_utf8(bytes).ok()?;
        let docs = parse_file(path, source, FileKind::Yaml);
        let root = docs.iter().find_map(|d| d.root.as_ref())?;
        root.as_map()?;
        let dir = dir_of(path);
        let list = |key: &str| -> Vec<String> {
            root.get(key)
                .and_then(Node::as_seq)
                .unwrap_or_default()
                .iter()
                .filter_map(|n| text(Some(n)))
                .filter_map(|e| resolve(dir, &e))
                .collect()
        };
        let mut resources = list("resources");
        resources.extend(list("bases"));
        let images = root
            .get("images")
            .and_then(Node::as_seq)
            .unwrap_or_default()
            .iter()
            .filter_map(|e| {
                Some(ImageTransform {
                    name: text(e.get("name"))?,
                    new_name: text(e.get("newName")),
                    new_tag: text(e.get("newTag")),
                    digest: text(e.get("digest")),
                })
            })
            .collect();
        Some(Kustomization {
            path: path.to_string(),
            component: root.get("kind").and_then(Node::as_str) == Some("Component"),
            images,
            patches: patches(root, dir),
            resources,
            components: list("components"),
        })
    }
}

/// `patches`, `patchesStrategicMerge` and `patchesJson6902`.
fn patches(root: &Node, dir: &str) -> Vec<Patch> {
    let mut out = Vec::new();
    for key in ["patches", "patchesJson6902"] {
        for entry in root.get(key).and_then(Node::as_seq).unwrap_or_default() {
            let target = entry.get("target");
            let selector = target.is_some_and(|t| {
                t.get("labelSelector").is_some() || t.get("annotationSelector").is_some()
            });
            out.push(Patch {
                path: text(entry.get("path")).and_then(|p| resolve(dir, &p)),
                inline: text(entry.get("patch")),
                target_kind: text(target.and_then(|t| t.get("kind"))),
                target_name: text(target.and_then(|t| t.get("name"))),
                target_selector: selector,
            });
        }
    }
    let merge = root.get("patchesStrategicMerge").and_then(Node::as_seq);
    for entry in merge.unwrap_or_default() {
        let Some(value) = text(Some(entry)) else {
            continue;
        };
        // An entry is a file, or an inline patch (several lines, or a YAML mapping).
        let inline = value.contains('\n') || value.contains(": ");
        out.push(Patch {
            path: if inline { None } else { resolve(dir, &value) },
            inline: inline.then_some(value),
            target_kind: None,
            target_name: None,
            target_selector: false,
        });
    }
    out
}

impl Graph {
    /// Reads every kustomization of the index.
    pub fn read(repo: &dyn RepoView) -> Graph {
        // Several kustomization files in one folder: kustomize takes the first of its
        // names in this order (and warns).
        let rank = |p: &str| match p.rsplit('/').next() {
            Some("kustomization.yaml") => 0,
            Some("kustomization.yml") => 1,
            _ => 2,
        };
        let mut chosen: HashMap<&str, &str> = HashMap::new();
        for p in repo.paths().iter().filter(|p| is_kustomization_path(p)) {
            let slot = chosen.entry(dir_of(p)).or_insert(p);
            if rank(p) < rank(slot) {
                *slot = p;
            }
        }
        let mut paths: Vec<&str> = chosen.into_values().collect();
        paths.sort_unstable();
        let kusts = paths
            .iter()
            .filter_map(|p| Kustomization::parse(p, &repo.read(p)?))
            .collect();
        Graph::new(kusts)
    }

    fn new(kusts: Vec<Kustomization>) -> Graph {
        let by_dir: HashMap<&str, usize> = kusts
            .iter()
            .enumerate()
            .map(|(i, k)| (dir_of(&k.path), i))
            .collect();
        let n = kusts.len();
        let mut graph = Graph {
            levels: vec![Vec::new(); n],
            level_patches: vec![Vec::new(); n],
            parents: vec![Vec::new(); n],
            ..Graph::default()
        };
        for i in 0..n {
            if kusts[i].component {
                continue;
            }
            let mut members = Members::default();
            flatten(&kusts, &by_dir, i, 0, &mut members);
            for f in members.files {
                graph.file_parents.entry(f).or_default().push(i);
            }
            for child in members.children {
                if !graph.parents[child].contains(&i) {
                    graph.parents[child].push(i);
                }
            }
            graph.levels[i] = members.images;
            graph.level_patches[i] = members.patches;
        }
        graph.kusts = kusts;
        graph
    }

    /// No kustomization in the index.
    pub fn is_empty(&self) -> bool {
        self.kusts.is_empty()
    }

    pub fn kustomization(&self, i: usize) -> &Kustomization {
        &self.kusts[i]
    }

    /// The transforms that kustomization `i` applies to everything it holds, in order.
    pub fn transforms(&self, i: usize) -> &[ImageTransform] {
        &self.levels[i]
    }

    pub fn patches(&self, i: usize) -> &[Patch] {
        &self.level_patches[i]
    }

    /// Every chain of kustomizations from the one that holds `path` up to a root, innermost
    /// first; empty when no kustomization includes the file, or when there are too many
    /// chains to judge them all (the file is then judged alone).
    pub fn chains(&self, path: &str) -> Vec<Vec<usize>> {
        let mut out = Vec::new();
        for &k in self
            .file_parents
            .get(path)
            .map(Vec::as_slice)
            .unwrap_or_default()
        {
            self.walk_up(&mut vec![k], &mut out);
        }
        if out.len() >= MAX_CHAINS {
            out.clear();
        }
        out
    }

    fn walk_up(&self, chain: &mut Vec<usize>, out: &mut Vec<Vec<usize>>) {
        if out.len() >= MAX_CHAINS {
            return;
        }
        let Some(&top) = chain.last() else { return };
        let parents: Vec<usize> = self.parents[top]
            .iter()
            .copied()
            .filter(|p| !chain.contains(p))
            .collect();
        if parents.is_empty() {
            out.push(chain.clone());
            return;
        }
        for p in parents {
            chain.push(p);
            self.walk_up(chain, out);
            chain.pop();
        }
    }
}

/// What one kustomization holds at its own level, components flattened in.
#[derive(Default)]
struct Members {
    files: Vec<String>,
    children: Vec<usize>,
    images: Vec<ImageTransform>,
    patches: Vec<Patch>,
}

fn flatten(
    kusts: &[Kustomization],
    by_dir: &HashMap<&str, usize>,
    i: usize,
    depth: usize,
    out: &mut Members,
) {
    let k = &kusts[i];
    for r in &k.resources {
        match by_dir.get(r.as_str()) {
            Some(&child) if !kusts[child].component => out.children.push(child),
            Some(_) => {}
            None => out.files.push(r.clone()),
        }
    }
    if depth < MAX_COMPONENT_DEPTH {
        for c in &k.components {
            if let Some(&child) = by_dir.get(c.as_str()).filter(|&&c| kusts[c].component) {
                flatten(kusts, by_dir, child, depth + 1, out);
            }
        }
    }
    // A patch file's images go through the transforms of the level that applies it.
    out.files
        .extend(k.patches.iter().filter_map(|p| p.path.clone()));
    out.images.extend(k.images.iter().cloned());
    out.patches.extend(k.patches.iter().cloned());
}

/// The graph of `repo`, read once per run.
pub fn of(repo: &dyn RepoView) -> Arc<Graph> {
    let shared = repo.shared("kustomization-graph", &|| Arc::new(Graph::read(repo)));
    shared.downcast::<Graph>().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kustomization_file_names() {
        assert!(is_kustomization_path("kustomization.yaml"));
        assert!(is_kustomization_path("a/b/kustomization.yml"));
        assert!(is_kustomization_path("a/Kustomization"));
        assert!(!is_kustomization_path("a/my-kustomization.yaml"));
        assert!(!is_kustomization_path("a/kustomization.yaml.bak"));
    }

    #[test]
    fn resolves_relative_entries() {
        assert_eq!(resolve("a/b", "../c"), Some("a/c".into()));
        assert_eq!(resolve("a/b", "./x.yaml"), Some("a/b/x.yaml".into()));
        assert_eq!(resolve("", "base/"), Some("base".into()));
        assert_eq!(resolve("a", "../../x"), None);
        assert_eq!(resolve("a", "https://github.com/o/r//x?ref=v1"), None);
    }

    fn graph(files: &[(&str, &str)]) -> Graph {
        Graph::read(&crate::rules::pins::testing::MemRepo::new(files))
    }

    fn roots(g: &Graph, path: &str) -> Vec<String> {
        let mut out: Vec<String> = g
            .chains(path)
            .iter()
            .filter_map(|c| c.last().map(|&k| g.kustomization(k).path.clone()))
            .collect();
        out.sort();
        out
    }

    #[test]
    fn diamonds_cycles_and_components() {
        let g = graph(&[
            (
                "base/kustomization.yaml",
                "resources: [d.yaml]
",
            ),
            (
                "left/kustomization.yaml",
                "resources: [../base]
",
            ),
            (
                "right/kustomization.yaml",
                "resources: [../base]
",
            ),
            (
                "top/kustomization.yaml",
                "resources: [../left, ../right]
",
            ),
            // A cycle: each includes the other; the walk stops where it would repeat.
            (
                "x/kustomization.yaml",
                "resources: [../y, a.yaml]
",
            ),
            (
                "y/kustomization.yaml",
                "resources: [../x]
",
            ),
            (
                "comp/kustomization.yaml",
                "kind: Component
resources: [c.yaml]
images: [{name: a, newTag: '1'}]
",
            ),
            (
                "uses/kustomization.yaml",
                "components: [../comp]
images: [{name: a, newTag: '2'}]
",
            ),
        ]);
        assert_eq!(
            roots(&g, "base/d.yaml"),
            vec!["top/kustomization.yaml", "top/kustomization.yaml"]
        );
        assert_eq!(roots(&g, "x/a.yaml"), vec!["y/kustomization.yaml"]);
        // Including its own folder is a cycle of one.
        let me = graph(&[("me/kustomization.yaml", "resources: [., ../me/, a.yaml]\n")]);
        assert_eq!(roots(&me, "me/a.yaml"), vec!["me/kustomization.yaml"]);
        // A component's resources belong to the kustomization that uses it.
        assert_eq!(roots(&g, "comp/c.yaml"), vec!["uses/kustomization.yaml"]);
        let uses = g.chains("comp/c.yaml")[0][0];
        let tags: Vec<_> = g
            .transforms(uses)
            .iter()
            .map(|t| t.new_tag.clone())
            .collect();
        assert_eq!(tags, vec![Some("1".into()), Some("2".into())]);
        assert!(g.chains("nowhere.yaml").is_empty());
    }

    #[test]
    fn too_many_chains_leave_the_file_alone_and_one_kustomization_per_folder() {
        // 9 layers of diamonds: 2^9 = 512 chains.
        let mut files: Vec<(String, String)> = ["a", "b"]
            .iter()
            .map(|s| {
                (
                    format!("l0/{s}/kustomization.yaml"),
                    "resources: [../../f.yaml]\n".into(),
                )
            })
            .collect();
        for l in 1..9 {
            for side in ["a", "b"] {
                files.push((
                    format!("l{l}/{side}/kustomization.yaml"),
                    format!("resources: [../../l{}/a, ../../l{}/b]\n", l - 1, l - 1),
                ));
            }
        }
        let refs: Vec<(&str, &str)> = files
            .iter()
            .map(|(p, t)| (p.as_str(), t.as_str()))
            .collect();
        assert!(graph(&refs).chains("f.yaml").is_empty());
        let g = graph(&[
            ("k/Kustomization", "resources: [a.yaml]\n"),
            ("k/kustomization.yml", "resources: [b.yaml]\n"),
            ("k/kustomization.yaml", "resources: [c.yaml]\n"),
        ]);
        assert!(g.chains("k/a.yaml").is_empty() && g.chains("k/b.yaml").is_empty());
        assert_eq!(roots(&g, "k/c.yaml"), vec!["k/kustomization.yaml"]);
    }

    #[test]
    fn unreadable_kustomizations_are_left_out() {
        let g = graph(&[
            ("a/kustomization.yaml", "resources: [[\n"),
            ("b/kustomization.yaml", "- just\n- a list\n"),
            (
                "c/Kustomization",
                "resources: [x.yaml]
",
            ),
        ]);
        assert_eq!(roots(&g, "c/x.yaml"), vec!["c/Kustomization"]);
    }
}
