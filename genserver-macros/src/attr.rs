//! The attributes: `#[genserver(crate = path)]` and the role attributes on methods.

use proc_macro2::{Span, TokenStream};
use syn::parse::Parser;
use syn::{Attribute, LitStr, Path};

use crate::errors::Errors;

/// The arguments of `#[genserver(..)]`.
pub(crate) struct Args {
    /// Where the runtime is: `::genserver` unless `crate = path` says otherwise.
    pub(crate) krate: Path,
    /// `remote`: the messages and replies cross the network (serde), through `genserver-nats`.
    pub(crate) remote: bool,
}

/// Parses `#[genserver]`, `#[genserver(remote)]` or `#[genserver(crate = ::path)]` (a string
/// literal path works too, as in serde's `#[serde(crate = "..")]`), in any combination.
pub(crate) fn args(tokens: TokenStream, errors: &mut Errors) -> Args {
    let mut krate: Option<Path> = None;
    let mut remote = false;
    let parser = syn::meta::parser(|meta| {
        if meta.path.is_ident("remote") {
            if remote {
                return Err(meta.error("`remote` is given twice"));
            }
            if !meta.input.is_empty() && !meta.input.peek(syn::Token![,]) {
                return Err(meta.error(
                    "`remote` takes no value: `#[genserver(remote)]`; the node, the name and \
                     the group are chosen when the server starts: \
                     `Counter::options().name(..).remote(&node).start(args)`",
                ));
            }
            remote = true;
            Ok(())
        } else if meta.path.is_ident("crate") {
            let value = meta.value()?;
            let path: Path = if value.peek(LitStr) {
                value.parse::<LitStr>()?.parse()?
            } else {
                value.parse()?
            };
            if krate.is_some() {
                return Err(meta.error("`crate` is given twice"));
            }
            if !is_absolute(&path) {
                return Err(syn::Error::new_spanned(
                    &path,
                    "`crate = ..` needs an absolute path, starting with `::` or `crate`: \
                     e.g. `#[genserver(crate = ::my_facade::genserver)]`",
                ));
            }
            krate = Some(path);
            Ok(())
        } else {
            let name = path_text(&meta.path);
            let hint = match name.as_str() {
                "name" | "timeout" | "call_timeout" | "mailbox_capacity" | "capacity" => {
                    "; a name, a call timeout or a mailbox bound is chosen when the server starts: \
                     `Counter::options().name(..).call_timeout(..).start(args)`"
                }
                _ => "",
            };
            Err(meta.error(format_args!(
                "unknown argument `{name}` of `#[genserver]`: the arguments are `remote` (a \
                 server reached from other processes) and `crate = path` (for when the \
                 genserver crate is re-exported under another path){hint}"
            )))
        }
    });
    if let Err(error) = parser.parse2(tokens) {
        errors.push(error);
    }
    Args {
        krate: krate.unwrap_or_else(|| syn::parse_quote_spanned!(Span::call_site()=> ::genserver)),
        remote,
    }
}

fn is_absolute(path: &Path) -> bool {
    path.leading_colon.is_some()
        || path
            .segments
            .first()
            .is_some_and(|first| first.ident == "crate" || first.ident == "$crate")
}

fn path_text(path: &Path) -> String {
    quote::quote!(#path).to_string().replace(' ', "")
}

/// The role a method plays in the server.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Role {
    Call,
    Cast,
    Info,
    Init,
    Terminate,
    /// A stage's demand handler.
    Produce,
    /// A stage's events handler.
    Consume,
    /// What a stage does when one of its subscriptions ends.
    Cancel,
}

impl Role {
    const ALL: [(&'static str, Role); 8] = [
        ("call", Role::Call),
        ("cast", Role::Cast),
        ("info", Role::Info),
        ("init", Role::Init),
        ("terminate", Role::Terminate),
        ("produce", Role::Produce),
        ("consume", Role::Consume),
        ("cancel", Role::Cancel),
    ];

    pub(crate) fn name(self) -> &'static str {
        Role::ALL
            .iter()
            .find(|(_, role)| *role == self)
            .map(|(name, _)| *name)
            .expect("every role is in Role::ALL")
    }
}

