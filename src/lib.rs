//! gitops-guard: keeps a GitOps repository clean at commit time.
//!
//! The pipeline: `source` reads exactly what the commit will contain, `manifest` parses it
//! into documents with byte spans, `rules` turn documents into findings, `engine` runs the
//! rules (and suppressions) over every file, `report` renders findings, `fix` rewrites files.
//! `hook` puts all of it where commits happen (git hooks, the server's pre-receive);
//! `inventory` reports what runs where (`gitops-guard report`); `baseline` accepts the findings
//! a repository already has. The `catalog` names the rules for all of them.
//!
//! Imports point one way, down the layers of README.md (Architecture): `catalog`, `manifest`,
//! `masked`, `pattern`, `suggest`; then `finding`, `source`, `suppress`, `config`; `layout`,
//! `fingerprint`; `rules`; `engine`; `report`, `fix`, `inventory`, `baseline`; `hook`,
//! `secrets`. `tests/layering.rs` keeps it so.

pub mod baseline;
pub mod catalog;
pub mod config;
pub mod engine;
pub mod finding;
pub mod fingerprint;
pub mod fix;
pub mod hook;
pub mod inventory;
pub mod layout;
pub mod manifest;
pub mod masked;
pub mod pattern;
pub mod report;
pub mod rules;
pub mod secrets;
pub mod source;
pub mod suggest;
pub mod suppress;
