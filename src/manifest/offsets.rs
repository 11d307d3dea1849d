//! saphyr reports positions as character indices; spans are byte offsets. This maps one to the
//! other without rescanning the text per lookup.

/// Characters between checkpoints: a lookup walks at most this many characters.
const STRIDE: usize = 64;

/// Character index → byte offset for one text.
pub(super) struct CharMap {
    /// Byte length of the text (the answer for any index at or past the end).
    len: usize,
    /// `None` when the text is ASCII (indices are byte offsets); otherwise the byte offset of
    /// every `STRIDE`-th character.
    checkpoints: Option<Vec<usize>>,
}

impl CharMap {
    pub(super) fn new(text: &str) -> CharMap {
        let checkpoints = if text.is_ascii() {
            None
        } else {
            let mut cps = Vec::with_capacity(text.len() / STRIDE + 1);
            for (n, (b, _)) in text.char_indices().enumerate() {
                if n % STRIDE == 0 {
                    cps.push(b);
                }
            }
            Some(cps)
        };
        CharMap {
            len: text.len(),
            checkpoints,
        }
    }

    /// The byte offset of character `index` in `text` (the text this map was built from),
    /// clamped to the text's length. Always a char boundary.
    pub(super) fn byte(&self, text: &str, index: usize) -> usize {
        let Some(cps) = &self.checkpoints else {
            return index.min(self.len);
        };
        let Some(&from) = cps.get(index / STRIDE) else {
            return self.len;
        };
        let bytes = text.as_bytes();
        let mut pos = from;
        for _ in 0..index % STRIDE {
            let Some(&lead) = bytes.get(pos) else {
                return self.len;
            };
            pos += utf8_width(lead);
        }
        pos.min(self.len)
    }
}

/// Length of the UTF-8 sequence that starts with `lead` (1 for stray continuation bytes, which
/// cannot occur in a `str` at a char boundary).
fn utf8_width(lead: u8) -> usize {
    match lead {
        0x00..=0x7F => 1,
        0xC0..=0xDF => 2,
        0xE0..=0xEF => 3,
        0xF0..=0xFF => 4,
        _ => 1,
    }
}

#[cfg(test)]
mod tests {
    use super::CharMap;

    #[test]
    fn ascii_is_identity() {
        let t = "abc: def";
        let m = CharMap::new(t);
        assert_eq!(m.byte(t, 0), 0);
        assert_eq!(m.byte(t, 5), 5);
        assert_eq!(m.byte(t, 100), t.len());
    }

    #[test]
    fn non_ascii_matches_char_indices() {
        let t: String = "aé€😀b".repeat(50);
        let m = CharMap::new(&t);
        for (n, (b, _)) in t.char_indices().enumerate() {
            assert_eq!(m.byte(&t, n), b, "char {n}");
        }
        assert_eq!(m.byte(&t, t.chars().count()), t.len());
        assert_eq!(m.byte(&t, t.chars().count() + 7), t.len());
    }
}
