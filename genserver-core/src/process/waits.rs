//! Which server's handler is waiting for a call to which server: the graph in which a call
//! that would close a cycle is refused with [`CallError::Deadlock`](crate::CallError).
//!
//! A call adds its edge (caller → callee) only when it is made from inside a handler and its
//! reply is still missing after the call's one step aside: the path of a call answered within
//! a round of the scheduler, and of every call made from outside a server, never touches the
//! graph. The edge is removed when the call ends, however it ends.
//!
//! # Two calls closing one cycle at once
//!
//! The graph is one lock. Adding an edge and looking for a path back from the callee to the
//! caller is one step under it, so edges are added one after the other: of two calls that
//! close the same cycle at once, the first to take the lock finds no path back (the other's
//! edge is not there yet) and waits; the second finds the first's edge and fails. Exactly one
//! fails, never neither (each edge is in the graph before its call waits, so the last one in
//! always sees the others) and never both (the first saw no cycle, and its edge stays). Which
//! one fails depends on the order the calls reach the lock; on a `current_thread` runtime that
//! order is the order in which the callers' tasks run, so it is deterministic there.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

use crate::ServerId;

/// Caller → the servers its handler is waiting for (an `async` handler may wait for several
/// calls at once, and for the same server twice).
static WAITS: Mutex<Option<HashMap<u64, Vec<u64>>>> = Mutex::new(None);

/// An edge of the graph, removed on drop. `from == 0`: none (the call was made outside any
/// server).
#[derive(Debug)]
pub(crate) struct Waiting {
    from: u64,
    to: u64,
}

impl Waiting {
    /// No edge.
    pub(crate) const NONE: Waiting = Waiting { from: 0, to: 0 };
}

/// Records that the handler of server `from` (0: not a server) waits for a call to `to`,
/// unless that closes a cycle: then the cycle, starting with `from`.
pub(crate) fn wait_for(from: u64, to: u64) -> Result<Waiting, Vec<ServerId>> {
    if from == 0 {
        return Ok(Waiting::NONE);
    }
    let mut waits = WAITS.lock().unwrap_or_else(PoisonError::into_inner);
    let waits = waits.get_or_insert_with(HashMap::new);
    if let Some(path) = path_back(waits, to, from) {
        let mut cycle = Vec::with_capacity(path.len() + 1);
        cycle.push(from);
        cycle.extend(path);
        cycle.pop();
        return Err(cycle.into_iter().filter_map(ServerId::from_u64).collect());
    }
    waits.entry(from).or_default().push(to);
    Ok(Waiting { from, to })
}

/// A path of waits from `start` to `goal` (both included), if there is one: a depth-first
/// search over the servers now waiting, each visited once.
fn path_back(waits: &HashMap<u64, Vec<u64>>, start: u64, goal: u64) -> Option<Vec<u64>> {
    // Each server reached, with the one it was reached from.
    let mut reached: HashMap<u64, u64> = HashMap::new();
    reached.insert(start, 0);
    let mut stack = vec![start];
    while let Some(server) = stack.pop() {
        if server == goal {
            let mut path = vec![goal];
            let mut at = goal;
            while let Some(&from) = reached.get(&at).filter(|&&from| from != 0) {
                path.push(from);
                at = from;
            }
            path.reverse();
            return Some(path);
        }
        for &next in waits.get(&server).into_iter().flatten() {
            if let std::collections::hash_map::Entry::Vacant(entry) = reached.entry(next) {
                entry.insert(server);
                stack.push(next);
            }
        }
    }
    None
}

impl Drop for Waiting {
    fn drop(&mut self) {
        if self.from == 0 {
            return;
        }
        let mut waits = WAITS.lock().unwrap_or_else(PoisonError::into_inner);
        let Some(waits) = waits.as_mut() else {
            return;
        };
        if let Some(targets) = waits.get_mut(&self.from) {
            if let Some(position) = targets.iter().position(|&to| to == self.to) {
                targets.swap_remove(position);
            }
            if targets.is_empty() {
                waits.remove(&self.from);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(path: &[u64]) -> Vec<ServerId> {
        path.iter()
            .copied()
            .filter_map(ServerId::from_u64)
            .collect()
    }

    // Server numbers far above the ones the other tests start, so that the graph is theirs.
    const A: u64 = u64::MAX - 10;
    const B: u64 = u64::MAX - 11;
    const C: u64 = u64::MAX - 12;
    const D: u64 = u64::MAX - 13;

    #[test]
    fn a_cycle_of_any_length_is_refused_with_its_path() {
        let ab = wait_for(A, B).unwrap();
        let bc = wait_for(B, C).unwrap();
        let cd = wait_for(C, D).unwrap();
        assert_eq!(wait_for(D, A).unwrap_err(), ids(&[D, A, B, C]));
        assert_eq!(wait_for(C, B).unwrap_err(), ids(&[C, B]));
        // Once an edge is gone, the same call may wait.
        drop(bc);
        let da = wait_for(D, A).unwrap();
        assert_eq!(wait_for(B, D).unwrap_err(), ids(&[B, D, A]));
        drop((ab, cd, da));
        assert!(waits_of(A).is_none() && waits_of(C).is_none() && waits_of(D).is_none());
    }

    #[test]
    fn calls_from_outside_servers_are_not_recorded() {
        let none = wait_for(0, A - 100).unwrap();
        assert_eq!(none.from, 0);
        assert!(waits_of(0).is_none());
    }

    #[test]
    fn a_handler_waiting_twice_for_one_server_keeps_one_edge_per_call() {
        let x = u64::MAX - 20;
        let y = u64::MAX - 21;
        let first = wait_for(x, y).unwrap();
        let second = wait_for(x, y).unwrap();
        drop(first);
        assert_eq!(wait_for(y, x).unwrap_err(), ids(&[y, x]));
        drop(second);
        let back = wait_for(y, x).unwrap();
        drop(back);
    }

    fn waits_of(server: u64) -> Option<Vec<u64>> {
        let waits = WAITS.lock().unwrap();
        waits.as_ref().and_then(|waits| waits.get(&server).cloned())
    }
}
