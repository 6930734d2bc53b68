//! The marketplace home page: popular integrations and the category list.

use leptos::prelude::*;
use mercato_shared::api::categories::Category;
use mercato_shared::api::listings::ListingSummary;

use crate::components::{CategoryList, ListingCard};
use crate::islands::SearchBox;

/// How many listings the "Popular integrations" grid shows.
pub const POPULAR_LIMIT: u32 = 12;

/// The page itself, from its data (rendered by the server).
#[component]
pub fn HomePage(
    /// Staff picks; the section is left out when there are none.
    featured: Vec<ListingSummary>,
    popular: Vec<ListingSummary>,
    categories: Vec<Category>,
) -> impl IntoView {
    view! {
        <section class="hero" aria-labelledby="hero-title">
            <h1 id="hero-title">"Find the integrations your team runs on"</h1>
            <p class="hero__lead">
                "Connect the tools you already use. Every listing is built and supported by a Mercato partner."
            </p>
            <SearchBox value=String::new() input_id="hero-search".to_string() large=true />
        </section>
        {(!featured.is_empty()).then(|| view! {
            <section class="featured" aria-labelledby="featured-title">
                <h2 id="featured-title">"Staff picks"</h2>
                <PopularGrid popular=featured />
            </section>
        })}
        <div class="home-layout">
            <section class="home-layout__main" aria-labelledby="popular-title">
                <h2 id="popular-title">"Popular integrations"</h2>
                <PopularGrid popular />
            </section>
            <aside class="home-layout__side" aria-labelledby="categories-title">
                <h2 id="categories-title">"Browse by category"</h2>
                <CategoryList categories />
            </aside>
        </div>
    }
}

#[component]
pub fn PopularGrid(popular: Vec<ListingSummary>) -> impl IntoView {
    if popular.is_empty() {
        return view! { <p class="empty">"No integrations are published yet."</p> }.into_any();
    }
    view! {
        <ul class="card-grid" role="list">
            {popular.into_iter().map(|listing| view! { <ListingCard listing /> }).collect_view()}
        </ul>
    }
    .into_any()
}
