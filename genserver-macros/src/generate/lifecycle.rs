//! The lifecycle half of the `GenServer` impl: what `start` takes and how init fails, and the
//! `init` and `terminate` callbacks.
//!
//! ```text
//! type Args = Config;                 // `Self` without `#[init]`
//! type InitError = ConfigError;       // `Infallible` for `-> Self`, `-> Option<Self>` or no `#[init]`
//! async fn init(args, ctx) -> Result<Option<Self>, Self::InitError> {
//!     Result::map(Self::init(args, ctx).await, Some)     // `Self::init(..)` as it is for an `Option`
//! }
//! async fn terminate(&mut self, reason, ctx) { Self::terminate(self, reason).await }
//! ```

use proc_macro2::TokenStream;
use quote::quote;

use super::{Cx, awaited, local};
use crate::model::{Init, InitError, InitParam, Terminate, TerminateParam};

impl Cx<'_> {
    /// `Args` and `InitError`.
    pub(super) fn init_types(&self) -> (TokenStream, TokenStream) {
        let rt = &self.rt;
        match &self.server.init {
            None => match &self.server.init_stub {
                Some(arg) => (quote!(#arg), quote!(#rt::Infallible)),
                None => (quote!(Self), quote!(#rt::Infallible)),
            },
            Some(init) => {
                let args = match &init.arg {
                    Some(ty) => quote!(#ty),
                    None => quote!(()),
                };
                let error = match &init.error {
                    InitError::Infallible => quote!(#rt::Infallible),
                    InitError::Typed(error) => quote!(#error),
                    InitError::Alias(result) => quote!(<#result as #rt::InitResult>::Error),
                };
                (args, error)
            }
        }
    }

    /// `async fn init(..)`: the state itself, or the user's `#[init]`.
    pub(super) fn init_fn(&self) -> TokenStream {
        let Cx { rt, local_ctx, .. } = self;
        let args = local("args");
        if self.server.init.is_none() && self.server.init_stub.is_some() {
            return quote! {
                async fn init(
                    _: Self::Args,
                    _: &mut #rt::Context<Self>,
                ) -> #rt::Result<#rt::Option<Self>, Self::InitError> {
                    ::core::unreachable!("`#[genserver]` rejected this `#[init]`")
                }
            };
        }
        let Some(Init {
            method,
            is_async,
            arg,
            params,
            error,
            ignores,
        }) = &self.server.init
        else {
            return quote! {
                async fn init(
                    #args: Self::Args,
                    _: &mut #rt::Context<Self>,
                ) -> #rt::Result<#rt::Option<Self>, Self::InitError> {
                    #rt::Ok(#rt::Some(#args))
                }
            };
        };
        let call_args = params.iter().map(|param| match param {
            InitParam::Arg => quote!(#args),
            InitParam::Ctx => quote!(#local_ctx),
        });
        let args_param = if arg.is_some() {
            quote!(#args)
        } else {
            quote!(_)
        };
        let ctx_param = if params.iter().any(|p| matches!(p, InitParam::Ctx)) {
            quote!(#local_ctx)
        } else {
            quote!(_)
        };
        let call = awaited(quote!(Self::#method(#(#call_args),*)), *is_async);
        let body = match (error, ignores) {
            (InitError::Infallible, false) => quote!(#rt::Ok(#rt::Some(#call))),
            (InitError::Infallible, true) => quote!(#rt::Ok(#call)),
            (InitError::Typed(_) | InitError::Alias(_), false) => {
                quote!(#rt::Result::map(#call, #rt::Some))
            }
            (InitError::Typed(_) | InitError::Alias(_), true) => call,
        };
        quote! {
            async fn init(
                #args_param: Self::Args,
                #ctx_param: &mut #rt::Context<Self>,
            ) -> #rt::Result<#rt::Option<Self>, Self::InitError> {
                #body
            }
        }
    }

    /// `async fn terminate(..)` calling the user's `#[terminate]`.
    pub(super) fn terminate_fn(&self, terminate: &Terminate) -> TokenStream {
        let Cx { rt, local_ctx, .. } = self;
        let reason = local("reason");
        let uses = |wanted: fn(&TerminateParam) -> bool| terminate.params.iter().any(wanted);
        let reason_param = if uses(|p| matches!(p, TerminateParam::Reason)) {
            quote!(#reason)
        } else {
            quote!(_)
        };
        let ctx_param = if uses(|p| matches!(p, TerminateParam::Ctx)) {
            quote!(#local_ctx)
        } else {
            quote!(_)
        };
        let call_args = terminate.params.iter().map(|param| match param {
            TerminateParam::Reason => quote!(#reason),
            TerminateParam::Ctx => quote!(#local_ctx),
        });
        let method = &terminate.method;
        let call = awaited(
            quote!(Self::#method(self, #(#call_args),*)),
            terminate.is_async,
        );
        quote! {
            async fn terminate(
                &mut self,
                #reason_param: &#rt::ExitReason,
                #ctx_param: &mut #rt::Context<Self>,
            ) {
                #call
            }
        }
    }
}
