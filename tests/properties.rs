//! Property tests over the public pipeline: any input gives findings or a clean error, never
//! a panic; every span lies inside the file; `--fix` planning leaves the rest byte-identical.

use gitops_guard::config::Settings;
use gitops_guard::engine;
use gitops_guard::fix::{self, Status};
use gitops_guard::manifest::FileKind;
use gitops_guard::rules::Ctx;
use gitops_guard::source::NoRepo;
use proptest::prelude::*;

/// Scans `bytes` as `path` and checks every finding and the redacted display text.
fn scan_checked(path: &str, bytes: &[u8]) -> Result<(), TestCaseError> {
    let settings = Settings::default();
    let ctx = Ctx {
        settings: &settings,
        repo: &NoRepo,
        layout: None,
    };
    let result = engine::scan_file(path, bytes, &ctx);
    let text = std::str::from_utf8(bytes).ok();
    for f in &result.findings {
        prop_assert!(
            f.span.start <= f.span.end && f.span.end <= bytes.len(),
            "{:?}",
            f.span
        );
        if let Some(t) = text {
            prop_assert!(t.is_char_boundary(f.span.start) && t.is_char_boundary(f.span.end));
        }
        prop_assert_eq!(&f.path, path);
        prop_assert!(f.start.line >= 1 && f.start.column >= 1);
    }
    if let Some(d) = &result.display {
        // Same lines as the file, and every finding's span maps inside the shown text.
        if let Some(t) = text {
            prop_assert_eq!(d.text.matches('\n').count(), t.matches('\n').count());
        }
        for f in &result.findings {
            let shown = d.span(&f.span);
            prop_assert!(shown.end <= d.text.len() && d.text.is_char_boundary(shown.start));
        }
    }
    Ok(())
}

/// Paths of every kind the engine distinguishes, plus hostile ones.
fn any_path() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("a.yaml".to_string()),
        Just("x.json".to_string()),
        Just("chart/templates/s.yaml".to_string()),
        Just("base/kustomization.yaml".to_string()),
        Just("Dockerfile".to_string()),
        Just("dir with space/-lead\n.yml".to_string()),
        "\\PC{0,20}",
        "[a-z/]{0,10}\\.(yaml|yml|json|txt)",
    ]
}

/// Bytes that are mostly YAML-ish, so the parser gets past the first line.
fn yamlish() -> impl Strategy<Value = Vec<u8>> {
    let token = prop_oneof![
        Just(b"apiVersion: v1\n".to_vec()),
        Just(b"kind: Secret\n".to_vec()),
        Just(b"kind: List\nitems:\n- ".to_vec()),
        Just(b"metadata: {name: s}\n".to_vec()),
        Just(b"data:\n  k: dmFsdWU=\n".to_vec()),
        Just(b"stringData:\n  k: |\n    v\n".to_vec()),
        Just(b"secretGenerator:\n- literals: [\"K=v\"]\n".to_vec()),
        Just(b"# gitops-guard: ignore GG101\n".to_vec()),
        Just(b"---\n".to_vec()),
        Just(b"{{ .Values.x }}".to_vec()),
        Just(b"&a ".to_vec()),
        Just(b"*a".to_vec()),
        Just(b"\xff\xfe".to_vec()),
        Just(b"\0".to_vec()),
        proptest::collection::vec(any::<u8>(), 0..4),
        "[ \\t\\r\\n:{}\\[\\],'\"|>-]{1,4}".prop_map(String::into_bytes),
    ];
    proptest::collection::vec(token, 0..24).prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn scan_file_never_panics_on_arbitrary_bytes(path in any_path(), bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        scan_checked(&path, &bytes)?;
    }

    #[test]
    fn scan_file_never_panics_on_yamlish_bytes(path in any_path(), bytes in yamlish()) {
        scan_checked(&path, &bytes)?;
    }

    /// A Secret with arbitrary names, keys and values between two fixed documents: planning
    /// the fix either refuses with a reason or yields text that re-parses, has no raw Secret
    /// left, and keeps the documents around it byte for byte.
    #[test]
    fn fix_plan_keeps_the_rest_identical(
        name in "[a-z0-9.-]{0,12}|\\PC{0,6}",
        entries in proptest::collection::vec(("\\PC{0,8}", "\\PC{0,16}", any::<bool>()), 0..4),
    ) {
        let head = "# head\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\n";
        let tail = "---\n# tail\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: b}\n";
        let q = |s: &str| serde_json::to_string(s).unwrap_or_default();
        let mut secret = format!("apiVersion: v1\nkind: Secret\nmetadata:\n  name: {}\nstringData:\n", q(&name));
        for (k, v, block) in &entries {
            if *block && !v.contains(['\n', '\r']) && !v.trim().is_empty() && !v.starts_with(' ') {
                secret.push_str(&format!("  {}: |\n    {}\n", q(k), v));
            } else {
                secret.push_str(&format!("  {}: {}\n", q(k), q(v)));
            }
        }
        let text = format!("{head}{secret}{tail}");
        let settings = Settings::default();
        match fix::plan_in_memory("s.yaml", &text, &settings) {
            Ok(Some((new, converted))) => {
                prop_assert_eq!(converted.len(), 1);
                prop_assert!(new.starts_with(head), "{}", new);
                prop_assert!(new.ends_with(tail), "{}", new);
                let docs = gitops_guard::manifest::parse_file("s.yaml", &new, FileKind::Yaml);
                prop_assert!(docs.iter().all(|d| d.error.is_none()), "{}", new);
                prop_assert!(matches!(fix::plan_in_memory("s.yaml", &new, &settings), Ok(None)), "{}", new);
            }
            Ok(None) => {}
            Err(Status::Failed(_)) => {}
            Err(other) => prop_assert!(false, "{:?}\n{}", other, text),
        }
    }
}
