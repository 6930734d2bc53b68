//! Server-rendered public pages (`/integrations/{slug}`), the sitemap and robots.txt.

use std::collections::HashMap;

use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use mercato_frontend::components::ContactForm;
use mercato_frontend::pages::requests::RequestsState;
use mercato_frontend::portal::route::{AdminRoute, PartnerRoute};
use mercato_shared::api::integration_requests::{CreateIntegrationRequest, RequestStatus, Vote};
use mercato_shared::api::leads::{CreateLead, LeadKind};
use mercato_shared::api::listings::{Listing, ListingSummary};
use mercato_shared::validate::Slug;
use mercato_shared::{sentence, ErrorCode};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, QueryFilter, Statement};

use crate::entities::json::StringList;
use crate::entities::{listings, partners};
use crate::error::{ApiError, ApiResult};
use crate::http::extract::client_address_hash;
use crate::markdown;
use crate::pages::{self, seo, Head};
use crate::search::service::{self as search, Explain, SearchInput};
use crate::state::AppState;
use crate::{store, views};

/// The badge of the home page's featured collection, and how many it shows.
const FEATURED_BADGE: &str = "staff-pick";
const FEATURED_SHOWN: u32 = 6;

/// The home page: staff picks, popular integrations and the categories, with the site's search as
/// structured data (a search box in search results).
pub async fn home(req: HttpRequest, state: web::Data<AppState>) -> ApiResult<HttpResponse> {
    let filter = store::listings::ListFilter {
        public_only: true,
        limit: u64::from(mercato_frontend::pages::home::POPULAR_LIMIT),
        ..Default::default()
    };
    let popular = crate::listings::catalog::page(&state, &filter).await?.items;
    let categories = crate::listings::categories::all(&state).await?;
    let picks = SearchInput {
        badge: Some(FEATURED_BADGE.into()),
        limit: Some(FEATURED_SHOWN),
        ..Default::default()
    };
    let order: Vec<String> = search::search(&state, &picks, Explain::None)
        .await?
        .hits
        .into_iter()
        .map(|h| h.slug)
        .collect();
    let featured =
        crate::listings::catalog::summaries(&state, public_rows(&state, &order, |_| true).await?)
            .await?;
    let origin = pages::origin(&req, &state);
    let json_ld = serde_json::json!({
        "@context": "https://schema.org",
        "@type": "WebSite",
        "name": "Mercato",
        "url": format!("{origin}/"),
        "potentialAction": {
            "@type": "SearchAction",
            "target": format!("{origin}/search?q={{search_term_string}}"),
            "query-input": "required name=search_term_string",
        },
    });
    let head = Head {
        title: "Mercato — integration marketplace".into(),
        description: "Find, compare and install integrations built by Mercato partners for the tools your team already uses.".into(),
        canonical: format!("{origin}/"),
        og_type: "website",
        image: None,
        json_ld: Some(json_ld.to_string()),
    };
    let body = mercato_frontend::ssr::home_page(featured, popular, categories);
    Ok(pages::html(StatusCode::OK, pages::document(&head, &body)))
}

/// A published listing: its row id and the API's view of it.
struct PublicListing {
    id: i64,
    listing: Listing,
}

/// The public listing of a slug, as the API shows it.
async fn public_listing(state: &AppState, raw: &str) -> ApiResult<Option<PublicListing>> {
    let Ok(slug) = Slug::parse(raw) else {
        return Ok(None);
    };
    Ok(
        store::listings::with_partner_and_categories(&state.db.read, slug.as_str())
            .await?
            .filter(|(l, p, _)| store::visibility::is_public_listing(l, p))
            .map(|(l, p, c)| PublicListing {
                id: l.id,
                listing: views::listing(&l, &p, c, state.settings.clock.today()),
            }),
    )
}

/// How many reviews a listing's page shows.
const REVIEWS_SHOWN: u64 = 10;

async fn listing_document(
    req: &HttpRequest,
    state: &AppState,
    status: StatusCode,
    PublicListing { id, listing }: PublicListing,
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

/// A published listing's page; anything else answers the 404 page.
pub async fn listing(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let Some(listing) = public_listing(&state, &path).await? else {
        return Ok(pages::not_found(&req, &state));
    };
    let form = ContactForm {
        sent: req.query_string().split('&').any(|p| p == "sent=1"),
        ..Default::default()
    };
    listing_document(&req, &state, StatusCode::OK, listing, form).await
}

/// The contact form as posted (`application/x-www-form-urlencoded`).
#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct ContactFormBody {
    kind: String,
    contact_name: String,
    email: String,
    company_name: String,
    company_domain: String,
    message: String,
    consent: Option<String>,
    website: Option<String>,
}

