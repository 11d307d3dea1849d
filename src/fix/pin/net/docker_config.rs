//! Registry credentials from the user's docker configuration (`$DOCKER_CONFIG/config.json`,
//! else `~/.docker/config.json`): the `auths` entries (base64 `user:password` in `auth`, or
//! `username`/`password`). Credential helpers (`credsStore`, `credHelpers`) are programs
//! this tool does not run; a registry that needs one is reported as such.

use base64::Engine;
use serde_json::Value;
use std::collections::HashMap;

/// Basic credentials per registry host, and the hosts whose credentials a helper holds.
#[derive(Debug, Default, Clone)]
pub struct Credentials {
    basic: HashMap<String, (String, String)>,
    helper: HashMap<String, String>,
    default_helper: Option<String>,
}

/// The host a config key names: `https://index.docker.io/v1/` → `docker.io`.
fn host_of(key: &str) -> String {
    let k = key.split_once("://").map_or(key, |(_, rest)| rest);
    let host = k.split('/').next().unwrap_or(k).to_ascii_lowercase();
    canonical_host(&host)
}

/// Docker Hub has several names; credentials are kept under one.
pub fn canonical_host(host: &str) -> String {
    match host {
        "index.docker.io" | "registry-1.docker.io" | "registry.hub.docker.com" => "docker.io",
        h => h,
    }
    .to_string()
}

impl Credentials {
    /// Reads `config.json` from `dir` (absent or unreadable: no credentials).
    pub fn parse(text: &str) -> Credentials {
        let mut out = Credentials::default();
        let Ok(v) = serde_json::from_str::<Value>(text) else {
            return out;
        };
        for (key, entry) in v
            .get("auths")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            let decoded = entry
                .get("auth")
                .and_then(Value::as_str)
                .and_then(|a| {
                    base64::engine::general_purpose::STANDARD
                        .decode(a.trim())
                        .ok()
                })
                .and_then(|b| String::from_utf8(b).ok())
                .and_then(|s| {
                    s.split_once(':')
                        .map(|(u, p)| (u.to_string(), p.to_string()))
                });
            let plain = || {
                Some((
                    entry.get("username")?.as_str()?.to_string(),
                    entry.get("password")?.as_str()?.to_string(),
                ))
            };
            if let Some(pair) = decoded.or_else(plain) {
                out.basic.insert(host_of(key), pair);
            }
        }
        for (key, helper) in v
            .get("credHelpers")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            if let Some(h) = helper.as_str() {
                out.helper.insert(host_of(key), h.to_string());
            }
        }
        out.default_helper = v
            .get("credsStore")
            .and_then(Value::as_str)
            .map(str::to_string);
        out
    }

    /// `user:password` for `host`, when the config holds them.
    pub fn basic(&self, host: &str) -> Option<&(String, String)> {
        self.basic.get(&canonical_host(host))
    }

    /// The credential helper that holds `host`'s credentials, when one does.
    pub fn helper(&self, host: &str) -> Option<&str> {
        let host = canonical_host(host);
        if self.basic.contains_key(&host) {
            return None;
        }
        self.helper
            .get(&host)
            .map(String::as_str)
            .or(self.default_helper.as_deref())
    }
}

/// The user's credentials (none when there is no readable config).
pub fn load() -> Credentials {
    let dir = std::env::var_os("DOCKER_CONFIG")
        .map(std::path::PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| std::path::Path::new(&h).join(".docker")));
    dir.and_then(|d| std::fs::read_to_string(d.join("config.json")).ok())
        .map_or_else(Credentials::default, |t| Credentials::parse(&t))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auths_helpers_and_hub_aliases() {
        // "alice:s3cret" and "bob:pw"
        let text = r#"{
          "auths": {
            "https://index.docker.io/v1/": {"auth": "YWxpY2U6czNjcmV0"},
            "registry.local:5000": {"username": "bob", "password": "pw"},
            "ghcr.io": {}
          },
          "credHelpers": {"gcr.io": "gcloud"},
          "credsStore": "desktop"
        }"#;
        let c = Credentials::parse(text);
        let pair = |u: &str, p: &str| Some((u.to_string(), p.to_string()));
        assert_eq!(
            c.basic("registry-1.docker.io").cloned(),
            pair("alice", "s3cret")
        );
        assert_eq!(c.basic("registry.local:5000").cloned(), pair("bob", "pw"));
        assert_eq!(c.basic("ghcr.io"), None);
        assert_eq!(c.helper("gcr.io"), Some("gcloud"));
        assert_eq!(c.helper("quay.io"), Some("desktop"));
        assert_eq!(c.helper("docker.io"), None);
        assert!(Credentials::parse("not json").basic("docker.io").is_none());
    }
}
