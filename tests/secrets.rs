//! `gitops-guard secrets list / export / forget` end to end: the real binary in temporary git
//! repositories, after a real `check --fix`. Exact output; no value in stdout, stderr or any
//! script; values only in the 0600 files `--format yaml|json --out` writes.

mod common;

use common::TestRepo;
use std::path::{Path, PathBuf};

/// What one run of the binary printed.
struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

/// Runs the binary with `args` in the repository root; fails the test if a value in `secrets`
/// appears in stdout or stderr.
fn run(repo: &TestRepo, args: &[&str], secrets: &[&str]) -> Run {
    run_env(repo, args, secrets, &[])
}

fn run_env(repo: &TestRepo, args: &[&str], secrets: &[&str], env: &[(&str, &str)]) -> Run {
    let mut cmd = repo.cmd();
    cmd.args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("run");
    let r = Run {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    for v in secrets {
        assert!(
            !r.stdout.contains(v) && !r.stderr.contains(v),
            "{args:?}: `{v}` leaked:\n{}\n{}",
            r.stdout,
            r.stderr
        );
    }
    r
}

/// The store folder as the binary names it, and a function that puts `<store>` in its place.
fn store_dir(repo: &TestRepo) -> PathBuf {
    repo.join(".git/gitops-guard/secrets")
}

fn normalize(repo: &TestRepo, text: &str) -> String {
    let store = store_dir(repo);
    let canonical = std::fs::canonicalize(&store).unwrap_or_else(|_| store.clone());
    text.replace(&canonical.display().to_string(), "<store>")
        .replace(&store.display().to_string(), "<store>")
}

#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).expect("stat").permissions().mode() & 0o777
}

/// Stages `files` and runs `check --fix` on them; asserts it converted every Secret.
fn fix(repo: &TestRepo, files: &[(&str, &str)], secrets: &[&str]) {
    for (path, text) in files {
        repo.stage(path, text);
    }
    let r = run(repo, &["check", "--fix", "--select", "GG101"], secrets);
    assert_eq!(r.code, Some(1), "{}", r.stderr);
    assert!(r.stderr.contains("--fix: converted"), "{}", r.stderr);
    assert!(!r.stderr.contains("not fixed"), "{}", r.stderr);
}

const DB: &str = "apiVersion: v1
kind: Secret
metadata:
  name: db
  namespace: apps
  labels: {app: db}
type: Opaque
data:
  password: aHVudGVyMi1kYi1xcQ==
stringData:
  user: admin-user-qq
";

const API: &str = "apiVersion: v1
kind: Secret
metadata: {name: api, namespace: apps}
stringData:
  token: s3cr3t-token-qq
";

const SIMPLE_VALUES: &[&str] = &[
    "hunter2-db-qq",
    "aHVudGVyMi1kYi1xcQ",
    "admin-user-qq",
    "s3cr3t-token-qq",
];

