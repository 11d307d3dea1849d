//! Atomic file replacement: a crash at any moment leaves either the old file or the new one.
//!
//! The sequence: create a temp file in the same folder (same filesystem, so the rename is
//! atomic), write, fsync the file, set the mode, rename over the target, fsync the folder so
//! the rename itself is durable. The temp file is removed on any error.
//!
//! Tests simulate a crash with `GITOPS_GUARD_TEST_CRASH_AFTER=N`: the process aborts at the
//! N-th write step (counted across the whole run), so a test can interrupt a fix at every
//! point and check the invariants.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

/// The environment variable read by [`step`] (testing only).
pub const CRASH_ENV: &str = "GITOPS_GUARD_TEST_CRASH_AFTER";

static STEPS: AtomicUsize = AtomicUsize::new(0);
static TEMP_SEQ: AtomicUsize = AtomicUsize::new(0);

/// Marks one durable write step; aborts the process when it is the step named by
/// [`CRASH_ENV`]. Steps are counted from 1.
pub fn step() {
    let n = STEPS.fetch_add(1, Ordering::SeqCst) + 1;
    if let Some(limit) = std::env::var_os(CRASH_ENV)
        .and_then(|v| v.into_string().ok())
        .and_then(|v| v.parse::<usize>().ok())
        && n >= limit
    {
        // Like a SIGKILL or power loss: no unwinding, no cleanup, no buffered output.
        std::process::abort();
    }
}

/// The permission bits of the written file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Keep the mode of the file being replaced; a new file gets this one.
    KeepOr(u32),
    /// Exactly this mode, whatever the old file had.
    Exact(u32),
}

/// Writes `bytes` to `path` atomically, with the permission bits `mode` asks for.
pub fn write(path: &Path, bytes: &[u8], mode: Mode) -> io::Result<()> {
    let dir = parent_dir(path);
    let name = path
        .file_name()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "path has no file name"))?;
    let existing_mode = match fs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_symlink() => {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "refusing to replace a symbolic link",
            ));
        }
        Ok(meta) => Some(mode_of(&meta)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => None,
        Err(e) => return Err(e),
    };
    let mode = match mode {
        Mode::KeepOr(new) => existing_mode.unwrap_or(new),
        Mode::Exact(m) => m,
    };
    remove_stale_temps(&dir, &name.to_string_lossy());
    let tmp = dir.join(format!(
        ".{}.gitops-guard-{}-{}.tmp",
        name.to_string_lossy(),
        std::process::id(),
        TEMP_SEQ.fetch_add(1, Ordering::SeqCst)
    ));
    let result = write_temp(&tmp, bytes, mode).and_then(|()| {
        step();
        fs::rename(&tmp, path)
    });
    if let Err(e) = result {
        let _ = fs::remove_file(&tmp);
        return Err(e);
    }
    step();
    sync_dir(&dir)?;
    Ok(())
}

/// Removes temp files that a killed run left next to `name` (their process is gone).
/// Only where `/proc` tells which processes live; elsewhere they stay (harmless).
fn remove_stale_temps(dir: &Path, name: &str) {
    let proc = Path::new("/proc");
    if !proc.join("self").exists() {
        return;
    }
    let prefix = format!(".{name}.gitops-guard-");
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let file_name = entry.file_name();
        let Some(rest) = file_name
            .to_str()
            .and_then(|n| n.strip_prefix(&prefix))
            .and_then(|n| n.strip_suffix(".tmp"))
        else {
            continue;
        };
        let Some(pid) = rest.split('-').next().and_then(|p| p.parse::<u32>().ok()) else {
            continue;
        };
        if pid != std::process::id() && !proc.join(pid.to_string()).exists() {
            let _ = fs::remove_file(entry.path());
        }
    }
}

fn write_temp(tmp: &Path, bytes: &[u8], mode: u32) -> io::Result<()> {
    let mut opts = OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        // Never readable by others while being written, whatever the final mode.
        opts.mode(0o600);
    }
    let mut file = opts.open(tmp)?;
    file.write_all(bytes)?;
    step();
    file.sync_all()?;
    set_mode(&file, mode)
}

