//! gitops-guard in a husky repository: a marked block at the end of `.husky/<hook>` (the file
//! husky runs, tracked and shared with the team), added once and removed by `uninstall`
//! without touching the user's lines. The block runs `gitops-guard` from `PATH`: the file is
//! shared, so it cannot name this machine's binary.

use super::Hook;
use super::install::{Action, HookError, Report};
use std::path::Path;

/// The first line of the block; what `uninstall` looks for.
const BEGIN: &str = "# >>> gitops-guard: added by `gitops-guard install`; `gitops-guard uninstall` removes this block";
/// The first line when `install` created the file (so `uninstall` may remove it again).
const BEGIN_CREATED: &str = "# >>> gitops-guard: added by `gitops-guard install` (it created this file); `gitops-guard uninstall` removes it";
/// The first line when the file had no final newline: `install` added one before the block,
/// and `uninstall` removes it with the block, so the file comes back byte for byte.
const BEGIN_AFTER_NEWLINE: &str = "# >>> gitops-guard: added by `gitops-guard install` (with the newline before it); `gitops-guard uninstall` removes this block";

/// How the block came into the file.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Origin {
    /// Appended after the user's lines.
    Appended,
    /// Appended after a newline `install` added to the user's last line.
    AfterNewline,
    /// `install` created the file.
    Created,
}

impl Origin {
    fn begin(self) -> &'static str {
        match self {
            Origin::Appended => BEGIN,
            Origin::AfterNewline => BEGIN_AFTER_NEWLINE,
            Origin::Created => BEGIN_CREATED,
        }
    }
}
const END: &str = "# <<< gitops-guard";
/// The first line of a file `install` creates: husky v5–v8 run `.husky/<hook>` directly.
const SHEBANG: &str = "#!/bin/sh\n";

fn block(hook: Hook, origin: Origin) -> String {
    format!(
        "{}\ncommand -v \"${{GITOPS_GUARD:-gitops-guard}}\" >/dev/null 2>&1 || {{ echo \"gitops-guard: not found on PATH; install it, or remove this block from $0\" >&2; exit 1; }}\n\"${{GITOPS_GUARD:-gitops-guard}}\" {} || exit $?\n{END}\n",
        origin.begin(),
        hook.command()
    )
}

/// The byte range of the block in `text` (from its first line through the end line's
/// newline), and how it came there. Bytes, not text: the user's lines need not be UTF-8,
/// and are kept as they are.
fn find_block(text: &[u8]) -> Option<(std::ops::Range<usize>, Origin)> {
    let mut offset = 0;
    let mut start = None;
    for line in text.split_inclusive(|&b| b == b'\n') {
        let mut bare = line;
        while let [rest @ .., b'\n' | b'\r'] = bare {
            bare = rest;
        }
        let origin = [Origin::Appended, Origin::AfterNewline, Origin::Created]
            .into_iter()
            .find(|o| o.begin().as_bytes() == bare);
        match (start, origin) {
            (None, Some(origin)) => start = Some((offset, origin)),
            (Some((s, origin)), _) if bare == END.as_bytes() => {
                return Some((s..offset + line.len(), origin));
            }
            _ => {}
        }
        offset += line.len();
    }
    None
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> HookError + '_ {
    move |source| HookError::Io {
        path: path.display().to_string(),
        source,
    }
}

/// Adds the gitops-guard block to `<husky>/<hook>` (creating the file if needed).
pub fn install(husky: &Path, hook: Hook) -> Result<Report, HookError> {
    let path = husky.join(hook.file_name());
    let report = |action| Report {
        hook,
        path: path.clone(),
        action,
        hooks_path_config: None,
    };
    let existing = match std::fs::read(&path) {
        Ok(bytes) => Some(
            String::from_utf8(bytes)
                .map_err(|_| HookError::Foreign(format!("{} (not UTF-8 text)", path.display())))?,
        ),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(io(&path)(e)),
    };
    let Some(text) = existing else {
        std::fs::create_dir_all(husky).map_err(io(husky))?;
        write(
            &path,
            format!("{SHEBANG}{}", block(hook, Origin::Created)),
            Some(0o755),
        )?;
        return Ok(report(Action::Installed));
    };
    if let Some((range, origin)) = find_block(text.as_bytes()) {
        let wanted = block(hook, origin);
        if text[range.clone()] == wanted {
            return Ok(report(Action::AlreadyInstalled));
        }
        let updated = format!("{}{wanted}{}", &text[..range.start], &text[range.end..]);
        write(&path, &updated, None)?;
        return Ok(report(Action::Updated));
    }
    let (sep, origin) = if text.is_empty() || text.ends_with('\n') {
        ("", Origin::Appended)
    } else {
        ("\n", Origin::AfterNewline)
    };
    write(&path, format!("{text}{sep}{}", block(hook, origin)), None)?;
    Ok(report(Action::Installed))
}

