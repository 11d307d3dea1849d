//! End-to-end tests of the layout rules (GG301–GG304), the jx3 preset detection, custom
//! layouts, `init`, the move fix, and the real Jenkins X trees in `tests/fixtures/corpus/`.

#![allow(clippy::unwrap_used)] // helpers outside #[test] fns; a panic is a failed test

mod common;

use common::{TestRepo, f, findings};

const LAYOUT: &str = "GG301,GG302,GG303,GG304";
const REQUIREMENTS: &str = "apiVersion: core.jenkins-x.io/v4beta1\nkind: Requirements\nspec: {}\n";

fn cm(name: &str) -> String {
    format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\ndata:\n  a: b\n")
}

const PSP: &str = "# Source: tekton-pipeline/templates/psp.yaml\napiVersion: policy/v1beta1\nkind: PodSecurityPolicy\nmetadata:\n  name: tekton-pipelines\nspec:\n  privileged: false\n";

/// A repository that looks like Jenkins X v3.
fn jx3_repo() -> TestRepo {
    let repo = TestRepo::new();
    repo.stage("jx-requirements.yml", REQUIREMENTS);
    repo
}

fn check_layout(repo: &TestRepo) -> (i32, serde_json::Value) {
    repo.check_json(&["--all", "--select", LAYOUT])
}

fn ls_files(repo: &TestRepo) -> String {
    String::from_utf8_lossy(&repo.git(&["ls-files", "-s"]).stdout).into_owned()
}

