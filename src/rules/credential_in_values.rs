//! GG106 credential-in-values: plain-text credentials in configuration that is not a Secret.

use super::dotenv::{self, Syntax};
use super::embedded::SpanMap;
use super::secret_refs::is_reference;
use super::{Ctx, File, Rule};
use crate::catalog::{self, RuleInfo};
use crate::config::CredentialsConfig;
use crate::finding::Finding;
use crate::manifest::FileKind;
use crate::manifest::{Document, Node, ParseOptions, Style, Value, objects, parse_stream};
use crate::source::RepoView;
use std::collections::HashMap;
use std::ops::Range;
use std::sync::{Arc, LazyLock, Mutex};

/// GG106 credential-in-values. Docs: [`DOC`].
pub struct CredentialInValues;

pub const DOC: &str = r#"## What it does
Reports a plain-text credential in configuration that is not a Secret, in the places where
GitOps repositories pass values to charts and apps:

- Helm values files of a chart: `values*.yaml` in a folder with a `Chart.yaml`;
- helmfile: the inline `values:` maps of `releases`, and the files they list (also
  `.gotmpl`), resolved from the helmfile's folder;
- Flux `HelmRelease` `spec.values`;
- Argo CD `Application` / `ApplicationSet` `spec.source(s).helm`: `values` (a YAML string),
  `valuesObject` and `parameters`;
- Jenkins X `jx-values.yaml`;
- the `.env` / properties files that a kustomize `secretGenerator` or `configMapGenerator`
  names in `envs:` (or `env:`) and `files:`.

A finding is a key whose name says credential — by default, ignoring case and `-`, `_`, `.`:
names ending in `password`, `passwd`, `passphrase`, `secret`, `token`, `apiKey`, `accessKey`,
`secretKey`, `privateKey`, `credential(s)` — that holds a literal, non-empty value. Also a
`{name: DB_PASSWORD, value: …}` pair (container `env`, Argo CD `parameters`).

Not findings, for precision:
- keys that name a secret rather than hold one: `existingSecret`, `secretName`,
  `passwordKey`, `tokenPath`, `secretKeyRef`, `*SecretRef`, `envFromSecret`,
  `imagePullSecret`, `*Enabled`; and a `*Secret` key whose value is shaped like a Kubernetes
  resource name (`tlsSecret: my-tls`);
- values that are not literals: template expressions (`{{ }}`, `${…}`, `$(…)`), references
  (`op://`, `ref+`, `<path:…>`, `vault:`), `secretKeyRef`, sops `ENC[…]` values, paths
  (`/var/run/secrets/…`), booleans and numbers;
- placeholders: `todo`, `changeme`, `dummy`, `fake…`, `<your-password>`, `xxxx`, `****`, … (a
  value that is obviously not the credential);
- a private key block: GG105 reports it.

Chart `templates/` are never read. The names are configurable in `.gitops-guard.yaml`:
```yaml
credentials:
  keys: ["*password", "*token", "*pin"]      # replaces the default list
  ignore-keys: ["*publicToken"]              # added to the built-in list
```

## Why is this bad?
Values files, HelmReleases and Applications are committed in plain text and often copied
between environments: a password there is readable by everyone who can clone the repository,
forever, and usually ends up in rendered manifests and CI logs too.

## Example
```yaml
# charts/app/values.yaml (next to charts/app/Chart.yaml)
postgresql:
  auth:
    password: s3cr3t-Pa55
```

Use instead: keep the value in a secret store, commit an `ExternalSecret` that creates a
Secret, and point the chart at it:
```yaml
postgresql:
  auth:
    existingSecret: app-postgresql   # created by an ExternalSecret
```
"#;

