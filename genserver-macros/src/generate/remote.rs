//! `#[genserver(remote)]`: how the messages cross the network, through `genserver-nats`
//! (re-exported by the facade's `nats` feature; without it, one error says to enable it):
//!
//! ```text
//! ::genserver::__remote_items! {
//!     const _: () = {
//!         fn assert_wire() { assert_wire::<i64>(); .. }   // serde, reported at the type
//!         #[derive(Serialize, Deserialize)] struct __AddArgs { n: i64 }   // one per call and cast
//!         impl RemoteMessage for CounterMsg {
//!             fn encode(self) -> Result<Outgoing, RemoteError> { match self { .. } }
//!             fn deliver<S>(request: Incoming<'_>, server: &ServerRef<S>) -> Result<Delivery, RemoteError> {
//!                 match request.handler() { "add" => { let __AddArgs { n } = request.args()?; .. } .. }
//!             }
//!         }
//!     };
//! }
//! ```
//!
//! The arguments of a handler travel as one struct with named fields (a map on the wire), its
//! reply as itself; an `#[info]` message stays local.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;

use super::checks::respan;
use super::{Cx, allow_lints, local};
use crate::model::{Handler, Kind};

impl Cx<'_> {
    /// Everything `#[genserver(remote)]` adds; nothing without it.
    pub(super) fn remote_items(&self) -> TokenStream {
        let server = self.server;
        if !server.remote {
            return quote!();
        }
        let krate = &server.krate;
        let remote = quote!(#krate::__private::remote);
        let serde_path = format!("{}::__private::remote::serde", quote!(#krate)).replace(' ', "");
        let (impl_generics, ty_generics, where_clause) = server.generics.split_for_impl();
        let msg = &self.msg;
        let allow = allow_lints();
        let travelling = server
            .handlers
            .iter()
            .filter(|handler| handler.kind != Kind::Info);

        // Serde checks, at each type as the user wrote it.
        let mut types: Vec<&syn::Type> = Vec::new();
        for handler in travelling.clone() {
            types.extend(handler.args().map(|(_, ty)| ty));
            types.extend(handler.reply.as_ref().map(|reply| &reply.ty));
        }
        let checks = types.iter().map(|ty| {
            let span = ty.span();
            let check = respan(quote!(#remote::assert_wire), span);
            quote_spanned!(span=> #check::<#ty>();)
        });

        // One struct of arguments per call and cast, generic over the impl's type parameters
        // (held by a skipped `PhantomData` when a handler does not use them).
        let params = self.type_params();
        let phantom_field = (!params.is_empty()).then(|| {
            quote! {
                #[serde(skip)]
                __phantom: #krate::__private::PhantomData<fn() -> (#(#params,)*)>,
            }
        });
        let phantom_value =
            (!params.is_empty()).then(|| quote!(__phantom: #krate::__private::PhantomData,));
        let phantom_pattern = (!params.is_empty()).then(|| quote!(__phantom: _,));
        let structs = travelling.clone().map(|handler| {
            let name = args_struct(handler);
            let cfgs = &handler.cfgs;
            let fields = handler.args().map(|(name, ty)| quote!(#name: #ty,));
            quote! {
                #(#cfgs)*
                #[derive(#remote::serde::Serialize, #remote::serde::Deserialize)]
                #[serde(crate = #serde_path)]
                #allow
                struct #name #impl_generics #where_clause {
                    #(#fields)*
                    #phantom_field
                }
            }
        });

        // A generic server's messages travel if its arguments and replies do: bounds on the
        // argument structs and reply types. (A server without type parameters needs none: its
        // types are checked above, where they are written.)
        let bounds: Vec<TokenStream> = if params.is_empty() {
            Vec::new()
        } else {
            travelling
                .clone()
                .flat_map(|handler| {
                    let name = args_struct(handler);
                    let args = quote!(#name #ty_generics: #remote::Wire);
                    let reply = handler
                        .reply
                        .as_ref()
                        .map(|reply| {
                            let ty = &reply.ty;
                            quote!(#ty: #remote::Wire)
                        })
                        .into_iter();
                    std::iter::once(args).chain(reply)
                })
                .collect()
        };
        let predicates = where_clause
            .iter()
            .flat_map(|where_clause| &where_clause.predicates);
        let impl_where = quote!(where #(#predicates,)* #(#bounds,)*);

        let encode_arms = server
            .handlers
            .iter()
            .map(|handler| self.encode_arm(handler, &remote, &phantom_value));
        let deliver_arms =
            travelling.map(|handler| self.deliver_arm(handler, &remote, &phantom_pattern));
        let phantom_arm = self.phantom_arm();
        let request = local("request");
        let server_ref = local("server");
        let other = local("other");
        quote! {
            #krate::__remote_items! {
                const _: () = {
                    #[allow(dead_code)]
                    fn assert_wire #impl_generics () #where_clause {
                        #(#checks)*
                    }

                    #(#structs)*

                    #[automatically_derived]
                    impl #impl_generics #remote::RemoteMessage for #msg #ty_generics #impl_where {
                        fn encode(self) -> #krate::__private::Result<#remote::Outgoing, #remote::RemoteError> {
                            #krate::__private::Ok(match self {
                                #(#encode_arms)*
                                #phantom_arm
                            })
                        }

                        fn deliver<__S: #krate::__private::GenServer<Msg = Self>>(
                            #request: #remote::Incoming<'_>,
                            #server_ref: &#krate::__private::ServerRef<__S>,
                        ) -> #krate::__private::Result<#remote::Delivery, #remote::RemoteError> {
                            match #request.handler() {
                                #(#deliver_arms)*
                                #other => #krate::__private::Err(#remote::RemoteError::UnknownMessage(
                                    #krate::__private::From::from(#other),
                                )),
                            }
                        }
                    }
                };
            }
        }
    }

    /// The arm of `encode` for one handler: its wire form, or, for an info, the refusal.
    fn encode_arm(
        &self,
        handler: &Handler,
        remote: &TokenStream,
        phantom_value: &Option<TokenStream>,
    ) -> TokenStream {
        let krate = &self.server.krate;
        let msg = &self.msg;
        let variant = &handler.variant;
        let cfgs = &handler.cfgs;
        let name = handler.method.to_string();
        let reply_to = &self.local_reply_to;
        let names: Vec<_> = handler.args().map(|(name, _)| name).collect();
        if handler.kind == Kind::Info {
            return quote! {
                #(#cfgs)*
                #msg::#variant(..) => {
                    return #krate::__private::Err(#remote::RemoteError::NotRemote(
                        #krate::__private::From::from(#name),
                    ));
                }
            };
        }
        let args = args_struct(handler);
        let encoded = quote!(#remote::encode(&#args { #(#names,)* #phantom_value })?);
        let (pattern, outgoing) = match &handler.reply {
            Some(_) => (
                quote!(#msg::#variant { #(#names,)* reply_to: #reply_to }),
                quote!(#remote::Outgoing::call(#name, #encoded, #reply_to)),
            ),
            None if names.is_empty() => (
                quote!(#msg::#variant),
                quote!(#remote::Outgoing::cast(#name, #encoded)),
            ),
            None => (
                quote!(#msg::#variant { #(#names,)* }),
                quote!(#remote::Outgoing::cast(#name, #encoded)),
            ),
        };
        quote! {
            #(#cfgs)*
            #pattern => #outgoing,
        }
    }

    /// The arm of `deliver` for one call or cast: decode its arguments, hand it to the server.
    fn deliver_arm(
        &self,
        handler: &Handler,
        remote: &TokenStream,
        phantom_pattern: &Option<TokenStream>,
    ) -> TokenStream {
        let krate = &self.server.krate;
        let msg = &self.msg;
        let variant = &handler.variant;
        let cfgs = &handler.cfgs;
        let name = handler.method.to_string();
        let reply_to = &self.local_reply_to;
        let request = local("request");
        let server_ref = local("server");
        let names: Vec<_> = handler.args().map(|(name, _)| name).collect();
        let args = args_struct(handler);
        let decoded = quote!(let #args { #(#names,)* #phantom_pattern } = #request.args()?;);
        let delivery = match &handler.reply {
            Some(_) => quote! {
                #remote::Delivery::call(#server_ref, #request.timeout(), move |#reply_to| {
                    #msg::#variant { #(#names,)* reply_to: #reply_to }
                })
            },
            None if names.is_empty() => {
                quote!(#remote::Delivery::cast(#server_ref, #msg::#variant))
            }
            None => quote!(#remote::Delivery::cast(#server_ref, #msg::#variant { #(#names,)* })),
        };
        quote! {
            #(#cfgs)*
            #name => {
                #decoded
                #krate::__private::Ok(#delivery)
            }
        }
    }
}

/// The struct that carries a handler's arguments: `__AddArgs`.
fn args_struct(handler: &Handler) -> proc_macro2::Ident {
    format_ident!("__{}Args", handler.variant, span = Span::mixed_site())
}