/// The listing page's "request an intro / talk to an expert" form, working without
/// JavaScript: a lead through the same capture as `POST /api/v1/leads`, then a redirect to the
/// page with a confirmation; refused input re-renders the form with each error at its field.
pub async fn contact(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: web::Bytes,
) -> ApiResult<HttpResponse> {
    let Some(listing) = public_listing(&state, &path).await? else {
        return Ok(pages::not_found(&req, &state));
    };
    let posted: ContactFormBody = serde_urlencoded::from_bytes(&body).unwrap_or_default();
    let kind = match posted.kind.as_str() {
        "implementation_help" => LeadKind::ImplementationHelp,
        _ => LeadKind::Intro,
    };
    let mut form = ContactForm {
        kind: kind.as_str().to_string(),
        contact_name: posted.contact_name.clone(),
        email: posted.email.clone(),
        company_name: posted.company_name.clone(),
        company_domain: posted.company_domain.clone(),
        message: posted.message.clone(),
        consent: posted.consent.is_some(),
        ..Default::default()
    };
    let lead = CreateLead {
        kind,
        listing: Some(listing.listing.slug.clone()),
        category: None,
        region: None,
        contact_name: posted.contact_name,
        email: posted.email,
        company_name: posted.company_name,
        company_domain: posted.company_domain,
        message: posted.message,
        consent: posted.consent.is_some(),
        website: posted.website,
    };
    match crate::leads::capture::capture(&state, None, lead, client_address_hash(&req)).await {
        Ok(_) => Ok(HttpResponse::SeeOther()
            .insert_header((
                header::LOCATION,
                format!("/integrations/{}?sent=1#contact", listing.listing.slug),
            ))
            .finish()),
        Err(ApiError::Validation(errors)) => {
            form.errors = errors
                .into_iter()
                .map(|e| (e.field, sentence(&e.message)))
                .collect();
            listing_document(
                &req,
                &state,
                StatusCode::UNPROCESSABLE_ENTITY,
                listing,
                form,
            )
            .await
        }
        Err(ApiError::Conflict {
            code: ErrorCode::RateLimited,
            ..
        }) => {
            form.problem = Some(
                "Too many requests came from here in the last hour. Please try again later.".into(),
            );
            listing_document(&req, &state, StatusCode::TOO_MANY_REQUESTS, listing, form).await
        }
        Err(e) => Err(e),
    }
}

/// Listings shown per page of a partner or category.
const PAGE_SIZE: u64 = 24;

#[derive(serde::Deserialize, Default)]
struct PageQuery {
    cursor: Option<String>,
}

/// One page of public listings under `filter` (its `after` from `?cursor=`): the listings, the
/// next page's address, and this page's canonical address. `None` for a cursor this site did
/// not make.
async fn listings_page(
    req: &HttpRequest,
    state: &AppState,
    base_path: &str,
    mut filter: store::listings::ListFilter,
) -> ApiResult<Option<(Vec<ListingSummary>, Option<String>, String)>> {
    let query: PageQuery = serde_urlencoded::from_str(req.query_string()).unwrap_or_default();
    if let Some(cursor) = &query.cursor {
        match crate::pagination::decode(cursor) {
            Ok(after) => filter.after = Some(after),
            Err(_) => return Ok(None),
        }
    }
    filter.public_only = true;
    filter.limit = PAGE_SIZE;
    let page = crate::listings::catalog::page(state, &filter).await?;
    let next = page.next_cursor.map(|c| format!("{base_path}?cursor={c}"));
    let canonical = match &query.cursor {
        Some(c) => format!("{}{base_path}?cursor={c}", pages::origin(req, state)),
        None => format!("{}{base_path}", pages::origin(req, state)),
    };
    Ok(Some((page.items, next, canonical)))
}

/// An active partner's page with its listings.
pub async fn partner(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let Ok(slug) = Slug::parse(&path) else {
        return Ok(pages::not_found(&req, &state));
    };
    let partner = match store::partners::by_slug(&state.db.read, slug.as_str()).await {
        Ok(p) if store::visibility::is_public_partner(&p) => p,
        Ok(_) | Err(ApiError::NotFound(_)) => return Ok(pages::not_found(&req, &state)),
        Err(e) => return Err(e),
    };
    let base_path = format!("/partners/{}", partner.slug);
    let filter = store::listings::ListFilter {
        partner_id: Some(partner.id),
        ..Default::default()
    };
    let Some((listings, next, canonical)) = listings_page(&req, &state, &base_path, filter).await?
    else {
        return Ok(pages::not_found(&req, &state));
    };
    let count = store::partners::published_listing_count(&state.db.read, partner.id).await?;
    let partner = views::partner(&partner, count, state.settings.clock.today());
    let origin = pages::origin(&req, &state);
    let mut org = serde_json::json!({
        "@context": "https://schema.org",
        "@type": "Organization",
        "name": partner.name,
        "url": format!("{origin}{base_path}"),
    });
    if let Some(site) = &partner.website {
        org["sameAs"] = serde_json::json!([site]);
    }
    if let Some(logo) = &partner.logo_url {
        org["logo"] = serde_json::json!(logo);
    }
    let head = Head {
        title: format!("{} integrations and services · Mercato", partner.name),
        description: pages::summary(
            &format!(
                "{} on Mercato: {} integrations. {}",
                partner.name,
                partner.published_listing_count,
                markdown::plain_text(&partner.description)
            ),
            155,
        ),
        canonical,
        og_type: "website",
        image: partner.logo_url.clone(),
        json_ld: Some(org.to_string()),
    };
    let body = mercato_frontend::ssr::partner_page(partner, listings, next);
    Ok(pages::html(StatusCode::OK, pages::document(&head, &body)))
}

