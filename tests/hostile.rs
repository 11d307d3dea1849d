//! Hostile and odd input, end to end: the real binary in temporary git repositories. Nothing
//! here may panic, overflow the stack, hang, or report a path other than the one in git.

mod common;

use common::{TestRepo, f, findings, git, git_cmd};
use std::path::Path;
use std::process::Output;
use std::time::{Duration, Instant};

const SECRET: &str = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\n  namespace: apps\nstringData:\n  token: hostile-token-value\n";

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// A run that crashed (a panic exits 101; a stack overflow or abort has no exit code).
fn assert_clean_exit(out: &Output) {
    let code = out.status.code();
    assert!(
        matches!(code, Some(0..=2)),
        "exit {code:?}\nstderr: {}",
        stderr(out)
    );
    assert!(!stderr(out).contains("panicked"), "{}", stderr(out));
}

/// `check --format json` over everything staged, with crash detection.
fn check_all(repo: &TestRepo, extra: &[&str]) -> (i32, serde_json::Value) {
    let out = repo
        .cmd()
        .args(["check", "--all", "--format", "json"])
        .args(extra)
        .output()
        .expect("run");
    assert_clean_exit(&out);
    let json = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", stderr(&out)));
    (out.status.code().unwrap_or(-1), json)
}

fn codes_of(json: &serde_json::Value, path: &str) -> Vec<String> {
    findings(json)
        .into_iter()
        .filter(|(_, p, _)| p == path)
        .map(|(c, _, _)| c)
        .collect()
}

#[test]
fn deep_nesting_never_overflows_the_stack() {
    let repo = TestRepo::new();
    let n = 100_000;
    repo.stage("flow-seq.yaml", "[".repeat(n));
    repo.stage("flow-map.yaml", "{a: ".repeat(n));
    repo.stage("block-seq.yaml", format!("{}x\n", "- ".repeat(n)));
    repo.stage("deep.json", format!("{}1{}", "[".repeat(n), "]".repeat(n)));
    // 100k nested block mappings: `? ? ? ... a` opens a block mapping per explicit key on one
    // line (200 KB); indented `a:` lines would be quadratic (5 GB at 100k levels), so those
    // go as deep as the default size limit allows.
    repo.stage("explicit-keys.yaml", format!("{}a\n", "? ".repeat(n)));
    let mut block = String::new();
    for level in 0..4_000 {
        block.push_str(&" ".repeat(level));
        block.push_str("a:\n");
    }
    repo.stage("block-map.yaml", block);
    // In a chart template (tolerant reading) too.
    repo.stage(
        "chart/templates/deep.yaml",
        "{{ x }}\n".to_string() + &"[".repeat(n),
    );
    let (code, json) = check_all(&repo, &[]);
    assert_eq!(code, 1, "{json:#}");
    for path in [
        "flow-seq.yaml",
        "flow-map.yaml",
        "block-seq.yaml",
        "deep.json",
        "explicit-keys.yaml",
        "block-map.yaml",
    ] {
        assert_eq!(codes_of(&json, path), vec!["GG001"], "{path}: {json:#}");
    }
    let msgs: Vec<&str> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["message"].as_str())
        .collect();
    assert!(
        msgs.iter().any(|m| m.contains("nesting deeper than")),
        "{msgs:?}"
    );
}

