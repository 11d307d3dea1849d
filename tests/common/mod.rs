//! Shared helpers for integration tests: temporary git repositories (a working one, a clone,
//! a bare "server", a folder outside any repository), git and the real binary run with a
//! clean environment, and the real corpus.
#![allow(dead_code)]

use assert_cmd::Command;
use std::path::{Path, PathBuf};
use std::process::Output;

/// A temporary git repository (branch `main`, fixed identity, no global config).
pub struct TestRepo {
    dir: tempfile::TempDir,
}

/// Environment that must not leak from the test runner into git or the binary.
const SCRUB: &[&str] = &[
    "GIT_DIR",
    "GIT_INDEX_FILE",
    "GIT_WORK_TREE",
    "GIT_OBJECT_DIRECTORY",
    "GIT_COMMON_DIR",
    "GIT_CEILING_DIRECTORIES",
    "PRE_COMMIT",
];

pub fn scrubbed(cmd: &mut std::process::Command) -> &mut std::process::Command {
    for var in SCRUB {
        cmd.env_remove(var);
    }
    cmd.env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_NAME", "t")
        .env("GIT_AUTHOR_EMAIL", "t@example.com")
        .env("GIT_COMMITTER_NAME", "t")
        .env("GIT_COMMITTER_EMAIL", "t@example.com")
        .env("NO_COLOR", "1")
}

impl TestRepo {
    pub fn new() -> TestRepo {
        let dir = tempfile::tempdir().expect("tempdir");
        let repo = TestRepo { dir };
        repo.git(&["init", "-q", "-b", "main"]);
        repo.git(&["config", "commit.gpgsign", "false"]);
        repo.git(&["config", "core.autocrlf", "false"]);
        repo
    }

    /// A clone of `src` (`git clone -q <args>`, e.g. `--depth 1` or `--bare`).
    pub fn clone_of(src: &TestRepo, args: &[&str]) -> TestRepo {
        let dir = tempfile::tempdir().expect("tempdir");
        let url = format!("file://{}", src.path().display());
        let mut all = vec!["clone", "-q"];
        all.extend_from_slice(args);
        all.extend([url.as_str(), "."]);
        git_ok(dir.path(), &all);
        TestRepo { dir }
    }

