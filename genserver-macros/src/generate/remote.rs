//! `#[genserver(remote)]`: how the messages cross the network, through `genserver-nats`
//! (re-exported by the facade's `nats` feature; without it, one error says to enable it):
//!
//! ```text
//! ::genserver::__remote_items! {
//!     const _: () = {
//!         fn assert_wire() { assert_wire::<i64>(); .. }   // serde, reported at the type
//!         #[derive(Serialize, Deserialize)]                // one per call and cast
//!         #[serde(bound = "for<'__wire> i64: Wire")]      // its fields' types
//!         struct __AddArgs { n: i64 }
//!         impl RemoteMessage for CounterMsg where for<'__wire> i64: Wire, .. {
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
//! reply as itself; an `#[info]` message stays local (its `encode` is `NotRemote`).
//!
//! Each type that travels is checked once, at the type as the user wrote it (`assert_wire`,
//! whose `on_unimplemented` says what is missing), as the `Send` check does. The derived serde
//! impls and the `RemoteMessage` impl assume the types are serde through higher-ranked bounds
//! (`for<'__wire> i64: Wire`), which rustc checks where the impl is used, not where it is
//! written: a type that is not serde gives that one error, not one more per derive. A type that
//! names the impl's type parameters (`Vec<T>`) is a plain bound instead, and is not checked on
//! its own: `RemoteMessage` is implemented for the servers whose parameters make it serde
//! (`Stack<i64>` travels, `Stack<Rc<u8>>` does not).