#[test]
fn list_export_forget_end_to_end() {
    let repo = TestRepo::new();
    fix(
        &repo,
        &[("apps/db.yaml", DB), ("apps/api.yaml", API)],
        SIMPLE_VALUES,
    );
    let store = store_dir(&repo);
    #[cfg(unix)]
    for f in [
        "apps/db.json",
        "apps/db.meta",
        "apps/api.json",
        "apps/api.meta",
    ] {
        assert_eq!(mode(&store.join(f)), 0o600, "{f}");
    }

    let r = run(&repo, &["secrets", "list"], SIMPLE_VALUES);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert_eq!(
        normalize(&repo, &r.stdout),
        "2 saved Secrets in <store>:
  apps/api (Opaque, vault, from apps/api.yaml)
    token -> apps/api, property token
  apps/db (Opaque, vault, from apps/db.yaml)
    password -> apps/db, property password
    user     -> apps/db, property user

Load them into the store:
  gitops-guard secrets export --format vault          # prints the load script (key names, no values)
  gitops-guard secrets export --format vault | bash   # runs it
Then delete the saved copies:
  gitops-guard secrets forget --all
"
    );
    assert_eq!(r.stderr, "");

    let r = run(
        &repo,
        &["secrets", "list", "--format", "json"],
        SIMPLE_VALUES,
    );
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    let json: serde_json::Value = serde_json::from_str(&r.stdout).expect("JSON");
    assert_eq!(json["version"], 1);
    assert_eq!(json["secrets"][1]["id"], "apps/db");
    assert_eq!(json["secrets"][1]["type"], "Opaque");
    assert_eq!(json["secrets"][1]["metadata"], "recorded");
    assert_eq!(json["secrets"][1]["backend"]["type"], "vault");
    assert_eq!(
        json["secrets"][1]["keys"][0],
        serde_json::json!({"key": "password", "remote_key": "apps/db", "property": "password",
            "version": null, "version_stage": null, "binary": false, "shared": false,
            "recomputed": false})
    );
    assert_eq!(json["shared"], serde_json::json!([]));
    assert_eq!(json["conflicts"], serde_json::json!([]));

    let r = run(
        &repo,
        &["secrets", "export", "--format", "vault"],
        SIMPLE_VALUES,
    );
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert_eq!(r.stderr, "");
    assert_eq!(
        normalize(&repo, &r.stdout),
        format!(
            "{}values=<store>

{VAULT_LOAD}
# apps/api: token <- apps/api key token
entry_1() {{ jq -cjs '{{\"token\": (.[0][\"token\"] // error(\"apps/api: key token is missing from its values file\"))}}' \"$values\"/apps/api.json; }}

# apps/db: password <- apps/db key password, user <- apps/db key user
entry_2() {{ jq -cjs '{{\"password\": (.[0][\"password\"] // error(\"apps/db: key password is missing from its values file\")), \"user\": (.[0][\"user\"] // error(\"apps/db: key user is missing from its values file\"))}}' \"$values\"/apps/db.json; }}

# Every entry is read once first: a missing file or key stops here, before anything is loaded.
entry_1 >/dev/null
entry_2 >/dev/null

entry_1 | load_vault secret apps/api
entry_2 | load_vault secret apps/db
",
            header(2, "2 vault entries", "vault")
        )
    );

    // The script written to a file: 0600, the same text.
    let out_dir = tempfile::tempdir().expect("tempdir");
    let script = out_dir.path().join("load.sh");
    let r2 = run(
        &repo,
        &[
            "secrets",
            "export",
            "--format",
            "vault",
            "--out",
            script.to_str().expect("utf-8"),
        ],
        SIMPLE_VALUES,
    );
    assert_eq!(r2.code, Some(0), "{}", r2.stderr);
    assert_eq!(std::fs::read_to_string(&script).expect("script"), r.stdout);
    #[cfg(unix)]
    assert_eq!(mode(&script), 0o600);

    // The reminder while values wait: human output only, one line, exit code unchanged.
    repo.git(&["add", "-A"]);
    let r = run(&repo, &["check"], SIMPLE_VALUES);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert_eq!(
        normalize(&repo, &r.stderr),
        "gitops-guard: 2 saved Secrets with plaintext values wait in <store>, the oldest saved less \
         than a minute ago: load them with `gitops-guard secrets export --format vault|aws|gcp|azure`, \
         then delete them with `gitops-guard secrets forget --all` (`gitops-guard secrets list` shows them)\n"
    );
    for format in ["json", "sarif", "github"] {
        let r = run(&repo, &["check", "--format", format], SIMPLE_VALUES);
        assert_eq!(r.code, Some(0), "{format}: {}", r.stderr);
        assert_eq!(r.stderr, "", "{format}");
    }
    // Older files: the age of the oldest.
    let touched = std::process::Command::new("touch")
        .args(["-d", "3 days ago"])
        .arg(store.join("apps/api.json"))
        .status()
        .is_ok_and(|s| s.success());
    if touched {
        let r = run(&repo, &["check"], SIMPLE_VALUES);
        assert!(
            r.stderr.contains(", the oldest saved 3 days ago: "),
            "{}",
            r.stderr
        );
    }

    // Forget one, then the rest.
    let r = run(&repo, &["secrets", "forget", "apps/api"], SIMPLE_VALUES);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert_eq!(
        normalize(&repo, &r.stderr),
        "forgot apps/api: deleted <store>/apps/api.json and its metadata\n"
    );
    assert!(!store.join("apps/api.json").exists() && !store.join("apps/api.meta").exists());
    assert!(store.join("apps/db.json").exists());
    let r = run(&repo, &["secrets", "forget", "apps/nope"], SIMPLE_VALUES);
    assert_eq!(r.code, Some(2));
    assert!(
        r.stderr.contains("no saved Secret `apps/nope` in ")
            && r.stderr.contains("nothing was deleted"),
        "{}",
        r.stderr
    );
    let r = run(&repo, &["secrets", "forget", "--all"], SIMPLE_VALUES);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert_eq!(
        normalize(&repo, &r.stderr),
        "forgot apps/db: deleted <store>/apps/db.json and its metadata\n"
    );
    assert!(!store.exists(), "the empty store folder goes too");
    let r = run(&repo, &["secrets", "list"], SIMPLE_VALUES);
    assert_eq!(
        normalize(&repo, &r.stdout),
        "No saved Secrets in <store>.\n"
    );
    let r = run(&repo, &["check"], SIMPLE_VALUES);
    assert_eq!(r.stderr, "", "no reminder once forgotten");
    let r = run(&repo, &["secrets", "forget", "--all"], SIMPLE_VALUES);
    assert_eq!(r.code, Some(0));
    let r = run(
        &repo,
        &["secrets", "export", "--format", "vault"],
        SIMPLE_VALUES,
    );
    assert_eq!(r.code, Some(2));
    assert!(r.stderr.contains("nothing to export"), "{}", r.stderr);
}

/// The first lines of every script.
fn header(secrets: usize, entries: &str, format: &str) -> String {
    format!(
        "#!/usr/bin/env bash
# Loads {secrets} saved Secrets into {entries}: written by `gitops-guard secrets export --format {format}`.
# No value is written here: the commands read them from the saved files with jq when
# this runs. Each entry gets all its properties at once; running it again changes nothing.
set -euo pipefail
command -v jq >/dev/null || {{ echo \"this script needs jq\" >&2; exit 1; }}
"
    )
}

const VAULT_LOAD: &str = r#"# MOUNT PATH < JSON object: patches the entry (fields no saved Secret names stay) or
# creates it.
load_vault() {
  if vault kv get -mount="$1" "$2" >/dev/null 2>&1 </dev/null; then
    vault kv patch -mount="$1" "$2" - >/dev/null
  else
    vault kv put -mount="$1" "$2" - >/dev/null
  fi
  echo "loaded $1/$2" >&2
}
"#;

/// Two Jenkins X Secrets mapped to one vault entry (`jx/pipelineUser`).
const PIPELINE_MAPPING: &str = "apiVersion: gitops.jenkins-x.io/v1alpha1
kind: SecretMapping
spec:
  secrets:
  - name: jx-pipeline-git-github-github
    namespace: jx
    mappings:
    - name: username
      key: secret/data/jx/pipelineUser
      property: username
    - name: password
      key: secret/data/jx/pipelineUser
      property: token
  - name: tekton-git
    namespace: jx
    mappings:
    - name: username
      key: secret/data/jx/pipelineUser
      property: username
    - name: email
      key: secret/data/jx/pipelineUser
      property: email
  defaults:
    backendType: vault
";

const PIPELINE_GIT: &str = "apiVersion: v1
kind: Secret
metadata: {name: jx-pipeline-git-github-github, namespace: jx}
stringData:
  username: bot-user-xq
  password: bot-token-xq
";

fn tekton_git(username: &str) -> String {
    format!(
        "apiVersion: v1\nkind: Secret\nmetadata: {{name: tekton-git, namespace: jx}}\nstringData:\n  username: {username}\n  email: bot-mail-xq@example.com\n"
    )
}

const PIPELINE_VALUES: &[&str] = &[
    "bot-user-xq",
    "bot-token-xq",
    "bot-mail-xq",
    "other-user-xq",
];

/// A fake `vault` that keeps each entry as a JSON file under `$FAKE_STORE/<mount>/<path>`.
const FAKE_VAULT: &str = r#"#!/usr/bin/env bash
set -eu
echo "vault $*" >> "$FAKE_STORE/log"
op=$2; mount=${3#-mount=}; f="$FAKE_STORE/$mount/$4"
case $op in
  get) [ -f "$f" ] ;;
  put) mkdir -p "$(dirname "$f")"; cat > "$f" ;;
  patch) new=$(cat); printf '%s' "$new" | jq -cjs '.[0] * .[1]' "$f" - > "$f.new"; mv "$f.new" "$f" ;;
esac
"#;

/// A fake `gcloud`: `secrets describe|create|versions add NAME ... [--project P]`.
const FAKE_GCLOUD: &str = r#"#!/usr/bin/env bash
set -eu
echo "gcloud $*" >> "$FAKE_STORE/log"
case "$2" in
  describe) [ -f "$FAKE_STORE/$3.created" ] ;;
  create) touch "$FAKE_STORE/$3.created" ;;
  versions) [ -f "$FAKE_STORE/$4.created" ]; cat > "$FAKE_STORE/$4" ;;
esac
"#;

/// A fake `az`: `keyvault secret set --vault-name V --name N --file /dev/stdin --output none`.
const FAKE_AZ: &str = r#"#!/usr/bin/env bash
set -eu
echo "az $*" >> "$FAKE_STORE/log"
cat > "$FAKE_STORE/$5.$7"
"#;

/// A folder with the fake tools, and the store they write to.
struct Fakes {
    dir: tempfile::TempDir,
}

impl Fakes {
    fn new() -> Fakes {
        let dir = tempfile::tempdir().expect("tempdir");
        for (name, text) in [
            ("vault", FAKE_VAULT),
            ("gcloud", FAKE_GCLOUD),
            ("az", FAKE_AZ),
        ] {
            let path = dir.path().join("bin").join(name);
            std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
            std::fs::write(&path, text).expect("write");
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755))
                    .expect("chmod");
            }
        }
        std::fs::create_dir_all(dir.path().join("store")).expect("mkdir");
        Fakes { dir }
    }

    fn store(&self) -> PathBuf {
        self.dir.path().join("store")
    }

    /// Runs a script with the fakes first on PATH; returns (exit code, stderr).
    fn run(&self, script: &str) -> (Option<i32>, String) {
        let file = self.dir.path().join("script.sh");
        std::fs::write(&file, script).expect("write");
        let path = format!(
            "{}:{}",
            self.dir.path().join("bin").display(),
            std::env::var("PATH").unwrap_or_default()
        );
        let out = std::process::Command::new("bash")
            .arg(&file)
            .env("PATH", path)
            .env("FAKE_STORE", self.store())
            .output()
            .expect("bash");
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.store().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
    }
}

