//! Tags and branch heads of a git remote, by `git ls-remote` (the user's git: its
//! credentials, proxies and URL rewrites apply), never prompting, with a timeout.

use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// `git ls-remote` gives up after this long.
const TIMEOUT: Duration = Duration::from_secs(20);

fn ls_remote(url: &str, args: &[&str]) -> Result<String, String> {
    if url.starts_with('-') {
        return Err("not a git URL".into());
    }
    let mut child = Command::new("git")
        .arg("ls-remote")
        .args(args)
        .arg("--")
        .arg(url)
        .env("GIT_TERMINAL_PROMPT", "0")
        .env("GCM_INTERACTIVE", "never")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run git: {e}"))?;
    let mut stdout = child.stdout.take().ok_or("cannot read git's output")?;
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stdout.read_to_string(&mut s);
        s
    });
    let start = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if start.elapsed() > TIMEOUT => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("no answer within {} s", TIMEOUT.as_secs()));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(e) => return Err(format!("git ls-remote failed: {e}")),
        }
    };
    let out = reader.join().unwrap_or_default();
    if !status.success() {
        let mut err = String::new();
        if let Some(mut e) = child.stderr.take() {
            let _ = e.read_to_string(&mut err);
        }
        let line = err
            .lines()
            .map(str::trim)
            .find(|l| !l.is_empty())
            .unwrap_or("git ls-remote failed");
        return Err(line.trim_start_matches("fatal: ").to_string());
    }
    Ok(out)
}

/// Every tag name of `url` (peeled duplicates left out).
pub fn tags(url: &str) -> Result<Vec<String>, String> {
    let out = ls_remote(url, &["--tags", "--refs"])?;
    Ok(out
        .lines()
        .filter_map(|l| l.split_once('\t')?.1.strip_prefix("refs/tags/"))
        .map(str::to_string)
        .collect())
}

/// The commit `rev` (`HEAD` or a branch) points at.
pub fn commit(url: &str, rev: &str) -> Result<String, String> {
    let pattern = if rev.eq_ignore_ascii_case("HEAD") {
        "HEAD".to_string()
    } else {
        format!("refs/heads/{rev}")
    };
    let out = ls_remote(url, &[])?;
    out.lines()
        .filter_map(|l| l.split_once('\t'))
        .find(|(_, name)| *name == pattern)
        .map(|(sha, _)| sha.to_string())
        .ok_or_else(|| format!("the remote has no branch `{rev}`"))
}