/// Removes the gitops-guard block from `<husky>/<hook>`; removes the file if `install`
/// created it and nothing else was added since.
pub fn uninstall(husky: &Path, hook: Hook) -> Result<Report, HookError> {
    let path = husky.join(hook.file_name());
    let report = |action| Report {
        hook,
        path: path.clone(),
        action,
        hooks_path_config: None,
    };
    let text = match std::fs::read(&path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Ok(report(Action::NotInstalled));
        }
        Err(e) => return Err(io(&path)(e)),
    };
    let Some((range, origin)) = find_block(&text) else {
        return Ok(report(Action::NotInstalled));
    };
    let mut before = &text[..range.start];
    // Only at the end of the file: a line added after the block needs the newline.
    if origin == Origin::AfterNewline && range.end == text.len() {
        before = before.strip_suffix(b"\n").unwrap_or(before);
    }
    let rest = [before, &text[range.end..]].concat();
    if origin == Origin::Created && rest == SHEBANG.as_bytes() {
        std::fs::remove_file(&path).map_err(io(&path))?;
    } else {
        write(&path, &rest, None)?;
    }
    Ok(report(Action::Removed { restored: None }))
}

/// Replaces `path` atomically, keeping its permissions (`mode` for a new file).
fn write(path: &Path, text: impl AsRef<[u8]>, mode: Option<u32>) -> Result<(), HookError> {
    use std::io::Write;
    let keep = std::fs::metadata(path).ok().map(|m| m.permissions());
    let mut tmp_name = path.file_name().unwrap_or_default().to_os_string();
    tmp_name.push(".gitops-guard.tmp");
    let tmp = path.with_file_name(tmp_name);
    let result = (|| {
        let mut file = std::fs::File::create(&tmp)?;
        file.write_all(text.as_ref())?;
        match (keep, mode) {
            (Some(perms), _) => file.set_permissions(perms)?,
            #[cfg(unix)]
            (None, Some(mode)) => {
                use std::os::unix::fs::PermissionsExt;
                file.set_permissions(std::fs::Permissions::from_mode(mode))?;
            }
            _ => {}
        }
        file.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result.map_err(io(path))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn block_round_trip_keeps_the_users_lines() {
        let dir = tempfile::tempdir().unwrap();
        let husky = dir.path();
        let hook = husky.join("pre-commit");
        let mine = "npm test\nnpx lint-staged"; // no final newline
        std::fs::write(&hook, mine).unwrap();
        assert_eq!(
            install(husky, Hook::PreCommit).unwrap().action,
            Action::Installed
        );
        let text = std::fs::read_to_string(&hook).unwrap();
        assert!(text.starts_with("npm test\nnpx lint-staged\n# >>> gitops-guard"));
        assert!(text.contains("\"${GITOPS_GUARD:-gitops-guard}\" check || exit $?\n"));
        assert_eq!(
            install(husky, Hook::PreCommit).unwrap().action,
            Action::AlreadyInstalled
        );
        assert_eq!(std::fs::read_to_string(&hook).unwrap(), text);
        // The user adds a line after the block: both survive uninstall.
        std::fs::write(&hook, format!("{text}echo after\n")).unwrap();
        uninstall(husky, Hook::PreCommit).unwrap();
        assert_eq!(
            std::fs::read_to_string(&hook).unwrap(),
            "npm test\nnpx lint-staged\necho after\n"
        );
        assert_eq!(
            uninstall(husky, Hook::PreCommit).unwrap().action,
            Action::NotInstalled
        );
    }

    #[test]
    fn a_created_file_is_removed_again() {
        let dir = tempfile::tempdir().unwrap();
        let husky = dir.path().join(".husky");
        install(&husky, Hook::PreMergeCommit).unwrap();
        let hook = husky.join("pre-merge-commit");
        assert!(std::fs::read_to_string(&hook).unwrap().starts_with(SHEBANG));
        uninstall(&husky, Hook::PreMergeCommit).unwrap();
        assert!(!hook.exists());
    }
}
