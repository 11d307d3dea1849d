//! Unit tests of `--fix` for Secrets: exact edits, refusals, the values store, crash safety.

use super::plan::fix_text;
use super::*;
use crate::manifest::FileKind;
use crate::rules::{self, Ctx, File};
use crate::source::NoRepo;

const SECRET: &str = "apiVersion: v1
kind: Secret
metadata:
  name: db
  namespace: apps
  labels:
    app: db
type: Opaque
data:
  password: aHVudGVyMg==
  # old: b2xkLXZhbHVl
stringData:
  user: admin-user
";

/// Every value that appears in the fixtures, encoded or decoded.
const VALUES: &[&str] = &[
    "aHVudGVyMg",
    "hunter2",
    "admin-user",
    "b2xkLXZhbHVl",
    "old-value",
    "s3cr3t-token",
];

fn findings(path: &str, text: &str, docs: &[Document], settings: &Settings) -> Vec<Finding> {
    let file = File::new(path, text, FileKind::of(path), docs);
    let ctx = Ctx {
        settings,
        repo: &NoRepo,
        layout: None,
    };
    let mut out = Vec::new();
    if let Some(rule) = rules::lookup(CODE) {
        rule.check(&file, &ctx, &mut out);
    }
    out
}

/// Fixes `text` in memory.
fn fix_str(
    path: &str,
    text: &str,
    config: &str,
) -> Result<(String, Vec<secret::Converted>), Status> {
    let settings = Settings::from_text(config, None).unwrap();
    let docs = crate::manifest::parse_file(path, text, FileKind::of(path));
    let found = findings(path, text, &docs, &settings);
    let opts = FixOptions {
        workdir: Path::new("/nonexistent"),
        values_dir: Path::new("/nonexistent"),
        settings: &settings,
        repo: &NoRepo,
    };
    fix_text(path, text, &docs, &found, &opts, None).map(|(t, c, _)| (t, c))
}

fn gg101_count(path: &str, text: &str) -> usize {
    let settings = Settings::default();
    let docs = crate::manifest::parse_file(path, text, FileKind::of(path));
    assert!(docs.iter().all(|d| d.error.is_none()), "parses:\n{text}");
    findings(path, text, &docs, &settings).len()
}

fn assert_no_values(text: &str) {
    for v in VALUES {
        assert!(!text.contains(v), "`{v}` leaked into:\n{text}");
    }
}

#[test]
fn replaces_exactly_the_secret_document() {
    let before = "# top comment\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata: {k: v}\n---\n# Source: chart/templates/secret.yaml\n";
    let after = "---\n# trailing doc\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: b}\n...\n";
    let text = format!("{before}{SECRET}{after}");
    let (new, converted) = fix_str("a.yaml", &text, "").unwrap();
    assert_eq!(converted.len(), 1);
    assert!(new.starts_with(before), "{new}");
    assert!(new.ends_with(after), "{new}");
    let middle = &new[before.len()..new.len() - after.len()];
    assert!(
        middle.starts_with("apiVersion: external-secrets.io/v1\nkind: ExternalSecret\n"),
        "{middle}"
    );
    assert!(middle.ends_with("property: user\n"), "{middle}");
    assert_no_values(&new);
    assert_eq!(gg101_count("a.yaml", &new), 0);
    // Idempotent: nothing left to fix.
    assert!(
        matches!(fix_str("a.yaml", &new, ""), Err(Status::Error(_)))
            || gg101_count("a.yaml", &new) == 0
    );
}

#[test]
fn keeps_trailing_top_level_comments_and_missing_final_newline() {
    let text = format!("{SECRET}# end of file note\n");
    let (new, _) = fix_str("a.yaml", &text, "").unwrap();
    assert!(
        new.ends_with("property: user\n# end of file note\n"),
        "{new}"
    );
    let text = SECRET.trim_end();
    let (new, _) = fix_str("a.yaml", text, "").unwrap();
    assert!(new.ends_with("property: user\n"), "{new}");
    assert_eq!(gg101_count("a.yaml", &new), 0);
}

