//! What the layout rules read from a file: its Kubernetes objects, and the documents that hold
//! something.

use super::scope;
use crate::manifest::{Document, Node};

/// What the layout rules read from one Kubernetes object.
#[derive(Debug, Clone, Copy)]
pub struct Object<'n> {
    pub node: &'n Node,
    pub api_version: &'n str,
    pub kind: &'n str,
    pub kind_node: Option<&'n Node>,
    /// `metadata.name`, unless missing, empty, null or templated.
    pub name: Option<&'n str>,
    /// `metadata.namespace` (the value node), unless missing, empty, null (`~`, `null`: no
    /// namespace, as Kubernetes reads it) or templated.
    pub namespace: Option<&'n Node>,
}

impl<'n> Object<'n> {
    /// Reads an object (a mapping with `kind`); templated kinds are not objects to judge.
    pub fn of(node: &'n Node) -> Option<Object<'n>> {
        let kind_node = node.get("kind");
        let kind = kind_node
            .filter(|k| !k.is_templated())
            .and_then(Node::as_str)?;
        let text = |n: &'n Node| Some(n).filter(|n| !n.is_templated()).and_then(Node::as_str);
        let meta = node.get("metadata");
        Some(Object {
            node,
            api_version: node.get("apiVersion").and_then(text).unwrap_or(""),
            kind,
            kind_node,
            name: meta
                .and_then(|m| m.get("name"))
                .filter(|n| !n.is_null())
                .and_then(text)
                .filter(|s| !s.is_empty()),
            namespace: meta
                .and_then(|m| m.get("namespace"))
                .filter(|n| !n.is_null())
                .filter(|n| text(n).is_some_and(|s| !s.is_empty())),
        })
    }

    /// The API group (`""` for core).
    pub fn group(&self) -> &'n str {
        scope::group_of(self.api_version)
    }

    /// Whether this is a CustomResourceDefinition.
    pub fn is_crd(&self) -> bool {
        scope::is_crd(self.group(), self.kind)
    }
}

/// Whether a document's text holds nothing but blank lines, comments and markers.
fn blank(text: &str) -> bool {
    text.lines().all(|l| {
        let t = l.trim();
        t.is_empty() || t.starts_with('#') || t == "---" || t == "..."
    })
}

/// The documents of a file that hold something (not empty or comment-only).
pub fn resource_docs<'d>(text: &str, docs: &'d [Document]) -> Vec<&'d Document> {
    docs.iter()
        .filter(|d| {
            d.root.is_some()
                || d.error.is_some()
                || !blank(text.get(d.span.clone()).unwrap_or_default())
        })
        .collect()
}

/// Whether the documents can be judged (and cut apart) at all: every one that holds
/// something parsed, and none has template expressions. Files in a `templates/` folder are
/// read tolerantly, but rendered output there (jx3 keeps chart sub-folders) is plain YAML.
pub fn judgeable(text: &str, docs: &[Document]) -> bool {
    resource_docs(text, docs).iter().all(|d| {
        d.error.is_none()
            && d.root.is_some()
            && !(d.templated && text.get(d.span.clone()).is_none_or(|t| t.contains("{{")))
    })
}
