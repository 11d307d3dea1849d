//! GG103 plaintext-git-crypt.

use super::{Ctx, File, FileKind, Rule};
use crate::finding::Finding;

/// GG103 plaintext-git-crypt. Docs: [`DOC`]. The engine reports it from what the source
/// layer learned from `.gitattributes`; the rule itself only carries code, level and docs.
pub struct PlaintextGitCrypt;

pub const DOC: &str = r#"## What it does
Reports a staged file that `.gitattributes` routes through git-crypt (`filter=git-crypt`, or
`filter=git-crypt-<keyname>` for a named key) but whose staged content is plaintext. Staged ciphertext (it starts with `\0GITCRYPT\0`) is
skipped as usual.

## Why is this bad?
git-crypt encrypts in its clean filter. When the repository is locked, or git-crypt is not
installed on this machine, the filter does not run and the commit publishes the file in the
clear — usually exactly the secrets the attribute was meant to protect. No code frame is
shown for such a file: all of its content is treated as secret.

## Example
```text
# .gitattributes
secrets/** filter=git-crypt diff=git-crypt
```
`git add secrets/prod.yaml` on a machine without `git-crypt unlock` stages plaintext.

Use instead: install git-crypt and `git-crypt unlock`, then `git rm --cached` and re-add the
file so that the staged blob is ciphertext.
"#;

impl Rule for PlaintextGitCrypt {
    fn code(&self) -> &'static str {
        "GG103"
    }
    fn name(&self) -> &'static str {
        "plaintext-git-crypt"
    }
    fn summary(&self) -> &'static str {
        "a file marked filter=git-crypt is staged as plaintext"
    }
    fn doc(&self) -> &'static str {
        DOC
    }
    fn applies_to(&self, _kind: FileKind, _path: &str, _bytes: &[u8]) -> bool {
        false
    }
    fn check(&self, _file: &File, _ctx: &Ctx, _out: &mut Vec<Finding>) {}
}
