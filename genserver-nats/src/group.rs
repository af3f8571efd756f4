//! Groups: several servers under one group name share its calls and casts (a NATS queue
//! group delivers each message to one member), and a fan-out reaches every member.
//!
//! Each member keeps a key `P.group.G.I` (I: its incarnation) in the bucket of names, under
//! the same lease as a name. The members of a group are the keys there now: a member that
//! exited has purged its key; one whose process died keeps it until it expires (at most a
//! lease), and a call of a fan-out to it ends with `NotRunning` at once ("no responders").

use std::future::Future;

use genserver_core::GenServer;

use crate::handle::Address;
use crate::message::RemoteMessage;
use crate::{Node, NodeError};

impl Node {
    /// The incarnations (unique ids) of `group`'s members now, sorted.
    pub async fn members(&self, group: &str) -> Result<Vec<String>, NodeError> {
        self.names().await?.members(&self.inner, group).await
    }

    /// A handle on each member of `group` now, with its incarnation, in the order of
    /// [`members`](Node::members).
    pub async fn members_of<S>(&self, group: &str) -> Result<Vec<(String, S::Ref)>, NodeError>
    where
        S: GenServer,
        S::Msg: RemoteMessage,
    {
        Ok(self
            .members(group)
            .await?
            .into_iter()
            .map(|incarnation| {
                let handle = self.handle::<S>(Address::Server(incarnation.clone()));
                (incarnation, handle)
            })
            .collect())
    }

    /// Calls every member of `group` at once (OTP's `multi_call`): `call` gets each member's
    /// handle, and every outcome comes back, reply or error, with the member's incarnation.
    /// A member whose process died, and whose key has not expired yet, answers
    /// `Err(CallError::NotRunning)` at once.
    ///
    /// ```no_run
    /// # use genserver::prelude::*;
    /// # pub struct Worker { done: u64 }
    /// # #[genserver(remote)]
    /// # impl Worker {
    /// #     #[call] pub fn done(&self) -> u64 { self.done }
    /// # }
    /// # async fn run(node: genserver_nats::Node) -> Result<(), genserver_nats::NodeError> {
    /// let outcomes = node
    ///     .multi_call::<Worker, _, _>("workers", |worker| async move { worker.done().await })
    ///     .await?;
    /// for (member, outcome) in outcomes {
    ///     println!("{member}: {outcome:?}");
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub async fn multi_call<S, F, Fut>(
        &self,
        group: &str,
        mut call: F,
    ) -> Result<Vec<(String, Fut::Output)>, NodeError>
    where
        S: GenServer,
        S::Msg: RemoteMessage,
        F: FnMut(S::Ref) -> Fut,
        Fut: Future,
    {
        let members = self.members_of::<S>(group).await?;
        let (incarnations, calls): (Vec<String>, Vec<Fut>) = members
            .into_iter()
            .map(|(incarnation, handle)| (incarnation, call(handle)))
            .unzip();
        let outcomes = futures_util::future::join_all(calls).await;
        Ok(incarnations.into_iter().zip(outcomes).collect())
    }
}
