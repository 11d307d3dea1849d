//! `check --fix --resolve` and `check --diff --resolve` end to end, against real servers started here
//! on 127.0.0.1 and stopped on drop: the CNCF distribution registry (Debian's
//! `docker-registry`) holding images pushed with `skopeo` from OCI layouts this test
//! writes, a chart repository `index.yaml` served by `python3 -m http.server`, and local
//! git repositories for `git ls-remote`.
//!
//! The tools are required: `.ci/run` installs them, and a machine without them fails these
//! tests with the install line instead of skipping them.

#![cfg(feature = "resolve")]

mod common;

use common::TestRepo;
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

const INSTALL: &str = "apt-get install docker-registry skopeo apache2-utils (Debian's packages); \
     .ci/run installs them";

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// A server process, killed on drop.
struct Server {
    child: Child,
    port: u16,
    _dir: tempfile::TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn wait_listening(server: &mut Server, what: &str) {
    let started = Instant::now();
    while TcpStream::connect(("127.0.0.1", server.port)).is_err() {
        if let Ok(Some(status)) = server.child.try_wait() {
            panic!(
                "{what} exited ({status}) before listening on {}",
                server.port
            );
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "{what} did not listen within 30 s"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The distribution registry, storage in a temporary folder.
fn registry() -> Server {
    registry_with(None)
}

/// The registry, with htpasswd (basic) authentication for `user:password` when given.
fn registry_with(user: Option<(&str, &str)>) -> Server {
    let dir = tempfile::tempdir().expect("tempdir");
    let port = free_port();
    let config = dir.path().join("config.yml");
    let mut text = format!(
        "version: 0.1\nlog: {{level: error}}\nstorage:\n  filesystem: {{rootdirectory: {}}}\nhttp:\n  addr: 127.0.0.1:{port}\n",
        dir.path().join("data").display()
    );
    if let Some((name, password)) = user {
        let file = dir.path().join("htpasswd");
        run(Command::new("htpasswd")
            .args(["-Bbc"])
            .arg(&file)
            .args([name, password]));
        text.push_str(&format!(
            "auth:\n  htpasswd: {{realm: test-realm, path: {}}}\n",
            file.display()
        ));
    }
    std::fs::write(&config, text).expect("write config");
    let child = Command::new("docker-registry")
        .arg("serve")
        .arg(&config)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start docker-registry ({e}): {INSTALL}"));
    let mut s = Server {
        child,
        port,
        _dir: dir,
    };
    wait_listening(&mut s, "docker-registry");
    s
}

/// `python3 -m http.server` serving `files` (path, content).
fn http_server(files: &[(&str, String)]) -> Server {
    let dir = tempfile::tempdir().expect("tempdir");
    for (path, content) in files {
        std::fs::write(dir.path().join(path), content).expect("write");
    }
    let port = free_port();
    let child = Command::new("python3")
        .args([
            "-m",
            "http.server",
            "--bind",
            "127.0.0.1",
            &port.to_string(),
        ])
        .current_dir(dir.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("python3 runs");
    let mut s = Server {
        child,
        port,
        _dir: dir,
    };
    wait_listening(&mut s, "python3 -m http.server");
    s
}

fn sha256(bytes: &[u8], dir: &Path) -> String {
    let tmp = dir.join(".hash-input");
    std::fs::write(&tmp, bytes).expect("write");
    let out = Command::new("sha256sum")
        .arg(&tmp)
        .output()
        .expect("sha256sum runs");
    let text = String::from_utf8_lossy(&out.stdout);
    let hex = text.split_whitespace().next().expect("a hash").to_string();
    std::fs::remove_file(&tmp).expect("remove");
    hex
}

/// An OCI image layout with one image (a config blob and one layer whose content differs
/// by `seed`), tagged `tag`.
fn oci_layout(dir: &Path, seed: &str, tag: &str) {
    std::fs::create_dir_all(dir.join("blobs/sha256")).expect("mkdir");
    let blob = |bytes: &[u8]| -> (String, usize) {
        let hex = sha256(bytes, dir);
        std::fs::write(dir.join("blobs/sha256").join(&hex), bytes).expect("write blob");
        (format!("sha256:{hex}"), bytes.len())
    };
    // A tar archive with one file: a 512-byte header and one data block, then the end.
    let mut tar = vec![0u8; 512 * 4];
    let name = b"seed.txt";
    tar[..name.len()].copy_from_slice(name);
    tar[100..107].copy_from_slice(b"0000644");
    let size = format!("{:011o}", seed.len());
    tar[124..135].copy_from_slice(size.as_bytes());
    tar[136..147].copy_from_slice(b"00000000000");
    tar[156] = b'0';
    tar[257..262].copy_from_slice(b"ustar");
    tar[148..156].copy_from_slice(b"        ");
    let sum: u32 = tar[..512].iter().map(|&b| u32::from(b)).sum();
    tar[148..155].copy_from_slice(format!("{sum:06o}\0").as_bytes());
    tar[512..512 + seed.len()].copy_from_slice(seed.as_bytes());
    let (layer, layer_size) = blob(&tar);
    let config = format!(
        r#"{{"architecture":"amd64","os":"linux","config":{{}},"rootfs":{{"type":"layers","diff_ids":["{layer}"]}}}}"#
    );
    let (config_digest, config_size) = blob(config.as_bytes());
    let manifest = format!(
        r#"{{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"{config_digest}","size":{config_size}}},"layers":[{{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"{layer}","size":{layer_size}}}]}}"#
    );
    let (manifest_digest, manifest_size) = blob(manifest.as_bytes());
    std::fs::write(dir.join("oci-layout"), r#"{"imageLayoutVersion":"1.0.0"}"#).expect("write");
    std::fs::write(
        dir.join("index.json"),
        format!(
            r#"{{"schemaVersion":2,"manifests":[{{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"{manifest_digest}","size":{manifest_size},"annotations":{{"org.opencontainers.image.ref.name":"{tag}"}}}}]}}"#
        ),
    )
    .expect("write");
}

fn run(cmd: &mut Command) -> Output {
    let out = cmd.output().expect("runs");
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// Pushes the image of `seed` to `<registry>/<repo>` under every tag; returns the
/// manifest digest the registry reports for it (`skopeo inspect`'s `Digest`).
fn push(port: u16, seed: &str, repo: &str, tags: &[&str]) -> String {
    push_as(port, seed, repo, tags, None)
}

fn push_as(port: u16, seed: &str, repo: &str, tags: &[&str], creds: Option<&str>) -> String {
    let dir = tempfile::tempdir().expect("tempdir");
    oci_layout(dir.path(), seed, "src");
    let src = format!("oci:{}:src", dir.path().display());
    for tag in tags {
        let mut cmd = Command::new("skopeo");
        cmd.args(["copy", "--quiet", "--dest-tls-verify=false"]);
        if let Some(c) = creds {
            cmd.args(["--dest-creds", c]);
        }
        run(cmd.args([&src, &format!("docker://127.0.0.1:{port}/{repo}:{tag}")]));
    }
    let mut cmd = Command::new("skopeo");
    cmd.args(["inspect", "--tls-verify=false"]);
    if let Some(c) = creds {
        cmd.args(["--creds", c]);
    }
    let out = run(cmd.arg(format!("docker://127.0.0.1:{port}/{repo}:{}", tags[0])));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    v["Digest"].as_str().expect("a Digest").to_string()
}

fn tools_present() {
    for (tool, arg) in [
        ("docker-registry", "--version"),
        ("skopeo", "--version"),
        ("htpasswd", "-nbB u p"),
    ] {
        let ok = Command::new(tool)
            .args(arg.split(' '))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        assert!(ok, "`{tool}` is not installed: {INSTALL}");
    }
}

fn text(out: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn images_are_pinned_to_the_most_specific_version_tag_and_digest() {
    tools_present();
    let reg = registry();
    let port = reg.port;
    let app = push(port, "app-1.2.3", "team/app", &["latest", "1.2", "1.2.3"]);
    let older = push(port, "app-1.1.0", "team/app", &["1.1.0", "2.0.0-rc.1"]);
    assert_ne!(app, older);
    let nightly = push(port, "tool-nightly", "team/tool", &["nightly"]);
    let host = format!("127.0.0.1:{port}");

    let repo = TestRepo::new();
    let deploy = format!(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: web}}\nspec:\n  template:\n    spec:\n      containers:\n        - name: web\n          image: \"{host}/team/app:latest\"   # keep me\n        - name: side\n          image: {host}/team/app\n        - {{name: tool, image: '{host}/team/tool:nightly'}}\n"
    );
    let values = format!("web:\n  image:\n    repository: {host}/team/app\n    tag: latest\n");
    repo.stage("apps/web.yaml", &deploy);
    repo.stage("charts/web/values.yaml", &values);
    // Unstaged work in the working tree is never overwritten (and is no error).
    let staged_only = format!("containers:\n  - {{name: a, image: {host}/team/app}}\n");
    repo.stage("unstaged.yaml", &staged_only);
    let unstaged = format!("{staged_only}# being edited\n");
    repo.write("unstaged.yaml", &unstaged);

    // --diff: the change on stdout, nothing written, exit 1.
    let out = repo
        .cmd()
        .args(["check", "--diff", "--resolve"])
        .output()
        .expect("runs");
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stdout}{stderr}");
    assert!(
        stdout.contains(&format!(
            "-          image: \"{host}/team/app:latest\"   # keep me\n+          image: \"{host}/team/app:1.2.3@{app}\"   # keep me\n"
        )),
        "{stdout}"
    );
    assert!(
        stdout.contains("--- a/apps/web.yaml\n+++ b/apps/web.yaml\n"),
        "{stdout}"
    );
    assert_eq!(
        std::fs::read_to_string(repo.join("apps/web.yaml")).expect("read"),
        deploy
    );

    // --fix --resolve: byte-exact edits, quotes and comments kept.
    let out = repo
        .cmd()
        .args(["check", "--fix", "--resolve"])
        .output()
        .expect("runs");
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stdout}{stderr}");
    assert!(
        stderr.contains(&format!(
            "apps/web.yaml:9: pinned `{host}/team/app:latest` -> `{host}/team/app:1.2.3@{app}`"
        )),
        "{stderr}"
    );
    assert_eq!(
        std::fs::read_to_string(repo.join("apps/web.yaml")).expect("read"),
        format!(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: web}}\nspec:\n  template:\n    spec:\n      containers:\n        - name: web\n          image: \"{host}/team/app:1.2.3@{app}\"   # keep me\n        - name: side\n          image: {host}/team/app:1.2.3@{app}\n        - {{name: tool, image: '{host}/team/tool@{nightly}'}}\n"
        )
    );
    assert_eq!(
        std::fs::read_to_string(repo.join("charts/web/values.yaml")).expect("read"),
        format!("web:\n  image:\n    repository: {host}/team/app\n    tag: 1.2.3@{app}\n")
    );
    assert!(
        stderr.contains(
            "unstaged.yaml: not pinned: the working-tree file differs from the staged one"
        ),
        "{stderr}"
    );
    assert_eq!(
        std::fs::read_to_string(repo.join("unstaged.yaml")).expect("read"),
        unstaged
    );
    repo.git(&["rm", "-q", "-f", "unstaged.yaml"]);

    // Idempotent: staged, a second run finds nothing to pin and changes nothing.
    repo.git(&["add", "-A"]);
    let out = repo
        .cmd()
        .args(["check", "--fix", "--resolve", "--select", "GG201,GG202"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(0), "{:?}", text(&out));
    let out = repo
        .cmd()
        .args(["check", "--diff", "--resolve"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(0), "{:?}", text(&out));
    assert_eq!(out.stdout, b"");
}

#[test]
fn a_failed_lookup_leaves_the_file_unchanged_and_exits_2() {
    tools_present();
    let reg = registry();
    let port = reg.port;
    push(port, "app", "team/app", &["latest", "1.0.0"]);
    let dead = free_port();
    let repo = TestRepo::new();
    let missing = format!(
        "containers:\n  - {{name: a, image: 127.0.0.1:{port}/team/app:latest}}\n  - {{name: b, image: 127.0.0.1:{port}/team/missing:latest}}\n"
    );
    let refused = format!("containers:\n  - {{name: a, image: 127.0.0.1:{dead}/team/app}}\n");
    repo.stage("a.yaml", &missing);
    repo.stage("b.yaml", &refused);
    let out = repo
        .cmd()
        .args(["check", "--fix", "--resolve"])
        .output()
        .expect("runs");
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(2), "{stdout}{stderr}");
    assert!(
        stderr.contains(&format!(
            "a.yaml:3: cannot resolve image `127.0.0.1:{port}/team/missing:latest`: not found on 127.0.0.1:{port} (HTTP 404)"
        )),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!(
            "b.yaml:2: cannot resolve image `127.0.0.1:{dead}/team/app`: connection refused"
        )),
        "{stderr}"
    );
    assert_eq!(
        std::fs::read_to_string(repo.join("a.yaml")).expect("read"),
        missing
    );
    assert_eq!(
        std::fs::read_to_string(repo.join("b.yaml")).expect("read"),
        refused
    );
    // Without --resolve nothing is looked up: the plain fix leaves images alone.
    let out = repo.cmd().args(["check", "--fix"]).output().expect("runs");
    assert_eq!(out.status.code(), Some(1), "{:?}", text(&out));
    assert_eq!(
        std::fs::read_to_string(repo.join("a.yaml")).expect("read"),
        missing
    );
}

#[test]
fn chart_ranges_resolve_from_an_index_and_git_refs_from_ls_remote() {
    let index = "apiVersion: v1\nentries:\n  web:\n  - {name: web, version: 1.2.0}\n  - {name: web, version: 1.2.7}\n  - {name: web, version: 1.10.0}\n  - {name: web, version: 2.0.0}\n  - {name: web, version: 2.1.0-rc.1}\n";
    let charts = http_server(&[("index.yaml", index.to_string())]);
    let url = format!("http://127.0.0.1:{}", charts.port);

    let tagged = TestRepo::new();
    tagged.stage("a", "a");
    tagged.commit("one");
    for t in ["v1.0.0", "v1.4.2", "v2.0.0-rc.1", "nightly"] {
        tagged.git(&["tag", t]);
    }
    let untagged = TestRepo::new();
    untagged.stage("a", "a");
    untagged.commit("one");
    let head = common::git_ok(untagged.path(), &["rev-parse", "HEAD"])
        .trim()
        .to_string();
    let tagged_url = format!("file://{}", tagged.path().display());
    let untagged_url = format!("file://{}", untagged.path().display());

    let repo = TestRepo::new();
    let helmfile = format!(
        "repositories:\n  - name: ex\n    url: {url}\nreleases:\n  - name: web\n    chart: ex/web\n  - name: api\n    chart: ex/web\n    version: '~1.2.0'\n"
    );
    let app = format!(
        "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {{name: a, namespace: argocd}}\nspec:\n  sources:\n    - repoURL: {url}\n      chart: web\n      targetRevision: \">=1.0 <2\"\n    - repoURL: {tagged_url}\n      targetRevision: main\n    - repoURL: {untagged_url}\n      targetRevision: HEAD\n"
    );
    let flux = format!(
        "apiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\nmetadata: {{name: charts}}\nspec:\n  url: {tagged_url}\n  ref:\n    branch: main\n---\napiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: {{name: r}}\nspec:\n  chart:\n    spec:\n      chart: ./charts/r\n      sourceRef: {{kind: GitRepository, name: charts}}\n"
    );
    repo.stage("helmfile.yaml", &helmfile);
    repo.stage("argo/app.yaml", &app);
    repo.stage("flux/charts.yaml", &flux);
    let out = repo
        .cmd()
        .args(["check", "--fix", "--resolve", "--select", "GG204"])
        .output()
        .expect("runs");
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stdout}{stderr}");
    assert_eq!(
        std::fs::read_to_string(repo.join("helmfile.yaml")).expect("read"),
        format!(
            "repositories:\n  - name: ex\n    url: {url}\nreleases:\n  - name: web\n    chart: ex/web\n    version: 2.0.0\n  - name: api\n    chart: ex/web\n    version: '1.2.7'\n"
        )
    );
    assert_eq!(
        std::fs::read_to_string(repo.join("argo/app.yaml")).expect("read"),
        app.replace("\">=1.0 <2\"", "\"1.10.0\"")
            .replace("targetRevision: main", "targetRevision: v1.4.2")
            .replace("targetRevision: HEAD", &format!("targetRevision: {head}"))
    );
    assert_eq!(
        std::fs::read_to_string(repo.join("flux/charts.yaml")).expect("read"),
        flux.replace("    branch: main\n", "    tag: v1.4.2\n")
    );
    // Pinned: nothing left for GG204.
    repo.git(&["add", "-A"]);
    let out = repo
        .cmd()
        .args(["check", "--select", "GG204"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(0), "{:?}", text(&out));
}

/// Runs `gitops-guard check <args>` in `repo` with the docker config in `docker_config`
/// (a folder; none of the user's credentials leak in).
fn check_with_config(repo: &TestRepo, docker_config: &Path, args: &[&str]) -> Output {
    repo.cmd()
        .arg("check")
        .args(args)
        .env("DOCKER_CONFIG", docker_config)
        .output()
        .expect("runs")
}

#[test]
fn registry_credentials_come_from_the_docker_config_and_never_show() {
    tools_present();
    let password = "pw-resolve-Kq81";
    let reg = registry_with(Some(("ci-user", password)));
    let port = reg.port;
    let creds = format!("ci-user:{password}");
    let digest = push_as(
        port,
        "private",
        "team/private",
        &["latest", "3.1.4"],
        Some(&creds),
    );
    let repo = TestRepo::new();
    let pod = format!("containers:\n  - {{name: a, image: 127.0.0.1:{port}/team/private}}\n");
    repo.stage("p.yaml", &pod);

    // No credentials: the registry's 401 is reported, the file unchanged.
    let empty = tempfile::tempdir().expect("tempdir");
    let out = check_with_config(&repo, empty.path(), &["--fix", "--resolve"]);
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(2), "{stdout}{stderr}");
    assert!(
        stderr.contains(&format!(
            "p.yaml:2: cannot resolve image `127.0.0.1:{port}/team/private`: 127.0.0.1:{port} asks for a password; no credentials for it in the docker config"
        )),
        "{stderr}"
    );
    assert_eq!(
        std::fs::read_to_string(repo.join("p.yaml")).expect("read"),
        pod
    );

    // A credential helper is named, not run.
    let helper = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        helper.path().join("config.json"),
        format!(r#"{{"credHelpers": {{"127.0.0.1:{port}": "pass"}}}}"#),
    )
    .expect("write");
    let out = check_with_config(&repo, helper.path(), &["--fix", "--resolve"]);
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("`docker-credential-pass`, which --resolve does not run"),
        "{stderr}"
    );

