//! Typed client of the Mercato HTTP API, used by the islands in the browser: one function per
//! endpoint, returning the `mercato-shared` types. Requests go to the page's own origin
//! (`/api/v1/...`); calls that need an account send the session's bearer token and renew it
//! once when the API says it expired (see [`crate::session`]).

use std::fmt;

use mercato_shared::api::analytics::{AdoptionRanking, ChurnReport};
use mercato_shared::api::auth::{LoginRequest, RegisterRequest, TokenResponse};
use mercato_shared::api::reviews::{CreateReview, Review};
use mercato_shared::api::search::SuggestResponse;
use mercato_shared::api::workspaces::{
    CreateWorkspace, Install, InstallRequest, InstallResponse, InstallSource, Workspace,
};
use mercato_shared::{ErrorCode, Problem};
use serde::de::DeserializeOwned;
use serde::Serialize;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Headers, Request, RequestInit, Response};

use crate::session::{self, Session};

/// Why a request failed, in words a visitor can read.
#[derive(Debug, Clone, PartialEq)]
pub enum ApiError {
    /// The request did not reach the server (offline, refused, aborted).
    Network,
    /// The server answered with a problem (`application/problem+json`).
    Problem(Box<Problem>),
    /// The server answered with an error status and no readable problem.
    Status(u16),
    /// The server answered 2xx with a body that is not the expected JSON.
    Decode(String),
    /// The call needs an account and nobody is signed in (or the session ended).
    SignedOut,
}

impl ApiError {
    /// The API's message for one field (`email`, `rating`, …), if it named that field.
    pub fn field(&self, name: &str) -> Option<String> {
        match self {
            ApiError::Problem(p) => p
                .errors
                .iter()
                .find(|e| e.field == name)
                .map(|e| mercato_shared::sentence(&e.message)),
            _ => None,
        }
    }

    pub fn code(&self) -> Option<ErrorCode> {
        match self {
            ApiError::Problem(p) => Some(p.code),
            _ => None,
        }
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ApiError::Network => {
                f.write_str("The server could not be reached. Check your connection and try again.")
            }
            ApiError::Problem(p) => match &p.detail {
                Some(detail) => write!(f, "{}: {detail}.", p.title),
                None => write!(f, "{}.", p.title),
            },
            ApiError::Status(status) => write!(f, "The server answered {status}."),
            ApiError::Decode(_) => f.write_str("The server sent a response we could not read."),
            ApiError::SignedOut => f.write_str("Your session has ended. Please sign in again."),
        }
    }
}

/// `GET /api/v1/search/suggest`: completions for what is typed so far.
pub async fn suggest(query: &str, limit: u32) -> Result<SuggestResponse, ApiError> {
    let path = format!(
        "/api/v1/search/suggest?q={}&limit={limit}",
        String::from(js_sys::encode_uri_component(query))
    );
    send("GET", &path, None::<&()>, None).await
}

/// `GET /api/v1/analytics/adoption?limit=`: listings ranked by MAU (admins, analysts).
pub async fn adoption(limit: u32) -> Result<AdoptionRanking, ApiError> {
    authorized(
        "GET",
        &format!("/api/v1/analytics/adoption?limit={limit}"),
        None::<&()>,
    )
    .await
}

/// `GET /api/v1/analytics/churn`: churn by number of active integrations (admins, analysts).
pub async fn churn() -> Result<ChurnReport, ApiError> {
    authorized("GET", "/api/v1/analytics/churn", None::<&()>).await
}

/// `POST /api/v1/auth/login`.
pub async fn login(body: &LoginRequest) -> Result<TokenResponse, ApiError> {
    send("POST", "/api/v1/auth/login", Some(body), None).await
}

/// `POST /api/v1/auth/register`.
pub async fn register(body: &RegisterRequest) -> Result<TokenResponse, ApiError> {
    send("POST", "/api/v1/auth/register", Some(body), None).await
}

/// `POST /api/v1/auth/sso/exchange`: the session for a single sign-on's hand-over code.
pub async fn sso_exchange(code: &str) -> Result<TokenResponse, ApiError> {
    let body = serde_json::json!({ "code": code });
    send("POST", "/api/v1/auth/sso/exchange", Some(&body), None).await
}

