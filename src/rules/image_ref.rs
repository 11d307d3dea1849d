//! Container image references (`[registry[:port]/]path[:tag][@digest]`), parsed the way
//! container runtimes do (`distribution/reference`), and whether a reference is pinned.
//!
//! The first path component is a registry only when it contains `.` or `:`, is `localhost`,
//! or has an upper-case letter; so `registry.local:5000/team/app` has no tag, while
//! `localhost:5000` alone is the image `localhost` with tag `5000`. Text that is not a plain
//! reference (template expressions, `$(params.x)`, `${VAR}`, Jenkins X `uses:` step
//! references, anything with whitespace) is not a reference: rules skip it.

/// A parsed image reference; every part borrows from the original text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImageRef<'a> {
    /// Registry host with optional port, when the reference names one.
    pub registry: Option<&'a str>,
    /// Repository path (`library/nginx`, `team/app`, `nginx`).
    pub path: &'a str,
    pub tag: Option<&'a str>,
    /// `algorithm:hex`, e.g. `sha256:50d8…`.
    pub digest: Option<&'a str>,
}

/// How firmly a reference pins what runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pin<'a> {
    /// A digest, or an immutable-looking tag.
    Pinned,
    /// A tag from the mutable list (`latest`, `edge`, ...), as written.
    Mutable(&'a str),
    /// A tag containing `SNAPSHOT`, as written.
    Snapshot(&'a str),
    /// Neither tag nor digest: the runtime pulls `latest`.
    Untagged,
}

impl<'a> ImageRef<'a> {
    /// Parses `text`; `None` when it is not a plain image reference.
    pub fn parse(text: &'a str) -> Option<ImageRef<'a>> {
        if text.is_empty()
            || text.len() > 4096
            || text.starts_with("uses:")
            || text
                .bytes()
                .any(|b| b.is_ascii_whitespace() || matches!(b, b'$' | b'{' | b'}' | b'"' | b'\''))
        {
            return None;
        }
        let (name_tag, digest) = match text.split_once('@') {
            Some((n, d)) => (n, Some(d)),
            None => (text, None),
        };
        if let Some(d) = digest
            && !valid_digest(d)
        {
            return None;
        }
        let (registry, rest) = match name_tag.split_once('/') {
            Some((first, rest)) if is_registry(first) => (Some(first), rest),
            _ => (None, name_tag),
        };
        // The tag follows the last `:` of the path; a `/` after it would make it a port.
        let (path, tag) = match rest.rsplit_once(':') {
            Some((p, t)) => (p, Some(t)),
            None => (rest, None),
        };
        if let Some(r) = registry
            && !valid_registry(r)
        {
            return None;
        }
        if !valid_path(path) || tag.is_some_and(|t| !valid_tag(t)) {
            return None;
        }
        Some(ImageRef {
            registry,
            path,
            tag,
            digest,
        })
    }

    /// The name without tag or digest, as written (`registry.local:5000/team/app`).
    pub fn name(&self) -> String {
        match self.registry {
            Some(r) => format!("{r}/{}", self.path),
            None => self.path.to_string(),
        }
    }

    /// The fully qualified name: Docker Hub defaults made explicit
    /// (`nginx` → `docker.io/library/nginx`).
    pub fn normalized_name(&self) -> String {
        match self.registry {
            Some(r) if r != "index.docker.io" => format!("{r}/{}", self.path),
            _ if self.path.contains('/') => format!("docker.io/{}", self.path),
            _ => format!("docker.io/library/{}", self.path),
        }
    }

    /// Classifies the reference. `mutable_tags` are compared case-insensitively; `latest`
    /// is always mutable. A digest pins, whatever the tag says.
    pub fn pin(&self, mutable_tags: &[String]) -> Pin<'a> {
        if self.digest.is_some() {
            return Pin::Pinned;
        }
        match self.tag {
            None => Pin::Untagged,
            Some(tag) => tag_pin(tag, mutable_tags),
        }
    }
}

/// Classifies a bare tag (a Helm `tag:` or kustomize `newTag:` value). A digest written
/// after it (`2.0.0-SNAPSHOT@sha256:…`) pins, as in a full reference.
pub fn tag_pin<'a>(tag: &'a str, mutable_tags: &[String]) -> Pin<'a> {
    if tag_has_digest(tag) {
        return Pin::Pinned;
    }
    // A broken digest pins nothing: the tag before it decides.
    let tag = tag.split_once('@').map_or(tag, |(t, _)| t);
    if is_mutable_tag(tag, mutable_tags) {
        Pin::Mutable(tag)
    } else if is_snapshot(tag) {
        Pin::Snapshot(tag)
    } else {
        Pin::Pinned
    }
}

