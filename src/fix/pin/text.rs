//! Writing a value into YAML text the way the file already writes it: inside the existing
//! quotes, or plain unless YAML would read the plain text as something other than a string
//! (`1.10` is a float), and a new key on its own line at the indentation of its neighbour
//! (or after it in a flow mapping).

use super::super::edit::Edit;
use std::ops::Range;

/// Whether plain `value` would not read back as the same string.
fn needs_quotes(value: &str) -> bool {
    value.is_empty()
        || value.parse::<f64>().is_ok()
        || matches!(
            value.to_ascii_lowercase().as_str(),
            "true" | "false" | "yes" | "no" | "on" | "off" | "null" | "~" | ".inf" | ".nan"
        )
        || value.starts_with(|c: char| "!&*?|>'\"%@`#,[]{}-:".contains(c))
        || value.contains(": ")
        || value.contains(" #")
}

/// The text replacing the scalar at `range` (the inner range of a quoted scalar).
pub fn scalar_for(old: &str, range: &Range<usize>, value: &str) -> String {
    let quoted = range.start > 0
        && matches!(old.as_bytes().get(range.start - 1), Some(b'"' | b'\''))
        && old.as_bytes().get(range.end) == old.as_bytes().get(range.start - 1);
    if quoted || !needs_quotes(value) {
        value.to_string()
    } else {
        format!("\"{value}\"")
    }
}

/// `key: value` beside the entry at `beside_key`/`beside_value`: on the next line at the
/// same indentation in block style, after it in a flow mapping. `None` when the entry is
/// neither (e.g. its value spans several lines).
pub fn new_key(
    old: &str,
    beside_key: &Range<usize>,
    beside_value: &Range<usize>,
    key: &str,
    value: &str,
) -> Option<Edit> {
    let shown = if needs_quotes(value) {
        format!("\"{value}\"")
    } else {
        value.to_string()
    };
    let after = old.get(beside_value.end..)?;
    let rest_of_line = after.split('\n').next().unwrap_or("");
    let next = rest_of_line.trim_start();
    if next.starts_with(',') || next.starts_with('}') {
        return Some(Edit::replace(
            beside_value.end..beside_value.end,
            format!(", {key}: {shown}"),
        ));
    }
    if !(next.is_empty() || next.starts_with('#')) {
        return None;
    }
    let line_start = old
        .get(..beside_key.start)?
        .rfind('\n')
        .map_or(0, |i| i + 1);
    let prefix = old.get(line_start..beside_key.start)?;
    // `  - chart: x`: the sequence dash is indentation for the next key.
    if !prefix.chars().all(|c| c == ' ' || c == '-') {
        return None;
    }
    let indent = " ".repeat(prefix.chars().count());
    let eol = beside_value.end + rest_of_line.len();
    let newline = if old[..eol].ends_with('\r') {
        "\r\n"
    } else {
        "\n"
    };
    Some(if eol < old.len() {
        Edit::replace(eol + 1..eol + 1, format!("{indent}{key}: {shown}{newline}"))
    } else {
        Edit::replace(eol..eol, format!("\n{indent}{key}: {shown}"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fix::edit::apply;

    fn add(old: &str, key_at: &str, value_at: &str) -> Option<String> {
        let k = old.find(key_at)?;
        let v = old.find(value_at)?;
        let e = new_key(
            old,
            &(k..k + key_at.len()),
            &(v..v + value_at.len()),
            "version",
            "1.2.3",
        )?;
        Some(apply(old, &[e]).text)
    }

    #[test]
    fn block_flow_and_comments() {
        assert_eq!(
            add(
                "releases:\n  - name: a\n    chart: s/nginx\n  - name: b\n",
                "chart",
                "s/nginx"
            )
            .as_deref(),
            Some("releases:\n  - name: a\n    chart: s/nginx\n    version: 1.2.3\n  - name: b\n")
        );
        assert_eq!(
            add("releases:\n  - chart: s/nginx # x\n", "chart", "s/nginx").as_deref(),
            Some("releases:\n  - chart: s/nginx # x\n    version: 1.2.3\n")
        );
        assert_eq!(
            add("releases:\n- chart: s/nginx", "chart", "s/nginx").as_deref(),
            Some("releases:\n- chart: s/nginx\n  version: 1.2.3")
        );
        assert_eq!(
            add(
                "releases: [{chart: s/nginx, name: a}]\n",
                "chart",
                "s/nginx"
            )
            .as_deref(),
            Some("releases: [{chart: s/nginx, version: 1.2.3, name: a}]\n")
        );
        assert_eq!(
            add("a: {x: 1} chart: s/nginx junk\n", "chart", "s/nginx"),
            None
        );
    }

    #[test]
    fn quoting_follows_the_file_and_yaml() {
        let old = "a: \"x\"\nb: x\n";
        assert_eq!(scalar_for(old, &(4..5), "1.10"), "1.10");
        assert_eq!(scalar_for(old, &(10..11), "1.10"), "\"1.10\"");
        assert_eq!(scalar_for(old, &(10..11), "1.2.3"), "1.2.3");
        assert_eq!(scalar_for(old, &(10..11), "v1.2.3"), "v1.2.3");
    }
}
