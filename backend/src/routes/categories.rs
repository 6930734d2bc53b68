//! Categories: public reads, managed by marketplace admins.

use std::collections::HashMap;

use actix_web::{web, HttpRequest, HttpResponse};
use mercato_shared::api::audit::AuditAction;
use mercato_shared::api::categories::{Category, CreateCategory, UpdateCategory};
use mercato_shared::api::Page;
use mercato_shared::validate::{self, Slug, Validator};
use mercato_shared::ErrorCode;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ConnectionTrait, EntityTrait, FromQueryResult, IntoActiveModel, JoinType,
    QueryFilter, QueryOrder, QuerySelect, RelationTrait, Set, TransactionTrait,
};

use crate::auth::CurrentUser;
use crate::entities::{categories, listing_categories, listings};
use crate::error::{ApiError, ApiResult};
use crate::http::extract::ApiJson;
use crate::http::respond::{self, path_slug};
use crate::state::AppState;
use crate::store::audit::{self, Subject};
use crate::store::outbox::PublicChange;
use crate::{store, views};

const NAME_MAX: usize = 60;
const DESCRIPTION_MAX: usize = 1000;

#[derive(Debug, FromQueryResult)]
struct CategoryCount {
    category_id: i64,
    n: i64,
}

/// Published listings of active partners per category.
pub(crate) async fn public_counts(db: &impl ConnectionTrait) -> ApiResult<HashMap<i64, i64>> {
    let rows = listing_categories::Entity::find()
        .select_only()
        .column(listing_categories::Column::CategoryId)
        .column_as(
            Expr::col((
                listing_categories::Entity,
                listing_categories::Column::ListingId,
            ))
            .count(),
            "n",
        )
        .join(
            JoinType::InnerJoin,
            listing_categories::Relation::Listing.def(),
        )
        .join(JoinType::InnerJoin, listings::Relation::Partner.def())
        .filter(store::visibility::public_listing_condition())
        .group_by(listing_categories::Column::CategoryId)
        .into_model::<CategoryCount>()
        .all(db)
        .await?;
    Ok(rows.into_iter().map(|r| (r.category_id, r.n)).collect())
}

/// All categories in display order, with their number of published listings.
#[utoipa::path(get, path = "/api/v1/categories", tag = "categories",
    responses((status = 200, body = Page<Category>)))]
pub async fn list(req: HttpRequest, state: web::Data<AppState>) -> ApiResult<HttpResponse> {
    let items = all(&state).await?;
    Ok(respond::cacheable(
        &req,
        &Page {
            items,
            next_cursor: None,
        },
    ))
}

/// Every category in display order, with its public listing count.
pub(crate) async fn all(state: &AppState) -> ApiResult<Vec<Category>> {
    let rows = categories::Entity::find()
        .order_by_asc(categories::Column::Position)
        .order_by_asc(categories::Column::Name)
        .all(&state.db.read)
        .await?;
    let counts = public_counts(&state.db.read).await?;
    Ok(rows
        .iter()
        .map(|c| views::category(c, counts.get(&c.id).copied().unwrap_or(0)))
        .collect())
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
    let c = store::categories::by_slug(&state.db.read, slug.as_str()).await?;
    let count = public_counts(&state.db.read)
        .await?
        .get(&c.id)
        .copied()
        .unwrap_or(0);
    Ok(respond::cacheable(&req, &views::category(&c, count)))
}

fn slug_taken() -> ApiError {
    ApiError::Conflict {
        code: ErrorCode::SlugTaken,
        detail: "another category uses this slug".into(),
        field: Some("slug"),
    }
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
    let mut v = Validator::new();
    let slug = v.check("slug", Slug::parse(&req.slug));
    let name = v.check("name", validate::line(&req.name, 1, NAME_MAX));
    let description = v.check(
        "description",
        validate::text(&req.description, 0, DESCRIPTION_MAX),
    );
    let (slug, name, description) = v
        .finish(|| Some((slug?, name?, description?)))
        .map_err(ApiError::Validation)?;
    let now = state.settings.clock.now();
    let position = categories::Entity::find()
        .order_by_desc(categories::Column::Position)
        .one(&state.db.read)
        .await?
        .map_or(0, |c| c.position + 1);
    let txn = state.db.write.begin().await?;
    let c = categories::ActiveModel {
        slug: Set(slug.into_inner()),
        name: Set(name),
        description: Set(description),
        position: Set(position),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await
    .map_err(|e| {
        if store::is_unique_violation(&e) {
            slug_taken()
        } else {
            e.into()
        }
    })?;
    audit::record(
        &txn,
        state.settings.clock.now(),
        (&user).into(),
        AuditAction::CategoryCreated,
        Subject::Category(&c.slug),
        serde_json::json!({ "name": c.name }),
    )
    .await?;
    txn.commit().await?;
    Ok(respond::created(
        &format!("/api/v1/categories/{}", c.slug),
        &views::category(&c, 0),
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
    let mut v = Validator::new();
    let name = v.check_opt("name", req.name, |s| validate::line(&s, 1, NAME_MAX));
    let description = v.check_opt("description", req.description, |s| {
        validate::text(&s, 0, DESCRIPTION_MAX)
    });
    let (name, description) = v
        .finish(|| Some((name?, description?)))
        .map_err(ApiError::Validation)?;
    let slug = path_slug(&path, "category")?;
    let c = store::categories::by_slug(&state.db.read, slug.as_str()).await?;
    let from = serde_json::json!({ "name": c.name, "description": c.description });
    let mut row = c.into_active_model();
    if let Some(n) = name {
        row.name = Set(n);
    }
    if let Some(d) = description {
        row.description = Set(d);
    }
    row.updated_at = Set(state.settings.clock.now());
    let txn = state.db.write.begin().await?;
    let c = row.update(&txn).await?;
    audit::record(
        &txn,
        state.settings.clock.now(),
        (&user).into(),
        AuditAction::CategoryUpdated,
        Subject::Category(&c.slug),
        serde_json::json!({
            "from": from,
            "to": { "name": c.name, "description": c.description },
        }),
    )
    .await?;
    state
        .commit_public_change(txn, PublicChange::Category(c.id))
        .await?;
    let count = public_counts(&state.db.read)
        .await?
        .get(&c.id)
        .copied()
        .unwrap_or(0);
    Ok(respond::ok(&views::category(&c, count)))
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
    let c = store::categories::by_slug(&state.db.read, slug.as_str()).await?;
    let txn = state.db.write.begin().await?;
    categories::Entity::delete_by_id(c.id).exec(&txn).await?;
    audit::record(
        &txn,
        state.settings.clock.now(),
        (&user).into(),
        AuditAction::CategoryDeleted,
        Subject::Category(&c.slug),
        serde_json::json!({ "name": c.name }),
    )
    .await?;
    state
        .commit_public_change(txn, PublicChange::Category(c.id))
        .await?;
    tracing::info!(category = %c.slug, admin = user.id, "category deleted");
    Ok(respond::no_content())
}
