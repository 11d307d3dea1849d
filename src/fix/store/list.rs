//! `gitops-guard secrets list`: every saved Secret with its keys (never values), the remote
//! entry and property each key maps to, the backend, and the entries several saved Secrets
//! share (flagged), in human or JSON form.

use super::export::{self, Entry, Target};
use super::{Inventory, plural, sh};
use std::fmt::Write as _;
use std::path::Path;

/// The `--format` of `secrets export` that loads Secrets converted for `backend_type`
/// (`None`: no loader script; `json` is the way out).
pub fn export_format(backend_type: &str) -> Option<&'static str> {
    match backend_type {
        "vault" => Some("vault"),
        "secretsManager" | "systemManager" => Some("aws"),
        "gcpSecretsManager" => Some("gcp"),
        "azureKeyVault" => Some("azure"),
        _ => None,
    }
}

/// The commands that load and then delete what is saved, one per line, for backends
/// `backend_types`. `values_dir` is the `--values-dir` to repeat (`None`: the default).
pub fn next_commands<'a>(
    backend_types: impl Iterator<Item = &'a str>,
    values_dir: Option<&Path>,
) -> Vec<String> {
    let dir_arg = values_dir
        .map(|d| format!(" --values-dir {}", sh(&d.display().to_string())))
        .unwrap_or_default();
    let mut formats: Vec<Option<&str>> = backend_types.map(export_format).collect();
    formats.sort();
    formats.dedup();
    let mut out = Vec::new();
    for f in formats {
        match f {
            Some(f) => {
                out.push(format!(
                    "gitops-guard secrets export --format {f}{dir_arg}          # prints the load script (key names, no values)"
                ));
                out.push(format!(
                    "gitops-guard secrets export --format {f}{dir_arg} | bash   # runs it"
                ));
            }
            None => out.push(format!(
                "gitops-guard secrets export --format json{dir_arg} --out FILE   # the merged entries with their values, for your own loader"
            )),
        }
    }
    out
}

/// Entries fed by more than one saved Secret.
fn shared(entries: &[Entry]) -> Vec<&Entry> {
    entries.iter().filter(|e| e.secrets().len() > 1).collect()
}

/// The human listing.
pub fn human(inv: &Inventory, values_dir_arg: Option<&Path>) -> String {
    let mut out = String::new();
    if inv.saved.is_empty() {
        let _ = writeln!(out, "No saved Secrets in {}.", inv.dir.display());
        for p in &inv.problems {
            let _ = writeln!(out, "  problem: {p}");
        }
        return out;
    }
    let entries = export::group(inv, Target::Recorded, "secret");
    let shared_entries = shared(&entries);
    let is_shared = |secret: usize, key: &str| {
        shared_entries.iter().any(|e| {
            e.fields
                .iter()
                .flat_map(|f| &f.sources)
                .any(|s| s.secret == secret && s.key == key)
        })
    };
    let _ = writeln!(
        out,
        "{} in {}:",
        plural(inv.saved.len(), "saved Secret"),
        inv.dir.display()
    );
    for (i, s) in inv.saved.iter().enumerate() {
        let mut about = vec![
            s.meta.secret_type.clone(),
            s.meta.backend.backend_type.clone(),
        ];
        if !s.meta.manifest.is_empty() {
            about.push(format!("from {}", s.meta.manifest));
        }
        if !s.recorded {
            about.push(
                "no metadata saved: remote keys recomputed from the current configuration".into(),
            );
        }
        let _ = writeln!(out, "  {} ({})", s.id(), about.join(", "));
        let width = s.meta.keys.iter().map(|k| k.key.len()).max().unwrap_or(0);
        for k in &s.meta.keys {
            let mut line = format!("    {:<width$} -> {}", k.key, k.remote_key);
            match &k.property {
                Some(p) => {
                    let _ = write!(line, ", property {p}");
                }
                None => line.push_str(", whole value"),
            }
            if k.binary {
                line.push_str(" (binary: stored as base64)");
            }
            if s.recomputed_keys.contains(&k.key) {
                line.push_str(" (recomputed)");
            }
            if is_shared(i, &k.key) {
                line.push_str("  [shared]");
            }
            let _ = writeln!(out, "{line}");
        }
    }
    if !shared_entries.is_empty() {
        let _ = writeln!(
            out,
            "\nShared remote entries (`gitops-guard secrets export` loads each once, with the properties of all):"
        );
        for e in &shared_entries {
            let who: Vec<String> = e.secrets().iter().map(|i| inv.saved[*i].id()).collect();
            let _ = writeln!(out, "  {}: {}", e.describe(), who.join(", "));
        }
    }
    let conflicts = export::check(inv, &entries);
    if !conflicts.is_empty() {
        let _ = writeln!(out, "\nConflicts (export refuses until they are resolved):");
        for c in &conflicts {
            let _ = writeln!(out, "  {c}");
        }
    }
    if !inv.problems.is_empty() {
        let _ = writeln!(out, "\nProblems:");
        for p in &inv.problems {
            let _ = writeln!(out, "  {p}");
        }
    }
    let _ = writeln!(out, "\nLoad them into the store:");
    for line in next_commands(
        inv.saved
            .iter()
            .map(|s| s.meta.backend.backend_type.as_str()),
        values_dir_arg,
    ) {
        let _ = writeln!(out, "  {line}");
    }
    let dir_arg = values_dir_arg
        .map(|d| format!(" --values-dir {}", sh(&d.display().to_string())))
        .unwrap_or_default();
    let _ = writeln!(
        out,
        "Then delete the saved copies:\n  gitops-guard secrets forget --all{dir_arg}"
    );
    out
}

