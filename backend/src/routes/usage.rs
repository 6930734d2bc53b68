//! Usage reported by partners' integrations, in batches authenticated with a partner API key
//! (the use case is `usage::ingest`), and the usage folder's backlog.

use actix_web::{web, HttpRequest, HttpResponse};
use mercato_shared::api::usage::{UsageBatch, UsageReceipt, UsageStatus};

use crate::auth::api_keys::PartnerKey;
use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiResult};
use crate::http::extract::JsonBytes;
use crate::http::respond;
use crate::state::AppState;
use crate::usage::ingest;

/// The batch's `Idempotency-Key`, if it has one: 1 to 200 visible ASCII characters.
fn idempotency_key(req: &HttpRequest) -> ApiResult<Option<String>> {
    let Some(value) = req.headers().get("idempotency-key") else {
        return Ok(None);
    };
    let key = value.to_str().unwrap_or_default().trim();
    if key.is_empty() || key.len() > 200 || !key.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(ApiError::field(
            "Idempotency-Key",
            "invalid_value",
            "must be 1 to 200 visible ASCII characters",
        ));
    }
    Ok(Some(key.to_string()))
}

/// Reports usage (partner API key). Each event is accepted or rejected with a reason; a batch
/// sent again with the same `Idempotency-Key` is answered as the first time and counted once.
#[utoipa::path(post, path = "/api/v1/usage", tag = "usage", security(("api_key" = [])),
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe: the same key and body count once (keys are remembered for 7 days)")),
    request_body = UsageBatch,
    responses(
        (status = 200, body = UsageReceipt),
        (status = 401, description = "missing or invalid API key", body = mercato_shared::Problem),
        (status = 409, description = "idempotency_key_reused", body = mercato_shared::Problem),
        (status = 413, body = mercato_shared::Problem),
        (status = 422, body = mercato_shared::Problem),
    ))]
pub async fn ingest(
    req: HttpRequest,
    state: web::Data<AppState>,
    key: PartnerKey,
    JsonBytes(body): JsonBytes,
) -> ApiResult<HttpResponse> {
    let idempotency = idempotency_key(&req)?;
    Ok(respond::ok(
        &ingest::ingest(&state, &key, idempotency, &body).await?,
    ))
}

/// The usage folder's backlog: batches acknowledged but not yet in the roll-ups (admins).
#[utoipa::path(get, path = "/api/v1/admin/usage/status", tag = "usage", security(("bearer" = [])),
    responses((status = 200, body = UsageStatus), (status = 403, body = mercato_shared::Problem)))]
pub async fn status(state: web::Data<AppState>, user: CurrentUser) -> ApiResult<HttpResponse> {
    user.require_admin()?;
    Ok(respond::ok(&ingest::backlog(&state).await?))
}
