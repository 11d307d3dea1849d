//! "Did you mean …?": the closest known word to a misspelt one (rule codes and names,
//! configuration keys), by edit distance.

/// The candidate closest to `word` (case-insensitive Levenshtein distance), if it is close
/// enough to be a likely typo: at most a third of the longer word's length, and at least 1.
pub fn closest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let word = word.to_ascii_lowercase();
    let mut best: Option<(usize, &'a str)> = None;
    for c in candidates {
        let d = distance(&word, &c.to_ascii_lowercase());
        let limit = (word.chars().count().max(c.chars().count()) / 3).max(1);
        if d <= limit && best.is_none_or(|(b, _)| d < b) {
            best = Some((d, c));
        }
    }
    best.map(|(_, c)| c)
}

/// ` (did you mean `x`?)`, or nothing.
pub fn hint<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> String {
    closest(word, candidates)
        .map(|c| format!(" (did you mean `{c}`?)"))
        .unwrap_or_default()
}

/// Levenshtein distance over characters.
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typos_find_their_word_and_strangers_nothing() {
        let keys = ["exclude", "rules", "images", "per-file-ignores"];
        assert_eq!(closest("exlude", keys), Some("exclude"));
        assert_eq!(closest("Rules", keys), Some("rules"));
        assert_eq!(closest("per-file-ignore", keys), Some("per-file-ignores"));
        assert_eq!(closest("banana", keys), None);
        assert_eq!(closest("GG1O1", ["GG101", "GG102"]), Some("GG101"));
        assert_eq!(distance("kitten", "sitting"), 3);
    }
}
