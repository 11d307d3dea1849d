//! Where a file (or one document of it) belongs in a [`Layout`]: the place a move fix takes it
//! to, keeping the captures of where it is now.

use super::naming::{self, Naming};
use super::object::Object;
use super::placement::Placement;
use super::resolve::{Entry, Home, Layout};
use super::split_dir;
use crate::pattern::Captures;

impl Layout {
    /// The entry for objects of `home` that takes the captures of `from` (same shape).
    fn home_entry<'l>(&'l self, from: &'l Entry, home: Home) -> Option<&'l Entry> {
        if from.legacy.is_none() && from.home == Some(home) {
            return Some(from);
        }
        self.entries.iter().find(|e| {
            e.legacy.is_none() && e.home == Some(home) && e.pattern.same_shape(&from.pattern)
        })
    }

    /// Where a file (or one document of it) belongs: the path for `target` home, keeping the
    /// captures of the current place and renaming when the folder wants canonical names.
    /// `file_name` is the name it has now (or its `jx gitops split` name). `None` when the
    /// layout has no such place.
    pub fn destination(
        &self,
        from: &Entry,
        caps: &Captures,
        target: Option<Home>,
        obj: Option<&Object>,
        file_name: &str,
        single: bool,
    ) -> Option<String> {
        let entry = match target.or(from.home) {
            Some(home) => self.home_entry(from, home)?,
            None => from,
        };
        let name = choose_name(entry.naming, obj, file_name, single);
        let path = entry.pattern.instantiate(caps, &name)?;
        // The new place may fall under a more specific entry (e.g. `source-repositories/`),
        // whose naming then decides, from the name the file has now.
        let Placement::Entry(e, _) = self.classify(&path) else {
            return None;
        };
        if e.home != entry.home {
            return None;
        }
        let better = choose_name(e.naming, obj, file_name, single);
        if better == name {
            return Some(path);
        }
        let (dir, _) = split_dir(&path);
        let path = format!("{dir}/{better}");
        match self.classify(&path) {
            Placement::Entry(again, _) if std::ptr::eq(again, e) => Some(path),
            _ => None,
        }
    }
}

/// The file name an object should have in a folder with `naming`.
fn choose_name(naming: Naming, obj: Option<&Object>, current: &str, single: bool) -> String {
    let ext = naming::extension(current);
    match (naming, obj.and_then(|o| o.name.map(|n| (o, n)))) {
        (Naming::Any, _) | (_, None) => current.to_string(),
        (naming, Some((o, name))) => {
            let accepted = naming::accepted(naming, name, o.api_version, o.kind, ext);
            if single && accepted.iter().any(|a| a == current) {
                current.to_string()
            } else {
                accepted
                    .into_iter()
                    .next()
                    .unwrap_or_else(|| current.to_string())
            }
        }
    }
}
