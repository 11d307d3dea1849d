//! CRD scopes during a large scan of the index (a first import, `--all`).
//!
//! GG302/GG303 need the scope of custom kinds, declared by the repository's CRDs. On demand
//! ([`crate::layout::LayoutIndex::crd_scopes`]) that means reading every YAML blob of the
//! repository, which in a first import the scan reads anyway: reading them twice cost more
//! than the rest of the scan. So here the CRD-like files are scanned first (phase 0), every
//! other file is scanned with the scopes known by then (phase 1), each scan hands what it
//! parsed to the view's memo, and at the end the few files whose answers the complete map
//! changes are scanned again. The findings equal an on-demand scan's.

use super::{FileResult, plaintext_git_crypt, scan_file, scan_file_with};
use crate::layout::crds::{ProvisionalAnswer, Scopes, remember, take_provisional_answers};
use crate::layout::scope::CrdScopes;
use crate::manifest::Document;
use crate::rules::Ctx;
use crate::source::{Candidate, Origin};
use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};

/// Paths that hold CRDs by convention: the jx3 `customresourcedefinitions/` folder, a chart's
/// `crds/`, `*-crd.yaml`. Only an ordering: files elsewhere are handled too, at the cost of a
/// second scan of the custom resources they define.
pub(super) fn crd_like(path: &[u8]) -> bool {
    use crate::rules::contains_ignore_ascii_case as has;
    has(path, "crd") || has(path, "customresourcedefinition")
}

/// A file whose scan asked for CRD scopes, and what it was told.
struct Asked {
    path: String,
    answers: Vec<ProvisionalAnswer>,
    expects_git_crypt: bool,
}

/// Collects CRD scopes and the questions asked while a scan runs (when `on`).
pub(super) struct Collector<'o> {
    on: bool,
    /// Leave parse trees unfreed (see `scan_file_with`).
    leak_docs: bool,
    /// CRD scopes declared by scanned files, by path.
    found: Mutex<Vec<(String, Scopes)>>,
    asked: Mutex<Vec<Asked>>,
    observer: Option<super::Observer<'o>>,
}

impl<'o> Collector<'o> {
    pub(super) fn new(on: bool, leak_docs: bool) -> Self {
        Collector {
            on,
            leak_docs,
            found: Mutex::new(Vec::new()),
            asked: Mutex::new(Vec::new()),
            observer: None,
        }
    }

    /// Hands each scanned file to `observer` (see [`super::Observer`]).
    pub(super) fn observed(mut self, observer: Option<super::Observer<'o>>) -> Self {
        self.observer = observer;
        self
    }

    /// The scopes found so far, applied in path order (a later duplicate wins, as in the
    /// complete map).
    pub(super) fn known(&self) -> CrdScopes {
        let mut found = lock(&self.found).clone();
        found.sort_by(|a, b| a.0.cmp(&b.0));
        found.into_iter().flat_map(|(_, s)| s).collect()
    }

    /// Scans one candidate (as the engine does), recording CRDs and questions when on.
    pub(super) fn scan(&self, c: &Candidate, ctx: &Ctx) -> FileResult {
        if self.on {
            // Nothing from an earlier file on this thread.
            take_provisional_answers();
        }
        let mut observed = false;
        let mut on_docs = |docs: &[Document]| {
            if self.on {
                self.offer(ctx, &c.path, &c.bytes, docs);
            }
            if let Some(observe) = self.observer {
                observe(c, Some(docs));
                observed = true;
            }
        };
        let mut result = scan_file_with(&c.path, &c.bytes, ctx, &mut on_docs, self.leak_docs);
        if let Some(observe) = self.observer.filter(|_| !observed) {
            observe(c, None);
        }
        if let Origin::Commit(id) = &c.origin {
            result.commit = Some(id.clone());
        }
        if c.expects_git_crypt {
            plaintext_git_crypt(&mut result, ctx.settings);
        }
        if self.on {
            let answers = take_provisional_answers();
            if !answers.is_empty() {
                lock(&self.asked).push(Asked {
                    path: c.path.clone(),
                    answers,
                    expects_git_crypt: c.expects_git_crypt,
                });
            }
        }
        result
    }

    /// Hands the view the CRD scopes of this file (so it is not read again), and keeps any
    /// for phase 1.
    fn offer(&self, ctx: &Ctx, path: &str, bytes: &[u8], docs: &[Document]) {
        let scopes = remember(ctx.repo, path, bytes, docs);
        if !scopes.is_empty() {
            lock(&self.found).push((path.to_string(), scopes));
        }
    }

