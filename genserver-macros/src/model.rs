//! The server as the macro understands it, independent of how it was written.

use proc_macro2::Ident;
use syn::{Attribute, Generics, ItemImpl, Path, Type, Visibility};

/// One `#[genserver]` impl block.
pub(crate) struct Server {
    /// Path of the runtime crate (`::genserver` by default).
    pub(crate) krate: Path,
    /// `#[genserver(remote)]`: the messages travel over the network too.
    pub(crate) remote: bool,
    /// The implementing type as written: `Counter`, `Stack<T>`.
    pub(crate) self_ty: Type,
    /// The type's name, the stem of the generated names: `Counter`.
    pub(crate) ident: Ident,
    /// The impl's generic parameters and where clause, carried to every generated item.
    pub(crate) generics: Generics,
    /// Visibility of the generated items: that of the most visible handler.
    pub(crate) vis: Visibility,
    /// `#[call]`, `#[cast]` and `#[info]` methods, in source order.
    pub(crate) handlers: Vec<Handler>,
    pub(crate) init: Option<Init>,
    pub(crate) terminate: Option<Terminate>,
    /// The user's impl block with the role attributes removed, emitted unchanged.
    pub(crate) item: ItemImpl,
    /// Set when the user defines a method the macro would generate on the type (`start`, ...):
    /// the error is reported and the generated one left out.
    pub(crate) skip_constructors: bool,
    /// Client methods of the `#[call]`s and `#[cast]`s that were rejected, so that the code
    /// calling them reports no second error ("no method named ..."). Empty unless there are
    /// errors.
    pub(crate) stubs: Vec<Stub>,
    /// The start argument of a rejected `#[init]`, so that `start(args)` still type-checks.
    pub(crate) init_stub: Option<Type>,
    /// Its roles in a pipeline, if it is a stage.
    pub(crate) stage: Stage,
}

/// A server's roles in a pipeline (Elixir's GenStage): a producer has a `#[produce]`, a
/// consumer a `#[consume]`, a producer-consumer a `#[consume]` that returns events.
#[derive(Default)]
pub(crate) struct Stage {
    pub(crate) produce: Option<Produce>,
    pub(crate) consume: Option<Consume>,
    pub(crate) cancel: Option<CancelHook>,
}

impl Stage {
    /// The type of the events it emits, if it is a producer (or producer-consumer).
    pub(crate) fn out(&self) -> Option<&Type> {
        match (&self.produce, &self.consume) {
            (Some(produce), _) => Some(&produce.event),
            (None, Some(consume)) => consume.output.as_ref(),
            (None, None) => None,
        }
    }

    /// Whether it is a producer-consumer: its events come from its `#[consume]`.
    pub(crate) fn relays(&self) -> bool {
        self.produce.is_none()
            && self
                .consume
                .as_ref()
                .is_some_and(|consume| consume.output.is_some())
    }

    pub(crate) fn is_stage(&self) -> bool {
        self.produce.is_some() || self.consume.is_some()
    }
}

/// The `#[produce]` method: `fn demand(&mut self, demand: usize) -> Vec<E>`.
pub(crate) struct Produce {
    pub(crate) method: Ident,
    pub(crate) is_async: bool,
    /// `E`.
    pub(crate) event: Type,
    pub(crate) params: Vec<RoleParam>,
}

/// The `#[consume]` method: `fn events(&mut self, events: Vec<E>)`, or `-> Vec<O>` for a
/// producer-consumer.
pub(crate) struct Consume {
    pub(crate) method: Ident,
    pub(crate) is_async: bool,
    /// `E`.
    pub(crate) event: Type,
    /// `O`, for a producer-consumer.
    pub(crate) output: Option<Type>,
    pub(crate) params: Vec<RoleParam>,
}

/// The `#[cancel]` method: `fn on_cancel(&mut self, cancelled: Cancelled)`.
pub(crate) struct CancelHook {
    pub(crate) method: Ident,
    pub(crate) is_async: bool,
    pub(crate) params: Vec<RoleParam>,
}

