//! Whether a kind is cluster-scoped or namespaced, keyed by API group **and** kind.
//!
//! Never by kind alone: a CRD may define a `Secret` kind of its own (jx-gitops #877 moved every
//! Deployment and Secret to `cluster/` because of one crossplane CRD). The order of the
//! sources: the built-in table of Kubernetes kinds, then the `spec.scope` of the CRDs in the
//! repository, then the Jenkins X fallback (kinds named `Cluster*` are cluster-scoped).

use std::collections::HashMap;

/// Where objects of a kind live in a cluster.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KindScope {
    Cluster,
    Namespaced,
}

/// How the scope of a kind was decided (for messages).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScopeSource {
    /// The built-in table of Kubernetes kinds.
    BuiltIn,
    /// A CustomResourceDefinition in the repository.
    Crd,
    /// The kind's name starts with `Cluster` (the Jenkins X fallback).
    ClusterPrefix,
}

/// The API group of an `apiVersion` (`""` for the core group: `v1`).
pub fn group_of(api_version: &str) -> &str {
    match api_version.rsplit_once('/') {
        Some((group, _)) => group,
        None => "",
    }
}

/// Cluster-scoped kinds of Kubernetes itself, by (group, kind).
const CLUSTER: &[(&str, &str)] = &[
    ("", "Namespace"),
    ("", "Node"),
    ("", "PersistentVolume"),
    ("", "ComponentStatus"),
    (
        "admissionregistration.k8s.io",
        "MutatingWebhookConfiguration",
    ),
    (
        "admissionregistration.k8s.io",
        "ValidatingWebhookConfiguration",
    ),
    ("admissionregistration.k8s.io", "ValidatingAdmissionPolicy"),
    (
        "admissionregistration.k8s.io",
        "ValidatingAdmissionPolicyBinding",
    ),
    ("admissionregistration.k8s.io", "MutatingAdmissionPolicy"),
    (
        "admissionregistration.k8s.io",
        "MutatingAdmissionPolicyBinding",
    ),
    ("apiextensions.k8s.io", "CustomResourceDefinition"),
    ("apiregistration.k8s.io", "APIService"),
    ("certificates.k8s.io", "CertificateSigningRequest"),
    ("certificates.k8s.io", "ClusterTrustBundle"),
    ("extensions", "PodSecurityPolicy"),
    ("flowcontrol.apiserver.k8s.io", "FlowSchema"),
    ("flowcontrol.apiserver.k8s.io", "PriorityLevelConfiguration"),
    ("networking.k8s.io", "IngressClass"),
    ("networking.k8s.io", "IPAddress"),
    ("networking.k8s.io", "ServiceCIDR"),
    ("node.k8s.io", "RuntimeClass"),
    ("policy", "PodSecurityPolicy"),
    ("rbac.authorization.k8s.io", "ClusterRole"),
    ("rbac.authorization.k8s.io", "ClusterRoleBinding"),
    ("resource.k8s.io", "DeviceClass"),
    ("scheduling.k8s.io", "PriorityClass"),
    ("storage.k8s.io", "CSIDriver"),
    ("storage.k8s.io", "CSINode"),
    ("storage.k8s.io", "StorageClass"),
    ("storage.k8s.io", "VolumeAttachment"),
    ("storage.k8s.io", "VolumeAttributesClass"),
];

/// Namespaced kinds of Kubernetes itself, by (group, kind).
const NAMESPACED: &[(&str, &str)] = &[
    ("", "Binding"),
    ("", "ConfigMap"),
    ("", "Endpoints"),
    ("", "Event"),
    ("", "LimitRange"),
    ("", "PersistentVolumeClaim"),
    ("", "Pod"),
    ("", "PodTemplate"),
    ("", "ReplicationController"),
    ("", "ResourceQuota"),
    ("", "Secret"),
    ("", "Service"),
    ("", "ServiceAccount"),
    ("apps", "ControllerRevision"),
    ("apps", "DaemonSet"),
    ("apps", "Deployment"),
    ("apps", "ReplicaSet"),
    ("apps", "StatefulSet"),
    ("autoscaling", "HorizontalPodAutoscaler"),
    ("batch", "CronJob"),
    ("batch", "Job"),
    ("coordination.k8s.io", "Lease"),
    ("discovery.k8s.io", "EndpointSlice"),
    ("events.k8s.io", "Event"),
    ("extensions", "DaemonSet"),
    ("extensions", "Deployment"),
    ("extensions", "Ingress"),
    ("extensions", "NetworkPolicy"),
    ("extensions", "ReplicaSet"),
    ("networking.k8s.io", "Ingress"),
    ("networking.k8s.io", "NetworkPolicy"),
    ("policy", "PodDisruptionBudget"),
    ("rbac.authorization.k8s.io", "Role"),
    ("rbac.authorization.k8s.io", "RoleBinding"),
    ("storage.k8s.io", "CSIStorageCapacity"),
];

