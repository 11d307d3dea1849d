//! Configuration errors in plain words: the YAML parser's and serde's messages ("expected
//! sequence start", "unknown field … expected one of …") said the way a person writing the
//! file thinks of it, with the location given once and a did-you-mean for a misspelt key,
//! value or rule.

use crate::suggest;

/// Rewrites one parser message (its first line; the location is given separately).
pub fn plain(message: &str) -> String {
    let m = strip_location(message.lines().next().unwrap_or(message).trim());
    if let Some(rest) = m.strip_prefix("unknown field ") {
        return one_of(rest, "key");
    }
    if let Some(rest) = m.strip_prefix("unknown variant ") {
        return one_of(rest, "value");
    }
    match m {
        "expected sequence start" => {
            "expected a list here (`[a, b]`, or one `- a` per line)".into()
        }
        "expected mapping start" => "expected `key: value` entries here".into(),
        _ if m.starts_with("missing field ") => m.replacen("missing field", "missing key", 1),
        _ if m.starts_with("duplicate field ") => {
            m.replacen("duplicate field", "the key", 1) + " is given twice"
        }
        _ => m.to_string(),
    }
}

/// `` `x`, expected one of a, b `` → `` unknown key `x` (did you mean `a`?); known keys: a, b ``.
fn one_of(rest: &str, what: &str) -> String {
    let (name, expected) = match rest.split_once(", expected one of ") {
        Some((n, e)) => (n, Some(e)),
        None => match rest.split_once(", there are no ") {
            Some((n, _)) => (n, None),
            None => (rest, None),
        },
    };
    let bare = name.trim_matches('`');
    match expected {
        Some(list) => {
            let known: Vec<&str> = list.split(", ").map(|s| s.trim_matches('`')).collect();
            format!(
                "unknown {what} `{bare}`{}; the {what}s here are: {}",
                suggest::hint(bare, known.iter().copied()),
                known.join(", ")
            )
        }
        None => format!("unknown {what} `{bare}`: nothing is allowed here"),
    }
}

/// Drops the `error: ` and `line N column M: ` prefixes the parser repeats.
fn strip_location(m: &str) -> &str {
    let m = m.strip_prefix("error: ").unwrap_or(m);
    if let Some(rest) = m.strip_prefix("line ")
        && let Some((pos, tail)) = rest.split_once(": ")
        && pos
            .split(" column ")
            .all(|n| n.bytes().all(|b| b.is_ascii_digit()))
    {
        return tail;
    }
    m
}

/// The 1-based `:line:column` of the first `key:` written at the start of a line (after
/// indentation) in `text`, for errors found after parsing (an unknown rule, a bad glob).
pub fn locate_key(text: &str, key: &str) -> Option<String> {
    for (i, line) in text.split_inclusive('\n').enumerate() {
        let body = line.trim_start();
        let body = body.strip_prefix("- ").unwrap_or(body);
        let indent = line.len() - body.len();
        let quoted = [
            format!("{key}:"),
            format!("\"{key}\":"),
            format!("'{key}':"),
        ];
        if quoted.iter().any(|q| body.starts_with(q.as_str())) {
            return Some(format!(":{}:{}", i + 1, indent + 1));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parser_jargon_becomes_plain() {
        assert_eq!(
            plain(
                "error: line 1 column 1: unknown field `exlude`, expected one of rules, exclude, max-file-size"
            ),
            "unknown key `exlude` (did you mean `exclude`?); the keys here are: rules, exclude, max-file-size"
        );
        assert_eq!(
            plain("error: line 1 column 10: expected sequence start"),
            "expected a list here (`[a, b]`, or one `- a` per line)"
        );
        assert_eq!(
            plain("line 2 column 11: unknown variant `jx4`, expected one of jx3, none"),
            "unknown value `jx4` (did you mean `jx3`?); the values here are: jx3, none"
        );
        assert_eq!(
            plain("line 1 column 10: unclosed bracket '['"),
            "unclosed bracket '['"
        );
    }

    #[test]
    fn keys_are_located() {
        let text = "rules:\n  GG101: off\n  \"GG1O1\": warning\n";
        assert_eq!(locate_key(text, "GG101").as_deref(), Some(":2:3"));
        assert_eq!(locate_key(text, "GG1O1").as_deref(), Some(":3:3"));
        assert_eq!(locate_key(text, "nope"), None);
    }
}