    /// Scans again the files that were told something the complete map contradicts, and
    /// replaces their results. `ctx.layout` answers from the complete map now.
    pub(super) fn rescan_changed(&self, ctx: &Ctx, files: &mut [FileResult]) {
        let asked = std::mem::take(&mut *lock(&self.asked));
        let Some(index) = ctx.layout else { return };
        if asked.is_empty() {
            return;
        }
        let full = index.crd_scopes();
        let redo: Vec<Asked> = asked
            .into_iter()
            .filter(|a| a.answers.iter().any(|(k, was)| full.get(k) != was.as_ref()))
            .collect();
        if redo.is_empty() {
            return;
        }
        let paths: Vec<&str> = redo.iter().map(|a| a.path.as_str()).collect();
        let fresh = Mutex::new(Vec::new());
        // The index holds the same blob the scan read (the view reads the same index).
        ctx.repo.for_each_blob(&paths, &|i, bytes| {
            let mut result = scan_file(paths[i], bytes, ctx);
            if redo[i].expects_git_crypt {
                plaintext_git_crypt(&mut result, ctx.settings);
            }
            lock(&fresh).push(result);
        });
        let at: HashMap<String, usize> = files
            .iter()
            .enumerate()
            .map(|(i, f)| (f.path.clone(), i))
            .collect();
        for result in fresh.into_inner().unwrap_or_else(|e| e.into_inner()) {
            if let Some(&i) = at.get(&result.path) {
                files[i] = result;
            }
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

#[cfg(all(test, unix))]
mod tests {
    use crate::config::Settings;
    use crate::engine::{Outcome, scan_in};
    use crate::source::{Limits, Repo, Selection};
    use std::path::Path;
    use std::process::Command;

    fn git(dir: &Path, args: &[&str]) {
        let out = Command::new("git")
            .current_dir(dir)
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .args(["-c", "user.name=t", "-c", "user.email=t@t"])
            .args(args)
            .output()
            .expect("git");
        assert!(out.status.success(), "{args:?}: {out:?}");
    }

    fn crd(group: &str, kind: &str, scope: &str) -> String {
        format!(
            "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: {p}.{group}\nspec:\n  group: {group}\n  names: {{kind: {kind}, plural: {p}}}\n  scope: {scope}\n",
            p = kind.to_lowercase()
        )
    }

    fn cr(group: &str, kind: &str, name: &str, ns: Option<&str>) -> String {
        let ns = ns
            .map(|n| format!("  namespace: {n}\n"))
            .unwrap_or_default();
        format!("apiVersion: {group}/v1\nkind: {kind}\nmetadata:\n  name: {name}\n{ns}")
    }

    fn findings(o: &Outcome) -> Vec<(String, String, usize)> {
        o.findings()
            .map(|f| (f.code.to_string(), f.path.clone(), f.start.line))
            .collect()
    }

    #[test]
    fn provisional_crd_scopes_give_the_findings_of_on_demand_ones() {
        let tmp = tempfile::tempdir().expect("tmp");
        let dir = tmp.path();
        git(dir, &["init", "-q"]);
        let write = |rel: &str, text: String| {
            let p = dir.join(rel);
            std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
            std::fs::write(p, text).expect("write");
        };
        let crds = "config-root/customresourcedefinitions/jx/x";
        // Found in phase 0 (a CRD-like path).
        write(
            &format!("{crds}/foos.a.io-crd.yaml"),
            crd("a.io", "Foo", "Namespaced"),
        );
        write(
            &format!("{crds}/bazs.a.io-crd.yaml"),
            crd("a.io", "Baz", "Namespaced"),
        );
        // Found only in phase 1 (not a CRD-like path), and one overriding a phase-0 CRD
        // (a later path wins).
        write(
            "config-root/namespaces/jx/defs/bar-def.yaml",
            crd("a.io", "Bar", "Cluster"),
        );
        write("zz/other/baz-def.yaml", crd("a.io", "Baz", "Cluster"));
        for i in 0..30 {
            let ns = ["jx", "team"][i % 2];
            let base = format!("config-root/namespaces/{ns}/r{i}");
            write(
                &format!("{base}/f{i}-foo.yaml"),
                cr("a.io", "Foo", &format!("f{i}"), Some(ns)),
            );
            write(
                &format!("{base}/b{i}-bar.yaml"),
                cr("a.io", "Bar", &format!("b{i}"), None),
            );
            write(
                &format!("{base}/z{i}-baz.yaml"),
                cr("a.io", "Baz", &format!("z{i}"), Some(ns)),
            );
            write(
                &format!("{base}/q{i}-qux.yaml"),
                cr("a.io", "Qux", &format!("q{i}"), Some(ns)),
            );
            write(
                &format!("config-root/cluster/resources/jx/r{i}/c{i}-clusterqux.yaml"),
                cr("a.io", "ClusterQux", &format!("c{i}"), None),
            );
            write(
                &format!("config-root/cluster/resources/jx/r{i}/f{i}-foo.yaml"),
                cr("a.io", "Foo", &format!("cf{i}"), Some("jx")),
            );
        }
        git(dir, &["add", "-A"]);
        let settings = Settings::default();
        let run = |provisional: bool| {
            let repo = Repo::open_at(dir, None).expect("open");
            let (set, view) = repo
                .collect_and_view(&Selection::All, &Limits::default(), true)
                .expect("collect");
            let _ = std::fs::remove_dir_all(dir.join(".git/gitops-guard"));
            findings(&scan_in(set, &settings, &view, false, Some(provisional)))
        };
        let on_demand = run(false);
        assert_eq!(run(true), on_demand);
        // The corpus exercises what it means to: scope findings for kinds known from both
        // phases, and the overridden Baz (cluster-scoped in the end).
        let gg303: Vec<&String> = on_demand
            .iter()
            .filter(|(c, _, _)| c == "GG303")
            .map(|(_, p, _)| p)
            .collect();
        assert!(
            gg303.iter().any(|p| p.ends_with("b0-bar.yaml")),
            "{gg303:?}"
        );
        assert!(
            gg303.iter().any(|p| p.ends_with("z0-baz.yaml")),
            "{gg303:?}"
        );
        assert!(
            gg303
                .iter()
                .any(|p| p.ends_with("f0-foo.yaml") && p.contains("cluster")),
            "{gg303:?}"
        );
        assert!(!gg303.iter().any(|p| p.ends_with("-qux.yaml")), "{gg303:?}");
    }
}
