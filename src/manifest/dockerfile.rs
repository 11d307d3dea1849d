//! Dockerfile reader: the image references of `FROM`, `COPY --from` and `RUN --mount=from=`,
//! with `ARG` defaults substituted and the exact byte span of each reference.
//!
//! Follows the BuildKit frontend: parser directives (`# escape=`), line continuations (with
//! comment and blank lines inside them dropped), heredoc bodies skipped, instructions in any
//! case, `FROM [--platform=...] image [AS name]`. `ARG`s before the first `FROM` are global and
//! are the only ones a `FROM` may use; inside a stage, an `ARG` without a default inherits the
//! global value. `${VAR}`, `$VAR`, `${VAR:-word}`, `${VAR-word}`, `${VAR:+word}` and
//! `${VAR+word}` expand; a variable without a value leaves the reference unresolved (it comes
//! from `--build-arg`), which is not a finding.

use std::collections::HashMap;
use std::ops::Range;

/// What a `FROM`/`--from` reference points at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A registry image (the expanded reference).
    Image(String),
    /// An earlier build stage, by name or index.
    Stage,
    /// `FROM scratch`: no image at all.
    Scratch,
    /// Uses a build argument that has no default.
    Unresolved,
}

/// The instruction a reference appears in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    From,
    CopyFrom,
    MountFrom,
}

/// One image reference of a Dockerfile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageUse {
    pub source: Source,
    /// The reference as written (`alpine:${TAG}`).
    pub raw: String,
    /// Bytes of the reference in the file.
    pub span: Range<usize>,
    pub target: Target,
    /// The `ARG` definitions whose values were substituted: (name, span of the definition).
    pub args: Vec<(String, Range<usize>)>,
}

/// Reads every image reference of a Dockerfile, in file order.
pub fn image_uses(text: &str) -> Vec<ImageUse> {
    let mut out = Vec::new();
    let escape = escape_char(text);
    let mut global: Scope = HashMap::new();
    let mut stage_scope: Scope = HashMap::new();
    let mut stages: Vec<String> = Vec::new();
    let mut in_stage = false;
    for inst in instructions(text, escape) {
        let Some(keyword) = inst.words.first() else {
            continue;
        };
        match keyword.text.to_ascii_uppercase().as_str() {
            "ARG" => {
                for word in &inst.words[1..] {
                    if in_stage {
                        define_arg(word, &mut stage_scope, Some(&global));
                    } else {
                        define_arg(word, &mut global, None);
                    }
                }
            }
            "FROM" => {
                let mut rest = inst.words[1..]
                    .iter()
                    .skip_while(|w| w.text.starts_with("--"));
                if let Some(word) = rest.next() {
                    out.push(resolve(word, Source::From, &global, &stages));
                }
                // Unnamed stages keep their index position.
                let name = match (rest.next(), rest.next()) {
                    (Some(kw), Some(name)) if kw.text.eq_ignore_ascii_case("as") => {
                        name.text.to_ascii_lowercase()
                    }
                    _ => String::new(),
                };
                stages.push(name);
                in_stage = true;
                stage_scope.clear();
            }
            "COPY" | "RUN" => {
                for word in &inst.words[1..] {
                    if !word.text.starts_with("--") {
                        break;
                    }
                    let lower = word.text.to_ascii_lowercase();
                    if let Some(value) = lower.strip_prefix("--from=") {
                        let offset = word.text.len() - value.len();
                        let sub = word.slice(offset);
                        out.push(resolve(&sub, Source::CopyFrom, &stage_scope, &stages));
                    } else if lower.starts_with("--mount=")
                        && let Some(pos) = mount_from(&word.text)
                    {
                        let sub = word.slice(pos.start).take(pos.end - pos.start);
                        out.push(resolve(&sub, Source::MountFrom, &stage_scope, &stages));
                    }
                }
            }
            _ => {}
        }
    }
    out
}

