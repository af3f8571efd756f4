//! Phase 1: the `impl` block and its attributes into the `model`, recording every problem of a
//! single method at its own span. This file reads the impl block itself and hands each method to
//! the parser of its role:
//!
//! - `handler`: `#[call]`, `#[cast]`, `#[info]` (their parameters, their reply);
//! - `lifecycle`: `#[init]` and `#[terminate]`;
//! - `roles`: a stage's `#[produce]`, `#[consume]` and `#[cancel]`;
//! - `signature`: what every role's method is checked for (generics, receiver, the context);
//! - `types`: inspection of the types written in a signature (borrows, `Self`, `ReplyTo`).

use proc_macro2::{Ident, Span, TokenStream};
use quote::ToTokens;
use syn::{GenericParam, ImplItem, ItemImpl, Type, Visibility};

use crate::attr::{self, Role};
use crate::errors::Errors;
use crate::model::{Init, Kind, Server, Stage, Stub, Terminate};

mod handler;
mod lifecycle;
mod roles;
mod signature;
mod types;

use types::{self_name, type_ident};

/// Parses the macro input. `Err` only when the item is not an impl block at all; otherwise the
/// model comes back with the problems found so far, for `validate` to add to.
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
    let mut stage = Stage::default();
    let mut role_visibilities = Vec::new();
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
                    Role::Produce | Role::Consume | Role::Cancel => {
                        role_visibilities.push(method.vis.clone());
                        let (taken, what) = match role {
                            Role::Produce => (stage.produce.is_some(), "the demand handler"),
                            Role::Consume => (stage.consume.is_some(), "the events handler"),
                            _ => (stage.cancel.is_some(), "what ends a subscription"),
                        };
                        if taken {
                            cx.errors.push(syn::Error::new(
                                role_span,
                                format_args!(
                                    "a stage has one `#[{0}]` ({what}): this is the second; \
                                     keep one and call the other from it",
                                    role.name()
                                ),
                            ));
                            continue;
                        }
                        match role {
                            Role::Produce => stage.produce = cx.produce(method),
                            Role::Consume => stage.consume = cx.consume(method),
                            _ => stage.cancel = cx.cancel(method),
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

    let vis = most_visible(
        handlers
            .iter()
            .map(|handler| &handler.vis)
            .chain(&role_visibilities),
    );
    let errors = cx.errors;
    let stubs = cx.stubs;
    let init_stub = cx.init_stub;
    let server = Server {
        krate: args.krate,
        remote: args.remote,
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
        stage,
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
    fn errors_count(&self) -> usize {
        self.errors.count()
    }
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
