//! Tests against real repositories built with the git CLI in temporary directories.
//!
//! Repositories are opened with [`Repo::open_at`] so parallel tests never touch the process
//! environment or current directory; the `open_from_env` paths are exercised in child
//! processes (including a real `git commit -a` running a pre-commit hook).

use super::*;
use std::ffi::OsStr;
use std::fmt::Write as _;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use tempfile::TempDir;

use crate::rules::RepoView;

const SECRET: &str = "apiVersion: v1\nkind: Secret\nstringData: {p: hunter2xyz}\n";
const CONFIGMAP: &str = "apiVersion: v1\nkind: ConfigMap\n";
const LFS_POINTER: &str = "version https://git-lfs.github.com/spec/v1\n\
    oid sha256:4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393\n\
    size 12345\n";

/// A git command with a pinned identity and none of the caller's `GIT_*` environment.
fn git_cmd(dir: &Path) -> Command {
    let mut cmd = Command::new("git");
    cmd.current_dir(dir);
    for (key, _) in std::env::vars_os() {
        if key.as_bytes().starts_with(b"GIT_") {
            cmd.env_remove(key);
        }
    }
    cmd.env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .args(["-c", "user.name=t", "-c", "user.email=t@t"])
        .args([
            "-c",
            "commit.gpgsign=false",
            "-c",
            "init.defaultBranch=main",
        ])
        .args([
            "-c",
            "core.autocrlf=false",
            "-c",
            "advice.detachedHead=false",
        ]);
    cmd
}

fn run(mut cmd: Command) -> String {
    let out = cmd.output().expect("spawn git");
    assert!(
        out.status.success(),
        "{cmd:?} failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim_end().to_owned()
}

fn git(dir: &Path, args: &[&str]) -> String {
    let mut cmd = git_cmd(dir);
    cmd.args(args);
    run(cmd)
}

fn write(dir: &Path, rel: impl AsRef<Path>, content: impl AsRef<[u8]>) {
    let path = dir.join(rel);
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    std::fs::write(path, content).expect("write");
}

fn init() -> TempDir {
    let tmp = tempfile::tempdir().expect("tempdir");
    git(tmp.path(), &["init", "-q"]);
    tmp
}

fn commit_all(dir: &Path, msg: &str) -> String {
    git(dir, &["add", "-A"]);
    git(dir, &["commit", "-q", "--allow-empty", "-m", msg]);
    git(dir, &["rev-parse", "HEAD"])
}

fn open(dir: &Path) -> Repo {
    Repo::open_at(dir, None).expect("open")
}

fn collect(dir: &Path, sel: Selection) -> ScanSet {
    open(dir)
        .collect(&sel, &Limits::default())
        .expect("collect")
}

fn names(set: &ScanSet) -> Vec<&str> {
    set.candidates.iter().map(|c| c.path.as_str()).collect()
}

fn content<'a>(set: &'a ScanSet, path: &str) -> &'a str {
    let c = set
        .candidates
        .iter()
        .find(|c| c.path == path)
        .unwrap_or_else(|| panic!("{path} not collected"));
    std::str::from_utf8(&c.bytes).expect("utf-8")
}

fn skips(set: &ScanSet) -> Vec<(&str, SkipReason)> {
    set.skipped
        .iter()
        .map(|s| (s.path.as_str(), s.reason.clone()))
        .collect()
}

fn paths(items: &[&str]) -> Selection {
    Selection::Paths(items.iter().map(PathBuf::from).collect())
}

// ---------------------------------------------------------------------------------------
// Staged: index vs HEAD, content from the index

#[test]
fn staged_secret_edited_away_in_worktree_is_read_from_index() {
    // C27: the commit contains the Secret even though the worktree no longer does.
    let repo = init();
    let dir = repo.path();
    commit_all(dir, "init");
    write(dir, "s.yaml", SECRET);
    git(dir, &["add", "s.yaml"]);
    write(dir, "s.yaml", CONFIGMAP);
    let set = collect(dir, Selection::Staged);
    assert_eq!(names(&set), ["s.yaml"]);
    assert_eq!(content(&set, "s.yaml"), SECRET);
    assert_eq!(set.candidates[0].origin, Origin::Index);
    assert_eq!(set.candidates[0].mode, 0o100644);
    assert_eq!(set.candidates[0].oid, git(dir, &["rev-parse", ":s.yaml"]));
}

#[test]
fn unstaged_worktree_change_is_not_read() {
    // C28: staged content is clean; an unstaged edit adds a Secret that is not committed.
    let repo = init();
    let dir = repo.path();
    write(dir, "committed.yaml", CONFIGMAP);
    commit_all(dir, "init");
    write(dir, "committed.yaml", SECRET); // modified, not staged
    write(dir, "c.yaml", CONFIGMAP);
    git(dir, &["add", "c.yaml"]);
    write(dir, "c.yaml", format!("{CONFIGMAP}---\n{SECRET}"));
    write(dir, "untracked.yaml", SECRET);
    let set = collect(dir, Selection::Staged);
    assert_eq!(names(&set), ["c.yaml"]);
    assert_eq!(content(&set, "c.yaml"), CONFIGMAP);
    assert_eq!(set.all_paths, ["c.yaml", "committed.yaml"]);
    assert!(set.skipped.is_empty() && set.errors.is_empty());
}

#[test]
fn temporary_index_file_is_honoured() {
    // C29: `git commit -a` stages into a temporary index named by GIT_INDEX_FILE.
    let repo = init();
    let dir = repo.path();
    write(dir, "s.yaml", CONFIGMAP);
    commit_all(dir, "init");
    write(dir, "s.yaml", SECRET);
    let mut cmd = git_cmd(dir);
    cmd.env("GIT_INDEX_FILE", ".git/tmp-index")
        .args(["read-tree", "HEAD"]);
    run(cmd);
    let mut cmd = git_cmd(dir);
    cmd.env("GIT_INDEX_FILE", ".git/tmp-index")
        .args(["add", "-u"]);
    run(cmd);

    // .git/index itself has nothing staged.
    assert!(collect(dir, Selection::Staged).candidates.is_empty());
    let repo = Repo::open_at(dir, Some(Path::new(".git/tmp-index"))).expect("open");
    let set = repo
        .collect(&Selection::Staged, &Limits::default())
        .expect("collect");
    assert_eq!(names(&set), ["s.yaml"]);
    assert_eq!(content(&set, "s.yaml"), SECRET);
    // The view reads the same index.
    let view = repo.view(&Selection::Staged).expect("view");
    assert_eq!(
        view.read("s.yaml").as_deref().map(Vec::as_slice),
        Some(SECRET.as_bytes())
    );
}

#[test]
fn rename_reports_new_path_only() {
    // C25: the destination of a rename is checked.
    let repo = init();
    let dir = repo.path();
    write(dir, "apps/api/kustomization.yaml", CONFIGMAP);
    commit_all(dir, "init");
    std::fs::create_dir(dir.join("misc")).expect("mkdir");
    git(
        dir,
        &[
            "mv",
            "apps/api/kustomization.yaml",
            "misc/kustomization.yaml",
        ],
    );
    let set = collect(dir, Selection::Staged);
    assert_eq!(names(&set), ["misc/kustomization.yaml"]);
    assert_eq!(set.all_paths, ["misc/kustomization.yaml"]);
}

