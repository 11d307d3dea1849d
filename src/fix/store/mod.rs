//! The saved Secrets as a whole: what `--fix` left in the values store, for
//! `gitops-guard secrets list / export / forget` and the reminder `check` prints.
//!
//! Layout (see [`crate::fix::values`]): `<dir>/<namespace>/<name>.json` holds the values and
//! `<dir>/<namespace>/<name>.meta` the metadata ([`meta`]). A values file without metadata
//! (written by an older version) gets metadata recomputed from the current configuration,
//! marked as such ([`Saved::recorded`] is false).
//!
//! Invariants: nothing here prints or returns a value in a message; [`Saved`] has no `Debug`
//! so values cannot reach a log by accident; the reminder ([`pending`]) costs one `stat` when
//! no store exists.

pub mod export;
pub mod list;
pub mod meta;

use crate::config::FixConfig;
use crate::fix::naming::SecretMapping;
use crate::fix::values::{self, StoredValue};
use meta::Meta;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

/// One saved Secret: its files, its metadata and its values.
pub struct Saved {
    pub values_file: PathBuf,
    pub meta_file: PathBuf,
    pub meta: Meta,
    /// The metadata was read from its file (false: recomputed now from the configuration).
    pub recorded: bool,
    /// Keys of the values file the metadata did not know (their remote keys were recomputed).
    pub recomputed_keys: Vec<String>,
    pub values: BTreeMap<String, StoredValue>,
    /// When the values file was last written.
    pub modified: Option<SystemTime>,
}

impl Saved {
    /// `namespace/name` (`default/name` when the Secret had no namespace).
    pub fn id(&self) -> String {
        format!(
            "{}/{}",
            self.meta.namespace.as_deref().unwrap_or("default"),
            self.meta.name
        )
    }

    /// The values file relative to the store folder, with `/`.
    pub fn relative_values_file(&self, dir: &Path) -> String {
        self.values_file
            .strip_prefix(dir)
            .unwrap_or(&self.values_file)
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join("/")
    }
}

/// Everything in a values store.
pub struct Inventory {
    pub dir: PathBuf,
    /// Sorted by namespace, then name.
    pub saved: Vec<Saved>,
    /// Files that could not be read or understood (named, never shown).
    pub problems: Vec<String>,
}

impl Inventory {
    /// Whether some metadata was recomputed from the current configuration.
    pub fn any_recomputed(&self) -> bool {
        self.saved
            .iter()
            .any(|s| !s.recorded || !s.recomputed_keys.is_empty())
    }

    /// The saved Secret `namespace/name` (a bare `name` means namespace `default`).
    pub fn find(&self, id: &str) -> Option<&Saved> {
        let (ns, name) = id.split_once('/').unwrap_or(("default", id));
        self.saved
            .iter()
            .find(|s| s.meta.name == name && s.meta.namespace.as_deref().unwrap_or("default") == ns)
    }
}

/// What recomputing missing metadata needs: the configuration and the mapping file in force.
pub struct Recompute<'a> {
    pub fix: &'a FixConfig,
    pub mapping: Option<&'a SecretMapping>,
}

/// A values file found in the store, before its metadata is resolved.
pub struct Found {
    pub values_file: PathBuf,
    pub meta_file: PathBuf,
    /// The namespace folder and file stem (the sanitized namespace and name).
    pub folder: String,
    pub stem: String,
    pub values: BTreeMap<String, StoredValue>,
    pub meta: Option<Meta>,
    pub modified: Option<SystemTime>,
}

/// Reads every values file (and its metadata) under `dir`. A missing `dir` is an empty
/// store. Unreadable files become problems; temp files of interrupted writes are skipped.
pub fn scan(dir: &Path) -> Result<(Vec<Found>, Vec<String>), String> {
    let mut found = Vec::new();
    let mut problems = Vec::new();
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok((found, problems)),
        Err(e) => return Err(format!("cannot read {}: {e}", dir.display())),
    };
    let mut folders: Vec<PathBuf> = entries
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .map(|e| e.path())
        .collect();
    folders.sort();
    for folder in folders {
        let Ok(entries) = std::fs::read_dir(&folder) else {
            problems.push(format!("cannot read {}", folder.display()));
            continue;
        };
        let mut files: Vec<PathBuf> = entries
            .flatten()
            .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
            .map(|e| e.path())
            .collect();
        files.sort();
        let folder_name = folder
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        for path in &files {
            let Some(file_name) = path.file_name().and_then(|n| n.to_str()) else {
                continue;
            };
            if file_name.starts_with('.') {
                continue; // a temp file of an interrupted write
            }
            if let Some(stem) = file_name.strip_suffix(&format!(".{}", meta::EXTENSION)) {
                if !files.contains(&folder.join(format!("{stem}.json"))) {
                    problems.push(format!(
                        "{}: metadata without a values file (ignored)",
                        path.display()
                    ));
                }
                continue;
            }
            let Some(stem) = file_name.strip_suffix(".json") else {
                continue;
            };
            let values = match values::load(path) {
                Ok(v) => v,
                Err(e) => {
                    problems.push(e.to_string());
                    continue;
                }
            };
            let meta_file = meta::file_for(path);
            let meta = match meta::load(&meta_file) {
                Ok(m) => m,
                Err(e) => {
                    problems.push(format!(
                        "{}: {e}; its metadata is recomputed",
                        meta_file.display()
                    ));
                    None
                }
            };
            found.push(Found {
                values_file: path.clone(),
                meta_file,
                folder: folder_name.clone(),
                stem: stem.to_string(),
                values,
                meta,
                modified: std::fs::metadata(path).and_then(|m| m.modified()).ok(),
            });
        }
    }
    Ok((found, problems))
}

