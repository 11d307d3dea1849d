//! What a change does to the cluster: two inventories compared by identity, not text.
//!
//! Identities: a namespace by (environment, name); a release by (environment, namespace,
//! type, name); a workload's container by (environment, namespace, kind, name, list,
//! container); a resource by (environment, API group, kind, namespace, name); an
//! ExternalSecret by (environment, namespace, name); a finding by (rule, path, message).
//! Items that share an identity are paired in order.

use super::version::compare;
use super::{
    ExternalSecret, FindingRow, Inventory, Release, ReleaseType, RemoteKey, Resource, Scope, Store,
    Workload,
};
use serde::Serialize;
use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};

/// A revision of the range.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Rev {
    /// As given (`main`, `HEAD~3`).
    pub rev: String,
    pub commit: String,
}

/// A value before and after.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct FromTo<T> {
    pub from: T,
    pub to: T,
}

/// A namespace, for lists of added and removed ones.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, PartialOrd, Ord)]
pub struct NamespaceRef {
    pub environment: String,
    pub name: String,
}

/// A release present on both sides whose chart, repository or version changed.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ReleaseChange {
    pub environment: String,
    pub namespace: String,
    pub name: String,
    #[serde(rename = "type")]
    pub kind: ReleaseType,
    pub chart: FromTo<Option<String>>,
    pub repository: FromTo<Option<String>>,
    pub version: FromTo<Option<String>>,
    /// Whether the new version is pinned (GG203/GG204 say why not).
    pub pinned: bool,
    pub verdict: Option<&'static str>,
    pub path: String,
    pub line: usize,
}

/// An image of a container that changed.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ImageChange {
    pub environment: String,
    pub namespace: String,
    pub workload_kind: String,
    pub workload: String,
    pub container: Option<String>,
    /// `null` when the container is new.
    pub from: Option<String>,
    pub to: String,
    pub pinned: Option<bool>,
    pub verdict: Option<&'static str>,
    pub path: String,
    pub line: usize,
}

/// ExternalSecret changes to where values come from.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ExternalSecretChange {
    pub environment: String,
    pub namespace: String,
    pub name: String,
    /// Present when the store changed.
    pub store: Option<FromTo<Option<Store>>>,
    pub target: Option<FromTo<String>>,
    pub keys_added: Vec<RemoteKey>,
    pub keys_removed: Vec<RemoteKey>,
    pub path: String,
    pub line: usize,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq, Default)]
pub struct NamespaceChanges {
    pub added: Vec<NamespaceRef>,
    pub removed: Vec<NamespaceRef>,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq, Default)]
pub struct ReleaseChanges {
    pub added: Vec<Release>,
    pub removed: Vec<Release>,
    pub upgraded: Vec<ReleaseChange>,
    pub downgraded: Vec<ReleaseChange>,
    /// Chart, repository or a version that is not ordered (a range, a branch) changed.
    pub changed: Vec<ReleaseChange>,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq, Default)]
pub struct ImageChanges {
    /// Containers of workloads present on both sides whose image changed (or that are new in
    /// such a workload).
    pub changed: Vec<ImageChange>,
    /// Images that are unpinned now and were not (changed, or in new workloads).
    pub newly_unpinned: Vec<ImageChange>,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq, Default)]
pub struct ResourceChanges {
    pub added: Vec<Resource>,
    pub removed: Vec<Resource>,
    /// Same identity, different content.
    pub modified: Vec<Resource>,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq, Default)]
pub struct ExternalSecretChanges {
    pub added: Vec<ExternalSecret>,
    pub removed: Vec<ExternalSecret>,
    pub changed: Vec<ExternalSecretChange>,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq, Default)]
pub struct FindingChanges {
    /// Findings the change introduces.
    pub new: Vec<FindingRow>,
    /// Findings the change removes.
    pub resolved: Vec<FindingRow>,
}

