use leptos::prelude::*;
use mercato_shared::api::listings::ListingSummary;

/// A listing in a grid: name (the link to its page), tagline and partner.
#[component]
pub fn ListingCard(listing: ListingSummary) -> impl IntoView {
    let href = format!("/integrations/{}", listing.slug);
    view! {
        <li class="card">
            <h3 class="card__name">
                <a class="card__link" href=href>{listing.name}</a>
            </h3>
            <p class="card__tagline">{listing.tagline}</p>
            <p class="card__partner">
                <span class="visually-hidden">"Built by "</span>
                {listing.partner.name}
            </p>
        </li>
    }
}
