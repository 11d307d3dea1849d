//! Sources that point at this very repository: a cluster that follows a branch of its own
//! GitOps repository does so by design (`sources.allow-self-branch`).

use crate::rules::Ctx;
use std::sync::Arc;

/// `host/path` of a git URL: scheme, user and port dropped, the host lower-cased, the
/// scp-like `git@host:org/repo` read as `host/org/repo`, a trailing `/` or `.git` removed.
/// `None` when the text is not a remote URL.
pub fn normalize(url: &str) -> Option<String> {
    let url = url.trim();
    let (host_part, path) = match url.split_once("://") {
        Some((_, rest)) => rest.split_once('/')?,
        // scp-like: `[user@]host:path`, never `C:\…` or a local path.
        None => {
            let (host, path) = url.split_once(':')?;
            if host.contains('/') || host.len() < 2 {
                return None;
            }
            (host, path)
        }
    };
    let host = host_part.rsplit('@').next().unwrap_or(host_part);
    let host = host.split(':').next().unwrap_or(host).to_ascii_lowercase();
    let path = path.trim_matches('/');
    let path = path
        .strip_suffix(".git")
        .unwrap_or(path)
        .trim_end_matches('/');
    if host.is_empty() || path.is_empty() {
        return None;
    }
    Some(format!("{host}/{path}"))
}

/// Whether `url` is one of the repository's remotes, and the configuration lets such a source
/// follow a branch.
pub fn allowed_branch(ctx: &Ctx, url: &str) -> bool {
    if !ctx.settings.sources.allow_self_branch {
        return false;
    }
    let Some(url) = normalize(url) else {
        return false;
    };
    let remotes = ctx.repo.shared("remote-urls", &|| {
        let urls: Vec<String> = ctx
            .repo
            .remote_urls()
            .iter()
            .filter_map(|u| normalize(u))
            .collect();
        Arc::new(urls)
    });
    remotes
        .downcast_ref::<Vec<String>>()
        .is_some_and(|r| r.contains(&url))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_repository_in_every_spelling() {
        let want = Some("github.com/org/cluster".to_string());
        for url in [
            "https://github.com/org/cluster",
            "https://github.com/org/cluster.git",
            "https://GitHub.com/org/cluster/",
            "http://user@github.com/org/cluster.git",
            "git@github.com:org/cluster.git",
            "ssh://git@github.com/org/cluster",
            "ssh://git@github.com:22/org/cluster.git",
            "git+ssh://git@github.com/org/cluster",
        ] {
            assert_eq!(normalize(url), want, "{url}");
        }
        assert_ne!(normalize("https://github.com/org/other"), want);
        assert_ne!(normalize("https://github.com/Org/cluster"), want);
        assert_eq!(normalize("./charts/app"), None);
        assert_eq!(normalize("https://github.com"), None);
    }
}