/// Counts for a summary line.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, Default)]
pub struct ChangeSummary {
    pub files_changed: usize,
    pub namespaces_added: usize,
    pub namespaces_removed: usize,
    pub releases_added: usize,
    pub releases_removed: usize,
    pub releases_upgraded: usize,
    pub releases_downgraded: usize,
    pub releases_changed: usize,
    pub images_changed: usize,
    pub images_newly_unpinned: usize,
    pub resources_added: usize,
    pub resources_removed: usize,
    pub resources_modified: usize,
    pub rbac_changes: usize,
    pub cluster_scoped_changes: usize,
    pub external_secrets_changes: usize,
    pub new_findings: usize,
    pub resolved_findings: usize,
}

/// What a change does to the cluster.
#[derive(Debug, Clone, Serialize)]
pub struct Changes {
    /// The range as given (`main..HEAD`, `origin/main...HEAD`).
    pub range: String,
    /// For `BASE...HEAD`, the merge base of the two.
    pub base: Rev,
    pub head: Rev,
    pub summary: ChangeSummary,
    /// The paths whose content differs.
    pub files_changed: Vec<String>,
    pub namespaces: NamespaceChanges,
    pub releases: ReleaseChanges,
    pub images: ImageChanges,
    pub resources: ResourceChanges,
    /// Role, ClusterRole, RoleBinding and ClusterRoleBinding among `resources`.
    pub rbac: ResourceChanges,
    /// Cluster-scoped objects among `resources` (Namespaces, CRDs, webhooks, ...).
    pub cluster_scoped: ResourceChanges,
    pub external_secrets: ExternalSecretChanges,
    pub findings: FindingChanges,
}

impl Changes {
    /// Whether the change does anything to the cluster (or to the findings).
    pub fn is_empty(&self) -> bool {
        let s = &self.summary;
        s.namespaces_added
            + s.namespaces_removed
            + s.releases_added
            + s.releases_removed
            + s.releases_upgraded
            + s.releases_downgraded
            + s.releases_changed
            + s.images_changed
            + s.images_newly_unpinned
            + s.resources_added
            + s.resources_removed
            + s.resources_modified
            + s.external_secrets_changes
            + s.new_findings
            + s.resolved_findings
            == 0
    }
}

/// Pairs items by key, in order: (key, old, new) with `None` on the side that lacks it.
fn pair<'a, T, K: Ord + Clone>(
    old: &'a [T],
    new: &'a [T],
    key: impl Fn(&T) -> K,
) -> Vec<(Option<&'a T>, Option<&'a T>)> {
    let mut map: BTreeMap<K, (Vec<&T>, Vec<&T>)> = BTreeMap::new();
    for o in old {
        map.entry(key(o)).or_default().0.push(o);
    }
    for n in new {
        map.entry(key(n)).or_default().1.push(n);
    }
    let mut out = Vec::new();
    for (_, (a, b)) in map {
        let len = a.len().max(b.len());
        for i in 0..len {
            out.push((a.get(i).copied(), b.get(i).copied()));
        }
    }
    out
}