/// `POST` with a JSON body and no account (signing in).
pub async fn post_anonymous<T: DeserializeOwned>(
    path: &str,
    body: &impl Serialize,
) -> Result<T, ApiError> {
    send("POST", path, Some(body), None).await
}

/// `POST /api/v1/auth/logout`: revokes the session on the server (best effort).
pub async fn logout(session: &Session) {
    let body = serde_json::json!({ "refresh_token": session.refresh_token });
    let _ = send::<serde_json::Value>("POST", "/api/v1/auth/logout", Some(&body), None).await;
}

/// `GET /api/v1/workspaces`: the signed-in account's workspaces.
pub async fn my_workspaces() -> Result<Vec<Workspace>, ApiError> {
    authorized("GET", "/api/v1/workspaces", None::<&()>).await
}

/// `POST /api/v1/workspaces`.
pub async fn create_workspace(name: &str) -> Result<Workspace, ApiError> {
    let body = CreateWorkspace {
        name: name.to_string(),
        domain: None,
        plan: None,
    };
    authorized("POST", "/api/v1/workspaces", Some(&body)).await
}

/// `GET /api/v1/workspaces/{id}/installs`: current and past installs.
pub async fn installs(workspace: i64) -> Result<Vec<Install>, ApiError> {
    authorized(
        "GET",
        &format!("/api/v1/workspaces/{workspace}/installs"),
        None::<&()>,
    )
    .await
}

/// `POST /api/v1/workspaces/{id}/installs`, attributed to the listing page.
pub async fn install(workspace: i64, listing: &str) -> Result<InstallResponse, ApiError> {
    let body = InstallRequest {
        listing: listing.to_string(),
        source: InstallSource::ListingPage,
        utm_source: None,
        utm_medium: None,
        utm_campaign: None,
        utm_term: None,
        utm_content: None,
    };
    authorized(
        "POST",
        &format!("/api/v1/workspaces/{workspace}/installs"),
        Some(&body),
    )
    .await
}

/// `DELETE /api/v1/workspaces/{id}/installs/{listing}`.
pub async fn uninstall(workspace: i64, listing: &str) -> Result<(), ApiError> {
    authorized(
        "DELETE",
        &format!("/api/v1/workspaces/{workspace}/installs/{listing}"),
        None::<&()>,
    )
    .await
}

/// `POST /api/v1/listings/{slug}/reviews`.
pub async fn create_review(listing: &str, body: &CreateReview) -> Result<Review, ApiError> {
    authorized(
        "POST",
        &format!("/api/v1/listings/{listing}/reviews"),
        Some(body),
    )
    .await
}

// The consoles' calls: many endpoints, each used in one place, so they go through these
// generic helpers with the path spelled at the call site (see `seg` for path segments).

/// `GET` on behalf of the signed-in account.
pub async fn get<T: DeserializeOwned>(path: &str) -> Result<T, ApiError> {
    authorized("GET", path, None::<&()>).await
}

/// `POST` with a JSON body on behalf of the signed-in account.
pub async fn post<T: DeserializeOwned>(path: &str, body: &impl Serialize) -> Result<T, ApiError> {
    authorized("POST", path, Some(body)).await
}

/// `PATCH` with a JSON body on behalf of the signed-in account.
pub async fn patch<T: DeserializeOwned>(path: &str, body: &impl Serialize) -> Result<T, ApiError> {
    authorized("PATCH", path, Some(body)).await
}

/// `PUT` with a JSON body on behalf of the signed-in account.
pub async fn put<T: DeserializeOwned>(path: &str, body: &impl Serialize) -> Result<T, ApiError> {
    authorized("PUT", path, Some(body)).await
}

/// `DELETE` on behalf of the signed-in account.
pub async fn delete(path: &str) -> Result<(), ApiError> {
    authorized("DELETE", path, None::<&()>).await
}

