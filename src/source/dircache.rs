//! The index file (`.git/index`, or `GIT_INDEX_FILE`), read directly, and what the index
//! changes relative to HEAD.
//!
//! Why not libgit2's reader: on every commit it hashes the whole file (SHA-1 with collision
//! detection) to verify the trailing checksum, copies and validates every entry, and its
//! tree-to-index diff ignores the cache-tree, so it reads every tree of HEAD. In a 5,000-file
//! repository that was ~60M instructions against ~4M for all of `git diff --cached`. Git itself
//! does not verify the checksum on read (only `fsck` does) and uses the cache-tree (the `TREE`
//! extension) to skip folders whose tree it already knows; so do we.
//!
//! Formats 2–4 with SHA-1 ids are read here. Anything else (a split index, a sparse index, a
//! required extension we do not know, SHA-256 ids, a damaged file) returns `None`, and the
//! caller falls back to libgit2, which reads it or reports a clear error.
//!
//! Format reference: git's `Documentation/gitformat-index.txt`.

use super::objects::{Objects, RawTree, is_tree};
use git2::Oid;
use std::ops::Range;

/// SHA-1 ids: 20 bytes.
const OID_LEN: usize = 20;
/// Fixed part of an entry before the flags: ctime, mtime, dev, ino, mode, uid, gid, size
/// (10 × 4 bytes), then the object id.
const STAT_LEN: usize = 40;
/// Bits of the 16-bit flags.
const FLAG_EXTENDED: u16 = 0x4000;
const STAGE_MASK: u16 = 0x3000;
const STAGE_SHIFT: u16 = 12;
/// Bit of the 16-bit extended flags (format 3+): `git add -N`.
const EXT_INTENT_TO_ADD: u16 = 0x2000;

/// One index entry, as much of it as the scan needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Row {
    pub path: Vec<u8>,
    pub oid: Oid,
    pub mode: u32,
    /// Merge stage: 0 when merged, 1–3 for the sides of a conflict.
    pub stage: u16,
    pub intent_to_add: bool,
}

/// The index's entries (in index order: sorted by path, then stage) and its cache-tree.
#[derive(Debug, Default)]
pub(crate) struct IndexFile {
    pub rows: Vec<Row>,
    pub cache_tree: Option<CacheTree>,
}

/// A node of the cache-tree: the tree id a folder would be written as, if still valid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CacheTree {
    /// The folder's own name (empty for the root).
    pub(crate) name: Vec<u8>,
    /// `None` when invalidated (something below changed since the tree was computed).
    pub(crate) oid: Option<Oid>,
    pub(crate) children: Vec<CacheTree>,
}

impl CacheTree {
    fn child(&self, name: &[u8]) -> Option<&CacheTree> {
        self.children.iter().find(|c| c.name == name)
    }
}

/// Reads the index file at `path`; `None` for anything this reader does not handle (see the
/// module docs), including a missing file. Never panics on any input.
pub(crate) fn read(path: &std::path::Path) -> Option<IndexFile> {
    let file = std::fs::File::open(path).ok()?;
    // Mapped, as git does: copying the file into a fresh buffer cost as much as parsing it
    // (a 5,000-entry index is ~700 KB). Safe in practice: git never rewrites an index in
    // place (it writes `index.lock` and renames it over), so the mapped file stays as it
    // was; an empty file cannot be mapped and is read normally.
    if file.metadata().ok()?.len() == 0 {
        return parse(&[]);
    }
    // SAFETY: read-only mapping of a file nothing modifies in place (see above); the bytes
    // are only read through `parse`, which checks every offset.
    let map = unsafe { memmap2::Mmap::map(&file) }.ok()?;
    parse(&map)
}

