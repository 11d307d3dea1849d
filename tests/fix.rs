//! `gitops-guard check --fix` end to end: the real binary in temporary git repositories.

mod common;

use common::{TestRepo, scrubbed};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Output;

const DB: &str = "# Source: db/templates/config.yaml
apiVersion: v1
kind: ConfigMap
metadata:
  name: db-config
  namespace: apps
data:
  mode: primary
---
# Source: db/templates/secret.yaml
apiVersion: v1
kind: Secret
metadata:
  name: db
  namespace: apps
  labels: {app: db}
type: Opaque
data:
  password: aHVudGVyMg==
stringData:
  user: admin-user
---
apiVersion: v1
kind: Service
metadata:
  name: db
  namespace: apps
";

const API: &str = "apiVersion: v1
kind: Secret
metadata:
  name: api
  namespace: apps
stringData:
  token: s3cr3t-token
";

const LIST: &str = "apiVersion: v1
kind: List
items:
  - apiVersion: v1
    kind: Secret
    metadata:
      name: a
      namespace: jx
    stringData:
      key-a: value-aaa
  - apiVersion: v1
    kind: ConfigMap
    metadata:
      name: keep
  - apiVersion: v1
    kind: Secret
    metadata:
      name: b
      namespace: jx
    data:
      key-b: dmFsdWUtYmJi
";

const TLS_JSON: &str = "{
  \"apiVersion\": \"v1\",
  \"kind\": \"Secret\",
  \"metadata\": {\"name\": \"tls\", \"namespace\": \"infra\"},
  \"type\": \"kubernetes.io/tls\",
  \"data\": {\"tls.crt\": \"Y2VydC1jY2M=\", \"tls.key\": \"a2V5LWtraw==\"}
}
";

/// (path, content) of every manifest of the multi-file scenario.
const FILES: &[(&str, &str)] = &[
    ("apps/db.yaml", DB),
    ("apps/api.yaml", API),
    ("jx/list.yaml", LIST),
    ("infra/tls.json", TLS_JSON),
];

/// The values each Secret must end up with: (namespace/name, key, value).
const EXPECTED: &[(&str, &str, &str)] = &[
    ("apps/db", "password", "hunter2"),
    ("apps/db", "user", "admin-user"),
    ("apps/api", "token", "s3cr3t-token"),
    ("jx/a", "key-a", "value-aaa"),
    ("jx/b", "key-b", "value-bbb"),
    ("infra/tls", "tls.crt", "cert-ccc"),
    ("infra/tls", "tls.key", "key-kkk"),
];

/// Which Secrets each file holds.
fn secrets_of(path: &str) -> &'static [&'static str] {
    match path {
        "apps/db.yaml" => &["apps/db"],
        "apps/api.yaml" => &["apps/api"],
        "jx/list.yaml" => &["jx/a", "jx/b"],
        "infra/tls.json" => &["infra/tls"],
        _ => &[],
    }
}

/// Every secret value in any form that could leak (decoded and base64).
const LEAKS: &[&str] = &[
    "hunter2",
    "aHVudGVyMg",
    "admin-user",
    "s3cr3t-token",
    "value-aaa",
    "value-bbb",
    "dmFsdWUtYmJi",
    "cert-ccc",
    "Y2VydC1jY2M",
    "key-kkk",
    "a2V5LWtraw",
];

fn assert_no_leak(out: &Output) {
    for stream in [&out.stdout, &out.stderr] {
        let text = String::from_utf8_lossy(stream);
        for v in LEAKS {
            assert!(!text.contains(v), "`{v}` leaked into the output:\n{text}");
        }
    }
}

fn scenario() -> TestRepo {
    let repo = TestRepo::new();
    for (path, content) in FILES {
        repo.stage(path, content);
    }
    repo
}

fn values_dir(repo: &TestRepo) -> PathBuf {
    repo.join(".git/gitops-guard/secrets")
}

