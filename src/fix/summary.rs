//! The human summary of a `--fix` run: what was converted, where the values are, and the
//! next steps (`gitops-guard secrets export`, `git add`, `secrets forget`). Key names and
//! paths, never values.

use super::{FixReport, FixedSecret, Status, store};
use crate::config::FixFormat;
use std::fmt::Write as _;

impl FixReport {
    /// The human summary: what was done, where the values are, the commands to load them
    /// (with key names, never values) and what to do next.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let fixed: Vec<_> = self.fixed().collect();
        let secrets: usize = fixed.iter().map(|(_, s)| s.len()).sum();
        let api = match self.format {
            FixFormat::Eso => "external-secrets.io/v1",
            FixFormat::Kes => "kubernetes-client.io/v1",
        };
        if secrets > 0 {
            let _ = writeln!(
                out,
                "--fix: converted {} into ExternalSecrets ({api}) in {}:",
                plural(secrets, "Secret"),
                plural(fixed.len(), "file")
            );
        }
        for f in &self.files {
            match &f.status {
                Status::Fixed(list) => {
                    for s in list {
                        let _ = writeln!(
                            out,
                            "  fixed    {}: Secret {} (keys: {})",
                            f.path,
                            qualified(s),
                            s.keys
                                .iter()
                                .map(|k| k.secret_key.as_str())
                                .collect::<Vec<_>>()
                                .join(", ")
                        );
                    }
                }
                Status::AlreadyFixed => {
                    let _ = writeln!(
                        out,
                        "  pending  {}: already converted in the working tree; review it and `git add` it",
                        f.path
                    );
                }
                Status::Refused(why) => {
                    let _ = writeln!(out, "  skipped  {}: {why}", f.path);
                }
                Status::Failed(why) => {
                    let _ = writeln!(out, "  not fixed {}: {why}", f.path);
                }
                Status::Error(why) => {
                    let _ = writeln!(out, "  error    {}: {why}", f.path);
                }
            }
        }
        if secrets == 0 {
            return out;
        }
        let _ = writeln!(
            out,
            "\nThe values were saved outside git (never printed), one JSON file per Secret (binary \
             values as\n{{\"base64\": ...}}), each with a .meta file recording where its keys go in \
             the store:"
        );
        let mut files: Vec<&FixedSecret> = fixed.iter().flat_map(|(_, s)| s.iter()).collect();
        files.sort_by(|a, b| a.values_file.cmp(&b.values_file));
        files.dedup_by(|a, b| a.values_file == b.values_file);
        for s in &files {
            let _ = writeln!(out, "  {}", s.values_file.display());
        }
        let _ = writeln!(
            out,
            "\nNext steps:\n  1. Load the values into your secret store, one merged, re-runnable load \
             per remote entry\n     (`gitops-guard secrets list` shows where each key goes; the \
             script reads the values\n     with jq when it runs):"
        );
        for line in store::list::next_commands(
            files.iter().map(|s| s.backend_type.as_str()),
            self.values_dir_arg.as_deref(),
        ) {
            let _ = writeln!(out, "       {line}");
        }
        let paths: Vec<String> = fixed.iter().map(|(p, _)| store::sh(p)).collect();
        let _ = writeln!(
            out,
            "  2. Review and stage the converted files, then commit again:\n       git diff -- {0}\n       git add {0}",
            paths.join(" ")
        );
        let dir_arg = self
            .values_dir_arg
            .as_ref()
            .map(|d| format!(" --values-dir {}", store::sh(&d.display().to_string())))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "  3. Once the store has the values, delete the saved copies:\n       gitops-guard secrets forget --all{dir_arg}"
        );
        out
    }
}

fn qualified(s: &FixedSecret) -> String {
    match &s.namespace {
        Some(ns) => format!("{ns}/{}", s.name),
        None => s.name.clone(),
    }
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}
