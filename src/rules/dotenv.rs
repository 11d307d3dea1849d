//! `KEY=value` files: dotenv (`.env`, kustomize `envs:`), Java-style properties and INI, with
//! the byte span of every key and value. Read tolerantly: a line that is not an entry is
//! skipped, never an error.

use std::ops::Range;

/// One `key = value` line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The INI section the entry is in (`""` before any section or in a dotenv file).
    pub section: String,
    pub key: String,
    pub key_span: Range<usize>,
    /// The value without surrounding quotes.
    pub value: String,
    /// The value's span in the file (inside the quotes, if any).
    pub value_span: Range<usize>,
}

/// How lines are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Syntax {
    /// `KEY=value`, `export KEY=value`, `#` comments.
    Dotenv,
    /// `key=value`, `key: value` or `key value`; `#` and `!` comments.
    Properties,
    /// `[section]` headers, `key = value` / `key: value`; `#` and `;` comments.
    Ini,
}

/// The entries of `text`, in order.
pub fn parse(text: &str, syntax: Syntax) -> Vec<Entry> {
    let mut out = Vec::new();
    let mut section = String::new();
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let base = offset;
        offset += line.len();
        let content = line.trim_end_matches(['\n', '\r']);
        let lead = content.len() - content.trim_start().len();
        let body = &content[lead..];
        if body.is_empty() {
            continue;
        }
        let comment = match syntax {
            Syntax::Dotenv => body.starts_with('#'),
            Syntax::Properties => body.starts_with('#') || body.starts_with('!'),
            Syntax::Ini => body.starts_with('#') || body.starts_with(';'),
        };
        if comment {
            continue;
        }
        if syntax == Syntax::Ini && body.starts_with('[') {
            if let Some(end) = body.find(']') {
                section = body[1..end].trim().to_string();
            }
            continue;
        }
        let (mut key_start, rest_start) = (lead, lead);
        let mut body = body;
        if syntax == Syntax::Dotenv
            && let Some(stripped) = body.strip_prefix("export ")
        {
            let skip = body.len() - stripped.trim_start().len();
            key_start += skip;
            body = &body[skip..];
        }
        let _ = rest_start;
        let sep = match syntax {
            Syntax::Dotenv => body.find('='),
            Syntax::Ini => body.find(['=', ':']),
            Syntax::Properties => body.find(['=', ':', ' ', '\t']),
        };
        let Some(sep) = sep else { continue };
        let key = body[..sep].trim_end();
        if key.is_empty() || key.contains(char::is_whitespace) && syntax == Syntax::Dotenv {
            continue;
        }
        let key_span = base + key_start..base + key_start + key.len();
        let after = &body[sep + 1..];
        let after = if syntax == Syntax::Properties {
            after.trim_start_matches([' ', '\t', '=', ':'])
        } else {
            after.trim_start()
        };
        let value_start = base + key_start + (body.len() - after.len());
        let (value, span) = unquote(after, value_start, syntax);
        out.push(Entry {
            section: section.clone(),
            key: key.to_string(),
            key_span,
            value,
            value_span: span,
        });
    }
    out
}

/// A value without its quotes (and, unquoted in dotenv, without a trailing ` # comment`).
fn unquote(raw: &str, start: usize, syntax: Syntax) -> (String, Range<usize>) {
    let trimmed = raw.trim_end();
    for q in ['"', '\''] {
        if trimmed.len() >= 2 && trimmed.starts_with(q) && trimmed.ends_with(q) {
            let inner = &trimmed[1..trimmed.len() - 1];
            return (inner.to_string(), start + 1..start + 1 + inner.len());
        }
    }
    let mut value = trimmed;
    if syntax != Syntax::Properties
        && let Some(i) = value.find(" #")
    {
        value = value[..i].trim_end();
    }
    (value.to_string(), start..start + value.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dotenv_lines() {
        let text = "# c\nA=1\nexport B = \"two words\"\nC='x' \n\nbad line\nD=v # note\nE=\n";
        let e = parse(text, Syntax::Dotenv);
        let kv: Vec<_> = e
            .iter()
            .map(|e| (e.key.as_str(), e.value.as_str()))
            .collect();
        assert_eq!(
            kv,
            vec![
                ("A", "1"),
                ("B", "two words"),
                ("C", "x"),
                ("D", "v"),
                ("E", "")
            ]
        );
        for entry in &e {
            assert_eq!(&text[entry.value_span.clone()], entry.value);
            assert_eq!(&text[entry.key_span.clone()], entry.key);
        }
    }

    #[test]
    fn ini_and_properties() {
        let text = "; c\n[db]\npassword = ENC[x]\n[sops]\nmac: y\n";
        let e = parse(text, Syntax::Ini);
        assert_eq!(e.len(), 2);
        assert_eq!(
            (e[0].section.as_str(), e[0].key.as_str()),
            ("db", "password")
        );
        assert_eq!(&text[e[1].value_span.clone()], "y");
        let p = parse("! c\na.b = 1\nc: 2\nd 3\n", Syntax::Properties);
        let kv: Vec<_> = p
            .iter()
            .map(|e| (e.key.as_str(), e.value.as_str()))
            .collect();
        assert_eq!(kv, vec![("a.b", "1"), ("c", "2"), ("d", "3")]);
    }

    #[test]
    fn hostile_lines() {
        for text in [
            "=",
            "\"",
            "a=\"",
            "[",
            "[x",
            "é=é\r\n",
            "export",
            "export =",
        ] {
            for s in [Syntax::Dotenv, Syntax::Properties, Syntax::Ini] {
                for e in parse(text, s) {
                    assert!(text.get(e.value_span.clone()).is_some());
                    assert!(text.get(e.key_span.clone()).is_some());
                }
            }
        }
    }
}