/// A category's page with its listings, most installed first.
pub async fn category(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let Ok(slug) = Slug::parse(&path) else {
        return Ok(pages::not_found(&req, &state));
    };
    let category = match store::categories::by_slug(&state.db.read, slug.as_str()).await {
        Ok(c) => c,
        Err(ApiError::NotFound(_)) => return Ok(pages::not_found(&req, &state)),
        Err(e) => return Err(e),
    };
    let base_path = format!("/categories/{}", category.slug);
    let filter = store::listings::ListFilter {
        category_id: Some(category.id),
        ..Default::default()
    };
    let Some((listings, next, canonical)) = listings_page(&req, &state, &base_path, filter).await?
    else {
        return Ok(pages::not_found(&req, &state));
    };
    let count = crate::listings::categories::public_counts(&state.db.read)
        .await?
        .get(&category.id)
        .copied()
        .unwrap_or(0);
    let category = views::category(&category, count);
    let origin = pages::origin(&req, &state);
    let json_ld = seo::collection_json_ld(
        &format!("{} integrations", category.name),
        &canonical,
        &origin,
        &listings,
    );
    let head = Head {
        title: format!("{} integrations · Mercato", category.name),
        description: pages::summary(
            &format!(
                "{} {} integrations built by Mercato partners, most installed first. {}",
                category.listing_count, category.name, category.description
            ),
            155,
        ),
        canonical,
        og_type: "website",
        image: None,
        json_ld: Some(json_ld.to_string()),
    };
    let body = mercato_frontend::ssr::category_page(category, listings, next);
    Ok(pages::html(StatusCode::OK, pages::document(&head, &body)))
}

/// What the search page takes from its URL (anything else is ignored, as links from elsewhere
/// may carry tracking parameters).
#[derive(serde::Deserialize, Default)]
struct SearchPageQuery {
    #[serde(default)]
    q: String,
    category: Option<String>,
    pricing: Option<String>,
    badge: Option<String>,
    cursor: Option<String>,
}

/// `/search?q=…&category=…&pricing=…&badge=…`: results with facets; filters live in the URL.
/// Filters or a cursor that name nothing (an old link) are dropped and the page still answers;
/// a query over the API's limits answers the API's 400.
pub async fn search(req: HttpRequest, state: web::Data<AppState>) -> ApiResult<HttpResponse> {
    let query: SearchPageQuery = serde_urlencoded::from_str(req.query_string()).unwrap_or_default();
    let mut params = SearchInput {
        q: query.q.clone(),
        category: query.category.clone(),
        pricing: query
            .pricing
            .as_deref()
            .and_then(mercato_shared::api::listings::PricingModel::parse),
        partner: None,
        badge: query.badge.clone(),
        limit: Some(20),
        cursor: query.cursor.clone(),
    };
    let results = match search::search(&state, &params, Explain::None).await {
        Ok(r) => r,
        // A filter from an old link that names nothing any more: search without filters.
        Err(ApiError::InvalidQuery(_)) => {
            params.category = None;
            params.badge = None;
            params.cursor = None;
            search::search(&state, &params, Explain::None).await?
        }
        Err(e) => return Err(e),
    };
    let filters = mercato_frontend::pages::search::SearchFilters {
        q: params.q.clone(),
        category: params.category.clone(),
        pricing: params.pricing.map(|p| p.as_str().to_string()),
        badge: params.badge.clone(),
    };
    let origin = pages::origin(&req, &state);
    let q = params.q.trim();
    let head = Head {
        title: if q.is_empty() {
            "Search integrations · Mercato".to_string()
        } else {
            format!("“{}” integrations · Mercato", pages::summary(q, 60))
        },
        description: if q.is_empty() {
            "Search every integration on Mercato by name, use case, category or partner.".into()
        } else {
            pages::summary(
                &format!(
                    "{} integrations on Mercato match “{q}”: compare them by category, pricing and rating.",
                    results.estimated_total
                ),
                155,
            )
        },
        canonical: format!("{origin}{}", filters.href(None)),
        og_type: "website",
        image: None,
        json_ld: None,
    };
    let category_names = crate::entities::categories::Entity::find()
        .all(&state.db.read)
        .await?
        .into_iter()
        .map(|c| (c.slug, c.name))
        .collect();
    let body = mercato_frontend::ssr::search_page(filters, results, category_names);
    Ok(pages::html(StatusCode::OK, pages::document(&head, &body)))
}