    // `auths` with base64 `user:password`: pinned, and the password is nowhere in the output.
    use base64::Engine as _;
    let auth = base64::engine::general_purpose::STANDARD.encode(&creds);
    let config = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        config.path().join("config.json"),
        format!(r#"{{"auths": {{"http://127.0.0.1:{port}": {{"auth": "{auth}"}}}}}}"#),
    )
    .expect("write");
    let out = check_with_config(&repo, config.path(), &["--diff", "--resolve"]);
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stdout}{stderr}");
    let out = check_with_config(&repo, config.path(), &["--fix", "--resolve"]);
    let (stdout2, stderr2) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stdout2}{stderr2}");
    for t in [&stdout, &stderr, &stdout2, &stderr2] {
        assert!(!t.contains(password) && !t.contains(&auth), "{t}");
    }
    assert_eq!(
        std::fs::read_to_string(repo.join("p.yaml")).expect("read"),
        format!(
            "containers:\n  - {{name: a, image: 127.0.0.1:{port}/team/private:3.1.4@{digest}}}\n"
        )
    );
}

/// A registry that speaks only the token flow, in Python: every `/v2/` request without
/// `Authorization: Bearer <token>` gets `401` with a `Bearer realm=…` challenge, and the
/// realm hands out the token only for the service and scope it announced. (The distribution
/// registry's own token mode needs a signing token server; this exercises the same
/// exchange.)
const TOKEN_REGISTRY: &str = r#"
import http.server, json, sys, urllib.parse
PORT = int(sys.argv[1])
D1 = "sha256:" + "a" * 64
D2 = "sha256:" + "b" * 64
TAGS = {"latest": D1, "1.0.0": D1, "1.0": D1, "0.9.0": D2}
class H(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a): pass
    def reply(self, code, body=b"", headers=()):
        self.send_response(code)
        for k, v in headers: self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD": self.wfile.write(body)
    def handle_any(self):
        url = urllib.parse.urlparse(self.path)
        if url.path == "/token":
            q = urllib.parse.parse_qs(url.query)
            if q.get("service") == ["stub"] and q.get("scope") == ["repository:team/app:pull"]:
                return self.reply(200, json.dumps({"token": "tok-123"}).encode())
            return self.reply(400)
        if self.headers.get("Authorization") != "Bearer tok-123":
            challenge = 'Bearer realm="http://127.0.0.1:%d/token",service="stub",scope="repository:team/app:pull"' % PORT
            return self.reply(401, b"{}", [("WWW-Authenticate", challenge)])
        if url.path == "/v2/team/app/tags/list":
            return self.reply(200, json.dumps({"name": "team/app", "tags": list(TAGS)}).encode())
        prefix = "/v2/team/app/manifests/"
        if url.path.startswith(prefix) and url.path[len(prefix):] in TAGS:
            return self.reply(200, b"{}", [("Docker-Content-Digest", TAGS[url.path[len(prefix):]])])
        return self.reply(404)
    do_GET = handle_any
    do_HEAD = handle_any
