//! Credentials written into URLs (`https://user:token@host/…`, `oci://user:pass@host/…`):
//! no rule reports them, but every output masks them, because a message, a code frame, a
//! diff or a `--resolve` line that quotes such a URL would otherwise print the token.

use super::MASK;
use std::borrow::Cow;
use std::ops::Range;

/// Byte spans of the userinfo (`user:token` before `@`) of every URL in `text` that carries
/// a password or a token. A short user name alone (`ssh://git@host`) is not a credential.
pub fn spans(text: &str) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(i) = text[from..].find("://") {
        let start = from + i + 3;
        let authority = text[start..]
            .find(|c: char| c.is_whitespace() || "/?#\"'`<>[]{}|\\,;".contains(c) || c.is_control())
            .map_or(&text[start..], |end| &text[start..start + end]);
        if let Some(at) = authority.rfind('@') {
            let user = &authority[..at];
            if (user.contains(':') || user.len() >= 16) && is_host(&authority[at + 1..]) {
                out.push(start..start + at);
            }
        }
        from = start;
    }
    out
}

/// `host` or `host:port` (not `sha256:<hex>`, the digest of `docker://alpine:3.20@sha256:…`).
fn is_host(s: &str) -> bool {
    let (host, port) = s.rsplit_once(':').unwrap_or((s, ""));
    !host.is_empty()
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-' || b == b'_')
        && port.len() <= 5
        && port.bytes().all(|b| b.is_ascii_digit())
}

/// `text` with the credentials of its URLs replaced by the mask.
pub fn hide(text: &str) -> Cow<'_, str> {
    let spans = spans(text);
    if spans.is_empty() {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    for s in spans {
        out.push_str(&text[copied..s.start]);
        out.push_str(MASK);
        copied = s.end;
    }
    out.push_str(&text[copied..]);
    Cow::Owned(out)
}

/// `user:pass@host/path` (a URL whose scheme was taken off) without `user:pass@`.
pub fn strip_bare(rest: &str) -> &str {
    let authority = rest.split('/').next().unwrap_or(rest);
    match authority.rfind('@') {
        Some(at) => &rest[at + 1..],
        None => rest,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_passwords_and_tokens_only() {
        assert_eq!(
            hide("url `https://x-access-token:ghp_abc123@github.com/o/r.git` here"),
            "url `https://********@github.com/o/r.git` here"
        );
        assert_eq!(
            hide("oci://u:p@reg.example/charts and http://a:b@h:8080"),
            "oci://********@reg.example/charts and http://********@h:8080"
        );
        assert_eq!(
            hide("https://ghp_0123456789abcdefghij@github.com/o"),
            "https://********@github.com/o"
        );
        for plain in [
            "ssh://git@github.com/o/r",
            "https://github.com/o/r@v1",
            "git@github.com:o/r.git",
            "mailto:a@b.c",
            "https://h/p?u=a:b@c",
            "docker://alpine:3.20.1@sha256:0123456789abcdef0123456789abcdef",
            "docker://averyveryverylongimagename@sha256:00000000000000000000000000000000",
            "",
            "://",
        ] {
            assert_eq!(hide(plain), plain);
        }
        assert_eq!(strip_bare("u:p@reg.example:5000/c"), "reg.example:5000/c");
        assert_eq!(strip_bare("reg.example/c@x"), "reg.example/c@x");
    }
}
