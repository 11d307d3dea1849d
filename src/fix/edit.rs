//! Byte-range edits and applying them to a buffer in one pass.
//!
//! Invariants: edits are applied in order of their start; an edit that overlaps one already
//! accepted is skipped (never merged) and reported back; every byte outside the accepted
//! ranges is copied unchanged.

use std::ops::Range;

/// Replace `range` of the original text with `content`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edit {
    pub range: Range<usize>,
    pub content: String,
}

impl Edit {
    pub fn replace(range: Range<usize>, content: impl Into<String>) -> Edit {
        Edit {
            range,
            content: content.into(),
        }
    }
}

/// The result of [`apply`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applied {
    pub text: String,
    /// Indices (into the input slice) of the edits that were applied.
    pub applied: Vec<usize>,
    /// Indices of the edits skipped because they overlap an applied one or are out of bounds.
    pub skipped: Vec<usize>,
}

/// Applies `edits` to `src` in one pass over the original. Edits are taken in order of
/// `(range.start, range.end)` (input order among equals, so insertions at one point keep
/// their order); one that overlaps an earlier accepted edit, or whose range
/// is out of bounds or not on character boundaries, is skipped.
pub fn apply(src: &str, edits: &[Edit]) -> Applied {
    let mut order: Vec<usize> = (0..edits.len()).collect();
    order.sort_by_key(|&i| (edits[i].range.start, edits[i].range.end));
    let mut text = String::with_capacity(src.len());
    let mut applied = Vec::new();
    let mut skipped = Vec::new();
    let mut pos = 0;
    for i in order {
        let r = &edits[i].range;
        let valid = r.start <= r.end
            && r.end <= src.len()
            && src.is_char_boundary(r.start)
            && src.is_char_boundary(r.end);
        if !valid || r.start < pos {
            skipped.push(i);
            continue;
        }
        text.push_str(&src[pos..r.start]);
        text.push_str(&edits[i].content);
        pos = r.end;
        applied.push(i);
    }
    text.push_str(&src[pos..]);
    applied.sort_unstable();
    skipped.sort_unstable();
    Applied {
        text,
        applied,
        skipped,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Checks that every byte outside the applied edits is identical, by walking the
    /// original and the result together.
    fn assert_outside_identical(src: &str, edits: &[Edit], out: &Applied) {
        let mut accepted: Vec<&Edit> = out.applied.iter().map(|&i| &edits[i]).collect();
        accepted.sort_by_key(|e| (e.range.start, e.range.end));
        let (mut s, mut o) = (0, 0);
        for e in accepted {
            let keep = e.range.start - s;
            assert_eq!(&src[s..e.range.start], &out.text[o..o + keep]);
            o += keep;
            assert_eq!(&out.text[o..o + e.content.len()], e.content);
            o += e.content.len();
            s = e.range.end;
        }
        assert_eq!(&src[s..], &out.text[o..]);
    }

    #[test]
    fn replaces_grows_and_shrinks() {
        let src = "a: 1\n---\nb: 2\n---\nc: 3\n";
        let edits = vec![
            Edit::replace(9..14, "bee: longer\n"),
            Edit::replace(0..5, ""),
            Edit::replace(18..23, "c: 4\n"),
        ];
        let out = apply(src, &edits);
        assert_eq!(out.text, "---\nbee: longer\n---\nc: 4\n");
        assert_eq!(out.applied, vec![0, 1, 2]);
        assert!(out.skipped.is_empty());
        assert_outside_identical(src, &edits, &out);
    }

    #[test]
    fn overlaps_are_skipped_not_merged() {
        let src = "0123456789";
        let edits = vec![
            Edit::replace(2..5, "X"),
            Edit::replace(4..7, "Y"),
            Edit::replace(5..6, "Z"),
            Edit::replace(5..5, "I"),
        ];
        let out = apply(src, &edits);
        // 2..5 goes first; 4..7 overlaps it; 5..5 (insertion) and 5..6 both start at 5:
        // the insertion sorts first and is taken, then 5..6 still fits after it.
        assert_eq!(out.applied, vec![0, 2, 3]);
        assert_eq!(out.skipped, vec![1]);
        assert_eq!(out.text, "01XIZ6789");
        assert_outside_identical(src, &edits, &out);
    }

    #[test]
    fn out_of_bounds_and_non_boundary_are_skipped() {
        let src = "héllo";
        let edits = vec![Edit::replace(2..3, "e"), Edit::replace(4..99, "")];
        let out = apply(src, &edits);
        assert_eq!(out.text, src);
        assert_eq!(out.skipped, vec![0, 1]);
    }

    #[test]
    fn no_edits_is_identity() {
        let src = "# comment\r\nkey: value\r\n";
        let out = apply(src, &[]);
        assert_eq!(out.text, src);
    }

    #[test]
    fn surroundings_are_byte_identical_property() {
        use proptest::prelude::*;
        proptest!(|(src in "[a-z\\n:#-]{0,60}", cuts in proptest::collection::vec((0usize..60, 0usize..8, "[A-Z\\n]{0,6}"), 0..6))| {
            let edits: Vec<Edit> = cuts
                .into_iter()
                .map(|(s, len, c)| Edit::replace(s.min(src.len())..(s + len).min(src.len()), c))
                .collect();
            let out = apply(&src, &edits);
            assert_outside_identical(&src, &edits, &out);
            prop_assert_eq!(out.applied.len() + out.skipped.len(), edits.len());
        });
    }
}
