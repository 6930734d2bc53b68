//! The middleware every request passes through, outermost first: request id and tracing span,
//! security headers, CORS for the configured origins, then the header size limit and the rate
//! limits (429 before any handler runs), then compression.

use std::time::Instant;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::http::Method;
use actix_web::middleware::Next;
use actix_web::{web, HttpMessage, HttpResponse, ResponseError};
use tracing::Instrument;

use crate::auth::extract::VerifiedAccess;
use crate::error::{ApiError, REQUEST_ID};
use crate::rate_limit::Caller;
use crate::state::AppState;

/// Gives every request an id (the client's `X-Request-Id` if it is sane), a tracing span, and
/// one log line with status and latency.
pub async fn request_context(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let request_id = req
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .filter(|v| {
            !v.is_empty()
                && v.len() <= 64
                && v.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
        .map(str::to_string)
        .unwrap_or_else(|| uuid::Uuid::new_v4().simple().to_string());
    let span = tracing::info_span!(
        "request",
        request_id = %request_id,
        method = %req.method(),
        path = %req.path(),
    );
    let started = Instant::now();
    let result = REQUEST_ID
        .scope(request_id.clone(), next.call(req).instrument(span.clone()))
        .await;
    let _guard = span.enter();
    match result {
        Ok(mut res) => {
            let status = res.status().as_u16();
            let elapsed = started.elapsed().as_secs_f64();
            let elapsed_ms = elapsed * 1000.0;
            if let Some(state) = res.request().app_data::<web::Data<AppState>>() {
                // The matched template keeps labels few; static files and unknown paths share
                // one.
                let route = res.request().match_pattern();
                state.metrics.observe(
                    res.request().method().as_str(),
                    route.as_deref().unwrap_or("(other)"),
                    status,
                    elapsed,
                );
            }
            if status >= 500 {
                tracing::error!(status, elapsed_ms, "request failed");
            } else {
                tracing::debug!(status, elapsed_ms, "request");
            }
            if let Ok(v) = HeaderValue::from_str(&request_id) {
                res.headers_mut()
                    .insert(HeaderName::from_static("x-request-id"), v);
            }
            Ok(res)
        }
        Err(e) => Err(e),
    }
}

/// Cross-origin access to the API for the configured origins only (`cors_origins`): their
/// requests get `Access-Control-Allow-Origin` and their preflights are answered here; a
/// preflight from any other origin is refused, so browsers keep other sites out. Same-origin
/// requests (the web app) are untouched.
pub async fn cors(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    if !req.path().starts_with("/api/") {
        return next
            .call(req)
            .await
            .map(ServiceResponse::map_into_boxed_body);
    }
    let allowed = req
        .headers()
        .get(header::ORIGIN)
        .and_then(|o| o.to_str().ok())
        .filter(|origin| {
            req.app_data::<web::Data<AppState>>()
                .is_some_and(|s| s.settings.cors_origins.0.iter().any(|a| a == origin))
        })
        .map(str::to_string);
    let preflight = req.method() == Method::OPTIONS
        && req
            .headers()
            .contains_key(header::ACCESS_CONTROL_REQUEST_METHOD);
    if preflight {
        let response = match &allowed {
            Some(origin) => HttpResponse::NoContent()
                .insert_header((header::ACCESS_CONTROL_ALLOW_ORIGIN, origin.as_str()))
                .insert_header((
                    header::ACCESS_CONTROL_ALLOW_METHODS,
                    "GET, POST, PUT, PATCH, DELETE",
                ))
                .insert_header((
                    header::ACCESS_CONTROL_ALLOW_HEADERS,
                    "authorization, content-type, idempotency-key",
                ))
                .insert_header((header::ACCESS_CONTROL_MAX_AGE, "600"))
                .insert_header((header::VARY, "Origin"))
                .finish(),
            None => ApiError::Forbidden("this origin may not call the API").error_response(),
        };
        let (req, _) = req.into_parts();
        return Ok(ServiceResponse::new(req, response));
    }
    let mut res = next.call(req).await?.map_into_boxed_body();
    if let Some(origin) = allowed {
        let h = res.headers_mut();
        if let Ok(value) = HeaderValue::from_str(&origin) {
            h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, value);
        }
        h.insert(
            header::ACCESS_CONTROL_EXPOSE_HEADERS,
            HeaderValue::from_static("location, retry-after, x-request-id"),
        );
        h.append(header::VARY, HeaderValue::from_static("Origin"));
    }
    Ok(res)
}

/// Headers every response carries.
pub async fn security_headers(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    // Behind TLS (the configured public origin is https), browsers are told to use https only.
    let behind_tls = req
        .app_data::<web::Data<AppState>>()
        .and_then(|state| state.settings.public_url.as_deref())
        .is_some_and(|url| url.starts_with("https://"));
    let mut res = next.call(req).await?;
    let h = res.headers_mut();
    if behind_tls {
        h.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        );
    }
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("strict-origin-when-cross-origin"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    if !h.contains_key(header::CONTENT_SECURITY_POLICY) {
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(
                "default-src 'self'; img-src 'self' https: data:; style-src 'self' 'unsafe-inline'; \
                 script-src 'self' 'wasm-unsafe-eval'; connect-src 'self'; frame-ancestors 'none'; \
                 base-uri 'self'; form-action 'self'",
            ),
        );
    }
    Ok(res)
}

