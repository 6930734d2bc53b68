//! Account administration: finding accounts and setting their marketplace-wide role
//! (marketplace admins; the use cases are `admin::users`).

use actix_web::{web, HttpResponse};
use mercato_shared::api::auth::{SetRoleRequest, UserSummary};
use mercato_shared::api::Page;
use serde::Deserialize;

use crate::admin::users;
use crate::auth::CurrentUser;
use crate::error::ApiResult;
use crate::http::extract::{ApiJson, ApiQuery};
use crate::http::respond;
use crate::state::AppState;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct UserQuery {
    /// Part of an email address.
    pub email: Option<String>,
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

/// Accounts, newest first, optionally filtered by email (admins).
#[utoipa::path(get, path = "/api/v1/admin/users", tag = "admin", security(("bearer" = [])),
    params(UserQuery),
    responses((status = 200, body = Page<UserSummary>), (status = 403, body = mercato_shared::Problem)))]
pub async fn list_users(
    state: web::Data<AppState>,
    user: CurrentUser,
    ApiQuery(q): ApiQuery<UserQuery>,
) -> ApiResult<HttpResponse> {
    user.require_admin()?;
    let page = users::list(&state, q.email.as_deref(), q.limit, q.cursor.as_deref()).await?;
    Ok(respond::ok(&page))
}

/// Sets an account's role: customer, analyst or admin (admins; not their own).
#[utoipa::path(put, path = "/api/v1/admin/users/{id}/role", tag = "admin", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = SetRoleRequest,
    responses((status = 200, body = UserSummary), (status = 403, body = mercato_shared::Problem), (status = 404, body = mercato_shared::Problem)))]
pub async fn set_role(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
    ApiJson(req): ApiJson<SetRoleRequest>,
) -> ApiResult<HttpResponse> {
    user.require_admin()?;
    let id = respond::path_id(&path, "user")?;
    Ok(respond::ok(&users::set_role(&state, &user, id, req).await?))
}
