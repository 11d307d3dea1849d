//! Imports point one way: every module of `src/` uses only modules of lower layers (the order
//! in README.md, Architecture). The check reads the `crate::` and `super::` paths of every
//! file, comments and string literals aside; `lib.rs` and `main.rs` are the top.

use std::collections::BTreeSet;
use std::path::Path;

/// The layers, lowest first. A module may use the modules of the layers below its own, never
/// one of its own layer or above.
const LAYERS: &[&[&str]] = &[
    &["catalog", "manifest", "masked", "pattern", "suggest"],
    &["finding", "source", "suppress", "config"],
    &["layout", "fingerprint"],
    &["rules"],
    &["engine"],
    &["report", "fix", "inventory", "baseline"],
    &["hook", "secrets"],
];

fn layer_of(module: &str) -> Option<usize> {
    LAYERS.iter().position(|layer| layer.contains(&module))
}

#[test]
fn every_import_points_down() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    walk(&src, &mut files);
    assert!(files.len() > 50, "found only {files:?}");
    let mut problems = Vec::new();
    for file in &files {
        let rel = file
            .strip_prefix(&src)
            .expect("below src")
            .to_string_lossy()
            .replace('\\', "/");
        let text = std::fs::read_to_string(file).expect("read");
        problems.extend(violations(&rel, &text));
    }
    assert!(problems.is_empty(), "\n{}", problems.join("\n"));
}

#[test]
fn every_module_of_lib_rs_has_a_layer() {
    let lib = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("src/lib.rs"))
        .expect("lib.rs");
    let declared: BTreeSet<&str> = lib
        .lines()
        .filter_map(|l| l.trim().strip_prefix("pub mod "))
        .map(|l| l.trim_end_matches(';'))
        .collect();
    let layered: BTreeSet<&str> = LAYERS.iter().flat_map(|l| l.iter().copied()).collect();
    assert_eq!(declared, layered);
}

#[test]
fn the_check_sees_back_edges() {
    // Up, sideways, grouped, through `super`, and undeclared.
    let cases = [
        ("manifest/yaml.rs", "use crate::rules::Rule;\n", "rules"),
        (
            "source/view.rs",
            "fn f() { crate::config::FILE_NAME; }",
            "config",
        ),
        (
            "layout/index.rs",
            "use crate::{config, rules::Ctx};",
            "rules",
        ),
        ("engine/crds.rs", "use super::super::report;", "report"),
        ("suppress.rs", "use super::engine::scan;", "engine"),
        ("catalog.rs", "use crate::nowhere;", "nowhere"),
    ];
    for (file, text, target) in cases {
        let found = violations(file, text);
        assert_eq!(found.len(), 1, "{file}: {text} -> {found:?}");
        assert!(found[0].contains(&format!("`{target}`")), "{found:?}");
    }
    // Down, within the module, in comments and strings, and `super` inside an inline module.
    let fine = [
        (
            "rules/pins.rs",
            "use crate::manifest::{Node, objects};\nuse super::Ctx;\n",
        ),
        (
            "engine.rs",
            "use crate::engine::crds; use crate::{catalog, finding::Finding};",
        ),
        (
            "manifest/yaml.rs",
            "// crate::rules::Rule\nconst A: &str = \"crate::rules\";",
        ),
        (
            "manifest/yaml.rs",
            "/* crate::engine /* nested */ */ const B: char = '\"';",
        ),
        ("manifest/yaml.rs", "const C: &str = r#\"crate::rules \"# ;"),
        (
            "engine.rs",
            "mod tests { use super::*; use super::super::layout; }",
        ),
        (
            "layout/crds.rs",
            "fn f<'a>(x: &'a str) -> &'a str { crate::manifest::x(x) }",
        ),
    ];
    for (file, text) in fine {
        assert_eq!(
            violations(file, text),
            Vec::<String>::new(),
            "{file}: {text}"
        );
    }
}

/// The imports of `text` (the file `rel`, relative to `src/`) that break the order.
fn violations(rel: &str, text: &str) -> Vec<String> {
    let mut path: Vec<String> = rel
        .trim_end_matches(".rs")
        .split('/')
        .map(String::from)
        .collect();
    if path.last().is_some_and(|l| l == "mod") {
        path.pop();
    }
    if path == ["lib"] || path == ["main"] {
        return Vec::new();
    }
    let module = path[0].clone();
    let Some(own) = layer_of(&module) else {
        return vec![format!("src/{rel}: module `{module}` has no layer")];
    };
    let mut out = Vec::new();
    for target in targets(&path, &tokens(text)) {
        if target == module {
            continue;
        }
        match layer_of(&target) {
            Some(l) if l < own => {}
            Some(l) => out.push(format!(
                "src/{rel}: `{module}` (layer {own}) uses `{target}` (layer {l}), which is not below it"
            )),
            None => out.push(format!(
                "src/{rel}: `{module}` uses `{target}`, which has no layer"
            )),
        }
    }
    out
}

#[derive(Debug, PartialEq)]
enum Tok {
    Ident(String),
    /// `::`
    Path,
    Punct(char),
}