/// Open requests the page shows, and shipped ones.
const REQUESTS_SHOWN: u32 = 50;
const SHIPPED_SHOWN: u32 = 20;

async fn requests_document(
    req: &HttpRequest,
    state: &AppState,
    status: StatusCode,
    page_state: RequestsState,
) -> ApiResult<HttpResponse> {
    let (open, _) =
        crate::integration_requests::ranked(state, RequestStatus::Open, 0, REQUESTS_SHOWN).await?;
    let (shipped, _) =
        crate::integration_requests::ranked(state, RequestStatus::Shipped, 0, SHIPPED_SHOWN)
            .await?;
    let head = Head {
        title: "Ask for an integration · Mercato".into(),
        description: "The integrations people want that do not exist yet, most votes first. Ask for one, or vote, and hear first when it ships.".into(),
        canonical: format!("{}/requests", pages::origin(req, state)),
        og_type: "website",
        image: None,
        json_ld: None,
    };
    let body = mercato_frontend::ssr::requests_page(open, shipped, page_state);
    let res = pages::html(status, pages::document(&head, &body));
    if status != StatusCode::OK || !req.query_string().is_empty() {
        return Ok(pages::no_store(res));
    }
    Ok(res)
}

/// `/requests`: "ask for an integration", with votes.
pub async fn requests(req: HttpRequest, state: web::Data<AppState>) -> ApiResult<HttpResponse> {
    let notice = match req.query_string() {
        "asked=1" => {
            Some("Thanks — your request is listed. We will tell you when it ships.".to_string())
        }
        "voted=1" => Some("Thanks — your vote is counted.".to_string()),
        _ => None,
    };
    let page_state = RequestsState {
        notice,
        ..Default::default()
    };
    requests_document(&req, &state, StatusCode::OK, page_state).await
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct AskBody {
    tool: String,
    use_case: String,
    email: String,
}

fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, location))
        .finish()
}

