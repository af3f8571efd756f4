//! Phase 3: the generated code. For `#[genserver] impl Counter { .. }` it emits, after the
//! user's impl block (role attributes removed):
//!
//! ```text
//! impl State for Counter {}                                                // Send + 'static
//! const _: () = { fn assert_messages() { assert_message::<i64>(); .. } };  // Send + 'static
//! enum CounterMsg { Increment { reply_to: ReplySender<i64> }, Reset, OnTick(Tick) }
//! impl GenServer for Counter where for<'__state> Counter: State {
//!     type Msg = CounterMsg; ..
//!     fn handle_now(..) -> Option<CounterMsg> { .. }   // the plain `fn` handlers, no future
//!     async fn handle(..) { match msg { .. } }          // every handler
//! }
//! impl Info<Tick> for Counter { fn into_msg(msg: Tick) -> CounterMsg { CounterMsg::OnTick(msg) } }
//! struct CounterRef { inner: ServerRef<Counter> }        // + Clone, Debug, From, AsRef, Deref
//! impl CounterRef { async fn increment(&self) -> Result<i64, CallError> { .. } .. }
//! impl Counter { fn start(..); fn options() -> Options<Self>; fn whereis(name) -> Option<CounterRef> }
//! ```
//!
//! Everything is named through `#krate::__private` (absolute paths), and the locals the
//! generated code introduces use `Span::mixed_site()`, so user names never collide with them.
//!
//! One file an item (or a family of items):
//!
//! - `checks`: the `Send + 'static` checks of the state and of what travels in messages;
//! - `message`: `CounterMsg` and the `Info` impls that build it;
//! - `dispatch`: the `GenServer` impl (`handle_now`, `handle`, `message_name`);
//! - `lifecycle`: its `Args`, `InitError`, `init` and `terminate`;
//! - `handle`: `CounterRef` and its client methods;
//! - `permit`: `CounterPermit`, room reserved in a bounded mailbox, with the cast methods;
//! - `constructors`: `Counter::start`, `options` and `whereis`;
//! - `roles`: a stage's protocol variants and its `Produce`, `ProducerOf`, `Consume` impls.
//! - `remote`: with `#[genserver(remote)]`, the serde checks, the argument structs and the
//!   `RemoteMessage` impl of `CounterMsg`.

use proc_macro2::{Ident, Span, TokenStream};
use quote::{format_ident, quote};
use syn::GenericParam;

use crate::model::Server;

mod checks;
mod constructors;
mod dispatch;
mod handle;
mod lifecycle;
mod message;
mod permit;
mod roles;
mod remote;

/// All the generated items.
pub(crate) fn server(server: &Server) -> TokenStream {
    let cx = Cx::new(server);
    let item = &server.item;
    let message_enum = cx.message_enum();
    let gen_server = cx.gen_server_impl();
    let infos = cx.info_impls();
    let handle = cx.handle();
    let constructors = cx.constructors();
    let message_checks = cx.message_checks();
    let permit = cx.permit();
    let roles = cx.stage_impls();
    let remote = cx.remote_items();
    quote! {
        #item
        #message_checks
        #message_enum
        #gen_server
        #infos
        #roles
        #handle
        #permit
        #constructors
        #remote
    }
}

/// Names shared by the generators.
struct Cx<'a> {
    server: &'a Server,
    /// `::genserver::__private`
    rt: TokenStream,
    msg: Ident,
    handle: Ident,
    /// Locals of generated code, invisible to user code.
    local_msg: Ident,
    local_ctx: Ident,
    local_reply_to: Ident,
}

/// The lints generated items opt out of, in one list: items the user may not use
/// (`dead_code`), and a public handle or message enum carrying a type the user kept private
/// (`private_interfaces`, already reported at the user's own method).
fn allow_lints() -> TokenStream {
    quote!(#[allow(dead_code, private_interfaces, private_bounds)])
}

fn local(name: &str) -> Ident {
    Ident::new(name, Span::mixed_site())
}

impl<'a> Cx<'a> {
    fn new(server: &'a Server) -> Self {
        let krate = &server.krate;
        Cx {
            server,
            rt: quote!(#krate::__private),
            msg: format_ident!("{}Msg", server.ident),
            handle: format_ident!("{}Ref", server.ident),
            local_msg: local("msg"),
            local_ctx: local("ctx"),
            local_reply_to: local("reply_to"),
        }
    }

    /// The impl's type parameters, which need a `PhantomData` variant if no message uses them.
    fn type_params(&self) -> Vec<&Ident> {
        self.server
            .generics
            .params
            .iter()
            .filter_map(|param| match param {
                GenericParam::Type(param) => Some(&param.ident),
                _ => None,
            })
            .collect()
    }
}

fn awaited(call: TokenStream, is_async: bool) -> TokenStream {
    if is_async { quote!(#call.await) } else { call }
}