/// Byte range of the `from=` value inside a `--mount=` flag.
fn mount_from(flag: &str) -> Option<Range<usize>> {
    let body_start = flag.find('=')? + 1;
    let mut pos = body_start;
    for field in flag[body_start..].split(',') {
        if let Some((k, v)) = field.split_once('=')
            && k.eq_ignore_ascii_case("from")
            && !v.is_empty()
        {
            let start = pos + k.len() + 1;
            return Some(start..start + v.len());
        }
        pos += field.len() + 1;
    }
    None
}

/// Argument values in scope: name → (value if any, span of the definition).
type Scope = HashMap<String, (Option<String>, Range<usize>)>;

/// An argument that was substituted: (name, span of its definition).
type ArgUse = (String, Range<usize>);

fn define_arg(word: &Word, scope: &mut Scope, global: Option<&Scope>) {
    let (name, value) = match word.text.split_once('=') {
        Some((n, v)) => (n.to_string(), Some(unquote(v))),
        None => (word.text.clone(), None),
    };
    let value = match value {
        Some(v) => expand(&v, scope).map(|(s, _)| s),
        None => global
            .and_then(|g| g.get(&name))
            .and_then(|(v, _)| v.clone()),
    };
    let span = match global.and_then(|g| g.get(&name)) {
        // Inheriting a global value: the value that matters is the global definition.
        Some((_, g_span)) if !word.text.contains('=') => g_span.clone(),
        _ => word.span.clone(),
    };
    scope.insert(name, (value, span));
}

fn unquote(v: &str) -> String {
    let b = v.as_bytes();
    if b.len() >= 2 && (b[0] == b'"' || b[0] == b'\'') && b[b.len() - 1] == b[0] {
        v[1..v.len() - 1].to_string()
    } else {
        v.to_string()
    }
}

fn resolve(word: &Word, source: Source, scope: &Scope, stages: &[String]) -> ImageUse {
    let raw = word.text.clone();
    let (target, args) = match expand(&raw, scope) {
        None => (Target::Unresolved, used_args(&raw, scope)),
        Some((value, args)) => {
            let lower = value.to_ascii_lowercase();
            // `--from=<n>` may name a stage by index; `FROM` only by name.
            let stage_index = source != Source::From
                && !lower.is_empty()
                && lower.bytes().all(|b| b.is_ascii_digit());
            let target = if lower == "scratch" && source == Source::From {
                Target::Scratch
            } else if stage_index || (!lower.is_empty() && stages.contains(&lower)) {
                Target::Stage
            } else {
                Target::Image(value)
            };
            (target, args)
        }
    };
    ImageUse {
        source,
        raw,
        span: word.span.clone(),
        target,
        args,
    }
}

fn used_args(raw: &str, scope: &Scope) -> Vec<(String, Range<usize>)> {
    scope
        .iter()
        .filter(|(name, _)| raw.contains(name.as_str()))
        .map(|(name, (_, span))| (name.clone(), span.clone()))
        .collect()
}

/// Expands variables; `None` when one has no value. Also returns the arguments used.
fn expand(s: &str, scope: &Scope) -> Option<(String, Vec<ArgUse>)> {
    let mut out = String::new();
    let mut used = Vec::new();
    let mut chars = s.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if c == '\\' {
            if let Some(&(_, '$')) = chars.peek() {
                out.push('$');
                chars.next();
                continue;
            }
            out.push(c);
            continue;
        }
        if c != '$' {
            out.push(c);
            continue;
        }
        let rest = &s[i + 1..];
        if let Some(body) = rest.strip_prefix('{') {
            let end = body.find('}')?;
            let inner = &body[..end];
            let name_len = inner
                .find(|ch: char| !(ch.is_ascii_alphanumeric() || ch == '_'))
                .unwrap_or(inner.len());
            let (name, modifier) = inner.split_at(name_len);
            let value = lookup(name, scope, &mut used);
            let set_non_empty = value.as_deref().is_some_and(|v| !v.is_empty());
            let expanded = match modifier {
                "" => value?,
                m if m.starts_with(":-") => {
                    if set_non_empty {
                        value?
                    } else {
                        expand(&m[2..], scope)?.0
                    }
                }
                m if m.starts_with('-') => match value {
                    Some(v) => v,
                    None => expand(&m[1..], scope)?.0,
                },
                m if m.starts_with(":+") => {
                    if set_non_empty {
                        expand(&m[2..], scope)?.0
                    } else {
                        String::new()
                    }
                }
                m if m.starts_with('+') => {
                    if value.is_some() {
                        expand(&m[1..], scope)?.0
                    } else {
                        String::new()
                    }
                }
                _ => return None, // pattern operators (`#`, `%`, `/`): not worth guessing
            };
            out.push_str(&expanded);
            // Skip `{`, the body and `}`.
            for _ in 0..body[..=end].chars().count() + 1 {
                chars.next();
            }
        } else {
            let name_len = rest
                .find(|ch: char| !(ch.is_ascii_alphanumeric() || ch == '_'))
                .unwrap_or(rest.len());
            if name_len == 0 {
                out.push('$');
                continue;
            }
            out.push_str(&lookup(&rest[..name_len], scope, &mut used)?);
            for _ in 0..rest[..name_len].chars().count() {
                chars.next();
            }
        }
    }
    Some((out, used))
}

