//! The sign-in and sign-up pages, the page a single sign-on lands on, and the account page:
//! never cached, not for search engines (robots.txt keeps them out).

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};

use crate::pages::{self, Head};
use crate::state::AppState;

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
    pages::no_store(pages::html(StatusCode::OK, pages::document(&head, &body)))
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
    pages::no_store(pages::html(StatusCode::OK, pages::document(&head, &body)))
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
