//! Values that are references to a secret kept elsewhere, not the secret itself: tools that
//! resolve them at deploy time put the real value in the cluster, never in git.
//!
//! - 1Password: `op://vault/item/field` (`op inject`, the 1Password operator);
//! - vals: `ref+vault://…`, `ref+awssecrets://…` (helmfile, argocd-vals-plugin);
//! - argocd-vault-plugin: `<path:secret/data/app#key>` anywhere in the value, or `<key>`
//!   when the object names its path in the `avp.kubernetes.io/path` annotation;
//! - bank-vaults' webhook: `vault:secret/data/app#key`.
//!
//! A `data` value is base64: it is a reference when its decoded text is one.

use base64::Engine as _;

/// The annotation with which argocd-vault-plugin lets bare `<key>` placeholders name a path.
pub const AVP_PATH_ANNOTATION: &str = "avp.kubernetes.io/path";

/// Whether the text of a value is a reference. `avp_path` says the object carries
/// [`AVP_PATH_ANNOTATION`], which makes bare `<key>` placeholders references too.
pub fn is_reference(value: &str, avp_path: bool) -> bool {
    let v = value.trim();
    if v.starts_with("op://") || v.starts_with("ref+") || v.starts_with("vault:") {
        return true;
    }
    if let Some(at) = v.find("<path:")
        && v[at..].contains('>')
    {
        return true;
    }
    avp_path && is_placeholder(v)
}

/// Whether a base64 `data` value decodes to a reference.
pub fn is_encoded_reference(encoded: &str, avp_path: bool) -> bool {
    let compact: String = encoded.split_whitespace().collect();
    base64::engine::general_purpose::STANDARD
        .decode(compact.as_bytes())
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .is_some_and(|text| is_reference(&text, avp_path))
}

/// `<name>`: one argocd-vault-plugin placeholder and nothing else.
fn is_placeholder(v: &str) -> bool {
    v.strip_prefix('<')
        .and_then(|rest| rest.strip_suffix('>'))
        .is_some_and(|inner| {
            !inner.is_empty()
                && inner
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_of_each_tool() {
        for r in [
            "op://prod/db/password",
            "ref+vault://secret/app#/password",
            "ref+awssecrets://myapp/db",
            "<path:secret/data/app#password>",
            "postgres://<path:kv/db#user>:<path:kv/db#pass>@db:5432",
            "vault:secret/data/app#password",
            "  op://x/y/z\n",
        ] {
            assert!(is_reference(r, false), "{r}");
        }
        assert!(is_reference("<password>", true));
    }

    #[test]
    fn literals_are_not_references() {
        for v in [
            "hunter2",
            "<password>",
            "<path:unterminated",
            "https://vault.example.com",
            "my-op://x",
            "",
        ] {
            assert!(!is_reference(v, false), "{v}");
        }
        assert!(!is_reference("<two words>", true));
    }

    #[test]
    fn encoded_references() {
        // base64 of "vault:secret/data/app#password"
        let b64 =
            base64::engine::general_purpose::STANDARD.encode("vault:secret/data/app#password");
        assert!(is_encoded_reference(&b64, false));
        assert!(!is_encoded_reference("aHVudGVyMg==", false)); // hunter2
        assert!(!is_encoded_reference("not base64!", false));
    }
}
