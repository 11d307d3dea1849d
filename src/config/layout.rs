//! The `layout:` section of the configuration.

use serde::Deserialize;

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct LayoutConfig {}

impl LayoutConfig {
    /// Checks values that serde cannot (patterns, names).
    pub fn validate(&self) -> Result<(), String> {
        Ok(())
    }
}
