//! `--fix`: rewrites raw Secrets (GG101) into ExternalSecrets without losing a value.
//!
//! The order of operations is what makes it safe:
//! 1. Plan every file in memory: convert each reported Secret, build byte-range edits
//!    ([`edit`]), apply them in one pass, re-parse and re-check the result (no GG101 left at
//!    the edited places, nothing that parsed before fails now). Files whose working-tree
//!    content differs from the staged blob are refused (unstaged work is never clobbered).
//! 2. Merge the decoded values into the values store ([`values`]) in memory; a conflict
//!    with an existing file drops that manifest from the run.
//! 3. Write and fsync every values file, then the metadata file beside it ([`store::meta`]:
//!    where each key goes in the store, for `gitops-guard secrets`).
//! 4. Only then replace each manifest atomically ([`atomic`]).
//!
//! A crash at any moment leaves every manifest old or new, and every value of a new
//! manifest saved. A second run finds nothing to do (or reports the file as already fixed
//! while its changes are unstaged).

pub mod atomic;
pub mod backend_keys;
pub mod defaults;
pub mod edit;
pub mod emit;
pub mod leak;
pub mod moves;
pub mod naming;
pub mod secret;
pub mod store;
#[cfg(test)]
pub(crate) mod testutil;
pub mod values;

use crate::config::{FixFormat, Settings};
use crate::finding::Finding;
use crate::manifest::{Document, Node, objects};
use crate::rules::{self, Ctx, File, FileKind, RepoView};
use edit::Edit;
use naming::SecretMapping;
use secret::KeyRef;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::ops::Range;
use std::path::{Path, PathBuf};
use values::StoredValue;

/// The rule whose findings `--fix` resolves.
pub const CODE: &str = "GG101";

/// One scanned file, as the engine has it.
pub struct FixFile<'a> {
    /// Repository-relative path with `/`.
    pub path: &'a str,
    /// The staged (index) content that was checked.
    pub staged: &'a [u8],
    /// The documents parsed from `staged`.
    pub docs: &'a [Document],
    /// The findings reported for this file (after suppressions); only GG101 ones are fixed.
    pub findings: &'a [Finding],
}

/// Where and how to fix.
pub struct FixOptions<'a> {
    /// The working tree (files are rewritten there).
    pub workdir: &'a Path,
    /// The values store; see [`values::default_dir`].
    pub values_dir: &'a Path,
    pub settings: &'a Settings,
    /// The repository (for `.jx/secret/mapping/secret-mappings.yaml`).
    pub repo: &'a dyn RepoView,
}

/// What happened to one file.
#[derive(Debug, Clone)]
pub enum Status {
    /// Rewritten; values saved.
    Fixed(Vec<FixedSecret>),
    /// The working tree already holds the fix of the staged content (not staged yet).
    AlreadyFixed,
    /// Not touched on purpose (e.g. unstaged changes).
    Refused(String),
    /// A Secret cannot be converted faithfully; the file is untouched.
    Failed(String),
    /// An I/O or internal error; the file is untouched (or, for a failed rename, still old).
    Error(String),
}

/// One converted Secret.
#[derive(Debug, Clone)]
pub struct FixedSecret {
    pub name: String,
    pub namespace: Option<String>,
    pub values_file: PathBuf,
    pub keys: Vec<KeyRef>,
    pub backend_type: String,
}

#[derive(Debug, Clone)]
pub struct FileOutcome {
    pub path: String,
    pub status: Status,
}

/// The result of a `--fix` run. Holds key names and paths, never values.
#[derive(Debug, Clone)]
pub struct FixReport {
    pub files: Vec<FileOutcome>,
    pub format: FixFormat,
    pub values_dir: PathBuf,
    /// Azure key vault name for the printed commands, when known.
    pub key_vault_name: Option<String>,
    /// The `--values-dir` given (`None`: the default store), repeated in the next steps.
    pub values_dir_arg: Option<PathBuf>,
}

impl FixReport {
    /// Files rewritten by this run.
    pub fn fixed(&self) -> impl Iterator<Item = (&str, &[FixedSecret])> {
        self.files.iter().filter_map(|f| match &f.status {
            Status::Fixed(s) => Some((f.path.as_str(), s.as_slice())),
            _ => None,
        })
    }

    /// Whether any file was changed on disk.
    pub fn changed(&self) -> bool {
        self.fixed().next().is_some()
    }

    /// Whether an I/O or internal error happened (exit 2).
    pub fn has_errors(&self) -> bool {
        self.files
            .iter()
            .any(|f| matches!(f.status, Status::Error(_)))
    }
}

