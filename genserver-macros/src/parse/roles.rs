//! The roles of a stage (Elixir's GenStage): `#[produce]` (the demand handler: a `usize` in,
//! `Vec<E>` out), `#[consume]` (the events handler: `Vec<E>` in; nothing out for a consumer,
//! `Vec<O>` for a producer-consumer) and `#[cancel]` (a `Cancelled` in), each with an optional
//! context, into the model's `Produce`, `Consume` and `CancelHook`.

use quote::ToTokens;
use syn::{FnArg, GenericArgument, ImplItemFn, PathArguments, ReturnType, Type};

use super::Cx;
use super::types::{Usage, is_unit, last_segment};
use crate::model::{CancelHook, Consume, Produce, RoleParam};

impl Cx<'_> {
    /// A `#[produce]` method.
    pub(super) fn produce(&mut self, method: &ImplItemFn) -> Option<Produce> {
        let sig = &method.sig;
        let errors_before = self.errors_count();
        self.check_signature(sig, "#[produce]");
        self.check_receiver(sig, "#[produce]");
        let mut values = Vec::new();
        let params = self.role_params(method, "#[produce]", &mut values);
        match values.as_slice() {
            [ty] if is_usize(ty) => {}
            [ty] => self.errors.spanned(
                ty,
                format_args!(
                    "the demand is a count of events: `demand: usize`, not `{}`",
                    text(ty)
                ),
            ),
            [] => self.errors.spanned(
                &sig.ident,
                "a `#[produce]` handler is called with the demand of the producer's consumers: \
                 `fn demand(&mut self, demand: usize) -> Vec<E>`",
            ),
            [_, extra @ ..] => {
                for ty in extra {
                    self.errors.spanned(
                        ty,
                        "a `#[produce]` handler takes one parameter, the demand \
                         (`demand: usize`), and may add `ctx: &mut Context<Self>`",
                    );
                }
            }
        }
        const RETURNS: &str = "a `#[produce]` handler returns the events it makes: `-> Vec<E>` \
                               (up to the demand; more are buffered, fewer are fine)";
        let event = match &sig.output {
            ReturnType::Type(_, ret) => match vec_element(ret) {
                Some(event) => Some(self.owned(event.clone(), Usage::Event)),
                None => {
                    self.errors.spanned(ret, RETURNS);
                    None
                }
            },
            ReturnType::Default => {
                self.errors.spanned(&sig.ident, RETURNS);
                None
            }
        };
        if self.errors_count() != errors_before {
            return None;
        }
        Some(Produce {
            method: sig.ident.clone(),
            is_async: sig.asyncness.is_some(),
            event: event?,
            params,
        })
    }

    /// A `#[consume]` method.
    pub(super) fn consume(&mut self, method: &ImplItemFn) -> Option<Consume> {
        let sig = &method.sig;
        let errors_before = self.errors_count();
        self.check_signature(sig, "#[consume]");
        self.check_receiver(sig, "#[consume]");
        let mut values = Vec::new();
        let params = self.role_params(method, "#[consume]", &mut values);
        const TAKES: &str = "a `#[consume]` handler takes the events as a `Vec`: \
                             `fn events(&mut self, events: Vec<E>)`";
        let event = match values.as_slice() {
            [ty] => match vec_element(ty) {
                Some(event) => Some(self.owned(event.clone(), Usage::Event)),
                None => {
                    self.errors.spanned(
                        ty,
                        format_args!(
                            "{TAKES}, not `{0}`: events come in batches (`Vec<{0}>`, if each \
                             event is a `{0}`)",
                            text(ty)
                        ),
                    );
                    None
                }
            },
            [] => {
                self.errors.spanned(&sig.ident, TAKES);
                None
            }
            [_, extra @ ..] => {
                for ty in extra {
                    self.errors.spanned(
                        ty,
                        "a `#[consume]` handler takes one parameter, the events \
                         (`events: Vec<E>`), and may add `ctx: &mut Context<Self>`",
                    );
                }
                None
            }
        };
        let output = match &sig.output {
            ReturnType::Default => None,
            ReturnType::Type(_, ret) if is_unit(ret) => None,
            ReturnType::Type(_, ret) => match vec_element(ret) {
                Some(output) => Some(self.owned(output.clone(), Usage::Event)),
                None => {
                    self.errors.spanned(
                        ret,
                        format_args!(
                            "a `#[consume]` handler returns nothing (a consumer) or the events \
                             it emits, `-> Vec<O>` (a producer-consumer), not `{}`",
                            text(ret)
                        ),
                    );
                    None
                }
            },
        };
        if self.errors_count() != errors_before {
            return None;
        }
        Some(Consume {
            method: sig.ident.clone(),
            is_async: sig.asyncness.is_some(),
            event: event?,
            output,
            params,
        })
    }

    /// A `#[cancel]` method.
    pub(super) fn cancel(&mut self, method: &ImplItemFn) -> Option<CancelHook> {
        let sig = &method.sig;
        let errors_before = self.errors_count();
        self.check_signature(sig, "#[cancel]");
        self.check_receiver(sig, "#[cancel]");
        let mut values = Vec::new();
        let params = self.role_params(method, "#[cancel]", &mut values);
        const TAKES: &str = "a `#[cancel]` handler is told which subscription ended and why: \
                             `fn on_cancel(&mut self, cancelled: Cancelled)`";
        match values.as_slice() {
            [ty] if last_segment(ty).is_some_and(|segment| segment.ident == "Cancelled") => {}
            [ty] => self
                .errors
                .spanned(ty, format_args!("{TAKES}, not `{}`", text(ty))),
            [] => self.errors.spanned(&sig.ident, TAKES),
            [_, extra @ ..] => {
                for ty in extra {
                    self.errors.spanned(ty, TAKES);
                }
            }
        }
        if let ReturnType::Type(_, ret) = &sig.output
            && !is_unit(ret)
        {
            self.errors.spanned(
                ret,
                "nobody receives what a `#[cancel]` handler returns: remove the return type",
            );
        }
        if self.errors_count() != errors_before {
            return None;
        }
        Some(CancelHook {
            method: sig.ident.clone(),
            is_async: sig.asyncness.is_some(),
            params,
        })
    }

    /// The parameters of a role's method after the receiver: the context, and the types of
    /// the others (gathered in `values`, in order).
    fn role_params<'m>(
        &mut self,
        method: &'m ImplItemFn,
        role: &str,
        values: &mut Vec<&'m Type>,
    ) -> Vec<RoleParam> {
        let mut params = Vec::new();
        let mut ctx_seen = false;
        for input in &method.sig.inputs {
            let FnArg::Typed(input) = input else { continue };
            if let Some(ctx) = self.context_param(&input.ty) {
                if ctx_seen {
                    self.errors.spanned(
                        input,
                        format_args!(
                            "a `{role}` handler takes at most one context parameter \
                             `ctx: &mut Context<Self>`"
                        ),
                    );
                }
                ctx_seen = true;
                if ctx {
                    params.push(RoleParam::Ctx);
                }
                continue;
            }
            values.push(&input.ty);
            params.push(RoleParam::Value);
        }
        params
    }
}

/// `E` of `Vec<E>`.
fn vec_element(ty: &Type) -> Option<&Type> {
    let segment = last_segment(ty)?;
    if segment.ident != "Vec" {
        return None;
    }
    let PathArguments::AngleBracketed(args) = &segment.arguments else {
        return None;
    };
    match args.args.iter().collect::<Vec<_>>()[..] {
        [GenericArgument::Type(element)] => Some(element),
        _ => None,
    }
}

fn is_usize(ty: &Type) -> bool {
    last_segment(ty).is_some_and(|segment| segment.ident == "usize" && segment.arguments.is_empty())
}

fn text(ty: &impl ToTokens) -> String {
    ty.to_token_stream().to_string().replace(' ', "")
}
