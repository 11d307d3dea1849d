//! The layout as a whole: the jx3 preset's places, detection, custom layouts, destinations.

use super::*;
use crate::config::LayoutConfig;
use crate::config::layout::PresetName;
use crate::manifest::Node;

fn jx3() -> Layout {
    let config = LayoutConfig {
        preset: Some(PresetName::Jx3),
        ..LayoutConfig::default()
    };
    Layout::resolve(&config, &[]).unwrap().unwrap()
}

fn kind_of(p: Placement) -> String {
    match p {
        Placement::Entry(e, c) => format!(
            "{:?}/{:?}/{}",
            e.home,
            e.naming,
            c.namespace.unwrap_or_default()
        ),
        Placement::Allowed(_) => "allowed".into(),
        Placement::Legacy(e, _) => format!("legacy {:?}", e.home),
        Placement::Off => "off".into(),
    }
}

#[test]
fn jx3_preset_places() {
    let l = jx3();
    let cases = [
        (
            "config-root/cluster/namespaces/jx.yaml",
            "Some(Cluster)/Bare/",
        ),
        (
            "config-root/cluster/resources/jx/jx-build-controller/jx-build-controller-jx-clusterrole.yaml",
            "Some(Cluster)/Canonical/jx",
        ),
        (
            "config-root/cluster/resources/nginx/ingress-nginx-nginx-ingress/templates/admission-webhooks/ingress-nginx-admission-valwebhookcfg.yaml",
            "Some(Cluster)/Canonical/nginx",
        ),
        (
            "config-root/customresourcedefinitions/jx/lighthouse/lighthousejobs.lighthouse.jenkins.io-crd.yaml",
            "Some(Crd)/Canonical/jx",
        ),
        (
            "config-root/namespaces/jx/lighthouse/lighthouse-webhooks-deploy.yaml",
            "Some(Namespaced)/Canonical/jx",
        ),
        (
            "config-root/namespaces/jx/source-repositories/skisocksorg-http-server.yaml",
            "Some(Namespaced)/Bare/jx",
        ),
        (
            "config-root/namespaces/jx/lighthouse-config/install-config-cm.yaml",
            "Some(Namespaced)/Any/jx",
        ),
        (
            "config-root/namespaces/jx/lighthouse-config/jx-meta-pipeline.yaml",
            "Some(Namespaced)/Any/jx",
        ),
        (
            "config-root/namespaces/jx/lighthouse-config/config-cm.yaml",
            "Some(Namespaced)/Canonical/jx",
        ),
        (
            "config-root/namespaces/jx/source-repositories/README.md",
            "None/Any/jx",
        ),
        ("config-root/cluster/Kptfile", "None/Any/"),
        (
            "config-root/cluster/jx/jx-build-controller/x-clusterrole.yaml",
            "legacy Some(Cluster)",
        ),
        ("config-root/namespaces/jx/notes.txt", "off"),
        ("config-root/namespaces/jx/lighthouse/notes.txt", "off"),
        ("config-root/namespaces/jx/x-cm.yaml", "off"),
        ("config-root/x.yaml", "off"),
        ("helmfiles/jx/helmfile.yaml", "None/Any/"),
        ("helmfiles/helmfile.yaml", "off"),
        (
            "versionStream/charts/jxgh/lighthouse/defaults.yaml",
            "None/Any/",
        ),
        ("jx-requirements.yml", "None/Any/"),
        ("README.md", "None/Any/"),
        (".gitops-guard.yaml", "allowed"),
        ("tmp/debug-pod.yaml", "off"),
    ];
    for (path, want) in cases {
        assert_eq!(kind_of(l.classify(path)), want, "{path}");
    }
}

#[test]
fn detection() {
    assert_eq!(
        detect(&["jx-requirements.yml".into()]),
        Some(PresetName::Jx3)
    );
    assert_eq!(detect(&["config-root/x".into()]), Some(PresetName::Jx3));
    assert_eq!(detect(&["apps/config-root/x".into()]), None);
    let none = LayoutConfig::default();
    assert!(
        Layout::resolve(&none, &["README.md".into()])
            .unwrap()
            .is_none()
    );
    assert!(
        Layout::resolve(&none, &["jx-requirements.yml".into()])
            .unwrap()
            .is_some()
    );
    let off = LayoutConfig {
        preset: Some(PresetName::None),
        ..LayoutConfig::default()
    };
    assert!(
        Layout::resolve(&off, &["jx-requirements.yml".into()])
            .unwrap()
            .is_none()
    );
}

fn obj(yaml_kind: &str, api: &str, name: &str) -> Node {
    use crate::manifest::{Scalar, Style, Value};
    let s = |t: &str| Node {
        span: 0..0,
        value: Value::Scalar(Scalar {
            text: t.into(),
            style: Style::Plain,
            templated: false,
        }),
    };
    let meta = Node {
        span: 0..0,
        value: Value::Map(vec![(s("name"), s(name))]),
    };
    Node {
        span: 0..0,
        value: Value::Map(vec![
            (s("apiVersion"), s(api)),
            (s("kind"), s(yaml_kind)),
            (s("metadata"), meta),
        ]),
    }
}

