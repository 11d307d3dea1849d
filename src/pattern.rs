//! Path patterns of a layout, as the jx3 preset and `layout:` in the configuration write them
//! (the configuration checks them when loaded, the layout matches them): `/`-separated
//! segments, each a globset glob (`*`, `?`, `[ab]`, `{yaml,yml}`), `**` for any number of
//! folders, and `{namespace}` for one folder whose name is the Kubernetes namespace of the
//! files below it.
//!
//! Every non-literal segment is a capture, in order. Two patterns with the same capture shape
//! can trade captures: that is how a fix moves `namespaces/<ns>/<release>/x.yaml` to
//! `cluster/resources/<ns>/<release>/x.yaml` (the same `<ns>`, `<release>` and subfolders).

use globset::{GlobBuilder, GlobMatcher};

/// The segment that names the namespace folder.
pub const NAMESPACE_TOKEN: &str = "{namespace}";

#[derive(Debug, Clone)]
enum Segment {
    /// A name without glob characters.
    Literal(String),
    /// One folder or file name matching a glob.
    Glob(GlobMatcher),
    /// A glob of literal text, `{a,b}` groups and at most one `*` per alternative (`*.yaml`,
    /// `*.{yaml,yml}`, `LICENSE*`, `{a,b}.yaml`), as its alternatives. Compiling a glob costs
    /// more than a whole everyday commit's scan of one file, and the preset's patterns are
    /// all of this form.
    Simple(Vec<Alt>),
    /// `{namespace}`: any one folder name, remembered as the namespace.
    Namespace,
    /// `**`: zero or more folders.
    AnyDepth,
}

/// What one capture holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Capture {
    /// A single segment (`*`, a glob, `{namespace}`).
    One(String),
    /// The folders matched by `**` (possibly none).
    Many(Vec<String>),
}

/// The captures of a match, in pattern order, and the namespace if the pattern names one.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Captures {
    pub values: Vec<Capture>,
    pub namespace: Option<String>,
}

/// A compiled path pattern.
#[derive(Debug, Clone)]
pub struct Pattern {
    source: String,
    segments: Vec<Segment>,
}

fn has_glob_chars(s: &str) -> bool {
    s.contains(['*', '?', '[', '{'])
}

/// One alternative of a [`Segment::Simple`]: `prefix`, then (if `suffix` is set) anything,
/// then `suffix`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Alt {
    prefix: String,
    suffix: Option<String>,
}

impl Alt {
    fn matches(&self, name: &str) -> bool {
        match &self.suffix {
            None => name == self.prefix,
            Some(suffix) => {
                name.len() >= self.prefix.len() + suffix.len()
                    && name.starts_with(self.prefix.as_str())
                    && name.ends_with(suffix.as_str())
            }
        }
    }
}

/// The alternatives of a glob made of literal text, `{a,b}` groups of literals (not nested)
/// and `*`s, each alternative holding at most one `*`; `None` for any other glob.
fn simple_alternatives(glob: &str) -> Option<Vec<Alt>> {
    const MAX: usize = 64;
    let mut alts = vec![String::new()];
    let mut rest = glob;
    while !rest.is_empty() {
        if let Some(body) = rest.strip_prefix('{') {
            let close = body.find('}')?;
            let group = &body[..close];
            if group.contains(['{', '*']) {
                return None;
            }
            let options: Vec<&str> = group.split(',').collect();
            if options.iter().any(|o| o.is_empty()) || alts.len() * options.len() > MAX {
                return None;
            }
            alts = alts
                .iter()
                .flat_map(|a| options.iter().map(move |o| format!("{a}{o}")))
                .collect();
            rest = &body[close + 1..];
        } else {
            let n = rest.find('{').unwrap_or(rest.len());
            for a in &mut alts {
                a.push_str(&rest[..n]);
            }
            rest = &rest[n..];
        }
    }
    alts.into_iter()
        .map(|a| {
            if a.contains(['?', '[', ']', '\\', '}', ',']) {
                return None;
            }
            match a.split_once('*') {
                None => Some(Alt {
                    prefix: a,
                    suffix: None,
                }),
                Some((_, s)) if s.contains('*') => None,
                Some((p, s)) => Some(Alt {
                    prefix: p.to_string(),
                    suffix: Some(s.to_string()),
                }),
            }
        })
        .collect()
}

