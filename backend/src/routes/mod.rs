//! HTTP routes: one module per resource. A handler parses the request (path, query, body, the
//! caller), checks access, calls one use case of a capability module (`listings`, `leads`,
//! `partners`, …) and maps its answer to a response. Route modules never import each other;
//! `pages/` holds the server-rendered pages.

pub mod admin;
pub mod analytics;
pub mod api_keys;
pub mod audit;
pub mod auth;
pub mod categories;
pub mod deals;
pub mod domain_verification;
pub mod events;
pub mod health;
pub mod installs;
pub mod integration_requests;
pub mod leads;
pub mod listings;
pub mod members;
pub mod metrics;
pub mod moderation;
pub mod pages;
pub mod partners;
pub mod reviews;
pub mod search;
pub mod sso;
pub mod usage;
pub mod web_app;
pub mod webhooks;
pub mod workspaces;

use actix_web::{web, HttpRequest, HttpResponse, Resource};

use crate::error::ApiError;

/// A resource that answers 405 (as a problem) for methods it has no route for.
pub(crate) fn resource(path: &str) -> Resource {
    web::resource(path).default_service(web::to(method_not_allowed))
}

/// GET, and HEAD (crawlers and link checkers ask it; actix sends the headers without the body).
fn page_read() -> actix_web::Route {
    use actix_web::guard;
    web::route().guard(guard::Any(guard::Get()).or(guard::Head()))
}

async fn method_not_allowed() -> Result<HttpResponse, ApiError> {
    Err(ApiError::MethodNotAllowed)
}

async fn api_route_not_found(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    Err(ApiError::RouteNotFound(req.path().to_string()))
}