/// Compares the inventories of the base and the head.
pub fn diff(
    range: &str,
    (base, base_rev): (&Inventory, Rev),
    (head, head_rev): (&Inventory, Rev),
    files_changed: Vec<String>,
) -> Changes {
    let mut c = Changes {
        range: range.to_string(),
        base: base_rev,
        head: head_rev,
        summary: ChangeSummary::default(),
        files_changed,
        namespaces: NamespaceChanges::default(),
        releases: ReleaseChanges::default(),
        images: ImageChanges::default(),
        resources: ResourceChanges::default(),
        rbac: ResourceChanges::default(),
        cluster_scoped: ResourceChanges::default(),
        external_secrets: ExternalSecretChanges::default(),
        findings: FindingChanges::default(),
    };

    let names = |inv: &Inventory| -> BTreeSet<NamespaceRef> {
        inv.namespaces
            .iter()
            .map(|n| NamespaceRef {
                environment: n.environment.clone(),
                name: n.name.clone(),
            })
            .collect()
    };
    let (nb, nh) = (names(base), names(head));
    c.namespaces.added = nh.difference(&nb).cloned().collect();
    c.namespaces.removed = nb.difference(&nh).cloned().collect();

    releases(base, head, &mut c.releases);
    images(&base.workloads, &head.workloads, &mut c.images);
    resources(&base.resources, &head.resources, &mut c);
    external_secrets(
        &base.external_secrets,
        &head.external_secrets,
        &mut c.external_secrets,
    );
    findings(&base.findings, &head.findings, &mut c.findings);

    let s = &mut c.summary;
    s.files_changed = c.files_changed.len();
    s.namespaces_added = c.namespaces.added.len();
    s.namespaces_removed = c.namespaces.removed.len();
    s.releases_added = c.releases.added.len();
    s.releases_removed = c.releases.removed.len();
    s.releases_upgraded = c.releases.upgraded.len();
    s.releases_downgraded = c.releases.downgraded.len();
    s.releases_changed = c.releases.changed.len();
    s.images_changed = c.images.changed.len();
    s.images_newly_unpinned = c.images.newly_unpinned.len();
    s.resources_added = c.resources.added.len();
    s.resources_removed = c.resources.removed.len();
    s.resources_modified = c.resources.modified.len();
    s.rbac_changes = c.rbac.added.len() + c.rbac.removed.len() + c.rbac.modified.len();
    s.cluster_scoped_changes = c.cluster_scoped.added.len()
        + c.cluster_scoped.removed.len()
        + c.cluster_scoped.modified.len();
    s.external_secrets_changes = c.external_secrets.added.len()
        + c.external_secrets.removed.len()
        + c.external_secrets.changed.len();
    s.new_findings = c.findings.new.len();
    s.resolved_findings = c.findings.resolved.len();
    c
}

fn releases(base: &Inventory, head: &Inventory, out: &mut ReleaseChanges) {
    let key = |r: &Release| {
        (
            r.environment.clone(),
            r.namespace.clone(),
            r.kind,
            r.name.clone(),
        )
    };
    for (old, new) in pair(&base.releases, &head.releases, key) {
        match (old, new) {
            (None, Some(n)) => out.added.push(n.clone()),
            (Some(o), None) => out.removed.push(o.clone()),
            (Some(o), Some(n)) => {
                let same = o.chart == n.chart
                    && o.repository == n.repository
                    && o.version == n.version
                    && o.source_path == n.source_path;
                if same {
                    continue;
                }
                let change = ReleaseChange {
                    environment: n.environment.clone(),
                    namespace: n.namespace.clone(),
                    name: n.name.clone(),
                    kind: n.kind,
                    chart: FromTo {
                        from: o.chart.clone(),
                        to: n.chart.clone(),
                    },
                    repository: FromTo {
                        from: o.repository.clone(),
                        to: n.repository.clone(),
                    },
                    version: FromTo {
                        from: o.version.clone(),
                        to: n.version.clone(),
                    },
                    pinned: n.pinned,
                    verdict: n.verdict,
                    path: n.at.path.clone(),
                    line: n.at.line,
                };
                let order = match (&o.version, &n.version) {
                    (Some(a), Some(b)) if a != b => compare(a, b),
                    _ => None,
                };
                let same_chart = o.chart == n.chart;
                match order {
                    Some(Ordering::Greater) if same_chart => out.upgraded.push(change),
                    Some(Ordering::Less) if same_chart => out.downgraded.push(change),
                    _ => out.changed.push(change),
                }
            }
            (None, None) => {}
        }
    }
}

fn image_change(w: &Workload, i: &super::Image, from: Option<String>) -> ImageChange {
    ImageChange {
        environment: w.environment.clone(),
        namespace: w.namespace.clone(),
        workload_kind: w.kind.clone(),
        workload: w.name.clone(),
        container: i.container.clone(),
        from,
        to: i.image.clone(),
        pinned: i.pinned,
        verdict: i.verdict,
        path: w.at.path.clone(),
        line: i.line,
    }
}

