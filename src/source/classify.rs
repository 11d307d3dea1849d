//! Content classification: which index entries and blobs are not text manifests (gitlinks,
//! symlinks, Git LFS pointers, git-crypt ciphertext, binary).
//!
//! Pure functions over modes and bytes, so they can be tested without a repository and reused
//! for other inputs (stdin).

use super::SkipReason;

/// Git's mode for a symbolic link (the blob holds the target path).
const MODE_SYMLINK: u32 = 0o120000;
/// The file-type bits of a mode.
const MODE_TYPE_MASK: u32 = 0o170000;
/// The type bits of a regular file (0o100644 or 0o100755).
const MODE_REGULAR: u32 = 0o100000;

/// Git decides "binary" by looking for a NUL in this many leading bytes
/// (`FIRST_FEW_BYTES` in git's `xdiff-interface.c`); we use the same rule so that what git
/// diffs as text is what we scan.
const BINARY_PROBE: usize = 8000;

/// The first line of every Git LFS pointer (https://github.com/git-lfs/git-lfs/blob/main/docs/spec.md).
const LFS_PREFIX: &[u8] = b"version https://git-lfs.github.com/spec/v1\n";
/// The LFS spec caps pointer files below 1024 bytes; anything bigger is real content.
const LFS_MAX_POINTER: usize = 1024;

/// git-crypt's file header: `\0GITCRYPT\0` followed by a 12-byte nonce.
const GIT_CRYPT_PREFIX: &[u8] = b"\0GITCRYPT\0";

/// Why an entry with this mode is not scanned, or `None` for a regular file.
///
/// Anything that is not a regular file (including a tree entry, which only a sparse index
/// holds) is skipped: its "blob" is not file content.
pub(crate) fn classify_mode(mode: u32) -> Option<SkipReason> {
    match mode & MODE_TYPE_MASK {
        MODE_REGULAR => None,
        MODE_SYMLINK => Some(SkipReason::Symlink),
        // Gitlinks (0o160000), and anything stranger, name a commit or tree, not content.
        _ => Some(SkipReason::Submodule),
    }
}

/// Whether `mode` is a regular file (0o100644, 0o100755, or git's legacy 0o100664).
pub(crate) fn is_regular(mode: u32) -> bool {
    mode & MODE_TYPE_MASK == MODE_REGULAR
}

/// Why these bytes are not scanned as text, or `None` when they are text.
///
/// Recognises git-crypt ciphertext, Git LFS pointers and binary content (a NUL byte in the
/// first 8000 bytes, git's own heuristic). The checks are cheap: at most 8000 bytes are
/// examined.
pub fn classify_content(bytes: &[u8]) -> Option<SkipReason> {
    // git-crypt first: its header starts with NUL, which would otherwise read as "binary".
    if bytes.starts_with(GIT_CRYPT_PREFIX) {
        Some(SkipReason::GitCrypt)
    } else if is_lfs_pointer(bytes) {
        Some(SkipReason::LfsPointer)
    } else if is_binary(bytes) {
        Some(SkipReason::Binary)
    } else {
        None
    }
}

/// Git's binary heuristic: a NUL byte among the first 8000 bytes.
pub(crate) fn is_binary(bytes: &[u8]) -> bool {
    memchr::memchr(0, &bytes[..bytes.len().min(BINARY_PROBE)]).is_some()
}

/// A well-formed Git LFS pointer: the version line, then `key value` lines with an
/// `oid sha256:<64 hex>` and a `size <digits>`, all under 1024 bytes.
///
/// Checked strictly because a skipped file is not scanned: a manifest that merely starts with
/// the LFS version line must not slip through as a "pointer".
fn is_lfs_pointer(bytes: &[u8]) -> bool {
    if bytes.len() >= LFS_MAX_POINTER || !bytes.starts_with(LFS_PREFIX) {
        return false;
    }
    let Some(body) = bytes[LFS_PREFIX.len()..].strip_suffix(b"\n") else {
        return false;
    };
    let (mut oid, mut size) = (false, false);
    for line in body.split(|&b| b == b'\n') {
        let Some(space) = memchr::memchr(b' ', line) else {
            return false;
        };
        let (key, value) = (&line[..space], &line[space + 1..]);
        let key_ok = !key.is_empty()
            && key
                .iter()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b".-".contains(b));
        if !key_ok || value.is_empty() || value.contains(&b'\r') {
            return false;
        }
        match key {
            b"oid" => {
                oid = value
                    .strip_prefix(b"sha256:")
                    .is_some_and(|hex| hex.len() == 64 && hex.iter().all(u8::is_ascii_hexdigit));
                if !oid {
                    return false;
                }
            }
            b"size" => {
                size = value.iter().all(u8::is_ascii_digit);
                if !size {
                    return false;
                }
            }
            _ => {}
        }
    }
    oid && size
}

#[cfg(test)]
mod tests {
    use super::*;

    const POINTER: &[u8] = b"version https://git-lfs.github.com/spec/v1\n\
        oid sha256:4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393\n\
        size 12345\n";

    #[test]
    fn modes() {
        assert_eq!(classify_mode(0o100644), None);
        assert_eq!(classify_mode(0o100755), None);
        assert_eq!(classify_mode(0o120000), Some(SkipReason::Symlink));
        assert_eq!(classify_mode(0o160000), Some(SkipReason::Submodule));
        assert!(is_regular(0o100664));
        assert!(!is_regular(0o040000));
    }

    #[test]
    fn lfs_pointer() {
        assert_eq!(classify_content(POINTER), Some(SkipReason::LfsPointer));
        let mut ext = POINTER.to_vec();
        ext.extend_from_slice(b"ext-0-foo sha256:abc\n");
        assert_eq!(classify_content(&ext), Some(SkipReason::LfsPointer));
    }

    #[test]
    fn not_an_lfs_pointer() {
        // The version line followed by a manifest is text and must be scanned.
        let sneaky =
            b"version https://git-lfs.github.com/spec/v1\nkind: Secret\nstringData: {p: x}\n";
        assert_eq!(classify_content(sneaky), None);
        // No size line.
        let no_size = &POINTER[..POINTER.len() - b"size 12345\n".len()];
        assert_eq!(classify_content(no_size), None);
        // Short oid.
        let short = b"version https://git-lfs.github.com/spec/v1\noid sha256:abcd\nsize 1\n";
        assert_eq!(classify_content(short), None);
        // Too long to be a pointer.
        let mut long = POINTER.to_vec();
        long.extend(std::iter::repeat_n(b'x', 1024));
        assert_eq!(classify_content(&long), None);
        // Missing final newline.
        assert_eq!(classify_content(&POINTER[..POINTER.len() - 1]), None);
    }

    #[test]
    fn git_crypt_and_binary() {
        assert_eq!(
            classify_content(b"\0GITCRYPT\0\x01\x02\x03rest"),
            Some(SkipReason::GitCrypt)
        );
        assert_eq!(classify_content(b"abc\0def"), Some(SkipReason::Binary));
        assert_eq!(classify_content(b""), None);
        assert_eq!(classify_content(b"kind: ConfigMap\n"), None);
        // A NUL past the first 8000 bytes does not make the file binary (git agrees).
        let mut late = vec![b'a'; 8000];
        late.push(0);
        assert_eq!(classify_content(&late), None);
        late[7999] = 0;
        assert_eq!(classify_content(&late), Some(SkipReason::Binary));
    }
}
