//! `gitops-guard secrets list / export / forget`: what `check --fix` saved, on its way to the
//! secret store. The work is in [`crate::fix::store`]; this is the command: where the store
//! is, the configuration and mapping file for metadata that must be recomputed, where the
//! output may go.
//!
//! Invariants: no value reaches stdout or stderr; files that hold values (`--format yaml`,
//! `--format json`) are written only to a named file, mode 0600, never to a path git tracks,
//! and outside the work tree unless `--force`.

use crate::config::{self, Settings};
use crate::fix::naming::{self, SecretMapping};
use crate::fix::store::export::{self, Target};
use crate::fix::store::{self, Inventory, Recompute, list};
use crate::fix::{atomic, values};
use crate::rules::RepoView as _;
use crate::source::{Repo, Selection};
use anyhow::{Context, Result, bail};
use std::io::Write;
use std::path::{Path, PathBuf};

/// `gitops-guard secrets ...`.
#[derive(Debug, clap::Subcommand)]
pub enum SecretsCommand {
    /// Every saved Secret: its keys (never values), the remote entry and property each maps
    /// to, the backend, and the entries several Secrets share.
    List(ListArgs),
    /// Load the saved values into the store: one merged, re-runnable load per remote entry.
    Export(ExportArgs),
    /// Delete saved values (and their metadata) once the store has them.
    Forget(ForgetArgs),
}

/// Where the saved Secrets are.
#[derive(Debug, clap::Args)]
pub struct StoreArgs {
    /// The values folder `check --fix --values-dir` wrote to (default:
    /// <git dir>/gitops-guard/secrets).
    #[arg(long, value_name = "DIR")]
    pub values_dir: Option<PathBuf>,
    /// Configuration file, for Secrets saved without metadata (default: .gitops-guard.yaml at
    /// the repository root).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

/// Output format of `secrets list`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ListFormat {
    Human,
    Json,
}

/// `secrets list`.
#[derive(Debug, clap::Args)]
pub struct ListArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ListFormat::Human)]
    pub format: ListFormat,
}

/// What `secrets export` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportFormat {
    /// A bash script: `vault kv patch` (or `put` for a new entry) per entry.
    Vault,
    /// A bash script: `aws secretsmanager put-secret-value` (`create-secret` when missing)
    /// per entry; `aws ssm put-parameter` for `systemManager` Secrets.
    Aws,
    /// A bash script: `gcloud secrets versions add` (`create` when missing) per entry.
    Gcp,
    /// A bash script: `az keyvault secret set` per entry.
    Azure,
    /// The original Secret manifests, values included (to --out only).
    Yaml,
    /// The merged entries with their values (to --out only).
    Json,
}

/// `secrets export`.
#[derive(Debug, clap::Args)]
pub struct ExportArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// What to write.
    #[arg(long, value_enum)]
    pub format: ExportFormat,
    /// Write to this file (mode 0600) instead of stdout; required for yaml and json, which
    /// hold the values.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Allow --out inside the work tree (never on a path git tracks).
    #[arg(long)]
    pub force: bool,
    /// The vault KV (version 2) mount the entries live under.
    #[arg(long, value_name = "MOUNT", default_value = "secret")]
    pub vault_mount: String,
}

/// `secrets forget`.
#[derive(Debug, clap::Args)]
pub struct ForgetArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// The saved Secrets to delete, as NAMESPACE/NAME (NAME alone: namespace `default`).
    #[arg(value_name = "NAMESPACE/NAME", required_unless_present = "all")]
    pub secrets: Vec<String>,
    /// Delete every saved Secret.
    #[arg(long, conflicts_with = "secrets")]
    pub all: bool,
}