/// Whether a bare tag carries its own digest (`1.2@sha256:…`).
pub fn tag_has_digest(tag: &str) -> bool {
    tag.split_once('@').is_some_and(|(_, d)| valid_digest(d))
}

/// `latest`, or one of the configured mutable tags (any case).
pub fn is_mutable_tag(tag: &str, mutable_tags: &[String]) -> bool {
    tag.eq_ignore_ascii_case("latest") || mutable_tags.iter().any(|m| m.eq_ignore_ascii_case(tag))
}

/// The version contains `SNAPSHOT` (any case): a Maven-style moving pre-release.
pub fn is_snapshot(version: &str) -> bool {
    version.to_ascii_lowercase().contains("snapshot")
}

/// Why a tag that pins nothing by itself still floats (GG205): it names a release line,
/// not a release.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Floating {
    /// `7`, `v4`, `18-alpine`: every 7.x.y is published under it.
    Major,
    /// `1.25`, `3.12-slim`: every patch release is published under it.
    MajorMinor,
    /// `stable`, `alpine`, `lts`: no version at all.
    Word,
}

impl Floating {
    pub fn describe(self) -> &'static str {
        match self {
            Floating::Major => "names only a major version",
            Floating::MajorMinor => "names only a major.minor version",
            Floating::Word => "is a word, not a version",
        }
    }
}

/// Whether a tag names a release line rather than one release: a major (`7`, `v4`,
/// `18-alpine`) or major.minor (`1.25`, `3.12-slim`) version, or a word with no digit
/// (`stable`, `alpine`). A full `x.y.z` passes, and so do build tags that name one build
/// (`sha-3f2a1b0`, `20240115`, `bookworm-20240115`): they are not versions, but nothing
/// re-points them. A digest after the tag pins it.
pub fn floating_tag(tag: &str) -> Option<Floating> {
    let tag = tag.split_once('@').map_or(tag, |(t, _)| t);
    if tag.is_empty() {
        return None;
    }
    if !tag.bytes().any(|b| b.is_ascii_digit()) {
        return Some(Floating::Word);
    }
    let unprefixed = match tag.strip_prefix(['v', 'V']) {
        Some(rest) if rest.starts_with(|c: char| c.is_ascii_digit()) => rest,
        _ => tag,
    };
    let core_len = unprefixed
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(unprefixed.len());
    let (core, rest) = unprefixed.split_at(core_len);
    // The version must end at a separator: `7alpine` or `1.2x` are not versions.
    if core.is_empty() || !(rest.is_empty() || rest.starts_with(['-', '+'])) {
        return None;
    }
    let parts: Vec<&str> = core.split('.').collect();
    if parts.iter().any(|p| p.is_empty()) {
        return None;
    }
    match parts.len() {
        // A long number is a build number or a date, not a major version.
        1 if parts[0].len() <= 3 => Some(Floating::Major),
        2 => Some(Floating::MajorMinor),
        _ => None,
    }
}

/// What the literal text of a partly templated reference decides, whatever its expressions
/// (`{{ … }}`, `${…}`, `$(…)`) expand to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decided<'a> {
    /// Literal text after the last expression ends in `:tag`: that is the tag.
    Tag(&'a str),
    /// The last path component is literal and has no tag: `{{ .Values.registry }}/busybox`.
    Untagged,
    /// A literal digest ends the reference: pinned.
    Digest,
    /// The expressions decide (`{{ .Values.image }}`, `app:{{ .Values.tag }}`), or the text
    /// has no expression at all.
    Unknown,
}

