//! The command line. Parses arguments, loads settings, and hands off to the library.

use anyhow::{Context, Result};
use clap::{Args, Parser, Subcommand};
use gitops_guard::baseline::{self, Baseline};
use gitops_guard::config::{self, Settings};
use gitops_guard::fix::moves;
use gitops_guard::report::{self, Format};
use gitops_guard::source::{Limits, Repo, RepoView, ScanSet, Selection};
use gitops_guard::{engine, fix, hook, manifest, rules};
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

/// Keeps a GitOps repository clean at commit time: no raw Secrets, no unpinned artifacts,
/// no files off the canonical layout.
#[derive(Parser)]
#[command(name = "gitops-guard", version, about, max_term_width = 100)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check what the commit will contain (the staged content); exit 1 on findings.
    Check(CheckArgs),
    /// List the rules.
    Rules {
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Human)]
        format: Format,
    },
    /// Show a rule's documentation.
    Rule {
        /// A code (GG101) or name (raw-secret).
        code: String,
    },
    /// Install gitops-guard as a git hook (chaining any hook that is already there).
    Install(hook::InstallArgs),
    /// Remove the hook `install` wrote and put back the one it replaced.
    Uninstall(hook::UninstallArgs),
    /// Server side: check a push (git's pre-receive hook input on stdin); exit 1 refuses it.
    PreReceive(hook::PreReceiveArgs),
    /// What `check --fix` saved: list it, export it into the secret store, forget it.
    Secrets {
        #[command(subcommand)]
        command: gitops_guard::secrets::SecretsCommand,
    },
    /// Report what runs where at which version (index, commit or folder), or what a range
    /// of commits changes in the cluster (`--range BASE..HEAD`).
    Report(gitops_guard::inventory::cli::ReportArgs),
    /// Accept the findings the repository has now: write .gitops-guard-baseline.json (meant
    /// to be committed), which `check` then honours. Rewritten from scratch each time.
    Baseline(BaselineArgs),
    /// Write a commented default .gitops-guard.yaml at the repository root.
    Init {
        /// Overwrite an existing file.
        #[arg(long)]
        force: bool,
    },
}

#[derive(Args)]
struct BaselineArgs {
    /// Configuration file (default: .gitops-guard.yaml at the repository root).
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Ignore any configuration file.
    #[arg(long, conflicts_with = "config")]
    isolated: bool,
}

#[derive(Args)]
struct CheckArgs {
    /// Only these paths (files or folders; their staged content). Default: everything the
    /// index adds or changes relative to HEAD.
    paths: Vec<PathBuf>,
    /// Scan every file in the index, not only the staged changes (for CI).
    #[arg(long, conflicts_with_all = ["paths", "range"])]
    all: bool,
    /// Scan what every commit in a revision range adds or changes (`BASE..HEAD`).
    #[arg(long, value_name = "BASE..HEAD", conflicts_with = "paths")]
    range: Option<String>,
    /// Scan files on disk instead of git (PATHS are folders or files; default `.`), e.g.
    /// rendered manifests in CI. `.gitignore`d and hidden files are passed over.
    #[arg(long, conflicts_with_all = ["all", "range", "fix"])]
    no_git: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
    /// Configuration file (default: .gitops-guard.yaml at the repository root).
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Ignore any configuration file.
    #[arg(long, conflicts_with = "config")]
    isolated: bool,
    /// Only these rules (codes, names or code prefixes such as `GG2`; comma-separated).
    #[arg(long, value_delimiter = ',', value_name = "RULES")]
    select: Vec<String>,
    /// Turn these rules off (codes, names or code prefixes such as `GG3`; comma-separated).
    #[arg(long, value_delimiter = ',', value_name = "RULES")]
    ignore: Vec<String>,
    /// Report every finding, also those .gitops-guard-baseline.json accepts.
    #[arg(long)]
    no_baseline: bool,
    /// Print a count per rule instead of the findings (text, or JSON with `--format json`).
    #[arg(long)]
    statistics: bool,
    /// Colour the human report: auto (a terminal, unless NO_COLOR is set, FORCE_COLOR
    /// forces it, TERM=dumb turns it off), always, never.
    #[arg(long, value_enum, value_name = "WHEN", default_value_t = report::color::ColorChoice::Auto)]
    color: report::color::ColorChoice,
    /// Exit 0 even when there are findings.
    #[arg(long)]
    exit_zero: bool,
    /// Also say what was skipped and allowed, and why.
    #[arg(short, long)]
    verbose: bool,
    /// Run on one thread (results are identical; for debugging and benchmarks).
    #[arg(long, hide = true)]
    serial: bool,
    /// Fix what can be fixed, then exit 1 so the result is reviewed: move, rename and split
    /// files to their canonical layout place (GG301/GG303/GG304; in the working tree and the
    /// index, as `git mv` would), and rewrite raw Secrets (GG101) into ExternalSecrets in the
    /// working tree, saving their values outside git first (to be staged).
    #[arg(long, conflicts_with = "range")]
    fix: bool,
    /// Where --fix saves Secret values (default: <git dir>/gitops-guard/secrets).
    #[arg(long, value_name = "DIR", requires = "fix")]
    values_dir: Option<PathBuf>,
    /// Print what --fix would change as a unified diff on stdout, write nothing (no file,
    /// no index, no values store), and exit 1 when there would be changes. Secret values
    /// are masked.
    #[arg(long, conflicts_with_all = ["range", "no_git"])]
    diff: bool,
    /// With --fix or --diff: pin what GG201/GG202/GG204 report, asking the image registry
    /// (tag → version tag + digest), the chart repository (highest release in the range)
    /// or the git remote (newest version tag, else the commit). The only option that uses
    /// the network; a failed lookup leaves the file unchanged and exits 2.
    #[arg(long, conflicts_with = "no_git")]
    resolve: bool,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(err) => {
            // A closed pipe (`| head`) is not an error worth a message (ripgrep does the same).
            if err.chain().any(|c| {
                c.downcast_ref::<std::io::Error>()
                    .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
            }) {
                return ExitCode::from(0);
            }
            eprintln!("gitops-guard: error: {err:#}");
            ExitCode::from(2)
        }
    }
}

