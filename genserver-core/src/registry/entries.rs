//! The entries under one key of a [`KeyRegistry`](super::KeyRegistry): one held in the map's
//! own slot (every key of a unique registry, most keys of a duplicate one), more in a `Vec`.
//! A lookup of a key with one entry then reads the slot it finds, without following a pointer
//! to a `Vec`'s buffer elsewhere in memory.

use std::slice;

use crate::process::{Pid, ServerId};

/// The entries under one key, in registration order.
pub(super) enum Entries<V> {
    /// One entry.
    One((Pid, V)),
    /// None (only until the first `push`, or after the last removal), or several.
    Many(Vec<(Pid, V)>),
}

impl<V> Entries<V> {
    /// No entries yet (allocates nothing).
    pub(super) fn empty() -> Self {
        Entries::Many(Vec::new())
    }

    /// The entries, as a slice.
    pub(super) fn as_slice(&self) -> &[(Pid, V)] {
        match self {
            Entries::One(entry) => slice::from_ref(entry),
            Entries::Many(entries) => entries,
        }
    }

    /// `true` with no entries.
    pub(super) fn is_empty(&self) -> bool {
        self.as_slice().is_empty()
    }

    /// Adds an entry after the others.
    pub(super) fn push(&mut self, entry: (Pid, V)) {
        match self {
            Entries::Many(entries) if entries.is_empty() => *self = Entries::One(entry),
            Entries::Many(entries) => entries.push(entry),
            Entries::One(_) => {
                let Entries::One(first) = std::mem::replace(self, Entries::empty()) else {
                    unreachable!("matched One")
                };
                *self = Entries::Many(vec![first, entry]);
            }
        }
    }

    /// Keeps the entries `keep` accepts, in order.
    pub(super) fn retain(&mut self, mut keep: impl FnMut(&(Pid, V)) -> bool) {
        match self {
            Entries::One(entry) => {
                if !keep(entry) {
                    *self = Entries::empty();
                }
            }
            Entries::Many(entries) => entries.retain(|entry| keep(entry)),
        }
    }

    /// Removes the last `count` entries of the server `id` (fewer if it has fewer).
    pub(super) fn remove_last_of(&mut self, id: ServerId, mut count: usize) {
        match self {
            Entries::One((pid, _)) => {
                if count > 0 && pid.id() == id {
                    *self = Entries::empty();
                }
            }
            Entries::Many(entries) => {
                let mut index = entries.len();
                while count > 0 && index > 0 {
                    index -= 1;
                    if entries[index].0.id() == id {
                        entries.remove(index);
                        count -= 1;
                    }
                }
            }
        }
    }
}

impl<V: Clone> Entries<V> {
    /// The entries, owned.
    pub(super) fn to_vec(&self) -> Vec<(Pid, V)> {
        self.as_slice().to_vec()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A `Pid` of a process of its own (a task that waits forever), with an id of its own.
    fn pid() -> Pid {
        crate::task::spawn_future(std::future::pending::<Result<(), String>>())
    }

    fn ids<V>(entries: &Entries<V>) -> Vec<ServerId> {
        entries.as_slice().iter().map(|(pid, _)| pid.id()).collect()
    }

    #[tokio::test]
    async fn entries_go_from_none_to_one_to_many_and_back_in_order() {
        let (a, b) = (pid(), pid());
        let mut entries = Entries::empty();
        assert!(entries.is_empty());
        entries.push((a.clone(), 1));
        assert!(matches!(entries, Entries::One(_)));
        entries.push((b.clone(), 2));
        entries.push((a.clone(), 3));
        assert_eq!(ids(&entries), [a.id(), b.id(), a.id()]);
        assert_eq!(
            entries.to_vec().iter().map(|(_, v)| *v).collect::<Vec<_>>(),
            [1, 2, 3]
        );
        // The last of a's entries first.
        entries.remove_last_of(a.id(), 1);
        assert_eq!(ids(&entries), [a.id(), b.id()]);
        entries.retain(|(pid, _)| pid.id() != b.id());
        assert_eq!(ids(&entries), [a.id()]);
        entries.remove_last_of(b.id(), 5);
        assert_eq!(ids(&entries), [a.id()]);
        entries.remove_last_of(a.id(), 0);
        assert_eq!(ids(&entries), [a.id()]);
        entries.remove_last_of(a.id(), 1);
        assert!(entries.is_empty());

        let mut one = Entries::empty();
        one.push((b.clone(), 7));
        one.retain(|_| true);
        assert_eq!(ids(&one), [b.id()]);
        one.retain(|_| false);
        assert!(one.is_empty());
        one.push((a.clone(), 8));
        assert!(matches!(one, Entries::One(_)));
    }
}
