//! The scopes a repository's CustomResourceDefinitions declare (`spec.scope`), which GG302 and
//! GG303 need for custom kinds.
//!
//! Finding them means parsing every YAML/JSON blob of the repository, so the view memoizes the
//! result per blob ([`MEMO`], keyed by blob id and a tag saying how the path is parsed), and a
//! scan that parses a file anyway hands the result over ([`remember`]). During a large scan the
//! engine has questions answered from the scopes known so far
//! ([`LayoutIndex::begin_provisional`](super::LayoutIndex::begin_provisional)); each answer is
//! recorded on its thread ([`take_provisional_answers`]), so that the engine can scan again
//! the few files the complete map answers differently.

use super::object::Object;
use super::scope::{CrdScopes, KindScope};
use crate::manifest::{Document, FileKind, Node, is_chart_template, objects, parse_file};
use crate::source::RepoView;
use std::cell::RefCell;

/// (group, kind) and scope, as declared by CRDs.
pub type Scopes = Vec<((String, String), KindScope)>;

/// The name of the memo (`.git/gitops-guard/<name>.cache`) of CRD scopes by blob.
const MEMO: &str = "crd-scopes";

/// A (group, kind) asked during a provisional scan, and the scope it was given.
pub type ProvisionalAnswer = ((String, String), Option<KindScope>);

thread_local! {
    static ASKED: RefCell<Vec<ProvisionalAnswer>> = const { RefCell::new(Vec::new()) };
}

/// Records a provisional answer given on this thread.
pub(super) fn record(answer: ProvisionalAnswer) {
    ASKED.with(|a| a.borrow_mut().push(answer));
}

/// The provisional answers given on this thread since the last call.
pub fn take_provisional_answers() -> Vec<ProvisionalAnswer> {
    ASKED.with(|a| std::mem::take(&mut *a.borrow_mut()))
}

/// Every CRD scope of the repository, through the view's memo; a later path wins over an
/// earlier one declaring the same kind.
pub(super) fn read_all(repo: &dyn RepoView) -> CrdScopes {
    // The parse (and so the result) depends on the content and on whether the path says JSON
    // or chart template: that is the memo's tag.
    let paths = repo.paths();
    let items = memo_tags(paths);
    // Remembered by blob id (an everyday commit reads only its new blobs), read in parallel
    // otherwise; applied in path order.
    let found = repo.memo_blobs(MEMO, &items, &|i, bytes| {
        encode(&scopes_of(&paths[items[i].0], bytes))
    });
    let mut map = CrdScopes::new();
    for (_, value) in found {
        map.extend(decode(&value));
    }
    map
}

/// Hands the view what [`read_all`] would compute for the content at `path`, from the
/// documents a scan parsed anyway (the same prefilter, the same parse), so that the blob is
/// not read again; returns the scopes `docs` declare.
pub fn remember(repo: &dyn RepoView, path: &str, bytes: &[u8], docs: &[Document]) -> Scopes {
    let Some(tag) = memo_tag(path) else {
        return Vec::new();
    };
    let scopes = if mentions_crd(bytes) {
        declared_in(docs)
    } else {
        Vec::new()
    };
    repo.remember(MEMO, path, tag, encode(&scopes));
    scopes
}

/// [`memo_tag`] of every path that has one, as (index, tag). Whether a path is a chart template
/// depends on its folder only, and neighbours in the index share folders: asked once per
/// folder (this runs over every path of the repository on every commit).
fn memo_tags(paths: &[String]) -> Vec<(usize, u8)> {
    let mut last: Option<(&str, bool)> = None;
    paths
        .iter()
        .enumerate()
        .filter_map(|(i, p)| {
            let kind = FileKind::of(p);
            if !matches!(kind, FileKind::Yaml | FileKind::Json) {
                return None;
            }
            let dir = &p[..p.rfind('/').map_or(0, |k| k + 1)];
            let template = match last {
                Some((d, t)) if d == dir => t,
                _ => {
                    let t = is_chart_template(p);
                    last = Some((dir, t));
                    t
                }
            };
            Some((
                i,
                u8::from(kind == FileKind::Json) | u8::from(template) << 1,
            ))
        })
        .collect()
}

