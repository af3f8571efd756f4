//! The compile-time checks that what travels between tasks is `Send + 'static`, each reported
//! once, at the type as the user wrote it:
//!
//! ```text
//! impl State for Counter {}   // the state; the GenServer impl is `where for<'__state> Counter: State`
//! const _: () = {
//!     fn assert_messages() { assert_message::<i64>(); .. }   // arguments, replies, init's argument
//! };
//! ```
//!
//! The state is checked differently. The `GenServer` impl needs `Counter: Send` in several
//! places (its supertrait, `Args` without `#[init]`, the `init`, `handle` and `terminate`
//! futures), and rustc would report each of them. So the impl assumes it, through
//! `where for<'__state> Counter: State`: the bound holds wherever `Counter: GenServer` is
//! needed, because `impl State for Counter` has no conditions (rustc keeps an impl that fails
//! its own checks), and `State: Send + 'static` makes it give `Counter: Send` inside the impl.
//! The one place left that needs the state to be `Send` is `impl State for Counter`, where
//! rustc reports it once, at the type of `impl Counter`, naming the type of the field that is
//! not `Send` and pointing at the struct. rustc words that error itself: it takes the message
//! of the failing leaf (`Rc<u32>: Send`) whenever the leaf's type is not the checked one, so no
//! `on_unimplemented` of ours can word an error about a field.

use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;

use super::Cx;

impl Cx<'_> {
    /// `impl State for Counter`, and a compile-time check that each type that travels in a
    /// message (the arguments, the replies, the start argument) is `Send + 'static`, reported
    /// at the type.
    pub(super) fn message_checks(&self) -> TokenStream {
        let server = self.server;
        let rt = &self.rt;
        let self_ty = &server.self_ty;
        let (impl_generics, _, where_clause) = server.generics.split_for_impl();
        let mut types: Vec<&syn::Type> = Vec::new();
        for handler in &server.handlers {
            types.extend(handler.args().map(|(_, ty)| ty));
            types.extend(handler.reply.as_ref().map(|reply| &reply.ty));
        }
        if let Some(arg) = server.init.as_ref().and_then(|init| init.arg.as_ref()) {
            types.push(arg);
        }
        // The events a stage emits and consumes.
        let stage = &server.stage;
        types.extend(stage.produce.as_ref().map(|produce| &produce.event));
        if let Some(consume) = &stage.consume {
            types.push(&consume.event);
            types.extend(consume.output.as_ref());
        }
        let checks = types.into_iter().map(|ty| {
            let span = ty.span();
            let check = respan(quote!(#rt::assert_message), span);
            quote_spanned!(span=> #check::<#ty>();)
        });
        quote! {
            // Hidden: an impl of a hidden trait, nothing for the user's docs.
            #[doc(hidden)]
            impl #impl_generics #rt::State for #self_ty #where_clause {}

            const _: () = {
                #[allow(dead_code)]
                fn assert_messages #impl_generics () #where_clause {
                    #(#checks)*
                }
            };
        }
    }

    /// The `where` clause of the `GenServer` impl: the impl's own, and the bound that makes the
    /// state `Send` inside it. Higher-ranked, because rustc checks a bound on no type parameter
    /// where it is written, which would report a non-`Send` state a second time, here.
    pub(super) fn where_state_is_send(&self) -> TokenStream {
        let rt = &self.rt;
        let self_ty = &self.server.self_ty;
        let lifetime = syn::Lifetime::new("'__state", Span::mixed_site());
        let predicates = self
            .server
            .generics
            .where_clause
            .iter()
            .flat_map(|where_clause| &where_clause.predicates);
        quote!(where #(#predicates,)* for<#lifetime> #self_ty: #rt::State)
    }
}

/// `tokens` with every span set to `span`, so that an error in them points at the user's code.
pub(super) fn respan(tokens: TokenStream, span: Span) -> TokenStream {
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