#[test]
fn list_items_are_rewritten_in_place() {
    for (items_indent, dash) in [("", "- "), ("  ", "- "), ("    ", "-   ")] {
        let secret_item: String = SECRET
            .lines()
            .enumerate()
            .map(|(i, l)| {
                let pad = " ".repeat(dash.len());
                if i == 0 {
                    format!("{items_indent}{dash}{l}\n")
                } else {
                    format!("{items_indent}{pad}{l}\n")
                }
            })
            .collect();
        let head = format!(
            "apiVersion: v1\nkind: List\nitems:\n{items_indent}{dash}apiVersion: v1\n{items_indent}{p}kind: ConfigMap\n{items_indent}{p}metadata: {{name: first}}\n",
            p = " ".repeat(dash.len())
        );
        let tail = format!(
            "{items_indent}{dash}apiVersion: v1\n{items_indent}{p}kind: ConfigMap\n{items_indent}{p}metadata: {{name: last}}\n",
            p = " ".repeat(dash.len())
        );
        let text = format!("{head}{secret_item}{tail}");
        let (new, converted) =
            fix_str("list.yaml", &text, "").unwrap_or_else(|e| panic!("{e:?}\n{text}"));
        assert_eq!(converted.len(), 1);
        assert!(new.starts_with(&head), "{new}");
        assert!(new.ends_with(&tail), "{new}");
        assert_no_values(&new);
        assert_eq!(gg101_count("list.yaml", &new), 0, "{new}");
        let back: serde_json::Value = serde_saphyr::from_str(&new).unwrap();
        assert_eq!(back["items"][1]["kind"], "ExternalSecret", "{new}");
        assert_eq!(back["items"][1]["spec"]["data"][1]["secretKey"], "user");
        assert_eq!(back["items"][2]["metadata"]["name"], "last");
    }
}

#[test]
fn flow_lists_and_json_files_get_json() {
    let text = "apiVersion: v1\nkind: List\nitems: [{apiVersion: v1, kind: Secret, metadata: {name: s}, stringData: {token: s3cr3t-token}}]\n";
    let (new, _) = fix_str("flow.yaml", text, "").unwrap();
    assert_no_values(&new);
    let back: serde_json::Value = serde_saphyr::from_str(&new).unwrap();
    assert_eq!(back["items"][0]["kind"], "ExternalSecret", "{new}");

    let json = "{\n  \"apiVersion\": \"v1\",\n  \"kind\": \"Secret\",\n  \"metadata\": {\"name\": \"s\", \"namespace\": \"n\"},\n  \"data\": {\"password\": \"aHVudGVyMg==\"}\n}\n";
    let (new, _) = fix_str("s.json", json, "").unwrap();
    assert_no_values(&new);
    let back: serde_json::Value = serde_json::from_str(&new).unwrap();
    assert_eq!(back["kind"], "ExternalSecret");
    assert_eq!(back["spec"]["data"][0]["remoteRef"]["key"], "n/s");
    assert!(new.ends_with("}\n"));
}

#[test]
fn crlf_stays_crlf() {
    let text = SECRET.replace('\n', "\r\n");
    let (new, _) = fix_str("a.yaml", &text, "").unwrap();
    assert!(!new.replace("\r\n", "").contains('\n'), "{new:?}");
    assert_eq!(gg101_count("a.yaml", &new), 0);
}

#[test]
fn conversion_errors_name_keys_not_values() {
    let text = "apiVersion: v1\nkind: Secret\nmetadata: {name: bad}\ndata:\n  password: hunter2!\n";
    let Err(Status::Failed(msg)) = fix_str("a.yaml", text, "") else {
        panic!("expected a failure")
    };
    assert!(msg.contains("`data.password` is not valid base64"), "{msg}");
    assert!(!msg.contains("hunter2"), "{msg}");
}

// --- run(): the whole sequence on disk (no git needed) ---

struct Fixture {
    dir: tempfile::TempDir,
    settings: Settings,
}

impl Fixture {
    fn new(config: &str) -> Fixture {
        Fixture {
            dir: tempfile::tempdir().unwrap(),
            settings: Settings::from_text(config, None).unwrap(),
        }
    }
    fn work(&self) -> PathBuf {
        self.dir.path().join("work")
    }
    fn values(&self) -> PathBuf {
        self.dir.path().join("git/gitops-guard/secrets")
    }
    fn write(&self, rel: &str, text: &str) {
        let p = self.work().join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.work().join(rel)).unwrap()
    }
    /// Runs a fix with `staged` as the index content of each path.
    fn run(&self, staged: &[(&str, &str)]) -> FixReport {
        let parsed: Vec<(&str, &str, Vec<Document>)> = staged
            .iter()
            .map(|(p, t)| (*p, *t, crate::manifest::parse_file(p, t, FileKind::of(p))))
            .collect();
        let found: Vec<Vec<Finding>> = parsed
            .iter()
            .map(|(p, t, d)| findings(p, t, d, &self.settings))
            .collect();
        let files: Vec<FixFile> = parsed
            .iter()
            .zip(&found)
            .map(|((p, t, d), f)| FixFile {
                path: p,
                staged: t.as_bytes(),
                docs: d,
                findings: f,
            })
            .collect();
        let work = self.work();
        let values_dir = self.values();
        run(
            &files,
            &FixOptions {
                workdir: &work,
                values_dir: &values_dir,
                settings: &self.settings,
                repo: &NoRepo,
            },
        )
    }
}