/// A parameter of a stage role's method.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum RoleParam {
    /// What the role is called with: the demand, the events, the cancel notice.
    Value,
    /// `ctx: &mut Context<Self>`.
    Ctx,
}

/// The client-side signature of a rejected handler.
pub(crate) struct Stub {
    pub(crate) method: Ident,
    pub(crate) vis: Visibility,
    pub(crate) args: Vec<(Ident, Type)>,
    /// What a call replies; `None` for a cast.
    pub(crate) reply: Option<Type>,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Kind {
    Call,
    Cast,
    Info,
}

/// A `#[call]`, `#[cast]` or `#[info]` method.
pub(crate) struct Handler {
    pub(crate) kind: Kind,
    /// The method's name, also the client method's name.
    pub(crate) method: Ident,
    /// The message variant: the method name in UpperCamelCase.
    pub(crate) variant: Ident,
    pub(crate) vis: Visibility,
    pub(crate) is_async: bool,
    /// The method's parameters after the receiver, in order.
    pub(crate) params: Vec<Param>,
    /// What a call's client receives; `None` for casts and infos.
    pub(crate) reply: Option<Reply>,
    /// `#[doc]` attributes, copied to the client method.
    pub(crate) docs: Vec<Attribute>,
    /// `#[cfg]` attributes, copied to every item generated for the handler.
    pub(crate) cfgs: Vec<Attribute>,
}

impl Handler {
    /// The parameters that travel in the message (not the context, not the reply channel).
    pub(crate) fn args(&self) -> impl Iterator<Item = (&Ident, &Type)> {
        self.params.iter().filter_map(|param| match param {
            Param::Arg { name, ty } => Some((name, ty)),
            _ => None,
        })
    }

    pub(crate) fn uses_ctx(&self) -> bool {
        self.params.iter().any(|param| matches!(param, Param::Ctx))
    }
}

/// A handler parameter.
#[allow(clippy::large_enum_variant)] // a handful per method, built once per compilation
pub(crate) enum Param {
    /// A value the client passes: a field of the message.
    Arg { name: Ident, ty: Type },
    /// `ctx: &mut Context<Self>`, supplied by the server.
    Ctx,
    /// `reply: ReplyTo<T>` of a deferred reply: the message's reply channel itself.
    ReplyTo,
}

/// The reply of a call.
pub(crate) struct Reply {
    /// What the client receives.
    pub(crate) ty: Type,
    /// Whether the method replies through a `ReplyTo` parameter instead of returning.
    pub(crate) deferred: bool,
}

/// The `#[init]` method.
pub(crate) struct Init {
    pub(crate) method: Ident,
    pub(crate) is_async: bool,
    /// The start argument's type; `None` if init takes none (then `start(())`).
    pub(crate) arg: Option<Type>,
    /// Whether the start argument comes before the context (the order the method wants).
    pub(crate) params: Vec<InitParam>,
    pub(crate) error: InitError,
    /// `-> Option<Self>` or `-> Result<Option<Self>, E>`: init may decline to start the server
    /// (`None`, OTP's `:ignore`).
    pub(crate) ignores: bool,
}

pub(crate) enum InitParam {
    Arg,
    Ctx,
}

/// How init reports failure.
pub(crate) enum InitError {
    /// `-> Self`: it cannot.
    Infallible,
    /// `-> Result<Self, E>`: the error type.
    Typed(Type),
    /// `-> R` where `R` is an alias of `Result<Self, E>` (e.g. `anyhow::Result<Self>`).
    Alias(Type),
}

/// The `#[terminate]` method.
pub(crate) struct Terminate {
    pub(crate) method: Ident,
    pub(crate) is_async: bool,
    pub(crate) params: Vec<TerminateParam>,
}

pub(crate) enum TerminateParam {
    Reason,
    Ctx,
}
