//! A file as the scan sees it before any rule: its kind, from the path, and its documents.

use super::{Document, ParseOptions, parse_stream};

/// What kind of content a file holds, decided from its path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    Yaml,
    Json,
    Dockerfile,
    Other,
}

impl FileKind {
    pub fn of(path: &str) -> FileKind {
        // Called for every path of the repository (CRD lookups): no allocation.
        let name = path.as_bytes();
        let name = memchr::memrchr(b'/', name).map_or(name, |i| &name[i + 1..]);
        let ends = |s: &str| {
            name.len() >= s.len() && name[name.len() - s.len()..].eq_ignore_ascii_case(s.as_bytes())
        };
        let starts =
            |s: &str| name.len() >= s.len() && name[..s.len()].eq_ignore_ascii_case(s.as_bytes());
        // kustomize also reads an extension-less `Kustomization` file.
        if ends(".yaml") || ends(".yml") || name == b"Kustomization" {
            FileKind::Yaml
        } else if ends(".json") {
            FileKind::Json
        } else if name.eq_ignore_ascii_case(b"dockerfile")
            || starts("dockerfile.")
            || ends(".dockerfile")
            || name.eq_ignore_ascii_case(b"containerfile")
            || starts("containerfile.")
        {
            FileKind::Dockerfile
        } else {
            FileKind::Other
        }
    }
}

/// Whether a path lies in a Helm chart's `templates/` folder (read tolerantly).
pub fn is_chart_template(path: &str) -> bool {
    // Asked for every path of the repository (the CRD memo's tag): a prepared searcher.
    static FINDER: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
        std::sync::LazyLock::new(|| memchr::memmem::Finder::new("/templates/"));
    path.starts_with("templates/") || FINDER.find(path.as_bytes()).is_some()
}

/// Parses a YAML/JSON file into documents, as its path says: JSON, or a chart template read
/// tolerantly.
pub fn parse_file(path: &str, text: &str, kind: FileKind) -> Vec<Document> {
    let opts = ParseOptions {
        json: kind == FileKind::Json,
        tolerant: is_chart_template(path),
        ..ParseOptions::default()
    };
    parse_stream(text, &opts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_kinds() {
        assert_eq!(FileKind::of("a/b.YAML"), FileKind::Yaml);
        assert_eq!(FileKind::of("x.json"), FileKind::Json);
        assert_eq!(FileKind::of("svc/Dockerfile.prod"), FileKind::Dockerfile);
        assert_eq!(FileKind::of("build.dockerfile"), FileKind::Dockerfile);
        assert_eq!(FileKind::of("Containerfile"), FileKind::Dockerfile);
        assert_eq!(FileKind::of("notes.txt"), FileKind::Other);
    }

    #[test]
    fn chart_templates() {
        assert!(is_chart_template("templates/a.yaml"));
        assert!(is_chart_template("charts/x/templates/a.yaml"));
        assert!(!is_chart_template("charts/x/templatesx/a.yaml"));
        assert!(!is_chart_template("charts/x/values.yaml"));
    }
}
