//! The marketplace admin console (`/admin/...`, marketplace admins): the review queue with a
//! diff of each submission against the published version, partners, categories and
//! collections, lead routing rules, the demand board and the audit log.

// The console's two halves are two bundles (see `AdminRoute::bundle`).
#[cfg(any(feature = "ssr", feature = "console-admin-ops"))]
mod audit;
#[cfg(any(feature = "ssr", feature = "console-admin"))]
mod catalog;
#[cfg(any(feature = "ssr", feature = "console-admin-ops"))]
mod demand;
#[cfg(any(feature = "ssr", feature = "console-admin"))]
mod diff;
#[cfg(any(feature = "ssr", feature = "console-admin-ops"))]
mod partners;
#[cfg(any(feature = "ssr", feature = "console-admin"))]
mod review;
#[cfg(any(feature = "ssr", feature = "console-admin-ops"))]
mod routing;

use leptos::prelude::*;

use super::gate::admin;
use super::route::AdminRoute;
use super::ui::{gated, ConsoleNav};

const LINKS: [(&str, &str); 6] = [
    ("/admin", "Review queue"),
    ("/admin/partners", "Partners"),
    ("/admin/catalog", "Categories & collections"),
    ("/admin/routing", "Lead routing"),
    ("/admin/demand", "Demand board"),
    ("/admin/audit", "Audit log"),
];

#[component]
pub fn AdminConsole(path: String) -> impl IntoView {
    let route = StoredValue::new(AdminRoute::parse(&path));
    let path = StoredValue::new(path);
    gated("marketplace admins", admin, move |_| {
        let view = section(route.get_value());
        let current = path.get_value();
        let current = if current.starts_with("/admin/review/") {
            "/admin".to_string()
        } else {
            current
        };
        let links = LINKS.iter().map(|(h, t)| (h.to_string(), *t)).collect();
        view! {
            <div class="console">
                <aside class="console__side">
                    <p class="console__owner">"Mercato"</p>
                    <p class="muted console__role">"Admin console"</p>
                    <ConsoleNav label="Admin console" links current />
                </aside>
                <div class="console__main">{view}</div>
            </div>
        }
    })
}

/// The view a route names, in the bundle of its half of the console.
fn section(route: AdminRoute) -> AnyView {
    match route {
        #[cfg(any(feature = "ssr", feature = "console-admin"))]
        AdminRoute::ReviewQueue => view! { <review::Queue /> }.into_any(),
        #[cfg(any(feature = "ssr", feature = "console-admin"))]
        AdminRoute::Review(listing) => view! { <review::Review listing /> }.into_any(),
        #[cfg(any(feature = "ssr", feature = "console-admin"))]
        AdminRoute::Catalog => view! { <catalog::Catalog /> }.into_any(),
        #[cfg(any(feature = "ssr", feature = "console-admin-ops"))]
        AdminRoute::Partners => view! { <partners::Partners /> }.into_any(),
        #[cfg(any(feature = "ssr", feature = "console-admin-ops"))]
        AdminRoute::Routing => view! { <routing::Routing /> }.into_any(),
        #[cfg(any(feature = "ssr", feature = "console-admin-ops"))]
        AdminRoute::Demand => view! { <demand::Demand /> }.into_any(),
        #[cfg(any(feature = "ssr", feature = "console-admin-ops"))]
        AdminRoute::Audit => view! { <audit::Audit /> }.into_any(),
        AdminRoute::NotFound => view! {
            <div class="not-allowed" role="alert">
                <h2>"There is no such page in the admin console"</h2>
                <p><a href="/admin">"Go to the review queue"</a></p>
            </div>
        }
        .into_any(),
        #[allow(unreachable_patterns)]
        _ => view! { <p>"This page is in another part of the console."</p> }.into_any(),
    }
}
