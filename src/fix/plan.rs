//! Planning one file's fix in memory: convert each reported Secret, build the byte-range
//! edit that replaces it, check that no saved value is in the new text, apply the edits, and
//! re-parse and re-check the result. Nothing here writes, except [`write_manifest`], the last
//! step of a run.

use super::edit::{self, Edit};
use super::naming::SecretMapping;
use super::{CODE, FixFile, FixOptions, Status, atomic, emit, leak, secret, store};
use crate::config::Settings;
use crate::finding::Finding;
use crate::manifest::{Document, FileKind, Node, objects};
use crate::rules::{self, Ctx, File};
use crate::source::NoRepo;
use std::ops::Range;
use std::path::Path;

pub(super) struct Plan {
    pub(super) path: String,
    pub(super) staged: Vec<u8>,
    pub(super) new_text: String,
    pub(super) converted: Vec<secret::Converted>,
    /// The shape of each converted Secret, for its metadata file.
    pub(super) shapes: Vec<store::meta::Shape>,
}

pub(super) enum PlanResult {
    Write(Plan),
    Done(Status),
}

pub(super) fn plan_file(
    f: &FixFile,
    opts: &FixOptions,
    mapping: Option<&SecretMapping>,
) -> Result<PlanResult, Status> {
    let abs = opts.workdir.join(f.path);
    let worktree = match std::fs::symlink_metadata(&abs) {
        Ok(m) if m.file_type().is_symlink() => {
            return Err(Status::Refused(
                "it is a symbolic link in the working tree".into(),
            ));
        }
        Ok(_) => std::fs::read(&abs).map_err(|e| Status::Error(format!("cannot read it: {e}")))?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(Status::Refused(
                "it is deleted in the working tree; restore it or unstage the deletion first"
                    .into(),
            ));
        }
        Err(e) => return Err(Status::Error(format!("cannot read it: {e}"))),
    };
    let text = std::str::from_utf8(f.staged)
        .map_err(|_| Status::Failed("the staged content is not UTF-8".into()))?;
    let (new_text, converted, shapes) = fix_text(f.path, text, f.docs, f.findings, opts, mapping)?;
    if worktree != f.staged {
        if worktree == new_text.as_bytes() {
            return Ok(PlanResult::Done(Status::AlreadyFixed));
        }
        return Err(Status::Refused(
            "the working-tree file differs from the staged one (partially staged changes); \
             --fix only rewrites files whose working tree matches the index, so unstaged work \
             is never overwritten. Stage or stash the other changes, then run again"
                .into(),
        ));
    }
    Ok(PlanResult::Write(Plan {
        path: f.path.to_string(),
        staged: f.staged.to_vec(),
        new_text,
        converted,
        shapes,
    }))
}

/// Plans the fix of `text` in memory, exactly as [`run`] would (GG101 findings, conversion,
/// edits, re-check), without touching disk or a values store; `Ok(None)` when there is
/// nothing to fix. For fuzzing and property tests: callers outside `--fix` should use [`run`].
pub fn plan_in_memory(
    path: &str,
    text: &str,
    settings: &Settings,
) -> Result<Option<(String, Vec<secret::Converted>)>, Status> {
    let kind = FileKind::of(path);
    let docs = crate::manifest::parse_file(path, text, kind);
    let mut findings = Vec::new();
    if let Some(rule) = rules::lookup(CODE) {
        let file = File::new(path, text, kind, &docs);
        let ctx = Ctx {
            settings,
            repo: &NoRepo,
            layout: None,
        };
        rule.check(&file, &ctx, &mut findings);
    }
    if findings.is_empty() {
        return Ok(None);
    }
    // Never read: `fix_text` only consults the settings and the repository view.
    let opts = FixOptions {
        workdir: Path::new("/nonexistent"),
        values_dir: Path::new("/nonexistent"),
        settings,
        repo: &NoRepo,
    };
    fix_text(path, text, &docs, &findings, &opts, None).map(|(t, c, _)| Some((t, c)))
}

/// The new text of a file, what was converted, and the shape of each converted Secret.
type Fixed = (String, Vec<secret::Converted>, Vec<store::meta::Shape>);

