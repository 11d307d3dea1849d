//! The image reference parser: never panics; a parsed reference is made of pieces of the
//! text, renders back to exactly the text, and parses again to the same value.
#![no_main]

use gitops_guard::rules::image_ref::ImageRef;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Some(r) = ImageRef::parse(text) else {
        return;
    };
    let mut rendered = r.name();
    if let Some(t) = r.tag {
        rendered.push(':');
        rendered.push_str(t);
    }
    if let Some(d) = r.digest {
        rendered.push('@');
        rendered.push_str(d);
    }
    assert_eq!(rendered, text);
    assert_eq!(ImageRef::parse(&rendered), Some(r));
    let _ = r.normalized_name();
    let _ = r.pin(&["latest".to_string(), "edge".to_string()]);
});
