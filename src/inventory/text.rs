//! Escaping for the report formats. Everything shown comes from the repository, which may be
//! hostile (a pull request from anyone): names, paths and messages are escaped for the format
//! they land in, never pasted raw.

/// Text for inside a Markdown code span: no backticks, no line breaks, no control characters.
pub fn plain(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '`' => '\'',
            c if c.is_control() => ' ',
            c => c,
        })
        .collect()
}

/// Text for a Markdown table cell or paragraph: Markdown and HTML syntax escaped, one line.
pub fn md(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\\' | '|' | '*' | '_' | '`' | '[' | ']' | '~' => {
                out.push('\\');
                out.push(c);
            }
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// Text for HTML element content and attribute values.
pub fn html(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() && c != '\n' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// A repository path as a relative URL: every byte outside the unreserved set and `/` is
/// percent-encoded, so no path can break out of a link (`)`, spaces, `javascript:`...).
pub fn url_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    // A path segment `..` or a leading `/` could leave the repository: never produced by
    // the readers, but a link must not depend on that.
    let out = out.trim_start_matches('/').to_string();
    if out.split('/').any(|s| s == "..") {
        return out.replace("..", "%2E%2E");
    }
    out
}

/// The link to `path` at `line`, relative to `base` (a prefix such as `../` or a URL ending
/// in `/`).
pub fn link(base: &str, path: &str, line: usize) -> String {
    if line > 0 {
        format!("{base}{}#L{line}", url_path(path))
    } else {
        format!("{base}{}", url_path(path))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes() {
        assert_eq!(md("a|b_c*<x>"), "a\\|b\\_c\\*&lt;x&gt;");
        assert_eq!(md("line\nbreak"), "line break");
        assert_eq!(html("<script>\"'&"), "&lt;script&gt;&quot;&#39;&amp;");
        assert_eq!(plain("a`b\nc"), "a'b c");
        assert_eq!(url_path("a b/(c).yaml"), "a%20b/%28c%29.yaml");
        assert_eq!(url_path("/x/../y"), "x/%2E%2E/y");
        assert_eq!(link("../", "a/b.yaml", 3), "../a/b.yaml#L3");
        assert_eq!(url_path("javascript:alert(1)"), "javascript%3Aalert%281%29");
    }
}