#[test]
fn saves_values_then_rewrites_and_reports() {
    let fx = Fixture::new("");
    fx.write("apps/db.yaml", SECRET);
    let report = fx.run(&[("apps/db.yaml", SECRET)]);
    assert!(report.changed() && !report.has_errors(), "{report:?}");
    let new = fx.read("apps/db.yaml");
    assert!(new.contains("kind: ExternalSecret"));
    assert_no_values(&new);
    let vpath = fx.values().join("apps/db.json");
    assert_eq!(
        std::fs::read_to_string(&vpath).unwrap(),
        "{\n  \"password\": \"hunter2\",\n  \"user\": \"admin-user\"\n}\n"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&vpath), 0o600);
        assert_eq!(mode(vpath.parent().unwrap()), 0o700);
        assert_eq!(mode(&fx.values()), 0o700);
    }
    let text = report.render();
    assert_no_values(&text);
    assert!(
        text.contains("fixed    apps/db.yaml: Secret apps/db (keys: password, user)"),
        "{text}"
    );
    assert!(text.contains(&vpath.display().to_string()), "{text}");
    assert!(
        text.contains(
            "\nNext steps:\n  1. Load the values into your secret store, one merged, re-runnable \
                 load per remote entry\n"
        ) && text
            .contains("       gitops-guard secrets export --format vault | bash   # runs it\n"),
        "{text}"
    );
    assert!(text.contains("git add apps/db.yaml"), "{text}");
    assert!(
        text.ends_with(
            "  3. Once the store has the values, delete the saved copies:\n       \
                 gitops-guard secrets forget --all\n"
        ),
        "{text}"
    );
    assert!(!text.contains("rm "), "{text}");
    // The metadata beside the values: 0600, what the ExternalSecret references.
    let meta_path = fx.values().join("apps/db.meta");
    let meta = store::meta::load(&meta_path).unwrap().unwrap();
    assert_eq!(meta.manifest, "apps/db.yaml");
    assert_eq!(meta.labels["app"], "db");
    let keys: Vec<(&str, &str, Option<&str>)> = meta
        .keys
        .iter()
        .map(|k| (k.key.as_str(), k.remote_key.as_str(), k.property.as_deref()))
        .collect();
    assert_eq!(
        keys,
        [
            ("password", "apps/db", Some("password")),
            ("user", "apps/db", Some("user"))
        ]
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&meta_path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
    let meta_before = std::fs::read(&meta_path).unwrap();

    // Second run, changes not staged yet: nothing changes, the file is reported pending.
    let before = std::fs::read(&vpath).unwrap();
    let again = fx.run(&[("apps/db.yaml", SECRET)]);
    assert!(!again.changed(), "{again:?}");
    assert!(
        matches!(again.files[0].status, Status::AlreadyFixed),
        "{again:?}"
    );
    assert_eq!(fx.read("apps/db.yaml"), new);
    assert_eq!(std::fs::read(&vpath).unwrap(), before);
    assert_eq!(std::fs::read(&meta_path).unwrap(), meta_before);
    // After `git add`: no finding, nothing to do.
    let third = fx.run(&[("apps/db.yaml", new.as_str())]);
    assert!(third.files.is_empty(), "{third:?}");
}

#[test]
fn refuses_partially_staged_files() {
    let fx = Fixture::new("");
    let worktree = format!(
        "{SECRET}---\n# unstaged work\napiVersion: v1\nkind: ConfigMap\nmetadata: {{name: wip}}\n"
    );
    fx.write("apps/db.yaml", &worktree);
    let report = fx.run(&[("apps/db.yaml", SECRET)]);
    let Status::Refused(why) = &report.files[0].status else {
        panic!("{report:?}")
    };
    assert!(why.contains("partially staged"), "{why}");
    assert_eq!(fx.read("apps/db.yaml"), worktree);
    assert!(!fx.values().exists(), "no values saved for a refused file");
}

