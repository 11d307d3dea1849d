#!/usr/bin/env python3
"""Generates a Jenkins X v3-style GitOps repository for benchmarks (deterministic: seeded).

Usage: gen_corpus.py OUT_DIR N_FILES [--seed S]

The tree has ~20 namespaces and ~200 releases under config-root/, helmfiles, values files,
Dockerfiles, CRDs and multi-document files; sizes from 1 KB to 20 KB with a few ~200 KB files,
and about 1% of files seeded with a violation of each rule family (raw Secret, latest/untagged/
SNAPSHOT image, unpinned chart, off-layout file, wrong namespace, wrong scope, bad name).
"""
import argparse
import os
import random

KINDS = ["deploy", "statefulset", "cronjob", "svc", "cm", "role", "rb", "sa", "secret-es", "multi"]


def pad(rng, target):
    """Realistic filler: labels/annotations/env that make a manifest reach `target` bytes."""
    lines = []
    size = 0
    i = 0
    while size < target:
        line = f"    example.com/annotation-{i}: \"value-{rng.randrange(10**9)}-{'x' * rng.randrange(10, 60)}\"\n"
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
          "role": "role", "rb": "rb", "sa": "sa", "secret-es": "secret", "multi": "cm"}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("n", type=int)
    ap.add_argument("--seed", type=int, default=42)
    a = ap.parse_args()
    rng = random.Random(a.seed)
    out = a.out
    namespaces = [f"ns{i:02d}" for i in range(20)]
    releases = [(namespaces[i % 20], f"rel{i:03d}") for i in range(200)]

    def write(rel, text):
        path = os.path.join(out, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as fh:
            fh.write(text)

    write("jx-requirements.yml", "apiVersion: core.jenkins-x.io/v4beta1\nkind: Requirements\nspec:\n  cluster: {provider: gke}\n")
    write("helmfile.yaml", "helmfiles:\n" + "".join(f"- path: helmfiles/{ns}/helmfile.yaml\n" for ns in namespaces))
    write("Makefile", "include versionStream/src/Makefile.mk\n")
    write("versionStream/charts/jxgh/lighthouse/defaults.yaml", "version: 1.33.6\n")
    for ns in namespaces:
        write(f"config-root/cluster/namespaces/{ns}.yaml", f"apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {ns}\n")
        rels = [r for n, r in releases if n == ns]
        body = f"namespace: {ns}\nrepositories:\n- name: jxgh\n  url: https://jenkins-x-charts.github.io/repo\nreleases:\n"
        for r in rels:
            version = "" if rng.random() < 0.01 else f"  version: 1.{rng.randrange(40)}.{rng.randrange(9)}\n"
            body += f"- chart: jxgh/{r}\n  name: {r}\n{version}  values:\n  - ../../values/{r}.yaml\n"
        write(f"helmfiles/{ns}/helmfile.yaml", body)

    made = 0
    i = 0
    while made < a.n:
        ns, rel = releases[i % len(releases)]
        kind = KINDS[i % len(KINDS)]
        i += 1
        name = f"{rel}-{kind.split('-')[0]}-{i}"
        roll = rng.random()
        target = 200_000 if roll < 0.002 else rng.randrange(1_000, 20_000)
        # ~1% of files carry a seeded violation of some rule.
        bad = None
        if rng.random() < 0.07:
            bad = rng.choice(["latest", "untagged", "snapshot", "secret", "offlayout", "namespace", "scope", "name", "invalid", "kust"])
        base = f"config-root/namespaces/{ns}/{rel}"
        if bad == "secret":
            text = (f"apiVersion: v1\nkind: Secret\nmetadata:\n  name: {name}\n  namespace: {ns}\ntype: Opaque\n"
                    f"data:\n  password: {'cGFzc3dvcmQ=' }\n")
            write(f"{base}/{name}-secret.yaml", text)
        elif bad == "offlayout":
            write(f"stray/{name}.yaml", simple(rng, "cm", name, ns, target, None))
        elif bad == "namespace":
            write(f"{base}/{name}-cm.yaml", simple(rng, "cm", name, "other-ns", target, None))
        elif bad == "scope":
            write(f"{base}/{name}-clusterrole.yaml",
                  f"apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: {name}\nrules: []\n")
        elif bad == "name":
            write(f"{base}/{name}.yaml", simple(rng, "svc", name, ns, target, None))
        elif bad == "invalid":
            write(f"{base}/{name}-cm.yaml", "apiVersion: v1\nkind: ConfigMap\ndata: {a: [1\n")
        elif bad == "kust":
            write(f"kustomize/{name}/kustomization.yaml",
                  f"resources: [deploy.yaml]\nimages:\n- name: app\n  newTag: latest\n")
        elif kind in ("deploy", "statefulset", "cronjob"):
            write(f"{base}/{name}-{SUFFIX[kind]}.yaml", workload(rng, kind, name, ns, target, bad if bad in ("latest", "untagged", "snapshot") else None))
        elif kind == "multi":
            docs = [simple(rng, "cm", f"{name}-{j}", ns, target // 3, None) for j in range(3)]
            write(f"{base}/{name}-{SUFFIX[kind]}.yaml", "---\n".join(docs))
        else:
            write(f"{base}/{name}-{SUFFIX[kind]}.yaml", simple(rng, kind, name, ns, target, None))
        made += 1
        if made % 100 == 0 and made < a.n:
            # Values files and Dockerfiles, one per 100 resources.
            write(f"helmfiles/{ns}/values/{rel}.yaml",
                  f"image:\n  repository: ghcr.io/example/{rel}\n  tag: \"{'latest' if rng.random() < 0.05 else '1.2.3'}\"\nreplicas: 2\n")
            write(f"docker/{rel}-{made}/Dockerfile",
                  "ARG BASE=golang:1.23\nFROM ${BASE} AS build\nRUN go build ./...\nFROM gcr.io/distroless/static:nonroot\n"
                  "COPY --from=build /out/app /app\n")
            made += 2


if __name__ == "__main__":
    main()
