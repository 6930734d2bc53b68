//! Account administration: finding accounts and setting their marketplace-wide role.

use actix_web::{web, HttpResponse};
use mercato_shared::api::audit::AuditAction;
use mercato_shared::api::auth::{SetRoleRequest, UserSummary};
use mercato_shared::api::Page;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder,
    QuerySelect, Set, TransactionTrait,
};
use serde::Deserialize;

use crate::auth::CurrentUser;
use crate::entities::users;
use crate::error::{ApiError, ApiResult};
use crate::http::extract::{ApiJson, ApiQuery};
use crate::http::respond;
use crate::state::AppState;
use crate::store::audit::{self, Subject};
use crate::{pagination, views};

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
    let limit = pagination::limit(q.limit)?;
    let mut query = users::Entity::find();
    if let Some(email) = q.email.as_deref().map(str::trim).filter(|e| !e.is_empty()) {
        query = query.filter(users::Column::Email.contains(email.to_lowercase()));
    }
    if let Some(cursor) = &q.cursor {
        let before: i64 = pagination::decode(cursor)?;
        query = query.filter(users::Column::Id.lt(before));
    }
    let mut rows = query
        .order_by_desc(users::Column::Id)
        .limit(limit + 1)
        .all(&state.db.read)
        .await?;
    let next_cursor = (rows.len() as u64 > limit).then(|| {
        rows.truncate(limit as usize);
        pagination::encode(&rows.last().map_or(0, |u| u.id))
    });
    Ok(respond::ok(&Page {
        items: rows.iter().map(views::user_summary).collect(),
        next_cursor,
    }))
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
    if id == user.id {
        return Err(ApiError::Forbidden("admins cannot change their own role"));
    }
    let target = users::Entity::find_by_id(id)
        .one(&state.db.read)
        .await?
        .ok_or(ApiError::NotFound("user"))?;
    let from = target.role;
    let mut row = target.into_active_model();
    row.role = Set(req.role);
    row.updated_at = Set(state.settings.clock.now());
    let txn = state.db.write.begin().await?;
    let updated = row.update(&txn).await?;
    audit::record(
        &txn,
        state.settings.clock.now(),
        (&user).into(),
        AuditAction::RoleChanged,
        Subject::User(id),
        serde_json::json!({ "email": updated.email, "from": from, "to": req.role }),
    )
    .await?;
    txn.commit().await?;
    tracing::info!(
        user_id = id,
        from = from.as_str(),
        to = req.role.as_str(),
        admin = user.id,
        "role changed"
    );
    Ok(respond::ok(&views::user_summary(&updated)))
}
