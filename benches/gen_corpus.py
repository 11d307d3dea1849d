#!/usr/bin/env python3
"""Generates a Jenkins X v3-style GitOps repository for benchmarks (deterministic: seeded).

Usage: gen_corpus.py OUT_DIR N_FILES [--seed S]

The tree follows the jx3 layout: ~20 namespaces and ~200 releases under config-root/
(Deployments, StatefulSets, CronJobs, Services, ConfigMaps, RBAC, ServiceAccounts,
ExternalSecrets, CustomResourceDefinitions and their custom resources, cluster-scoped RBAC),
helmfiles, values files, Dockerfiles and multi-document files (under extensions/); sizes from
1 KB to 20 KB with a few ~200 KB files. About 1% of the resource files carry a seeded violation
of each rule family, so every family has work to do and findings to report:

  GG001 invalid YAML          GG004 unused suppression    GG005 invalid suppression
  GG101 raw Secret            GG102 secretGenerator literal   GG103 plaintext git-crypt file
  GG201 :latest / newTag      GG202 untagged image        GG203 SNAPSHOT image
  GG204 unpinned chart        GG301 off-layout file       GG302 wrong namespace
  GG303 wrong scope           GG304 non-canonical name

(GG003 file-too-large needs a >10 MiB file and is left out.) Same seed, same bytes.
"""
import argparse
import os
import random

KINDS = ["deploy", "statefulset", "cronjob", "svc", "cm", "role", "rb", "sa", "secret-es", "multi", "cr", "crb",
         "deploy", "cm"]


WORDS = ["app", "team", "tier", "owner", "release", "config", "checksum", "prometheus", "scrape",
         "version", "managed-by", "part-of", "component", "region", "zone", "jenkins-x"]


def pad(rng, target):
    """Realistic filler that makes a manifest reach `target` bytes: annotation values as they
    come out of Helm (plain words, quoted strings, numbers, checksums, URLs)."""
    lines = []
    size = 0
    i = 0
    while size < target:
        key = f"    {rng.choice(WORDS)}.example.com/{rng.choice(WORDS)}-{i}"
        r = rng.random()
        if r < 0.35:
            value = f"{rng.choice(WORDS)}-{rng.randrange(10**6)}"
        elif r < 0.6:
            value = f"\"{rng.choice(WORDS)} {rng.choice(WORDS)} {rng.randrange(10**9)} {'x' * rng.randrange(5, 40)}\""
        elif r < 0.75:
            value = f"'{rng.randrange(10**4)}'"
        elif r < 0.9:
            value = "%064x" % rng.getrandbits(256)
        else:
            value = f"https://{rng.choice(WORDS)}.example.com/{rng.choice(WORDS)}/{rng.randrange(10**6)}"
        line = f"{key}: {value}\n"
        lines.append(line)
        size += len(line)
        i += 1
    return "".join(lines)


def container(rng, name, image):
    return (
        f"      - name: {name}\n"
        f"        image: {image}\n"
        f"        imagePullPolicy: IfNotPresent\n"
        f"        ports:\n        - containerPort: {rng.randrange(1000, 9000)}\n"
        f"        env:\n        - name: LOG_LEVEL\n          value: info\n"
        f"        resources:\n          limits: {{cpu: 500m, memory: 256Mi}}\n"
    )


def image(rng, bad):
    if bad == "latest":
        return "ghcr.io/example/app:latest"
    if bad == "untagged":
        return "registry.local:5000/team/app"
    if bad == "snapshot":
        return "nexus.example.com/svc:1.4.0-SNAPSHOT"
    return f"ghcr.io/example/app-{rng.randrange(100)}:{rng.randrange(1, 5)}.{rng.randrange(20)}.{rng.randrange(50)}"


def workload(rng, kind, name, ns, target, bad):
    api, k = {"deploy": ("apps/v1", "Deployment"), "statefulset": ("apps/v1", "StatefulSet")}.get(kind, ("batch/v1", "CronJob"))
    head = (
        f"# Source: {name}/templates/{kind}.yaml\n"
        f"apiVersion: {api}\nkind: {k}\nmetadata:\n  name: {name}\n  namespace: {ns}\n"
        f"  labels:\n    app: {name}\n    gitops.jenkins-x.io/pipeline: namespaces\n  annotations:\n"
    )
    spec = "spec:\n  replicas: 2\n  template:\n    spec:\n      containers:\n" + container(rng, name, image(rng, bad))
    if k == "CronJob":
        spec = (
            "spec:\n  schedule: \"0 * * * *\"\n  jobTemplate:\n    spec:\n      template:\n        spec:\n"
            "          containers:\n"
            + "".join("    " + line + "\n" for line in container(rng, name, image(rng, bad)).splitlines())
        )
    body = head + pad(rng, max(0, target - len(head) - len(spec))) + spec
    return body


