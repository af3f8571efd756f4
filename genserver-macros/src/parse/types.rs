//! Inspection of the types written in a signature: whether one is `Self`, whether it borrows
//! (with the owned type to suggest instead), `ReplyTo<T>`, and `Self` replaced by the server's
//! type in what the generated code writes outside the impl.

use proc_macro2::{Ident, Span, TokenStream};
use quote::ToTokens;
use syn::visit::Visit;
use syn::visit_mut::VisitMut;
use syn::{GenericArgument, PathArguments, Type};

use super::Cx;

impl Cx<'_> {
    /// Whether `ty` is `Self` or the impl's own type name.
    pub(super) fn is_self(&self, ty: &Type) -> bool {
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
    pub(super) fn owned(&mut self, mut ty: Type, usage: Usage) -> Type {
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
                    Usage::Event => {
                        "an `impl Trait` event has no single type for the stages to exchange: \
                         use a concrete type or `Box<dyn Trait + Send>`"
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
                        Usage::Event => "an event travels between stages in a message",
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
}

#[derive(Clone, Copy)]
pub(super) enum Usage {
    Argument,
    Reply,
    /// What a stage emits or consumes.
    Event,
}

pub(super) enum Found {
    ImplTrait(Span),
    /// The borrowed type, and the owned type to suggest.
    Borrow(TokenStream, String),
}

/// Finds the first `impl Trait` or non-`'static` borrow in a type.
#[derive(Default)]
pub(super) struct Borrow {
    pub(super) found: Option<Found>,
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
pub(super) struct ReplaceSelf<'a>(pub(super) &'a Type);

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
pub(super) fn reply_to_param(ty: &Type) -> Option<Option<Type>> {
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

pub(super) fn is_unit(ty: &Type) -> bool {
    matches!(ty, Type::Tuple(tuple) if tuple.elems.is_empty())
}

pub(super) fn last_segment(ty: &Type) -> Option<&syn::PathSegment> {
    match ty {
        Type::Path(path) if path.qself.is_none() => path.path.segments.last(),
        Type::Group(group) => last_segment(&group.elem),
        _ => None,
    }
}

pub(super) fn type_ident(ty: &Type) -> Option<Ident> {
    last_segment(ty).map(|segment| segment.ident.clone())
}

pub(super) fn self_name(ty: &Type) -> String {
    type_ident(ty).map_or_else(|| "Counter".to_owned(), |ident| ident.to_string())
}
