//! Sizes that keep servers cheap: handles, mailbox slots, the task future.

use super::*;

// ---------------------------------------------------------------------------------------------
// The handle stays small: a name handle costs a direct one no bytes.

#[test]
fn a_handle_is_as_small_as_a_direct_one() {
    assert_eq!(
        size_of::<ServerRef<Probe>>(),
        size_of::<Direct<Probe>>() + size_of::<Duration>()
    );
}

// ---------------------------------------------------------------------------------------------
// An idle server costs the size of its task: keep the task future of a small server small.

/// A counter in the shape `#[genserver]` generates for plain `fn` handlers.
struct Tally(u64);

enum TallyMsg {
    Increment(ReplySender<u64>),
    Bump,
}

impl GenServer for Tally {
    type Msg = TallyMsg;
    type Args = Tally;
    type InitError = std::convert::Infallible;
    type Ref = ServerRef<Tally>;
    const INIT_IS_TRIVIAL: bool = true;

    async fn init(args: Tally, _: &mut Context<Self>) -> Result<Option<Self>, Self::InitError> {
        Ok(Some(args))
    }

    fn handle_now(&mut self, msg: TallyMsg, _: &mut Context<Self>) -> Option<TallyMsg> {
        match msg {
            TallyMsg::Increment(reply) => {
                self.0 += 1;
                reply.send(self.0);
            }
            TallyMsg::Bump => self.0 += 1,
        }
        None
    }

    async fn handle(&mut self, msg: TallyMsg, _: &mut Context<Self>) {
        match msg {
            TallyMsg::Increment(reply) => {
                self.0 += 1;
                reply.send(self.0);
            }
            TallyMsg::Bump => self.0 += 1,
        }
    }

    fn message_name(_: &TallyMsg) -> &'static str {
        "tally"
    }
}

/// tokio allocates a task in steps of 128 bytes around its future, and every idle server pays
/// for its whole task (the memory benchmark, W5, measures it). A change to the message loop
/// that grows the future (a value kept across an await, say: 80 bytes for an `Option` of the
/// handler's future kept beside the future itself) fails here before it shows there.
#[tokio::test]
async fn the_task_of_a_small_server_stays_small() {
    let tally = Options::<Tally>::new().start(Tally(0)).await.unwrap();
    tally.cast(TallyMsg::Bump).unwrap();
    assert_eq!(tally.call(TallyMsg::Increment).await, Ok(2));
    tally.stop().await;

    let size = crate::server::task_future_size::<Tally>(Tally(0));
    assert!(size <= 256, "the task future of a counter is {size} bytes");
}