/// The "ask for one" form: the API's own request capture, then back to the list.
pub async fn ask(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: web::Bytes,
) -> ApiResult<HttpResponse> {
    let posted: AskBody = serde_urlencoded::from_bytes(&body).unwrap_or_default();
    let request = CreateIntegrationRequest {
        tool: posted.tool.clone(),
        use_case: posted.use_case.clone(),
        vote: Vote {
            email: Some(posted.email.clone()),
            ..Default::default()
        },
    };
    let mut page_state = RequestsState {
        tool: posted.tool,
        use_case: posted.use_case,
        email: posted.email,
        ..Default::default()
    };
    match crate::integration_requests::ask(&state, None, request, client_address_hash(&req)).await {
        Ok(_) => Ok(see_other("/requests?asked=1")),
        Err(ApiError::Validation(errors)) => {
            page_state.ask_errors = errors
                .into_iter()
                .map(|e| (e.field, sentence(&e.message)))
                .collect();
            requests_document(&req, &state, StatusCode::UNPROCESSABLE_ENTITY, page_state).await
        }
        Err(ApiError::Conflict { code, detail, .. }) => {
            page_state.ask_errors = vec![("vote.email".into(), sentence(&detail))];
            let status = StatusCode::from_u16(code.status()).unwrap_or(StatusCode::CONFLICT);
            requests_document(&req, &state, status, page_state).await
        }
        Err(e) => Err(e),
    }
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct VoteBody {
    email: String,
}

/// A vote button's form.
pub async fn vote(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: web::Bytes,
) -> ApiResult<HttpResponse> {
    let Ok(id) = path.parse::<i64>() else {
        return Ok(pages::not_found(&req, &state));
    };
    let posted: VoteBody = serde_urlencoded::from_bytes(&body).unwrap_or_default();
    let ballot = Vote {
        email: Some(posted.email),
        ..Default::default()
    };
    let refused = |message: String| RequestsState {
        vote_error: Some((id, message)),
        ..Default::default()
    };
    match crate::integration_requests::vote_for(&state, None, id, ballot, client_address_hash(&req))
        .await
    {
        Ok(_) => Ok(see_other("/requests?voted=1")),
        Err(ApiError::NotFound(_)) => Ok(pages::not_found(&req, &state)),
        Err(ApiError::Validation(errors)) => {
            let message = errors
                .into_iter()
                .next()
                .map_or("Please give a valid email.".into(), |e| {
                    format!("Your email {}", e.message.trim_end_matches('.')) + "."
                });
            requests_document(
                &req,
                &state,
                StatusCode::UNPROCESSABLE_ENTITY,
                refused(message),
            )
            .await
        }
        Err(ApiError::Conflict { code, detail, .. }) => {
            let message = if code == ErrorCode::AlreadyVoted {
                "You already voted for this one.".to_string()
            } else {
                sentence(&detail)
            };
            let status = StatusCode::from_u16(code.status()).unwrap_or(StatusCode::CONFLICT);
            requests_document(&req, &state, status, refused(message)).await
        }
        Err(ApiError::InvalidTransition { .. }) => {
            requests_document(
                &req,
                &state,
                StatusCode::CONFLICT,
                refused("This one has shipped: no more votes needed.".into()),
            )
            .await
        }
        Err(e) => Err(e),
    }
}

/// The public listings of `slugs` that `keep` accepts, in the order of `slugs`.
async fn public_rows(
    state: &AppState,
    slugs: &[String],
    keep: impl Fn(&listings::Model) -> bool,
) -> ApiResult<Vec<(listings::Model, partners::Model)>> {
    let mut rows: Vec<_> = listings::Entity::find()
        .find_also_related(partners::Entity)
        .filter(listings::Column::Slug.is_in(slugs.iter().map(String::as_str)))
        .filter(store::visibility::public_listing_condition())
        .all(&state.db.read)
        .await?
        .into_iter()
        .filter_map(|(l, p)| p.map(|p| (l, p)))
        .filter(|(l, _)| keep(l))
        .collect();
    rows.sort_by_key(|(l, _)| slugs.iter().position(|s| *s == l.slug));
    Ok(rows)
}

/// Listings a use-case page considers: the best search hits for its words.
const USE_CASE_CANDIDATES: u32 = 100;

/// `/use-cases/{slug}`: the public listings that name this use case (its slug is the use-case
/// phrase slugified), most relevant first. Candidates come from the search index; only those
/// whose own use cases include the phrase are shown. A use case nobody names is the 404 page.
pub async fn use_case(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let Ok(slug) = Slug::parse(&path) else {
        return Ok(pages::not_found(&req, &state));
    };
    let params = SearchInput {
        q: slug.as_str().replace('-', " "),
        limit: Some(USE_CASE_CANDIDATES),
        ..Default::default()
    };
    let hits = match search::search(&state, &params, Explain::None).await {
        Ok(r) => r.hits,
        Err(ApiError::InvalidQuery(_)) => return Ok(pages::not_found(&req, &state)),
        Err(e) => return Err(e),
    };
    let order: Vec<String> = hits.into_iter().map(|h| h.slug).collect();
    let named = |l: &listings::Model| {
        l.use_cases
            .0
            .iter()
            .find(|u| Slug::slugify(u).is_some_and(|s| s == slug))
            .cloned()
    };
    let rows = public_rows(&state, &order, |l| named(l).is_some()).await?;
    let Some(phrase) = rows.first().and_then(|(l, _)| named(l)) else {
        return Ok(pages::not_found(&req, &state));
    };
    let listings = crate::listings::catalog::summaries(&state, rows).await?;
    let origin = pages::origin(&req, &state);
    let canonical = format!("{origin}/use-cases/{}", slug.as_str());
    let title_phrase = mercato_frontend::pages::use_case::sentence_case(&phrase);
    let json_ld = seo::collection_json_ld(&title_phrase, &canonical, &origin, &listings);
    let head = Head {
        title: format!("{title_phrase}: {} integrations · Mercato", listings.len()),
        description: pages::summary(
            &format!(
                "Integrations that {phrase}: compare {} options by rating, pricing and partner, and install in minutes.",
                listings.len()
            ),
            155,
        ),
        canonical,
        og_type: "website",
        image: None,
        json_ld: Some(json_ld.to_string()),
    };
    let body = mercato_frontend::ssr::use_case_page(phrase, listings);
    Ok(pages::html(StatusCode::OK, pages::document(&head, &body)))
}

#[derive(FromQueryResult)]
struct SitemapRow {
    slug: String,
    updated_at: DateTime<Utc>,
}

use store::visibility::{PUBLIC_LISTINGS_FROM as PUBLIC_LISTINGS, PUBLIC_PARTNERS};

async fn public_listing_count(db: &impl ConnectionTrait) -> ApiResult<u64> {
    let backend = db.get_database_backend();
    let row = db
        .query_one(Statement::from_string(
            backend,
            format!("SELECT COUNT(*) AS n {PUBLIC_LISTINGS}"),
        ))
        .await?;
    Ok(row.map_or(Ok(0), |r| r.try_get::<i64>("", "n"))?.max(0) as u64)
}

/// The public listings of sitemap file `part` (from 0), in id order.
async fn sitemap_rows(
    db: &impl ConnectionTrait,
    part: u64,
    per_file: u64,
) -> ApiResult<Vec<SitemapRow>> {
    let backend = db.get_database_backend();
    Ok(
        SitemapRow::find_by_statement(Statement::from_sql_and_values(
            backend,
            store::sql(
                backend,
                &format!(
                    "SELECT l.slug, l.updated_at {PUBLIC_LISTINGS} ORDER BY l.id LIMIT ? OFFSET ?"
                ),
            ),
            [(per_file as i64).into(), ((part * per_file) as i64).into()],
        ))
        .all(db)
        .await?,
    )
}

fn xml(body: String) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
        .content_type("application/xml; charset=utf-8")
        .body(body)
}

