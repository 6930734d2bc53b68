//! The people of a partner and their roles (the use cases are `partners::members`).

use actix_web::{web, HttpResponse};
use mercato_shared::api::partners::{AddMemberRequest, Member, UpdateMemberRequest};

use crate::auth::CurrentUser;
use crate::error::ApiResult;
use crate::http::extract::ApiJson;
use crate::http::respond::{self, path_id, path_slug};
use crate::partners::members;
use crate::state::AppState;

/// The partner's members.
#[utoipa::path(get, path = "/api/v1/partners/{slug}/members", tag = "members", security(("bearer" = [])),
    params(("slug" = String, Path)),
    responses((status = 200, body = Vec<Member>), (status = 403, body = mercato_shared::Problem)))]
pub async fn list(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let slug = path_slug(&path, "partner")?;
    Ok(respond::ok(&members::list(&state, &user, &slug).await?))
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
    let slug = path_slug(&path, "partner")?;
    let member = members::add(&state, &user, &slug, req).await?;
    Ok(respond::created(
        &format!(
            "/api/v1/partners/{}/members/{}",
            slug.as_str(),
            member.user_id
        ),
        &member,
    ))
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
    let member_id = path_id(&raw_id, "member")?;
    let slug = path_slug(&raw_slug, "partner")?;
    Ok(respond::ok(
        &members::change_role(&state, &user, &slug, member_id, req).await?,
    ))
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
    let member_id = path_id(&raw_id, "member")?;
    let slug = path_slug(&raw_slug, "partner")?;
    members::remove(&state, &user, &slug, member_id).await?;
    Ok(respond::no_content())
}
