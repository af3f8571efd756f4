//! Snapshots of the generated code (formatted with prettyplease; review every diff with
//! `cargo insta review`) and checks that bad input gives errors, never a panic.

use proc_macro2::TokenStream;
use quote::quote;

use crate::genserver_impl;

/// The expansion of `#[genserver(args)] item`, formatted as a file. The body of
/// `__remote_items! { .. }` (what `#[genserver(remote)]` adds, which the facade passes through
/// with its `nats` feature) is shown as the items it is, so that it is formatted too.
fn expand(args: TokenStream, item: TokenStream) -> String {
    let output = genserver_impl(args, item);
    let mut file: syn::File = syn::parse2(output.clone())
        .unwrap_or_else(|error| panic!("the expansion is not valid Rust: {error}\n{output}"));
    file.items = file
        .items
        .into_iter()
        .flat_map(|item| match item {
            syn::Item::Macro(item)
                if item
                    .mac
                    .path
                    .segments
                    .last()
                    .is_some_and(|segment| segment.ident == "__remote_items") =>
            {
                let body: syn::File =
                    syn::parse2(item.mac.tokens.clone()).unwrap_or_else(|error| {
                        panic!(
                            "the remote items are not valid Rust: {error}\n{}",
                            item.mac.tokens
                        )
                    });
                body.items
            }
            item => vec![item],
        })
        .collect();
    prettyplease::unparse(&file)
}

/// The error messages of an expansion that must fail.
fn errors(args: TokenStream, item: TokenStream) -> Vec<String> {
    let output = genserver_impl(args, item).to_string();
    output
        .match_indices("compile_error !")
        .map(|(at, _)| {
            let rest = &output[at..];
            let start = rest.find('"').expect("a message") + 1;
            let end = rest[start..].find("\" }").expect("the end of the message") + start;
            rest[start..end].to_owned()
        })
        .collect()
}

#[test]
fn counter() {
    insta::assert_snapshot!(expand(
        quote!(),
        quote! {
            impl Counter {
                /// Adds one and returns the new value.
                #[call]
                pub fn increment(&mut self) -> i64 {
                    self.value += 1;
                    self.value
                }

                #[call]
                pub async fn get(&self) -> i64 {
                    self.value
                }

                #[cast]
                pub fn add(&mut self, n: i64) {
                    self.value += n;
                }

                #[cast]
                pub fn reset(&mut self) {
                    self.value = 0;
                }

                #[info]
                fn on_tick(&mut self, _tick: Tick, ctx: &mut Context<Self>) {
                    let _ = ctx;
                }

                fn helper(&self) -> i64 {
                    self.value
                }
            }
        }
    ));
}

#[test]
fn remote_counter() {
    insta::assert_snapshot!(expand(
        quote!(remote),
        quote! {
            impl Counter {
                #[call]
                pub fn increment(&mut self) -> i64 {
                    self.value += 1;
                    self.value
                }

                #[cast]
                pub fn add(&mut self, n: i64, label: String) {
                    self.value += n;
                }

                #[cast]
                pub fn reset(&mut self) {
                    self.value = 0;
                }

                #[call]
                pub fn later(&self, reply: ReplyTo<Vec<u8>>) {
                    reply.send(Vec::new());
                }

                #[info]
                fn on_tick(&mut self, _tick: Tick) {}
            }
        }
    ));
}

#[test]
fn remote_generic_stack() {
    insta::assert_snapshot!(expand(
        quote!(remote, crate = ::my_facade::genserver),
        quote! {
            impl<T> Stack<T>
            where
                T: Send + 'static,
            {
                #[cast]
                pub fn push(&mut self, item: T, at: Option<u32>) {
                    self.items.push(item);
                }

                #[call]
                pub fn pop(&mut self) -> Option<T> {
                    self.items.pop()
                }

                #[call]
                pub fn len(&self) -> u32 {
                    self.items.len() as u32
                }
            }
        }
    ));
}

#[test]
fn generic_stack() {
    insta::assert_snapshot!(expand(
        quote!(),
        quote! {
            impl<T> Stack<T>
            where
                T: Clone + Send + 'static,
            {
                #[cast]
                pub fn push(&mut self, item: T) {
                    self.items.push(item);
                }

                #[call]
                pub fn pop(&mut self) -> Option<T> {
                    self.items.pop()
                }
            }
        }
    ));
}

