//! GG105 private-key, and the PEM / base64 scanner it shares with GG101 and the masking of
//! every output.
//!
//! A block counts when its label names a private key (`PRIVATE KEY`, `RSA PRIVATE KEY`,
//! `EC PRIVATE KEY`, `DSA PRIVATE KEY`, `ENCRYPTED PRIVATE KEY`, `OPENSSH PRIVATE KEY`,
//! `PGP PRIVATE KEY BLOCK`, …), a matching `-----END …-----` line follows, and the body holds
//! key material: at least [`MIN_MATERIAL`] base64 characters of at least [`MIN_DISTINCT`]
//! kinds, and nothing else (armor headers such as `Proc-Type:` aside). A documentation
//! placeholder (`...`, `<your key>`, `MIIE…`) has other characters and is not a key.

use super::{Ctx, File, Rule};
use crate::catalog::{self, RuleInfo};
use crate::finding::Finding;
use crate::manifest::FileKind;
use crate::manifest::{Document, objects};
use base64::Engine as _;
use std::ops::Range;

/// GG105 private-key. Docs: [`DOC`].
pub struct PrivateKey;

pub const DOC: &str = r#"## What it does
Reports a private key block in any staged text file — YAML, JSON, `.env`, `.pem`, `.key`,
anything that is text: PEM (`-----BEGIN PRIVATE KEY-----`, `RSA`, `EC`, `DSA`, `ENCRYPTED`,
`OPENSSH`) and OpenPGP (`-----BEGIN PGP PRIVATE KEY BLOCK-----`), as written or base64-encoded
(a ConfigMap value, a Helm values entry: text that starts with `LS0tLS1CRUdJT`, the base64 of
`-----BEGIN`). JSON-escaped line breaks (`\n`) are read as line breaks.

A block counts only when it holds key material: a matching `-----END …-----` line, and between
the two only base64 (at least 64 characters, of at least 16 different ones) and armor headers
(`Proc-Type:`, `DEK-Info:`, `Version:`). A documentation placeholder such as
`-----BEGIN PRIVATE KEY-----\n...\n-----END PRIVATE KEY-----` is not reported. Certificates and
public keys (`CERTIFICATE`, `PUBLIC KEY`, `PGP PUBLIC KEY BLOCK`) are never reported.

A key inside a core `Secret` that GG101 reports is left to GG101, whose message then says that
the Secret holds a private key.

## Why is this bad?
A private key in git is readable by everyone who can clone the repository, in every clone and
in the history forever. Whoever has it can impersonate the service, decrypt its traffic or
sign as it. Removing the file does not help: the key must be revoked and replaced.

## Example
```yaml
apiVersion: v1
kind: ConfigMap
metadata:
  name: deploy-key
data:
  id_ed25519: |
    -----BEGIN OPENSSH PRIVATE KEY-----
    b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW
    ...
    -----END OPENSSH PRIVATE KEY-----
```

Use instead: keep the key in a secret store and commit an `ExternalSecret` that makes a Secret
of it:
```yaml
apiVersion: external-secrets.io/v1
kind: ExternalSecret
metadata:
  name: deploy-key
spec:
  secretStoreRef: {kind: ClusterSecretStore, name: jx-secret-store}
  target: {name: deploy-key}
  data:
  - secretKey: id_ed25519
    remoteRef: {key: deploy-key, property: id_ed25519}
```
Then revoke the committed key: it stays in the history.
"#;

/// The fewest base64 characters a key body has (the smallest real keys have ~160).
pub const MIN_MATERIAL: usize = 64;
/// The fewest different base64 characters a key body has (`AAAA…`, `xxxx…` are not keys).
pub const MIN_DISTINCT: usize = 16;
/// How far after a `BEGIN` line its `END` line may be (the largest keys are ~7 KiB).
const MAX_BODY: usize = 64 * 1024;
/// The base64 of `-----BEGIN` (its first 13 characters do not depend on what follows).
pub const BASE64_BEGIN: &str = "LS0tLS1CRUdJT";
/// At most this many base64 candidates are decoded per file.
const MAX_ENCODED: usize = 256;

