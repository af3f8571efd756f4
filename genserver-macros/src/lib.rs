//! The `#[genserver]` attribute macro. Use it through the `genserver` crate, which documents it.
//!
//! The macro runs in four phases, one module each, every phase on `proc_macro2` only so that
//! each can be unit-tested:
//!
//! 1. [`parse`] reads the `impl` block and the attributes into the [`model`], collecting every
//!    problem it meets;
//! 2. [`validate`] checks what concerns several handlers at once (duplicates, name clashes);
//! 3. [`expand`] writes the message enum, the `GenServer` and `Info` impls and the client handle;
//! 4. on any error, [`fallback`] emits every error next to the expansion of what was sound
//!    (the handlers at fault left out), so the rest of the crate still type-checks.

use proc_macro::TokenStream;

mod attr;
mod errors;
mod expand;
mod fallback;
mod model;
mod parse;
mod validate;

/// Turns an inherent `impl` block into a GenServer. See the `genserver` crate for the guide.
#[proc_macro_attribute]
pub fn genserver(args: TokenStream, item: TokenStream) -> TokenStream {
    genserver_impl(args.into(), item.into()).into()
}

/// The whole macro on `proc_macro2` tokens: what the unit tests call.
fn genserver_impl(
    args: proc_macro2::TokenStream,
    item: proc_macro2::TokenStream,
) -> proc_macro2::TokenStream {
    let (server, errors) = match parse::server(args, item.clone()) {
        Ok(parsed) => validate::server(parsed),
        // Not an impl block at all: nothing to expand.
        Err(error) => return fallback::emit(item, error),
    };
    match errors.finish(()) {
        Ok(()) => expand::server(&server),
        Err(errors) => fallback::partial(&server, errors),
    }
}

#[cfg(test)]
mod tests;
