//! Phase 1: the `impl` block and its attributes into the [`model`](crate::model), recording
//! every problem of a single method at its own span.

use proc_macro2::{Ident, Span, TokenStream};
use quote::{ToTokens, format_ident};
use syn::visit::Visit;
use syn::visit_mut::VisitMut;
use syn::{
    FnArg, GenericArgument, GenericParam, ImplItem, ImplItemFn, ItemImpl, Pat, PathArguments,
    ReceiverKind, ReturnType, Signature, Type, Visibility,
};

use crate::attr::{self, Role};
use crate::errors::Errors;
use crate::model::{
    Handler, Init, InitError, InitParam, Kind, Param, Reply, Server, Stub, Terminate,
    TerminateParam,
};

/// Parses the macro input. `Err` only when the item is not an impl block at all; otherwise the
/// model comes back with the problems found so far, for [`validate`](crate::validate) to add to.
pub(crate) fn server(args: TokenStream, item: TokenStream) -> Result<(Server, Errors), syn::Error> {
    let mut errors = Errors::default();
    let args = attr::args(args, &mut errors);
    let mut item: ItemImpl = syn::parse2(item.clone()).map_err(|_| not_an_impl(item))?;

    if let Some((path, _)) = &item.trait_ {
        errors.spanned(
            path,
            format_args!(
                "`#[genserver]` goes on an inherent impl block (`impl {0} {{ .. }}`), not on an \
                 impl of the trait `{1}`: it writes the `GenServer` impl itself; move the \
                 methods into `impl {0}`",
                self_name(&item.self_ty),
                path.to_token_stream().to_string().replace(' ', ""),
            ),
        );
    }
    if let Some(unsafety) = &item.unsafety {
        errors.spanned(unsafety, "a `#[genserver]` impl block cannot be `unsafe`");
    }
    for param in &item.generics.params {
        if let GenericParam::Lifetime(lifetime) = param {
            errors.spanned(
                lifetime,
                format_args!(
                    "a server owns its state and lives in its own task, so it cannot borrow: \
                     remove the lifetime `{}` and hold owned data (`String`, `Vec<T>`, `Arc<T>`)",
                    lifetime.lifetime
                ),
            );
        }
    }
    let ident = match type_ident(&item.self_ty) {
        Some(ident) => ident,
        None => {
            errors.spanned(
                &item.self_ty,
                "`#[genserver]` needs a named type: `impl Counter { .. }` or `impl<T> Stack<T> { .. }`",
            );
            Ident::new("Server", Span::call_site())
        }
    };
    let self_ty = (*item.self_ty).clone();

    let mut cx = Cx {
        errors,
        ident: &ident,
        self_ty: &self_ty,
        stubs: Vec::new(),
        init_stub: None,
    };
    let mut handlers = Vec::new();
    let mut init: Option<Init> = None;
    let mut terminate: Option<Terminate> = None;
    for impl_item in &mut item.items {
        match impl_item {
            ImplItem::Fn(method) => {
                let Some((role, role_span)) = attr::take_role(&mut method.attrs, &mut cx.errors)
                else {
                    continue;
                };
                match role {
                    Role::Call => handlers.extend(cx.handler(method, Kind::Call)),
                    Role::Cast => handlers.extend(cx.handler(method, Kind::Cast)),
                    Role::Info => handlers.extend(cx.handler(method, Kind::Info)),
                    Role::Init => {
                        let parsed = cx.init(method);
                        if init.is_some() {
                            cx.errors.push(syn::Error::new(
                                role_span,
                                "a server has one `#[init]`: this is the second; \
                                 keep one and call the other from it",
                            ));
                        } else {
                            init = parsed;
                        }
                    }
                    Role::Terminate => {
                        let parsed = cx.terminate(method);
                        if terminate.is_some() {
                            cx.errors.push(syn::Error::new(
                                role_span,
                                "a server has one `#[terminate]`: this is the second; \
                                 keep one and call the other from it",
                            ));
                        } else {
                            terminate = parsed;
                        }
                    }
                }
            }
            ImplItem::Const(item) => {
                attr::reject_roles(&mut item.attrs, "a constant", &mut cx.errors)
            }
            ImplItem::Type(item) => attr::reject_roles(&mut item.attrs, "a type", &mut cx.errors),
            ImplItem::Macro(item) => attr::reject_roles(&mut item.attrs, "a macro", &mut cx.errors),
            _ => {}
        }
    }

    let vis = most_visible(handlers.iter().map(|handler| &handler.vis));
    let errors = cx.errors;
    let stubs = cx.stubs;
    let init_stub = cx.init_stub;
    let server = Server {
        krate: args.krate,
        self_ty,
        ident,
        generics: item.generics.clone(),
        vis,
        handlers,
        init,
        terminate,
        item,
        skip_constructors: false,
        stubs,
        init_stub,
    };
    Ok((server, errors))
}

