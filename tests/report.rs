//! `gitops-guard report`: the inventory of real trees, checked against what the test reads
//! from the same files itself (serde_saphyr, not the tool's parser), and `--range` over a
//! real history, with exact values.

#![allow(clippy::unwrap_used)]

mod common;

use common::{TestRepo, copy_tree};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// A tree of `tests/fixtures/corpus` (always in the checkout).
fn corpus(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/corpus")
        .join(name);
    assert!(dir.is_dir(), "corpus tree {} is missing", dir.display());
    dir
}

/// A repository holding a copy of a corpus tree, committed.
fn corpus_repo(name: &str) -> TestRepo {
    let repo = TestRepo::new();
    copy_tree(&corpus(name), repo.path());
    repo.git(&["add", "-A"]);
    repo.commit("import");
    repo
}

/// `report --format json ARGS` in the repository; asserts exit 0 and an empty stderr.
fn report(repo: &TestRepo, args: &[&str]) -> Value {
    let out = repo
        .cmd()
        .arg("report")
        .args(args)
        .args(["--format", "json"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["version"], 1);
    v
}

fn yaml_docs(path: &Path) -> Vec<Value> {
    let text = std::fs::read_to_string(path).unwrap();
    serde_saphyr::from_multiple::<Value>(&text)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn s(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// `versionStream/charts/<prefix>/<name>/defaults.yaml` (release name, then chart name).
fn stream_version(tree: &Path, chart: &str, release: &str) -> Option<String> {
    let (prefix, name) = chart.split_once('/')?;
    for n in [release, name] {
        let file = tree.join(format!("versionStream/charts/{prefix}/{n}/defaults.yaml"));
        if file.is_file() {
            let doc: Value = serde_saphyr::from_str(&std::fs::read_to_string(&file).unwrap())
                .unwrap_or(Value::Null);
            if let Some(v) = s(&doc["version"]) {
                return Some(v);
            }
        }
    }
    None
}

/// (namespace, name) → (chart, version, stream version, repository), read from the
/// helmfiles the root `helmfile.yaml` lists and the tree's version stream.
type Expected = BTreeMap<(String, String), (String, Option<String>, Option<String>, String)>;

fn expected_releases(tree: &Path) -> Expected {
    let mut out = BTreeMap::new();
    let root = &yaml_docs(&tree.join("helmfile.yaml"))[0];
    for include in root["helmfiles"].as_array().unwrap() {
        let path = tree.join(include["path"].as_str().unwrap());
        let docs = yaml_docs(&path);
        let mut repos = BTreeMap::new();
        for d in &docs {
            for r in d["repositories"].as_array().into_iter().flatten() {
                repos.insert(s(&r["name"]).unwrap(), s(&r["url"]).unwrap());
            }
        }
        for d in &docs {
            let ns = s(&d["namespace"]);
            for r in d["releases"].as_array().into_iter().flatten() {
                let chart = s(&r["chart"]).unwrap();
                let name = s(&r["name"]).unwrap();
                let stream = stream_version(tree, &chart, &name);
                let version = s(&r["version"]).or(stream.clone());
                let prefix = chart.split('/').next().unwrap().to_string();
                let ns = s(&r["namespace"]).or(ns.clone()).unwrap();
                out.insert(
                    (ns, name),
                    (chart, version, stream, repos.get(&prefix).cloned().unwrap()),
                );
            }
        }
    }
    out
}

fn reported_releases(json: &Value) -> Expected {
    let mut out = BTreeMap::new();
    for r in json["releases"].as_array().unwrap() {
        if r["type"] != "helmfile" {
            continue;
        }
        let key = (s(&r["namespace"]).unwrap(), s(&r["name"]).unwrap());
        let value = (
            s(&r["chart"]).unwrap(),
            s(&r["version"]),
            s(&r["stream_version"]),
            s(&r["repository"]).unwrap(),
        );
        assert!(out.insert(key.clone(), value).is_none(), "{key:?} twice");
    }
    out
}

const JX3_REPOS: &[&str] = &[
    "Morgan-Jenkins-X__jx3-eks-vault",
    "SkisocksOrg__jx3-azure-akv-cluster",
    "evillgenius75__jx3-gke-gsm",
];

#[test]
fn jx3_releases_equal_the_helmfiles_and_the_version_stream() {
    for name in JX3_REPOS {
        let tree = corpus(name);
        let repo = corpus_repo(name);
        let json = report(&repo, &[]);
        assert_eq!(json["layout"], "jx3", "{name}");
        assert_eq!(json["source"], json!({"type": "index"}));
        let expected = expected_releases(&tree);
        assert!(expected.len() >= 15, "{name}: {expected:?}");
        assert_eq!(reported_releases(&json), expected, "{name}");
        // Every helmfile release is pinned and says where its version comes from.
        for r in json["releases"].as_array().unwrap() {
            if r["type"] == "helmfile" {
                assert_eq!(r["pinned"], true, "{name}: {r}");
                assert_eq!(r["version_source"], "release", "{name}: {r}");
            }
        }
        // The same commit gives the same releases.
        let by_rev = report(&repo, &["--rev", "HEAD"]);
        assert_eq!(reported_releases(&by_rev), expected, "{name} --rev");
        assert_eq!(by_rev["source"]["type"], "commit");
    }
}

#[test]
fn jx3_releases_without_versions_take_them_from_the_version_stream() {
    for name in JX3_REPOS {
        let tree = corpus(name);
        let repo = corpus_repo(name);
        // Remove every `version:` of the helmfiles, in the test's copy and the repository.
        let copy = tempfile::tempdir().unwrap();
        copy_tree(&tree, copy.path());
        for dir in std::fs::read_dir(copy.path().join("helmfiles")).unwrap() {
            let file = dir.unwrap().path().join("helmfile.yaml");
            let text = std::fs::read_to_string(&file).unwrap();
            let stripped: String = text
                .lines()
                .filter(|l| !l.trim_start().starts_with("version:"))
                .map(|l| format!("{l}\n"))
                .collect();
            std::fs::write(&file, &stripped).unwrap();
            let rel = file.strip_prefix(copy.path()).unwrap();
            repo.stage(rel.to_str().unwrap(), &stripped);
        }
        let expected = expected_releases(copy.path());
        let json = report(&repo, &[]);
        assert_eq!(reported_releases(&json), expected, "{name}");
        for r in json["releases"].as_array().unwrap() {
            if r["type"] != "helmfile" {
                continue;
            }
            let pinned_by_stream = !r["stream_version"].is_null();
            assert_eq!(r["pinned"], pinned_by_stream, "{name}: {r}");
            if pinned_by_stream {
                assert_eq!(r["version_source"], "version-stream", "{name}: {r}");
            } else {
                assert_eq!(r["verdict"], "GG204", "{name}: {r}");
            }
        }
        // The index is reported, not HEAD: HEAD still has the versions.
        let head = report(&repo, &["--rev", "HEAD"]);
        assert_eq!(reported_releases(&head), expected_releases(&tree), "{name}");
    }
}

/// Every `HelmRelease` of the Flux example, read by the test: path, namespace, name, and the
/// version that is installed (the release's own, an OCIRepository's `ref` for `chartRef`).
#[test]
fn flux_helm_releases_and_versions() {
    let name = "fluxcd__flux2-kustomize-helm-example";
    let tree = corpus(name);
    let mut docs: Vec<(String, Value)> = Vec::new();
    let mut stack = vec![tree.clone()];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "yaml" || x == "yml") {
                let rel = p
                    .strip_prefix(&tree)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                for d in yaml_docs(&p) {
                    docs.push((rel.clone(), d));
                }
            }
        }
    }
    let oci: BTreeMap<(String, String), Value> = docs
        .iter()
        .filter(|(_, d)| d["kind"] == "OCIRepository")
        .map(|(_, d)| {
            (
                (
                    s(&d["metadata"]["namespace"]).unwrap(),
                    s(&d["metadata"]["name"]).unwrap(),
                ),
                d.clone(),
            )
        })
        .collect();
    let mut expected = BTreeSet::new();
    for (path, d) in &docs {
        if d["kind"] != "HelmRelease" {
            continue;
        }
        let ns = s(&d["metadata"]["namespace"]).unwrap();
        let name = s(&d["metadata"]["name"]).unwrap();
        let spec = &d["spec"];
        let version = s(&spec["chart"]["spec"]["version"]).or_else(|| {
            let r = &spec["chartRef"];
            let src = oci.get(&(ns.clone(), s(&r["name"])?))?;
            s(&src["spec"]["ref"]["semver"]).or(s(&src["spec"]["ref"]["tag"]))
        });
        expected.insert((path.clone(), ns, name, version));
    }
    assert_eq!(expected.len(), 5, "{expected:?}");

    let repo = corpus_repo(name);
    let json = report(&repo, &[]);
    let got: BTreeSet<_> = json["releases"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["type"] == "flux")
        .map(|r| {
            (
                s(&r["path"]).unwrap(),
                s(&r["namespace"]).unwrap(),
                s(&r["name"]).unwrap(),
                s(&r["version"]),
            )
        })
        .collect();
    assert_eq!(got, expected);
    // Overlays inherit the chart and source of the base; every one floats (a range). The base
    // has no version of its own, but both overlays patch one in: GG204 judges the overlays.
    let podinfo: Vec<_> = json["releases"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["name"] == "podinfo")
        .map(|r| {
            (
                s(&r["environment"]).unwrap(),
                s(&r["chart"]),
                s(&r["repository"]),
                r["patch"].as_bool().unwrap(),
                s(&r["verdict"]),
            )
        })
        .collect();
    let src = Some("https://stefanprodan.github.io/podinfo".to_string());
    let chart = Some("podinfo".to_string());
    let gg204 = Some("GG204".to_string());
    assert_eq!(
        podinfo,
        vec![
            ("".into(), chart.clone(), src.clone(), false, None),
            (
                "production".into(),
                chart.clone(),
                src.clone(),
                true,
                gg204.clone()
            ),
            ("staging".into(), chart, src, true, gg204),
        ]
    );
    let envs: Vec<_> = json["environments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| s(&e["name"]).unwrap())
        .collect();
    assert_eq!(envs, ["", "production", "staging"]);
}

#[test]
fn images_secrets_and_findings_of_a_real_tree() {
    let repo = corpus_repo("SkisocksOrg__jx3-azure-akv-cluster");
    let json = report(&repo, &[]);
    // Its two `:latest` Tekton images (see tests/fixtures/corpus/README.md).
    let latest: Vec<(String, String, String)> = json["workloads"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|w| w["images"].as_array().unwrap().iter().map(move |i| (w, i)))
        .filter(|(_, i)| i["verdict"] == "GG201")
        .map(|(w, i)| {
            assert_eq!(i["pinned"], false);
            assert_eq!(i["tag"], "latest");
            (
                s(&w["namespace"]).unwrap(),
                s(&w["name"]).unwrap(),
                s(&i["image"]).unwrap(),
            )
        })
        .collect();
    assert_eq!(latest.len(), 2, "{latest:?}");
    let findings_201 = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == "GG201")
        .count();
    assert_eq!(findings_201, 2);
    // azureKeyVault ExternalSecrets: store and remote keys, never a value.
    let es = json["external_secrets"].as_array().unwrap();
    assert!(!es.is_empty());
    for e in es {
        assert_eq!(e["operator"], "kes", "{e}");
        assert_eq!(e["store"]["name"], "azureKeyVault", "{e}");
        assert!(!e["keys"].as_array().unwrap().is_empty(), "{e}");
    }
    // Every namespace row counts what the lists hold.
    for n in json["namespaces"].as_array().unwrap() {
        let ns = &n["name"];
        let count = |list: &str| {
            json[list]
                .as_array()
                .unwrap()
                .iter()
                .filter(|x| &x["namespace"] == ns)
                .count()
        };
        assert_eq!(n["releases"], count("releases"), "{n}");
        assert_eq!(n["workloads"], count("workloads"), "{n}");
        assert_eq!(n["external_secrets"], count("external_secrets"), "{n}");
        assert_eq!(n["findings"], count("findings"), "{n}");
    }
}

