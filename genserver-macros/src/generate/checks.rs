//! The compile-time checks that what travels between tasks is `Send + 'static`, each reported
//! at the type as the user wrote it:
//!
//! ```text
//! const _: () = {
//!     fn assert_messages() { assert_message::<Counter>(); assert_message::<i64>(); .. }
//! };
//! ```

use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;

use super::Cx;

impl Cx<'_> {
    /// A compile-time check that each type that travels between tasks (the state, the
    /// arguments, the replies, the start argument) is `Send + 'static`, reported at the type.
    pub(super) fn message_checks(&self) -> TokenStream {
        let server = self.server;
        let (impl_generics, _, where_clause) = server.generics.split_for_impl();
        let mut types: Vec<&syn::Type> = vec![&server.self_ty];
        for handler in &server.handlers {
            types.extend(handler.args().map(|(_, ty)| ty));
            types.extend(handler.reply.as_ref().map(|reply| &reply.ty));
        }
        if let Some(arg) = server.init.as_ref().and_then(|init| init.arg.as_ref()) {
            types.push(arg);
        }
        let rt = &self.rt;
        let checks = types.into_iter().map(|ty| {
            let span = ty.span();
            let check = respan(quote!(#rt::assert_message), span);
            quote_spanned!(span=> #check::<#ty>();)
        });
        quote! {
            const _: () = {
                #[allow(dead_code)]
                fn assert_messages #impl_generics () #where_clause {
                    #(#checks)*
                }
            };
        }
    }
}

/// `tokens` with every span set to `span`, so that an error in them points at the user's code.
fn respan(tokens: TokenStream, span: Span) -> TokenStream {
    tokens
        .into_iter()
        .map(|mut token| {
            if let proc_macro2::TokenTree::Group(group) = &token {
                let mut respanned =
                    proc_macro2::Group::new(group.delimiter(), respan(group.stream(), span));
                respanned.set_span(span);
                token = proc_macro2::TokenTree::Group(respanned);
            } else {
                token.set_span(span);
            }
            token
        })
        .collect()
}
