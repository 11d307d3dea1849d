//! `gitops-guard secrets export --format aws` against a real store: the AWS CLI (pip package
//! `awscli`) talking to moto's server (pip package `moto[server]`) on 127.0.0.1, started and
//! stopped here. The generated script runs twice (once from a file, once piped into bash) and
//! what the store holds is read back with the AWS CLI and compared with the original values.
//!
//! The tools are required: `.ci/run` installs them, and a machine without them fails this
//! test with the install line instead of skipping it.

mod common;

use base64::Engine as _;
use common::{TestRepo, scrubbed};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const INSTALL: &str = "python3 -m pip install awscli 'moto[server]' (and jq from your system's packages); .ci/run installs them";

/// Whether `program args` runs and exits 0.
fn works(program: &str, args: &[&str]) -> bool {
    Command::new(program)
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// A moto server on a free loopback port, stopped on drop.
struct Moto {
    child: Child,
    port: u16,
}

impl Moto {
    fn start() -> Moto {
        for (tool, args) in [("aws", &["--version"][..]), ("jq", &["--version"][..])] {
            assert!(
                works(tool, args),
                "`{tool}` is not installed: this test needs the AWS CLI, moto's server and jq: {INSTALL}"
            );
        }
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .expect("a free port");
        let port_arg = port.to_string();
        let server: Vec<&str> = if works("moto_server", &["--help"]) {
            vec!["moto_server"]
        } else if works("python3", &["-c", "import moto.server"]) {
            vec!["python3", "-m", "moto.server"]
        } else {
            panic!("moto's server is not installed: {INSTALL}");
        };
        let child = Command::new(server[0])
            .args(&server[1..])
            .args(["-H", "127.0.0.1", "-p", &port_arg])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start moto's server ({e}): {INSTALL}"));
        let mut moto = Moto { child, port };
        let started = Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            if let Ok(Some(status)) = moto.child.try_wait() {
                panic!("moto's server exited ({status}) before listening on port {port}");
            }
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "moto's server did not listen on port {port} within 60 s"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        moto
    }

    /// The environment that points the AWS CLI at this server, with test credentials.
    fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("AWS_ACCESS_KEY_ID", "testing".into()),
            ("AWS_SECRET_ACCESS_KEY", "testing".into()),
            ("AWS_DEFAULT_REGION", "us-east-1".into()),
            (
                "AWS_ENDPOINT_URL",
                format!("http://127.0.0.1:{}", self.port),
            ),
            ("AWS_CONFIG_FILE", "/nonexistent".into()),
            ("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent".into()),
            ("AWS_EC2_METADATA_DISABLED", "true".into()),
            ("AWS_PAGER", String::new()),
        ]
    }

    /// Runs the AWS CLI; returns its JSON output.
    fn aws(&self, args: &[&str]) -> serde_json::Value {
        let mut cmd = Command::new("aws");
        cmd.args(args).args(["--output", "json"]);
        for (k, v) in self.env() {
            cmd.env(k, v);
        }
        let out = cmd.output().expect("run aws");
        assert!(
            out.status.success(),
            "aws {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).expect("aws prints JSON")
    }

    fn secret(&self, id: &str) -> String {
        self.aws(&[
            "secretsmanager",
            "get-secret-value",
            "--secret-id",
            id,
            "--region",
            "eu-west-1",
        ])["SecretString"]
            .as_str()
            .expect("SecretString")
            .to_string()
    }

    fn parameter(&self, name: &str) -> String {
        self.aws(&[
            "ssm",
            "get-parameter",
            "--name",
            name,
            "--with-decryption",
            "--region",
            "eu-west-1",
        ])["Parameter"]["Value"]
            .as_str()
            .expect("Value")
            .to_string()
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

const MAPPING: &str = "apiVersion: gitops.jenkins-x.io/v1alpha1
kind: SecretMapping
spec:
  defaults:
    backendType: secretsManager
    secretsManager: {region: eu-west-1}
  secrets:
  - name: jx-pipeline-git-github-github
    namespace: jx
    mappings:
    - {name: username, key: jx/pipelineUser, property: username}
    - {name: password, key: jx/pipelineUser, property: token}
  - name: tekton-git
    namespace: jx
    mappings:
    - {name: username, key: jx/pipelineUser, property: username}
    - {name: email, key: jx/pipelineUser, property: email}
  - name: ca-bundle
    backendType: systemManager
";

const FILES: &[(&str, &str)] = &[
    (
        "jx/pipeline-git.yaml",
        "apiVersion: v1\nkind: Secret\nmetadata: {name: jx-pipeline-git-github-github, namespace: jx}\nstringData:\n  username: bot-user-aw\n  password: bot-token-aw\n",
    ),
    (
        "jx/tekton-git.yaml",
        "apiVersion: v1\nkind: Secret\nmetadata: {name: tekton-git, namespace: jx}\ndata:\n  username: Ym90LXVzZXItYXc=\nstringData:\n  email: bot-mail-aw@example.com\n",
    ),
    (
        "jx/keystore.yaml",
        "apiVersion: v1\nkind: Secret\nmetadata: {name: keystore, namespace: jx}\ndata:\n  ks.jks: /u3+7QAAAAI=\n",
    ),
    (
        "jx/ca-bundle.yaml",
        "apiVersion: v1\nkind: Secret\nmetadata: {name: ca-bundle, namespace: jx}\nstringData:\n  ca.crt: |\n    -----BEGIN CERTIFICATE-----\n    cert-body-aw\n",
    ),
];

const VALUES: &[&str] = &[
    "bot-user-aw",
    "Ym90LXVzZXItYXc",
    "bot-token-aw",
    "bot-mail-aw",
    "cert-body-aw",
];

fn assert_no_values(what: &str, text: &str) {
    for v in VALUES {
        assert!(!text.contains(v), "{what}: `{v}` leaked:\n{text}");
    }
}

#[test]
fn aws_export_loads_moto_and_reads_back_the_original_values() {
    let moto = Moto::start();
    let repo = TestRepo::new();
    repo.stage(
        ".gitops-guard.yaml",
        "fix:\n  naming: jenkins-x\n  backend: {backend-type: secretsManager, region: eu-west-1}\n",
    );
    repo.stage(".jx/secret/mapping/secret-mappings.yaml", MAPPING);
    for (path, text) in FILES {
        repo.stage(path, text);
    }
    let out = repo
        .cmd()
        .args(["check", "--fix", "--select", "GG101"])
        .output()
        .expect("run");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("converted 4 Secrets"), "{err}");
    assert!(
        err.contains("gitops-guard secrets export --format aws | bash"),
        "{err}"
    );

    let out = repo
        .cmd()
        .args(["secrets", "export", "--format", "aws"])
        .output()
        .expect("run");
    let script = String::from_utf8_lossy(&out.stdout).into_owned();
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert_eq!(err, "");
    assert_no_values("the script", &script);
    assert!(
        script.ends_with(
            "entry_1 | load_secretsmanager eu-west-1 jx/pipelineUser\n\
             entry_2 | load_secretsmanager eu-west-1 keystore\n\
             entry_3 | load_parameter eu-west-1 ca-bundle\n"
        ),
        "{script}"
    );

    // First run from a file (creates every entry), second piped into bash (puts them again).
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("load.sh");
    std::fs::write(&file, &script).expect("write");
    let bin = env!("CARGO_BIN_EXE_gitops-guard");
    let runs: [Vec<String>; 2] = [
        vec!["bash".into(), file.display().to_string()],
        vec![
            "sh".into(),
            "-c".into(),
            format!("'{bin}' secrets export --format aws | bash"),
        ],
    ];
    let mut seen = Vec::new();
    for (round, argv) in runs.iter().enumerate() {
        let mut cmd = Command::new(&argv[0]);
        cmd.args(&argv[1..]).current_dir(repo.path());
        scrubbed(&mut cmd);
        for (k, v) in moto.env() {
            cmd.env(k, v);
        }
        let out = cmd.output().expect("run the script");
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "round {round}: {stderr}");
        assert_no_values("the script's output", &format!("{stdout}{stderr}"));
        assert_eq!(
            stderr, "loaded jx/pipelineUser\nloaded keystore\nloaded ca-bundle\n",
            "round {round}"
        );

        // Read back: the original values, the two Secrets' properties in one entry.
        let user: serde_json::Value =
            serde_json::from_str(&moto.secret("jx/pipelineUser")).expect("JSON");
        assert_eq!(
            user,
            serde_json::json!({"email": "bot-mail-aw@example.com", "token": "bot-token-aw",
                "username": "bot-user-aw"}),
            "round {round}"
        );
        let keystore: serde_json::Value =
            serde_json::from_str(&moto.secret("keystore")).expect("JSON");
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(keystore["ks.jks"].as_str().expect("string"))
            .expect("base64");
        assert_eq!(bytes, [0xfe, 0xed, 0xfe, 0xed, 0, 0, 0, 2], "round {round}");
        assert_eq!(
            moto.parameter("ca-bundle"),
            "-----BEGIN CERTIFICATE-----\ncert-body-aw\n",
            "round {round}: the value byte for byte"
        );
        seen.push((user, keystore));
    }
    assert_eq!(seen[0], seen[1], "a second run gives the same store");
    let versions = moto.aws(&["secretsmanager", "list-secrets", "--region", "eu-west-1"]);
    let names: Vec<&str> = versions["SecretList"]
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|s| s["Name"].as_str())
        .collect();
    assert_eq!(names.len(), 2, "one secret per entry: {names:?}");
}

