//! Error accumulation: every problem in an impl block is reported in one build, each at its own
//! span (serde_derive's `Ctxt`).

use std::fmt::Display;

use quote::ToTokens;

/// Collects errors; [`Errors::finish`] returns them combined into one `syn::Error`.
#[derive(Default)]
pub(crate) struct Errors(Option<syn::Error>);

impl Errors {
    /// Records an error at the span of `tokens`.
    pub(crate) fn spanned(&mut self, tokens: impl ToTokens, message: impl Display) {
        self.push(syn::Error::new_spanned(tokens, message));
    }

    /// Records an error.
    pub(crate) fn push(&mut self, error: syn::Error) {
        match &mut self.0 {
            Some(errors) => errors.combine(error),
            None => self.0 = Some(error),
        }
    }

    /// `Ok(value)` if nothing was recorded.
    pub(crate) fn finish<T>(self, value: T) -> Result<T, syn::Error> {
        match self.0 {
            Some(errors) => Err(errors),
            None => Ok(value),
        }
    }
}

impl Errors {
    /// How many errors were recorded.
    pub(crate) fn count(&self) -> usize {
        self.0
            .as_ref()
            .map_or(0, |errors| errors.into_iter().count())
    }
}