fn run(cli: Cli) -> Result<u8> {
    match cli.command {
        Command::Check(args) => check(args),
        Command::Report(args) => gitops_guard::inventory::cli::run(&args),
        Command::Install(args) => {
            hook::install_command(&args, &mut std::io::stdout(), &mut std::io::stderr())
        }
        Command::Uninstall(args) => hook::uninstall_command(&args, &mut std::io::stderr()),
        Command::PreReceive(args) => hook::pre_receive_command(
            &args,
            &mut std::io::stdin().lock(),
            &mut std::io::stdout().lock(),
            &mut std::io::stderr(),
        ),
        Command::Secrets { command } => gitops_guard::secrets::command(
            &command,
            &mut std::io::stdout().lock(),
            &mut std::io::stderr(),
        ),
        Command::Rules { format } => {
            let mut out = std::io::stdout().lock();
            match format {
                Format::Json => {
                    let list: Vec<_> = rules::RULES
                        .iter()
                        .map(|r| {
                            serde_json::json!({
                                "code": r.code(),
                                "name": r.name(),
                                "summary": r.summary(),
                                "severity": r.default_severity().as_str(),
                                "enabled": r.info().enabled,
                                "fixable": r.fixable(),
                            })
                        })
                        .collect();
                    serde_json::to_writer_pretty(&mut out, &list)?;
                    writeln!(out)?;
                }
                _ => {
                    for r in rules::RULES {
                        let fix = if r.fixable() { " (fixable)" } else { "" };
                        writeln!(
                            out,
                            "{}  {:<26} {:<8} {}{fix}",
                            r.code(),
                            r.name(),
                            if r.info().enabled {
                                r.default_severity().as_str()
                            } else {
                                "off"
                            },
                            r.summary()
                        )?;
                    }
                }
            }
            Ok(0)
        }
        Command::Rule { code } => {
            let rule = rules::lookup(&code).with_context(|| {
                let known = gitops_guard::catalog::ALL
                    .iter()
                    .flat_map(|r| [r.code, r.name]);
                format!(
                    "no rule `{code}`{}; `gitops-guard rules` lists them",
                    gitops_guard::suggest::hint(&code, known)
                )
            })?;
            let mut out = std::io::stdout().lock();
            writeln!(
                out,
                "# {} {}\n\n{}\n",
                rule.code(),
                rule.name(),
                rule.summary()
            )?;
            let level = if rule.info().enabled {
                rule.default_severity().as_str().to_string()
            } else {
                format!(
                    "off (opt in with `rules: {{{}: on}}` or `--select`; then {})",
                    rule.code(),
                    rule.default_severity().as_str()
                )
            };
            writeln!(
                out,
                "Default level: {level}{}\n",
                if rule.fixable() {
                    "; fixable with `--fix`"
                } else {
                    ""
                }
            )?;
            write!(out, "{}", rule.doc())?;
            Ok(0)
        }
        Command::Baseline(args) => write_baseline(&args),
        Command::Init { force } => {
            let repo = Repo::open()?;
            let root = repo
                .workdir()
                .context("the repository has no working tree to write a configuration into")?;
            let path = root.join(config::FILE_NAME);
            if path.exists() && !force {
                anyhow::bail!(
                    "{} already exists; use --force to overwrite it",
                    path.display()
                );
            }
            let view = repo.view(&Selection::All)?;
            let detected = config::Detected {
                layout: gitops_guard::layout::detect(view.paths()),
                fix: fix::defaults::detect(&view),
            };
            std::fs::write(&path, config::default_file_text(&detected))
                .with_context(|| format!("cannot write {}", path.display()))?;
            eprintln!("wrote {}", path.display());
            Ok(0)
        }
    }
}

