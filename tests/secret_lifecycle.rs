//! The path a value travels through `--fix`: kubectl's `last-applied-configuration` copy,
//! labels and annotations that hold a value, references that are not values, tokens the
//! cluster owns, and masks that do not tell a value's length. The leak invariant is checked
//! as a property over random values, every output format (of `check` and `report`) and every
//! byte `--fix` writes.

mod common;

use base64::Engine as _;
use common::TestRepo;
use proptest::prelude::*;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// The forms in which a value could leak: as is, JSON-escaped, base64 at every alignment
/// inside a longer base64 text.
fn forms(value: &str) -> Vec<String> {
    let escaped = serde_json::to_string(value).unwrap_or_default();
    let mut out = vec![value.to_string(), escaped[1..escaped.len() - 1].to_string()];
    out.push(b64(value.as_bytes()).trim_end_matches('=').to_string());
    for pad in ["x", "xx"] {
        let shifted = b64(format!("{pad}{value}").as_bytes());
        out.push(shifted[4..shifted.len() - 4].to_string());
    }
    out
}

/// Every file under `dir`, except the values store, with its content.
fn files(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        if d.ends_with("gitops-guard/secrets") {
            continue;
        }
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            match e.file_type() {
                Ok(t) if t.is_dir() => stack.push(p),
                Ok(t) if t.is_file() => {
                    out.insert(p.clone(), std::fs::read(&p).unwrap_or_default());
                }
                _ => {}
            }
        }
    }
    out
}

fn assert_no_value(what: &str, bytes: &[u8], values: &[String]) {
    let text = String::from_utf8_lossy(bytes);
    for v in values {
        for f in forms(v) {
            assert!(
                !text.contains(&f),
                "{what}: a value leaked (as `{f}`):\n{text}"
            );
        }
    }
}

/// Runs the binary, checks stdout, stderr and every file it created or changed.
fn run_clean(repo: &TestRepo, args: &[&str], values: &[String]) -> std::process::Output {
    let before = files(repo.path());
    let out = repo.cmd().args(args).output().expect("run");
    assert!(
        matches!(out.status.code(), Some(0..=2)),
        "{args:?}: {:?}",
        out.status
    );
    assert_no_value(&format!("stdout of {args:?}"), &out.stdout, values);
    assert_no_value(&format!("stderr of {args:?}"), &out.stderr, values);
    for (path, bytes) in files(repo.path()) {
        if before.get(&path) != Some(&bytes) {
            assert_no_value(
                &format!("{} after {args:?}", path.display()),
                &bytes,
                values,
            );
        }
    }
    out
}

const FORMATS: &[&str] = &["human", "concise", "json", "sarif", "github"];
const REPORT_FORMATS: &[&str] = &["markdown", "json", "html"];

/// A Secret as `kubectl apply` leaves it, with one more annotation.
fn applied_secret(password: &str, token: &str, extra_annotation: &str) -> String {
    let data = b64(password.as_bytes());
    let copy = serde_json::json!({
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "db", "namespace": "apps"},
        "data": {"password": data},
        "stringData": {"token": token},
    })
    .to_string();
    format!(
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\n  namespace: apps\n  annotations:\n    kubectl.kubernetes.io/last-applied-configuration: |\n      {copy}\n    note: {}\ntype: Opaque\ndata:\n  password: {data}\nstringData:\n  token: {}\n",
        serde_json::to_string(extra_annotation).unwrap_or_default(),
        serde_json::to_string(token).unwrap_or_default(),
    )
}

/// How the extra annotation relates to the values.
#[derive(Debug, Clone, Copy)]
enum Annotation {
    Clean,
    Raw,
    Base64,
    JsonEscaped,
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

