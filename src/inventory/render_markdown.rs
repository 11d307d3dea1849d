//! Markdown: the inventory as a page a person reads on a git host (in the spirit of the
//! `docs/README.md` Jenkins X generates: namespaces, releases, images, secrets), and the
//! changes of a range as a pull-request comment or `$GITHUB_STEP_SUMMARY`.
//!
//! Every value from the repository is escaped ([`text::md`]); links are relative (to
//! `base`) and percent-encoded.

use super::diff::{Changes, FromTo, ImageChange, ReleaseChange, ResourceChanges};
use super::text::{self, md};
use super::{Image, Inventory, Release, Resource, Workload};
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// Where links point and how much to show.
#[derive(Debug, Clone, Default)]
pub struct Links {
    /// Prefix of every link: `""` (relative to the repository root), `../`, or a URL
    /// ending in `/`.
    pub base: String,
}

impl Links {
    fn to(&self, label: &str, path: &str, line: usize) -> String {
        format!("[{}]({})", md(label), text::link(&self.base, path, line))
    }
}

fn ns_label(ns: &str) -> String {
    if ns.is_empty() {
        "(not set)".into()
    } else {
        md(ns)
    }
}

fn opt(s: &Option<String>) -> String {
    s.as_deref().map(md).unwrap_or_default()
}

fn image_pin(i: &Image) -> String {
    match (i.pinned, i.verdict) {
        (Some(true), _) => "✅".into(),
        (Some(false), Some(code)) => format!("❌ {code}"),
        (Some(false), None) => "⚠️ allowed".into(),
        (None, _) => "➖ unresolved".into(),
    }
}

fn release_pin(r: &Release) -> String {
    if r.kind == super::ReleaseType::Jx3Folder {
        return "–".into();
    }
    match r.verdict {
        None => "✅".into(),
        Some(code) => format!("❌ {code}"),
    }
}

/// `namespace` or `environment · namespace` when there are several environments.
fn place(env: &str, ns: &str, envs: bool) -> String {
    if envs {
        let env = if env.is_empty() { "shared" } else { env };
        format!("{} · {}", md(env), ns_label(ns))
    } else {
        ns_label(ns)
    }
}

fn release_version(r: &Release) -> String {
    let mut v = opt(&r.version);
    if v.is_empty() {
        v = "(none)".into();
    }
    match r.version_source {
        Some(super::VersionSource::VersionStream) => v.push_str(" (version stream)"),
        Some(super::VersionSource::Source) => v.push_str(" (source)"),
        Some(super::VersionSource::Base) => v.push_str(" (base)"),
        _ => {}
    }
    if let (Some(s), Some(v0)) = (&r.stream_version, &r.version)
        && s != v0
    {
        v.push_str(&format!(" · stream {}", md(s)));
    }
    v
}

