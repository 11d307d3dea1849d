//! Where container images live in Kubernetes objects: the `image` of every container at the
//! schema paths that run it, never a search for keys named `image`.
//!
//! Known kinds are walked at their real paths (pod specs of the workload kinds, Tekton steps,
//! Argo Workflows templates, Knative, Kuberhealthy). Kinds we do not know are searched for
//! container lists: a sequence named `containers`, `initContainers` or `ephemeralContainers`
//! whose items are mappings with a string `image`, or a sequence under any other name
//! (`sidecarContainers`, `extraContainers`, ...) whose every item has a string `name` and a
//! string `image`. Kinds whose `image` fields are data (CRD
//! schemas, ConfigMaps, Flux image-automation objects, ...) are never searched.

use crate::manifest::Node;

/// One container image field.
#[derive(Debug, Clone, Copy)]
pub struct ImageSite<'a> {
    /// The `image` scalar.
    pub node: &'a Node,
    /// The container (or step) name, when it has one.
    pub container: Option<&'a str>,
    /// The list it belongs to: `containers`, `initContainers`, `steps`, `stepTemplate`, ...
    pub field: &'static str,
}

/// Every container image of a Kubernetes object (a mapping with `kind`), or of a kind-less
/// fragment (searched like an unknown kind).
pub fn image_sites(obj: &Node) -> Vec<ImageSite<'_>> {
    let mut out = Vec::new();
    let kind = obj.get("kind").and_then(Node::as_str).unwrap_or("");
    let api = obj.get("apiVersion").and_then(Node::as_str).unwrap_or("");
    let group = api.rsplit_once('/').map_or("", |(g, _)| g);
    let core = |groups: &[&str]| api.is_empty() || groups.contains(&group);
    let spec = obj.get("spec");
    match kind {
        "Pod" if core(&[""]) => pod_spec(spec, &mut out),
        "Deployment" | "StatefulSet" | "DaemonSet" | "ReplicaSet"
            if core(&["apps", "extensions"]) =>
        {
            pod_spec(obj.at(&["spec", "template", "spec"]), &mut out)
        }
        "ReplicationController" if core(&[""]) => {
            pod_spec(obj.at(&["spec", "template", "spec"]), &mut out)
        }
        "Job" if core(&["batch"]) => pod_spec(obj.at(&["spec", "template", "spec"]), &mut out),
        "CronJob" if core(&["batch"]) => pod_spec(
            obj.at(&["spec", "jobTemplate", "spec", "template", "spec"]),
            &mut out,
        ),
        "PodTemplate" if core(&[""]) => pod_spec(obj.at(&["template", "spec"]), &mut out),
        "Rollout" if group == "argoproj.io" => {
            pod_spec(obj.at(&["spec", "template", "spec"]), &mut out)
        }
        "Workflow" | "WorkflowTemplate" | "ClusterWorkflowTemplate" if group == "argoproj.io" => {
            argo_workflow_spec(spec, &mut out)
        }
        "CronWorkflow" if group == "argoproj.io" => {
            argo_workflow_spec(obj.at(&["spec", "workflowSpec"]), &mut out)
        }
        "Service" | "Configuration" if group == "serving.knative.dev" => {
            pod_spec(obj.at(&["spec", "template", "spec"]), &mut out)
        }
        "Revision" if group == "serving.knative.dev" => pod_spec(spec, &mut out),
        "Task" | "ClusterTask" if group == "tekton.dev" => task_spec(spec, &mut out),
        "TaskRun" if group == "tekton.dev" => task_spec(obj.at(&["spec", "taskSpec"]), &mut out),
        "Pipeline" if group == "tekton.dev" => pipeline_spec(spec, &mut out),
        "PipelineRun" if group == "tekton.dev" => {
            pipeline_spec(obj.at(&["spec", "pipelineSpec"]), &mut out)
        }
        // Tekton Triggers: each resource template is a whole object (usually a PipelineRun).
        "TriggerTemplate" if group == "triggers.tekton.dev" => {
            let templates = obj
                .at(&["spec", "resourcetemplates"])
                .and_then(Node::as_seq);
            for template in templates.unwrap_or_default() {
                out.extend(image_sites(template));
            }
        }
        "StepAction" if group == "tekton.dev" => {
            push_image(spec, None, "StepAction", &mut out);
        }
        "KuberhealthyCheck" | "KuberhealthyJob" | "HealthCheck" if group == "comcast.github.io" => {
            pod_spec(obj.at(&["spec", "podSpec"]), &mut out);
            // Kuberhealthy v3 nests a full pod template.
            pod_spec(obj.at(&["spec", "podSpec", "spec"]), &mut out);
        }
        _ if is_data_kind(kind, group) => {}
        _ => container_lists(obj, &mut out),
    }
    out
}

