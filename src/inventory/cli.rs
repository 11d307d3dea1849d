//! `gitops-guard report`: the arguments and the command.

use super::build::{self, Input};
use super::diff::{self, Rev};
use super::read;
use super::render_markdown::Links;
use super::{SourceInfo, render_html, render_json, render_markdown};
use crate::config::{self, Settings};
use crate::source::Repo;
use crate::source::RepoView;
use anyhow::{Context, Result, bail};
use std::io::Write;
use std::path::{Component, Path, PathBuf};

/// Report formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ReportFormat {
    /// A page to read on a git host, or a pull-request comment (default).
    Markdown,
    /// The documented, stable schema (docs/report.md).
    Json,
    /// One self-contained page with sortable, filterable tables.
    Html,
}

/// `gitops-guard report`.
#[derive(Debug, clap::Args)]
pub struct ReportArgs {
    /// Report on a commit (`HEAD`, a branch, a tag, an id) instead of the index.
    #[arg(long, value_name = "REV", conflicts_with_all = ["no_git", "range"])]
    pub rev: Option<String>,
    /// Report on the files of a folder on disk instead of git.
    #[arg(long, value_name = "DIR", conflicts_with = "range")]
    pub no_git: Option<PathBuf>,
    /// What a change does to the cluster: compares the inventories of two commits
    /// (`BASE...HEAD`: of HEAD and its merge base with BASE, as a pull request shows).
    #[arg(long, value_name = "BASE..HEAD")]
    pub range: Option<String>,
    /// Output format (on stdout).
    #[arg(long, value_enum, default_value_t = ReportFormat::Markdown, conflicts_with = "out")]
    pub format: ReportFormat,
    /// Write report.md, report.json and report.html (report.md and report.json for
    /// `--range`) into this folder instead of printing.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Prefix of the links to files, e.g. `https://github.com/org/repo/blob/<sha>/`.
    /// Default: relative links from where the report is written.
    #[arg(long, value_name = "PREFIX")]
    pub links: Option<String>,
    /// Configuration file (default: .gitops-guard.yaml at the repository root).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Ignore any configuration file.
    #[arg(long, conflicts_with = "config")]
    pub isolated: bool,
    /// Run on one thread (results are identical).
    #[arg(long, hide = true)]
    pub serial: bool,
}

fn settings(args: &ReportArgs, root: Option<&Path>) -> Result<Settings> {
    Ok(if args.isolated {
        Settings::default()
    } else if let Some(path) = &args.config {
        Settings::load(path)?
    } else {
        match root.map(|w| w.join(config::FILE_NAME)) {
            Some(path) if path.is_file() => Settings::load(&path)?,
            _ => Settings::default(),
        }
    })
}

/// The path from folder `from` to folder `to`, as a link prefix (`../../`, `out/`, ``).
fn relative(from: &Path, to: &Path) -> Option<String> {
    let canon = |p: &Path| std::fs::canonicalize(p).ok();
    let (from, to) = (canon(from)?, canon(to)?);
    let f: Vec<Component> = from.components().collect();
    let t: Vec<Component> = to.components().collect();
    let common = f.iter().zip(&t).take_while(|(a, b)| a == b).count();
    let mut s = String::new();
    for _ in common..f.len() {
        s.push_str("../");
    }
    for c in &t[common..] {
        s.push_str(&c.as_os_str().to_string_lossy());
        s.push('/');
    }
    Some(s)
}

/// The link prefix: `--links`, else relative from the output folder to the tree's root.
fn link_base(args: &ReportArgs, root: Option<&Path>) -> String {
    if let Some(prefix) = &args.links {
        return prefix.clone();
    }
    match (&args.out, root) {
        (Some(out), Some(root)) => relative(out, root).unwrap_or_default(),
        _ => String::new(),
    }
}

