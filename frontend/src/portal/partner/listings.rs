//! The partner's listings: status, installs, rating, and the way to the editor and analytics.

use leptos::prelude::*;
use mercato_shared::api::listings::{ListingStatus, ListingSummary};
use mercato_shared::api::Page;

use crate::api::{self, seg};
use crate::pages::listing::thousands;
use crate::portal::ui::{load, num, show, text, Chip, DataTable};

#[component]
pub fn Listings(partner: String) -> impl IntoView {
    let base = format!("/partner/{partner}");
    let data = load(move || {
        let path = format!("/api/v1/partners/{}/listings?limit=100", seg(&partner));
        async move { api::get::<Page<ListingSummary>>(&path).await }
    });
    let new_href = format!("{base}/listings/new");
    view! {
        <header class="console-head console-head--actions">
            <div>
                <h1>"Listings"</h1>
                <p class="muted">"Drafts, listings in review and published ones. Edits to a published listing go live when they are approved."</p>
            </div>
            <a class="button" href=new_href>"New listing"</a>
        </header>
        {show(data, "your listings", move |page: Page<ListingSummary>| {
            let base = base.clone();
            if page.items.is_empty() {
                return view! {
                    <p class="empty">"No listings yet. Create your first one: it stays a draft until you submit it for review."</p>
                }
                .into_any();
            }
            view! {
                <DataTable caption="Your listings" columns=vec![text("Listing"), text("Status"), num("Active installs"), num("Rating"), text("Actions")]>
                            {page.items.into_iter().map(|l| {
                                let edit = format!("{base}/listings/{}", l.slug);
                                let stats = format!("{edit}/analytics");
                                let public = (l.status == ListingStatus::Published)
                                    .then(|| format!("/integrations/{}", l.slug));
                                let rating = if l.review_count > 0 {
                                    format!("{:.1} ({})", l.rating, l.review_count)
                                } else {
                                    "—".to_string()
                                };
                                view! {
                                    <tr>
                                        <th scope="row"><a href=edit.clone()>{l.name.clone()}</a>
                                            <span class="muted small block">{l.tagline}</span></th>
                                        <td><Chip status=l.status.as_str().to_string() /></td>
                                        <td class="num">{thousands(l.active_installs)}</td>
                                        <td class="num">{rating}</td>
                                        <td class="actions">
                                            <a href=edit aria-label=format!("Edit {}", l.name)>"Edit"</a>
                                            <a href=stats aria-label=format!("Analytics of {}", l.name)>"Analytics"</a>
                                            {public.map(|href| view! { <a href=href aria-label=format!("Public page of {}", l.name)>"View"</a> })}
                                        </td>
                                    </tr>
                                }
                            }).collect_view()}
                        </DataTable>
            }
            .into_any()
        })}
    }
}
