//! Other hook managers in the repository, which own the hooks folder: `install` must add
//! gitops-guard their way instead of writing a shim that they overwrite or that stops them.
//!
//! - husky (v5 and later): `core.hooksPath` is `.husky` (v5–v8) or `.husky/_` (v9), and the
//!   user's hooks are `.husky/<hook>`. Husky regenerates `.husky/_` on `npm install`, and its
//!   v9 stubs find the user's hook by their own file name, so a renamed stub runs nothing.
//!   gitops-guard goes into `.husky/<hook>` as a marked block (see `husky.rs`).
//! - lefthook: its hooks call `lefthook run <hook>` and `lefthook install` rewrites them; the
//!   commands live in `lefthook.yml`. `install` refuses and prints the snippet to add there.

use std::path::{Path, PathBuf};

/// The hook manager that owns the hooks of a repository, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Manager {
    /// husky; `active` when `core.hooksPath` points into `.husky` (else `npm install` has not
    /// set it up in this clone yet).
    Husky { dir: PathBuf, active: bool },
    /// lefthook, configured by `config`.
    Lefthook { config: PathBuf },
}

/// The configuration files lefthook reads, relative to the worktree root.
const LEFTHOOK_CONFIGS: &[&str] = &[
    "lefthook.yml",
    ".lefthook.yml",
    "lefthook.yaml",
    ".lefthook.yaml",
    "lefthook.toml",
    ".lefthook.toml",
    "lefthook.json",
    ".lefthook.json",
    ".config/lefthook.yml",
    ".config/lefthook.yaml",
];

/// Which manager owns the hooks of the worktree at `root`, given the `core.hooksPath` value
/// (as configured, `None` when unset). A `core.hooksPath` elsewhere wins over a `.husky/`
/// folder that is not in use.
pub fn detect(root: &Path, hooks_path: Option<&str>) -> Option<Manager> {
    let husky = root.join(".husky");
    if let Some(value) = hooks_path {
        let rel = value.trim_end_matches('/');
        let rel = rel.strip_prefix("./").unwrap_or(rel);
        let under_husky = rel == ".husky" || rel.starts_with(".husky/");
        let absolute_husky = Path::new(value).starts_with(&husky);
        if under_husky || absolute_husky {
            return Some(Manager::Husky {
                dir: husky,
                active: true,
            });
        }
    }
    if let Some(config) = LEFTHOOK_CONFIGS
        .iter()
        .map(|name| root.join(name))
        .find(|p| p.is_file())
    {
        return Some(Manager::Lefthook { config });
    }
    if hooks_path.is_none() && husky.is_dir() {
        return Some(Manager::Husky {
            dir: husky,
            active: false,
        });
    }
    None
}

/// Why `install` refuses next to lefthook, with the lines to add to its configuration.
pub fn lefthook_refusal(config: &Path, hooks: &[super::Hook]) -> String {
    let mut s = format!(
        "lefthook manages the git hooks of this repository ({}): `lefthook install` would \
         overwrite a hook written by gitops-guard, so none was installed.\n\
         Add gitops-guard to that file instead, then run `lefthook install`:\n\n",
        config.display()
    );
    for hook in hooks {
        s.push_str(&format!(
            "{}:\n  commands:\n    gitops-guard:\n      run: gitops-guard {}\n",
            hook.file_name(),
            hook.command()
        ));
    }
    s.push_str(
        "\n(merge these keys into existing `pre-commit:` / `pre-merge-commit:` sections; \
         gitops-guard reads the staged files from the index itself, so it needs no \
         `{staged_files}`)",
    );
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detection_order() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let root = dir.path();
        assert_eq!(detect(root, None), None);
        std::fs::create_dir(root.join(".husky")).unwrap_or_else(|e| panic!("{e}"));
        let inactive = Manager::Husky {
            dir: root.join(".husky"),
            active: false,
        };
        assert_eq!(detect(root, None), Some(inactive));
        // Another hooks folder is in use: husky's folder is not.
        assert_eq!(detect(root, Some(".githooks")), None);
        let active = Manager::Husky {
            dir: root.join(".husky"),
            active: true,
        };
        assert_eq!(detect(root, Some(".husky/_")), Some(active.clone()));
        assert_eq!(detect(root, Some("./.husky")), Some(active.clone()));
        std::fs::write(root.join("lefthook.yml"), "").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(detect(root, Some(".husky/_")), Some(active));
        assert_eq!(
            detect(root, None),
            Some(Manager::Lefthook {
                config: root.join("lefthook.yml")
            })
        );
    }
}