/// The inventory page.
pub fn inventory(inv: &Inventory, links: &Links) -> String {
    let mut o = String::new();
    let envs = inv
        .environments
        .iter()
        .filter(|e| !e.name.is_empty())
        .count()
        > 1
        || (inv.layout.is_none()
            && inv.environments.len() > 1
            && inv.environments.iter().any(|e| !e.name.is_empty()));
    let _ = writeln!(o, "# Cluster inventory\n");
    let mut intro = format!(
        "Read from {} by gitops-guard {}.",
        inv.source.describe(),
        env!("CARGO_PKG_VERSION")
    );
    if inv.layout == Some("jx3") {
        intro.push_str(" Layout: Jenkins X v3");
        if let Some(e) = inv.environments.iter().find(|e| !e.name.is_empty()) {
            intro.push_str(&format!(", cluster `{}`", text::plain(&e.name)));
        }
        intro.push('.');
    } else if envs {
        let names: Vec<String> = inv
            .environments
            .iter()
            .filter(|e| !e.name.is_empty())
            .map(|e| format!("`{}`", text::plain(&e.name)))
            .collect();
        intro.push_str(&format!(" Environments: {}.", names.join(", ")));
    }
    let _ = writeln!(o, "{intro}\n");
    let s = &inv.summary;
    let _ = writeln!(
        o,
        "| Namespaces | Releases | Workloads | Images | Unpinned | External secrets | Raw secrets | Findings |"
    );
    let _ = writeln!(o, "|--:|--:|--:|--:|--:|--:|--:|--:|");
    let _ = writeln!(
        o,
        "| {} | {} | {} | {} | {} | {} | {} | {} |\n",
        s.namespaces,
        s.releases,
        s.workloads,
        s.images,
        s.unpinned_images + s.unpinned_releases,
        s.external_secrets,
        s.raw_secrets,
        s.findings
    );
    if !inv.errors.is_empty() {
        let _ = writeln!(
            o,
            "> **Incomplete:** {} file(s) could not be read.\n",
            inv.errors.len()
        );
        for e in &inv.errors {
            let _ = writeln!(o, "> - {}: {}", md(&e.path), md(&e.message));
        }
        o.push('\n');
    }

    // Namespaces.
    let _ = writeln!(o, "## Namespaces\n");
    if inv.namespaces.is_empty() {
        let _ = writeln!(o, "No namespace is named in the repository.\n");
    } else {
        let _ = writeln!(
            o,
            "| Namespace | Releases | Workloads | Images | Unpinned images | External secrets | Raw secrets | Findings |"
        );
        let _ = writeln!(o, "|---|--:|--:|--:|--:|--:|--:|--:|");
        for n in &inv.namespaces {
            let name = match &n.declared_in {
                Some(p) => links.to(&n.name, p, 0),
                None => md(&n.name),
            };
            let name = if envs {
                format!(
                    "{} · {name}",
                    md(if n.environment.is_empty() {
                        "shared"
                    } else {
                        &n.environment
                    })
                )
            } else {
                name
            };
            let _ = writeln!(
                o,
                "| {name} | {} | {} | {} | {} | {} | {} | {} |",
                n.releases,
                n.workloads,
                n.images,
                n.unpinned_images,
                n.external_secrets,
                n.raw_secrets,
                n.findings
            );
        }
        o.push('\n');
    }

    // Releases, by namespace.
    let _ = writeln!(o, "## Releases\n");
    if inv.releases.is_empty() {
        let _ = writeln!(o, "No helmfile, Flux, Argo CD or kustomize release.\n");
    }
    let mut by_ns: BTreeMap<(&str, &str), Vec<&Release>> = BTreeMap::new();
    for r in &inv.releases {
        by_ns
            .entry((&r.environment, &r.namespace))
            .or_default()
            .push(r);
    }
    for ((env, ns), list) in by_ns {
        let _ = writeln!(o, "### {}\n", place(env, ns, envs));
        let _ = writeln!(
            o,
            "| Release | Chart | Version | Repository | Type | Pinned |"
        );
        let _ = writeln!(o, "|---|---|---|---|---|---|");
        for r in list {
            let mut chart = opt(&r.chart);
            if let Some(p) = &r.source_path {
                chart = if chart.is_empty() {
                    format!("path {}", md(p))
                } else {
                    format!("{chart} (path {})", md(p))
                };
            }
            let mut kind = r.kind.as_str().to_string();
            if r.patch {
                kind.push_str(" (overlay)");
            }
            let name = links.to(&r.name, &r.at.path, r.at.line);
            let name = match &r.folder {
                Some(f) if r.kind != super::ReleaseType::Jx3Folder => {
                    format!("{name} ({})", links.to("resources", f, 0))
                }
                _ => name,
            };
            let version = if r.kind == super::ReleaseType::Jx3Folder {
                String::new()
            } else {
                release_version(r)
            };
            let _ = writeln!(
                o,
                "| {name} | {chart} | {version} | {} | {kind} | {} |",
                opt(&r.repository),
                release_pin(r)
            );
        }
        o.push('\n');
    }

    // Images, by namespace.
    let _ = writeln!(o, "## Images\n");
    if inv.workloads.is_empty() {
        let _ = writeln!(o, "No workload runs a container.\n");
    }
    let mut by_ns: BTreeMap<(&str, &str), Vec<&Workload>> = BTreeMap::new();
    for w in &inv.workloads {
        by_ns
            .entry((&w.environment, &w.namespace))
            .or_default()
            .push(w);
    }
    for ((env, ns), list) in by_ns {
        let _ = writeln!(o, "### {}\n", place(env, ns, envs));
        let _ = writeln!(
            o,
            "| Workload | Container | Registry | Image | Tag | Digest | Pinned |"
        );
        let _ = writeln!(o, "|---|---|---|---|---|---|---|");
        for w in list {
            let workload = links.to(&format!("{} {}", w.kind, w.name), &w.at.path, w.at.line);
            for i in &w.images {
                let (registry, repo) = match &i.repository {
                    Some(r) => (md(i.registry.as_deref().unwrap_or("docker.io")), md(r)),
                    None => (String::new(), md(&i.image)),
                };
                let digest = i
                    .digest
                    .as_deref()
                    .map(|d| md(d.get(..19).unwrap_or(d)) + "…")
                    .unwrap_or_default();
                let _ = writeln!(
                    o,
                    "| {workload} | {} | {registry} | {repo} | {} | {digest} | {} |",
                    opt(&i.container),
                    opt(&i.tag),
                    image_pin(i)
                );
            }
        }
        o.push('\n');
    }

    // Secrets.
    let _ = writeln!(o, "## Secrets\n");
    let _ = writeln!(o, "### External secrets\n");
    if inv.external_secrets.is_empty() {
        let _ = writeln!(o, "None.\n");
    } else {
        let _ = writeln!(o, "| Namespace | Name | Operator | Store | Remote keys |");
        let _ = writeln!(o, "|---|---|---|---|---|");
        for e in &inv.external_secrets {
            let keys: Vec<String> = e
                .keys
                .iter()
                .map(|k| {
                    let mut s = md(&k.remote_key);
                    if let Some(p) = &k.property {
                        s.push_str(&format!(" ({})", md(p)));
                    }
                    s
                })
                .collect();
            let _ = writeln!(
                o,
                "| {} | {} | {} | {} | {} |",
                place(&e.environment, &e.namespace, envs),
                links.to(&e.name, &e.at.path, e.at.line),
                e.operator,
                e.store
                    .as_ref()
                    .map(|s| md(&s.describe()))
                    .unwrap_or_default(),
                keys.join("<br>")
            );
        }
        o.push('\n');
    }
    let _ = writeln!(o, "### Raw secrets\n");
    if inv.raw_secrets.is_empty() {
        let _ = writeln!(o, "None: no Secret in the repository holds a value.\n");
    } else {
        let _ = writeln!(
            o,
            "Secrets with values in git (names and keys only; values are never shown):\n"
        );
        let _ = writeln!(o, "| Namespace | Name | Keys | Reported |");
        let _ = writeln!(o, "|---|---|---|---|");
        for r in &inv.raw_secrets {
            let _ = writeln!(
                o,
                "| {} | {} | {} | {} |",
                place(&r.environment, &r.namespace, envs),
                links.to(&r.name, &r.at.path, r.at.line),
                r.keys.iter().map(|k| md(k)).collect::<Vec<_>>().join(", "),
                if r.reported { "❌ GG101" } else { "allowed" }
            );
        }
        o.push('\n');
    }

    // Findings.
    let _ = writeln!(o, "## Findings\n");
    if inv.findings.is_empty() {
        let _ = writeln!(o, "None.\n");
    } else {
        let mut counts: BTreeMap<(&str, &str, &str, &str), usize> = BTreeMap::new();
        for f in &inv.findings {
            *counts
                .entry((&f.environment, &f.namespace, f.code, f.rule))
                .or_default() += 1;
        }
        let _ = writeln!(o, "| Namespace | Rule | Findings |");
        let _ = writeln!(o, "|---|---|--:|");
        for ((env, ns, code, rule), n) in counts {
            let ns = if ns.is_empty() {
                "—".to_string()
            } else {
                place(env, ns, envs)
            };
            let _ = writeln!(o, "| {ns} | {code} {rule} | {n} |");
        }
        let _ = writeln!(o, "\n| Rule | Where | Message |");
        let _ = writeln!(o, "|---|---|---|");
        for f in &inv.findings {
            let _ = writeln!(
                o,
                "| {} {} | {} | {} |",
                f.code,
                f.severity,
                links.to(
                    &format!("{}:{}", f.at.path, f.at.line),
                    &f.at.path,
                    f.at.line
                ),
                md(&f.message)
            );
        }
        o.push('\n');
    }
    o
}