/// Parses index file bytes; `None` when unsupported or malformed.
pub(crate) fn parse(data: &[u8]) -> Option<IndexFile> {
    let mut r = Reader { data, pos: 0 };
    if r.take(4)? != b"DIRC" {
        return None;
    }
    let version = r.u32()?;
    if !(2..=4).contains(&version) {
        return None;
    }
    let count = usize::try_from(r.u32()?).ok()?;
    // The trailing checksum is not verified (git does not either), but it must be there.
    let end = data.len().checked_sub(OID_LEN)?;
    // Each entry takes at least 62 bytes (46 in format 4 with an empty suffix): a count the
    // file cannot hold is damage, not a reason to reserve gigabytes.
    let mut rows = Vec::with_capacity(count.min(end / 46));
    let mut prev: Vec<u8> = Vec::new();
    for _ in 0..count {
        let start = r.pos;
        let stat = r.take(STAT_LEN)?;
        let mode = canonical_mode(u32::from_be_bytes(stat.get(24..28)?.try_into().ok()?));
        let oid = Oid::from_bytes(r.take(OID_LEN)?).ok()?;
        let flags = r.u16()?;
        let extended = if flags & FLAG_EXTENDED != 0 {
            if version < 3 {
                return None;
            }
            r.u16()?
        } else {
            0
        };
        let path = if version == 4 {
            let strip = r.varint()?;
            let suffix = r.until_nul()?;
            let keep = prev.len().checked_sub(strip)?;
            let mut path = Vec::with_capacity(keep + suffix.len());
            path.extend_from_slice(prev.get(..keep)?);
            path.extend_from_slice(suffix);
            path
        } else {
            let path = r.until_nul()?.to_vec();
            // 1–8 NULs pad the entry (path included) to a multiple of 8 bytes.
            let len = r.pos - start;
            r.pos = start + len.div_ceil(8) * 8;
            if r.pos > end {
                return None;
            }
            path
        };
        if path.is_empty() {
            return None;
        }
        if version == 4 {
            prev.clone_from(&path);
        }
        rows.push(Row {
            path,
            oid,
            mode,
            stage: (flags & STAGE_MASK) >> STAGE_SHIFT,
            intent_to_add: extended & EXT_INTENT_TO_ADD != 0,
        });
    }
    let mut cache_tree = None;
    while r.pos < end {
        let sig = r.take(4)?;
        let size = usize::try_from(r.u32()?).ok()?;
        let body_end = r.pos.checked_add(size).filter(|&e| e <= end)?;
        let body = data.get(r.pos..body_end)?;
        match sig {
            // A damaged cache-tree only costs speed: diff without it.
            b"TREE" => cache_tree = parse_tree(body),
            // Optional extensions (upper-case first letter) may be ignored; a required one we
            // do not know (`link` split index, `sdir` sparse index, ...) changes what the
            // entries mean.
            [b'A'..=b'Z', ..] => {}
            _ => return None,
        }
        r.pos = body_end;
    }
    if r.pos != end {
        return None;
    }
    Some(IndexFile { rows, cache_tree })
}

/// The mode as git compares it (git's `canon_mode`): a regular file is 644 or 755.
fn canonical_mode(mode: u32) -> u32 {
    const TYPE: u32 = 0o170000;
    match mode & TYPE {
        0o100000 if mode & 0o100 != 0 => 0o100755,
        0o100000 => 0o100644,
        0o120000 => 0o120000,
        0o040000 | 0o160000 => 0o160000,
        _ => mode,
    }
}

/// The `TREE` extension: nodes in pre-order, each `name NUL count SP subtrees LF [oid]`.
fn parse_tree(body: &[u8]) -> Option<CacheTree> {
    let mut r = Reader { data: body, pos: 0 };
    let root = tree_node(&mut r, 0)?;
    (r.pos == body.len()).then_some(root)
}

fn tree_node(r: &mut Reader<'_>, depth: usize) -> Option<CacheTree> {
    // Paths in an index are at most a few thousand bytes deep; this bounds recursion on a
    // hostile file.
    if depth > 4096 {
        return None;
    }
    let name = r.until_nul()?.to_vec();
    let count = r.ascii_int(b' ')?;
    let subtrees = usize::try_from(r.ascii_int(b'\n')?).ok()?;
    let oid = if count >= 0 {
        Some(Oid::from_bytes(r.take(OID_LEN)?).ok()?)
    } else {
        None
    };
    let mut children = Vec::with_capacity(subtrees.min(r.data.len()));
    for _ in 0..subtrees {
        children.push(tree_node(r, depth + 1)?);
    }
    Some(CacheTree {
        name,
        oid,
        children,
    })
}

struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let out = self.data.get(self.pos..self.pos.checked_add(n)?)?;
        self.pos += n;
        Some(out)
    }

    fn u16(&mut self) -> Option<u16> {
        Some(u16::from_be_bytes(self.take(2)?.try_into().ok()?))
    }

    fn u32(&mut self) -> Option<u32> {
        Some(u32::from_be_bytes(self.take(4)?.try_into().ok()?))
    }

    /// Bytes up to a NUL, which is consumed.
    fn until_nul(&mut self) -> Option<&'a [u8]> {
        let rest = self.data.get(self.pos..)?;
        let n = memchr::memchr(0, rest)?;
        self.pos += n + 1;
        rest.get(..n)
    }

    /// The variable-width integer of format 4 (as `OFS_DELTA` offsets in packs).
    fn varint(&mut self) -> Option<usize> {
        let mut c = self.take(1)?[0];
        let mut n = usize::from(c & 0x7f);
        while c & 0x80 != 0 {
            c = self.take(1)?[0];
            n = n.checked_add(1)?.checked_mul(128)? | usize::from(c & 0x7f);
        }
        Some(n)
    }

    /// A decimal integer (maybe negative) terminated by `end`, which is consumed.
    fn ascii_int(&mut self, end: u8) -> Option<i64> {
        let rest = self.data.get(self.pos..)?;
        let n = memchr::memchr(end, rest)?;
        self.pos += n + 1;
        std::str::from_utf8(rest.get(..n)?).ok()?.parse().ok()
    }
}

