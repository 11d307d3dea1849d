//! The JSON formats (schemas in `docs/report.md`): one object with `version`, `report`
//! (`inventory` or `changes`) and `generator`, then the model's fields.

use super::diff::Changes;
use super::{Inventory, SCHEMA_VERSION};
use serde::Serialize;

#[derive(Serialize)]
struct Envelope<'a, T: Serialize> {
    version: u32,
    report: &'static str,
    generator: String,
    #[serde(flatten)]
    body: &'a T,
}

fn generator() -> String {
    format!("gitops-guard {}", env!("CARGO_PKG_VERSION"))
}

fn write<T: Serialize>(report: &'static str, body: &T) -> String {
    let env = Envelope {
        version: SCHEMA_VERSION,
        report,
        generator: generator(),
        body,
    };
    let mut s = serde_json::to_string_pretty(&env).unwrap_or_else(|e| {
        // Serializing plain structs of strings and numbers cannot fail; say so if it does.
        serde_json::json!({"version": SCHEMA_VERSION, "error": e.to_string()}).to_string()
    });
    s.push('\n');
    s
}

/// The inventory as JSON.
pub fn inventory(inv: &Inventory) -> String {
    write("inventory", inv)
}

/// The changes of a range as JSON.
pub fn changes(c: &Changes) -> String {
    write("changes", c)
}