/// Rows per table of a pull-request comment (GitHub cuts comments at 65,536 characters).
const MAX_ROWS: usize = 50;

/// Counts the rows of one table and says how many were left out.
struct Budget {
    left: usize,
    skipped: usize,
}

impl Budget {
    fn new() -> Budget {
        Budget {
            left: MAX_ROWS,
            skipped: 0,
        }
    }

    /// Whether one more row fits.
    fn take(&mut self) -> bool {
        if self.left == 0 {
            self.skipped += 1;
            false
        } else {
            self.left -= 1;
            true
        }
    }

    /// Ends the table: a blank line, and a note when rows were left out.
    fn end(self, o: &mut String) {
        o.push('\n');
        if self.skipped > 0 {
            let _ = writeln!(
                o,
                "… and {} more (the JSON report, `--format json`, lists every one).\n",
                self.skipped
            );
        }
    }
}

fn from_to(v: &FromTo<Option<String>>) -> String {
    let show = |s: &Option<String>| s.as_deref().map(md).unwrap_or_else(|| "(none)".into());
    if v.from == v.to {
        show(&v.to)
    } else {
        format!("{} → {}", show(&v.from), show(&v.to))
    }
}

fn release_change_row(o: &mut String, what: &str, c: &ReleaseChange, links: &Links) {
    let mut chart = from_to(&c.chart);
    if c.repository.from != c.repository.to {
        chart.push_str(&format!(" (repository {})", from_to(&c.repository)));
    }
    let pin = match c.verdict {
        None => "✅".to_string(),
        Some(code) => format!("❌ {code}"),
    };
    let _ = writeln!(
        o,
        "| {what} | {} | {} | {chart} | {} | {pin} |",
        ns_label(&c.namespace),
        links.to(&c.name, &c.path, c.line),
        from_to(&c.version)
    );
}

