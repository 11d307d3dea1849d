//! Running where commits happen: git hooks that call gitops-guard (`install`, `uninstall`) and
//! the server-side `pre-receive` check.

pub mod fix_gate;
pub mod framework;
pub mod husky;
pub mod install;
pub mod managers;
pub mod pre_receive;
pub mod script;

/// A git hook gitops-guard can be installed as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Hook {
    /// Before each commit: checks the staged content (`gitops-guard check`).
    PreCommit,
    /// Before a merge commit that `git merge` creates itself (same check).
    PreMergeCommit,
    /// On the server, before refs are updated by a push (`gitops-guard pre-receive`).
    PreReceive,
}

impl Hook {
    /// The hook's file name in the hooks folder.
    pub fn file_name(self) -> &'static str {
        match self {
            Hook::PreCommit => "pre-commit",
            Hook::PreMergeCommit => "pre-merge-commit",
            Hook::PreReceive => "pre-receive",
        }
    }

    /// The gitops-guard subcommand the hook runs.
    pub fn command(self) -> &'static str {
        match self {
            Hook::PreCommit | Hook::PreMergeCommit => "check",
            Hook::PreReceive => "pre-receive",
        }
    }

    /// Whether git feeds the hook on stdin (so a chained hook needs its own copy).
    pub fn reads_stdin(self) -> bool {
        self == Hook::PreReceive
    }

    fn bypass_note(self) -> &'static str {
        match self {
            Hook::PreCommit => "Skip it once with\n# `git commit --no-verify`.",
            Hook::PreMergeCommit => "Skip it once with\n# `git merge --no-verify`.",
            Hook::PreReceive => "Runs on the server;\n# pushers cannot skip it.",
        }
    }
}

use crate::report::{self, Format};
use std::io::{Read, Write};
use std::path::PathBuf;

/// The hooks `install` and `uninstall` handle when `--hook` is not given: commits and the
/// merge commits `git merge` creates itself (which run `pre-merge-commit`, not `pre-commit`).
pub const DEFAULT_HOOKS: &[Hook] = &[Hook::PreCommit, Hook::PreMergeCommit];

/// `gitops-guard install`.
#[derive(Debug, clap::Args)]
pub struct InstallArgs {
    /// Which hook to install (default: pre-commit and pre-merge-commit).
    #[arg(long, value_enum)]
    pub hook: Option<Hook>,
    /// Replace an existing hook instead of chaining it (it is kept, not run, and
    /// `gitops-guard uninstall` puts it back).
    #[arg(long)]
    pub force: bool,
    /// Print the hook script (as kept in `hooks/`, without a binary path) instead of installing.
    #[arg(long)]
    pub print: bool,
}

/// `gitops-guard uninstall`.
#[derive(Debug, clap::Args)]
pub struct UninstallArgs {
    /// Which hook to remove (default: pre-commit and pre-merge-commit).
    #[arg(long, value_enum)]
    pub hook: Option<Hook>,
}

fn chosen(hook: Option<Hook>) -> Vec<Hook> {
    hook.map_or_else(|| DEFAULT_HOOKS.to_vec(), |h| vec![h])
}

/// The manager that owns the hooks of `repo`'s worktree, if any (never for a bare one).
fn manager(repo: &git2::Repository) -> Result<Option<managers::Manager>, install::HookError> {
    let Some(root) = repo.workdir() else {
        return Ok(None);
    };
    let (_, hooks_path) = install::hooks_dir(repo)?;
    Ok(managers::detect(root, hooks_path.as_deref()))
}

/// The tracked files under `dir` (a folder in the worktree), for the warning before
/// `install` edits a folder the whole team shares.
fn tracked_under(repo: &git2::Repository, dir: &std::path::Path) -> bool {
    let (Some(root), Ok(index)) = (repo.workdir(), repo.index()) else {
        return false;
    };
    let canonical = |p: &std::path::Path| std::fs::canonicalize(p).unwrap_or(p.to_path_buf());
    let Ok(rel) = canonical(dir)
        .strip_prefix(canonical(root))
        .map(|r| r.to_path_buf())
    else {
        return false;
    };
    let Some(rel) = rel.to_str().map(|r| r.replace('\\', "/")) else {
        return false;
    };
    if rel.is_empty() {
        return false;
    }
    let prefix = format!("{rel}/");
    index
        .iter()
        .any(|e| e.path.starts_with(prefix.as_bytes()) || e.path == rel.as_bytes())
}

