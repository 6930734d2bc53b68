//! The page for an address that names nothing.

use leptos::prelude::*;

#[component]
pub fn NotFoundPage() -> impl IntoView {
    view! {
        <section class="not-found" aria-labelledby="not-found-title">
            <h1 id="not-found-title">"We couldn’t find that page"</h1>
            <p>"The integration or page may have moved, or the address has a typo."</p>
            <p>
                <a class="button" href="/">"Browse integrations"</a>
            </p>
        </section>
    }
}
