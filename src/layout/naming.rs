//! Canonical file names, as `jx gitops split` + `jx gitops rename` write them
//! (`jx-gitops: pkg/cmd/rename/rename.go`, `pkg/cmd/split/split.go`).
//!
//! `<name>-<suffix><ext>`: the extension is kept, the name is not lowercased (only `:` and `/`
//! become `-`, jx-gitops #723), and the suffix comes from a short table, falling back to the
//! lowercased kind. An ExternalSecret keeps the `-secret` suffix of the Secret it was
//! converted from (conversion runs after renaming).

/// `jx gitops rename`'s suffix table (`kindSuffixes`), by lowercased kind.
const SUFFIXES: &[(&str, &str)] = &[
    ("clusterrolebinding", "crb"),
    ("configmap", "cm"),
    ("customresourcedefinition", "crd"),
    ("deployment", "deploy"),
    ("mutatingwebhookconfiguration", "mutwebhookcfg"),
    ("namespace", "ns"),
    ("rolebinding", "rb"),
    ("service", "svc"),
    ("serviceaccount", "sa"),
    ("validatingwebhookconfiguration", "valwebhookcfg"),
];

/// The file-name suffix of a kind (`""` when the kind is empty).
pub fn kind_suffix(api_version: &str, kind: &str) -> String {
    let lower = kind.to_ascii_lowercase();
    if lower == "service" && api_version.contains("knative") {
        return "ksvc".into();
    }
    SUFFIXES
        .iter()
        .find(|(k, _)| *k == lower)
        .map(|(_, s)| s.to_string())
        .unwrap_or(lower)
}

/// A resource name made safe for a file name (`foo/bar` → `foo-bar`, `a:b` → `a-b`).
pub fn file_stem(name: &str) -> String {
    name.replace([':', '/'], "-")
}

/// The name `jx gitops rename` gives the file of this object.
pub fn canonical(name: &str, api_version: &str, kind: &str, ext: &str) -> String {
    let suffix = kind_suffix(api_version, kind);
    if suffix.is_empty() {
        format!("{}{ext}", file_stem(name))
    } else {
        format!("{}-{suffix}{ext}", file_stem(name))
    }
}

/// The extension of a file name, with its dot (`.yaml`), or `""`.
pub fn extension(file_name: &str) -> &str {
    match file_name.rfind('.') {
        Some(i) if i > 0 => &file_name[i..],
        _ => "",
    }
}

/// Which names a folder accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Naming {
    /// `<name>-<suffix><ext>` only.
    Canonical,
    /// `<name><ext>` (what Jenkins X writes for `cluster/namespaces/<ns>.yaml` and
    /// `source-repositories/<owner>-<repo>.yaml`), or the canonical name.
    Bare,
    /// Any name; one document per file is not required either.
    Any,
}

/// Every file name accepted for the object, the preferred one first.
pub fn accepted(
    naming: Naming,
    name: &str,
    api_version: &str,
    kind: &str,
    ext: &str,
) -> Vec<String> {
    let mut names = Vec::new();
    if naming == Naming::Bare {
        names.push(format!("{}{ext}", file_stem(name)));
    }
    if kind == "ExternalSecret" {
        // `jx secret convert` runs after `rename`: the file keeps the Secret's suffix.
        names.push(format!("{}-secret{ext}", file_stem(name)));
    }
    names.push(canonical(name, api_version, kind, ext));
    names
}

