//! GitHub Actions workflows in the repository (`.github/workflows/*.yml`): the images jobs
//! run in (`container:`, `services:`, `uses: docker://…`) and the actions and reusable
//! workflows they call (`uses: owner/repo@ref`).
//!
//! A `uses:` ref is judged like a git revision: a full 40-hex commit SHA is the only ref
//! GitHub cannot move; a branch (`main`, `release/v1`) follows every push (GG204); a tag
//! that names a release line (`@v4`, `@v4.1`) is re-pointed at every release of that line,
//! like `redis:7` (GG205, opt-in). A full version tag (`@v4.1.7`) passes unless
//! `images.require: digest` asks for a SHA.

use super::image_ref::{ImageRef, floating_tag};
use super::pins::{Problem, Scan, Unpinned};
use crate::config::Require;
use crate::manifest::Node;

/// A workflow file GitHub runs: directly in `.github/workflows/`, `.yml` or `.yaml`.
pub fn is_workflow(path: &str) -> bool {
    let Some(name) = path.strip_prefix(".github/workflows/") else {
        return false;
    };
    !name.contains('/') && (name.ends_with(".yml") || name.ends_with(".yaml"))
}

fn jobs(root: &Node) -> impl Iterator<Item = (&str, &Node)> {
    root.get("jobs")
        .and_then(Node::as_map)
        .unwrap_or_default()
        .iter()
        .filter_map(|(k, v)| Some((k.as_str()?, v)))
}

/// The images of every job: its `container`, its `services` and `docker://` steps.
pub(super) fn images(root: &Node, scan: &mut Scan) {
    for (id, job) in jobs(root) {
        if let Some(container) = job.get("container") {
            let what = format!("workflow job `{id}` container");
            // `container: node:20` or `container: {image: node:20, ...}`.
            scan.image_node(container.get("image").unwrap_or(container), &what);
        }
        for (name, service) in job
            .get("services")
            .and_then(Node::as_map)
            .unwrap_or_default()
        {
            if let Some(image) = service.get("image") {
                let name = name.as_str().unwrap_or("?");
                scan.image_node(image, &format!("workflow job `{id}` service `{name}`"));
            }
        }
        for step in steps(job) {
            let Some(uses) = step.get("uses").filter(|u| !u.is_templated()) else {
                continue;
            };
            let Some(image) = uses
                .as_str()
                .and_then(|u| u.trim().strip_prefix("docker://"))
            else {
                continue;
            };
            if let Some(r) = ImageRef::parse(image) {
                let what = format!("workflow job `{id}` step `uses: docker://`");
                scan.image(&r, image, uses.span.clone(), &what, Vec::new());
            }
        }
    }
}

fn steps(job: &Node) -> &[Node] {
    job.get("steps").and_then(Node::as_seq).unwrap_or_default()
}

/// Every action or reusable workflow whose ref floats. `require` is what GG205 asks for
/// when it is on.
pub(super) fn uses_refs(root: &Node, require: Option<Require>, out: &mut Vec<Unpinned>) {
    for (id, job) in jobs(root) {
        let step_uses = steps(job).iter().filter_map(|s| s.get("uses"));
        for uses in job.get("uses").into_iter().chain(step_uses) {
            if uses.is_templated() {
                continue;
            }
            let Some(text) = uses.as_str().map(str::trim) else {
                continue;
            };
            // Local actions are versioned with the repository; images are judged as such.
            if text.starts_with("./") || text.starts_with("docker://") {
                continue;
            }
            let Some((action, reference)) = text.rsplit_once('@') else {
                continue;
            };
            if reference.contains("${{") {
                continue;
            }
            if let Some(u) = judge_ref(id, action, reference, uses, require) {
                out.push(u);
            }
        }
    }
}

fn judge_ref(
    job: &str,
    action: &str,
    reference: &str,
    node: &Node,
    require: Option<Require>,
) -> Option<Unpinned> {
    if is_full_sha(reference) {
        return None;
    }
    let what = format!("workflow job `{job}` uses `{action}@{reference}`");
    let sha_help = format!(
        "pin the full commit SHA of a release: `{action}@<40-hex sha> # {}`",
        if reference.starts_with(|c: char| c.is_ascii_digit() || c == 'v') {
            reference
        } else {
            "vX.Y.Z"
        }
    );
    let versioned = reference.starts_with(|c: char| c.is_ascii_digit())
        || reference
            .strip_prefix(['v', 'V'])
            .is_some_and(|r| r.starts_with(|c: char| c.is_ascii_digit()));
    if !versioned {
        return Some(Unpinned {
            problem: Problem::UnpinnedChart,
            span: node.span.clone(),
            message: format!(
                "{what}: `{reference}` is a branch, not a release tag or commit SHA, so every \
                 push to it changes what the workflow runs"
            ),
            help: sha_help,
            labels: Vec::new(),
        });
    }
    let why = match require? {
        Require::Tag => return None,
        Require::Digest => {
            "only a full commit SHA is immutable (`images.require: digest`)".to_string()
        }
        Require::Version => {
            let f = floating_tag(reference)?;
            format!(
                "the tag `{reference}` {}, and is moved to every release of that line",
                f.describe()
            )
        }
    };
    Some(Unpinned {
        problem: Problem::FloatingTag,
        span: node.span.clone(),
        message: format!("{what}: {why}"),
        help: sha_help,
        labels: Vec::new(),
    })
}

/// The only ref GitHub resolves to one commit for good.
fn is_full_sha(reference: &str) -> bool {
    reference.len() == 40 && reference.bytes().all(|b| b.is_ascii_hexdigit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workflow_paths() {
        assert!(is_workflow(".github/workflows/ci.yml"));
        assert!(is_workflow(".github/workflows/release.yaml"));
        assert!(!is_workflow(".github/workflows/sub/ci.yml"));
        assert!(!is_workflow("app/.github/workflows/ci.yml"));
        assert!(!is_workflow(".github/dependabot.yml"));
    }
}