#[test]
fn two_secrets_on_one_vault_entry_are_merged() {
    let repo = TestRepo::new();
    repo.stage(".gitops-guard.yaml", "fix:\n  naming: jenkins-x\n");
    repo.stage(".jx/secret/mapping/secret-mappings.yaml", PIPELINE_MAPPING);
    fix(
        &repo,
        &[
            ("jx/pipeline-git.yaml", PIPELINE_GIT),
            ("jx/tekton-git.yaml", &tekton_git("bot-user-xq")),
        ],
        PIPELINE_VALUES,
    );
    let r = run(&repo, &["secrets", "list"], PIPELINE_VALUES);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert_eq!(
        normalize(&repo, &r.stdout),
        "2 saved Secrets in <store>:
  jx/jx-pipeline-git-github-github (Opaque, vault, from jx/pipeline-git.yaml)
    password -> secret/data/jx/pipelineUser, property token  [shared]
    username -> secret/data/jx/pipelineUser, property username  [shared]
  jx/tekton-git (Opaque, vault, from jx/tekton-git.yaml)
    email    -> secret/data/jx/pipelineUser, property email  [shared]
    username -> secret/data/jx/pipelineUser, property username  [shared]

Shared remote entries (`gitops-guard secrets export` loads each once, with the properties of all):
  vault entry `secret/data/jx/pipelineUser` (mount secret): jx/jx-pipeline-git-github-github, jx/tekton-git

Load them into the store:
  gitops-guard secrets export --format vault          # prints the load script (key names, no values)
  gitops-guard secrets export --format vault | bash   # runs it
Then delete the saved copies:
  gitops-guard secrets forget --all
"
    );
    let r = run(
        &repo,
        &["secrets", "export", "--format", "vault"],
        PIPELINE_VALUES,
    );
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert_eq!(
        normalize(&repo, &r.stdout),
        format!(
            "{}values=<store>

{VAULT_LOAD}
# secret/data/jx/pipelineUser: email <- jx/tekton-git key email, token <- jx/jx-pipeline-git-github-github key password, username <- jx/jx-pipeline-git-github-github key username = jx/tekton-git key username
entry_1() {{ jq -cjs '{{\"email\": (.[1][\"email\"] // error(\"jx/tekton-git: key email is missing from its values file\")), \"token\": (.[0][\"password\"] // error(\"jx/jx-pipeline-git-github-github: key password is missing from its values file\")), \"username\": (.[0][\"username\"] // error(\"jx/jx-pipeline-git-github-github: key username is missing from its values file\"))}}' \"$values\"/jx/jx-pipeline-git-github-github.json \"$values\"/jx/tekton-git.json; }}

# Every entry is read once first: a missing file or key stops here, before anything is loaded.
entry_1 >/dev/null

entry_1 | load_vault secret jx/pipelineUser
",
            header(2, "1 vault entry", "vault")
        )
    );
    // Run it (twice) against a fake vault: one entry with the union of the properties.
    let fakes = Fakes::new();
    for round in 0..2 {
        let (code, err) = fakes.run(&r.stdout);
        assert_eq!(code, Some(0), "round {round}: {err}");
        assert_eq!(err, "loaded secret/jx/pipelineUser\n");
        let stored: serde_json::Value =
            serde_json::from_str(&fakes.read("secret/jx/pipelineUser")).expect("JSON");
        assert_eq!(
            stored,
            serde_json::json!({"email": "bot-mail-xq@example.com", "token": "bot-token-xq",
                "username": "bot-user-xq"}),
            "round {round}"
        );
    }
    assert_eq!(
        fakes.read("log"),
        "vault kv get -mount=secret jx/pipelineUser\nvault kv put -mount=secret jx/pipelineUser -\n\
         vault kv get -mount=secret jx/pipelineUser\nvault kv patch -mount=secret jx/pipelineUser -\n"
    );
    // A field someone else stored in the entry stays.
    std::fs::write(
        fakes.store().join("secret/jx/pipelineUser"),
        "{\"other\": \"kept\", \"token\": \"stale\"}",
    )
    .expect("write");
    let (code, err) = fakes.run(&r.stdout);
    assert_eq!(code, Some(0), "{err}");
    let stored: serde_json::Value =
        serde_json::from_str(&fakes.read("secret/jx/pipelineUser")).expect("JSON");
    assert_eq!(stored["other"], "kept");
    assert_eq!(stored["token"], "bot-token-xq");
    // A value file that lost a key stops the script before anything is loaded.
    let tekton = store_dir(&repo).join("jx/tekton-git.json");
    let saved = std::fs::read_to_string(&tekton).expect("read");
    std::fs::write(&tekton, "{\"username\": \"bot-user-xq\"}\n").expect("write");
    std::fs::remove_file(fakes.store().join("secret/jx/pipelineUser")).expect("rm");
    let (code, err) = fakes.run(&r.stdout);
    assert_ne!(code, Some(0));
    assert!(
        err.contains("jx/tekton-git: key email is missing from its values file"),
        "{err}"
    );
    assert!(!fakes.store().join("secret/jx/pipelineUser").exists());
    std::fs::write(&tekton, saved).expect("write");
}

#[test]
fn one_property_with_two_values_is_refused_naming_both_secrets() {
    let repo = TestRepo::new();
    repo.stage(".gitops-guard.yaml", "fix:\n  naming: jenkins-x\n");
    repo.stage(".jx/secret/mapping/secret-mappings.yaml", PIPELINE_MAPPING);
    fix(
        &repo,
        &[
            ("jx/pipeline-git.yaml", PIPELINE_GIT),
            ("jx/tekton-git.yaml", &tekton_git("other-user-xq")),
        ],
        PIPELINE_VALUES,
    );
    let out_dir = tempfile::tempdir().expect("tempdir");
    // (gcp and azure would also refuse the `/` in the vault-style key.)
    for format in ["vault", "aws", "json"] {
        let out = out_dir.path().join(format!("out.{format}"));
        let r = run(
            &repo,
            &[
                "secrets",
                "export",
                "--format",
                format,
                "--out",
                out.to_str().expect("utf-8"),
            ],
            PIPELINE_VALUES,
        );
        assert_eq!(r.code, Some(2), "{format}: {}", r.stderr);
        assert_eq!(r.stdout, "");
        assert!(
            r.stderr.contains(
                "property `username`: jx/jx-pipeline-git-github-github (key `username`) and \
                 jx/tekton-git (key `username`) hold different values; the store can keep only one."
            ),
            "{format}: {}",
            r.stderr
        );
        assert!(
            r.stderr.ends_with(
                "gitops-guard: error: nothing was exported: 1 problem to resolve first\n"
            ),
            "{format}: {}",
            r.stderr
        );
        assert!(!out.exists(), "{format}: nothing written");
    }
    let r = run(
        &repo,
        &["secrets", "export", "--format", "vault"],
        PIPELINE_VALUES,
    );
    assert_eq!(r.code, Some(2));
    assert_eq!(r.stdout, "", "no script on stdout either");
    // `list` shows the conflict too (and still exits 0).
    let r = run(&repo, &["secrets", "list"], PIPELINE_VALUES);
    assert_eq!(r.code, Some(0));
    assert!(
        r.stdout.contains(
            "\nConflicts (export refuses until they are resolved):\n  vault entry \
             `secret/data/jx/pipelineUser` (mount secret), property `username`: \
             jx/jx-pipeline-git-github-github (key `username`) and jx/tekton-git (key `username`) \
             hold different values"
        ),
        "{}",
        r.stdout
    );
    // The yaml export holds the Secrets as they were: nothing to merge, nothing refused.
    let out = out_dir.path().join("secrets.yaml");
    let r = run(
        &repo,
        &[
            "secrets",
            "export",
            "--format",
            "yaml",
            "--out",
            out.to_str().expect("utf-8"),
        ],
        PIPELINE_VALUES,
    );
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    // Forgetting the stale copy resolves it.
    let r = run(
        &repo,
        &["secrets", "forget", "jx/tekton-git"],
        PIPELINE_VALUES,
    );
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    let r = run(
        &repo,
        &["secrets", "export", "--format", "vault"],
        PIPELINE_VALUES,
    );
    assert_eq!(r.code, Some(0), "{}", r.stderr);
}

const DB_JX: &str = "apiVersion: v1
kind: Secret
metadata: {name: db, namespace: jx}
stringData:
  password: jx-pass-zz
";

fn db_apps(password: &str) -> String {
    format!(
        "apiVersion: v1\nkind: Secret\nmetadata: {{name: db, namespace: apps}}\nstringData:\n  password: {password}\n  user: apps-user-zz\n"
    )
}

const DB_VALUES: &[&str] = &["jx-pass-zz", "apps-pass-zz", "apps-user-zz"];

#[test]
fn same_named_secrets_in_two_namespaces_under_jenkins_x_naming() {
    // Different values: both are saved (one file per namespace), export refuses.
    let repo = TestRepo::new();
    repo.stage(".gitops-guard.yaml", "fix:\n  naming: jenkins-x\n");
    fix(
        &repo,
        &[
            ("jx/db.yaml", DB_JX),
            ("apps/db.yaml", &db_apps("apps-pass-zz")),
        ],
        DB_VALUES,
    );
    assert!(store_dir(&repo).join("jx/db.json").is_file());
    assert!(store_dir(&repo).join("apps/db.json").is_file());
    let r = run(&repo, &["secrets", "list"], DB_VALUES);
    assert!(
        r.stdout.contains(
            "  apps/db (Opaque, vault, from apps/db.yaml)\n    password -> secret/data/db, property password  [shared]\n    user     -> secret/data/db, property user  [shared]\n"
        ) && r.stdout.contains(
            "  vault entry `secret/data/db` (mount secret): apps/db, jx/db\n"
        ),
        "{}",
        r.stdout
    );
    let r = run(
        &repo,
        &["secrets", "export", "--format", "vault"],
        DB_VALUES,
    );
    assert_eq!(r.code, Some(2));
    assert!(
        r.stderr.contains(
            "vault entry `secret/data/db` (mount secret), property `password`: apps/db (key `password`) and jx/db (key `password`) hold different values"
        ),
        "{}",
        r.stderr
    );

    // The same value in both: one entry, loaded once.
    let repo = TestRepo::new();
    repo.stage(".gitops-guard.yaml", "fix:\n  naming: jenkins-x\n");
    fix(
        &repo,
        &[
            ("jx/db.yaml", DB_JX),
            ("apps/db.yaml", &db_apps("jx-pass-zz")),
        ],
        DB_VALUES,
    );
    let r = run(
        &repo,
        &["secrets", "export", "--format", "vault"],
        DB_VALUES,
    );
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    let fakes = Fakes::new();
    let (code, err) = fakes.run(&r.stdout);
    assert_eq!(code, Some(0), "{err}");
    let stored: serde_json::Value = serde_json::from_str(&fakes.read("secret/db")).expect("JSON");
    assert_eq!(
        stored,
        serde_json::json!({"password": "jx-pass-zz", "user": "apps-user-zz"})
    );
}

/// The Jenkins X pipeline user on Google Secret Manager and on Azure Key Vault.
fn mapping_for(backend: &str) -> String {
    format!(
        "spec:\n  defaults:\n    backendType: {backend}\n  secrets:\n  - name: jx-pipeline-git-github-github\n    mappings:\n    - {{name: username, key: pipeline-user, property: username}}\n    - {{name: password, key: pipeline-user, property: token}}\n  - name: tekton-git\n    mappings:\n    - {{name: username, key: pipeline-user, property: username}}\n    - {{name: email, key: pipeline-user, property: email}}\n  - name: keystore\n    mappings:\n    - {{name: ks.jks, key: keystore}}\n"
    )
}

/// A Secret with one binary key: a whole-value entry (no property).
const KEYSTORE: &str = "apiVersion: v1
kind: Secret
metadata: {name: keystore, namespace: jx}
data:
  ks.jks: /u3+7QAAAAI=
";

/// A Secret with one text key whose value ends in a line break.
const CA_BUNDLE: &str = "apiVersion: v1
kind: Secret
metadata: {name: ca-bundle, namespace: jx}
stringData:
  ca.crt: |
    -----BEGIN CERTIFICATE-----
    cert-body-xq
";

#[test]
fn gcp_export_exact_text_and_run() {
    let repo = TestRepo::new();
    repo.stage(
        ".gitops-guard.yaml",
        "fix:\n  naming: jenkins-x\n  backend: {backend-type: gcpSecretsManager, project-id: my-proj, unique-prefix: c1}\n",
    );
    repo.stage(
        ".jx/secret/mapping/secret-mappings.yaml",
        mapping_for("gcpSecretsManager"),
    );
    fix(
        &repo,
        &[
            ("jx/pipeline-git.yaml", PIPELINE_GIT),
            ("jx/tekton-git.yaml", &tekton_git("bot-user-xq")),
            ("jx/keystore.yaml", KEYSTORE),
        ],
        PIPELINE_VALUES,
    );
    let r = run(
        &repo,
        &["secrets", "export", "--format", "gcp"],
        PIPELINE_VALUES,
    );
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert_eq!(
        normalize(&repo, &r.stdout),
        format!(
            r#"{}values=<store>

# PROJECT NAME < value: a new version of the secret (created when missing).
load_gcp() {{
  local project=()
  if [ -n "$1" ]; then project=(--project "$1"); fi
  if ! gcloud secrets describe "$2" ${{project[@]+"${{project[@]}}"}} >/dev/null 2>&1 </dev/null; then
    gcloud secrets create "$2" --replication-policy=automatic ${{project[@]+"${{project[@]}}"}} >/dev/null </dev/null
  fi
  gcloud secrets versions add "$2" --data-file=- ${{project[@]+"${{project[@]}}"}} >/dev/null
  echo "loaded $2" >&2
}}

# c1-keystore: ks.jks <- jx/keystore key ks.jks
entry_1() {{ jq -cjs '{{"ks.jks": (.[0]["ks.jks"].base64 // error("jx/keystore: key ks.jks is missing from its values file"))}}' "$values"/jx/keystore.json; }}

# c1-pipeline-user: email <- jx/tekton-git key email, token <- jx/jx-pipeline-git-github-github key password, username <- jx/jx-pipeline-git-github-github key username = jx/tekton-git key username
entry_2() {{ jq -cjs '{{"email": (.[1]["email"] // error("jx/tekton-git: key email is missing from its values file")), "token": (.[0]["password"] // error("jx/jx-pipeline-git-github-github: key password is missing from its values file")), "username": (.[0]["username"] // error("jx/jx-pipeline-git-github-github: key username is missing from its values file"))}}' "$values"/jx/jx-pipeline-git-github-github.json "$values"/jx/tekton-git.json; }}

# Every entry is read once first: a missing file or key stops here, before anything is loaded.
entry_1 >/dev/null
entry_2 >/dev/null

entry_1 | load_gcp my-proj c1-keystore
entry_2 | load_gcp my-proj c1-pipeline-user
"#,
            header(3, "2 gcp entries", "gcp")
        )
    );
    let fakes = Fakes::new();
    for _ in 0..2 {
        let (code, err) = fakes.run(&r.stdout);
        assert_eq!(code, Some(0), "{err}");
    }
    assert_eq!(fakes.read("c1-keystore"), r#"{"ks.jks":"/u3+7QAAAAI="}"#);
    let stored: serde_json::Value =
        serde_json::from_str(&fakes.read("c1-pipeline-user")).expect("JSON");
    assert_eq!(
        stored,
        serde_json::json!({"email": "bot-mail-xq@example.com", "token": "bot-token-xq",
            "username": "bot-user-xq"})
    );
    let log = fakes.read("log");
    assert_eq!(
        log.lines()
            .filter(|l| l.starts_with("gcloud secrets create"))
            .collect::<Vec<_>>(),
        [
            "gcloud secrets create c1-keystore --replication-policy=automatic --project my-proj",
            "gcloud secrets create c1-pipeline-user --replication-policy=automatic --project my-proj"
        ],
        "created once each:\n{log}"
    );
    assert_eq!(
        log.matches("gcloud secrets versions add c1-pipeline-user --data-file=- --project my-proj")
            .count(),
        2
    );
}

#[test]
fn azure_export_exact_text_and_run() {
    let repo = TestRepo::new();
    repo.stage(
        ".gitops-guard.yaml",
        "fix:\n  naming: jenkins-x\n  backend: {backend-type: azureKeyVault, key-vault-name: my-vault}\n",
    );
    repo.stage(
        ".jx/secret/mapping/secret-mappings.yaml",
        mapping_for("azureKeyVault"),
    );
    fix(
        &repo,
        &[
            ("jx/pipeline-git.yaml", PIPELINE_GIT),
            ("jx/tekton-git.yaml", &tekton_git("bot-user-xq")),
            ("jx/keystore.yaml", KEYSTORE),
            ("jx/ca-bundle.yaml", CA_BUNDLE),
        ],
        PIPELINE_VALUES,
    );
    let r = run(
        &repo,
        &["secrets", "export", "--format", "azure"],
        PIPELINE_VALUES,
    );
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert_eq!(
        normalize(&repo, &r.stdout),
        format!(
            r#"{}values=<store>

# VAULT NAME < value: a new version of the secret (`--output none`: az would print it).
load_azure() {{
  az keyvault secret set --vault-name "$1" --name "$2" --file /dev/stdin --output none
  echo "loaded $2" >&2
}}

# ca-bundle: (whole value) <- jx/ca-bundle key ca.crt
entry_1() {{ jq -cjs '(.[0]["ca.crt"] // error("jx/ca-bundle: key ca.crt is missing from its values file"))' "$values"/jx/ca-bundle.json; }}

# keystore: (whole value) <- jx/keystore key ks.jks
entry_2() {{ jq -cjs '(.[0]["ks.jks"].base64 // error("jx/keystore: key ks.jks is missing from its values file"))' "$values"/jx/keystore.json; }}

# pipeline-user: email <- jx/tekton-git key email, token <- jx/jx-pipeline-git-github-github key password, username <- jx/jx-pipeline-git-github-github key username = jx/tekton-git key username
entry_3() {{ jq -cjs '{{"email": (.[1]["email"] // error("jx/tekton-git: key email is missing from its values file")), "token": (.[0]["password"] // error("jx/jx-pipeline-git-github-github: key password is missing from its values file")), "username": (.[0]["username"] // error("jx/jx-pipeline-git-github-github: key username is missing from its values file"))}}' "$values"/jx/jx-pipeline-git-github-github.json "$values"/jx/tekton-git.json; }}

# Every entry is read once first: a missing file or key stops here, before anything is loaded.
entry_1 >/dev/null
entry_2 >/dev/null
entry_3 >/dev/null

entry_1 | load_azure my-vault ca-bundle
entry_2 | load_azure my-vault keystore
entry_3 | load_azure my-vault pipeline-user
"#,
            header(4, "3 azure entries", "azure")
        )
    );
    let fakes = Fakes::new();
    let (code, err) = fakes.run(&r.stdout);
    assert_eq!(code, Some(0), "{err}");
    let stored: serde_json::Value =
        serde_json::from_str(&fakes.read("my-vault.pipeline-user")).expect("JSON");
    assert_eq!(stored["token"], "bot-token-xq");
    assert_eq!(
        fakes.read("log"),
        "az keyvault secret set --vault-name my-vault --name ca-bundle --file /dev/stdin --output none\n\
         az keyvault secret set --vault-name my-vault --name keystore --file /dev/stdin --output none\n\
         az keyvault secret set --vault-name my-vault --name pipeline-user --file /dev/stdin --output none\n"
    );
    // Whole values byte for byte: the final line break stays, binary stays base64.
    assert_eq!(
        fakes.read("my-vault.ca-bundle"),
        "-----BEGIN CERTIFICATE-----\ncert-body-xq\n"
    );
    assert_eq!(fakes.read("my-vault.keystore"), "/u3+7QAAAAI=");

    // Without a recorded key vault name the script asks for one instead of guessing.
    for name in [
        "tekton-git",
        "jx-pipeline-git-github-github",
        "keystore",
        "ca-bundle",
    ] {
        let file = store_dir(&repo).join(format!("jx/{name}.meta"));
        let text = std::fs::read_to_string(&file).expect("read");
        std::fs::write(
            &file,
            text.replace(",\n    \"key_vault_name\": \"my-vault\"", ""),
        )
        .expect("write");
    }
    let r = run(
        &repo,
        &["secrets", "export", "--format", "azure"],
        PIPELINE_VALUES,
    );
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert!(
        r.stdout.ends_with(
            "entry_3 | load_azure \"${AZURE_KEY_VAULT:?set AZURE_KEY_VAULT to the name of the key vault}\" pipeline-user\n"
        ),
        "{}",
        r.stdout
    );
    let (code, err) = fakes.run(&r.stdout);
    assert_ne!(code, Some(0));
    assert!(err.contains("set AZURE_KEY_VAULT"), "{err}");

    // Default naming gives `<namespace>/<name>`, which Azure refuses: `--fix` says so before
    // anything is written...
    let repo = TestRepo::new();
    repo.stage(
        ".gitops-guard.yaml",
        "fix:\n  backend: {backend-type: azureKeyVault, key-vault-name: my-vault}\n",
    );
    repo.stage("apps/api.yaml", API);
    let r = run(&repo, &["check", "--fix"], SIMPLE_VALUES);
    assert_eq!(r.code, Some(2), "{}", r.stderr);
    assert!(
        r.stderr.contains("set `fix.naming: jenkins-x`"),
        "{}",
        r.stderr
    );
    assert!(!store_dir(&repo).exists());
    // ...and `export` says it too for a store saved under another backend (an older store, or
    // a configuration changed since).
    repo.stage(
        ".gitops-guard.yaml",
        "fix:\n  backend: {backend-type: vault}\n",
    );
    fix(&repo, &[("apps/api.yaml", API)], SIMPLE_VALUES);
    let meta = store_dir(&repo).join("apps/api.meta");
    let text = std::fs::read_to_string(&meta).expect("read");
    let mut json: serde_json::Value = serde_json::from_str(&text).expect("JSON");
    json["backend"] = serde_json::json!({"type": "azureKeyVault", "key_vault_name": "my-vault"});
    std::fs::write(&meta, json.to_string()).expect("write");
    let r = run(
        &repo,
        &["secrets", "export", "--format", "azure"],
        SIMPLE_VALUES,
    );
    assert_eq!(r.code, Some(2));
    assert!(
        r.stderr.contains(
            "azureKeyVault entry `apps/api` (key vault my-vault) (from apps/api): Azure Key \
             Vault names hold only letters, digits and `-`"
        ),
        "{}",
        r.stderr
    );
}

#[test]
fn yaml_and_json_exports_go_to_a_private_file_only() {
    let repo = TestRepo::new();
    repo.stage(".gitops-guard.yaml", "fix:\n  naming: jenkins-x\n");
    repo.stage(".jx/secret/mapping/secret-mappings.yaml", PIPELINE_MAPPING);
    fix(
        &repo,
        &[
            ("jx/pipeline-git.yaml", PIPELINE_GIT),
            ("jx/tekton-git.yaml", &tekton_git("bot-user-xq")),
            ("jx/keystore.yaml", KEYSTORE),
        ],
        PIPELINE_VALUES,
    );
    repo.commit("converted");
    for format in ["yaml", "json"] {
        // Never to stdout.
        let r = run(
            &repo,
            &["secrets", "export", "--format", format],
            PIPELINE_VALUES,
        );
        assert_eq!(r.code, Some(2), "{format}");
        assert_eq!(r.stdout, "");
        assert!(
            r.stderr.contains("name a file with --out FILE"),
            "{}",
            r.stderr
        );
        let r = run(
            &repo,
            &["secrets", "export", "--format", format, "--out", "-"],
            PIPELINE_VALUES,
        );
        assert_eq!(r.code, Some(2), "{format}");
        assert_eq!(r.stdout, "");
        // Never onto a tracked file, even with --force.
        let before = std::fs::read(repo.join("jx/tekton-git.yaml")).expect("read");
        for extra in [&[][..], &["--force"][..]] {
            let mut args = vec![
                "secrets",
                "export",
                "--format",
                format,
                "--out",
                "jx/tekton-git.yaml",
            ];
            args.extend_from_slice(extra);
            let r = run(&repo, &args, PIPELINE_VALUES);
            assert_eq!(r.code, Some(2), "{format} {extra:?}");
            assert!(
                r.stderr
                    .contains("--out jx/tekton-git.yaml is tracked by git"),
                "{}",
                r.stderr
            );
        }
        assert_eq!(
            std::fs::read(repo.join("jx/tekton-git.yaml")).expect("read"),
            before
        );
        // Not inside the work tree unless forced.
        let r = run(
            &repo,
            &["secrets", "export", "--format", format, "--out", "dump.out"],
            PIPELINE_VALUES,
        );
        assert_eq!(r.code, Some(2), "{format}");
        assert!(r.stderr.contains("is inside the work tree"), "{}", r.stderr);
        assert!(!repo.join("dump.out").exists());
        let r = run(
            &repo,
            &[
                "secrets", "export", "--format", format, "--out", "dump.out", "--force",
            ],
            PIPELINE_VALUES,
        );
        assert_eq!(r.code, Some(0), "{}", r.stderr);
        #[cfg(unix)]
        assert_eq!(mode(&repo.join("dump.out")), 0o600);
        std::fs::remove_file(repo.join("dump.out")).expect("rm");
    }

    let out_dir = tempfile::tempdir().expect("tempdir");
    let yaml = out_dir.path().join("secrets.yaml");
    let r = run(
        &repo,
        &[
            "secrets",
            "export",
            "--format",
            "yaml",
            "--out",
            yaml.to_str().expect("utf-8"),
        ],
        PIPELINE_VALUES,
    );
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert_eq!(
        r.stderr,
        format!(
            "wrote {} (3 saved Secrets, mode 0600); it holds the values: delete it once they are loaded\n",
            yaml.display()
        )
    );
    #[cfg(unix)]
    assert_eq!(mode(&yaml), 0o600);
    assert_eq!(
        std::fs::read_to_string(&yaml).expect("read"),
        "# jx/jx-pipeline-git-github-github: saved by gitops-guard from jx/pipeline-git.yaml
apiVersion: v1
kind: Secret
metadata:
  name: jx-pipeline-git-github-github
  namespace: jx
type: Opaque
data:
  password: Ym90LXRva2VuLXhx
  username: Ym90LXVzZXIteHE=
---
# jx/keystore: saved by gitops-guard from jx/keystore.yaml
apiVersion: v1
kind: Secret
metadata:
  name: keystore
  namespace: jx
type: Opaque
data:
  ks.jks: /u3+7QAAAAI=
---
# jx/tekton-git: saved by gitops-guard from jx/tekton-git.yaml
apiVersion: v1
kind: Secret
metadata:
  name: tekton-git
  namespace: jx
type: Opaque
data:
  email: Ym90LW1haWwteHFAZXhhbXBsZS5jb20=
  username: Ym90LXVzZXIteHE=
"
    );
    // The manifests pass the check as they are: they are real Secrets.
    let json_out = out_dir.path().join("entries.json");
    let r = run(
        &repo,
        &[
            "secrets",
            "export",
            "--format",
            "json",
            "--out",
            json_out.to_str().expect("utf-8"),
        ],
        PIPELINE_VALUES,
    );
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    #[cfg(unix)]
    assert_eq!(mode(&json_out), 0o600);
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json_out).expect("read")).expect("JSON");
    assert_eq!(
        json,
        serde_json::json!({"version": 1, "entries": [
            {"backend": "vault", "location": {"mount": "secret"}, "name": "jx/pipelineUser",
             "remote_keys": ["secret/data/jx/pipelineUser"],
             "secrets": ["jx/jx-pipeline-git-github-github", "jx/tekton-git"],
             "value": {"email": "bot-mail-xq@example.com", "token": "bot-token-xq",
                       "username": "bot-user-xq"}},
            {"backend": "vault", "location": {"mount": "secret"}, "name": "keystore",
             "remote_keys": ["secret/data/keystore"],
             "secrets": ["jx/keystore"],
             "value": {"ks.jks": "/u3+7QAAAAI="}}
        ]})
    );
}

#[test]
fn a_store_without_metadata_is_recomputed_and_says_so() {
    let repo = TestRepo::new();
    repo.stage(".gitops-guard.yaml", "fix:\n  naming: jenkins-x\n");
    repo.stage(".jx/secret/mapping/secret-mappings.yaml", PIPELINE_MAPPING);
    fix(
        &repo,
        &[
            ("jx/pipeline-git.yaml", PIPELINE_GIT),
            ("jx/tekton-git.yaml", &tekton_git("bot-user-xq")),
        ],
        PIPELINE_VALUES,
    );
    let with_meta = run(
        &repo,
        &["secrets", "export", "--format", "vault"],
        PIPELINE_VALUES,
    );
    for f in [
        "jx/jx-pipeline-git-github-github.meta",
        "jx/tekton-git.meta",
    ] {
        std::fs::remove_file(store_dir(&repo).join(f)).expect("rm");
    }
    let r = run(&repo, &["secrets", "list"], PIPELINE_VALUES);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert!(
        r.stdout.contains(
            "  jx/tekton-git (Opaque, vault, no metadata saved: remote keys recomputed from the current configuration)\n    email    -> secret/data/jx/pipelineUser, property email  [shared]\n"
        ),
        "{}",
        r.stdout
    );
    let r = run(
        &repo,
        &["secrets", "export", "--format", "vault"],
        PIPELINE_VALUES,
    );
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert_eq!(r.stdout, with_meta.stdout, "the same load as with metadata");
    assert_eq!(
        r.stderr,
        "note: jx/jx-pipeline-git-github-github: no metadata was saved with it (an older gitops-guard); its remote keys were recomputed from the current configuration and mapping file
note: jx/tekton-git: no metadata was saved with it (an older gitops-guard); its remote keys were recomputed from the current configuration and mapping file
"
    );
    // Outside any repository, with --values-dir: nothing to recompute from, said so.
    let elsewhere = tempfile::tempdir().expect("tempdir");
    let mut cmd = repo.cmd_in(elsewhere.path());
    let out = cmd
        .args(["secrets", "export", "--format", "vault", "--values-dir"])
        .arg(store_dir(&repo))
        .env(
            "GIT_CEILING_DIRECTORIES",
            elsewhere.path().parent().expect("parent"),
        )
        .output()
        .expect("run");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("no metadata, and no repository to recompute it from"),
        "{err}"
    );
}

