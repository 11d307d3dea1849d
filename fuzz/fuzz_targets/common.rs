//! Invariants shared by the fuzz targets.
#![allow(dead_code)]

// Each target uses some of them.
#[allow(unused_imports)]
pub use gitops_guard::manifest::check::{
    check_blanks as check_shapes, check_invariants as check_documents, in_file,
};

/// Runs every rule over the file as the engine does and checks the findings' spans and the
/// masked display text (same lines as the file; every span maps inside it).
pub fn check_scan(path: &str, bytes: &[u8]) {
    let settings = gitops_guard::config::Settings::default();
    let ctx = gitops_guard::rules::Ctx {
        settings: &settings,
        repo: &gitops_guard::rules::NoRepo,
        layout: None,
    };
    let result = gitops_guard::engine::scan_file(path, bytes, &ctx);
    for f in &result.findings {
        assert!(
            f.span.start <= f.span.end && f.span.end <= bytes.len(),
            "finding span {:?}",
            f.span
        );
        if let Ok(text) = std::str::from_utf8(bytes) {
            assert!(
                in_file(text, &f.span),
                "finding span {:?} off char boundaries",
                f.span
            );
        }
    }
    if let Some(d) = &result.display {
        if let Ok(text) = std::str::from_utf8(bytes) {
            assert_eq!(
                d.text.matches('\n').count(),
                text.matches('\n').count(),
                "display text changed lines"
            );
        }
        for f in &result.findings {
            let shown = d.span(&f.span);
            assert!(
                shown.end <= d.text.len() && d.text.is_char_boundary(shown.start),
                "display span {shown:?}"
            );
        }
    }
}