http.server.HTTPServer(("127.0.0.1", PORT), H).serve_forever()
"#;

#[test]
fn the_bearer_token_flow_is_followed_anonymously() {
    let dir = tempfile::tempdir().expect("tempdir");
    let script = dir.path().join("registry.py");
    std::fs::write(&script, TOKEN_REGISTRY).expect("write");
    let port = free_port();
    let child = Command::new("python3")
        .arg(&script)
        .arg(port.to_string())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("python3 runs");
    let mut server = Server {
        child,
        port,
        _dir: dir,
    };
    wait_listening(&mut server, "the token registry");
    let repo = TestRepo::new();
    repo.stage(
        "p.yaml",
        format!("containers:\n  - {{name: a, image: 127.0.0.1:{port}/team/app:latest}}\n"),
    );
    let empty = tempfile::tempdir().expect("tempdir");
    let out = check_with_config(&repo, empty.path(), &["--fix", "--resolve"]);
    assert_eq!(out.status.code(), Some(1), "{:?}", text(&out));
    assert_eq!(
        std::fs::read_to_string(repo.join("p.yaml")).expect("read"),
        format!(
            "containers:\n  - {{name: a, image: 127.0.0.1:{port}/team/app:1.0.0@sha256:{}}}\n",
            "a".repeat(64)
        )
    );
}