#[test]
fn deletion_is_not_reported() {
    let repo = init();
    let dir = repo.path();
    write(dir, "apps/legacy/deployment.yaml", SECRET);
    write(dir, "keep.yaml", CONFIGMAP);
    commit_all(dir, "init");
    git(dir, &["rm", "-q", "apps/legacy/deployment.yaml"]);
    let set = collect(dir, Selection::Staged);
    assert!(set.candidates.is_empty() && set.skipped.is_empty());
    assert_eq!(set.all_paths, ["keep.yaml"]);
}

#[test]
fn modification_and_mode_change_are_reported() {
    let repo = init();
    let dir = repo.path();
    write(dir, "m.yaml", CONFIGMAP);
    write(dir, "x.sh", "echo hi\n");
    write(dir, "same.yaml", CONFIGMAP);
    commit_all(dir, "init");
    write(dir, "m.yaml", SECRET);
    git(dir, &["add", "m.yaml"]);
    git(dir, &["update-index", "--chmod=+x", "x.sh"]);
    let set = collect(dir, Selection::Staged);
    assert_eq!(names(&set), ["m.yaml", "x.sh"]);
    assert_eq!(content(&set, "m.yaml"), SECRET);
    assert_eq!(set.candidates[1].mode, 0o100755);
}

#[test]
fn type_changes_are_reported_at_the_new_type() {
    let repo = init();
    let dir = repo.path();
    write(dir, "to-link.yaml", SECRET);
    write(dir, "to-file.yaml.target", CONFIGMAP);
    std::os::unix::fs::symlink("to-file.yaml.target", dir.join("to-file.yaml")).expect("ln");
    commit_all(dir, "init");
    std::fs::remove_file(dir.join("to-link.yaml")).expect("rm");
    std::os::unix::fs::symlink("elsewhere", dir.join("to-link.yaml")).expect("ln");
    std::fs::remove_file(dir.join("to-file.yaml")).expect("rm");
    write(dir, "to-file.yaml", SECRET);
    git(dir, &["add", "-A"]);
    let set = collect(dir, Selection::Staged);
    assert_eq!(names(&set), ["to-file.yaml"]);
    assert_eq!(content(&set, "to-file.yaml"), SECRET);
    assert_eq!(skips(&set), [("to-link.yaml", SkipReason::Symlink)]);
}

#[test]
fn unborn_head_selects_every_entry() {
    let repo = init();
    let dir = repo.path();
    write(dir, "a.yaml", CONFIGMAP);
    write(dir, "dir/b.yaml", SECRET);
    git(dir, &["add", "-A"]);
    let set = collect(dir, Selection::Staged);
    assert_eq!(names(&set), ["a.yaml", "dir/b.yaml"]);
    assert_eq!(set.all_paths, ["a.yaml", "dir/b.yaml"]);
}

#[test]
fn all_selects_every_entry_from_the_index() {
    let repo = init();
    let dir = repo.path();
    write(dir, "a.yaml", CONFIGMAP);
    write(dir, "b.yaml", CONFIGMAP);
    commit_all(dir, "init");
    write(dir, "b.yaml", SECRET); // worktree only
    let set = collect(dir, Selection::All);
    assert_eq!(names(&set), ["a.yaml", "b.yaml"]);
    assert_eq!(content(&set, "b.yaml"), CONFIGMAP);
}

// ---------------------------------------------------------------------------------------
// Paths, working directories, worktrees

fn layout_repo() -> TempDir {
    let repo = init();
    let dir = repo.path();
    for f in [
        "top.yaml",
        "sub/x.yaml",
        "sub/nested/y.yaml",
        "sub/nested/z.yaml",
        "other/w.yaml",
    ] {
        write(dir, f, CONFIGMAP);
    }
    write(dir, "subway.yaml", CONFIGMAP); // shares a prefix with `sub`, not a directory
    commit_all(dir, "init");
    repo
}

#[test]
fn paths_resolve_against_the_subdirectory() {
    let repo = layout_repo();
    let root = repo.path();
    let sub = root.join("sub");
    let r = open(&sub);
    assert_eq!(r.cwd_prefix().as_deref(), Some("sub"));
    let get = |sel: Selection| -> Vec<String> {
        let set = r.collect(&sel, &Limits::default()).expect("collect");
        assert_eq!(set.all_paths.len(), 6);
        set.candidates.into_iter().map(|c| c.path).collect()
    };
    // Unchanged relative to HEAD, still selected: pre-commit passes every file this way.
    assert_eq!(get(paths(&["x.yaml"])), ["sub/x.yaml"]);
    assert_eq!(
        get(paths(&["nested"])),
        ["sub/nested/y.yaml", "sub/nested/z.yaml"]
    );
    assert_eq!(
        get(paths(&["nested/"])),
        ["sub/nested/y.yaml", "sub/nested/z.yaml"]
    );
    assert_eq!(
        get(paths(&["../top.yaml", "./x.yaml"])),
        ["sub/x.yaml", "top.yaml"]
    );
    assert_eq!(get(paths(&["."])).len(), 3);
    assert_eq!(get(paths(&[".."])).len(), 6);
    let abs = root.join("other");
    assert_eq!(get(Selection::Paths(vec![abs])), ["other/w.yaml"]);
    assert_eq!(get(Selection::Paths(vec![root.to_path_buf()])).len(), 6);
    // Untracked, deleted or missing paths are ignored, not errors.
    write(root, "sub/untracked.yaml", SECRET);
    assert!(
        get(paths(&[
            "untracked.yaml",
            "missing.yaml",
            "gone/deeper.yaml"
        ]))
        .is_empty()
    );
    assert!(get(paths(&[])).is_empty());
    // Outside the work tree.
    for outside in ["../../elsewhere.yaml", "/"] {
        match r.collect(&paths(&[outside]), &Limits::default()) {
            Err(SourceError::OutsideRepo(p)) => assert_eq!(p, outside),
            other => panic!("{outside}: {other:?}"),
        }
    }
}

#[test]
fn paths_from_the_root_do_not_match_sibling_prefixes() {
    let repo = layout_repo();
    let set = collect(repo.path(), paths(&["sub"]));
    assert_eq!(
        names(&set),
        ["sub/nested/y.yaml", "sub/nested/z.yaml", "sub/x.yaml"]
    );
    assert_eq!(open(repo.path()).cwd_prefix().as_deref(), Some(""));
}

#[test]
fn paths_through_a_symlinked_directory() {
    // macOS `/tmp`, symlinked checkouts: the current directory and the work tree root may be
    // spelled differently.
    let repo = layout_repo();
    let links = tempfile::tempdir().expect("tempdir");
    let link = links.path().join("link");
    std::os::unix::fs::symlink(repo.path(), &link).expect("ln");
    let r = open(&link.join("sub"));
    assert_eq!(r.cwd_prefix().as_deref(), Some("sub"));
    let get = |p: PathBuf| -> Vec<String> {
        let set = r
            .collect(&Selection::Paths(vec![p]), &Limits::default())
            .expect("collect");
        set.candidates.into_iter().map(|c| c.path).collect()
    };
    assert_eq!(get("x.yaml".into()), ["sub/x.yaml"]);
    assert_eq!(get(link.join("top.yaml")), ["top.yaml"]);
    assert_eq!(get(repo.path().join("other/w.yaml")), ["other/w.yaml"]);
    assert_eq!(
        get(link.join("sub/deleted/never.yaml")),
        Vec::<String>::new()
    );
}