/// Runs a `secrets` subcommand; the listing and scripts go to `out`, messages to `err`.
pub fn command(cmd: &SecretsCommand, out: &mut dyn Write, err: &mut dyn Write) -> Result<u8> {
    match cmd {
        SecretsCommand::List(args) => {
            let ctx = StoreCtx::open(&args.store)?;
            let inv = ctx.inventory(&args.store)?;
            let text = match args.format {
                ListFormat::Human => list::human(&inv, args.store.values_dir.as_deref()),
                ListFormat::Json => list::json(&inv),
            };
            out.write_all(text.as_bytes())?;
            Ok(0)
        }
        SecretsCommand::Export(args) => export_command(args, out, err),
        SecretsCommand::Forget(args) => {
            let ctx = StoreCtx::open(&args.store)?;
            // Forgetting needs no remote keys: never ask the repository for them.
            let (found, problems) = store::scan(&ctx.values_dir).map_err(anyhow::Error::msg)?;
            let defaults = config::FixConfig::default();
            let any = Recompute {
                fix: &defaults,
                mapping: None,
            };
            let inv = store::resolve(&ctx.values_dir, found, problems, Some(&any));
            let ids: Vec<String> = if args.all {
                inv.saved.iter().map(store::Saved::id).collect()
            } else {
                args.secrets.clone()
            };
            if ids.is_empty() {
                writeln!(err, "no saved Secrets in {}", inv.dir.display())?;
                return Ok(0);
            }
            let done = store::forget(&inv, &ids).map_err(anyhow::Error::msg)?;
            for (id, file) in &done {
                writeln!(
                    err,
                    "forgot {id}: deleted {} and its metadata",
                    file.display()
                )?;
            }
            Ok(0)
        }
    }
}

fn export_command(args: &ExportArgs, out: &mut dyn Write, err: &mut dyn Write) -> Result<u8> {
    let ctx = StoreCtx::open(&args.store)?;
    let holds_values = matches!(args.format, ExportFormat::Yaml | ExportFormat::Json);
    let destination = match &args.out {
        Some(p) if p.as_os_str() != "-" => {
            Some(ctx.check_destination(p, holds_values, args.force)?)
        }
        _ if holds_values => bail!(
            "--format {} writes the values themselves: name a file with --out FILE (outside \
             the work tree); they are never printed",
            if args.format == ExportFormat::Yaml {
                "yaml"
            } else {
                "json"
            }
        ),
        _ => None,
    };
    let inv = ctx.inventory(&args.store)?;
    if inv.saved.is_empty() {
        for p in &inv.problems {
            writeln!(err, "gitops-guard: {p}")?;
        }
        bail!(
            "no saved Secrets in {}: nothing to export",
            inv.dir.display()
        );
    }
    let target = match args.format {
        ExportFormat::Vault => Target::Vault,
        ExportFormat::Aws => Target::Aws,
        ExportFormat::Gcp => Target::Gcp,
        ExportFormat::Azure => Target::Azure,
        ExportFormat::Yaml | ExportFormat::Json => Target::Recorded,
    };
    for note in export::notes(&inv, target) {
        writeln!(err, "note: {note}")?;
    }
    let mut problems = inv.problems.clone();
    let text = if args.format == ExportFormat::Yaml {
        // The Secrets as they were: no entries to merge.
        problems.extend(export::check(&inv, &[]));
        export::yaml(&inv)
    } else {
        let entries = export::group(&inv, target, &args.vault_mount);
        problems.extend(export::check(&inv, &entries));
        if target != Target::Recorded {
            problems.extend(export::check_names(&inv, &entries));
        }
        match target {
            Target::Recorded => export::json(&inv, &entries),
            _ => {
                let dir = std::fs::canonicalize(&inv.dir).unwrap_or_else(|_| inv.dir.clone());
                export::script(&inv, &entries, target, &dir.display().to_string())
            }
        }
    };
    if !problems.is_empty() {
        for p in &problems {
            writeln!(err, "gitops-guard: {p}")?;
        }
        bail!(
            "nothing was exported: {} to resolve first",
            store::plural(problems.len(), "problem")
        );
    }
    match destination {
        Some(path) => {
            atomic::write(&path, text.as_bytes(), atomic::Mode::Exact(0o600))
                .with_context(|| format!("cannot write {}", path.display()))?;
            writeln!(
                err,
                "wrote {} ({}, mode 0600){}",
                path.display(),
                store::plural(inv.saved.len(), "saved Secret"),
                if holds_values {
                    "; it holds the values: delete it once they are loaded"
                } else {
                    ""
                }
            )?;
        }
        None => out.write_all(text.as_bytes())?,
    }
    Ok(0)
}

