//! The `#[genserver]` attribute macro. Use it through the `genserver` crate, which documents it.

// parse → validate → generate, on `proc_macro2` only so that each phase is unit-tested; on any
// error, `fallback` emits the errors next to what was sound, so the rest of the crate type-checks.

use proc_macro::TokenStream;

/// `#[genserver(crate = path)]` and the role attributes on methods.
mod attr;
/// Error accumulation: every problem of an impl block, each at its own span.
mod errors;
/// On error: the errors next to the expansion of the sound part (or the bare impl and stubs).
mod fallback;
/// Phase 3: the message enum, the `GenServer` and `Info` impls, the client handle, `start`.
mod generate;
/// What the phases pass along: the server as the macro understands it.
mod model;
/// Phase 1: the impl block and its methods, by role, into the model.
mod parse;
/// Phase 2: the checks that concern several methods at once.
mod validate;

/// Turns an inherent `impl` block into a GenServer. See the `genserver` crate for the guide.
///
/// Its roles: `#[call]`, `#[cast]`, `#[info]`, `#[init]` and `#[terminate]`. `#[init]` (sync or
/// `async`, with or without `ctx: &mut Context<Self>`) returns one of four shapes:
///
/// ```text
/// -> Self                       // always starts
/// -> Result<Self, E>            // Err(e): the start fails with StartError::Init(e)
/// -> Option<Self>               // None: OTP's :ignore, the start gives StartError::Ignored
/// -> Result<Option<Self>, E>    // both
/// ```
///
/// (`Self` or the type's own name; an alias of `Result` such as `anyhow::Result<Self>` in place
/// of either `Result`.) The `genserver` crate documents this macro with a runnable example.
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
        Ok(()) => generate::server(&server),
        Err(errors) => fallback::partial(&server, errors),
    }
}

#[cfg(test)]
mod tests;
