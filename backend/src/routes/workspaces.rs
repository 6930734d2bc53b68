//! Workspaces: customer accounts, their members, and their status (active or churned, as a
//! billing system reports it).

use actix_web::{web, HttpResponse};
use mercato_shared::api::workspaces::{
    AddWorkspaceMember, CreateWorkspace, InstallStatus, SetWorkspaceStatus, UpdateWorkspace,
    Workspace, WorkspaceMember, WorkspaceRole, WorkspaceStatus,
};
use mercato_shared::validate::{self, Email, Validator};
use mercato_shared::ErrorCode;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, PaginatorTrait,
    QueryFilter, QueryOrder, Set, TransactionTrait,
};

use crate::auth::CurrentUser;
use crate::domain::company::parse_domain;
use crate::entities::{installs, users, workspace_members, workspaces};
use crate::error::{ApiError, ApiResult};
use crate::http::extract::ApiJson;
use crate::http::respond;
use crate::state::AppState;
use crate::store;
use crate::store::workspaces::{visible, WorkspaceAccess};

const NAME_MAX: usize = 100;
const PLAN_MAX: usize = 40;

async fn view(
    db: &impl ConnectionTrait,
    w: &workspaces::Model,
    access: &WorkspaceAccess,
) -> ApiResult<Workspace> {
    let active_installs = installs::Entity::find()
        .filter(installs::Column::WorkspaceId.eq(w.id))
        .filter(installs::Column::Status.eq(InstallStatus::Active))
        .count(db)
        .await? as i64;
    Ok(Workspace {
        id: w.id,
        name: w.name.clone(),
        domain: w.domain.clone(),
        plan: w.plan.clone(),
        status: w.status,
        churned_at: w.churned_at,
        role: access.role,
        active_installs,
        created_at: w.created_at,
    })
}

/// Creates a workspace; the caller becomes its owner.
#[utoipa::path(post, path = "/api/v1/workspaces", tag = "workspaces", security(("bearer" = [])),
    request_body = CreateWorkspace,
    responses((status = 201, body = Workspace), (status = 422, body = mercato_shared::Problem)))]
pub async fn create(
    state: web::Data<AppState>,
    user: CurrentUser,
    ApiJson(req): ApiJson<CreateWorkspace>,
) -> ApiResult<HttpResponse> {
    let mut v = Validator::new();
    let name = v.check("name", validate::line(&req.name, 1, NAME_MAX));
    let domain = v.check_opt("domain", req.domain.filter(|d| !d.trim().is_empty()), |d| {
        parse_domain(&d)
    });
    let plan = v.check_opt("plan", req.plan, |p| validate::line(&p, 1, PLAN_MAX));
    let (name, domain, plan) = v
        .finish(|| Some((name?, domain?, plan?)))
        .map_err(ApiError::Validation)?;
    let txn = state.db.write.begin().await?;
    let w = store::workspaces::create(
        &txn,
        name,
        domain,
        plan.unwrap_or_else(|| "free".into()),
        user.id,
        state.settings.clock.now(),
    )
    .await?;
    txn.commit().await?;
    let access = WorkspaceAccess {
        role: Some(WorkspaceRole::Owner),
        staff: user.is_staff(),
    };
    Ok(respond::created(
        &format!("/api/v1/workspaces/{}", w.id),
        &view(&state.db.read, &w, &access).await?,
    ))
}

/// The caller's workspaces.
#[utoipa::path(get, path = "/api/v1/workspaces", tag = "workspaces", security(("bearer" = [])),
    responses((status = 200, body = Vec<Workspace>)))]
pub async fn mine(state: web::Data<AppState>, user: CurrentUser) -> ApiResult<HttpResponse> {
    let rows = workspace_members::Entity::find()
        .filter(workspace_members::Column::UserId.eq(user.id))
        .find_also_related(workspaces::Entity)
        .order_by_asc(workspace_members::Column::WorkspaceId)
        .all(&state.db.read)
        .await?;
    let mut out = Vec::with_capacity(rows.len());
    for (m, w) in rows {
        if let Some(w) = w {
            let access = WorkspaceAccess {
                role: Some(m.role),
                staff: user.is_staff(),
            };
            out.push(view(&state.db.read, &w, &access).await?);
        }
    }
    Ok(respond::ok(&out))
}

#[utoipa::path(get, path = "/api/v1/workspaces/{id}", tag = "workspaces", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 200, body = Workspace), (status = 404, body = mercato_shared::Problem)))]
pub async fn get(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let (w, access) = visible(&state.db.read, &user, &path).await?;
    Ok(respond::ok(&view(&state.db.read, &w, &access).await?))
}

/// Renames a workspace, changes its domain or plan (owners).
#[utoipa::path(patch, path = "/api/v1/workspaces/{id}", tag = "workspaces", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = UpdateWorkspace,
    responses((status = 200, body = Workspace), (status = 403, body = mercato_shared::Problem), (status = 422, body = mercato_shared::Problem)))]
pub async fn update(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
    ApiJson(req): ApiJson<UpdateWorkspace>,
) -> ApiResult<HttpResponse> {
    let (w, access) = visible(&state.db.read, &user, &path).await?;
    access.require_owner()?;
    let mut v = Validator::new();
    let name = v.check_opt("name", req.name, |n| validate::line(&n, 1, NAME_MAX));
    let domain = match req.domain {
        None => Some(None),
        Some(None) => Some(Some(None)),
        Some(Some(d)) => v.check("domain", parse_domain(&d)).map(|d| Some(Some(d))),
    };
    let plan = v.check_opt("plan", req.plan, |p| validate::line(&p, 1, PLAN_MAX));
    let (name, domain, plan) = v
        .finish(|| Some((name?, domain?, plan?)))
        .map_err(ApiError::Validation)?;
    let mut row = w.into_active_model();
    if let Some(n) = name {
        row.name = Set(n);
    }
    if let Some(d) = domain {
        row.domain = Set(d);
    }
    if let Some(p) = plan {
        row.plan = Set(p);
    }
    row.updated_at = Set(state.settings.clock.now());
    let w = row.update(&state.db.write).await?;
    Ok(respond::ok(&view(&state.db.read, &w, &access).await?))
}

