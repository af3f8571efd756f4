//! [`Roles`]: where the stage roles of a server (`stage/`) keep their state, in its `Context`
//! and, before it starts, in its `Options`.
//!
//! Type-erased, so that this layer names nothing of the stage layer above it: the producer
//! and consumer sides are generic over their event types, which only `stage/` knows.

use std::any::Any;

/// The state of a server's producer side and consumer side, if it has them.
#[derive(Default)]
pub(crate) struct Roles {
    pub(crate) producer: Option<Box<dyn Any + Send>>,
    pub(crate) consumer: Option<Box<dyn Any + Send>>,
}
