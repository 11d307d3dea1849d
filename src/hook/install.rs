//! `gitops-guard install` / `uninstall`: put the shim into the hooks folder git actually uses,
//! without ever losing a hook that was there.
//!
//! The hooks folder is `core.hooksPath` when set (relative to the worktree root, or to the git
//! folder of a bare repository, as git resolves it), else `hooks/` in the *common* git folder,
//! which linked worktrees share (`git rev-parse --git-common-dir`; pre-commit/pre-commit#808).
//!
//! Invariants: a foreign hook is renamed, never overwritten: to `<hook>.gitops-guard.legacy`
//! (chained: the shim runs it first) or, with `--force`, to `<hook>.gitops-guard.backup` (not
//! run). `uninstall` removes the shim and renames that file back, and removes the hooks folder
//! if `install` created it and it is empty again. Installing twice writes nothing.

use super::Hook;
use super::script::{self, BACKUP_SUFFIX, LEGACY_SUFFIX};
use std::fmt;
use std::path::{Path, PathBuf};

/// Why a hook could not be installed or removed (exit 2).
#[derive(Debug, thiserror::Error)]
pub enum HookError {
    #[error("{path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("cannot read the git configuration: {0}")]
    Git(#[from] git2::Error),
    #[error(
        "{0} already exists (a hook saved by an earlier install); move it away or remove it, then run install again"
    )]
    Occupied(String),
    #[error(
        "{0} was not installed by gitops-guard; leaving it alone (remove it yourself if you no longer want it)"
    )]
    Foreign(String),
    #[error(
        "a bare repository makes no commits, so a {0} hook never runs there; use `--hook pre-receive`"
    )]
    Bare(&'static str),
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> HookError + '_ {
    move |source| HookError::Io {
        path: path.display().to_string(),
        source,
    }
}

/// What `install` or `uninstall` did, for the message printed to the user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Wrote the shim where there was no hook.
    Installed,
    /// Moved the existing hook aside; the shim runs it first.
    Chained { previous: PathBuf },
    /// `--force`: moved the existing hook aside; it no longer runs.
    Replaced { backup: PathBuf },
    /// The same shim was already there: nothing written.
    AlreadyInstalled,
    /// An older shim (e.g. another binary path) was rewritten.
    Updated,
    /// Removed the shim (and put back the hook it had replaced, if any).
    Removed { restored: Option<PathBuf> },
    /// There was no gitops-guard hook: nothing done.
    NotInstalled,
}

/// The outcome of `install` / `uninstall`.
#[derive(Debug, Clone)]
pub struct Report {
    pub hook: Hook,
    /// The hook file.
    pub path: PathBuf,
    pub action: Action,
    /// Set when `core.hooksPath` decided the folder.
    pub hooks_path_config: Option<String>,
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let path = self.path.display();
        let name = self.hook.file_name();
        match &self.action {
            Action::Installed => write!(f, "installed the {name} hook: {path}")?,
            Action::Chained { previous } => write!(
                f,
                "installed the {name} hook: {path}\nthe hook that was there is now {} and runs first",
                previous.display()
            )?,
            Action::Replaced { backup } => write!(
                f,
                "installed the {name} hook: {path}\nthe hook that was there was replaced (--force); it is kept as {} and `gitops-guard uninstall` puts it back",
                backup.display()
            )?,
            Action::AlreadyInstalled => write!(f, "the {name} hook is already installed: {path}")?,
            Action::Updated => write!(f, "updated the {name} hook: {path}")?,
            Action::Removed { restored: None } => write!(f, "removed the {name} hook: {path}")?,
            Action::Removed {
                restored: Some(from),
            } => write!(
                f,
                "removed the {name} hook and put back the previous one (from {}): {path}",
                from.display()
            )?,
            Action::NotInstalled => write!(
                f,
                "no gitops-guard {name} hook at {path}: nothing to remove"
            )?,
        }
        if let Some(value) = &self.hooks_path_config {
            write!(f, "\n(core.hooksPath is set to `{value}`)")?;
        }
        Ok(())
    }
}

/// The folder git runs hooks from, and the `core.hooksPath` value if that decided it.
pub fn hooks_dir(repo: &git2::Repository) -> Result<(PathBuf, Option<String>), HookError> {
    let config = repo.config()?;
    match config.get_path("core.hooksPath") {
        Ok(path) if !path.as_os_str().is_empty() => {
            let shown = path.display().to_string();
            let dir = if path.is_absolute() {
                path
            } else {
                // git runs hooks from the worktree root (the git folder when bare) and resolves a
                // relative hooksPath from there; see githooks(5).
                repo.workdir().unwrap_or_else(|| repo.path()).join(path)
            };
            Ok((dir, Some(shown)))
        }
        Ok(_) => Ok((repo.commondir().join("hooks"), None)),
        Err(e) if e.code() == git2::ErrorCode::NotFound => {
            Ok((repo.commondir().join("hooks"), None))
        }
        Err(e) => Err(e.into()),
    }
}

fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(suffix);
    path.with_file_name(name)
}

fn exists(path: &Path) -> bool {
    // A dangling symlink is still a hook someone put there.
    std::fs::symlink_metadata(path).is_ok()
}

/// Reads a hook as text (lossily: a binary hook is simply not ours).
fn read(path: &Path) -> Option<String> {
    std::fs::read(path)
        .ok()
        .map(|b| String::from_utf8_lossy(&b).into_owned())
}

/// Installs `hook` into the effective hooks folder. `binary` is the absolute path of the
/// gitops-guard binary the shim should run (`None`: look it up on `PATH`).
pub fn install(
    repo: &git2::Repository,
    hook: Hook,
    binary: Option<&str>,
    force: bool,
) -> Result<Report, HookError> {
    if repo.is_bare() && hook != Hook::PreReceive {
        return Err(HookError::Bare(hook.file_name()));
    }
    let (dir, hooks_path_config) = hooks_dir(repo)?;
    let path = dir.join(hook.file_name());
    let legacy = sibling(&path, LEGACY_SUFFIX);
    let backup = sibling(&path, BACKUP_SUFFIX);
    let report = |action| Report {
        hook,
        path: path.clone(),
        action,
        hooks_path_config: hooks_path_config.clone(),
    };

    if !exists(&path) {
        let created = !dir.is_dir();
        if created {
            std::fs::create_dir_all(&dir).map_err(io(&dir))?;
        }
        write_hook(&path, &script::render(hook, binary, created))?;
        return Ok(report(Action::Installed));
    }
    let current = read(&path);
    if let Some(text) = current.as_deref().filter(|t| script::is_ours(t)) {
        let wanted = script::render(hook, binary, script::created_dir(text));
        if wanted == text {
            return Ok(report(Action::AlreadyInstalled));
        }
        write_hook(&path, &wanted)?;
        return Ok(report(Action::Updated));
    }
    for saved in [&legacy, &backup] {
        if exists(saved) {
            return Err(HookError::Occupied(saved.display().to_string()));
        }
    }
    let aside = if force { &backup } else { &legacy };
    std::fs::rename(&path, aside).map_err(io(&path))?;
    if let Err(e) = write_hook(&path, &script::render(hook, binary, false)) {
        // Put the user's hook back rather than leave them with none.
        let _ = std::fs::rename(aside, &path);
        return Err(e);
    }
    Ok(report(if force {
        Action::Replaced {
            backup: backup.clone(),
        }
    } else {
        Action::Chained {
            previous: legacy.clone(),
        }
    }))
}

/// Removes the gitops-guard `hook` and restores the hook it replaced, if any.
pub fn uninstall(repo: &git2::Repository, hook: Hook) -> Result<Report, HookError> {
    let (dir, hooks_path_config) = hooks_dir(repo)?;
    let path = dir.join(hook.file_name());
    let report = |action| Report {
        hook,
        path: path.clone(),
        action,
        hooks_path_config: hooks_path_config.clone(),
    };
    let saved = [sibling(&path, LEGACY_SUFFIX), sibling(&path, BACKUP_SUFFIX)]
        .into_iter()
        .find(|p| exists(p));
    let mut created_dir = false;
    if exists(&path) {
        let text = read(&path).unwrap_or_default();
        if !script::is_ours(&text) {
            return Err(HookError::Foreign(path.display().to_string()));
        }
        created_dir = script::created_dir(&text);
        std::fs::remove_file(&path).map_err(io(&path))?;
    } else if saved.is_none() {
        return Ok(report(Action::NotInstalled));
    }
    if let Some(from) = &saved {
        std::fs::rename(from, &path).map_err(io(from))?;
    } else if created_dir {
        // Only succeeds when empty: anything else in the folder stays.
        let _ = std::fs::remove_dir(&dir);
    }
    Ok(report(Action::Removed { restored: saved }))
}

/// Writes an executable hook atomically (temp file in the same folder, then rename).
fn write_hook(path: &Path, text: &str) -> Result<(), HookError> {
    use std::io::Write;
    let tmp = sibling(path, ".gitops-guard.tmp");
    let result = (|| {
        let mut file = std::fs::File::create(&tmp)?;
        file.write_all(text.as_bytes())?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            file.set_permissions(std::fs::Permissions::from_mode(0o755))?;
        }
        file.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result.map_err(io(path))
}
