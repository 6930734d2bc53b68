//! Workspaces: customer accounts, their members, and their status (active or churned, as a
//! billing system reports it). The use cases are `workspaces::accounts` and
//! `workspaces::members`.

use actix_web::{web, HttpResponse};
use mercato_shared::api::workspaces::{
    AddWorkspaceMember, CreateWorkspace, SetWorkspaceStatus, UpdateWorkspace, Workspace,
    WorkspaceMember,
};

use crate::auth::CurrentUser;
use crate::error::ApiResult;
use crate::http::extract::ApiJson;
use crate::http::respond::{self, path_id};
use crate::state::AppState;
use crate::workspaces::{accounts, members};

/// Creates a workspace; the caller becomes its owner.
#[utoipa::path(post, path = "/api/v1/workspaces", tag = "workspaces", security(("bearer" = [])),
    request_body = CreateWorkspace,
    responses((status = 201, body = Workspace), (status = 422, body = mercato_shared::Problem)))]
pub async fn create(
    state: web::Data<AppState>,
    user: CurrentUser,
    ApiJson(req): ApiJson<CreateWorkspace>,
) -> ApiResult<HttpResponse> {
    let w = accounts::create(&state, &user, req).await?;
    Ok(respond::created(
        &format!("/api/v1/workspaces/{}", w.id),
        &w,
    ))
}

/// The caller's workspaces.
#[utoipa::path(get, path = "/api/v1/workspaces", tag = "workspaces", security(("bearer" = [])),
    responses((status = 200, body = Vec<Workspace>)))]
pub async fn mine(state: web::Data<AppState>, user: CurrentUser) -> ApiResult<HttpResponse> {
    Ok(respond::ok(&accounts::mine(&state, &user).await?))
}

#[utoipa::path(get, path = "/api/v1/workspaces/{id}", tag = "workspaces", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 200, body = Workspace), (status = 404, body = mercato_shared::Problem)))]
pub async fn get(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let id = path_id(&path, "workspace")?;
    Ok(respond::ok(&accounts::get(&state, &user, id).await?))
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
    let id = path_id(&path, "workspace")?;
    Ok(respond::ok(
        &accounts::update(&state, &user, id, req).await?,
    ))
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
    user.require_staff("only marketplace admins and analysts set a workspace's status")?;
    let id = path_id(&path, "workspace")?;
    Ok(respond::ok(
        &accounts::set_status(&state, &user, id, req).await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/workspaces/{id}/members", tag = "workspaces", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 200, body = Vec<WorkspaceMember>), (status = 404, body = mercato_shared::Problem)))]
pub async fn members(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let id = path_id(&path, "workspace")?;
    Ok(respond::ok(&members::list(&state, &user, id).await?))
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
    let id = path_id(&path, "workspace")?;
    let member = members::add(&state, &user, id, req).await?;
    Ok(respond::created(
        &format!("/api/v1/workspaces/{id}/members/{}", member.user_id),
        &member,
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
    let member_id = path_id(&raw_user, "member")?;
    let id = path_id(&raw_id, "workspace")?;
    members::remove(&state, &user, id, member_id).await?;
    Ok(respond::no_content())
}
