//! Tolerant reading of Helm/Go templates.
//!
//! A template is not YAML until rendered, but most of it is. We parse a *masked* copy of the
//! text with the same byte length (so every span still points into the original):
//!
//! - a line whose only content is template actions (`{{- if .Values.x }}`, `{{ end }}`,
//!   `{{- include "x" . | nindent 4 }}`, `{{/* comment */}}`) becomes spaces;
//! - an action inside a value (`name: {{ include "app.fullname" . }}`) becomes letters, which
//!   read as part of a plain or quoted scalar (`{{` itself would open a flow mapping).
//!
//! Line breaks are kept in both cases, so lines and columns stay where they were.
//!
//! Blank lines are wrong in one place: as the first lines of a block scalar, where a blank line
//! longer than the content's indentation is an error. [`Standalone::Comment`] turns such lines
//! into comments instead (wrong in other places), for a second attempt.

use memchr::{memchr, memmem};
use std::ops::Range;

/// Filler for inline actions: a letter is valid anywhere in a plain or quoted scalar.
const FILLER: u8 = b'x';

/// A masked copy of a text and the byte ranges (relative to the text) of its actions.
pub(super) struct Masked {
    pub text: String,
    /// Sorted, non-overlapping ranges of the template actions.
    pub actions: Vec<Range<usize>>,
}

/// What a line holding only template actions becomes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Standalone {
    /// Spaces.
    Blank,
    /// A comment: `#` then spaces (line breaks of multi-line actions start new comments).
    Comment,
}

/// Masks the template actions in `text`; `None` when it has none.
pub(super) fn mask(text: &str, standalone_as: Standalone) -> Option<Masked> {
    let actions = find_actions(text.as_bytes());
    if actions.is_empty() {
        return None;
    }
    let mut out = text.as_bytes().to_vec();
    let mut i = 0;
    while i < actions.len() {
        // A run of actions separated only by blanks on one line.
        let mut j = i;
        while j + 1 < actions.len() && only_blanks(&out, actions[j].end..actions[j + 1].start) {
            j += 1;
        }
        let (first, last) = (actions[i].start, actions[j].end);
        if standalone(&out, first, last) {
            let mut line_start = true;
            for b in out.get_mut(first..last).unwrap_or_default() {
                match *b {
                    b'\n' | b'\r' => line_start = true,
                    b' ' | b'\t' => *b = b' ',
                    _ if line_start && standalone_as == Standalone::Comment => {
                        *b = b'#';
                        line_start = false;
                    }
                    _ => {
                        *b = b' ';
                        line_start = false;
                    }
                }
            }
        } else {
            for r in &actions[i..=j] {
                fill_inline(&mut out, r.clone());
            }
        }
        i = j + 1;
    }
    // Whole UTF-8 sequences inside actions became ASCII and the rest is untouched, so this
    // cannot fail; fall back to no masking rather than panic if it ever did.
    let text = String::from_utf8(out).ok()?;
    Some(Masked { text, actions })
}

fn only_blanks(b: &[u8], r: Range<usize>) -> bool {
    b.get(r)
        .is_some_and(|s| s.iter().all(|&c| c == b' ' || c == b'\t'))
}

/// True when nothing but blanks precede `first` on its line, and nothing but blanks or a
/// comment follow `last` on its line. Only the blanks are scanned, so a long line with many
/// actions costs linear time.
fn standalone(b: &[u8], first: usize, last: usize) -> bool {
    let before = b.get(..first).unwrap_or_default();
    let lead = before
        .iter()
        .rev()
        .take_while(|&&c| c == b' ' || c == b'\t')
        .count();
    if !matches!(
        before.len().checked_sub(lead + 1).map(|i| before[i]),
        None | Some(b'\n' | b'\r')
    ) {
        return false;
    }
    let after = b.get(last..).unwrap_or_default();
    let blanks = after
        .iter()
        .take_while(|&&c| matches!(c, b' ' | b'\t' | b'\r'))
        .count();
    match after.get(blanks) {
        None | Some(b'\n') => true,
        Some(b'#') => blanks > 0,
        Some(_) => false,
    }
}

/// Replaces an inline action by letters. Line breaks stay, and so does the indentation of its
/// continuation lines (as spaces), so a multi-line action keeps the block structure.
fn fill_inline(b: &mut [u8], r: Range<usize>) {
    let mut line_start = false;
    for c in b.get_mut(r).unwrap_or_default() {
        match *c {
            b'\n' | b'\r' => line_start = true,
            b' ' | b'\t' if line_start => *c = b' ',
            _ => {
                line_start = false;
                *c = FILLER;
            }
        }
    }
}

/// The byte ranges of all `{{ ... }}` actions. Go string literals and comments inside an
/// action may contain `}}`; an action without its closing `}}` runs to the end of its line.
pub(super) fn find_actions(b: &[u8]) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let finder = memmem::Finder::new(b"{{");
    let mut from = 0;
    while let Some(p) = b.get(from..).and_then(|s| finder.find(s)).map(|i| from + i) {
        let end = action_end(b, p + 2).unwrap_or_else(|| {
            // Unterminated: up to the last non-blank of the line.
            let rest = b.get(p..).unwrap_or_default();
            let line = &rest[..memchr(b'\n', rest).unwrap_or(rest.len())];
            let len = line
                .iter()
                .rposition(|c| !matches!(c, b' ' | b'\t' | b'\r'))
                .map_or(0, |i| i + 1);
            p + len.max(2)
        });
        out.push(p..end);
        from = end.max(p + 2);
    }
    out
}

