//! What people can do about the findings of a run, which depends on where the content came
//! from and how gitops-guard was started: `--fix` only changes the staged content of a
//! working tree, and under the pre-commit framework the binary is not on PATH, its hook is.

/// How the findings of a run can be acted on (the advice the human report gives).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Remedy {
    /// The staged content of a working tree: `gitops-guard check --fix`.
    #[default]
    Fix,
    /// Run by the pre-commit framework (`PRE_COMMIT=1`): the `gitops-guard-fix` hook.
    /// `configured`: `.pre-commit-config.yaml` names it.
    PreCommitHook { configured: bool },
    /// Committed history (`--range`, a push): nothing to fix in place.
    History,
    /// Files on disk, outside git (`--no-git`).
    Files,
}

/// The hook id in `.pre-commit-hooks.yaml` that runs `check --fix`.
pub const FIX_HOOK_ID: &str = "gitops-guard-fix";

/// Whether a finding's code is of the secrets family (GG1xx), whose remedy outside the index
/// is rotating the credential.
fn is_secret(code: &str) -> bool {
    code.starts_with("GG1")
}

impl Remedy {
    /// What follows the help of one finding: how to fix it, or what to do when it cannot be
    /// fixed here. `fixable`: the rule can fix this finding in the index.
    pub fn finding_note(self, code: &str, fixable: bool) -> &'static str {
        match self {
            Remedy::Fix if fixable => " (fixable with `--fix`)",
            Remedy::PreCommitHook { .. } if fixable => {
                " (fixable with `pre-commit run gitops-guard-fix`)"
            }
            Remedy::History if is_secret(code) => {
                " (it is in a commit: rotate the credential; rewrite the history if it must go)"
            }
            Remedy::Files if is_secret(code) => {
                " (rotate the credential if these files were shared or committed)"
            }
            _ => "",
        }
    }

    /// The sentence the summary line ends with, if any: `fixable` findings the index fix
    /// handles, `secrets` findings of the secrets family.
    pub fn summary(self, fixable: usize, secrets: usize) -> Option<String> {
        let n = |count: usize| {
            if count == 1 {
                "1 finding".to_string()
            } else {
                format!("{count} findings")
            }
        };
        match self {
            Remedy::Fix if fixable > 0 => Some(format!(
                "{} fixable with `gitops-guard check --fix`.",
                n(fixable)
            )),
            Remedy::PreCommitHook { configured } if fixable > 0 => Some(if configured {
                format!(
                    "{} fixable with `pre-commit run {FIX_HOOK_ID}`.",
                    n(fixable)
                )
            } else {
                format!(
                    "{} fixable by the `{FIX_HOOK_ID}` hook: add it to .pre-commit-config.yaml \
                     (next to `gitops-guard`), then run `pre-commit run {FIX_HOOK_ID}`.",
                    n(fixable)
                )
            }),
            Remedy::History if secrets > 0 => Some(
                "Secrets in commits stay readable in the history: rotate those credentials, \
                 then rewrite the commits if they must go (`git rebase -i` before they are \
                 pushed; `git filter-repo` once they are published)."
                    .to_string(),
            ),
            Remedy::Files if secrets > 0 => Some(
                "These are files on disk: rotate any credential found if they were shared or \
                 committed, and fix them where they come from."
                    .to_string(),
            ),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_index_fix_is_offered_where_it_works() {
        assert_eq!(
            Remedy::Fix.finding_note("GG101", true),
            " (fixable with `--fix`)"
        );
        assert_eq!(Remedy::Fix.finding_note("GG101", false), "");
        let hook = Remedy::PreCommitHook { configured: true };
        assert!(hook.finding_note("GG301", true).contains("pre-commit run"));
        for r in [Remedy::History, Remedy::Files] {
            assert!(!r.finding_note("GG101", true).contains("--fix"));
            assert!(r.finding_note("GG101", true).contains("rotate"));
            assert_eq!(r.finding_note("GG301", true), "");
            assert_eq!(r.summary(3, 0), None);
            assert!(r.summary(3, 1).is_some_and(|s| !s.contains("--fix")));
        }
        assert_eq!(Remedy::Fix.summary(0, 2), None);
    }
}
