//! The document model: YAML streams and JSON split into documents, each parsed into a tree of
//! [`Node`]s that carry the exact byte span of their source text.
//!
//! Invariants: every span lies inside the file and on UTF-8 character boundaries; spans of a
//! document's nodes lie inside the document's span; aliases are expanded under a fixed budget.

#[doc(hidden)]
pub mod check;
pub mod dockerfile;
mod helm;
mod json;
mod offsets;
mod split;
#[cfg(test)]
mod tests;
mod yaml;

pub use yaml::parse_stream;

use std::ops::Range;

/// How a scalar was written; fixes and rules sometimes care (e.g. `tag: ""` vs `tag:`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    Plain,
    SingleQuoted,
    DoubleQuoted,
    Literal,
    Folded,
}

/// A scalar after YAML unescaping/folding.
#[derive(Debug, Clone, PartialEq)]
pub struct Scalar {
    pub text: String,
    pub style: Style,
    /// The scalar's source overlaps a Helm/Go template expression (`{{ ... }}`): its value is
    /// not known until rendering, so rules must not report it.
    pub templated: bool,
}

/// The payload of a node.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Scalar(Scalar),
    Seq(Vec<Node>),
    /// Entries in source order; duplicate keys are kept (rules that care can detect them).
    Map(Vec<(Node, Node)>),
}

/// A YAML node with the byte range of its source text.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub span: Range<usize>,
    pub value: Value,
}

impl Node {
    /// The value under `key` when this is a mapping.
    ///
    /// With a duplicate key the last entry wins, as in Kubernetes' decoders (which keep the
    /// last key, or reject the document under strict validation; GG001 reports it).
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entry(key).map(|(_, v)| v)
    }

    /// Every value under `key`, duplicates included (for masking: a value under an
    /// overridden key is still in git).
    pub fn get_all<'a>(&'a self, key: &'a str) -> impl Iterator<Item = &'a Node> + 'a {
        self.as_map()
            .unwrap_or_default()
            .iter()
            .filter(move |(k, _)| k.as_str() == Some(key))
            .map(|(_, v)| v)
    }

    /// Follows a path of mapping keys.
    pub fn at(&self, path: &[&str]) -> Option<&Node> {
        path.iter().try_fold(self, |node, key| node.get(key))
    }

    /// The entry (key node and value node) under `key`; the last one of duplicates.
    pub fn entry(&self, key: &str) -> Option<(&Node, &Node)> {
        match &self.value {
            Value::Map(entries) => entries
                .iter()
                .rev()
                .find(|(k, _)| k.as_str() == Some(key))
                .map(|(k, v)| (k, v)),
            _ => None,
        }
    }

    /// The scalar text, if this is a scalar.
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Scalar(s) => Some(&s.text),
            _ => None,
        }
    }

    pub fn as_scalar(&self) -> Option<&Scalar> {
        match &self.value {
            Value::Scalar(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_seq(&self) -> Option<&[Node]> {
        match &self.value {
            Value::Seq(items) => Some(items),
            _ => None,
        }
    }

    pub fn as_map(&self) -> Option<&[(Node, Node)]> {
        match &self.value {
            Value::Map(entries) => Some(entries),
            _ => None,
        }
    }

    /// A scalar that is YAML null (`~`, `null`, empty plain).
    pub fn is_null(&self) -> bool {
        matches!(&self.value, Value::Scalar(s) if s.style == Style::Plain
            && matches!(s.text.as_str(), "" | "~" | "null" | "Null" | "NULL"))
    }

    /// True when this scalar's value is (or contains) a template expression.
    pub fn is_templated(&self) -> bool {
        matches!(&self.value, Value::Scalar(s) if s.templated)
    }
}

/// A parse failure, located in the file.
#[derive(Debug, Clone, PartialEq)]
pub struct ParseError {
    pub span: Range<usize>,
    pub message: String,
}

/// One document of a YAML stream (or the single value of a JSON file).
#[derive(Debug, Clone)]
pub struct Document {
    /// 0-based position in the stream.
    pub index: usize,
    /// The document's bytes: from the start of the line after its `---` separator (or the
    /// start of the file) to the start of the next separator line (or the end of the file).
    /// Leading comments such as `# Source: ...` belong to the document.
    pub span: Range<usize>,
    /// The root node; `None` for an empty or comment-only document, or when parsing failed.
    pub root: Option<Node>,
    pub error: Option<ParseError>,
    /// The document contains template expressions (`{{ ... }}`) and was read tolerantly.
    pub templated: bool,
}

/// Options for [`parse_stream`].
#[derive(Debug, Clone, Copy)]
pub struct ParseOptions {
    /// Read as JSON (one value); tabs are treated as plain whitespace.
    pub json: bool,
    /// Maximum number of nodes that alias expansion may create per document.
    pub alias_budget: usize,
    /// Maximum nesting depth of collections.
    pub max_depth: usize,
    /// Treat every document as a template (files under a chart's `templates/` folder):
    /// `templated: true` even without `{{`, so it is read tolerantly and its parse errors are
    /// never reported.
    pub tolerant: bool,
}

impl Default for ParseOptions {
    fn default() -> Self {
        ParseOptions {
            json: false,
            alias_budget: 100_000,
            max_depth: 256,
            tolerant: false,
        }
    }
}

/// The Kubernetes objects in a document: the root mapping, or the items of a `kind: List`
/// (any `*List` kind with an `items` sequence).
pub fn objects(root: &Node) -> Vec<&Node> {
    let is_list = root
        .get("kind")
        .and_then(Node::as_str)
        .is_some_and(|k| k == "List" || (k.ends_with("List") && root.get("items").is_some()));
    if let Some(items) = root.get("items").and_then(Node::as_seq).filter(|_| is_list) {
        return items.iter().filter(|n| n.as_map().is_some()).collect();
    }
    if root.as_map().is_some() {
        vec![root]
    } else {
        Vec::new()
    }
}
