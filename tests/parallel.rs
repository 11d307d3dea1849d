//! Parallel and serial scans agree: the findings (and the whole JSON report) of a scan on the
//! rayon pool equal those of `--serial`, on a generated jx3-style corpus with a violation of
//! every rule family (a small cousin of `benches/gen_corpus.py`).

mod common;

use common::TestRepo;
use std::collections::BTreeSet;

/// A tiny deterministic generator (xorshift), so the corpus is the same on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn pad(rng: &mut Rng, target: usize) -> String {
    let mut out = String::new();
    let mut i = 0;
    while out.len() < target {
        let value = match rng.below(4) {
            0 => format!("plain-{}", rng.below(1_000_000)),
            1 => format!("\"quoted {} value\"", rng.below(1_000_000_000)),
            2 => format!("'{}'", rng.below(10_000)),
            _ => format!("https://example.com/{}", rng.below(1_000_000)),
        };
        out.push_str(&format!("    example.com/a-{i}: {value}\n"));
        i += 1;
    }
    out
}

fn meta(kind: &str, api: &str, name: &str, ns: &str, rng: &mut Rng) -> String {
    let size = 200 + rng.below(3_000) as usize;
    format!(
        "apiVersion: {api}\nkind: {kind}\nmetadata:\n  name: {name}\n  namespace: {ns}\n  annotations:\n{}",
        pad(rng, size)
    )
}

fn deployment(name: &str, ns: &str, image: &str, rng: &mut Rng) -> String {
    format!(
        "{}spec:\n  template:\n    spec:\n      containers:\n      - name: app\n        image: {image}\n",
        meta("Deployment", "apps/v1", name, ns, rng)
    )
}

/// Writes `n` resource files plus helmfiles; every 23rd file carries a violation, cycling
/// through the rule families.
fn generate(repo: &TestRepo, n: usize) {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let namespaces = ["jx", "nginx", "team01", "team02"];
    repo.write(
        ".gitattributes",
        "helmfiles/*/secrets/** filter=git-crypt diff=git-crypt\n",
    );
    repo.write(
        "helmfile.yaml",
        "helmfiles:\n- path: helmfiles/jx/helmfile.yaml\n",
    );
    repo.write(
        "helmfiles/jx/helmfile.yaml",
        "releases:\n- chart: jxgh/lighthouse\n  name: lighthouse\n  version: 1.2.3\n- chart: jxgh/unpinned\n  name: unpinned\n",
    );
    repo.write(
        "config-root/customresourcedefinitions/jx/lighthouse/lighthousejobs.lighthouse.jenkins.io-crd.yaml",
        "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: lighthousejobs.lighthouse.jenkins.io\nspec:\n  group: lighthouse.jenkins.io\n  names: {kind: LighthouseJob, plural: lighthousejobs}\n  scope: Namespaced\n",
    );
    for ns in namespaces {
        repo.write(
            &format!("config-root/cluster/namespaces/{ns}.yaml"),
            format!("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {ns}\n"),
        );
    }
    for i in 0..n {
        let ns = namespaces[i % namespaces.len()];
        let rel = format!("rel{:02}", i % 40);
        let name = format!("{rel}-{i}");
        let base = format!("config-root/namespaces/{ns}/{rel}");
        let (path, text) = match if i % 23 == 0 { (i / 23) % 13 } else { 99 } {
            12 => (
                format!("helmfiles/{ns}/secrets/{name}-values.yaml"),
                format!("db:\n  password: not-a-real-password-{i}\n"),
            ),
            0 => (
                format!("{base}/{name}-cm.yaml"),
                "apiVersion: v1\nkind: ConfigMap\ndata: {a: [1\n".to_string(),
            ),
            1 => (
                format!("{base}/{name}-secret.yaml"),
                format!(
                    "apiVersion: v1\nkind: Secret\nmetadata:\n  name: {name}\n  namespace: {ns}\ndata:\n  password: cGFzc3dvcmQ=\n"
                ),
            ),
            2 => (
                format!("extensions/kustomize/{name}/kustomization.yaml"),
                format!(
                    "kind: Kustomization\nimages:\n- name: app\n  newTag: latest\nsecretGenerator:\n- name: {name}\n  literals:\n  - PASSWORD=not-a-real-one\n"
                ),
            ),
            3 => (
                format!("{base}/{name}-deploy.yaml"),
                deployment(&name, ns, "ghcr.io/example/app:latest", &mut rng),
            ),
            4 => (
                format!("{base}/{name}-deploy.yaml"),
                deployment(&name, ns, "registry.local:5000/team/app", &mut rng),
            ),
            5 => (
                format!("{base}/{name}-deploy.yaml"),
                deployment(&name, ns, "nexus.example.com/svc:1.4.0-SNAPSHOT", &mut rng),
            ),
            6 => (
                format!("stray/{name}-cm.yaml"),
                meta("ConfigMap", "v1", &name, ns, &mut rng),
            ),
            7 => (
                format!("{base}/{name}-cm.yaml"),
                meta("ConfigMap", "v1", &name, "other-ns", &mut rng),
            ),
            8 => (
                format!("{base}/{name}-clusterrole.yaml"),
                format!(
                    "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: {name}\nrules: []\n"
                ),
            ),
            9 => (
                format!("{base}/{name}.yaml"),
                meta("Service", "v1", &name, ns, &mut rng),
            ),
            10 => (
                format!("{base}/{name}-cm.yaml"),
                format!(
                    "# gitops-guard: ignore-file[GG101] nothing to suppress\n{}",
                    meta("ConfigMap", "v1", &name, ns, &mut rng)
                ),
            ),
            11 => (
                format!("{base}/{name}-cm.yaml"),
                format!(
                    "# gitops-guard: ignore-file[GG1O1] a typo\n{}",
                    meta("ConfigMap", "v1", &name, ns, &mut rng)
                ),
            ),
            _ => match i % 4 {
                0 => (
                    format!("{base}/{name}-deploy.yaml"),
                    deployment(
                        &name,
                        ns,
                        &format!("ghcr.io/example/app:1.{}.0", i % 7),
                        &mut rng,
                    ),
                ),
                1 => (
                    format!("{base}/{name}-lighthousejob.yaml"),
                    meta(
                        "LighthouseJob",
                        "lighthouse.jenkins.io/v1alpha1",
                        &name,
                        ns,
                        &mut rng,
                    ),
                ),
                2 => (
                    format!("{base}/{name}-svc.yaml"),
                    meta("Service", "v1", &name, ns, &mut rng),
                ),
                _ => (
                    format!("{base}/{name}-cm.yaml"),
                    meta("ConfigMap", "v1", &name, ns, &mut rng),
                ),
            },
        };
        repo.write(&path, text);
    }
    repo.git(&["add", "-A"]);
}

