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
pub mod diff;
pub mod edit;
pub mod emit;
pub mod leak;
pub mod moves;
pub mod naming;
pub mod pin;
mod plan;
pub mod secret;
pub mod store;
mod summary;
#[cfg(test)]
pub(crate) mod testutil;
pub mod values;

use crate::config::{FixFormat, Settings};
use crate::finding::Finding;
use crate::manifest::Document;
use crate::source::RepoView;
use naming::SecretMapping;
use plan::{Plan, PlanResult, plan_file, write_manifest};
use secret::KeyRef;
use std::collections::BTreeMap;
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
    let mapping = match load_mapping(opts) {
        Ok(m) => m,
        Err(e) => {
            for f in targets {
                report.files.push(FileOutcome {
                    path: f.path.to_string(),
                    status: Status::Failed(format!("cannot read the secret mappings: {e}")),
                });
            }
            return report;
        }
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

/// `.jx/secret/mapping/secret-mappings.yaml`, when the repository has one.
fn load_mapping(opts: &FixOptions) -> Result<Option<SecretMapping>, String> {
    match opts.repo.read(naming::MAPPING_PATH) {
        None => Ok(None),
        Some(bytes) => std::str::from_utf8(&bytes)
            .map_err(|_| format!("{} is not UTF-8", naming::MAPPING_PATH))
            .and_then(SecretMapping::parse)
            .map(Some),
    }
}

/// A file `--diff` would change: its path, the staged text and the fixed text.
pub type Preview = (String, String, String);

/// `--diff`: plans the GG101 fixes of `files` exactly as [`run`] would and returns the new
/// manifests, writing nothing (no manifest, no values store). Files that [`run`] would not
/// rewrite come back in the report with the reason.
pub fn preview(files: &[FixFile], opts: &FixOptions) -> (Vec<Preview>, Vec<FileOutcome>) {
    let targets: Vec<&FixFile> = files
        .iter()
        .filter(|f| f.findings.iter().any(|x| x.code == CODE))
        .collect();
    let mut out = Vec::new();
    let mut outcomes = Vec::new();
    if targets.is_empty() {
        return (out, outcomes);
    }
    let mapping = match load_mapping(opts) {
        Ok(m) => m,
        Err(e) => {
            for f in targets {
                outcomes.push(FileOutcome {
                    path: f.path.to_string(),
                    status: Status::Failed(format!("cannot read the secret mappings: {e}")),
                });
            }
            return (out, outcomes);
        }
    };
    for f in targets {
        match plan_file(f, opts, mapping.as_ref()) {
            Ok(PlanResult::Write(plan)) => out.push((
                plan.path,
                String::from_utf8_lossy(&plan.staged).into_owned(),
                plan.new_text,
            )),
            Ok(PlanResult::Done(status)) | Err(status) => outcomes.push(FileOutcome {
                path: f.path.to_string(),
                status,
            }),
        }
    }
    (out, outcomes)
}

pub use plan::plan_in_memory;

#[cfg(test)]
mod tests;
