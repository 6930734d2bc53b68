//! Building search documents from the database, the source of truth.

use chrono::NaiveDate;
use mercato_shared::api::listings::CategoryRef;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use super::SearchDocument;
use crate::entities::{listing_categories, listings, partners};
use crate::error::ApiResult;
use crate::{markdown, store, views};

fn document(
    l: listings::Model,
    p: &partners::Model,
    categories: Vec<CategoryRef>,
    today: NaiveDate,
) -> SearchDocument {
    let partner = views::partner_ref(p, today);
    let rating = views::rating(&l);
    let mut badges = l.badges.0;
    for (derived, holds) in [
        ("certified", partner.certified),
        ("verified", partner.verified),
    ] {
        if holds && !badges.iter().any(|b| b == derived) {
            badges.push(derived.into());
        }
    }
    SearchDocument {
        slug: l.slug,
        name: l.name,
        // What readers see, not the Markdown: snippets show these words, and the markup's
        // punctuation and link targets are not what anyone searches for.
        tagline: markdown::plain_text(&l.tagline),
        description: markdown::plain_text(&l.description),
        use_cases: l.use_cases.0,
        categories: categories.into_iter().map(|c| (c.slug, c.name)).collect(),
        partner_slug: partner.slug,
        partner_name: partner.name,
        pricing: l.pricing_model,
        badges,
        installs: l.monthly_installs + l.active_installs,
        rating,
        certified: partner.certified,
        tier: partner.tier,
    }
}

/// The documents of the public listings among `rows`; certifications count while current on
/// `today`.
async fn documents(
    db: &impl ConnectionTrait,
    rows: Vec<(listings::Model, Option<partners::Model>)>,
    today: NaiveDate,
) -> ApiResult<Vec<SearchDocument>> {
    let public: Vec<(listings::Model, partners::Model)> = rows
        .into_iter()
        .filter_map(|(l, p)| p.map(|p| (l, p)))
        .filter(|(l, p)| store::visibility::is_public_listing(l, p))
        .collect();
    let ids: Vec<i64> = public.iter().map(|(l, _)| l.id).collect();
    let mut categories = store::listings::category_refs(db, &ids).await?;
    Ok(public
        .into_iter()
        .map(|(l, p)| {
            let cats = categories.remove(&l.id).unwrap_or_default();
            document(l, &p, cats, today)
        })
        .collect())
}

/// What the index should hold for these slugs: the documents of the public ones; the others
/// (drafts, delisted, suspended partner, deleted) are to be removed.
pub async fn for_slugs(
    db: &impl ConnectionTrait,
    slugs: &[String],
    today: NaiveDate,
) -> ApiResult<(Vec<SearchDocument>, Vec<String>)> {
    let mut docs = Vec::with_capacity(slugs.len());
    for chunk in slugs.chunks(500) {
        let rows = listings::Entity::find()
            .filter(listings::Column::Slug.is_in(chunk.iter().cloned()))
            .find_also_related(partners::Entity)
            .all(db)
            .await?;
        docs.extend(documents(db, rows, today).await?);
    }
    let public: std::collections::HashSet<&str> = docs.iter().map(|d| d.slug.as_str()).collect();
    let gone = slugs
        .iter()
        .filter(|s| !public.contains(s.as_str()))
        .cloned()
        .collect();
    Ok((docs, gone))
}

/// Slugs of every listing of a partner (whatever its status: a suspension removes them all).
pub async fn slugs_of_partner(
    db: &impl ConnectionTrait,
    partner_id: i64,
) -> ApiResult<Vec<String>> {
    Ok(listings::Entity::find()
        .select_only()
        .column(listings::Column::Slug)
        .filter(listings::Column::PartnerId.eq(partner_id))
        .into_tuple()
        .all(db)
        .await?)
}

/// Slugs of the listings that were in a category. The links of a deleted category are gone
/// with it, so a deletion is handled by the caller as a full refresh.
pub async fn slugs_of_category(
    db: &impl ConnectionTrait,
    category_id: i64,
) -> ApiResult<Vec<String>> {
    let ids: Vec<i64> = listing_categories::Entity::find()
        .select_only()
        .column(listing_categories::Column::ListingId)
        .filter(listing_categories::Column::CategoryId.eq(category_id))
        .into_tuple()
        .all(db)
        .await?;
    let mut slugs = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(500) {
        let part: Vec<String> = listings::Entity::find()
            .select_only()
            .column(listings::Column::Slug)
            .filter(listings::Column::Id.is_in(chunk.iter().copied()))
            .into_tuple()
            .all(db)
            .await?;
        slugs.extend(part);
    }
    Ok(slugs)
}

/// Every public document, `batch` at a time in id order, handed to `sink` (for rebuilds).
pub async fn for_each_public_batch<F, Fut>(
    db: &impl ConnectionTrait,
    batch: u64,
    today: NaiveDate,
    mut sink: F,
) -> anyhow::Result<u64>
where
    F: FnMut(Vec<SearchDocument>) -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<()>>,
{
    let mut after = 0i64;
    let mut total = 0u64;
    loop {
        // Walks the primary key; the status is checked per row (filtering on it in SQL makes
        // SQLite pick the status index and re-scan it for every batch).
        let rows = listings::Entity::find()
            .filter(listings::Column::Id.gt(after))
            .find_also_related(partners::Entity)
            .order_by_asc(listings::Column::Id)
            .limit(batch)
            .all(db)
            .await?;
        let Some((last, _)) = rows.last() else {
            return Ok(total);
        };
        after = last.id;
        let docs = documents(db, rows, today).await?;
        total += docs.len() as u64;
        sink(docs).await?;
    }
}

/// The number of public listings (what a full index holds).
pub async fn public_count(db: &impl ConnectionTrait) -> ApiResult<u64> {
    use sea_orm::PaginatorTrait;
    Ok(listings::Entity::find()
        .find_also_related(partners::Entity)
        .filter(store::visibility::public_listing_condition())
        .count(db)
        .await?)
}