#[test]
fn linked_worktree_uses_its_own_index() {
    let repo = layout_repo();
    let root = repo.path();
    let wt = tempfile::tempdir().expect("tempdir");
    let wt_dir = wt.path().join("wt");
    git(
        root,
        &[
            "worktree",
            "add",
            "-q",
            "-b",
            "feature",
            wt_dir.to_str().expect("utf-8"),
        ],
    );
    write(&wt_dir, "sub/x.yaml", SECRET);
    git(&wt_dir, &["add", "sub/x.yaml"]);
    write(root, "top.yaml", SECRET);
    git(root, &["add", "top.yaml"]);

    let set = collect(&wt_dir, Selection::Staged);
    assert_eq!(names(&set), ["sub/x.yaml"]);
    assert_eq!(content(&set, "sub/x.yaml"), SECRET);
    let r = open(&wt_dir.join("sub"));
    assert_eq!(r.cwd_prefix().as_deref(), Some("sub"));
    let set = r
        .collect(&paths(&["x.yaml"]), &Limits::default())
        .expect("collect");
    assert_eq!(content(&set, "sub/x.yaml"), SECRET);
    // The main worktree is unaffected.
    assert_eq!(names(&collect(root, Selection::Staged)), ["top.yaml"]);
}

#[test]
fn odd_file_names_keep_their_bytes() {
    let repo = init();
    let dir = repo.path();
    let names_raw: [&[u8]; 5] = [
        b"bad\xff.yaml",
        b"with space.yaml",
        b"new\nline.yaml",
        b"-dash.yaml",
        b"dir with space/\xc3\xa9t\xc3\xa9.yaml",
    ];
    for raw in names_raw {
        write(dir, OsStr::from_bytes(raw), raw);
    }
    git(dir, &["add", "-A"]);
    let set = collect(dir, Selection::Staged);
    let mut got: Vec<(&[u8], &str)> = set
        .candidates
        .iter()
        .map(|c| (c.raw_path.as_slice(), c.path.as_str()))
        .collect();
    got.sort();
    let mut want: Vec<(&[u8], String)> = names_raw
        .iter()
        .map(|r| (*r, String::from_utf8_lossy(r).into_owned()))
        .collect();
    want.sort();
    assert_eq!(
        got,
        want.iter()
            .map(|(r, s)| (*r, s.as_str()))
            .collect::<Vec<_>>()
    );
    for c in &set.candidates {
        assert_eq!(c.bytes, c.raw_path, "content of {:?}", c.path);
    }
    // Every name can be selected explicitly, too.
    let explicit = Selection::Paths(
        names_raw
            .iter()
            .map(|r| PathBuf::from(OsStr::from_bytes(r)))
            .collect(),
    );
    assert_eq!(collect(dir, explicit).candidates.len(), 5);
    commit_all(dir, "odd");
    let set = collect(dir, Selection::Range("HEAD~0..HEAD".into()));
    assert!(set.candidates.is_empty());
    assert_eq!(set.all_paths.len(), 5);
    assert!(set.all_paths.contains(&"bad\u{fffd}.yaml".to_owned()));
}

// ---------------------------------------------------------------------------------------
// Skips

