//! The sign-in and sign-up pages: the form island, and the way to the other page.

use leptos::prelude::*;

use crate::islands::{with_next, AuthForm};

#[component]
pub fn AuthPage(
    /// `true` for sign-up.
    register: bool,
    /// Where to go afterwards (a path on this site).
    next: String,
) -> impl IntoView {
    let (title, lead) = if register {
        (
            "Create your Mercato account",
            "Install integrations into your workspace, review them, and ask partners for help.",
        )
    } else {
        (
            "Sign in to Mercato",
            "Install and review integrations for your workspaces.",
        )
    };
    let other = if register {
        view! { <p>"Already have an account? " <a href=with_next("/sign-in", &next)>"Sign in"</a></p> }
            .into_any()
    } else {
        view! { <p>"New to Mercato? " <a href=with_next("/sign-up", &next)>"Create an account"</a></p> }
            .into_any()
    };
    view! {
        <section class="auth panel" aria-labelledby="auth-title">
            <h1 id="auth-title">{title}</h1>
            <p class="muted">{lead}</p>
            <noscript>
                <p class="form-problem">"Signing in needs JavaScript. Please enable it and reload this page."</p>
            </noscript>
            <AuthForm register next=next.clone() />
            <div class="auth__other">{other}</div>
        </section>
    }
}
