//! What every role's method is checked for: no generics, `const`, `unsafe` or `extern` of its
//! own, a `&self`/`&mut self` receiver where the role runs on the state, and the context
//! parameter `ctx: &mut Context<Self>` that every role may take.

use syn::{GenericArgument, PathArguments, ReceiverKind, Signature, Type};

use super::Cx;
use super::types::last_segment;

impl Cx<'_> {
    /// Checks what no role accepts: generic methods, `const`, `unsafe`, `extern`.
    pub(super) fn check_signature(&mut self, sig: &Signature, role: &str) {
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
    pub(super) fn check_receiver(&mut self, sig: &Signature, role: &str) {
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
    pub(super) fn context_param(&mut self, ty: &Type) -> Option<bool> {
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
}

/// "a `#[call]`", "an `#[info]`".
pub(super) fn with_article(role: &str) -> String {
    let article = if role.starts_with("#[i") { "an" } else { "a" };
    format!("{article} `{role}`")
}
