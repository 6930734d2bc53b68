//! A category's page: what it covers and its integrations, most installed first.

use leptos::prelude::*;
use mercato_shared::api::categories::Category;
use mercato_shared::api::listings::ListingSummary;

use crate::components::ListingGrid;

#[component]
pub fn CategoryPage(
    category: Category,
    listings: Vec<ListingSummary>,
    next_href: Option<String>,
) -> impl IntoView {
    let count = match category.listing_count {
        1 => "1 integration".to_string(),
        n => format!("{n} integrations"),
    };
    view! {
        <nav class="breadcrumbs" aria-label="Breadcrumb">
            <ol>
                <li><a href="/">"Integrations"</a></li>
                <li aria-current="page">{category.name.clone()}</li>
            </ol>
        </nav>
        <section class="hero" aria-labelledby="category-title">
            <h1 id="category-title">{format!("{} integrations", category.name)}</h1>
            {(!category.description.is_empty()).then(|| view! {
                <p class="hero__lead">{category.description.clone()}</p>
            })}
            <p class="muted">{count}</p>
        </section>
        <section aria-label="Integrations">
            <ListingGrid listings next_href empty="No integrations in this category yet." />
        </section>
    }
}
