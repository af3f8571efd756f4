//! Which server's task this thread is polling: a handler calling (or stopping and waiting for)
//! its own server would wait for itself forever, so the runtime looks here first.

use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

thread_local! {
    /// The server whose task is being polled on this thread, if any (0 = none).
    static CURRENT_SERVER: Cell<u64> = const { Cell::new(0) };
}

pin_project_lite::pin_project! {
    /// Polls `future` with `id` recorded as the current server. A struct rather than an
    /// `async fn`, which would hold the future twice (as its argument and as its pinned local).
    pub(crate) struct InScope<F> {
        id: u64,
        #[pin]
        future: F,
    }
}

impl<F> InScope<F> {
    /// `future`, polled as the task of the server `id`.
    pub(crate) fn new(id: u64, future: F) -> Self {
        InScope { id, future }
    }
}

impl<F: Future> Future for InScope<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.project();
        let outer = CURRENT_SERVER.replace(*this.id);
        let poll = this.future.poll(cx);
        CURRENT_SERVER.set(outer);
        poll
    }
}

/// The id (as a number) of the server whose task runs on this thread now; 0 outside servers.
pub(crate) fn current_server() -> u64 {
    CURRENT_SERVER.get()
}

/// `true` inside a server's task.
pub(crate) fn in_server_scope() -> bool {
    current_server() != 0
}
