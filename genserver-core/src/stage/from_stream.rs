//! A producer from any [`Stream`]: [`from_stream`] (GenStage's `from_enumerable/2`).
//!
//! The stream is pulled by a small task of the producer's, and only as far as its consumers'
//! demand reaches: a `TcpStream`'s lines are read as the pipeline asks for them, so a slow
//! pipeline slows the reading (and TCP slows the sender). The producer itself stays free to
//! answer its consumers, calls and stops while the task waits for the stream. When the stream
//! ends, the producer stops with [`ExitReason::Normal`] once its buffer is empty: consumers
//! subscribed with [`Cancel::Permanent`](super::Cancel::Permanent) stop with it; use
//! `Transient` or `Temporary` to keep them.

use std::convert::Infallible;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;

use futures_util::{FutureExt as _, Stream, StreamExt as _};
use tokio::sync::mpsc;

use super::protocol::send_protocol;
use super::{Produce, ProducerMsg, ProducerOf, handle_producer, producer};
use crate::server::handle::Direct;
use crate::{Context, ExitReason, GenServer, Options, ServerRef, StartError};

/// What a [`StreamProducer`] is started with: the stream, boxed.
pub type BoxedStream<T> = Pin<Box<dyn Stream<Item = T> + Send + 'static>>;

/// A producer whose events are the items of a stream, pulled on demand (see
/// [`from_stream`]). A full server: name it, supervise it, choose its dispatcher with
/// [`StreamProducer::options`].
pub struct StreamProducer<T: Send + 'static> {
    /// Demand for the pulling task.
    credit: mpsc::UnboundedSender<usize>,
    /// The pulling task, aborted when the producer's state is dropped (however it exits).
    puller: tokio::task::AbortHandle,
    /// The stream has ended: stop once the buffer is empty.
    ending: bool,
    items: PhantomData<fn() -> T>,
}

impl<T: Send + 'static> Drop for StreamProducer<T> {
    fn drop(&mut self) {
        self.puller.abort();
    }
}

/// The messages of a [`StreamProducer`].
pub enum StreamProducerMsg<T: Send + 'static> {
    /// The stage protocol.
    Produce(ProducerMsg<T>),
    /// Items the pulling task read.
    Pulled(Vec<T>),
    /// The stream ended.
    Ended,
}

/// Starts a producer of the items of `stream`, pulled only as far as its consumers ask.
///
/// ```
/// use genserver::prelude::*;
/// use genserver::stage::{self, Cancel, Demand};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let numbers = stage::from_stream(futures_util::stream::iter(1..=5u32)).await?;
/// let stream = stage::stream(&numbers, Demand::new().max(2).cancel(Cancel::Transient))?;
/// use futures_util::StreamExt;
/// assert_eq!(stream.collect::<Vec<u32>>().await, vec![1, 2, 3, 4, 5]);
/// # Ok(())
/// # }
/// ```
pub fn from_stream<St>(
    stream: St,
) -> impl Future<Output = Result<ServerRef<StreamProducer<St::Item>>, StartError<Infallible>>> + Send
where
    St: Stream + Send + 'static,
    St::Item: Send + 'static,
{
    StreamProducer::<St::Item>::options().start(Box::pin(stream))
}

impl<T: Send + 'static> StreamProducer<T> {
    /// Start options (name, dispatcher, buffer), ending with `.start(Box::pin(stream))`.
    pub fn options() -> Options<Self> {
        Options::new()
    }
}

impl<T: Send + 'static> GenServer for StreamProducer<T> {
    type Msg = StreamProducerMsg<T>;
    type Args = BoxedStream<T>;
    type InitError = Infallible;
    type Ref = ServerRef<Self>;

    async fn init(
        stream: BoxedStream<T>,
        ctx: &mut Context<Self>,
    ) -> Result<Option<Self>, Infallible> {
        let (credit, demand) = mpsc::unbounded_channel();
        let puller = tokio::spawn(pull(stream, demand, ctx.direct().clone())).abort_handle();
        Ok(Some(StreamProducer {
            credit,
            puller,
            ending: false,
            items: PhantomData,
        }))
    }

    async fn handle(&mut self, msg: StreamProducerMsg<T>, ctx: &mut Context<Self>) {
        match msg {
            StreamProducerMsg::Produce(msg) => handle_producer(self, msg, ctx).await,
            StreamProducerMsg::Pulled(items) => ctx.emit(items),
            StreamProducerMsg::Ended => self.ending = true,
        }
        if self.ending && producer::side(ctx).buffered() == 0 {
            ctx.stop(ExitReason::Normal);
        }
    }

    fn message_name(msg: &StreamProducerMsg<T>) -> &'static str {
        match msg {
            StreamProducerMsg::Produce(_) => "produce",
            StreamProducerMsg::Pulled(_) => "pulled",
            StreamProducerMsg::Ended => "ended",
        }
    }
}

impl<T: Send + 'static> Produce for StreamProducer<T> {
    type Event = T;

    fn producer_msg(msg: ProducerMsg<T>) -> StreamProducerMsg<T> {
        StreamProducerMsg::Produce(msg)
    }

    async fn produce(&mut self, demand: usize, _: &mut Context<Self>) -> Vec<T> {
        // The items come as `Pulled` messages, emitted as they arrive.
        let _ = self.credit.send(demand);
        Vec::new()
    }
}

impl<T: Send + 'static> ProducerOf<T> for StreamProducer<T> {
    fn producer_msg(msg: ProducerMsg<T>) -> StreamProducerMsg<T> {
        StreamProducerMsg::Produce(msg)
    }

    fn unwrap_producer_msg(msg: StreamProducerMsg<T>) -> Option<ProducerMsg<T>> {
        match msg {
            StreamProducerMsg::Produce(msg) => Some(msg),
            _ => None,
        }
    }
}

/// The pulling task: reads as many items as the demand it was given, sends them to the
/// producer as soon as it has some, and tells it when the stream ends.
async fn pull<T: Send + 'static>(
    mut stream: BoxedStream<T>,
    mut demand: mpsc::UnboundedReceiver<usize>,
    producer: Direct<StreamProducer<T>>,
) {
    let mut credit = 0usize;
    loop {
        while credit == 0 {
            match demand.recv().await {
                Some(n) => credit = credit.saturating_add(n),
                // The producer is gone.
                None => return,
            }
        }
        while let Ok(n) = demand.try_recv() {
            credit = credit.saturating_add(n);
        }
        let mut items = Vec::new();
        let mut ended = false;
        match stream.next().await {
            Some(item) => items.push(item),
            None => ended = true,
        }
        // What is ready now goes in the same batch.
        while !ended && items.len() < credit {
            match stream.next().now_or_never() {
                Some(Some(item)) => items.push(item),
                Some(None) => ended = true,
                None => break,
            }
        }
        credit -= items.len();
        if !items.is_empty() && send_protocol(&producer, StreamProducerMsg::Pulled(items)).is_err()
        {
            return;
        }
        if ended {
            let _ = send_protocol(&producer, StreamProducerMsg::Ended);
            return;
        }
    }
}