impl Rule for CredentialInValues {
    fn info(&self) -> &'static RuleInfo {
        &catalog::CREDENTIAL_IN_VALUES
    }
    fn doc(&self) -> &'static str {
        DOC
    }
    fn applies_to(&self, kind: FileKind, path: &str, bytes: &[u8]) -> bool {
        // Without the repository: the places known from the file alone.
        !crate::manifest::is_chart_template(path)
            && matches!(kind, FileKind::Yaml | FileKind::Json)
            && (is_jx_values(path)
                || is_helmfile(path)
                || super::contains(bytes, "HelmRelease")
                || super::contains(bytes, "Application"))
    }
    fn applies_in(&self, ctx: &Ctx, kind: FileKind, path: &str, bytes: &[u8]) -> bool {
        // Cheapest first: the path and a few byte searches, then the credential words, then
        // the repository (Chart.yaml beside, helmfiles and kustomizations that list the file).
        !crate::manifest::is_chart_template(path)
            && may_be_place(path, kind, bytes)
            && mentions_credential(&ctx.settings.credentials, bytes)
            && !places(path, kind, bytes, ctx.repo).is_empty()
    }
    fn check(&self, file: &File, ctx: &Ctx, out: &mut Vec<Finding>) {
        for hit in analyze(file.path, file.text, file.kind, file.docs, ctx) {
            out.push(
                Finding::new(
                    self.info(),
                    file.path,
                    hit.key_span.clone(),
                    format!(
                        "`{}` holds a plain-text credential in {}",
                        hit.key_path, hit.place
                    ),
                )
                .with_help(
                    "keep the value in a secret store: commit an ExternalSecret that creates a \
                     Secret with it and point the chart or app at that Secret (its \
                     `existingSecret`-style value), or use a reference resolved at deploy time \
                     (`ref+…`, `<path:…>`)",
                )
                .with_label(hit.value_span.clone(), "literal credential"),
            );
        }
    }
}

/// One credential found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    /// Dotted key path, e.g. `postgresql.auth.password`.
    pub key_path: String,
    pub key_span: Range<usize>,
    pub value_span: Range<usize>,
    /// Where it is, for the message.
    pub place: String,
}

/// Where in a file GG106 looks.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Place {
    /// The whole file is values (chart values, helmfile-listed values, jx-values.yaml).
    Whole(String),
    /// helmfile `releases[].values[]` inline maps.
    HelmfileInline,
    /// Flux HelmRelease / Argo CD Application objects.
    Objects,
    /// A kustomize generator's env / properties file.
    GeneratorFile(String),
}