/// Fixes the GG101 findings of `files`.
pub fn run(files: &[FixFile], opts: &FixOptions) -> FixReport {
    let fix = &opts.settings.fix;
    let mut report = FixReport {
        files: Vec::new(),
        format: fix.format,
        values_dir: opts.values_dir.to_path_buf(),
        key_vault_name: fix.backend.key_vault_name.clone(),
        values_dir_arg: None,
    };
    let targets: Vec<&FixFile> = files
        .iter()
        .filter(|f| f.findings.iter().any(|x| x.code == CODE))
        .collect();
    if targets.is_empty() {
        return report;
    }
    let mapping = match opts.repo.read(naming::MAPPING_PATH) {
        None => None,
        Some(bytes) => match std::str::from_utf8(&bytes)
            .map_err(|_| format!("{} is not UTF-8", naming::MAPPING_PATH))
            .and_then(SecretMapping::parse)
        {
            Ok(m) => Some(m),
            Err(e) => {
                for f in targets {
                    report.files.push(FileOutcome {
                        path: f.path.to_string(),
                        status: Status::Failed(format!("cannot read the secret mappings: {e}")),
                    });
                }
                return report;
            }
        },
    };
    if report.key_vault_name.is_none() {
        report.key_vault_name = mapping
            .as_ref()
            .and_then(|m| m.spec.defaults.azure_key_vault.as_ref())
            .map(|a| a.key_vault_name.clone())
            .filter(|s| !s.is_empty());
    }

    // 1. Plan.
    let mut plans: Vec<Plan> = Vec::new();
    for f in targets {
        match plan_file(f, opts, mapping.as_ref()) {
            Ok(PlanResult::Write(plan)) => plans.push(plan),
            Ok(PlanResult::Done(status)) | Err(status) => report.files.push(FileOutcome {
                path: f.path.to_string(),
                status,
            }),
        }
    }

    // 2. Merge values in memory, file by file (a file's merge is all or nothing).
    let mut store: BTreeMap<PathBuf, (BTreeMap<String, StoredValue>, bool)> = BTreeMap::new();
    let mut ready: Vec<Plan> = Vec::new();
    'plans: for plan in plans {
        let mut staged_store = BTreeMap::new();
        for c in &plan.converted {
            let path = values::file_for(
                opts.values_dir,
                c.values.namespace.as_deref(),
                &c.values.name,
            );
            let entry = match staged_store.get(&path).or_else(|| store.get(&path)) {
                Some(e) => e.clone(),
                None => match values::load(&path) {
                    Ok(v) => (v, false),
                    Err(e) => {
                        report.files.push(FileOutcome {
                            path: plan.path.clone(),
                            status: Status::Error(format!("{e}; file left unchanged")),
                        });
                        continue 'plans;
                    }
                },
            };
            let (mut current, mut changed) = entry;
            match values::merge(&mut current, &c.values.values) {
                Ok(ch) => changed |= ch,
                Err(keys) => {
                    let e = values::ValuesError::Conflict {
                        path: path.display().to_string(),
                        keys,
                    };
                    report.files.push(FileOutcome {
                        path: plan.path.clone(),
                        status: Status::Failed(format!(
                            "Secret `{}`: {e}; file left unchanged",
                            c.values.name
                        )),
                    });
                    continue 'plans;
                }
            }
            staged_store.insert(path, (current, changed));
        }
        store.extend(staged_store);
        ready.push(plan);
    }

    // 3. Save values (fsynced) before any manifest changes.
    let mut failed_values: BTreeMap<PathBuf, String> = BTreeMap::new();
    for (path, (vals, changed)) in &store {
        if *changed && let Err(e) = values::store(opts.values_dir, path, vals) {
            failed_values.insert(path.clone(), e.to_string());
        }
    }

    // 3b. Then the metadata beside them (same guarantees), merged with what an earlier run
    // recorded; an unchanged file is not rewritten.
    let now = store::rfc3339(std::time::SystemTime::now());
    let mut metas: BTreeMap<PathBuf, (PathBuf, store::meta::Meta)> = BTreeMap::new();
    for plan in &ready {
        for (c, shape) in plan.converted.iter().zip(&plan.shapes) {
            let values_path = values::file_for(
                opts.values_dir,
                c.values.namespace.as_deref(),
                &c.values.name,
            );
            let meta_path = store::meta::file_for(&values_path);
            let new = store::meta::build(
                &store::meta::Converted {
                    namespace: c.values.namespace.as_deref(),
                    name: &c.values.name,
                    keys: &c.keys,
                    backend_type: &c.backend_type,
                    shape,
                    manifest: &plan.path,
                },
                fix,
                mapping.as_ref(),
                &now,
            );
            let old = match metas.remove(&meta_path) {
                Some((_, m)) => Some(m),
                // An unreadable file is derived data: it is replaced.
                None => store::meta::load(&meta_path).ok().flatten(),
            };
            let meta = old.map_or(new.clone(), |old| store::meta::merge(old, new));
            metas.insert(meta_path, (values_path, meta));
        }
    }
    for (meta_path, (values_path, meta)) in &metas {
        if failed_values.contains_key(values_path) {
            continue;
        }
        let unchanged = matches!(store::meta::load(meta_path), Ok(Some(ref old)) if old == meta);
        if !unchanged && let Err(e) = store::meta::store(meta_path, meta) {
            failed_values.insert(
                values_path.clone(),
                format!("cannot write {}: {e}", meta_path.display()),
            );
        }
    }

    // 4. Replace manifests.
    for plan in ready {
        let paths: Vec<PathBuf> = plan
            .converted
            .iter()
            .map(|c| {
                values::file_for(
                    opts.values_dir,
                    c.values.namespace.as_deref(),
                    &c.values.name,
                )
            })
            .collect();
        if let Some(e) = paths.iter().find_map(|p| failed_values.get(p)) {
            report.files.push(FileOutcome {
                path: plan.path,
                status: Status::Error(format!("{e}; file left unchanged")),
            });
            continue;
        }
        let status = write_manifest(&plan, opts.workdir).map_or_else(Status::Error, |()| {
            Status::Fixed(
                plan.converted
                    .iter()
                    .zip(paths)
                    .map(|(c, values_file)| FixedSecret {
                        name: c.values.name.clone(),
                        namespace: c.values.namespace.clone(),
                        values_file,
                        keys: c.keys.clone(),
                        backend_type: c.backend_type.clone(),
                    })
                    .collect(),
            )
        });
        report.files.push(FileOutcome {
            path: plan.path,
            status,
        });
    }
    report.files.sort_by(|a, b| a.path.cmp(&b.path));
    report
}

