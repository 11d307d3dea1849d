//! YAML stream → documents with spans (saphyr-parser events).

use super::{Document, ParseOptions};

/// Splits `src` into documents and parses each.
pub fn parse_stream(_src: &str, _opts: &ParseOptions) -> Vec<Document> {
    Vec::new()
}
