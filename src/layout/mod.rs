//! The canonical layout of a GitOps repository, shared by rules GG301–GG304 and the move fix.
//!
//! A [`Layout`] is an ordered list of path patterns (first match wins), each saying what lives
//! there: a [`Home`] (cluster-scoped objects, namespaced objects or CRDs) and a
//! [`Naming`](naming::Naming). It comes from the `jx3` preset, from `layout:` in the
//! configuration, or both (the configuration first). A [`LayoutIndex`] is built once per run,
//! only when a layout rule is on and a layout applies; it answers the questions that need the
//! whole repository (CRD scopes, sibling files, case collisions) lazily, once each.
//!
//! The files: `resolve.rs` builds a layout, `placement.rs` says where a path falls,
//! `destination.rs` where a file belongs; `object.rs` reads objects, `index.rs` holds the
//! run-wide view, with `crds.rs` (CRD scopes) and `case.rs` (case collisions) behind it;
//! `preset.rs`, `naming.rs` and `scope.rs` are the Jenkins X and Kubernetes tables.

mod case;
pub mod crds;
mod destination;
mod index;
pub mod naming;
mod object;
mod placement;
pub mod preset;
mod resolve;
pub mod scope;
#[cfg(test)]
mod tests;

pub use index::LayoutIndex;
pub use object::{Object, judgeable, resource_docs};
pub use placement::Placement;
pub use resolve::{Entry, Home, Layout, Origin, detect};

/// (folder, file name) of a path; the folder of a top-level file is `""`.
pub fn split_dir(path: &str) -> (&str, &str) {
    path.rsplit_once('/').unwrap_or(("", path))
}