/// One private key found in a text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyBlock {
    /// What is reported: the PEM block, or the whole base64 run that decodes to it.
    pub span: Range<usize>,
    /// What every output masks: the body between the `BEGIN` and `END` lines, or the whole
    /// base64 run.
    pub secret: Range<usize>,
    /// The PEM label, e.g. `RSA PRIVATE KEY`.
    pub label: String,
    /// Found in base64-encoded text.
    pub encoded: bool,
}

impl Rule for PrivateKey {
    fn info(&self) -> &'static RuleInfo {
        &catalog::PRIVATE_KEY
    }
    fn doc(&self) -> &'static str {
        DOC
    }
    fn applies_to(&self, _kind: FileKind, _path: &str, bytes: &[u8]) -> bool {
        may_hold_key(bytes)
    }
    /// The text is scanned as is; documents are only consulted (when another rule parsed
    /// them) to leave keys inside GG101's Secrets to GG101.
    fn reads_documents(&self) -> bool {
        false
    }
    fn check(&self, file: &File, ctx: &Ctx, out: &mut Vec<Finding>) {
        let keys = find_keys(file.text);
        if keys.is_empty() {
            return;
        }
        let reported = if ctx.settings.level("GG101").is_some() {
            raw_secret_spans(file.docs)
        } else {
            Vec::new()
        };
        for key in keys {
            if reported
                .iter()
                .any(|s| s.start <= key.span.start && key.span.start < s.end)
            {
                continue;
            }
            let how = if key.encoded { "a base64-encoded" } else { "a" };
            let message = format!(
                "{how} `{}` block with key material: a private key in plain text",
                key.label
            );
            out.push(
                Finding::new(self.info(), file.path, key.span.clone(), message)
                    .with_help(
                        "remove it from git and revoke it (it stays in the history); keep it in a \
                         secret store and commit an ExternalSecret that makes a Secret of it",
                    )
                    .with_label(key.secret.clone(), "key material"),
            );
        }
    }
}

/// The cheap prefilter: the bytes mention a private key or hold base64 of `-----BEGIN`.
pub fn may_hold_key(bytes: &[u8]) -> bool {
    super::contains(bytes, "PRIVATE KEY") || super::contains(bytes, BASE64_BEGIN)
}

/// Whether `text` holds a private key with key material, as written or base64-encoded. GG101
/// uses it to say that a Secret holds one.
pub fn holds_private_key(text: &str) -> bool {
    may_hold_key(text.as_bytes()) && !find_keys(text).is_empty()
}

/// GG101's finding for a Secret, with a note when the Secret's text holds a private key (GG105
/// leaves such keys to GG101).
pub fn note_private_key(mut finding: Finding, text: &str) -> Finding {
    if holds_private_key(text.get(finding.span.clone()).unwrap_or_default()) {
        finding
            .message
            .push_str("; it holds a private key (revoke it: it stays in the history)");
    }
    finding
}

/// The spans of the core Secrets that GG101 reports.
pub(crate) fn raw_secret_spans(docs: &[Document]) -> Vec<Range<usize>> {
    docs.iter()
        .filter_map(|d| d.root.as_ref())
        .flat_map(objects)
        .filter(|obj| {
            super::RawSecretInfo::of(obj).is_some_and(|s| !s.excluded && s.holds_values())
        })
        .map(|obj| obj.span.clone())
        .collect()
}