use proc_macro2::{Ident, Span, TokenStream, TokenTree};
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
        let serde_path = tokens_text(&quote!(#remote::serde));
        let (impl_generics, ty_generics, where_clause) = server.generics.split_for_impl();
        let msg = &self.msg;
        let allow = allow_lints();
        let params = self.type_params();
        let travelling: Vec<&Handler> = server
            .handlers
            .iter()
            .filter(|handler| handler.kind != Kind::Info)
            .collect();

        // Every type that travels, once each (as written), with its check and its bound.
        let mut types: Vec<&syn::Type> = Vec::new();
        for handler in &travelling {
            for ty in handler
                .args()
                .map(|(_, ty)| ty)
                .chain(handler.reply.as_ref().map(|reply| &reply.ty))
            {
                if !types.iter().any(|seen| same_type(seen, ty)) {
                    types.push(ty);
                }
            }
        }
        let wire_lifetime = syn::Lifetime::new("'__wire", Span::mixed_site());
        let checks = types.iter().filter(|ty| !mentions(ty, &params)).map(|ty| {
            let span = ty.span();
            let check = respan(quote!(#remote::assert_wire), span);
            quote_spanned!(span=> #check::<#ty>();)
        });
        let bound = |ty: &syn::Type| {
            if mentions(ty, &params) {
                quote!(#ty: #remote::Wire)
            } else {
                quote!(for<#wire_lifetime> #ty: #remote::Wire)
            }
        };
        let bounds: Vec<TokenStream> = types.iter().map(|ty| bound(ty)).collect();

        // One struct of arguments per call and cast, generic over the impl's type parameters
        // (held by a skipped `PhantomData` when a handler does not use them).
        let phantom_field = (!params.is_empty()).then(|| {
            quote! {
                #[serde(skip)]
                __phantom: #krate::__private::PhantomData<fn() -> (#(#params,)*)>,
            }
        });
        let phantom_value =
            (!params.is_empty()).then(|| quote!(__phantom: #krate::__private::PhantomData,));
        let phantom_pattern = (!params.is_empty()).then(|| quote!(__phantom: _,));
        let structs = travelling.iter().map(|handler| {
            let name = args_struct(handler);
            let cfgs = &handler.cfgs;
            let fields = handler.args().map(|(name, ty)| quote!(#name: #ty,));
            // Its own fields' bounds (serde's, which it would infer, replaced by these).
            let field_bounds = handler.args().map(|(_, ty)| bound(ty));
            let serde_bound = tokens_text(&quote!(#(#field_bounds),*));
            quote! {
                #(#cfgs)*
                #[derive(#remote::serde::Serialize, #remote::serde::Deserialize)]
                #[serde(crate = #serde_path, bound = #serde_bound)]
                #allow
                struct #name #impl_generics #where_clause {
                    #(#fields)*
                    #phantom_field
                }
            }
        });

        let predicates = where_clause
            .iter()
            .flat_map(|where_clause| &where_clause.predicates);
        let impl_where = quote!(where #(#predicates,)* #(#bounds,)*);
        let encode_arms = server
            .handlers
            .iter()
            .map(|handler| self.encode_arm(handler, &remote, &phantom_value));
        let deliver_arms = travelling
            .iter()
            .map(|handler| self.deliver_arm(handler, &remote, &phantom_pattern));
        let phantom_arm = self.phantom_arm();
        let request = local("request");
        let server_ref = local("server");
        let other = local("other");
        let doc = format!(
            " How the messages of [`{}`] cross the network (`#[genserver(remote)]`): calls and \
             casts as their handler's name and arguments, infos never.",
            server.ident
        );
        quote! {
            #krate::__remote_items! {
                const _: () = {
                    #[allow(dead_code)]
                    fn assert_wire #impl_generics () #where_clause {
                        #(#checks)*
                    }

                    #(#structs)*

                    #[doc = #doc]
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
        let turbofish = self.turbofish();
        let encoded = quote!(&#args #turbofish { #(#names,)* #phantom_value });
        let (pattern, outgoing) = match &handler.reply {
            Some(_) => (
                quote!(#msg::#variant { #(#names,)* reply_to: #reply_to }),
                quote!(#remote::Outgoing::call(#name, #encoded, #reply_to)?),
            ),
            None if names.is_empty() => (
                quote!(#msg::#variant),
                quote!(#remote::Outgoing::cast(#name, #encoded)?),
            ),
            None => (
                quote!(#msg::#variant { #(#names,)* }),
                quote!(#remote::Outgoing::cast(#name, #encoded)?),
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
        let turbofish = self.turbofish();
        let decoded =
            quote!(let #args #turbofish { #(#names,)* #phantom_pattern } = #request.args()?;);
        let delivery = match &handler.reply {
            Some(_) => quote! {
                #remote::Delivery::call(#server_ref, move |#reply_to| {
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

impl Cx<'_> {
    /// The impl's generic arguments as a turbofish (`::<T>`), for the argument structs, whose
    /// type a struct holding only a `PhantomData` does not pin down.
    fn turbofish(&self) -> TokenStream {
        let (_, ty_generics, _) = self.server.generics.split_for_impl();
        let turbofish = ty_generics.as_turbofish();
        quote!(#turbofish)
    }
}

/// The struct that carries a handler's arguments: `__AddArgs`.
fn args_struct(handler: &Handler) -> Ident {
    format_ident!("__{}Args", handler.variant, span = Span::mixed_site())
}

/// Whether `ty` names one of `params` (a token-level look: a path segment of the same name
/// counts too, which only makes a concrete type go unchecked here, never a wrong check).
fn mentions(ty: &syn::Type, params: &[&Ident]) -> bool {
    fn scan(tokens: TokenStream, params: &[&Ident]) -> bool {
        tokens.into_iter().any(|token| match token {
            TokenTree::Ident(ident) => params.iter().any(|param| **param == ident),
            TokenTree::Group(group) => scan(group.stream(), params),
            _ => false,
        })
    }
    !params.is_empty() && scan(quote!(#ty), params)
}

/// Whether two types are written the same.
fn same_type(a: &syn::Type, b: &syn::Type) -> bool {
    tokens_text(&quote!(#a)) == tokens_text(&quote!(#b))
}

/// Tokens as the text of a string attribute (`#[serde(bound = "..")]`).
fn tokens_text(tokens: &TokenStream) -> String {
    tokens.to_string()
}