struct Plan {
    path: String,
    staged: Vec<u8>,
    new_text: String,
    converted: Vec<secret::Converted>,
    /// The shape of each converted Secret, for its metadata file.
    shapes: Vec<store::meta::Shape>,
}

enum PlanResult {
    Write(Plan),
    Done(Status),
}

fn plan_file(
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
    let docs = crate::engine::parse(path, text, kind);
    let mut findings = Vec::new();
    if let Some(rule) = rules::lookup(CODE) {
        let file = File {
            path,
            text,
            kind,
            docs: &docs,
        };
        let ctx = Ctx {
            settings,
            repo: &rules::NoRepo,
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
        repo: &rules::NoRepo,
    };
    fix_text(path, text, &docs, &findings, &opts, None).map(|(t, c, _)| Some((t, c)))
}

/// The new text of a file, what was converted, and the shape of each converted Secret.
type Fixed = (String, Vec<secret::Converted>, Vec<store::meta::Shape>);

/// Converts the reported Secrets of one file: the new text and what was converted.
/// Pure: reads and writes nothing.
fn fix_text(
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
    let new_docs = crate::engine::parse(path, new_text, kind);
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
        let file = File {
            path,
            text: new_text,
            kind,
            docs: &new_docs,
        };
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

fn write_manifest(plan: &Plan, workdir: &Path) -> Result<(), String> {
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

impl FixReport {
    /// The human summary: what was done, where the values are, the commands to load them
    /// (with key names, never values) and what to do next.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let fixed: Vec<_> = self.fixed().collect();
        let secrets: usize = fixed.iter().map(|(_, s)| s.len()).sum();
        let api = match self.format {
            FixFormat::Eso => "external-secrets.io/v1",
            FixFormat::Kes => "kubernetes-client.io/v1",
        };
        if secrets > 0 {
            let _ = writeln!(
                out,
                "--fix: converted {} into ExternalSecrets ({api}) in {}:",
                plural(secrets, "Secret"),
                plural(fixed.len(), "file")
            );
        }
        for f in &self.files {
            match &f.status {
                Status::Fixed(list) => {
                    for s in list {
                        let _ = writeln!(
                            out,
                            "  fixed    {}: Secret {} (keys: {})",
                            f.path,
                            qualified(s),
                            s.keys
                                .iter()
                                .map(|k| k.secret_key.as_str())
                                .collect::<Vec<_>>()
                                .join(", ")
                        );
                    }
                }
                Status::AlreadyFixed => {
                    let _ = writeln!(
                        out,
                        "  pending  {}: already converted in the working tree; review it and `git add` it",
                        f.path
                    );
                }
                Status::Refused(why) => {
                    let _ = writeln!(out, "  skipped  {}: {why}", f.path);
                }
                Status::Failed(why) => {
                    let _ = writeln!(out, "  not fixed {}: {why}", f.path);
                }
                Status::Error(why) => {
                    let _ = writeln!(out, "  error    {}: {why}", f.path);
                }
            }
        }
        if secrets == 0 {
            return out;
        }
        let _ = writeln!(
            out,
            "\nThe values were saved outside git (never printed), one JSON file per Secret (binary \
             values as\n{{\"base64\": ...}}), each with a .meta file recording where its keys go in \
             the store:"
        );
        let mut files: Vec<&FixedSecret> = fixed.iter().flat_map(|(_, s)| s.iter()).collect();
        files.sort_by(|a, b| a.values_file.cmp(&b.values_file));
        files.dedup_by(|a, b| a.values_file == b.values_file);
        for s in &files {
            let _ = writeln!(out, "  {}", s.values_file.display());
        }
        let _ = writeln!(
            out,
            "\nNext steps:\n  1. Load the values into your secret store, one merged, re-runnable load \
             per remote entry\n     (`gitops-guard secrets list` shows where each key goes; the \
             script reads the values\n     with jq when it runs):"
        );
        for line in store::list::next_commands(
            files.iter().map(|s| s.backend_type.as_str()),
            self.values_dir_arg.as_deref(),
        ) {
            let _ = writeln!(out, "       {line}");
        }
        let paths: Vec<String> = fixed.iter().map(|(p, _)| store::sh(p)).collect();
        let _ = writeln!(
            out,
            "  2. Review and stage the converted files, then commit again:\n       git diff -- {0}\n       git add {0}",
            paths.join(" ")
        );
        let dir_arg = self
            .values_dir_arg
            .as_ref()
            .map(|d| format!(" --values-dir {}", store::sh(&d.display().to_string())))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "  3. Once the store has the values, delete the saved copies:\n       gitops-guard secrets forget --all{dir_arg}"
        );
        out
    }
}

fn qualified(s: &FixedSecret) -> String {
    match &s.namespace {
        Some(ns) => format!("{ns}/{}", s.name),
        None => s.name.clone(),
    }
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::NoRepo;

    const SECRET: &str = "apiVersion: v1
kind: Secret
metadata:
  name: db
  namespace: apps
  labels:
    app: db
type: Opaque
data:
  password: aHVudGVyMg==
  # old: b2xkLXZhbHVl
stringData:
  user: admin-user
";

    /// Every value that appears in the fixtures, encoded or decoded.
    const VALUES: &[&str] = &[
        "aHVudGVyMg",
        "hunter2",
        "admin-user",
        "b2xkLXZhbHVl",
        "old-value",
        "s3cr3t-token",
    ];

    fn findings(path: &str, text: &str, docs: &[Document], settings: &Settings) -> Vec<Finding> {
        let file = File {
            path,
            text,
            kind: FileKind::of(path),
            docs,
        };
        let ctx = Ctx {
            settings,
            repo: &NoRepo,
            layout: None,
        };
        let mut out = Vec::new();
        if let Some(rule) = rules::lookup(CODE) {
            rule.check(&file, &ctx, &mut out);
        }
        out
    }

    /// Fixes `text` in memory.
    fn fix_str(
        path: &str,
        text: &str,
        config: &str,
    ) -> Result<(String, Vec<secret::Converted>), Status> {
        let settings = Settings::from_text(config, None).unwrap();
        let docs = crate::engine::parse(path, text, FileKind::of(path));
        let found = findings(path, text, &docs, &settings);
        let opts = FixOptions {
            workdir: Path::new("/nonexistent"),
            values_dir: Path::new("/nonexistent"),
            settings: &settings,
            repo: &NoRepo,
        };
        fix_text(path, text, &docs, &found, &opts, None).map(|(t, c, _)| (t, c))
    }

    fn gg101_count(path: &str, text: &str) -> usize {
        let settings = Settings::default();
        let docs = crate::engine::parse(path, text, FileKind::of(path));
        assert!(docs.iter().all(|d| d.error.is_none()), "parses:\n{text}");
        findings(path, text, &docs, &settings).len()
    }

    fn assert_no_values(text: &str) {
        for v in VALUES {
            assert!(!text.contains(v), "`{v}` leaked into:\n{text}");
        }
    }

    #[test]
    fn replaces_exactly_the_secret_document() {
        let before = "# top comment\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata: {k: v}\n---\n# Source: chart/templates/secret.yaml\n";
        let after =
            "---\n# trailing doc\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: b}\n...\n";
        let text = format!("{before}{SECRET}{after}");
        let (new, converted) = fix_str("a.yaml", &text, "").unwrap();
        assert_eq!(converted.len(), 1);
        assert!(new.starts_with(before), "{new}");
        assert!(new.ends_with(after), "{new}");
        let middle = &new[before.len()..new.len() - after.len()];
        assert!(
            middle.starts_with("apiVersion: external-secrets.io/v1\nkind: ExternalSecret\n"),
            "{middle}"
        );
        assert!(middle.ends_with("property: user\n"), "{middle}");
        assert_no_values(&new);
        assert_eq!(gg101_count("a.yaml", &new), 0);
        // Idempotent: nothing left to fix.
        assert!(
            matches!(fix_str("a.yaml", &new, ""), Err(Status::Error(_)))
                || gg101_count("a.yaml", &new) == 0
        );
    }

    #[test]
    fn keeps_trailing_top_level_comments_and_missing_final_newline() {
        let text = format!("{SECRET}# end of file note\n");
        let (new, _) = fix_str("a.yaml", &text, "").unwrap();
        assert!(
            new.ends_with("property: user\n# end of file note\n"),
            "{new}"
        );
        let text = SECRET.trim_end();
        let (new, _) = fix_str("a.yaml", text, "").unwrap();
        assert!(new.ends_with("property: user\n"), "{new}");
        assert_eq!(gg101_count("a.yaml", &new), 0);
    }

    #[test]
    fn list_items_are_rewritten_in_place() {
        for (items_indent, dash) in [("", "- "), ("  ", "- "), ("    ", "-   ")] {
            let secret_item: String = SECRET
                .lines()
                .enumerate()
                .map(|(i, l)| {
                    let pad = " ".repeat(dash.len());
                    if i == 0 {
                        format!("{items_indent}{dash}{l}\n")
                    } else {
                        format!("{items_indent}{pad}{l}\n")
                    }
                })
                .collect();
            let head = format!(
                "apiVersion: v1\nkind: List\nitems:\n{items_indent}{dash}apiVersion: v1\n{items_indent}{p}kind: ConfigMap\n{items_indent}{p}metadata: {{name: first}}\n",
                p = " ".repeat(dash.len())
            );
            let tail = format!(
                "{items_indent}{dash}apiVersion: v1\n{items_indent}{p}kind: ConfigMap\n{items_indent}{p}metadata: {{name: last}}\n",
                p = " ".repeat(dash.len())
            );
            let text = format!("{head}{secret_item}{tail}");
            let (new, converted) =
                fix_str("list.yaml", &text, "").unwrap_or_else(|e| panic!("{e:?}\n{text}"));
            assert_eq!(converted.len(), 1);
            assert!(new.starts_with(&head), "{new}");
            assert!(new.ends_with(&tail), "{new}");
            assert_no_values(&new);
            assert_eq!(gg101_count("list.yaml", &new), 0, "{new}");
            let back: serde_json::Value = serde_saphyr::from_str(&new).unwrap();
            assert_eq!(back["items"][1]["kind"], "ExternalSecret", "{new}");
            assert_eq!(back["items"][1]["spec"]["data"][1]["secretKey"], "user");
            assert_eq!(back["items"][2]["metadata"]["name"], "last");
        }
    }

    #[test]
    fn flow_lists_and_json_files_get_json() {
        let text = "apiVersion: v1\nkind: List\nitems: [{apiVersion: v1, kind: Secret, metadata: {name: s}, stringData: {token: s3cr3t-token}}]\n";
        let (new, _) = fix_str("flow.yaml", text, "").unwrap();
        assert_no_values(&new);
        let back: serde_json::Value = serde_saphyr::from_str(&new).unwrap();
        assert_eq!(back["items"][0]["kind"], "ExternalSecret", "{new}");

        let json = "{\n  \"apiVersion\": \"v1\",\n  \"kind\": \"Secret\",\n  \"metadata\": {\"name\": \"s\", \"namespace\": \"n\"},\n  \"data\": {\"password\": \"aHVudGVyMg==\"}\n}\n";
        let (new, _) = fix_str("s.json", json, "").unwrap();
        assert_no_values(&new);
        let back: serde_json::Value = serde_json::from_str(&new).unwrap();
        assert_eq!(back["kind"], "ExternalSecret");
        assert_eq!(back["spec"]["data"][0]["remoteRef"]["key"], "n/s");
        assert!(new.ends_with("}\n"));
    }

    #[test]
    fn crlf_stays_crlf() {
        let text = SECRET.replace('\n', "\r\n");
        let (new, _) = fix_str("a.yaml", &text, "").unwrap();
        assert!(!new.replace("\r\n", "").contains('\n'), "{new:?}");
        assert_eq!(gg101_count("a.yaml", &new), 0);
    }

    #[test]
    fn conversion_errors_name_keys_not_values() {
        let text =
            "apiVersion: v1\nkind: Secret\nmetadata: {name: bad}\ndata:\n  password: hunter2!\n";
        let Err(Status::Failed(msg)) = fix_str("a.yaml", text, "") else {
            panic!("expected a failure")
        };
        assert!(msg.contains("`data.password` is not valid base64"), "{msg}");
        assert!(!msg.contains("hunter2"), "{msg}");
    }

    // --- run(): the whole sequence on disk (no git needed) ---

    struct Fixture {
        dir: tempfile::TempDir,
        settings: Settings,
    }

    impl Fixture {
        fn new(config: &str) -> Fixture {
            Fixture {
                dir: tempfile::tempdir().unwrap(),
                settings: Settings::from_text(config, None).unwrap(),
            }
        }
        fn work(&self) -> PathBuf {
            self.dir.path().join("work")
        }
        fn values(&self) -> PathBuf {
            self.dir.path().join("git/gitops-guard/secrets")
        }
        fn write(&self, rel: &str, text: &str) {
            let p = self.work().join(rel);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, text).unwrap();
        }
        fn read(&self, rel: &str) -> String {
            std::fs::read_to_string(self.work().join(rel)).unwrap()
        }
        /// Runs a fix with `staged` as the index content of each path.
        fn run(&self, staged: &[(&str, &str)]) -> FixReport {
            let parsed: Vec<(&str, &str, Vec<Document>)> = staged
                .iter()
                .map(|(p, t)| (*p, *t, crate::engine::parse(p, t, FileKind::of(p))))
                .collect();
            let found: Vec<Vec<Finding>> = parsed
                .iter()
                .map(|(p, t, d)| findings(p, t, d, &self.settings))
                .collect();
            let files: Vec<FixFile> = parsed
                .iter()
                .zip(&found)
                .map(|((p, t, d), f)| FixFile {
                    path: p,
                    staged: t.as_bytes(),
                    docs: d,
                    findings: f,
                })
                .collect();
            let work = self.work();
            let values_dir = self.values();
            run(
                &files,
                &FixOptions {
                    workdir: &work,
                    values_dir: &values_dir,
                    settings: &self.settings,
                    repo: &NoRepo,
                },
            )
        }
    }

    #[test]
    fn saves_values_then_rewrites_and_reports() {
        let fx = Fixture::new("");
        fx.write("apps/db.yaml", SECRET);
        let report = fx.run(&[("apps/db.yaml", SECRET)]);
        assert!(report.changed() && !report.has_errors(), "{report:?}");
        let new = fx.read("apps/db.yaml");
        assert!(new.contains("kind: ExternalSecret"));
        assert_no_values(&new);
        let vpath = fx.values().join("apps/db.json");
        assert_eq!(
            std::fs::read_to_string(&vpath).unwrap(),
            "{\n  \"password\": \"hunter2\",\n  \"user\": \"admin-user\"\n}\n"
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode(&vpath), 0o600);
            assert_eq!(mode(vpath.parent().unwrap()), 0o700);
            assert_eq!(mode(&fx.values()), 0o700);
        }
        let text = report.render();
        assert_no_values(&text);
        assert!(
            text.contains("fixed    apps/db.yaml: Secret apps/db (keys: password, user)"),
            "{text}"
        );
        assert!(text.contains(&vpath.display().to_string()), "{text}");
        assert!(
            text.contains(
                "\nNext steps:\n  1. Load the values into your secret store, one merged, re-runnable \
                 load per remote entry\n"
            ) && text.contains(
                "       gitops-guard secrets export --format vault | bash   # runs it\n"
            ),
            "{text}"
        );
        assert!(text.contains("git add apps/db.yaml"), "{text}");
        assert!(
            text.ends_with(
                "  3. Once the store has the values, delete the saved copies:\n       \
                 gitops-guard secrets forget --all\n"
            ),
            "{text}"
        );
        assert!(!text.contains("rm "), "{text}");
        // The metadata beside the values: 0600, what the ExternalSecret references.
        let meta_path = fx.values().join("apps/db.meta");
        let meta = store::meta::load(&meta_path).unwrap().unwrap();
        assert_eq!(meta.manifest, "apps/db.yaml");
        assert_eq!(meta.labels["app"], "db");
        let keys: Vec<(&str, &str, Option<&str>)> = meta
            .keys
            .iter()
            .map(|k| (k.key.as_str(), k.remote_key.as_str(), k.property.as_deref()))
            .collect();
        assert_eq!(
            keys,
            [
                ("password", "apps/db", Some("password")),
                ("user", "apps/db", Some("user"))
            ]
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&meta_path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
        }
        let meta_before = std::fs::read(&meta_path).unwrap();

        // Second run, changes not staged yet: nothing changes, the file is reported pending.
        let before = std::fs::read(&vpath).unwrap();
        let again = fx.run(&[("apps/db.yaml", SECRET)]);
        assert!(!again.changed(), "{again:?}");
        assert!(
            matches!(again.files[0].status, Status::AlreadyFixed),
            "{again:?}"
        );
        assert_eq!(fx.read("apps/db.yaml"), new);
        assert_eq!(std::fs::read(&vpath).unwrap(), before);
        assert_eq!(std::fs::read(&meta_path).unwrap(), meta_before);
        // After `git add`: no finding, nothing to do.
        let third = fx.run(&[("apps/db.yaml", new.as_str())]);
        assert!(third.files.is_empty(), "{third:?}");
    }

    #[test]
    fn refuses_partially_staged_files() {
        let fx = Fixture::new("");
        let worktree = format!(
            "{SECRET}---\n# unstaged work\napiVersion: v1\nkind: ConfigMap\nmetadata: {{name: wip}}\n"
        );
        fx.write("apps/db.yaml", &worktree);
        let report = fx.run(&[("apps/db.yaml", SECRET)]);
        let Status::Refused(why) = &report.files[0].status else {
            panic!("{report:?}")
        };
        assert!(why.contains("partially staged"), "{why}");
        assert_eq!(fx.read("apps/db.yaml"), worktree);
        assert!(!fx.values().exists(), "no values saved for a refused file");
    }

    #[test]
    fn conflicting_values_are_never_overwritten() {
        let fx = Fixture::new("");
        let vpath = fx.values().join("apps/db.json");
        std::fs::create_dir_all(vpath.parent().unwrap()).unwrap();
        std::fs::write(&vpath, "{\"password\": \"other-pass\", \"other\": \"x\"}").unwrap();
        fx.write("apps/db.yaml", SECRET);
        let report = fx.run(&[("apps/db.yaml", SECRET)]);
        let Status::Failed(why) = &report.files[0].status else {
            panic!("{report:?}")
        };
        assert!(
            why.contains("`password`") && !why.contains("other-pass") && !why.contains("hunter2"),
            "{why}"
        );
        assert_eq!(fx.read("apps/db.yaml"), SECRET, "manifest untouched");
        assert_eq!(
            std::fs::read_to_string(&vpath).unwrap(),
            "{\"password\": \"other-pass\", \"other\": \"x\"}"
        );
        // Identical values merge with what is there.
        std::fs::write(&vpath, "{\"password\": \"hunter2\", \"other\": \"x\"}").unwrap();
        let report = fx.run(&[("apps/db.yaml", SECRET)]);
        assert!(report.changed(), "{report:?}");
        assert_eq!(
            std::fs::read_to_string(&vpath).unwrap(),
            "{\n  \"other\": \"x\",\n  \"password\": \"hunter2\",\n  \"user\": \"admin-user\"\n}\n"
        );
    }

    #[test]
    fn one_bad_file_does_not_stop_the_others() {
        let fx = Fixture::new("");
        let bad = "apiVersion: v1\nkind: Secret\nmetadata: {name: bad, namespace: apps}\ndata: {k: '%%%'}\n";
        fx.write("bad.yaml", bad);
        fx.write("good.yaml", SECRET);
        let report = fx.run(&[("bad.yaml", bad), ("good.yaml", SECRET)]);
        assert!(
            matches!(report.files[0].status, Status::Failed(_)),
            "{report:?}"
        );
        assert!(
            matches!(report.files[1].status, Status::Fixed(_)),
            "{report:?}"
        );
        assert_eq!(fx.read("bad.yaml"), bad);
        assert!(!fx.values().join("apps/bad.json").exists());
    }

    #[cfg(unix)]
    #[test]
    fn keeps_the_file_mode() {
        use std::os::unix::fs::PermissionsExt;
        let fx = Fixture::new("");
        fx.write("x.yaml", SECRET);
        let p = fx.work().join("x.yaml");
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o640)).unwrap();
        assert!(fx.run(&[("x.yaml", SECRET)]).changed());
        assert_eq!(
            std::fs::metadata(&p).unwrap().permissions().mode() & 0o777,
            0o640
        );
    }

    #[test]
    fn binary_values_and_other_backends_in_next_steps() {
        let fx = Fixture::new(
            "fix:\n  naming: jenkins-x\n  backend: {backend-type: gcpSecretsManager, unique-prefix: c1}\n",
        );
        let text = "apiVersion: v1\nkind: Secret\nmetadata: {name: ks, namespace: apps}\ndata: {keystore.jks: /u3+7QAAAAI=, pass: aHVudGVyMg==}\n";
        fx.write("ks.yaml", text);
        let report = fx.run(&[("ks.yaml", text)]);
        assert!(report.changed(), "{report:?}");
        let out = report.render();
        assert_no_values(&out);
        assert!(
            out.contains("gitops-guard secrets export --format gcp | bash"),
            "{out}"
        );
        let meta = store::meta::load(&fx.values().join("apps/ks.meta"))
            .unwrap()
            .unwrap();
        assert_eq!(meta.backend.backend_type, "gcpSecretsManager");
        assert_eq!(meta.backend.unique_prefix.as_deref(), Some("c1"));
        assert_eq!(meta.keys[0].remote_key, "c1-ks");
        assert_eq!(meta.keys[0].version.as_deref(), Some("latest"));
        assert!(meta.keys[0].binary && !meta.keys[1].binary);
        let stored = std::fs::read_to_string(fx.values().join("apps/ks.json")).unwrap();
        assert!(
            stored.contains("\"keystore.jks\": {\n    \"base64\": \"/u3+7QAAAAI=\"\n  }"),
            "{stored}"
        );
    }

    /// Every Secret in the shared corpus of real repositories converts (or is refused with a
    /// reason), the result re-parses with no raw Secret left, and no value survives.
    #[test]
    fn corpus_secrets() {
        let corpus = crate::fix::testutil::schemas_dir().with_file_name("corpus");
        let mut stack = vec![corpus];
        let (mut converted, mut refused) = (0, 0);
        while let Some(dir) = stack.pop() {
            let Ok(entries) = std::fs::read_dir(&dir) else {
                continue;
            };
            for entry in entries.flatten() {
                let path = entry.path();
                if path.is_dir() {
                    stack.push(path);
                    continue;
                }
                let name = path.to_string_lossy().into_owned();
                if !(name.ends_with(".yaml") || name.ends_with(".yml") || name.ends_with(".json")) {
                    continue;
                }
                let Ok(text) = std::fs::read_to_string(&path) else {
                    continue;
                };
                if !text.contains("Secret") {
                    continue;
                }
                let settings = Settings::default();
                let docs = crate::engine::parse(&name, &text, FileKind::of(&name));
                let found = findings(&name, &text, &docs, &settings);
                if found.is_empty() {
                    continue;
                }
                let values: Vec<&str> = crate::rules::sensitive_spans(&text, &docs)
                    .into_iter()
                    .filter_map(|r| text.get(r))
                    .filter(|v| v.len() >= 6)
                    .collect();
                match fix_str(&name, &text, "") {
                    Ok((new, _)) => {
                        converted += 1;
                        assert_eq!(gg101_count(&name, &new), 0, "{name}");
                        for v in values {
                            assert!(
                                new.matches(v).count() < text.matches(v).count(),
                                "{name}: a value survived"
                            );
                        }
                    }
                    Err(Status::Failed(why)) => {
                        refused += 1;
                        eprintln!("{name}: {why}");
                    }
                    Err(other) => panic!("{name}: {other:?}"),
                }
            }
        }
        eprintln!("corpus: {converted} files converted, {refused} refused");
        assert!(converted > 0 || refused > 0, "the corpus has Secrets");
    }

    /// Random streams of documents around Secrets: every other document, comment and
    /// separator is kept byte for byte and in order, and the result has no raw Secret.
    #[test]
    fn surroundings_are_byte_identical_in_random_streams() {
        use proptest::prelude::*;
        const OTHER: &[&str] = &[
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {k: v}\n",
            "# only a comment\n",
            "apiVersion: v1\nkind: Secret\nmetadata: {name: empty}\ndata: {}\n",
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d  # trailing\nspec:\n  replicas: 1\n",
            "\n",
        ];
        const SECRETS: &[&str] = &[
            SECRET,
            "# Source: x/secret.yaml\napiVersion: v1\nkind: Secret\nmetadata: {name: s2}\nstringData: {token: s3cr3t-token}\n",
            "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Secret\n  metadata: {name: s3, namespace: n}\n  stringData:\n    token: s3cr3t-token\n",
        ];
        const SEPARATORS: &[&str] = &["---\n", "--- # sep\n", "---\n\n"];
        proptest!(ProptestConfig::with_cases(48), |(picks in proptest::collection::vec((0usize..8, 0usize..3), 1..6))| {
            let mut text = String::new();
            let mut kept = Vec::new();
            let mut secrets = 0;
            for (i, (doc, sep)) in picks.iter().enumerate() {
                if i > 0 {
                    text.push_str(SEPARATORS[*sep]);
                    kept.push(SEPARATORS[*sep]);
                }
                if *doc < OTHER.len() {
                    text.push_str(OTHER[*doc]);
                    kept.push(OTHER[*doc]);
                } else {
                    text.push_str(SECRETS[*doc - OTHER.len()]);
                    secrets += 1;
                }
            }
            match fix_str("s.yaml", &text, "") {
                Ok((new, converted)) => {
                    prop_assert!(secrets > 0);
                    prop_assert_eq!(converted.len(), secrets);
                    let mut at = 0;
                    for piece in &kept {
                        let found = new[at..].find(piece);
                        prop_assert!(found.is_some(), "`{}` missing or out of order in:\n{}", piece, new);
                        at += found.unwrap_or(0) + piece.len();
                    }
                    prop_assert!(new.contains("# Source: x/secret.yaml\n") || !text.contains("# Source: x/secret.yaml\n"));
                    prop_assert_eq!(gg101_count("s.yaml", &new), 0);
                    assert_no_values(&new);
                }
                Err(Status::Error(e)) => prop_assert!(secrets == 0, "{}: {}", e, text),
                Err(other) => prop_assert!(false, "{:?}: {}", other, text),
            }
        });
    }
}
