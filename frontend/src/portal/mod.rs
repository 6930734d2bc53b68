//! The consoles for signed-in staff and partners (`/analytics`, later `/partner` and `/admin`).
//! They need no SEO: the server renders the frame and a loading state, and the island loads the
//! data after hydration. They are in the `portal` bundle only (`cargo xtask build-web` builds
//! it beside the public one), so public pages never download their code.

pub mod analytics;
pub mod charts;
pub mod gate;

use leptos::prelude::*;

use analytics::AnalyticsConsole;

/// `/analytics`: the analyst view.
#[component]
pub fn AnalyticsPage() -> impl IntoView {
    view! {
        <header class="console-head">
            <h1>"Marketplace analytics"</h1>
            <p class="muted">"Which integrations customers use, and how that relates to churn."</p>
        </header>
        <AnalyticsConsole />
    }
}
