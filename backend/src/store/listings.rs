use std::collections::HashMap;

use mercato_shared::api::listings::{CategoryRef, PricingModel, RevisionState};
use sea_orm::sea_query::Query;
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};

use crate::entities::{categories, listing_categories, listing_revisions, listings, partners};
use crate::error::{ApiError, ApiResult};

pub async fn by_slug(
    db: &impl ConnectionTrait,
    slug: &str,
) -> ApiResult<(listings::Model, partners::Model)> {
    listings::Entity::find()
        .filter(listings::Column::Slug.eq(slug))
        .find_also_related(partners::Entity)
        .one(db)
        .await?
        .and_then(|(l, p)| p.map(|p| (l, p)))
        .ok_or(ApiError::NotFound("listing"))
}

/// The public listing with this slug, if there is one (a malformed slug is none).
pub async fn public_by_slug(
    db: &impl ConnectionTrait,
    raw: &str,
) -> ApiResult<Option<listings::Model>> {
    let Ok(slug) = mercato_shared::validate::Slug::parse(raw) else {
        return Ok(None);
    };
    match by_slug(db, slug.as_str()).await {
        Ok((l, p)) => Ok(super::visibility::is_public_listing(&l, &p).then_some(l)),
        Err(ApiError::NotFound(_)) => Ok(None),
        Err(e) => Err(e),
    }
}

/// The categories of each listing, in the categories' display order.
pub async fn category_refs(
    db: &impl ConnectionTrait,
    listing_ids: &[i64],
) -> ApiResult<HashMap<i64, Vec<CategoryRef>>> {
    let mut out: HashMap<i64, Vec<CategoryRef>> = HashMap::new();
    if listing_ids.is_empty() {
        return Ok(out);
    }
    let rows = listing_categories::Entity::find()
        .filter(listing_categories::Column::ListingId.is_in(listing_ids.iter().copied()))
        .find_also_related(categories::Entity)
        .order_by_asc(categories::Column::Position)
        .order_by_asc(categories::Column::Name)
        .all(db)
        .await?;
    for (link, category) in rows {
        if let Some(c) = category {
            out.entry(link.listing_id).or_default().push(CategoryRef {
                slug: c.slug,
                name: c.name,
            });
        }
    }
    Ok(out)
}

pub async fn category_slugs(db: &impl ConnectionTrait, listing_id: i64) -> ApiResult<Vec<String>> {
    Ok(category_refs(db, &[listing_id])
        .await?
        .remove(&listing_id)
        .unwrap_or_default()
        .into_iter()
        .map(|c| c.slug)
        .collect())
}

/// Replaces the listing's categories.
pub async fn set_categories(
    db: &impl ConnectionTrait,
    listing_id: i64,
    category_ids: &[i64],
) -> ApiResult<()> {
    listing_categories::Entity::delete_many()
        .filter(listing_categories::Column::ListingId.eq(listing_id))
        .exec(db)
        .await?;
    if !category_ids.is_empty() {
        listing_categories::Entity::insert_many(category_ids.iter().map(|&category_id| {
            listing_categories::ActiveModel {
                listing_id: Set(listing_id),
                category_id: Set(category_id),
            }
        }))
        .exec(db)
        .await?;
    }
    Ok(())
}

/// The listing's open revision (not yet approved), if any.
pub async fn pending_revision(
    db: &impl ConnectionTrait,
    listing_id: i64,
) -> ApiResult<Option<listing_revisions::Model>> {
    Ok(listing_revisions::Entity::find()
        .filter(listing_revisions::Column::ListingId.eq(listing_id))
        .filter(listing_revisions::Column::State.ne(RevisionState::Approved))
        .order_by_desc(listing_revisions::Column::Number)
        .one(db)
        .await?)
}

pub async fn next_revision_number(db: &impl ConnectionTrait, listing_id: i64) -> ApiResult<i32> {
    let last = listing_revisions::Entity::find()
        .filter(listing_revisions::Column::ListingId.eq(listing_id))
        .order_by_desc(listing_revisions::Column::Number)
        .one(db)
        .await?;
    Ok(last.map_or(1, |r| r.number + 1))
}

/// What a list of listings is filtered by.
#[derive(Debug, Default)]
pub struct ListFilter {
    /// Only published listings of active partners.
    pub public_only: bool,
    pub partner_id: Option<i64>,
    pub category_id: Option<i64>,
    pub pricing: Option<PricingModel>,
    /// The (monthly_installs, id) of the last item of the previous page.
    pub after: Option<(i64, i64)>,
    pub limit: u64,
}

