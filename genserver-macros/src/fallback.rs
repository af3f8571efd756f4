//! Phase 4, on error: the user's items still exist, so the rest of the crate type-checks and
//! the IDE keeps working; only the `compile_error!`s fail the build (thiserror's fallback).
//!
//! When the impl block itself is sound, the server is expanded without the handlers at fault,
//! so method bodies using `Context<Self>` and the other handlers raise no follow-on errors.
//! Otherwise (not an impl, a trait impl, lifetimes) the block is emitted with the role
//! attributes removed, next to stub `{Type}Msg` and `{Type}Ref` types.

use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};
use syn::{GenericParam, ImplItem, ItemImpl};

use crate::attr;
use crate::generate;
use crate::model::Server;

/// The errors next to what can still be generated for `server`.
pub(crate) fn partial(server: &Server, errors: syn::Error) -> TokenStream {
    let has_lifetimes = server
        .generics
        .params
        .iter()
        .any(|param| matches!(param, GenericParam::Lifetime(_)));
    if has_lifetimes || server.item.trait_.is_some() {
        let item = &server.item;
        let stubs = stubs(item);
        let errors = errors.to_compile_error();
        return quote! {
            #item
            #stubs
            #errors
        };
    }
    let expansion = generate::server(server);
    let errors = errors.to_compile_error();
    quote! {
        #expansion
        #errors
    }
}

pub(crate) fn emit(item: TokenStream, errors: syn::Error) -> TokenStream {
    let errors = errors.to_compile_error();
    let Ok(mut item) = syn::parse2::<ItemImpl>(item.clone()) else {
        return quote!(#item #errors);
    };
    for impl_item in &mut item.items {
        if let ImplItem::Fn(method) = impl_item {
            method.attrs.retain(|attr| !attr::is_genserver_attr(attr));
        }
    }
    let stubs = stubs(&item);
    quote! {
        #item
        #stubs
        #errors
    }
}

/// `{Type}Msg` and `{Type}Ref` with the impl's generic parameters, so that code naming them
/// reports no second error.
fn stubs(item: &ItemImpl) -> TokenStream {
    let syn::Type::Path(path) = &*item.self_ty else {
        return quote!();
    };
    let Some(ident) = path.path.segments.last().map(|segment| &segment.ident) else {
        return quote!();
    };
    let msg = format_ident!("{}Msg", ident);
    let handle = format_ident!("{}Ref", ident);
    let params: Vec<TokenStream> = item
        .generics
        .params
        .iter()
        .map(|param| match param {
            GenericParam::Lifetime(param) => {
                let lifetime = &param.lifetime;
                quote!(#lifetime)
            }
            GenericParam::Type(param) => {
                let ident = &param.ident;
                quote!(#ident)
            }
            GenericParam::Const(param) => {
                let ident = &param.ident;
                let ty = &param.ty;
                quote!(const #ident: #ty)
            }
        })
        .collect();
    let used: Vec<TokenStream> = item
        .generics
        .params
        .iter()
        .filter_map(|param| match param {
            GenericParam::Lifetime(param) => {
                let lifetime = &param.lifetime;
                Some(quote!(&#lifetime ()))
            }
            GenericParam::Type(param) => {
                let ident: &Ident = &param.ident;
                Some(quote!(#ident))
            }
            GenericParam::Const(_) => None,
        })
        .collect();
    quote! {
        #[allow(dead_code)]
        struct #msg<#(#params),*>(::core::marker::PhantomData<fn() -> (#(#used,)*)>);
        #[allow(dead_code)]
        struct #handle<#(#params),*>(::core::marker::PhantomData<fn() -> (#(#used,)*)>);
    }
}
