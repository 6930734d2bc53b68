//! Categories: public reads, managed by marketplace admins (the use cases are
//! `listings::categories`).

use actix_web::{web, HttpRequest, HttpResponse};
use mercato_shared::api::categories::{Category, CreateCategory, UpdateCategory};
use mercato_shared::api::Page;

use crate::auth::CurrentUser;
use crate::error::ApiResult;
use crate::http::extract::ApiJson;
use crate::http::respond::{self, path_slug};
use crate::listings::categories;
use crate::state::AppState;

/// All categories in display order, with their number of published listings.
#[utoipa::path(get, path = "/api/v1/categories", tag = "categories",
    responses((status = 200, body = Page<Category>)))]
pub async fn list(req: HttpRequest, state: web::Data<AppState>) -> ApiResult<HttpResponse> {
    let items = categories::all(&state).await?;
    Ok(respond::cacheable(
        &req,
        &Page {
            items,
            next_cursor: None,
        },
    ))
}

/// One category.
#[utoipa::path(get, path = "/api/v1/categories/{slug}", tag = "categories",
    params(("slug" = String, Path)),
    responses((status = 200, body = Category), (status = 404, body = mercato_shared::Problem)))]
pub async fn get(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let slug = path_slug(&path, "category")?;
    Ok(respond::cacheable(
        &req,
        &categories::one(&state, &slug).await?,
    ))
}

/// Creates a category (admins).
#[utoipa::path(post, path = "/api/v1/categories", tag = "categories", security(("bearer" = [])),
    request_body = CreateCategory,
    responses((status = 201, body = Category), (status = 403, body = mercato_shared::Problem),
        (status = 409, body = mercato_shared::Problem), (status = 422, body = mercato_shared::Problem)))]
pub async fn create(
    state: web::Data<AppState>,
    user: CurrentUser,
    ApiJson(req): ApiJson<CreateCategory>,
) -> ApiResult<HttpResponse> {
    user.require_admin()?;
    let category = categories::create(&state, &user, req).await?;
    Ok(respond::created(
        &format!("/api/v1/categories/{}", category.slug),
        &category,
    ))
}

/// Renames or re-describes a category (admins).
#[utoipa::path(patch, path = "/api/v1/categories/{slug}", tag = "categories", security(("bearer" = [])),
    params(("slug" = String, Path)), request_body = UpdateCategory,
    responses((status = 200, body = Category), (status = 403, body = mercato_shared::Problem), (status = 422, body = mercato_shared::Problem)))]
pub async fn update(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
    ApiJson(req): ApiJson<UpdateCategory>,
) -> ApiResult<HttpResponse> {
    user.require_admin()?;
    let slug = path_slug(&path, "category")?;
    Ok(respond::ok(
        &categories::update(&state, &user, &slug, req).await?,
    ))
}

/// Deletes a category; listings keep their other categories (admins).
#[utoipa::path(delete, path = "/api/v1/categories/{slug}", tag = "categories", security(("bearer" = [])),
    params(("slug" = String, Path)),
    responses((status = 204), (status = 403, body = mercato_shared::Problem), (status = 404, body = mercato_shared::Problem)))]
pub async fn delete(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    user.require_admin()?;
    let slug = path_slug(&path, "category")?;
    categories::delete(&state, &user, &slug).await?;
    Ok(respond::no_content())
}