/// Every private key in `text`, in order: PEM blocks as written, then base64 runs that decode
/// to one.
pub fn find_keys(text: &str) -> Vec<KeyBlock> {
    let mut out = Vec::new();
    if super::contains(text.as_bytes(), "PRIVATE KEY") {
        for (block, body, label) in pem_blocks(text) {
            if is_private_label(label) && has_key_material(&text[body.clone()]) {
                // Masked from the line after `BEGIN` (as written) to the end of the body.
                let inner = &text[body.clone()];
                let lead = inner.len() - inner.trim_start_matches(['\r', '\n']).len();
                let tail = inner.len() - inner.trim_end().len();
                out.push(KeyBlock {
                    span: block,
                    secret: body.start + lead..(body.end - tail).max(body.start + lead),
                    label: label.to_string(),
                    encoded: false,
                });
            }
        }
    }
    if super::contains(text.as_bytes(), BASE64_BEGIN) {
        out.extend(encoded_keys(text));
    }
    out.sort_by_key(|k| k.span.start);
    out
}

/// `(block, body, label)` of each `-----BEGIN X-----` … `-----END X-----` in `text`.
fn pem_blocks(text: &str) -> Vec<(Range<usize>, Range<usize>, &str)> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(i) = memchr::memmem::find(&bytes[from..], b"-----BEGIN ") {
        let start = from + i;
        let label_start = start + "-----BEGIN ".len();
        from = label_start;
        let Some(label_len) = bytes[label_start..]
            .iter()
            .take(64)
            .position(|&b| !(b.is_ascii_uppercase() || b.is_ascii_digit() || b == b' '))
        else {
            continue;
        };
        let label_end = label_start + label_len;
        if !bytes[label_end..].starts_with(b"-----") || label_len == 0 {
            continue;
        }
        let label = &text[label_start..label_end];
        let body_start = label_end + 5;
        let footer = format!("-----END {label}-----");
        let window_end = (body_start + MAX_BODY).min(bytes.len());
        let Some(j) = memchr::memmem::find(&bytes[body_start..window_end], footer.as_bytes())
        else {
            continue;
        };
        let body_end = body_start + j;
        let end = body_end + footer.len();
        out.push((start..end, body_start..body_end, label));
        from = end;
    }
    out
}

/// `PRIVATE KEY` labels (any algorithm, encrypted or not) and OpenPGP secret key blocks.
pub fn is_private_label(label: &str) -> bool {
    label.ends_with("PRIVATE KEY") || label == "PGP PRIVATE KEY BLOCK"
}

/// Whether a PEM body holds key material (see the module docs). Escaped line breaks (`\n`,
/// `\r`, also doubly escaped), quotes and string continuations are read as separators.
pub fn has_key_material(body: &str) -> bool {
    let mut count = 0usize;
    let mut seen = [false; 128];
    for line in body.split(['\n', '\r']) {
        for piece in split_escapes(line) {
            let piece = piece.trim_matches(|c: char| c.is_whitespace() || "\"'`,+\\".contains(c));
            if piece.is_empty() {
                continue;
            }
            // RFC 1421 / OpenPGP armor headers.
            if piece.contains(": ") || piece.ends_with(':') {
                continue;
            }
            for b in piece.bytes() {
                if b.is_ascii_alphanumeric() || b == b'+' || b == b'/' || b == b'=' {
                    count += 1;
                    seen[usize::from(b)] = true;
                } else {
                    return false;
                }
            }
        }
    }
    count >= MIN_MATERIAL && seen.iter().filter(|s| **s).count() >= MIN_DISTINCT
}

/// Splits at the escape sequences `\n`, `\r`, `\t` (any number of backslashes before them).
fn split_escapes(line: &str) -> impl Iterator<Item = &str> {
    let bytes = line.as_bytes();
    let mut cuts = Vec::new();
    let mut i = 0;
    while i + 1 < bytes.len() {
        if bytes[i] == b'\\' && matches!(bytes[i + 1], b'n' | b'r' | b't') {
            let mut s = i;
            while s > 0 && bytes[s - 1] == b'\\' {
                s -= 1;
            }
            cuts.push((s, i + 2));
            i += 2;
        } else {
            i += 1;
        }
    }
    let mut pieces = Vec::with_capacity(cuts.len() + 1);
    let mut at = 0;
    for (s, e) in cuts {
        pieces.push(&line[at..s]);
        at = e;
    }
    pieces.push(&line[at..]);
    pieces.into_iter()
}