#[test]
fn gcp_properties_with_a_leading_dot_load_under_their_real_key() {
    // ESO's GCP provider is given `\.dockerconfigjson`; the store must hold `.dockerconfigjson`.
    let repo = TestRepo::new();
    repo.stage(
        ".gitops-guard.yaml",
        "fix:\n  naming: jenkins-x\n  backend: {backend-type: gcpSecretsManager, project-id: my-proj, unique-prefix: c1}\n",
    );
    let regcred = "apiVersion: v1\nkind: Secret\nmetadata: {name: regcred, namespace: jx}\ntype: kubernetes.io/dockerconfigjson\nstringData:\n  .dockerconfigjson: '{\"auths\":{\"r\":{\"auth\":\"docker-auth-xq\"}}}'\n";
    fix(&repo, &[("jx/regcred.yaml", regcred)], &["docker-auth-xq"]);
    let written = std::fs::read_to_string(repo.join("jx/regcred.yaml")).expect("read");
    assert!(
        written.contains("property: \\.dockerconfigjson")
            || written.contains("property: '\\.dockerconfigjson'"),
        "{written}"
    );
    let r = run(&repo, &["secrets", "list"], &["docker-auth-xq"]);
    assert!(
        r.stdout
            .contains("    .dockerconfigjson -> c1-regcred, property .dockerconfigjson\n"),
        "{}",
        r.stdout
    );
    let r = run(
        &repo,
        &["secrets", "export", "--format", "gcp"],
        &["docker-auth-xq"],
    );
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    let fakes = Fakes::new();
    let (code, err) = fakes.run(&r.stdout);
    assert_eq!(code, Some(0), "{err}");
    let stored: serde_json::Value = serde_json::from_str(&fakes.read("c1-regcred")).expect("JSON");
    assert_eq!(
        stored,
        serde_json::json!({".dockerconfigjson": "{\"auths\":{\"r\":{\"auth\":\"docker-auth-xq\"}}}"})
    );
}
