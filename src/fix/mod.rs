//! `--fix`: rewrites raw Secrets (GG101) into ExternalSecrets without losing a value.
//!
//! The order of operations is what makes it safe:
//! 1. Plan every file in memory: convert each reported Secret, build byte-range edits
//!    ([`edit`]), apply them in one pass, re-parse and re-check the result (no GG101 left at
//!    the edited places, nothing that parsed before fails now). Files whose working-tree
//!    content differs from the staged blob are refused (unstaged work is never clobbered).
//! 2. Merge the decoded values into the values store ([`values`]) in memory; a conflict
//!    with an existing file drops that manifest from the run.
//! 3. Write and fsync every values file.
//! 4. Only then replace each manifest atomically ([`atomic`]).
//!
//! A crash at any moment leaves every manifest old or new, and every value of a new
//! manifest saved. A second run finds nothing to do (or reports the file as already fixed
//! while its changes are unstaged).

pub mod atomic;
pub mod edit;
pub mod emit;
pub mod naming;
pub mod secret;
#[cfg(test)]
pub(crate) mod testutil;
pub mod values;

use crate::config::{FixFormat, Settings};
use crate::finding::Finding;
use crate::manifest::{Document, Node, ParseOptions, objects, parse_stream};
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
    let (new_text, converted) = fix_text(f.path, text, f.docs, f.findings, opts, mapping)?;
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
    }))
}

/// Converts the reported Secrets of one file: the new text and what was converted.
/// Pure: reads and writes nothing.
fn fix_text(
    path: &str,
    text: &str,
    docs: &[Document],
    findings: &[Finding],
    opts: &FixOptions,
    mapping: Option<&SecretMapping>,
) -> Result<(String, Vec<secret::Converted>), Status> {
    let kind = FileKind::of(path);
    let targets: Vec<&Range<usize>> = findings
        .iter()
        .filter(|x| x.code == CODE)
        .map(|x| &x.span)
        .collect();
    let mut edits = Vec::new();
    let mut converted = Vec::new();
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
                    edits.push(e);
                    converted.push(c);
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
    Ok((applied.text, converted))
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
    let parse_opts = ParseOptions {
        json: kind == FileKind::Json,
        ..ParseOptions::default()
    };
    let new_docs = parse_stream(new_text, &parse_opts);
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

/// Shell-quotes a word for the printed commands.
fn sh(word: &str) -> String {
    if !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./=:@%+,".contains(c))
    {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
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
            "\nThe values were saved outside git (never printed), one JSON file per Secret \
             (binary values as {{\"base64\": ...}}):"
        );
        let mut files: Vec<&FixedSecret> = fixed.iter().flat_map(|(_, s)| s.iter()).collect();
        files.sort_by(|a, b| a.values_file.cmp(&b.values_file));
        files.dedup_by(|a, b| a.values_file == b.values_file);
        for s in &files {
            let _ = writeln!(out, "  {}", s.values_file.display());
        }
        let _ = writeln!(
            out,
            "\nNext steps:\n  1. Load the values into your secret store (the commands read the files with jq):"
        );
        for s in &files {
            for line in self.load_commands(s) {
                let _ = writeln!(out, "       {line}");
            }
        }
        let _ = writeln!(
            out,
            "  2. Delete the values files once the store has them:\n       rm {}",
            files
                .iter()
                .map(|s| sh(&s.values_file.display().to_string()))
                .collect::<Vec<_>>()
                .join(" ")
        );
        let paths: Vec<String> = fixed.iter().map(|(p, _)| sh(p)).collect();
        let _ = writeln!(
            out,
            "  3. Review and stage the converted files, then commit again:\n       git diff -- {0}\n       git add {0}",
            paths.join(" ")
        );
        out
    }

    /// Commands that load one Secret's values into the store its backend names.
    fn load_commands(&self, s: &FixedSecret) -> Vec<String> {
        let file = sh(&s.values_file.display().to_string());
        // Group keys by remote key: one store entry each.
        let mut groups: BTreeMap<&str, Vec<&KeyRef>> = BTreeMap::new();
        for k in &s.keys {
            groups.entry(k.remote.key.as_str()).or_default().push(k);
        }
        let value_expr = |k: &KeyRef| {
            let field = format!(".[{}]", serde_json::Value::String(k.secret_key.clone()));
            if k.binary {
                format!("{field}.base64")
            } else {
                field
            }
        };
        let object_filter = |keys: &[&KeyRef]| {
            let parts: Vec<String> = keys
                .iter()
                .map(|k| {
                    let prop = k
                        .remote
                        .property
                        .clone()
                        .unwrap_or_else(|| k.secret_key.clone());
                    format!("{}: {}", serde_json::Value::String(prop), value_expr(k))
                })
                .collect();
            format!("{{{}}}", parts.join(", "))
        };
        let mut lines = Vec::new();
        for (remote, keys) in groups {
            let whole_value = keys.len() == 1 && keys[0].remote.property.is_none();
            let payload = if whole_value {
                format!("jq -j {} {file}", sh(&value_expr(keys[0])))
            } else {
                format!("jq -c {} {file}", sh(&object_filter(&keys)))
            };
            let line = match s.backend_type.as_str() {
                "vault" => {
                    let path = remote
                        .strip_prefix("secret/data/")
                        .or_else(|| remote.strip_prefix("secret/"))
                        .unwrap_or(remote);
                    format!("{payload} | vault kv put -mount=secret {} -", sh(path))
                }
                "gcpSecretsManager" => format!(
                    "{payload} | gcloud secrets create {} --data-file=-   # or: gcloud secrets versions add",
                    sh(remote)
                ),
                "secretsManager" => format!(
                    "{payload} | aws secretsmanager create-secret --name {} --secret-string file:///dev/stdin",
                    sh(remote)
                ),
                "systemManager" => format!(
                    "{payload} | aws ssm put-parameter --type SecureString --name {} --value file:///dev/stdin",
                    sh(remote)
                ),
                "azureKeyVault" => format!(
                    "{payload} | az keyvault secret set --vault-name {} --name {} --file /dev/stdin",
                    sh(self.key_vault_name.as_deref().unwrap_or("<key-vault-name>")),
                    sh(remote)
                ),
                other => format!(
                    "# {other}: store the keys {} of {file} at `{remote}` with your backend's tool",
                    keys.iter()
                        .map(|k| k.secret_key.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            };
            lines.push(line);
        }
        lines
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