fn release_row(o: &mut String, what: &str, r: &Release, links: &Links) {
    let _ = writeln!(
        o,
        "| {what} | {} | {} | {} | {} | {} |",
        ns_label(&r.namespace),
        links.to(&r.name, &r.at.path, r.at.line),
        opt(&r.chart),
        opt(&r.version),
        release_pin(r)
    );
}

fn image_row(o: &mut String, c: &ImageChange, links: &Links) {
    let pin = match (c.pinned, c.verdict) {
        (Some(true), _) => "✅".to_string(),
        (Some(false), Some(code)) => format!("❌ {code}"),
        (Some(false), None) => "⚠️ allowed".into(),
        (None, _) => "➖".into(),
    };
    let image = match &c.from {
        Some(f) => format!("{} → {}", md(f), md(&c.to)),
        None => format!("(new) {}", md(&c.to)),
    };
    let _ = writeln!(
        o,
        "| {} | {} | {} | {image} | {pin} |",
        ns_label(&c.namespace),
        links.to(
            &format!("{} {}", c.workload_kind, c.workload),
            &c.path,
            c.line
        ),
        opt(&c.container)
    );
}

fn resource_rows(o: &mut String, r: &ResourceChanges, links: &Links) {
    let _ = writeln!(o, "| | Namespace | Kind | Name |");
    let _ = writeln!(o, "|---|---|---|---|");
    let mut row = |what: &str, x: &Resource| {
        let kind = if x.group.is_empty() {
            md(&x.kind)
        } else {
            format!("{} ({})", md(&x.kind), md(&x.group))
        };
        let _ = writeln!(
            o,
            "| {what} | {} | {kind} | {} |",
            if x.namespace.is_empty() {
                "(cluster)".into()
            } else {
                md(&x.namespace)
            },
            links.to(&x.name, &x.at.path, x.at.line)
        );
    };
    let mut budget = Budget::new();
    for x in &r.added {
        if budget.take() {
            row("➕ added", x);
        }
    }
    for x in &r.removed {
        if budget.take() {
            row("➖ removed", x);
        }
    }
    for x in &r.modified {
        if budget.take() {
            row("✏️ modified", x);
        }
    }
    budget.end(o);
}

