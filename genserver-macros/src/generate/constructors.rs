//! The associated functions on the server type:
//!
//! ```text
//! impl Counter {
//!     fn start(args: Args) -> impl Future<Output = Result<CounterRef, StartError<InitError>>>;
//!     fn options() -> Options<Self>;
//!     fn whereis(name: &str) -> Option<CounterRef>;
//! }
//! ```

use proc_macro2::TokenStream;
use quote::quote;

use super::{Cx, allow_lints, local};

impl Cx<'_> {
    /// `Counter::start`, `Counter::options` and `Counter::whereis`.
    pub(super) fn constructors(&self) -> TokenStream {
        if self.server.skip_constructors {
            return quote!();
        }
        let allow = allow_lints();
        let Cx { rt, handle, .. } = self;
        let server = self.server;
        let self_ty = &server.self_ty;
        let vis = &server.vis;
        let (impl_generics, ty_generics, where_clause) = server.generics.split_for_impl();
        let (args_ty, init_error) = self.init_types();
        let args = local("args");
        let name = local("name");
        let start_doc = match &server.init {
            None => format!(
                " Starts a `{0}` with `args` as its state and returns its handle.",
                server.ident,
            ),
            Some(init) if !init.ignores => format!(
                " Starts a `{0}`: runs `{0}::{1}(args)` in the new server and returns the handle \
                 once it succeeded.",
                server.ident, init.method,
            ),
            Some(init) => format!(
                " Starts a `{0}`: runs `{0}::{1}(args)` in the new server and returns the handle \
                 once it succeeded. When it returns `None` (OTP's `:ignore`), no server runs and \
                 the start is `Err(StartError::Ignored)`.",
                server.ident, init.method,
            ),
        };
        let whereis_doc = format!(
            " The `{0}` registered under `name`, if one is running (Elixir's `GenServer.whereis`).",
            server.ident
        );
        // `start`'s future is `Send` whenever the state is: an opaque return type has the auto
        // traits of the type behind it. A `+ Send` here would report a non-`Send` state a
        // second time (it is reported once, at `impl State`, see checks.rs).
        quote! {
            #allow
            impl #impl_generics #self_ty #where_clause {
                #[doc = #start_doc]
                ///
                /// For a name, a mailbox bound or another call timeout, use
                /// [`options`](Self::options).
                #vis fn start(
                    #args: #args_ty,
                ) -> impl #rt::Future<
                    Output = #rt::Result<#handle #ty_generics, #rt::StartError<#init_error>>,
                > {
                    Self::options().start(#args)
                }

                /// The start options (name, mailbox bound, call timeout), ending with `.start(args)`.
                #vis fn options() -> #rt::Options<Self> {
                    #rt::Options::new()
                }

                #[doc = #whereis_doc]
                #vis fn whereis(#name: &#rt::str) -> #rt::Option<#handle #ty_generics> {
                    #rt::ServerRef::<Self>::whereis(#name).map(#rt::From::from)
                }
            }
        }
    }
}
