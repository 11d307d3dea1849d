//! The HTTP client: one request at a time, a fixed timeout, plain `http://` only for
//! loopback hosts, and the registry token flow (`WWW-Authenticate: Bearer realm=…`,
//! anonymous or with the docker config's credentials; `Basic` with those credentials).

use super::docker_config::Credentials;
use base64::Engine;
use std::cell::RefCell;
use std::collections::HashMap;
use std::time::Duration;

/// Every request gives up after this long.
pub const TIMEOUT: Duration = Duration::from_secs(10);

/// Bodies larger than this are refused (a big chart repository index is ~20 MB).
const MAX_BODY: u64 = 64 << 20;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Get,
    Head,
}

/// A response: status, the headers the callers read, and the body (empty for HEAD).
#[derive(Debug, Default)]
pub struct Reply {
    pub status: u16,
    pub digest: Option<String>,
    pub link: Option<String>,
    pub challenge: Option<String>,
    pub body: String,
}

pub struct Client {
    proxied: ureq::Agent,
    direct: ureq::Agent,
    creds: Credentials,
    /// `Authorization` values per (host, repository), from earlier challenges.
    auth: RefCell<HashMap<String, String>>,
}

/// `localhost`, `127.x.x.x` or `::1`, with or without a port: the only hosts spoken to over
/// plain HTTP (like docker's default insecure registries), and never through a proxy.
pub fn is_loopback(host: &str) -> bool {
    let h = if let Some(rest) = host.strip_prefix('[') {
        rest.split(']').next().unwrap_or(rest)
    } else {
        host.rsplit_once(':').map_or(host, |(h, _)| h)
    };
    // An address, not a name that merely starts with `127.` (`127.example.com`).
    h.eq_ignore_ascii_case("localhost")
        || h.parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

fn agent(proxy: bool) -> ureq::Agent {
    let mut config = ureq::Agent::config_builder()
        .timeout_global(Some(TIMEOUT))
        .http_status_as_error(false)
        .user_agent(concat!("gitops-guard/", env!("CARGO_PKG_VERSION")));
    if !proxy {
        config = config.proxy(None);
    }
    config.build().into()
}

impl Client {
    pub fn new(creds: Credentials) -> Client {
        Client {
            proxied: agent(true),
            direct: agent(false),
            creds,
            auth: RefCell::new(HashMap::new()),
        }
    }

    /// The scheme for `host`: `http` for loopback, else `https`.
    pub fn scheme(host: &str) -> &'static str {
        if is_loopback(host) { "http" } else { "https" }
    }

    /// One request, no authentication.
    pub fn send(
        &self,
        method: Method,
        url: &str,
        accept: Option<&str>,
        authorization: Option<&str>,
    ) -> Result<Reply, String> {
        let host = authority(url);
        let agent = if is_loopback(host) {
            &self.direct
        } else {
            &self.proxied
        };
        let header = |r: &ureq::http::Response<ureq::Body>, name: &str| {
            r.headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        let result = match method {
            Method::Get => {
                let mut req = agent.get(url);
                if let Some(a) = accept {
                    req = req.header("Accept", a);
                }
                if let Some(a) = authorization {
                    req = req.header("Authorization", a);
                }
                req.call()
            }
            Method::Head => {
                let mut req = agent.head(url);
                if let Some(a) = accept {
                    req = req.header("Accept", a);
                }
                if let Some(a) = authorization {
                    req = req.header("Authorization", a);
                }
                req.call()
            }
        };
        let mut resp = result.map_err(|e| describe(&e))?;
        let mut reply = Reply {
            status: resp.status().as_u16(),
            digest: header(&resp, "docker-content-digest"),
            link: header(&resp, "link"),
            challenge: header(&resp, "www-authenticate"),
            body: String::new(),
        };
        if method == Method::Get && reply.status == 200 {
            reply.body = resp
                .body_mut()
                .with_config()
                .limit(MAX_BODY)
                .read_to_string()
                .map_err(|e| describe(&e))?;
        }
        Ok(reply)
    }

    /// A registry request for `repository` on `host`, answering an authentication
    /// challenge once. Fails on any status but 200 with the reason in words.
    pub fn registry(
        &self,
        method: Method,
        host: &str,
        repository: &str,
        url: &str,
        accept: Option<&str>,
    ) -> Result<Reply, String> {
        let key = format!("{host}/{repository}");
        // A page (`Link: <…>`) on another server gets no credentials of this one.
        let own = authority(url).eq_ignore_ascii_case(host);
        let known = own.then(|| self.auth.borrow().get(&key).cloned()).flatten();
        let mut reply = self.send(method, url, accept, known.as_deref())?;
        if reply.status == 401 && own {
            let challenge = reply.challenge.clone().unwrap_or_default();
            let authorization = self.answer(host, &challenge)?;
            reply = self.send(method, url, accept, Some(&authorization))?;
            self.auth.borrow_mut().insert(key, authorization);
        }
        match reply.status {
            200 => Ok(reply),
            401 | 403 => Err(format!(
                "access denied by {host} (HTTP {}){}",
                reply.status,
                self.helper_note(host)
            )),
            404 => Err(format!("not found on {host} (HTTP 404)")),
            s => Err(format!("{host} answered HTTP {s}")),
        }
    }

    fn helper_note(&self, host: &str) -> String {
        match self.creds.helper(host) {
            Some(h) => format!(
                "; its credentials are with the credential helper `docker-credential-{h}`, which \
                 --resolve does not run (put an `auth` entry in the docker config instead)"
            ),
            None if self.creds.basic(host).is_none() => {
                "; no credentials for it in the docker config".into()
            }
            None => String::new(),
        }
    }

    fn basic(&self, host: &str) -> Option<String> {
        self.creds.basic(host).map(|(u, p)| {
            format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(format!("{u}:{p}"))
            )
        })
    }

    /// The `Authorization` value answering `challenge`.
    fn answer(&self, host: &str, challenge: &str) -> Result<String, String> {
        let (scheme, params) = challenge.trim().split_once(' ').unwrap_or((challenge, ""));
        if scheme.eq_ignore_ascii_case("basic") {
            return self
                .basic(host)
                .ok_or_else(|| format!("{host} asks for a password{}", self.helper_note(host)));
        }
        if !scheme.eq_ignore_ascii_case("bearer") {
            return Err(format!(
                "{host} asks for `{scheme}` authentication, not supported"
            ));
        }
        let params = challenge_params(params);
        let realm = params
            .get("realm")
            .ok_or_else(|| format!("{host}: a Bearer challenge without a realm"))?;
        let mut url = realm.clone();
        let mut sep = if url.contains('?') { '&' } else { '?' };
        for key in ["service", "scope"] {
            if let Some(v) = params.get(key) {
                url.push(sep);
                url.push_str(&format!("{key}={}", query_escape(v)));
                sep = '&';
            }
        }
        // The password goes to the token service only over TLS (or to this machine): a
        // challenge may name any server, and plain http would carry it in the clear.
        let basic = self.basic(host).filter(|_| carries_credentials(&url));
        let reply = self.send(Method::Get, &url, None, basic.as_deref())?;
        if reply.status != 200 {
            return Err(format!(
                "the token service of {host} answered HTTP {}{}",
                reply.status,
                self.helper_note(host)
            ));
        }
        let v: serde_json::Value = serde_json::from_str(&reply.body)
            .map_err(|_| format!("the token service of {host} sent no JSON"))?;
        let token = v
            .get("token")
            .or_else(|| v.get("access_token"))
            .and_then(serde_json::Value::as_str)
            .ok_or_else(|| format!("the token service of {host} sent no token"))?;
        Ok(format!("Bearer {token}"))
    }
}

