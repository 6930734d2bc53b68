//! Categories: read by everyone with their number of public listings, managed by marketplace
//! admins (audited; a change is a public change).

use std::collections::HashMap;

use mercato_shared::api::audit::AuditAction;
use mercato_shared::api::categories::{Category, CreateCategory, UpdateCategory};
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
pub async fn public_counts(db: &impl ConnectionTrait) -> ApiResult<HashMap<i64, i64>> {
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

/// A category as the API shows it, with its public listing count.
async fn counted(db: &impl ConnectionTrait, c: &categories::Model) -> ApiResult<Category> {
    let count = public_counts(db).await?.get(&c.id).copied().unwrap_or(0);
    Ok(views::category(c, count))
}

/// Every category in display order, with its public listing count.
pub async fn all(state: &AppState) -> ApiResult<Vec<Category>> {
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
pub async fn one(state: &AppState, slug: &Slug) -> ApiResult<Category> {
    let c = store::categories::by_slug(&state.db.read, slug.as_str()).await?;
    counted(&state.db.read, &c).await
}

fn slug_taken() -> ApiError {
    ApiError::Conflict {
        code: ErrorCode::SlugTaken,
        detail: "another category uses this slug".into(),
        field: Some("slug"),
    }
}

/// Creates a category, last in display order (admins).
pub async fn create(
    state: &AppState,
    admin: &CurrentUser,
    req: CreateCategory,
) -> ApiResult<Category> {
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
    .map_err(store::taken_as(slug_taken))?;
    audit::record(
        &txn,
        now,
        admin.into(),
        AuditAction::CategoryCreated,
        Subject::Category(&c.slug),
        serde_json::json!({ "name": c.name }),
    )
    .await?;
    txn.commit().await?;
    Ok(views::category(&c, 0))
}

/// Renames or re-describes a category (admins).
pub async fn update(
    state: &AppState,
    admin: &CurrentUser,
    slug: &Slug,
    req: UpdateCategory,
) -> ApiResult<Category> {
    let mut v = Validator::new();
    let name = v.check_opt("name", req.name, |s| validate::line(&s, 1, NAME_MAX));
    let description = v.check_opt("description", req.description, |s| {
        validate::text(&s, 0, DESCRIPTION_MAX)
    });
    let (name, description) = v
        .finish(|| Some((name?, description?)))
        .map_err(ApiError::Validation)?;
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
        admin.into(),
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
    counted(&state.db.read, &c).await
}

/// Deletes a category; listings keep their other categories (admins).
pub async fn delete(state: &AppState, admin: &CurrentUser, slug: &Slug) -> ApiResult<()> {
    let c = store::categories::by_slug(&state.db.read, slug.as_str()).await?;
    let txn = state.db.write.begin().await?;
    categories::Entity::delete_by_id(c.id).exec(&txn).await?;
    audit::record(
        &txn,
        state.settings.clock.now(),
        admin.into(),
        AuditAction::CategoryDeleted,
        Subject::Category(&c.slug),
        serde_json::json!({ "name": c.name }),
    )
    .await?;
    state
        .commit_public_change(txn, PublicChange::Category(c.id))
        .await?;
    tracing::info!(category = %c.slug, admin = admin.id, "category deleted");
    Ok(())
}