fn not_an_impl(item: TokenStream) -> syn::Error {
    let what = match syn::parse2::<syn::Item>(item.clone()) {
        Ok(syn::Item::Struct(_)) => "a struct",
        Ok(syn::Item::Enum(_)) => "an enum",
        Ok(syn::Item::Fn(_)) => "a function",
        Ok(syn::Item::Trait(_)) => "a trait",
        Ok(syn::Item::Mod(_)) => "a module",
        _ => "this item",
    };
    let mut tokens = item.into_iter();
    let first = tokens.next();
    let span = first.map_or_else(Span::call_site, |token| token.span());
    syn::Error::new(
        span,
        format_args!(
            "`#[genserver]` goes on an inherent impl block, not on {what}: keep the type as it \
             is and write `#[genserver] impl Counter {{ #[call] fn get(&self) -> i64 {{ .. }} }}`"
        ),
    )
}

/// What the methods are checked against.
struct Cx<'a> {
    errors: Errors,
    ident: &'a Ident,
    self_ty: &'a Type,
    stubs: Vec<Stub>,
    init_stub: Option<Type>,
}

impl Cx<'_> {
    /// A `#[call]`, `#[cast]` or `#[info]` method.
    fn handler(&mut self, method: &ImplItemFn, kind: Kind) -> Option<Handler> {
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

    /// The `#[init]` method.
    fn init(&mut self, method: &ImplItemFn) -> Option<Init> {
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
    fn terminate(&mut self, method: &ImplItemFn) -> Option<Terminate> {
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

    /// Checks what no role accepts: generic methods, `const`, `unsafe`, `extern`.
    fn check_signature(&mut self, sig: &Signature, role: &str) {
        let a_role = with_article(role);
        if !sig.generics.params.is_empty() {
            self.errors.spanned(
                &sig.generics,
                format_args!(
                    "{a_role} method cannot have generic parameters of its own: its message \
                     must have one concrete type; put the parameter on the impl block \
                     (`impl<T> {0}<T>`) or use a concrete type",
                    self.ident
                ),
            );
        } else if let Some(where_clause) = &sig.generics.where_clause {
            self.errors.spanned(
                where_clause,
                format_args!(
                    "{a_role} method cannot have a `where` clause of its own; put the bounds \
                     on the impl block"
                ),
            );
        }
        if let Some(constness) = &sig.constness {
            self.errors
                .spanned(constness, format_args!("{a_role} method cannot be `const`"));
        }
        if let syn::Safety::Unsafe(unsafety) = &sig.safety {
            self.errors.spanned(
                unsafety,
                format_args!("{a_role} method cannot be `unsafe`: the server calls it"),
            );
        }
        if let Some(abi) = &sig.abi {
            self.errors
                .spanned(abi, format_args!("{a_role} method cannot be `extern`"));
        }
    }

    /// Handlers run on the state, borrowed from the server task: `&self` or `&mut self`.
    fn check_receiver(&mut self, sig: &Signature, role: &str) {
        let a_role = with_article(role);
        match sig.receiver() {
            Some(receiver) => match &receiver.kind {
                ReceiverKind::Reference(..) => {}
                ReceiverKind::Value => self.errors.spanned(
                    receiver,
                    format_args!(
                        "{a_role} handler borrows the server's state: take `&self` or \
                         `&mut self`; `self` by value would consume the state"
                    ),
                ),
                _ => self.errors.spanned(
                    receiver,
                    format_args!("{a_role} handler takes `&self` or `&mut self`"),
                ),
            },
            None => self.errors.spanned(
                &sig.ident,
                format_args!(
                    "{a_role} handler runs on the server's state: add `&self` or `&mut self` \
                     as its first parameter (for a function without state, write it outside \
                     the impl block)"
                ),
            ),
        }
    }

    /// `Some(true)` for a well-formed `&mut Context<Self>`, `Some(false)` (and an error) for a
    /// malformed one, `None` for a type that is not a context.
    fn context_param(&mut self, ty: &Type) -> Option<bool> {
        let (reference, inner) = match ty {
            Type::Reference(reference) => (Some(reference), &*reference.elem),
            other => (None, other),
        };
        let segment = last_segment(inner)?;
        if segment.ident != "Context" {
            return None;
        }
        let server = match &segment.arguments {
            PathArguments::AngleBracketed(args) if args.args.len() == 1 => match &args.args[0] {
                GenericArgument::Type(server) => Some(server),
                _ => None,
            },
            _ => None,
        };
        let ok = reference.is_some_and(|reference| reference.mutability.is_some())
            && server.is_some_and(|server| self.is_self(server));
        if !ok {
            self.errors.spanned(
                ty,
                format_args!(
                    "the context parameter is written `ctx: &mut Context<Self>` (a mutable \
                     borrow of this server's own context){}",
                    match server {
                        Some(server) if !self.is_self(server) =>
                            ", and it is the context of this server, not of another one",
                        _ => "",
                    }
                ),
            );
        }
        Some(ok)
    }

    /// Whether `ty` is `Self` or the impl's own type name.
    fn is_self(&self, ty: &Type) -> bool {
        match ty {
            Type::Path(path) if path.qself.is_none() => {
                path.path.is_ident("Self")
                    || path
                        .path
                        .segments
                        .last()
                        .is_some_and(|segment| segment.ident == *self.ident)
            }
            Type::Paren(paren) => self.is_self(&paren.elem),
            Type::Group(group) => self.is_self(&group.elem),
            _ => false,
        }
    }

    /// Checks that a message or reply type owns its data, and replaces `Self` in it by the
    /// server's type (the type is also written in the client handle, where `Self` differs).
    fn owned(&mut self, mut ty: Type, usage: Usage) -> Type {
        let mut finder = Borrow::default();
        finder.visit_type(&ty);
        match finder.found {
            Some(Found::ImplTrait(span)) => self.errors.push(syn::Error::new(
                span,
                match usage {
                    Usage::Argument => {
                        "an `impl Trait` argument has no single type to put in the message: use \
                         a concrete type, a type parameter on the impl block, or \
                         `Box<dyn Trait + Send>`"
                    }
                    Usage::Reply => {
                        "an `impl Trait` reply has no single type to send back: return a \
                         concrete type or `Box<dyn Trait + Send>`"
                    }
                },
            )),
            Some(Found::Borrow(tokens, owned)) => self.errors.spanned(
                &tokens,
                format_args!(
                    "{}, so it must own its data: use `{}` instead of `{}`",
                    match usage {
                        Usage::Argument => "an argument travels to the server in a message",
                        Usage::Reply => "a reply travels back to the caller in a message",
                    },
                    owned,
                    tokens.to_string().replace(" ", "").replace("mut", "mut "),
                ),
            ),
            None => {}
        }
        ReplaceSelf(self.self_ty).visit_type_mut(&mut ty);
        ty
    }

    fn errors_count(&self) -> usize {
        self.errors.count()
    }
}

#[derive(Clone, Copy)]
enum Usage {
    Argument,
    Reply,
}

enum Found {
    ImplTrait(Span),
    /// The borrowed type, and the owned type to suggest.
    Borrow(TokenStream, String),
}

/// Finds the first `impl Trait` or non-`'static` borrow in a type.
#[derive(Default)]
struct Borrow {
    found: Option<Found>,
}

impl<'ast> Visit<'ast> for Borrow {
    fn visit_type_impl_trait(&mut self, node: &'ast syn::TypeImplTrait) {
        if self.found.is_none() {
            self.found = Some(Found::ImplTrait(node.impl_token.span));
        }
    }

    fn visit_type_reference(&mut self, node: &'ast syn::TypeReference) {
        let is_static = node
            .lifetime
            .as_ref()
            .is_some_and(|lifetime| lifetime.ident == "static");
        if !is_static && self.found.is_none() {
            self.found = Some(Found::Borrow(
                node.to_token_stream(),
                owned_suggestion(&node.elem),
            ));
            return;
        }
        syn::visit::visit_type_reference(self, node);
    }

    fn visit_lifetime(&mut self, node: &'ast syn::Lifetime) {
        if node.ident != "static" && self.found.is_none() {
            self.found = Some(Found::Borrow(
                node.to_token_stream(),
                "an owned type (`String`, `Vec<T>`, `Arc<T>`, ...)".to_owned(),
            ));
        }
    }
}

/// The owned counterpart of a borrowed type, as text.
fn owned_suggestion(elem: &Type) -> String {
    let text = elem.to_token_stream().to_string().replace(' ', "");
    match elem {
        Type::Slice(slice) => format!(
            "Vec<{}>",
            slice.elem.to_token_stream().to_string().replace(' ', "")
        ),
        _ => match text.as_str() {
            "str" => "String".to_owned(),
            "Path" | "std::path::Path" => "PathBuf".to_owned(),
            "OsStr" | "std::ffi::OsStr" => "OsString".to_owned(),
            "CStr" | "std::ffi::CStr" => "CString".to_owned(),
            "dynAny" => "Box<dyn Any + Send>".to_owned(),
            _ => text,
        },
    }
}

/// Replaces `Self` by the server's type.
struct ReplaceSelf<'a>(&'a Type);

impl VisitMut for ReplaceSelf<'_> {
    fn visit_type_mut(&mut self, ty: &mut Type) {
        if let Type::Path(path) = ty
            && path.qself.is_none()
            && path.path.is_ident("Self")
        {
            *ty = self.0.clone();
            return;
        }
        syn::visit_mut::visit_type_mut(self, ty);
    }
}