fn is_b64(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'+' || b == b'/' || b == b'='
}

/// Base64 runs that start with [`BASE64_BEGIN`] and decode to a private key block. A run may
/// go on over line breaks onto lines made only of base64 (a folded YAML scalar).
fn encoded_keys(text: &str) -> Vec<KeyBlock> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut from = 0;
    let mut tried = 0;
    while let Some(i) = memchr::memmem::find(&bytes[from..], BASE64_BEGIN.as_bytes()) {
        let mut start = from + i;
        while start > 0 && is_b64(bytes[start - 1]) && bytes[start - 1] != b'=' {
            start -= 1;
        }
        let end = run_end(bytes, start);
        from = end.max(from + i + BASE64_BEGIN.len());
        tried += 1;
        if tried > MAX_ENCODED {
            break;
        }
        let compact: Vec<u8> = bytes[start..end]
            .iter()
            .copied()
            .filter(|b| is_b64(*b))
            .collect();
        let Some(decoded) = lenient_decode(&compact) else {
            continue;
        };
        let decoded = String::from_utf8_lossy(&decoded);
        if let Some((_, body, label)) = pem_blocks(&decoded).into_iter().find(|(_, body, label)| {
            is_private_label(label) && has_key_material(&decoded[body.clone()])
        }) {
            let _ = body;
            out.push(KeyBlock {
                span: start..end,
                secret: start..end,
                label: label.to_string(),
                encoded: true,
            });
        }
    }
    out
}

/// The end of a base64 run starting at `start`: base64 bytes, continued over a line break
/// when the next line (after its indentation) is only base64 up to its end.
fn run_end(bytes: &[u8], start: usize) -> usize {
    let mut end = start;
    loop {
        while end < bytes.len() && is_b64(bytes[end]) {
            end += 1;
        }
        // A continuation line?
        let mut j = end;
        if bytes.get(j) == Some(&b'\r') {
            j += 1;
        }
        if bytes.get(j) != Some(&b'\n') {
            return end;
        }
        j += 1;
        while j < bytes.len() && (bytes[j] == b' ' || bytes[j] == b'\t') {
            j += 1;
        }
        let line_end = memchr::memchr(b'\n', &bytes[j..]).map_or(bytes.len(), |k| j + k);
        let content = bytes[j..line_end].trim_ascii_end();
        if content.is_empty() || !content.iter().all(|b| is_b64(*b)) {
            return end;
        }
        end = j;
    }
}

/// Decodes base64 leniently: padding optional, a trailing partial group dropped, at most 1 MiB.
fn lenient_decode(compact: &[u8]) -> Option<Vec<u8>> {
    let upto = compact
        .iter()
        .position(|b| *b == b'=')
        .unwrap_or(compact.len())
        .min(4 * 1024 * 1024 / 3);
    let mut data = &compact[..upto];
    if data.len() % 4 == 1 {
        data = &data[..data.len() - 1];
    }
    let engine = base64::engine::GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        base64::engine::GeneralPurposeConfig::new()
            .with_decode_padding_mode(base64::engine::DecodePaddingMode::Indifferent)
            .with_decode_allow_trailing_bits(true),
    );
    engine.decode(data).ok()
}

