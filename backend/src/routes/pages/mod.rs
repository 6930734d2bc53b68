//! Server-rendered pages: the public catalogue (`public`), the forms that work without
//! JavaScript (`forms`), the sitemap and robots.txt (`sitemap`), the sign-in and account pages
//! (`account`) and the consoles' frames (`consoles`). Each page loads its data through the use
//! cases the API calls, so a page and its API never disagree; `crate::pages` renders the
//! document around the web app's components.

mod account;
mod consoles;
mod forms;
mod public;
mod sitemap;

pub use account::{account, sign_in, sign_up, sso_complete};
pub use consoles::{admin_console, analytics, partner_portal};
pub use forms::{ask, contact, requests, vote};
pub use public::{category, home, listing, partner, search, use_case};
pub use sitemap::{robots, sitemap, sitemap_part};

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse};
use mercato_frontend::components::ContactForm;
use mercato_shared::validate::Slug;

use crate::error::{ApiError, ApiResult};
use crate::listings::catalog::{self, Published};
use crate::markdown;
use crate::pages::{self, seo, Head};
use crate::state::AppState;

/// The published listing of a path's slug (`None`: the 404 page).
async fn public_listing(state: &AppState, raw: &str) -> ApiResult<Option<Published>> {
    let Ok(slug) = Slug::parse(raw) else {
        return Ok(None);
    };
    match catalog::published(state, &slug).await {
        Ok(found) => Ok(Some(found)),
        Err(ApiError::NotFound(_)) => Ok(None),
        Err(e) => Err(e),
    }
}

/// How many reviews a listing's page shows.
const REVIEWS_SHOWN: u64 = 10;

async fn listing_document(
    req: &HttpRequest,
    state: &AppState,
    status: StatusCode,
    Published { id, listing }: Published,
    form: ContactForm,
) -> ApiResult<HttpResponse> {
    let (reviews, _) = crate::listings::reviews::newest(
        &state.db.read,
        id,
        &listing.slug,
        false,
        None,
        REVIEWS_SHOWN,
    )
    .await?;
    let origin = pages::origin(req, state);
    let url = format!("{origin}/integrations/{}", listing.slug);
    let head = Head {
        title: format!(
            "{} integration by {} · Mercato",
            listing.name, listing.partner.name
        ),
        description: pages::summary(
            &format!(
                "{} {}",
                listing.tagline,
                markdown::plain_text(&listing.description)
            ),
            155,
        ),
        canonical: url.clone(),
        og_type: "product",
        image: listing.screenshots.first().map(|s| s.url.clone()),
        json_ld: Some(seo::listing_json_ld(&listing, &url, &origin).to_string()),
    };
    let body = mercato_frontend::ssr::listing_page(listing, form, reviews);
    let res = pages::html(status, pages::document(&head, &body));
    // An answer to one visitor's form is not for shared caches.
    if status != StatusCode::OK || req.query_string().contains("sent=") {
        return Ok(pages::no_store(res));
    }
    Ok(res)
}