fn fix(repo: &TestRepo, extra: &[&str]) -> Output {
    let out = repo
        .cmd()
        .args(["check", "--fix", "--select", "GG101"])
        .args(extra)
        .output()
        .expect("run");
    assert_no_leak(&out);
    out
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Reads a values file as key → value (binary markers are not used in these fixtures).
fn read_values(path: &Path) -> Option<BTreeMap<String, String>> {
    let text = std::fs::read_to_string(path).ok()?;
    let v: serde_json::Value = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("{} is not complete JSON ({e}):\n{text}", path.display()));
    Some(
        v.as_object()
            .expect("object")
            .iter()
            .map(|(k, v)| (k.clone(), v.as_str().expect("string").to_string()))
            .collect(),
    )
}

fn assert_values_saved(dir: &Path, secret: &str) {
    let file = dir.join(format!("{secret}.json"));
    let saved = read_values(&file).unwrap_or_else(|| panic!("{} missing", file.display()));
    for (s, k, v) in EXPECTED.iter().filter(|(s, _, _)| *s == secret) {
        assert_eq!(saved.get(*k).map(String::as_str), Some(*v), "{s} {k}");
    }
}

/// The converted content of every file, from one clean run.
fn reference() -> BTreeMap<String, String> {
    let repo = scenario();
    let out = fix(&repo, &[]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    FILES
        .iter()
        .map(|(p, _)| {
            let text = std::fs::read_to_string(repo.join(p)).expect("read");
            assert_ne!(
                &text,
                FILES
                    .iter()
                    .find(|(q, _)| q == p)
                    .map(|(_, c)| c)
                    .unwrap_or(&"")
            );
            (p.to_string(), text)
        })
        .collect()
}

#[test]
fn converts_saves_values_and_exits_1() {
    let repo = scenario();
    let out = fix(&repo, &[]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("converted 5 Secrets"), "{err}");
    assert!(
        err.contains("gitops-guard secrets export --format vault | bash"),
        "{err}"
    );
    assert!(!err.contains("rm "), "{err}");
    assert!(err.contains("git add"), "{err}");

    let db = std::fs::read_to_string(repo.join("apps/db.yaml")).unwrap();
    // Byte-identical surroundings: the documents before and after, the comment, the separators.
    let head = &DB[..DB.find("apiVersion: v1\nkind: Secret").unwrap()];
    let tail = &DB[DB.rfind("---\napiVersion: v1\nkind: Service").unwrap()..];
    assert!(db.starts_with(head), "{db}");
    assert!(db.ends_with(tail), "{db}");
    assert!(head.ends_with("---\n# Source: db/templates/secret.yaml\n"));
    assert!(db.contains("kind: ExternalSecret\n"));

    let dir = values_dir(&repo);
    assert_eq!(
        std::fs::read_to_string(dir.join("apps/db.json")).unwrap(),
        "{\n  \"password\": \"hunter2\",\n  \"user\": \"admin-user\"\n}\n"
    );
    for (s, _, _) in EXPECTED {
        assert_values_saved(&dir, s);
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&dir.join("apps/db.json")), 0o600);
        assert_eq!(mode(&dir.join("apps")), 0o700);
        assert_eq!(mode(&dir), 0o700);
    }
    // The values are not part of the repository content and survive `git clean -fdx`.
    repo.git(&["clean", "-fdxq"]);
    assert!(dir.join("apps/db.json").exists());

    // Staged, the result passes the check.
    repo.git(&["add", "-A"]);
    let out = repo
        .cmd()
        .args(["check", "--select", "GG101"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

#[test]
fn second_run_changes_nothing() {
    let repo = scenario();
    assert_eq!(fix(&repo, &[]).status.code(), Some(1));
    let snapshot = |repo: &TestRepo| -> Vec<Vec<u8>> {
        let mut all: Vec<Vec<u8>> = FILES
            .iter()
            .map(|(p, _)| std::fs::read(repo.join(p)).unwrap())
            .collect();
        for (s, _, _) in EXPECTED {
            all.push(std::fs::read(values_dir(repo).join(format!("{s}.json"))).unwrap());
        }
        all
    };
    let before = snapshot(&repo);
    // Not staged yet: the index still has the Secrets; nothing is rewritten again.
    let out = fix(&repo, &[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("already converted"),
        "{}",
        stderr(&out)
    );
    assert_eq!(snapshot(&repo), before);
    // Staged: nothing to report, nothing to do.
    repo.git(&["add", "-A"]);
    let out = fix(&repo, &["--all"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(snapshot(&repo), before);
}

#[test]
fn partial_staging_is_refused() {
    let repo = TestRepo::new();
    repo.stage("apps/api.yaml", API);
    let unstaged = format!("{API}---\napiVersion: v1\nkind: ConfigMap\nmetadata: {{name: wip}}\n");
    repo.write("apps/api.yaml", &unstaged);
    let out = fix(&repo, &[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("partially staged"),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        std::fs::read_to_string(repo.join("apps/api.yaml")).unwrap(),
        unstaged
    );
    assert!(!values_dir(&repo).exists());
}

#[test]
fn values_dir_flag() {
    let repo = TestRepo::new();
    repo.stage("apps/api.yaml", API);
    let elsewhere = tempfile::tempdir().unwrap();
    let dir = elsewhere.path().join("vals");
    let out = fix(&repo, &["--values-dir", dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_values_saved(&dir, "apps/api");
    assert!(!values_dir(&repo).exists());
    assert!(stderr(&out).contains(&dir.join("apps/api.json").display().to_string()));
}

#[test]
fn invalid_secret_is_left_untouched() {
    let repo = TestRepo::new();
    let bad = "apiVersion: v1\nkind: Secret\nmetadata: {name: bad, namespace: apps}\ndata:\n  password: hunter2!!\n";
    repo.stage("bad.yaml", bad);
    let out = fix(&repo, &[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("`data.password` is not valid base64"),
        "{}",
        stderr(&out)
    );
    assert_eq!(std::fs::read_to_string(repo.join("bad.yaml")).unwrap(), bad);
    assert!(!values_dir(&repo).join("apps/bad.json").exists());
}

/// Makes a folder unwritable even for root (`chattr +i`), undone on drop.
struct Immutable(PathBuf);

impl Immutable {
    fn new(dir: &Path) -> Option<Immutable> {
        let is_root = std::process::Command::new("id")
            .arg("-u")
            .output()
            .is_ok_and(|o| o.stdout.starts_with(b"0\n"));
        if is_root {
            let ok = std::process::Command::new("chattr")
                .arg("+i")
                .arg(dir)
                .status()
                .is_ok_and(|s| s.success());
            ok.then(|| Immutable(dir.to_path_buf()))
        } else {
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o555)).ok()?;
            }
            Some(Immutable(dir.to_path_buf()))
        }
    }
}

impl Drop for Immutable {
    fn drop(&mut self) {
        let _ = std::process::Command::new("chattr")
            .arg("-i")
            .arg(&self.0)
            .status();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let _ = std::fs::set_permissions(&self.0, std::fs::Permissions::from_mode(0o755));
        }
    }
}

#[test]
fn read_only_folder_leaves_the_file_and_saves_values() {
    let repo = TestRepo::new();
    repo.stage("ro/api.yaml", API);
    let Some(guard) = Immutable::new(&repo.join("ro")) else {
        eprintln!("skipped: cannot make a folder read-only here");
        return;
    };
    let out = fix(&repo, &[]);
    drop(guard);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("cannot replace it"),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        std::fs::read_to_string(repo.join("ro/api.yaml")).unwrap(),
        API
    );
    assert_values_saved(&values_dir(&repo), "apps/api");
    let names: Vec<_> = std::fs::read_dir(repo.join("ro")).unwrap().collect();
    assert_eq!(names.len(), 1, "no temp file left");
}

/// Checks the crash invariants: every manifest is old or new, never partial; every Secret
/// of a new manifest has its values saved; every values file is complete JSON.
fn check_invariants(repo: &TestRepo, reference: &BTreeMap<String, String>, context: &str) -> usize {
    let mut converted = 0;
    for (path, old) in FILES {
        let now = std::fs::read_to_string(repo.join(path)).expect("read manifest");
        if now == *old {
            continue;
        }
        assert_eq!(
            &now, &reference[*path],
            "{context}: {path} is neither old nor new"
        );
        converted += 1;
        for s in secrets_of(path) {
            assert_values_saved(&values_dir(repo), s);
            // The metadata is saved before the manifest changes, too.
            let meta = values_dir(repo).join(format!("{s}.meta"));
            let text = std::fs::read_to_string(&meta)
                .unwrap_or_else(|e| panic!("{context}: {} missing: {e}", meta.display()));
            let json: serde_json::Value = serde_json::from_str(&text).unwrap_or_else(|e| {
                panic!("{context}: {} is not complete JSON: {e}", meta.display())
            });
            assert_eq!(json["version"], 1, "{context}");
        }
    }
    let dir = values_dir(repo);
    if dir.exists() {
        for ns in std::fs::read_dir(&dir).expect("read values dir").flatten() {
            for f in std::fs::read_dir(ns.path())
                .expect("read namespace dir")
                .flatten()
            {
                let name = f.file_name().to_string_lossy().into_owned();
                if name.ends_with(".json") {
                    read_values(&f.path());
                }
            }
        }
    }
    converted
}

/// A clean run after the crash finishes the job and leaves no temp files behind.
fn recover(repo: &TestRepo, reference: &BTreeMap<String, String>, context: &str) {
    let out = fix(repo, &[]);
    assert_eq!(out.status.code(), Some(1), "{context}: {}", stderr(&out));
    for (path, _) in FILES {
        let now = std::fs::read_to_string(repo.join(path)).expect("read manifest");
        assert_eq!(&now, &reference[*path], "{context}: {path} after recovery");
    }
    for (s, _, _) in EXPECTED {
        assert_values_saved(&values_dir(repo), s);
        assert!(
            values_dir(repo).join(format!("{s}.meta")).is_file(),
            "{context}: no metadata for {s}"
        );
    }
    let status = repo.git(&["status", "--porcelain", "--untracked-files=all"]);
    let status = String::from_utf8_lossy(&status.stdout);
    assert!(
        !status.contains(".tmp"),
        "{context}: temp files left:\n{status}"
    );
}

/// Runs the binary with the crash hook (`GITOPS_GUARD_TEST_CRASH_AFTER`) and no core dumps.
fn fix_crashing_after(repo: &TestRepo, step: usize) -> Output {
    let mut cmd = std::process::Command::new("sh");
    cmd.arg("-c")
        .arg("ulimit -c 0; exec \"$0\" check --fix --select GG101")
        .arg(env!("CARGO_BIN_EXE_gitops-guard"))
        .env("GITOPS_GUARD_TEST_CRASH_AFTER", step.to_string())
        .current_dir(repo.path());
    let out = scrubbed(&mut cmd).output().expect("run");
    assert_no_leak(&out);
    out
}

#[test]
fn a_crash_at_any_write_step_loses_nothing() {
    let reference = reference();
    let mut crashes = 0;
    for step in 1..200 {
        let repo = scenario();
        let out = fix_crashing_after(&repo, step);
        let context = format!("crash after step {step}");
        if out.status.code() == Some(1) {
            // The run finished before reaching this step: every point was covered.
            check_invariants(&repo, &reference, &context);
            break;
        }
        assert_eq!(out.status.code(), None, "{context}: {}", stderr(&out));
        crashes += 1;
        check_invariants(&repo, &reference, &context);
        recover(&repo, &reference, &context);
    }
    // 5 values files, their 5 metadata files and 4 manifests, each written in 3 steps.
    eprintln!("interrupted at {crashes} write steps");
    assert!(crashes >= 14 * 3 - 1, "only {crashes} crash points");
}

#[test]
fn sigkill_at_random_moments_loses_nothing() {
    let reference = reference();
    // Time one full run to spread the kills over it.
    let repo = scenario();
    let started = std::time::Instant::now();
    fix(&repo, &[]);
    let full = started.elapsed().as_micros().max(1000) as u64;
    let mut seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(7);
    eprintln!("seed {seed}");
    let mut converted_total = 0;
    for round in 0..20 {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let delay = (seed >> 33) % (full * 12 / 10);
        let repo = scenario();
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_gitops-guard"));
        scrubbed(&mut cmd)
            .args(["check", "--fix", "--select", "GG101"])
            .current_dir(repo.path())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null());
        let mut child = cmd.spawn().expect("spawn");
        std::thread::sleep(std::time::Duration::from_micros(delay));
        let _ = child.kill();
        let _ = child.wait();
        let context = format!("round {round}, killed after {delay}µs (seed {seed})");
        converted_total += check_invariants(&repo, &reference, &context);
        recover(&repo, &reference, &context);
    }
    eprintln!("{converted_total} manifests were already converted when killed");
}
