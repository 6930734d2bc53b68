//! Typed client of the Mercato HTTP API: one function per endpoint, returning the
//! `mercato-shared` types. Requests go to the page's own origin (`/api/v1/...`).

use std::fmt;

use mercato_shared::api::categories::Category;
use mercato_shared::api::listings::ListingSummary;
use mercato_shared::api::Page;
use mercato_shared::Problem;
use serde::de::DeserializeOwned;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::Response;

/// Why a request failed, in words a visitor can read.
#[derive(Debug, Clone, PartialEq)]
pub enum ApiError {
    /// The request did not reach the server (offline, refused, aborted).
    Network,
    /// The server answered with an error status; `detail` comes from its problem+json body.
    Status { status: u16, detail: Option<String> },
    /// The server answered 2xx with a body that is not the expected JSON.
    Decode(String),
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ApiError::Network => f.write_str("The server could not be reached."),
            ApiError::Status {
                status,
                detail: Some(detail),
            } => write!(f, "The server answered {status}: {detail}"),
            ApiError::Status {
                status,
                detail: None,
            } => write!(f, "The server answered {status}."),
            ApiError::Decode(_) => f.write_str("The server sent a response we could not read."),
        }
    }
}

/// `GET /api/v1/listings?limit={limit}`: published listings, most popular first.
pub async fn listings(limit: u32) -> Result<Page<ListingSummary>, ApiError> {
    get_json(&format!("/api/v1/listings?limit={limit}")).await
}

/// `GET /api/v1/categories`.
pub async fn categories() -> Result<Page<Category>, ApiError> {
    get_json("/api/v1/categories").await
}

async fn get_json<T: DeserializeOwned>(path: &str) -> Result<T, ApiError> {
    let window = web_sys::window().ok_or(ApiError::Network)?;
    let response: Response = JsFuture::from(window.fetch_with_str(path))
        .await
        .and_then(JsValue::dyn_into)
        .map_err(|_| ApiError::Network)?;
    let body = text(&response).await?;
    if !response.ok() {
        let detail = serde_json::from_str::<Problem>(&body)
            .ok()
            .map(|p| p.detail.unwrap_or(p.title));
        return Err(ApiError::Status {
            status: response.status(),
            detail,
        });
    }
    serde_json::from_str(&body).map_err(|e| ApiError::Decode(e.to_string()))
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