/// The repository (when there is one) and the values folder.
struct StoreCtx {
    repo: Option<Repo>,
    values_dir: PathBuf,
}

impl StoreCtx {
    fn open(args: &StoreArgs) -> Result<StoreCtx> {
        let repo = Repo::open();
        let values_dir = match (&args.values_dir, &repo) {
            (Some(d), _) => d.clone(),
            (None, Ok(r)) => values::default_dir(&r.common_dir()),
            (None, Err(e)) => {
                bail!("{e}; outside a repository, name the values folder with --values-dir")
            }
        };
        Ok(StoreCtx {
            repo: repo.ok(),
            values_dir,
        })
    }

    /// Reads the store; metadata missing from it is recomputed from the configuration and
    /// the mapping file staged in the repository.
    fn inventory(&self, args: &StoreArgs) -> Result<Inventory> {
        let (found, problems) = store::scan(&self.values_dir).map_err(anyhow::Error::msg)?;
        if !store::needs_recompute(&found) {
            return Ok(store::resolve(&self.values_dir, found, problems, None));
        }
        let Some(repo) = &self.repo else {
            return Ok(store::resolve(&self.values_dir, found, problems, None));
        };
        let settings = match &args.config {
            Some(path) => Settings::load(path)?,
            None => match repo.workdir().map(|w| w.join(config::FILE_NAME)) {
                Some(path) if path.is_file() => Settings::load(&path)?,
                _ => Settings::default(),
            },
        };
        let mapping = match repo
            .view(&Selection::All)
            .ok()
            .and_then(|v| v.read(naming::MAPPING_PATH))
        {
            None => None,
            Some(bytes) => Some(
                std::str::from_utf8(&bytes)
                    .map_err(|_| format!("{} is not UTF-8", naming::MAPPING_PATH))
                    .and_then(SecretMapping::parse)
                    .map_err(anyhow::Error::msg)?,
            ),
        };
        let recompute = Recompute {
            fix: &settings.fix,
            mapping: mapping.as_ref(),
        };
        Ok(store::resolve(
            &self.values_dir,
            found,
            problems,
            Some(&recompute),
        ))
    }

    /// Where `--out` may write: never a path git tracks; with values, not inside the work
    /// tree either unless `force` (the git folder itself is fine).
    fn check_destination(&self, path: &Path, holds_values: bool, force: bool) -> Result<PathBuf> {
        let cwd = std::env::current_dir().context("cannot read the current directory")?;
        let abs = cwd.join(path);
        let parent = abs.parent().unwrap_or(&cwd);
        let parent = std::fs::canonicalize(parent).with_context(|| {
            format!("cannot write {}: its folder does not exist", path.display())
        })?;
        let Some(file_name) = abs.file_name() else {
            bail!("--out {} names no file", path.display());
        };
        let target = parent.join(file_name);
        if target.is_dir() {
            bail!("--out {} is a folder", path.display());
        }
        let Some(repo) = &self.repo else {
            return Ok(target);
        };
        let git_dir = std::fs::canonicalize(repo.git().path()).ok();
        let common_dir = std::fs::canonicalize(repo.common_dir()).ok();
        let in_git_dir = [git_dir, common_dir]
            .iter()
            .flatten()
            .any(|d| target.starts_with(d));
        let Some(root) = repo.workdir().and_then(|w| std::fs::canonicalize(w).ok()) else {
            return Ok(target);
        };
        if in_git_dir || !target.starts_with(&root) {
            return Ok(target);
        }
        let rel = target.strip_prefix(&root).unwrap_or(&target);
        let tracked = repo
            .git()
            .index()
            .ok()
            .is_some_and(|index| index.get_path(rel, 0).is_some());
        if tracked {
            bail!(
                "--out {} is tracked by git: refusing to write {} there",
                path.display(),
                if holds_values {
                    "values"
                } else {
                    "a generated script"
                }
            );
        }
        if holds_values && !force {
            bail!(
                "--out {} is inside the work tree, where the values could be committed: \
                 choose a file outside it (or add --force)",
                path.display()
            );
        }
        Ok(target)
    }
}