/// Resolves the metadata of everything [`scan`] found: recorded metadata as is (keys it does
/// not know recomputed), missing metadata recomputed; without `recompute`, Secrets whose
/// metadata is missing become problems.
pub fn resolve(
    dir: &Path,
    found: Vec<Found>,
    mut problems: Vec<String>,
    recompute: Option<&Recompute>,
) -> Inventory {
    let mut saved = Vec::new();
    for f in found {
        let (mut meta, recorded) = match (f.meta, recompute) {
            (Some(m), _) => (m, true),
            (None, Some(r)) => (
                meta::recompute(&f.folder, &f.stem, &f.values, r.fix, r.mapping),
                false,
            ),
            (None, None) => {
                problems.push(format!(
                    "{}: no metadata, and no repository to recompute it from",
                    f.values_file.display()
                ));
                continue;
            }
        };
        let mut recomputed_keys = Vec::new();
        if recorded {
            let unknown: BTreeMap<String, StoredValue> = f
                .values
                .iter()
                .filter(|(k, _)| !meta.keys.iter().any(|m| &m.key == *k))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            if !unknown.is_empty() {
                match recompute {
                    Some(r) => {
                        let ns = meta.namespace.clone().unwrap_or_else(|| "default".into());
                        let extra = meta::recompute(&ns, &meta.name, &unknown, r.fix, r.mapping);
                        recomputed_keys = unknown.keys().cloned().collect();
                        meta.keys.extend(extra.keys);
                        meta.keys.sort_by(|a, b| a.key.cmp(&b.key));
                    }
                    None => problems.push(format!(
                        "{}: keys {} are not in its metadata, and there is no repository to recompute them from",
                        f.values_file.display(),
                        unknown.keys().cloned().collect::<Vec<_>>().join(", ")
                    )),
                }
            }
        }
        saved.push(Saved {
            values_file: f.values_file,
            meta_file: f.meta_file,
            meta,
            recorded,
            recomputed_keys,
            values: f.values,
            modified: f.modified,
        });
    }
    saved.sort_by(|a, b| {
        (a.meta.namespace.as_deref(), &a.meta.name)
            .cmp(&(b.meta.namespace.as_deref(), &b.meta.name))
    });
    Inventory {
        dir: dir.to_path_buf(),
        saved,
        problems,
    }
}

/// Whether [`scan`] found a values file without metadata (recomputing needs the repository).
pub fn needs_recompute(found: &[Found]) -> bool {
    found.iter().any(|f| {
        f.meta
            .as_ref()
            .is_none_or(|m| f.values.keys().any(|k| !m.keys.iter().any(|x| &x.key == k)))
    })
}

/// Saved Secrets waiting in a store: how many, and when the oldest was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pending {
    pub count: usize,
    pub oldest: Option<SystemTime>,
}

/// What waits in the store at `dir`, for the reminder of `check`: one `stat` when there is no
/// store (the everyday case); otherwise one listing per namespace folder and one `stat` per
/// values file. `None` when nothing is saved.
pub fn pending(dir: &Path) -> Option<Pending> {
    let entries = std::fs::read_dir(dir).ok()?;
    let mut count = 0;
    let mut oldest: Option<SystemTime> = None;
    for folder in entries.flatten() {
        if !folder.file_type().is_ok_and(|t| t.is_dir()) {
            continue;
        }
        let Ok(files) = std::fs::read_dir(folder.path()) else {
            continue;
        };
        for file in files.flatten() {
            let name = file.file_name();
            let Some(name) = name.to_str() else { continue };
            if name.starts_with('.') || !name.ends_with(".json") {
                continue;
            }
            count += 1;
            if let Ok(modified) = file.metadata().and_then(|m| m.modified()) {
                oldest = Some(oldest.map_or(modified, |o| o.min(modified)));
            }
        }
    }
    (count > 0).then_some(Pending { count, oldest })
}