/// Kinds whose `image` keys are never a container to run.
fn is_data_kind(kind: &str, group: &str) -> bool {
    matches!(
        kind,
        "CustomResourceDefinition"
            | "ConfigMap"
            | "Secret"
            | "SealedSecret"
            | "ExternalSecret"
            | "ClusterExternalSecret"
            | "Event"
            | "APIService"
            | "ValidatingWebhookConfiguration"
            | "MutatingWebhookConfiguration"
            | "ValidatingAdmissionPolicy"
    ) || group == "image.toolkit.fluxcd.io"
        || group == "apiextensions.k8s.io"
}

/// A core `PodSpec`.
fn pod_spec<'a>(spec: Option<&'a Node>, out: &mut Vec<ImageSite<'a>>) {
    let Some(spec) = spec else { return };
    for field in ["initContainers", "containers", "ephemeralContainers"] {
        container_seq(spec.get(field), field, out);
    }
}

fn container_seq<'a>(seq: Option<&'a Node>, field: &'static str, out: &mut Vec<ImageSite<'a>>) {
    for item in seq.and_then(Node::as_seq).unwrap_or_default() {
        let name = item.get("name").and_then(Node::as_str);
        push_image(Some(item), name, field, out);
    }
}

fn push_image<'a>(
    container: Option<&'a Node>,
    name: Option<&'a str>,
    field: &'static str,
    out: &mut Vec<ImageSite<'a>>,
) {
    if let Some(node) = container.and_then(|c| c.get("image"))
        && node.as_str().is_some()
    {
        out.push(ImageSite {
            node,
            container: name,
            field,
        });
    }
}

/// A Tekton `TaskSpec`: `steps`, `sidecars`, `stepTemplate`.
fn task_spec<'a>(spec: Option<&'a Node>, out: &mut Vec<ImageSite<'a>>) {
    let Some(spec) = spec else { return };
    push_image(spec.get("stepTemplate"), None, "stepTemplate", out);
    container_seq(spec.get("steps"), "steps", out);
    container_seq(spec.get("sidecars"), "sidecars", out);
}

/// A Tekton `PipelineSpec`: the inline `taskSpec` of `tasks` and `finally`.
fn pipeline_spec<'a>(spec: Option<&'a Node>, out: &mut Vec<ImageSite<'a>>) {
    let Some(spec) = spec else { return };
    for list in ["tasks", "finally"] {
        for task in spec.get(list).and_then(Node::as_seq).unwrap_or_default() {
            task_spec(task.get("taskSpec"), out);
            // A task may embed a whole pipeline (TEP-0056).
            pipeline_spec(task.get("pipelineSpec"), out);
        }
    }
}

/// An Argo `WorkflowSpec`: each template's `container`, `script`, `initContainers`,
/// `sidecars` and `containerSet.containers`, plus `templateDefaults`.
fn argo_workflow_spec<'a>(spec: Option<&'a Node>, out: &mut Vec<ImageSite<'a>>) {
    let Some(spec) = spec else { return };
    let templates = spec
        .get("templates")
        .and_then(Node::as_seq)
        .unwrap_or_default();
    for t in templates.iter().chain(spec.get("templateDefaults")) {
        let name = t.get("name").and_then(Node::as_str);
        push_image(t.get("container"), name, "container", out);
        push_image(t.get("script"), name, "script", out);
        container_seq(t.get("initContainers"), "initContainers", out);
        container_seq(t.get("sidecars"), "sidecars", out);
        container_seq(t.at(&["containerSet", "containers"]), "containers", out);
    }
}

/// Unknown kinds: any container list, at any depth except under `metadata`.
fn container_lists<'a>(node: &'a Node, out: &mut Vec<ImageSite<'a>>) {
    let Some(entries) = node.as_map() else {
        for item in node.as_seq().unwrap_or_default() {
            container_lists(item, out);
        }
        return;
    };
    for (k, v) in entries {
        let Some(key) = k.as_str() else { continue };
        let field = match key {
            "metadata" | "status" => continue,
            "containers" => Some("containers"),
            "initContainers" => Some("initContainers"),
            "ephemeralContainers" => Some("ephemeralContainers"),
            _ => None,
        };
        match (field, v.as_seq()) {
            (Some(field), Some(items)) if is_container_list(items) => {
                container_seq(Some(v), field, out);
            }
            // `sidecarContainers`, `extraContainers`, `sidecars`, ...: known by their shape.
            (None, Some(items)) if has_container_shape(items) => {
                container_seq(Some(v), "containers", out);
            }
            _ => container_lists(v, out),
        }
    }
}

/// A list under any other name whose every item is a container: a mapping with a string
/// `name` and a string `image`.
fn has_container_shape(items: &[Node]) -> bool {
    !items.is_empty()
        && items.iter().all(|i| {
            i.get("name").and_then(Node::as_str).is_some()
                && i.get("image").and_then(Node::as_str).is_some()
        })
}

fn is_container_list(items: &[Node]) -> bool {
    !items.is_empty()
        && items.iter().all(|i| i.as_map().is_some())
        && items
            .iter()
            .any(|i| i.get("image").and_then(Node::as_str).is_some())
}
