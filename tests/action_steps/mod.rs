//! Runs the steps of this repository's composite action (action.yml) the way a GitHub runner
//! does: `bash --noprofile --norc -eo pipefail -c <run>`, with `$GITHUB_OUTPUT`, `$GITHUB_PATH`
//! and `$RUNNER_TEMP` set. GitHub's own expressions (`${{ … }}`) are supplied by the test
//! through each step's `env`, which is where action.yml puts every one a script reads.
#![allow(dead_code)]

use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

pub fn action() -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("action.yml");
    let text = std::fs::read_to_string(&path).expect("action.yml");
    serde_saphyr::from_str(&text).expect("action.yml is YAML")
}

pub fn steps(action: &Value) -> &Vec<Value> {
    action["runs"]["steps"].as_array().expect("runs.steps")
}

pub fn step<'a>(action: &'a Value, id: &str) -> &'a Value {
    steps(action)
        .iter()
        .find(|s| s["id"] == id)
        .unwrap_or_else(|| panic!("no step with id {id}"))
}

/// What a step did.
pub struct Ran {
    pub code: i32,
    /// stdout then stderr.
    pub text: String,
    /// What it wrote to `$GITHUB_OUTPUT`.
    pub outputs: BTreeMap<String, String>,
    /// What it wrote to `$GITHUB_PATH`.
    pub path_added: Vec<PathBuf>,
}

/// Runs `step` in `cwd`. `env` must supply exactly the variables the step's `env` declares;
/// `on_path` is put in front of `PATH` (where the runner would have gitops-guard).
pub fn run_step(
    step: &Value,
    cwd: &Path,
    runner_temp: &Path,
    env: &[(&str, &str)],
    on_path: Option<&Path>,
) -> Ran {
    let declared = step["env"].as_object().cloned().unwrap_or_default();
    for (key, _) in env {
        assert!(declared.contains_key(*key), "the step does not read {key}");
    }
    for key in declared.keys() {
        assert!(
            env.iter().any(|(k, _)| k == key),
            "the test must supply {key}"
        );
    }
    let output_file = runner_temp.join("github-output");
    let path_file = runner_temp.join("github-path");
    std::fs::write(&output_file, "").expect("output file");
    std::fs::write(&path_file, "").expect("path file");
    let inherited = std::env::var("PATH").unwrap_or_default();
    let path = match on_path {
        Some(dir) => format!("{}:{inherited}", dir.display()),
        None => inherited,
    };
    let mut cmd = Command::new("bash");
    crate::common::scrubbed(&mut cmd)
        .args(["--noprofile", "--norc", "-eo", "pipefail", "-c"])
        .arg(step["run"].as_str().expect("run"))
        .current_dir(cwd)
        .env("PATH", path)
        .env("GITHUB_OUTPUT", &output_file)
        .env("GITHUB_PATH", &path_file)
        .env("RUNNER_TEMP", runner_temp)
        .envs(env.iter().copied());
    let out = cmd.output().expect("bash");
    let read = |p: &Path| std::fs::read_to_string(p).expect("runner file");
    Ran {
        code: out.status.code().unwrap_or(-1),
        text: format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
        outputs: read(&output_file)
            .lines()
            .filter_map(|l| l.split_once('='))
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        path_added: read(&path_file).lines().map(PathBuf::from).collect(),
    }
}

/// The directory of the binary under test, to put on `PATH`.
pub fn bin_dir() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_gitops-guard"))
        .parent()
        .expect("bin dir")
}
