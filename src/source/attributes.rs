//! Which paths `.gitattributes` (as staged) routes through git-crypt (`filter=git-crypt`).
//!
//! libgit2 answers this too, but only by loading the whole index through its own reader
//! (see `dircache`), which costs more than the rest of an everyday commit. Only the `filter`
//! attribute matters here, so only the lines that can set it are kept and matched, with
//! gitattributes(5) semantics:
//!
//! - sources, highest precedence first: `$GIT_DIR/info/attributes`; the staged
//!   `.gitattributes` of the path's folder, then of each parent up to the root;
//!   `core.attributesFile` (or `$XDG_CONFIG_HOME/git/attributes`); `/etc/gitattributes`;
//! - within a file the last matching line wins, within a line the last token;
//! - patterns as in `.gitignore` (a pattern without `/` matches the name at any depth below
//!   its file's folder), except that negative patterns are ignored and a pattern never
//!   matches the files inside a folder it names;
//! - `[attr]name ...` macros, defined only in the root-level files, expand when set.
//!
//! Anything unusual on a relevant line (a quoted pattern, a pattern the glob compiler
//! rejects) returns `None`, and the caller asks libgit2 instead.

use git2::{Oid, Repository};
use ignore::gitignore::{Gitignore, GitignoreBuilder};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// git ignores longer lines in attribute files.
const MAX_LINE: usize = 2048;
/// git ignores attribute files over 100 MB.
const MAX_FILE: usize = 100 * 1024 * 1024;
/// Macro expansion depth (a macro may name another).
const MAX_DEPTH: usize = 16;

/// Whether a `filter` attribute value is git-crypt's: `git-crypt` for the default key, or
/// `git-crypt-<keyname>` for a named key (`git-crypt init -k <keyname>`).
pub fn is_git_crypt_filter(value: &[u8]) -> bool {
    value == b"git-crypt"
        || value
            .strip_prefix(b"git-crypt-")
            .is_some_and(|name| !name.is_empty())
}

/// The state a line gives `filter`: routed through git-crypt, or anything else (another
/// filter, unset, unspecified).
type GitCrypt = bool;

/// One attribute file, reduced to its lines that set `filter`.
struct AttrFile {
    /// The folder the file sits in, with a trailing `/` (empty for the root and for files
    /// outside the tree).
    dir: Vec<u8>,
    lines: Vec<(Gitignore, GitCrypt)>,
}

/// The attribute sources of a repository, for `filter` only.
pub(crate) struct GitCryptAttrs {
    /// `info/attributes`.
    info: Option<AttrFile>,
    /// Staged `.gitattributes` by folder (with trailing `/`, empty for the root).
    tree: HashMap<Vec<u8>, AttrFile>,
    /// `core.attributesFile`, then the system file.
    outer: Vec<AttrFile>,
}

impl GitCryptAttrs {
    /// Reads the attribute sources; `staged` are the stage-0 `.gitattributes` entries of the
    /// index (path, blob). `Ok(None)`: no source can set `filter`, nothing to check.
    /// `Err(())`: a relevant line this reader does not handle; ask libgit2.
    pub(crate) fn load(
        repo: &Repository,
        staged: &[(&[u8], Oid)],
    ) -> Result<Option<GitCryptAttrs>, ()> {
        let config = repo.config().ok();
        let ignore_case = config
            .as_ref()
            .and_then(|c| c.get_bool("core.ignorecase").ok())
            .unwrap_or(false);
        let info_path = repo.commondir().join("info").join("attributes");
        let mut outer_paths = Vec::new();
        if let Some(global) = global_file(config.as_ref()) {
            outer_paths.push(global);
        }
        outer_paths.push(PathBuf::from("/etc/gitattributes"));

        // Texts first: macros come from the root-level files and apply to every file.
        let read_disk = |p: &Path| std::fs::read(p).ok().filter(|b| b.len() <= MAX_FILE);
        let info_text = read_disk(&info_path);
        let outer_texts: Vec<Vec<u8>> = outer_paths.iter().filter_map(|p| read_disk(p)).collect();
        let mut tree_texts = Vec::new();
        for (path, oid) in staged {
            let Ok(blob) = repo.find_blob(*oid) else {
                continue;
            };
            if blob.content().len() <= MAX_FILE {
                let dir = path
                    .strip_suffix(b".gitattributes")
                    .unwrap_or_default()
                    .to_vec();
                tree_texts.push((dir, blob.content().to_vec()));
            }
        }
        let mentions = |t: &[u8]| memchr::memmem::find(t, b"filter").is_some();
        if !info_text.as_deref().is_some_and(mentions)
            && !outer_texts.iter().any(|t| mentions(t))
            && !tree_texts.iter().any(|(_, t)| mentions(t))
        {
            return Ok(None);
        }

        // Lowest precedence first, so a later definition overrides.
        let mut macros = Macros::default();
        for text in outer_texts.iter().rev() {
            macros.define_from(text);
        }
        if let Some((_, root)) = tree_texts.iter().find(|(dir, _)| dir.is_empty()) {
            macros.define_from(root);
        }
        if let Some(text) = &info_text {
            macros.define_from(text);
        }

        let file = |dir: Vec<u8>, text: &[u8]| AttrFile::parse(dir, text, &macros, ignore_case);
        Ok(Some(GitCryptAttrs {
            info: info_text.map(|t| file(Vec::new(), &t)).transpose()?,
            tree: tree_texts
                .into_iter()
                .map(|(dir, text)| Ok((dir.clone(), file(dir, &text)?)))
                .collect::<Result<_, ()>>()?,
            outer: outer_texts
                .iter()
                .map(|t| file(Vec::new(), t))
                .collect::<Result<_, ()>>()?,
        }))
    }