/// Judges the literal part of a reference that holds template expressions: the text after
/// the last expression decides the tag (`…:latest`), the digest (`…@sha256:…`) or that
/// there is no tag (`…/busybox`).
pub fn decide_templated(text: &str) -> Decided<'_> {
    let text = text.trim();
    let Some(last_end) = expressions_end(text) else {
        return Decided::Unknown;
    };
    let tail = &text[last_end..];
    if tail.bytes().any(|b| {
        b.is_ascii_whitespace() || matches!(b, b'$' | b'{' | b'}' | b'(' | b')' | b'"' | b'\'')
    }) {
        return Decided::Unknown;
    }
    if let Some((_, digest)) = tail.rsplit_once('@') {
        return if valid_digest(digest) {
            Decided::Digest
        } else {
            Decided::Unknown
        };
    }
    let (component, whole) = match tail.rsplit_once('/') {
        Some((_, last)) => (last, true),
        None => (tail, false),
    };
    match component.rsplit_once(':') {
        // `{{ x }}/app:latest`, or `{{ x }}:latest` and `{{ x }}-debug:latest`, where the
        // literal part continues the expression's name.
        Some((name, tag))
            if valid_tag(tag) && (valid_path(name) || !whole && name_fragment(name)) =>
        {
            Decided::Tag(tag)
        }
        None if whole && valid_path(component) => Decided::Untagged,
        _ => Decided::Unknown,
    }
}

/// Text that may continue a name an expression began (`-debug`, `.io/app`).
fn name_fragment(s: &str) -> bool {
    s.bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

/// The end of the last template expression in `text` (`{{ … }}`, `${{ … }}`, `${…}`,
/// `$(…)`); `None`
/// when there is none or one is not closed.
fn expressions_end(text: &str) -> Option<usize> {
    let b = text.as_bytes();
    let mut i = 0;
    let mut end = None;
    while i + 1 < b.len() {
        let close = match (b[i], b[i + 1]) {
            // GitHub Actions: `${{ matrix.image }}`.
            (b'$', b'{') if b.get(i + 2) == Some(&b'{') => "}}",
            (b'{', b'{') => "}}",
            (b'$', b'{') => "}",
            (b'$', b'(') => ")",
            _ => {
                i += 1;
                continue;
            }
        };
        let at = text[i + 2..].find(close)? + i + 2 + close.len();
        end = Some(at);
        i = at;
    }
    end
}

fn is_registry(first: &str) -> bool {
    first.contains(['.', ':'])
        || first == "localhost"
        || first.bytes().any(|b| b.is_ascii_uppercase())
}

fn valid_registry(r: &str) -> bool {
    let (host, port) = match r.rsplit_once(':') {
        // `[::1]` alone: the colons are inside the brackets, not a port separator.
        Some((h, p)) if !(r.starts_with('[') && r.ends_with(']')) => (h, Some(p)),
        _ => (r, None),
    };
    let port_ok =
        port.is_none_or(|p| !p.is_empty() && p.len() <= 5 && p.bytes().all(|b| b.is_ascii_digit()));
    let host_ok = if let Some(ipv6) = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        !ipv6.is_empty() && ipv6.bytes().all(|b| b.is_ascii_hexdigit() || b == b':')
    } else {
        !host.is_empty()
            && host.split('.').all(|label| {
                !label.is_empty()
                    && label
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-')
                    && !label.starts_with('-')
                    && !label.ends_with('-')
            })
    };
    host_ok && port_ok
}

fn valid_path(path: &str) -> bool {
    !path.is_empty()
        && path.split('/').all(|c| {
            // Lower-case per the grammar; upper case is tolerated since it can only come
            // from a typo, and a typo'd unpinned image is still unpinned.
            !c.is_empty()
                && c.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
                && c.as_bytes()[0].is_ascii_alphanumeric()
                && c.as_bytes()[c.len() - 1].is_ascii_alphanumeric()
        })
}