def simple(rng, kind, name, ns, target, bad):
    if kind == "svc":
        head = f"apiVersion: v1\nkind: Service\nmetadata:\n  name: {name}\n  namespace: {ns}\n  annotations:\n"
        tail = "spec:\n  ports:\n  - port: 80\n    targetPort: 8080\n  selector:\n    app: x\n"
    elif kind == "cm":
        head = f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\n  namespace: {ns}\n  annotations:\n"
        tail = "data:\n  config.yaml: |\n    image: nginx:latest   # data, not an image\n    level: info\n"
    elif kind == "role":
        head = f"apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata:\n  name: {name}\n  namespace: {ns}\n  annotations:\n"
        tail = "rules:\n- apiGroups: [\"\"]\n  resources: [pods]\n  verbs: [get, list]\n"
    elif kind == "rb":
        head = f"apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata:\n  name: {name}\n  namespace: {ns}\n  annotations:\n"
        tail = f"roleRef: {{apiGroup: rbac.authorization.k8s.io, kind: Role, name: {name}}}\nsubjects:\n- {{kind: ServiceAccount, name: {name}}}\n"
    elif kind == "sa":
        head = f"apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: {name}\n  namespace: {ns}\n  annotations:\n"
        tail = ""
    else:  # secret-es
        head = (
            f"apiVersion: external-secrets.io/v1\nkind: ExternalSecret\nmetadata:\n  name: {name}\n  namespace: {ns}\n  annotations:\n"
        )
        tail = (
            "spec:\n  secretStoreRef: {kind: ClusterSecretStore, name: jx-secret-store}\n"
            f"  target: {{name: {name}, creationPolicy: Owner}}\n  data:\n  - secretKey: token\n"
            f"    remoteRef: {{key: {ns}/{name}, property: token, version: latest}}\n"
        )
    return head + pad(rng, max(0, target - len(head) - len(tail))) + tail


SUFFIX = {"deploy": "deploy", "statefulset": "statefulset", "cronjob": "cronjob", "svc": "svc", "cm": "cm",
          "role": "role", "rb": "rb", "sa": "sa", "secret-es": "secret", "cr": "lighthousejob"}

# Seeded violations: each family hits about 1% of the resource files.
VIOLATIONS = ["invalid", "unused-suppression", "invalid-suppression", "secret", "generator", "git-crypt",
              "latest", "untagged", "snapshot", "offlayout", "namespace", "scope", "name"]
VIOLATION_RATE = 0.01

CRD = """apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: {plural}.{group}
  annotations:
{pad}spec:
  group: {group}
  names: {{kind: {kind}, listKind: {kind}List, plural: {plural}, singular: {singular}}}
  scope: Namespaced
  versions:
  - name: v1alpha1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            x-kubernetes-preserve-unknown-fields: true
"""


