//! `KEY=value` files (dotenv, properties, INI): every entry's key and value spans are in the
//! file, on character boundaries, and are exactly the key and the value.
#![no_main]

mod common;

use gitops_guard::rules::credential_in_values::is_literal_credential;
use gitops_guard::rules::dotenv::{Syntax, parse};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    for syntax in [Syntax::Dotenv, Syntax::Properties, Syntax::Ini] {
        for e in parse(text, syntax) {
            assert!(common::in_file(text, &e.key_span), "key span {:?}", e.key_span);
            assert!(common::in_file(text, &e.value_span), "value span {:?}", e.value_span);
            assert_eq!(&text[e.key_span.clone()], e.key);
            assert_eq!(&text[e.value_span.clone()], e.value);
            let _ = is_literal_credential(&e.key.to_ascii_lowercase(), &e.value, true);
        }
    }
    // Through the engine as a sops dotenv file and an INI file.
    common::check_scan("app.env", data);
    common::check_scan("app.ini", data);
});