/// Credentials written into URLs (a git token, a chart repository's password) show in no
/// output: not the findings in any format, not `--diff`, not what `--fix --resolve` says it
/// pinned or failed to look up, and the file keeps them byte for byte.
#[test]
fn credentials_in_urls_never_show() {
    let token = "ghp_UrlToken0123456789abcdef";
    let chart_pw = "ChartPw-3Kx9";
    let oci_pw = "OciPw-7Hd2";
    let upstream = TestRepo::new();
    upstream.stage("a", "a");
    upstream.commit("one");
    let head = common::git_ok(upstream.path(), &["rev-parse", "HEAD"])
        .trim()
        .to_string();
    let charts = http_server(&[("other.yaml", "x".to_string())]);
    let dead = free_port();
    let git_url = format!("https://x-access-token:{token}@git.example.invalid/o/r.git");

    let repo = TestRepo::new();
    // The user's git rewrites the URL to the local remote, as a credential helper or a
    // mirror setting would: the lookup succeeds and its line still quotes the URL.
    repo.git(&[
        "config",
        &format!("url.file://{}.insteadOf", upstream.path().display()),
        &git_url,
    ]);
    let app = format!(
        "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {{name: a, namespace: argocd}}\nspec:\n  source:\n    repoURL: {git_url}\n    targetRevision: HEAD\n    path: app\n"
    );
    let chart_app = format!(
        "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {{name: c, namespace: argocd}}\nspec:\n  sources:\n    - repoURL: http://chartuser:{chart_pw}@127.0.0.1:{}/charts\n      chart: web\n      targetRevision: \">=1.0 <2\"\n    - repoURL: oci://ociuser:{oci_pw}@127.0.0.1:{dead}/charts\n      chart: web2\n      targetRevision: \">=1.0 <2\"\n",
        charts.port
    );
    repo.stage("app.yaml", &app);
    repo.stage("charts.yaml", &chart_app);
    let secrets = [token, chart_pw, oci_pw];
    let clean = |what: &str, out: &Output| {
        let (stdout, stderr) = text(out);
        for s in secrets {
            assert!(
                !stdout.contains(s) && !stderr.contains(s),
                "{what} shows `{s}`:\n{stdout}{stderr}"
            );
        }
        (stdout, stderr)
    };

    for format in ["human", "concise", "json", "sarif"] {
        let out = repo
            .cmd()
            .args(["check", "--format", format])
            .output()
            .expect("runs");
        assert_eq!(out.status.code(), Some(1), "{:?}", text(&out));
        let (stdout, _) = clean(format, &out);
        assert!(
            stdout.contains("https://********@git.example.invalid/o/r.git"),
            "{format}: {stdout}"
        );
    }
    let out = repo
        .cmd()
        .args(["check", "--diff", "--resolve"])
        .output()
        .expect("runs");
    let (stdout, _) = clean("--diff --resolve", &out);
    assert!(
        stdout.contains(&format!("+    targetRevision: {head}")),
        "{stdout}"
    );

    let out = repo
        .cmd()
        .args(["check", "--fix", "--resolve"])
        .output()
        .expect("runs");
    let (stdout, stderr) = clean("--fix --resolve", &out);
    assert_eq!(out.status.code(), Some(2), "{stdout}{stderr}");
    assert!(
        stderr.contains(&format!(
            "app.yaml:7: pinned `https://********@git.example.invalid/o/r.git HEAD` -> `{head}`"
        )),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!(
            "charts.yaml:8: cannot resolve chart `web >=1.0 <2`: http://********@127.0.0.1:{}/charts/index.yaml answered HTTP 404",
            charts.port
        )),
        "{stderr}"
    );
    assert!(
        stderr.contains("charts.yaml:11: cannot resolve chart `web2 >=1.0 <2`: connection refused"),
        "{stderr}"
    );
    assert_eq!(
        std::fs::read_to_string(repo.join("app.yaml")).expect("read"),
        app.replace("targetRevision: HEAD", &format!("targetRevision: {head}"))
    );
    assert_eq!(
        std::fs::read_to_string(repo.join("charts.yaml")).expect("read"),
        chart_app
    );
}