fn name_of(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

fn dir_of(path: &str) -> &str {
    path.rfind('/').map_or("", |i| &path[..i])
}

fn join(dir: &str, name: &str) -> String {
    if dir.is_empty() {
        name.to_string()
    } else {
        format!("{dir}/{name}")
    }
}

fn is_jx_values(path: &str) -> bool {
    name_of(path) == "jx-values.yaml"
}

/// Asked for every path of the repository when looking for the helmfile that lists a file:
/// no allocation.
fn is_helmfile(path: &str) -> bool {
    let name = name_of(path).as_bytes();
    let ends = |s: &str| {
        name.len() >= s.len() && name[name.len() - s.len()..].eq_ignore_ascii_case(s.as_bytes())
    };
    let yamlish = ends(".yaml") || ends(".yml") || ends(".yaml.gotmpl") || ends(".yml.gotmpl");
    yamlish
        && (name.len() >= 8 && name[..8].eq_ignore_ascii_case(b"helmfile")
            || path.contains("helmfile.d/"))
}

fn is_yamlish(path: &str, kind: FileKind) -> bool {
    matches!(kind, FileKind::Yaml | FileKind::Json)
        || name_of(path).to_ascii_lowercase().ends_with(".gotmpl")
}

/// Whether the file may be one of the places GG106 reads, from its path and bytes alone.
/// Kubernetes manifests (they have `apiVersion`) are values only as a HelmRelease or an
/// Application; any other file may be a generator's env file.
fn may_be_place(path: &str, kind: FileKind, bytes: &[u8]) -> bool {
    if !is_yamlish(path, kind) {
        return true;
    }
    is_jx_values(path)
        || name_of(path).to_ascii_lowercase().starts_with("values")
        || is_helmfile(path)
        || !super::contains(bytes, "apiVersion")
        || super::contains(bytes, "HelmRelease")
        || super::contains(bytes, "Application")
}

/// The cheap prefilter: a word of some credential pattern appears (any case).
fn mentions_credential(cfg: &CredentialsConfig, bytes: &[u8]) -> bool {
    match cfg.needles() {
        Some(needles) => needles
            .iter()
            .any(|n| super::contains_ignore_ascii_case(bytes, n)),
        None => true,
    }
}

/// The places GG106 reads in this file (cheapest checks first).
fn places(path: &str, kind: FileKind, bytes: &[u8], repo: &dyn RepoView) -> Vec<Place> {
    let mut out = Vec::new();
    if !is_yamlish(path, kind) {
        if let Some(generator) = generator_listing(repo, path) {
            out.push(Place::GeneratorFile(generator));
        }
        return out;
    }
    let name = name_of(path).to_ascii_lowercase();
    if is_jx_values(path) {
        out.push(Place::Whole("Jenkins X `jx-values.yaml`".to_string()));
    } else if name.starts_with("values")
        && [".yaml", ".yml", ".yaml.gotmpl", ".yml.gotmpl"]
            .iter()
            .any(|s| name.ends_with(s))
        && repo.read(&join(dir_of(path), "Chart.yaml")).is_some()
    {
        out.push(Place::Whole(format!(
            "the Helm values of chart folder `{}`",
            if dir_of(path).is_empty() {
                "."
            } else {
                dir_of(path)
            }
        )));
    }
    if is_helmfile(path) {
        out.push(Place::HelmfileInline);
    }
    if super::contains(bytes, "HelmRelease") || super::contains(bytes, "Application") {
        out.push(Place::Objects);
    }
    if out.is_empty() && !super::contains(bytes, "apiVersion") {
        if let Some(helmfile) = helmfile_listing(repo, path) {
            out.push(Place::Whole(format!("values listed by `{helmfile}`")));
        } else if let Some(generator) = generator_listing(repo, path) {
            // Helm values that a generator turns into a ConfigMap/Secret (Flux `valuesFrom`).
            out.push(Place::Whole(generator));
        }
    }
    out
}

/// Runs GG106 over one file.
pub fn analyze(path: &str, text: &str, kind: FileKind, docs: &[Document], ctx: &Ctx) -> Vec<Hit> {
    let cfg = &ctx.settings.credentials;
    if crate::manifest::is_chart_template(path)
        || !may_be_place(path, kind, text.as_bytes())
        || !mentions_credential(cfg, text.as_bytes())
    {
        return Vec::new();
    }
    let places = places(path, kind, text.as_bytes(), ctx.repo);
    if places.is_empty() {
        return Vec::new();
    }
    let parsed;
    let docs: &[Document] = if docs.is_empty() && is_yamlish(path, kind) {
        parsed = parse_stream(
            text,
            &ParseOptions {
                json: kind == FileKind::Json,
                tolerant: !matches!(kind, FileKind::Yaml | FileKind::Json),
                ..ParseOptions::default()
            },
        );
        &parsed
    } else {
        docs
    };
    let mut out = Vec::new();
    for place in places {
        match place {
            Place::Whole(what) => {
                for root in docs.iter().filter_map(|d| d.root.as_ref()) {
                    let mut w = Walker::new(cfg, &what, None);
                    w.walk(root, &mut Vec::new());
                    out.extend(w.hits);
                }
            }
            Place::HelmfileInline => {
                for root in docs.iter().filter_map(|d| d.root.as_ref()) {
                    for release in root
                        .get("releases")
                        .and_then(Node::as_seq)
                        .unwrap_or_default()
                    {
                        let name = release.get("name").and_then(Node::as_str).unwrap_or("?");
                        let what = format!("the values of helmfile release `{name}`");
                        for item in release
                            .get("values")
                            .and_then(Node::as_seq)
                            .unwrap_or_default()
                        {
                            if item.as_map().is_some() {
                                let mut w = Walker::new(cfg, &what, None);
                                w.walk(item, &mut Vec::new());
                                out.extend(w.hits);
                            }
                        }
                    }
                }
            }
            Place::Objects => {
                for root in docs.iter().filter_map(|d| d.root.as_ref()) {
                    for obj in objects(root) {
                        object_hits(obj, text, cfg, &mut out);
                    }
                }
            }
            Place::GeneratorFile(what) => {
                let lower = name_of(path).to_ascii_lowercase();
                let syntax = if lower.ends_with(".properties") {
                    Syntax::Properties
                } else {
                    Syntax::Dotenv
                };
                for e in dotenv::parse(text, syntax) {
                    if cfg.is_credential_key(&e.key)
                        && is_literal_credential(&normalize(&e.key), &e.value, false)
                    {
                        out.push(Hit {
                            key_path: e.key.clone(),
                            key_span: e.key_span.clone(),
                            value_span: e.value_span.clone(),
                            place: what.clone(),
                        });
                    }
                }
            }
        }
    }
    out.sort_by_key(|h| (h.key_span.start, h.value_span.start));
    out.dedup();
    // A private key is GG105's finding (its value is masked all the same).
    out.retain(|h| {
        !super::private_key::holds_private_key(text.get(h.value_span.clone()).unwrap_or_default())
    });
    out
}

/// The value spans every output masks in this file.
pub fn value_spans(
    path: &str,
    text: &str,
    kind: FileKind,
    docs: &[Document],
    ctx: &Ctx,
) -> Vec<Range<usize>> {
    analyze(path, text, kind, docs, ctx)
        .into_iter()
        .map(|h| h.value_span)
        .collect()
}

fn normalize(key: &str) -> String {
    crate::config::normalize_key(key)
}

/// Flux HelmRelease `spec.values`, Argo CD Application(Set) helm sources.
fn object_hits(obj: &Node, text: &str, cfg: &CredentialsConfig, out: &mut Vec<Hit>) {
    let kind = obj.get("kind").and_then(Node::as_str).unwrap_or_default();
    let api = obj
        .get("apiVersion")
        .and_then(Node::as_str)
        .unwrap_or_default();
    let name = obj
        .at(&["metadata", "name"])
        .and_then(Node::as_str)
        .unwrap_or("<unnamed>");
    if kind == "HelmRelease" && api.starts_with("helm.toolkit.fluxcd.io/") {
        if let Some(values) = obj.at(&["spec", "values"]) {
            let what = format!("the `spec.values` of Flux HelmRelease `{name}`");
            let mut w = Walker::new(cfg, &what, None);
            w.walk(values, &mut Vec::new());
            out.extend(w.hits);
        }
        return;
    }
    if !api.starts_with("argoproj.io/") {
        return;
    }
    let spec = match kind {
        "Application" => obj.get("spec"),
        "ApplicationSet" => obj.at(&["spec", "template", "spec"]),
        _ => None,
    };
    let Some(spec) = spec else { return };
    let mut sources: Vec<&Node> = spec.get("source").into_iter().collect();
    sources.extend(
        spec.get("sources")
            .and_then(Node::as_seq)
            .unwrap_or_default(),
    );
    let what = format!("the helm values of Argo CD {kind} `{name}`");
    for source in sources {
        let Some(helm) = source.get("helm") else {
            continue;
        };
        if let Some(obj_values) = helm.get("valuesObject") {
            let mut w = Walker::new(cfg, &what, None);
            w.walk(obj_values, &mut Vec::new());
            out.extend(w.hits);
        }
        if let Some(params) = helm.get("parameters") {
            let mut w = Walker::new(cfg, &what, None);
            w.walk(params, &mut vec!["parameters".to_string()]);
            out.extend(w.hits);
        }
        if let Some(values) = helm.get("values")
            && let Some(scalar) = values.as_scalar()
            && !scalar.templated
        {
            let inner = parse_stream(&scalar.text, &ParseOptions::default());
            let map = SpanMap::new(text, values);
            for root in inner.iter().filter_map(|d| d.root.as_ref()) {
                let mut w = Walker::new(cfg, &what, Some((&map, scalar.text.as_str())));
                w.walk(root, &mut Vec::new());
                out.extend(w.hits);
            }
        }
    }
}

/// Walks a values tree and collects the credentials in it.
struct Walker<'a> {
    cfg: &'a CredentialsConfig,
    what: &'a str,
    /// For values embedded in a string: how its spans map into the file, and its text.
    map: Option<(&'a SpanMap<'a>, &'a str)>,
    hits: Vec<Hit>,
}

impl<'a> Walker<'a> {
    fn new(
        cfg: &'a CredentialsConfig,
        what: &'a str,
        map: Option<(&'a SpanMap<'a>, &'a str)>,
    ) -> Self {
        Walker {
            cfg,
            what,
            map,
            hits: Vec::new(),
        }
    }

    fn span(&self, span: &Range<usize>) -> Range<usize> {
        match self.map {
            Some((m, inner)) => m.map(inner, span),
            None => span.clone(),
        }
    }

    fn push(&mut self, path: &[String], key: &Node, value: &Node) {
        self.hits.push(Hit {
            key_path: path.join("."),
            key_span: self.span(&key.span),
            value_span: self.span(&value.span),
            place: self.what.to_string(),
        });
    }

    fn walk(&mut self, node: &Node, path: &mut Vec<String>) {
        self.walk_in(node, path, 0);
    }

    fn walk_in(&mut self, node: &Node, path: &mut Vec<String>, depth: usize) {
        if depth > 64 {
            return;
        }
        match &node.value {
            Value::Map(entries) => {
                // `{name: DB_PASSWORD, value: …}`
                if let (Some(name_node), Some(value)) = (node.get("name"), node.get("value"))
                    && let Some(name) = name_node.as_str()
                    && self.cfg.is_credential_key(name)
                    && self.is_literal(name, value)
                {
                    path.push(name.to_string());
                    self.push(path, name_node, value);
                    path.pop();
                }
                for (k, v) in entries {
                    let key = k.as_str().unwrap_or_default();
                    path.push(key.to_string());
                    if v.as_scalar().is_some() {
                        if self.cfg.is_credential_key(key) && self.is_literal(key, v) {
                            self.push(path, k, v);
                        }
                    } else {
                        self.walk_in(v, path, depth + 1);
                    }
                    path.pop();
                }
            }
            Value::Seq(items) => {
                for item in items {
                    self.walk_in(item, path, depth + 1);
                }
            }
            Value::Scalar(_) => {}
        }
    }

    fn is_literal(&self, key: &str, value: &Node) -> bool {
        let Some(s) = value.as_scalar() else {
            return false;
        };
        if value.is_null() || s.templated {
            return false;
        }
        is_literal_credential(&normalize(key), &s.text, s.style == Style::Plain)
    }
}

/// Whether `value`, under a credential key (normalised `key`), is a literal credential.
pub fn is_literal_credential(key: &str, value: &str, plain: bool) -> bool {
    let v = value.trim();
    if v.is_empty() {
        return false;
    }
    let lower = v.to_ascii_lowercase();
    if matches!(
        lower.as_str(),
        "true" | "false" | "yes" | "no" | "on" | "off" | "null" | "~"
    ) {
        return false;
    }
    if plain && (v.parse::<f64>().is_ok() || v.parse::<i64>().is_ok()) {
        return false;
    }
    if v.contains("{{") || v.contains("${") || v.contains("$(") || v.contains("#{") {
        return false;
    }
    if v.starts_with('$') && v[1..].starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') {
        return false;
    }
    if is_reference(v, false)
        || v.contains("secretKeyRef")
        || super::sops_config::is_encrypted_value(v)
    {
        return false;
    }
    if (v.starts_with('/') || v.starts_with("./") || v.starts_with("~/"))
        && !v.contains(char::is_whitespace)
    {
        return false;
    }
    if is_placeholder(&lower, key) {
        return false;
    }
    // `tlsSecret: my-tls`: a `*secret` key holding a resource name names a Secret.
    if key.ends_with("secret") && is_resource_name(v) {
        return false;
    }
    true
}

/// A Kubernetes resource name (DNS-1123 subdomain).
fn is_resource_name(v: &str) -> bool {
    let b = v.as_bytes();
    !b.is_empty()
        && b.len() <= 253
        && b.iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-' || *c == b'.')
        && b[0].is_ascii_alphanumeric()
        && b[b.len() - 1].is_ascii_alphanumeric()
}

/// Obvious placeholders: not the credential itself.
fn is_placeholder(lower: &str, key: &str) -> bool {
    const WORDS: &[&str] = &[
        "todo",
        "tbd",
        "fixme",
        "dummy",
        "none",
        "nil",
        "n/a",
        "na",
        "changeme",
        "change-me",
        "change_me",
        "changeit",
        "replaceme",
        "replace-me",
        "replace_me",
        "placeholder",
        "example",
        "secret",
        "password",
        "passwd",
        "token",
        "redacted",
        "hidden",
        "masked",
        "empty",
        "default",
        "unset",
        "notset",
        "not-set",
        "foo",
        "bar",
        "foobar",
        "test",
        "sample",
        "undefined",
        "tobereplaced",
    ];
    const PREFIXES: &[&str] = &[
        "fake",
        "dummy",
        "example",
        "your",
        "replace",
        "change",
        "insert",
        "enter",
        "todo",
        "tbd",
        "placeholder",
        "sample",
    ];
    if WORDS.contains(&lower) || PREFIXES.iter().any(|p| lower.starts_with(p)) {
        return true;
    }
    let wrapped = |o: char, c: char| lower.starts_with(o) && lower.ends_with(c);
    if lower.len() >= 2
        && (wrapped('<', '>') || wrapped('[', ']') || wrapped('(', ')') || wrapped('%', '%'))
    {
        return true;
    }
    if lower.chars().all(|c| "*x.#-_ ?".contains(c)) {
        return true;
    }
    normalize(lower) == key
}

type ListCache = Mutex<HashMap<Vec<u8>, Arc<Vec<(String, String)>>>>;

/// Parses a helmfile or kustomization once per content: the paths it lists, each with what
/// lists it.
fn cached_listing(
    bytes: &[u8],
    f: fn(&str) -> Vec<(String, String)>,
) -> Arc<Vec<(String, String)>> {
    static CACHE: LazyLock<ListCache> = LazyLock::new(|| Mutex::new(HashMap::new()));
    let mut key = bytes.to_vec();
    key.push(f as usize as u8);
    if let Some(hit) = CACHE
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .get(&key)
    {
        return hit.clone();
    }
    let listed = Arc::new(std::str::from_utf8(bytes).map(f).unwrap_or_default());
    let mut cache = CACHE
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if cache.len() >= 1024 {
        cache.clear();
    }
    cache.insert(key, listed.clone());
    listed
}

/// The values files a helmfile lists (`releases[].values[]`, `environments.*.values[]`),
/// as written.
fn helmfile_values(text: &str) -> Vec<(String, String)> {
    let docs = parse_stream(
        text,
        &ParseOptions {
            tolerant: true,
            ..ParseOptions::default()
        },
    );
    let mut out = Vec::new();
    for root in docs.iter().filter_map(|d| d.root.as_ref()) {
        let mut lists: Vec<&Node> = root
            .get("releases")
            .and_then(Node::as_seq)
            .unwrap_or_default()
            .iter()
            .filter_map(|r| r.get("values"))
            .collect();
        if let Some(envs) = root.get("environments").and_then(Node::as_map) {
            lists.extend(envs.iter().filter_map(|(_, e)| e.get("values")));
        }
        for list in lists {
            for item in list.as_seq().unwrap_or_default() {
                if let Some(s) = item.as_scalar()
                    && !s.templated
                    && !s.text.contains("{{")
                {
                    out.push((s.text.clone(), String::new()));
                }
            }
        }
    }
    out
}

/// The files kustomize generators read (`envs`, `env`, `files`), each with its generator.
fn generator_files(text: &str) -> Vec<(String, String)> {
    let docs = parse_stream(text, &ParseOptions::default());
    let mut out = Vec::new();
    for root in docs.iter().filter_map(|d| d.root.as_ref()) {
        for field in ["secretGenerator", "configMapGenerator"] {
            for g in root.get(field).and_then(Node::as_seq).unwrap_or_default() {
                let name = g.get("name").and_then(Node::as_str).unwrap_or("?");
                let what = format!("a file of kustomize {field} `{name}`");
                let mut items: Vec<&str> = Vec::new();
                for key in ["envs", "files"] {
                    items.extend(
                        g.get(key)
                            .and_then(Node::as_seq)
                            .unwrap_or_default()
                            .iter()
                            .filter_map(Node::as_str),
                    );
                }
                items.extend(g.get("env").and_then(Node::as_str));
                for item in items {
                    // `files: [key=path]`
                    let file = item.split_once('=').map_or(item, |(_, p)| p);
                    out.push((file.trim().to_string(), what.clone()));
                }
            }
        }
    }
    out
}

/// `dir/rel` with `.` and `..` resolved; `None` when it leaves the repository.
fn resolve(dir: &str, rel: &str) -> Option<String> {
    let mut parts: Vec<&str> = if rel.starts_with('/') {
        Vec::new()
    } else {
        dir.split('/').filter(|p| !p.is_empty()).collect()
    };
    for part in rel.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            p => parts.push(p),
        }
    }
    Some(parts.join("/"))
}

