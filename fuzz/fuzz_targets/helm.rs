//! The Helm-template tolerant reader: template actions (`{{ ... }}`) are masked before
//! parsing; the spans must still be those of the original text.
#![no_main]

mod common;

use gitops_guard::manifest::{ParseOptions, parse_stream};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(src) = std::str::from_utf8(data) else {
        return;
    };
    let opts = ParseOptions {
        tolerant: true,
        ..ParseOptions::default()
    };
    let docs = parse_stream(src, &opts);
    common::check_documents(src, &docs);
    assert!(
        docs.iter().all(|d| d.templated),
        "tolerant documents are templated"
    );
    // Also through the engine, where a chart's `templates/` folder selects tolerant reading.
    common::check_scan("chart/templates/fuzz.yaml", data);
});
