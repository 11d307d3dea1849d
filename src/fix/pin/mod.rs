//! `check --fix --resolve`: pins what GG201/GG202/GG204 report as unpinned, from what the
//! image registry, the chart repository or the git remote says now.
//!
//! - an image tag (`latest`, another mutable tag, or none) → `<name>:<version>@sha256:<d>`,
//!   where `<d>` is the tag's manifest digest and `<version>` the most specific version tag
//!   with that same digest (`<name>@sha256:<d>` when none has it);
//! - a chart without a version, or with a range → the highest release that satisfies it
//!   (in a Jenkins X repository the version stream's value first, offline);
//! - an Argo CD git `targetRevision` or a Flux `ref.branch` → the newest version tag of the
//!   remote, else the commit the branch points at.
//!
//! Each file is all or nothing: one failed lookup leaves it unchanged. The edits are byte
//! ranges ([`super::edit`]) applied to the staged text, so every other byte stays as it was,
//! quoting included. Nothing here touches the network: the [`Lookup`] does.

pub mod cli;
pub mod constraint;
pub mod lookup;
#[cfg(feature = "resolve")]
pub mod net;
pub mod targets;
pub mod text;

use super::edit::{self, Edit};
use crate::finding::{Finding, LineIndex};
use crate::manifest::Document;
use crate::rules::image_ref::ImageRef;
use crate::rules::version_stream;
use crate::source::RepoView;
use constraint::{Constraint, highest};
use lookup::{ChartRepo, ImagePin, Lookup};
use std::collections::HashMap;
use std::path::Path;
use targets::{Place, Target};

/// The rules whose findings `--resolve` pins.
pub const CODES: [&str; 3] = ["GG201", "GG202", "GG204"];

/// One scanned file with findings of [`CODES`].
pub struct PinFile<'a> {
    pub path: &'a str,
    pub staged: &'a [u8],
    pub docs: &'a [Document],
    pub findings: &'a [Finding],
}

/// What `--resolve` did, or would do, to one file.
#[derive(Debug, Clone, Default)]
pub struct FilePlan {
    pub path: String,
    pub old: String,
    /// The pinned text; `None` when nothing changes (nothing to pin, or a lookup failed).
    pub new: Option<String>,
    /// `path:line: pinned `a` -> `b``, one per edit.
    pub pinned: Vec<String>,
    /// Lookups that failed (the file is left unchanged).
    pub failed: Vec<String>,
    /// Findings this fix does not pin, and why.
    pub skipped: Vec<String>,
}

/// Answers of one run, so a reference named in many places is looked up once.
#[derive(Default)]
struct Cache {
    images: HashMap<String, Result<ImagePin, String>>,
    charts: HashMap<(ChartRepo, String), Result<Vec<String>, String>>,
    tags: HashMap<String, Result<Vec<String>, String>>,
}

/// Plans the pins of every file; reads and writes nothing but what `lookup` fetches.
pub fn plan(files: &[PinFile], lookup: &dyn Lookup, repo: &dyn RepoView) -> Vec<FilePlan> {
    let mut cache = Cache::default();
    files
        .iter()
        .filter_map(|f| plan_file(f, lookup, repo, &mut cache))
        .collect()
}

