//! The values store: where `--fix` saves the decoded values of a Secret before the manifest
//! loses them.
//!
//! Layout: `<dir>/<namespace>/<name>.json` (namespace `default` when unset), where `<dir>` is
//! `<git common dir>/gitops-guard/secrets` unless `--values-dir` says otherwise. Folders are
//! created 0700, files written 0600, atomically and fsynced.
//!
//! Format: one JSON object per Secret, keys sorted, key → value. A value that is valid UTF-8
//! is a JSON string; any other value (binary data) is an object `{"base64": "<standard
//! base64>"}`, so nothing is lost and the file stays valid JSON.
//!
//! Invariants: an existing file is never overwritten with different content for a key
//! (identical keys merge, a different value is a conflict and nothing is written); values
//! never appear in an error message, only key names.

use super::atomic;
use base64::Engine as _;
use std::collections::BTreeMap;
use std::io;
use std::path::{Path, PathBuf};

/// One stored value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoredValue {
    Text(String),
    Binary(Vec<u8>),
}

impl StoredValue {
    /// Text when the bytes are UTF-8, binary otherwise.
    pub fn from_bytes(bytes: Vec<u8>) -> StoredValue {
        match String::from_utf8(bytes) {
            Ok(s) => StoredValue::Text(s),
            Err(e) => StoredValue::Binary(e.into_bytes()),
        }
    }

    pub fn is_binary(&self) -> bool {
        matches!(self, StoredValue::Binary(_))
    }

    fn to_json(&self) -> serde_json::Value {
        match self {
            StoredValue::Text(s) => serde_json::Value::String(s.clone()),
            StoredValue::Binary(b) => serde_json::json!({
                "base64": base64::engine::general_purpose::STANDARD.encode(b)
            }),
        }
    }

    fn from_json(v: &serde_json::Value) -> Option<StoredValue> {
        match v {
            serde_json::Value::String(s) => Some(StoredValue::Text(s.clone())),
            serde_json::Value::Object(o) if o.len() == 1 => {
                let b64 = o.get("base64")?.as_str()?;
                base64::engine::general_purpose::STANDARD
                    .decode(b64)
                    .ok()
                    .map(StoredValue::Binary)
            }
            _ => None,
        }
    }
}

// Values must never reach a log or a panic message by accident.
impl std::fmt::Debug for SecretValues {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SecretValues")
            .field("namespace", &self.namespace)
            .field("name", &self.name)
            .field("keys", &self.values.keys().collect::<Vec<_>>())
            .finish()
    }
}

/// The values of one Secret.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretValues {
    /// `None` when the Secret has no namespace (stored under `default`).
    pub namespace: Option<String>,
    pub name: String,
    pub values: BTreeMap<String, StoredValue>,
}

/// Why values could not be saved. Messages name keys and files, never values.
#[derive(Debug, thiserror::Error)]
pub enum ValuesError {
    #[error(
        "{path} already holds a different value for key{} {}; refusing to overwrite it \
         (load it into the store with `gitops-guard secrets export`, then \
         `gitops-guard secrets forget` it, and run again)",
        if keys.len() == 1 { "" } else { "s" },
        keys.iter().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(", ")
    )]
    Conflict { path: String, keys: Vec<String> },
    #[error("{path} is not a values file written by gitops-guard ({reason}); refusing to touch it")]
    Unreadable { path: String, reason: String },
    #[error("cannot write {path}: {source}")]
    Io { path: String, source: io::Error },
}

/// The default store location for a repository.
pub fn default_dir(git_common_dir: &Path) -> PathBuf {
    git_common_dir.join("gitops-guard").join("secrets")
}

/// The file that holds the values of `namespace/name` under `dir`.
pub fn file_for(dir: &Path, namespace: Option<&str>, name: &str) -> PathBuf {
    dir.join(sanitize(namespace.unwrap_or("default")))
        .join(format!("{}.json", sanitize(name)))
}

