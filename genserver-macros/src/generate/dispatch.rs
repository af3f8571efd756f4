//! The `GenServer` impl: the dispatch from message to method.
//!
//! ```text
//! impl GenServer for Counter where for<'__state> Counter: State {    // checks.rs
//!     type Msg = CounterMsg; type Args = ..; type InitError = ..; type Ref = CounterRef;
//!     async fn init(..) { .. }                          // lifecycle.rs
//!     fn handle_now(&mut self, msg, ctx) -> Option<CounterMsg> {
//!         match msg { CounterMsg::Reset => { self.reset(); None } msg @ CounterMsg::Get { .. } => Some(msg), .. }
//!     }
//!     async fn handle(&mut self, msg, ctx) {
//!         match msg { CounterMsg::Get { reply_to } => reply_to.send(Self::get(self).await), .. }
//!     }
//!     async fn terminate(..) { .. }                     // lifecycle.rs
//!     fn message_name(msg: &CounterMsg) -> &'static str { match *msg { CounterMsg::Get { .. } => "get", .. } }
//! }
//! ```

use proc_macro2::TokenStream;
use quote::quote;

use super::{Cx, awaited};
use crate::model::{Handler, Kind, Param, Reply};

impl Cx<'_> {
    /// `impl GenServer for Counter { .. }`
    pub(super) fn gen_server_impl(&self) -> TokenStream {
        let Cx {
            rt,
            msg,
            handle,
            local_msg,
            local_ctx,
            ..
        } = self;
        let server = self.server;
        let self_ty = &server.self_ty;
        let (impl_generics, ty_generics, _) = server.generics.split_for_impl();
        let where_clause = self.where_state_is_send();
        let (args_ty, init_error) = self.init_types();
        let init = self.init_fn();
        let terminate = server
            .terminate
            .as_ref()
            .map(|terminate| self.terminate_fn(terminate));

        let arms = server
            .handlers
            .iter()
            .map(|handler| self.dispatch_arm(handler));
        let phantom_arm = self.phantom_arm();
        let stage_arms = self.stage_arms();
        let stage_name_arms = self.stage_name_arms();
        let ctx_param = if server.handlers.iter().any(Handler::uses_ctx) || server.stage.is_stage()
        {
            quote!(#local_ctx)
        } else {
            quote!(_)
        };
        let name_arms = server.handlers.iter().map(|handler| {
            let cfgs = &handler.cfgs;
            let name = handler.method.to_string();
            let name = name.strip_prefix("r#").unwrap_or(&name);
            let pattern = self.any_of(handler);
            quote!(#(#cfgs)* #pattern => #name,)
        });
        let handle_now = self.handle_now_fn();
        let init_is_trivial = if server.init.is_none() && server.init_stub.is_none() {
            quote!(
                const INIT_IS_TRIVIAL: bool = true;
            )
        } else {
            quote!()
        };
        let doc = format!(
            " Runs [`{}`] as a GenServer: each message of [`{}`] goes to its handler method.",
            server.ident, msg
        );
        quote! {
            #[doc = #doc]
            impl #impl_generics #rt::GenServer for #self_ty #where_clause {
                type Msg = #msg #ty_generics;
                type Args = #args_ty;
                type InitError = #init_error;
                type Ref = #handle #ty_generics;
                #init_is_trivial

                #init

                #handle_now

                async fn handle(
                    &mut self,
                    #local_msg: #msg #ty_generics,
                    #ctx_param: &mut #rt::Context<Self>,
                ) {
                    match #local_msg {
                        #(#arms)*
                        #stage_arms
                        #phantom_arm
                    }
                }

                #terminate

                fn message_name(#local_msg: &#msg #ty_generics) -> &'static #rt::str {
                    match *#local_msg {
                        #(#name_arms)*
                        #stage_name_arms
                        #phantom_arm
                    }
                }
            }
        }
    }

    /// The pattern matching any message of `handler`, binding nothing.
    fn any_of(&self, handler: &Handler) -> TokenStream {
        let msg = &self.msg;
        let variant = &handler.variant;
        match handler.kind {
            Kind::Info => quote!(#msg::#variant(..)),
            Kind::Cast if handler.args().next().is_none() => quote!(#msg::#variant),
            _ => quote!(#msg::#variant { .. }),
        }
    }

    /// `fn handle_now(..)`: the messages of synchronous handlers are handled at once, without
    /// a future; the others are given back for `handle`. Absent if every handler is async.
    fn handle_now_fn(&self) -> TokenStream {
        let Cx {
            rt,
            msg,
            local_msg,
            local_ctx,
            ..
        } = self;
        let server = self.server;
        if server.handlers.iter().all(|handler| handler.is_async) {
            return quote!();
        }
        let ty_generics = server.generics.split_for_impl().1;
        let ctx_param = if server
            .handlers
            .iter()
            .any(|handler| !handler.is_async && handler.uses_ctx())
        {
            quote!(#local_ctx)
        } else {
            quote!(_)
        };
        let arms = server.handlers.iter().map(|handler| {
            let cfgs = &handler.cfgs;
            if handler.is_async {
                let pattern = self.any_of(handler);
                quote!(#(#cfgs)* #local_msg @ #pattern => #rt::Some(#local_msg),)
            } else {
                let (pattern, body) = self.arm(handler);
                quote! {
                    #(#cfgs)*
                    #pattern => {
                        #body;
                        #rt::None
                    }
                }
            }
        });
        let phantom_arm = self.phantom_arm();
        let stage_arms = self.stage_later_arms();
        quote! {
            fn handle_now(
                &mut self,
                #local_msg: #msg #ty_generics,
                #ctx_param: &mut #rt::Context<Self>,
            ) -> #rt::Option<#msg #ty_generics> {
                match #local_msg {
                    #(#arms)*
                    #stage_arms
                    #phantom_arm
                }
            }
        }
    }

    /// One `match` arm of `handle`.
    fn dispatch_arm(&self, handler: &Handler) -> TokenStream {
        let cfgs = &handler.cfgs;
        let (pattern, body) = self.arm(handler);
        quote! {
            #(#cfgs)*
            #pattern => #body,
        }
    }

    /// The pattern of a handler's message, binding its fields, and the call of the handler.
    fn arm(&self, handler: &Handler) -> (TokenStream, TokenStream) {
        let Cx {
            rt,
            msg,
            local_ctx,
            local_msg,
            local_reply_to,
            ..
        } = self;
        let Handler {
            variant, method, ..
        } = handler;
        let call_args = handler.params.iter().map(|param| match param {
            Param::Arg { .. } if handler.kind == Kind::Info => quote!(#local_msg),
            Param::Arg { name, .. } => quote!(#name),
            Param::Ctx => quote!(#local_ctx),
            Param::ReplyTo => quote!(#rt::ReplyTo::from(#local_reply_to)),
        });
        let call = awaited(
            quote!(Self::#method(self, #(#call_args),*)),
            handler.is_async,
        );
        let names = handler.args().map(|(name, _)| name);
        match (handler.kind, &handler.reply) {
            (Kind::Info, _) => (quote!(#msg::#variant(#local_msg)), call),
            (Kind::Cast, _) if handler.args().next().is_none() => (quote!(#msg::#variant), call),
            (Kind::Cast, _) => (quote!(#msg::#variant { #(#names),* }), call),
            // A deferred reply: the method gets the channel.
            (Kind::Call, Some(Reply { deferred: true, .. })) => {
                (quote!(#msg::#variant { #(#names,)* #local_reply_to }), call)
            }
            (Kind::Call, _) => (
                quote!(#msg::#variant { #(#names,)* #local_reply_to }),
                quote!(#local_reply_to.send(#call)),
            ),
        }
    }
}
