//! GG006 unused-baseline-entry: an entry of `.gitops-guard-baseline.json` that no finding
//! matches any more. Reported by the baseline (`crate::baseline`) after a whole-index scan
//! (`check --all`), never by a file scan: only a scan of everything knows a finding is gone.

use super::{Ctx, File, Rule};
use crate::catalog::{self, RuleInfo};
use crate::finding::Finding;
use crate::manifest::FileKind;
use std::ops::Range;

/// The rule's code, for the baseline.
pub const CODE: &str = catalog::UNUSED_BASELINE_ENTRY.code;

/// GG006 unused-baseline-entry. Docs: [`DOC`].
pub struct UnusedBaselineEntry;

pub const DOC: &str = r#"## What it does
Reports an entry of `.gitops-guard-baseline.json` that matches no finding any more, when
`gitops-guard check --all` scans the whole index. Like an unused suppression (GG004).

## Why is this bad?
The baseline accepts findings that were there before gitops-guard was adopted. An entry whose
finding was fixed would silently accept the same finding if it came back; the baseline should
only shrink.

## Example
```json
{"code": "GG201", "path": "apps/web.yaml", "fingerprint": "9f0c6d2a41b7e355"}
```
for an `image: nginx:latest` line that now reads `image: nginx:1.27.3`.

Use instead: run `gitops-guard baseline` again (it writes the file from scratch), or delete
the entry.
"#;

impl Rule for UnusedBaselineEntry {
    fn info(&self) -> &'static RuleInfo {
        &catalog::UNUSED_BASELINE_ENTRY
    }
    fn doc(&self) -> &'static str {
        DOC
    }
    fn applies_to(&self, _kind: FileKind, _path: &str, _bytes: &[u8]) -> bool {
        false
    }
    fn check(&self, _file: &File, _ctx: &Ctx, _out: &mut Vec<Finding>) {}
}

/// GG006 for the entry at `span` of the baseline file `path`, which accepted a `code`
/// finding in `entry_path`.
pub fn finding(path: &str, span: Range<usize>, code: &str, entry_path: &str) -> Finding {
    Finding::new(
        &catalog::UNUSED_BASELINE_ENTRY,
        path,
        span,
        format!("this baseline entry ({code} in {entry_path}) matches no finding any more"),
    )
    .with_help("run `gitops-guard baseline` to rewrite the baseline without it")
}
