//! Versions and Helm's version constraints (the Masterminds semver syntax that Helm, Flux and
//! Argo CD read): `^1.2`, `~1.2.0`, `>=1.0 <2`, `1.x`, `1.2 - 1.4`, `>=1 || ^3`. A small
//! matcher of our own: the `semver` crate reads only comma-separated comparators and has
//! no `||`, no hyphen ranges and no `v` prefix, all of which chart versions use.

use std::cmp::Ordering;

/// A version `v?MAJOR[.MINOR[.PATCH]][-pre][+build]`; missing parts are 0.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Version {
    pub nums: [u64; 3],
    /// How many numeric parts were written (1–3): `1.2` is less specific than `1.2.3`.
    pub parts: usize,
    pub pre: Option<String>,
}

impl Version {
    /// Parses a full or partial version; `None` for anything else (branches, `latest`).
    pub fn parse(text: &str) -> Option<Version> {
        let t = text.trim();
        let t = t.strip_prefix(['v', 'V']).unwrap_or(t);
        let t = t.split_once('+').map_or(t, |(v, _)| v);
        let (core, pre) = match t.split_once('-') {
            Some((c, p)) if !p.is_empty() => (c, Some(p.to_string())),
            Some(_) => return None,
            None => (t, None),
        };
        let mut nums = [0u64; 3];
        let mut parts = 0;
        for (i, p) in core.split('.').enumerate() {
            if i >= 3 || p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            nums[i] = p.parse().ok()?;
            parts = i + 1;
        }
        Some(Version { nums, parts, pre })
    }

    /// A release, not a pre-release (`1.2.3`, not `1.2.3-rc.1`).
    pub fn is_stable(&self) -> bool {
        self.pre.is_none()
    }
}

impl Ord for Version {
    /// Numbers first; a release sorts above its pre-releases; among equal numbers the more
    /// specific (`1.2.0` over `1.2`) sorts higher.
    fn cmp(&self, other: &Self) -> Ordering {
        self.nums
            .cmp(&other.nums)
            .then_with(|| match (&self.pre, &other.pre) {
                (None, None) => Ordering::Equal,
                (None, Some(_)) => Ordering::Greater,
                (Some(_), None) => Ordering::Less,
                (Some(a), Some(b)) => a.cmp(b),
            })
            .then(self.parts.cmp(&other.parts))
    }
}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Ge,
    Lt,
    Gt,
    Le,
    Ne,
}

/// One bound on the numeric part of a version.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Bound {
    op: Op,
    nums: [u64; 3],
}

impl Bound {
    fn admits(&self, v: [u64; 3]) -> bool {
        match self.op {
            Op::Ge => v >= self.nums,
            Op::Lt => v < self.nums,
            Op::Gt => v > self.nums,
            Op::Le => v <= self.nums,
            Op::Ne => v != self.nums,
        }
    }
}

/// A parsed constraint: alternatives (`||`) of bounds that must all hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Constraint {
    any_of: Vec<Vec<Bound>>,
}

/// A partial version in a constraint: the numbers written before any wildcard.
fn partial(text: &str) -> Option<Vec<u64>> {
    let t = text.trim();
    let t = t.strip_prefix(['v', 'V']).unwrap_or(t);
    let t = t.split_once('+').map_or(t, |(v, _)| v);
    // A pre-release in a constraint bounds the same numbers (pre-releases are never picked).
    let t = t.split_once('-').map_or(t, |(v, _)| v);
    let mut nums = Vec::new();
    for p in t.split('.') {
        if matches!(p, "x" | "X" | "*") {
            break;
        }
        if p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()) || nums.len() == 3 {
            return None;
        }
        nums.push(p.parse().ok()?);
    }
    Some(nums)
}

fn filled(nums: &[u64]) -> [u64; 3] {
    let mut out = [0; 3];
    out[..nums.len()].copy_from_slice(nums);
    out
}

/// The first version above every version that starts with `nums` (`1.2` → `1.3.0`).
fn next(nums: &[u64]) -> Option<[u64; 3]> {
    let mut out = filled(nums);
    let last = nums.len().checked_sub(1)?;
    out[last] += 1;
    Some(out)
}

fn bounds(op: &str, v: &str) -> Option<Vec<Bound>> {
    let nums = partial(v)?;
    let b = |op, nums| Bound { op, nums };
    let exact_or_range = |nums: &[u64]| match (nums.len(), next(nums)) {
        (3, _) => vec![b(Op::Ge, filled(nums)), b(Op::Le, filled(nums))],
        (_, Some(n)) => vec![b(Op::Ge, filled(nums)), b(Op::Lt, n)],
        (_, None) => Vec::new(), // `*`: anything
    };
    Some(match op {
        "" | "=" | "==" => exact_or_range(&nums),
        "!=" => match nums.len() {
            3 => vec![b(Op::Ne, filled(&nums))],
            _ => return None,
        },
        ">=" => vec![b(Op::Ge, filled(&nums))],
        "<" => vec![b(Op::Lt, filled(&nums))],
        ">" if nums.len() == 3 => vec![b(Op::Gt, filled(&nums))],
        ">" => vec![b(Op::Ge, next(&nums)?)],
        "<=" if nums.len() == 3 => vec![b(Op::Le, filled(&nums))],
        "<=" => vec![b(Op::Lt, next(&nums)?)],
        "~" | "~>" => {
            let upper = match nums.len() {
                0 => return Some(Vec::new()),
                1 => next(&nums[..1])?,
                _ => next(&nums[..2])?,
            };
            vec![b(Op::Ge, filled(&nums)), b(Op::Lt, upper)]
        }
        "^" => {
            // The first non-zero part may not change (`^0.2.3` stays below `0.3.0`).
            let keep = match nums.iter().position(|&n| n != 0) {
                Some(i) => i + 1,
                None => nums.len().max(1),
            };
            let upper = next(&nums[..keep.min(nums.len())]);
            match upper {
                Some(u) => vec![b(Op::Ge, filled(&nums)), b(Op::Lt, u)],
                None => Vec::new(),
            }
        }
        _ => return None,
    })
}