#[test]
fn conflicting_values_are_never_overwritten() {
    let fx = Fixture::new("");
    let vpath = fx.values().join("apps/db.json");
    std::fs::create_dir_all(vpath.parent().unwrap()).unwrap();
    std::fs::write(&vpath, "{\"password\": \"other-pass\", \"other\": \"x\"}").unwrap();
    fx.write("apps/db.yaml", SECRET);
    let report = fx.run(&[("apps/db.yaml", SECRET)]);
    let Status::Failed(why) = &report.files[0].status else {
        panic!("{report:?}")
    };
    assert!(
        why.contains("`password`") && !why.contains("other-pass") && !why.contains("hunter2"),
        "{why}"
    );
    assert_eq!(fx.read("apps/db.yaml"), SECRET, "manifest untouched");
    assert_eq!(
        std::fs::read_to_string(&vpath).unwrap(),
        "{\"password\": \"other-pass\", \"other\": \"x\"}"
    );
    // Identical values merge with what is there.
    std::fs::write(&vpath, "{\"password\": \"hunter2\", \"other\": \"x\"}").unwrap();
    let report = fx.run(&[("apps/db.yaml", SECRET)]);
    assert!(report.changed(), "{report:?}");
    assert_eq!(
        std::fs::read_to_string(&vpath).unwrap(),
        "{\n  \"other\": \"x\",\n  \"password\": \"hunter2\",\n  \"user\": \"admin-user\"\n}\n"
    );
}

#[test]
fn one_bad_file_does_not_stop_the_others() {
    let fx = Fixture::new("");
    let bad =
        "apiVersion: v1\nkind: Secret\nmetadata: {name: bad, namespace: apps}\ndata: {k: '%%%'}\n";
    fx.write("bad.yaml", bad);
    fx.write("good.yaml", SECRET);
    let report = fx.run(&[("bad.yaml", bad), ("good.yaml", SECRET)]);
    assert!(
        matches!(report.files[0].status, Status::Failed(_)),
        "{report:?}"
    );
    assert!(
        matches!(report.files[1].status, Status::Fixed(_)),
        "{report:?}"
    );
    assert_eq!(fx.read("bad.yaml"), bad);
    assert!(!fx.values().join("apps/bad.json").exists());
}

#[cfg(unix)]
#[test]
fn keeps_the_file_mode() {
    use std::os::unix::fs::PermissionsExt;
    let fx = Fixture::new("");
    fx.write("x.yaml", SECRET);
    let p = fx.work().join("x.yaml");
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o640)).unwrap();
    assert!(fx.run(&[("x.yaml", SECRET)]).changed());
    assert_eq!(
        std::fs::metadata(&p).unwrap().permissions().mode() & 0o777,
        0o640
    );
}

#[test]
fn binary_values_and_other_backends_in_next_steps() {
    let fx = Fixture::new(
        "fix:\n  naming: jenkins-x\n  backend: {backend-type: gcpSecretsManager, unique-prefix: c1}\n",
    );
    let text = "apiVersion: v1\nkind: Secret\nmetadata: {name: ks, namespace: apps}\ndata: {keystore.jks: /u3+7QAAAAI=, pass: aHVudGVyMg==}\n";
    fx.write("ks.yaml", text);
    let report = fx.run(&[("ks.yaml", text)]);
    assert!(report.changed(), "{report:?}");
    let out = report.render();
    assert_no_values(&out);
    assert!(
        out.contains("gitops-guard secrets export --format gcp | bash"),
        "{out}"
    );
    let meta = store::meta::load(&fx.values().join("apps/ks.meta"))
        .unwrap()
        .unwrap();
    assert_eq!(meta.backend.backend_type, "gcpSecretsManager");
    assert_eq!(meta.backend.unique_prefix.as_deref(), Some("c1"));
    assert_eq!(meta.keys[0].remote_key, "c1-ks");
    assert_eq!(meta.keys[0].version.as_deref(), Some("latest"));
    assert!(meta.keys[0].binary && !meta.keys[1].binary);
    let stored = std::fs::read_to_string(fx.values().join("apps/ks.json")).unwrap();
    assert!(
        stored.contains("\"keystore.jks\": {\n    \"base64\": \"/u3+7QAAAAI=\"\n  }"),
        "{stored}"
    );
}