#[test]
fn non_text_entries_are_skipped_with_reasons() {
    // C30 and friends: recorded, never parsed, never a crash.
    let repo = init();
    let dir = repo.path();
    write(dir, "base.yaml", CONFIGMAP);
    let head = commit_all(dir, "init");
    write(dir, "lfs.yaml", LFS_POINTER);
    write(
        dir,
        "crypt.yaml",
        b"\0GITCRYPT\0\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0cxyz",
    );
    write(dir, "image.png", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR");
    write(dir, "target.yaml", SECRET);
    std::os::unix::fs::symlink("target.yaml", dir.join("link.yaml")).expect("ln");
    git(dir, &["add", "-A"]);
    git(
        dir,
        &[
            "update-index",
            "--add",
            "--cacheinfo",
            &format!("160000,{head},sub"),
        ],
    );
    write(dir, "ita.yaml", SECRET);
    git(dir, &["add", "-N", "ita.yaml"]);
    // A "pointer" that is really a manifest is scanned.
    write(
        dir,
        "fake-lfs.yaml",
        format!("version https://git-lfs.github.com/spec/v1\n{SECRET}"),
    );
    git(dir, &["add", "fake-lfs.yaml"]);

    let want = [
        ("crypt.yaml", SkipReason::GitCrypt),
        ("image.png", SkipReason::Binary),
        ("ita.yaml", SkipReason::IntentToAdd),
        ("lfs.yaml", SkipReason::LfsPointer),
        ("link.yaml", SkipReason::Symlink),
        ("sub", SkipReason::Submodule),
    ];
    for sel in [Selection::Staged, Selection::All] {
        let set = collect(dir, sel.clone());
        assert_eq!(skips(&set), want, "{sel:?}");
        let mut got = names(&set);
        got.retain(|p| *p != "base.yaml");
        assert_eq!(got, ["fake-lfs.yaml", "target.yaml"], "{sel:?}");
        assert!(set.errors.is_empty());
        assert_eq!(set.all_paths.len(), 9);
    }
    let set = collect(dir, paths(&["ita.yaml", "sub", "lfs.yaml"]));
    assert_eq!(
        skips(&set),
        [
            ("ita.yaml", SkipReason::IntentToAdd),
            ("lfs.yaml", SkipReason::LfsPointer),
            ("sub", SkipReason::Submodule)
        ]
    );
    // The view does not serve non-text content either.
    let view = open(dir).view(&Selection::Staged).expect("view");
    for p in [
        "lfs.yaml",
        "crypt.yaml",
        "image.png",
        "link.yaml",
        "sub",
        "ita.yaml",
    ] {
        assert!(view.read(p).is_none(), "{p}");
    }
    assert!(view.paths().iter().any(|p| p == "sub"));
}

#[test]
fn merge_conflict_is_recorded_once_per_path() {
    let repo = init();
    let dir = repo.path();
    write(dir, "a.yaml", "v: base\n");
    write(dir, "b.yaml", "v: base\n");
    commit_all(dir, "base");
    git(dir, &["checkout", "-q", "-b", "other"]);
    write(dir, "a.yaml", "v: other\n");
    write(dir, "c.yaml", SECRET);
    commit_all(dir, "other");
    git(dir, &["checkout", "-q", "main"]);
    write(dir, "a.yaml", "v: main\n");
    commit_all(dir, "main");
    let mut merge = git_cmd(dir);
    merge.args(["merge", "-q", "other"]);
    assert!(
        !merge.output().expect("spawn").status.success(),
        "merge must conflict"
    );

    let set = collect(dir, Selection::Staged);
    assert_eq!(skips(&set), [("a.yaml", SkipReason::Conflict)]);
    assert_eq!(names(&set), ["c.yaml"]);
    assert_eq!(set.all_paths, ["b.yaml", "c.yaml"]);
    let set = collect(dir, Selection::All);
    assert_eq!(skips(&set), [("a.yaml", SkipReason::Conflict)]);
    assert_eq!(names(&set), ["b.yaml", "c.yaml"]);
    let set = collect(dir, paths(&["a.yaml"]));
    assert_eq!(skips(&set), [("a.yaml", SkipReason::Conflict)]);
    assert!(set.candidates.is_empty());
    let set = collect(dir, paths(&["b.yaml"]));
    assert!(set.skipped.is_empty());
}

/// A loose object whose zlib stream holds `payload` in a stored block followed by an invalid
/// block: its header inflates, its body does not.
///
/// (A merely truncated stream will not do: libgit2 1.9 loops forever inflating one.)
fn header_only_object(payload: &[u8]) -> Vec<u8> {
    let len = u16::try_from(payload.len()).expect("small payload");
    let mut z = vec![0x78, 0x01, 0x00]; // zlib header; a non-final stored block
    z.extend(len.to_le_bytes());
    z.extend((!len).to_le_bytes());
    z.extend(payload);
    z.push(0x07); // a final block of the reserved type 3: Z_DATA_ERROR
    z
}

#[test]
fn size_limit_is_checked_from_the_header_before_reading() {
    let repo = init();
    let dir = repo.path();
    write(dir, "small.yaml", CONFIGMAP);
    git(dir, &["add", "-A"]);
    let mut payload = b"blob 2097152\0".to_vec();
    payload.extend_from_slice(&[b'a'; 100]);
    let oid = "ab".repeat(20);
    write(
        dir,
        format!(".git/objects/{}/{}", &oid[..2], &oid[2..]),
        header_only_object(&payload),
    );
    git(
        dir,
        &[
            "update-index",
            "--add",
            "--cacheinfo",
            &format!("100644,{oid},big.yaml"),
        ],
    );

    // A TooLarge verdict (instead of a read error) proves the body was never inflated.
    let r = open(dir);
    let limits = Limits {
        max_file_size: 1 << 20,
    };
    let set = r.collect(&Selection::Staged, &limits).expect("collect");
    assert_eq!(
        skips(&set),
        [(
            "big.yaml",
            SkipReason::TooLarge {
                size: 2 << 20,
                limit: 1 << 20
            }
        )]
    );
    assert!(set.errors.is_empty());
    assert_eq!(names(&set), ["small.yaml"]);

    // Under a larger limit the blob is read, fails, and becomes an error; the scan goes on.
    let set = r
        .collect(&Selection::Staged, &Limits::default())
        .expect("collect");
    assert_eq!(set.errors.len(), 1);
    assert_eq!(set.errors[0].path, "big.yaml");
    assert!(
        set.errors[0].message.contains(&oid),
        "{}",
        set.errors[0].message
    );
    assert_eq!(names(&set), ["small.yaml"]);
    assert!(set.skipped.is_empty());
}

#[test]
fn missing_blob_is_a_read_error_not_a_crash() {
    let repo = init();
    let dir = repo.path();
    write(dir, "ok.yaml", CONFIGMAP);
    git(dir, &["add", "-A"]);
    let missing = "1111111111111111111111111111111111111111";
    git(
        dir,
        &[
            "update-index",
            "--add",
            "--cacheinfo",
            &format!("100644,{missing},gone.yaml"),
        ],
    );
    let set = collect(dir, Selection::All);
    assert_eq!(names(&set), ["ok.yaml"]);
    assert_eq!(set.errors.len(), 1);
    assert_eq!(set.errors[0].path, "gone.yaml");
}

#[test]
fn many_files_are_read_in_parallel_in_order() {
    let repo = init();
    let dir = repo.path();
    let files: Vec<String> = (0..300)
        .map(|i| format!("d{}/f{i:03}.yaml", i % 7))
        .collect();
    for f in &files {
        write(dir, f, format!("name: {f}\n"));
    }
    git(dir, &["add", "-A"]);
    let set = collect(dir, Selection::Staged);
    let mut want = files.clone();
    want.sort();
    assert_eq!(names(&set), want);
    for c in &set.candidates {
        assert_eq!(c.bytes, format!("name: {}\n", c.path).into_bytes());
    }
}

// ---------------------------------------------------------------------------------------
// Ranges and bare repositories

#[test]
fn range_collects_each_commit_including_later_deleted_files() {
    let repo = init();
    let dir = repo.path();
    write(dir, "base.yaml", CONFIGMAP);
    let c0 = commit_all(dir, "c0");
    write(dir, "secret.yaml", SECRET);
    write(dir, "base.yaml", "changed: 1\n");
    let c1 = commit_all(dir, "c1: add secret");
    std::fs::remove_file(dir.join("secret.yaml")).expect("rm");
    write(dir, "other.yaml", CONFIGMAP);
    let c2 = commit_all(dir, "c2: delete secret");
    write(dir, "secret.yaml", SECRET); // the same blob at the same path: once
    write(dir, "copy.yaml", SECRET); // the same blob at another path: reported
    let c3 = commit_all(dir, "c3");

    let set = collect(dir, Selection::Range(format!("{c0}..HEAD")));
    let got: Vec<(&str, &Origin)> = set
        .candidates
        .iter()
        .map(|c| (c.path.as_str(), &c.origin))
        .collect();
    let at = |c: &str| Origin::Commit(c.to_owned());
    assert_eq!(
        got,
        [
            ("base.yaml", &at(&c1)),
            ("secret.yaml", &at(&c1)),
            ("other.yaml", &at(&c2)),
            ("copy.yaml", &at(&c3)),
        ]
    );
    assert_eq!(content(&set, "secret.yaml"), SECRET);
    assert_eq!(content(&set, "base.yaml"), "changed: 1\n");
    assert_eq!(
        set.all_paths,
        ["base.yaml", "copy.yaml", "other.yaml", "secret.yaml"]
    );

    // The range tip's tree, read lazily.
    let view = open(dir)
        .view(&Selection::Range(format!("{c0}..{c2}")))
        .expect("view");
    assert_eq!(view.paths(), ["base.yaml", "other.yaml"]);
    assert_eq!(
        view.read("base.yaml").as_deref().map(Vec::as_slice),
        Some(&b"changed: 1\n"[..])
    );
    assert!(view.read("secret.yaml").is_none());
}

#[test]
fn range_through_an_unrelated_root_commit() {
    let repo = init();
    let dir = repo.path();
    write(dir, "a.yaml", CONFIGMAP);
    let base = commit_all(dir, "base");
    git(dir, &["checkout", "-q", "--orphan", "orphan"]);
    git(dir, &["rm", "-q", "-r", "--cached", "."]);
    std::fs::remove_file(dir.join("a.yaml")).expect("rm");
    write(dir, "z/z.yaml", SECRET);
    let root = commit_all(dir, "orphan root");
    git(dir, &["checkout", "-q", "main"]);
    git(
        dir,
        &[
            "merge",
            "-q",
            "--allow-unrelated-histories",
            "-m",
            "merge",
            "orphan",
        ],
    );
    let set = collect(dir, Selection::Range(format!("{base}..main")));
    // The root commit contributes everything it holds; the merge brings the same blob again.
    assert_eq!(names(&set), ["z/z.yaml"]);
    assert_eq!(set.candidates[0].origin, Origin::Commit(root));
    assert_eq!(set.all_paths, ["a.yaml", "z/z.yaml"]);
}

#[test]
fn invalid_ranges_are_rejected() {
    let repo = init();
    let dir = repo.path();
    commit_all(dir, "one");
    commit_all(dir, "two");
    let r = open(dir);
    for spec in [
        "HEAD~1...HEAD",
        "HEAD",
        "nope..HEAD",
        "HEAD~1..nope",
        "HEAD~5..HEAD",
    ] {
        match r.collect(&Selection::Range(spec.into()), &Limits::default()) {
            Err(e @ SourceError::Range { .. }) => {
                assert!(e.to_string().contains(spec), "{e}");
            }
            other => panic!("{spec}: {other:?}"),
        }
    }
    assert!(
        r.collect(&Selection::Range("HEAD~1..HEAD".into()), &Limits::default())
            .is_ok()
    );
}

#[test]
fn bare_repository_supports_ranges_only() {
    let repo = init();
    let dir = repo.path();
    write(dir, "a.yaml", CONFIGMAP);
    commit_all(dir, "one");
    write(dir, "b.yaml", SECRET);
    commit_all(dir, "two");
    let bare = tempfile::tempdir().expect("tempdir");
    let bare_dir = bare.path().join("r.git");
    git(
        dir,
        &[
            "clone",
            "-q",
            "--bare",
            ".",
            bare_dir.to_str().expect("utf-8"),
        ],
    );

    let r = open(&bare_dir);
    assert!(r.workdir().is_none());
    assert_eq!(r.cwd_prefix(), None);
    let set = r
        .collect(&Selection::Range("HEAD~1..HEAD".into()), &Limits::default())
        .expect("range");
    assert_eq!(names(&set), ["b.yaml"]);
    assert_eq!(set.all_paths, ["a.yaml", "b.yaml"]);
    for sel in [Selection::Staged, Selection::All, paths(&["a.yaml"])] {
        assert!(
            matches!(r.collect(&sel, &Limits::default()), Err(SourceError::Bare)),
            "{sel:?}"
        );
        assert!(matches!(r.view(&sel), Err(SourceError::Bare)), "{sel:?}");
    }
    let view = r
        .view(&Selection::Range("HEAD~1..HEAD".into()))
        .expect("view");
    assert_eq!(
        view.read("b.yaml").as_deref().map(Vec::as_slice),
        Some(SECRET.as_bytes())
    );
}

#[test]
fn null_base_means_commits_no_ref_reaches() {
    // pre-receive for a new branch: `0000…0000 <new> refs/heads/x`, the new commits sitting
    // in the (quarantine) object store with no ref pointing at them yet.
    let repo = init();
    let dir = repo.path();
    write(dir, "a.yaml", CONFIGMAP);
    commit_all(dir, "one");
    git(dir, &["checkout", "-q", "-b", "side"]);
    write(dir, "side.yaml", CONFIGMAP);
    commit_all(dir, "side");
    git(dir, &["checkout", "-q", "main"]);
    write(dir, "b.yaml", SECRET);
    git(dir, &["add", "b.yaml"]);
    let tree = git(dir, &["write-tree"]);
    let parent = git(dir, &["rev-parse", "side"]);
    let orphaned = git(dir, &["commit-tree", &tree, "-p", &parent, "-m", "pushed"]);
    let r = open(dir);
    let zeros = "0".repeat(40);
    let set = r
        .collect(
            &Selection::Range(format!("{zeros}..{orphaned}")),
            &Limits::default(),
        )
        .expect("range");
    // Against its first parent `side`, the new commit adds b.yaml and drops side.yaml.
    assert_eq!(names(&set), ["b.yaml"]);
    assert_eq!(set.candidates[0].origin, Origin::Commit(orphaned.clone()));
    assert_eq!(set.all_paths, ["a.yaml", "b.yaml"]);
    // Everything already on a ref: nothing to scan.
    let set = r
        .collect(
            &Selection::Range(format!("{zeros}..side")),
            &Limits::default(),
        )
        .expect("range");
    assert!(set.candidates.is_empty());
    assert!(matches!(
        r.collect(
            &Selection::Range(format!("{zeros}..nope")),
            &Limits::default()
        ),
        Err(SourceError::Range { .. })
    ));
}

#[test]
fn not_a_repository() {
    let tmp = tempfile::tempdir().expect("tempdir");
    // A temp dir might sit inside some repository; a fresh dir under `/` cannot be checked
    // portably, so only assert when discovery fails.
    if let Err(e) = Repo::open_at(tmp.path(), None) {
        assert!(matches!(e, SourceError::NotARepo { .. }));
    }
}

// ---------------------------------------------------------------------------------------
// The view

#[test]
fn view_reads_index_blobs_lazily_and_caches() {
    fn assert_sync<T: Sync + Send>() {}
    assert_sync::<TreeView>();

    let repo = init();
    let dir = repo.path();
    write(
        dir,
        "versionStream/charts/jx3/vault/defaults.yaml",
        "version: 1.2.3\n",
    );
    write(dir, "a.yaml", CONFIGMAP);
    write(dir, "b.yaml", CONFIGMAP);
    commit_all(dir, "init");
    write(dir, "a.yaml", SECRET);
    git(dir, &["add", "a.yaml"]);
    write(dir, "a.yaml", "worktree only\n");

    let r = open(dir);
    let view = r.view(&Selection::Staged).expect("view");
    assert_eq!(
        view.paths(),
        [
            "a.yaml",
            "b.yaml",
            "versionStream/charts/jx3/vault/defaults.yaml"
        ]
    );
    let a = view.read("a.yaml").expect("a");
    assert_eq!(a.as_slice(), SECRET.as_bytes());
    assert!(Arc::ptr_eq(&a, &view.read("a.yaml").expect("a again")));
    assert!(view.read("missing.yaml").is_none());
    let d = view
        .read("versionStream/charts/jx3/vault/defaults.yaml")
        .expect("defaults");
    assert_eq!(d.as_slice(), b"version: 1.2.3\n");
    assert_eq!(
        r.index_content("a.yaml").as_deref(),
        Some(SECRET.as_bytes())
    );
    assert_eq!(r.index_content("missing.yaml"), None);

    // Size limits apply to the view too.
    let small = r
        .view(&Selection::All)
        .expect("view")
        .with_limits(Limits { max_file_size: 4 });
    assert!(small.read("b.yaml").is_none());

    // Usable from many threads at once.
    let view = r.view(&Selection::All).expect("view");
    std::thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| {
                assert_eq!(
                    view.read("b.yaml").expect("b").as_slice(),
                    CONFIGMAP.as_bytes()
                )
            });
        }
    });
}

