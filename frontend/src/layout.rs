//! The frame of every page: skip link, header with brand, search and account, the page, footer.

use leptos::prelude::*;

use crate::islands::{AccountMenu, SearchBox};

#[component]
pub fn Layout(
    children: Children,
    /// The search query of the page, shown in the header's search box.
    #[prop(optional)]
    query: String,
) -> impl IntoView {
    view! {
        <a class="skip-link" href="#main">"Skip to content"</a>
        <header class="site-header">
            <div class="container site-header__inner">
                <a class="brand" href="/" aria-label="Mercato home">
                    <span class="brand__mark" aria-hidden="true">"M"</span>
                    <span class="brand__name">"Mercato"</span>
                </a>
                <SearchBox value=query input_id="site-search".to_string() large=false />
                <AccountMenu />
            </div>
        </header>
        <main id="main" class="container" tabindex="-1">
            {children()}
        </main>
        <footer class="site-footer">
            <div class="container site-footer__inner">
                <p>"Mercato — the integration marketplace for partner ecosystems."</p>
                <nav aria-label="More">
                    <a href="/requests">"Ask for an integration"</a>
                    <a href="/sign-up">"Create an account"</a>
                </nav>
            </div>
        </footer>
    }
}