fn plan_file(
    f: &PinFile,
    lookup: &dyn Lookup,
    repo: &dyn RepoView,
    cache: &mut Cache,
) -> Option<FilePlan> {
    let findings: Vec<Finding> = f
        .findings
        .iter()
        .filter(|x| CODES.contains(&x.code))
        .cloned()
        .collect();
    if findings.is_empty() {
        return None;
    }
    let mut plan = FilePlan {
        path: f.path.to_string(),
        ..FilePlan::default()
    };
    let Ok(old) = std::str::from_utf8(f.staged) else {
        plan.skipped
            .push(format!("{}: not UTF-8; nothing pinned", f.path));
        return Some(plan);
    };
    plan.old = old.to_string();
    let lines = LineIndex::new(old);
    let at = |span: &std::ops::Range<usize>| {
        format!("{}:{}", f.path, lines.position(old, span.start).line)
    };
    let (found, unsupported) = targets::collect(old, f.docs, &findings);
    for (i, why) in unsupported {
        plan.skipped.push(format!(
            "{}: {} not pinned: {why}",
            at(&findings[i].span),
            findings[i].code
        ));
    }
    let mut edits = Vec::new();
    for (i, target) in found {
        let where_ = at(&findings[i].span);
        match pin(&target, old, lookup, repo, cache) {
            Ok((from, to, mut new_edits)) => {
                plan.pinned
                    .push(format!("{where_}: pinned `{from}` -> `{to}`"));
                edits.append(&mut new_edits);
            }
            Err(e) => plan.failed.push(format!("{where_}: {e}")),
        }
    }
    if plan.failed.is_empty() && !edits.is_empty() {
        let applied = edit::apply(old, &edits);
        if applied.skipped.is_empty() && applied.text != old {
            plan.new = Some(applied.text);
        } else if !applied.skipped.is_empty() {
            plan.failed
                .push(format!("{}: overlapping edits; nothing pinned", f.path));
        }
    }
    if !plan.failed.is_empty() {
        plan.pinned.clear();
    }
    // The lines quote URLs from the file and the servers' and git's errors about them.
    for line in plan
        .pinned
        .iter_mut()
        .chain(&mut plan.failed)
        .chain(&mut plan.skipped)
    {
        if let std::borrow::Cow::Owned(hidden) = crate::masked::userinfo::hide(line) {
            *line = hidden;
        }
    }
    Some(plan)
}

/// One target: (what was written, what it becomes, the edits).
fn pin(
    target: &Target,
    old: &str,
    lookup: &dyn Lookup,
    repo: &dyn RepoView,
    cache: &mut Cache,
) -> Result<(String, String, Vec<Edit>), String> {
    match target {
        Target::Image { reference, range } => {
            let r = ImageRef::parse(reference).ok_or("not an image reference")?;
            let found = image(&r, reference, lookup, cache)?;
            let name = r.name();
            let to = match &found.version_tag {
                Some(t) => format!("{name}:{t}@{}", found.digest),
                None => format!("{name}@{}", found.digest),
            };
            Ok((
                reference.clone(),
                to.clone(),
                vec![Edit::replace(range.clone(), to)],
            ))
        }
        Target::ImageTag { name, tag, range } => {
            let shown = format!("{name}:{tag}");
            let r = ImageRef::parse(&shown).ok_or("not an image reference")?;
            let found = image(&r, &shown, lookup, cache)?;
            let to = format!(
                "{}@{}",
                found.version_tag.as_deref().unwrap_or(tag),
                found.digest
            );
            Ok((
                tag.clone(),
                to.clone(),
                vec![Edit::replace(range.clone(), to)],
            ))
        }
        Target::Chart {
            repo: chart_repo,
            chart,
            constraint,
            stream,
            place,
        } => {
            let c = constraint.as_deref().and_then(Constraint::parse);
            let shown = match constraint {
                Some(c) => format!("{chart} {c}"),
                None => chart.clone(),
            };
            let from_stream = stream.as_ref().and_then(|(full, release)| {
                version_stream::chart_version(repo, full, release.as_deref())
                    .map(|s| s.version)
                    .filter(|v| {
                        c.as_ref().is_none_or(|c| {
                            constraint::Version::parse(v).is_some_and(|v| c.admits(&v))
                        })
                    })
            });
            let version = match from_stream {
                Some(v) => v,
                None => {
                    let key = (chart_repo.clone(), chart.clone());
                    let versions = cache
                        .charts
                        .entry(key)
                        .or_insert_with(|| lookup.chart_versions(chart_repo, chart))
                        .clone()
                        .map_err(|e| format!("cannot resolve chart `{shown}`: {e}"))?;
                    highest(versions.iter().map(String::as_str), c.as_ref())
                        .ok_or_else(|| {
                            format!("cannot resolve chart `{shown}`: no release satisfies it")
                        })?
                        .to_string()
                }
            };
            let edits = place_edits(old, place, &version, None)?;
            Ok((shown, version, edits))
        }
        Target::Git {
            url,
            revision,
            place,
        } => {
            let range = revision.as_deref().and_then(Constraint::parse);
            let tags = cache
                .tags
                .entry(url.clone())
                .or_insert_with(|| lookup.git_tags(url))
                .clone()
                .map_err(|e| format!("cannot resolve `{url}`: {e}"))?;
            let shown = format!("{url} {}", revision.as_deref().unwrap_or("HEAD"));
            let tag = highest(tags.iter().map(String::as_str), range.as_ref());
            let (key, value) = match (tag, &range) {
                (Some(t), _) => ("tag", t.to_string()),
                (None, Some(_)) => {
                    return Err(format!("cannot resolve `{shown}`: no tag satisfies it"));
                }
                (None, None) => {
                    let rev = revision.as_deref().unwrap_or("HEAD");
                    let sha = lookup
                        .git_commit(url, rev)
                        .map_err(|e| format!("cannot resolve `{shown}`: {e}"))?;
                    ("commit", sha)
                }
            };
            let edits = place_edits(old, place, &value, Some(key))?;
            Ok((shown, value, edits))
        }
    }
}

