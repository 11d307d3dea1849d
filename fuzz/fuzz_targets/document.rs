//! The document model: YAML stream / JSON split and parse with spans, then every rule over
//! the file. Never panics; every span in bounds and on char boundaries.
#![no_main]

mod common;

use gitops_guard::manifest::{ParseOptions, parse_stream};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(src) = std::str::from_utf8(data) {
        for json in [false, true] {
            let opts = ParseOptions {
                json,
                ..ParseOptions::default()
            };
            let docs = parse_stream(src, &opts);
            common::check_documents(src, &docs);
            common::check_shapes(src, &docs);
        }
    }
    // Arbitrary bytes (not only UTF-8) through the engine, as YAML and as JSON.
    common::check_scan("fuzz/manifest.yaml", data);
    common::check_scan("fuzz/manifest.json", data);
});