fn images(base: &[Workload], head: &[Workload], out: &mut ImageChanges) {
    let key = |w: &Workload| {
        (
            w.environment.clone(),
            w.namespace.clone(),
            w.kind.clone(),
            w.name.clone(),
        )
    };
    for (old, new) in pair(base, head, key) {
        let Some(new) = new else { continue };
        let Some(old) = old else {
            // A new workload: only its unpinned images are news here (it is listed among
            // the added resources).
            for i in new.images.iter().filter(|i| i.pinned == Some(false)) {
                out.newly_unpinned.push(image_change(new, i, None));
            }
            continue;
        };
        let ckey = |i: &super::Image| (i.field, i.container.clone());
        for (a, b) in pair(&old.images, &new.images, ckey) {
            let Some(b) = b else { continue };
            let from = a.map(|a| a.image.clone());
            if from.as_deref() == Some(b.image.as_str()) {
                continue;
            }
            let change = image_change(new, b, from);
            if b.pinned == Some(false) && a.is_none_or(|a| a.pinned != Some(false)) {
                out.newly_unpinned.push(change.clone());
            }
            out.changed.push(change);
        }
    }
}

fn resources(base: &[Resource], head: &[Resource], c: &mut Changes) {
    for (old, new) in pair(base, head, Resource::key) {
        let (list, r): (fn(&mut ResourceChanges) -> &mut Vec<Resource>, &Resource) =
            match (old, new) {
                (None, Some(n)) => (|x| &mut x.added, n),
                (Some(o), None) => (|x| &mut x.removed, o),
                (Some(o), Some(n)) if o.digest != n.digest => (|x| &mut x.modified, n),
                _ => continue,
            };
        list(&mut c.resources).push(r.clone());
        if r.is_rbac() {
            list(&mut c.rbac).push(r.clone());
        }
        if r.scope == Scope::Cluster {
            list(&mut c.cluster_scoped).push(r.clone());
        }
    }
}

fn external_secrets(
    base: &[ExternalSecret],
    head: &[ExternalSecret],
    out: &mut ExternalSecretChanges,
) {
    let key = |e: &ExternalSecret| (e.environment.clone(), e.namespace.clone(), e.name.clone());
    for (old, new) in pair(base, head, key) {
        match (old, new) {
            (None, Some(n)) => out.added.push(n.clone()),
            (Some(o), None) => out.removed.push(o.clone()),
            (Some(o), Some(n)) => {
                let ok: BTreeSet<&RemoteKey> = o.keys.iter().collect();
                let nk: BTreeSet<&RemoteKey> = n.keys.iter().collect();
                let keys_added: Vec<RemoteKey> = nk.difference(&ok).map(|k| (*k).clone()).collect();
                let keys_removed: Vec<RemoteKey> =
                    ok.difference(&nk).map(|k| (*k).clone()).collect();
                let store = (o.store != n.store).then(|| FromTo {
                    from: o.store.clone(),
                    to: n.store.clone(),
                });
                let target = (o.target != n.target).then(|| FromTo {
                    from: o.target.clone(),
                    to: n.target.clone(),
                });
                if store.is_none()
                    && target.is_none()
                    && keys_added.is_empty()
                    && keys_removed.is_empty()
                {
                    continue;
                }
                out.changed.push(ExternalSecretChange {
                    environment: n.environment.clone(),
                    namespace: n.namespace.clone(),
                    name: n.name.clone(),
                    store,
                    target,
                    keys_added,
                    keys_removed,
                    path: n.at.path.clone(),
                    line: n.at.line,
                });
            }
            (None, None) => {}
        }
    }
}

fn findings(base: &[FindingRow], head: &[FindingRow], out: &mut FindingChanges) {
    let key = |f: &FindingRow| (f.code, f.at.path.clone(), f.message.clone());
    for (old, new) in pair(base, head, key) {
        match (old, new) {
            (None, Some(n)) => out.new.push(n.clone()),
            (Some(o), None) => out.resolved.push(o.clone()),
            _ => {}
        }
    }
}
