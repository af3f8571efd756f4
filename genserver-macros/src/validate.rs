//! Phase 2: checks that concern several methods at once.

use std::collections::HashMap;

use quote::ToTokens;
use syn::ImplItem;

use crate::errors::Errors;
use crate::model::{Kind, Reply, Server};

/// Names the macro adds to the server type and to its handle.
const ON_SERVER: [&str; 3] = ["start", "options", "whereis"];
const ON_HANDLE: [&str; 4] = ["with_timeout", "from_name", "inner", "reserve"];

/// Adds the cross-method problems to those `parse` found. Each handler at fault is removed
/// from the model, so that the model left can still be expanded next to the errors (the
/// user's other handlers keep working in the IDE).
pub(crate) fn server((mut server, mut errors): (Server, Errors)) -> (Server, Errors) {
    let mut faulty: Vec<usize> = Vec::new();
    // Two `#[info]` handlers for one message type would be two `impl Info<M>`.
    let mut info_types: HashMap<String, &syn::Ident> = HashMap::new();
    for (index, handler) in server.handlers.iter().enumerate() {
        if handler.kind != Kind::Info {
            continue;
        }
        let Some((_, ty)) = handler.args().next() else {
            continue;
        };
        let key = ty.to_token_stream().to_string();
        if let Some(first) = info_types.get(&key) {
            errors.spanned(
                ty,
                format_args!(
                    "two `#[info]` handlers for `{}`: `{first}` already handles it; each message \
                     type has one handler, so merge them (or wrap one in a new type)",
                    key.replace(' ', "")
                ),
            );
            faulty.push(index);
        } else {
            info_types.insert(key, &handler.method);
        }
    }

    // Two handlers whose variants would share a name (`get_x` and `getX`).
    let mut variants: HashMap<String, &syn::Ident> = HashMap::new();
    for (index, handler) in server.handlers.iter().enumerate() {
        if let Some(first) = variants.get(&handler.variant.to_string()) {
            errors.spanned(
                &handler.method,
                format_args!(
                    "`{}` and `{first}` would both be the message `{}`: rename one",
                    handler.method, handler.variant
                ),
            );
            faulty.push(index);
        } else {
            variants.insert(handler.variant.to_string(), &handler.method);
        }
    }

    // Methods the macro generates must not be defined by hand.
    for item in &server.item.items {
        if let ImplItem::Fn(method) = item {
            let name = method.sig.ident.to_string();
            if ON_SERVER.contains(&name.as_str()) {
                errors.spanned(
                    &method.sig.ident,
                    format_args!(
                        "`#[genserver]` generates `{0}::{name}`: rename this method",
                        server.ident
                    ),
                );
                server.skip_constructors = true;
            }
        }
    }
    for (index, handler) in server.handlers.iter().enumerate() {
        let name = handler.method.to_string();
        if handler.kind != Kind::Info && ON_HANDLE.contains(&name.as_str()) {
            errors.spanned(
                &handler.method,
                format_args!(
                    "the handle `{}Ref` already has a method `{name}`: rename this handler",
                    server.ident
                ),
            );
            faulty.push(index);
        }
        // The reply channel of a returning call is the message field `reply_to`.
        if let Some(Reply {
            deferred: false, ..
        }) = &handler.reply
        {
            for (name, _) in handler.args() {
                if name == "reply_to" {
                    errors.spanned(
                        name,
                        "`reply_to` names the reply channel in the message: rename this parameter",
                    );
                    faulty.push(index);
                }
            }
        }
    }

    // A stage's roles that do not go together.
    let stage = &mut server.stage;
    if let (Some(produce), Some(consume)) = (&stage.produce, &stage.consume)
        && consume.output.is_some()
    {
        errors.spanned(
            &produce.method,
            format_args!(
                "`{}` is a producer-consumer: its `#[consume]` `{}` returns the events it emits, \
                 so it has no demand handler; remove this `#[produce]` (or make `{}` return \
                 nothing, for a producer that also consumes)",
                server.ident, consume.method, consume.method
            ),
        );
        stage.produce = None;
    }
    if let Some(cancel) = &stage.cancel
        && !stage.is_stage()
    {
        errors.spanned(
            &cancel.method,
            "`#[cancel]` is called when a subscription of a stage ends, and this server has no \
             `#[produce]` or `#[consume]`: it has no subscriptions",
        );
        stage.cancel = None;
    }

    let mut index = 0;
    server.handlers.retain(|_| {
        index += 1;
        !faulty.contains(&(index - 1))
    });
    (server, errors)
}