fn load_config(
    config: Option<&std::path::Path>,
    isolated: bool,
    root: Option<&std::path::Path>,
) -> Result<Settings> {
    Ok(if isolated {
        Settings::default()
    } else if let Some(path) = config {
        Settings::load(path)?
    } else {
        match root.map(|w| w.join(config::FILE_NAME)) {
            Some(path) if path.is_file() => Settings::load(&path)?,
            _ => Settings::default(),
        }
    })
}

fn load_settings(args: &CheckArgs, root: Option<&std::path::Path>) -> Result<Settings> {
    let mut settings = load_config(args.config.as_deref(), args.isolated, root)?;
    let codes = |names: &[String]| config::select::codes(names).map_err(anyhow::Error::msg);
    if !args.select.is_empty() {
        let keep = codes(&args.select)?;
        for r in rules::RULES {
            if !keep.contains(&r.code()) {
                settings.set_level(r.code(), None);
            } else if !r.info().enabled
                && settings.level(r.code()).is_none()
                && args.select.iter().any(|s| {
                    gitops_guard::catalog::lookup(s.trim()).is_some_and(|i| i.code == r.code())
                })
            {
                // Naming an opt-in rule by its code or name turns it on; a prefix (`GG2`)
                // does not, as ruff's prefixes leave preview rules out.
                settings.set_level(r.code(), Some(r.default_severity()));
            }
        }
    }
    for code in codes(&args.ignore)? {
        settings.set_level(code, None);
    }
    if args.verbose {
        settings.images.record_allowed();
    }
    Ok(settings)
}

/// `gitops-guard baseline`: every finding of the whole index, written from scratch.
fn write_baseline(args: &BaselineArgs) -> Result<u8> {
    let repo = Repo::open()?;
    let root = repo
        .workdir()
        .context("the repository has no working tree to write a baseline into")?;
    let settings = load_config(args.config.as_deref(), args.isolated, Some(root))?;
    let limits = Limits {
        max_file_size: settings.max_file_size,
    };
    let (set, view) = repo.collect_and_view(&Selection::All, &limits, true)?;
    let outcome = engine::scan(set, &settings, &view, false);
    if !outcome.errors.is_empty() {
        let mut err = std::io::stderr().lock();
        for e in &outcome.errors {
            writeln!(err, "error: {}: {}", e.path, e.message)?;
        }
        anyhow::bail!("not writing a baseline: some files could not be read");
    }
    let entries = baseline::entries(&outcome);
    let path = root.join(config::BASELINE_FILE_NAME);
    std::fs::write(&path, baseline::render(&entries))
        .with_context(|| format!("cannot write {}", path.display()))?;
    let files: std::collections::BTreeSet<&str> = entries.iter().map(|e| e.path.as_str()).collect();
    eprintln!(
        "wrote {} ({} {} in {} {}); commit it, and `gitops-guard check` reports only new findings",
        path.display(),
        entries.len(),
        if entries.len() == 1 {
            "entry"
        } else {
            "entries"
        },
        files.len(),
        if files.len() == 1 { "file" } else { "files" },
    );
    Ok(0)
}

