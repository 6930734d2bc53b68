//! Partner API keys for machine calls (usage reporting): created by partner admins, shown
//! once, stored as SHA-256, revocable (the use cases are `auth::api_keys`).

use actix_web::{web, HttpResponse};
use mercato_shared::api::usage::{ApiKey, CreateApiKey, CreatedApiKey};

use crate::auth::{api_keys, CurrentUser};
use crate::domain::access::Need;
use crate::error::ApiResult;
use crate::http::extract::ApiJson;
use crate::http::partner_in_path;
use crate::http::respond;
use crate::state::AppState;

/// Creates a key; the secret is in this answer only.
#[utoipa::path(post, path = "/api/v1/partners/{slug}/api-keys", tag = "api keys", security(("bearer" = [])),
    params(("slug" = String, Path)), request_body = CreateApiKey,
    responses((status = 201, body = CreatedApiKey), (status = 403, body = mercato_shared::Problem), (status = 422, body = mercato_shared::Problem)))]
pub async fn create(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
    ApiJson(req): ApiJson<CreateApiKey>,
) -> ApiResult<HttpResponse> {
    let (partner, _) = partner_in_path(&state, Some(&user), &path, Need::Administration).await?;
    let created = api_keys::create(&state, &user, &partner, req).await?;
    Ok(respond::created(
        &format!(
            "/api/v1/partners/{}/api-keys/{}",
            partner.slug, created.key.id
        ),
        &created,
    ))
}

#[utoipa::path(get, path = "/api/v1/partners/{slug}/api-keys", tag = "api keys", security(("bearer" = [])),
    params(("slug" = String, Path)),
    responses((status = 200, body = Vec<ApiKey>), (status = 403, body = mercato_shared::Problem)))]
pub async fn list(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let (partner, _) = partner_in_path(&state, Some(&user), &path, Need::Administration).await?;
    Ok(respond::ok(&api_keys::list(&state, &partner).await?))
}

/// Revokes a key: it stops working at once.
#[utoipa::path(delete, path = "/api/v1/partners/{slug}/api-keys/{id}", tag = "api keys", security(("bearer" = [])),
    params(("slug" = String, Path), ("id" = i64, Path)),
    responses((status = 204), (status = 403, body = mercato_shared::Problem), (status = 404, body = mercato_shared::Problem)))]
pub async fn revoke(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<(String, String)>,
) -> ApiResult<HttpResponse> {
    let (raw_slug, raw_id) = path.into_inner();
    let (partner, _) =
        partner_in_path(&state, Some(&user), &raw_slug, Need::Administration).await?;
    let id = respond::path_id(&raw_id, "API key")?;
    api_keys::revoke(&state, &user, &partner, id).await?;
    Ok(respond::no_content())
}
