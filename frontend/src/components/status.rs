use leptos::prelude::*;

use crate::api::ApiError;

/// Shown while something loads or runs ("Checking your workspaces…"); announced politely to
/// screen readers.
#[component]
pub fn Loading(#[prop(into)] message: String) -> impl IntoView {
    view! {
        <p class="status status--loading" role="status">
            <span class="spinner" aria-hidden="true"></span>
            {message}
        </p>
    }
}

/// A failed request: what could not be loaded, why, and a way to try again.
#[component]
pub fn ErrorNotice(what: &'static str, error: ApiError, on_retry: Callback<()>) -> impl IntoView {
    view! {
        <div class="status status--error" role="alert">
            <p class="status__title">{format!("We couldn’t load {what}.")}</p>
            <p class="status__detail">{error.to_string()}</p>
            <button class="button button--secondary" type="button" on:click=move |_| on_retry.run(())>
                "Try again"
            </button>
        </div>
    }
}