/// Spans every output masks in `text`: the bodies of private keys and their base64 runs.
pub fn key_spans(text: &str) -> Vec<Range<usize>> {
    if !may_hold_key(text.as_bytes()) {
        return Vec::new();
    }
    find_keys(text).into_iter().map(|k| k.secret).collect()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A syntactically plausible (random, not a real) RSA key body for tests.
    pub(crate) fn fake_body() -> String {
        let chars = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let mut s = String::new();
        let mut x: u32 = 12345;
        for i in 0..320 {
            x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
            s.push(char::from(chars[(x >> 16) as usize % 64]));
            if i % 64 == 63 {
                s.push('\n');
            }
        }
        s
    }

    pub(crate) fn fake_pem(label: &str) -> String {
        format!(
            "-----BEGIN {label}-----\n{}\n-----END {label}-----\n",
            fake_body()
        )
    }

    #[test]
    fn finds_each_kind_of_private_key() {
        for label in [
            "PRIVATE KEY",
            "RSA PRIVATE KEY",
            "EC PRIVATE KEY",
            "DSA PRIVATE KEY",
            "ENCRYPTED PRIVATE KEY",
            "OPENSSH PRIVATE KEY",
            "PGP PRIVATE KEY BLOCK",
        ] {
            let text = fake_pem(label);
            let keys = find_keys(&text);
            assert_eq!(keys.len(), 1, "{label}");
            assert_eq!(keys[0].label, label);
            assert!(holds_private_key(&text));
        }
    }

    #[test]
    fn certificates_public_keys_and_placeholders_are_not_keys() {
        for label in [
            "CERTIFICATE",
            "PUBLIC KEY",
            "PGP PUBLIC KEY BLOCK",
            "RSA PUBLIC KEY",
        ] {
            assert!(find_keys(&fake_pem(label)).is_empty(), "{label}");
        }
        for body in [
            "...",
            "MIIEvQIBADANBgkqhkiG9w0BAQEFAASC...",
            "<your private key here>",
            "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
            "",
        ] {
            let text = format!("-----BEGIN PRIVATE KEY-----\n{body}\n-----END PRIVATE KEY-----\n");
            assert!(find_keys(&text).is_empty(), "{body}");
        }
        // No END line: not a block.
        let open = format!("-----BEGIN RSA PRIVATE KEY-----\n{}", fake_body());
        assert!(find_keys(&open).is_empty());
    }

    #[test]
    fn armor_headers_and_json_escapes() {
        let enc = format!(
            "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00FF\n\n{}\n-----END RSA PRIVATE KEY-----",
            fake_body()
        );
        assert_eq!(find_keys(&enc).len(), 1);
        let json = format!(
            "{{\"key\": \"{}\"}}",
            fake_pem("PRIVATE KEY").replace('\n', "\\n")
        );
        let keys = find_keys(&json);
        assert_eq!(keys.len(), 1);
        assert!(json[keys[0].secret.clone()].contains("\\n"));
        let double = json.replace("\\n", "\\\\n");
        assert_eq!(find_keys(&double).len(), 1);
    }

    #[test]
    fn base64_encoded_keys_in_one_line_and_folded() {
        let b64 = base64::engine::general_purpose::STANDARD.encode(fake_pem("EC PRIVATE KEY"));
        let text = format!("data:\n  tls.key: {b64}\n  other: x\n");
        let keys = find_keys(&text);
        assert_eq!(keys.len(), 1);
        assert!(keys[0].encoded);
        assert_eq!(&text[keys[0].span.clone()], b64);
        let folded: String = b64
            .as_bytes()
            .chunks(76)
            .map(|c| format!("    {}\n", String::from_utf8_lossy(c)))
            .collect();
        let text = format!("data:\n  tls.key: >-\n{folded}  other: x\n");
        let keys = find_keys(&text);
        assert_eq!(keys.len(), 1);
        assert!(text[keys[0].span.clone()].ends_with(&b64[b64.len() - 10..]));
        // A certificate in base64 is fine.
        let cert = base64::engine::general_purpose::STANDARD.encode(fake_pem("CERTIFICATE"));
        assert!(find_keys(&format!("ca.crt: {cert}\n")).is_empty());
    }

    #[test]
    fn hostile_inputs_do_not_panic() {
        for text in [
            "-----BEGIN ",
            "-----BEGIN PRIVATE KEY",
            "-----BEGIN PRIVATE KEY-----",
            "-----BEGIN PRIVATE KEY----------END PRIVATE KEY-----",
            "LS0tLS1CRUdJT",
            "LS0tLS1CRUdJTi=\n=\n",
            "é-----BEGIN é PRIVATE KEY-----é",
            "\\\\\\n-----BEGIN PRIVATE KEY-----\\",
        ] {
            let _ = find_keys(text);
        }
    }
}
