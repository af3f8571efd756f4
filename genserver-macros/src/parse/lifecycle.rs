//! `#[init]` (its start argument, its context, how it fails: `-> Self`, `-> Result<Self, E>` or an
//! alias of `Result`) into an `Init`, and `#[terminate]` (its reason and context) into a
//! `Terminate`.

use syn::visit::Visit;
use syn::{FnArg, GenericArgument, ImplItemFn, PathArguments, ReceiverKind, ReturnType, Type};

use super::Cx;
use super::types::{Borrow, Usage, is_unit, last_segment};
use crate::model::{Init, InitError, InitParam, Terminate, TerminateParam};

impl Cx<'_> {
    /// The `#[init]` method.
    pub(super) fn init(&mut self, method: &ImplItemFn) -> Option<Init> {
        let sig = &method.sig;
        let errors_before = self.errors_count();
        self.check_signature(sig, "#[init]");
        if let Some(receiver) = sig.receiver() {
            self.errors.spanned(
                receiver,
                "`#[init]` creates the state, so it has no `self`: \
                 `fn init(args: A) -> Result<Self, E>` (or `-> Self`)",
            );
        }
        let mut params = Vec::new();
        let mut arg = None;
        let mut ctx_seen = false;
        for input in &sig.inputs {
            let FnArg::Typed(input) = input else { continue };
            if let Some(ctx) = self.context_param(&input.ty) {
                if ctx_seen {
                    self.errors.spanned(
                        input,
                        "`#[init]` takes at most one context parameter `ctx: &mut Context<Self>`",
                    );
                }
                ctx_seen = true;
                if ctx {
                    params.push(InitParam::Ctx);
                }
                continue;
            }
            if arg.is_some() {
                self.errors.spanned(
                    input,
                    "`#[init]` takes one start argument (the value given to `start`): put \
                     several values in one struct or tuple",
                );
                continue;
            }
            arg = Some(self.owned((*input.ty).clone(), Usage::Argument));
            params.push(InitParam::Arg);
        }
        const RETURNS: &str = "`#[init]` returns the new state: `-> Self`, or `-> Result<Self, E>` \
                               when it can fail";
        let error = match &sig.output {
            ReturnType::Default => {
                self.errors.spanned(&sig.ident, RETURNS);
                InitError::Infallible
            }
            ReturnType::Type(_, ret) => self.init_error(ret).unwrap_or_else(|| {
                self.errors.spanned(ret, RETURNS);
                InitError::Infallible
            }),
        };
        if self.errors_count() != errors_before {
            // `start` keeps taking what the rejected init takes, if that is a type we can name.
            let mut finder = Borrow::default();
            if let Some(arg) = &arg {
                finder.visit_type(arg);
            }
            if finder.found.is_none() {
                self.init_stub = Some(arg.unwrap_or_else(|| syn::parse_quote!(())));
            }
            return None;
        }
        Some(Init {
            method: sig.ident.clone(),
            is_async: sig.asyncness.is_some(),
            arg,
            params,
            error,
        })
    }

    fn init_error(&mut self, ret: &Type) -> Option<InitError> {
        if self.is_self(ret) {
            return Some(InitError::Infallible);
        }
        let segment = last_segment(ret)?;
        if segment.ident != "Result" {
            return None;
        }
        let PathArguments::AngleBracketed(args) = &segment.arguments else {
            return None;
        };
        let types: Vec<&Type> = args
            .args
            .iter()
            .filter_map(|arg| match arg {
                GenericArgument::Type(ty) => Some(ty),
                _ => None,
            })
            .collect();
        match types.as_slice() {
            [ok, error] if self.is_self(ok) => Some(InitError::Typed((*error).clone())),
            [ok] if self.is_self(ok) => {
                Some(InitError::Alias(self.owned(ret.clone(), Usage::Reply)))
            }
            _ => None,
        }
    }

    /// The `#[terminate]` method.
    pub(super) fn terminate(&mut self, method: &ImplItemFn) -> Option<Terminate> {
        const SHAPE: &str = "`#[terminate]` is written `fn terminate(&mut self, reason: &ExitReason)` \
                             (it may be `async` and may take `ctx: &mut Context<Self>` too)";
        let sig = &method.sig;
        let errors_before = self.errors_count();
        self.check_signature(sig, "#[terminate]");
        match sig.receiver().map(|receiver| &receiver.kind) {
            Some(ReceiverKind::Reference(..)) => {}
            Some(_) => self.errors.spanned(sig.receiver(), SHAPE),
            None => self.errors.spanned(&sig.ident, SHAPE),
        }
        let mut params = Vec::new();
        for input in &sig.inputs {
            let FnArg::Typed(input) = input else { continue };
            if let Some(ctx) = self.context_param(&input.ty) {
                if ctx && !params.iter().any(|p| matches!(p, TerminateParam::Ctx)) {
                    params.push(TerminateParam::Ctx);
                } else if ctx {
                    self.errors.spanned(input, SHAPE);
                }
            } else if is_exit_reason_ref(&input.ty)
                && !params.iter().any(|p| matches!(p, TerminateParam::Reason))
            {
                params.push(TerminateParam::Reason);
            } else {
                self.errors.spanned(input, SHAPE);
            }
        }
        if let ReturnType::Type(_, ret) = &sig.output
            && !is_unit(ret)
        {
            self.errors.spanned(ret, SHAPE);
        }
        if self.errors_count() != errors_before {
            return None;
        }
        Some(Terminate {
            method: sig.ident.clone(),
            is_async: sig.asyncness.is_some(),
            params,
        })
    }
}

fn is_exit_reason_ref(ty: &Type) -> bool {
    match ty {
        Type::Reference(reference) if reference.mutability.is_none() => {
            last_segment(&reference.elem).is_some_and(|segment| segment.ident == "ExitReason")
        }
        _ => false,
    }
}