// ---------------------------------------------------------------------------------------
// `Repo::open` from the environment, in child processes

/// Run by the tests below in a child process (never on its own: without the variables it
/// returns at once). Opens from the environment and writes what it sees to a report file.
#[test]
#[ignore = "helper: run in a child process with a git environment"]
fn env_child() {
    let Some(report_path) = std::env::var_os("GG_SOURCE_ENV_OUT") else {
        return;
    };
    let repo = Repo::open().expect("open from env");
    let limits = Limits::default();
    let staged = repo.collect(&Selection::Staged, &limits).expect("staged");
    let mut report = String::new();
    writeln!(report, "prefix {:?}", repo.cwd_prefix()).expect("fmt");
    for c in &staged.candidates {
        writeln!(
            report,
            "staged {} {:?}",
            c.path,
            String::from_utf8_lossy(&c.bytes)
        )
        .expect("fmt");
    }
    if let Some(p) = std::env::var_os("GG_SOURCE_ENV_PATH") {
        let set = repo
            .collect(&Selection::Paths(vec![PathBuf::from(p)]), &limits)
            .expect("paths");
        for c in &set.candidates {
            writeln!(
                report,
                "path {} {:?}",
                c.path,
                String::from_utf8_lossy(&c.bytes)
            )
            .expect("fmt");
        }
    }
    std::fs::write(report_path, report).expect("write report");
}

