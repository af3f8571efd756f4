//! The counter on ractor: an `Actor` with an enum message, calls through `call!`.

use ractor::{Actor, ActorProcessingErr, ActorRef, RpcReplyPort, call};

use crate::subject::Subject;

/// The messages of the ractor counter.
pub enum CounterMsg {
    /// Adds one and replies with the new value.
    Increment(RpcReplyPort<u64>),
    /// Adds one.
    Bump,
    /// Replies with the value.
    Get(RpcReplyPort<u64>),
}

/// The ractor actor (its state is the `u64`).
pub struct RactorCounter;

impl Actor for RactorCounter {
    type Msg = CounterMsg;
    type State = u64;
    type Arguments = ();

    async fn pre_start(
        &self,
        _myself: ActorRef<Self::Msg>,
        _args: (),
    ) -> Result<u64, ActorProcessingErr> {
        Ok(0)
    }

    async fn handle(
        &self,
        _myself: ActorRef<Self::Msg>,
        msg: Self::Msg,
        value: &mut u64,
    ) -> Result<(), ActorProcessingErr> {
        match msg {
            CounterMsg::Increment(reply) => {
                *value += 1;
                let _ = reply.send(*value);
            }
            CounterMsg::Bump => *value += 1,
            CounterMsg::Get(reply) => {
                let _ = reply.send(*value);
            }
        }
        Ok(())
    }
}

/// ractor, as its README writes it.
pub struct Ractor;

impl Subject for Ractor {
    type Handle = ActorRef<CounterMsg>;

    async fn start() -> Self::Handle {
        let (actor, _join) = Actor::spawn(None, RactorCounter, ())
            .await
            .expect("ractor spawn");
        actor
    }

    async fn increment(handle: &Self::Handle) -> u64 {
        call!(handle, CounterMsg::Increment).expect("ractor call")
    }

    async fn bump(handle: &Self::Handle) {
        handle.cast(CounterMsg::Bump).expect("ractor cast");
    }

    async fn get(handle: &Self::Handle) -> u64 {
        call!(handle, CounterMsg::Get).expect("ractor call")
    }

    async fn stop(handle: Self::Handle) {
        handle.stop_and_wait(None, None).await.expect("ractor stop");
    }
}