    /// A repository holding a copy of `tree`, every file staged.
    pub fn staging_tree(tree: &Path) -> TestRepo {
        let repo = TestRepo::new();
        copy_tree(tree, repo.path());
        repo.git(&["add", "-A"]);
        repo
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn join(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    /// Runs git in the repository root and asserts success.
    pub fn git(&self, args: &[&str]) -> Output {
        self.git_in(self.path(), args)
    }

    pub fn git_in(&self, cwd: &Path, args: &[&str]) -> Output {
        let out = git(cwd, args);
        assert!(
            out.status.success(),
            "git {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        out
    }

    /// Writes a file in the working tree (creating folders).
    pub fn write(&self, rel: &str, content: impl AsRef<[u8]>) {
        let path = self.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("mkdir");
        }
        std::fs::write(path, content).expect("write");
    }

    /// Writes and stages a file.
    pub fn stage(&self, rel: &str, content: impl AsRef<[u8]>) {
        self.write(rel, content);
        self.git(&["add", "--", rel]);
    }

    pub fn commit(&self, msg: &str) {
        self.git(&["commit", "-q", "--no-verify", "-m", msg]);
    }

    /// The binary, run in the repository root with a clean environment.
    pub fn cmd(&self) -> Command {
        self.cmd_in(self.path())
    }

    pub fn cmd_in(&self, cwd: &Path) -> Command {
        Command::from_std(bin(cwd))
    }

    /// Runs `gitops-guard check --format json <args>` and returns (exit code, JSON).
    pub fn check_json(&self, args: &[&str]) -> (i32, serde_json::Value) {
        run_json(self.cmd().arg("check").args(args))
    }
}

/// A bare repository (branch `main`) in a temporary folder: a "server" to push to.
pub struct BareRepo {
    dir: tempfile::TempDir,
    path: PathBuf,
}

impl BareRepo {
    pub fn new() -> BareRepo {
        let dir = tempfile::tempdir().expect("tempdir");
        git_ok(
            dir.path(),
            &["init", "-q", "--bare", "-b", "main", "srv.git"],
        );
        let path = dir.path().join("srv.git");
        BareRepo { dir, path }
    }

    /// The bare repository (its git directory).
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The temporary folder around it, for files that must not be inside it.
    pub fn scratch(&self) -> &Path {
        self.dir.path()
    }

    pub fn url(&self) -> &str {
        self.path.to_str().expect("utf-8 temp path")
    }
}

/// A temporary folder outside any git repository: git's search for one stops above it.
pub struct NotARepo {
    dir: tempfile::TempDir,
}

impl NotARepo {
    pub fn new() -> NotARepo {
        NotARepo {
            dir: tempfile::tempdir().expect("tempdir"),
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// The binary, run in the folder.
    pub fn cmd(&self) -> std::process::Command {
        let mut cmd = bin(self.path());
        cmd.env(
            "GIT_CEILING_DIRECTORIES",
            self.path().parent().expect("a parent"),
        );
        cmd
    }
}

/// The binary, run in `cwd` with a clean environment (a std command: it can be spawned and
/// killed; `assert_cmd::Command::from_std` makes it an assert_cmd one).
pub fn bin(cwd: &Path) -> std::process::Command {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_gitops-guard"));
    scrubbed(&mut cmd).current_dir(cwd);
    cmd
}

/// git, run in `cwd` with a clean environment, for extra arguments or variables.
pub fn git_cmd(cwd: &Path) -> std::process::Command {
    let mut cmd = std::process::Command::new("git");
    scrubbed(&mut cmd).current_dir(cwd);
    cmd
}

/// Runs git in `cwd`; success is not checked (see [`git_ok`]).
pub fn git(cwd: &Path, args: &[&str]) -> Output {
    git_cmd(cwd).args(args).output().expect("run git")
}

/// Runs git in `cwd`, asserts success, and returns its trimmed stdout.
pub fn git_ok(cwd: &Path, args: &[&str]) -> String {
    let out = git(cwd, args);
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// stdout then stderr, as text.
pub fn output_text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Runs a prepared command that prints JSON; returns (exit code, JSON).
pub fn run_json(cmd: &mut Command) -> (i32, serde_json::Value) {
    let out = cmd
        .arg("--format")
        .arg("json")
        .output()
        .expect("run binary");
    let code = out.status.code().unwrap_or(-1);
    let json = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}); exit {code}\nstdout: {}\nstderr: {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (code, json)
}

/// (code, path, line) of every finding, in report order.
pub fn findings(json: &serde_json::Value) -> Vec<(String, String, u64)> {
    json["findings"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|f| {
                    (
                        f["code"].as_str().unwrap_or_default().to_string(),
                        f["path"].as_str().unwrap_or_default().to_string(),
                        f["line"].as_u64().unwrap_or_default(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Shorthand for expected findings.
pub fn f(code: &str, path: &str, line: u64) -> (String, String, u64) {
    (code.to_string(), path.to_string(), line)
}

/// The real GitOps trees in `tests/fixtures/corpus/`, one folder per repository.
pub fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/corpus")
}

/// One tree of the corpus (`<owner>__<repo>`); a missing tree fails the test.
pub fn corpus_tree(name: &str) -> PathBuf {
    let dir = corpus_dir().join(name);
    assert!(dir.is_dir(), "corpus tree {} is missing", dir.display());
    dir
}

/// Copies a folder tree (regular files and folders).
pub fn copy_tree(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).expect("read_dir") {
        let entry = entry.expect("entry");
        let dest = to.join(entry.file_name());
        if entry.file_type().expect("file type").is_dir() {
            std::fs::create_dir_all(&dest).expect("mkdir");
            copy_tree(&entry.path(), &dest);
        } else {
            std::fs::copy(entry.path(), &dest).expect("copy");
        }
    }
}
