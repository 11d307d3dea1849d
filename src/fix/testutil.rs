//! Test helpers: objects built without the span-aware parser (spans are dummies), for tests
//! of the pure conversion, and strict schema validation against the real CRDs.

use crate::manifest::{Node, Scalar, Style, Value};

/// A node tree for one YAML object (via serde-saphyr; key order is sorted).
pub fn node(yaml: &str) -> Node {
    let v: serde_json::Value = serde_saphyr::from_str(yaml).expect("test YAML");
    from_json(&v)
}

fn scalar(text: String, style: Style) -> Node {
    Node {
        span: 0..0,
        value: Value::Scalar(Scalar {
            templated: text.contains("{{"),
            text,
            style,
        }),
    }
}

fn from_json(v: &serde_json::Value) -> Node {
    match v {
        serde_json::Value::Null => scalar(String::new(), Style::Plain),
        serde_json::Value::Bool(b) => scalar(b.to_string(), Style::Plain),
        serde_json::Value::Number(n) => scalar(n.to_string(), Style::Plain),
        serde_json::Value::String(s) => scalar(s.clone(), Style::DoubleQuoted),
        serde_json::Value::Array(items) => Node {
            span: 0..0,
            value: Value::Seq(items.iter().map(from_json).collect()),
        },
        serde_json::Value::Object(map) => Node {
            span: 0..0,
            value: Value::Map(
                map.iter()
                    .map(|(k, v)| (scalar(k.clone(), Style::Plain), from_json(v)))
                    .collect(),
            ),
        },
    }
}

/// The `openAPIV3Schema` of `version` in a CRD file of `tests/fixtures/schemas/`, made strict the
/// way the API server is with `--validate=strict`: unknown fields are errors (every object
/// schema with `properties` and no `additionalProperties` or preserve-unknown-fields gets
/// `additionalProperties: false`), and the root accepts `apiVersion`, `kind`, `metadata`.
pub fn crd_schema(file: &str, version: &str) -> serde_json::Value {
    let path = schemas_dir().join(file);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let crd: serde_json::Value = serde_saphyr::from_str(&text).expect("CRD YAML");
    let mut schema = crd["spec"]["versions"]
        .as_array()
        .and_then(|vs| vs.iter().find(|v| v["name"] == version))
        .map(|v| v["schema"]["openAPIV3Schema"].clone())
        .unwrap_or_else(|| panic!("no version {version} in {file}"));
    let props = schema["properties"]
        .as_object_mut()
        .expect("root properties");
    for key in ["apiVersion", "kind"] {
        props
            .entry(key)
            .or_insert_with(|| serde_json::json!({"type": "string"}));
    }
    props
        .entry("metadata")
        .or_insert_with(|| serde_json::json!({"type": "object"}));
    strictify(&mut schema);
    schema
}

/// Structural schemas only: `oneOf`/`anyOf` branches (which list a subset of the fields)
/// are left alone, as the API server's pruning does.
fn strictify(v: &mut serde_json::Value) {
    let Some(map) = v.as_object_mut() else { return };
    let preserve = map
        .get("x-kubernetes-preserve-unknown-fields")
        .is_some_and(|p| p == true);
    if map.contains_key("properties") && !map.contains_key("additionalProperties") && !preserve {
        map.insert(
            "additionalProperties".into(),
            serde_json::Value::Bool(false),
        );
    }
    if let Some(props) = map.get_mut("properties").and_then(|p| p.as_object_mut()) {
        props.values_mut().for_each(strictify);
    }
    for key in ["items", "additionalProperties"] {
        if let Some(child) = map.get_mut(key) {
            strictify(child);
        }
    }
}

/// The ExternalSecret CRDs in `tests/fixtures/schemas/` (part of the checkout).
fn schemas_dir() -> std::path::PathBuf {
    fixtures().join("schemas")
}

/// The real trees in `tests/fixtures/corpus/` (part of the checkout).
pub fn corpus_dir() -> std::path::PathBuf {
    fixtures().join("corpus")
}

fn fixtures() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// Every schema violation of `instance`, as text.
pub fn violations(schema: &serde_json::Value, instance: &serde_json::Value) -> Vec<String> {
    let validator = jsonschema::validator_for(schema).expect("schema compiles");
    validator
        .iter_errors(instance)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}

/// ESO's admission webhook rules (`externalsecret_validator.go`), which the schema cannot
/// express.
pub fn eso_webhook_violations(es: &serde_json::Value) -> Vec<String> {
    let mut out = Vec::new();
    let spec = &es["spec"];
    let data = spec["data"].as_array().map(Vec::len).unwrap_or(0);
    let data_from = spec["dataFrom"].as_array().map(Vec::len).unwrap_or(0);
    if data == 0 && data_from == 0 {
        out.push("either data or dataFrom should be specified".to_string());
    }
    if spec["target"]["deletionPolicy"] == "Delete" && spec["target"]["creationPolicy"] != "Owner" {
        out.push(
            "deletionPolicy=Delete must not be used with creationPolicy other than Owner".into(),
        );
    }
    let mut seen = std::collections::BTreeSet::new();
    for item in spec["data"].as_array().into_iter().flatten() {
        let key = item["secretKey"].as_str().unwrap_or_default();
        if !seen.insert(key.to_string()) {
            out.push(format!("duplicate secretKey `{key}`"));
        }
    }
    let name = es["metadata"]["name"].as_str().unwrap_or_default();
    if !crate::config::is_dns1123_subdomain(name) {
        out.push(format!(
            "metadata.name `{name}` is not a DNS-1123 subdomain"
        ));
    }
    out
}