#[test]
fn init_terminate_and_deferred_reply() {
    insta::assert_snapshot!(expand(
        quote!(crate = ::my_facade::genserver),
        quote! {
            impl Cache {
                #[init]
                async fn init(config: Config, ctx: &mut Context<Self>) -> Result<Self, ConfigError> {
                    ctx.send_interval(config.sweep, Sweep);
                    Ok(Cache::new(config))
                }

                #[call]
                pub(crate) fn fetch(&mut self, key: String, reply: ReplyTo<Option<String>>) {
                    tokio::spawn(async move { reply.send(None) });
                }

                #[info]
                fn on_sweep(&mut self, _: Sweep) {}

                #[terminate]
                async fn terminate(&mut self, reason: &ExitReason) {
                    let _ = reason;
                }
            }
        }
    ));
}

/// An init that may fail and may decline to start the server (OTP's `:ignore`).
#[test]
fn init_that_may_ignore() {
    insta::assert_snapshot!(expand(
        quote!(),
        quote! {
            impl Worker {
                #[init]
                fn init(config: Config) -> Result<Option<Self>, ConfigError> {
                    if !config.enabled {
                        return Ok(None);
                    }
                    Ok(Some(Worker { config: config.check()? }))
                }

                #[call]
                pub fn queue(&self) -> String {
                    self.config.queue.clone()
                }
            }
        }
    ));
}

/// Every return type of `#[init]`: the error type `start` reports, and what the generated
/// `init` makes of the user's value (wrapped in `Some` unless it is an `Option` already).
#[test]
fn every_return_type_of_init() {
    let cases = [
        (
            quote!(Self),
            "Infallible",
            "Ok(::genserver::__private::Some(",
        ),
        (
            quote!(Counter),
            "Infallible",
            "Ok(::genserver::__private::Some(",
        ),
        (quote!(Option<Self>), "Infallible", "Ok(Self::init(args))"),
        (
            quote!(std::option::Option<Counter>),
            "Infallible",
            "Ok(Self::init(args))",
        ),
        (quote!(Result<Self, Bad>), "Bad", "Result::map("),
        (
            quote!(Result<Option<Self>, Bad>),
            "Bad",
            "{ Self::init(args) }",
        ),
        (quote!(anyhow::Result<Self>), "InitResult", "Result::map("),
        (
            quote!(anyhow::Result<Option<Self>>),
            "InitResult",
            "{ Self::init(args) }",
        ),
    ];
    for (ret, error, body) in cases {
        let code = genserver_impl(
            quote!(),
            quote! {
                impl Counter {
                    #[init]
                    fn init(args: u8) -> #ret { todo!() }
                    #[call]
                    fn get(&self) -> u8 { 0 }
                }
            },
        )
        .to_string()
        .replace(' ', "");
        assert!(!code.contains("compile_error"), "{ret}: {code}");
        let init_error = code
            .split("typeInitError=")
            .nth(1)
            .and_then(|rest| rest.split(';').next())
            .expect("an InitError");
        assert!(
            init_error.contains(error),
            "{ret}: InitError = {init_error}"
        );
        assert!(
            code.contains(&body.replace(' ', "")),
            "{ret}: no `{body}` in {code}"
        );
    }
}

