//! The consoles' frames: the analyst view, the partner portal and the admin console are
//! rendered in the browser from a bundle each (see ARCHITECTURE.md); the server sends the frame
//! its island mounts into — `noindex`, never cached.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use mercato_frontend::portal::route::{AdminRoute, PartnerRoute};

use crate::pages::{self, Head};
use crate::state::AppState;

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
