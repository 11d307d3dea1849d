//! Text shown to people with every secret value replaced by a fixed-width mask, and the map
//! that points byte offsets of the original text into it.
//!
//! A mask of the value's own length would tell its length (a 4-character PIN, a 40-character
//! token); every masked piece is therefore the same [`MASK`]. Line breaks inside a value are
//! kept, so the shown text has the same lines as the file and line numbers stay exact; only
//! columns after a mask move, which [`Masked::offset_start`] and [`Masked::offset_end`] account
//! for.

pub mod userinfo;

use std::ops::Range;

/// What every masked piece of a value is shown as, whatever its length.
pub const MASK: &str = "********";

/// One masked piece: the original byte range (within one line) and where its mask starts.
#[derive(Debug, Clone)]
struct Piece {
    original: Range<usize>,
    at: usize,
}

/// The masked text and its offset map.
#[derive(Debug, Clone)]
pub struct Masked {
    pub text: String,
    pieces: Vec<Piece>,
}

impl Masked {
    /// Masks every byte range of `spans` in `text` (ranges may overlap or be unordered; they
    /// are clamped to the text and widened to character boundaries).
    pub fn new(text: &str, spans: &[Range<usize>]) -> Masked {
        let mut ranges: Vec<Range<usize>> = spans
            .iter()
            .map(|s| {
                let end = ceil_boundary(text, s.end.min(text.len()));
                floor_boundary(text, s.start.min(end))..end
            })
            .filter(|r| !r.is_empty())
            .collect();
        ranges.sort_by_key(|r| r.start);
        let mut merged: Vec<Range<usize>> = Vec::with_capacity(ranges.len());
        for r in ranges {
            match merged.last_mut() {
                Some(last) if r.start <= last.end => last.end = last.end.max(r.end),
                _ => merged.push(r),
            }
        }
        let mut out = String::with_capacity(text.len());
        let mut pieces = Vec::new();
        let mut copied = 0;
        for range in merged {
            // One piece per line of the value; indentation stays.
            let mut line_start = range.start;
            for line in text[range.clone()].split('\n') {
                let line_end = line_start + line.len();
                let content = line.trim_end_matches('\r');
                let lead = content.len() - content.trim_start().len();
                let piece = line_start + lead..line_start + content.len();
                if !piece.is_empty() {
                    out.push_str(&text[copied..piece.start]);
                    pieces.push(Piece {
                        original: piece.clone(),
                        at: out.len(),
                    });
                    out.push_str(MASK);
                    copied = piece.end;
                }
                line_start = line_end + 1;
            }
        }
        out.push_str(&text[copied..]);
        Masked { text: out, pieces }
    }

    /// Where a span starting at `offset` of the original starts in the masked text.
    pub fn offset_start(&self, offset: usize) -> usize {
        self.map(offset, false)
    }

    /// Where a span ending at `offset` of the original ends in the masked text.
    pub fn offset_end(&self, offset: usize) -> usize {
        self.map(offset, true)
    }

    /// A span of the original, in the masked text.
    pub fn span(&self, span: &Range<usize>) -> Range<usize> {
        let start = self.offset_start(span.start);
        start..self.offset_end(span.end).max(start)
    }

    fn map(&self, offset: usize, is_end: bool) -> usize {
        let i = self.pieces.partition_point(|p| p.original.start <= offset);
        let Some(p) = i.checked_sub(1).and_then(|i| self.pieces.get(i)) else {
            return offset.min(self.text.len());
        };
        let mapped = if offset >= p.original.end {
            p.at + MASK.len() + (offset - p.original.end)
        } else if offset == p.original.start || !is_end {
            p.at
        } else {
            p.at + MASK.len()
        };
        mapped.min(self.text.len())
    }
}

fn floor_boundary(text: &str, mut i: usize) -> usize {
    while i > 0 && !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn ceil_boundary(text: &str, mut i: usize) -> usize {
    while i < text.len() && !text.is_char_boundary(i) {
        i += 1;
    }
    i
}

#[cfg(test)]
#[allow(clippy::single_range_in_vec_init)] // one masked span is the common case
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn fixed_width_and_same_lines() {
        let text = "a: secret\nb: |\n  multi\n  line\nc: x\n";
        let value = 3..9;
        let block = text.find("  multi").unwrap_or(0)..text.find("\nc:").unwrap_or(0);
        let m = Masked::new(text, &[value, block]);
        assert_eq!(m.text, "a: ********\nb: |\n  ********\n  ********\nc: x\n");
        assert_eq!(m.text.lines().count(), text.lines().count());
        // `c` keeps its own offset relative to the end of the last mask.
        let c = text.find("c:").unwrap_or(0);
        assert_eq!(&m.text[m.offset_start(c)..m.offset_start(c) + 4], "c: x");
    }

    #[test]
    fn short_and_long_values_look_alike() {
        let a = Masked::new("k: 1\n", &[3..4]);
        let b = Masked::new("k: 0123456789abcdef0123456789\n", &[3..29]);
        assert_eq!(a.text, b.text);
    }

    #[test]
    fn spans_inside_and_around_masks() {
        let text = "key: value  # note\n";
        let m = Masked::new(text, &[5..10]);
        assert_eq!(m.text, "key: ********  # note\n");
        assert_eq!(m.span(&(0..3)), 0..3);
        assert_eq!(m.span(&(5..10)), 5..13);
        assert_eq!(m.span(&(7..8)), 5..13);
        assert_eq!(&m.text[m.span(&(12..18))], "# note");
        assert_eq!(m.span(&(0..19)), 0..m.text.len());
    }

    #[test]
    fn crlf_and_multibyte() {
        let text = "a: é€x\r\nb: y\r\n";
        let m = Masked::new(text, &[3..9]);
        assert_eq!(m.text, "a: ********\r\nb: y\r\n");
    }

    proptest! {
        /// No masked byte survives, lines are kept, and mapped spans are in bounds and ordered.
        #[test]
        fn masks_hide_everything_and_map_in_bounds(
            text in "[a-z: \\n\\r]{0,80}",
            spans in proptest::collection::vec((0usize..90, 0usize..30), 0..6),
        ) {
            let spans: Vec<Range<usize>> = spans.into_iter().map(|(s, l)| s..s + l).collect();
            let m = Masked::new(&text, &spans);
            prop_assert_eq!(m.text.matches('\n').count(), text.matches('\n').count());
            for s in &spans {
                let r = m.span(s);
                prop_assert!(r.start <= r.end && r.end <= m.text.len());
            }
            let mut last = 0;
            for o in 0..=text.len() {
                let x = m.offset_start(o);
                prop_assert!(x >= last && x <= m.text.len());
                last = x;
            }
            // Every letter that was outside all spans is still there, in order.
            let outside: String = text
                .char_indices()
                .filter(|(i, c)| c.is_ascii_alphabetic() && !spans.iter().any(|s| s.contains(i)))
                .map(|(_, c)| c)
                .collect();
            let shown: String = m.text.chars().filter(char::is_ascii_alphabetic).collect();
            prop_assert_eq!(outside, shown);
        }
    }
}
