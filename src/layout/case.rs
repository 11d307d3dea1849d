//! Paths equal but for letter case: they collide on a case-insensitive file system (GG301).

use std::collections::HashMap;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Answers "which other paths equal this one but for case?" over one repository's paths.
#[derive(Default)]
pub(super) struct CaseCollisions {
    /// Lower-cased path → the paths that lower-case to it, for those with more than one.
    index: OnceLock<HashMap<String, Vec<String>>>,
    /// How many questions were answered without `index`.
    queries: AtomicUsize,
    /// The indexes of the non-ASCII paths.
    non_ascii: OnceLock<Vec<usize>>,
}

impl CaseCollisions {
    /// The paths other than `path` that equal it but for case.
    pub(super) fn of(&self, paths: &[String], path: &str) -> Vec<String> {
        // An everyday commit asks for a handful of paths: compare them with every path
        // directly (a length check first) instead of indexing the whole repository. A large
        // commit builds the index once.
        const DIRECT: usize = 32;
        if self.index.get().is_none() && self.queries.fetch_add(1, Ordering::Relaxed) < DIRECT {
            return self.direct(paths, path);
        }
        let map = self.index.get_or_init(|| index(paths));
        map.get(&path.to_lowercase())
            .map(|v| v.iter().filter(|p| *p != path).cloned().collect())
            .unwrap_or_default()
    }

    fn direct(&self, paths: &[String], path: &str) -> Vec<String> {
        // Equal but for ASCII case: same length. A non-ASCII path can also lower-case onto
        // another of a different length (the Kelvin sign is three bytes and becomes `k`):
        // those few are compared in full.
        let non_ascii = self
            .non_ascii
            .get_or_init(|| (0..paths.len()).filter(|&i| !paths[i].is_ascii()).collect());
        let mut found: Vec<usize> = paths
            .iter()
            .enumerate()
            .filter(|(_, p)| p.len() == path.len() && p.eq_ignore_ascii_case(path))
            .map(|(i, _)| i)
            .collect();
        if !non_ascii.is_empty() {
            let lower = path.to_lowercase();
            found.extend(
                non_ascii
                    .iter()
                    .filter(|&&i| paths[i].to_lowercase() == lower),
            );
            if !path.is_ascii() {
                found.extend((0..paths.len()).filter(|&i| paths[i].to_lowercase() == lower));
            }
            found.sort_unstable();
            found.dedup();
        }
        found
            .into_iter()
            .map(|i| &paths[i])
            .filter(|p| *p != path)
            .cloned()
            .collect()
    }
}

/// Every group of paths that lower-case alike, by the lower-cased path.
fn index(paths: &[String]) -> HashMap<String, Vec<String>> {
    // Sort by a hash of the lower-cased path (no allocation for ASCII paths) and look closer
    // only at equal hashes: a repository rarely has any.
    let mut hashes: Vec<(u64, usize)> = paths
        .iter()
        .enumerate()
        .map(|(i, p)| (lower_hash(p), i))
        .collect();
    hashes.sort_unstable();
    let mut map: HashMap<String, Vec<String>> = HashMap::new();
    for run in hashes.chunk_by(|a, b| a.0 == b.0).filter(|r| r.len() > 1) {
        let mut run: Vec<usize> = run.iter().map(|(_, i)| *i).collect();
        run.sort_unstable();
        for i in run {
            let p = &paths[i];
            map.entry(p.to_lowercase()).or_default().push(p.clone());
        }
    }
    map.retain(|_, v| v.len() > 1);
    map
}

/// FNV-1a of `p.to_lowercase()`, without allocating when `p` is ASCII.
fn lower_hash(p: &str) -> u64 {
    let fnv = |bytes: &mut dyn Iterator<Item = u8>| {
        bytes.fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
        })
    };
    if p.is_ascii() {
        fnv(&mut p.bytes().map(|b| b.to_ascii_lowercase()))
    } else {
        fnv(&mut p.to_lowercase().bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn direct_and_indexed_answers_agree() {
        let paths: Vec<String> = [
            "config-root/namespaces/jx/a/Kind.yaml",
            "config-root/namespaces/jx/a/kind.yaml",
            "config-root/namespaces/jx/a/\u{212a}ind.yaml", // Kelvin sign: lower-cases to `k`
            "config-root/namespaces/jx/a/KIND.YAML",
            "config-root/namespaces/jx/a/other.yaml",
            "config-root/namespaces/jx/a/Ä.yaml",
            "config-root/namespaces/jx/a/ä.yaml",
        ]
        .map(String::from)
        .to_vec();
        let case = CaseCollisions::default();
        // The first questions are answered directly, later ones from the index.
        let direct: Vec<Vec<String>> = paths.iter().map(|p| case.of(&paths, p)).collect();
        for _ in 0..40 {
            case.of(&paths, "x");
        }
        assert!(case.index.get().is_some());
        let indexed: Vec<Vec<String>> = paths.iter().map(|p| case.of(&paths, p)).collect();
        assert_eq!(direct, indexed);
        assert_eq!(direct[0].len(), 3, "{:?}", direct[0]);
        assert_eq!(direct[5], ["config-root/namespaces/jx/a/ä.yaml"]);
        assert!(direct[4].is_empty());
    }
}
