//! The public catalogue: the home page, a listing's page, a partner's and a category's pages
//! with their listings, search with facets, and the use-case pages.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use mercato_frontend::components::ContactForm;
use mercato_shared::api::listings::ListingSummary;
use mercato_shared::validate::Slug;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use super::{listing_document, public_listing};
use crate::entities::{listings, partners};
use crate::error::{ApiError, ApiResult};
use crate::markdown;
use crate::pages::{self, seo, Head};
use crate::search::service::{self as search_service, Explain, SearchInput};
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
    let order: Vec<String> = search_service::search(&state, &picks, Explain::None)
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
    let results = match search_service::search(&state, &params, Explain::None).await {
        Ok(r) => r,
        // A filter from an old link that names nothing any more: search without filters.
        Err(ApiError::InvalidQuery(_)) => {
            params.category = None;
            params.badge = None;
            params.cursor = None;
            search_service::search(&state, &params, Explain::None).await?
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
    let hits = match search_service::search(&state, &params, Explain::None).await {
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