/// Takes what the baseline accepts out of `outcome` (unless `--no-baseline`), returning the
/// accepted findings for `--verbose`. Unused entries are reported only by a scan of everything
/// (`--all`). Reads the baseline only when there is something it could change.
fn apply_baseline(
    args: &CheckArgs,
    root: Option<&std::path::Path>,
    history: &dyn baseline::History,
    settings: &Settings,
    view: &dyn gitops_guard::source::RepoView,
    outcome: &mut engine::Outcome,
) -> Result<Vec<gitops_guard::finding::Finding>> {
    let report_unused = args.all;
    if args.no_baseline || (outcome.files.is_empty() && !report_unused) {
        return Ok(Vec::new());
    }
    let Some(root) = root else {
        return Ok(Vec::new());
    };
    let Some(accepted) =
        Baseline::load(&root.join(config::BASELINE_FILE_NAME)).map_err(anyhow::Error::msg)?
    else {
        return Ok(Vec::new());
    };
    let known = baseline::path_lookup(view.paths());
    Ok(accepted.apply(outcome, &known, report_unused, settings, history))
}

/// `--fix`: converts the GG101 Secrets of the scanned files and prints what was done (to
/// stderr, so `--format json` output stays clean).
fn run_fix(
    repo: &Repo,
    args: &CheckArgs,
    settings: &Settings,
    view: &dyn RepoView,
    outcome: &engine::Outcome,
    inputs: &[(String, Vec<u8>)],
    defaults_line: Option<&str>,
) -> Result<fix::FixReport> {
    let workdir = repo
        .workdir()
        .context("--fix needs a working tree (this repository is bare)")?;
    let values_dir = match &args.values_dir {
        Some(dir) => dir.clone(),
        None => fix::values::default_dir(&repo.common_dir()),
    };
    let parsed = secret_files(outcome, inputs);
    let files = fix_files(&parsed);
    let mut report = fix::run(
        &files,
        &fix::FixOptions {
            workdir,
            values_dir: &values_dir,
            settings,
            repo: view,
        },
    );
    report.values_dir_arg = args.values_dir.clone();
    let text = report.render();
    if !text.is_empty() {
        let mut err = std::io::stderr().lock();
        if let Some(line) = defaults_line {
            writeln!(err, "{line}")?;
        }
        write!(err, "{text}")?;
        if report.changed() && hook::framework::active() {
            // pre-commit installed the binary in its own environment, not on PATH.
            if let Ok(exe) = std::env::current_exe() {
                writeln!(
                    err,
                    "(`gitops-guard` above is this hook's binary, which pre-commit keeps off your \
                     PATH: {})",
                    exe.display()
                )?;
            }
        }
        err.flush()?;
    }
    Ok(report)
}

/// The files with a GG101 finding, parsed again for `--fix`: (result, staged bytes, documents).
/// A file with a raw Secret to convert: its scan result, staged bytes and documents.
type SecretFile<'a> = (
    &'a engine::FileResult,
    &'a [u8],
    Vec<gitops_guard::manifest::Document>,
);

fn secret_files<'a>(
    outcome: &'a engine::Outcome,
    inputs: &'a [(String, Vec<u8>)],
) -> Vec<SecretFile<'a>> {
    let mut parsed = Vec::new();
    for result in &outcome.files {
        if !result.findings.iter().any(|f| f.code == fix::CODE) {
            continue;
        }
        let Some((_, bytes)) = inputs.iter().find(|(p, _)| *p == result.path) else {
            continue;
        };
        let Ok(text) = std::str::from_utf8(bytes) else {
            continue;
        };
        let docs = manifest::parse_file(&result.path, text, manifest::FileKind::of(&result.path));
        parsed.push((result, bytes.as_slice(), docs));
    }
    parsed
}

