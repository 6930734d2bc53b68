//! The header's account corner: "Sign in / Sign up" as the server renders it (the server does
//! not know who is signed in: sessions live in the browser), then the account's name and
//! "Sign out" once hydrated, when someone is signed in on this browser.

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api;
use crate::session;

/// `/sign-in?next=<where the visitor is>`.
pub fn with_next(path: &str, next: &str) -> String {
    if next.is_empty() || next == "/" {
        path.to_string()
    } else {
        format!("{path}?next={}", crate::pages::search::encode(next))
    }
}

/// The current page's path and query, to come back to after signing in.
pub fn here() -> String {
    let location = window().location();
    format!(
        "{}{}",
        location.pathname().unwrap_or_default(),
        location.search().unwrap_or_default()
    )
}

// An island on hydrated pages; the consoles' bundles render it in the browser instead.
#[cfg_attr(any(feature = "ssr", feature = "hydrate"), island)]
#[cfg_attr(not(any(feature = "ssr", feature = "hydrate")), component)]
pub fn AccountMenu() -> impl IntoView {
    let name = RwSignal::new(None::<String>);
    let next = RwSignal::new(String::new());
    Effect::new(move |_| {
        next.set(here());
        name.set(session::load().map(|s| s.user.display_name));
    });
    let sign_out = move |_| {
        if let Some(current) = session::load() {
            session::clear();
            spawn_local(async move {
                api::logout(&current).await;
                let _ = window().location().reload();
            });
        }
    };

    view! {
        <nav class="account" aria-label="Account">
            {move || match name.get() {
                None => view! {
                    <a class="account__link" href=move || with_next("/sign-in", &next.get())>"Sign in"</a>
                    <a class="button button--small" href=move || with_next("/sign-up", &next.get())>"Sign up"</a>
                }
                .into_any(),
                Some(display_name) => view! {
                    <a class="account__name" href="/account" title="Your account and sign-in methods">{display_name}</a>
                    <button class="button button--small button--secondary" type="button" on:click=sign_out>
                        "Sign out"
                    </button>
                }
                .into_any(),
            }}
        </nav>
    }
}
