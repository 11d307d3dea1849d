//! Version strings: exact versions versus ranges (Helm's Masterminds semver constraints, npm
//! style `^`/`~`/`x`, hyphen ranges, `||`), commit SHAs and version-like git tags.

/// How a chart (or other artifact) version pins what gets installed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VersionPin {
    /// One exact version (`1.4.2`, `v1.4.2`, `=1.4.2`, `1.2` which Masterminds reads as 1.2.0).
    Exact,
    /// A constraint that matches several versions (`^1.2`, `1.2.*`, `>=1.0.0 <2.0.0`, `*`).
    Range,
    /// The word `latest` (any case): whatever is newest.
    Latest,
    /// A `SNAPSHOT` version (any case).
    Snapshot,
}

/// Classifies a version constraint as written in a helmfile, Chart.yaml, HelmRelease, ...
pub fn version_pin(version: &str) -> VersionPin {
    let v = version.trim();
    if v.eq_ignore_ascii_case("latest") {
        VersionPin::Latest
    } else if is_range(v) {
        VersionPin::Range
    } else if super::image_ref::is_snapshot(v) {
        VersionPin::Snapshot
    } else {
        VersionPin::Exact
    }
}

/// True when the constraint can match more than one version.
pub fn is_range(version: &str) -> bool {
    let v = version.trim();
    if v.is_empty() {
        return true; // no constraint at all
    }
    if v.contains(['^', '~', '>', '<', '!', '|', ',', '*']) {
        return true;
    }
    if v.split_whitespace().count() > 1 {
        return true; // `1.0.0 - 2.0.0`, or several space-separated constraints
    }
    // x-ranges: `1.x`, `1.2.X`, a bare `x`. Only the version core counts: `1.0.0-x.7` is a
    // pre-release label, not a wildcard.
    let core = v.trim_start_matches(['=', 'v', 'V']);
    let core = core.split(['-', '+']).next().unwrap_or(core);
    core.split('.').any(|part| part.eq_ignore_ascii_case("x"))
}

/// A full or abbreviated commit id: 7 to 64 hex digits, at least one of them a decimal digit
/// (an all-letter word such as `deadbeef` or `facade` reads as a branch name).
pub fn is_commit_sha(rev: &str) -> bool {
    (7..=64).contains(&rev.len())
        && rev.bytes().all(|b| b.is_ascii_hexdigit())
        && rev.bytes().any(|b| b.is_ascii_digit())
}

/// A git revision that reads as a release tag: `v1.4.2`, `1.4.2-rc.1`, `2024.01.15`, or a
/// chart-releaser style `podinfo-6.5.0` (a name, a dash, then a version with two dots).
/// Branch names such as `main`, `HEAD` or `release-1.2` do not qualify.
pub fn is_version_tag(rev: &str) -> bool {
    if looks_like_version(rev.strip_prefix(['v', 'V']).unwrap_or(rev), 1) {
        return true;
    }
    // `<name>-<x.y.z>`: search every dash, since names contain dashes too.
    rev.match_indices('-').any(|(i, _)| {
        let tail = &rev[i + 1..];
        i > 0 && looks_like_version(tail.strip_prefix(['v', 'V']).unwrap_or(tail), 2)
    })
}

/// `digits(.digits){min_dots,}` followed by an optional `-pre`/`+build` suffix.
fn looks_like_version(s: &str, min_dots: usize) -> bool {
    let core_end = s.find(['-', '+']).unwrap_or(s.len());
    let (core, suffix) = s.split_at(core_end);
    let parts: Vec<&str> = core.split('.').collect();
    parts.len() > min_dots
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
        && suffix
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'+' | b'.'))
        && suffix.len() != 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges() {
        for v in [
            "*",
            "",
            " ",
            "x",
            "X",
            "1.x",
            "1.2.x",
            "1.2.X",
            "1.2.*",
            "^1.2.3",
            "~1.2",
            "~>1.2",
            ">=1.0.0",
            ">1",
            "<2.0.0",
            "<=3",
            ">=1.0.0 <2.0.0",
            ">=1.0.0, <2.0.0",
            "1.0.0 - 2.0.0",
            "^1 || ^2",
            "!=1.2.3",
            ">= 1.8.0-rc.0",
            "v1.x",
        ] {
            assert!(is_range(v), "`{v}` is a range");
            assert_eq!(version_pin(v), VersionPin::Range, "`{v}`");
        }
        for v in [
            "1.2.3",
            "v1.2.3",
            "=1.2.3",
            "1.2",
            "0.1.0-rc.1",
            "1.0.0-x.7",
            "1.4.2+build.5",
            "1.33.6",
            "2024.1.15",
        ] {
            assert!(!is_range(v), "`{v}` is exact");
            assert_eq!(version_pin(v), VersionPin::Exact, "`{v}`");
        }
        assert_eq!(version_pin("latest"), VersionPin::Latest);
        assert_eq!(version_pin("LATEST"), VersionPin::Latest);
        assert_eq!(version_pin("0.1.0-SNAPSHOT"), VersionPin::Snapshot);
        assert_eq!(version_pin("1.0-snapshot"), VersionPin::Snapshot);
        // A range is a range, even of snapshots.
        assert_eq!(version_pin("^1.0.0-SNAPSHOT"), VersionPin::Range);
    }

    #[test]
    fn git_revisions() {
        for r in [
            "v1.4.2",
            "1.4.2",
            "1.4",
            "1.4.2-rc.1",
            "2024.01.15",
            "podinfo-6.5.0",
            "my-chart-v1.2.3",
        ] {
            assert!(is_version_tag(r), "`{r}` is a version tag");
        }
        for r in [
            "HEAD",
            "main",
            "master",
            "release-1.2",
            "feature/x",
            "stable",
            "v",
            "1.",
            "1.2-",
            "dev-2",
            "v2",
        ] {
            assert!(!is_version_tag(r), "`{r}` is not a version tag");
        }
        assert!(is_commit_sha("3f2a1b0c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a"));
        assert!(is_commit_sha("3f2a1b0"));
        assert!(!is_commit_sha("deadbeef")); // no digit: could be a branch
        assert!(!is_commit_sha("main"));
        assert!(!is_commit_sha("3f2a1b"));
    }
}
