//! The guard that no saved value reaches a byte `--fix` writes.
//!
//! A value can travel into the ExternalSecret only through what is copied from the Secret:
//! its labels and annotations (names and keys are Kubernetes names, checked apart). Those are
//! checked before conversion ([`in_metadata`]); the whole written text is checked again after
//! ([`in_output`]) so that a future change to the emitter cannot leak silently.
//!
//! A value is looked for as written in the Secret or in kubectl's JSON copy of it: as is,
//! base64-encoded (`data`, and `last-applied-configuration` holds `data` that way), and
//! JSON-escaped.

use super::emit::Out;
use super::values::StoredValue;
use base64::Engine as _;
use std::collections::BTreeMap;

/// Values shorter than this are matched only when a label or annotation equals them: a
/// two-character "value" occurs by chance in any text.
const MIN_CONTAINED: usize = 3;

/// Values shorter than this are not looked for in the whole written text, where the fixed
/// words of an ExternalSecret (`Owner`, `Opaque`, `data`, ...) would match by chance.
const MIN_IN_OUTPUT: usize = 8;

/// The forms in which a value may appear in text.
pub fn forms(value: &StoredValue) -> Vec<String> {
    let bytes: &[u8] = match value {
        StoredValue::Text(s) => s.as_bytes(),
        StoredValue::Binary(b) => b,
    };
    let mut out = Vec::new();
    if let StoredValue::Text(s) = value {
        out.push(s.clone());
        let escaped = serde_json::Value::String(s.clone()).to_string();
        let escaped = escaped[1..escaped.len() - 1].to_string();
        if escaped != *s {
            out.push(escaped);
        }
    }
    if !bytes.is_empty() {
        let b64 = base64::engine::general_purpose::STANDARD.encode(bytes);
        // Inside a longer base64 text the padding is not there.
        out.push(b64.trim_end_matches('=').to_string());
    }
    out.retain(|f| !f.is_empty());
    out
}

fn len(value: &StoredValue) -> usize {
    match value {
        StoredValue::Text(s) => s.chars().count(),
        StoredValue::Binary(b) => b.len(),
    }
}

/// The first label or annotation whose value holds a saved value: `(what, its key, the key of
/// the value)`. Keys are Kubernetes names, not content.
pub fn in_metadata<'a>(
    entries: &'a [(&'static str, &'a [(String, String)])],
    values: &'a BTreeMap<String, StoredValue>,
) -> Option<(&'static str, &'a str, &'a str)> {
    for (what, pairs) in entries {
        for (k, v) in pairs.iter() {
            for (secret_key, value) in values {
                let exact = matches!(value, StoredValue::Text(s) if !s.is_empty() && s == v);
                let contained = len(value) >= MIN_CONTAINED
                    && forms(value).iter().any(|f| v.contains(f.as_str()));
                if exact || contained {
                    return Some((what, k.as_str(), secret_key.as_str()));
                }
            }
        }
    }
    None
}

/// The key of a saved value found in `text`, ignoring occurrences inside `names` (the
/// Secret's own name, namespace, keys and remote keys, which are not values and are written
/// on purpose).
pub fn in_output<'a>(
    text: &str,
    values: &'a BTreeMap<String, StoredValue>,
    names: &[&str],
) -> Option<&'a str> {
    let mut hay = text.to_string();
    let mut names: Vec<&str> = names.iter().copied().filter(|n| !n.is_empty()).collect();
    names.sort_by_key(|n| std::cmp::Reverse(n.len()));
    for n in names {
        hay = hay.replace(n, "\u{0}");
    }
    values
        .iter()
        .filter(|(_, v)| len(v) >= MIN_IN_OUTPUT)
        .find(|(_, v)| forms(v).iter().any(|f| hay.contains(f.as_str())))
        .map(|(k, _)| k.as_str())
}