/// Records a workspace churning (with its date) or coming back (admins and analysts, as the
/// billing system would).
#[utoipa::path(put, path = "/api/v1/workspaces/{id}/status", tag = "workspaces", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = SetWorkspaceStatus,
    responses((status = 200, body = Workspace), (status = 403, body = mercato_shared::Problem), (status = 422, body = mercato_shared::Problem)))]
pub async fn set_status(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
    ApiJson(req): ApiJson<SetWorkspaceStatus>,
) -> ApiResult<HttpResponse> {
    if !user.is_staff() {
        return Err(ApiError::Forbidden(
            "only marketplace admins and analysts set a workspace's status",
        ));
    }
    let (w, access) = visible(&state.db.read, &user, &path).await?;
    let now = state.settings.clock.now();
    let churned_at = match req.status {
        WorkspaceStatus::Active => {
            if req.churned_at.is_some() {
                return Err(ApiError::field(
                    "churned_at",
                    "not_allowed",
                    "only a churned workspace has a churn date",
                ));
            }
            None
        }
        WorkspaceStatus::Churned => {
            let at = req.churned_at.unwrap_or(now);
            if at > now + chrono::Duration::minutes(5) {
                return Err(ApiError::field(
                    "churned_at",
                    "in_future",
                    "must not be in the future",
                ));
            }
            if at < w.created_at {
                return Err(ApiError::field(
                    "churned_at",
                    "before_creation",
                    "must be after the workspace was created",
                ));
            }
            Some(at)
        }
    };
    let mut row = w.into_active_model();
    row.status = Set(req.status);
    row.churned_at = Set(churned_at);
    row.updated_at = Set(now);
    let w = row.update(&state.db.write).await?;
    tracing::info!(workspace = w.id, status = %req.status, by = user.id, "workspace status set");
    Ok(respond::ok(&view(&state.db.read, &w, &access).await?))
}

#[utoipa::path(get, path = "/api/v1/workspaces/{id}/members", tag = "workspaces", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 200, body = Vec<WorkspaceMember>), (status = 404, body = mercato_shared::Problem)))]
pub async fn members(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let (w, _) = visible(&state.db.read, &user, &path).await?;
    let rows = workspace_members::Entity::find()
        .filter(workspace_members::Column::WorkspaceId.eq(w.id))
        .find_also_related(users::Entity)
        .order_by_asc(workspace_members::Column::CreatedAt)
        .all(&state.db.read)
        .await?;
    let out: Vec<WorkspaceMember> = rows
        .into_iter()
        .filter_map(|(m, u)| {
            u.map(|u| WorkspaceMember {
                user_id: u.id,
                email: u.email,
                display_name: u.display_name,
                role: m.role,
            })
        })
        .collect();
    Ok(respond::ok(&out))
}

/// Adds an existing account to the workspace (owners).
#[utoipa::path(post, path = "/api/v1/workspaces/{id}/members", tag = "workspaces", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = AddWorkspaceMember,
    responses((status = 201, body = WorkspaceMember), (status = 403, body = mercato_shared::Problem), (status = 409, body = mercato_shared::Problem), (status = 422, body = mercato_shared::Problem)))]
pub async fn add_member(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
    ApiJson(req): ApiJson<AddWorkspaceMember>,
) -> ApiResult<HttpResponse> {
    let (w, access) = visible(&state.db.read, &user, &path).await?;
    access.require_owner()?;
    let email =
        Email::parse(&req.email).map_err(|e| ApiError::field("email", e.code, e.message))?;
    let account = store::users::by_email(&state.db.read, email.as_str())
        .await?
        .ok_or_else(|| {
            ApiError::field(
                "email",
                "unknown_account",
                "no account uses this email; ask them to sign up first",
            )
        })?;
    let inserted = workspace_members::ActiveModel {
        workspace_id: Set(w.id),
        user_id: Set(account.id),
        role: Set(req.role),
        created_at: Set(state.settings.clock.now()),
    }
    .insert(&state.db.write)
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
    Ok(respond::created(
        &format!("/api/v1/workspaces/{}/members/{}", w.id, account.id),
        &WorkspaceMember {
            user_id: account.id,
            email: account.email,
            display_name: account.display_name,
            role: req.role,
        },
    ))
}

/// Removes a member (owners; anyone may leave). A workspace keeps at least one owner.
#[utoipa::path(delete, path = "/api/v1/workspaces/{id}/members/{user_id}", tag = "workspaces", security(("bearer" = [])),
    params(("id" = i64, Path), ("user_id" = i64, Path)),
    responses((status = 204), (status = 403, body = mercato_shared::Problem), (status = 409, body = mercato_shared::Problem)))]
pub async fn remove_member(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<(String, String)>,
) -> ApiResult<HttpResponse> {
    let (raw_id, raw_user) = path.into_inner();
    let member_id = respond::path_id(&raw_user, "member")?;
    let (w, access) = visible(&state.db.read, &user, &raw_id).await?;
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
            .filter(workspace_members::Column::Role.eq(WorkspaceRole::Owner.as_str()))
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
    Ok(respond::no_content())
}