/// Converts the reported Secrets of one file: the new text and what was converted.
/// Pure: reads and writes nothing.
pub(super) fn fix_text(
    path: &str,
    text: &str,
    docs: &[Document],
    findings: &[Finding],
    opts: &FixOptions,
    mapping: Option<&SecretMapping>,
) -> Result<Fixed, Status> {
    let kind = FileKind::of(path);
    let targets: Vec<&Range<usize>> = findings
        .iter()
        .filter(|x| x.code == CODE)
        .map(|x| &x.span)
        .collect();
    let mut edits = Vec::new();
    let mut converted = Vec::new();
    let mut shapes = Vec::new();
    let mut problems = Vec::new();
    for doc in docs {
        let Some(root) = &doc.root else { continue };
        for obj in objects(root) {
            if !targets.contains(&&obj.span) {
                continue;
            }
            let name = obj
                .at(&["metadata", "name"])
                .and_then(Node::as_str)
                .unwrap_or("<unnamed>");
            let c = match secret::convert(obj, &opts.settings.fix, mapping) {
                Ok(c) => c,
                Err(e) => {
                    problems.push(format!("Secret `{name}`: {e}"));
                    continue;
                }
            };
            let is_root = std::ptr::eq(obj, root);
            match edit_for(text, doc, root, obj, is_root, kind, &c.object) {
                Ok(e) => {
                    // The last line of defence: no saved value in what is about to be written.
                    let names = leak::names_in(&c.object);
                    if let Some(key) = leak::in_output(&e.content, &c.values.values, &names) {
                        problems.push(format!(
                            "Secret `{name}`: the value of `{key}` would appear in the \
                             ExternalSecret; convert it by hand"
                        ));
                        continue;
                    }
                    edits.push(e);
                    converted.push(c);
                    shapes.push(store::meta::Shape::of(obj));
                }
                Err(e) => problems.push(format!("Secret `{name}`: {e}")),
            }
        }
    }
    if !problems.is_empty() {
        return Err(Status::Failed(format!(
            "{}; file left unchanged",
            problems.join("; ")
        )));
    }
    if edits.is_empty() {
        return Err(Status::Error(
            "internal error: the reported Secrets were not found in the parsed documents; file left unchanged".into(),
        ));
    }
    let applied = edit::apply(text, &edits);
    if !applied.skipped.is_empty() {
        return Err(Status::Error(
            "internal error: overlapping edits; file left unchanged".into(),
        ));
    }
    recheck(path, text, docs, &applied.text, &edits, opts)?;
    Ok((applied.text, converted, shapes))
}

/// The edit that replaces one Secret object.
fn edit_for(
    text: &str,
    doc: &Document,
    root: &Node,
    obj: &Node,
    is_root: bool,
    kind: FileKind,
    object: &emit::Out,
) -> Result<Edit, String> {
    let span = obj.span.clone();
    if span.start > span.end || span.end > text.len() || span.start < doc.span.start {
        return Err("unexpected document layout; convert it by hand".into());
    }
    let line_start = text[..span.start].rfind('\n').map_or(0, |i| i + 1);
    let prefix = &text[line_start..span.start];
    let column = prefix.chars().count();
    let original = &text[span.clone()];
    let crlf = text[line_start..].contains("\r\n")
        && text[line_start..]
            .find('\n')
            .is_some_and(|i| i > 0 && text.as_bytes()[line_start + i - 1] == b'\r');
    let in_flow = !is_root && enclosing_is_flow(text, root, obj);
    let mut content;
    let mut range = span.clone();
    if kind == FileKind::Json || in_flow {
        content = emit::to_json(object, column);
    } else if is_root {
        if !prefix.trim().is_empty() {
            return Err("the Secret does not start on its own line; convert it by hand".into());
        }
        content = emit::to_yaml(object, 0);
        range = span.start..keep_tail_from(text, span.end, doc.span.end);
    } else {
        if !prefix.chars().all(|c| c == ' ' || c == '-') {
            return Err("unexpected layout of the List item; convert it by hand".into());
        }
        content = emit::to_yaml(object, column);
        if !original.ends_with('\n') {
            content.pop();
        }
    }
    if crlf {
        content = content.replace('\n', "\r\n");
    }
    Ok(Edit::replace(range, content))
}

/// Whether the collection holding `obj` is written in flow style (`items: [...]`).
fn enclosing_is_flow(text: &str, root: &Node, obj: &Node) -> bool {
    root.get("items")
        .filter(|items| {
            items
                .as_seq()
                .is_some_and(|s| s.iter().any(|n| std::ptr::eq(n, obj)))
        })
        .and_then(|items| text.get(items.span.clone()))
        .is_some_and(|t| t.trim_start().starts_with('['))
}

