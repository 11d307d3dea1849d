//! The git index reader (`source::dircache`): never panics, never loops; what it accepts has
//! non-empty paths without NUL bytes and merge stages 0–3.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Some(rows) = gitops_guard::source::parse_index_file(data) {
        for (path, stage) in rows {
            assert!(!path.is_empty());
            assert!(!path.contains(&0));
            assert!(stage <= 3);
        }
    }
});