fn listing_urls(origin: &str, rows: Vec<SitemapRow>) -> Vec<seo::SitemapUrl> {
    rows.into_iter()
        .map(|r| seo::SitemapUrl {
            loc: format!("{origin}/integrations/{}", r.slug),
            lastmod: Some(r.updated_at),
        })
        .collect()
}

/// The one `t` timestamp a `SELECT MAX(…) AS t` answers.
async fn latest_of(
    db: &impl ConnectionTrait,
    statement: Statement,
) -> ApiResult<Option<DateTime<Utc>>> {
    Ok(db
        .query_one(statement)
        .await?
        .and_then(|r| r.try_get::<Option<DateTime<Utc>>>("", "t").ok().flatten()))
}

/// The last change among the pages of `/sitemaps/pages.xml`: a listing (which also dates its
/// use cases and the home page), a category or an active partner — without building the file.
async fn pages_lastmod(db: &impl ConnectionTrait) -> ApiResult<Option<DateTime<Utc>>> {
    let backend = db.get_database_backend();
    let mut latest = None;
    for sql in [
        format!("SELECT MAX(l.updated_at) AS t {PUBLIC_LISTINGS}"),
        "SELECT MAX(updated_at) AS t FROM categories".to_string(),
        format!("SELECT MAX(updated_at) AS t {PUBLIC_PARTNERS}"),
    ] {
        latest = latest.max(latest_of(db, Statement::from_string(backend, sql)).await?);
    }
    Ok(latest)
}

#[derive(FromQueryResult)]
struct PartLastmod {
    t: Option<DateTime<Utc>>,
}

/// The last change among the listings of each sitemap file, in order: one pass over the
/// public listings (numbered in id order, `per_file` to a file), not one query per file.
async fn parts_lastmod(
    db: &impl ConnectionTrait,
    per_file: u64,
) -> ApiResult<Vec<Option<DateTime<Utc>>>> {
    let backend = db.get_database_backend();
    let sql = store::sql(
        backend,
        &format!(
            "SELECT x.part, MAX(x.updated_at) AS t FROM (SELECT \
             (ROW_NUMBER() OVER (ORDER BY l.id) - 1) / ? AS part, l.updated_at {PUBLIC_LISTINGS}) x \
             GROUP BY x.part ORDER BY x.part"
        ),
    );
    let rows = PartLastmod::find_by_statement(Statement::from_sql_and_values(
        backend,
        sql,
        [(per_file as i64).into()],
    ))
    .all(db)
    .await?;
    Ok(rows.into_iter().map(|r| r.t).collect())
}

#[derive(FromQueryResult)]
struct UseCaseRow {
    use_cases: StringList,
    updated_at: DateTime<Utc>,
}

/// The use-case pages: every use case a public listing names, most named first, each with the
/// latest change of a listing naming it; at most `room` of them.
async fn use_case_urls(
    db: &impl ConnectionTrait,
    origin: &str,
    room: usize,
) -> ApiResult<Vec<seo::SitemapUrl>> {
    let backend = db.get_database_backend();
    let rows = UseCaseRow::find_by_statement(Statement::from_string(
        backend,
        format!("SELECT l.use_cases, l.updated_at {PUBLIC_LISTINGS}"),
    ))
    .all(db)
    .await?;
    let mut named: HashMap<Slug, (u32, DateTime<Utc>)> = HashMap::new();
    for row in rows {
        for phrase in &row.use_cases.0 {
            if let Some(slug) = Slug::slugify(phrase) {
                let entry = named.entry(slug).or_insert((0, row.updated_at));
                entry.0 += 1;
                entry.1 = entry.1.max(row.updated_at);
            }
        }
    }
    let mut named: Vec<_> = named.into_iter().collect();
    named.sort_by(|a, b| {
        b.1 .0
            .cmp(&a.1 .0)
            .then_with(|| a.0.as_str().cmp(b.0.as_str()))
    });
    named.truncate(room);
    Ok(named
        .into_iter()
        .map(|(slug, (_, lastmod))| seo::SitemapUrl {
            loc: format!("{origin}/use-cases/{}", slug.as_str()),
            lastmod: Some(lastmod),
        })
        .collect())
}