/// The role attribute of a method, removed from `attrs`. Reports role attributes with
/// arguments, several role attributes, and likely misspellings of one.
pub(crate) fn take_role(attrs: &mut Vec<Attribute>, errors: &mut Errors) -> Option<(Role, Span)> {
    let mut found: Option<(Role, Span)> = None;
    let mut kept = Vec::with_capacity(attrs.len());
    for attr in attrs.drain(..) {
        let Some(role) = role_of(&attr) else {
            match misspelled_role(&attr) {
                // Reported here; dropped so the compiler does not add "cannot find attribute".
                Some(hint) => errors.spanned(&attr, hint),
                None => kept.push(attr),
            }
            continue;
        };
        let span = attr_span(&attr);
        if !matches!(attr.meta, syn::Meta::Path(_)) {
            errors.spanned(
                &attr,
                format_args!("`#[{0}]` takes no arguments: write `#[{0}]`", role.name()),
            );
        }
        match found {
            Some((first, _)) => errors.spanned(
                &attr,
                format_args!(
                    "a method has one role: it is already `#[{}]`, so it cannot also be `#[{}]`; \
                     keep one attribute, or split the method in two",
                    first.name(),
                    role.name()
                ),
            ),
            None => found = Some((role, span)),
        }
    }
    *attrs = kept;
    found
}

/// Removes role attributes from a non-method item, reporting each.
pub(crate) fn reject_roles(attrs: &mut Vec<Attribute>, what: &str, errors: &mut Errors) {
    attrs.retain(|attr| match role_of(attr) {
        Some(role) => {
            errors.spanned(
                attr,
                format_args!("`#[{}]` goes on a method, not on {what}", role.name()),
            );
            false
        }
        None => true,
    });
}

fn role_of(attr: &Attribute) -> Option<Role> {
    let ident = attr.path().get_ident()?;
    Role::ALL
        .iter()
        .find(|(name, _)| ident == name)
        .map(|(_, role)| *role)
}

fn attr_span(attr: &Attribute) -> Span {
    attr.path().segments[0].ident.span()
}

/// A hint if `attr` looks like a role attribute spelled wrong, or Elixir's callback name.
fn misspelled_role(attr: &Attribute) -> Option<String> {
    let ident = attr.path().get_ident()?.to_string();
    let elixir = match ident.as_str() {
        "handle_call" => Some("call"),
        "handle_cast" => Some("cast"),
        "handle_info" | "handle_continue" => Some("info"),
        "handle_demand" => Some("produce"),
        "handle_events" => Some("consume"),
        "handle_cancel" => Some("cancel"),
        _ => None,
    };
    if let Some(role) = elixir {
        return Some(format!(
            "unknown attribute `#[{ident}]`: in genserver, Elixir's `{ident}` is written `#[{role}]`"
        ));
    }
    // Attributes of the language and common crates are never role typos.
    const KNOWN: [&str; 14] = [
        "cfg",
        "doc",
        "allow",
        "warn",
        "deny",
        "expect",
        "inline",
        "cold",
        "must_use",
        "test",
        "track_caller",
        "deprecated",
        "instrument",
        "forbid",
    ];
    if KNOWN.contains(&ident.as_str()) {
        return None;
    }
    let (role, _) = Role::ALL
        .iter()
        .find(|(name, _)| edit_distance(&ident, name) == 1)?;
    Some(format!(
        "unknown attribute `#[{ident}]`: did you mean `#[{role}]`? \
         genserver's method attributes are `#[call]`, `#[cast]`, `#[info]`, `#[init]`, \
         `#[terminate]`, and for stages `#[produce]`, `#[consume]` and `#[cancel]`"
    ))
}

/// Damerau-Levenshtein distance (adjacent transpositions count as one edit), for short names.
fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            d[i][j] = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d[i][j] = d[i][j].min(d[i - 2][j - 2] + 1);
            }
        }
    }
    d[a.len()][b.len()]
}

/// Whether the fallback should remove `attr`: a role attribute, or one reported as a misspelled
/// role (which would otherwise get a second error, "cannot find attribute").
pub(crate) fn is_genserver_attr(attr: &Attribute) -> bool {
    role_of(attr).is_some() || misspelled_role(attr).is_some()
}

#[cfg(test)]
mod tests {
    use super::edit_distance;

    #[test]
    fn edit_distance_counts_typos() {
        assert_eq!(edit_distance("call", "call"), 0);
        assert_eq!(edit_distance("calll", "call"), 1);
        assert_eq!(edit_distance("inti", "init"), 1);
        assert_eq!(edit_distance("cats", "cast"), 1);
        assert_eq!(edit_distance("info", "init"), 2);
        assert_eq!(edit_distance("inline", "init"), 3);
    }
}
