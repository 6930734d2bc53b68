//! The partner portal (`/partner/{partner}/...`, the partner's members and marketplace
//! admins): listings and their editor, listing analytics, the leads inbox, deal registrations,
//! API keys, webhooks, and the partner's profile and members.

// The portal's two halves are two bundles (see `PartnerRoute::bundle`).
#[cfg(any(feature = "ssr", feature = "console-partner"))]
mod analytics;
#[cfg(any(feature = "ssr", feature = "console-partner-ops"))]
mod deals;
#[cfg(any(feature = "ssr", feature = "console-partner"))]
mod editor;
#[cfg(any(feature = "ssr", feature = "console-partner-ops"))]
mod integrations;
#[cfg(any(feature = "ssr", feature = "console-partner-ops"))]
mod leads;
#[cfg(any(feature = "ssr", feature = "console-partner"))]
mod listings;
#[cfg(any(feature = "ssr", feature = "console-partner-ops"))]
mod profile;

use leptos::prelude::*;
use mercato_shared::api::auth::Me;

use super::gate::{admin, member_of, NotAllowed};
use super::route::PartnerRoute;
use super::ui::{gated, go, ConsoleNav};
use crate::components::Loading;

#[component]
pub fn PartnerPortal(path: String) -> impl IntoView {
    let route = PartnerRoute::parse(&path);
    let Some(partner) = route.partner().map(str::to_string) else {
        return match route {
            PartnerRoute::Home => {
                gated("partner members", |_| true, |me: Me| choose_partner(me)).into_any()
            }
            _ => not_found().into_any(),
        };
    };
    let audience = "members of this partner";
    let allowed = {
        let partner = partner.clone();
        move |me: &Me| member_of(me, &partner)
    };
    let route = StoredValue::new(route);
    let partner = StoredValue::new(partner);
    let path = StoredValue::new(path);
    gated(audience, allowed, move |me: Me| {
        let partner = partner.get_value();
        let name = me
            .partners
            .iter()
            .find(|m| m.partner_slug == partner)
            .map_or_else(|| partner.clone(), |m| m.partner_name.clone());
        let base = format!("/partner/{partner}");
        let links = vec![
            (base.clone(), "Listings"),
            (format!("{base}/leads"), "Leads"),
            (format!("{base}/deals"), "Deal registrations"),
            (format!("{base}/api-keys"), "API keys"),
            (format!("{base}/webhooks"), "Webhooks"),
            (format!("{base}/profile"), "Profile & members"),
        ];
        let view = section(route.get_value());
        let current = path.get_value();
        let current = if current.contains("/listings/") {
            base.clone()
        } else {
            current
        };
        view! {
            <div class="console">
                <aside class="console__side">
                    <p class="console__owner">{name}</p>
                    <p class="muted console__role">"Partner portal"</p>
                    <ConsoleNav label="Partner portal" links current />
                </aside>
                <div class="console__main">{view}</div>
            </div>
        }
        .into_any()
    })
    .into_any()
}

/// The view a route names, in the bundle of its half of the portal.
fn section(route: PartnerRoute) -> AnyView {
    match route {
        #[cfg(any(feature = "ssr", feature = "console-partner"))]
        PartnerRoute::Listings(p) => view! { <listings::Listings partner=p /> }.into_any(),
        #[cfg(any(feature = "ssr", feature = "console-partner"))]
        PartnerRoute::NewListing(p) => {
            view! { <editor::Editor partner=p listing=None /> }.into_any()
        }
        #[cfg(any(feature = "ssr", feature = "console-partner"))]
        PartnerRoute::EditListing(p, l) => {
            view! { <editor::Editor partner=p listing=Some(l) /> }.into_any()
        }
        #[cfg(any(feature = "ssr", feature = "console-partner"))]
        PartnerRoute::ListingAnalytics(p, l) => {
            view! { <analytics::ListingAnalytics partner=p listing=l /> }.into_any()
        }
        #[cfg(any(feature = "ssr", feature = "console-partner-ops"))]
        PartnerRoute::Leads(p) => view! { <leads::Leads partner=p /> }.into_any(),
        #[cfg(any(feature = "ssr", feature = "console-partner-ops"))]
        PartnerRoute::Deals(p) => view! { <deals::Deals partner=p /> }.into_any(),
        #[cfg(any(feature = "ssr", feature = "console-partner-ops"))]
        PartnerRoute::ApiKeys(p) => view! { <integrations::ApiKeys partner=p /> }.into_any(),
        #[cfg(any(feature = "ssr", feature = "console-partner-ops"))]
        PartnerRoute::Webhooks(p) => view! { <integrations::Webhooks partner=p /> }.into_any(),
        #[cfg(any(feature = "ssr", feature = "console-partner-ops"))]
        PartnerRoute::Profile(p) => view! { <profile::Profile partner=p /> }.into_any(),
        PartnerRoute::Home | PartnerRoute::NotFound => not_found().into_any(),
        #[allow(unreachable_patterns)]
        _ => not_found().into_any(),
    }
}

/// `/partner`: straight on to the account's partner; an account in several picks one.
fn choose_partner(me: Me) -> impl IntoView {
    match me.partners.as_slice() {
        [] if admin(&me) => view! {
            <div class="not-allowed">
                <h2>"Open a partner’s portal"</h2>
                <p>"As a marketplace admin you can open any partner’s portal from "
                    <a href="/admin/partners">"Partners in the admin console"</a> "."</p>
            </div>
        }
        .into_any(),
        [] => view! { <NotAllowed audience="members of a partner company" /> }.into_any(),
        [only] => {
            go(&format!("/partner/{}", only.partner_slug));
            view! { <Loading message=format!("Opening {}…", only.partner_name) /> }.into_any()
        }
        several => view! {
            <div class="console-section">
                <h1>"Choose a partner"</h1>
                <ul class="stack" role="list">
                    {several.iter().map(|m| view! {
                        <li><a class="button button--secondary" href=format!("/partner/{}", m.partner_slug)>{m.partner_name.clone()}</a></li>
                    }).collect_view()}
                </ul>
            </div>
        }
        .into_any(),
    }
}

fn not_found() -> impl IntoView {
    view! {
        <div class="not-allowed" role="alert">
            <h2>"There is no such page in the portal"</h2>
            <p><a href="/partner">"Go to the partner portal"</a></p>
        </div>
    }
}
