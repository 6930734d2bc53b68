//! The consoles for signed-in partners and staff: the partner portal (`/partner/...`), the
//! admin console (`/admin/...`) and the analyst view (`/analytics`). They need no SEO: the
//! server renders a frame with the console's first state ("checking your access"), and the
//! console's bundle renders the console in its place ([`mount`]): it checks the session,
//! loads the data and shows the view its path names ([`route`]).

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

/// Where a console page's console goes; the server renders its first state there.
#[component]
fn ConsoleRoot(children: Children) -> impl IntoView {
    view! { <div class="console-root" data-console="">{children()}</div> }
}

/// `/analytics`: the analyst view.
#[component]
pub fn AnalyticsPage() -> impl IntoView {
    view! {
        <header class="console-head">
            <h1>"Marketplace analytics"</h1>
            <p class="muted">"Which integrations customers use, how that relates to churn, and how partners perform."</p>
        </header>
        <ConsoleRoot><AnalyticsConsole /></ConsoleRoot>
    }
}

/// `/partner/...`: the partner portal.
#[component]
pub fn PartnerPortalPage(path: String) -> impl IntoView {
    view! { <ConsoleRoot><PartnerPortal path /></ConsoleRoot> }
}

/// `/admin/...`: the admin console.
#[component]
pub fn AdminConsolePage(path: String) -> impl IntoView {
    view! { <ConsoleRoot><AdminConsole path /></ConsoleRoot> }
}

/// Renders this bundle's console and the account menu in the browser, in place of what the
/// server rendered there.
#[cfg(feature = "csr")]
pub fn mount() {
    use crate::islands::AccountMenu;

    mount_into(
        "leptos-island[data-component^='AccountMenu']",
        || view! { <AccountMenu /> },
    );
    #[cfg(not(feature = "console-analytics"))]
    let path = window().location().pathname().unwrap_or_default();
    #[cfg(feature = "console-analytics")]
    mount_into("[data-console]", || view! { <AnalyticsConsole /> });
    #[cfg(any(feature = "console-partner", feature = "console-partner-ops"))]
    mount_into("[data-console]", move || view! { <PartnerPortal path /> });
    #[cfg(any(feature = "console-admin", feature = "console-admin-ops"))]
    mount_into("[data-console]", move || view! { <AdminConsole path /> });
}

#[cfg(feature = "csr")]
fn mount_into<V: IntoView + 'static>(selector: &str, view: impl FnOnce() -> V + 'static) {
    use wasm_bindgen::JsCast;

    let Some(element) = document().query_selector(selector).ok().flatten() else {
        return;
    };
    element.set_inner_html("");
    leptos::mount::mount_to(element.unchecked_into(), view).forget();
}