fn lookup(name: &str, scope: &Scope, used: &mut Vec<(String, Range<usize>)>) -> Option<String> {
    let (value, span) = scope.get(name)?;
    if value.is_some() {
        used.push((name.to_string(), span.clone()));
    }
    value.clone()
}

/// A word of an instruction with its span in the file.
#[derive(Debug, Clone)]
struct Word {
    text: String,
    span: Range<usize>,
    /// File offset of each byte of `text` (continuations make words non-contiguous).
    offsets: Vec<usize>,
}

impl Word {
    /// The word from byte `from` on.
    fn slice(&self, from: usize) -> Word {
        let offsets = self.offsets[from.min(self.offsets.len())..].to_vec();
        Word {
            text: self.text[from..].to_string(),
            span: offsets.first().copied().unwrap_or(self.span.end)..self.span.end,
            offsets,
        }
    }

    /// The first `len` bytes.
    fn take(&self, len: usize) -> Word {
        let len = len.min(self.text.len());
        let offsets = self.offsets[..len].to_vec();
        Word {
            text: self.text[..len].to_string(),
            span: self.span.start..offsets.last().map_or(self.span.start, |o| o + 1),
            offsets,
        }
    }
}

struct Instruction {
    words: Vec<Word>,
}

/// `# escape=` parser directive (only in the leading comment block).
fn escape_char(text: &str) -> u8 {
    for line in text.lines() {
        let t = line.trim();
        let Some(comment) = t.strip_prefix('#') else {
            break;
        };
        let Some((key, value)) = comment.split_once('=') else {
            break;
        };
        if key.trim().eq_ignore_ascii_case("escape") && value.trim() == "`" {
            return b'`';
        }
    }
    b'\\'
}

/// Splits the file into logical instructions (continuations joined), skipping comments,
/// blank lines and heredoc bodies.
fn instructions(text: &str, escape: u8) -> Vec<Instruction> {
    let mut lines = Vec::new();
    let mut pos = 0;
    for line in text.split_inclusive('\n') {
        let content = line.trim_end_matches(['\n', '\r']);
        lines.push((pos, content));
        pos += line.len();
    }
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let (start, content) = lines[i];
        i += 1;
        let trimmed = content.trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let mut logical = String::new();
        let mut offsets = Vec::new();
        let append = |s: &str, base: usize, logical: &mut String, offsets: &mut Vec<usize>| {
            logical.push_str(s);
            offsets.extend((0..s.len()).map(|k| base + k));
        };
        let (mut piece, mut base, mut cont) = strip_continuation(content, start, escape);
        append(piece, base, &mut logical, &mut offsets);
        while cont && i < lines.len() {
            let (s, c) = lines[i];
            i += 1;
            let t = c.trim_start();
            if t.starts_with('#') || t.is_empty() {
                continue;
            }
            (piece, base, cont) = strip_continuation(c, s, escape);
            logical.push(' ');
            offsets.push(base);
            append(piece, base, &mut logical, &mut offsets);
        }
        let keyword = logical
            .split_whitespace()
            .next()
            .unwrap_or("")
            .to_ascii_uppercase();
        let heredocs = if matches!(keyword.as_str(), "RUN" | "COPY" | "ADD") {
            heredoc_delimiters(&logical)
        } else {
            Vec::new()
        };
        for delim in heredocs {
            while i < lines.len() {
                let (_, c) = lines[i];
                i += 1;
                if c.trim_start_matches('\t') == delim.0 || (delim.1 && c.trim() == delim.0) {
                    break;
                }
            }
        }
        out.push(Instruction {
            words: split_words(&logical, &offsets),
        });
    }
    out
}