/// `Some(Some(T))` for `ReplyTo<T>`, `Some(None)` for a borrowed `&ReplyTo<T>`, `None` otherwise.
fn reply_to_param(ty: &Type) -> Option<Option<Type>> {
    let (borrowed, inner) = match ty {
        Type::Reference(reference) => (true, &*reference.elem),
        other => (false, other),
    };
    let segment = last_segment(inner)?;
    if segment.ident != "ReplyTo" {
        return None;
    }
    let PathArguments::AngleBracketed(args) = &segment.arguments else {
        return None;
    };
    let [GenericArgument::Type(reply)] = args.args.iter().collect::<Vec<_>>()[..] else {
        return None;
    };
    Some((!borrowed).then(|| reply.clone()))
}

fn is_exit_reason_ref(ty: &Type) -> bool {
    match ty {
        Type::Reference(reference) if reference.mutability.is_none() => {
            last_segment(&reference.elem).is_some_and(|segment| segment.ident == "ExitReason")
        }
        _ => false,
    }
}

fn is_unit(ty: &Type) -> bool {
    matches!(ty, Type::Tuple(tuple) if tuple.elems.is_empty())
}

fn last_segment(ty: &Type) -> Option<&syn::PathSegment> {
    match ty {
        Type::Path(path) if path.qself.is_none() => path.path.segments.last(),
        Type::Group(group) => last_segment(&group.elem),
        _ => None,
    }
}

