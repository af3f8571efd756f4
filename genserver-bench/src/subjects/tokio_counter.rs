//! The floor: a hand-written tokio actor. A spawned loop over an unbounded mpsc channel of an
//! enum; calls carry a oneshot sender for the reply.

use tokio::sync::{mpsc, oneshot};

use crate::subject::Subject;

/// The messages of the hand-written counter.
pub enum Msg {
    /// Adds one and replies with the new value.
    Increment(oneshot::Sender<u64>),
    /// Adds one.
    Bump,
    /// Replies with the value.
    Get(oneshot::Sender<u64>),
    /// Ends the loop, then acknowledges.
    Stop(oneshot::Sender<()>),
}

/// The client handle: the sending half of the mailbox.
#[derive(Clone)]
pub struct Handle {
    mailbox: mpsc::UnboundedSender<Msg>,
}

/// The hand-written actor.
pub struct HandWritten;

impl Subject for HandWritten {
    type Handle = Handle;

    async fn start() -> Handle {
        let (mailbox, mut receiver) = mpsc::unbounded_channel();
        tokio::spawn(async move {
            let mut value: u64 = 0;
            while let Some(msg) = receiver.recv().await {
                match msg {
                    Msg::Increment(reply) => {
                        value += 1;
                        let _ = reply.send(value);
                    }
                    Msg::Bump => value += 1,
                    Msg::Get(reply) => {
                        let _ = reply.send(value);
                    }
                    Msg::Stop(ack) => {
                        drop(receiver);
                        let _ = ack.send(());
                        return;
                    }
                }
            }
        });
        Handle { mailbox }
    }

    async fn increment(handle: &Handle) -> u64 {
        let (reply, answer) = oneshot::channel();
        handle
            .mailbox
            .send(Msg::Increment(reply))
            .unwrap_or_else(|_| panic!("server gone"));
        answer.await.expect("no reply")
    }

    async fn bump(handle: &Handle) {
        handle
            .mailbox
            .send(Msg::Bump)
            .unwrap_or_else(|_| panic!("server gone"));
    }

    async fn get(handle: &Handle) -> u64 {
        let (reply, answer) = oneshot::channel();
        handle
            .mailbox
            .send(Msg::Get(reply))
            .unwrap_or_else(|_| panic!("server gone"));
        answer.await.expect("no reply")
    }

    async fn stop(handle: Handle) {
        let (ack, done) = oneshot::channel();
        handle
            .mailbox
            .send(Msg::Stop(ack))
            .unwrap_or_else(|_| panic!("server gone"));
        done.await.expect("no stop acknowledgement");
    }
}
