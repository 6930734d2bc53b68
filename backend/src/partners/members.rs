//! The people of a partner and their roles (its admins manage them). A partner always keeps
//! at least one admin.

use mercato_shared::api::audit::AuditAction;
use mercato_shared::api::partners::{AddMemberRequest, Member, PartnerRole, UpdateMemberRequest};
use mercato_shared::validate::Slug;
use mercato_shared::ErrorCode;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, PaginatorTrait,
    QueryFilter, QueryOrder, Set, TransactionTrait,
};

use crate::auth::CurrentUser;
use crate::domain::access::{self, Need, PartnerAccess};
use crate::entities::{partner_members, partners, users};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::store::audit::{self, Subject};
use crate::{store, views};

/// The partner named in the path, for its members and marketplace admins.
async fn partner_and_access(
    state: &AppState,
    user: &CurrentUser,
    slug: &Slug,
) -> ApiResult<(partners::Model, PartnerAccess)> {
    access::partner_for(&state.db.read, Some(user), slug, Need::PrivateData).await
}

async fn admin_count(db: &impl ConnectionTrait, partner_id: i64) -> ApiResult<u64> {
    Ok(partner_members::Entity::find()
        .filter(partner_members::Column::PartnerId.eq(partner_id))
        .filter(partner_members::Column::Role.eq(PartnerRole::Admin))
        .count(db)
        .await?)
}

/// 409 when the member is the partner's last admin and would stop being one.
async fn keep_an_admin(
    db: &impl ConnectionTrait,
    current: &partner_members::Model,
) -> ApiResult<()> {
    if current.role == PartnerRole::Admin && admin_count(db, current.partner_id).await? <= 1 {
        return Err(ApiError::Conflict {
            code: ErrorCode::LastPartnerAdmin,
            detail: "make another member an admin first".into(),
            field: None,
        });
    }
    Ok(())
}

async fn membership(
    db: &impl ConnectionTrait,
    partner_id: i64,
    user_id: i64,
) -> ApiResult<partner_members::Model> {
    partner_members::Entity::find_by_id((partner_id, user_id))
        .one(db)
        .await?
        .ok_or(ApiError::NotFound("member"))
}

/// The partner's members, oldest first (its members and marketplace admins).
pub async fn list(state: &AppState, user: &CurrentUser, slug: &Slug) -> ApiResult<Vec<Member>> {
    let (partner, _) = partner_and_access(state, user, slug).await?;
    let rows = partner_members::Entity::find()
        .filter(partner_members::Column::PartnerId.eq(partner.id))
        .find_also_related(users::Entity)
        .order_by_asc(partner_members::Column::CreatedAt)
        .all(&state.db.read)
        .await?;
    Ok(rows
        .iter()
        .filter_map(|(m, u)| u.as_ref().map(|u| views::member(u, m.role, m.created_at)))
        .collect())
}

/// Adds an existing account to the partner (partner admins).
pub async fn add(
    state: &AppState,
    user: &CurrentUser,
    slug: &Slug,
    req: AddMemberRequest,
) -> ApiResult<Member> {
    let (partner, access) = partner_and_access(state, user, slug).await?;
    access.require(Need::Administration)?;
    let member = store::users::member_to_add(&state.db.read, &req.email).await?;
    let now = state.settings.clock.now();
    let txn = state.db.write.begin().await?;
    partner_members::ActiveModel {
        partner_id: Set(partner.id),
        user_id: Set(member.id),
        role: Set(req.role),
        created_at: Set(now),
    }
    .insert(&txn)
    .await
    .map_err(store::taken_as(|| ApiError::Conflict {
        code: ErrorCode::AlreadyMember,
        detail: "this account is already a member".into(),
        field: Some("email"),
    }))?;
    audit::record(
        &txn,
        now,
        user.into(),
        AuditAction::MemberAdded,
        Subject::Partner(&partner.slug),
        serde_json::json!({ "user_id": member.id, "email": member.email, "role": req.role }),
    )
    .await?;
    txn.commit().await?;
    tracing::info!(partner = %partner.slug, member = member.id, role = %req.role, by = user.id, "member added");
    Ok(views::member(&member, req.role, now))
}

/// Changes a member's role (partner admins).
pub async fn change_role(
    state: &AppState,
    user: &CurrentUser,
    slug: &Slug,
    member_id: i64,
    req: UpdateMemberRequest,
) -> ApiResult<Member> {
    let (partner, access) = partner_and_access(state, user, slug).await?;
    access.require(Need::Administration)?;
    let txn = state.db.write.begin().await?;
    let current = membership(&txn, partner.id, member_id).await?;
    if req.role != PartnerRole::Admin {
        keep_an_admin(&txn, &current).await?;
    }
    let from = current.role;
    let mut row = current.into_active_model();
    row.role = Set(req.role);
    let updated = row.update(&txn).await?;
    audit::record(
        &txn,
        state.settings.clock.now(),
        user.into(),
        AuditAction::MemberRoleChanged,
        Subject::Partner(&partner.slug),
        serde_json::json!({ "user_id": member_id, "from": from, "to": req.role }),
    )
    .await?;
    txn.commit().await?;
    let account = users::Entity::find_by_id(member_id)
        .one(&state.db.read)
        .await?
        .ok_or(ApiError::NotFound("member"))?;
    tracing::info!(partner = %partner.slug, member = member_id, role = %req.role, by = user.id, "member role changed");
    Ok(views::member(&account, updated.role, updated.created_at))
}

/// Removes a member (partner admins; any member may remove themselves).
pub async fn remove(
    state: &AppState,
    user: &CurrentUser,
    slug: &Slug,
    member_id: i64,
) -> ApiResult<()> {
    let (partner, access) = partner_and_access(state, user, slug).await?;
    if member_id != user.id {
        access.require(Need::Administration)?;
    }
    let txn = state.db.write.begin().await?;
    let current = membership(&txn, partner.id, member_id).await?;
    keep_an_admin(&txn, &current).await?;
    partner_members::Entity::delete_by_id((partner.id, member_id))
        .exec(&txn)
        .await?;
    audit::record(
        &txn,
        state.settings.clock.now(),
        user.into(),
        AuditAction::MemberRemoved,
        Subject::Partner(&partner.slug),
        serde_json::json!({ "user_id": member_id, "role": current.role }),
    )
    .await?;
    txn.commit().await?;
    tracing::info!(partner = %partner.slug, member = member_id, by = user.id, "member removed");
    Ok(())
}
