//! Server rendering (feature `ssr`, used by the backend): a page's `<body>` content as HTML,
//! from the data the server already has. The islands in it hydrate in the browser.

use leptos::prelude::*;
use leptos::tachys::view::RenderHtml;
use mercato_shared::api::categories::Category;
use mercato_shared::api::integration_requests::IntegrationRequest;
use mercato_shared::api::listings::{Listing, ListingSummary};
use mercato_shared::api::partners::Partner;
use mercato_shared::api::reviews::Review;
use mercato_shared::api::search::SearchResponse;
use mercato_shared::api::sso::SsoProvider;

use crate::components::ContactForm;
use crate::layout::Layout;
use crate::pages::auth::{AccountPage, AuthPage, SsoCompletePage};
use crate::pages::category::CategoryPage;
use crate::pages::home::HomePage;
use crate::pages::listing::ListingPage;
use crate::pages::not_found::NotFoundPage;
use crate::pages::partner::PartnerPage;
use crate::pages::requests::{RequestsPage, RequestsState};
use crate::pages::search::{SearchFilters, SearchPage};
use crate::pages::use_case::UseCasePage;

fn render<V: IntoView + 'static>(page: impl FnOnce() -> V + 'static) -> String {
    // No shared context: server pages carry their data as props, without resources.
    let owner = Owner::new_root(None);
    let html = owner.with(|| page().into_view().to_html());
    owner.unset();
    html
}

/// The body of a listing's page, with its contact form as last submitted and its newest
/// reviews.
pub fn listing_page(listing: Listing, form: ContactForm, reviews: Vec<Review>) -> String {
    render(move || view! { <Layout><ListingPage listing form reviews /></Layout> })
}

/// The body of the analyst view (filled in by its island in the browser).
pub fn analytics_page() -> String {
    render(|| view! { <Layout><crate::portal::AnalyticsPage /></Layout> })
}

/// The body of a partner portal page (filled in by its island in the browser).
pub fn partner_portal_page(path: String) -> String {
    render(move || view! { <Layout><crate::portal::PartnerPortalPage path /></Layout> })
}

/// The body of an admin console page (filled in by its island in the browser).
pub fn admin_console_page(path: String) -> String {
    render(move || view! { <Layout><crate::portal::AdminConsolePage path /></Layout> })
}

/// The body of the sign-in (or, with `register`, sign-up) page.
pub fn auth_page(
    register: bool,
    next: String,
    providers: Vec<SsoProvider>,
    sso_error: Option<String>,
) -> String {
    render(move || view! { <Layout><AuthPage register next providers sso_error /></Layout> })
}

/// The body of the page a single sign-on lands on.
pub fn sso_complete_page(code: String, next: String) -> String {
    render(move || view! { <Layout><SsoCompletePage code next /></Layout> })
}

/// The body of the account page.
pub fn account_page(
    providers: Vec<SsoProvider>,
    linked: Option<String>,
    sso_error: Option<String>,
) -> String {
    render(move || view! { <Layout><AccountPage providers linked sso_error /></Layout> })
}

/// The body of the 404 page.
pub fn not_found_page() -> String {
    render(|| view! { <Layout><NotFoundPage /></Layout> })
}

/// The body of a partner's page, with one page of its listings.
pub fn partner_page(
    partner: Partner,
    listings: Vec<ListingSummary>,
    next_href: Option<String>,
) -> String {
    render(move || view! { <Layout><PartnerPage partner listings next_href /></Layout> })
}

/// The body of a category's page, with one page of its listings.
pub fn category_page(
    category: Category,
    listings: Vec<ListingSummary>,
    next_href: Option<String>,
) -> String {
    render(move || view! { <Layout><CategoryPage category listings next_href /></Layout> })
}

/// The body of a search page.
pub fn search_page(
    filters: SearchFilters,
    results: SearchResponse,
    category_names: Vec<(String, String)>,
) -> String {
    let query = filters.q.clone();
    render(move || view! { <Layout query><SearchPage filters results category_names /></Layout> })
}

/// The body of a use case's page.
pub fn use_case_page(phrase: String, listings: Vec<ListingSummary>) -> String {
    render(move || view! { <Layout><UseCasePage phrase listings /></Layout> })
}

/// The body of the "ask for an integration" page.
pub fn requests_page(
    open: Vec<IntegrationRequest>,
    shipped: Vec<IntegrationRequest>,
    state: RequestsState,
) -> String {
    render(move || view! { <Layout><RequestsPage open shipped state /></Layout> })
}

/// The body of the home page.
pub fn home_page(
    featured: Vec<ListingSummary>,
    popular: Vec<ListingSummary>,
    categories: Vec<Category>,
) -> String {
    render(move || view! { <Layout><HomePage featured popular categories /></Layout> })
}