/// Registers every route of the application.
pub fn configure(cfg: &mut web::ServiceConfig) {
    use web::{delete, get, patch, post, put};
    cfg.service(resource("/healthz").route(get().to(health::healthz)))
        .service(resource("/.well-known/jwks.json").route(get().to(installs::jwks)))
        .service(resource("/readyz").route(get().to(health::readyz)))
        .service(resource("/metrics").route(get().to(metrics::scrape)))
        .service(
            web::scope("/api/v1")
                // accounts
                .service(resource("/auth/register").route(post().to(auth::register)))
                .service(resource("/auth/login").route(post().to(auth::login)))
                .service(resource("/auth/refresh").route(post().to(auth::refresh)))
                .service(resource("/auth/logout").route(post().to(auth::logout)))
                .service(resource("/me").route(get().to(auth::me)))
                // single sign-on
                .service(resource("/auth/sso").route(get().to(sso::providers)))
                .service(resource("/auth/sso/exchange").route(post().to(sso::exchange)))
                .service(resource("/auth/sso/{provider}/start").route(post().to(sso::start)))
                .service(resource("/auth/sso/{provider}/callback").route(get().to(sso::callback)))
                .service(resource("/me/identities").route(get().to(sso::identities)))
                .service(resource("/me/identities/{id}").route(delete().to(sso::unlink)))
                // partners
                .service(
                    resource("/partners")
                        .route(get().to(partners::list))
                        .route(post().to(partners::apply)),
                )
                .service(
                    resource("/partners/{slug}")
                        .route(get().to(partners::get))
                        .route(patch().to(partners::update)),
                )
                .service(
                    resource("/partners/{slug}/sso")
                        .route(get().to(sso::partner_get))
                        .route(put().to(sso::partner_put))
                        .route(delete().to(sso::partner_delete)),
                )
                .service(resource("/partners/{slug}/approve").route(post().to(partners::approve)))
                .service(resource("/partners/{slug}/suspend").route(post().to(partners::suspend)))
                .service(resource("/partners/{slug}/tier").route(put().to(partners::set_tier)))
                .service(
                    resource("/partners/{slug}/certifications")
                        .route(put().to(partners::set_certifications)),
                )
                .service(resource("/partners/{slug}/history").route(get().to(partners::history)))
                .service(
                    resource("/partners/{slug}/domain-verification")
                        .route(get().to(domain_verification::status))
                        .route(post().to(domain_verification::start)),
                )
                .service(
                    resource("/partners/{slug}/domain-verification/check")
                        .route(post().to(domain_verification::check)),
                )
                .service(resource("/partners/{slug}/listings").route(get().to(partners::listings)))
                .service(
                    resource("/partners/{slug}/members")
                        .route(get().to(members::list))
                        .route(post().to(members::add)),
                )
                .service(
                    resource("/partners/{slug}/members/{user_id}")
                        .route(patch().to(members::update))
                        .route(delete().to(members::remove)),
                )
                // listings
                .service(
                    resource("/listings")
                        .route(get().to(listings::list))
                        .route(post().to(listings::create)),
                )
                .service(
                    resource("/listings/{slug}")
                        .route(get().to(listings::get))
                        .route(patch().to(listings::update)),
                )
                .service(resource("/markdown/preview").route(post().to(listings::preview_markdown)))
                .service(resource("/listings/{slug}/manage").route(get().to(listings::manage)))
                .service(resource("/listings/{slug}/history").route(get().to(listings::history)))
                .service(resource("/listings/{slug}/submit").route(post().to(moderation::submit)))
                .service(resource("/listings/{slug}/approve").route(post().to(moderation::approve)))
                .service(
                    resource("/listings/{slug}/request-changes")
                        .route(post().to(moderation::request_changes)),
                )
                .service(resource("/listings/{slug}/delist").route(post().to(moderation::delist)))
                .service(
                    resource("/listings/{slug}/badges").route(put().to(moderation::set_badges)),
                )
                // workspaces and installs
                .service(
                    resource("/workspaces")
                        .route(get().to(workspaces::mine))
                        .route(post().to(workspaces::create)),
                )
                .service(
                    resource("/workspaces/{id}")
                        .route(get().to(workspaces::get))
                        .route(patch().to(workspaces::update)),
                )
                .service(
                    resource("/workspaces/{id}/status").route(put().to(workspaces::set_status)),
                )
                .service(
                    resource("/workspaces/{id}/members")
                        .route(get().to(workspaces::members))
                        .route(post().to(workspaces::add_member)),
                )
                .service(
                    resource("/workspaces/{id}/members/{user_id}")
                        .route(delete().to(workspaces::remove_member)),
                )
                .service(
                    resource("/workspaces/{id}/installs")
                        .route(get().to(installs::list))
                        .route(post().to(installs::install)),
                )
                .service(
                    resource("/workspaces/{id}/installs/{listing}")
                        .route(delete().to(installs::uninstall)),
                )
                .service(
                    resource("/integration-requests")
                        .route(get().to(integration_requests::list))
                        .route(post().to(integration_requests::create)),
                )
                .service(
                    resource("/integration-requests/{id}/votes")
                        .route(post().to(integration_requests::vote)),
                )
                .service(
                    resource("/admin/integration-requests/{id}/ship")
                        .route(post().to(integration_requests::ship)),
                )
                .service(
                    resource("/partners/{slug}/deal-registrations")
                        .route(get().to(deals::list))
                        .route(post().to(deals::register)),
                )
                .service(
                    resource("/partners/{slug}/deal-registrations/{id}/close")
                        .route(post().to(deals::close)),
                )
                .service(
                    resource("/admin/deal-registrations/conflicts")
                        .route(get().to(deals::conflicts)),
                )
                .service(resource("/analytics/partners").route(get().to(deals::ranking)))
                .service(resource("/partners/{slug}/scorecard").route(get().to(deals::own)))
                .service(resource("/leads").route(post().to(leads::create)))
                .service(resource("/leads/{id}/accept").route(post().to(leads::accept)))
                .service(resource("/leads/{id}/decline").route(post().to(leads::decline)))
                .service(resource("/leads/{id}/status").route(post().to(leads::move_status)))
                .service(resource("/partners/{slug}/leads").route(get().to(leads::for_partner)))
                .service(resource("/admin/leads/{id}").route(get().to(leads::detail)))
                .service(
                    resource("/admin/routing-rules")
                        .route(get().to(leads::get_rules))
                        .route(put().to(leads::put_rules)),
                )
                .service(resource("/events/view").route(post().to(events::view)))
                .service(resource("/events/click").route(post().to(events::click)))
                // usage and partner API keys
                .service(
                    resource("/usage")
                        // 10,000 events of about 100 bytes.
                        .app_data(crate::http::extract::BodyLimit(4 * 1024 * 1024))
                        .route(post().to(usage::ingest)),
                )
                .service(
                    resource("/partners/{slug}/api-keys")
                        .route(get().to(api_keys::list))
                        .route(post().to(api_keys::create)),
                )
                .service(
                    resource("/partners/{slug}/api-keys/{id}").route(delete().to(api_keys::revoke)),
                )
                // webhooks
                .service(
                    resource("/partners/{slug}/webhooks")
                        .route(get().to(webhooks::list))
                        .route(post().to(webhooks::create)),
                )
                .service(
                    resource("/partners/{slug}/webhooks/{id}")
                        .route(get().to(webhooks::get))
                        .route(patch().to(webhooks::update))
                        .route(delete().to(webhooks::delete)),
                )
                .service(
                    resource("/partners/{slug}/webhooks/{id}/rotate-secret")
                        .route(post().to(webhooks::rotate_secret)),
                )
                .service(
                    resource("/partners/{slug}/webhooks/{id}/deliveries")
                        .route(get().to(webhooks::deliveries_of)),
                )
                .service(
                    resource("/partners/{slug}/webhooks/{id}/deliveries/{delivery}")
                        .route(get().to(webhooks::delivery)),
                )
                .service(
                    resource("/partners/{slug}/webhooks/{id}/deliveries/{delivery}/redeliver")
                        .route(post().to(webhooks::redeliver)),
                )
                .service(resource("/partners/{slug}/notices").route(get().to(webhooks::notices)))
                // analytics
                .service(resource("/analytics/listings/{slug}").route(get().to(analytics::listing)))
                .service(resource("/analytics/adoption").route(get().to(analytics::adoption)))
                .service(resource("/analytics/churn").route(get().to(analytics::churn)))
                // reviews
                .service(
                    resource("/listings/{slug}/reviews")
                        .route(get().to(reviews::list))
                        .route(post().to(reviews::create)),
                )
                .service(resource("/reviews/{id}").route(patch().to(reviews::update)))
                .service(resource("/reviews/{id}/reply").route(post().to(reviews::reply)))
                .service(resource("/reviews/{id}/hide").route(post().to(reviews::hide)))
                .service(resource("/reviews/{id}/unhide").route(post().to(reviews::unhide)))
                // search
                .service(resource("/search").route(get().to(search::search)))
                .service(resource("/search/suggest").route(get().to(search::suggest)))
                // categories
                .service(
                    resource("/categories")
                        .route(get().to(categories::list))
                        .route(post().to(categories::create)),
                )
                .service(
                    resource("/categories/{slug}")
                        .route(get().to(categories::get))
                        .route(patch().to(categories::update))
                        .route(delete().to(categories::delete)),
                )
                // marketplace administration
                .service(resource("/admin/review-queue").route(get().to(moderation::queue)))
                .service(resource("/admin/users").route(get().to(admin::list_users)))
                .service(resource("/admin/search/status").route(get().to(search::status)))
                .service(resource("/admin/usage/status").route(get().to(usage::status)))
                .service(resource("/admin/users/{id}/role").route(put().to(admin::set_role)))
                .service(resource("/admin/audit").route(get().to(audit::list)))
                .default_service(web::to(api_route_not_found)),
        )
        // server-rendered public pages
        .service(resource("/").route(page_read().to(pages::home)))
        .service(resource("/integrations/{slug}").route(page_read().to(pages::listing)))
        .service(
            resource("/integrations/{slug}/contact")
                .app_data(web::PayloadConfig::new(64 * 1024))
                .route(post().to(pages::contact)),
        )
        .service(resource("/partners/{slug}").route(page_read().to(pages::partner)))
        .service(resource("/categories/{slug}").route(page_read().to(pages::category)))
        .service(resource("/search").route(page_read().to(pages::search)))
        .service(resource("/use-cases/{slug}").route(page_read().to(pages::use_case)))
        .service(
            resource("/requests")
                .app_data(web::PayloadConfig::new(64 * 1024))
                .route(page_read().to(pages::requests))
                .route(post().to(pages::ask)),
        )
        .service(
            resource("/requests/{id}/vote")
                .app_data(web::PayloadConfig::new(16 * 1024))
                .route(post().to(pages::vote)),
        )
        .service(resource("/analytics").route(page_read().to(pages::analytics)))
        .service(resource("/partner").route(page_read().to(pages::partner_portal)))
        .service(resource("/partner/{rest:.*}").route(page_read().to(pages::partner_portal)))
        .service(resource("/admin").route(page_read().to(pages::admin_console)))
        .service(resource("/admin/{rest:.*}").route(page_read().to(pages::admin_console)))
        .service(resource("/sign-in").route(page_read().to(pages::sign_in)))
        .service(resource("/sign-up").route(page_read().to(pages::sign_up)))
        .service(resource("/sign-in/complete").route(page_read().to(pages::sso_complete)))
        .service(resource("/account").route(page_read().to(pages::account)))
        .service(resource("/sitemap.xml").route(page_read().to(pages::sitemap)))
        .service(resource("/sitemaps/{file}").route(page_read().to(pages::sitemap_part)))
        .service(resource("/robots.txt").route(page_read().to(pages::robots)))
        .default_service(web::to(web_app::serve));
}