/// Runs the command; exit code 0, or 2 when files could not be read (the report is then
/// written, marked incomplete).
pub fn run(args: &ReportArgs) -> Result<u8> {
    if let Some(range) = &args.range {
        return run_range(args, range);
    }
    if let Some(out) = &args.out {
        std::fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
    }
    let (inventory, root) = if let Some(dir) = &args.no_git {
        let cwd = std::env::current_dir().context("cannot read the current directory")?;
        let settings = settings(args, Some(&cwd))?;
        let (scanned, view) = read::directory(dir, &settings, args.serial)?;
        let inv = build::build(Input {
            source: SourceInfo::Directory {
                path: dir.to_string_lossy().into_owned(),
            },
            facts: scanned.facts,
            outcome: &scanned.outcome,
            repo: &view as &dyn RepoView,
            settings: &settings,
        });
        (inv, Some(dir.clone()))
    } else {
        let repo = Repo::open()?;
        let root = repo.workdir().map(Path::to_path_buf);
        let settings = settings(args, root.as_deref())?;
        let inv = if let Some(rev) = &args.rev {
            let commit = read::resolve_commit(&repo, rev)?;
            let (scanned, view) = read::commit(&repo, &commit, &settings, args.serial)?;
            let inv = build::build(Input {
                source: SourceInfo::Commit {
                    rev: rev.clone(),
                    commit,
                },
                facts: scanned.facts,
                outcome: &scanned.outcome,
                repo: &view,
                settings: &settings,
            });
            std::mem::forget(view);
            inv
        } else {
            let (scanned, view) = read::index(&repo, &settings, args.serial)?;
            let inv = build::build(Input {
                source: SourceInfo::Index,
                facts: scanned.facts,
                outcome: &scanned.outcome,
                repo: &view,
                settings: &settings,
            });
            // The process ends next: the OS frees the view faster (as `check` does).
            std::mem::forget(view);
            inv
        };
        (inv, root)
    };
    let links = Links {
        base: link_base(args, root.as_deref()),
    };
    let code = if inventory.errors.is_empty() { 0 } else { 2 };
    match &args.out {
        Some(out) => {
            write_file(
                &out.join("report.md"),
                &render_markdown::inventory(&inventory, &links),
            )?;
            write_file(
                &out.join("report.json"),
                &render_json::inventory(&inventory),
            )?;
            write_file(
                &out.join("report.html"),
                &render_html::inventory(&inventory, &links.base),
            )?;
        }
        None => {
            let text = match args.format {
                ReportFormat::Markdown => render_markdown::inventory(&inventory, &links),
                ReportFormat::Json => render_json::inventory(&inventory),
                ReportFormat::Html => render_html::inventory(&inventory, &links.base),
            };
            print(&text)?;
        }
    }
    Ok(code)
}

fn run_range(args: &ReportArgs, range: &str) -> Result<u8> {
    if args.format == ReportFormat::Html && args.out.is_none() {
        bail!("`--range` writes markdown or json (use `--format markdown` or `--format json`)");
    }
    if let Some(out) = &args.out {
        std::fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
    }
    let repo = Repo::open()?;
    let root = repo.workdir().map(Path::to_path_buf);
    let settings = settings(args, root.as_deref())?;
    let read = read::range(&repo, range, &settings, args.serial)?;
    let side = |s: &read::Side, rev: &str| {
        build::build(Input {
            source: SourceInfo::Commit {
                rev: rev.to_string(),
                commit: s.commit.clone(),
            },
            facts: s.scanned.facts.clone(),
            outcome: &s.scanned.outcome,
            repo: &s.view,
            settings: &settings,
        })
    };
    let base = side(&read.base, &read.base_rev);
    let head = side(&read.head, &read.head_rev);
    let changes = diff::diff(
        range,
        (
            &base,
            Rev {
                rev: read.base_rev.clone(),
                commit: read.base.commit.clone(),
            },
        ),
        (
            &head,
            Rev {
                rev: read.head_rev.clone(),
                commit: read.head.commit.clone(),
            },
        ),
        read.changed.clone(),
    );
    let links = Links {
        base: link_base(args, root.as_deref()),
    };
    let code = if base.errors.is_empty() && head.errors.is_empty() {
        0
    } else {
        2
    };
    std::mem::forget(read);
    match &args.out {
        Some(out) => {
            write_file(
                &out.join("report.md"),
                &render_markdown::changes(&changes, &links),
            )?;
            write_file(&out.join("report.json"), &render_json::changes(&changes))?;
        }
        None => {
            let text = match args.format {
                ReportFormat::Json => render_json::changes(&changes),
                _ => render_markdown::changes(&changes, &links),
            };
            print(&text)?;
        }
    }
    Ok(code)
}

fn write_file(path: &Path, text: &str) -> Result<()> {
    std::fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))
}

fn print(text: &str) -> Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.flush()?;
    Ok(())
}