fn child_args() -> [&'static str; 4] {
    ["source::tests::env_child", "--exact", "--ignored", "-q"]
}

fn exe() -> PathBuf {
    std::env::current_exe().expect("current exe")
}

/// Installs a pre-commit hook that runs [`env_child`] inside the hook's environment.
fn install_hook(dir: &Path) {
    let hook = dir.join(".git/hooks/pre-commit");
    let script = format!(
        "#!/bin/sh\nexec '{}' {} >/dev/null\n",
        exe().display(),
        child_args().join(" ")
    );
    std::fs::write(&hook, script).expect("hook");
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&hook, std::fs::Permissions::from_mode(0o755)).expect("chmod");
}

#[test]
fn real_commit_all_hook_reads_the_temporary_index() {
    // C29 end to end: git runs the hook with GIT_INDEX_FILE pointing at its temporary index.
    let repo = init();
    let dir = repo.path();
    write(dir, "s.yaml", CONFIGMAP);
    write(dir, "t.yaml", CONFIGMAP);
    commit_all(dir, "init");
    install_hook(dir);
    write(dir, "s.yaml", SECRET);
    let report = dir.join(".git/report");
    let mut cmd = git_cmd(dir);
    cmd.env("GG_SOURCE_ENV_OUT", &report)
        .args(["commit", "-q", "-a", "-m", "add db secret"]);
    run(cmd);
    let got = std::fs::read_to_string(&report).expect("report");
    assert_eq!(
        got,
        format!("prefix Some(\"\")\nstaged s.yaml {SECRET:?}\n")
    );

    // `git commit <path>` (--only): a temporary index with just that path changed, even
    // though another change is staged in .git/index.
    write(dir, "t.yaml", SECRET);
    git(dir, &["add", "t.yaml"]);
    write(dir, "s.yaml", format!("{SECRET}# edit\n"));
    let mut cmd = git_cmd(dir);
    cmd.env("GG_SOURCE_ENV_OUT", &report)
        .env("GG_SOURCE_ENV_PATH", "t.yaml")
        .args(["commit", "-q", "-m", "only this", "s.yaml"]);
    run(cmd);
    let got = std::fs::read_to_string(&report).expect("report");
    assert_eq!(
        got,
        format!(
            "prefix Some(\"\")\nstaged s.yaml {:?}\npath t.yaml {CONFIGMAP:?}\n",
            format!("{SECRET}# edit\n")
        )
    );
}

#[test]
fn open_from_env_honours_git_dir_and_work_tree() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let base = tmp.path();
    let git_dir = base.join("meta.git");
    let work = base.join("work");
    std::fs::create_dir_all(work.join("sub")).expect("mkdir");
    let with_env = |args: &[&str]| {
        let mut cmd = git_cmd(base);
        cmd.env("GIT_DIR", &git_dir)
            .env("GIT_WORK_TREE", &work)
            .args(args);
        run(cmd)
    };
    with_env(&["init", "-q"]);
    write(&work, "sub/a.yaml", SECRET);
    write(&work, "b.yaml", CONFIGMAP);
    with_env(&["add", "-A"]);

    let report = base.join("report");
    let mut cmd = Command::new(exe());
    for (key, _) in std::env::vars_os() {
        if key.as_bytes().starts_with(b"GIT_") {
            cmd.env_remove(key);
        }
    }
    // The current directory is outside the work tree: relative paths still resolve from it.
    cmd.current_dir(base)
        .env("GIT_DIR", &git_dir)
        .env("GIT_WORK_TREE", &work)
        .env("GG_SOURCE_ENV_OUT", &report)
        .env("GG_SOURCE_ENV_PATH", "work/sub")
        .args(child_args());
    run(cmd);
    let got = std::fs::read_to_string(&report).expect("report");
    assert_eq!(
        got,
        format!(
            "prefix None\nstaged b.yaml {CONFIGMAP:?}\nstaged sub/a.yaml {SECRET:?}\npath sub/a.yaml {SECRET:?}\n"
        )
    );

    // From a subdirectory of the work tree.
    let mut cmd = Command::new(exe());
    for (key, _) in std::env::vars_os() {
        if key.as_bytes().starts_with(b"GIT_") {
            cmd.env_remove(key);
        }
    }
    cmd.current_dir(work.join("sub"))
        .env("GIT_DIR", &git_dir)
        .env("GIT_WORK_TREE", &work)
        .env("GG_SOURCE_ENV_OUT", &report)
        .env("GG_SOURCE_ENV_PATH", "a.yaml")
        .args(child_args());
    run(cmd);
    let got = std::fs::read_to_string(&report).expect("report");
    assert!(got.starts_with("prefix Some(\"sub\")\n"), "{got}");
    assert!(
        got.ends_with(&format!("path sub/a.yaml {SECRET:?}\n")),
        "{got}"
    );
}

// ---------------------------------------------------------------------------------------
// The index reader and the cache-tree diff, against git itself

/// A small deterministic generator (xorshift), so a failing seed replays exactly.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// What git's own diff says the commit adds or changes (no deletions, no rename pairing).
fn git_staged(dir: &Path) -> Vec<String> {
    let mut cmd = git_cmd(dir);
    cmd.args([
        "diff",
        "--cached",
        "--name-only",
        "--no-renames",
        "--diff-filter=AMT",
        "-z",
    ]);
    let out = cmd.output().expect("git diff");
    let mut paths: Vec<String> = out
        .stdout
        .split(|&b| b == 0)
        .filter(|p| !p.is_empty())
        .map(|p| String::from_utf8_lossy(p).into_owned())
        .collect();
    paths.sort();
    paths.dedup();
    paths
}

fn ours_staged(dir: &Path) -> Vec<String> {
    let set = collect(dir, Selection::Staged);
    let mut paths: Vec<String> = set
        .candidates
        .iter()
        .map(|c| c.path.clone())
        .chain(
            set.skipped
                .iter()
                .filter(|s| s.reason != SkipReason::Conflict)
                .map(|s| s.path.clone()),
        )
        .chain(set.errors.iter().map(|e| e.path.clone()))
        .collect();
    paths.sort();
    paths
}

/// The same rows compared without the cache-tree: every folder is read from HEAD.
fn ours_without_cache_tree(dir: &Path) -> Vec<String> {
    let repo = git2::Repository::open(dir).expect("open");
    let index = dircache::read(&dir.join(".git/index")).expect("our reader reads it");
    let objects = objects::Objects::new(&repo).expect("objects");
    let commit = repo.head().expect("head").target().expect("commit");
    let head = objects.commit_tree(commit).expect("head tree");
    let changed = dircache::changed_rows(&objects, &head, &index.rows, None).expect("diff");
    let mut paths: Vec<String> = index
        .rows
        .iter()
        .zip(changed)
        .filter(|(r, c)| *c && r.stage == 0)
        .map(|(r, _)| String::from_utf8_lossy(&r.path).into_owned())
        .collect();
    paths.sort();
    paths
}