impl Pattern {
    /// Compiles `source`; errors name the problem in words.
    pub fn new(source: &str) -> Result<Pattern, String> {
        if source.is_empty() {
            return Err("empty pattern".into());
        }
        if source.starts_with('/') || source.contains('\\') {
            return Err(format!(
                "`{source}`: use a path relative to the repository root, with `/`"
            ));
        }
        let mut segments = Vec::new();
        let mut namespaces = 0;
        for seg in source.split('/') {
            let parsed = match seg {
                "" => {
                    return Err(format!(
                        "`{source}` has an empty segment (`//` or a trailing `/`)"
                    ));
                }
                "." | ".." => return Err(format!("`{source}`: `.` and `..` are not allowed")),
                "**" => Segment::AnyDepth,
                NAMESPACE_TOKEN => {
                    namespaces += 1;
                    Segment::Namespace
                }
                s if s.contains("**") => {
                    return Err(format!("`{source}`: `**` must be a whole segment"));
                }
                s if s.contains(NAMESPACE_TOKEN) => {
                    return Err(format!(
                        "`{source}`: `{NAMESPACE_TOKEN}` must be a whole segment"
                    ));
                }
                s if has_glob_chars(s)
                    && let Some(alts) = simple_alternatives(s) =>
                {
                    Segment::Simple(alts)
                }
                s if has_glob_chars(s) => Segment::Glob(
                    GlobBuilder::new(s)
                        .literal_separator(true)
                        .build()
                        .map_err(|e| format!("`{source}`: {e}"))?
                        .compile_matcher(),
                ),
                s => Segment::Literal(s.to_string()),
            };
            segments.push(parsed);
        }
        if namespaces > 1 {
            return Err(format!(
                "`{source}` names `{NAMESPACE_TOKEN}` more than once"
            ));
        }
        if matches!(segments.last(), Some(Segment::AnyDepth)) {
            // `dir/**` would match the folder itself; say what is meant.
            segments.push(Segment::Simple(vec![Alt {
                prefix: String::new(),
                suffix: Some(String::new()),
            }]));
        }
        Ok(Pattern {
            source: source.to_string(),
            segments,
        })
    }

    /// The pattern as written.
    pub fn as_str(&self) -> &str {
        &self.source
    }

    /// Matches a repository-relative path; `None` when it does not match.
    pub fn matches(&self, path: &str) -> Option<Captures> {
        let parts: Vec<&str> = path.split('/').collect();
        let mut caps = Captures::default();
        if match_from(&self.segments, &parts, &mut caps) {
            Some(caps)
        } else {
            None
        }
    }

    /// The capture shape: `true` for a `**` capture, `false` for a one-segment capture.
    fn shape(&self) -> Vec<bool> {
        self.segments
            .iter()
            .filter_map(|s| match s {
                Segment::Literal(_) => None,
                Segment::AnyDepth => Some(true),
                Segment::Glob(_) | Segment::Simple(_) | Segment::Namespace => Some(false),
            })
            .collect()
    }

    /// Whether captures of `other` can fill this pattern.
    pub fn same_shape(&self, other: &Pattern) -> bool {
        self.shape() == other.shape()
    }

    /// The folders every match starts with (the literal segments before the first capture,
    /// never the file name), joined with `/`; empty when the pattern starts with a capture.
    pub fn literal_folder(&self) -> String {
        let folders = &self.segments[..self.segments.len().saturating_sub(1)];
        folders
            .iter()
            .map_while(|s| match s {
                Segment::Literal(l) => Some(l.as_str()),
                _ => None,
            })
            .collect::<Vec<_>>()
            .join("/")
    }

