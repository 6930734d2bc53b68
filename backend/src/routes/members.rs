//! The people of a partner and their roles. A partner always keeps at least one admin.

use actix_web::{web, HttpResponse};
use mercato_shared::api::audit::AuditAction;
use mercato_shared::api::partners::{AddMemberRequest, Member, PartnerRole, UpdateMemberRequest};
use mercato_shared::validate::Email;
use mercato_shared::ErrorCode;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, PaginatorTrait,
    QueryFilter, QueryOrder, Set, TransactionTrait,
};

use crate::auth::CurrentUser;
use crate::domain::access::{self, Need, PartnerAccess};
use crate::entities::{partner_members, partners, users};
use crate::error::{ApiError, ApiResult};
use crate::http::extract::ApiJson;
use crate::http::respond::{self, path_slug};
use crate::state::AppState;
use crate::store::audit::{self, Subject};
use crate::{store, views};

async fn partner_and_access(
    state: &AppState,
    user: &CurrentUser,
    raw_slug: &str,
) -> ApiResult<(partners::Model, PartnerAccess)> {
    let slug = path_slug(raw_slug, "partner")?;
    access::partner_for(&state.db.read, Some(user), &slug, Need::PrivateData).await
}

async fn admin_count(db: &impl ConnectionTrait, partner_id: i64) -> ApiResult<u64> {
    Ok(partner_members::Entity::find()
        .filter(partner_members::Column::PartnerId.eq(partner_id))
        .filter(partner_members::Column::Role.eq(PartnerRole::Admin.as_str()))
        .count(db)
        .await?)
}

fn last_admin() -> ApiError {
    ApiError::Conflict {
        code: ErrorCode::LastPartnerAdmin,
        detail: "make another member an admin first".into(),
        field: None,
    }
}

/// The partner's members.
#[utoipa::path(get, path = "/api/v1/partners/{slug}/members", tag = "members", security(("bearer" = [])),
    params(("slug" = String, Path)),
    responses((status = 200, body = Vec<Member>), (status = 403, body = mercato_shared::Problem)))]
pub async fn list(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let (partner, _) = partner_and_access(&state, &user, &path).await?;
    let rows = partner_members::Entity::find()
        .filter(partner_members::Column::PartnerId.eq(partner.id))
        .find_also_related(users::Entity)
        .order_by_asc(partner_members::Column::CreatedAt)
        .all(&state.db.read)
        .await?;
    let members: Vec<Member> = rows
        .iter()
        .filter_map(|(m, u)| u.as_ref().map(|u| views::member(u, m.role, m.created_at)))
        .collect();
    Ok(respond::ok(&members))
}

/// Adds an existing account to the partner (partner admins).
#[utoipa::path(post, path = "/api/v1/partners/{slug}/members", tag = "members", security(("bearer" = [])),
    params(("slug" = String, Path)), request_body = AddMemberRequest,
    responses((status = 201, body = Member), (status = 403, body = mercato_shared::Problem),
        (status = 409, description = "already_member", body = mercato_shared::Problem),
        (status = 422, body = mercato_shared::Problem)))]