/// Every Secret in the shared corpus of real repositories converts (or is refused with a
/// reason), the result re-parses with no raw Secret left, and no value survives.
#[test]
fn corpus_secrets() {
    let corpus = crate::fix::testutil::corpus_dir();
    let mut stack = vec![corpus];
    let (mut converted, mut refused) = (0, 0);
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let name = path.to_string_lossy().into_owned();
            if !(name.ends_with(".yaml") || name.ends_with(".yml") || name.ends_with(".json")) {
                continue;
            }
            let Ok(text) = std::fs::read_to_string(&path) else {
                continue;
            };
            if !text.contains("Secret") {
                continue;
            }
            let settings = Settings::default();
            let docs = crate::manifest::parse_file(&name, &text, FileKind::of(&name));
            let found = findings(&name, &text, &docs, &settings);
            if found.is_empty() {
                continue;
            }
            let values: Vec<&str> = crate::rules::sensitive_spans(&text, &docs)
                .into_iter()
                .filter_map(|r| text.get(r))
                .filter(|v| v.len() >= 6)
                .collect();
            match fix_str(&name, &text, "") {
                Ok((new, _)) => {
                    converted += 1;
                    assert_eq!(gg101_count(&name, &new), 0, "{name}");
                    for v in values {
                        assert!(
                            new.matches(v).count() < text.matches(v).count(),
                            "{name}: a value survived"
                        );
                    }
                }
                Err(Status::Failed(why)) => {
                    refused += 1;
                    eprintln!("{name}: {why}");
                }
                Err(other) => panic!("{name}: {other:?}"),
            }
        }
    }
    eprintln!("corpus: {converted} files converted, {refused} refused");
    assert!(converted > 0 || refused > 0, "the corpus has Secrets");
}

/// Random streams of documents around Secrets: every other document, comment and
/// separator is kept byte for byte and in order, and the result has no raw Secret.
#[test]
fn surroundings_are_byte_identical_in_random_streams() {
    use proptest::prelude::*;
    const OTHER: &[&str] = &[
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {k: v}\n",
        "# only a comment\n",
        "apiVersion: v1\nkind: Secret\nmetadata: {name: empty}\ndata: {}\n",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d  # trailing\nspec:\n  replicas: 1\n",
        "\n",
    ];
    const SECRETS: &[&str] = &[
        SECRET,
        "# Source: x/secret.yaml\napiVersion: v1\nkind: Secret\nmetadata: {name: s2}\nstringData: {token: s3cr3t-token}\n",
        "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Secret\n  metadata: {name: s3, namespace: n}\n  stringData:\n    token: s3cr3t-token\n",
    ];
    const SEPARATORS: &[&str] = &["---\n", "--- # sep\n", "---\n\n"];
    proptest!(ProptestConfig::with_cases(48), |(picks in proptest::collection::vec((0usize..8, 0usize..3), 1..6))| {
        let mut text = String::new();
        let mut kept = Vec::new();
        let mut secrets = 0;
        for (i, (doc, sep)) in picks.iter().enumerate() {
            if i > 0 {
                text.push_str(SEPARATORS[*sep]);
                kept.push(SEPARATORS[*sep]);
            }
            if *doc < OTHER.len() {
                text.push_str(OTHER[*doc]);
                kept.push(OTHER[*doc]);
            } else {
                text.push_str(SECRETS[*doc - OTHER.len()]);
                secrets += 1;
            }
        }
        match fix_str("s.yaml", &text, "") {
            Ok((new, converted)) => {
                prop_assert!(secrets > 0);
                prop_assert_eq!(converted.len(), secrets);
                let mut at = 0;
                for piece in &kept {
                    let found = new[at..].find(piece);
                    prop_assert!(found.is_some(), "`{}` missing or out of order in:\n{}", piece, new);
                    at += found.unwrap_or(0) + piece.len();
                }
                prop_assert!(new.contains("# Source: x/secret.yaml\n") || !text.contains("# Source: x/secret.yaml\n"));
                prop_assert_eq!(gg101_count("s.yaml", &new), 0);
                assert_no_values(&new);
            }
            Err(Status::Error(e)) => prop_assert!(secrets == 0, "{}: {}", e, text),
            Err(other) => prop_assert!(false, "{:?}: {}", other, text),
        }
    });
}
