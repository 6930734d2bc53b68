use leptos::prelude::*;
use mercato_shared::api::listings::ListingSummary;

use super::ListingCard;

/// Listings as a grid of cards, with a link to the next page when there is one (plain links,
/// so crawlers and visitors without JavaScript page through too).
#[component]
pub fn ListingGrid(
    listings: Vec<ListingSummary>,
    /// The next page's address, if any.
    next_href: Option<String>,
    /// Said when there is nothing to show.
    empty: &'static str,
) -> impl IntoView {
    if listings.is_empty() {
        return view! { <p class="empty">{empty}</p> }.into_any();
    }
    view! {
        <ul class="card-grid" role="list">
            {listings.into_iter().map(|listing| view! { <ListingCard listing /> }).collect_view()}
        </ul>
        {next_href.map(|href| view! {
            <p class="pager">
                <a class="button button--secondary" href=href rel="next">"More integrations"</a>
            </p>
        })}
    }
    .into_any()
}
