//! The Dockerfile reader: never panics; every reference and ARG span inside the file and on
//! char boundaries. Also the whole engine over the file as a `Dockerfile`.
#![no_main]

mod common;

use gitops_guard::manifest::dockerfile::image_uses;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        for u in image_uses(text) {
            assert!(
                common::in_file(text, &u.span),
                "reference span {:?}",
                u.span
            );
            for (_, span) in &u.args {
                assert!(common::in_file(text, span), "ARG span {:?}", span);
            }
        }
    }
    common::check_scan("images/Dockerfile", data);
});
