//! The consoles for signed-in partners and staff: the partner portal (`/partner/...`), the
//! admin console (`/admin/...`) and the analyst view (`/analytics`). They need no SEO: the
//! server renders a frame with a loading state, and the console's island checks the session,
//! loads the data and shows the view its path names ([`route`]). They are in the `portal`
//! bundle only (`cargo xtask build-web` builds it beside the public one), so public pages never
//! download their code.

pub mod admin;
pub mod analytics;
pub mod charts;
pub mod gate;
pub mod partner;
pub mod route;
pub mod ui;

use leptos::prelude::*;

use admin::AdminConsole;
use analytics::AnalyticsConsole;
use partner::PartnerPortal;

/// `/analytics`: the analyst view.
#[component]
pub fn AnalyticsPage() -> impl IntoView {
    view! {
        <header class="console-head">
            <h1>"Marketplace analytics"</h1>
            <p class="muted">"Which integrations customers use, how that relates to churn, and how partners perform."</p>
        </header>
        <AnalyticsConsole />
    }
}

/// `/partner/...`: the partner portal.
#[component]
pub fn PartnerPortalPage(path: String) -> impl IntoView {
    view! { <PartnerPortal path /> }
}

/// `/admin/...`: the admin console.
#[component]
pub fn AdminConsolePage(path: String) -> impl IntoView {
    view! { <AdminConsole path /> }
}