#[test]
fn staged_paths_match_git_diff_cached_for_random_changes() {
    let dirs = ["", "a/", "a/b/", "a/b/c/", "a-b/", "a.b/", "z/", "z/y/"];
    let files = ["f.yaml", "g.yaml", "h", "a", "z.yaml"];
    let mut skipped_folders = 0;
    for seed in 1..=12u64 {
        let mut rng = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15));
        let repo = init();
        let dir = repo.path();
        let version = ["2", "3", "4"][rng.below(3)];
        git(dir, &["config", "index.version", version]);
        let mut all: Vec<String> = Vec::new();
        for _ in 0..30 {
            let p = format!(
                "{}{}",
                dirs[rng.below(dirs.len())],
                files[rng.below(files.len())]
            );
            // A path that is a file cannot also be a folder.
            if all
                .iter()
                .any(|q| q.starts_with(&format!("{p}/")) || p.starts_with(&format!("{q}/")))
            {
                continue;
            }
            write(dir, &p, format!("{p} {}\n", rng.next()));
            all.push(p);
        }
        all.sort();
        all.dedup();
        commit_all(dir, "base");
        for _ in 0..(1 + rng.below(6)) {
            let p = all[rng.below(all.len())].clone();
            let full = dir.join(&p);
            match rng.below(8) {
                0 | 1 => write(dir, &p, format!("changed {}\n", rng.next())),
                2 => {
                    let _ = std::fs::remove_file(&full);
                }
                3 => {
                    use std::os::unix::fs::PermissionsExt;
                    if full.is_file() {
                        std::fs::set_permissions(&full, std::fs::Permissions::from_mode(0o755))
                            .expect("chmod");
                    }
                }
                4 => {
                    let _ = std::fs::remove_file(&full);
                    std::os::unix::fs::symlink("target", &full).expect("ln");
                }
                5 => {
                    // A file becomes a folder.
                    let _ = std::fs::remove_file(&full);
                    write(dir, format!("{p}/inner.yaml"), "x: 1\n");
                }
                6 => write(dir, format!("{p}.new"), "new: 1\n"),
                _ => write(dir, format!("new-{}/n.yaml", rng.below(3)), "n: 1\n"),
            }
        }
        // Stage exactly the touched paths: `add -A` of the whole tree would also re-add the
        // racily clean files (written in the same second as the index) and so invalidate the
        // whole cache-tree, which this test wants to exercise.
        let touched = String::from_utf8(
            git_cmd(dir)
                .args(["ls-files", "-z", "--modified", "--deleted", "--others"])
                .output()
                .expect("ls-files")
                .stdout,
        )
        .expect("utf-8");
        // (`--modified` lists deleted files too.)
        let touched: std::collections::BTreeSet<&str> =
            touched.split('\0').filter(|p| !p.is_empty()).collect();
        for p in touched {
            git(dir, &["add", "-A", "--", p]);
        }
        let mut expected = git_staged(dir);
        if rng.below(3) == 0 {
            // `git add -N`: git's diff leaves it out; the scan records it as skipped.
            write(dir, "ita/later.yaml", "later: 1\n");
            git(dir, &["add", "-N", "ita/later.yaml"]);
            expected.push("ita/later.yaml".into());
            expected.sort();
        }
        assert_eq!(ours_staged(dir), expected, "seed {seed}, index v{version}");
        assert_eq!(
            ours_without_cache_tree(dir),
            expected,
            "seed {seed} without the cache-tree"
        );
        // git's own reader agrees with ours on every row.
        let ours = dircache::read(&dir.join(".git/index")).expect("read");
        fn any_valid(t: &dircache::CacheTree) -> bool {
            t.oid.is_some() || t.children.iter().any(any_valid)
        }
        skipped_folders += usize::from(ours.cache_tree.as_ref().is_some_and(any_valid));
        let index = git2::Repository::open(dir)
            .and_then(|r| r.index())
            .expect("index");
        assert_eq!(ours.rows.len(), index.len(), "seed {seed}");
        for (row, e) in ours.rows.iter().zip(index.iter()) {
            assert_eq!(row.path, e.path, "seed {seed}");
            assert_eq!(row.oid, e.id);
            assert_eq!(row.mode, e.mode);
        }
    }
    // The cache-tree let most runs skip folders (else the test checks only the slow path).
    assert!(skipped_folders >= 6, "{skipped_folders}");
}

#[test]
fn cache_tree_is_used_and_split_or_sparse_indexes_fall_back() {
    let repo = init();
    let dir = repo.path();
    for i in 0..20 {
        write(dir, format!("ns{}/r{i}/f.yaml", i % 4), CONFIGMAP);
    }
    commit_all(dir, "base");
    write(dir, "ns1/r1/f.yaml", SECRET);
    git(dir, &["add", "ns1/r1/f.yaml"]);
    let index = dircache::read(&dir.join(".git/index")).expect("read");
    let tree = index.cache_tree.expect("git writes a cache-tree on commit");
    // The root and the changed folders are invalidated, the others are not.
    assert_eq!(tree.oid, None);
    let valid: Vec<_> = tree
        .children
        .iter()
        .map(|c| {
            (
                String::from_utf8_lossy(&c.name).into_owned(),
                c.oid.is_some(),
            )
        })
        .collect();
    assert!(valid.contains(&("ns1".into(), false)), "{valid:?}");
    assert!(valid.contains(&("ns0".into(), true)), "{valid:?}");
    assert_eq!(names(&collect(dir, Selection::Staged)), ["ns1/r1/f.yaml"]);
    // Collecting and viewing in one pass gives the same view as a separate read.
    let r = open(dir);
    let (set, view) = r
        .collect_and_view(&Selection::Staged, &Limits::default(), false)
        .expect("collect");
    assert_eq!(names(&set), ["ns1/r1/f.yaml"]);
    let separate = r.view(&Selection::Staged).expect("view");
    assert_eq!(view.paths(), separate.paths());
    for p in view.paths() {
        assert_eq!(view.oid(p), separate.oid(p), "{p}");
    }

    // A split index needs its shared part: read through libgit2 (or a clear error).
    git(dir, &["update-index", "--split-index"]);
    assert!(dircache::read(&dir.join(".git/index")).is_none());
    let result = open(dir).collect(&Selection::Staged, &Limits::default());
    match result {
        Ok(set) => assert_eq!(names(&set), ["ns1/r1/f.yaml"]),
        Err(e) => assert!(e.to_string().contains("index"), "{e}"),
    }
}