/// The name `jx gitops split` gives document `index` (0-based) of `file_name`:
/// the first keeps the name, the i-th (1-based, i ≥ 2) becomes `<base><i><ext>`.
pub fn split_name(file_name: &str, index: usize) -> String {
    if index == 0 {
        return file_name.to_string();
    }
    let ext = extension(file_name);
    let base = &file_name[..file_name.len() - ext.len()];
    format!("{base}{}{ext}", index + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reference_examples() {
        // jx-gitops `pkg/cmd/rename/rename_test.go` expectations, and names from real trees.
        let cases = [
            (
                "tekton-pipelines-webhook",
                "v1",
                "ServiceAccount",
                "tekton-pipelines-webhook-sa.yaml",
            ),
            (
                "pipelines.tekton.dev",
                "apiextensions.k8s.io/v1",
                "CustomResourceDefinition",
                "pipelines.tekton.dev-crd.yaml",
            ),
            ("cheese", "v1", "Service", "cheese-svc.yaml"),
            (
                "cheese",
                "serving.knative.dev/v1",
                "Service",
                "cheese-ksvc.yaml",
            ),
            ("foo/bar", "v1", "ConfigMap", "foo-bar-cm.yaml"),
            (
                "feature-flags2",
                "v1",
                "ConfigMap",
                "feature-flags2-cm.yaml",
            ),
            (
                "jenkins-x-chartmuseum",
                "v1",
                "PersistentVolumeClaim",
                "jenkins-x-chartmuseum-persistentvolumeclaim.yaml",
            ),
            (
                "tekton-pipelines-webhook",
                "autoscaling/v2",
                "HorizontalPodAutoscaler",
                "tekton-pipelines-webhook-horizontalpodautoscaler.yaml",
            ),
            (
                "dev",
                "jenkins.io/v1",
                "Environment",
                "dev-environment.yaml",
            ),
            (
                "nginx",
                "networking.k8s.io/v1",
                "IngressClass",
                "nginx-ingressclass.yaml",
            ),
            ("jx-gcpods", "batch/v1", "CronJob", "jx-gcpods-cronjob.yaml"),
            (
                "ingress-nginx-admission",
                "admissionregistration.k8s.io/v1",
                "ValidatingWebhookConfiguration",
                "ingress-nginx-admission-valwebhookcfg.yaml",
            ),
            (
                "webhook.pipeline.tekton.dev",
                "admissionregistration.k8s.io/v1",
                "MutatingWebhookConfiguration",
                "webhook.pipeline.tekton.dev-mutwebhookcfg.yaml",
            ),
            (
                "jx-webhook",
                "comcast.github.io/v1",
                "KuberhealthyCheck",
                "jx-webhook-kuberhealthycheck.yaml",
            ),
            (
                "tekton-bot-jx",
                "rbac.authorization.k8s.io/v1",
                "ClusterRoleBinding",
                "tekton-bot-jx-crb.yaml",
            ),
            (
                "tekton-pipelines",
                "v1",
                "Namespace",
                "tekton-pipelines-ns.yaml",
            ),
            ("a:b", "v1", "Deployment", "a-b-deploy.yaml"),
            (
                "NotLowered",
                "apps/v1",
                "Deployment",
                "NotLowered-deploy.yaml",
            ),
            ("bare", "", "", "bare.yaml"),
        ];
        for (name, api, kind, want) in cases {
            assert_eq!(canonical(name, api, kind, ".yaml"), want, "{name} {kind}");
        }
        assert_eq!(canonical("x", "v1", "ConfigMap", ".yml"), "x-cm.yml");
    }

    #[test]
    fn external_secrets_keep_the_secret_suffix() {
        let names = accepted(
            Naming::Canonical,
            "lighthouse-oauth-token",
            "kubernetes-client.io/v1",
            "ExternalSecret",
            ".yaml",
        );
        assert_eq!(
            names,
            vec![
                "lighthouse-oauth-token-secret.yaml",
                "lighthouse-oauth-token-externalsecret.yaml"
            ]
        );
    }

    #[test]
    fn bare_names_for_source_repositories_and_namespaces() {
        let names = accepted(
            Naming::Bare,
            "skisocksorg-http-server",
            "jenkins.io/v1",
            "SourceRepository",
            ".yaml",
        );
        assert_eq!(
            names,
            vec![
                "skisocksorg-http-server.yaml",
                "skisocksorg-http-server-sourcerepository.yaml"
            ]
        );
        assert_eq!(
            accepted(Naming::Bare, "jx", "v1", "Namespace", ".yaml")[0],
            "jx.yaml"
        );
    }

    #[test]
    fn split_names() {
        assert_eq!(split_name("feature-flags.yaml", 0), "feature-flags.yaml");
        assert_eq!(split_name("feature-flags.yaml", 1), "feature-flags2.yaml");
        assert_eq!(split_name("all.yml", 2), "all3.yml");
        assert_eq!(extension("Kptfile"), "");
        assert_eq!(extension(".hidden"), "");
    }
}