/// The reminder line for `check` (without a trailing newline).
pub fn reminder(dir: &Path, p: &Pending, now: SystemTime) -> String {
    let age = p
        .oldest
        .map(|t| {
            format!(
                ", the oldest saved {} ago",
                age(now.duration_since(t).unwrap_or_default())
            )
        })
        .unwrap_or_default();
    format!(
        "gitops-guard: {} with plaintext values wait{} in {}{age}: load them with \
         `gitops-guard secrets export --format vault|aws|gcp|azure`, then delete them with \
         `gitops-guard secrets forget --all` (`gitops-guard secrets list` shows them)",
        plural(p.count, "saved Secret"),
        if p.count == 1 { "s" } else { "" },
        dir.display()
    )
}

/// A duration in the largest whole unit: `less than a minute`, `5 minutes`, `3 hours`, `2 days`.
pub fn age(d: Duration) -> String {
    let secs = d.as_secs();
    match secs {
        0..60 => "less than a minute".to_string(),
        60..3600 => plural((secs / 60) as usize, "minute"),
        3600..86_400 => plural((secs / 3600) as usize, "hour"),
        _ => plural((secs / 86_400) as usize, "day"),
    }
}

/// `1 thing`, `2 things`.
pub fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// A time as RFC 3339 in UTC, to the second (`2026-11-26T10:00:00Z`).
pub fn rfc3339(t: SystemTime) -> String {
    let secs = t
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    // Civil date from days since 1970-01-01 (H. Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// Shell-quotes a word (single quotes unless it is made only of safe characters).
pub fn sh(word: &str) -> String {
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

/// Deletes the files of the saved Secrets `ids` (`namespace/name`), then the folders left
/// empty (the store folder too). Returns what was deleted, as `(id, values file)`.
pub fn forget(inventory: &Inventory, ids: &[String]) -> Result<Vec<(String, PathBuf)>, String> {
    let mut targets = Vec::new();
    for id in ids {
        match inventory.find(id) {
            Some(s) => targets.push(s),
            None => {
                return Err(format!(
                    "no saved Secret `{id}` in {} (`gitops-guard secrets list` shows them); nothing was deleted",
                    inventory.dir.display()
                ));
            }
        }
    }
    let mut done = Vec::new();
    for s in targets {
        for file in [&s.values_file, &s.meta_file] {
            match std::fs::remove_file(file) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(format!("cannot delete {}: {e}", file.display())),
            }
        }
        if let Some(folder) = s.values_file.parent() {
            let _ = crate::fix::atomic::sync_dir(folder);
            // Only an empty folder goes.
            let _ = std::fs::remove_dir(folder);
        }
        done.push((s.id(), s.values_file.clone()));
    }
    let _ = std::fs::remove_dir(&inventory.dir);
    Ok(done)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_dates() {
        let at = |s: u64| rfc3339(SystemTime::UNIX_EPOCH + Duration::from_secs(s));
        assert_eq!(at(0), "1970-01-01T00:00:00Z");
        assert_eq!(at(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(at(1_795_683_661), "2026-11-26T09:01:01Z");
    }

    #[test]
    fn ages() {
        let d = Duration::from_secs;
        assert_eq!(age(d(5)), "less than a minute");
        assert_eq!(age(d(60)), "1 minute");
        assert_eq!(age(d(7199)), "1 hour");
        assert_eq!(age(d(3 * 86_400 + 5)), "3 days");
    }

    #[test]
    fn quoting() {
        assert_eq!(sh("secret/data/a"), "secret/data/a");
        assert_eq!(sh("it's"), r"'it'\''s'");
        assert_eq!(sh(""), "''");
    }

    #[test]
    fn pending_counts_values_files_only() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("secrets");
        assert_eq!(pending(&dir), None);
        std::fs::create_dir_all(dir.join("apps")).unwrap();
        assert_eq!(pending(&dir), None);
        std::fs::write(dir.join("apps/db.json"), "{}").unwrap();
        std::fs::write(dir.join("apps/db.meta"), "{}").unwrap();
        std::fs::write(dir.join("apps/.db.json.gitops-guard-1-0.tmp"), "{").unwrap();
        std::fs::create_dir_all(dir.join("jx")).unwrap();
        std::fs::write(dir.join("jx/a.json"), "{}").unwrap();
        let p = pending(&dir).unwrap();
        assert_eq!(p.count, 2);
        assert!(p.oldest.is_some());
        let line = reminder(
            &dir,
            &p,
            p.oldest.unwrap() + Duration::from_secs(2 * 86_400),
        );
        assert!(
            line.starts_with("gitops-guard: 2 saved Secrets with plaintext values wait in ")
                && line.contains(", the oldest saved 2 days ago: load them with `gitops-guard secrets export --format vault|aws|gcp|azure`"),
            "{line}"
        );
    }
}
