//! `#[init]` (its start argument, its context, and what it returns: `-> Self`, `-> Option<Self>`
//! when it may ignore the start, `-> Result<Self, E>` or `-> Result<Option<Self>, E>` when it
//! can fail, or an alias of `Result` in place of either `Result`) into an `Init`, and
//! `#[terminate]` (its reason and context) into a `Terminate`.

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
        let (error, ignores) = match &sig.output {
            ReturnType::Default => {
                self.errors.spanned(&sig.ident, RETURNS);
                (InitError::Infallible, false)
            }
            ReturnType::Type(_, ret) => self.init_return(ret).unwrap_or_else(|message| {
                self.errors.spanned(ret, message);
                (InitError::Infallible, false)
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
            ignores,
        })
    }

    /// How an `#[init]` returning `ret` fails, and whether it may ignore the start; or what to
    /// tell the user about `ret`.
    fn init_return(&mut self, ret: &Type) -> Result<(InitError, bool), &'static str> {
        if let Some(ignores) = self.state_or_ignore(ret) {
            return Ok((InitError::Infallible, ignores));
        }
        match wrapped_in(ret) {
            Some((outer, types)) if outer == "Option" => match types.as_slice() {
                [inner] if wrapped_in(inner).is_some_and(|(name, _)| name == "Result") => {
                    Err(OPTION_OF_RESULT)
                }
                _ => Err(RETURNS),
            },
            Some((outer, types)) if outer == "Result" => match types.as_slice() {
                [ok, error] => match self.state_or_ignore(ok) {
                    Some(ignores) => Ok((InitError::Typed((*error).clone()), ignores)),
                    None => Err(RETURNS),
                },
                // An alias of `Result` with its error type fixed (`anyhow::Result<Self>`).
                [ok] => match self.state_or_ignore(ok) {
                    Some(ignores) => Ok((
                        InitError::Alias(self.owned(ret.clone(), Usage::Reply)),
                        ignores,
                    )),
                    None => Err(RETURNS),
                },
                _ => Err(RETURNS),
            },
            _ => Err(RETURNS),
        }
    }

    /// `Some(false)` for `Self`, `Some(true)` for `Option<Self>` (an init that may ignore the
    /// start), `None` for anything else.
    fn state_or_ignore(&self, ty: &Type) -> Option<bool> {
        if self.is_self(ty) {
            return Some(false);
        }
        match wrapped_in(ty)? {
            (outer, types) if outer == "Option" => match types.as_slice() {
                [state] if self.is_self(state) => Some(true),
                _ => None,
            },
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

const RETURNS: &str = "`#[init]` returns the new state: `-> Self`, `-> Result<Self, E>` when it \
                       can fail, `-> Option<Self>` when it may decline to start the server (OTP's \
                       `:ignore`), or `-> Result<Option<Self>, E>` when it can do both";

const OPTION_OF_RESULT: &str = "an `#[init]` that can fail and can decline to start the server \
                                returns `Result<Option<Self>, E>` (`Ok(None)` is OTP's `:ignore`), \
                                not `Option<Result<Self, E>>`";

/// The last segment's name of a path type, and its type arguments: `("Result", [Self, E])`.
fn wrapped_in(ty: &Type) -> Option<(String, Vec<&Type>)> {
    let segment = last_segment(ty)?;
    let types = match &segment.arguments {
        PathArguments::AngleBracketed(args) => args
            .args
            .iter()
            .filter_map(|arg| match arg {
                GenericArgument::Type(ty) => Some(ty),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    };
    Some((segment.ident.to_string(), types))
}

fn is_exit_reason_ref(ty: &Type) -> bool {
    match ty {
        Type::Reference(reference) if reference.mutability.is_none() => {
            last_segment(&reference.elem).is_some_and(|segment| segment.ident == "ExitReason")
        }
        _ => false,
    }
}