    /// Whatever the values and wherever else they are copied, no output of `check` (every
    /// format) and no byte `--fix` writes holds one; the values store holds them exactly, or
    /// the Secret is left as it was and still reported.
    #[test]
    fn no_value_reaches_any_output(
        password in "[A-Za-z0-9!#%&()*+,./:;<=>?@^_|~ -]{8,24}",
        token in "[A-Za-z0-9\"'\\\\{}\\[\\]$-]{10,30}",
        how in prop_oneof![
            Just(Annotation::Clean),
            Just(Annotation::Raw),
            Just(Annotation::Base64),
            Just(Annotation::JsonEscaped),
        ],
    ) {
        // `{{ … }}` makes a value a template expression, which is not reported (by design).
        prop_assume!(!token.contains("{{") && !token.contains("}}"));
        let values = vec![password.clone(), token.clone()];
        let extra = match how {
            Annotation::Clean => "owned by the storage team".to_string(),
            Annotation::Raw => format!("old password was {password}!"),
            Annotation::Base64 => format!("{{\"password\": \"{}\"}}", b64(password.as_bytes())),
            Annotation::JsonEscaped => {
                let esc = serde_json::to_string(&token).unwrap_or_default();
                format!("{{\"token\": {esc}}}")
            }
        };
        let repo = TestRepo::new();
        let original = applied_secret(&password, &token, &extra);
        repo.stage("apps/db.yaml", &original);
        for format in FORMATS {
            let out = run_clean(&repo, &["check", "--format", format], &values);
            prop_assert_eq!(out.status.code(), Some(1));
        }
        // The baseline (a file meant to be committed) and the statistics hold no value either.
        run_clean(&repo, &["baseline"], &values);
        run_clean(&repo, &["check", "--no-baseline", "--statistics"], &values);
        std::fs::remove_file(repo.join(".gitops-guard-baseline.json")).unwrap_or_default();
        // `report` names the Secret and its keys, in every format, never a value.
        for format in REPORT_FORMATS {
            let out = run_clean(&repo, &["report", "--format", format], &values);
            prop_assert_eq!(out.status.code(), Some(0));
            let text = String::from_utf8_lossy(&out.stdout);
            prop_assert!(text.contains("password") && text.contains("token"), "{}", text);
        }
        let out = run_clean(&repo, &["check", "--fix"], &values);
        let now = std::fs::read_to_string(repo.join("apps/db.yaml")).unwrap_or_default();
        let saved = repo.join(".git/gitops-guard/secrets/apps/db.json");
        match how {
            Annotation::Clean => {
                prop_assert!(now.contains("kind: ExternalSecret"), "{}", now);
                prop_assert!(!now.contains("last-applied"));
                let store: serde_json::Value =
                    serde_json::from_slice(&std::fs::read(&saved).unwrap_or_default())
                        .unwrap_or_default();
                prop_assert_eq!(&store["password"], &serde_json::json!(password));
                prop_assert_eq!(&store["token"], &serde_json::json!(token));
            }
            _ => {
                prop_assert_eq!(&now, &original, "the Secret is left as it was");
                prop_assert!(!saved.exists());
                let err = String::from_utf8_lossy(&out.stderr);
                prop_assert!(err.contains("annotation `note` contains the value of"), "{}", err);
            }
        }
        // Stage the result and check again, in every format: still nothing.
        repo.git(&["add", "-A"]);
        for format in FORMATS {
            run_clean(&repo, &["check", "--all", "--format", format], &values);
        }
        for format in REPORT_FORMATS {
            run_clean(&repo, &["report", "--format", format], &values);
        }
    }
}

#[test]
fn last_applied_configuration_is_a_value_in_every_format() {
    let repo = TestRepo::new();
    let marker = b64(b"zq-unique-marker-77");
    repo.stage(
        "apps/db.yaml",
        format!("apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\n  namespace: apps\n  annotations:\n    kubectl.kubernetes.io/last-applied-configuration: '{{\"data\":{{\"password\":\"{marker}\"}}}}'\n"),
    );
    // Only the copy holds a value: still a raw Secret, and the copy counts.
    let (code, json) = repo.check_json(&[]);
    assert_eq!(code, 1);
    assert_eq!(
        json["findings"][0]["message"],
        "raw Secret `db` in namespace `apps` holds 1 value in plain text (annotation \
         `kubectl.kubernetes.io/last-applied-configuration`)"
    );
    assert_eq!(json["findings"][0]["fixable"], true);
    for format in FORMATS {
        let out = repo
            .cmd()
            .args(["check", "--format", format])
            .output()
            .expect("run");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(!text.contains(&marker[..12]), "{format}: {text}");
    }
    let human = repo.cmd().arg("check").output().expect("run");
    let text = String::from_utf8_lossy(&human.stdout);
    assert!(
        text.contains("last-applied-configuration: ********"),
        "{text}"
    );
}

