//! Server-rendered public pages (`/integrations/{slug}`), the sitemap and robots.txt.

use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use mercato_shared::validate::Slug;
use sea_orm::{ConnectionTrait, FromQueryResult, Statement};

use crate::error::ApiResult;
use crate::pages::{self, seo, Head};
use crate::state::AppState;
use crate::{store, views};

/// Markdown punctuation is noise in a meta description.
fn plain(markdown: &str) -> String {
    markdown
        .chars()
        .filter(|c| !matches!(c, '#' | '*' | '_' | '`' | '>' | '[' | ']' | '|'))
        .collect()
}

/// A published listing's page; anything else answers the 404 page.
pub async fn listing(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let Ok(slug) = Slug::parse(&path) else {
        return Ok(pages::not_found(&req, &state));
    };
    let Some((listing, partner, categories)) =
        store::listings::with_partner_and_categories(&state.db.read, slug.as_str())
            .await?
            .filter(|(l, p, _)| store::listings::is_public(l, p))
    else {
        return Ok(pages::not_found(&req, &state));
    };
    let listing = views::listing(&listing, &partner, categories);
    let origin = pages::origin(&req, &state);
    let url = format!("{origin}/integrations/{}", listing.slug);
    let head = Head {
        title: format!(
            "{} integration by {} · Mercato",
            listing.name, listing.partner.name
        ),
        description: pages::summary(
            &format!("{} {}", listing.tagline, plain(&listing.description)),
            155,
        ),
        canonical: url.clone(),
        og_type: "product",
        image: listing.screenshots.first().map(|s| s.url.clone()),
        json_ld: Some(seo::listing_json_ld(&listing, &url, &origin).to_string()),
    };
    let body = mercato_frontend::ssr::listing_page(listing);
    Ok(pages::html(StatusCode::OK, pages::document(&head, &body)))
}

#[derive(FromQueryResult)]
struct SitemapRow {
    slug: String,
    updated_at: DateTime<Utc>,
}

const PUBLIC_LISTINGS: &str = "FROM listings l JOIN partners p ON p.id = l.partner_id \
     WHERE l.status = 'published' AND p.status = 'active'";

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

fn urls(origin: &str, rows: Vec<SitemapRow>, home: bool) -> Vec<seo::SitemapUrl> {
    let latest = rows.iter().map(|r| r.updated_at).max();
    let mut urls = Vec::with_capacity(rows.len() + 1);
    if home {
        urls.push(seo::SitemapUrl {
            loc: format!("{origin}/"),
            lastmod: latest,
        });
    }
    urls.extend(rows.into_iter().map(|r| seo::SitemapUrl {
        loc: format!("{origin}/integrations/{}", r.slug),
        lastmod: Some(r.updated_at),
    }));
    urls
}

/// `/sitemap.xml`: every public page, or past `sitemap_urls_per_file` (50,000) URLs an index
/// of `/sitemaps/listings-{n}.xml` files.
pub async fn sitemap(req: HttpRequest, state: web::Data<AppState>) -> ApiResult<HttpResponse> {
    let origin = pages::origin(&req, &state);
    let per_file = state.settings.sitemap_urls_per_file;
    let total = public_listing_count(&state.db.read).await?;
    if total < per_file {
        let rows = sitemap_rows(&state.db.read, 0, per_file).await?;
        return Ok(xml(seo::urlset(&urls(&origin, rows, true))));
    }
    let mut latest = Vec::new();
    for part in 0..seo::parts(total, per_file) {
        let rows = sitemap_rows(&state.db.read, part, per_file).await?;
        latest.push(rows.iter().map(|r| r.updated_at).max());
    }
    Ok(xml(seo::index(&origin, &latest)))
}

/// `/sitemaps/listings-{n}.xml`, a file of the sitemap index (the first also lists the home
/// page).
pub async fn sitemap_part(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
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
    let origin = pages::origin(&req, &state);
    let rows = sitemap_rows(&state.db.read, part - 1, per_file).await?;
    Ok(xml(seo::urlset(&urls(&origin, rows, part == 1))))
}

pub async fn robots(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let origin = pages::origin(&req, &state);
    HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
        .content_type("text/plain; charset=utf-8")
        .body(format!(
            "User-agent: *\nAllow: /\nDisallow: /api/\n\nSitemap: {origin}/sitemap.xml\n"
        ))
}
