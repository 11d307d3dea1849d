//! Image digests and tags over the OCI distribution API.
//!
//! The digest pinned is the *manifest digest of the tag as the registry serves it*
//! (`Docker-Content-Digest` of `GET /v2/<name>/manifests/<tag>`, what `skopeo inspect`
//! reports as `Digest`): for a multi-platform image that is the index, so the pin stays
//! valid on every platform, and it is exactly what `<name>@sha256:…` pulls.

use super::http::{Client, Method};
use crate::fix::pin::constraint::Version;
use crate::fix::pin::lookup::ImagePin;
use crate::rules::image_ref::ImageRef;

/// The manifest types asked for: indexes and lists first, so a multi-platform tag answers
/// with its platform-independent digest.
const ACCEPT: &str = "application/vnd.oci.image.index.v1+json, \
    application/vnd.docker.distribution.manifest.list.v2+json, \
    application/vnd.oci.image.manifest.v1+json, \
    application/vnd.docker.distribution.manifest.v2+json";

/// At most this many version tags are compared by digest (one HEAD request each).
const MAX_CANDIDATES: usize = 60;

/// Pages of the tag list read at most (the registry's page size each).
const MAX_PAGES: usize = 20;

/// Where an image lives: the API host and the repository path there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    pub host: String,
    pub repository: String,
}

impl Location {
    /// Docker Hub defaults made explicit: `nginx` is `library/nginx` on the Hub's API host.
    pub fn of(image: &ImageRef) -> Location {
        let host = image.registry.unwrap_or("docker.io");
        if matches!(
            host,
            "docker.io" | "index.docker.io" | "registry-1.docker.io"
        ) {
            let repository = if image.path.contains('/') {
                image.path.to_string()
            } else {
                format!("library/{}", image.path)
            };
            return Location {
                host: "registry-1.docker.io".into(),
                repository,
            };
        }
        Location {
            host: host.to_string(),
            repository: image.path.to_string(),
        }
    }

    fn url(&self, rest: &str) -> String {
        format!(
            "{}://{}/v2/{}/{rest}",
            Client::scheme(&self.host),
            self.host,
            self.repository
        )
    }
}

/// The digest of `image`'s tag (`latest` when it has none) and its most specific version
/// tag with the same digest.
pub fn resolve(client: &Client, image: &ImageRef) -> Result<ImagePin, String> {
    let at = Location::of(image);
    let tag = image.tag.unwrap_or("latest");
    let digest = digest(client, &at, tag)?;
    let tags = tags(client, &at)?;
    let mut candidates: Vec<(Version, &str)> = tags
        .iter()
        .filter(|t| t.as_str() != tag)
        .filter_map(|t| Some((Version::parse(t)?, t.as_str())))
        .filter(|(v, t)| v.is_stable() && t.starts_with(|c: char| c.is_ascii_digit() || c == 'v'))
        .collect();
    // Newest first; among equal numbers the most specific (`1.2.3` before `1.2`), so the
    // first match is the most specific tag of the newest release with that digest.
    candidates.sort_by(|a, b| b.0.cmp(&a.0));
    let mut version_tag = None;
    for (_, t) in candidates.into_iter().take(MAX_CANDIDATES) {
        if digest_or_none(client, &at, t)?.as_deref() == Some(digest.as_str()) {
            version_tag = Some(t.to_string());
            break;
        }
    }
    Ok(ImagePin {
        version_tag,
        digest,
    })
}

fn digest(client: &Client, at: &Location, tag: &str) -> Result<String, String> {
    digest_or_none(client, at, tag)?
        .ok_or_else(|| format!("{} sent no Docker-Content-Digest for `{tag}`", at.host))
}

fn digest_or_none(client: &Client, at: &Location, tag: &str) -> Result<Option<String>, String> {
    let url = at.url(&format!("manifests/{tag}"));
    let reply = client.registry(Method::Head, &at.host, &at.repository, &url, Some(ACCEPT))?;
    if let Some(d) = reply.digest.filter(|d| valid_digest(d)) {
        return Ok(Some(d));
    }
    // Some registries answer HEAD without the header; GET always carries it.
    let reply = client.registry(Method::Get, &at.host, &at.repository, &url, Some(ACCEPT))?;
    Ok(reply.digest.filter(|d| valid_digest(d)))
}

fn valid_digest(d: &str) -> bool {
    d.strip_prefix("sha256:")
        .is_some_and(|h| h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// Every tag of the repository (following `Link: <…>; rel="next"` pages).
pub fn tags(client: &Client, at: &Location) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    let mut url = at.url("tags/list");
    for _ in 0..MAX_PAGES {
        let reply = client.registry(Method::Get, &at.host, &at.repository, &url, None)?;
        let v: serde_json::Value = serde_json::from_str(&reply.body)
            .map_err(|_| format!("{} sent a tag list that is not JSON", at.host))?;
        out.extend(
            v.get("tags")
                .and_then(serde_json::Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(serde_json::Value::as_str)
                .map(str::to_string),
        );
        match reply.link.as_deref().and_then(next_link) {
            Some(next) if next.starts_with('/') => {
                url = format!("{}://{}{next}", Client::scheme(&at.host), at.host);
            }
            Some(next) => url = next.to_string(),
            None => break,
        }
    }
    Ok(out)
}

/// The target of `<…>; rel="next"`.
fn next_link(link: &str) -> Option<&str> {
    link.split(',').find_map(|part| {
        let (target, params) = part.split_once(';')?;
        params
            .contains("rel=\"next\"")
            .then(|| target.trim().trim_start_matches('<').trim_end_matches('>'))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> Location {
        Location::of(&ImageRef::parse(s).unwrap_or_else(|| panic!("{s}")))
    }

    #[test]
    fn hub_names_map_to_the_hub_api() {
        let hub = |repo: &str| Location {
            host: "registry-1.docker.io".into(),
            repository: repo.into(),
        };
        assert_eq!(at("nginx"), hub("library/nginx"));
        assert_eq!(at("nginx:latest"), hub("library/nginx"));
        assert_eq!(at("bitnami/redis"), hub("bitnami/redis"));
        assert_eq!(at("docker.io/nginx"), hub("library/nginx"));
        assert_eq!(at("index.docker.io/library/nginx"), hub("library/nginx"));
        assert_eq!(
            at("127.0.0.1:5000/team/app:latest"),
            Location {
                host: "127.0.0.1:5000".into(),
                repository: "team/app".into()
            }
        );
        assert_eq!(
            at("127.0.0.1:5000/team/app").url("tags/list"),
            "http://127.0.0.1:5000/v2/team/app/tags/list"
        );
        assert_eq!(
            at("ghcr.io/o/a").url("manifests/1"),
            "https://ghcr.io/v2/o/a/manifests/1"
        );
    }

    #[test]
    fn link_header() {
        assert_eq!(
            next_link(r#"</v2/a/tags/list?last=b&n=2>; rel="next""#),
            Some("/v2/a/tags/list?last=b&n=2")
        );
        assert_eq!(next_link("<x>; rel=\"prev\""), None);
    }
}
