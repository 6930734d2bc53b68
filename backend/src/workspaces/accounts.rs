//! Workspaces as customer accounts: created by a signed-in customer (its first owner), read by
//! members and marketplace staff, edited by owners; active or churned as the billing system
//! reports it (staff).

use chrono::Duration;
use mercato_shared::api::workspaces::{
    CreateWorkspace, InstallStatus, SetWorkspaceStatus, UpdateWorkspace, Workspace, WorkspaceRole,
    WorkspaceStatus,
};
use mercato_shared::validate::{self, Validator};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, PaginatorTrait,
    QueryFilter, QueryOrder, Set, TransactionTrait,
};

use crate::auth::CurrentUser;
use crate::domain::company::parse_domain;
use crate::entities::{installs, workspace_members, workspaces};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::store::workspaces::visible;
use crate::{store, views};

const NAME_MAX: usize = 100;
const PLAN_MAX: usize = 40;
/// A churn date may run this far ahead of our clock (the billing system's may be ahead).
const CHURN_CLOCK_SKEW: Duration = Duration::minutes(5);

/// A workspace as a caller with `role` in it sees it, with its count of active installs.
async fn shown(
    db: &impl ConnectionTrait,
    w: &workspaces::Model,
    role: Option<WorkspaceRole>,
) -> ApiResult<Workspace> {
    let active_installs = installs::Entity::find()
        .filter(installs::Column::WorkspaceId.eq(w.id))
        .filter(installs::Column::Status.eq(InstallStatus::Active))
        .count(db)
        .await? as i64;
    Ok(views::workspace(w, role, active_installs))
}

/// Creates a workspace; the caller becomes its owner.
pub async fn create(
    state: &AppState,
    user: &CurrentUser,
    req: CreateWorkspace,
) -> ApiResult<Workspace> {
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
    shown(&state.db.read, &w, Some(WorkspaceRole::Owner)).await
}

/// The caller's workspaces.
pub async fn mine(state: &AppState, user: &CurrentUser) -> ApiResult<Vec<Workspace>> {
    let rows = workspace_members::Entity::find()
        .filter(workspace_members::Column::UserId.eq(user.id))
        .find_also_related(workspaces::Entity)
        .order_by_asc(workspace_members::Column::WorkspaceId)
        .all(&state.db.read)
        .await?;
    let mut out = Vec::with_capacity(rows.len());
    for (m, w) in rows {
        if let Some(w) = w {
            out.push(shown(&state.db.read, &w, Some(m.role)).await?);
        }
    }
    Ok(out)
}

/// Workspace `id` (members, staff).
pub async fn get(state: &AppState, user: &CurrentUser, id: i64) -> ApiResult<Workspace> {
    let (w, access) = visible(&state.db.read, user, id).await?;
    shown(&state.db.read, &w, access.role).await
}

/// Renames workspace `id`, changes its domain or plan (owners).
pub async fn update(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
    req: UpdateWorkspace,
) -> ApiResult<Workspace> {
    let (w, access) = visible(&state.db.read, user, id).await?;
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
    shown(&state.db.read, &w, access.role).await
}

/// Records workspace `id` churning (with its date, now by default) or coming back (the caller
/// checked that staff asks, as the billing system would).
pub async fn set_status(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
    req: SetWorkspaceStatus,
) -> ApiResult<Workspace> {
    let (w, access) = visible(&state.db.read, user, id).await?;
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
            if at > now + CHURN_CLOCK_SKEW {
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
    shown(&state.db.read, &w, access.role).await
}
