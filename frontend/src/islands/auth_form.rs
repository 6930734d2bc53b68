//! The sign-in and sign-up forms. They talk to the API's `/auth/login` and `/auth/register`,
//! keep the issued session in the browser and go back to where the visitor came from
//! (`next`, a path on this site). The server renders them with the submit button off: they
//! need JavaScript, and the page says so to visitors without it.

use leptos::prelude::*;
use leptos::task::spawn_local;
use mercato_shared::api::auth::{LoginRequest, RegisterRequest};

use super::fields::{start_submit, FormProblem, TextField};
use crate::api;
use crate::session;

// An island where pages are hydrated; a plain (unused) component in the consoles' bundles.
#[cfg_attr(any(feature = "ssr", feature = "hydrate"), island)]
#[cfg_attr(not(any(feature = "ssr", feature = "hydrate")), component)]
pub fn AuthForm(
    /// `true` for sign-up, `false` for sign-in.
    register: bool,
    /// Where to go afterwards.
    next: String,
) -> impl IntoView {
    let display_name = RwSignal::new(String::new());
    let email = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let failure = RwSignal::new(None);
    let busy = RwSignal::new(false);
    let ready = RwSignal::new(false);
    Effect::new(move |_| ready.set(true));
    let next = session::safe_next(&next);

    let submit = move |ev: leptos::ev::SubmitEvent| {
        if !start_submit(&ev, busy, failure) {
            return;
        }
        let next = next.clone();
        spawn_local(async move {
            let answer = if register {
                api::register(&RegisterRequest {
                    email: email.get_untracked(),
                    password: password.get_untracked(),
                    display_name: display_name.get_untracked(),
                })
                .await
            } else {
                api::login(&LoginRequest {
                    email: email.get_untracked(),
                    password: password.get_untracked(),
                })
                .await
            };
            match answer {
                Ok(tokens) => {
                    session::store(tokens);
                    let _ = window().location().assign(&next);
                }
                Err(error) => {
                    failure.set(Some(error));
                    busy.set(false);
                }
            }
        });
    };
    let (action, busy_label) = if register {
        ("Create account", "Creating your account…")
    } else {
        ("Sign in", "Signing in…")
    };

    view! {
        <form class="auth-form" on:submit=submit novalidate>
            <FormProblem failure fields=&["display_name", "email", "password"] />
            {register.then(|| view! {
                <TextField id="auth-name" name="display_name" label="Your name" value=display_name
                    failure autocomplete="name" />
            })}
            <TextField id="auth-email" name="email" label="Work email" value=email failure
                kind="email" autocomplete="email" />
            <TextField id="auth-password" name="password" label="Password" value=password failure
                kind="password"
                autocomplete=if register { "new-password" } else { "current-password" }
                hint=if register { Some("At least 10 characters.") } else { None } />
            <button class="button auth-form__submit" type="submit"
                disabled=move || !ready.get() || busy.get()
                aria-busy=move || busy.get().to_string()>
                {move || if busy.get() { busy_label } else { action }}
            </button>
        </form>
    }
}
