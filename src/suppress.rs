//! Suppressions: `# gitops-guard: ignore[GG101] reason` comments and
//! `ignore-check.gitops-guard.io/<rule>` annotations.
//!
//! Comment forms (codes or rule names, comma- or space-separated; a reason may follow):
//! - `# gitops-guard: ignore[GG101]` at the end of a line: findings that start on that line;
//!   on a line of its own: findings that start on the next non-blank, non-comment line, and
//!   a finding about the whole file reported at the comment's own line (1:1, where a file
//!   starts with the comment).
//! - `# gitops-guard: ignore-document[GG101]`: the whole YAML document holding the comment.
//! - `# gitops-guard: ignore-file[GG101]`: the whole file.
//!
//! A suppression that names an unknown rule, or that suppresses nothing, is itself reported
//! (GG005, GG004), so stale suppressions cannot pile up silently.

use crate::catalog;
use crate::manifest::{Document, Node, objects};
use std::ops::Range;

/// The prefix of object annotations that suppress a rule (kube-linter style).
pub const ANNOTATION_PREFIX: &str = "ignore-check.gitops-guard.io/";

/// Where a suppression applies.
#[derive(Debug, Clone, PartialEq)]
pub enum Scope {
    /// Findings starting on this 1-based line.
    Line(usize),
    /// A comment on a line of its own (`at`): findings on the next content line (`next`), and
    /// those reported at the comment line itself, which holds no content: only findings about
    /// the whole file, pinned to 1:1, land there.
    OwnLine {
        at: usize,
        next: usize,
    },
    /// Findings starting inside this byte range (a document or an object).
    Bytes(Range<usize>),
    File,
}

/// One suppression, with the rules it names (`None`: every rule).
#[derive(Debug, Clone)]
pub struct Suppression {
    pub span: Range<usize>,
    pub codes: Option<Vec<&'static str>>,
    pub scope: Scope,
    pub used: bool,
}

/// A malformed suppression: unknown rule `name` at `span`.
#[derive(Debug, Clone)]
pub struct BadSuppression {
    pub span: Range<usize>,
    pub name: String,
}

const MARKER: &str = "gitops-guard:";

/// Finds comment suppressions in `text` (YAML or Dockerfile comments).
pub fn comments(text: &str, docs: &[Document]) -> (Vec<Suppression>, Vec<BadSuppression>) {
    let mut found = Vec::new();
    let mut bad = Vec::new();
    if memchr::memmem::find(text.as_bytes(), MARKER.as_bytes()).is_none() {
        return (found, bad);
    }
    let mut offset = 0;
    let all_lines: Vec<&str> = text.split_inclusive('\n').collect();
    for (i, raw) in all_lines.iter().enumerate() {
        let line_no = i + 1;
        let line = raw.trim_end_matches(['\n', '\r']);
        if let Some((hash, own_line)) = comment_start(line) {
            let comment = &line[hash + 1..];
            let body = comment.trim_start();
            if let Some(rest) = body.strip_prefix(MARKER) {
                let rest = rest.trim_start();
                let directive_start = offset + hash;
                let span = directive_start..offset + line.len();
                let (kind, after) = split_word(rest);
                let scope = match kind {
                    "ignore" => Some(if own_line {
                        Scope::OwnLine {
                            at: line_no,
                            next: next_content_line(&all_lines, i).unwrap_or(line_no),
                        }
                    } else {
                        Scope::Line(line_no)
                    }),
                    "ignore-document" => Some(
                        docs.iter()
                            .find(|d| d.span.contains(&directive_start))
                            .map(|d| Scope::Bytes(d.span.clone()))
                            .unwrap_or(Scope::File),
                    ),
                    "ignore-file" => Some(Scope::File),
                    _ => None,
                };
                match scope {
                    Some(_) if let Some(len) = codes_outside_brackets(after) => {
                        // Named up to the misplaced rules, without the reason.
                        let named = rest.len() - after.len() + len;
                        bad.push(BadSuppression {
                            span,
                            name: rest[..named].to_string(),
                        })
                    }
                    Some(scope) => {
                        let codes =
                            parse_codes(after, offset + (line.len() - after.len()), &mut bad);
                        found.push(Suppression {
                            span,
                            codes,
                            scope,
                            used: false,
                        });
                    }
                    None => bad.push(BadSuppression {
                        span,
                        name: kind.to_string(),
                    }),
                }
            }
        }
        offset += raw.len();
    }
    (found, bad)
}

/// The byte index of a comment's `#` in `line`, and whether the comment is alone on the line.
/// A `#` starts a comment at the line start or after whitespace (YAML and Dockerfile rules).
fn comment_start(line: &str) -> Option<(usize, bool)> {
    let bytes = line.as_bytes();
    let mut i = memchr::memchr(b'#', bytes)?;
    loop {
        if i == 0 || bytes[i - 1] == b' ' || bytes[i - 1] == b'\t' {
            let own_line = line[..i].trim().is_empty();
            return Some((i, own_line));
        }
        i += 1 + memchr::memchr(b'#', bytes.get(i + 1..)?)?;
    }
}

fn split_word(s: &str) -> (&str, &str) {
    let end = s
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
        .unwrap_or(s.len());
    (&s[..end], &s[end..])
}