#[test]
fn destinations() {
    let l = jx3();
    let psp = obj("PodSecurityPolicy", "policy/v1beta1", "tekton-pipelines");
    let psp = Object::of(&psp).unwrap();
    let from = "config-root/namespaces/tekton-pipelines/tekton-pipeline/tekton-pipelines-podsecuritypolicy.yaml";
    let Placement::Entry(e, caps) = l.classify(from) else {
        panic!()
    };
    assert_eq!(
        l.destination(
            e,
            &caps,
            Some(Home::Cluster),
            Some(&psp),
            "tekton-pipelines-podsecuritypolicy.yaml",
            true
        )
        .as_deref(),
        Some(
            "config-root/cluster/resources/tekton-pipelines/tekton-pipeline/tekton-pipelines-podsecuritypolicy.yaml"
        )
    );
    // Legacy: same namespace, release and subfolders, under `resources/`.
    let cr = obj(
        "ClusterRole",
        "rbac.authorization.k8s.io/v1",
        "gcactivities-jx",
    );
    let cr = Object::of(&cr).unwrap();
    let from = "config-root/cluster/jx/jxboot-helmfile-resources/charts/gcactivities/gcactivities-jx-clusterrole.yaml";
    let Placement::Legacy(e, caps) = l.classify(from) else {
        panic!()
    };
    assert_eq!(
        l.destination(
            e,
            &caps,
            None,
            Some(&cr),
            "gcactivities-jx-clusterrole.yaml",
            true
        )
        .as_deref(),
        Some(
            "config-root/cluster/resources/jx/jxboot-helmfile-resources/charts/gcactivities/gcactivities-jx-clusterrole.yaml"
        )
    );
    // A rename in place, and a SourceRepository moved into `source-repositories/` keeps
    // (or gets) the bare name Jenkins X gives it.
    let cm = obj("ConfigMap", "v1", "foo/bar");
    let cm = Object::of(&cm).unwrap();
    let from = "config-root/namespaces/jx/app/settings.yaml";
    let Placement::Entry(e, caps) = l.classify(from) else {
        panic!()
    };
    assert_eq!(
        l.destination(e, &caps, None, Some(&cm), "settings.yaml", true)
            .as_deref(),
        Some("config-root/namespaces/jx/app/foo-bar-cm.yaml")
    );
    let sr = obj("SourceRepository", "jenkins.io/v1", "acme-api");
    let sr = Object::of(&sr).unwrap();
    let from = "config-root/cluster/resources/jx/source-repositories/acme-api.yaml";
    let Placement::Entry(e, caps) = l.classify(from) else {
        panic!()
    };
    assert_eq!(
        l.destination(
            e,
            &caps,
            Some(Home::Namespaced),
            Some(&sr),
            "acme-api.yaml",
            true
        )
        .as_deref(),
        Some("config-root/namespaces/jx/source-repositories/acme-api.yaml")
    );
    // No CRD folder for a top-level Namespace file: no destination.
    let from = "config-root/cluster/namespaces/jx.yaml";
    let Placement::Entry(e, caps) = l.classify(from) else {
        panic!()
    };
    assert_eq!(
        l.destination(e, &caps, Some(Home::Crd), None, "jx.yaml", true),
        None
    );
}

#[test]
fn custom_layout_first_then_allow() {
    let config: LayoutConfig = serde_saphyr::from_str(
        "preset: none\nallow: [\"README.md\"]\npaths:\n  - path: \"clusters/*/{namespace}/*.yaml\"\n    scope: namespaced\n    names: canonical\n",
    )
    .unwrap();
    let l = Layout::resolve(&config, &[]).unwrap().unwrap();
    assert!(!l.jx3);
    assert_eq!(
        kind_of(l.classify("clusters/prod/apps/api-deploy.yaml")),
        "Some(Namespaced)/Canonical/apps"
    );
    assert_eq!(kind_of(l.classify("README.md")), "allowed");
    assert_eq!(kind_of(l.classify("clusters/prod/apps/x/y.yaml")), "off");
    assert_eq!(
        kind_of(l.classify("config-root/namespaces/jx/a/b-cm.yaml")),
        "off"
    );
}

#[test]
fn folders_alone_keep_the_detected_preset() {
    let config: LayoutConfig = serde_saphyr::from_str(
        "folders:\n- path: \"extensions/*\"\n  require: [kustomization.yaml]\n",
    )
    .expect("config");
    let paths = vec!["config-root/namespaces/jx/a/a-cm.yaml".to_string()];
    let layout = Layout::resolve(&config, &paths)
        .expect("valid")
        .expect("a layout");
    assert!(
        layout.jx3,
        "adding folders must not turn the detected jx3 preset off"
    );
    assert!(matches!(layout.classify("stray/x.yaml"), Placement::Off));
}