/// The line without a trailing escape character: (text, its file offset, continues?).
fn strip_continuation(line: &str, start: usize, escape: u8) -> (&str, usize, bool) {
    let t = line.trim_end();
    if t.as_bytes().last() == Some(&escape) {
        (&t[..t.len() - 1], start, true)
    } else {
        (line, start, false)
    }
}

/// Heredoc delimiters opened by an instruction (`<<EOF`, `<<-EOF`, `<<"EOF"`): (word, dash).
fn heredoc_delimiters(logical: &str) -> Vec<(String, bool)> {
    let mut out = Vec::new();
    let mut rest = logical;
    while let Some(i) = rest.find("<<") {
        let after = &rest[i + 2..];
        let (dash, after) = match after.strip_prefix('-') {
            Some(a) => (true, a),
            None => (false, after),
        };
        let after = after.trim_start_matches(['"', '\'']);
        let len = after
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(after.len());
        if len > 0 {
            out.push((after[..len].to_string(), dash));
        }
        rest = &after[len..];
    }
    out
}

fn split_words(logical: &str, offsets: &[usize]) -> Vec<Word> {
    let mut words = Vec::new();
    let bytes = logical.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        while i < bytes.len() && bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        let start = i;
        while i < bytes.len() && !bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        if i > start {
            let offs = offsets[start..i].to_vec();
            words.push(Word {
                text: logical[start..i].to_string(),
                span: offs[0]..offs[offs.len() - 1] + 1,
                offsets: offs,
            });
        }
    }
    words
}

#[cfg(test)]
mod tests {
    use super::*;

    fn targets(text: &str) -> Vec<(Source, String, Target)> {
        image_uses(text)
            .into_iter()
            .map(|u| {
                assert_eq!(&text[u.span.clone()], u.raw, "span of `{}`", u.raw);
                (u.source, u.raw, u.target)
            })
            .collect()
    }

    fn img(s: &str) -> Target {
        Target::Image(s.to_string())
    }

    #[test]
    fn c22_args_resolve() {
        let text = "ARG TAG=latest\nFROM alpine:${TAG}\nARG BASE=python:3.12-slim@sha256:558bb81cf74f2d2d82ca9f2722c5f930d4357db703cc293574c77ac1d3198a61\nFROM ${BASE} AS build\n";
        let uses = image_uses(text);
        assert_eq!(uses[0].target, img("alpine:latest"));
        assert_eq!(uses[0].args.len(), 1);
        assert_eq!(&text[uses[0].args[0].1.clone()], "TAG=latest");
        // BASE is declared after the first FROM: a stage arg, invisible to later FROMs.
        assert_eq!(uses[1].target, Target::Unresolved);
        let text = "ARG TAG=latest\nARG BASE=python:3.12-slim@sha256:558bb81cf74f2d2d82ca9f2722c5f930d4357db703cc293574c77ac1d3198a61\nFROM alpine:${TAG}\nFROM ${BASE} AS build\n";
        let t = targets(text);
        assert_eq!(t[0].2, img("alpine:latest"));
        assert_eq!(
            t[1].2,
            img(
                "python:3.12-slim@sha256:558bb81cf74f2d2d82ca9f2722c5f930d4357db703cc293574c77ac1d3198a61"
            )
        );
    }

