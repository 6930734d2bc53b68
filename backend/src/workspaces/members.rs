//! A workspace's members: listed to members and staff, added and removed by owners (anyone
//! may leave); a workspace keeps at least one owner.

use mercato_shared::api::workspaces::{AddWorkspaceMember, WorkspaceMember, WorkspaceRole};
use mercato_shared::ErrorCode;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, Set,
    TransactionTrait,
};

use crate::auth::CurrentUser;
use crate::entities::{users, workspace_members};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::store::workspaces::visible;
use crate::{store, views};

/// The members of workspace `id`, longest-standing first (members, staff).
pub async fn list(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
) -> ApiResult<Vec<WorkspaceMember>> {
    let (w, _) = visible(&state.db.read, user, id).await?;
    let rows = workspace_members::Entity::find()
        .filter(workspace_members::Column::WorkspaceId.eq(w.id))
        .find_also_related(users::Entity)
        .order_by_asc(workspace_members::Column::CreatedAt)
        .all(&state.db.read)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(m, u)| u.map(|u| views::workspace_member(u, m.role)))
        .collect())
}

/// Adds an existing account to workspace `id` (owners).
pub async fn add(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
    req: AddWorkspaceMember,
) -> ApiResult<WorkspaceMember> {
    let (w, access) = visible(&state.db.read, user, id).await?;
    access.require_owner()?;
    let account = store::users::member_to_add(&state.db.read, &req.email).await?;
    let inserted = workspace_members::ActiveModel {
        workspace_id: Set(w.id),
        user_id: Set(account.id),
        role: Set(req.role),
        created_at: Set(state.settings.clock.now()),
    }
    .insert(&state.db.write)
    .await;
    match inserted {
        Ok(_) => Ok(views::workspace_member(account, req.role)),
        Err(e) if store::is_unique_violation(&e) => Err(ApiError::Conflict {
            code: ErrorCode::AlreadyMember,
            detail: "this account is already a member".into(),
            field: Some("email"),
        }),
        Err(e) => Err(e.into()),
    }
}

/// Removes member `member_id` from workspace `id` (owners; anyone may leave). A workspace
/// keeps at least one owner.
pub async fn remove(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
    member_id: i64,
) -> ApiResult<()> {
    let (w, access) = visible(&state.db.read, user, id).await?;
    if member_id != user.id {
        access.require_owner()?;
    }
    let txn = state.db.write.begin().await?;
    let member = workspace_members::Entity::find_by_id((w.id, member_id))
        .one(&txn)
        .await?
        .ok_or(ApiError::NotFound("member"))?;
    if member.role == WorkspaceRole::Owner {
        let owners = workspace_members::Entity::find()
            .filter(workspace_members::Column::WorkspaceId.eq(w.id))
            .filter(workspace_members::Column::Role.eq(WorkspaceRole::Owner))
            .count(&txn)
            .await?;
        if owners <= 1 {
            return Err(ApiError::Conflict {
                code: ErrorCode::LastOwner,
                detail: "a workspace needs at least one owner; make another member an owner first"
                    .into(),
                field: None,
            });
        }
    }
    workspace_members::Entity::delete_by_id((w.id, member_id))
        .exec(&txn)
        .await?;
    txn.commit().await?;
    Ok(())
}
