//! The acceptance test of "defaults that fit the repository": in each real Jenkins X
//! repository of the corpus, every ExternalSecret is turned back into the Secret it produces,
//! `check --fix` runs with no configuration file, and the ExternalSecrets it writes must say
//! where every value lives exactly as the originals do. Only the differences listed in
//! [`ALLOWED`] (with their reasons) are tolerated, and each is counted.

mod common;

use common::{TestRepo, copy_tree};
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/corpus")
        .join(name)
}

const SCHEMA: &str = "secret.jenkins-x.io/schema-object";
const REPLICA: &str = "secret.jenkins-x.io/replica";
const PIPELINE: &str = "gitops.jenkins-x.io/pipeline";

/// Every difference between an original ExternalSecret and ours that the comparison
/// tolerates: (id, reason). None of them says where a value lives.
const ALLOWED: &[(&str, &str)] = &[
    (
        "schema-object annotation",
        "`jx secret convert` adds `secret.jenkins-x.io/schema-object` (metadata and template) \
         from the chart's secret-schema.yaml: the questions `jx secret edit` asks, not a \
         location. The Secret never had it, so the rebuilt Secret does not either",
    ),
    (
        "pipeline label",
        "the boot Makefile labels every object `gitops.jenkins-x.io/pipeline` after the \
         conversion (the `kubectl apply --prune -l` selector); it is on the ExternalSecret \
         only, not in its template, so the Secret never had it",
    ),
    (
        "replica annotation",
        "`jx secret replicate` copies ExternalSecrets into jx-staging/jx-production and marks \
         the copies `secret.jenkins-x.io/replica`; the rebuilt Secret is the original's, not a \
         copy",
    ),
    (
        "vaultRole -m",
        "every vault ExternalSecret of jx3-eks-vault has `vaultRole: -m`, the jx3 Makefile bug \
         (an empty role let `-m` be read as the role, jx3-versions #3270). Ours is the Jenkins \
         X default `jx-vault`: no ExternalSecret is left in the index here, and the detection \
         never copies an option name as a role anyway (see the test below). The role is how \
         KES logs in to vault, not where a value lives",
    ),
    (
        "jx label only on the ExternalSecret",
        "jx copies every label into the template; --fix keeps the `secret.jenkins-x.io/` labels \
         (deploy-tool metadata, here `replica-source`, which marks the ExternalSecret for \
         `jx secret replicate`) on the ExternalSecret only, where that tool reads them. Tolerated \
         only when ours has the label, same value, on the ExternalSecret",
    ),
];

/// One ExternalSecret of the fixture: its path, the comment lines above it, the object.
struct Original {
    path: String,
    header: String,
    es: Value,
}

fn yaml_files(root: &Path, dir: &Path, out: &mut Vec<String>) {
    for entry in std::fs::read_dir(dir).expect("read_dir") {
        let entry = entry.expect("entry");
        let path = entry.path();
        if entry.file_type().expect("type").is_dir() {
            yaml_files(root, &path, out);
        } else if path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
            let rel = path.strip_prefix(root).expect("prefix");
            out.push(rel.to_string_lossy().replace('\\', "/"));
        }
    }
}

fn external_secrets(root: &Path) -> Vec<Original> {
    let mut files = Vec::new();
    yaml_files(root, root, &mut files);
    files.sort();
    let mut out = Vec::new();
    for path in files {
        let text = std::fs::read_to_string(root.join(&path)).expect("read");
        if !text.contains("kind: ExternalSecret\n") {
            continue;
        }
        let es: Value = serde_saphyr::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"));
        if es["kind"] != "ExternalSecret" {
            continue;
        }
        let header: String = text
            .lines()
            .take_while(|l| l.starts_with('#'))
            .map(|l| format!("{l}\n"))
            .collect();
        out.push(Original { path, header, es });
    }
    out
}

fn q(s: &str) -> String {
    // A JSON string is a valid YAML double-quoted scalar.
    Value::String(s.to_string()).to_string()
}

