//! The container image recipe (Dockerfile, .dockerignore) and the other distribution files
//! (action.yml, .pre-commit-hooks.yaml, pyproject.toml) against gitops-guard's own rules, and
//! the Dockerfile's shape: bases pinned by digest, the binary only, a non-root user. No
//! container daemon runs here, so the image itself is not built by the tests.

mod common;

use common::{TestRepo, f, findings};
use std::path::Path;

const DISTRIBUTION_FILES: &[&str] = &[
    "Dockerfile",
    ".dockerignore",
    "action.yml",
    ".pre-commit-hooks.yaml",
    "pyproject.toml",
];

fn read(rel: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(rel);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A Dockerfile's instructions: (1-based line, upper-case keyword, arguments), continuation
/// lines joined and comments dropped. Enough for this repository's own Dockerfile.
fn instructions(text: &str) -> Vec<(usize, String, String)> {
    let mut out = Vec::new();
    let mut pending: Option<(usize, String)> = None;
    for (i, line) in text.lines().enumerate() {
        let trimmed = line.trim();
        if trimmed.starts_with('#') || (trimmed.is_empty() && pending.is_none()) {
            continue;
        }
        let (start, mut joined) = pending.take().unwrap_or((i + 1, String::new()));
        if let Some(head) = trimmed.strip_suffix('\\') {
            joined.push_str(head);
            joined.push(' ');
            pending = Some((start, joined));
            continue;
        }
        joined.push_str(trimmed);
        let (keyword, args) = joined
            .split_once(char::is_whitespace)
            .unwrap_or((&joined, ""));
        out.push((start, keyword.to_ascii_uppercase(), args.trim().to_string()));
    }
    out
}

/// The image of a `FROM` (without `--platform=` and `AS name`).
fn from_image(args: &str) -> &str {
    args.split_whitespace()
        .find(|w| !w.starts_with("--"))
        .unwrap_or("")
}

fn is_digest_pinned(image: &str) -> bool {
    image.split_once("@sha256:").is_some_and(|(name, hex)| {
        !name.is_empty()
            && hex.len() == 64
            && hex
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    })
}

#[test]
fn the_distribution_files_pass_gitops_guards_own_rules() {
    let repo = TestRepo::new();
    for file in DISTRIBUTION_FILES {
        repo.stage(file, read(file));
    }
    let (code, json) = repo.check_json(&[]);
    assert_eq!(findings(&json), vec![], "{json:#}");
    assert_eq!(code, 0, "{json:#}");
    assert_eq!(
        json["summary"]["files_scanned"],
        DISTRIBUTION_FILES.len(),
        "{json:#}"
    );
}

/// The check above is not vacuous: the same Dockerfile with its bases unpinned is refused at
/// each `FROM`, so gitops-guard does read it.
#[test]
fn the_dockerfile_with_its_bases_unpinned_is_refused_at_each_from() {
    let text = read("Dockerfile");
    let mut unpinned = String::new();
    let mut from_lines = Vec::new();
    for (i, line) in text.lines().enumerate() {
        match line.strip_prefix("FROM ") {
            Some(rest) => {
                let image = from_image(rest);
                let name = image.split([':', '@']).next().unwrap_or(image);
                unpinned.push_str(&line.replacen(image, name, 1));
                from_lines.push(i as u64 + 1);
            }
            None => unpinned.push_str(line),
        }
        unpinned.push('\n');
    }
    assert_eq!(from_lines.len(), 2, "a builder and a runtime stage");
    let repo = TestRepo::new();
    repo.stage("Dockerfile", unpinned);
    let (code, json) = repo.check_json(&[]);
    assert_eq!(code, 1, "{json:#}");
    let expected: Vec<_> = from_lines
        .iter()
        .map(|&line| f("GG202", "Dockerfile", line))
        .collect();
    assert_eq!(findings(&json), expected, "{json:#}");
}

#[test]
fn the_dockerfile_pins_its_bases_and_ships_only_the_binary_as_non_root() {
    let all = instructions(&read("Dockerfile"));
    let froms: Vec<_> = all.iter().filter(|(_, k, _)| k == "FROM").collect();
    assert_eq!(froms.len(), 2, "a builder and a runtime stage: {froms:?}");
    for (line, _, args) in &froms {
        assert!(
            is_digest_pinned(from_image(args)),
            "line {line}: `FROM {args}` is not pinned by digest"
        );
    }
    let builder = froms[0]
        .2
        .rsplit_once(" AS ")
        .map(|(_, name)| name.trim().to_string())
        .expect("the builder stage is named");
    let builder_runs: Vec<_> = all
        .iter()
        .filter(|(l, k, _)| k == "RUN" && *l < froms[1].0)
        .map(|(_, _, a)| a.as_str())
        .collect();
    assert!(
        builder_runs.iter().any(|r| r.contains("cargo build")
            && r.contains("--locked")
            && r.contains("--release")),
        "the builder builds from Cargo.lock in release mode: {builder_runs:?}"
    );

    let runtime: Vec<_> = all.iter().filter(|(l, _, _)| *l > froms[1].0).collect();
    let keywords: Vec<&str> = runtime.iter().map(|(_, k, _)| k.as_str()).collect();
    for k in &keywords {
        assert!(
            ["COPY", "USER", "WORKDIR", "ENTRYPOINT", "CMD", "LABEL"].contains(k),
            "the runtime stage runs nothing and adds only the binary: {k}"
        );
    }
    let copies: Vec<&str> = runtime
        .iter()
        .filter(|(_, k, _)| k == "COPY")
        .map(|(_, _, a)| a.as_str())
        .collect();
    assert_eq!(
        copies,
        vec![format!(
            "--from={builder} /build/target/release/gitops-guard /usr/local/bin/gitops-guard"
        )],
        "the binary only"
    );
    let users: Vec<&str> = runtime
        .iter()
        .filter(|(_, k, _)| k == "USER")
        .map(|(_, _, a)| a.as_str())
        .collect();
    assert_eq!(users.len(), 1, "{users:?}");
    let user = users[0].split(':').next().unwrap_or("");
    assert!(
        !user.is_empty() && user != "root" && user != "0",
        "non-root: USER {}",
        users[0]
    );
    let entry: Vec<&str> = runtime
        .iter()
        .filter(|(_, k, _)| k == "ENTRYPOINT")
        .map(|(_, _, a)| a.as_str())
        .collect();
    let entry: Vec<String> = serde_json::from_str(entry.last().expect("ENTRYPOINT"))
        .expect("ENTRYPOINT in exec form (no shell in the image)");
    assert_eq!(entry, vec!["gitops-guard"]);
}

/// Everything the builder copies is in the build context: .dockerignore excludes all (target/
/// alone is gigabytes) and re-includes exactly what the `COPY`s name.
#[test]
fn the_dockerignore_keeps_the_context_to_what_the_build_copies() {
    let ignore = read(".dockerignore");
    let rules: Vec<&str> = ignore
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect();
    assert_eq!(rules.first(), Some(&"*"), "everything out first: {rules:?}");
    let included: Vec<&str> = rules.iter().filter_map(|r| r.strip_prefix('!')).collect();

    let mut sources = Vec::new();
    for (_, keyword, args) in instructions(&read("Dockerfile")) {
        if keyword != "COPY" || args.starts_with("--from") {
            continue;
        }
        let words: Vec<&str> = args.split_whitespace().collect();
        sources.extend(words[..words.len() - 1].iter().map(|s| s.to_string()));
    }
    sources.sort();
    let mut included_sorted: Vec<String> = included.iter().map(|s| s.to_string()).collect();
    included_sorted.sort();
    assert_eq!(sources, included_sorted);
    for source in &sources {
        assert!(
            Path::new(env!("CARGO_MANIFEST_DIR")).join(source).exists(),
            "{source} is missing"
        );
    }
}

#[test]
fn the_hooks_keep_the_existing_ids_and_add_the_wheel_hook() {
    let hooks: serde_json::Value =
        serde_saphyr::from_str(&read(".pre-commit-hooks.yaml")).expect("YAML");
    let hooks = hooks.as_array().expect("a list of hooks");
    let by_id = |id: &str| {
        hooks
            .iter()
            .find(|h| h["id"] == id)
            .unwrap_or_else(|| panic!("hook {id} is missing"))
    };
    // Existing users' `id: gitops-guard` keeps building with cargo.
    assert_eq!(by_id("gitops-guard")["language"], "rust");
    assert_eq!(by_id("gitops-guard-fix")["language"], "rust");
    assert_eq!(by_id("gitops-guard-system")["language"], "system");
    let wheel = by_id("gitops-guard-wheel");
    assert_eq!(wheel["language"], "python");
    assert_eq!(wheel["entry"], by_id("gitops-guard")["entry"]);
    assert_eq!(wheel["pass_filenames"], true);
    assert_eq!(wheel["require_serial"], true);
}

/// The set-up the docs describe names only hooks that exist and inputs the action declares.
#[test]
fn the_docs_name_only_hook_ids_and_action_inputs_that_exist() {
    let hooks: serde_json::Value =
        serde_saphyr::from_str(&read(".pre-commit-hooks.yaml")).expect("YAML");
    let ids: Vec<&str> = hooks
        .as_array()
        .expect("hooks")
        .iter()
        .filter_map(|h| h["id"].as_str())
        .collect();
    let docs = format!("{}\n{}", read("README.md"), read("docs/integrations.md"));
    let mentioned = regex::Regex::new(r"id: (gitops-guard[\w-]*)").expect("regex");
    let mut seen = 0;
    for cap in mentioned.captures_iter(&docs) {
        assert!(ids.contains(&&cap[1]), "the docs name hook {}", &cap[1]);
        seen += 1;
    }
    assert!(seen >= 3, "{seen}");
    assert!(docs.contains("id: gitops-guard-wheel") || docs.contains("`gitops-guard-wheel`"));

    let action: serde_json::Value = serde_saphyr::from_str(&read("action.yml")).expect("YAML");
    let inputs = action["inputs"].as_object().expect("inputs");
    let integrations = read("docs/integrations.md");
    let uses = integrations
        .find("/gitops-guard@<commit SHA")
        .expect("the docs show the action");
    let with_block = &integrations[uses..];
    let with_block = &with_block[with_block.find("with:").expect("with:")..];
    let block_end = with_block.find("```").expect("end of the snippet");
    let key = regex::Regex::new(r"(?m)^\s+(?:# )?([a-z][\w-]*): ").expect("regex");
    let keys: Vec<&str> = key
        .captures_iter(&with_block[..block_end])
        .map(|c| c.get(1).expect("key").as_str())
        .collect();
    assert!(keys.contains(&"package"), "{keys:?}");
    for k in keys {
        assert!(
            inputs.contains_key(k),
            "the docs pass input `{k}` the action lacks"
        );
    }
}
