//! Building JSON responses: plain, created, and cacheable public reads with ETags.

use std::hash::{Hash, Hasher};

use actix_web::http::header::{self, HeaderValue};
use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse};
use serde::Serialize;

use crate::error::ApiError;
use mercato_shared::validate::Slug;

pub fn ok<T: Serialize>(value: &T) -> HttpResponse {
    HttpResponse::Ok().json(value)
}

pub fn created<T: Serialize>(location: &str, value: &T) -> HttpResponse {
    HttpResponse::Created()
        .insert_header((header::LOCATION, location))
        .json(value)
}

pub fn no_content() -> HttpResponse {
    HttpResponse::NoContent().finish()
}

/// A public read: a strong ETag over the body, `304 Not Modified` when the client has it, and
/// a short shared-cache lifetime for anonymous callers (signed-in callers may see more, so
/// their responses are private).
pub fn cacheable<T: Serialize>(req: &HttpRequest, value: &T) -> HttpResponse {
    match serialize_with_etag(value) {
        Ok((body, etag)) => cacheable_bytes(req, body, &etag),
        Err(e) => actix_web::ResponseError::error_response(&e),
    }
}

/// The JSON body of a public read and its strong ETag.
pub fn serialize_with_etag<T: Serialize>(value: &T) -> Result<(Bytes, String), ApiError> {
    let body = serde_json::to_vec(value).map_err(|e| ApiError::Unexpected(e.into()))?;
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    body.hash(&mut hasher);
    let etag = format!("\"{:016x}{:08x}\"", hasher.finish(), body.len());
    Ok((Bytes::from(body), etag))
}

/// Answers a public read from its serialised body (see [`cacheable`]).
pub fn cacheable_bytes(req: &HttpRequest, body: Bytes, etag: &str) -> HttpResponse {
    let signed_in = req.headers().contains_key(header::AUTHORIZATION);
    let cache_control = if signed_in {
        "private, no-cache"
    } else {
        "public, max-age=30, stale-while-revalidate=60"
    };
    let matches = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"));
    let mut res = if matches {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    res.insert_header((header::ETAG, etag.to_string()))
        .insert_header((header::CACHE_CONTROL, cache_control))
        .insert_header((header::VARY, HeaderValue::from_static("Authorization")));
    if matches {
        res.finish()
    } else {
        res.content_type("application/json").body(body)
    }
}

/// A slug from the path; a malformed one cannot name anything, so it is a 404.
pub fn path_slug(raw: &str, kind: &'static str) -> Result<Slug, ApiError> {
    Slug::parse(raw).map_err(|_| ApiError::NotFound(kind))
}

/// A numeric id from the path; a malformed one cannot name anything, so it is a 404.
pub fn path_id(raw: &str, kind: &'static str) -> Result<i64, ApiError> {
    raw.parse().map_err(|_| ApiError::NotFound(kind))
}