/// What the Secret fix reads of each parsed file (for `--fix` and `--diff` alike).
fn fix_files<'a>(parsed: &'a [SecretFile<'a>]) -> Vec<fix::FixFile<'a>> {
    parsed
        .iter()
        .map(|(result, bytes, docs)| fix::FixFile {
            path: &result.path,
            staged: bytes,
            docs,
            findings: &result.findings,
        })
        .collect()
}

/// `--fix` with a raw Secret to convert: fills the `fix:` keys the configuration left out
/// with what the index gives (detected only now, never on a plain `check`), and refuses a
/// naming whose remote keys the backend would reject before anything is written. Returns the
/// summary line of the defaults in effect.
fn fix_defaults(
    settings: &mut Settings,
    view: &dyn gitops_guard::source::RepoView,
    outcome: &engine::Outcome,
    inputs: &[(String, Vec<u8>)],
) -> Result<String> {
    let detected = fix::defaults::detect(view);
    let provenance = settings.fix.apply_defaults(&detected);
    let line = provenance.summary();
    let refuse = |e: String| {
        eprintln!("{line}");
        anyhow::anyhow!(e)
    };
    settings
        .fix
        .validate()
        .map_err(|e| refuse(format!("the detected fix defaults are invalid: {e}")))?;
    let mapping = view
        .read(fix::naming::MAPPING_PATH)
        .and_then(|b| {
            std::str::from_utf8(&b)
                .ok()
                .map(fix::naming::SecretMapping::parse)
        })
        .and_then(Result::ok);
    let parsed = secret_files(outcome, inputs);
    let files = fix_files(&parsed);
    fix::backend_keys::check(&files, &settings.fix, mapping.as_ref()).map_err(refuse)?;
    Ok(line)
}

/// The scanned bytes the Secret fix needs again: only those that may hold a Secret.
fn secret_fix_inputs(args: &CheckArgs, set: &ScanSet) -> Vec<(String, Vec<u8>)> {
    if !(args.fix || args.diff) {
        return Vec::new();
    }
    set.candidates
        .iter()
        .filter(|c| rules::contains(&c.bytes, "Secret"))
        .map(|c| (c.path.clone(), c.bytes.clone()))
        .collect()
}

fn check(args: CheckArgs) -> Result<u8> {
    if args.statistics && matches!(args.format, Format::Sarif | Format::Github) {
        anyhow::bail!(
            "--statistics prints text or JSON: use it with --format human, concise or json"
        );
    }
    if args.no_git {
        return check_dir(args);
    }
    let repo = Repo::open()?;
    let mut settings = load_settings(&args, repo.workdir())?;
    let selection = if let Some(range) = &args.range {
        Selection::Range(range.clone())
    } else if args.all {
        Selection::All
    } else if !args.paths.is_empty() {
        Selection::Paths(args.paths.clone())
    } else {
        Selection::Staged
    };
    let limits = Limits {
        max_file_size: settings.max_file_size,
    };
    // Without --fix nothing needs the bytes after the scan: read them while scanning.
    let planning = args.fix || args.diff;
    if args.resolve && !planning {
        anyhow::bail!("--resolve pins what --fix or --diff fixes: add one of them");
    }
    let collect = || -> Result<_> { Ok(repo.collect_and_view(&selection, &limits, !planning)?) };
    let (set, mut view) = collect()?;
    if let Selection::Paths(paths) = &selection {
        warn_unmatched_paths(&repo, paths, view.paths())?;
    }
    let mut fix_inputs = secret_fix_inputs(&args, &set);
    let mut pin_inputs = fix::pin::cli::inputs(args.resolve, &set);
    let mut outcome = engine::scan(set, &settings, &view, args.serial);
    let mut baselined = apply_baseline(
        &args,
        repo.workdir(),
        &baseline::GitHistory::new(repo.git()),
        &settings,
        &view,
        &mut outcome,
    )?;
    if args.diff {
        let code = run_diff(
            &repo,
            &args,
            &mut settings,
            &view,
            &outcome,
            &fix_inputs,
            &pin_inputs,
        )?;
        std::mem::forget(view);
        return Ok(code);
    }
    // Before anything is written: a fix that git or pre-commit would undo is not attempted.
    let hold = if args.fix {
        hook::fix_gate::hold(repo.git(), &fix_targets(&outcome))
    } else {
        None
    };
    let fixing = args.fix && hold.is_none();
    let mut defaults_line = None;
    if fixing && outcome.findings().any(|f| f.code == fix::CODE) {
        // Before anything is moved or written.
        defaults_line = Some(fix_defaults(&mut settings, &view, &outcome, &fix_inputs)?);
    }
    let (mut moved, mut move_failed) = (false, false);
    if fixing {
        // Layout first: moves change paths (in the index too), so the Secret fix and the
        // report see the tree as it is now.
        let paths = moves::fixable_paths(outcome.findings());
        if !paths.is_empty() {
            let report = moves::run(repo.git(), &settings, &view, &paths);
            print_moves(&report)?;
            move_failed = report.error.is_some();
            moved = report.changed();
            if moved {
                let (set, new_view) = collect()?;
                view = new_view;
                fix_inputs = secret_fix_inputs(&args, &set);
                pin_inputs = fix::pin::cli::inputs(args.resolve, &set);
                outcome = engine::scan(set, &settings, &view, args.serial);
                baselined = apply_baseline(
                    &args,
                    repo.workdir(),
                    &baseline::GitHistory::new(repo.git()),
                    &settings,
                    &view,
                    &mut outcome,
                )?;
            }
        }
    }
    outcome.remedy = if args.range.is_some() {
        engine::remedy::Remedy::History
    } else if outcome.findings().any(|f| f.fixable) {
        hook::framework::remedy(repo.workdir())
    } else {
        // Only fixable findings get this advice: nothing to read on a clean commit.
        engine::remedy::Remedy::Fix
    };
    if let Selection::Range(range) = &selection
        && outcome.files_scanned == 0
        && outcome.skipped.is_empty()
        && outcome.errors.is_empty()
    {
        eprintln!(
            "warning: --range {range} adds or changes no file (no commits in it, or only \
             deletions); nothing was checked"
        );
    }
    let allowed = settings.images.allowed_seen();
    let mut code = report_outcome(&args, &outcome, &baselined, &allowed)?;
    if args.format == Format::Human && !args.fix {
        remind_saved_values(&repo)?;
    }
    if let Some(hold) = &hold {
        print_hold(hold, &repo, &settings, &view, &outcome)?;
        code = code.max(1);
    } else if args.fix {
        let report = run_fix(
            &repo,
            &args,
            &settings,
            &view,
            &outcome,
            &fix_inputs,
            defaults_line.as_deref(),
        )?;
        let (pinned, pin_failed) = if args.resolve {
            let workdir = repo
                .workdir()
                .context("--fix needs a working tree (this repository is bare)")?;
            let plans = fix::pin::cli::plan(&view, &outcome, &pin_inputs)
                .map_err(|e| anyhow::anyhow!(e))?;
            fix::pin::cli::fix(&plans, workdir, &mut std::io::stderr().lock())?
        } else {
            (false, false)
        };
        if report.has_errors() || move_failed || pin_failed {
            code = 2;
        } else if report.changed() || moved || pinned {
            // Whatever --fix changed is reviewed before it is committed.
            code = code.max(1);
        }
    }
    // The process ends next: the OS frees the view (every path of the index) faster than
    // dropping its thousands of allocations one by one.
    std::mem::forget(view);
    Ok(if args.exit_zero && code == 1 { 0 } else { code })
}

/// `check --no-git`: files on disk, configuration from the current directory.
fn check_dir(args: CheckArgs) -> Result<u8> {
    let cwd = std::env::current_dir().context("cannot read the current directory")?;
    let settings = load_settings(&args, Some(&cwd))?;
    let limits = Limits {
        max_file_size: settings.max_file_size,
    };
    let (set, view) = gitops_guard::source::dir::collect(&args.paths, &limits);
    let mut outcome = engine::scan(set, &settings, &view, args.serial);
    outcome.remedy = engine::remedy::Remedy::Files;
    let baselined = apply_baseline(
        &args,
        Some(&cwd),
        &baseline::NoHistory,
        &settings,
        &view,
        &mut outcome,
    )?;
    let code = report_outcome(&args, &outcome, &baselined, &settings.images.allowed_seen())?;
    Ok(if args.exit_zero && code == 1 { 0 } else { code })
}

/// Names the command-line paths that select nothing: an untracked file or a typo would
/// otherwise pass as "0 files scanned". A path that does not exist at all is an error.
fn warn_unmatched_paths(repo: &Repo, paths: &[PathBuf], index_paths: &[String]) -> Result<()> {
    let unmatched = repo.unmatched_paths(paths, index_paths)?;
    let mut err = std::io::stderr().lock();
    let mut missing = Vec::new();
    for (path, on_disk) in unmatched {
        if on_disk {
            writeln!(
                err,
                "warning: {} is not in the index (untracked?): not checked; `git add` it first",
                path.display()
            )?;
        } else {
            missing.push(path.display().to_string());
        }
    }
    if !missing.is_empty() {
        anyhow::bail!(
            "no such file or folder, in the index or on disk: {}",
            missing.join(", ")
        );
    }
    Ok(())
}

/// Prints verbose notes and the report; returns the outcome's exit code.
fn report_outcome(
    args: &CheckArgs,
    outcome: &engine::Outcome,
    baselined: &[gitops_guard::finding::Finding],
    allowed_images: &[(String, String)],
) -> Result<u8> {
    let mut err = std::io::stderr().lock();
    for s in &outcome.skipped {
        // Named on the command line and skipped for want of content: say so without -v.
        let named = !args.paths.is_empty() && !args.no_git;
        if args.verbose
            || (named && matches!(s.reason, gitops_guard::source::SkipReason::IntentToAdd))
        {
            let prefix = if args.verbose {
                "skipped"
            } else {
                "warning: not checked:"
            };
            writeln!(err, "{prefix} {}: {}", s.path, s.reason)?;
        }
    }
    if args.verbose {
        let mut excluded: Vec<&String> = outcome.excluded.iter().collect();
        excluded.sort();
        for path in excluded {
            writeln!(
                err,
                "excluded {path}: matches `exclude` in the configuration"
            )?;
        }
        for note in outcome.files.iter().flat_map(|f| &f.notes) {
            writeln!(err, "allowed {note}")?;
        }
        for (image, pattern) in allowed_images {
            writeln!(
                err,
                "allowed image {image}: matches `{pattern}` in `images.allow`"
            )?;
        }
        for f in baselined {
            writeln!(
                err,
                "baselined {} {}:{}:{}: {}",
                f.code, f.path, f.start.line, f.start.column, f.message
            )?;
        }
    }
    drop(err);
    let color = args.format == Format::Human
        && report::color::enabled(
            args.color,
            &|name| std::env::var(name).ok(),
            std::io::stdout().is_terminal(),
        );
    let mut out = std::io::stdout().lock();
    if args.statistics {
        if let Some(written) = report::write_statistics(&mut out, outcome, args.format) {
            written?;
        }
    } else {
        report::write(&mut out, outcome, args.format, color)?;
    }
    out.flush()?;
    Ok(outcome.exit_code())
}

/// One line on stderr while values saved by `--fix` wait in the git folder (not a finding;
/// the exit code stays). One `stat` when there are none.
fn remind_saved_values(repo: &Repo) -> Result<()> {
    let dir = fix::values::default_dir(&repo.common_dir());
    if let Some(pending) = fix::store::pending(&dir) {
        let line = fix::store::reminder(&dir, &pending, std::time::SystemTime::now());
        writeln!(std::io::stderr().lock(), "{line}")?;
    }
    Ok(())
}

/// The files `--fix` would change: those with a fixable layout or Secret finding.
fn fix_targets(outcome: &engine::Outcome) -> std::collections::BTreeSet<String> {
    outcome
        .findings()
        .filter(|f| f.fixable && (f.code == fix::CODE || moves::CODES.contains(&f.code)))
        .map(|f| f.path.clone())
        .collect()
}

/// Says on stderr why `--fix` wrote nothing, what it would have done, and what to do.
fn print_hold(
    hold: &hook::fix_gate::Hold,
    repo: &Repo,
    settings: &Settings,
    view: &dyn RepoView,
    outcome: &engine::Outcome,
) -> Result<()> {
    let mut would: Vec<String> = Vec::new();
    let paths = moves::fixable_paths(outcome.findings());
    if !paths.is_empty() {
        let plan = moves::plan(repo.git(), settings, view, &paths);
        would.extend(plan.would.iter().map(|a| match a {
            moves::Action::Move { from, to } => format!("move {from} -> {to}"),
            moves::Action::Split { from, to } => format!("split {from} -> {}", to.join(", ")),
        }));
    }
    let secrets: std::collections::BTreeSet<&str> = outcome
        .findings()
        .filter(|f| f.fixable && f.code == fix::CODE)
        .map(|f| f.path.as_str())
        .collect();
    would.extend(secrets.iter().map(|p| {
        format!("convert the raw Secrets in {p} into ExternalSecrets (values saved outside git)")
    }));
    let mut err = std::io::stderr().lock();
    writeln!(err, "gitops-guard: {hold}")?;
    if !would.is_empty() {
        writeln!(err, "gitops-guard: --fix would:")?;
        for line in would {
            writeln!(err, "  {line}")?;
        }
    }
    Ok(())
}

/// Says on stderr what `--fix` moved, or why it moved nothing.
fn print_moves(report: &moves::MoveReport) -> Result<()> {
    let mut err = std::io::stderr().lock();
    for action in &report.applied {
        writeln!(err, "{action}")?;
    }
    for c in &report.conflicts {
        writeln!(err, "conflict: {}: {}", c.path, c.message)?;
    }
    if !report.conflicts.is_empty() {
        writeln!(
            err,
            "nothing was moved: resolve the conflicts above and run `--fix` again"
        )?;
    }
    for (path, why) in &report.skipped {
        writeln!(err, "not moved: {path}: {why}")?;
    }
    if let Some(e) = &report.error {
        writeln!(err, "gitops-guard: error: {e}")?;
    }
    Ok(())
}

/// `--diff`: every fix planned, printed as a unified diff on stdout, nothing written.
/// Exit 1 when something would change, 2 when something could not be planned.
fn run_diff(
    repo: &Repo,
    args: &CheckArgs,
    settings: &mut Settings,
    view: &dyn RepoView,
    outcome: &engine::Outcome,
    fix_inputs: &[(String, Vec<u8>)],
    pin_inputs: &[(String, Vec<u8>)],
) -> Result<u8> {
    let workdir = repo
        .workdir()
        .context("--diff needs a working tree (this repository is bare)")?;
    let mut out = std::io::stdout().lock();
    let mut err = std::io::stderr().lock();
    let (mut changed, mut failed) = (false, false);
    let paths = moves::fixable_paths(outcome.findings());
    if !paths.is_empty() {
        let report = moves::plan(repo.git(), settings, view, &paths);
        for action in &report.would {
            changed = true;
            match action {
                moves::Action::Move { from, to } => write!(
                    out,
                    "diff --git a/{from} b/{to}\nsimilarity index 100%\nrename from {from}\nrename to {to}\n"
                )?,
                moves::Action::Split { from, to } => {
                    // The pieces are the file's documents as they are; only the headers. A
                    // piece that keeps the file's name rewrites it in place.
                    if to.contains(from) {
                        writeln!(out, "diff --git a/{from} b/{from}")?;
                    } else {
                        writeln!(
                            out,
                            "diff --git a/{from} b/{from}\ndeleted file mode 100644"
                        )?;
                    }
                    for t in to.iter().filter(|t| *t != from) {
                        writeln!(out, "diff --git a/{t} b/{t}\nnew file mode 100644")?;
                    }
                }
            }
        }
        for c in &report.conflicts {
            writeln!(err, "conflict: {}: {}", c.path, c.message)?;
        }
        for (path, why) in &report.skipped {
            writeln!(err, "not moved: {path}: {why}")?;
        }
        if let Some(e) = &report.error {
            writeln!(err, "gitops-guard: error: {e}")?;
            failed = true;
        }
    }
    if outcome.findings().any(|f| f.code == fix::CODE) {
        fix_defaults(settings, view, outcome, fix_inputs)?;
        let values_dir = fix::values::default_dir(&repo.common_dir());
        let parsed = secret_files(outcome, fix_inputs);
        let files = fix_files(&parsed);
        let (previews, outcomes) = fix::preview(
            &files,
            &fix::FixOptions {
                workdir,
                values_dir: &values_dir,
                settings,
                repo: view,
            },
        );
        for (path, old, new) in &previews {
            let d = fix::diff::unified_masked(path, old, new, settings);
            changed |= !d.is_empty();
            write!(out, "{d}")?;
        }
        for o in &outcomes {
            match &o.status {
                fix::Status::Refused(why) | fix::Status::Failed(why) => {
                    writeln!(err, "not fixed: {}: {why}", o.path)?;
                }
                fix::Status::Error(why) => {
                    writeln!(err, "not fixed: {}: {why}", o.path)?;
                    failed = true;
                }
                _ => {}
            }
        }
    }
    if args.resolve {
        let plans =
            fix::pin::cli::plan(view, outcome, pin_inputs).map_err(|e| anyhow::anyhow!(e))?;
        failed |= fix::pin::cli::print_problems(&plans, &mut err)?;
        for p in &plans {
            if let Some(new) = &p.new {
                let d = fix::diff::unified_masked(&p.path, &p.old, new, settings);
                changed |= !d.is_empty();
                write!(out, "{d}")?;
            }
        }
    }
    out.flush()?;
    Ok(if failed {
        2
    } else if changed {
        1
    } else {
        0
    })
}