/// The memo tag of `path`: how the path says to parse it.
fn memo_tag(path: &str) -> Option<u8> {
    // Asked for every path of the repository: `.yaml`/`.yml`/`.json` end in `l` or `n`.
    if !matches!(path.as_bytes().last(), Some(b'l' | b'L' | b'n' | b'N')) {
        return None;
    }
    match FileKind::of(path) {
        k @ (FileKind::Yaml | FileKind::Json) => {
            Some(u8::from(k == FileKind::Json) | u8::from(is_chart_template(path)) << 1)
        }
        _ => None,
    }
}

fn mentions_crd(bytes: &[u8]) -> bool {
    memchr::memmem::find(bytes, b"CustomResourceDefinition").is_some()
}

/// The CRD scopes declared in one file.
fn scopes_of(path: &str, bytes: &[u8]) -> Scopes {
    if !mentions_crd(bytes) {
        return Vec::new();
    }
    let Ok(text) = std::str::from_utf8(bytes) else {
        return Vec::new();
    };
    declared_in(&parse_file(path, text, FileKind::of(path)))
}

/// The CRD scopes declared by parsed documents.
fn declared_in(docs: &[Document]) -> Scopes {
    docs.iter()
        .filter_map(|d| d.root.as_ref())
        .flat_map(|root| objects(root).into_iter().filter_map(Object::of))
        .filter_map(|obj| scope_of(&obj))
        .collect()
}

/// (group, kind) and scope declared by a CRD object.
fn scope_of(obj: &Object) -> Option<((String, String), KindScope)> {
    if !obj.is_crd() {
        return None;
    }
    let spec = obj.node.get("spec")?;
    let group = spec.get("group").and_then(Node::as_str)?;
    let kind = spec.at(&["names", "kind"]).and_then(Node::as_str)?;
    let scope = match spec.get("scope").and_then(Node::as_str)? {
        "Cluster" => KindScope::Cluster,
        "Namespaced" => KindScope::Namespaced,
        _ => return None,
    };
    Some(((group.to_string(), kind.to_string()), scope))
}

/// `group NUL kind NUL C|N NUL ...` (names never hold NUL: they come from YAML text).
fn encode(scopes: &[((String, String), KindScope)]) -> Vec<u8> {
    let mut out = Vec::new();
    for ((group, kind), scope) in scopes {
        for field in [group.as_bytes(), kind.as_bytes()] {
            out.extend_from_slice(field);
            out.push(0);
        }
        out.push(if *scope == KindScope::Cluster {
            b'C'
        } else {
            b'N'
        });
        out.push(0);
    }
    out
}

fn decode(bytes: &[u8]) -> Scopes {
    let fields: Vec<&[u8]> = bytes.split(|&b| b == 0).collect();
    fields
        .chunks_exact(3)
        .map(|f| {
            let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
            let scope = if f[2] == b"C" {
                KindScope::Cluster
            } else {
                KindScope::Namespaced
            };
            ((text(f[0]), text(f[1])), scope)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memo_tags_of_all_paths_equal_the_tag_of_each() {
        let paths: Vec<String> = [
            "a.yaml",
            "a.json",
            "x/templates/d.yaml",
            "x/templates/e.yml",
            "x/templates/f.txt",
            "templates/g.yaml",
            "y/h.JSON",
            "y/templates",
            "y/templatesx/i.yaml",
            "z/j.yaml",
            "Dockerfile",
            "k/templates/l/m.json",
        ]
        .map(String::from)
        .to_vec();
        let all = memo_tags(&paths);
        let each: Vec<(usize, u8)> = paths
            .iter()
            .enumerate()
            .filter_map(|(i, p)| Some((i, memo_tag(p)?)))
            .collect();
        assert_eq!(all, each);
        assert!(all.iter().any(|(_, t)| t & 2 != 0));
    }

    #[test]
    fn scopes_survive_the_memo_encoding() {
        let scopes: Scopes = vec![
            (("a.io".into(), "Foo".into()), KindScope::Cluster),
            (("b.io".into(), "Bar".into()), KindScope::Namespaced),
        ];
        assert_eq!(decode(&encode(&scopes)), scopes);
        assert_eq!(decode(&encode(&[])), Vec::new());
    }
}