/// A `GET` whose answer is text (the analytics' CSV exports).
pub async fn get_text(path: &str) -> Result<String, ApiError> {
    let current = session::load().ok_or(ApiError::SignedOut)?;
    let current = if current.access_expired(js_sys::Date::now()) {
        renew(&current).await?
    } else {
        current
    };
    let response = fetch(
        "GET",
        path,
        None::<&()>,
        Some(&current.access_token),
        "text/csv",
    )
    .await?;
    let body = text(&response).await?;
    if response.ok() {
        Ok(body)
    } else {
        Err(problem(&body, response.status()))
    }
}

/// A value as one path segment (or query value) of an API URL.
pub fn seg(value: &str) -> String {
    String::from(js_sys::encode_uri_component(value))
}

/// A call on behalf of the signed-in account: renews an expired access token first, and once
/// more if the server still refuses it; a session that cannot be renewed is cleared.
async fn authorized<T: DeserializeOwned>(
    method: &str,
    path: &str,
    body: Option<&impl Serialize>,
) -> Result<T, ApiError> {
    let mut current = session::load().ok_or(ApiError::SignedOut)?;
    if current.access_expired(js_sys::Date::now()) {
        current = renew(&current).await?;
    }
    match send(method, path, body, Some(&current.access_token)).await {
        Err(e) if e.code() == Some(ErrorCode::InvalidToken) => {
            let renewed = renew(&current).await?;
            send(method, path, body, Some(&renewed.access_token)).await
        }
        other => other,
    }
}

async fn renew(current: &Session) -> Result<Session, ApiError> {
    let body = serde_json::json!({ "refresh_token": current.refresh_token });
    match send::<TokenResponse>("POST", "/api/v1/auth/refresh", Some(&body), None).await {
        Ok(tokens) => Ok(session::store(tokens)),
        Err(ApiError::Network) => Err(ApiError::Network),
        Err(_) => {
            session::clear();
            Err(ApiError::SignedOut)
        }
    }
}

async fn send<T: DeserializeOwned>(
    method: &str,
    path: &str,
    body: Option<&impl Serialize>,
    token: Option<&str>,
) -> Result<T, ApiError> {
    let response = fetch(method, path, body, token, "application/json").await?;
    let text = text(&response).await?;
    if !response.ok() {
        return Err(problem(&text, response.status()));
    }
    // 204 and other empty answers read as JSON `null`.
    let text = if text.is_empty() { "null" } else { &text };
    serde_json::from_str(text).map_err(|e| ApiError::Decode(e.to_string()))
}

fn problem(body: &str, status: u16) -> ApiError {
    match serde_json::from_str::<Problem>(body) {
        Ok(problem) => ApiError::Problem(Box::new(problem)),
        Err(_) => ApiError::Status(status),
    }
}

async fn fetch(
    method: &str,
    path: &str,
    body: Option<&impl Serialize>,
    token: Option<&str>,
    accept: &str,
) -> Result<Response, ApiError> {
    let window = web_sys::window().ok_or(ApiError::Network)?;
    let headers = Headers::new().map_err(|_| ApiError::Network)?;
    let _ = headers.set("Accept", accept);
    if let Some(token) = token {
        let _ = headers.set("Authorization", &format!("Bearer {token}"));
    }
    let init = RequestInit::new();
    init.set_method(method);
    if let Some(body) = body {
        let json = serde_json::to_string(body).map_err(|e| ApiError::Decode(e.to_string()))?;
        let _ = headers.set("Content-Type", "application/json");
        init.set_body(&JsValue::from_str(&json));
    }
    init.set_headers(&headers);
    let request = Request::new_with_str_and_init(path, &init).map_err(|_| ApiError::Network)?;
    JsFuture::from(window.fetch_with_request(&request))
        .await
        .and_then(JsValue::dyn_into)
        .map_err(|_| ApiError::Network)
}

async fn text(response: &Response) -> Result<String, ApiError> {
    let promise = response.text().map_err(|_| ApiError::Network)?;
    let value = JsFuture::from(promise)
        .await
        .map_err(|_| ApiError::Network)?;
    value
        .as_string()
        .ok_or_else(|| ApiError::Decode("body is not text".into()))
}