/// Without a recorded region the script still names one for every AWS command: the one in
/// `AWS_REGION` (or `AWS_DEFAULT_REGION`), and without either it stops before loading
/// anything. An `aws` stand-in on PATH records the arguments (no store is needed).
#[test]
fn aws_export_names_a_region_for_every_command() {
    assert!(works("jq", &["--version"]), "{INSTALL}");
    let repo = TestRepo::new();
    repo.stage(
        ".gitops-guard.yaml",
        "fix:\n  backend: {backend-type: secretsManager}\n",
    );
    repo.stage(FILES[0].0, FILES[0].1);
    let out = repo
        .cmd()
        .args(["check", "--fix", "--select", "GG101"])
        .output()
        .expect("run");
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = repo
        .cmd()
        .args(["secrets", "export", "--format", "aws"])
        .output()
        .expect("run");
    let script = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_no_values("the script", &script);
    assert!(
        script.contains("| load_secretsmanager \"$aws_region\" "),
        "{script}"
    );

    let bin = tempfile::tempdir().expect("tempdir");
    let log = bin.path().join("calls");
    let fake = bin.path().join("aws");
    std::fs::write(
        &fake,
        format!(
            "#!/bin/sh\ncat >/dev/null\necho \"$*\" >> '{}'\n[ \"$2\" != describe-secret ]\n",
            log.display()
        ),
    )
    .expect("write");
    #[cfg(unix)]
    std::fs::set_permissions(&fake, std::os::unix::fs::PermissionsExt::from_mode(0o755))
        .expect("chmod");
    let file = bin.path().join("load.sh");
    std::fs::write(&file, &script).expect("write");
    let path = format!(
        "{}:{}",
        bin.path().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let run = |region: Option<&str>| {
        let mut cmd = Command::new("bash");
        cmd.arg(&file).current_dir(repo.path());
        scrubbed(&mut cmd)
            .env("PATH", &path)
            .env_remove("AWS_REGION")
            .env_remove("AWS_DEFAULT_REGION");
        if let Some(r) = region {
            cmd.env("AWS_REGION", r);
        }
        cmd.output().expect("run the script")
    };
    let out = run(None);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("set AWS_REGION"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!log.exists(), "nothing was loaded");

    let out = run(Some("eu-central-1"));
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let calls = std::fs::read_to_string(&log).expect("calls");
    assert_eq!(calls.lines().count(), 2, "{calls}");
    assert!(
        calls.lines().all(|l| l.ends_with("--region eu-central-1")),
        "{calls}"
    );
}