def custom_resource(rng, name, ns, target):
    head = (f"apiVersion: lighthouse.jenkins.io/v1alpha1\nkind: LighthouseJob\nmetadata:\n  name: {name}\n"
            f"  namespace: {ns}\n  annotations:\n")
    tail = "spec:\n  type: presubmit\n  agent: tekton-pipeline\n  job: pr-build\n"
    return head + pad(rng, max(0, target - len(head) - len(tail))) + tail


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("n", type=int)
    ap.add_argument("--seed", type=int, default=42)
    a = ap.parse_args()
    rng = random.Random(a.seed)
    out = a.out
    namespaces = ["jx", "tekton-pipelines", "nginx", "cert-manager", "secret-infra"] + [f"team{i:02d}" for i in range(15)]
    releases = [(namespaces[i % 20], f"rel{i:03d}") for i in range(200)]
    count = 0

    def write(rel, text):
        nonlocal count
        path = os.path.join(out, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as fh:
            fh.write(text)
        count += 1

    write("jx-requirements.yml", "apiVersion: core.jenkins-x.io/v4beta1\nkind: Requirements\nspec:\n  cluster: {provider: gke}\n")
    write("helmfile.yaml", "helmfiles:\n" + "".join(f"- path: helmfiles/{ns}/helmfile.yaml\n" for ns in namespaces))
    write("Makefile", "include versionStream/src/Makefile.mk\n")
    write(".gitattributes", "helmfiles/*/secrets/** filter=git-crypt diff=git-crypt\n*.sh text eol=lf\n")
    write("versionStream/charts/jxgh/lighthouse/defaults.yaml", "version: 1.33.6\n")
    write("config-root/customresourcedefinitions/jx/lighthouse/lighthousejobs.lighthouse.jenkins.io-crd.yaml",
          CRD.format(plural="lighthousejobs", singular="lighthousejob", kind="LighthouseJob",
                     group="lighthouse.jenkins.io", pad=pad(rng, 4000)))
    unpinned = 0
    for ns in namespaces:
        write(f"config-root/cluster/namespaces/{ns}.yaml", f"apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {ns}\n")
        rels = [r for n, r in releases if n == ns]
        body = f"namespace: {ns}\nrepositories:\n- name: jxgh\n  url: https://jenkins-x-charts.github.io/repo\nreleases:\n"
        for r in rels:
            # About 1% of the releases (and always at least one) has no version: GG204.
            missing = rng.random() < 0.01 or (unpinned == 0 and ns == namespaces[-1] and r == rels[-1])
            unpinned += missing
            version = "" if missing else f"  version: 1.{rng.randrange(40)}.{rng.randrange(9)}\n"
            body += f"- chart: jxgh/{r}\n  name: {r}\n{version}  values:\n  - values/{r}.yaml\n"
        write(f"helmfiles/{ns}/helmfile.yaml", body)

    i = 0
    while count < a.n:
        ns, rel = releases[i % len(releases)]
        kind = KINDS[i % len(KINDS)]
        i += 1
        name = f"{rel}-{kind.split('-')[0]}-{i}"
        roll = rng.random()
        target = 200_000 if roll < 0.002 else rng.randrange(1_000, 20_000)
        bad = None
        roll = rng.random()
        if roll < VIOLATION_RATE * len(VIOLATIONS):
            bad = VIOLATIONS[int(roll / VIOLATION_RATE)]
        base = f"config-root/namespaces/{ns}/{rel}"
        if bad == "secret":
            text = (f"apiVersion: v1\nkind: Secret\nmetadata:\n  name: {name}\n  namespace: {ns}\ntype: Opaque\n"
                    f"data:\n  password: {'cGFzc3dvcmQ=' }\n")
            write(f"{base}/{name}-secret.yaml", text)
        elif bad == "generator":
            write(f"extensions/kustomize/{name}/kustomization.yaml",
                  "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [deploy.yaml]\n"
                  f"images:\n- name: app\n  newTag: {'latest' if i % 2 else '1.2.3'}\n"
                  f"secretGenerator:\n- name: {name}\n  literals:\n  - DB_PASSWORD=not-a-real-password-{i}\n")
        elif bad == "git-crypt":
            # .gitattributes routes it through git-crypt, but it is staged as plaintext.
            write(f"helmfiles/{ns}/secrets/{name}-values.yaml", f"db:\n  password: not-a-real-password-{i}\n")
        elif bad == "offlayout":
            write(f"stray/{name}-cm.yaml", simple(rng, "cm", name, ns, target, None))
        elif bad == "namespace":
            write(f"{base}/{name}-cm.yaml", simple(rng, "cm", name, "other-ns", target, None))
        elif bad == "scope":
            write(f"{base}/{name}-clusterrole.yaml",
                  f"apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: {name}\nrules: []\n")
        elif bad == "name":
            write(f"{base}/{name}.yaml", simple(rng, "svc", name, ns, target, None))
        elif bad == "invalid":
            write(f"{base}/{name}-cm.yaml", "apiVersion: v1\nkind: ConfigMap\ndata: {a: [1\n")
        elif bad == "unused-suppression":
            write(f"{base}/{name}-cm.yaml",
                  "# gitops-guard: ignore-file[GG101] legacy values, converted later\n" + simple(rng, "cm", name, ns, target, None))
        elif bad == "invalid-suppression":
            write(f"{base}/{name}-cm.yaml",
                  "# gitops-guard: ignore-file[GG1O1] a typo: letter O\n" + simple(rng, "cm", name, ns, target, None))
        elif kind in ("deploy", "statefulset", "cronjob"):
            write(f"{base}/{name}-{SUFFIX[kind]}.yaml", workload(rng, kind, name, ns, target, bad))
        elif kind == "multi":
            # Several documents in one file: outside config-root (which holds one per file).
            docs = [simple(rng, k, f"{name}-{j}", ns, target // 3, None) for j, k in enumerate(["cm", "svc", "sa"])]
            write(f"extensions/{ns}/{rel}/{name}-resources.yaml", "---\n".join(docs))
        elif kind == "cr":
            write(f"{base}/{name}-{SUFFIX[kind]}.yaml", custom_resource(rng, name, ns, target))
        elif kind == "crb":
            write(f"config-root/cluster/resources/{ns}/{rel}/{name}-crb.yaml",
                  f"apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata:\n  name: {name}\n"
                  f"roleRef: {{apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: {rel}}}\n"
                  f"subjects:\n- {{kind: ServiceAccount, name: {rel}, namespace: {ns}}}\n")
        elif bad in ("latest", "untagged", "snapshot"):
            write(f"{base}/{name}-deploy.yaml", workload(rng, "deploy", name, ns, target, bad))
        else:
            write(f"{base}/{name}-{SUFFIX[kind]}.yaml", simple(rng, kind, name, ns, target, None))
        if count % 100 == 0 and count < a.n:
            # A values file and a Dockerfile now and then.
            tag = "latest" if rng.random() < 0.05 else "1.2.3"
            write(f"helmfiles/{ns}/values/{rel}-{count}.yaml",
                  f"image:\n  repository: ghcr.io/example/{rel}\n  tag: \"{tag}\"\nreplicas: 2\n" + "podAnnotations:\n" + pad(rng, rng.randrange(500, 3000)).replace("    ", "  "))
            write(f"charts/{rel}-{count}/Dockerfile",
                  "ARG BASE=golang:1.23\nFROM ${BASE} AS build\nRUN go build ./...\nFROM gcr.io/distroless/static:nonroot\n"
                  "COPY --from=build /out/app /app\n")


if __name__ == "__main__":
    main()
