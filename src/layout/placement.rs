//! Where a path falls in a [`Layout`]: an entry, an allowed path, a retired place, or nowhere.

use super::resolve::{Entry, Layout};
use crate::config::{BASELINE_FILE_NAME, FILE_NAME};
use crate::pattern::Captures;

/// Where a path falls in the layout.
#[derive(Debug)]
pub enum Placement<'l> {
    /// Allowed by an entry, which may expect a scope or names.
    Entry(&'l Entry, Captures),
    /// Allowed by `layout.allow[i]` (`None`: the configuration file, or no restriction).
    Allowed(Option<usize>),
    /// A retired place of the layout: off-layout, but the entry says what lives there.
    Legacy(&'l Entry, Captures),
    /// Allowed nowhere.
    Off,
}

/// A [`Placement`] by entry index, for [`Layout::classify`]'s cache.
#[derive(Clone)]
enum Cached {
    Entry(usize, Captures),
    Legacy(usize, Captures),
    Allowed(Option<usize>),
    Off,
}

impl Layout {
    /// Where `path` falls.
    pub fn classify(&self, path: &str) -> Placement<'_> {
        // Every layout rule (and its `applies_in`) asks about the file being scanned, one
        // after the other on one thread: remember the last answer.
        thread_local! {
            static LAST: std::cell::RefCell<Option<(u64, String, Cached)>> =
                const { std::cell::RefCell::new(None) };
        }
        let me = self.id;
        let hit = LAST.with(|l| match &*l.borrow() {
            Some((who, p, cached)) if *who == me && p == path => Some(cached.clone()),
            _ => None,
        });
        if let Some(cached) = hit {
            return match cached {
                Cached::Entry(i, caps) => Placement::Entry(&self.entries[i], caps),
                Cached::Legacy(i, caps) => Placement::Legacy(&self.entries[i], caps),
                Cached::Allowed(a) => Placement::Allowed(a),
                Cached::Off => Placement::Off,
            };
        }
        let placement = self.classify_uncached(path);
        let index = |e: &Entry| self.entries.iter().position(|x| std::ptr::eq(x, e));
        let cached = match &placement {
            Placement::Entry(e, caps) => index(e).map(|i| Cached::Entry(i, caps.clone())),
            Placement::Legacy(e, caps) => index(e).map(|i| Cached::Legacy(i, caps.clone())),
            Placement::Allowed(a) => Some(Cached::Allowed(*a)),
            Placement::Off => Some(Cached::Off),
        };
        LAST.with(|l| *l.borrow_mut() = cached.map(|c| (me, path.to_string(), c)));
        placement
    }

    fn classify_uncached(&self, path: &str) -> Placement<'_> {
        for e in self.entries.iter().filter(|e| e.legacy.is_none()) {
            if let Some(caps) = e.pattern.matches(path) {
                return Placement::Entry(e, caps);
            }
        }
        if let Some(i) = self.allowed_by(path) {
            return Placement::Allowed(Some(i));
        }
        // The configuration file and the baseline are always welcome.
        if path == FILE_NAME || path == BASELINE_FILE_NAME || !self.restricts_paths {
            return Placement::Allowed(None);
        }
        for e in self.entries.iter().filter(|e| e.legacy.is_some()) {
            if let Some(caps) = e.pattern.matches(path) {
                if self.inside_current_folder(e, path) {
                    // e.g. `cluster/resources/<ns>/x.yaml`: no release folder, but not the
                    // retired layout with a namespace called `resources` either.
                    return Placement::Off;
                }
                return Placement::Legacy(e, caps);
            }
        }
        Placement::Off
    }

    /// Whether `path` lies in the fixed folder of a current entry of `legacy`'s home that is
    /// deeper than the legacy entry's own (a file there missed the current shape; moving it
    /// as a retired place would nest the folder in itself).
    fn inside_current_folder(&self, legacy: &Entry, path: &str) -> bool {
        let own = legacy.pattern.literal_folder();
        self.entries
            .iter()
            .filter(|e| e.legacy.is_none() && e.home == legacy.home)
            .map(|e| e.pattern.literal_folder())
            .any(|folder| {
                folder.len() > own.len()
                    && path
                        .strip_prefix(folder.as_str())
                        .is_some_and(|rest| rest.starts_with('/'))
            })
    }
}