    #[test]
    fn c23_stages_and_scratch() {
        let text = "FROM golang:1.23 AS build\nFROM scratch\nCOPY --from=build /out/app /app\nCOPY --from=nginx:latest /etc/nginx/nginx.conf /etc/nginx/\nCOPY --from=0 /a /b\n";
        assert_eq!(
            targets(text),
            vec![
                (Source::From, "golang:1.23".into(), img("golang:1.23")),
                (Source::From, "scratch".into(), Target::Scratch),
                (Source::CopyFrom, "build".into(), Target::Stage),
                (Source::CopyFrom, "nginx:latest".into(), img("nginx:latest")),
                (Source::CopyFrom, "0".into(), Target::Stage),
            ]
        );
    }

    #[test]
    fn platform_case_and_stage_reuse() {
        let text =
            "from --platform=$BUILDPLATFORM node:20 as Deps\nFROM deps AS final\nFROM DEPS\n";
        assert_eq!(
            targets(text),
            vec![
                (Source::From, "node:20".into(), img("node:20")),
                (Source::From, "deps".into(), Target::Stage),
                (Source::From, "DEPS".into(), Target::Stage),
            ]
        );
    }

    #[test]
    fn expansion_forms() {
        let text = "ARG REG=ghcr.io\nARG NAME\nARG V\nFROM $REG/org/a\nFROM ${REG}/org/b:${V:-latest}\nFROM ${NAME}:1\nFROM org/c:${V-1.0}\nFROM org/d${V:+:x}\nFROM ${REG#g}/x\n";
        let t = targets(text);
        assert_eq!(t[0].2, img("ghcr.io/org/a"));
        assert_eq!(t[1].2, img("ghcr.io/org/b:latest"));
        assert_eq!(t[2].2, Target::Unresolved);
        assert_eq!(t[3].2, img("org/c:1.0"));
        assert_eq!(t[4].2, img("org/d"));
        assert_eq!(t[5].2, Target::Unresolved);
    }

    #[test]
    fn stage_args_inherit_globals_for_copy_from() {
        let text = "ARG TOOL=alpine/helm:latest\nFROM busybox:1.36\nARG TOOL\nCOPY --from=${TOOL} /usr/bin/helm /helm\nFROM busybox:1.36\nCOPY --from=$TOOL /x /y\n";
        let t = targets(text);
        assert_eq!(t[1].2, img("alpine/helm:latest"));
        // Not re-declared in the second stage: unset there.
        assert_eq!(t[3].2, Target::Unresolved);
        let uses = image_uses(text);
        assert_eq!(&text[uses[1].args[0].1.clone()], "TOOL=alpine/helm:latest");
    }

    #[test]
    fn continuations_comments_heredocs_mounts() {
        let text = "# syntax=docker/dockerfile:1\nFROM \\\n  # a comment inside\n  debian \\\n  AS base\nRUN <<EOF\nFROM nginx:latest\nEOF\nRUN --mount=type=bind,from=tools:latest,source=/x,target=/y make\nRUN --mount=type=cache,target=/root/.cache go build\n";
        let t = targets(text);
        assert_eq!(
            t,
            vec![
                (Source::From, "debian".into(), img("debian")),
                (
                    Source::MountFrom,
                    "tools:latest".into(),
                    img("tools:latest")
                ),
            ]
        );
        let uses = image_uses(text);
        assert_eq!(&text[..uses[0].span.start].lines().count(), &4);
    }

    #[test]
    fn escape_directive() {
        let text = "# escape=`\nFROM `\n  mcr.microsoft.com/windows/servercore\nRUN dir c:\\\nFROM nginx\n";
        let t = targets(text);
        assert_eq!(t[0].2, img("mcr.microsoft.com/windows/servercore"));
        assert_eq!(t[1].2, img("nginx"));
    }

    #[test]
    fn quoted_arg_and_crlf() {
        let text = "ARG IMG=\"redis:latest\"\r\nFROM ${IMG}\r\n";
        assert_eq!(targets(text)[0].2, img("redis:latest"));
    }
}
