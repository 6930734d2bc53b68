//! The sign-in and sign-up pages: the form island, and the way to the other page.

use leptos::prelude::*;

use mercato_shared::api::sso::{sso_error_message, SsoProvider};

use crate::islands::{with_next, AuthForm, LinkedSignIns, SsoButtons, SsoComplete};

#[component]
pub fn AuthPage(
    /// `true` for sign-up.
    register: bool,
    /// Where to go afterwards (a path on this site).
    next: String,
    /// The configured single sign-on providers.
    providers: Vec<SsoProvider>,
    /// Why the last single sign-on came back refused (`?sso_error=`).
    sso_error: Option<String>,
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
            {sso_error.map(|code| view! {
                <p class="form-problem" role="alert">{sso_error_message(&code)}</p>
            })}
            {(!providers.is_empty()).then(|| {
                let next = next.clone();
                view! {
                    <SsoButtons providers next />
                    <p class="auth__or" aria-hidden="true"><span>"or with your email"</span></p>
                }
            })}
            <AuthForm register next=next.clone() />
            <div class="auth__other">{other}</div>
        </section>
    }
}

/// `/sign-in/complete`: where a single sign-on lands; the island finishes it.
#[component]
pub fn SsoCompletePage(code: String, next: String) -> impl IntoView {
    view! {
        <section class="auth panel" aria-labelledby="auth-title">
            <h1 id="auth-title">"Signing in"</h1>
            <SsoComplete code next />
        </section>
    }
}

/// `/account`: the account's linked sign-ins (the island loads them for whoever is signed in
/// on this browser).
#[component]
pub fn AccountPage(
    providers: Vec<SsoProvider>,
    /// A provider just linked (`?linked=`), by name.
    linked: Option<String>,
    /// Why a link came back refused (`?sso_error=`).
    sso_error: Option<String>,
) -> impl IntoView {
    view! {
        <section class="account-page panel" aria-labelledby="account-title">
            <h1 id="account-title">"Your account"</h1>
            {linked.map(|name| view! {
                <p class="notice notice--success" role="status">{format!("{name} is now linked: you can sign in with it.")}</p>
            })}
            {sso_error.map(|code| view! {
                <p class="form-problem" role="alert">{sso_error_message(&code)}</p>
            })}
            <h2>"Sign-in methods"</h2>
            <p class="muted">"Sign in with your organisation's identity provider instead of a password. An identity is linked only from here, while you are signed in."</p>
            <LinkedSignIns providers />
        </section>
    }
}