#[test]
fn alias_bombs_in_secrets_and_kustomizations() {
    let repo = TestRepo::new();
    // Quadratic blow-up: one big anchored list referenced many times.
    let mut quad = String::from("apiVersion: v1\nkind: Secret\nmetadata: {name: q}\nx: &a [");
    quad.push_str(&"b,".repeat(10_000));
    quad.push_str("]\nstringData:\n");
    for i in 0..1_000 {
        quad.push_str(&format!("  k{i}: *a\n"));
    }
    repo.stage("quad.yaml", quad);
    // Exponential (billion laughs) inside a kustomization's secretGenerator.
    let mut laughs = String::from(
        "secretGenerator:\n- name: x\n  literals: &l0 [\"K=v\",\"K=v\",\"K=v\",\"K=v\",\"K=v\",\"K=v\",\"K=v\",\"K=v\",\"K=v\",\"K=v\"]\n",
    );
    for i in 1..12 {
        let p = i - 1;
        laughs.push_str(&format!(
            "l{i}: &l{i} [*l{p},*l{p},*l{p},*l{p},*l{p},*l{p},*l{p},*l{p},*l{p},*l{p}]\n"
        ));
    }
    repo.stage("kustomization.yaml", laughs);
    let started = Instant::now();
    let (code, json) = check_all(&repo, &[]);
    assert_eq!(code, 1);
    assert!(
        codes_of(&json, "quad.yaml").contains(&"GG001".to_string()),
        "{json:#}"
    );
    assert!(
        codes_of(&json, "kustomization.yaml").contains(&"GG001".to_string()),
        "{json:#}"
    );
    // A sanity bound, not a benchmark: a bomb that expanded would take far longer.
    assert!(started.elapsed() < Duration::from_secs(60));
}

#[test]
fn a_100_mb_file_is_skipped_with_gg003_without_reading_it() {
    let repo = TestRepo::new();
    let path = repo.join("huge.yaml");
    {
        use std::io::Write;
        let mut file = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
        let line = format!("# {}\n", "x".repeat(1021));
        for _ in 0..100 * 1024 {
            file.write_all(line.as_bytes()).unwrap();
        }
        file.write_all(SECRET.as_bytes()).unwrap();
    }
    repo.git(&["add", "huge.yaml"]);
    let started = Instant::now();
    let (code, json) = repo.check_json(&[]);
    let took = started.elapsed();
    // GG003 is a warning: the commit may go on.
    assert_eq!(code, 0, "{json:#}");
    assert_eq!(findings(&json), vec![f("GG003", "huge.yaml", 1)]);
    // Generous: the blob is sized from its object header, never inflated or parsed.
    assert!(took < Duration::from_secs(60), "took {took:?}");
}

#[test]
fn a_1_mb_single_line() {
    let repo = TestRepo::new();
    let value = "v".repeat(1 << 20);
    repo.stage(
        "one-line.yaml",
        format!(
            "{{apiVersion: v1, kind: Secret, metadata: {{name: big}}, stringData: {{k: {value}}}}}"
        ),
    );
    repo.stage(
        "config.yaml",
        format!("apiVersion: v1\nkind: ConfigMap\ndata: {{k: {value}}}"),
    );
    let (code, json) = check_all(&repo, &[]);
    assert_eq!(code, 1);
    assert_eq!(findings(&json), vec![f("GG101", "one-line.yaml", 1)]);
    // The human report quotes the line masked: the value itself never appears.
    let out = repo.cmd().args(["check", "--all"]).output().unwrap();
    assert_clean_exit(&out);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("GG101"),
        "{}",
        &stdout[..stdout.len().min(2000)]
    );
    assert!(!stdout.contains("vvvvvvvv"), "the value leaked");
}