/// Creates `dir` and its missing parents; on Unix each created folder gets `mode`.
pub fn create_dir_all(dir: &Path, mode: u32) -> io::Result<()> {
    let mut missing = Vec::new();
    let mut cur = Some(dir);
    while let Some(d) = cur {
        if d.as_os_str().is_empty() || d.is_dir() {
            break;
        }
        missing.push(d.to_path_buf());
        cur = d.parent();
    }
    for d in missing.iter().rev() {
        let mut builder = fs::DirBuilder::new();
        #[cfg(unix)]
        {
            use std::os::unix::fs::DirBuilderExt;
            builder.mode(mode);
        }
        match builder.create(d) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists && d.is_dir() => continue,
            Err(e) => return Err(e),
        }
        // The umask may have removed bits; set exactly what was asked.
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            fs::set_permissions(d, fs::Permissions::from_mode(mode))?;
        }
        if let Some(parent) = d.parent() {
            sync_dir(parent)?;
        }
    }
    let _ = mode;
    Ok(())
}

/// Flushes a folder's entries (new names, renames) to disk.
pub fn sync_dir(dir: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        File::open(dir)?.sync_all()
    }
    #[cfg(not(unix))]
    {
        let _ = dir;
        Ok(())
    }
}

fn parent_dir(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

#[cfg(unix)]
fn mode_of(meta: &fs::Metadata) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    meta.permissions().mode() & 0o7777
}

#[cfg(not(unix))]
fn mode_of(_meta: &fs::Metadata) -> u32 {
    0o644
}

#[cfg(unix)]
fn set_mode(file: &File, mode: u32) -> io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    file.set_permissions(fs::Permissions::from_mode(mode))
}

#[cfg(not(unix))]
fn set_mode(_file: &File, _mode: u32) -> io::Result<()> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    fn mode(path: &Path) -> u32 {
        use std::os::unix::fs::PermissionsExt;
        fs::metadata(path).unwrap().permissions().mode() & 0o7777
    }

    #[test]
    fn replaces_content_and_keeps_mode() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.yaml");
        fs::write(&path, "old\n").unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            fs::set_permissions(&path, fs::Permissions::from_mode(0o751)).unwrap();
        }
        write(&path, b"new\n", Mode::KeepOr(0o600)).unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), "new\n");
        #[cfg(unix)]
        assert_eq!(mode(&path), 0o751);
        // No temp file left behind.
        let names: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("a.yaml")]);
    }

    #[test]
    fn new_file_gets_requested_mode() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("v.json");
        write(&path, b"{}", Mode::KeepOr(0o600)).unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"{}");
        #[cfg(unix)]
        assert_eq!(mode(&path), 0o600);
    }

    #[cfg(unix)]
    #[test]
    fn read_only_folder_fails_and_leaves_file() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let sub = dir.path().join("ro");
        fs::create_dir(&sub).unwrap();
        let path = sub.join("a.yaml");
        fs::write(&path, "old\n").unwrap();
        fs::set_permissions(&sub, fs::Permissions::from_mode(0o555)).unwrap();
        let result = write(&path, b"new\n", Mode::KeepOr(0o644));
        fs::set_permissions(&sub, fs::Permissions::from_mode(0o755)).unwrap();
        // Root may write anyway; either way the file is complete.
        let content = fs::read_to_string(&path).unwrap();
        match result {
            Ok(()) => assert_eq!(content, "new\n"),
            Err(_) => assert_eq!(content, "old\n"),
        }
        assert_eq!(fs::read_dir(&sub).unwrap().count(), 1);
    }

    #[test]
    fn stale_temps_of_dead_processes_are_removed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.yaml");
        fs::write(&path, "old").unwrap();
        // A pid above the kernel's maximum is never alive.
        let stale = dir.path().join(".a.yaml.gitops-guard-4294967-0.tmp");
        let other = dir.path().join(".b.yaml.gitops-guard-4294967-0.tmp");
        fs::write(&stale, "partial").unwrap();
        fs::write(&other, "partial").unwrap();
        write(&path, b"new", Mode::KeepOr(0o644)).unwrap();
        if Path::new("/proc/self").exists() {
            assert!(!stale.exists());
        }
        assert!(
            other.exists(),
            "only temps of the file being written are touched"
        );
    }

    #[cfg(unix)]
    #[test]
    fn refuses_symlinks() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("t");
        fs::write(&target, "x").unwrap();
        let link = dir.path().join("l");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        assert!(write(&link, b"y", Mode::KeepOr(0o644)).is_err());
        assert_eq!(fs::read_to_string(&target).unwrap(), "x");
    }

    #[cfg(unix)]
    #[test]
    fn creates_private_folders() {
        let dir = tempfile::tempdir().unwrap();
        let deep = dir.path().join("a/b/c");
        create_dir_all(&deep, 0o700).unwrap();
        for d in ["a", "a/b", "a/b/c"] {
            assert_eq!(mode(&dir.path().join(d)), 0o700, "{d}");
        }
        create_dir_all(&deep, 0o700).unwrap();
    }
}