/// A safe single path component: only `[A-Za-z0-9._-]` (others become `_`), never empty,
/// `.` or `..`, and no leading dot.
pub fn sanitize(component: &str) -> String {
    let mut s: String = component
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                c
            } else {
                '_'
            }
        })
        .collect();
    if s.is_empty() || s.starts_with('.') {
        s.insert(0, '_');
    }
    s
}

/// The JSON text of a values file (keys sorted, 2-space indent, final newline).
pub fn render(values: &BTreeMap<String, StoredValue>) -> String {
    let obj: serde_json::Map<String, serde_json::Value> = values
        .iter()
        .map(|(k, v)| (k.clone(), v.to_json()))
        .collect();
    let mut text = serde_json::to_string_pretty(&serde_json::Value::Object(obj))
        .unwrap_or_else(|_| String::from("{}"));
    text.push('\n');
    text
}

/// Parses a values file.
pub fn parse(text: &str) -> Result<BTreeMap<String, StoredValue>, String> {
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|e| format!("invalid JSON at line {}", e.line()))?;
    let obj = value
        .as_object()
        .ok_or_else(|| "not a JSON object".to_string())?;
    let mut out = BTreeMap::new();
    for (k, v) in obj {
        let stored = StoredValue::from_json(v).ok_or_else(|| {
            format!("the entry for key `{k}` is neither a string nor {{\"base64\": ...}}")
        })?;
        out.insert(k.clone(), stored);
    }
    Ok(out)
}

/// Merges `new` into `existing`: identical keys are fine, new keys are added, a key with a
/// different value is a conflict (and `existing` is left as it was).
pub fn merge(
    existing: &mut BTreeMap<String, StoredValue>,
    new: &BTreeMap<String, StoredValue>,
) -> Result<bool, Vec<String>> {
    let conflicts: Vec<String> = new
        .iter()
        .filter(|(k, v)| existing.get(*k).is_some_and(|old| old != *v))
        .map(|(k, _)| k.clone())
        .collect();
    if !conflicts.is_empty() {
        return Err(conflicts);
    }
    let mut changed = false;
    for (k, v) in new {
        if !existing.contains_key(k) {
            existing.insert(k.clone(), v.clone());
            changed = true;
        }
    }
    Ok(changed)
}

