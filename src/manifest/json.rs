//! JSON read by the YAML parser: JSON is almost a subset of YAML 1.2 flow style. The two
//! differences that occur in real files are rewritten in a copy of the same byte length, so
//! spans still point into the original.

use memchr::memmem;

/// A copy of `text` that the YAML parser reads as the JSON means it, or `None` when the text
/// needs no change.
///
/// - Tabs: JSON allows them as white space anywhere, YAML flow context not everywhere. Inside
///   JSON strings they must be escaped, so blanking raw tabs changes no value.
/// - `\uD83D\uDE00` (a UTF-16 surrogate pair, as JavaScript writes astral characters): YAML
///   rejects surrogate escapes. The 12 bytes become `\` line-break `\U0001F600`: an escaped
///   line break adds nothing to a double-quoted scalar, and the continuation line starts with
///   the escape, so no white space is folded away. A lone surrogate becomes `\uFFFD`, the
///   replacement character, as Go's JSON decoder reads it.
pub(super) fn yaml_compatible(text: &str) -> Option<String> {
    let b = text.as_bytes();
    let has_tab = b.contains(&b'\t');
    let surrogates = surrogate_escapes(b);
    if !has_tab && surrogates.is_empty() {
        return None;
    }
    let mut out = b.to_vec();
    if has_tab {
        for c in out.iter_mut().filter(|c| **c == b'\t') {
            *c = b' ';
        }
    }
    for (at, replacement) in surrogates {
        if let Some(dst) = out.get_mut(at..at + replacement.len()) {
            dst.copy_from_slice(replacement.as_bytes());
        }
    }
    // Only ASCII bytes were written over ASCII bytes.
    String::from_utf8(out).ok()
}

/// `(offset, replacement)` for every surrogate `\u` escape; each replacement has the length
/// of what it replaces.
fn surrogate_escapes(b: &[u8]) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(p) = b
        .get(i..)
        .and_then(|s| memmem::find(s, b"\\u"))
        .map(|p| i + p)
    {
        i = p + 2;
        // `\\u` is an escaped backslash followed by `u`: count the backslashes before.
        let backslashes = b[..p].iter().rev().take_while(|&&c| c == b'\\').count();
        if backslashes % 2 == 1 {
            continue;
        }
        let Some(hi) = hex4(b, p + 2) else { continue };
        if !(0xD800..=0xDFFF).contains(&hi) {
            continue;
        }
        let lo = (b.get(p + 6..p + 8) == Some(b"\\u"))
            .then(|| hex4(b, p + 8))
            .flatten()
            .filter(|lo| (0xDC00..=0xDFFF).contains(lo));
        match lo {
            Some(lo) if hi < 0xDC00 => {
                let c = 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
                out.push((p, format!("\\\n\\U{c:08X}")));
                i = p + 12;
            }
            _ => {
                out.push((p, "\\uFFFD".to_string()));
                i = p + 6;
            }
        }
    }
    out
}

fn hex4(b: &[u8], at: usize) -> Option<u32> {
    let s = std::str::from_utf8(b.get(at..at + 4)?).ok()?;
    u32::from_str_radix(s, 16).ok()
}

#[cfg(test)]
mod tests {
    use super::yaml_compatible;

    #[test]
    fn unchanged_without_tabs_or_surrogates() {
        assert!(yaml_compatible("{\"a\": \"\\u00e9\\n\"}").is_none());
    }

    #[test]
    fn rewrites_keep_the_length() {
        let t = "{\t\"a\": \"\\ud83d\\ude00 x\", \"b\": \"\\uDE00\", \"c\": \"\\\\ud83d\"}";
        let out = yaml_compatible(t).unwrap();
        assert_eq!(out.len(), t.len());
        assert_eq!(
            out,
            "{ \"a\": \"\\\n\\U0001F600 x\", \"b\": \"\\uFFFD\", \"c\": \"\\\\ud83d\"}"
        );
    }
}
