//! The counter on kameo: one `Message` impl per message type, `ask` for calls, `tell` for casts.
//! Spawned with an unbounded mailbox, as the other implementations' mailboxes are (kameo's
//! default is bounded to 64, which would make the cast workload measure back-pressure).

use kameo::Actor;
use kameo::actor::{ActorRef, Spawn};
use kameo::mailbox;
use kameo::message::{Context, Message};

use crate::subject::Subject;

/// The kameo actor.
#[derive(Actor)]
pub struct KameoCounter {
    value: u64,
}

/// Adds one and replies with the new value.
pub struct Increment;
/// Adds one.
pub struct Bump;
/// Replies with the value.
pub struct Get;

impl Message<Increment> for KameoCounter {
    type Reply = u64;

    async fn handle(&mut self, _: Increment, _: &mut Context<Self, Self::Reply>) -> u64 {
        self.value += 1;
        self.value
    }
}

impl Message<Bump> for KameoCounter {
    type Reply = ();

    async fn handle(&mut self, _: Bump, _: &mut Context<Self, Self::Reply>) {
        self.value += 1;
    }
}

impl Message<Get> for KameoCounter {
    type Reply = u64;

    async fn handle(&mut self, _: Get, _: &mut Context<Self, Self::Reply>) -> u64 {
        self.value
    }
}

/// kameo, as its README writes it.
pub struct Kameo;

impl Subject for Kameo {
    type Handle = ActorRef<KameoCounter>;

    async fn start() -> Self::Handle {
        KameoCounter::spawn_with_mailbox(KameoCounter { value: 0 }, mailbox::unbounded())
    }

    async fn increment(handle: &Self::Handle) -> u64 {
        handle.ask(Increment).await.expect("kameo ask")
    }

    async fn bump(handle: &Self::Handle) {
        handle.tell(Bump).await.expect("kameo tell");
    }

    async fn get(handle: &Self::Handle) -> u64 {
        handle.ask(Get).await.expect("kameo ask")
    }

    async fn stop(handle: Self::Handle) {
        handle.stop_gracefully().await.expect("kameo stop");
        handle.wait_for_shutdown().await;
    }
}
