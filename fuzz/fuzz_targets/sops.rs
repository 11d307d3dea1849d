//! `.sops.yaml` creation rules and sops metadata: arbitrary text is split into a config, a
//! path and a file (at `\n%%\n` markers); GG104 runs over it with the config in the index.
#![no_main]

mod common;

use gitops_guard::rules::plaintext_sops::analyze;
use gitops_guard::rules::sops_config::SopsConfig;
use gitops_guard::rules::sops_config as sops;
use gitops_guard::source::RepoView;
use libfuzzer_sys::fuzz_target;
use std::sync::Arc;

struct Repo {
    paths: Vec<String>,
    files: Vec<(String, Arc<Vec<u8>>)>,
}

impl RepoView for Repo {
    fn paths(&self) -> &[String] {
        &self.paths
    }
    fn read(&self, path: &str) -> Option<Arc<Vec<u8>>> {
        self.files
            .iter()
            .find(|(p, _)| p == path)
            .map(|(_, b)| b.clone())
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(src) = std::str::from_utf8(data) else {
        return;
    };
    let mut parts = src.splitn(3, "\n%%\n");
    let config = parts.next().unwrap_or_default();
    let path = parts.next().unwrap_or("secrets/x.yaml").trim();
    let text = parts.next().unwrap_or_default();
    if path.is_empty() || path.contains('\0') || path.starts_with('/') || path.len() > 200 {
        return;
    }
    if let Some(c) = SopsConfig::parse(config) {
        let _ = c.rule_for(path);
        for rule in &c.rules {
            if let Some(sel) = &rule.selector {
                let _ = sel.encrypts(&["data", "password"]);
                let _ = sel.describe();
            }
        }
    }
    let repo = Repo {
        paths: vec![".sops.yaml".to_string(), path.to_string()],
        files: vec![
            (".sops.yaml".to_string(), Arc::new(config.as_bytes().to_vec())),
            (path.to_string(), Arc::new(text.as_bytes().to_vec())),
        ],
    };
    let _ = sops::config_for(&repo, path);
    let analysis = analyze(path, text, &[], &repo);
    for p in &analysis.problems {
        assert!(common::in_file(text, &p.span), "problem span {:?}", p.span);
        assert!(!p.message.is_empty());
    }
    for m in &analysis.mask {
        assert!(common::in_file(text, m), "mask span {m:?}");
    }
});
