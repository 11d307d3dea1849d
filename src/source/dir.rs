//! Files on disk, for scanning outside git (`check --no-git DIR...`): rendered manifests in
//! CI (`helm template --output-dir out`), or a folder that is no repository.
//!
//! Walks with the `ignore` crate, so `.gitignore`d and hidden files are passed over the way
//! ripgrep does; symbolic links are not followed (they are recorded as skipped, like in the
//! index). Paths are reported as given on the command line, with `/`.

use super::RepoView;
use super::classify::classify_content;
use super::{Candidate, Limits, Origin, ReadError, ScanSet, SkipReason, Skipped};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Reads every file below `roots` (files may be given directly).
pub fn collect(roots: &[PathBuf], limits: &Limits) -> (ScanSet, DirView) {
    let mut set = ScanSet::default();
    let mut files = HashMap::new();
    let default_root = [PathBuf::from(".")];
    let roots = if roots.is_empty() {
        &default_root[..]
    } else {
        roots
    };
    let mut builder = ignore::WalkBuilder::new(&roots[0]);
    for root in &roots[1..] {
        builder.add(root);
    }
    // Honour .gitignore even outside a repository: that is what a user of a folder expects.
    builder.require_git(false).follow_links(false);
    for entry in builder.build() {
        let entry = match entry {
            Ok(e) => e,
            Err(e) => {
                set.errors.push(ReadError {
                    path: error_path(&e),
                    message: e.to_string(),
                });
                continue;
            }
        };
        let Some(kind) = entry.file_type() else {
            continue;
        };
        let path = display(entry.path());
        if kind.is_symlink() {
            set.skipped.push(Skipped {
                path,
                reason: SkipReason::Symlink,
            });
            continue;
        }
        if !kind.is_file() {
            continue;
        }
        set.all_paths.push(path.clone());
        files.insert(path.clone(), entry.path().to_path_buf());
        match read(entry.path(), limits) {
            Ok(Ok(bytes)) => set.candidates.push(Candidate {
                raw_path: path.as_bytes().to_vec(),
                path,
                bytes,
                origin: Origin::Worktree,
                oid: String::new(),
                mode: 0o100644,
                expects_git_crypt: false,
            }),
            Ok(Err(reason)) => set.skipped.push(Skipped { path, reason }),
            Err(e) => set.errors.push(ReadError {
                path,
                message: e.to_string(),
            }),
        }
    }
    set.all_paths.sort();
    (
        set,
        DirView {
            paths: Vec::new(),
            files,
            shared: super::SharedCache::default(),
        },
    )
        .finish()
}

trait Finish {
    fn finish(self) -> (ScanSet, DirView);
}

impl Finish for (ScanSet, DirView) {
    fn finish(mut self) -> (ScanSet, DirView) {
        self.1.paths = self.0.all_paths.clone();
        self
    }
}

/// The content of a file, or why it is not scanned; the size is checked before reading.
fn read(path: &Path, limits: &Limits) -> std::io::Result<Result<Vec<u8>, SkipReason>> {
    let size = std::fs::metadata(path)?.len();
    if size > limits.max_file_size {
        return Ok(Err(SkipReason::TooLarge {
            size,
            limit: limits.max_file_size,
        }));
    }
    let bytes = std::fs::read(path)?;
    Ok(match classify_content(&bytes) {
        Some(reason) => Err(reason),
        None => Ok(bytes),
    })
}

fn display(path: &Path) -> String {
    let s = path.to_string_lossy().replace('\\', "/");
    s.strip_prefix("./").map(str::to_string).unwrap_or(s)
}

fn error_path(e: &ignore::Error) -> String {
    match e {
        ignore::Error::WithPath { path, .. } => display(path),
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
            error_path(err)
        }
        _ => String::from("."),
    }
}

/// The walked files, for cross-file rules.
pub struct DirView {
    paths: Vec<String>,
    files: HashMap<String, PathBuf>,
    shared: super::SharedCache,
}

impl RepoView for DirView {
    fn paths(&self) -> &[String] {
        &self.paths
    }

    fn read(&self, path: &str) -> Option<Arc<Vec<u8>>> {
        std::fs::read(self.files.get(path)?).ok().map(Arc::new)
    }

    fn shared(&self, name: &'static str, build: &dyn Fn() -> super::Shared) -> super::Shared {
        self.shared.get(name, build)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn walks_respecting_gitignore_and_skipping_links() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("a")).unwrap();
        std::fs::write(root.join("a/x.yaml"), "kind: ConfigMap\n").unwrap();
        std::fs::write(root.join("ignored.yaml"), "kind: Secret\n").unwrap();
        std::fs::write(root.join(".gitignore"), "ignored.yaml\n").unwrap();
        std::fs::write(root.join("bin.yaml"), b"a\0b").unwrap();
        std::os::unix::fs::symlink("a/x.yaml", root.join("link.yaml")).unwrap();
        let (set, view) = collect(&[root.to_path_buf()], &Limits::default());
        let names: Vec<_> = set
            .candidates
            .iter()
            .map(|c| c.path.rsplit('/').next().unwrap_or_default().to_string())
            .collect();
        assert_eq!(names, vec!["x.yaml"]);
        let reasons: Vec<_> = set.skipped.iter().map(|s| s.reason.clone()).collect();
        assert!(reasons.contains(&SkipReason::Binary) && reasons.contains(&SkipReason::Symlink));
        let x = set.candidates[0].path.clone();
        assert_eq!(
            view.read(&x).as_deref().map(Vec::as_slice),
            Some(&b"kind: ConfigMap\n"[..])
        );
    }
}
