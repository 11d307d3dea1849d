//! Container images in files that kustomizations include: what each root kustomization makes
//! of them with its `images:` transforms (and those of everything in between).

use super::graph::{Graph, ImageTransform};
use crate::manifest::objects;
use crate::rules::File;
use crate::rules::containers::image_sites;
use crate::rules::image_ref::{ImageRef, Pin, tag_pin};
use std::ops::Range;

/// An image as the transforms see it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Image {
    /// The name as written, without tag or digest: what `images[].name` matches.
    name: String,
    tag: Option<String>,
    digest: Option<String>,
    /// A transform set the tag or digest: that transform is judged at its own line.
    retagged: bool,
}

impl Image {
    fn apply(&mut self, t: &ImageTransform) {
        if t.name != self.name {
            return;
        }
        let mut renamed_tag = None;
        if let Some(new_name) = &t.new_name {
            match ImageRef::parse(new_name) {
                Some(r) => {
                    self.name = r.name();
                    if r.tag.is_some() || r.digest.is_some() {
                        renamed_tag =
                            Some((r.tag.map(str::to_string), r.digest.map(str::to_string)));
                    }
                }
                None => self.name = new_name.clone(),
            }
        }
        // As kustomize: `newTag` and `digest` replace both parts (either may be absent).
        let (tag, digest) = match (&t.new_tag, &t.digest, renamed_tag) {
            (None, None, None) => return,
            (None, None, Some(from_name)) => from_name,
            (tag, digest, _) => (tag.clone(), digest.clone()),
        };
        self.tag = tag;
        self.digest = digest;
        self.retagged = true;
    }

    fn pinned(&self, mutable_tags: &[String]) -> bool {
        self.digest.is_some()
            || self
                .tag
                .as_deref()
                .is_some_and(|t| tag_pin(t, mutable_tags) == Pin::Pinned)
    }
}

/// What the roots that build a file make of one image.
pub enum Verdict {
    /// Every root pins it, or changes its tag with a transform judged where it is written.
    Pinned,
    /// These roots (kustomization files) leave it as unpinned as it is written.
    LeftUnpinned(Vec<String>),
}

/// The verdict for the image written `written` in a file whose root chains are `chains`.
pub fn verdict(
    graph: &Graph,
    chains: &[Vec<usize>],
    written: &str,
    mutable_tags: &[String],
) -> Option<Verdict> {
    let r = ImageRef::parse(written)?;
    let start = Image {
        name: r.name(),
        tag: r.tag.map(str::to_string),
        digest: r.digest.map(str::to_string),
        retagged: false,
    };
    let mut left = Vec::new();
    for chain in chains {
        let mut image = start.clone();
        for &k in chain {
            for t in graph.transforms(k) {
                image.apply(t);
            }
        }
        if !image.retagged && !image.pinned(mutable_tags) {
            let root = chain.last().map(|&k| graph.kustomization(k).path.clone());
            left.extend(root);
        }
    }
    left.sort();
    left.dedup();
    Some(if left.is_empty() {
        Verdict::Pinned
    } else {
        Verdict::LeftUnpinned(left)
    })
}

/// The spans of the container images kustomize's `images:` transform reaches in this file
/// (`containers` and `initContainers` of any object), with the reference as written.
pub fn transformable(file: &File) -> Vec<(Range<usize>, String)> {
    let mut out = Vec::new();
    for doc in file.docs {
        let Some(root) = &doc.root else { continue };
        for obj in objects(root) {
            for site in image_sites(obj) {
                if !matches!(site.field, "containers" | "initContainers") {
                    continue;
                }
                if let Some(text) = site.node.as_str().filter(|_| !site.node.is_templated()) {
                    out.push((site.node.span.clone(), text.trim().to_string()));
                }
            }
        }
    }
    out
}

/// For messages: `a`, or `a` (and 2 more).
pub fn name_roots(roots: &[String]) -> String {
    match roots {
        [] => String::new(),
        [one] => format!("`{one}`"),
        [first, rest @ ..] => format!("`{first}` (and {} more)", rest.len()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(
        name: &str,
        new_name: Option<&str>,
        tag: Option<&str>,
        digest: Option<&str>,
    ) -> ImageTransform {
        ImageTransform {
            name: name.into(),
            new_name: new_name.map(Into::into),
            new_tag: tag.map(Into::into),
            digest: digest.map(Into::into),
        }
    }

    fn image(written: &str) -> Image {
        let r = ImageRef::parse(written).unwrap();
        Image {
            name: r.name(),
            tag: r.tag.map(Into::into),
            digest: r.digest.map(Into::into),
            retagged: false,
        }
    }

    #[test]
    fn transforms_as_kustomize_applies_them() {
        let tags = vec!["latest".to_string()];
        // Matched by the name as written, not the normalised one.
        let mut i = image("nginx");
        i.apply(&t("docker.io/library/nginx", None, Some("1.0"), None));
        assert!(!i.pinned(&tags) && !i.retagged);
        // A rename keeps the tag; a later transform matches the new name.
        let mut i = image("nginx:1.25");
        i.apply(&t("nginx", Some("registry.local/nginx"), None, None));
        assert_eq!(
            (i.name.as_str(), i.tag.as_deref(), i.retagged),
            ("registry.local/nginx", Some("1.25"), false)
        );
        i.apply(&t("registry.local/nginx", None, None, Some("sha256:abc")));
        assert_eq!(
            (i.tag.as_deref(), i.digest.as_deref()),
            (None, Some("sha256:abc"))
        );
        assert!(i.pinned(&tags) && i.retagged);
        // `newTag` replaces a digest; a tag in `newName` counts as set there.
        let mut i =
            image("nginx@sha256:50d858e0985ecc7f60418aaf0cc5ab587f42c2570a884095a9e8ccacd0f6545c");
        i.apply(&t("nginx", None, Some("latest"), None));
        assert!(!i.pinned(&tags) && i.retagged);
        let mut i = image("nginx");
        i.apply(&t("nginx", Some("nginx:1.2.3"), None, None));
        assert!(i.pinned(&tags) && i.retagged);
    }

    #[test]
    fn roots_are_named_once() {
        assert_eq!(name_roots(&["a".into()]), "`a`");
        assert_eq!(
            name_roots(&["a".into(), "b".into(), "c".into()]),
            "`a` (and 2 more)"
        );
    }
}
