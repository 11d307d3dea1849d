//! Property tests for the readers of issue 15: any text gives an answer, never a panic, and
//! what they return is a piece of the text that means what they say; the new places (GitHub
//! workflows, helmfile `.gotmpl`, Argo CD values in a string) scan YAML-ish bytes with every
//! span inside the file. The same checks run under `cargo fuzz` (the `image_ref` target).

use gitops_guard::config::Settings;
use gitops_guard::engine;
use gitops_guard::rules::Ctx;
use gitops_guard::rules::charts::floating_url;
use gitops_guard::rules::image_ref::{
    Decided, ImageRef, Pin, decide_templated, floating_tag, tag_has_digest, tag_pin,
};
use gitops_guard::source::NoRepo;
use proptest::prelude::*;

fn readers_agree(text: &str) -> Result<(), TestCaseError> {
    match decide_templated(text) {
        Decided::Tag(tag) => {
            let ends = format!(":{tag}");
            prop_assert!(text.trim().ends_with(&ends), "{:?}", text);
            let reference = format!("x:{tag}");
            prop_assert_eq!(ImageRef::parse(&reference).and_then(|r| r.tag), Some(tag));
        }
        Decided::Digest => prop_assert!(text.contains('@')),
        Decided::Untagged | Decided::Unknown => {}
    }
    match tag_pin(text, &["latest".to_string()]) {
        Pin::Pinned | Pin::Untagged => {}
        Pin::Mutable(t) | Pin::Snapshot(t) => {
            prop_assert!(!tag_has_digest(text) && text.starts_with(t), "{:?}", text);
        }
    }
    if floating_tag(text).is_some() {
        prop_assert!(!text.is_empty());
    }
    if let Some(why) = floating_url(text) {
        prop_assert!(!why.is_empty());
    }
    Ok(())
}

/// Pieces of references, templates and URLs, in any order.
fn reference_like() -> impl Strategy<Value = String> {
    let token = prop_oneof![
        Just("{{ .Values.r }}".to_string()),
        Just("${{ matrix.x }}".to_string()),
        Just("${R}".to_string()),
        Just("$(params.r)".to_string()),
        Just("{{".to_string()),
        Just("}}".to_string()),
        Just("/".to_string()),
        Just(":".to_string()),
        Just("@".to_string()),
        Just("busybox".to_string()),
        Just("latest".to_string()),
        Just("1.0-SNAPSHOT".to_string()),
        Just("v4".to_string()),
        Just("18-alpine".to_string()),
        Just("sha256:50d858e0985ecc7f60418aaf0cc5ab587f42c2570a884095a9e8ccacd0f6545c".to_string()),
        Just("https://".to_string()),
        Just("github.com/o/r/releases/latest/download/".to_string()),
        Just("/-/raw/".to_string()),
        Just("raw.githubusercontent.com/o/r/".to_string()),
        Just("é".to_string()),
        Just(" ".to_string()),
        "[a-z0-9._-]{0,6}",
    ];
    proptest::collection::vec(token, 0..10).prop_map(|v| v.concat())
}

fn scan_checked(path: &str, bytes: &[u8]) -> Result<(), TestCaseError> {
    let settings = Settings::from_text("rules:\n  GG205: on\n", None)
        .map_err(|e| TestCaseError::fail(e.to_string()))?;
    let ctx = Ctx {
        settings: &settings,
        repo: &NoRepo,
        layout: None,
    };
    let result = engine::scan_file(path, bytes, &ctx);
    let text = std::str::from_utf8(bytes).ok();
    for f in &result.findings {
        prop_assert!(f.span.start <= f.span.end && f.span.end <= bytes.len());
        if let Some(t) = text {
            prop_assert!(t.is_char_boundary(f.span.start) && t.is_char_boundary(f.span.end));
        }
    }
    Ok(())
}

fn places() -> impl Strategy<Value = &'static str> {
    prop_oneof![
        Just(".github/workflows/ci.yml"),
        Just("helmfile.yaml.gotmpl"),
        Just("helmfiles/jx/values.yaml.gotmpl"),
        Just("apps/app.yaml"),
        Just("charts/x/values.yaml"),
    ]
}

fn yamlish() -> impl Strategy<Value = Vec<u8>> {
    let token = prop_oneof![
        Just("jobs:\n  a:\n    container: ".to_string()),
        Just("    steps:\n      - uses: ".to_string()),
        Just("    services:\n      db: {image: ".to_string()),
        Just("apiVersion: argoproj.io/v1alpha1\nkind: Application\n".to_string()),
        Just("spec:\n  source:\n    helm:\n      values: |\n        image: ".to_string()),
        Just("      parameters:\n        - {name: image.tag, value: ".to_string()),
        Just("    kustomize:\n      images: [".to_string()),
        Just("apiVersion: operators.coreos.com/v1alpha1\nkind: Subscription\n".to_string()),
        Just("releases:\n- name: a\n  chart: ".to_string()),
        Just("image: {tag: ".to_string()),
        Just("sidecars:\n  - {name: a, image: ".to_string()),
        Just("---\n".to_string()),
        Just("\n".to_string()),
        Just("}".to_string()),
        Just("]".to_string()),
        reference_like(),
    ];
    proptest::collection::vec(token, 0..16).prop_map(|v| v.concat().into_bytes())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn readers_never_panic_on_arbitrary_text(text in "\\PC{0,40}") {
        readers_agree(&text)?;
    }

    #[test]
    fn readers_agree_on_reference_like_text(text in reference_like()) {
        readers_agree(&text)?;
    }

    #[test]
    fn new_places_scan_with_spans_inside_the_file(path in places(), bytes in yamlish()) {
        scan_checked(path, &bytes)?;
    }
}