fn type_ident(ty: &Type) -> Option<Ident> {
    last_segment(ty).map(|segment| segment.ident.clone())
}

fn self_name(ty: &Type) -> String {
    type_ident(ty).map_or_else(|| "Counter".to_owned(), |ident| ident.to_string())
}

fn attrs_named(attrs: &[syn::Attribute], name: &str) -> Vec<syn::Attribute> {
    attrs
        .iter()
        .filter(|attr| attr.path().is_ident(name))
        .cloned()
        .collect()
}

/// "a `#[call]`", "an `#[info]`".
fn with_article(role: &str) -> String {
    let article = if role.starts_with("#[i") { "an" } else { "a" };
    format!("{article} `{role}`")
}

/// `add_later` → `AddLater`, keeping the method name's span.
pub(crate) fn variant_name(method: &Ident) -> Ident {
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

/// The most visible of the handlers' visibilities: `pub` > `pub(crate)` > other restrictions >
/// private.
fn most_visible<'a>(visibilities: impl Iterator<Item = &'a Visibility>) -> Visibility {
    fn rank(vis: &Visibility) -> u8 {
        match vis {
            Visibility::Public(_) => 3,
            Visibility::Restricted(restricted) if restricted.path.is_ident("crate") => 2,
            Visibility::Restricted(_) => 1,
            Visibility::Inherited => 0,
        }
    }
    let mut best = Visibility::Inherited;
    for vis in visibilities {
        if rank(vis) > rank(&best) {
            best = vis.clone();
        }
    }
    best
}