/// The offset after the `}}` closing an action whose body starts at `i`.
fn action_end(b: &[u8], mut i: usize) -> Option<usize> {
    while let Some(&c) = b.get(i) {
        match c {
            b'}' if b.get(i + 1) == Some(&b'}') => return Some(i + 2),
            // Interpreted string: ends at the matching quote or the line. (Rune literals are
            // not worth the risk of reading a YAML apostrophe as one.)
            b'"' => {
                i += 1;
                while let Some(&d) = b.get(i) {
                    match d {
                        b'\\' => i += 2,
                        b'\n' => break,
                        b'"' => {
                            i += 1;
                            break;
                        }
                        _ => i += 1,
                    }
                }
            }
            // Not Go syntax outside a string, but common when the template sits in a JSON
            // string inside YAML (`"{{ f \"x\" }}"`): the escaped quote opens no string.
            b'\\' => i += 2,
            // Raw string: may span lines.
            b'`' => {
                let rest = b.get(i + 1..)?;
                i += 2 + memchr(b'`', rest)?;
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                let rest = b.get(i + 2..)?;
                i += 4 + memmem::find(rest, b"*/")?;
            }
            _ => i += 1,
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::{Standalone, find_actions, mask};

    fn masked(t: &str) -> String {
        let m = mask(t, Standalone::Blank).expect("has actions");
        assert_eq!(m.text.len(), t.len());
        m.text
    }

    #[test]
    fn no_actions() {
        assert!(mask("a: b\n", Standalone::Blank).is_none());
    }

    #[test]
    fn standalone_lines_become_spaces() {
        let t = "a:\n  {{- if .Values.x }}\n  b: 1\n  {{- end }} {{/* c */}}\n";
        assert_eq!(
            masked(t),
            "a:\n                     \n  b: 1\n                        \n"
        );
        let t = "  {{- include \"x\" . | nindent 4 }} # note\r\nb: 1\r\n";
        assert_eq!(
            masked(t),
            "                                   # note\r\nb: 1\r\n"
        );
    }

    #[test]
    fn standalone_lines_as_comments() {
        let t = "  {{- if .x }}\n  {{ include \"a\" (dict\n    \"b\" 1) }}\nc: {{ .d }}\n";
        let m = mask(t, Standalone::Comment).unwrap();
        assert_eq!(
            m.text,
            "  #           \n  #                   \n    #        \nc: xxxxxxxx\n"
        );
    }

    #[test]
    fn inline_actions_become_letters() {
        assert_eq!(
            masked("name: {{ include \"app.fullname\" . }}-svc\n"),
            "name: xxxxxxxxxxxxxxxxxxxxxxxxxxxxxx-svc\n"
        );
        assert_eq!(
            masked("image: \"{{ .Values.image }}:{{ .Values.tag }}\"\n"),
            "image: \"xxxxxxxxxxxxxxxxxxx:xxxxxxxxxxxxxxxxx\"\n"
        );
        assert_eq!(masked("- {{ .x }}\n"), "- xxxxxxxx\n");
    }

    #[test]
    fn multi_line_actions_keep_line_breaks() {
        let t = "a: {{ include \"x\" (dict\n     \"k\" 1) }}\n";
        assert_eq!(masked(t), "a: xxxxxxxxxxxxxxxxxxxx\n     xxxxxxxxx\n");
        let t = "{{- range $k, $v := (dict\n  \"a\" 1) }}\nb: 1\n";
        assert_eq!(
            masked(t),
            " ".repeat(25) + "\n" + &" ".repeat(11) + "\nb: 1\n"
        );
    }

    #[test]
    fn strings_and_comments_inside_actions() {
        let t = "a: {{ printf \"}}\" }} {{/* }} */}} {{ `}}` }}";
        let r = find_actions(t.as_bytes());
        assert_eq!(r.len(), 3);
        assert_eq!(&t[r[0].clone()], "{{ printf \"}}\" }}");
        assert_eq!(&t[r[1].clone()], "{{/* }} */}}");
        assert_eq!(&t[r[2].clone()], "{{ `}}` }}");
    }

    #[test]
    fn escaped_quotes_inside_action() {
        let t = r#"a: '{"t":"{{ f \"x\" \"y\" }}","r":true}'"#;
        let r = find_actions(t.as_bytes());
        assert_eq!(&t[r[0].clone()], r#"{{ f \"x\" \"y\" }}"#);
    }

    #[test]
    fn unterminated_action_runs_to_end_of_line() {
        let t = "a: {{ .x \t\nb: 1\n";
        assert_eq!(masked(t), "a: xxxxx \t\nb: 1\n");
    }

    #[test]
    fn non_ascii_inside_action() {
        let t = "a: {{ \"é\" }}\n";
        assert_eq!(masked(t), "a: xxxxxxxxxx\n");
    }
}
