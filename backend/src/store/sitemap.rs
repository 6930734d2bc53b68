//! The sitemap's reads: which public pages exist and when each last changed, without loading
//! the listings themselves (the sitemap of a large marketplace is hundreds of thousands of
//! URLs). Public means `store::visibility`'s rule, in its SQL form.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use mercato_shared::validate::Slug;
use sea_orm::{ConnectionTrait, FromQueryResult, Statement};

use super::visibility::{PUBLIC_LISTINGS_FROM as PUBLIC_LISTINGS, PUBLIC_PARTNERS};
use crate::entities::json::StringList;
use crate::error::ApiResult;

/// A page's key (a slug) and when it last changed.
#[derive(Debug, FromQueryResult)]
pub struct Dated {
    pub slug: String,
    pub updated_at: DateTime<Utc>,
}

pub async fn public_listing_count(db: &impl ConnectionTrait) -> ApiResult<u64> {
    let backend = db.get_database_backend();
    let row = db
        .query_one(Statement::from_string(
            backend,
            format!("SELECT COUNT(*) AS n {PUBLIC_LISTINGS}"),
        ))
        .await?;
    Ok(row.map_or(Ok(0), |r| r.try_get::<i64>("", "n"))?.max(0) as u64)
}

/// The public listings of sitemap file `part` (from 0), `per_file` to a file, in id order.
pub async fn listings_of_part(
    db: &impl ConnectionTrait,
    part: u64,
    per_file: u64,
) -> ApiResult<Vec<Dated>> {
    let backend = db.get_database_backend();
    Ok(Dated::find_by_statement(Statement::from_sql_and_values(
        backend,
        super::sql(
            backend,
            &format!(
                "SELECT l.slug, l.updated_at {PUBLIC_LISTINGS} ORDER BY l.id LIMIT ? OFFSET ?"
            ),
        ),
        [(per_file as i64).into(), ((part * per_file) as i64).into()],
    ))
    .all(db)
    .await?)
}

/// The one `t` timestamp a `SELECT MAX(…) AS t` answers.
async fn latest_of(db: &impl ConnectionTrait, sql: String) -> ApiResult<Option<DateTime<Utc>>> {
    Ok(db
        .query_one(Statement::from_string(db.get_database_backend(), sql))
        .await?
        .and_then(|r| r.try_get::<Option<DateTime<Utc>>>("", "t").ok().flatten()))
}

/// The last change of a public listing (which dates the home page).
pub async fn latest_listing_change(db: &impl ConnectionTrait) -> ApiResult<Option<DateTime<Utc>>> {
    latest_of(
        db,
        format!("SELECT MAX(l.updated_at) AS t {PUBLIC_LISTINGS}"),
    )
    .await
}

/// The last change among the pages of `/sitemaps/pages.xml`: a listing (which also dates its
/// use cases and the home page), a category or an active partner — without building the file.
pub async fn pages_lastmod(db: &impl ConnectionTrait) -> ApiResult<Option<DateTime<Utc>>> {
    let mut latest = latest_listing_change(db).await?;
    for sql in [
        "SELECT MAX(updated_at) AS t FROM categories".to_string(),
        format!("SELECT MAX(updated_at) AS t {PUBLIC_PARTNERS}"),
    ] {
        latest = latest.max(latest_of(db, sql).await?);
    }
    Ok(latest)
}

#[derive(FromQueryResult)]
struct PartLastmod {
    t: Option<DateTime<Utc>>,
}

/// The last change among the listings of each sitemap file, in order: one pass over the
/// public listings (numbered in id order, `per_file` to a file), not one query per file.
pub async fn parts_lastmod(
    db: &impl ConnectionTrait,
    per_file: u64,
) -> ApiResult<Vec<Option<DateTime<Utc>>>> {
    let backend = db.get_database_backend();
    let sql = super::sql(
        backend,
        &format!(
            "SELECT x.part, MAX(x.updated_at) AS t FROM (SELECT \
             (ROW_NUMBER() OVER (ORDER BY l.id) - 1) / ? AS part, l.updated_at {PUBLIC_LISTINGS}) x \
             GROUP BY x.part ORDER BY x.part"
        ),
    );
    let rows = PartLastmod::find_by_statement(Statement::from_sql_and_values(
        backend,
        sql,
        [(per_file as i64).into()],
    ))
    .all(db)
    .await?;
    Ok(rows.into_iter().map(|r| r.t).collect())
}

/// The categories, in display order.
pub async fn categories(db: &impl ConnectionTrait) -> ApiResult<Vec<Dated>> {
    dated(
        db,
        "SELECT slug, updated_at FROM categories ORDER BY position, id",
    )
    .await
}

/// The public partners, in id order.
pub async fn public_partners(db: &impl ConnectionTrait) -> ApiResult<Vec<Dated>> {
    dated(
        db,
        &format!("SELECT slug, updated_at {PUBLIC_PARTNERS} ORDER BY id"),
    )
    .await
}

async fn dated(db: &impl ConnectionTrait, sql: &str) -> ApiResult<Vec<Dated>> {
    Ok(Dated::find_by_statement(Statement::from_string(
        db.get_database_backend(),
        sql.to_string(),
    ))
    .all(db)
    .await?)
}

#[derive(FromQueryResult)]
struct UseCaseRow {
    use_cases: StringList,
    updated_at: DateTime<Utc>,
}

/// The use cases public listings name (as slugs), most named first, each with the latest change
/// of a listing naming it; at most `room` of them.
pub async fn named_use_cases(
    db: &impl ConnectionTrait,
    room: usize,
) -> ApiResult<Vec<(Slug, DateTime<Utc>)>> {
    let rows = UseCaseRow::find_by_statement(Statement::from_string(
        db.get_database_backend(),
        format!("SELECT l.use_cases, l.updated_at {PUBLIC_LISTINGS}"),
    ))
    .all(db)
    .await?;
    let mut named: HashMap<Slug, (u32, DateTime<Utc>)> = HashMap::new();
    for row in rows {
        for phrase in &row.use_cases.0 {
            if let Some(slug) = Slug::slugify(phrase) {
                let entry = named.entry(slug).or_insert((0, row.updated_at));
                entry.0 += 1;
                entry.1 = entry.1.max(row.updated_at);
            }
        }
    }
    let mut named: Vec<_> = named.into_iter().collect();
    named.sort_by(|a, b| {
        b.1 .0
            .cmp(&a.1 .0)
            .then_with(|| a.0.as_str().cmp(b.0.as_str()))
    });
    named.truncate(room);
    Ok(named
        .into_iter()
        .map(|(slug, (_, lastmod))| (slug, lastmod))
        .collect())
}