#[test]
fn invalid_utf8_nul_bytes_and_binary_yaml() {
    let repo = TestRepo::new();
    repo.stage(
        "latin1.yaml",
        b"apiVersion: v1\nkind: Secret\nmetadata: {name: \xe9}\n".as_slice(),
    );
    repo.stage(
        "nul.yaml",
        b"apiVersion: v1\nkind: Secret\x00\nstringData: {k: v}\n".as_slice(),
    );
    // A PNG saved as .yaml.
    let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    png.extend((0..4096u32).map(|i| (i.wrapping_mul(2654435761) >> 24) as u8));
    repo.stage("image.yaml", &png);
    // A lone surrogate half, overlong encodings and a truncated sequence.
    repo.stage(
        "bad.json",
        b"{\"a\": \"\xed\xa0\x80\xc0\xaf\xe2\x82\"}".as_slice(),
    );
    let (code, json) = check_all(&repo, &[]);
    assert_eq!(code, 1, "{json:#}");
    assert_eq!(codes_of(&json, "latin1.yaml"), vec!["GG001"]);
    assert_eq!(codes_of(&json, "bad.json"), vec!["GG001"]);
    let skipped: Vec<(String, String)> = json["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["path"].as_str().unwrap_or_default().to_string(),
                s.to_string(),
            )
        })
        .collect();
    for path in ["nul.yaml", "image.yaml"] {
        assert!(
            skipped
                .iter()
                .any(|(p, s)| p == path && s.contains("binary")),
            "{path} not skipped as binary: {skipped:?}"
        );
    }
    let out = repo.cmd().args(["check", "--all", "-v"]).output().unwrap();
    assert_clean_exit(&out);
    assert!(
        stderr(&out).contains("skipped image.yaml: binary"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn odd_file_names_are_reported_exactly() {
    let repo = TestRepo::new();
    let names = [
        "with space.yaml",
        "new\nline.yaml",
        "-leading-dash.yaml",
        "--fix.yaml",
        "tab\there.yaml",
        "quote\"back\\slash.yaml",
        "ünïcödé.yaml",
        "dir with space/-x.yaml",
    ];
    for name in names {
        repo.stage(name, SECRET);
    }
    let (code, json) = check_all(&repo, &[]);
    assert_eq!(code, 1);
    let mut got: Vec<String> = findings(&json).into_iter().map(|(_, p, _)| p).collect();
    got.sort();
    let mut want: Vec<String> = names.iter().map(|s| s.to_string()).collect();
    want.sort();
    assert_eq!(got, want, "{json:#}");
    // Named on the command line (after `--`, since they start with dashes).
    let out = repo
        .cmd()
        .args(["check", "--format", "json", "--"])
        .args(["-leading-dash.yaml", "--fix.yaml", "new\nline.yaml"])
        .output()
        .unwrap();
    assert_clean_exit(&out);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut got: Vec<String> = findings(&json).into_iter().map(|(_, p, _)| p).collect();
    got.sort();
    assert_eq!(
        got,
        vec!["--fix.yaml", "-leading-dash.yaml", "new\nline.yaml"]
    );
    // The human report names them too.
    let out = repo.cmd().args(["check", "--all"]).output().unwrap();
    assert_clean_exit(&out);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("with space.yaml") && stdout.contains("--fix.yaml"),
        "{stdout}"
    );
}

#[test]
fn non_utf8_file_names() {
    use std::os::unix::ffi::OsStrExt;
    let repo = TestRepo::new();
    let name = std::ffi::OsStr::from_bytes(b"caf\xe9.yaml");
    std::fs::write(repo.path().join(name), SECRET).unwrap();
    repo.stage("plain.yaml", SECRET);
    let out = git_cmd(repo.path())
        .arg("add")
        .arg("--")
        .arg(name)
        .output()
        .unwrap();
    assert!(out.status.success());
    let out = repo
        .cmd()
        .args(["check", "--all", "--format", "json"])
        .output()
        .unwrap();
    assert_clean_exit(&out);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let paths: Vec<String> = findings(&json).into_iter().map(|(_, p, _)| p).collect();
    // JSON strings cannot hold the raw byte: the file is scanned and reported under its name
    // with the invalid byte replaced (U+FFFD); the valid file is unaffected.
    assert_eq!(paths, vec!["caf\u{fffd}.yaml", "plain.yaml"], "{json:#}");
    // --fix cannot name that file on disk: it must leave it alone and say so.
    let out = fix(&repo, &[]);
    assert_eq!(
        std::fs::read_to_string(repo.path().join(name)).unwrap(),
        SECRET
    );
    assert!(
        stderr(&out).contains("caf\u{fffd}.yaml"),
        "{}",
        stderr(&out)
    );
}

/// Runs `check --fix` and returns the output.
fn fix(repo: &TestRepo, extra: &[&str]) -> Output {
    let out = repo
        .cmd()
        .args(["check", "--fix", "--select", "GG101"])
        .args(extra)
        .output()
        .expect("run");
    assert_clean_exit(&out);
    assert!(
        !String::from_utf8_lossy(&out.stdout).contains("hostile-token-value")
            && !stderr(&out).contains("hostile-token-value"),
        "value leaked"
    );
    out
}

/// Makes a path unwritable even for root (`chattr +i`), undone on drop; `None` (with a
/// printed notice) where the file system does not support it.
struct Immutable(std::path::PathBuf);

impl Immutable {
    fn new(path: &Path) -> Option<Immutable> {
        let ok = std::process::Command::new("chattr")
            .arg("+i")
            .arg(path)
            .output()
            .is_ok_and(|o| o.status.success());
        if ok {
            Some(Immutable(path.to_path_buf()))
        } else {
            eprintln!("notice: chattr +i is not available here; skipping this case");
            None
        }
    }
}

impl Drop for Immutable {
    fn drop(&mut self) {
        let _ = std::process::Command::new("chattr")
            .arg("-i")
            .arg(&self.0)
            .output();
    }
}

#[test]
fn read_only_manifest_is_left_untouched() {
    let repo = TestRepo::new();
    repo.stage("apps/s.yaml", SECRET);
    let Some(_guard) = Immutable::new(&repo.join("apps/s.yaml")) else {
        return;
    };
    let out = fix(&repo, &[]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert_eq!(
        std::fs::read_to_string(repo.join("apps/s.yaml")).unwrap(),
        SECRET
    );
    assert!(stderr(&out).contains("apps/s.yaml"), "{}", stderr(&out));
    let names: Vec<_> = std::fs::read_dir(repo.join("apps")).unwrap().collect();
    assert_eq!(names.len(), 1, "no temp file left");
}

#[test]
fn unwritable_values_dir_leaves_the_manifest_untouched() {
    let repo = TestRepo::new();
    repo.stage("apps/s.yaml", SECRET);
    // A regular file where the folder should be, /dev/full, and an immutable folder.
    repo.write("not-a-dir", "x");
    let immutable = repo.join("locked");
    std::fs::create_dir(&immutable).unwrap();
    let guard = Immutable::new(&immutable);
    let mut dirs = vec![
        repo.join("not-a-dir").display().to_string(),
        repo.join("not-a-dir/sub").display().to_string(),
        "/dev/full".to_string(),
    ];
    if guard.is_some() {
        dirs.push(immutable.display().to_string());
    }
    for dir in dirs {
        let out = fix(&repo, &["--values-dir", &dir]);
        assert_eq!(out.status.code(), Some(2), "{dir}: {}", stderr(&out));
        assert_eq!(
            std::fs::read_to_string(repo.join("apps/s.yaml")).unwrap(),
            SECRET,
            "{dir}"
        );
        assert!(
            stderr(&out).contains("unchanged"),
            "{dir}: {}",
            stderr(&out)
        );
    }
    drop(guard);
    assert_eq!(std::fs::read_dir(&immutable).unwrap().count(), 0);
}

/// A 64 KiB tmpfs, unmounted on drop; `None` (with a notice) without the privilege to mount.
struct TinyFs(std::path::PathBuf);

impl TinyFs {
    fn new(dir: &Path) -> Option<TinyFs> {
        std::fs::create_dir_all(dir).ok()?;
        let ok = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", "size=64k", "tmpfs"])
            .arg(dir)
            .output()
            .is_ok_and(|o| o.status.success());
        if ok {
            Some(TinyFs(dir.to_path_buf()))
        } else {
            eprintln!("notice: cannot mount a tmpfs here; skipping the full-disk case");
            None
        }
    }
}

impl Drop for TinyFs {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount").arg(&self.0).output();
    }
}

#[test]
fn full_disk_for_values_and_for_the_manifest() {
    let repo = TestRepo::new();
    // Values that do not fit in what is left.
    let big: String = (0..40_000)
        .map(|i| char::from(b'a' + (i % 26) as u8))
        .collect();
    let secret = format!("{SECRET}  big: {big}\n");
    repo.stage("apps/s.yaml", &secret);
    let mount = repo.path().join("..").join(format!(
        "gg-full-{}",
        repo.path().file_name().unwrap().to_string_lossy()
    ));
    let Some(fs) = TinyFs::new(&mount) else {
        return;
    };
    // Fill the disk, leaving a few KiB.
    std::fs::write(fs.0.join("filler"), vec![0u8; 48 * 1024]).unwrap();
    let values = fs.0.join("values");
    let out = fix(&repo, &["--values-dir", &values.display().to_string()]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert_eq!(
        std::fs::read_to_string(repo.join("apps/s.yaml")).unwrap(),
        secret
    );
    // No partial values file is left behind (it would look like a saved value).
    let mut stack = vec![values.clone()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                panic!("left behind on the full disk: {}", p.display());
            }
        }
    }
    // With room again, the same run succeeds.
    std::fs::remove_file(fs.0.join("filler")).unwrap();
    let out = fix(&repo, &["--values-dir", &values.display().to_string()]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    drop(fs);
    let _ = std::fs::remove_dir(&mount);
}

#[test]
fn mid_merge_conflicts_are_skipped_and_said_others_scanned() {
    let repo = TestRepo::new();
    repo.stage(
        "conflict.yaml",
        "apiVersion: v1\nkind: ConfigMap\ndata: {a: base}\n",
    );
    repo.commit("base");
    repo.git(&["checkout", "-q", "-b", "other"]);
    repo.stage("conflict.yaml", format!("{SECRET}# other\n"));
    repo.commit("other");
    repo.git(&["checkout", "-q", "main"]);
    repo.stage(
        "conflict.yaml",
        "apiVersion: v1\nkind: ConfigMap\ndata: {a: main}\n",
    );
    repo.commit("main");
    let out = git(repo.path(), &["merge", "-q", "other"]);
    assert!(!out.status.success(), "the merge should conflict");
    repo.stage("clean.yaml", SECRET);
    for args in [&[][..], &["--all"][..]] {
        let (code, json) = repo.check_json(args);
        assert_eq!(code, 1, "{json:#}");
        assert_eq!(
            findings(&json),
            vec![f("GG101", "clean.yaml", 1)],
            "{json:#}"
        );
        let skipped = json["skipped"].to_string();
        assert!(skipped.contains("conflict.yaml"), "{json:#}");
    }
    let out = repo.cmd().args(["check", "-v"]).output().unwrap();
    assert_clean_exit(&out);
    assert!(
        stderr(&out).contains("skipped conflict.yaml: unmerged (conflicted) entry"),
        "{}",
        stderr(&out)
    );
    // --fix writes nothing while the merge is in progress (a rewritten file would stop
    // `git merge --abort`), and says what it would do.
    let out = fix(&repo, &[]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("--fix wrote nothing: a merge is in progress"),
        "{}",
        stderr(&out)
    );
    assert!(
        stderr(&out).contains("convert the raw Secrets in clean.yaml"),
        "{}",
        stderr(&out)
    );
    assert!(
        std::fs::read_to_string(repo.join("conflict.yaml"))
            .unwrap()
            .contains("<<<<<<<")
    );
    assert_eq!(
        std::fs::read_to_string(repo.join("clean.yaml")).unwrap(),
        SECRET
    );
}

/// Three commits; the last adds a Secret.
fn history() -> TestRepo {
    let repo = TestRepo::new();
    repo.stage("a.yaml", "apiVersion: v1\nkind: ConfigMap\n");
    repo.commit("one");
    repo.stage("b.yaml", "apiVersion: v1\nkind: ConfigMap\n");
    repo.commit("two");
    repo.stage("apps/s.yaml", SECRET);
    repo.stage("other/c.yaml", "apiVersion: v1\nkind: ConfigMap\n");
    repo.commit("three");
    repo
}

#[test]
fn shallow_clone() {
    let src = history();
    let c = TestRepo::clone_of(&src, &["--depth", "1"]);
    let (code, json) = c.check_json(&["--all"]);
    assert_eq!(code, 1);
    assert_eq!(findings(&json), vec![f("GG101", "apps/s.yaml", 1)]);
    // Staged changes on top of a shallow HEAD.
    c.stage("new.yaml", SECRET);
    let (code, json) = c.check_json(&[]);
    assert_eq!(code, 1);
    assert_eq!(findings(&json), vec![f("GG101", "new.yaml", 1)]);
    // A range reaching past the shallow boundary is a clean error, never a crash.
    let out = c
        .cmd()
        .args(["check", "--range", "HEAD~2..HEAD"])
        .output()
        .unwrap();
    assert_clean_exit(&out);
}

#[test]
fn sparse_checkout_still_scans_the_index() {
    let src = history();
    let c = TestRepo::clone_of(&src, &[]);
    c.git(&["sparse-checkout", "set", "other"]);
    assert!(!c.join("apps/s.yaml").exists(), "not checked out");
    let (code, json) = c.check_json(&["--all"]);
    assert_eq!(code, 1, "{json:#}");
    assert_eq!(findings(&json), vec![f("GG101", "apps/s.yaml", 1)]);
    let (code, json) = c.check_json(&["apps"]);
    assert_eq!(code, 1, "{json:#}");
    assert_eq!(findings(&json), vec![f("GG101", "apps/s.yaml", 1)]);
}

#[test]
fn bare_repository_with_range() {
    let src = history();
    let c = TestRepo::clone_of(&src, &["--bare"]);
    let (code, json) = c.check_json(&["--range", "HEAD~1..HEAD"]);
    assert_eq!(code, 1, "{json:#}");
    assert_eq!(findings(&json), vec![f("GG101", "apps/s.yaml", 1)]);
    let (code, json) = c.check_json(&["--range", "HEAD~2..HEAD~1"]);
    assert_eq!(code, 0, "{json:#}");
    // Without a range a bare repository is a clean error.
    let out = c.cmd().arg("check").output().unwrap();
    assert_clean_exit(&out);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("bare"), "{}", stderr(&out));
    let out = c.cmd().args(["check", "--fix"]).output().unwrap();
    assert_clean_exit(&out);
    assert_eq!(out.status.code(), Some(2));
}

