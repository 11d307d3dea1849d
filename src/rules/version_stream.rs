//! Jenkins X version stream lookups: the chart version a helmfile release without `version`
//! gets from `versionStream/charts/<prefix>/<name>/defaults.yaml`, the way
//! `jx gitops helmfile resolve` fills it in (jx-helpers `LoadStableVersion`: the 3.x
//! `defaults.yaml` layout first, then the older `<name>.yml`; the release name first, then the
//! chart name).

use crate::source::RepoView;

/// The directory a Jenkins X cluster repository keeps its version stream in.
pub const DIR: &str = "versionStream";

/// A pinned version found in the version stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StableVersion {
    pub version: String,
    /// The file it came from.
    pub path: String,
}

/// Whether the repository has a version stream at all.
pub fn present(repo: &dyn RepoView) -> bool {
    repo.read(&format!("{DIR}/charts/repositories.yml"))
        .is_some()
        || repo
            .paths()
            .iter()
            .any(|p| p.starts_with(DIR) && p[DIR.len()..].starts_with('/'))
}

/// The files `chart` (`<prefix>/<name>`) of release `release` may be pinned in, in lookup order.
pub fn candidate_paths(chart: &str, release: Option<&str>) -> Vec<String> {
    let Some((prefix, name)) = chart.split_once('/') else {
        return Vec::new();
    };
    let mut names = Vec::new();
    names.extend(release.filter(|r| !r.is_empty() && *r != name));
    names.push(name);
    let mut out = Vec::new();
    for n in names {
        out.push(format!("{DIR}/charts/{prefix}/{n}/defaults.yaml"));
        out.push(format!("{DIR}/charts/{prefix}/{n}.yml"));
    }
    out
}

/// The stable version of a chart, when the version stream pins one.
pub fn chart_version(
    repo: &dyn RepoView,
    chart: &str,
    release: Option<&str>,
) -> Option<StableVersion> {
    candidate_paths(chart, release)
        .into_iter()
        .find_map(|path| {
            let bytes = repo.read(&path)?;
            let version = top_level_version(std::str::from_utf8(&bytes).ok()?)?;
            Some(StableVersion { version, path })
        })
}

/// The top-level `version:` of a `StableVersion` file, without quotes or a trailing comment.
/// A line scan: these files are flat and tiny, and this keeps the lookup independent of the
/// full document model.
fn top_level_version(text: &str) -> Option<String> {
    text.lines().find_map(|line| {
        let value = line.strip_prefix("version:")?;
        let value = value.split(" #").next().unwrap_or(value).trim();
        let value = value.trim_matches(|c| c == '"' || c == '\'').trim();
        (!value.is_empty() && value != "~" && value != "null").then(|| value.to_string())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;
    use std::sync::Arc;

    struct Mem(Vec<String>, HashMap<String, Arc<Vec<u8>>>);

    impl RepoView for Mem {
        fn paths(&self) -> &[String] {
            &self.0
        }
        fn read(&self, path: &str) -> Option<Arc<Vec<u8>>> {
            self.1.get(path).cloned()
        }
    }

    fn mem(files: &[(&str, &str)]) -> Mem {
        Mem(
            files.iter().map(|(p, _)| p.to_string()).collect(),
            files
                .iter()
                .map(|(p, t)| (p.to_string(), Arc::new(t.as_bytes().to_vec())))
                .collect(),
        )
    }

    #[test]
    fn lookup_order_and_layouts() {
        let repo = mem(&[
            (
                "versionStream/charts/jxgh/lighthouse/defaults.yaml",
                "gitUrl: https://github.com/jenkins-x/lighthouse\nversion: 1.33.6\n",
            ),
            (
                "versionStream/charts/jx3/acme-jx/defaults.yaml",
                "version: \"0.0.19\" # pinned\n",
            ),
            ("versionStream/charts/old/thing.yml", "version: 2.0.1\n"),
            (
                "versionStream/charts/jxgh/empty/defaults.yaml",
                "gitUrl: x\n",
            ),
        ]);
        assert!(present(&repo));
        let v = chart_version(&repo, "jxgh/lighthouse", Some("lighthouse")).unwrap();
        assert_eq!(v.version, "1.33.6");
        assert_eq!(v.path, "versionStream/charts/jxgh/lighthouse/defaults.yaml");
        // The release name is tried first (`acme-jx` for chart `jx3/acme`).
        assert_eq!(
            chart_version(&repo, "jx3/acme", Some("acme-jx"))
                .unwrap()
                .version,
            "0.0.19"
        );
        assert_eq!(
            chart_version(&repo, "old/thing", None).unwrap().version,
            "2.0.1"
        );
        assert_eq!(chart_version(&repo, "jxgh/empty", None), None);
        assert_eq!(chart_version(&repo, "jxgh/missing", None), None);
        assert_eq!(chart_version(&repo, "local-chart", None), None);
        assert!(!present(&mem(&[("versionStreamX/a", "")])));
    }
}
