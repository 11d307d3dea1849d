//! Reading git objects: loose objects by ourselves, packed ones through libgit2.
//!
//! Why our own loose reader: libgit2 1.9 spins forever inflating a truncated loose object
//! (its output loop never sees progress or an error), so one damaged file in
//! `.git/objects` would hang every commit. Here a truncated or corrupt loose object is a
//! clear error, and the size in its header is checked before the rest is inflated. Objects
//! that are not loose files (packs, alternates) and repositories whose object directory
//! comes from the environment (`GIT_OBJECT_DIRECTORY`, as in a `pre-receive` quarantine) are
//! read by libgit2.

use flate2::{Decompress, FlushDecompress, Status};
use git2::{ObjectType, Odb, Oid, Repository};
use std::path::PathBuf;

/// Why an object could not be read.
#[derive(Debug)]
pub(crate) enum ReadFail {
    /// Its size is over the limit (nothing was inflated past the header).
    TooLarge(u64),
    Error(String),
}

/// A tree object's entries: (name, mode, id), in the tree's order.
pub(crate) struct RawTree {
    pub id: Oid,
    pub entries: Vec<(Vec<u8>, u32, Oid)>,
}

impl RawTree {
    /// Parses `mode SP name NUL id` entries; `None` if malformed.
    pub(crate) fn parse(id: Oid, data: &[u8]) -> Option<RawTree> {
        let mut entries = Vec::new();
        let mut rest = data;
        while !rest.is_empty() {
            let sp = rest.iter().position(|&b| b == b' ')?;
            let mode = u32::from_str_radix(std::str::from_utf8(&rest[..sp]).ok()?, 8).ok()?;
            let after = &rest[sp + 1..];
            let nul = after.iter().position(|&b| b == 0)?;
            let name = after[..nul].to_vec();
            let oid = Oid::from_bytes(after.get(nul + 1..nul + 21)?).ok()?;
            entries.push((name, mode, oid));
            rest = &after[nul + 21..];
        }
        Some(RawTree { id, entries })
    }

    /// The entry named `name`, a folder (`dir`) or not: trees sort folders as if their
    /// name ended with `/`.
    pub(crate) fn find(&self, name: &[u8], dir: bool) -> Option<(u32, Oid)> {
        // Compare `n` + (`/` if a folder) with `name` + (`/` if `dir`), without building them.
        fn key(n: &[u8], is_dir: bool) -> impl Iterator<Item = u8> + '_ {
            n.iter().copied().chain(is_dir.then_some(b'/'))
        }
        let i = self
            .entries
            .binary_search_by(|(n, mode, _)| key(n, is_tree(*mode)).cmp(key(name, dir)))
            .ok()?;
        let (_, mode, oid) = &self.entries[i];
        Some((*mode, *oid))
    }
}

/// Whether a tree entry mode is a folder.
pub(crate) fn is_tree(mode: u32) -> bool {
    mode & 0o170000 == 0o040000
}

/// The objects of one repository handle.
pub(crate) struct Objects<'r> {
    odb: Odb<'r>,
    /// `objects/` when loose objects are read here.
    loose: Option<PathBuf>,
}