/// The home page, the categories, the active partners and the use cases (as many as fit in one
/// sitemap file).
async fn other_pages(
    db: &impl ConnectionTrait,
    origin: &str,
    per_file: u64,
) -> ApiResult<Vec<seo::SitemapUrl>> {
    let backend = db.get_database_backend();
    let latest = latest_of(
        db,
        Statement::from_string(
            backend,
            format!("SELECT MAX(l.updated_at) AS t {PUBLIC_LISTINGS}"),
        ),
    )
    .await?;
    let mut urls = vec![
        seo::SitemapUrl {
            loc: format!("{origin}/"),
            lastmod: latest,
        },
        seo::SitemapUrl {
            loc: format!("{origin}/requests"),
            lastmod: None,
        },
    ];
    for (prefix, sql) in [
        (
            "categories",
            "SELECT slug, updated_at FROM categories ORDER BY position, id",
        ),
        (
            "partners",
            &format!("SELECT slug, updated_at {PUBLIC_PARTNERS} ORDER BY id"),
        ),
    ] {
        let rows = SitemapRow::find_by_statement(Statement::from_string(backend, sql.to_string()))
            .all(db)
            .await?;
        urls.extend(rows.into_iter().map(|r| seo::SitemapUrl {
            loc: format!("{origin}/{prefix}/{}", r.slug),
            lastmod: Some(r.updated_at),
        }));
    }
    let room = (per_file as usize).saturating_sub(urls.len());
    urls.extend(use_case_urls(db, origin, room).await?);
    Ok(urls)
}

/// `/sitemap.xml`: every public page — or, past `sitemap_urls_per_file` (50,000) URLs, an
/// index of `/sitemaps/pages.xml` (home, categories, partners, use cases) and
/// `/sitemaps/listings-{n}.xml`.
pub async fn sitemap(req: HttpRequest, state: web::Data<AppState>) -> ApiResult<HttpResponse> {
    let origin = pages::origin(&req, &state);
    let per_file = state.settings.sitemap_urls_per_file;
    let total = public_listing_count(&state.db.read).await?;
    // Past the limit the listings alone decide: no need to build the other pages to count them.
    if total <= per_file {
        let mut urls = other_pages(&state.db.read, &origin, per_file).await?;
        if total + (urls.len() as u64) <= per_file {
            let rows = sitemap_rows(&state.db.read, 0, per_file).await?;
            urls.extend(listing_urls(&origin, rows));
            return Ok(xml(seo::urlset(&urls)));
        }
    }
    let mut latest = vec![pages_lastmod(&state.db.read).await?];
    latest.extend(parts_lastmod(&state.db.read, per_file).await?);
    Ok(xml(seo::index(&origin, &latest)))
}

/// A file of the sitemap index: `pages.xml` or `listings-{n}.xml` (from 1).
pub async fn sitemap_part(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let origin = pages::origin(&req, &state);
    if path.as_str() == "pages.xml" {
        let urls = other_pages(
            &state.db.read,
            &origin,
            state.settings.sitemap_urls_per_file,
        )
        .await?;
        return Ok(xml(seo::urlset(&urls)));
    }
    let part = path
        .strip_prefix("listings-")
        .and_then(|p| p.strip_suffix(".xml"))
        .and_then(|n| n.parse::<u64>().ok())
        .filter(|n| *n >= 1);
    let per_file = state.settings.sitemap_urls_per_file;
    let total = public_listing_count(&state.db.read).await?;
    let Some(part) = part.filter(|n| *n <= seo::parts(total, per_file)) else {
        return Ok(pages::not_found(&req, &state));
    };
    let rows = sitemap_rows(&state.db.read, part - 1, per_file).await?;
    Ok(xml(seo::urlset(&listing_urls(&origin, rows))))
}

/// `?next=` of the sign-in and sign-up pages: where to return afterwards; `?sso_error=` when
/// a single sign-on came back refused; `?code=` on the page a single sign-on lands on;
/// `?linked=` on the account page after a link.
#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct AuthQuery {
    next: String,
    sso_error: Option<String>,
    code: String,
    linked: Option<String>,
}

impl AuthQuery {
    /// A garbled query string is not worth an error page: it only loses these.
    fn of(req: &HttpRequest) -> AuthQuery {
        serde_urlencoded::from_str(req.query_string()).unwrap_or_default()
    }
}