/// Whether credentials may be sent to `url`: `https`, or plain `http` on a loopback host.
fn carries_credentials(url: &str) -> bool {
    let Some((scheme, _)) = url.split_once("://") else {
        return false;
    };
    let host = authority(url)
        .rsplit_once('@')
        .map_or(authority(url), |(_, h)| h);
    scheme.eq_ignore_ascii_case("https")
        || (scheme.eq_ignore_ascii_case("http") && is_loopback(host))
}

/// The `host[:port]` of `url`.
fn authority(url: &str) -> &str {
    url.split_once("://")
        .map_or(url, |(_, r)| r)
        .split(['/', '?', '#'])
        .next()
        .unwrap_or("")
}

/// `realm="https://auth",service="registry",scope="repository:a/b:pull"` → map.
fn challenge_params(text: &str) -> HashMap<String, String> {
    let mut out = HashMap::new();
    let mut rest = text.trim();
    while let Some((key, after)) = rest.split_once('=') {
        let key = key
            .trim()
            .trim_start_matches(',')
            .trim()
            .to_ascii_lowercase();
        let (value, next) = if let Some(q) = after.strip_prefix('"') {
            match q.split_once('"') {
                Some((v, n)) => (v, n),
                None => (q, ""),
            }
        } else {
            after.split_once(',').unwrap_or((after, ""))
        };
        out.insert(key, value.to_string());
        rest = next.trim_start_matches(',').trim();
    }
    out
}

fn query_escape(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A transport error in words (no URL credentials: our URLs carry none).
fn describe(e: &ureq::Error) -> String {
    match e {
        ureq::Error::Timeout(_) => format!("no answer within {} s", TIMEOUT.as_secs()),
        ureq::Error::Io(io) if io.kind() == std::io::ErrorKind::ConnectionRefused => {
            "connection refused".into()
        }
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_go_only_over_tls_or_to_this_machine() {
        for url in [
            "https://auth.example/token?service=r",
            "HTTPS://auth.example:8443/token",
            "http://127.0.0.1:5000/token",
            "http://localhost/token",
        ] {
            assert!(carries_credentials(url), "{url}");
        }
        for url in [
            "http://auth.example/token",
            "http://auth.example:80/token?x=127.0.0.1",
            "ftp://auth.example/token",
            "auth.example/token",
        ] {
            assert!(!carries_credentials(url), "{url}");
        }
    }

    #[test]
    fn challenges_and_loopback() {
        let p = challenge_params(
            r#"realm="https://auth.example/token",service="registry.example",scope="repository:a/b:pull,push""#,
        );
        assert_eq!(p["realm"], "https://auth.example/token");
        assert_eq!(p["service"], "registry.example");
        assert_eq!(p["scope"], "repository:a/b:pull,push");
        assert_eq!(
            query_escape("repository:a/b:pull"),
            "repository%3Aa/b%3Apull"
        );
        for h in [
            "localhost",
            "localhost:5000",
            "127.0.0.1:41234",
            "[::1]:5000",
        ] {
            assert!(is_loopback(h), "{h}");
        }
        for h in [
            "registry.local:5000",
            "ghcr.io",
            "127example.com",
            "127.example.com:5000",
            "127.0.0.1.nip.io",
        ] {
            assert!(!is_loopback(h), "{h}");
        }
    }
}