/// A registry that asks for a password and pages its tag list to another server.
const PAGING_REGISTRY: &str = r#"
import base64, http.server, json, sys, urllib.parse
PORT, OTHER = int(sys.argv[1]), int(sys.argv[2])
AUTH = "Basic " + base64.b64encode(b"ci-user:pw-paging-Zt5").decode()
D1 = "sha256:" + "a" * 64
class H(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a): pass
    def reply(self, code, body=b"", headers=()):
        self.send_response(code)
        for k, v in headers: self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD": self.wfile.write(body)
    def handle_any(self):
        url = urllib.parse.urlparse(self.path)
        if self.headers.get("Authorization") != AUTH:
            return self.reply(401, b"{}", [("WWW-Authenticate", 'Basic realm="stub"')])
        if url.path == "/v2/team/app/tags/list":
            link = '<http://127.0.0.1:%d/v2/team/app/tags/list?last=latest>; rel="next"' % OTHER
            return self.reply(200, json.dumps({"tags": ["latest"]}).encode(), [("Link", link)])
        if url.path == "/v2/team/app/manifests/latest":
            return self.reply(200, b"{}", [("Docker-Content-Digest", D1)])
        return self.reply(404)
    do_GET = handle_any
    do_HEAD = handle_any
http.server.HTTPServer(("127.0.0.1", PORT), H).serve_forever()
"#;