    /// Builds the path this pattern gives for `caps` (taken from a pattern of the same shape),
    /// with the last capture (the file name) replaced by `file_name`. `None` when the result
    /// does not match this pattern (e.g. the file name does not fit its glob).
    pub fn instantiate(&self, caps: &Captures, file_name: &str) -> Option<String> {
        let mut values = caps.values.iter();
        let mut out: Vec<String> = Vec::new();
        let last = self.segments.len().checked_sub(1)?;
        for (i, seg) in self.segments.iter().enumerate() {
            match seg {
                Segment::Literal(s) if i == last => {
                    if s != file_name {
                        return None;
                    }
                    out.push(s.clone());
                }
                Segment::Literal(s) => out.push(s.clone()),
                Segment::AnyDepth => match values.next()? {
                    Capture::Many(parts) => out.extend(parts.iter().cloned()),
                    Capture::One(_) => return None,
                },
                Segment::Glob(_) | Segment::Simple(_) | Segment::Namespace => {
                    match values.next()? {
                        Capture::One(v) => out.push(if i == last {
                            file_name.to_string()
                        } else {
                            v.clone()
                        }),
                        Capture::Many(_) => return None,
                    }
                }
            }
        }
        let path = out.join("/");
        self.matches(&path).map(|_| path)
    }
}