fn private_head(title: &str, canonical: String) -> Head {
    Head {
        title: title.into(),
        description: "Your Mercato account.".into(),
        canonical,
        og_type: "website",
        image: None,
        json_ld: None,
    }
}

/// Where a single sign-on lands: the island exchanges the one-time code for the session.
pub async fn sso_complete(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let AuthQuery { next, code, .. } = AuthQuery::of(&req);
    let head = private_head(
        "Signing in · Mercato",
        format!("{}/sign-in", pages::origin(&req, &state)),
    );
    let next = mercato_frontend::session::safe_next(&next);
    let body = mercato_frontend::ssr::sso_complete_page(code, next);
    no_store(pages::html(StatusCode::OK, pages::document(&head, &body)))
}

/// The account page: linked sign-ins.
pub async fn account(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let AuthQuery {
        linked, sso_error, ..
    } = AuthQuery::of(&req);
    let head = private_head(
        "Your account · Mercato",
        format!("{}/account", pages::origin(&req, &state)),
    );
    let linked = linked
        .filter(|id| state.sso.get(id).is_some())
        .map(|id| state.sso.name_of(&id));
    let body = mercato_frontend::ssr::account_page(state.sso.public(), linked, sso_error);
    no_store(pages::html(StatusCode::OK, pages::document(&head, &body)))
}

fn no_store(mut res: HttpResponse) -> HttpResponse {
    res.headers_mut().insert(
        actix_web::http::header::CACHE_CONTROL,
        actix_web::http::header::HeaderValue::from_static("no-store"),
    );
    res
}

/// The sign-in page.
pub async fn sign_in(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    auth_page(&req, &state, false)
}

/// The sign-up page.
pub async fn sign_up(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    auth_page(&req, &state, true)
}

fn auth_page(req: &HttpRequest, state: &AppState, register: bool) -> HttpResponse {
    let AuthQuery {
        next, sso_error, ..
    } = AuthQuery::of(req);
    let (title, path) = if register {
        ("Create your account · Mercato", "/sign-up")
    } else {
        ("Sign in · Mercato", "/sign-in")
    };
    let head = Head {
        title: title.into(),
        description:
            "Sign in to Mercato to install, manage and review integrations for your workspaces."
                .into(),
        canonical: format!("{}{path}", pages::origin(req, state)),
        og_type: "website",
        image: None,
        json_ld: None,
    };
    let next = mercato_frontend::session::safe_next(&next);
    let body = mercato_frontend::ssr::auth_page(register, next, state.sso.public(), sso_error);
    pages::html(StatusCode::OK, pages::document(&head, &body))
}

/// A console page: a frame the server renders (not for search engines, never cached) whose
/// island loads the data for the signed-in account.
fn console(
    req: &HttpRequest,
    state: &AppState,
    title: &str,
    body: String,
    bundle: pages::Bundle,
) -> HttpResponse {
    let head = Head {
        title: format!("{title} · Mercato"),
        description: format!("{title} on the Mercato marketplace."),
        canonical: format!("{}{}", pages::origin(req, state), req.path()),
        og_type: "website",
        image: None,
        json_ld: None,
    };
    pages::no_store(pages::html(
        StatusCode::OK,
        pages::document_with(&head, &body, bundle),
    ))
}

/// `/analytics`: the analyst view (its island loads the data for admins and analysts).
pub async fn analytics(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let body = mercato_frontend::ssr::analytics_page();
    console(
        &req,
        &state,
        "Marketplace analytics",
        body,
        pages::Bundle::Console("analytics"),
    )
}

/// `/partner/...`: the partner portal (its island routes by the path).
pub async fn partner_portal(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let route = PartnerRoute::parse(req.path());
    let body = mercato_frontend::ssr::partner_portal_page(req.path().to_string());
    let bundle = pages::Bundle::Console(route.bundle());
    console(&req, &state, "Partner portal", body, bundle)
}

/// `/admin/...`: the marketplace admin console (its island routes by the path).
pub async fn admin_console(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let route = AdminRoute::parse(req.path());
    let body = mercato_frontend::ssr::admin_console_page(req.path().to_string());
    let bundle = pages::Bundle::Console(route.bundle());
    console(&req, &state, "Admin console", body, bundle)
}

pub async fn robots(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let origin = pages::origin(&req, &state);
    HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
        .content_type("text/plain; charset=utf-8")
        .body(format!(
            "User-agent: *\nAllow: /\nDisallow: /api/\nDisallow: /sign-in\nDisallow: /sign-up\nDisallow: /account\n\
             Disallow: /analytics\nDisallow: /admin\nDisallow: /partner$\nDisallow: /partner/\n\n\
             Sitemap: {origin}/sitemap.xml\n"
        ))
}