    /// Whether `filter=git-crypt` applies to the file at `path` (repository-relative).
    pub(crate) fn is_git_crypt(&self, path: &[u8]) -> bool {
        if let Some(state) = self.info.as_ref().and_then(|f| f.state(path)) {
            return state;
        }
        // The path's folder, then each parent up to the root.
        let mut end = path.len();
        loop {
            let dir = match path[..end].iter().rposition(|&b| b == b'/') {
                Some(slash) => &path[..=slash],
                None => &path[..0],
            };
            if let Some(state) = self.tree.get(dir).and_then(|f| f.state(path)) {
                return state;
            }
            if dir.is_empty() {
                break;
            }
            end = dir.len() - 1;
        }
        self.outer
            .iter()
            .find_map(|f| f.state(path))
            .unwrap_or(false)
    }
}

impl AttrFile {
    fn parse(dir: Vec<u8>, text: &[u8], macros: &Macros, ignore_case: bool) -> Result<Self, ()> {
        let mut lines = Vec::new();
        let base = Path::new(std::ffi::OsStr::new(""));
        for line in text.split(|&b| b == b'\n') {
            let Some((pattern, tokens)) = split_line(line) else {
                continue;
            };
            if pattern.starts_with(b"[attr]") || pattern.starts_with(b"!") {
                // Macro definitions were read already; negative patterns are ignored by git.
                continue;
            }
            let Some(state) = macros.filter_state(&tokens, 0) else {
                continue;
            };
            if pattern.starts_with(b"\"") {
                return Err(());
            }
            if pattern.ends_with(b"/") {
                // Names a folder, and attributes never apply to a folder's files this way.
                continue;
            }
            let pattern = escape_braces(std::str::from_utf8(pattern).map_err(|_| ())?);
            let mut builder = GitignoreBuilder::new(base);
            builder.case_insensitive(ignore_case).map_err(|_| ())?;
            builder.add_line(None, &pattern).map_err(|_| ())?;
            lines.push((builder.build().map_err(|_| ())?, state));
        }
        Ok(AttrFile { dir, lines })
    }

    /// The `filter` state of the last matching line, if any line matches.
    fn state(&self, path: &[u8]) -> Option<GitCrypt> {
        if self.lines.is_empty() {
            return None;
        }
        let rel = path.strip_prefix(self.dir.as_slice())?;
        let rel = bytes_path(rel)?;
        self.lines
            .iter()
            .rev()
            .find(|(m, _)| m.matched(rel, false).is_ignore())
            .map(|(_, state)| *state)
    }
}

/// `[attr]` macros: name → the tokens they stand for.
#[derive(Default)]
struct Macros {
    defs: HashMap<Vec<u8>, Vec<Vec<u8>>>,
}

impl Macros {
    fn define_from(&mut self, text: &[u8]) {
        for line in text.split(|&b| b == b'\n') {
            let Some((pattern, tokens)) = split_line(line) else {
                continue;
            };
            if let Some(name) = pattern.strip_prefix(b"[attr]") {
                self.defs.insert(
                    name.to_vec(),
                    tokens.into_iter().map(<[u8]>::to_vec).collect(),
                );
            }
        }
    }

    /// What the tokens of one line (in order) do to `filter`, macros expanded: the last
    /// token that touches it wins. `None` when no token touches it.
    fn filter_state<T: AsRef<[u8]>>(&self, tokens: &[T], depth: usize) -> Option<GitCrypt> {
        if depth > MAX_DEPTH {
            return None;
        }
        tokens.iter().rev().find_map(|t| {
            let t = t.as_ref();
            match t {
                b"filter" | b"-filter" | b"!filter" => Some(false),
                _ if t.starts_with(b"filter=") => Some(is_git_crypt_filter(&t[b"filter=".len()..])),
                // A macro expands only when set (`name`, not `-name` / `!name` / `name=v`).
                _ => self
                    .defs
                    .get(t)
                    .and_then(|expansion| self.filter_state(expansion, depth + 1)),
            }
        })
    }
}

/// A line's pattern and attribute tokens; `None` for blank lines, comments and lines git
/// ignores for length.
fn split_line(line: &[u8]) -> Option<(&[u8], Vec<&[u8]>)> {
    if line.len() > MAX_LINE {
        return None;
    }
    let blank = |b: &u8| matches!(b, b' ' | b'\t' | b'\r');
    let mut words = line.split(blank).filter(|w| !w.is_empty());
    let pattern = words.next()?;
    if pattern.starts_with(b"#") {
        return None;
    }
    Some((pattern, words.collect()))
}

/// git's patterns have no `{a,b}` alternation; the glob compiler does.
fn escape_braces(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len());
    let mut escaped = false;
    for c in pattern.chars() {
        if !escaped && matches!(c, '{' | '}') {
            out.push('\\');
        }
        escaped = !escaped && c == '\\';
        out.push(c);
    }
    out
}

fn bytes_path(bytes: &[u8]) -> Option<&Path> {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        Some(Path::new(std::ffi::OsStr::from_bytes(bytes)))
    }
    #[cfg(not(unix))]
    {
        std::str::from_utf8(bytes).ok().map(Path::new)
    }
}

/// `core.attributesFile`, or the XDG default, as git finds it.
fn global_file(config: Option<&git2::Config>) -> Option<PathBuf> {
    if let Some(p) = config.and_then(|c| c.get_path("core.attributesFile").ok()) {
        return Some(p);
    }
    let xdg = std::env::var_os("XDG_CONFIG_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))?;
    Some(xdg.join("git").join("attributes"))
}