fn base64(bytes: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(T[(n >> (18 - 6 * i)) as usize & 63] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn string_map(v: &Value) -> Vec<(String, String)> {
    v.as_object()
        .map(|m| {
            m.iter()
                .map(|(k, v)| (k.clone(), v.as_str().expect("string").to_string()))
                .collect()
        })
        .unwrap_or_default()
}

/// The Secret an ExternalSecret produces: its name and namespace, the labels, annotations and
/// type of its template, one key per data entry with a fake value.
fn secret_for(o: &Original) -> String {
    let es = &o.es;
    let template = &es["spec"]["template"];
    let mut y = o.header.clone();
    y.push_str("apiVersion: v1\nkind: Secret\nmetadata:\n");
    y.push_str(&format!(
        "  name: {}\n",
        q(es["metadata"]["name"].as_str().expect("name"))
    ));
    if let Some(ns) = es["metadata"]["namespace"].as_str() {
        y.push_str(&format!("  namespace: {}\n", q(ns)));
    }
    for (field, skip) in [("labels", ""), ("annotations", SCHEMA)] {
        let pairs: Vec<_> = string_map(&template["metadata"][field])
            .into_iter()
            .filter(|(k, _)| k != skip)
            .collect();
        if !pairs.is_empty() {
            y.push_str(&format!("  {field}:\n"));
            for (k, v) in pairs {
                y.push_str(&format!("    {}: {}\n", q(&k), q(&v)));
            }
        }
    }
    let ty = template["type"].as_str().unwrap_or("Opaque");
    y.push_str(&format!("type: {}\ndata:\n", q(ty)));
    for item in es["spec"]["data"].as_array().expect("data") {
        let name = item["name"].as_str().expect("data name");
        y.push_str(&format!(
            "  {}: {}\n",
            q(name),
            q(&base64(format!("fake value of {name}").as_bytes()))
        ));
    }
    y
}

fn remove_key(map: &mut Value, key: &str) -> bool {
    map.as_object_mut().and_then(|m| m.remove(key)).is_some()
}

fn drop_empty(v: &mut Value, key: &str) {
    if v.get(key)
        .and_then(Value::as_object)
        .is_some_and(Map::is_empty)
    {
        remove_key(v, key);
    }
}

/// Applies the allowed differences to (original, ours), counting each one used.
fn normalize(orig: &mut Value, ours: &mut Value, used: &mut BTreeMap<&'static str, usize>) {
    let mut note = |id: &'static str| *used.entry(id).or_default() += 1;
    let mut schema = false;
    schema |= remove_key(&mut orig["metadata"]["annotations"], SCHEMA);
    schema |= remove_key(
        &mut orig["spec"]["template"]["metadata"]["annotations"],
        SCHEMA,
    );
    if schema {
        note("schema-object annotation");
    }
    if remove_key(&mut orig["metadata"]["labels"], PIPELINE) {
        note("pipeline label");
    }
    if remove_key(&mut orig["metadata"]["annotations"], REPLICA) {
        note("replica annotation");
    }
    let template_labels = orig["spec"]["template"]["metadata"]["labels"].clone();
    for (k, v) in template_labels.as_object().into_iter().flatten() {
        if k.starts_with("secret.jenkins-x.io/")
            && ours["spec"]["template"]["metadata"]["labels"]
                .get(k)
                .is_none()
            && ours["metadata"]["labels"].get(k) == Some(v)
        {
            remove_key(&mut orig["spec"]["template"]["metadata"]["labels"], k);
            note("jx label only on the ExternalSecret");
        }
    }
    for v in [&mut *orig, &mut *ours] {
        drop_empty(&mut v["metadata"], "annotations");
        drop_empty(&mut v["metadata"], "labels");
        drop_empty(&mut v["spec"]["template"]["metadata"], "annotations");
        drop_empty(&mut v["spec"]["template"]["metadata"], "labels");
        drop_empty(&mut v["spec"]["template"], "metadata");
    }
    if orig["spec"]["vaultRole"]
        .as_str()
        .is_some_and(|r| r.starts_with('-'))
    {
        assert_eq!(ours["spec"]["vaultRole"], "jx-vault", "{ours:#}");
        orig["spec"]["vaultRole"] = "jx-vault".into();
        note("vaultRole -m");
    }
}

/// Field-by-field differences of two JSON values (paths), for the failure message.
fn diff(path: &str, a: &Value, b: &Value, out: &mut Vec<String>) {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let keys: std::collections::BTreeSet<&String> = x.keys().chain(y.keys()).collect();
            for k in keys {
                let null = Value::Null;
                diff(
                    &format!("{path}.{k}"),
                    x.get(k).unwrap_or(&null),
                    y.get(k).unwrap_or(&null),
                    out,
                );
            }
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
            for (i, (p, q)) in x.iter().zip(y).enumerate() {
                diff(&format!("{path}[{i}]"), p, q, out);
            }
        }
        _ if a != b => out.push(format!("{path}: original {a} / ours {b}")),
        _ => {}
    }
}

struct Outcome {
    reproduced: usize,
    total: usize,
    used: BTreeMap<&'static str, usize>,
    summary: String,
}