/// Cuts the loose object `oid` of `repo` in half, as a damaged disk would.
fn truncate_object(repo: &TestRepo, oid: &str) {
    let path = repo.join(&format!(".git/objects/{}/{}", &oid[..2], &oid[2..]));
    let mut perms = std::fs::metadata(&path).expect("object").permissions();
    #[allow(clippy::permissions_set_readonly_false)]
    perms.set_readonly(false);
    std::fs::set_permissions(&path, perms).expect("chmod");
    let bytes = std::fs::read(&path).expect("read object");
    std::fs::write(&path, &bytes[..bytes.len() / 2]).expect("truncate object");
}

fn rev(repo: &TestRepo, spec: &str) -> String {
    let out = repo.git(&["rev-parse", spec]);
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

#[test]
fn truncated_loose_objects_are_errors_not_hangs() {
    // libgit2 1.9 spins forever inflating a truncated loose object; gitops-guard reads loose
    // objects itself and reports the damage (exit 2) at once.
    let repo = TestRepo::new();
    let big: String = (0..3000).map(|i| format!("  k{i}: value-{i}\n")).collect();
    repo.write("ok.yaml", "apiVersion: v1\nkind: ConfigMap\n");
    repo.write(
        "config.yaml",
        format!("apiVersion: v1\nkind: ConfigMap\ndata:\n{big}"),
    );
    repo.git(&["add", "-A"]);
    truncate_object(&repo, &rev(&repo, ":config.yaml"));
    let started = Instant::now();
    let out = repo
        .cmd()
        .args(["check", "--format", "json"])
        .timeout(Duration::from_secs(60))
        .output()
        .expect("run");
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "took {:?}",
        started.elapsed()
    );
    assert_clean_exit(&out);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let text = json.to_string();
    assert!(
        text.contains("config.yaml") && text.contains("truncated"),
        "{text}"
    );

    // A damaged tree of HEAD: the staged diff cannot be computed, and says so.
    let repo = TestRepo::new();
    repo.write("dir/a.yaml", &big);
    repo.write("b.yaml", "b: 1\n");
    repo.git(&["add", "-A"]);
    repo.git(&["commit", "-q", "--no-verify", "-m", "base"]);
    repo.write("b.yaml", "b: 2\n");
    repo.git(&["add", "b.yaml"]);
    // Staging b.yaml invalidated the root of the cache-tree, so HEAD's root tree is read.
    truncate_object(&repo, &rev(&repo, "HEAD^{tree}"));
    let out = repo
        .cmd()
        .args(["check"])
        .timeout(Duration::from_secs(60))
        .output()
        .expect("run");
    assert_clean_exit(&out);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("damaged"), "{}", stderr(&out));
}