/// Where the bytes to keep after a replaced document start: the end of the object's last
/// line, extended over indented lines (comments inside the Secret go with it); trailing
/// column-0 comments, blank lines and a `...` marker stay.
fn keep_tail_from(text: &str, obj_end: usize, doc_end: usize) -> usize {
    let doc_end = doc_end.max(obj_end).min(text.len());
    let mut pos = if obj_end > 0 && text.as_bytes()[obj_end - 1] == b'\n' {
        obj_end
    } else {
        text[obj_end..doc_end]
            .find('\n')
            .map_or(doc_end, |i| obj_end + i + 1)
    };
    // Indented lines right after the object (e.g. a comment at the data level) belong to it.
    while pos < doc_end {
        let line_end = text[pos..doc_end]
            .find('\n')
            .map_or(doc_end, |i| pos + i + 1);
        let line = &text[pos..line_end];
        if line.starts_with([' ', '\t']) && !line.trim().is_empty() {
            pos = line_end;
        } else {
            break;
        }
    }
    pos
}

/// Re-parses the fixed text and checks it: what parsed still parses, every replaced range
/// holds an ExternalSecret, and GG101 finds nothing there.
fn recheck(
    path: &str,
    old_text: &str,
    old_docs: &[Document],
    new_text: &str,
    edits: &[Edit],
    opts: &FixOptions,
) -> Result<(), Status> {
    let internal = |what: &str| {
        Status::Error(format!(
            "internal error: the fixed file {what}; file left unchanged (please report this)"
        ))
    };
    let kind = FileKind::of(path);
    let new_docs = crate::manifest::parse_file(path, new_text, kind);
    let errors = |docs: &[Document]| docs.iter().filter(|d| d.error.is_some()).count();
    if errors(&new_docs) > errors(old_docs) {
        return Err(internal("does not parse"));
    }
    if kind == FileKind::Json
        && serde_json::from_str::<serde_json::Value>(old_text).is_ok()
        && serde_json::from_str::<serde_json::Value>(new_text).is_err()
    {
        return Err(internal("is not valid JSON"));
    }
    // Where each edit landed in the new text.
    let mut sorted: Vec<&Edit> = edits.iter().collect();
    sorted.sort_by_key(|e| e.range.start);
    let mut delta: isize = 0;
    let mut new_ranges = Vec::new();
    for e in sorted {
        let start = (e.range.start as isize + delta) as usize;
        new_ranges.push(start..start + e.content.len());
        delta += e.content.len() as isize - e.range.len() as isize;
    }
    let new_objects: Vec<&Node> = new_docs
        .iter()
        .filter_map(|d| d.root.as_ref())
        .flat_map(objects)
        .collect();
    for r in &new_ranges {
        let found = new_objects.iter().any(|o| {
            o.span.start >= r.start
                && o.span.start < r.end
                && o.get("kind").and_then(Node::as_str) == Some("ExternalSecret")
        });
        if !found {
            return Err(internal(
                "does not hold the ExternalSecret where the Secret was",
            ));
        }
    }
    if let Some(rule) = rules::lookup(CODE) {
        let file = File::new(path, new_text, kind, &new_docs);
        let ctx = Ctx {
            settings: opts.settings,
            repo: opts.repo,
            layout: None,
        };
        let mut findings = Vec::new();
        rule.check(&file, &ctx, &mut findings);
        if findings.iter().any(|f| {
            new_ranges
                .iter()
                .any(|r| f.span.start < r.end && r.start < f.span.end)
        }) {
            return Err(internal("still has a raw Secret where one was converted"));
        }
    }
    Ok(())
}

pub(super) fn write_manifest(plan: &Plan, workdir: &Path) -> Result<(), String> {
    let abs = workdir.join(&plan.path);
    // The file may have been edited since it was read (an editor, another tool): re-check.
    match std::fs::read(&abs) {
        Ok(now) if now == plan.staged => {}
        Ok(_) => {
            return Err("the file changed while --fix was running; left as it is".into());
        }
        Err(e) => return Err(format!("cannot read it: {e}")),
    }
    atomic::write(&abs, plan.new_text.as_bytes(), atomic::Mode::KeepOr(0o644))
        .map_err(|e| format!("cannot replace it: {e}; the file is unchanged (values are saved)"))
}