/// Fields of a generated ExternalSecret whose strings are names, not copied content: the
/// Secret's name, namespace and keys, remote keys derived from them, configured settings and
/// fixed words. Labels and annotations are not among them: they are what [`in_output`] checks.
const NAME_FIELDS: &[&str] = &[
    "apiVersion",
    "kind",
    "name",
    "namespace",
    "secretKey",
    "key",
    "property",
    "version",
    "versionStage",
    "decodingStrategy",
    "refreshInterval",
    "creationPolicy",
    "type",
    "backendType",
    "vaultMountPoint",
    "vaultRole",
    "projectId",
    "keyVaultName",
    "region",
    "roleArn",
];

/// The names in a generated object: every mapping key, and the strings of [`NAME_FIELDS`].
pub fn names_in(object: &Out) -> Vec<&str> {
    let mut out = Vec::new();
    collect_names(object, &mut out);
    out
}

fn collect_names<'a>(object: &'a Out, out: &mut Vec<&'a str>) {
    match object {
        Out::Map(entries) => {
            for (k, v) in entries {
                out.push(k);
                match v {
                    // Copied content: only their keys are names.
                    Out::Map(pairs) if k == "labels" || k == "annotations" => {
                        out.extend(pairs.iter().map(|(pk, _)| pk.as_str()));
                    }
                    Out::Str(s) if NAME_FIELDS.contains(&k.as_str()) => out.push(s),
                    _ => collect_names(v, out),
                }
            }
        }
        Out::Seq(items) => items.iter().for_each(|i| collect_names(i, out)),
        Out::Str(_) | Out::Bool(_) => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vals(pairs: &[(&str, &str)]) -> BTreeMap<String, StoredValue> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), StoredValue::Text(v.to_string())))
            .collect()
    }

    fn pairs(p: &[(&str, &str)]) -> Vec<(String, String)> {
        p.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn forms_cover_raw_base64_and_json() {
        let f = forms(&StoredValue::Text("p\"w\nd".into()));
        assert!(f.contains(&"p\"w\nd".to_string()));
        assert!(f.contains(&"p\\\"w\\nd".to_string()));
        assert!(f.contains(&"cCJ3CmQ".to_string()));
        assert_eq!(
            forms(&StoredValue::Binary(vec![0xff, 0xfe])),
            vec!["//4".to_string()]
        );
    }

    #[test]
    fn metadata_holding_a_value_is_found() {
        let v = vals(&[("password", "s3cr3t-hunter2")]);
        let labels = pairs(&[("app", "db")]);
        let plain = pairs(&[("note", "the password is s3cr3t-hunter2")]);
        let b64 = pairs(&[("copy", "{\"data\":{\"password\":\"czNjcjN0LWh1bnRlcjI=\"}}")]);
        let json = pairs(&[("c", "{\"x\":\"a\\\"b\"}")]);
        for (ann, hit) in [(&plain, true), (&b64, true), (&labels, false)] {
            let entries = [
                ("labels", labels.as_slice()),
                ("annotations", ann.as_slice()),
            ];
            assert_eq!(in_metadata(&entries, &v).is_some(), hit, "{ann:?}");
        }
        let quoted = vals(&[("k", "a\"b")]);
        let entries = [("annotations", json.as_slice())];
        assert_eq!(
            in_metadata(&entries, &quoted),
            Some(("annotations", "c", "k"))
        );
    }

    #[test]
    fn short_values_only_when_equal() {
        let v = vals(&[("flag", "on")]);
        let near = pairs(&[("mode", "online")]);
        let equal = pairs(&[("mode", "on")]);
        assert!(in_metadata(&[("labels", near.as_slice())], &v).is_none());
        assert!(in_metadata(&[("labels", equal.as_slice())], &v).is_some());
    }

    #[test]
    fn output_ignores_names_but_not_values() {
        let v = vals(&[("token", "postgres-admin-token")]);
        let text = "metadata:\n  name: postgres-admin-token\n";
        assert_eq!(in_output(text, &v, &["postgres-admin-token"]), None);
        assert_eq!(in_output(text, &v, &[]), Some("token"));
        let short = vals(&[("k", "Owner")]);
        assert_eq!(in_output("creationPolicy: Owner", &short, &[]), None);
    }
}
