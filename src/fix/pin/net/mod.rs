//! The network side of `--resolve` (cargo feature `resolve`): the OCI distribution API for
//! image digests and OCI chart tags, Helm repository indexes over HTTP, and `git ls-remote`.
//! Nothing here runs unless `--resolve` is given.

pub mod charts;
pub mod docker_config;
pub mod git_remote;
pub mod http;
pub mod registry;

use super::lookup::{ChartRepo, ImagePin, Lookup};
use crate::rules::image_ref::ImageRef;

/// The real lookups: every request times out after [`http::TIMEOUT`].
pub struct Net {
    client: http::Client,
}

impl Net {
    pub fn new() -> Net {
        Net {
            client: http::Client::new(docker_config::load()),
        }
    }
}

impl Default for Net {
    fn default() -> Self {
        Net::new()
    }
}

impl Lookup for Net {
    fn image(&self, image: &ImageRef) -> Result<ImagePin, String> {
        registry::resolve(&self.client, image)
    }

    fn chart_versions(&self, repo: &ChartRepo, chart: &str) -> Result<Vec<String>, String> {
        match repo {
            ChartRepo::Http(url) => charts::index_versions(&self.client, url, chart),
            ChartRepo::Oci(path) => charts::oci_versions(&self.client, path, chart),
        }
    }

    fn git_tags(&self, url: &str) -> Result<Vec<String>, String> {
        git_remote::tags(url)
    }

    fn git_commit(&self, url: &str, rev: &str) -> Result<String, String> {
        git_remote::commit(url, rev)
    }
}
