//! Choosing rules: `--select` / `--ignore` and `per-file-ignores` name rules by code, by
//! name, or by a code prefix (`GG2` is every GG2xx rule, `GG` every rule), as ruff does.

use crate::catalog::{self, RuleInfo};
use crate::suggest;
use globset::{GlobBuilder, GlobMatcher};
use std::collections::BTreeMap;

/// The rules `selector` names: a code, a name, or a code prefix (case-insensitive). An
/// unknown one is an error with the closest code or name.
pub fn rules(selector: &str) -> Result<Vec<&'static RuleInfo>, String> {
    let s = selector.trim();
    if let Some(rule) = catalog::lookup(s) {
        return Ok(vec![rule]);
    }
    let is_prefix = s.len() >= 2
        && s[..2].eq_ignore_ascii_case("GG")
        && s[2..].bytes().all(|b| b.is_ascii_digit());
    if is_prefix {
        let found: Vec<_> = catalog::ALL
            .iter()
            .copied()
            .filter(|r| r.code.len() >= s.len() && r.code[..s.len()].eq_ignore_ascii_case(s))
            .collect();
        if !found.is_empty() {
            return Ok(found);
        }
    }
    let known = catalog::ALL.iter().flat_map(|r| [r.code, r.name]);
    Err(format!(
        "unknown rule `{selector}`{} (`gitops-guard rules` lists them; a code prefix such as \
         `GG2` selects a family)",
        suggest::hint(s, known)
    ))
}

/// The codes of every selector in `selectors`.
pub fn codes(selectors: &[String]) -> Result<Vec<&'static str>, String> {
    let mut out = Vec::new();
    for s in selectors {
        out.extend(rules(s)?.into_iter().map(|r| r.code));
    }
    Ok(out)
}

/// `per-file-ignores`: rules never reported in the files a glob matches.
#[derive(Debug, Default)]
pub struct PerFileIgnores {
    entries: Vec<(Matcher, Vec<&'static str>)>,
}

/// A glob over the whole path, or (without a `/`) over the file name at any depth, as in
/// `.gitignore`: `*.gotmpl` is every `.gotmpl` file, `charts/**` everything below `charts/`.
#[derive(Debug)]
enum Matcher {
    Path(GlobMatcher),
    Name(GlobMatcher),
}

impl PerFileIgnores {
    /// Compiles the configuration's map (glob → rule selectors).
    pub fn new(map: &BTreeMap<String, Vec<String>>) -> Result<PerFileIgnores, String> {
        let mut entries = Vec::new();
        for (pattern, selectors) in map {
            let glob = GlobBuilder::new(pattern)
                .literal_separator(true)
                .build()
                .map_err(|e| format!("invalid pattern `{pattern}` in `per-file-ignores`: {e}"))?
                .compile_matcher();
            let codes =
                codes(selectors).map_err(|e| format!("in `per-file-ignores` `{pattern}`: {e}"))?;
            let matcher = if pattern.contains('/') {
                Matcher::Path(glob)
            } else {
                Matcher::Name(glob)
            };
            entries.push((matcher, codes));
        }
        Ok(PerFileIgnores { entries })
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Whether rule `code` is ignored in `path`.
    pub fn ignores(&self, path: &str, code: &str) -> bool {
        self.entries.iter().any(|(m, codes)| {
            codes.contains(&code)
                && match m {
                    Matcher::Path(g) => g.is_match(path),
                    Matcher::Name(g) => g.is_match(path.rsplit('/').next().unwrap_or(path)),
                }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes_of(s: &str) -> Vec<&'static str> {
        rules(s)
            .map(|r| r.iter().map(|r| r.code).collect())
            .unwrap_or_default()
    }

    #[test]
    fn prefixes_codes_and_names() {
        assert_eq!(
            codes_of("GG20"),
            ["GG201", "GG202", "GG203", "GG204", "GG205"]
        );
        assert_eq!(codes_of("gg3").len(), 4);
        assert_eq!(codes_of("GG").len(), catalog::ALL.len());
        assert_eq!(codes_of("latest-tag"), ["GG201"]);
        assert_eq!(codes_of("GG101"), ["GG101"]);
        let err = rules("latest-tags").unwrap_err();
        assert!(err.contains("did you mean `latest-tag`?"), "{err}");
        assert!(rules("GG9").is_err());
        assert!(rules("GGX").is_err());
    }

    #[test]
    fn per_file_ignores_by_path_and_by_name() {
        let map = BTreeMap::from([
            ("charts/**".to_string(), vec!["GG201".to_string()]),
            ("*.gotmpl".to_string(), vec!["GG2".to_string()]),
        ]);
        let p = PerFileIgnores::new(&map).unwrap_or_default();
        assert!(p.ignores("charts/a/values.yaml", "GG201"));
        assert!(!p.ignores("charts/a/values.yaml", "GG202"));
        assert!(!p.ignores("apps/charts/values.yaml", "GG201"));
        assert!(p.ignores("helmfiles/x/values.yaml.gotmpl", "GG204"));
        assert!(!p.ignores("helmfiles/x/values.yaml.gotmpl", "GG101"));
        let bad = BTreeMap::from([("*.yaml".to_string(), vec!["GG2O1".to_string()])]);
        let err = PerFileIgnores::new(&bad).unwrap_err();
        assert!(err.contains("did you mean `GG201`?"), "{err}");
    }
}