fn blob_of(repo: &TestRepo, path: &str) -> String {
    let out = repo.git(&["rev-parse", &format!(":{path}")]);
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

#[test]
fn gg301_off_layout_paths_yaml_or_not() {
    let repo = jx3_repo();
    repo.stage(
        "helmfile.yaml",
        "helmfiles:\n- path: helmfiles/jx/helmfile.yaml\n",
    );
    repo.stage("helmfiles/jx/helmfile.yaml", "releases: []\n");
    repo.stage("config-root/namespaces/jx/app/app-cm.yaml", cm("app"));
    repo.stage(
        "config-root/namespaces/jx/source-repositories/README.md",
        "# repos\n",
    );
    repo.stage("config-root/namespaces/jx/notes.txt", "remember the milk\n");
    repo.stage("config-root/namespaces/jx/app/notes.txt", "and the eggs\n");
    repo.stage("config-root/namespaces/jx/loose-cm.yaml", cm("loose"));
    repo.stage(
        "tmp/debug-pod.yaml",
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: debug\n",
    );
    // Not UTF-8: path rules still judge it, and GG001 does not complain.
    repo.stage(
        "config-root/namespaces/jx/app/logo.txt",
        b"caf\xe9 au lait\n".as_slice(),
    );
    let (code, json) = check_layout(&repo);
    assert_eq!(code, 1, "{json}");
    assert_eq!(
        findings(&json),
        vec![
            f("GG301", "config-root/namespaces/jx/app/logo.txt", 1),
            f("GG301", "config-root/namespaces/jx/app/notes.txt", 1),
            f("GG301", "config-root/namespaces/jx/loose-cm.yaml", 1),
            f("GG301", "config-root/namespaces/jx/notes.txt", 1),
            f("GG301", "tmp/debug-pod.yaml", 1),
        ]
    );
    assert_eq!(json["findings"][0]["fixable"], false);
    let (_, all) = repo.check_json(&["--all"]);
    assert!(
        findings(&all).iter().all(|(code, _, _)| code != "GG001"),
        "{all}"
    );
}

#[test]
fn gg301_legacy_cluster_folders_and_rename_destinations() {
    let repo = jx3_repo();
    let cr = "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: tekton-bot\nrules: []\n";
    repo.stage(
        "config-root/cluster/jx/jxboot-helmfile-resources/tekton-bot-clusterrole.yaml",
        cr,
    );
    repo.stage(
        "config-root/cluster/namespaces/jx.yaml",
        "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: jx\n",
    );
    repo.commit("base");
    // Only staged changes are checked: the destination of a rename is, deletions never are.
    std::fs::create_dir_all(repo.join("misc")).unwrap();
    repo.git(&[
        "mv",
        "config-root/cluster/namespaces/jx.yaml",
        "misc/jx.yaml",
    ]);
    let (code, json) = repo.check_json(&["--select", LAYOUT]);
    assert_eq!(code, 1);
    assert_eq!(findings(&json), vec![f("GG301", "misc/jx.yaml", 1)]);
    repo.git(&["rm", "-q", "-f", "misc/jx.yaml"]);
    let (code, json) = repo.check_json(&["--select", LAYOUT]);
    assert_eq!(code, 0, "{json}");
    let (code, json) = check_layout(&repo);
    assert_eq!(code, 1);
    assert_eq!(
        findings(&json),
        vec![f(
            "GG301",
            "config-root/cluster/jx/jxboot-helmfile-resources/tekton-bot-clusterrole.yaml",
            1
        )]
    );
    let finding = &json["findings"][0];
    assert_eq!(finding["fixable"], true);
    assert!(
        finding["help"].as_str().unwrap().contains(
            "config-root/cluster/resources/jx/jxboot-helmfile-resources/tekton-bot-clusterrole.yaml"
        ),
        "{finding}"
    );
}

#[test]
fn preset_auto_detection_on_and_off() {
    // No jx-requirements.yml, no config-root/: layout rules are off.
    let repo = TestRepo::new();
    repo.stage(
        "tmp/debug-pod.yaml",
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: debug\n",
    );
    repo.stage("apps/notes.txt", "hi\n");
    let (code, json) = check_layout(&repo);
    assert_eq!((code, findings(&json)), (0, vec![]), "{json}");
    // Anything under config-root/ turns the jx3 preset on.
    repo.stage("config-root/namespaces/jx/app/app-cm.yaml", cm("app"));
    let (code, json) = check_layout(&repo);
    assert_eq!(code, 1);
    assert_eq!(
        findings(&json),
        vec![
            f("GG301", "apps/notes.txt", 1),
            f("GG301", "tmp/debug-pod.yaml", 1)
        ]
    );
    // `preset: none` turns it off again; `preset: jx3` forces it on without detection.
    repo.stage(".gitops-guard.yaml", "layout:\n  preset: none\n");
    let (code, json) = check_layout(&repo);
    assert_eq!((code, findings(&json)), (0, vec![]), "{json}");
    let plain = TestRepo::new();
    plain.stage(".gitops-guard.yaml", "layout:\n  preset: jx3\n");
    plain.stage("tmp/x.yaml", cm("x"));
    let (code, json) = check_layout(&plain);
    assert_eq!(code, 1);
    assert_eq!(findings(&json), vec![f("GG301", "tmp/x.yaml", 1)]);
}

#[test]
fn allow_extends_the_preset_and_unused_entries_are_reported() {
    let repo = jx3_repo();
    repo.stage("scripts/boot.sh", "#!/bin/sh\n");
    repo.stage(
        ".gitops-guard.yaml",
        "layout:\n  allow:\n    - \"scripts/**\"\n    - \"terraform/**\"\n",
    );
    let (code, json) = check_layout(&repo);
    assert_eq!(code, 0, "{json}");
    assert_eq!(findings(&json), vec![f("GG301", ".gitops-guard.yaml", 4)]);
    assert_eq!(json["findings"][0]["severity"], "warning");
    assert!(
        json["findings"][0]["message"]
            .as_str()
            .unwrap()
            .contains("terraform/**")
    );
}

#[test]
fn gg302_namespace_mismatch() {
    let repo = jx3_repo();
    let deploy = |ns: &str| {
        format!(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: {ns}\nspec: {{}}\n"
        )
    };
    repo.stage(
        "config-root/namespaces/jx/web/web-deploy.yaml",
        deploy("jx-staging"),
    );
    repo.stage("config-root/namespaces/jx/ok/web-deploy.yaml", deploy("jx"));
    repo.stage("config-root/namespaces/jx/unset/web-cm.yaml", cm("web"));
    // A cluster-scoped kind with a namespace is GG303's business, not GG302's.
    repo.stage(
        "config-root/namespaces/jx/hooks/hooks-valwebhookcfg.yaml",
        "apiVersion: admissionregistration.k8s.io/v1\nkind: ValidatingWebhookConfiguration\nmetadata:\n  name: hooks\n  namespace: tekton\nwebhooks: []\n",
    );
    let (code, json) = check_layout(&repo);
    assert_eq!(code, 1);
    assert_eq!(
        findings(&json),
        vec![
            f(
                "GG303",
                "config-root/namespaces/jx/hooks/hooks-valwebhookcfg.yaml",
                2
            ),
            f("GG302", "config-root/namespaces/jx/web/web-deploy.yaml", 5),
        ]
    );
    assert_eq!(json["findings"][1]["fixable"], false);
}

#[test]
fn gg303_scope_by_group_and_kind() {
    let repo = jx3_repo();
    // A CRD that defines a cluster-scoped `Secret` kind of its own, and a namespaced
    // `ClusterThing` (the CRD beats the `Cluster*` fallback).
    repo.stage(
        "config-root/customresourcedefinitions/crossplane-system/provider/secrets.example.io-crd.yaml",
        "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: secrets.example.io\nspec:\n  group: example.io\n  scope: Cluster\n  names:\n    kind: Secret\n    plural: secrets\n---\n",
    );
    repo.stage(
        "config-root/customresourcedefinitions/crossplane-system/provider/clusterthings.example.io-crd.yaml",
        "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: clusterthings.example.io\nspec:\n  group: example.io\n  scope: Namespaced\n  names:\n    kind: ClusterThing\n",
    );
    let ns = "config-root/namespaces/jx/app";
    repo.stage(
        &format!("{ns}/db-secret.yaml"),
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\n",
    );
    repo.stage(
        &format!("{ns}/creds-secret.yaml"),
        "apiVersion: example.io/v1\nkind: Secret\nmetadata:\n  name: creds\n",
    );
    repo.stage(
        &format!("{ns}/x-clusterthing.yaml"),
        "apiVersion: example.io/v1\nkind: ClusterThing\nmetadata:\n  name: x\n",
    );
    repo.stage(
        &format!("{ns}/letsencrypt-clusterissuer.yaml"),
        "apiVersion: cert-manager.io/v1\nkind: ClusterIssuer\nmetadata:\n  name: letsencrypt\n",
    );
    repo.stage(
        &format!("{ns}/dev-environment.yaml"),
        "apiVersion: jenkins.io/v1\nkind: Environment\nmetadata:\n  name: dev\n",
    );
    repo.stage(
        &format!("{ns}/tekton-pipelines-podsecuritypolicy.yaml"),
        PSP,
    );
    repo.stage(
        &format!("{ns}/tasks.tekton.dev-crd.yaml"),
        "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: tasks.tekton.dev\nspec:\n  group: tekton.dev\n  scope: Namespaced\n  names: {kind: Task}\n",
    );
    repo.stage(
        "config-root/cluster/resources/jx/app/web-deploy.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n",
    );
    repo.stage(
        "config-root/customresourcedefinitions/jx/app/app-cm.yaml",
        cm("app"),
    );
    let (code, json) = check_layout(&repo);
    assert_eq!(code, 1);
    assert_eq!(
        findings(&json),
        vec![
            f(
                "GG303",
                "config-root/cluster/resources/jx/app/web-deploy.yaml",
                2
            ),
            f(
                "GG303",
                "config-root/customresourcedefinitions/jx/app/app-cm.yaml",
                2
            ),
            f(
                "GG303",
                "config-root/namespaces/jx/app/creds-secret.yaml",
                2
            ),
            f(
                "GG303",
                "config-root/namespaces/jx/app/letsencrypt-clusterissuer.yaml",
                2
            ),
            f(
                "GG303",
                "config-root/namespaces/jx/app/tasks.tekton.dev-crd.yaml",
                2
            ),
            f(
                "GG303",
                "config-root/namespaces/jx/app/tekton-pipelines-podsecuritypolicy.yaml",
                3
            ),
        ]
    );
    let psp = &json["findings"][5];
    assert!(
        psp["help"].as_str().unwrap().contains(
            "config-root/cluster/resources/jx/app/tekton-pipelines-podsecuritypolicy.yaml"
        ),
        "{psp}"
    );
}

#[test]
fn gg304_canonical_names_and_one_document_per_file() {
    let repo = jx3_repo();
    let ns = "config-root/namespaces/jx";
    repo.stage(&format!("{ns}/app/settings.yaml"), cm("app-settings"));
    repo.stage(&format!("{ns}/app/foo-bar-cm.yaml"), cm("foo/bar"));
    repo.stage(
        &format!("{ns}/app/all.yaml"),
        format!("{}---\n{}", cm("a"), cm("b")),
    );
    repo.stage(
        &format!("{ns}/app/cheese-ksvc.yaml"),
        "apiVersion: serving.knative.dev/v1\nkind: Service\nmetadata:\n  name: cheese\n",
    );
    repo.stage(
        &format!("{ns}/app/cheese-svc.yaml"),
        "apiVersion: serving.knative.dev/v1\nkind: Service\nmetadata:\n  name: cheese\n",
    );
    let es = "apiVersion: kubernetes-client.io/v1\nkind: ExternalSecret\nmetadata:\n  name: lighthouse-oauth-token\nspec: {}\n";
    repo.stage(
        &format!("{ns}/lighthouse/lighthouse-oauth-token-secret.yaml"),
        es,
    );
    repo.stage(
        &format!("{ns}/lighthouse/lighthouse-oauth-token-externalsecret.yaml"),
        es,
    );
    repo.stage(
        &format!("{ns}/source-repositories/acme-api.yaml"),
        "apiVersion: jenkins.io/v1\nkind: SourceRepository\nmetadata:\n  name: acme-api\n",
    );
    repo.stage(
        &format!("{ns}/lighthouse-config/install-config-cm.yaml"),
        cm("jx-install-config"),
    );
    repo.stage(
        "config-root/cluster/namespaces/jx.yaml",
        "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: jx\n",
    );
    // Comment-only documents do not count; nameless objects are not judged.
    repo.stage(
        &format!("{ns}/app/x-cm.yaml"),
        format!("# header\n---\n{}", cm("x")),
    );
    repo.stage(
        &format!("{ns}/app/anything.yaml"),
        "apiVersion: v1\nkind: ConfigMap\n",
    );
    let (code, json) = check_layout(&repo);
    assert_eq!(code, 1);
    assert_eq!(
        findings(&json),
        vec![
            f("GG304", "config-root/namespaces/jx/app/all.yaml", 1),
            f("GG304", "config-root/namespaces/jx/app/cheese-svc.yaml", 1),
            f("GG304", "config-root/namespaces/jx/app/settings.yaml", 1),
        ]
    );
    assert!(
        json["findings"][2]["message"]
            .as_str()
            .unwrap()
            .contains("app-settings-cm.yaml"),
        "{json}"
    );
}

#[test]
fn custom_layout_paths_scope_names_and_required_files() {
    let repo = TestRepo::new();
    repo.stage(
        ".gitops-guard.yaml",
        "layout:\n  preset: none\n  allow: [README.md]\n  paths:\n    - path: \"clusters/*/apps/{namespace}/*.yaml\"\n      scope: namespaced\n      names: canonical\n    - path: \"clusters/*/cluster/*.yaml\"\n      scope: cluster\n  folders:\n    - path: \"clusters/*/apps/*\"\n      require: [kustomization.yaml]\n",
    );
    repo.stage("README.md", "# fleet\n");
    repo.stage(
        "clusters/prod/apps/api/kustomization.yaml",
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [api-deploy.yaml]\n",
    );
    repo.stage(
        "clusters/prod/apps/api/api-deploy.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\n  namespace: api\n",
    );
    repo.stage(
        "clusters/prod/apps/web/web-deploy.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: frontend\n",
    );
    repo.stage("clusters/prod/apps/api/deployment.yml", cm("api"));
    repo.stage(
        "clusters/prod/cluster/view-clusterrole.yaml",
        "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: view\n",
    );
    repo.stage("clusters/prod/cluster/api-cm.yaml", cm("api"));
    repo.stage("clusters/prod/apps/api/API-Deploy.yaml", cm("api-deploy"));
    repo.stage("tmp/debug-pod.yaml", cm("debug"));
    let (code, json) = check_layout(&repo);
    assert_eq!(code, 1);
    assert_eq!(
        findings(&json),
        vec![
            f("GG301", "clusters/prod/apps/api/API-Deploy.yaml", 1),
            f("GG304", "clusters/prod/apps/api/API-Deploy.yaml", 1),
            f("GG301", "clusters/prod/apps/api/api-deploy.yaml", 1),
            f("GG301", "clusters/prod/apps/api/deployment.yml", 1),
            f("GG301", "clusters/prod/apps/web/web-deploy.yaml", 1),
            f("GG302", "clusters/prod/apps/web/web-deploy.yaml", 5),
            f("GG303", "clusters/prod/cluster/api-cm.yaml", 2),
            f("GG301", "tmp/debug-pod.yaml", 1),
        ]
    );
    let messages: Vec<&str> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["message"].as_str().unwrap())
        .collect();
    assert!(messages[0].contains("only in letter case"), "{messages:?}");
    assert!(messages[4].contains("kustomization.yaml"), "{messages:?}");
}

