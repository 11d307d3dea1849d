//! What `--resolve` asks the outside world, as a trait: the network client implements it,
//! and unit tests answer from memory.

use crate::rules::image_ref::ImageRef;

/// What an image tag points at now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImagePin {
    /// The most specific version tag with the same digest, when there is one.
    pub version_tag: Option<String>,
    /// `sha256:<hex>`: the manifest digest of the tag (an index for a multi-platform image).
    pub digest: String,
}

/// A chart repository: a Helm HTTP repository (`index.yaml`) or an OCI registry path.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ChartRepo {
    /// The repository URL; its index is `<url>/index.yaml`.
    Http(String),
    /// `host[:port]/path`, without `oci://`; the chart is `<path>/<chart>` there.
    Oci(String),
}

impl ChartRepo {
    /// From a URL as written in helmfile, Argo CD or Flux. `oci` says the repository is
    /// OCI though its URL has no scheme (helmfile `oci: true`, Argo CD's scheme-less URLs).
    pub fn from_url(url: &str, oci: bool) -> Option<ChartRepo> {
        let url = url.trim().trim_end_matches('/');
        if let Some(rest) = url.strip_prefix("oci://") {
            // Registry credentials come from the docker config; `user:pass@` would otherwise
            // become part of the host named in every error.
            return Some(ChartRepo::Oci(
                crate::masked::userinfo::strip_bare(rest).to_string(),
            ));
        }
        if url.starts_with("https://") || url.starts_with("http://") {
            return Some(ChartRepo::Http(url.to_string()));
        }
        (oci || (!url.contains("://") && url.contains('/') && !url.is_empty()))
            .then(|| ChartRepo::Oci(crate::masked::userinfo::strip_bare(url).to_string()))
    }
}

/// The lookups `--resolve` makes. Errors are one line naming the reason.
pub trait Lookup {
    fn image(&self, image: &ImageRef) -> Result<ImagePin, String>;
    /// Every version the repository offers for `chart`.
    fn chart_versions(&self, repo: &ChartRepo, chart: &str) -> Result<Vec<String>, String>;
    /// The tag names of a git remote.
    fn git_tags(&self, url: &str) -> Result<Vec<String>, String>;
    /// The commit `rev` (a branch, or `HEAD`) of a git remote points at.
    fn git_commit(&self, url: &str, rev: &str) -> Result<String, String>;
}