fn match_from(segs: &[Segment], parts: &[&str], caps: &mut Captures) -> bool {
    let Some((seg, rest)) = segs.split_first() else {
        return parts.is_empty();
    };
    match seg {
        Segment::AnyDepth => {
            // Shortest first: `a/**/b` prefers the nearest `b`.
            for take in 0..=parts.len() {
                let mark = caps.values.len();
                caps.values.push(Capture::Many(
                    parts[..take].iter().map(|s| s.to_string()).collect(),
                ));
                if match_from(rest, &parts[take..], caps) {
                    return true;
                }
                caps.values.truncate(mark);
            }
            false
        }
        _ => {
            let Some((part, tail)) = parts.split_first() else {
                return false;
            };
            let ok = match seg {
                Segment::Literal(s) => s == part,
                Segment::Glob(g) => g.is_match(part),
                Segment::Simple(alts) => alts.iter().any(|a| a.matches(part)),
                Segment::Namespace => !part.is_empty(),
                Segment::AnyDepth => false,
            };
            if !ok {
                return false;
            }
            let mark = caps.values.len();
            let old_ns = caps.namespace.clone();
            match seg {
                Segment::Literal(_) => {}
                Segment::Namespace => {
                    caps.namespace = Some(part.to_string());
                    caps.values.push(Capture::One(part.to_string()));
                }
                _ => caps.values.push(Capture::One(part.to_string())),
            }
            if match_from(rest, tail, caps) {
                true
            } else {
                caps.values.truncate(mark);
                caps.namespace = old_ns;
                false
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literal_glob_and_depth() {
        let p = Pattern::new("config-root/namespaces/{namespace}/*/**/*.{yaml,yml}").unwrap();
        let c = p
            .matches("config-root/namespaces/jx/lighthouse/lighthouse-sa.yaml")
            .unwrap();
        assert_eq!(c.namespace.as_deref(), Some("jx"));
        assert_eq!(
            c.values,
            vec![
                Capture::One("jx".into()),
                Capture::One("lighthouse".into()),
                Capture::Many(vec![]),
                Capture::One("lighthouse-sa.yaml".into()),
            ]
        );
        let deep = p
            .matches("config-root/namespaces/nginx/ingress/templates/admission/job.yml")
            .unwrap();
        assert_eq!(
            deep.values[2],
            Capture::Many(vec!["templates".into(), "admission".into()])
        );
        // A release folder is required, and only YAML files.
        assert!(p.matches("config-root/namespaces/jx/x.yaml").is_none());
        assert!(
            p.matches("config-root/namespaces/jx/rel/notes.txt")
                .is_none()
        );
        // `*` never crosses a folder.
        assert!(
            Pattern::new("a/*.yaml")
                .unwrap()
                .matches("a/b/c.yaml")
                .is_none()
        );
    }

    #[test]
    fn trailing_depth_means_any_file_below() {
        let p = Pattern::new("versionStream/**").unwrap();
        assert!(p.matches("versionStream/charts/a/defaults.yaml").is_some());
        assert!(p.matches("versionStream/Kptfile").is_some());
        assert!(p.matches("versionStream").is_none());
    }

    #[test]
    fn instantiate_moves_captures_between_same_shapes() {
        let ns = Pattern::new("config-root/namespaces/{namespace}/*/**/*.yaml").unwrap();
        let cluster =
            Pattern::new("config-root/cluster/resources/{namespace}/*/**/*.yaml").unwrap();
        let top = Pattern::new("config-root/cluster/namespaces/*.yaml").unwrap();
        assert!(ns.same_shape(&cluster));
        assert!(!ns.same_shape(&top));
        let caps = ns
            .matches("config-root/namespaces/tekton-pipelines/tekton-pipeline/t/x.yaml")
            .unwrap();
        assert_eq!(
            cluster.instantiate(&caps, "x-psp.yaml").as_deref(),
            Some("config-root/cluster/resources/tekton-pipelines/tekton-pipeline/t/x-psp.yaml")
        );
        // A name that does not fit the last glob cannot be placed there.
        assert_eq!(cluster.instantiate(&caps, "x.txt"), None);
    }

    #[test]
    fn literal_folder_stops_at_the_first_capture() {
        let p = |s: &str| Pattern::new(s).unwrap().literal_folder();
        assert_eq!(
            p("config-root/cluster/resources/{namespace}/*/**/*.yaml"),
            "config-root/cluster/resources"
        );
        assert_eq!(
            p("config-root/cluster/namespaces/*.yaml"),
            "config-root/cluster/namespaces"
        );
        assert_eq!(p("docs/README.md"), "docs");
        assert_eq!(p("*.md"), "");
        assert_eq!(p("{namespace}/x.yaml"), "");
    }

    #[test]
    fn bad_patterns() {
        for bad in [
            "",
            "/abs",
            "a//b",
            "a/../b",
            "a/x**/b",
            "{namespace}/{namespace}",
            "a/[b",
        ] {
            assert!(Pattern::new(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn simple_globs_match_as_the_glob_compiler_does() {
        let names = [
            "a.yaml",
            ".yaml",
            "a.yml",
            "a.yaml.bak",
            "yaml",
            "x-crd.yaml",
            "",
            "A.YAML",
            "LICENSE",
            "LICENSE.md",
            "xLICENSE",
            "cluster",
            "namespaces",
            "clusters",
            "install-config-cm.yaml",
            "jx-meta-pipeline.yml",
            "install-config-cm.json",
            "ab",
        ];
        for glob in [
            "*",
            "*.yaml",
            "*.{yaml,yml}",
            "*-crd.yaml",
            "*.{json}",
            "LICENSE*",
            "{cluster,customresourcedefinitions,namespaces}",
            "{install-config-cm,jx-meta-pipeline}.{yaml,yml}",
            "a*b",
            "*a",
            "{a,ab}*",
        ] {
            let alts = simple_alternatives(glob).expect(glob);
            let full = GlobBuilder::new(glob)
                .literal_separator(true)
                .build()
                .expect(glob)
                .compile_matcher();
            for name in names {
                let simple = alts.iter().any(|a| a.matches(name));
                assert_eq!(simple, full.is_match(name), "{glob} on {name:?}");
            }
        }
        for other in [
            "*.y?ml",
            "*[ab]",
            "*.{a,}",
            "**",
            "*a*",
            "{a,{b,c}}",
            "{a*,b}",
            "x}",
        ] {
            assert_eq!(simple_alternatives(other), None, "{other}");
        }
    }
}