#[test]
fn init_writes_the_detected_layout() {
    let repo = jx3_repo();
    repo.cmd().arg("init").assert().success();
    let text = std::fs::read_to_string(repo.join(".gitops-guard.yaml")).unwrap();
    assert!(text.contains("layout:\n  preset: jx3\n"), "{text}");
    let plain = TestRepo::new();
    plain.stage("apps/a.yaml", cm("a"));
    plain.cmd().arg("init").assert().success();
    let text = std::fs::read_to_string(plain.join(".gitops-guard.yaml")).unwrap();
    assert!(text.contains("layout:\n  preset: none\n"), "{text}");
}

// ---- the fix ----

fn fix(repo: &TestRepo) -> (i32, serde_json::Value, String) {
    let out = repo
        .cmd()
        .args([
            "check", "--all", "--fix", "--select", LAYOUT, "--format", "json",
        ])
        .output()
        .unwrap();
    let json = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}: {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (
        out.status.code().unwrap_or(-1),
        json,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn fix_moves_a_misplaced_file_like_git_mv() {
    let repo = jx3_repo();
    let from = "config-root/namespaces/tekton-pipelines/tekton-pipeline/tekton-pipelines-podsecuritypolicy.yaml";
    let to = "config-root/cluster/resources/tekton-pipelines/tekton-pipeline/tekton-pipelines-podsecuritypolicy.yaml";
    repo.stage(from, PSP);
    repo.stage(
        "config-root/namespaces/tekton-pipelines/tekton-pipeline/x-cm.yaml",
        cm("x"),
    );
    // Rendered chart output keeps its `templates/` folders (read tolerantly, still moved).
    let hook = "config-root/namespaces/nginx/ingress-nginx/templates/admission-webhooks/ingress-nginx-admission-valwebhookcfg.yaml";
    let hook_to = "config-root/cluster/resources/nginx/ingress-nginx/templates/admission-webhooks/ingress-nginx-admission-valwebhookcfg.yaml";
    repo.stage(
        hook,
        "apiVersion: admissionregistration.k8s.io/v1\nkind: ValidatingWebhookConfiguration\nmetadata:\n  name: ingress-nginx-admission\nwebhooks: []\n",
    );
    let blob = blob_of(&repo, from);
    let (code, json, stderr) = fix(&repo);
    assert_eq!(code, 1, "{json}\n{stderr}");
    assert_eq!(findings(&json), vec![]);
    assert!(
        stderr.contains(&format!("moved {from} -> {to}")),
        "{stderr}"
    );
    assert_eq!(blob_of(&repo, to), blob);
    let ls = ls_files(&repo);
    assert!(ls.contains(&format!("100644 {blob} 0\t{to}\n")), "{ls}");
    assert!(!ls.contains(from), "{ls}");
    assert!(!repo.join(from).exists());
    assert!(ls.contains(&format!("\t{hook_to}\n")), "{ls}");
    assert!(!repo.join("config-root/namespaces/nginx").exists());
    assert_eq!(std::fs::read_to_string(repo.join(to)).unwrap(), PSP);
    // git agrees: a rename, nothing unstaged.
    let status = String::from_utf8_lossy(&repo.git(&["status", "--porcelain"]).stdout).into_owned();
    assert_eq!(
        status.lines().filter(|l| !l.starts_with('A')).count(),
        0,
        "{status}"
    );
}

#[test]
fn fix_renames_and_moves_legacy_folders() {
    let repo = jx3_repo();
    repo.stage(
        "config-root/namespaces/jx/app/settings.yaml",
        cm("app-settings"),
    );
    let legacy = "config-root/cluster/jx/jxboot-helmfile-resources/charts/gcactivities/gcactivities-jx-crb.yaml";
    let crb = "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata:\n  name: gcactivities-jx\n";
    repo.stage(legacy, crb);
    std::fs::set_permissions(
        repo.join(legacy),
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .unwrap();
    repo.git(&["add", legacy]);
    repo.commit("base");
    let (code, json, stderr) = fix(&repo);
    assert_eq!(code, 1, "{json}\n{stderr}");
    let ls = ls_files(&repo);
    let moved = "config-root/cluster/resources/jx/jxboot-helmfile-resources/charts/gcactivities/gcactivities-jx-crb.yaml";
    assert!(
        ls.contains(&format!("100755 {} 0\t{moved}\n", blob_of(&repo, moved))),
        "{ls}"
    );
    assert!(
        ls.contains("\tconfig-root/namespaces/jx/app/app-settings-cm.yaml\n"),
        "{ls}"
    );
    assert!(
        !ls.contains("\tconfig-root/namespaces/jx/app/settings.yaml\n"),
        "{ls}"
    );
    assert!(!ls.contains(legacy), "{ls}");
    assert!(
        !repo.join("config-root/cluster/jx").exists(),
        "empty legacy folders are removed"
    );
    // git sees two renames.
    let diff = String::from_utf8_lossy(
        &repo
            .git(&["diff", "--cached", "-M", "--name-status"])
            .stdout,
    )
    .into_owned();
    assert_eq!(
        diff.lines().filter(|l| l.starts_with("R100")).count(),
        2,
        "{diff}"
    );
}

#[test]
fn fix_splits_a_multi_document_file() {
    let repo = jx3_repo();
    let dir = "config-root/namespaces/jx/app";
    let cr = "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: app-view\nrules: []\n";
    let svc =
        "# Source: app/templates/svc.yaml\napiVersion: v1\nkind: Service\nmetadata:\n  name: app\n";
    let text = format!(
        "---\n{}---\n{svc}---\n# only a comment\n---\n{cr}",
        cm("app")
    );
    repo.stage(&format!("{dir}/all.yaml"), &text);
    let (code, json, stderr) = fix(&repo);
    assert_eq!(code, 1, "{json}\n{stderr}");
    let ls = ls_files(&repo);
    let paths: Vec<&str> = ls.lines().filter_map(|l| l.split('\t').nth(1)).collect();
    assert_eq!(
        paths,
        vec![
            "config-root/cluster/resources/jx/app/app-view-clusterrole.yaml",
            "config-root/namespaces/jx/app/app-cm.yaml",
            "config-root/namespaces/jx/app/app-svc.yaml",
            "jx-requirements.yml",
        ]
    );
    let read = |p: &str| std::fs::read_to_string(repo.join(p)).unwrap();
    assert_eq!(read("config-root/namespaces/jx/app/app-cm.yaml"), cm("app"));
    assert_eq!(read("config-root/namespaces/jx/app/app-svc.yaml"), svc);
    assert_eq!(
        read("config-root/cluster/resources/jx/app/app-view-clusterrole.yaml"),
        cr
    );
    assert!(!repo.join(&format!("{dir}/all.yaml")).exists());
    // The index holds exactly the working-tree content.
    let status = String::from_utf8_lossy(&repo.git(&["status", "--porcelain"]).stdout).into_owned();
    assert!(status.lines().all(|l| l.starts_with("A ")), "{status}");
}

#[test]
fn fix_conflict_leaves_everything_untouched() {
    let repo = jx3_repo();
    let dir = "config-root/namespaces/jx/app";
    repo.stage(&format!("{dir}/settings.yaml"), cm("app-settings"));
    repo.stage(&format!("{dir}/other.yaml"), cm("other"));
    // The destination of the first already exists (untracked); the second could move.
    repo.write(&format!("{dir}/app-settings-cm.yaml"), "mine\n");
    let before = ls_files(&repo);
    let (code, json, stderr) = fix(&repo);
    assert_eq!(code, 1, "{json}\n{stderr}");
    assert!(
        stderr.contains("conflict: config-root/namespaces/jx/app/app-settings-cm.yaml"),
        "{stderr}"
    );
    assert!(stderr.contains("nothing was moved"), "{stderr}");
    assert_eq!(ls_files(&repo), before);
    assert_eq!(
        std::fs::read_to_string(repo.join(&format!("{dir}/app-settings-cm.yaml"))).unwrap(),
        "mine\n"
    );
    assert!(repo.join(&format!("{dir}/settings.yaml")).exists());
    assert!(repo.join(&format!("{dir}/other.yaml")).exists());
    assert!(!repo.join(&format!("{dir}/other-cm.yaml")).exists());
    assert_eq!(
        findings(&json),
        vec![
            f("GG304", "config-root/namespaces/jx/app/other.yaml", 1),
            f("GG304", "config-root/namespaces/jx/app/settings.yaml", 1),
        ]
    );
    // A destination already in the index, and two files heading for one name.
    let repo = jx3_repo();
    repo.stage(&format!("{dir}/a.yaml"), cm("same"));
    repo.stage(&format!("{dir}/b.yaml"), cm("same"));
    let before = ls_files(&repo);
    let (code, _, stderr) = fix(&repo);
    assert_eq!(code, 1);
    assert!(stderr.contains("would be written from both"), "{stderr}");
    assert_eq!(ls_files(&repo), before);
    // A split with unstaged edits is refused.
    let repo = jx3_repo();
    repo.stage(
        &format!("{dir}/all.yaml"),
        format!("{}---\n{}", cm("a"), cm("b")),
    );
    repo.write(&format!("{dir}/all.yaml"), "edited\n");
    let before = ls_files(&repo);
    let (code, _, stderr) = fix(&repo);
    assert_eq!(code, 1);
    assert!(stderr.contains("unstaged changes"), "{stderr}");
    assert_eq!(ls_files(&repo), before);
    assert_eq!(
        std::fs::read_to_string(repo.join(&format!("{dir}/all.yaml"))).unwrap(),
        "edited\n"
    );
}

#[test]
fn fix_splits_a_file_that_keeps_its_own_name_for_one_document() {
    // The common case: `app-cm.yaml` also holds a Service. The ConfigMap's canonical name is
    // the file's own name, which is no conflict: the file is replaced by its pieces.
    let repo = jx3_repo();
    let dir = "config-root/namespaces/jx/app";
    let svc = "apiVersion: v1\nkind: Service\nmetadata:\n  name: app\n";
    let path = format!("{dir}/app-cm.yaml");
    repo.stage(&path, format!("{}---\n{svc}", cm("app")));
    let (code, json, stderr) = fix(&repo);
    assert_eq!(code, 1, "{json}\n{stderr}");
    assert!(!stderr.contains("conflict"), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "split {path} -> {path}, config-root/namespaces/jx/app/app-svc.yaml"
        )),
        "{stderr}"
    );
    assert_eq!(findings(&json), vec![]);
    let ls = ls_files(&repo);
    let paths: Vec<&str> = ls.lines().filter_map(|l| l.split('\t').nth(1)).collect();
    assert_eq!(
        paths,
        vec![
            "config-root/namespaces/jx/app/app-cm.yaml",
            "config-root/namespaces/jx/app/app-svc.yaml",
            "jx-requirements.yml",
        ]
    );
    let read = |p: &str| std::fs::read_to_string(repo.join(p)).unwrap();
    assert_eq!(read(&path), cm("app"));
    assert_eq!(read("config-root/namespaces/jx/app/app-svc.yaml"), svc);
    let status = String::from_utf8_lossy(&repo.git(&["status", "--porcelain"]).stdout).into_owned();
    assert!(status.lines().all(|l| l.starts_with("A ")), "{status}");
}

#[test]
fn fix_leaves_a_file_without_a_release_folder_where_it_is() {
    // `config-root/cluster/resources/<ns>/x.yaml` lacks its release folder; it is not in the
    // retired `config-root/cluster/<ns>/<release>/` layout with `resources` as a namespace.
    let repo = jx3_repo();
    let path = "config-root/cluster/resources/jx/view-clusterrole.yaml";
    repo.stage(
        path,
        "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: view\nrules: []\n",
    );
    let ns_file = "config-root/cluster/namespaces/extra/jx.yaml";
    repo.stage(
        ns_file,
        "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: jx\n",
    );
    let before = ls_files(&repo);
    let (code, json, stderr) = fix(&repo);
    assert_eq!(code, 1, "{json}\n{stderr}");
    assert_eq!(
        findings(&json),
        vec![f("GG301", ns_file, 1), f("GG301", path, 1)]
    );
    for p in [path, ns_file] {
        let message = json["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["path"] == p)
            .map(|x| x["message"].to_string())
            .unwrap_or_default();
        assert!(!message.contains("pre-2021"), "{p}: {message}");
    }
    // Not counted as fixable: the layout has no place to compute for it.
    assert!(
        json["findings"]
            .as_array()
            .unwrap()
            .iter()
            .all(|x| x["fixable"] == false),
        "{json}"
    );
    assert!(!stderr.contains("moved"), "{stderr}");
    assert_eq!(ls_files(&repo), before);
}

#[test]
fn gg302_null_namespace_means_no_namespace() {
    let repo = jx3_repo();
    let deploy = |ns: &str| {
        format!(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: {ns}\nspec: {{}}\n"
        )
    };
    for (folder, ns) in [("tilde", "~"), ("null", "null"), ("empty", "")] {
        repo.stage(
            &format!("config-root/namespaces/jx/{folder}/web-deploy.yaml"),
            deploy(ns),
        );
    }
    // A quoted "~" is a namespace named `~`, not null.
    repo.stage(
        "config-root/namespaces/jx/quoted/web-deploy.yaml",
        deploy("\"~\""),
    );
    let (code, json) = check_layout(&repo);
    assert_eq!(code, 1, "{json}");
    assert_eq!(
        findings(&json),
        vec![f(
            "GG302",
            "config-root/namespaces/jx/quoted/web-deploy.yaml",
            5
        )]
    );
}

// ---- the real trees ----

/// The layout findings of a corpus tree.
fn corpus_findings(name: &str) -> Vec<(String, String, u64)> {
    let repo = TestRepo::staging_tree(&common::corpus_tree(name));
    let (code, json) = repo.check_json(&["--all", "--select", LAYOUT]);
    assert!(code == 0 || code == 1, "{json}");
    assert_eq!(json["errors"], serde_json::json!([]), "{json}");
    findings(&json)
}

const MISPLACED: &[(&str, u64)] = &[
    (
        "config-root/namespaces/nginx/ingress-nginx-nginx-ingress/templates/admission-webhooks/ingress-nginx-admission-valwebhookcfg.yaml",
        5,
    ),
    (
        "config-root/namespaces/tekton-pipelines/tekton-pipeline/config.webhook.pipeline.tekton.dev-valwebhookcfg.yaml",
        3,
    ),
    (
        "config-root/namespaces/tekton-pipelines/tekton-pipeline/tekton-pipelines-podsecuritypolicy.yaml",
        17,
    ),
    (
        "config-root/namespaces/tekton-pipelines/tekton-pipeline/validation.webhook.pipeline.tekton.dev-valwebhookcfg.yaml",
        3,
    ),
    (
        "config-root/namespaces/tekton-pipelines/tekton-pipeline/webhook.pipeline.tekton.dev-mutwebhookcfg.yaml",
        3,
    ),
];

#[test]
fn corpus_clean_trees_have_no_layout_finding() {
    for name in [
        "Morgan-Jenkins-X__jx3-eks-vault",
        "jx3-gitops-repositories__jx3-kubernetes",
    ] {
        assert_eq!(corpus_findings(name), vec![], "{name}");
    }
}

#[test]
fn corpus_misplaced_webhooks_and_psp_are_found() {
    let found = corpus_findings("SkisocksOrg__jx3-azure-akv-cluster");
    let want: Vec<_> = MISPLACED.iter().map(|(p, l)| f("GG303", p, *l)).collect();
    assert_eq!(found, want);
}

#[test]
fn corpus_legacy_cluster_folders_are_found() {
    let dir = common::corpus_tree("evillgenius75__jx3-gke-gsm");
    let found = corpus_findings("evillgenius75__jx3-gke-gsm");
    // Every file under `config-root/cluster/<ns>/` (pre-2021), and nothing else but the
    // same misplaced webhook configurations and PodSecurityPolicy as in SkisocksOrg's tree
    // (the boot job of that time placed them under namespaces/ too).
    let mut legacy = Vec::new();
    let mut stack = vec![dir.join("config-root/cluster")];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let e = e.unwrap();
            if e.file_type().unwrap().is_dir() {
                stack.push(e.path());
            } else {
                let rel = e
                    .path()
                    .strip_prefix(&dir)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                if !rel.starts_with("config-root/cluster/namespaces/") {
                    legacy.push(f("GG301", &rel, 1));
                }
            }
        }
    }
    assert_eq!(legacy.len(), 28);
    let mut want: Vec<_> = legacy
        .into_iter()
        .chain(MISPLACED.iter().map(|(p, l)| f("GG303", p, *l)))
        .collect();
    want.sort_by(|a, b| (&a.1, a.2, &a.0).cmp(&(&b.1, b.2, &b.0)));
    assert_eq!(found, want);
}

#[test]
fn one_fix_flag_moves_first_then_converts_the_secret() {
    let repo = jx3_repo();
    let from = "config-root/namespaces/jx/app/db.yaml";
    let to = "config-root/namespaces/jx/app/db-secret.yaml";
    repo.stage(
        from,
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\n  namespace: jx\nstringData:\n  password: hunter2-layout-x1\n",
    );
    let out = repo
        .cmd()
        .args(["check", "--all", "--fix"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(&format!("moved {from} -> {to}")),
        "{stderr}"
    );
    // The move is staged (same blob); the ExternalSecret waits in the working tree.
    let ls = ls_files(&repo);
    assert!(
        ls.contains(&format!("\t{to}\n")) && !ls.contains(from),
        "{ls}"
    );
    let text = std::fs::read_to_string(repo.join(to)).unwrap();
    assert!(text.contains("kind: ExternalSecret"), "{text}");
    assert!(!text.contains("hunter2-layout-x1"), "{text}");
    assert!(!repo.join(from).exists());
}
