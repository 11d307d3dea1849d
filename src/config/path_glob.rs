//! Path globs of the configuration (`exclude`, `per-file-ignores`), read the way `.gitignore`
//! users write them. Paths are matched relative to the repository root without a leading
//! `/` or `./`, so a glob written with one would silently match nothing.

use globset::{Glob, GlobBuilder, GlobSet, GlobSetBuilder};

/// The glob `pattern` means, relative to the root: `/x` and `./x` are `x`; a trailing `/`
/// names a folder (`charts/` is `charts`).
fn normalize(pattern: &str) -> &str {
    let mut p = pattern.trim();
    loop {
        if let Some(rest) = p.strip_prefix("./") {
            p = rest;
        } else if let Some(rest) = p.strip_prefix('/') {
            p = rest;
        } else {
            break;
        }
    }
    p.trim_end_matches('/')
}

fn glob(pattern: &str) -> Result<Glob, globset::Error> {
    GlobBuilder::new(pattern).literal_separator(true).build()
}

/// A set matching the path `pattern` names and, when it names a folder, every path under it
/// (as `.gitignore` does: `vendor` and `vendor/` exclude the folder's files).
pub fn path_set(pattern: &str) -> Result<GlobSet, globset::Error> {
    let p = normalize(pattern);
    let mut builder = GlobSetBuilder::new();
    builder.add(glob(p)?);
    if !p.ends_with("**") {
        builder.add(glob(&format!("{p}/**"))?);
    }
    builder.build()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn anchored_dotted_and_folder_forms() {
        for p in [
            "/charts/**",
            "./charts/**",
            "charts/",
            "charts",
            "./charts/",
        ] {
            let set = path_set(p).unwrap_or_else(|_| GlobSet::empty());
            assert!(set.is_match("charts/a/values.yaml"), "{p}");
            assert!(!set.is_match("apps/charts/values.yaml"), "{p}");
            assert!(!set.is_match("chartsx/values.yaml"), "{p}");
        }
        let set = path_set("/web.yaml").unwrap_or_else(|_| GlobSet::empty());
        assert!(set.is_match("web.yaml"));
        assert!(!set.is_match("apps/web.yaml"));
        assert!(path_set("a/[").is_err());
    }
}
