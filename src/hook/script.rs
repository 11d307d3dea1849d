//! The hook shim: a small POSIX `sh` script that runs a hook it replaced (if any), then the
//! gitops-guard binary. `gitops-guard install` writes it with the absolute path of the binary
//! that installed it; `hooks/<name>` in this repository is the same text without a path, for
//! people who copy hooks by hand.
//!
//! Invariant: the text is a pure function of (hook, binary path, created-folder flag), so
//! installing twice writes the same bytes and is detected as a no-op.

use super::Hook;

/// Every shim carries this line; it is how `install`/`uninstall` recognise their own hook.
pub const MARKER: &str = "# gitops-guard managed hook:";

/// Recorded when `install` had to create the hooks folder, so `uninstall` can remove it again.
pub const CREATED_DIR: &str = "# gitops-guard created the hooks folder";

/// The suffix of the hook a shim chains to (it runs first; its failure stops git).
pub const LEGACY_SUFFIX: &str = ".gitops-guard.legacy";

/// The suffix of a hook replaced with `--force` (kept, not run; `uninstall` restores it).
pub const BACKUP_SUFFIX: &str = ".gitops-guard.backup";

/// Whether `text` is a hook written by gitops-guard.
pub fn is_ours(text: &str) -> bool {
    text.lines().any(|l| l.starts_with(MARKER))
}

/// Whether an installed shim records that it created the hooks folder.
pub fn created_dir(text: &str) -> bool {
    text.lines().any(|l| l == CREATED_DIR)
}

/// Quotes `s` for POSIX sh (single quotes; `'` becomes `'\''`).
pub fn sh_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// The shim text. `binary` is the absolute path to run first (`None` for the copy kept in the
/// repository, which looks the binary up on `PATH` only).
pub fn render(hook: Hook, binary: Option<&str>, created_dir: bool) -> String {
    let name = hook.file_name();
    let mut s = String::new();
    s.push_str("#!/bin/sh\n");
    s.push_str(&format!("{MARKER} {name}\n"));
    s.push_str(&format!(
        "# Installed by `gitops-guard install`; `gitops-guard uninstall` removes it and puts back\n\
         # any hook it replaced. {}\n",
        hook.bypass_note()
    ));
    if created_dir {
        s.push_str(CREATED_DIR);
        s.push('\n');
    }
    s.push_str(&format!(
        "\n# A hook that was here before gitops-guard runs first; its failure stops git.\n\
         legacy=\"$0{LEGACY_SUFFIX}\"\n\
         chained=\n"
    ));
    if hook.reads_stdin() {
        // Both hooks need the ref lines git writes to stdin.
        s.push_str(
            "if [ -x \"$legacy\" ]; then\n\
             \x20 chained=1\n\
             \x20 input=$(cat)\n\
             \x20 printf '%s\\n' \"$input\" | \"$legacy\" \"$@\" || exit $?\n\
             fi\n",
        );
    } else {
        s.push_str(
            "if [ -x \"$legacy\" ]; then\n\
             \x20 \"$legacy\" \"$@\" || exit $?\n\
             fi\n",
        );
    }
    s.push_str(&format!(
        "\n# The binary: $GITOPS_GUARD, else the one that installed this hook, else `gitops-guard`\n\
         # on PATH.\n\
         bin=${{GITOPS_GUARD:-{}}}\n",
        binary.map(sh_quote).unwrap_or_default()
    ));
    s.push_str(
        "if [ -z \"$bin\" ] || [ ! -x \"$bin\" ]; then\n\
         \x20 bin=$(command -v gitops-guard 2>/dev/null) || bin=\n\
         fi\n",
    );
    s.push_str(&format!(
        "if [ -z \"$bin\" ]; then\n\
         \x20 cat >&2 <<'EOF'\n\
         gitops-guard: the {name} hook cannot run: the gitops-guard binary was not found{}.\n\
         Install it, then try again:\n\
         \x20 cargo install --locked --path <a checkout of gitops-guard>\n\
         {}\
         To remove this hook: delete {name} from the hooks folder, or run `gitops-guard uninstall`.\n\
         EOF\n\
         \x20 exit 1\n\
         fi\n",
        if binary.is_some() {
            " (neither where it was installed from nor on PATH)"
        } else {
            " on PATH"
        },
        if hook.reads_stdin() {
            ""
        } else {
            "or run it through the pre-commit framework (see docs/integrations.md in gitops-guard).\n"
        }
    ));
    let command = hook.command();
    if hook.reads_stdin() {
        s.push_str(&format!(
            // Not `| exec`: a pipeline runs in a subshell, so `exec` there would not end
            // this script, which would go on to run the binary again with empty input.
            "if [ -n \"$chained\" ]; then\n\
             \x20 printf '%s\\n' \"$input\" | \"$bin\" {command}\n\
             \x20 exit $?\n\
             fi\n"
        ));
    }
    s.push_str(&format!("exec \"$bin\" {command}\n"));
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting() {
        assert_eq!(sh_quote("/a b/c"), "'/a b/c'");
        assert_eq!(sh_quote("it's"), r"'it'\''s'");
    }

    #[test]
    fn shim_is_recognised_and_records_the_folder() {
        let text = render(Hook::PreCommit, Some("/usr/bin/gitops-guard"), true);
        assert!(is_ours(&text) && created_dir(&text));
        assert!(text.contains("bin=${GITOPS_GUARD:-'/usr/bin/gitops-guard'}"));
        assert!(text.ends_with("exec \"$bin\" check\n"));
        assert!(!created_dir(&render(Hook::PreCommit, None, false)));
        assert!(!is_ours("#!/bin/sh\nexec pre-commit\n"));
    }

    /// `hooks/<name>` in the repository is exactly the shim without a binary path.
    #[test]
    fn repository_copies_are_current() {
        for hook in [Hook::PreCommit, Hook::PreMergeCommit, Hook::PreReceive] {
            let path = format!("{}/hooks/{}", env!("CARGO_MANIFEST_DIR"), hook.file_name());
            let on_disk = std::fs::read_to_string(&path).unwrap_or_default();
            assert_eq!(
                on_disk,
                render(hook, None, false),
                "{path} is out of date: regenerate it with \
                 `cargo run -- install --print {}`",
                hook.file_name()
            );
        }
    }
}