/// Listings by popularity (monthly installs, then newest first), one page plus one row to
/// tell whether there is a next page.
pub async fn list(
    db: &impl ConnectionTrait,
    f: &ListFilter,
) -> ApiResult<Vec<(listings::Model, partners::Model)>> {
    let mut q = listings::Entity::find().find_also_related(partners::Entity);
    if f.public_only {
        q = q.filter(super::visibility::public_listing_condition());
    }
    if let Some(id) = f.partner_id {
        q = q.filter(listings::Column::PartnerId.eq(id));
    }
    if let Some(id) = f.category_id {
        q = q.filter(
            listings::Column::Id.in_subquery(
                Query::select()
                    .column(listing_categories::Column::ListingId)
                    .from(listing_categories::Entity)
                    .and_where(listing_categories::Column::CategoryId.eq(id))
                    .to_owned(),
            ),
        );
    }
    if let Some(p) = f.pricing {
        q = q.filter(listings::Column::PricingModel.eq(p.as_str()));
    }
    if let Some((installs, id)) = f.after {
        q = q.filter(
            Condition::any()
                .add(listings::Column::MonthlyInstalls.lt(installs))
                .add(
                    Condition::all()
                        .add(listings::Column::MonthlyInstalls.eq(installs))
                        .add(listings::Column::Id.lt(id)),
                ),
        );
    }
    let rows = q
        .order_by_desc(listings::Column::MonthlyInstalls)
        .order_by_desc(listings::Column::Id)
        .limit(f.limit + 1)
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(l, p)| p.map(|p| (l, p)))
        .collect())
}

/// A listing with its partner and categories in one query (the hot public read). The
/// categories come back as a JSON array built by the database, whose JSON functions differ:
/// SQLite has `json_group_array`, PostgreSQL `json_agg`.
pub async fn with_partner_and_categories(
    db: &impl ConnectionTrait,
    slug: &str,
) -> ApiResult<Option<(listings::Model, partners::Model, Vec<CategoryRef>)>> {
    use sea_orm::{DatabaseBackend, FromQueryResult, Statement};
    const PARTNER_COLUMNS: &str = "p.id AS p_id, p.slug AS p_slug, p.name AS p_name, \
        p.website AS p_website, p.logo_url AS p_logo_url, p.description AS p_description, \
        p.motions AS p_motions, p.regions AS p_regions, p.tier AS p_tier, \
        p.certifications AS p_certifications, p.status AS p_status, \
        p.created_at AS p_created_at, p.updated_at AS p_updated_at, \
        p.verified_domain AS p_verified_domain";
    let backend = db.get_database_backend();
    let (categories, placeholder) = match backend {
        DatabaseBackend::Postgres => (
            "(SELECT coalesce(json_agg(json_build_object('slug', c.slug, 'name', c.name) \
              ORDER BY c.position, c.name), '[]'::json)::text \
              FROM listing_categories lc JOIN categories c ON c.id = lc.category_id \
              WHERE lc.listing_id = l.id)",
            "$1",
        ),
        _ => (
            "(SELECT json_group_array(json_object('slug', s.slug, 'name', s.name)) FROM \
              (SELECT c.slug, c.name FROM listing_categories lc \
               JOIN categories c ON c.id = lc.category_id \
               WHERE lc.listing_id = l.id ORDER BY c.position, c.name) s)",
            "?",
        ),
    };
    let sql = format!(
        "SELECT l.*, {PARTNER_COLUMNS}, {categories} AS category_refs \
         FROM listings l JOIN partners p ON p.id = l.partner_id WHERE l.slug = {placeholder}"
    );
    let Some(row) = db
        .query_one(Statement::from_sql_and_values(backend, sql, [slug.into()]))
        .await?
    else {
        return Ok(None);
    };
    let listing = listings::Model::from_query_result(&row, "")?;
    let partner = partners::Model::from_query_result(&row, "p_")?;
    let refs: String = row.try_get("", "category_refs")?;
    let refs: Vec<CategoryRef> = serde_json::from_str(&refs)
        .map_err(|e| ApiError::Unexpected(anyhow::anyhow!("category refs of {slug}: {e}")))?;
    Ok(Some((listing, partner, refs)))
}