#[test]
fn formats_out_folder_links_and_sources() {
    let repo = TestRepo::new();
    repo.stage(
        "apps/web-deploy.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: apps\nspec:\n  template:\n    spec:\n      containers:\n      - name: web\n        image: nginx:latest\n",
    );
    repo.stage(
        "apps/db-secret.yaml",
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\n  namespace: apps\nstringData:\n  password: hunter2-marker\n",
    );
    repo.commit("base");
    // Markdown on stdout by default, links relative to the root.
    let out = repo.cmd().arg("report").output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let md = String::from_utf8(out.stdout).unwrap();
    assert!(md.starts_with("# Cluster inventory\n"), "{md}");
    assert!(
        md.contains("[Deployment web](apps/web-deploy.yaml#L1)"),
        "{md}"
    );
    assert!(md.contains("❌ GG201"), "{md}");
    assert!(
        md.contains("| apps | [db](apps/db-secret.yaml#L1) | password | ❌ GG101 |"),
        "{md}"
    );
    assert!(!md.contains("hunter2"), "{md}");
    // --out writes the three files, links relative to the folder.
    let out = repo
        .cmd()
        .args(["report", "--out", "docs/inventory"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.stdout.is_empty());
    let md = std::fs::read_to_string(repo.join("docs/inventory/report.md")).unwrap();
    assert!(
        md.contains("[Deployment web](../../apps/web-deploy.yaml#L1)"),
        "{md}"
    );
    let html = std::fs::read_to_string(repo.join("docs/inventory/report.html")).unwrap();
    assert!(html.contains("href=\"../../apps/web-deploy.yaml#L1\""));
    assert!(html.starts_with("<!doctype html>"));
    let json: Value = serde_json::from_str(
        &std::fs::read_to_string(repo.join("docs/inventory/report.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(json["report"], "inventory");
    // --links sets the prefix.
    let out = repo
        .cmd()
        .args(["report", "--links", "https://git.example/o/r/blob/main/"])
        .output()
        .unwrap();
    let md = String::from_utf8(out.stdout).unwrap();
    assert!(
        md.contains("(https://git.example/o/r/blob/main/apps/web-deploy.yaml#L1)"),
        "{md}"
    );

    // The index, not HEAD: a staged image change shows in `report`, not in `--rev HEAD`.
    repo.stage(
        "apps/web-deploy.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: apps\nspec:\n  template:\n    spec:\n      containers:\n      - name: web\n        image: nginx:1.27.3\n",
    );
    repo.write("apps/web-deploy.yaml", "not what is staged\n");
    let image = |json: &Value| json["workloads"][0]["images"][0]["image"].clone();
    assert_eq!(image(&report(&repo, &[])), "nginx:1.27.3");
    assert_eq!(image(&report(&repo, &["--rev", "HEAD"])), "nginx:latest");
    let j = report(&repo, &["--rev", "HEAD"]);
    assert_eq!(j["workloads"][0]["images"][0]["verdict"], "GG201");
    assert_eq!(j["raw_secrets"][0]["keys"], json!(["password"]));
    assert_eq!(j["raw_secrets"][0]["reported"], true);

    // A folder on disk: paths relative to it.
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("out/apps")).unwrap();
    std::fs::write(
        dir.path().join("out/apps/web.yaml"),
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: apps}\nspec: {template: {spec: {containers: [{name: web, image: 'nginx@sha256:50d858e0985ecc7f60418aaf0cc5ab587f42c2570a884095a9e8ccacd0f6545c'}]}}}\n",
    )
    .unwrap();
    let mut cmd = repo.cmd_in(dir.path());
    let out = cmd
        .args(["report", "--no-git", "out", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let j: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(j["source"], json!({"type": "directory", "path": "out"}));
    assert_eq!(j["workloads"][0]["path"], "apps/web.yaml");
    assert_eq!(j["workloads"][0]["images"][0]["pinned"], true);
    assert_eq!(j["workloads"][0]["images"][0]["repository"], "nginx");

    // Usage errors exit 2.
    let out = repo
        .cmd()
        .args(["report", "--rev", "nope"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let out = repo
        .cmd()
        .args(["report", "--range", "HEAD..HEAD", "--format", "html"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

// ---- --range ----

/// The JSON of `report --range RANGE`.
fn range(repo: &TestRepo, spec: &str) -> Value {
    let v = report(repo, &["--range", spec]);
    assert_eq!(v["report"], "changes");
    v
}

/// (namespace, kind, name) of a list of resources.
fn ids(list: &Value) -> Vec<(String, String, String)> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                s(&r["namespace"]).unwrap(),
                s(&r["kind"]).unwrap(),
                s(&r["name"]).unwrap(),
            )
        })
        .collect()
}

#[test]
fn range_over_a_real_history_shows_exactly_what_changed() {
    let repo = corpus_repo("Morgan-Jenkins-X__jx3-eks-vault");
    let base = String::from_utf8(repo.git(&["rev-parse", "HEAD"]).stdout).unwrap();
    let base = base.trim();
    // 1. Upgrade a chart.
    let hf = std::fs::read_to_string(repo.join("helmfiles/jx/helmfile.yaml")).unwrap();
    repo.stage(
        "helmfiles/jx/helmfile.yaml",
        hf.replace("version: 1.7.4", "version: 1.10.0"),
    );
    repo.commit("lighthouse 1.10.0");
    // 2. Change an image (to a mutable tag).
    let deploy = "config-root/namespaces/jx/jx-build-controller/jx-build-controller-deploy.yaml";
    let text = std::fs::read_to_string(repo.join(deploy)).unwrap();
    assert!(text.contains("ghcr.io/jenkins-x/jx-build-controller:0.4.0"));
    repo.stage(
        deploy,
        text.replace(
            "ghcr.io/jenkins-x/jx-build-controller:0.4.0",
            "ghcr.io/jenkins-x/jx-build-controller:latest",
        ),
    );
    repo.commit("build controller: latest");
    // 3. Add a namespace, with a ConfigMap in it.
    repo.stage(
        "config-root/cluster/namespaces/team-a.yaml",
        "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: team-a\n",
    );
    repo.stage(
        "config-root/namespaces/team-a/settings/settings-cm.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  namespace: team-a\ndata:\n  mode: blue\n",
    );
    repo.commit("team-a");
    // 4. Remove a resource.
    repo.git(&[
        "rm",
        "-q",
        "config-root/namespaces/jx/chartmuseum/jenkins-x-chartmuseum-persistentvolumeclaim.yaml",
    ]);
    repo.commit("no chartmuseum volume");
    // A commit that changes nothing in the cluster (a comment).
    let jx_ns =
        std::fs::read_to_string(repo.join("config-root/cluster/namespaces/jx.yaml")).unwrap();
    repo.stage(
        "config-root/cluster/namespaces/jx.yaml",
        format!("# the jx namespace\n{jx_ns}"),
    );
    repo.commit("comment");

    let c = range(&repo, &format!("{base}..HEAD"));
    assert_eq!(c["base"]["commit"], base);
    assert_eq!(c["head"]["rev"], "HEAD");
    assert_eq!(
        c["files_changed"],
        json!([
            "config-root/cluster/namespaces/jx.yaml",
            "config-root/cluster/namespaces/team-a.yaml",
            "config-root/namespaces/jx/chartmuseum/jenkins-x-chartmuseum-persistentvolumeclaim.yaml",
            deploy,
            "config-root/namespaces/team-a/settings/settings-cm.yaml",
            "helmfiles/jx/helmfile.yaml",
        ])
    );
    assert_eq!(
        c["namespaces"],
        json!({"added": [{"environment": "automation-mgmt-eks", "name": "team-a"}], "removed": []})
    );
    // Releases: the upgrade, and the new namespace's release folder.
    let r = &c["releases"];
    assert_eq!(r["removed"], json!([]));
    assert_eq!(r["downgraded"], json!([]));
    assert_eq!(r["changed"], json!([]));
    assert_eq!(r["upgraded"].as_array().unwrap().len(), 1);
    let up = &r["upgraded"][0];
    assert_eq!(
        (
            &up["namespace"],
            &up["name"],
            &up["chart"],
            &up["version"],
            &up["repository"]["to"],
            &up["pinned"]
        ),
        (
            &json!("jx"),
            &json!("lighthouse"),
            &json!({"from": "jxgh/lighthouse", "to": "jxgh/lighthouse"}),
            &json!({"from": "1.7.4", "to": "1.10.0"}),
            &json!("https://jenkins-x-charts.github.io/repo"),
            &json!(true)
        )
    );
    let added: Vec<_> = r["added"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| {
            (
                s(&x["namespace"]).unwrap(),
                s(&x["name"]).unwrap(),
                s(&x["type"]).unwrap(),
            )
        })
        .collect();
    assert_eq!(
        added,
        [("team-a".into(), "settings".into(), "jx3-folder".into())]
    );
    // The image, newly unpinned.
    let images = &c["images"];
    assert_eq!(images["changed"].as_array().unwrap().len(), 1);
    let i = &images["changed"][0];
    assert_eq!(
        (
            &i["namespace"],
            &i["workload_kind"],
            &i["workload"],
            &i["container"],
            &i["from"],
            &i["to"],
            &i["verdict"]
        ),
        (
            &json!("jx"),
            &json!("Deployment"),
            &json!("jx-build-controller"),
            &json!("jx-build-controller"),
            &json!("ghcr.io/jenkins-x/jx-build-controller:0.4.0"),
            &json!("ghcr.io/jenkins-x/jx-build-controller:latest"),
            &json!("GG201")
        )
    );
    assert_eq!(images["newly_unpinned"], json!([i.clone()]));
    // Resources: added, removed, modified (the comment changed nothing).
    let res = &c["resources"];
    assert_eq!(
        ids(&res["added"]),
        // In identity order: API group, kind, namespace, name.
        [
            ("team-a".into(), "ConfigMap".into(), "settings".into()),
            ("".into(), "Namespace".into(), "team-a".into()),
        ]
    );
    assert_eq!(
        ids(&res["removed"]),
        [(
            "jx".into(),
            "PersistentVolumeClaim".into(),
            "jenkins-x-chartmuseum".into()
        )]
    );
    assert_eq!(
        ids(&res["modified"]),
        [(
            "jx".into(),
            "Deployment".into(),
            "jx-build-controller".into()
        )]
    );
    // Called out: the new Namespace is cluster-scoped; no RBAC changed.
    assert_eq!(
        ids(&c["cluster_scoped"]["added"]),
        [("".into(), "Namespace".into(), "team-a".into())]
    );
    assert_eq!(c["cluster_scoped"]["removed"], json!([]));
    assert_eq!(c["cluster_scoped"]["modified"], json!([]));
    assert_eq!(
        c["rbac"],
        json!({"added": [], "removed": [], "modified": []})
    );
    assert_eq!(
        c["external_secrets"],
        json!({"added": [], "removed": [], "changed": []})
    );
    // The one finding the change introduces: the `latest` tag.
    let new: Vec<_> = c["findings"]["new"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                s(&f["code"]).unwrap(),
                s(&f["path"]).unwrap(),
                s(&f["namespace"]).unwrap(),
            )
        })
        .collect();
    assert_eq!(new, [("GG201".into(), deploy.into(), "jx".into())]);
    assert_eq!(c["findings"]["resolved"], json!([]));
    assert_eq!(
        c["summary"],
        json!({
            "files_changed": 6, "namespaces_added": 1, "namespaces_removed": 0,
            "releases_added": 1, "releases_removed": 0, "releases_upgraded": 1,
            "releases_downgraded": 0, "releases_changed": 0, "images_changed": 1,
            "images_newly_unpinned": 1, "resources_added": 2, "resources_removed": 1,
            "resources_modified": 1, "rbac_changes": 0, "cluster_scoped_changes": 1,
            "external_secrets_changes": 0, "new_findings": 1, "resolved_findings": 0
        })
    );

    // Each step alone, and the Markdown for a pull request.
    let one = range(&repo, &format!("{base}..{base}"));
    assert_eq!(one["files_changed"], json!([]));
    assert_eq!(one["summary"]["files_changed"], 0);
    let out = repo
        .cmd()
        .args(["report", "--range", &format!("{base}..HEAD")])
        .output()
        .unwrap();
    let md = String::from_utf8(out.stdout).unwrap();
    assert!(md.contains("| ⬆️ upgraded | jx | [lighthouse](helmfiles/jx/helmfile.yaml#L45) | jxgh/lighthouse | 1.7.4 → 1.10.0 | ✅ |"), "{md}");
    assert!(md.contains("### ⚠️ Newly unpinned images"), "{md}");
    assert!(md.contains("- ➕ added: team-a"), "{md}");
    let out = repo
        .cmd()
        .args(["report", "--range", "HEAD~1..HEAD"])
        .output()
        .unwrap();
    let md = String::from_utf8(out.stdout).unwrap();
    assert!(
        md.contains("No change to what runs in the cluster."),
        "{md}"
    );
}

#[test]
fn range_downgrades_chart_repositories_rbac_and_external_secrets() {
    let repo = TestRepo::new();
    repo.stage(
        "helmfile.yaml",
        "repositories:\n- {name: a, url: https://a.example/charts}\n- {name: b, url: https://b.example/charts}\nreleases:\n- {name: web, namespace: apps, chart: a/web, version: 2.0.0}\n- {name: db, namespace: apps, chart: a/db, version: 1.0.0}\n- {name: cache, namespace: apps, chart: a/cache, version: 1.0.0}\n",
    );
    repo.stage(
        "apps/rbac.yaml",
        "apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata: {name: reader, namespace: apps}\nrules:\n- {apiGroups: [''], resources: [pods], verbs: [get]}\n",
    );
    repo.stage(
        "apps/es.yaml",
        "apiVersion: external-secrets.io/v1\nkind: ExternalSecret\nmetadata: {name: db, namespace: apps}\nspec:\n  secretStoreRef: {kind: ClusterSecretStore, name: old-store}\n  data:\n  - {secretKey: password, remoteRef: {key: apps/db, property: password}}\n",
    );
    repo.commit("base");
    repo.stage(
        "helmfile.yaml",
        "repositories:\n- {name: a, url: https://a.example/charts}\n- {name: b, url: https://b.example/charts}\nreleases:\n- {name: web, namespace: apps, chart: a/web, version: 1.9.9}\n- {name: db, namespace: apps, chart: b/db, version: 1.0.0}\n- {name: cache, namespace: apps, chart: a/cache, version: '~1.0'}\n",
    );
    repo.stage(
        "apps/rbac.yaml",
        "apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata: {name: reader, namespace: apps}\nrules:\n- {apiGroups: [''], resources: [pods, secrets], verbs: [get]}\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {name: admin}\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}\nsubjects:\n- {kind: ServiceAccount, name: default, namespace: apps}\n",
    );
    repo.stage(
        "apps/es.yaml",
        "apiVersion: external-secrets.io/v1\nkind: ExternalSecret\nmetadata: {name: db, namespace: apps}\nspec:\n  secretStoreRef: {kind: ClusterSecretStore, name: new-store}\n  data:\n  - {secretKey: password, remoteRef: {key: apps/db2, property: password}}\n",
    );
    repo.commit("head");
    let c = range(&repo, "HEAD~1..HEAD");
    let r = &c["releases"];
    assert_eq!(r["downgraded"][0]["name"], "web");
    assert_eq!(
        r["downgraded"][0]["version"],
        json!({"from": "2.0.0", "to": "1.9.9"})
    );
    let changed: Vec<_> = r["changed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| {
            (
                s(&x["name"]).unwrap(),
                x["repository"].clone(),
                x["version"].clone(),
                s(&x["verdict"]),
            )
        })
        .collect();
    assert_eq!(
        changed,
        [
            (
                "cache".to_string(),
                json!({"from": "https://a.example/charts", "to": "https://a.example/charts"}),
                json!({"from": "1.0.0", "to": "~1.0"}),
                Some("GG204".to_string())
            ),
            (
                "db".to_string(),
                json!({"from": "https://a.example/charts", "to": "https://b.example/charts"}),
                json!({"from": "1.0.0", "to": "1.0.0"}),
                None
            ),
        ]
    );
    assert_eq!(r["upgraded"], json!([]));
    assert_eq!(
        ids(&c["rbac"]["added"]),
        [("".into(), "ClusterRoleBinding".into(), "admin".into())]
    );
    assert_eq!(
        ids(&c["rbac"]["modified"]),
        [("apps".into(), "Role".into(), "reader".into())]
    );
    assert_eq!(
        ids(&c["cluster_scoped"]["added"]),
        [("".into(), "ClusterRoleBinding".into(), "admin".into())]
    );
    let es = &c["external_secrets"]["changed"][0];
    assert_eq!(es["store"]["from"]["name"], "old-store");
    assert_eq!(es["store"]["to"]["name"], "new-store");
    assert_eq!(es["keys_added"][0]["remote_key"], "apps/db2");
    assert_eq!(es["keys_removed"][0]["remote_key"], "apps/db");
    let new: Vec<_> = c["findings"]["new"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| s(&f["code"]).unwrap())
        .collect();
    assert_eq!(new, ["GG204"]);
}

#[test]
fn range_namespaces_of_unchanged_files_are_not_added() {
    // Plain manifests (no jx3 paths): a new Deployment in a namespace other files already
    // use adds no namespace; one in a new namespace does.
    let repo = TestRepo::new();
    repo.stage(
        "apps/a.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, namespace: shop}\n",
    );
    repo.commit("base");
    repo.stage(
        "apps/b.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: b, namespace: shop}\n",
    );
    repo.stage(
        "apps/c.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: billing}\n",
    );
    repo.commit("head");
    let c = range(&repo, "HEAD~1..HEAD");
    assert_eq!(
        c["namespaces"],
        json!({"added": [{"environment": "", "name": "billing"}], "removed": []})
    );
    assert_eq!(c["resources"]["added"].as_array().unwrap().len(), 2);
}

#[test]
fn range_with_three_dots_compares_with_the_merge_base() {
    // main moves on after the branch point; `main...feature` shows the feature's change only
    // (what a pull request of feature into main changes), `main..feature` both trees' diff.
    let repo = TestRepo::new();
    let cm = |name: &str| {
        format!("apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: {name}, namespace: apps}}\n")
    };
    repo.stage("apps/a.yaml", cm("a"));
    repo.commit("base");
    repo.git(&["checkout", "-q", "-b", "feature"]);
    repo.stage("apps/f.yaml", cm("f"));
    repo.commit("feature");
    repo.git(&["checkout", "-q", "main"]);
    repo.stage("apps/m.yaml", cm("m"));
    repo.commit("main moves on");
    let three = range(&repo, "main...feature");
    assert_eq!(three["range"], "main...feature");
    assert_eq!(
        ids(&three["resources"]["added"]),
        [("apps".into(), "ConfigMap".into(), "f".into())]
    );
    assert_eq!(three["resources"]["removed"], json!([]));
    let base = String::from_utf8(repo.git(&["rev-parse", "main~1"]).stdout).unwrap();
    assert_eq!(three["base"]["commit"], base.trim());
    let two = range(&repo, "main..feature");
    assert_eq!(
        ids(&two["resources"]["removed"]),
        [("apps".into(), "ConfigMap".into(), "m".into())]
    );
}

#[test]
fn hostile_input_never_breaks_a_report() {
    let repo = TestRepo::new();
    repo.stage("README.md", "base\n");
    repo.commit("base");
    let n = 100_000;
    repo.stage("deep/flow-seq.yaml", "[".repeat(n));
    repo.stage("deep/explicit-keys.yaml", format!("{}a\n", "? ".repeat(n)));
    let mut quad = String::from(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: q, namespace: x}\nspec:\n  template:\n    spec:\n      containers: &c\n      - {name: a, image: 'nginx:latest'}\n",
    );
    for i in 0..200 {
        quad.push_str(&format!("      k{i}: *c\n"));
    }
    repo.stage("bomb.yaml", quad);
    repo.stage(
        "bad-utf8.yaml",
        b"kind: ConfigMap\nmetadata: {name: \xff\xfe}\n".as_slice(),
    );
    // Names and paths with Markdown, HTML and link syntax in them.
    repo.stage(
        "odd/a|b](x)<y>.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: \"a|b](javascript:x)<script>\"\n  namespace: \"n|s`\"\nspec: {template: {spec: {containers: [{name: \"<i onmouseover=x>\", image: \"nginx:1.0\"}]}}}\n",
    );
    repo.stage(
        "odd/templated.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: '{{ .Values.name }}', namespace: t}\nspec: {template: {spec: {containers: [{name: c, image: '{{ .Values.image }}'}]}}}\n",
    );
    repo.stage(
        "helmfile.yaml",
        "releases:\n- {chart: '', name: x}\n- {chart: [a], name: y}\n- {chart: ./local, name: local}\n- chart: oci://ghcr.io/org/charts/app\n  version: 1.0.0\n",
    );
    repo.commit("hostile");
    for args in [
        &["--format", "markdown"][..],
        &["--format", "json"],
        &["--format", "html"],
        &["--rev", "HEAD"],
        &["--range", "HEAD~1..HEAD"],
        &["--range", "HEAD~1..HEAD", "--format", "json"],
    ] {
        let out = repo.cmd().arg("report").args(args).output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{args:?}: {err}");
        let text = String::from_utf8_lossy(&out.stdout);
        if !args.contains(&"json") {
            assert!(!text.contains("x)<script>"), "{args:?}: unescaped");
            assert!(!text.contains("<i onmouseover"), "{args:?}: unescaped");
        }
        if args[1] == "markdown" {
            // The name is escaped, the path percent-encoded: the link stays one link.
            assert!(
                text.contains("a\\|b\\](javascript:x)&lt;script&gt;"),
                "{text}"
            );
            assert!(
                text.contains("(odd/a%7Cb%5D%28x%29%3Cy%3E.yaml#L1)"),
                "{text}"
            );
        }
    }
    let j = report(&repo, &[]);
    let names: Vec<_> = j["releases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                s(&r["name"]).unwrap(),
                s(&r["repository"]),
                s(&r["version"]),
            )
        })
        .collect();
    assert!(names.contains(&("local".into(), None, None)), "{names:?}");
    assert!(
        names.contains(&(
            "app".into(),
            Some("oci://ghcr.io/org/charts".into()),
            Some("1.0.0".into())
        )),
        "{names:?}"
    );
}
