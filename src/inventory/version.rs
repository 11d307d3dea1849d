//! Comparing versions the way chart and image versions are meant: semantic versioning
//! (`1.10.0` > `1.9.3`, `1.0.0-rc.1` < `1.0.0`), with a leading `v` and any number of numeric
//! components tolerated (`v1.9.1`, `2.14.2`, `1.2.3.4`). Anything else (ranges, branches,
//! digests) is not ordered: a change between such versions is just a change.

use std::cmp::Ordering;

/// A parsed version: numeric core and pre-release identifiers (build metadata ignored).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Version<'a> {
    core: Vec<u64>,
    pre: Vec<&'a str>,
}

fn parse(v: &str) -> Option<Version<'_>> {
    let v = v.trim();
    let v = v.strip_prefix(['v', 'V']).unwrap_or(v);
    let v = v.split('+').next().unwrap_or(v);
    let (core, pre) = match v.split_once('-') {
        Some((c, p)) => (c, Some(p)),
        None => (v, None),
    };
    if core.is_empty() {
        return None;
    }
    let core = core
        .split('.')
        .map(|p| {
            if p.is_empty() || p.len() > 19 || !p.bytes().all(|b| b.is_ascii_digit()) {
                None
            } else {
                p.parse::<u64>().ok()
            }
        })
        .collect::<Option<Vec<u64>>>()?;
    let pre = match pre {
        Some(p) => {
            let ids: Vec<&str> = p.split('.').collect();
            if ids
                .iter()
                .any(|i| i.is_empty() || !i.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
            {
                return None;
            }
            ids
        }
        None => Vec::new(),
    };
    Some(Version { core, pre })
}

fn cmp_pre(a: &[&str], b: &[&str]) -> Ordering {
    // A version without pre-release ranks above one with.
    match (a.is_empty(), b.is_empty()) {
        (true, true) => return Ordering::Equal,
        (true, false) => return Ordering::Greater,
        (false, true) => return Ordering::Less,
        _ => {}
    }
    for (x, y) in a.iter().zip(b.iter()) {
        let ord = match (x.parse::<u64>(), y.parse::<u64>()) {
            (Ok(m), Ok(n)) => m.cmp(&n),
            (Ok(_), Err(_)) => Ordering::Less,
            (Err(_), Ok(_)) => Ordering::Greater,
            (Err(_), Err(_)) => x.cmp(y),
        };
        if ord != Ordering::Equal {
            return ord;
        }
    }
    a.len().cmp(&b.len())
}

/// How `new` relates to `old`: `Some(Greater)` is an upgrade, `Some(Less)` a downgrade,
/// `None` when either is not a version (or they differ only in spelling, e.g. `v1.0` and
/// `1.0.0`, which is then `Some(Equal)`).
pub fn compare(old: &str, new: &str) -> Option<Ordering> {
    let (a, b) = (parse(old)?, parse(new)?);
    let len = a.core.len().max(b.core.len());
    for i in 0..len {
        let x = a.core.get(i).copied().unwrap_or(0);
        let y = b.core.get(i).copied().unwrap_or(0);
        if x != y {
            return Some(y.cmp(&x));
        }
    }
    Some(cmp_pre(&b.pre, &a.pre))
}

#[cfg(test)]
mod tests {
    use super::*;
    use Ordering::*;

    #[test]
    fn semver_order() {
        assert_eq!(compare("1.9.3", "1.10.0"), Some(Greater));
        assert_eq!(compare("1.10.0", "1.9.3"), Some(Less));
        assert_eq!(compare("v1.9.1", "1.9.1"), Some(Equal));
        assert_eq!(compare("1.0.0-rc.1", "1.0.0"), Some(Greater));
        assert_eq!(compare("1.0.0-rc.2", "1.0.0-rc.10"), Some(Greater));
        assert_eq!(compare("1.0.0-alpha", "1.0.0-alpha.1"), Some(Greater));
        assert_eq!(compare("1.0.0-alpha.beta", "1.0.0-alpha.1"), Some(Less));
        assert_eq!(compare("0.0.220", "0.0.78"), Some(Less));
        assert_eq!(compare("1.2", "1.2.0"), Some(Equal));
        assert_eq!(compare("1.2.3+build.1", "1.2.3+build.2"), Some(Equal));
        assert_eq!(compare(">=1.0.0", "1.2.0"), None);
        assert_eq!(compare("main", "v1.0.0"), None);
        assert_eq!(compare("1.x", "1.2.0"), None);
        assert_eq!(compare("", "1.0.0"), None);
        assert_eq!(compare("99999999999999999999999", "1"), None);
    }
}