/// The JSON listing.
pub fn json(inv: &Inventory) -> String {
    let entries = export::group(inv, Target::Recorded, "secret");
    let shared_entries = shared(&entries);
    let secrets: Vec<serde_json::Value> = inv
        .saved
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let keys: Vec<serde_json::Value> = s
                .meta
                .keys
                .iter()
                .map(|k| {
                    let shared = shared_entries.iter().any(|e| {
                        e.fields
                            .iter()
                            .flat_map(|f| &f.sources)
                            .any(|x| x.secret == i && x.key == k.key)
                    });
                    serde_json::json!({
                        "key": k.key,
                        "remote_key": k.remote_key,
                        "property": k.property,
                        "version": k.version,
                        "version_stage": k.version_stage,
                        "binary": k.binary,
                        "shared": shared,
                        "recomputed": s.recomputed_keys.contains(&k.key),
                    })
                })
                .collect();
            serde_json::json!({
                "id": s.id(),
                "namespace": s.meta.namespace,
                "name": s.meta.name,
                "type": s.meta.secret_type,
                "manifest": s.meta.manifest,
                "saved": s.meta.saved,
                "values_file": s.values_file.display().to_string(),
                "metadata_file": s.meta_file.display().to_string(),
                "metadata": if s.recorded { "recorded" } else { "recomputed" },
                "backend": s.meta.backend,
                "keys": keys,
            })
        })
        .collect();
    let shared_json: Vec<serde_json::Value> = shared_entries
        .iter()
        .map(|e| {
            serde_json::json!({
                "backend": e.service.name(),
                "location": e.service.location_json(e.location.as_deref()),
                "name": e.name,
                "remote_keys": e.remote_keys,
                "secrets": e.secrets().iter().map(|i| inv.saved[*i].id()).collect::<Vec<_>>(),
            })
        })
        .collect();
    let mut text = serde_json::to_string_pretty(&serde_json::json!({
        "version": 1,
        "values_dir": inv.dir.display().to_string(),
        "secrets": secrets,
        "shared": shared_json,
        "conflicts": export::check(inv, &entries),
        "problems": inv.problems,
    }))
    .unwrap_or_else(|_| "{}".into());
    text.push('\n');
    text
}
