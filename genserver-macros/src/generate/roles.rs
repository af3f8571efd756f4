//! A stage's roles (`#[produce]`, `#[consume]`, `#[cancel]`): the hidden message variants the
//! stage protocol travels in, their dispatch, and the runtime's role traits.
//!
//! ```text
//! enum NumbersMsg { .., #[doc(hidden)] __Produce(ProducerMsg<u64>), #[doc(hidden)] __Consume(ConsumerMsg<u64>) }
//! // in `handle`:    NumbersMsg::__Produce(msg) => handle_producer(self, msg, ctx).await,
//! impl Produce for Numbers {
//!     type Event = u64;                    // const RELAY = true for a producer-consumer
//!     fn producer_msg(msg) -> NumbersMsg { NumbersMsg::__Produce(msg) }
//!     async fn produce(&mut self, demand, ctx) -> Vec<u64> { Self::demand(self, demand) }
//!     async fn cancelled(&mut self, cancelled, ctx) { Self::on_cancel(self, cancelled) }   // #[cancel]
//! }
//! impl ProducerOf<u64> for Numbers { .. }  // what `subscribe_to` checks the event type with
//! impl Consume for Double {
//!     type Event = u64;
//!     async fn consume(&mut self, events, ctx) { let out = Self::events(self, events); ctx.emit(out) }
//!     fn relay(&mut self, ctx) -> impl Future { relay(self, ctx) }  // a producer-consumer only
//! }
//! ```

use proc_macro2::{Ident, TokenStream};
use quote::quote;

use super::{Cx, awaited, local};
use crate::model::RoleParam;