/// The 1-based number of the first line after `i` that holds content (not blank, not a comment).
fn next_content_line(lines: &[&str], i: usize) -> Option<usize> {
    lines
        .iter()
        .enumerate()
        .skip(i + 1)
        .find(|(_, l)| {
            let t = l.trim();
            !t.is_empty() && !t.starts_with('#')
        })
        .map(|(j, _)| j + 1)
}

/// Whether rules follow a directive outside its brackets (`ignore GG101`, `ignore [GG101]`,
/// `ignore: GG101`, `ignore(GG101)`): a malformed suppression, which must not become one of
/// every rule (`ignore` without brackets, a reason after it). Returns the length of `after`
/// up to the end of the misplaced rules.
fn codes_outside_brackets(after: &str) -> Option<usize> {
    if after.starts_with('[') {
        return None;
    }
    let t = after
        .trim_start()
        .trim_start_matches([':', '(', '='])
        .trim_start();
    let at = after.len() - t.len();
    if t.starts_with('[') {
        return Some(at + t.find(']').map_or(t.len(), |i| i + 1));
    }
    let word = t
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
        .next()
        .unwrap_or("");
    let is_prefix = word.len() >= 3
        && word[..2].eq_ignore_ascii_case("GG")
        && word[2..].bytes().all(|b| b.is_ascii_digit());
    let closing = usize::from(t[word.len()..].starts_with(')'));
    (is_prefix || catalog::lookup(word).is_some()).then_some(at + word.len() + closing)
}

/// Parses `[GG101, raw-secret]`; no brackets means every rule.
fn parse_codes(
    after: &str,
    base: usize,
    bad: &mut Vec<BadSuppression>,
) -> Option<Vec<&'static str>> {
    let inner = after.strip_prefix('[')?;
    let close = inner.find(']').unwrap_or(inner.len());
    let list = &inner[..close];
    let mut codes = Vec::new();
    let mut pos = base + 1;
    for part in list.split(|c: char| c == ',' || c.is_whitespace()) {
        if !part.is_empty() {
            match catalog::lookup(part) {
                Some(rule) => codes.push(rule.code),
                None => bad.push(BadSuppression {
                    span: pos..pos + part.len(),
                    name: part.to_string(),
                }),
            }
        }
        pos += part.len() + 1;
    }
    Some(codes)
}

/// Annotation suppressions on every object: `ignore-check.gitops-guard.io/<rule>: "<reason>"`.
pub fn annotations(docs: &[Document], bad: &mut Vec<BadSuppression>) -> Vec<Suppression> {
    let mut found = Vec::new();
    for doc in docs {
        let Some(root) = &doc.root else { continue };
        for obj in objects(root) {
            let Some(entries) = obj.at(&["metadata", "annotations"]).and_then(Node::as_map) else {
                continue;
            };
            for (key, _) in entries {
                let Some(name) = key.as_str().and_then(|k| k.strip_prefix(ANNOTATION_PREFIX))
                else {
                    continue;
                };
                match catalog::lookup(name) {
                    Some(rule) => found.push(Suppression {
                        span: key.span.clone(),
                        codes: Some(vec![rule.code]),
                        scope: Scope::Bytes(obj.span.clone()),
                        used: false,
                    }),
                    None => bad.push(BadSuppression {
                        span: key.span.clone(),
                        name: name.to_string(),
                    }),
                }
            }
        }
    }
    found
}

impl Suppression {
    /// Whether this suppression covers a finding of rule `code` starting at byte `start` /
    /// `line`.
    pub fn covers(&self, code: &str, start: usize, line: usize) -> bool {
        let code_ok = self
            .codes
            .as_ref()
            .is_none_or(|codes| codes.contains(&code));
        code_ok
            && match &self.scope {
                Scope::Line(l) => *l == line,
                Scope::OwnLine { at, next } => *at == line || *next == line,
                Scope::Bytes(r) => r.contains(&start) || (r.is_empty() && r.start == start),
                Scope::File => true,
            }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> (Vec<Suppression>, Vec<BadSuppression>) {
        comments(text, &[])
    }

    #[test]
    fn trailing_and_own_line() {
        let text = "a: 1 # gitops-guard: ignore[GG101] legacy\n# gitops-guard: ignore[GG102]\n\n# other\nb: 2\n";
        let (s, bad) = parse(text);
        assert!(bad.is_empty());
        assert_eq!(s.len(), 2);
        assert_eq!(s[0].scope, Scope::Line(1));
        assert_eq!(s[0].codes, Some(vec!["GG101"]));
        assert_eq!(s[1].scope, Scope::OwnLine { at: 2, next: 5 });
    }

    #[test]
    fn unknown_code_and_names() {
        let (s, bad) = parse("# gitops-guard: ignore[GG1O1, raw-secret]\nx: 1\n");
        assert_eq!(s[0].codes, Some(vec!["GG101"]));
        assert_eq!(bad.len(), 1);
        assert_eq!(bad[0].name, "GG1O1");
        assert_eq!(
            &"# gitops-guard: ignore[GG1O1, raw-secret]"[bad[0].span.clone()],
            "GG1O1"
        );
    }

    #[test]
    fn hash_inside_value_is_not_a_comment() {
        let (s, _) = parse("url: http://x#gitops-guard: ignore[GG101]\n");
        assert!(s.is_empty());
    }

    #[test]
    fn file_scope_and_bare() {
        let (s, _) = parse("# gitops-guard: ignore-file\n");
        assert_eq!(s[0].scope, Scope::File);
        assert_eq!(s[0].codes, None);
    }
}