/// Reads the current content of a values file (empty when it does not exist).
pub fn load(path: &Path) -> Result<BTreeMap<String, StoredValue>, ValuesError> {
    match std::fs::read(path) {
        Ok(bytes) => {
            let text = String::from_utf8(bytes).map_err(|_| ValuesError::Unreadable {
                path: path.display().to_string(),
                reason: "not UTF-8".into(),
            })?;
            parse(&text).map_err(|reason| ValuesError::Unreadable {
                path: path.display().to_string(),
                reason,
            })
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(BTreeMap::new()),
        Err(source) => Err(ValuesError::Io {
            path: path.display().to_string(),
            source,
        }),
    }
}

/// Writes `values` to `path` atomically (folders 0700 below `root`, file 0600), fsynced.
/// `root` itself is created 0700 when missing but an existing one keeps its mode.
pub fn store(
    root: &Path,
    path: &Path,
    values: &BTreeMap<String, StoredValue>,
) -> Result<(), ValuesError> {
    let io_err = |p: &Path| {
        let p = p.display().to_string();
        move |source| ValuesError::Io { path: p, source }
    };
    let dir = path.parent().unwrap_or(root);
    atomic::create_dir_all(dir, 0o700).map_err(io_err(dir))?;
    // Always exactly 0600: a file that existed with a wider mode is narrowed.
    atomic::write(path, render(values).as_bytes(), atomic::Mode::Exact(0o600)).map_err(io_err(path))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vals(pairs: &[(&str, StoredValue)]) -> BTreeMap<String, StoredValue> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect()
    }

    fn text(s: &str) -> StoredValue {
        StoredValue::Text(s.into())
    }

    #[test]
    fn paths_are_sanitized() {
        let d = Path::new("/x");
        assert_eq!(file_for(d, None, "db"), Path::new("/x/default/db.json"));
        assert_eq!(
            file_for(d, Some("apps"), "db"),
            Path::new("/x/apps/db.json")
        );
        assert_eq!(
            file_for(d, Some(".."), "../../etc/passwd"),
            Path::new("/x/_../_.._.._etc_passwd.json")
        );
        assert_eq!(sanitize(""), "_");
        assert_eq!(sanitize("a/b c"), "a_b_c");
        assert_eq!(sanitize(".hidden"), "_.hidden");
    }

    #[test]
    fn exact_json_and_binary_marker() {
        let v = vals(&[
            ("password", text("hunter2")),
            ("cert", StoredValue::Binary(vec![0xff, 0x00, 0x80])),
            ("empty", text("")),
            ("quote", text("a\"b\nc")),
        ]);
        let rendered = render(&v);
        assert_eq!(
            rendered,
            "{\n  \"cert\": {\n    \"base64\": \"/wCA\"\n  },\n  \"empty\": \"\",\n  \"password\": \"hunter2\",\n  \"quote\": \"a\\\"b\\nc\"\n}\n"
        );
        assert_eq!(parse(&rendered).unwrap(), v);
    }

    #[test]
    fn from_bytes_detects_binary() {
        assert_eq!(StoredValue::from_bytes(b"ok".to_vec()), text("ok"));
        assert!(StoredValue::from_bytes(vec![0xc3, 0x28]).is_binary());
    }

    #[test]
    fn merge_rules() {
        let mut existing = vals(&[("a", text("1")), ("b", text("2"))]);
        assert_eq!(merge(&mut existing, &vals(&[("a", text("1"))])), Ok(false));
        assert_eq!(merge(&mut existing, &vals(&[("c", text("3"))])), Ok(true));
        assert_eq!(existing.len(), 3);
        let before = existing.clone();
        assert_eq!(
            merge(
                &mut existing,
                &vals(&[("a", text("X")), ("d", text("4")), ("b", text("Y"))])
            ),
            Err(vec!["a".to_string(), "b".to_string()])
        );
        assert_eq!(existing, before, "a conflict changes nothing");
    }

    #[test]
    fn parse_refuses_foreign_content() {
        assert!(parse("[]").is_err());
        assert!(parse("{\"a\": 1}").is_err());
        assert!(parse("{\"a\": {\"base64\": \"!!\"}}").is_err());
        assert!(parse("not json").is_err());
    }

    #[cfg(unix)]
    #[test]
    fn store_modes_and_content() {
        use std::os::unix::fs::PermissionsExt;
        let tmp = tempfile::tempdir().unwrap();
        let root = default_dir(&tmp.path().join(".git"));
        let path = file_for(&root, Some("apps"), "db");
        let v = vals(&[("password", text("hunter2"))]);
        store(&root, &path, &v).unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o7777;
        assert_eq!(mode(&path), 0o600);
        assert_eq!(mode(path.parent().unwrap()), 0o700);
        assert_eq!(mode(&root), 0o700);
        assert_eq!(mode(root.parent().unwrap()), 0o700);
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            "{\n  \"password\": \"hunter2\"\n}\n"
        );
        assert_eq!(load(&path).unwrap(), v);
        // A widened file is narrowed again.
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        store(&root, &path, &v).unwrap();
        assert_eq!(mode(&path), 0o600);
    }

    #[test]
    fn errors_never_show_values() {
        let e = ValuesError::Conflict {
            path: "/x/apps/db.json".into(),
            keys: vec!["password".into()],
        };
        let msg = e.to_string();
        assert!(
            msg.contains("`password`") && msg.contains("/x/apps/db.json"),
            "{msg}"
        );
        let v = SecretValues {
            namespace: None,
            name: "db".into(),
            values: vals(&[("password", text("hunter2"))]),
        };
        assert!(!format!("{v:?}").contains("hunter2"));
    }
}