pub async fn add(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
    ApiJson(req): ApiJson<AddMemberRequest>,
) -> ApiResult<HttpResponse> {
    let (partner, access) = partner_and_access(&state, &user, &path).await?;
    access.require(Need::Administration)?;
    let email =
        Email::parse(&req.email).map_err(|e| ApiError::field("email", e.code, e.message))?;
    let member = store::users::by_email(&state.db.read, email.as_str())
        .await?
        .ok_or_else(|| {
            ApiError::field(
                "email",
                "unknown_account",
                "no account uses this email; ask them to sign up first",
            )
        })?;
    let now = state.settings.clock.now();
    let txn = state.db.write.begin().await?;
    let inserted = partner_members::ActiveModel {
        partner_id: Set(partner.id),
        user_id: Set(member.id),
        role: Set(req.role),
        created_at: Set(now),
    }
    .insert(&txn)
    .await;
    match inserted {
        Ok(_) => {}
        Err(e) if store::is_unique_violation(&e) => {
            return Err(ApiError::Conflict {
                code: ErrorCode::AlreadyMember,
                detail: "this account is already a member".into(),
                field: Some("email"),
            })
        }
        Err(e) => return Err(e.into()),
    }
    audit::record(
        &txn,
        state.settings.clock.now(),
        (&user).into(),
        AuditAction::MemberAdded,
        Subject::Partner(&partner.slug),
        serde_json::json!({ "user_id": member.id, "email": member.email, "role": req.role }),
    )
    .await?;
    txn.commit().await?;
    tracing::info!(partner = %partner.slug, member = member.id, role = %req.role, by = user.id, "member added");
    Ok(respond::created(
        &format!("/api/v1/partners/{}/members/{}", partner.slug, member.id),
        &views::member(&member, req.role, now),
    ))
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

/// Changes a member's role (partner admins).
#[utoipa::path(patch, path = "/api/v1/partners/{slug}/members/{user_id}", tag = "members", security(("bearer" = [])),
    params(("slug" = String, Path), ("user_id" = i64, Path)), request_body = UpdateMemberRequest,
    responses((status = 200, body = Member), (status = 403, body = mercato_shared::Problem),
        (status = 409, description = "last_partner_admin", body = mercato_shared::Problem)))]
pub async fn update(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<(String, String)>,
    ApiJson(req): ApiJson<UpdateMemberRequest>,
) -> ApiResult<HttpResponse> {
    let (raw_slug, raw_id) = path.into_inner();
    let member_id = respond::path_id(&raw_id, "member")?;
    let (partner, access) = partner_and_access(&state, &user, &raw_slug).await?;
    access.require(Need::Administration)?;
    let txn = state.db.write.begin().await?;
    let current = membership(&txn, partner.id, member_id).await?;
    if current.role == PartnerRole::Admin
        && req.role != PartnerRole::Admin
        && admin_count(&txn, partner.id).await? <= 1
    {
        return Err(last_admin());
    }
    let from = current.role;
    let mut row = current.into_active_model();
    row.role = Set(req.role);
    let updated = row.update(&txn).await?;
    audit::record(
        &txn,
        state.settings.clock.now(),
        (&user).into(),
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
    Ok(respond::ok(&views::member(
        &account,
        updated.role,
        updated.created_at,
    )))
}

/// Removes a member (partner admins; any member may remove themselves).
#[utoipa::path(delete, path = "/api/v1/partners/{slug}/members/{user_id}", tag = "members", security(("bearer" = [])),
    params(("slug" = String, Path), ("user_id" = i64, Path)),
    responses((status = 204), (status = 403, body = mercato_shared::Problem),
        (status = 409, description = "last_partner_admin", body = mercato_shared::Problem)))]
pub async fn remove(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<(String, String)>,
) -> ApiResult<HttpResponse> {
    let (raw_slug, raw_id) = path.into_inner();
    let member_id = respond::path_id(&raw_id, "member")?;
    let (partner, access) = partner_and_access(&state, &user, &raw_slug).await?;
    if member_id != user.id {
        access.require(Need::Administration)?;
    }
    let txn = state.db.write.begin().await?;
    let current = membership(&txn, partner.id, member_id).await?;
    if current.role == PartnerRole::Admin && admin_count(&txn, partner.id).await? <= 1 {
        return Err(last_admin());
    }
    partner_members::Entity::delete_by_id((partner.id, member_id))
        .exec(&txn)
        .await?;
    audit::record(
        &txn,
        state.settings.clock.now(),
        (&user).into(),
        AuditAction::MemberRemoved,
        Subject::Partner(&partner.slug),
        serde_json::json!({ "user_id": member_id, "role": current.role }),
    )
    .await?;
    txn.commit().await?;
    tracing::info!(partner = %partner.slug, member = member_id, by = user.id, "member removed");
    Ok(respond::no_content())
}