/// The changes of a range, for a pull-request comment.
pub fn changes(c: &Changes, links: &Links) -> String {
    let mut o = String::new();
    let short = |s: &str| s.get(..12).unwrap_or(s).to_string();
    let _ = writeln!(
        o,
        "## gitops-guard: what `{}` changes in the cluster\n",
        text::plain(&c.range)
    );
    let _ = writeln!(
        o,
        "{} → {} · {} file(s) changed\n",
        short(&c.base.commit),
        short(&c.head.commit),
        c.summary.files_changed
    );
    if c.is_empty() {
        let _ = writeln!(o, "No change to what runs in the cluster.");
        return o;
    }
    let s = &c.summary;
    let mut parts = Vec::new();
    let mut part = |n: usize, what: &str| {
        if n > 0 {
            parts.push(format!("{n} {what}"));
        }
    };
    part(s.namespaces_added, "namespace(s) added");
    part(s.namespaces_removed, "namespace(s) removed");
    part(s.releases_added, "release(s) added");
    part(s.releases_removed, "release(s) removed");
    part(s.releases_upgraded, "upgraded");
    part(s.releases_downgraded, "downgraded");
    part(s.releases_changed, "release(s) changed");
    part(s.images_changed, "image(s) changed");
    part(s.images_newly_unpinned, "newly unpinned image(s)");
    part(s.resources_added, "resource(s) added");
    part(s.resources_removed, "removed");
    part(s.resources_modified, "modified");
    part(s.rbac_changes, "RBAC change(s)");
    part(s.cluster_scoped_changes, "cluster-scoped change(s)");
    part(s.external_secrets_changes, "ExternalSecret change(s)");
    part(s.new_findings, "new finding(s)");
    part(s.resolved_findings, "resolved finding(s)");
    let _ = writeln!(o, "**{}**\n", parts.join(" · "));

    if !c.namespaces.added.is_empty() || !c.namespaces.removed.is_empty() {
        let _ = writeln!(o, "### Namespaces\n");
        for n in &c.namespaces.added {
            let _ = writeln!(o, "- ➕ added: {}", md(&n.name));
        }
        for n in &c.namespaces.removed {
            let _ = writeln!(o, "- ➖ removed: {}", md(&n.name));
        }
        o.push('\n');
    }
    let r = &c.releases;
    if !(r.added.is_empty()
        && r.removed.is_empty()
        && r.upgraded.is_empty()
        && r.downgraded.is_empty()
        && r.changed.is_empty())
    {
        let _ = writeln!(o, "### Releases\n");
        let _ = writeln!(o, "| | Namespace | Release | Chart | Version | Pinned |");
        let _ = writeln!(o, "|---|---|---|---|---|---|");
        let mut budget = Budget::new();
        for x in &r.upgraded {
            if budget.take() {
                release_change_row(&mut o, "⬆️ upgraded", x, links);
            }
        }
        for x in &r.downgraded {
            if budget.take() {
                release_change_row(&mut o, "⬇️ downgraded", x, links);
            }
        }
        for x in &r.changed {
            if budget.take() {
                release_change_row(&mut o, "🔀 changed", x, links);
            }
        }
        for x in &r.added {
            if budget.take() {
                release_row(&mut o, "➕ added", x, links);
            }
        }
        for x in &r.removed {
            if budget.take() {
                release_row(&mut o, "➖ removed", x, links);
            }
        }
        budget.end(&mut o);
    }
    if !c.images.changed.is_empty() {
        let _ = writeln!(o, "### Images\n");
        let _ = writeln!(o, "| Namespace | Workload | Container | Image | Pinned |");
        let _ = writeln!(o, "|---|---|---|---|---|");
        let mut budget = Budget::new();
        for x in &c.images.changed {
            if budget.take() {
                image_row(&mut o, x, links);
            }
        }
        budget.end(&mut o);
    }
    if !c.images.newly_unpinned.is_empty() {
        let _ = writeln!(o, "### ⚠️ Newly unpinned images\n");
        let _ = writeln!(o, "| Namespace | Workload | Container | Image | Pinned |");
        let _ = writeln!(o, "|---|---|---|---|---|");
        let mut budget = Budget::new();
        for x in &c.images.newly_unpinned {
            if budget.take() {
                image_row(&mut o, x, links);
            }
        }
        budget.end(&mut o);
    }
    let called_out = |r: &ResourceChanges| r.added.len() + r.removed.len() + r.modified.len();
    if called_out(&c.rbac) > 0 {
        let _ = writeln!(o, "### ⚠️ RBAC\n");
        resource_rows(&mut o, &c.rbac, links);
    }
    if called_out(&c.cluster_scoped) > 0 {
        let _ = writeln!(o, "### ⚠️ Cluster-scoped\n");
        resource_rows(&mut o, &c.cluster_scoped, links);
    }
    if called_out(&c.resources) > 0 {
        let _ = writeln!(o, "### Resources\n");
        resource_rows(&mut o, &c.resources, links);
    }
    let e = &c.external_secrets;
    if !(e.added.is_empty() && e.removed.is_empty() && e.changed.is_empty()) {
        let _ = writeln!(o, "### External secrets\n");
        let _ = writeln!(o, "| | Namespace | Name | Store | Remote keys |");
        let _ = writeln!(o, "|---|---|---|---|---|");
        let keys = |k: &[super::RemoteKey]| {
            k.iter()
                .map(|k| md(&k.remote_key))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let mut budget = Budget::new();
        for x in e.added.iter().filter(|_| budget.take()) {
            let _ = writeln!(
                o,
                "| ➕ added | {} | {} | {} | {} |",
                ns_label(&x.namespace),
                links.to(&x.name, &x.at.path, x.at.line),
                x.store
                    .as_ref()
                    .map(|s| md(&s.describe()))
                    .unwrap_or_default(),
                keys(&x.keys)
            );
        }
        for x in e.removed.iter().filter(|_| budget.take()) {
            let _ = writeln!(
                o,
                "| ➖ removed | {} | {} | {} | {} |",
                ns_label(&x.namespace),
                links.to(&x.name, &x.at.path, x.at.line),
                x.store
                    .as_ref()
                    .map(|s| md(&s.describe()))
                    .unwrap_or_default(),
                keys(&x.keys)
            );
        }
        for x in e.changed.iter().filter(|_| budget.take()) {
            let store = match &x.store {
                Some(ft) => format!(
                    "{} → {}",
                    ft.from
                        .as_ref()
                        .map(|s| md(&s.describe()))
                        .unwrap_or("(none)".into()),
                    ft.to
                        .as_ref()
                        .map(|s| md(&s.describe()))
                        .unwrap_or("(none)".into())
                ),
                None => "unchanged".into(),
            };
            let mut k = Vec::new();
            if !x.keys_added.is_empty() {
                k.push(format!("➕ {}", keys(&x.keys_added)));
            }
            if !x.keys_removed.is_empty() {
                k.push(format!("➖ {}", keys(&x.keys_removed)));
            }
            let _ = writeln!(
                o,
                "| 🔀 changed | {} | {} | {store} | {} |",
                ns_label(&x.namespace),
                links.to(&x.name, &x.path, x.line),
                k.join("<br>")
            );
        }
        budget.end(&mut o);
    }
    if !c.findings.new.is_empty() {
        let _ = writeln!(o, "### ❌ New findings\n");
        let _ = writeln!(o, "| Rule | Where | Message |");
        let _ = writeln!(o, "|---|---|---|");
        let mut budget = Budget::new();
        for f in c.findings.new.iter().filter(|_| budget.take()) {
            let _ = writeln!(
                o,
                "| {} {} | {} | {} |",
                f.code,
                f.severity,
                links.to(
                    &format!("{}:{}", f.at.path, f.at.line),
                    &f.at.path,
                    f.at.line
                ),
                md(&f.message)
            );
        }
        budget.end(&mut o);
    }
    if !c.findings.resolved.is_empty() {
        let _ = writeln!(o, "✅ {} finding(s) resolved.\n", c.findings.resolved.len());
    }
    o
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::diff::{self, Rev};
    use crate::inventory::{Location, Scope, SourceInfo, Summary};

    fn inventory(resources: Vec<Resource>) -> Inventory {
        Inventory {
            source: SourceInfo::Index,
            layout: None,
            summary: Summary::default(),
            environments: Vec::new(),
            namespaces: Vec::new(),
            releases: Vec::new(),
            workloads: Vec::new(),
            external_secrets: Vec::new(),
            raw_secrets: Vec::new(),
            resources,
            findings: Vec::new(),
            errors: Vec::new(),
        }
    }

    #[test]
    fn pull_request_tables_are_capped() {
        let resources: Vec<Resource> = (0..60)
            .map(|i| Resource {
                environment: String::new(),
                namespace: "apps".into(),
                group: String::new(),
                api_version: "v1".into(),
                kind: "ConfigMap".into(),
                name: format!("cm-{i:02}"),
                scope: Scope::Namespaced,
                release: None,
                digest: 0,
                at: Location {
                    path: format!("apps/cm-{i:02}.yaml"),
                    line: 1,
                },
            })
            .collect();
        let rev = |c: &str| Rev {
            rev: c.into(),
            commit: c.into(),
        };
        let c = diff::diff(
            "a..b",
            (&inventory(Vec::new()), rev("a")),
            (&inventory(resources), rev("b")),
            Vec::new(),
        );
        assert_eq!(c.summary.resources_added, 60);
        let md = changes(&c, &Links::default());
        assert_eq!(
            md.matches("| ➕ added | apps | ConfigMap |").count(),
            50,
            "{md}"
        );
        assert!(md.contains("… and 10 more"), "{md}");
        assert!(md.contains("[cm-49](apps/cm-49.yaml#L1)"));
        assert!(!md.contains("cm-50"));
    }
}