fn reproduce(name: &str) -> Outcome {
    let src = fixture(name);
    assert!(src.is_dir(), "{} is missing", src.display());
    let repo = TestRepo::new();
    copy_tree(&src, repo.path());
    assert!(
        !repo.join(".gitops-guard.yaml").exists(),
        "no configuration file"
    );
    let originals = external_secrets(repo.path());
    assert!(!originals.is_empty());
    for o in &originals {
        repo.write(&o.path, secret_for(o));
    }
    repo.git(&["add", "-A"]);
    let out = repo.cmd().args(["check", "--fix"]).output().expect("run");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(1), "{name}:\n{stderr}");
    assert!(
        !stderr.contains("fake value") && !stderr.contains(&base64(b"fake value of")[..12]),
        "a value leaked:\n{stderr}"
    );
    let summary = stderr
        .lines()
        .find(|l| l.starts_with("fix defaults:"))
        .unwrap_or_else(|| panic!("{name}: no defaults line:\n{stderr}"))
        .to_string();
    assert!(
        stderr.contains(&format!("converted {} Secrets", originals.len())),
        "{name}:\n{stderr}"
    );
    let mut used = BTreeMap::new();
    let mut failures = Vec::new();
    let mut reproduced = 0;
    for o in &originals {
        let text = std::fs::read_to_string(repo.join(&o.path)).expect("read");
        assert!(
            text.starts_with(&o.header),
            "{}: the header comment is kept",
            o.path
        );
        let mut ours: Value =
            serde_saphyr::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}\n{text}", o.path));
        let mut orig = o.es.clone();
        normalize(&mut orig, &mut ours, &mut used);
        let mut d = Vec::new();
        diff("", &orig, &ours, &mut d);
        if d.is_empty() {
            reproduced += 1;
        } else {
            failures.push(format!("{}:\n  {}", o.path, d.join("\n  ")));
        }
    }
    assert!(
        failures.is_empty(),
        "{name}: {} of {} ExternalSecrets differ ({summary}):\n{}",
        failures.len(),
        originals.len(),
        failures.join("\n")
    );
    for id in used.keys() {
        assert!(ALLOWED.iter().any(|(a, _)| a == id), "{id} is not listed");
    }
    let outcome = Outcome {
        reproduced,
        total: originals.len(),
        used,
        summary,
    };
    eprintln!(
        "{name}: {}/{} ExternalSecrets reproduced; {}; allowed differences used: {:?}",
        outcome.reproduced, outcome.total, outcome.summary, outcome.used
    );
    outcome
}

#[test]
fn eks_vault_is_reproduced_by_the_detected_defaults() {
    let o = reproduce("Morgan-Jenkins-X__jx3-eks-vault");
    assert_eq!((o.reproduced, o.total), (11, 11));
    assert!(
        o.summary.contains("format kes (the KES CRD)"),
        "{}",
        o.summary
    );
    assert!(
        o.summary
            .contains("naming jenkins-x, backend vault (jx-requirements.yml)"),
        "{}",
        o.summary
    );
    assert_eq!(o.used.get("vaultRole -m"), Some(&11));
}

#[test]
fn azure_key_vault_is_reproduced_by_the_detected_defaults() {
    let o = reproduce("SkisocksOrg__jx3-azure-akv-cluster");
    assert_eq!((o.reproduced, o.total), (11, 11));
    assert!(
        o.summary.contains(
            "naming jenkins-x, backend azureKeyVault, key-vault full-bulldog (jx-requirements.yml)"
        ),
        "{}",
        o.summary
    );
}

#[test]
fn gsm_is_reproduced_by_the_detected_defaults() {
    let o = reproduce("evillgenius75__jx3-gke-gsm");
    assert_eq!((o.reproduced, o.total), (12, 12));
    assert!(
        o.summary.contains(
            "backend gcpSecretsManager, project eddiejv-stp-appmod-demo, \
             unique-prefix tf-jx-top-drum (jx-requirements.yml)"
        ),
        "{}",
        o.summary
    );
}

