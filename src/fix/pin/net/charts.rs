//! Chart versions: a Helm repository's `index.yaml` over HTTP, or the tags of an OCI chart
//! (Helm stores `+` of a version as `_` in a tag).

use super::http::{Client, Method};
use super::registry::{self, Location};
use serde::Deserialize;
use std::collections::HashMap;

#[derive(Deserialize)]
struct Index {
    #[serde(default)]
    entries: HashMap<String, Vec<Entry>>,
}

#[derive(Deserialize)]
struct Entry {
    version: Option<String>,
}

/// The versions `<url>/index.yaml` lists for `chart`.
pub fn index_versions(client: &Client, url: &str, chart: &str) -> Result<Vec<String>, String> {
    let index_url = format!("{}/index.yaml", url.trim_end_matches('/'));
    let reply = client.send(Method::Get, &index_url, None, None)?;
    if reply.status != 200 {
        return Err(format!("{index_url} answered HTTP {}", reply.status));
    }
    versions_in(&reply.body, chart).map_err(|e| format!("{index_url}: {e}"))
}

fn versions_in(text: &str, chart: &str) -> Result<Vec<String>, String> {
    let index: Index =
        serde_saphyr::from_str(text).map_err(|_| "not a chart repository index".to_string())?;
    let entries = index
        .entries
        .get(chart)
        .ok_or_else(|| format!("no chart `{chart}` in it"))?;
    Ok(entries.iter().filter_map(|e| e.version.clone()).collect())
}

/// The versions of the OCI chart `<host>/<path>/<chart>`.
pub fn oci_versions(client: &Client, path: &str, chart: &str) -> Result<Vec<String>, String> {
    let (host, repo) = path.split_once('/').unwrap_or((path, ""));
    let repository = if repo.is_empty() {
        chart.to_string()
    } else {
        format!("{repo}/{chart}")
    };
    let at = Location {
        host: host.to_string(),
        repository,
    };
    Ok(registry::tags(client, &at)?
        .into_iter()
        .map(|t| t.replace('_', "+"))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_an_index() {
        let text = "apiVersion: v1\nentries:\n  nginx:\n  - version: 1.2.0\n    urls: [a]\n  - version: \"1.10.0\"\n  redis:\n  - version: 9.0.0\ngenerated: x\n";
        assert_eq!(
            versions_in(text, "nginx"),
            Ok(vec!["1.2.0".to_string(), "1.10.0".to_string()])
        );
        assert!(versions_in(text, "mysql").is_err());
        assert!(versions_in("- a\n- b\n", "nginx").is_err());
    }
}