const OPS: [&str; 10] = [">=", "<=", "!=", "==", "~>", ">", "<", "=", "~", "^"];

impl Constraint {
    /// Parses a constraint; `None` when it is not one (a branch name, a tag).
    pub fn parse(text: &str) -> Option<Constraint> {
        let mut any_of = Vec::new();
        for alt in text.split("||") {
            let mut all = Vec::new();
            // `1.2 - 1.4`: an inclusive range.
            if let Some((lo, hi)) = alt.split_once(" - ") {
                let (lo, hi) = (partial(lo)?, partial(hi)?);
                all.push(Bound {
                    op: Op::Ge,
                    nums: filled(&lo),
                });
                all.extend(bounds("<=", &join(&hi))?);
                any_of.push(all);
                continue;
            }
            let mut words = alt
                .split(|c: char| c == ',' || c.is_whitespace())
                .filter(|w| !w.is_empty());
            while let Some(word) = words.next() {
                let op = OPS.iter().find(|op| word.starts_with(**op)).copied();
                let (op, rest) = match op {
                    Some(op) => (op, &word[op.len()..]),
                    None => ("", word),
                };
                // `>= 1.0`: the version is the next word.
                let rest = if rest.is_empty() && !op.is_empty() {
                    words.next()?
                } else {
                    rest
                };
                all.extend(bounds(op, rest)?);
            }
            if alt.trim().is_empty() {
                return None;
            }
            any_of.push(all);
        }
        Some(Constraint { any_of })
    }

    /// Whether `v` is a release that satisfies the constraint (pre-releases never do).
    pub fn admits(&self, v: &Version) -> bool {
        v.is_stable()
            && self
                .any_of
                .iter()
                .any(|all| all.iter().all(|b| b.admits(v.nums)))
    }
}

fn join(nums: &[u64]) -> String {
    nums.iter()
        .map(u64::to_string)
        .collect::<Vec<_>>()
        .join(".")
}

/// The highest release among `versions` that `constraint` admits (any release without one),
/// as written.
pub fn highest<'a>(
    versions: impl IntoIterator<Item = &'a str>,
    constraint: Option<&Constraint>,
) -> Option<&'a str> {
    versions
        .into_iter()
        .filter_map(|s| Some((Version::parse(s)?, s)))
        .filter(|(v, _)| v.is_stable() && constraint.is_none_or(|c| c.admits(v)))
        .max_by(|a, b| a.0.cmp(&b.0))
        .map(|(_, s)| s)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(c: &str, v: &str) -> bool {
        Constraint::parse(c)
            .unwrap_or_else(|| panic!("{c} parses"))
            .admits(&Version::parse(v).unwrap_or_else(|| panic!("{v} parses")))
    }

    #[test]
    fn caret_tilde_wildcards_and_ranges() {
        let table = [
            ("^1.2", "1.2.0", true),
            ("^1.2", "1.9.9", true),
            ("^1.2", "2.0.0", false),
            ("^1.2", "1.1.9", false),
            ("^0.2.3", "0.2.9", true),
            ("^0.2.3", "0.3.0", false),
            ("^0.0.3", "0.0.4", false),
            ("~1.2.0", "1.2.7", true),
            ("~1.2.0", "1.3.0", false),
            ("~1", "1.9.0", true),
            ("~1", "2.0.0", false),
            (">=1.0 <2", "1.5.0", true),
            (">=1.0 <2", "2.0.0", false),
            (">= 1.0, < 2", "1.0.0", true),
            ("1.x", "1.99.0", true),
            ("1.x", "2.0.0", false),
            ("1.2.*", "1.2.5", true),
            ("*", "9.9.9", true),
            ("1.2 - 1.4", "1.4.9", true),
            ("1.2 - 1.4", "1.5.0", false),
            ("<1 || >=3", "3.1.0", true),
            ("<1 || >=3", "2.0.0", false),
            (">1.2", "1.2.9", false),
            (">1.2", "1.3.0", true),
            ("<=1.2", "1.2.9", true),
            ("!=1.2.3", "1.2.3", false),
            ("1.2.3", "1.2.3", true),
            ("v1.2.3", "1.2.4", false),
            ("^1.2", "1.5.0-rc.1", false),
        ];
        for (c, v, want) in table {
            assert_eq!(ok(c, v), want, "{c} admits {v}");
        }
    }

    #[test]
    fn not_constraints() {
        for t in ["main", "latest", "", ">=", "1.2.3.4", "HEAD"] {
            assert_eq!(Constraint::parse(t), None, "{t}");
        }
    }

    #[test]
    fn highest_stable_satisfying() {
        let versions = ["1.2.0", "1.10.0", "2.0.0", "1.11.0-rc.1", "v1.9.5", "main"];
        let c = Constraint::parse("^1.2");
        assert_eq!(highest(versions, c.as_ref()), Some("1.10.0"));
        assert_eq!(highest(versions, None), Some("2.0.0"));
        let none = Constraint::parse(">=3");
        assert_eq!(highest(versions, none.as_ref()), None);
    }

    #[test]
    fn more_specific_sorts_higher() {
        let v = |s| Version::parse(s).unwrap_or_else(|| panic!("{s}"));
        assert!(v("1.2.3") > v("1.2"));
        assert!(v("1.2") > v("1"));
        assert!(v("1.3") > v("1.2.3"));
        assert!(v("1.2.3") > v("1.2.3-rc.1"));
    }
}