/// Paths that are not counted: the web app's static files and the health checks.
fn exempt(path: &str) -> bool {
    path.starts_with("/pkg/")
        || matches!(
            path,
            "/style.css"
                | "/boot.js"
                | "/favicon.ico"
                | "/favicon.svg"
                | "/healthz"
                | "/readyz"
                | "/metrics"
        )
}

/// The callers a request counts against. A verified access token is noted on the request, so
/// that the account extractors do not verify it again.
fn callers(req: &ServiceRequest, state: &AppState) -> Vec<Caller> {
    let mut out = Vec::with_capacity(2);
    let trusted = &state.settings.trusted_proxies;
    if let Some(ip) = super::client::client_addr(req.peer_addr(), req.headers(), trusted) {
        out.push(Caller::Address(ip));
    }
    if let Ok(Some(token)) = crate::auth::extract::bearer_in(req.headers()) {
        if crate::auth::api_keys::looks_like_key(&token) {
            use sha2::{Digest, Sha256};
            let digest = Sha256::digest(token.as_bytes());
            let mut id = [0u8; 16];
            id.copy_from_slice(&digest[..16]);
            out.push(Caller::ApiKey(id));
        } else if let Some(user_id) = state.tokens.verify_access(&token) {
            req.extensions_mut().insert(VerifiedAccess(user_id));
            out.push(Caller::Account(user_id));
        }
    }
    out
}

/// The middleware: refuses the request before any handler runs when its headers are larger
/// than `max_header_bytes` (431) or a bucket is empty (429).
pub async fn rate_limit(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let state = req.app_data::<web::Data<AppState>>().cloned();
    if let Some(state) = &state {
        let max = state.settings.max_header_bytes;
        let size: usize = req
            .headers()
            .iter()
            .map(|(name, value)| name.as_str().len() + value.len() + 4)
            .sum();
        if size > max {
            let response = ApiError::HeadersTooLarge(max).error_response();
            let (req, _) = req.into_parts();
            return Ok(ServiceResponse::new(req, response));
        }
    }
    if let Some(state) = state.filter(|_| !exempt(req.path())) {
        let now = Instant::now();
        for caller in callers(&req, &state) {
            if let Err(retry_after_secs) = state.rate_limiter.take(&caller, now).await {
                tracing::info!(caller = caller.noun(), retry_after_secs, "rate limited");
                let response = ApiError::RateLimited {
                    detail: format!(
                        "too many requests from this {}; try again in {retry_after_secs} s",
                        caller.noun()
                    ),
                    retry_after_secs,
                }
                .error_response();
                let (req, _) = req.into_parts();
                return Ok(ServiceResponse::new(req, response));
            }
        }
    }
    next.call(req)
        .await
        .map(ServiceResponse::map_into_boxed_body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn static_files_and_health_checks_are_not_counted() {
        assert!(exempt("/pkg/mercato_frontend_bg.wasm"));
        assert!(exempt("/healthz"));
        assert!(!exempt("/api/v1/search"));
        assert!(!exempt("/listings/x"));
    }
}