impl Cx<'_> {
    fn produce_variant(&self) -> Ident {
        local_variant("__Produce")
    }

    fn consume_variant(&self) -> Ident {
        local_variant("__Consume")
    }

    /// The message variants of the stage protocol.
    pub(super) fn stage_variants(&self) -> TokenStream {
        let rt = &self.rt;
        let stage = &self.server.stage;
        let produce = stage.out().map(|out| {
            let variant = self.produce_variant();
            quote! {
                #[doc(hidden)]
                #variant(#rt::ProducerMsg<#out>),
            }
        });
        let consume = stage.consume.as_ref().map(|consume| {
            let variant = self.consume_variant();
            let event = &consume.event;
            quote! {
                #[doc(hidden)]
                #variant(#rt::ConsumerMsg<#event>),
            }
        });
        quote!(#produce #consume)
    }

    /// The arms of `handle` for the protocol messages.
    pub(super) fn stage_arms(&self) -> TokenStream {
        let Cx {
            rt,
            msg,
            local_msg,
            local_ctx,
            ..
        } = self;
        let stage = &self.server.stage;
        let produce = stage.out().map(|_| {
            let variant = self.produce_variant();
            quote! {
                #msg::#variant(#local_msg) => {
                    #rt::handle_producer(self, #local_msg, #local_ctx).await
                }
            }
        });
        let consume = stage.consume.as_ref().map(|_| {
            let variant = self.consume_variant();
            quote! {
                #msg::#variant(#local_msg) => {
                    #rt::handle_consumer(self, #local_msg, #local_ctx).await
                }
            }
        });
        quote!(#produce #consume)
    }

    /// The arms of `handle_now`: protocol messages are handled by `handle`.
    pub(super) fn stage_later_arms(&self) -> TokenStream {
        let Cx {
            rt, msg, local_msg, ..
        } = self;
        let stage = &self.server.stage;
        let produce = stage.out().map(|_| {
            let variant = self.produce_variant();
            quote!(#local_msg @ #msg::#variant(..) => #rt::Some(#local_msg),)
        });
        let consume = stage.consume.as_ref().map(|_| {
            let variant = self.consume_variant();
            quote!(#local_msg @ #msg::#variant(..) => #rt::Some(#local_msg),)
        });
        quote!(#produce #consume)
    }

    /// The arms of `message_name`: the role's method.
    pub(super) fn stage_name_arms(&self) -> TokenStream {
        let msg = &self.msg;
        let stage = &self.server.stage;
        let produce = stage.out().map(|_| {
            let variant = self.produce_variant();
            let name = match (&stage.produce, &stage.consume) {
                (Some(produce), _) => method_name(&produce.method),
                (None, Some(consume)) => method_name(&consume.method),
                (None, None) => {
                    unreachable!("a stage that emits has a `#[produce]` or `#[consume]`")
                }
            };
            quote!(#msg::#variant(..) => #name,)
        });
        let consume = stage.consume.as_ref().map(|consume| {
            let variant = self.consume_variant();
            let name = method_name(&consume.method);
            quote!(#msg::#variant(..) => #name,)
        });
        quote!(#produce #consume)
    }

    /// `impl Produce`, `impl ProducerOf<E>` and `impl Consume`, as the stage has them.
    pub(super) fn stage_impls(&self) -> TokenStream {
        let server = self.server;
        let stage = &server.stage;
        if !stage.is_stage() {
            return quote!();
        }
        let Cx {
            rt,
            msg,
            local_msg,
            local_ctx,
            ..
        } = self;
        let self_ty = &server.self_ty;
        let (impl_generics, ty_generics, _) = server.generics.split_for_impl();
        let where_clause = self.where_state_is_send();
        let cancelled = self.cancelled_fn();
        let relay = stage.relays();

        let producer = stage.out().map(|out| {
            let variant = self.produce_variant();
            let demand = local("demand");
            let produce = match &stage.produce {
                Some(produce) => {
                    let ctx = uses_ctx(&produce.params, local_ctx);
                    let args = call_args(&produce.params, &demand, local_ctx);
                    let method = &produce.method;
                    let call = awaited(quote!(Self::#method(self, #args)), produce.is_async);
                    quote! {
                        async fn produce(
                            &mut self,
                            #demand: usize,
                            #ctx: &mut #rt::Context<Self>,
                        ) -> #rt::Vec<#out> {
                            #call
                        }
                    }
                }
                // A producer-consumer: the demand of its consumers lets it handle what it holds.
                None => quote! {
                    async fn produce(
                        &mut self,
                        _: usize,
                        #local_ctx: &mut #rt::Context<Self>,
                    ) -> #rt::Vec<#out> {
                        #rt::relay(self, #local_ctx).await;
                        #rt::Vec::new()
                    }
                },
            };
            let relay_const = relay.then(|| {
                quote!(
                    const RELAY: bool = true;
                )
            });
            let doc = format!(
                " The producer role of [`{}`], generated by `#[genserver]`.",
                server.ident
            );
            quote! {
                #[doc = #doc]
                impl #impl_generics #rt::Produce for #self_ty #where_clause {
                    type Event = #out;
                    #relay_const

                    fn producer_msg(#local_msg: #rt::ProducerMsg<#out>) -> #msg #ty_generics {
                        #msg::#variant(#local_msg)
                    }

                    #produce

                    #cancelled
                }

                #[doc = " What `subscribe_to` checks a consumer's event type with."]
                impl #impl_generics #rt::ProducerOf<#out> for #self_ty #where_clause {
                    fn producer_msg(#local_msg: #rt::ProducerMsg<#out>) -> #msg #ty_generics {
                        #msg::#variant(#local_msg)
                    }

                    #[allow(unreachable_patterns)]
                    fn unwrap_producer_msg(
                        #local_msg: #msg #ty_generics,
                    ) -> #rt::Option<#rt::ProducerMsg<#out>> {
                        match #local_msg {
                            #msg::#variant(#local_msg) => #rt::Some(#local_msg),
                            _ => #rt::None,
                        }
                    }
                }
            }
        });

        let consumer = stage.consume.as_ref().map(|consume| {
            let variant = self.consume_variant();
            let event = &consume.event;
            let events = local("events");
            let ctx = if consume.output.is_some() {
                quote!(#local_ctx)
            } else {
                uses_ctx(&consume.params, local_ctx)
            };
            let args = call_args(&consume.params, &events, local_ctx);
            let method = &consume.method;
            let call = awaited(quote!(Self::#method(self, #args)), consume.is_async);
            let body = match &consume.output {
                None => quote!(#call;),
                Some(_) => {
                    let out = local("out");
                    quote! {
                        let #out = #call;
                        #rt::Context::emit(#local_ctx, #out);
                    }
                }
            };
            let relay_items = relay.then(|| {
                quote! {
                    const RELAY: bool = true;

                    fn relay(
                        &mut self,
                        #local_ctx: &mut #rt::Context<Self>,
                    ) -> impl #rt::Future<Output = ()> + #rt::Send {
                        #rt::relay(self, #local_ctx)
                    }
                }
            });
            let doc = format!(
                " The consumer role of [`{}`], generated by `#[genserver]` from its `#[consume]`.",
                server.ident
            );
            quote! {
                #[doc = #doc]
                impl #impl_generics #rt::Consume for #self_ty #where_clause {
                    type Event = #event;
                    #relay_items

                    fn consumer_msg(#local_msg: #rt::ConsumerMsg<#event>) -> #msg #ty_generics {
                        #msg::#variant(#local_msg)
                    }

                    #[allow(unreachable_patterns)]
                    fn unwrap_consumer_msg(
                        #local_msg: #msg #ty_generics,
                    ) -> #rt::Option<#rt::ConsumerMsg<#event>> {
                        match #local_msg {
                            #msg::#variant(#local_msg) => #rt::Some(#local_msg),
                            _ => #rt::None,
                        }
                    }

                    async fn consume(
                        &mut self,
                        #events: #rt::Vec<#event>,
                        #ctx: &mut #rt::Context<Self>,
                    ) {
                        #body
                    }

                    #cancelled
                }
            }
        });
        quote!(#producer #consumer)
    }

    /// `cancelled`, calling the `#[cancel]` method, if there is one.
    fn cancelled_fn(&self) -> TokenStream {
        let Some(cancel) = &self.server.stage.cancel else {
            return quote!();
        };
        let Cx { rt, local_ctx, .. } = self;
        let cancelled = local("cancelled");
        let ctx = uses_ctx(&cancel.params, local_ctx);
        let args = call_args(&cancel.params, &cancelled, local_ctx);
        let method = &cancel.method;
        let call = awaited(quote!(Self::#method(self, #args)), cancel.is_async);
        quote! {
            async fn cancelled(
                &mut self,
                #cancelled: #rt::Cancelled,
                #ctx: &mut #rt::Context<Self>,
            ) {
                #call;
            }
        }
    }
}

/// The variant's name, out of the user's reach (`__` is never the start of a variant made
/// from a method name).
fn local_variant(name: &str) -> Ident {
    Ident::new(name, proc_macro2::Span::call_site())
}

/// `ctx` if the method takes the context, `_` otherwise.
fn uses_ctx(params: &[RoleParam], ctx: &Ident) -> TokenStream {
    if params.contains(&RoleParam::Ctx) {
        quote!(#ctx)
    } else {
        quote!(_)
    }
}

/// The arguments of the call of a role's method, in the order it takes them.
fn call_args(params: &[RoleParam], value: &Ident, ctx: &Ident) -> TokenStream {
    let args = params.iter().map(|param| match param {
        RoleParam::Value => quote!(#value),
        RoleParam::Ctx => quote!(#ctx),
    });
    quote!(#(#args),*)
}

fn method_name(method: &Ident) -> String {
    let name = method.to_string();
    name.strip_prefix("r#").unwrap_or(&name).to_owned()
}