/// For each row, whether the commit would change it relative to `head` (the tree of HEAD):
/// added, modified, or changed in type or mode. Deletions have no row. Rows with a stage are
/// left `false` (conflicts are reported on their own).
///
/// A folder whose cache-tree node is valid and names the same tree as HEAD is skipped without
/// reading anything; other folders read HEAD's tree for that folder only. Without a cache-tree
/// this reads every tree of HEAD along the index, as a plain diff would.
pub(crate) fn changed_rows(
    objects: &Objects<'_>,
    head: &RawTree,
    rows: &[Row],
    cache: Option<&CacheTree>,
) -> Result<Vec<bool>, String> {
    let mut out = vec![false; rows.len()];
    walk(
        objects,
        Some(head),
        cache,
        rows,
        0..rows.len(),
        0,
        0,
        &mut out,
    )?;
    // `git add -N` entries are left out of trees (so they can sit in a valid folder): they
    // always count as new, and are then skipped with their reason.
    for (row, changed) in rows.iter().zip(&mut out) {
        if row.intent_to_add && row.stage == 0 {
            *changed = true;
        }
    }
    Ok(out)
}

/// Folders nested deeper than this are not walked: their rows all count as changed (and are
/// scanned), so a hostile index cannot exhaust the stack.
const MAX_DEPTH: usize = 1024;

/// Compares the rows in `range` (all below the folder whose path ends at byte `prefix` of
/// each path, `depth` folders deep) with `tree`, that folder in HEAD (`None`: not a folder in
/// HEAD).
#[allow(clippy::too_many_arguments)]
fn walk(
    objects: &Objects<'_>,
    tree: Option<&RawTree>,
    cache: Option<&CacheTree>,
    rows: &[Row],
    range: Range<usize>,
    prefix: usize,
    depth: usize,
    out: &mut [bool],
) -> Result<(), String> {
    if depth > MAX_DEPTH {
        for i in range {
            out[i] = rows[i].stage == 0;
        }
        return Ok(());
    }
    let unchanged = match (tree, cache) {
        (Some(t), Some(c)) => c.oid == Some(t.id),
        _ => false,
    };
    if unchanged {
        return Ok(());
    }
    let mut i = range.start;
    while i < range.end {
        let path = &rows[i].path;
        let rest = path.get(prefix..).unwrap_or_default();
        match memchr::memchr(b'/', rest) {
            None => {
                let row = &rows[i];
                if row.stage == 0 {
                    // A folder of that name in HEAD is not found as a file: changed.
                    let entry = tree.and_then(|t| t.find(rest, false));
                    out[i] = entry.is_none_or(|(mode, oid)| {
                        oid != row.oid || canonical_mode(mode) != row.mode
                    });
                }
                i += 1;
            }
            Some(slash) => {
                // The rows below one folder are contiguous in index order (sorted by path).
                let name = &rest[..slash];
                let sub_prefix = prefix + slash + 1;
                let dir = &path[..sub_prefix];
                let j = i + rows[i..range.end].partition_point(|r| r.path.starts_with(dir));
                let sub_cache = cache.and_then(|c| c.child(name));
                let sub_tree = match tree.and_then(|t| t.find(name, true)) {
                    Some((mode, oid)) if is_tree(mode) => {
                        if sub_cache.is_some_and(|c| c.oid == Some(oid)) {
                            // Unchanged: no need to read the tree itself.
                            i = j;
                            continue;
                        }
                        Some(objects.tree(oid)?)
                    }
                    _ => None,
                };
                walk(
                    objects,
                    sub_tree.as_ref(),
                    sub_cache,
                    rows,
                    i..j,
                    sub_prefix,
                    depth + 1,
                    out,
                )?;
                i = j;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_what_it_does_not_read() {
        assert!(parse(b"").is_none());
        assert!(parse(b"DIRC\0\0\0\x05\0\0\0\0").is_none());
        let mut v2_empty = b"DIRC\0\0\0\x02\0\0\0\0".to_vec();
        v2_empty.extend([0u8; 20]);
        assert_eq!(parse(&v2_empty).map(|i| i.rows.len()), Some(0));
        // A required extension we do not know (a split index's `link`).
        let mut split = b"DIRC\0\0\0\x02\0\0\0\0link\0\0\0\0".to_vec();
        split.extend([0u8; 20]);
        assert!(parse(&split).is_none());
        // An optional one is ignored.
        let mut opt = b"DIRC\0\0\0\x02\0\0\0\0UNTR\0\0\0\x01x".to_vec();
        opt.extend([0u8; 20]);
        assert!(parse(&opt).is_some());
        // An entry count the file cannot hold.
        let mut huge = b"DIRC\0\0\0\x02\xff\xff\xff\xff".to_vec();
        huge.extend([0u8; 20]);
        assert!(parse(&huge).is_none());
    }

    #[test]
    fn any_bytes_give_some_or_none() {
        // Prefixes and bit flips of a real-looking header never panic.
        let mut v = b"DIRC\0\0\0\x04\0\0\0\x02".to_vec();
        v.extend([0u8; 62]);
        v.extend(b"\0a\0\0\0\0\0\0\0\0\0");
        for cut in 0..v.len() {
            let _ = parse(&v[..cut]);
            for bit in 0..8 {
                let mut w = v[..cut].to_vec();
                if let Some(b) = w.last_mut() {
                    *b ^= 1 << bit;
                }
                let _ = parse(&w);
            }
        }
    }
}