impl<'r> Objects<'r> {
    /// Cheap (a handle is made per chunk of blobs, or per blob in a view).
    pub(crate) fn new(repo: &'r Repository) -> Result<Objects<'r>, git2::Error> {
        static FROM_ENV: std::sync::LazyLock<bool> =
            std::sync::LazyLock::new(|| std::env::var_os("GIT_OBJECT_DIRECTORY").is_some());
        let from_env = *FROM_ENV;
        Ok(Objects {
            odb: repo.odb()?,
            loose: (!from_env).then(|| repo.commondir().join("objects")),
        })
    }

    /// The object's kind and content; a blob over `limit` bytes is refused before it is
    /// inflated.
    pub(crate) fn read(&self, oid: Oid, limit: u64) -> Result<(ObjectType, Vec<u8>), ReadFail> {
        if let Some(dir) = &self.loose {
            let hex = oid.to_string();
            let path = dir.join(&hex[..2]).join(&hex[2..]);
            match std::fs::read(&path) {
                Ok(data) => {
                    return inflate_loose(&data, limit).map_err(|e| match e {
                        ReadFail::Error(m) => ReadFail::Error(format!("object {oid}: {m}")),
                        other => other,
                    });
                }
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(ReadFail::Error(format!("cannot read object {oid}: {e}"))),
            }
        }
        let error =
            |e: git2::Error| ReadFail::Error(format!("cannot read object {oid}: {}", e.message()));
        let (size, kind) = self.odb.read_header(oid).map_err(error)?;
        if kind == ObjectType::Blob && size as u64 > limit {
            return Err(ReadFail::TooLarge(size as u64));
        }
        let object = self.odb.read(oid).map_err(error)?;
        Ok((object.kind(), object.data().to_vec()))
    }

    /// A tree object.
    pub(crate) fn tree(&self, oid: Oid) -> Result<RawTree, String> {
        match self.read(oid, u64::MAX) {
            Ok((ObjectType::Tree, data)) => {
                RawTree::parse(oid, &data).ok_or_else(|| format!("tree {oid} is damaged"))
            }
            Ok((kind, _)) => Err(format!("object {oid} is a {kind}, not a tree")),
            Err(ReadFail::Error(e)) => Err(e),
            Err(ReadFail::TooLarge(_)) => Err(format!("tree {oid} is too large")),
        }
    }

    /// The tree of a commit.
    pub(crate) fn commit_tree(&self, oid: Oid) -> Result<RawTree, String> {
        let data = match self.read(oid, u64::MAX) {
            Ok((ObjectType::Commit, data)) => data,
            Ok((kind, _)) => return Err(format!("object {oid} is a {kind}, not a commit")),
            Err(ReadFail::Error(e)) => return Err(e),
            Err(ReadFail::TooLarge(_)) => return Err(format!("commit {oid} is too large")),
        };
        let tree = data
            .strip_prefix(b"tree ")
            .and_then(|rest| rest.get(..40))
            .and_then(|hex| std::str::from_utf8(hex).ok())
            .and_then(|hex| Oid::from_str(hex).ok())
            .ok_or_else(|| format!("commit {oid} is damaged"))?;
        self.tree(tree)
    }
}

/// A loose object: zlib of `<kind> <size>\0<content>`.
fn inflate_loose(data: &[u8], limit: u64) -> Result<(ObjectType, Vec<u8>), ReadFail> {
    let damaged = |what: &str| ReadFail::Error(format!("damaged loose object ({what})"));
    let mut z = Decompress::new(true);
    // The header fits in the first few dozen bytes.
    let mut head = Vec::with_capacity(64);
    let mut status = z
        .decompress_vec(data, &mut head, FlushDecompress::None)
        .map_err(|_| damaged("not zlib data"))?;
    let nul = head
        .iter()
        .position(|&b| b == 0)
        .ok_or_else(|| damaged("no header"))?;
    let header = std::str::from_utf8(&head[..nul]).map_err(|_| damaged("bad header"))?;
    let (kind, size) = header
        .split_once(' ')
        .ok_or_else(|| damaged("bad header"))?;
    let kind = match kind {
        "blob" => ObjectType::Blob,
        "tree" => ObjectType::Tree,
        "commit" => ObjectType::Commit,
        "tag" => ObjectType::Tag,
        _ => return Err(damaged("unknown kind")),
    };
    let size: u64 = size.parse().map_err(|_| damaged("bad size"))?;
    if kind == ObjectType::Blob && size > limit {
        return Err(ReadFail::TooLarge(size));
    }
    let size = usize::try_from(size).map_err(|_| damaged("bad size"))?;
    // zlib expands at most ~1032:1, so a header claiming more than that is not believed
    // when reserving memory (the length check below then fails).
    let cap = size.min(data.len().saturating_mul(1032));
    let mut out = Vec::with_capacity(cap + 1);
    out.extend_from_slice(&head[nul + 1..]);
    while status != Status::StreamEnd {
        if out.len() > size {
            return Err(damaged("longer than its header says"));
        }
        // Room for the rest plus one byte, so content beyond `size` is noticed.
        out.reserve(cap + 1 - out.len().min(cap));
        let before = (z.total_in(), z.total_out());
        let input = data
            .get(usize::try_from(z.total_in()).unwrap_or(usize::MAX)..)
            .unwrap_or_default();
        status = z
            .decompress_vec(input, &mut out, FlushDecompress::Finish)
            .map_err(|_| damaged("corrupt data"))?;
        if status != Status::StreamEnd && (z.total_in(), z.total_out()) == before {
            // No progress and no end: the file stops short.
            return Err(damaged("truncated"));
        }
    }
    if out.len() != size {
        return Err(damaged("length differs from its header"));
    }
    Ok((kind, out))
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::Compression;
    use flate2::write::ZlibEncoder;
    use std::io::Write;

    fn loose(raw: &[u8]) -> Vec<u8> {
        let mut e = ZlibEncoder::new(Vec::new(), Compression::default());
        e.write_all(raw).expect("compress");
        e.finish().expect("compress")
    }

    #[test]
    fn tree_entries_are_found_in_git_order() {
        // git sorts folders as if their name ended with `/`: `a-b` < `a/` < `a0`.
        let id = Oid::ZERO_SHA1;
        let mut raw = Vec::new();
        for (mode, name) in [
            ("100644", "a-b"),
            ("40000", "a"),
            ("100644", "a0"),
            ("100755", "b"),
        ] {
            raw.extend_from_slice(format!("{mode} {name}\0").as_bytes());
            raw.extend_from_slice(&[7u8; 20]);
        }
        let tree = RawTree::parse(id, &raw).expect("tree");
        assert_eq!(tree.find(b"a", true).map(|(m, _)| m), Some(0o40000));
        assert_eq!(tree.find(b"a", false), None);
        assert_eq!(tree.find(b"a-b", false).map(|(m, _)| m), Some(0o100644));
        assert_eq!(tree.find(b"a0", false).map(|(m, _)| m), Some(0o100644));
        assert_eq!(tree.find(b"b", false).map(|(m, _)| m), Some(0o100755));
        assert_eq!(tree.find(b"c", false), None);
        assert!(RawTree::parse(id, b"100644 x\0short").is_none());
        assert!(RawTree::parse(id, b"9x9 x\0aaaaaaaaaaaaaaaaaaaa").is_none());
    }

    #[test]
    fn reads_whole_objects_and_refuses_damaged_ones() {
        let content = (0..50_000).map(|i| (i % 251) as u8).collect::<Vec<u8>>();
        let mut raw = format!("blob {}\0", content.len()).into_bytes();
        raw.extend_from_slice(&content);
        let z = loose(&raw);
        let (kind, out) = inflate_loose(&z, u64::MAX).expect("whole");
        assert_eq!(kind, ObjectType::Blob);
        assert_eq!(out, content);
        // Over the limit: refused from the header.
        assert!(matches!(
            inflate_loose(&z, 10),
            Err(ReadFail::TooLarge(50_000))
        ));
        // Truncated anywhere: an error, never a hang.
        for cut in [
            0,
            1,
            2,
            10,
            z.len() / 3,
            z.len() / 2,
            z.len() - 5,
            z.len() - 1,
        ] {
            assert!(
                matches!(inflate_loose(&z[..cut], u64::MAX), Err(ReadFail::Error(_))),
                "cut at {cut}"
            );
        }
        // A header that lies about the size.
        let mut lying = b"blob 10\0".to_vec();
        lying.extend_from_slice(b"more than ten bytes");
        assert!(inflate_loose(&loose(&lying), u64::MAX).is_err());
        let mut short = b"blob 100\0".to_vec();
        short.extend_from_slice(b"ten bytes!");
        assert!(inflate_loose(&loose(&short), u64::MAX).is_err());
        assert!(inflate_loose(&loose(b"wat 3\0abc"), u64::MAX).is_err());
        assert!(inflate_loose(b"not zlib at all", u64::MAX).is_err());
        let (kind, out) = inflate_loose(&loose(b"tree 0\0"), u64::MAX).expect("empty tree");
        assert_eq!((kind, out.len()), (ObjectType::Tree, 0));
    }
}
