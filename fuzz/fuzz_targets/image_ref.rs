//! The image reference parser: never panics; a parsed reference is made of pieces of the
//! text, renders back to exactly the text, and parses again to the same value. The readers
//! of issue 15 on the same text: a partly templated reference's literal part, a floating tag,
//! a bare tag's pin and a file URL's ref never panic, and what they return is a piece of the
//! text that means what they say.
#![no_main]

use gitops_guard::rules::charts::floating_url;
use gitops_guard::rules::image_ref::{
    Decided, ImageRef, Pin, decide_templated, floating_tag, tag_has_digest, tag_pin,
};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    templated_and_tags(text);
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

fn templated_and_tags(text: &str) {
    match decide_templated(text) {
        // The decided tag ends the text and is a valid tag on its own.
        Decided::Tag(tag) => {
            assert!(text.trim().ends_with(&format!(":{tag}")), "{text:?}");
            let reference = format!("x:{tag}");
            assert_eq!(ImageRef::parse(&reference).and_then(|r| r.tag), Some(tag));
        }
        Decided::Digest => assert!(text.contains("@"), "{text:?}"),
        Decided::Untagged | Decided::Unknown => {}
    }
    let mutable = ["latest".to_string()];
    match tag_pin(text, &mutable) {
        Pin::Pinned | Pin::Untagged => {}
        Pin::Mutable(t) | Pin::Snapshot(t) => {
            assert!(!tag_has_digest(text) && text.starts_with(t), "{text:?}")
        }
    }
    if floating_tag(text).is_some() {
        assert!(!text.is_empty());
    }
    if let Some(why) = floating_url(text) {
        assert!(!why.is_empty());
    }
}
