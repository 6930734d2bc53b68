//! Installing listings into workspaces (the use cases are `workspaces::installs`), and the
//! public keys partners verify install tokens with.

use actix_web::{web, HttpResponse};
use mercato_shared::api::workspaces::{Install, InstallRequest, InstallResponse};

use crate::auth::CurrentUser;
use crate::error::ApiResult;
use crate::http::extract::ApiJson;
use crate::http::respond::{self, path_id, path_slug};
use crate::state::AppState;
use crate::workspaces::installs;

/// Installs a listing for the workspace (members). Installing an installed listing again
/// changes nothing; an uninstalled one is re-installed. The answer carries a signed install
/// token and the partner's install URL with the token attached.
#[utoipa::path(post, path = "/api/v1/workspaces/{id}/installs", tag = "installs", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = InstallRequest,
    responses(
        (status = 201, description = "Installed (or re-installed)", body = InstallResponse),
        (status = 200, description = "Already installed: nothing changed", body = InstallResponse),
        (status = 403, body = mercato_shared::Problem), (status = 404, body = mercato_shared::Problem),
        (status = 409, description = "the workspace has churned", body = mercato_shared::Problem),
        (status = 422, body = mercato_shared::Problem),
    ))]
pub async fn install(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
    ApiJson(req): ApiJson<InstallRequest>,
) -> ApiResult<HttpResponse> {
    let id = path_id(&path, "workspace")?;
    let (body, changed) = installs::install(&state, &user, id, req).await?;
    Ok(if changed {
        respond::created(&format!("/api/v1/workspaces/{id}/installs"), &body)
    } else {
        respond::ok(&body)
    })
}

/// The workspace's installs, current and past (members, staff).
#[utoipa::path(get, path = "/api/v1/workspaces/{id}/installs", tag = "installs", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 200, body = Vec<Install>), (status = 404, body = mercato_shared::Problem)))]
pub async fn list(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let id = path_id(&path, "workspace")?;
    Ok(respond::ok(&installs::list(&state, &user, id).await?))
}

/// Uninstalls a listing (members). Uninstalling again is harmless.
#[utoipa::path(delete, path = "/api/v1/workspaces/{id}/installs/{listing}", tag = "installs", security(("bearer" = [])),
    params(("id" = i64, Path), ("listing" = String, Path)),
    responses((status = 204), (status = 403, body = mercato_shared::Problem), (status = 404, body = mercato_shared::Problem)))]
pub async fn uninstall(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<(String, String)>,
) -> ApiResult<HttpResponse> {
    let (raw_id, raw_slug) = path.into_inner();
    let id = path_id(&raw_id, "workspace")?;
    let listing = path_slug(&raw_slug, "install")?;
    installs::uninstall(&state, &user, id, &listing).await?;
    Ok(respond::no_content())
}

/// The public keys partners verify install tokens with (JWKS).
#[utoipa::path(get, path = "/.well-known/jwks.json", tag = "installs",
    responses((status = 200, description = "JSON Web Key Set (Ed25519)")))]
pub async fn jwks(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header(("Cache-Control", "public, max-age=300"))
        .json(state.install_keys.jwks())
}