fn image(
    r: &ImageRef,
    shown: &str,
    lookup: &dyn Lookup,
    cache: &mut Cache,
) -> Result<ImagePin, String> {
    let key = format!("{}:{}", r.name(), r.tag.unwrap_or("latest"));
    cache
        .images
        .entry(key)
        .or_insert_with(|| lookup.image(r))
        .clone()
        .map_err(|e| format!("cannot resolve image `{shown}`: {e}"))
}

/// The edits that put `value` at `place`; `key` renames a Flux `branch:`.
fn place_edits(
    old: &str,
    place: &Place,
    value: &str,
    key: Option<&str>,
) -> Result<Vec<Edit>, String> {
    match place {
        Place::Value(range) => Ok(vec![Edit::replace(
            range.clone(),
            text::scalar_for(old, range, value),
        )]),
        Place::RenameKey { key: k, value: v } => Ok(vec![
            Edit::replace(k.clone(), key.unwrap_or("tag")),
            Edit::replace(v.clone(), text::scalar_for(old, v, value)),
        ]),
        Place::NewKey {
            key: new,
            beside_key,
            beside_value,
        } => text::new_key(old, beside_key, beside_value, new, value)
            .map(|e| vec![e])
            .ok_or_else(|| format!("cannot tell where to add `{new}`; add it by hand")),
    }
}

/// A file [`write`] left as it was.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotWritten {
    pub path: String,
    /// One line: the path and why.
    pub message: String,
    /// An I/O error (exit 2), not a refusal to overwrite unstaged work.
    pub error: bool,
}

/// Writes the planned files (each only when its working-tree copy is still the staged
/// one); returns the files not written.
pub fn write(plans: &[FilePlan], workdir: &Path) -> Vec<NotWritten> {
    let mut out = Vec::new();
    for p in plans {
        let Some(new) = &p.new else { continue };
        let abs = workdir.join(&p.path);
        let (message, error) = match std::fs::read(&abs) {
            Ok(now) if now == p.old.as_bytes() => {
                match super::atomic::write(&abs, new.as_bytes(), super::atomic::Mode::KeepOr(0o644))
                {
                    Ok(()) => continue,
                    Err(e) => (
                        format!("{}: cannot replace it: {e}; unchanged", p.path),
                        true,
                    ),
                }
            }
            // Unstaged work, or another fix of this run rewrote it: never overwritten.
            Ok(_) => (
                format!(
                    "{}: not pinned: the working-tree file differs from the staged one (stage \
                     it, then run `--fix --resolve` again)",
                    p.path
                ),
                false,
            ),
            Err(e) => (format!("{}: cannot read it: {e}", p.path), true),
        };
        out.push(NotWritten {
            path: p.path.clone(),
            message,
            error,
        });
    }
    out
}

#[cfg(test)]
mod tests;