fn valid_tag(tag: &str) -> bool {
    let b = tag.as_bytes();
    !b.is_empty()
        && b.len() <= 128
        && (b[0].is_ascii_alphanumeric() || b[0] == b'_')
        && b.iter()
            .all(|&c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.' | b'-'))
}

fn valid_digest(d: &str) -> bool {
    let Some((algo, hex)) = d.split_once(':') else {
        return false;
    };
    let algo_ok = !algo.is_empty()
        && algo.as_bytes()[0].is_ascii_alphabetic()
        && algo
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'+' | b'.'));
    let hex_ok = hex.len() >= 32 && hex.bytes().all(|b| b.is_ascii_hexdigit());
    let len_ok = match algo {
        "sha256" => hex.len() == 64,
        "sha512" => hex.len() == 128,
        _ => true,
    };
    algo_ok && hex_ok && len_ok
}

#[cfg(test)]
mod tests {
    use super::*;

    const D: &str = "sha256:50d858e0985ecc7f60418aaf0cc5ab587f42c2570a884095a9e8ccacd0f6545c";

    fn mutable() -> Vec<String> {
        vec!["latest".into(), "edge".into(), "main".into()]
    }

    /// (reference, registry, path, tag, has digest, expected pin)
    type Case<'a> = (
        String,
        Option<&'a str>,
        &'a str,
        Option<&'a str>,
        bool,
        Pin<'a>,
    );

    #[test]
    fn reference_table() {
        use Pin::*;
        let with_digest = |s: &str| format!("{s}@{D}");
        let cases: Vec<Case> = vec![
            // C12
            ("nginx".into(), None, "nginx", None, false, Untagged),
            (
                "nginx:latest".into(),
                None,
                "nginx",
                Some("latest"),
                false,
                Mutable("latest"),
            ),
            (
                "registry.local:5000/team/app".into(),
                Some("registry.local:5000"),
                "team/app",
                None,
                false,
                Untagged,
            ),
            // C13
            (
                "busybox:latest".into(),
                None,
                "busybox",
                Some("latest"),
                false,
                Mutable("latest"),
            ),
            (
                "ghcr.io/org/job:1.4.0".into(),
                Some("ghcr.io"),
                "org/job",
                Some("1.4.0"),
                false,
                Pinned,
            ),
            (
                "app:1.0.0".into(),
                None,
                "app",
                Some("1.0.0"),
                false,
                Pinned,
            ),
            ("busybox".into(), None, "busybox", None, false, Untagged),
            // C14
            (
                "nexus.example.com/svc:1.4.0-SNAPSHOT".into(),
                Some("nexus.example.com"),
                "svc",
                Some("1.4.0-SNAPSHOT"),
                false,
                Snapshot("1.4.0-SNAPSHOT"),
            ),
            (
                "traefik:edge".into(),
                None,
                "traefik",
                Some("edge"),
                false,
                Mutable("edge"),
            ),
            // C15
            (with_digest("nginx"), None, "nginx", None, true, Pinned),
            (
                with_digest("nginx:latest"),
                None,
                "nginx",
                Some("latest"),
                true,
                Pinned,
            ),
            // C16/C22/C23 style values
            (
                "ghcr.io/org/api:latest".into(),
                Some("ghcr.io"),
                "org/api",
                Some("latest"),
                false,
                Mutable("latest"),
            ),
            (
                "alpine:latest".into(),
                None,
                "alpine",
                Some("latest"),
                false,
                Mutable("latest"),
            ),
            (
                with_digest("python:3.12-slim"),
                None,
                "python",
                Some("3.12-slim"),
                true,
                Pinned,
            ),
            (
                "golang:1.23".into(),
                None,
                "golang",
                Some("1.23"),
                false,
                Pinned,
            ),
            // `latest` only as a whole tag, any case
            (
                "nginx:1.25-latest-alpine".into(),
                None,
                "nginx",
                Some("1.25-latest-alpine"),
                false,
                Pinned,
            ),
            (
                "nginx:LATEST".into(),
                None,
                "nginx",
                Some("LATEST"),
                false,
                Mutable("LATEST"),
            ),
            (
                "nginx:Latest".into(),
                None,
                "nginx",
                Some("Latest"),
                false,
                Mutable("Latest"),
            ),
            (
                "nginx:latest-alpine".into(),
                None,
                "nginx",
                Some("latest-alpine"),
                false,
                Pinned,
            ),
            (
                "app:2.0.0-snapshot".into(),
                None,
                "app",
                Some("2.0.0-snapshot"),
                false,
                Snapshot("2.0.0-snapshot"),
            ),
            // registries and ports
            (
                "localhost/app".into(),
                Some("localhost"),
                "app",
                None,
                false,
                Untagged,
            ),
            (
                "localhost:5000/app:1.2".into(),
                Some("localhost:5000"),
                "app",
                Some("1.2"),
                false,
                Pinned,
            ),
            (
                "localhost:5000".into(),
                None,
                "localhost",
                Some("5000"),
                false,
                Pinned,
            ),
            (
                "registry:5000/img".into(),
                Some("registry:5000"),
                "img",
                None,
                false,
                Untagged,
            ),
            (
                "registry.local:5000/team/app:latest".into(),
                Some("registry.local:5000"),
                "team/app",
                Some("latest"),
                false,
                Mutable("latest"),
            ),
            (
                "myregistry.io/a/b/c/d:v1".into(),
                Some("myregistry.io"),
                "a/b/c/d",
                Some("v1"),
                false,
                Pinned,
            ),
            (
                "[::1]:5000/app:1".into(),
                Some("[::1]:5000"),
                "app",
                Some("1"),
                false,
                Pinned,
            ),
            (
                "docker.io/library/nginx".into(),
                Some("docker.io"),
                "library/nginx",
                None,
                false,
                Untagged,
            ),
            (
                "kubernetes/pause".into(),
                None,
                "kubernetes/pause",
                None,
                false,
                Untagged,
            ),
            (
                "gcr.io/google_containers/pause-amd64:3.0".into(),
                Some("gcr.io"),
                "google_containers/pause-amd64",
                Some("3.0"),
                false,
                Pinned,
            ),
            (
                "Registry/app".into(),
                Some("Registry"),
                "app",
                None,
                false,
                Untagged,
            ),
            (
                "quay.io/org/app:main".into(),
                Some("quay.io"),
                "org/app",
                Some("main"),
                false,
                Mutable("main"),
            ),
            (
                "quay.io/org/app:v1.2.3_build-7".into(),
                Some("quay.io"),
                "org/app",
                Some("v1.2.3_build-7"),
                false,
                Pinned,
            ),
            (
                with_digest("registry.local:5000/team/app"),
                Some("registry.local:5000"),
                "team/app",
                None,
                true,
                Pinned,
            ),
            (
                "a.b_c__d-e:t".into(),
                None,
                "a.b_c__d-e",
                Some("t"),
                false,
                Pinned,
            ),
        ];
        for (text, registry, path, tag, digest, pin) in &cases {
            let r = ImageRef::parse(text).unwrap_or_else(|| panic!("`{text}` should parse"));
            assert_eq!(r.registry, *registry, "{text}");
            assert_eq!(r.path, *path, "{text}");
            assert_eq!(r.tag, *tag, "{text}");
            assert_eq!(r.digest.is_some(), *digest, "{text}");
            assert_eq!(r.pin(&mutable()), *pin, "{text}");
        }
    }

    #[test]
    fn not_references() {
        for text in [
            "",
            "uses:jenkins-x/jx3-pipeline-catalog/tasks/git-clone/git-clone.yaml@versionStream",
            "{{ .Values.image }}",
            "$(params.builder-image)",
            "${IMAGE}",
            "alpine:${TAG}",
            "nginx latest",
            "nginx:",
            "nginx:-bad",
            ":latest",
            "nginx@sha256:abc",
            "nginx@latest",
            "/nginx",
            "nginx/",
            "team//app",
            "registry.local:port/app",
            "-registry.io/app",
            "nginx:a/b",
        ] {
            assert_eq!(ImageRef::parse(text), None, "`{text}` is not a reference");
        }
    }

    #[test]
    fn names() {
        let r = ImageRef::parse("nginx:1").unwrap();
        assert_eq!(r.name(), "nginx");
        assert_eq!(r.normalized_name(), "docker.io/library/nginx");
        let r = ImageRef::parse("kubernetes/pause").unwrap();
        assert_eq!(r.normalized_name(), "docker.io/kubernetes/pause");
        let r = ImageRef::parse("registry.local:5000/team/app").unwrap();
        assert_eq!(r.name(), "registry.local:5000/team/app");
        assert_eq!(r.normalized_name(), "registry.local:5000/team/app");
    }

    #[test]
    fn floating_tags() {
        use Floating::*;
        for (tag, want) in [
            ("7", Some(Major)),
            ("v4", Some(Major)),
            ("18-alpine", Some(Major)),
            ("7-bookworm", Some(Major)),
            ("1.25", Some(MajorMinor)),
            ("3.12-slim", Some(MajorMinor)),
            ("v1.2+build", Some(MajorMinor)),
            ("stable", Some(Word)),
            ("alpine", Some(Word)),
            ("lts", Some(Word)),
            ("mainline", Some(Word)),
            ("1.25.3", None),
            ("v1.25.3-alpine", None),
            ("2024.01.15", None),
            ("1.2.3.4", None),
            ("sha-3f2a1b0", None),
            ("20240115", None),
            ("bookworm-20240115", None),
            ("3.8_1", None),
            ("7alpine", None),
            ("1..2", None),
            (
                "7@sha256:50d858e0985ecc7f60418aaf0cc5ab587f42c2570a884095a9e8ccacd0f6545c",
                Some(Major),
            ),
            ("", None),
        ] {
            assert_eq!(floating_tag(tag), want, "`{tag}`");
        }
    }

    #[test]
    fn templated_references_by_their_literal_part() {
        use Decided::*;
        for (text, want) in [
            ("{{ .Values.registry }}/busybox", Untagged),
            ("{{ .Values.registry }}:5000/team/app", Untagged),
            ("{{ .Values.image }}:latest", Tag("latest")),
            (
                "{{ .Values.image }}-debug:1.0-SNAPSHOT",
                Tag("1.0-SNAPSHOT"),
            ),
            ("${REGISTRY}/nginx:edge", Tag("edge")),
            ("$(params.registry)/tool", Untagged),
            ("${{ env.REGISTRY }}/app:v4", Tag("v4")),
            (&format!("{{{{ .Values.r }}}}/app:latest@{D}"), Digest),
            ("{{ .Values.r }}/app@sha256:short", Unknown),
            ("{{ .Values.image }}", Unknown),
            ("app:{{ .Values.tag }}", Unknown),
            ("ghcr.io/org/{{ .Values.name }}", Unknown),
            ("{{ .Values.name }}-suffix", Unknown),
            ("{{ .Values.r }}/app:{{ .Values.t }}", Unknown),
            ("{{ .Values.r }}/ app:latest", Unknown),
            ("{{ .Values.r }}/-app", Unknown),
            ("{{ unclosed /app:latest", Unknown),
            ("nginx:latest", Unknown),
        ] {
            assert_eq!(decide_templated(text), want, "`{text}`");
        }
    }

    #[test]
    fn a_digest_after_a_bare_tag_pins() {
        let pinned = format!("2.0.0-SNAPSHOT@{D}");
        assert_eq!(tag_pin(&pinned, &mutable()), Pin::Pinned);
        assert_eq!(tag_pin(&format!("latest@{D}"), &mutable()), Pin::Pinned);
        assert_eq!(
            tag_pin("latest@sha256:abc", &mutable()),
            Pin::Mutable("latest")
        );
    }

    #[test]
    fn latest_is_always_mutable() {
        assert_eq!(tag_pin("latest", &[]), Pin::Mutable("latest"));
        assert_eq!(tag_pin("nightly", &[]), Pin::Pinned);
        assert_eq!(
            tag_pin("nightly", &["NIGHTLY".into()]),
            Pin::Mutable("nightly")
        );
        assert_eq!(tag_pin("1.0-SNAPSHOT", &[]), Pin::Snapshot("1.0-SNAPSHOT"));
    }
}
