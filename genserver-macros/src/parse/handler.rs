//! `#[call]`, `#[cast]` and `#[info]` methods: their parameters (message arguments, the
//! context, a `ReplyTo`), their reply, their docs and cfgs, into a `Handler`; and, for a rejected
//! call or cast, the `Stub` that keeps its client method callable.

use proc_macro2::Ident;
use quote::{ToTokens, format_ident};
use syn::visit::Visit;
use syn::visit_mut::VisitMut;
use syn::{FnArg, ImplItemFn, Pat, ReturnType, Type};

use super::Cx;
use super::signature::with_article;
use super::types::{Borrow, Found, ReplaceSelf, Usage, is_unit, last_segment, reply_to_param};
use crate::model::{Handler, Kind, Param, Reply, Stub};

impl Cx<'_> {
    /// A `#[call]`, `#[cast]` or `#[info]` method.
    pub(super) fn handler(&mut self, method: &ImplItemFn, kind: Kind) -> Option<Handler> {
        let sig = &method.sig;
        let role = match kind {
            Kind::Call => "#[call]",
            Kind::Cast => "#[cast]",
            Kind::Info => "#[info]",
        };
        let a_role = with_article(role);
        let errors_before = self.errors_count();
        self.check_signature(sig, role);
        self.check_receiver(sig, role);

        let mut params = Vec::new();
        let mut reply: Option<Reply> = None;
        let mut message_params = Vec::new();
        let mut ctx_seen = false;
        for (position, input) in sig.inputs.iter().enumerate() {
            let FnArg::Typed(input) = input else { continue };
            let ty = &*input.ty;
            if let Some(ctx) = self.context_param(ty) {
                if ctx_seen {
                    self.errors.spanned(
                        input,
                        "a handler takes at most one context parameter `ctx: &mut Context<Self>`",
                    );
                }
                ctx_seen = true;
                if ctx {
                    params.push(Param::Ctx);
                }
                continue;
            }
            if let Some(reply_ty) = reply_to_param(ty) {
                match kind {
                    Kind::Call => {}
                    Kind::Cast | Kind::Info => {
                        self.errors.spanned(
                            input,
                            format_args!(
                                "{a_role} has no caller waiting for a reply, so it cannot take a \
                                 `ReplyTo`: remove this parameter, or make the method a `#[call]`"
                            ),
                        );
                        continue;
                    }
                }
                let Some(reply_ty) = reply_ty else {
                    self.errors.spanned(
                        ty,
                        "take the reply channel by value: `reply: ReplyTo<T>` (it is consumed \
                         by `reply.send(value)`)",
                    );
                    continue;
                };
                if reply.is_some() {
                    self.errors.spanned(
                        input,
                        "a `#[call]` has one reply: remove the second `ReplyTo`",
                    );
                    continue;
                }
                if let ReturnType::Type(_, ret) = &sig.output
                    && !is_unit(ret)
                {
                    self.errors.spanned(
                        ret,
                        format_args!(
                            "a `#[call]` either returns its reply or sends it through \
                             `ReplyTo`, not both: remove `-> {}` (the caller receives the `T` \
                             of `ReplyTo<T>`)",
                            ret.to_token_stream().to_string().replace(' ', "")
                        ),
                    );
                }
                reply = Some(Reply {
                    ty: self.owned(reply_ty, Usage::Reply),
                    deferred: true,
                });
                params.push(Param::ReplyTo);
                continue;
            }
            let name = match &*input.pat {
                Pat::Ident(pat) if pat.by_ref.is_none() && pat.subpat.is_none() => {
                    let mut name = pat.ident.clone();
                    name.set_span(pat.ident.span());
                    name
                }
                _ => format_ident!("arg{}", position),
            };
            let ty = self.owned(ty.clone(), Usage::Argument);
            message_params.push(input);
            params.push(Param::Arg { name, ty });
        }

        match kind {
            Kind::Call => {
                if reply.is_none() {
                    let ty = match &sig.output {
                        ReturnType::Default => syn::parse_quote!(()),
                        ReturnType::Type(_, ty) => self.owned((**ty).clone(), Usage::Reply),
                    };
                    reply = Some(Reply {
                        ty,
                        deferred: false,
                    });
                }
            }
            Kind::Cast | Kind::Info => {
                if let ReturnType::Type(_, ret) = &sig.output
                    && !is_unit(ret)
                {
                    self.errors.spanned(
                        ret,
                        format_args!(
                            "{a_role} is fire-and-forget: nobody receives its return value; \
                             remove `-> {}`, or make the method a `#[call]` to reply",
                            ret.to_token_stream().to_string().replace(' ', "")
                        ),
                    );
                }
            }
        }
        if kind == Kind::Info {
            match message_params.as_slice() {
                [_] => {}
                [] => self.errors.spanned(
                    &sig.ident,
                    "an `#[info]` handler takes exactly one message parameter, the message it \
                     handles: e.g. `fn on_tick(&mut self, tick: Tick)`",
                ),
                [_, extra @ ..] => {
                    for input in extra {
                        self.errors.spanned(
                            input,
                            "an `#[info]` handler takes exactly one message parameter; put \
                             several values in one type (a struct or a tuple) and send that",
                        );
                    }
                }
            }
        }
        if self.errors_count() != errors_before {
            if kind != Kind::Info {
                self.stubs.extend(self.stub(method, kind));
            }
            return None;
        }
        Some(Handler {
            kind,
            method: sig.ident.clone(),
            variant: variant_name(&sig.ident),
            vis: method.vis.clone(),
            is_async: sig.asyncness.is_some(),
            params,
            reply,
            docs: attrs_named(&method.attrs, "doc"),
            cfgs: attrs_named(&method.attrs, "cfg"),
        })
    }

    /// The client method of a rejected `#[call]` or `#[cast]`, with its parameters as written;
    /// none for the shapes that cannot be written as a client method (generic methods,
    /// `impl Trait`).
    fn stub(&self, method: &ImplItemFn, kind: Kind) -> Option<Stub> {
        let sig = &method.sig;
        if !sig.generics.params.is_empty() {
            return None;
        }
        let mut args = Vec::new();
        let mut reply = match (&sig.output, kind) {
            (_, Kind::Cast | Kind::Info) => None,
            (ReturnType::Default, Kind::Call) => Some(syn::parse_quote!(())),
            (ReturnType::Type(_, ty), Kind::Call) => Some((**ty).clone()),
        };
        for (position, input) in sig.inputs.iter().enumerate() {
            let FnArg::Typed(input) = input else { continue };
            let ty = &*input.ty;
            let inner = match ty {
                Type::Reference(reference) => &*reference.elem,
                other => other,
            };
            match last_segment(inner) {
                Some(segment) if segment.ident == "Context" => continue,
                Some(_) if reply_to_param(ty).is_some() => {
                    if kind == Kind::Call {
                        reply = reply_to_param(ty).flatten();
                    }
                    continue;
                }
                _ => {}
            }
            let name = match &*input.pat {
                Pat::Ident(pat) if pat.by_ref.is_none() && pat.subpat.is_none() => {
                    pat.ident.clone()
                }
                _ => format_ident!("arg{}", position),
            };
            let mut ty = ty.clone();
            ReplaceSelf(self.self_ty).visit_type_mut(&mut ty);
            args.push((name, ty));
        }
        let mut reply = reply;
        if let Some(ty) = &mut reply {
            ReplaceSelf(self.self_ty).visit_type_mut(ty);
        }
        let mut finder = Borrow::default();
        for ty in args.iter().map(|(_, ty)| ty).chain(reply.as_ref()) {
            finder.visit_type(ty);
        }
        if matches!(finder.found, Some(Found::ImplTrait(_))) {
            return None;
        }
        Some(Stub {
            method: sig.ident.clone(),
            vis: method.vis.clone(),
            args,
            reply,
        })
    }
}

fn attrs_named(attrs: &[syn::Attribute], name: &str) -> Vec<syn::Attribute> {
    attrs
        .iter()
        .filter(|attr| attr.path().is_ident(name))
        .cloned()
        .collect()
}

/// `add_later` → `AddLater`, keeping the method name's span.
fn variant_name(method: &Ident) -> Ident {
    let name = method.to_string();
    let name = name.strip_prefix("r#").unwrap_or(&name);
    let mut camel = String::with_capacity(name.len());
    for part in name.split('_').filter(|part| !part.is_empty()) {
        let mut chars = part.chars();
        if let Some(first) = chars.next() {
            camel.extend(first.to_uppercase());
            camel.push_str(chars.as_str());
        }
    }
    if camel.is_empty() {
        camel.push_str("Message");
    }
    Ident::new(&camel, method.span())
}
