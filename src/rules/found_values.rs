//! What GG104–GG106 find, and the credentials of URLs, for the masks of every output
//! (beside `sensitive_spans`).

use super::{Ctx, FileKind, credential_in_values, plaintext_sops, private_key};
use crate::manifest::Document;
use std::ops::Range;

/// Byte spans of the values GG104–GG106 find, for redaction in all output (beside
/// [`super::sensitive_spans`]): computed whether those rules are on or off, so that no other
/// finding's code frame shows them.
pub fn found_value_spans(
    path: &str,
    text: &str,
    docs: &[Document],
    ctx: &Ctx,
) -> Vec<Range<usize>> {
    let kind = FileKind::of(path);
    let mut spans = private_key::key_spans(text);
    spans.extend(crate::masked::userinfo::spans(text));
    spans.extend(plaintext_sops::analyze(path, text, docs, ctx.repo).mask);
    spans.extend(credential_in_values::value_spans(
        path, text, kind, docs, ctx,
    ));
    spans
}
