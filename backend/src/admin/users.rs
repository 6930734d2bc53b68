//! Accounts as marketplace admins manage them: finding them, and setting their
//! marketplace-wide role (audited; never an admin's own).

use mercato_shared::api::audit::AuditAction;
use mercato_shared::api::auth::{SetRoleRequest, UserSummary};
use mercato_shared::api::Page;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder,
    QuerySelect, Set, TransactionTrait,
};

use crate::auth::CurrentUser;
use crate::entities::users;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::store::audit::{self, Subject};
use crate::{pagination, views};

/// Accounts, newest first, optionally those whose email contains `email`.
pub async fn list(
    state: &AppState,
    email: Option<&str>,
    limit: Option<u32>,
    cursor: Option<&str>,
) -> ApiResult<Page<UserSummary>> {
    let limit = pagination::limit(limit)?;
    let mut query = users::Entity::find();
    if let Some(email) = email.map(str::trim).filter(|e| !e.is_empty()) {
        query = query.filter(users::Column::Email.contains(email.to_lowercase()));
    }
    if let Some(cursor) = cursor {
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
    Ok(Page {
        items: rows.iter().map(views::user_summary).collect(),
        next_cursor,
    })
}

/// Sets account `id`'s role: customer, analyst or admin.
pub async fn set_role(
    state: &AppState,
    admin: &CurrentUser,
    id: i64,
    req: SetRoleRequest,
) -> ApiResult<UserSummary> {
    if id == admin.id {
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
        admin.into(),
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
        admin = admin.id,
        "role changed"
    );
    Ok(views::user_summary(&updated))
}
