//! Planning with answers from memory: which bytes change, and that nothing else does.

use super::lookup::{ChartRepo, ImagePin, Lookup};
use super::*;
use crate::config::Settings;
use crate::manifest::{FileKind, parse_file};
use crate::rules::{Ctx, File, RULES};
use crate::source::NoRepo;

const D: &str = "sha256:1111111111111111111111111111111111111111111111111111111111111111";

struct Fake;

impl Lookup for Fake {
    fn image(&self, image: &ImageRef) -> Result<ImagePin, String> {
        match (image.path, image.tag.unwrap_or("latest")) {
            ("nginx", "latest") => Ok(ImagePin {
                version_tag: Some("1.27.3".into()),
                digest: D.into(),
            }),
            ("team/app", _) => Ok(ImagePin {
                version_tag: None,
                digest: D.into(),
            }),
            _ => Err("connection refused".into()),
        }
    }
    fn chart_versions(&self, repo: &ChartRepo, chart: &str) -> Result<Vec<String>, String> {
        match (repo, chart) {
            (ChartRepo::Http(u), "nginx") if u == "https://charts.example" => Ok(vec![
                "1.2.0".into(),
                "1.10.0".into(),
                "2.0.0".into(),
                "2.1.0-rc.1".into(),
            ]),
            _ => Err("HTTP 404".into()),
        }
    }
    fn git_tags(&self, url: &str) -> Result<Vec<String>, String> {
        match url {
            "https://git.example/tagged.git" => {
                Ok(vec!["v1.0.0".into(), "v1.4.2".into(), "nightly".into()])
            }
            "https://git.example/untagged.git" => Ok(vec!["nightly".into()]),
            _ => Err("repository not found".into()),
        }
    }
    fn git_commit(&self, _url: &str, rev: &str) -> Result<String, String> {
        match rev {
            "main" | "HEAD" => Ok("0123456789abcdef0123456789abcdef01234567".into()),
            _ => Err(format!("the remote has no branch `{rev}`")),
        }
    }
}

fn run(path: &str, text: &str) -> FilePlan {
    let settings = Settings::default();
    let kind = FileKind::of(path);
    let docs = parse_file(path, text, kind);
    let file = File::new(path, text, kind, &docs);
    let ctx = Ctx {
        settings: &settings,
        repo: &NoRepo,
        layout: None,
    };
    let mut findings = Vec::new();
    for rule in RULES.iter().filter(|r| CODES.contains(&r.code())) {
        if rule.applies_to(kind, path, text.as_bytes()) {
            rule.check(&file, &ctx, &mut findings);
        }
    }
    let files = [PinFile {
        path,
        staged: text.as_bytes(),
        docs: &docs,
        findings: &findings,
    }];
    let mut plans = plan(&files, &Fake, &NoRepo);
    assert_eq!(plans.len(), 1, "{findings:?}");
    plans.remove(0)
}

#[test]
fn images_keep_quotes_and_every_other_byte() {
    let text = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n    - name: a\n      image: \"nginx:latest\"   # web\n    - {name: b, image: '127.0.0.1:5000/team/app'}\n";
    let p = run("apps/p.yaml", text);
    assert_eq!(p.failed, Vec::<String>::new());
    assert_eq!(
        p.new.as_deref(),
        Some(format!("apiVersion: v1\nkind: Pod\nmetadata: {{name: p}}\nspec:\n  containers:\n    - name: a\n      image: \"nginx:1.27.3@{D}\"   # web\n    - {{name: b, image: '127.0.0.1:5000/team/app@{D}'}}\n").as_str())
    );
    assert_eq!(p.pinned.len(), 2);
    assert!(
        p.pinned[0].starts_with("apps/p.yaml:7: pinned `nginx:latest` -> `nginx:1.27.3@sha256:")
    );
}

#[test]
fn helm_values_tag() {
    let text = "image:\n  repository: nginx\n  tag: latest\n";
    let p = run("charts/x/values.yaml", text);
    assert_eq!(
        p.new.as_deref(),
        Some(format!("image:\n  repository: nginx\n  tag: 1.27.3@{D}\n").as_str())
    );
}

#[test]
fn one_failed_lookup_leaves_the_file_unchanged() {
    let text =
        "containers:\n  - {name: a, image: nginx}\n  - {name: b, image: ghcr.io/o/down:latest}\n";
    let p = run("x.yaml", text);
    assert_eq!(p.new, None);
    assert!(p.pinned.is_empty());
    assert_eq!(
        p.failed,
        vec![
            "x.yaml:3: cannot resolve image `ghcr.io/o/down:latest`: connection refused"
                .to_string()
        ]
    );
}

#[test]
fn argo_chart_ranges_and_missing_revisions() {
    let text = "\
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: a}
spec:
  sources:
    - repoURL: https://charts.example
      chart: nginx
      targetRevision: ^1.2
    - repoURL: https://charts.example
      chart: nginx
    - repoURL: https://git.example/tagged.git
      targetRevision: main
    - repoURL: https://git.example/untagged.git
      targetRevision: HEAD
    - repoURL: https://git.example/tagged.git
";
    let p = run("apps/a.yaml", text);
    assert_eq!(p.failed, Vec::<String>::new(), "{p:?}");
    assert_eq!(
        p.new.as_deref(),
        Some(
            "\
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: a}
spec:
  sources:
    - repoURL: https://charts.example
      chart: nginx
      targetRevision: 1.10.0
    - repoURL: https://charts.example
      chart: nginx
      targetRevision: 2.0.0
    - repoURL: https://git.example/tagged.git
      targetRevision: v1.4.2
    - repoURL: https://git.example/untagged.git
      targetRevision: 0123456789abcdef0123456789abcdef01234567
    - repoURL: https://git.example/tagged.git
      targetRevision: v1.4.2
"
        )
    );
}

#[test]
fn helmfile_and_flux_branch() {
    let text = "repositories:\n  - name: ex\n    url: https://charts.example\nreleases:\n  - name: web\n    chart: ex/nginx\n  - name: api\n    chart: ex/nginx\n    version: \"~1.2.0\"\n";
    let p = run("helmfile.yaml", text);
    assert_eq!(
        p.new.as_deref(),
        Some(
            "repositories:\n  - name: ex\n    url: https://charts.example\nreleases:\n  - name: web\n    chart: ex/nginx\n    version: 2.0.0\n  - name: api\n    chart: ex/nginx\n    version: \"1.2.0\"\n"
        )
    );
    let flux = "\
apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata: {name: charts}
spec:
  url: https://git.example/tagged.git
  ref:
    branch: main
---
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {name: r}
spec:
  chart:
    spec:
      chart: ./charts/r
      sourceRef: {kind: GitRepository, name: charts}
";
    let p = run("clusters/x/charts.yaml", flux);
    assert_eq!(
        p.new.as_deref(),
        Some(
            flux.replace("    branch: main\n", "    tag: v1.4.2\n")
                .as_str()
        )
    );
}

#[test]
fn a_range_nothing_satisfies_fails_the_file() {
    let text = "repositories:\n  - name: ex\n    url: https://charts.example\nreleases:\n  - name: web\n    chart: ex/nginx\n    version: \">=3\"\n";
    let p = run("helmfile.yaml", text);
    assert_eq!(p.new, None);
    assert_eq!(
        p.failed,
        vec![
            "helmfile.yaml:7: cannot resolve chart `nginx >=3`: no release satisfies it"
                .to_string()
        ]
    );
}