/// Runs `install`; messages go to `err` (the script itself to `out` with `--print`).
pub fn install_command(
    args: &InstallArgs,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> anyhow::Result<u8> {
    if args.print {
        let hook = args.hook.unwrap_or(Hook::PreCommit);
        out.write_all(script::render(hook, None, false).as_bytes())?;
        return Ok(0);
    }
    let repo = crate::source::Repo::open()?;
    let hooks = chosen(args.hook);
    let client = hooks.iter().any(|h| *h != Hook::PreReceive);
    match manager(repo.git())? {
        Some(managers::Manager::Lefthook { config }) if client => {
            writeln!(
                err,
                "gitops-guard: error: {}",
                managers::lefthook_refusal(&config, &hooks)
            )?;
            return Ok(2);
        }
        Some(managers::Manager::Husky { dir, active }) if client => {
            for hook in &hooks {
                let file = dir.join(hook.file_name());
                if tracked_under(repo.git(), &file) {
                    writeln!(
                        err,
                        "warning: {} is tracked by git: once committed, this change runs \
                         gitops-guard for everyone who pulls it (they need it on PATH)",
                        file.display()
                    )?;
                }
                writeln!(err, "husky: {}", husky::install(&dir, *hook)?)?;
            }
            if !active {
                writeln!(
                    err,
                    "note: husky is not set up in this clone yet (core.hooksPath is unset): \
                     the hooks in {} run once `npm install` (husky's `prepare` script) has run",
                    dir.display()
                )?;
            } else if hooks.contains(&Hook::PreMergeCommit)
                && dir.join("_").is_dir()
                && !dir
                    .join("_")
                    .join(Hook::PreMergeCommit.file_name())
                    .exists()
            {
                writeln!(
                    err,
                    "note: this husky version does not run pre-merge-commit hooks (husky 9.1 \
                     and later do): merge commits are not checked until it is updated"
                )?;
            }
            return Ok(0);
        }
        _ => {}
    }
    // The binary that runs now is the one the hook should run; a non-UTF-8 path cannot be
    // written into the script safely, so such a hook looks the binary up on PATH instead.
    let exe = std::env::current_exe().ok();
    let binary = exe.as_deref().and_then(std::path::Path::to_str);
    let (dir, _) = install::hooks_dir(repo.git())?;
    if tracked_under(repo.git(), &dir) {
        writeln!(
            err,
            "warning: the hooks folder {} is tracked by git: the hook written there names \
             this machine's gitops-guard binary; commit it only if that path holds for \
             everyone (the hook falls back to `gitops-guard` on PATH)",
            dir.display()
        )?;
    }
    for hook in hooks {
        let report = install::install(repo.git(), hook, binary, args.force)?;
        writeln!(err, "{report}")?;
    }
    Ok(0)
}

/// Runs `uninstall`.
pub fn uninstall_command(args: &UninstallArgs, err: &mut dyn Write) -> anyhow::Result<u8> {
    let repo = crate::source::Repo::open()?;
    // The reverse of install's order: the hook that created the hooks folder goes last and
    // takes the folder with it when nothing else is left there.
    let hooks = chosen(args.hook);
    for hook in hooks.into_iter().rev() {
        let report = match manager(repo.git())? {
            Some(managers::Manager::Husky { dir, .. }) if hook != Hook::PreReceive => {
                format!("husky: {}", husky::uninstall(&dir, hook)?)
            }
            _ => install::uninstall(repo.git(), hook)?.to_string(),
        };
        writeln!(err, "{report}")?;
    }
    Ok(0)
}

/// `gitops-guard pre-receive`.
#[derive(Debug, clap::Args)]
pub struct PreReceiveArgs {
    /// Output format (what the pusher sees as `remote:` lines).
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Configuration file (default: `.gitops-guard.yaml` as committed on `HEAD` before the push).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Run on one thread.
    #[arg(long, hide = true)]
    pub serial: bool,
}

/// Runs `pre-receive`: reads the ref updates from `input`, writes the report to `out` and a
/// verdict to `err`. Exit 0 accepts the push, 1 refuses it (findings), 2 refuses it (error).
pub fn pre_receive_command(
    args: &PreReceiveArgs,
    input: &mut dyn Read,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> anyhow::Result<u8> {
    let mut text = String::new();
    input.read_to_string(&mut text)?;
    let updates = pre_receive::parse(&text)?;
    let repo = crate::source::Repo::open()?;
    let settings = pre_receive::settings(&repo, args.config.as_deref())?;
    let mut result = pre_receive::check(&repo, &updates, &settings, args.serial)?;
    result.outcome.remedy = crate::engine::remedy::Remedy::History;
    let code = result.outcome.exit_code();
    // A clean push stays quiet in human output; machine formats always get their document.
    if code != 0 || result.outcome.findings().next().is_some() || args.format != Format::Human {
        report::write(out, &result.outcome, args.format, false)?;
    }
    for r in &result.refs {
        let what = match r.note {
            Some(note) => note.to_string(),
            None => format!(
                "{} new commit{} checked",
                r.commits,
                if r.commits == 1 { "" } else { "s" }
            ),
        };
        writeln!(err, "gitops-guard: {}: {what}", r.name)?;
    }
    match code {
        0 => {}
        1 => writeln!(
            err,
            "gitops-guard: push refused: the commits above bring what the repository does not \
             accept.\ngitops-guard: Every pushed commit is checked, so deleting a file in a later \
             commit is not enough: rewrite the commits that add it (`git rebase -i`), then push \
             again."
        )?,
        _ => writeln!(
            err,
            "gitops-guard: push refused: some files could not be checked (see above)."
        )?,
    }
    Ok(code)
}
