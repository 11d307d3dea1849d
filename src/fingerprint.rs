//! A finding's fingerprint: what identifies it across commits without its line number, for the
//! baseline (`.gitops-guard-baseline.json`) and SARIF's `partialFingerprints`.
//!
//! Version 1 is FNV-1a (64 bits, written as 16 lower-case hex digits) of
//!
//! ```text
//! gitops-guard/v1 \n <code> \n <context>
//! ```
//!
//! where `<context>` is the masked text (see `masked`: every secret value is the same fixed
//! mask) of each line the finding points at — the line of its first label (what the report
//! shows) or of its start, then the line of each further label — with leading and trailing
//! whitespace removed and inner runs of whitespace made one space, joined by `\n`. A
//! whole-file finding, or one in a file shown without text (GG103: all of it is secret), uses
//! its message, which never holds a value. The path is not part of it: a `git mv` keeps the
//! fingerprint, and the baseline matches on the path separately. A value therefore never
//! enters the hash, so the fingerprint cannot be brute-forced back into one; edits on other
//! lines and moves of the lines leave it unchanged. FNV-1a is fixed by its definition, so the
//! fingerprint is the same on every platform and in every version that says `v1`.

use crate::finding::Finding;
use crate::masked::Masked;

/// The version tag hashed in front (and the SARIF `partialFingerprints` key's suffix).
pub const VERSION: &str = "gitops-guard/v1";

/// The fingerprint of `finding`, whose file's masked text is `display` (if it has one).
pub fn of(finding: &Finding, display: Option<&Masked>) -> String {
    let mut input = format!("{VERSION}\n{}\n", finding.code);
    input.push_str(&context(finding, display));
    format!("{:016x}", fnv1a(input.as_bytes()))
}

/// The normalised, masked text the fingerprint hashes (never a value; see the module doc).
pub fn context(finding: &Finding, display: Option<&Masked>) -> String {
    let whole_file =
        finding.span.is_empty() && finding.span.start == 0 && finding.labels.is_empty();
    let Some(masked) = display.filter(|_| !whole_file) else {
        return normalize(&finding.message);
    };
    let first = finding
        .labels
        .first()
        .map_or(finding.span.start, |l| l.span.start);
    let rest = finding.labels.iter().skip(1).map(|l| l.span.start);
    std::iter::once(first)
        .chain(rest)
        .map(|offset| normalize(line_at(&masked.text, masked.offset_start(offset))))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The line of `text` holding byte `offset` (without its line break).
fn line_at(text: &str, offset: usize) -> &str {
    let offset = offset.min(text.len());
    let start = text
        .as_bytes()
        .get(..offset)
        .and_then(|b| memchr::memrchr(b'\n', b))
        .map_or(0, |i| i + 1);
    let end = memchr::memchr(b'\n', &text.as_bytes()[offset..]).map_or(text.len(), |i| offset + i);
    text.get(start..end).unwrap_or_default()
}

fn normalize(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog;

    fn finding(text: &str, at: &str) -> (Finding, Masked) {
        let start = text.find(at).unwrap_or(0);
        let f = Finding::new(&catalog::LATEST_TAG, "a.yaml", start..start + at.len(), "m");
        (f, Masked::new(text, &[]))
    }

    #[test]
    fn known_value_is_stable() {
        // FNV-1a test vector: the empty input.
        assert_eq!(fnv1a(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
    }

    #[test]
    fn survives_moves_and_edits_elsewhere_but_not_edits_of_the_line() {
        let (a, ma) = finding("x: 1\n  image: nginx:latest\n", "nginx:latest");
        let (b, mb) = finding("y: 2\nz: 3\n\timage:   nginx:latest  \n", "nginx:latest");
        let (c, mc) = finding("x: 1\n  image: nginx:edge\n", "nginx:edge");
        assert_eq!(of(&a, Some(&ma)), of(&b, Some(&mb)));
        assert_ne!(of(&a, Some(&ma)), of(&c, Some(&mc)));
        assert_eq!(context(&a, Some(&ma)), "image: nginx:latest");
    }

    #[test]
    fn masked_values_do_not_enter_the_context() {
        let text = "kind: Secret\ndata:\n  password: aHVudGVyMg==\n";
        let v = text.find("aHVudGVyMg==").unwrap_or(0);
        let f = Finding::new(&catalog::RAW_SECRET, "s.yaml", 0..text.len(), "m")
            .with_label(0..12, "raw Secret")
            .with_label(v - 10..v - 2, "value");
        let masked = Masked::new(text, std::slice::from_ref(&(v..v + 12)));
        let ctx = context(&f, Some(&masked));
        assert_eq!(ctx, "kind: Secret\npassword: ********");
        let other = Masked::new(
            &text.replace("aHVudGVyMg==", "c2VjcmV0"),
            std::slice::from_ref(&(v..v + 8)),
        );
        assert_eq!(of(&f, Some(&masked)), of(&f, Some(&other)));
    }
}
