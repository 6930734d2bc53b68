//! `/sitemap.xml` (an index past 50,000 URLs), its files, and `robots.txt`. The reads are
//! `store::sitemap`; here, the URLs and the XML.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};

use crate::error::ApiResult;
use crate::pages::{self, seo};
use crate::state::AppState;
use crate::store::sitemap::{self as rows, Dated};

fn xml(body: String) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
        .content_type("application/xml; charset=utf-8")
        .body(body)
}

/// `{origin}/{prefix}/{slug}` for each page, dated.
fn urls(origin: &str, prefix: &str, pages: Vec<Dated>) -> Vec<seo::SitemapUrl> {
    pages
        .into_iter()
        .map(|r| seo::SitemapUrl {
            loc: format!("{origin}/{prefix}/{}", r.slug),
            lastmod: Some(r.updated_at),
        })
        .collect()
}

/// The home page, the categories, the active partners and the use cases (as many as fit in one
/// sitemap file).
async fn other_pages(
    state: &AppState,
    origin: &str,
    per_file: u64,
) -> ApiResult<Vec<seo::SitemapUrl>> {
    let db = &state.db.read;
    let mut all = vec![
        seo::SitemapUrl {
            loc: format!("{origin}/"),
            lastmod: rows::latest_listing_change(db).await?,
        },
        seo::SitemapUrl {
            loc: format!("{origin}/requests"),
            lastmod: None,
        },
    ];
    all.extend(urls(origin, "categories", rows::categories(db).await?));
    all.extend(urls(origin, "partners", rows::public_partners(db).await?));
    let room = (per_file as usize).saturating_sub(all.len());
    all.extend(
        rows::named_use_cases(db, room)
            .await?
            .into_iter()
            .map(|(slug, lastmod)| seo::SitemapUrl {
                loc: format!("{origin}/use-cases/{}", slug.as_str()),
                lastmod: Some(lastmod),
            }),
    );
    Ok(all)
}

/// `/sitemap.xml`: every public page — or, past `sitemap_urls_per_file` (50,000) URLs, an
/// index of `/sitemaps/pages.xml` (home, categories, partners, use cases) and
/// `/sitemaps/listings-{n}.xml`.
pub async fn sitemap(req: HttpRequest, state: web::Data<AppState>) -> ApiResult<HttpResponse> {
    let origin = pages::origin(&req, &state);
    let per_file = state.settings.sitemap_urls_per_file;
    let total = rows::public_listing_count(&state.db.read).await?;
    // Past the limit the listings alone decide: no need to build the other pages to count them.
    if total <= per_file {
        let mut all = other_pages(&state, &origin, per_file).await?;
        if total + (all.len() as u64) <= per_file {
            let listings = rows::listings_of_part(&state.db.read, 0, per_file).await?;
            all.extend(urls(&origin, "integrations", listings));
            return Ok(xml(seo::urlset(&all)));
        }
    }
    let mut latest = vec![rows::pages_lastmod(&state.db.read).await?];
    latest.extend(rows::parts_lastmod(&state.db.read, per_file).await?);
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
        let all = other_pages(&state, &origin, state.settings.sitemap_urls_per_file).await?;
        return Ok(xml(seo::urlset(&all)));
    }
    let part = path
        .strip_prefix("listings-")
        .and_then(|p| p.strip_suffix(".xml"))
        .and_then(|n| n.parse::<u64>().ok())
        .filter(|n| *n >= 1);
    let per_file = state.settings.sitemap_urls_per_file;
    let total = rows::public_listing_count(&state.db.read).await?;
    let Some(part) = part.filter(|n| *n <= seo::parts(total, per_file)) else {
        return Ok(pages::not_found(&req, &state));
    };
    let listings = rows::listings_of_part(&state.db.read, part - 1, per_file).await?;
    Ok(xml(seo::urlset(&urls(&origin, "integrations", listings))))
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