#[test]
fn masks_do_not_tell_a_values_length() {
    let repo = TestRepo::new();
    repo.stage(
        "a.yaml",
        "apiVersion: v1\nkind: Secret\nmetadata: {name: a}\nstringData:\n  pin: '7'\n  token: abcdefghijklmnopqrstuvwxyz0123456789ABCD\n",
    );
    let out = repo.cmd().arg("check").output().expect("run");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("pin: ********\n"), "{text}");
    assert!(text.contains("token: ********\n"), "{text}");
    assert!(!text.contains("*********"), "no longer mask: {text}");
}

#[test]
fn references_are_not_values() {
    let repo = TestRepo::new();
    let vault_ref = b64(b"vault:secret/data/app#password");
    repo.stage(
        "refs.yaml",
        format!(
            "apiVersion: v1\nkind: Secret\nmetadata: {{name: refs}}\nstringData:\n  a: op://prod/db/password\n  b: ref+vault://secret/app#/token\n  c: <path:secret/data/app#key>\ndata:\n  d: {vault_ref}\n"
        ),
    );
    let (code, json) = repo.check_json(&[]);
    assert_eq!(code, 0, "{json:#}");
    let out = repo.cmd().args(["check", "-v"]).output().expect("run");
    let err = String::from_utf8_lossy(&out.stderr);
    let all = format!("{err}{}", String::from_utf8_lossy(&out.stdout));
    assert!(
        all.contains("refs.yaml: Secret `refs` holds only references resolved elsewhere"),
        "{all}"
    );

    repo.stage(
        "mixed.yaml",
        "apiVersion: v1\nkind: Secret\nmetadata: {name: mixed}\nstringData:\n  a: op://prod/db/password\n  b: literal-value-here\n",
    );
    let (code, json) = repo.check_json(&[]);
    assert_eq!(code, 1);
    let f = &json["findings"][0];
    assert_eq!(
        f["message"],
        "raw Secret `mixed` holds 1 value in plain text (b); 1 reference resolved elsewhere (a) is fine"
    );
    assert_eq!(f["fixable"], false);
    let out = repo.cmd().args(["check", "--fix"]).output().expect("run");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("references cannot be moved"), "{err}");
    assert!(
        std::fs::read_to_string(repo.join("mixed.yaml"))
            .unwrap_or_default()
            .contains("kind: Secret")
    );
}

#[test]
fn tokens_the_cluster_owns_are_reported_not_converted() {
    let repo = TestRepo::new();
    repo.stage(
        "sa.yaml",
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: builder-token\n  annotations: {kubernetes.io/service-account.name: builder}\ntype: kubernetes.io/service-account-token\ndata:\n  token: ZXlKaGJHY2lPaUpTVXpJMU5pSXNJbXRwWkNJNklpSjku\n",
    );
    let (code, json) = repo.check_json(&[]);
    assert_eq!(code, 1);
    let f = &json["findings"][0];
    assert_eq!(f["code"], "GG101");
    assert_eq!(f["fixable"], false);
    assert!(
        f["help"]
            .as_str()
            .unwrap_or_default()
            .contains("cannot create a Secret of type `kubernetes.io/service-account-token`"),
        "{f:#}"
    );
    let out = repo.cmd().args(["check", "--fix"]).output().expect("run");
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("revoke the committed token"), "{err}");
    assert!(!repo.join(".git/gitops-guard/secrets").exists());
}

#[test]
fn empty_values_are_not_values() {
    let repo = TestRepo::new();
    repo.stage(
        "empty.yaml",
        "apiVersion: v1\nkind: Secret\nmetadata: {name: empty}\nstringData:\n  a: \"\"\n  b: ''\n  c:\ndata:\n  d: \"\"\n",
    );
    let (code, json) = repo.check_json(&[]);
    assert_eq!(code, 0, "{json:#}");
}