/// The everyday case: one new Secret in a repository whose other ExternalSecrets are still
/// there. The format and the vault mount come from them, the bogus role is not copied.
#[test]
fn a_new_secret_among_existing_external_secrets() {
    let repo = TestRepo::new();
    copy_tree(&fixture("Morgan-Jenkins-X__jx3-eks-vault"), repo.path());
    let originals = external_secrets(repo.path());
    let o = originals
        .iter()
        .find(|o| {
            o.path
                .ends_with("jx/lighthouse/lighthouse-oauth-token-secret.yaml")
        })
        .expect("lighthouse oauth");
    repo.git(&["add", "-A"]);
    repo.commit("base");
    repo.write(&o.path, secret_for(o));
    repo.git(&["add", "-A"]);
    let out = repo.cmd().args(["check", "--fix"]).output().expect("run");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    let summary = stderr
        .lines()
        .find(|l| l.starts_with("fix defaults:"))
        .unwrap_or_else(|| panic!("{stderr}"));
    assert_eq!(
        summary,
        "fix defaults: format kes (10 ExternalSecrets), naming jenkins-x, backend vault \
         (jx-requirements.yml), vault-mount-point kubernetes (10 ExternalSecrets), vault-role \
         jx-vault (default); vaultRole `-m` of 10 ExternalSecrets not used (an option name read \
         as the role, the jx3 Makefile bug of jx3-versions #3270)"
    );
    let text = std::fs::read_to_string(repo.join(&o.path)).expect("read");
    let mut ours: Value = serde_saphyr::from_str(&text).expect("yaml");
    let mut orig = o.es.clone();
    let mut used = BTreeMap::new();
    normalize(&mut orig, &mut ours, &mut used);
    assert_eq!(orig, ours);
    // A second run sees the converted file and changes nothing.
    let again = repo.cmd().args(["check", "--fix"]).output().expect("run");
    assert!(
        String::from_utf8_lossy(&again.stderr).contains("already converted"),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
}

/// `init` writes what it detected, with where each value came from; `check --fix` then reads
/// it as explicit configuration and converts the same way.
#[test]
fn init_writes_the_detected_defaults() {
    let repo = TestRepo::new();
    copy_tree(&fixture("evillgenius75__jx3-gke-gsm"), repo.path());
    repo.git(&["add", "-A"]);
    let out = repo.cmd().arg("init").output().expect("run");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(repo.join(".gitops-guard.yaml")).expect("written");
    for line in [
        "  format: kes",
        "# detected: 12 ExternalSecrets (12 kubernetes-client.io, 0 external-secrets.io)",
        "  naming: jenkins-x",
        "    backend-type: gcpSecretsManager",
        "# detected: jx-requirements.yml (secretStorage: gsm)",
        "    project-id: eddiejv-stp-appmod-demo",
        "# detected: jx-requirements.yml (cluster.project)",
        "    unique-prefix: tf-jx-top-drum",
        "  # secret-store: {kind: ClusterSecretStore, name: jx-secret-store}   # not detected",
    ] {
        assert!(text.contains(line), "`{line}` missing:\n{text}");
    }
    assert!(!text.contains("key-vault-name"), "{text}");
    let (code, _) = repo.check_json(&["--all"]);
    assert_ne!(code, 2, "the written file loads");
}

/// A naming whose keys the backend rejects stops --fix before it writes anything, and says
/// which setting works.
#[test]
fn keys_the_backend_rejects_are_a_configuration_error() {
    let repo = TestRepo::new();
    repo.stage(
        "stores/gsm.yaml",
        "apiVersion: external-secrets.io/v1\nkind: ClusterSecretStore\nmetadata:\n  name: gcp\nspec:\n  provider:\n    gcpsm:\n      projectID: my-proj\n",
    );
    let secret = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\n  namespace: apps\nstringData:\n  password: hunter2\n";
    repo.stage("apps/db.yaml", secret);
    let out = repo.cmd().args(["check", "--fix"]).output().expect("run");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(
            "fix defaults: format eso (1 secret store), naming default (default), backend \
             gcpSecretsManager, project my-proj (store gcp), store ClusterSecretStore gcp (the only \
             store in the index)"
        ),
        "{stderr}"
    );
    assert!(
        stderr.contains("`apps/db` (Secret apps/db, backend gcpSecretsManager)"),
        "{stderr}"
    );
    assert!(stderr.contains("set `fix.naming: jenkins-x`"), "{stderr}");
    assert!(!stderr.contains("hunter2"), "{stderr}");
    assert_eq!(
        std::fs::read_to_string(repo.join("apps/db.yaml")).expect("read"),
        secret,
        "nothing written"
    );
    assert!(
        !repo.join(".git/gitops-guard/secrets").exists(),
        "no values saved"
    );

    // With the setting it names, the conversion goes through, into the detected store.
    repo.write(".gitops-guard.yaml", "fix:\n  naming: jenkins-x\n");
    let out = repo.cmd().args(["check", "--fix"]).output().expect("run");
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(repo.join("apps/db.yaml")).expect("read");
    assert!(
        text.contains("    kind: ClusterSecretStore\n    name: gcp\n"),
        "{text}"
    );
    assert!(
        text.contains("        key: db\n        property: password\n        version: latest\n"),
        "{text}"
    );
}