/// The helmfile that lists `path` as a values file, if any.
fn helmfile_listing(repo: &dyn RepoView, path: &str) -> Option<String> {
    for candidate in repo.paths() {
        if !is_helmfile(candidate) || candidate == path {
            continue;
        }
        let Some(bytes) = repo.read(candidate) else {
            continue;
        };
        let listed = cached_listing(&bytes, helmfile_values);
        let dir = dir_of(candidate);
        if listed
            .iter()
            .any(|(p, _)| resolve(dir, p).as_deref() == Some(path))
        {
            return Some(candidate.clone());
        }
    }
    None
}

/// The kustomize generator (in the file's folder or above) that reads `path`, if any.
fn generator_listing(repo: &dyn RepoView, path: &str) -> Option<String> {
    let mut dir = path;
    loop {
        dir = dir_of(dir);
        for name in ["kustomization.yaml", "kustomization.yml", "Kustomization"] {
            let candidate = join(dir, name);
            let Some(bytes) = repo.read(&candidate) else {
                continue;
            };
            let listed = cached_listing(&bytes, generator_files);
            if let Some((_, what)) = listed
                .iter()
                .find(|(p, _)| resolve(dir, p).as_deref() == Some(path))
            {
                return Some(what.clone());
            }
        }
        if dir.is_empty() {
            return None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals_and_not() {
        for (key, value) in [
            ("password", "s3cr3t-Pa55"),
            ("clientsecret", "Zq8-Kp2_vX"),
            ("token", "ghp_0123456789abcdef"),
            ("secret", "hunter2!"),
            ("apikey", "1234-abcd-5678"),
        ] {
            assert!(is_literal_credential(key, value, true), "{key}: {value}");
        }
        for (key, value, plain) in [
            ("password", "", true),
            ("password", "true", false),
            ("password", "4711", true),
            ("password", "{{ .Values.x }}", true),
            ("password", "${DB_PASSWORD}", true),
            ("password", "$(cat /run/pw)", true),
            ("password", "$DB_PASSWORD", true),
            ("password", "ref+vault://a#/b", true),
            ("password", "<path:kv/db#pw>", true),
            ("password", "op://vault/item/field", true),
            ("password", "ENC[AES256_GCM,data:x,type:str]", true),
            ("password", "/run/secrets/db", true),
            ("password", "changeme", true),
            ("password", "CHANGE_ME", true),
            ("password", "fakepassword", true),
            ("password", "<your-password>", true),
            ("password", "********", true),
            ("password", "xxxx", true),
            ("password", "todo", true),
            ("password", "password", true),
            ("tlssecret", "my-tls", true),
            ("secret", "vault-tls", true),
        ] {
            assert!(!is_literal_credential(key, value, plain), "{key}: {value}");
        }
        // Quoted numbers are strings.
        assert!(is_literal_credential("pin", "4711", false));
    }

    #[test]
    fn paths_resolve_inside_the_repository() {
        assert_eq!(
            resolve("helmfiles/jx", "../../values/a.yaml").as_deref(),
            Some("values/a.yaml")
        );
        assert_eq!(resolve("a", "./b/../c.env").as_deref(), Some("a/c.env"));
        assert_eq!(resolve("", "../x"), None);
        assert_eq!(resolve("a", "/etc/x").as_deref(), Some("etc/x"));
    }

    #[test]
    fn literal_block_spans_map_back_line_by_line() {
        let text = "spec:\n  values: |\n    a: 1\n    db:\n      password: x9-Y\n  other: 1\n";
        let docs = parse_stream(text, &ParseOptions::default());
        let node = docs[0]
            .root
            .as_ref()
            .and_then(|r| r.at(&["spec", "values"]))
            .unwrap();
        let inner = node.as_str().unwrap();
        let map = SpanMap::new(text, node);
        let at = inner.find("x9-Y").unwrap();
        let span = map.map(inner, &(at..at + 4));
        assert_eq!(&text[span], "x9-Y");
    }

    #[test]
    fn listings() {
        let h = helmfile_values(
            "releases:\n- name: a\n  values:\n  - v.yaml\n  - {{ .Environment.Name }}.yaml\n  - inline: {x: 1}\nenvironments:\n  prod:\n    values: [env/prod.yaml]\n",
        );
        let paths: Vec<_> = h.iter().map(|x| x.0.as_str()).collect();
        assert_eq!(paths, vec!["v.yaml", "env/prod.yaml"]);
        let g = generator_files(
            "secretGenerator:\n- name: s\n  envs: [a.env]\n  env: b.env\n  files: [k=c.txt, d.txt]\n",
        );
        let paths: Vec<_> = g.iter().map(|x| x.0.as_str()).collect();
        assert_eq!(paths, vec!["a.env", "c.txt", "d.txt", "b.env"]);
    }
}