/// The scope of a built-in Kubernetes kind, if (group, kind) is one.
pub fn builtin(group: &str, kind: &str) -> Option<KindScope> {
    if CLUSTER.contains(&(group, kind)) {
        Some(KindScope::Cluster)
    } else if NAMESPACED.contains(&(group, kind)) {
        Some(KindScope::Namespaced)
    } else {
        None
    }
}

/// Whether (group, kind) is a CustomResourceDefinition.
pub fn is_crd(group: &str, kind: &str) -> bool {
    kind == "CustomResourceDefinition" && group == "apiextensions.k8s.io"
}

/// The scopes declared by CRDs, by (group, kind).
pub type CrdScopes = HashMap<(String, String), KindScope>;

/// Decides the scope of (group, kind): built-in table, then CRDs (asked lazily: reading the
/// CRDs of a repository costs a pass over its files), then the `Cluster*` fallback.
/// `None` when nothing knows the kind: such objects are never reported.
pub fn resolve(
    group: &str,
    kind: &str,
    crds: impl FnOnce() -> Option<KindScope>,
) -> Option<(KindScope, ScopeSource)> {
    if let Some(s) = builtin(group, kind) {
        return Some((s, ScopeSource::BuiltIn));
    }
    if let Some(s) = crds() {
        return Some((s, ScopeSource::Crd));
    }
    // jx-helpers kyamls.IsClusterKind: any kind starting with `Cluster` (ClusterIssuer,
    // ClusterSecretStore, ClusterTask, ...). Only for kinds no CRD in the repository declares.
    if kind.starts_with("Cluster") && kind.len() > "Cluster".len() {
        return Some((KindScope::Cluster, ScopeSource::ClusterPrefix));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups() {
        assert_eq!(group_of("v1"), "");
        assert_eq!(group_of("apps/v1"), "apps");
        assert_eq!(
            group_of("rbac.authorization.k8s.io/v1"),
            "rbac.authorization.k8s.io"
        );
    }

    #[test]
    fn builtin_table_is_keyed_by_group_and_kind() {
        assert_eq!(builtin("", "Secret"), Some(KindScope::Namespaced));
        assert_eq!(builtin("secrets.crossplane.io", "Secret"), None);
        assert_eq!(
            builtin("policy", "PodSecurityPolicy"),
            Some(KindScope::Cluster)
        );
        assert_eq!(
            builtin(
                "admissionregistration.k8s.io",
                "ValidatingWebhookConfiguration"
            ),
            Some(KindScope::Cluster)
        );
        assert_eq!(
            builtin("rbac.authorization.k8s.io", "Role"),
            Some(KindScope::Namespaced)
        );
        assert_eq!(
            builtin("networking.k8s.io", "IngressClass"),
            Some(KindScope::Cluster)
        );
        // No entry is both.
        for entry in CLUSTER {
            assert!(!NAMESPACED.contains(entry), "{entry:?}");
        }
    }

    #[test]
    fn resolution_order() {
        // A CRD-defined cluster-scoped `Secret` does not make core Secrets cluster-scoped.
        let crd = || Some(KindScope::Cluster);
        assert_eq!(
            resolve("", "Secret", crd).map(|r| r.0),
            Some(KindScope::Namespaced)
        );
        assert_eq!(
            resolve("secrets.crossplane.io", "Secret", crd),
            Some((KindScope::Cluster, ScopeSource::Crd))
        );
        // A CRD wins over the `Cluster*` fallback.
        assert_eq!(
            resolve("example.com", "ClusterThing", || Some(
                KindScope::Namespaced
            )),
            Some((KindScope::Namespaced, ScopeSource::Crd))
        );
        assert_eq!(
            resolve("cert-manager.io", "ClusterIssuer", || None),
            Some((KindScope::Cluster, ScopeSource::ClusterPrefix))
        );
        assert_eq!(resolve("jenkins.io", "Environment", || None), None);
        assert_eq!(resolve("example.com", "Cluster", || None), None);
    }
}