/// The top-level modules `toks` names: `crate::x`, `crate::{x, y::z}`, and `super::` paths
/// that climb to the crate root. `file` is the module path of the file; `mod x { .. }` inside
/// it adds a level for `super`.
fn targets(file: &[String], toks: &[Tok]) -> Vec<String> {
    let ident = |i: usize| match toks.get(i) {
        Some(Tok::Ident(s)) => Some(s.as_str()),
        _ => None,
    };
    let mut out = Vec::new();
    let mut depth = 0;
    // Brace depths at which inline modules opened.
    let mut inline: Vec<usize> = Vec::new();
    let mut i = 0;
    while i < toks.len() {
        match &toks[i] {
            Tok::Punct('{') => depth += 1,
            Tok::Punct('}') => {
                depth -= 1;
                if inline.last() == Some(&depth) {
                    inline.pop();
                }
            }
            Tok::Ident(kw)
                if kw == "mod"
                    && ident(i + 1).is_some()
                    && toks.get(i + 2) == Some(&Tok::Punct('{')) =>
            {
                inline.push(depth);
            }
            // `crate::` (`$crate::` in a macro is the macro's crate).
            Tok::Ident(kw)
                if kw == "crate"
                    && toks.get(i + 1) == Some(&Tok::Path)
                    && (i == 0 || toks[i - 1] != Tok::Punct('$')) =>
            {
                out.extend(names_at(toks, i + 2));
            }
            Tok::Ident(kw) if kw == "super" && (i == 0 || toks[i - 1] != Tok::Path) => {
                let mut ups = 0;
                let mut j = i;
                while ident(j) == Some("super") && toks.get(j + 1) == Some(&Tok::Path) {
                    ups += 1;
                    j += 2;
                }
                if ups >= file.len() + inline.len() {
                    out.extend(names_at(toks, j));
                }
                i = j.max(i + 1);
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    out
}

/// The first segment of the path at `toks[i]`, or of each path of a `{..}` group there.
fn names_at(toks: &[Tok], i: usize) -> Vec<String> {
    match toks.get(i) {
        Some(Tok::Ident(name)) => vec![name.clone()],
        Some(Tok::Punct('{')) => {
            let mut names = Vec::new();
            let mut depth = 0;
            let mut first = true;
            for t in &toks[i + 1..] {
                match t {
                    Tok::Punct('{') => depth += 1,
                    Tok::Punct('}') if depth == 0 => break,
                    Tok::Punct('}') => depth -= 1,
                    Tok::Punct(',') if depth == 0 => first = true,
                    Tok::Ident(name) if first && depth == 0 => {
                        if name != "self" {
                            names.push(name.clone());
                        }
                        first = false;
                    }
                    _ => first = false,
                }
            }
            names
        }
        _ => Vec::new(),
    }
}

/// Identifiers, `::` and other punctuation of Rust source, without comments, strings and
/// character literals.
fn tokens(text: &str) -> Vec<Tok> {
    let s: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < s.len() {
        let c = s[i];
        let next = s.get(i + 1).copied();
        if c.is_whitespace() {
            i += 1;
        } else if c == '/' && next == Some('/') {
            while i < s.len() && s[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            let mut nest = 0;
            while i < s.len() {
                if s[i] == '/' && s.get(i + 1) == Some(&'*') {
                    nest += 1;
                    i += 2;
                } else if s[i] == '*' && s.get(i + 1) == Some(&'/') {
                    nest -= 1;
                    i += 2;
                    if nest == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
        } else if let Some(end) = raw_string_end(&s, i) {
            i = end;
        } else if c == '"' || (c == 'b' && next == Some('"')) {
            i += if c == 'b' { 2 } else { 1 };
            while i < s.len() && s[i] != '"' {
                i += if s[i] == '\\' { 2 } else { 1 };
            }
            i += 1;
        } else if c == '\'' {
            // A character literal (`'a'`, `'\n'`, `'"'`) or a lifetime (`'a`).
            if next == Some('\\') {
                i += 2;
                while i < s.len() && s[i] != '\'' {
                    i += 1;
                }
                i += 1;
            } else if s.get(i + 2) == Some(&'\'') {
                i += 3;
            } else {
                i += 1;
            }
        } else if c.is_alphanumeric() || c == '_' {
            let start = i;
            while i < s.len() && (s[i].is_alphanumeric() || s[i] == '_') {
                i += 1;
            }
            out.push(Tok::Ident(s[start..i].iter().collect()));
        } else if c == ':' && next == Some(':') {
            out.push(Tok::Path);
            i += 2;
        } else {
            out.push(Tok::Punct(c));
            i += 1;
        }
    }
    out
}

/// The end of a raw string literal (`r"..."`, `r#"..."#`, `br#"..."#`) starting at `i`.
fn raw_string_end(s: &[char], i: usize) -> Option<usize> {
    let mut j = i;
    if s.get(j) == Some(&'b') {
        j += 1;
    }
    if s.get(j) != Some(&'r') || (i > 0 && (s[i - 1].is_alphanumeric() || s[i - 1] == '_')) {
        return None;
    }
    j += 1;
    let hashes = s[j..].iter().take_while(|&&c| c == '#').count();
    j += hashes;
    if s.get(j) != Some(&'"') {
        return None;
    }
    j += 1;
    while j < s.len() {
        if s[j] == '"'
            && s[j + 1..]
                .iter()
                .take(hashes)
                .filter(|&&c| c == '#')
                .count()
                == hashes
        {
            return Some(j + 1 + hashes);
        }
        j += 1;
    }
    Some(s.len())
}

fn walk(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read_dir") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            walk(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}