#[test]
fn git_crypt_attributes_match_git_check_attr() {
    let repo = init();
    let dir = repo.path();
    write(
        dir,
        ".gitattributes",
        "# secrets\n\
         [attr]crypt filter=git-crypt diff=git-crypt\n\
         [attr]nested crypt -text\n\
         *.key filter=git-crypt\n\
         secret/** filter=git-crypt diff=git-crypt\n\
         secret/public.yaml !filter\n\
         /top.yaml crypt\n\
         deep/**/x.yaml nested\n\
         a/*.enc filter=git-crypt\n\
         folder/ filter=git-crypt\n\
         *.txt filter=lfs\n\
         !neg.key -filter\n\
         mid/*/y.yaml filter=git-crypt\n\
         *.{a,b} filter=git-crypt\n\
         [ab].sec filter=git-crypt\n\
         named/*.yaml filter=git-crypt-prod diff=git-crypt-prod\n\
         near/*.yaml filter=git-crypt-\n\
         last.key -filter\n",
    );
    write(
        dir,
        "sub/.gitattributes",
        "*.yaml filter=git-crypt\nplain.yaml -filter\n[attr]ignored filter=git-crypt\nx.ign ignored\n",
    );
    write(dir, ".git/info/attributes", "override.key -filter\n");
    let paths = [
        "a.key",
        "x/y/b.key",
        "last.key",
        "neg.key",
        "override.key",
        "secret/s.yaml",
        "secret/deeper/s.yaml",
        "secret/public.yaml",
        "top.yaml",
        "x/top.yaml",
        "deep/x.yaml",
        "deep/1/2/x.yaml",
        "a/f.enc",
        "a/b/f.enc",
        "folder/f.yaml",
        "n.txt",
        "mid/m/y.yaml",
        "mid/y.yaml",
        "f.{a,b}",
        "f.a",
        "a.sec",
        "c.sec",
        "sub/s.yaml",
        "sub/plain.yaml",
        "sub/x.ign",
        "sub/d/s.yaml",
        "named/s.yaml",
        "near/s.yaml",
        "other.yaml",
    ];
    for p in paths {
        write(dir, p, "k: v\n");
    }
    git(dir, &["add", "-A"]);
    let mut cmd = git_cmd(dir);
    cmd.args(["check-attr", "--cached", "-z", "filter", "--"])
        .args(paths);
    let out = cmd.output().expect("check-attr");
    let fields: Vec<&[u8]> = out.stdout.split(|&b| b == 0).collect();
    let expected: Vec<(String, bool)> = fields
        .chunks_exact(3)
        .map(|f| {
            (
                String::from_utf8_lossy(f[0]).into_owned(),
                super::attributes::is_git_crypt_filter(f[2]),
            )
        })
        .collect();
    assert_eq!(expected.len(), paths.len());
    let r = git2::Repository::open(dir).expect("open");
    let index = dircache::read(&dir.join(".git/index")).expect("read");
    let staged: Vec<(&[u8], git2::Oid)> = index
        .rows
        .iter()
        .filter(|r| r.path.ends_with(b".gitattributes"))
        .map(|r| (r.path.as_slice(), r.oid))
        .collect();
    let attrs = attributes::GitCryptAttrs::load(&r, &staged)
        .expect("handled without libgit2")
        .expect("some line sets filter");
    let ours: Vec<(String, bool)> = paths
        .iter()
        .map(|p| (p.to_string(), attrs.is_git_crypt(p.as_bytes())))
        .collect();
    assert_eq!(ours, expected);
    assert!(
        expected.iter().filter(|(_, c)| *c).count() >= 10,
        "{expected:?}"
    );

    // The whole collection marks the same paths.
    let set = collect(dir, Selection::All);
    let marked: Vec<(String, bool)> = set
        .candidates
        .iter()
        .filter(|c| paths.contains(&c.path.as_str()))
        .map(|c| (c.path.clone(), c.expects_git_crypt))
        .collect();
    let mut sorted = expected.clone();
    sorted.sort();
    assert_eq!(marked, sorted);
}

#[test]
fn quoted_attribute_patterns_are_left_to_libgit2() {
    let repo = init();
    let dir = repo.path();
    write(dir, ".gitattributes", "\"a b.key\" filter=git-crypt\n");
    write(dir, "a b.key", "k: v\n");
    write(dir, "c.key", "k: v\n");
    git(dir, &["add", "-A"]);
    let r = git2::Repository::open(dir).expect("open");
    let oid = r
        .index()
        .expect("index")
        .get_path(Path::new(".gitattributes"), 0)
        .expect("entry")
        .id;
    assert!(attributes::GitCryptAttrs::load(&r, &[(b".gitattributes".as_slice(), oid)]).is_err());
    let set = collect(dir, Selection::All);
    let marked: Vec<(&str, bool)> = set
        .candidates
        .iter()
        .map(|c| (c.path.as_str(), c.expects_git_crypt))
        .collect();
    assert!(marked.contains(&("c.key", false)), "{marked:?}");
}

#[test]
fn blob_memo_appends_new_results_and_rewrites_a_damaged_file() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let repo = init();
    let dir = repo.path();
    for i in 0..20 {
        write(dir, format!("f{i:02}.yaml"), format!("n: {i}\n"));
    }
    git(dir, &["add", "-A"]);
    let memo_file = dir.join(".git/gitops-guard/t.cache");
    // `f` depends on the content only; count how often it runs.
    let run = |expected_calls: usize| {
        let view = open(dir).view(&Selection::All).expect("view");
        let items: Vec<(usize, u8)> = (0..view.paths().len()).map(|i| (i, 0)).collect();
        let calls = AtomicUsize::new(0);
        let out = view.memo_blobs("t", &items, &|_, bytes| {
            calls.fetch_add(1, Ordering::Relaxed);
            bytes.to_vec()
        });
        assert_eq!(calls.load(Ordering::Relaxed), expected_calls);
        // Every result is there, from the memo or fresh, in order.
        let texts: Vec<String> = out
            .iter()
            .map(|(_, v)| String::from_utf8_lossy(v).into_owned())
            .collect();
        let want: Vec<String> = view
            .paths()
            .iter()
            .map(|p| {
                String::from_utf8_lossy(&std::fs::read(dir.join(p)).expect("read")).into_owned()
            })
            .collect();
        assert_eq!(texts, want);
    };
    run(20);
    let first = std::fs::metadata(&memo_file).expect("memo").len();
    run(0);
    assert_eq!(std::fs::metadata(&memo_file).expect("memo").len(), first);
    // One changed file: one call, and the file grows by one record (appended).
    write(dir, "f03.yaml", "n: changed\n");
    git(dir, &["add", "-A"]);
    run(1);
    let grown = std::fs::metadata(&memo_file).expect("memo").len();
    assert!(grown > first && grown < first + 64, "{first} -> {grown}");
    run(0);
    // A torn last record (a crash mid-append): what parsed is used, the rest recomputed, and
    // the file rewritten whole.
    let bytes = std::fs::read(&memo_file).expect("memo");
    std::fs::write(&memo_file, &bytes[..bytes.len() - 3]).expect("truncate");
    run(1);
    run(0);
    let rewritten = std::fs::read(&memo_file).expect("memo");
    assert!(
        rewritten.len() <= grown as usize,
        "{} > {grown}",
        rewritten.len()
    );
    // Garbage is ignored and replaced.
    std::fs::write(&memo_file, b"not a memo").expect("garbage");
    run(20);
    run(0);
}

#[test]
fn very_deep_folders_are_scanned_rather_than_walked() {
    // A hostile index must not exhaust the stack: past 1,024 folders the diff stops walking
    // and counts the rows as changed (they are scanned, never silently skipped).
    let repo = init();
    let dir = repo.path();
    let deep = format!("{}f.yaml", "d/".repeat(1030));
    write(dir, &deep, CONFIGMAP);
    write(dir, "top.yaml", CONFIGMAP);
    commit_all(dir, "base");
    write(dir, "top.yaml", SECRET);
    git(dir, &["add", "top.yaml"]);
    let marked = ours_without_cache_tree(dir);
    assert_eq!(marked, [deep.clone(), "top.yaml".to_string()]);
    // With the cache-tree the deep folder is unchanged and skipped.
    assert_eq!(names(&collect(dir, Selection::Staged)), ["top.yaml"]);
}
