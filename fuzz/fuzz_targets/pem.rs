//! The private key scanner (GG105): PEM blocks as written, JSON-escaped, and base64 runs.
#![no_main]

mod common;

use gitops_guard::rules::private_key::{find_keys, holds_private_key, key_spans};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let keys = find_keys(text);
    for k in &keys {
        assert!(common::in_file(text, &k.span), "span {:?}", k.span);
        assert!(common::in_file(text, &k.secret), "secret {:?}", k.secret);
        assert!(
            k.span.start <= k.secret.start && k.secret.end <= k.span.end,
            "secret {:?} outside {:?}",
            k.secret,
            k.span
        );
        assert!(k.label.ends_with("PRIVATE KEY") || k.label == "PGP PRIVATE KEY BLOCK");
    }
    assert_eq!(holds_private_key(text), !keys.is_empty());
    assert_eq!(key_spans(text).len(), keys.len());
    // Through the engine, as a key file and as YAML.
    common::check_scan("deploy.pem", data);
    common::check_scan("values.yaml", data);
});
