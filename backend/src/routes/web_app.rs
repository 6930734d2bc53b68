//! Serves the built web app's files (`MERCATO_WEB_DIR`): the stylesheet, `boot.js` and the WASM
//! bundle (`pkg/`). Pages themselves are rendered by `routes::pages`. Unknown API paths answer a
//! problem; other unknown paths a real 404 page.

use std::path::{Component, Path, PathBuf};

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};

use crate::error::ApiError;
use crate::state::AppState;

pub async fn serve(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let path = req.path();
    if path == "/api" || path.starts_with("/api/") {
        return Err(ApiError::RouteNotFound(path.to_string()));
    }
    if req.method() != actix_web::http::Method::GET && req.method() != actix_web::http::Method::HEAD
    {
        return Err(ApiError::MethodNotAllowed);
    }
    let Some(file) = safe_join(&state.settings.web_dir, path.trim_start_matches('/')) else {
        return Ok(crate::pages::not_found(&req, &state));
    };
    match tokio::fs::read(&file).await {
        Ok(bytes) => Ok(file_response(&req, &file, bytes)),
        Err(_) => Ok(crate::pages::not_found(&req, &state)),
    }
}

/// Joins a URL path onto the bundle directory, refusing anything that could leave it.
fn safe_join(root: &Path, relative: &str) -> Option<PathBuf> {
    let rel = Path::new(relative);
    if rel.components().any(|c| !matches!(c, Component::Normal(_))) {
        return None;
    }
    Some(root.join(rel))
}

fn content_type(path: &Path) -> &'static str {
    match path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or_default()
    {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "wasm" => "application/wasm",
        "css" => "text/css; charset=utf-8",
        "json" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        "txt" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

fn file_response(req: &HttpRequest, path: &Path, bytes: Vec<u8>) -> HttpResponse {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    bytes.hash(&mut h);
    let etag = format!("\"{:016x}\"", h.finish());
    let fresh = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag));
    let mut res = if fresh {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    res.insert_header((header::ETAG, etag))
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"));
    if fresh {
        res.finish()
    } else {
        res.content_type(content_type(path)).body(bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joins_refuse_escapes() {
        let root = Path::new("/srv/web");
        assert_eq!(
            safe_join(root, "pkg/app.js"),
            Some(PathBuf::from("/srv/web/pkg/app.js"))
        );
        assert_eq!(safe_join(root, "../secret"), None);
        assert_eq!(safe_join(root, "pkg/../../x"), None);
        assert_eq!(safe_join(root, "/etc/passwd"), None);
    }
}