fn codes(json: &serde_json::Value) -> BTreeSet<String> {
    common::findings(json)
        .into_iter()
        .map(|(c, _, _)| c)
        .collect()
}

#[test]
fn parallel_scan_equals_serial_scan() {
    let repo = TestRepo::new();
    generate(&repo, 300);
    // Several threads even on a one-core runner, so the parallel paths really run.
    let parallel = |args: &[&str]| {
        common::run_json(
            repo.cmd()
                .env("RAYON_NUM_THREADS", "4")
                .arg("check")
                .args(args),
        )
    };
    let serial = |args: &[&str]| {
        common::run_json(
            repo.cmd()
                .env("RAYON_NUM_THREADS", "4")
                .arg("check")
                .arg("--serial")
                .args(args),
        )
    };

    // First import: everything staged on an unborn branch.
    let (code, first) = parallel(&[]);
    assert_eq!(code, 1, "the corpus has error findings");
    assert_eq!(serial(&[]), (code, first.clone()));
    // The CRD scopes are remembered by blob id; a damaged memo changes nothing.
    let memo = repo.join(".git/gitops-guard/crd-scopes.cache");
    assert!(memo.is_file(), "the CRD scopes memo was written");
    let bytes = std::fs::read(&memo).expect("memo");
    std::fs::write(&memo, &bytes[..bytes.len() / 2]).expect("truncate memo");
    assert_eq!(parallel(&[]), (code, first.clone()));
    std::fs::write(&memo, b"not a memo").expect("overwrite memo");
    assert_eq!(serial(&[]), (code, first.clone()));
    let found = codes(&first);
    for family in [
        "GG001", "GG004", "GG005", "GG101", "GG102", "GG103", "GG201", "GG202", "GG203", "GG204",
        "GG301", "GG302", "GG303", "GG304",
    ] {
        assert!(found.contains(family), "no {family} finding in {found:?}");
    }

    // Everyday commit: a base, then a few changed files staged; and `--all` over it.
    repo.git(&["commit", "-q", "--no-verify", "-m", "base"]);
    for i in [1usize, 2, 46, 92, 115] {
        let ns = ["jx", "nginx", "team01", "team02"][i % 4];
        let rel = format!("rel{:02}", i % 40);
        let path = format!("config-root/namespaces/{ns}/{rel}/{rel}-{i}-touched-cm.yaml");
        repo.write(
            &path,
            format!(
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {rel}-{i}-touched\n  namespace: {ns}\ndata:\n  image: nginx:latest\n"
            ),
        );
    }
    repo.git(&["add", "-A"]);
    for args in [&[][..], &["--all"][..]] {
        let (code, json) = parallel(args);
        assert_eq!(serial(args), (code, json), "check {args:?}");
    }
}
