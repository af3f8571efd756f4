//! Phase 4, on error: the user's items still exist, so the rest of the crate type-checks and
//! the IDE keeps working; only the `compile_error!`s fail the build (thiserror's fallback).
//!
//! Emits the impl block with the role attributes removed, stub `{Type}Msg` and `{Type}Ref`
//! types, and every error.

use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};
use syn::{GenericParam, ImplItem, ItemImpl};

use crate::attr;

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