/// A server that writes the `Authorization` header of every request to a file.
const RECORDER: &str = r#"
import http.server, sys
PORT, LOG = int(sys.argv[1]), sys.argv[2]
class H(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a): pass
    def do_GET(self):
        with open(LOG, "a") as f: f.write("%s %s\n" % (self.path, self.headers.get("Authorization")))
        body = b'{"tags": []}'
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
http.server.HTTPServer(("127.0.0.1", PORT), H).serve_forever()
"#;

fn python_server(script: &str, args: &[String], port: u16, what: &str) -> Server {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("server.py");
    std::fs::write(&path, script).expect("write");
    let child = Command::new("python3")
        .arg(&path)
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("python3 runs");
    let mut server = Server {
        child,
        port,
        _dir: dir,
    };
    wait_listening(&mut server, what);
    server
}

/// A registry's credentials go to that registry only: a tag-list page on another server is
/// asked for without them.
#[test]
fn registry_credentials_never_follow_a_link_to_another_server() {
    let log_dir = tempfile::tempdir().expect("tempdir");
    let log = log_dir.path().join("requests.log");
    let other = free_port();
    let _recorder = python_server(
        RECORDER,
        &[other.to_string(), log.display().to_string()],
        other,
        "the recorder",
    );
    let port = free_port();
    let _registry = python_server(
        PAGING_REGISTRY,
        &[port.to_string(), other.to_string()],
        port,
        "the paging registry",
    );
    let config = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        config.path().join("config.json"),
        format!(
            r#"{{"auths": {{"127.0.0.1:{port}": {{"username": "ci-user", "password": "pw-paging-Zt5"}}}}}}"#
        ),
    )
    .expect("write");
    let repo = TestRepo::new();
    repo.stage(
        "p.yaml",
        format!("containers:\n  - {{name: a, image: 127.0.0.1:{port}/team/app:latest}}\n"),
    );
    let out = check_with_config(&repo, config.path(), &["--fix", "--resolve"]);
    assert_eq!(out.status.code(), Some(1), "{:?}", text(&out));
    assert_eq!(
        std::fs::read_to_string(repo.join("p.yaml")).expect("read"),
        format!(
            "containers:\n  - {{name: a, image: 127.0.0.1:{port}/team/app@sha256:{}}}\n",
            "a".repeat(64)
        )
    );
    // The second page was asked for, without the registry's password.
    assert_eq!(
        std::fs::read_to_string(&log).expect("the recorder was asked"),
        "/v2/team/app/tags/list?last=latest None\n"
    );
}