#[test]
fn init_returning_another_shape_is_refused_at_its_return_type() {
    for ret in [
        quote!(Option<Result<Self, Bad>>),
        quote!(Option<anyhow::Result<Self>>),
    ] {
        let messages = errors(
            quote!(),
            quote!(impl Counter { #[init] fn init(args: u8) -> #ret { todo!() } }),
        );
        assert_eq!(messages.len(), 1, "{ret}: {messages:#?}");
        assert!(
            messages[0].contains("returns `Result<Option<Self>, E>`")
                && messages[0].contains("not `Option<Result<Self, E>>`"),
            "{ret}: {messages:#?}"
        );
    }
    for ret in [
        quote!(Box<Self>),
        quote!(Option<Option<Self>>),
        quote!(Result<Result<Self, Bad>, Bad>),
        quote!(Result<Option<Bad>, Bad>),
        quote!(Option<Self, Bad>),
        quote!(Option),
        quote!((Self, u8)),
    ] {
        let messages = errors(
            quote!(),
            quote!(impl Counter { #[init] fn init(args: u8) -> #ret { todo!() } }),
        );
        assert_eq!(messages.len(), 1, "{ret}: {messages:#?}");
        assert!(
            messages[0].contains("`-> Option<Self>` when it may decline to start the server"),
            "{ret}: {messages:#?}"
        );
    }
}

#[test]
fn producer() {
    insta::assert_snapshot!(expand(
        quote!(),
        quote! {
            impl Numbers {
                /// Called with the demand of all subscribers.
                #[produce]
                pub fn demand(&mut self, demand: usize) -> Vec<u64> {
                    let events = (self.next..self.next + demand as u64).collect();
                    self.next += demand as u64;
                    events
                }

                #[cast]
                pub fn push(&mut self, n: u64, ctx: &mut Context<Self>) {
                    ctx.emit(vec![n]);
                }
            }
        }
    ));
}

#[test]
fn producer_consumer_and_consumer() {
    insta::assert_snapshot!(expand(
        quote!(),
        quote! {
            impl Double {
                #[consume]
                pub async fn events(&mut self, events: Vec<u64>, ctx: &mut Context<Self>) -> Vec<u64> {
                    let _ = ctx;
                    events.into_iter().map(|n| n * 2).collect()
                }

                #[cancel]
                fn on_cancel(&mut self, cancelled: Cancelled) {
                    let _ = cancelled;
                }
            }
        }
    ));
}

#[test]
fn stage_roles_are_checked_together() {
    let messages = errors(
        quote!(),
        quote! {
            impl Stage {
                #[produce]
                fn demand(&mut self, demand: usize) -> Vec<u64> { vec![] }
                #[produce]
                fn again(&mut self, demand: usize) -> Vec<u64> { vec![] }
                #[consume]
                fn events(&mut self, event: u64) {}
            }
        },
    );
    assert_eq!(messages.len(), 2, "{messages:#?}");
    assert!(messages[0].contains("one `#[produce]`"), "{messages:#?}");
    assert!(messages[1].contains("as a `Vec`"), "{messages:#?}");
}

#[test]
fn every_error_of_an_impl_is_reported_together() {
    let messages = errors(
        quote!(),
        quote! {
            impl Counter {
                #[cast]
                fn reset(&mut self) -> i64 { 0 }
                #[call]
                fn get(self) -> i64 { 0 }
                #[info]
                fn on_nothing(&mut self) {}
            }
        },
    );
    assert_eq!(messages.len(), 3, "{messages:#?}");
    assert!(messages[0].contains("fire-and-forget"), "{messages:#?}");
    assert!(messages[1].contains("`self` by value"), "{messages:#?}");
    assert!(
        messages[2].contains("exactly one message parameter"),
        "{messages:#?}"
    );
}

#[test]
fn an_error_keeps_the_users_items() {
    let output = genserver_impl(
        quote!(),
        quote! {
            impl Counter {
                #[cast]
                fn reset(&mut self) -> i64 { 0 }
            }
        },
    )
    .to_string();
    assert!(output.contains("fn reset"), "{output}");
    assert!(!output.contains("# [cast]"), "{output}");
    assert!(output.contains("struct CounterRef"), "{output}");
    assert!(output.contains("compile_error"), "{output}");
}

#[test]
fn arguments_of_the_attribute_are_checked() {
    let messages = errors(quote!(craet = ::x), quote!(impl Counter {}));
    assert_eq!(messages.len(), 1);
    assert!(
        messages[0].contains("unknown argument `craet`"),
        "{messages:?}"
    );
    let messages = errors(quote!(crate = genserver), quote!(impl Counter {}));
    assert!(messages[0].contains("absolute path"), "{messages:?}");
    assert!(errors(quote!(crate = "::genserver"), quote!(impl Counter {})).is_empty());
}

/// Arbitrary token soup must give errors (or an expansion), never a panic.
#[test]
fn malformed_input_never_panics() {
    let inputs = [
        quote!(),
        quote!(impl),
        quote!(impl {}),
        quote!(
            struct Counter;
        ),
        quote!(impl Counter { #[call] }),
        quote!(impl Counter { #[call] fn () {} }),
        quote!(impl Counter { #[call] fn f(&self, ...) {} }),
        quote!(impl Counter { #[info] fn f(&self, (a, b): (u8, u8), c: u8) {} }),
        quote!(impl Counter { #[call] fn f(&self, _: u8) -> _ {} }),
        quote!(
            impl<'a, T, const N: usize> Counter<'a, T, N> {
                #[call]
                fn f(&self) {}
            }
        ),
        quote!(impl [u8] { #[call] fn f(&self) {} }),
        quote!(impl Counter { #[init] #[init] fn init() -> Self { Counter } }),
        quote!(impl Counter { #[terminate] fn t() {} #[terminate] fn u(self) -> u8 { 0 } }),
        quote!(impl Counter { #[call] const X: u8 = 0; #[cast] type T = u8; }),
        quote!(impl Counter { #[init] fn init(ctx: &mut Context<Self>) -> Result<Self> { todo!() } }),
        quote!(impl Counter { #[call] fn r#type(&self, r#in: u8) -> u8 { r#in } }),
        quote!(impl Counter { #[call] fn _(&self) {} }),
    ];
    for input in inputs {
        for args in [quote!(), quote!(crate), quote!(crate = ), quote!(= =)] {
            let _ = genserver_impl(args, input.clone());
        }
    }
}

/// `docs/expansion.md` shows the counter's snapshot; keep it in step with the macro.
#[test]
fn the_expansion_guide_shows_the_current_expansion() {
    let snapshot = include_str!("snapshots/genserver_macros__tests__counter.snap");
    let code = snapshot
        .splitn(3, "---\n")
        .nth(2)
        .expect("an insta snapshot");
    let guide = include_str!("../../docs/expansion.md");
    assert!(
        guide.contains(code.trim_end()),
        "docs/expansion.md is out of date: paste the counter snapshot into it"
    );
}

mod fuzz {
    //! Random impl blocks assembled from fragments, valid and not: the macro must always
    //! return tokens (an expansion or `compile_error!`s) and never panic.

    use proc_macro2::TokenStream;
    use proptest::prelude::*;

    const FRAGMENTS: &[&str] = &[
        "#[call]",
        "#[cast]",
        "#[info]",
        "#[init]",
        "#[terminate]",
        "#[produce]",
        "#[consume]",
        "#[cancel]",
        "#[calll]",
        "#[call(x)]",
        "#[doc = \"d\"]",
        "#[cfg(test)]",
        "pub",
        "pub(crate)",
        "async",
        "const",
        "unsafe",
        "fn",
        "f",
        "g",
        "start",
        "with_timeout",
        "(",
        ")",
        "&self",
        "&mut self",
        "self",
        "self: Box<Self>",
        ",",
        "x: u32",
        "s: &str",
        "t: impl Send",
        "ctx: &mut Context<Self>",
        "ctx: &Context<Self>",
        "reply: ReplyTo<u8>",
        "reason: &ExitReason",
        "args: Config",
        "demand: usize",
        "events: Vec<u64>",
        "-> Vec<u64>",
        "cancelled: Cancelled",
        "_: Tick",
        "<T>",
        "where T: Send",
        "-> u8",
        "-> Self",
        "-> Result<Self, E>",
        "-> Option<Self>",
        "-> Result<Option<Self>, E>",
        "-> Option<Result<Self, E>>",
        "-> &str",
        "-> impl Send",
        "{}",
        "{ 0 }",
        ";",
        "const X: u8 = 0;",
        "type T = u8;",
    ];

    fn body() -> impl Strategy<Value = String> {
        prop::collection::vec(prop::sample::select(FRAGMENTS), 0..40)
            .prop_map(|fragments| fragments.join(" "))
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn the_macro_never_panics(
            body in body(),
            generics in prop::sample::select(&["", "<T>", "<'a>", "<T: Send + 'static>"][..]),
            args in prop::sample::select(&["", "crate = ::g", "crate = g", "x", "crate = \"::g\""][..]),
        ) {
            let item = format!("impl{generics} Counter{generics} {{ {body} }}");
            // Input that does not even lex is rejected by the compiler before the macro runs.
            let (Ok(item), Ok(args)) = (item.parse::<TokenStream>(), args.parse::<TokenStream>())
            else {
                return Ok(());
            };
            let output = crate::genserver_impl(args, item);
            prop_assert!(!output.is_empty());
        }
    }
}
