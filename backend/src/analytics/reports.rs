//! The analytics use cases: a listing's series (its partner's members, marketplace admins and
//! analysts), the adoption ranking and churn by number of integrations (marketplace staff).
//! They load roll-up rows and hand them to the pure computations ([`super::series`],
//! [`super::churn`]); everything acknowledged counts, so each first waits for the usage
//! folder to catch up.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Days, NaiveDate, NaiveTime, TimeZone, Utc};
use mercato_shared::api::analytics::{
    AdoptionRanking, AdoptionRow, ChurnReport, Funnel, Interval, ListingAnalytics, SourceCount,
};
use mercato_shared::api::workspaces::InstallEventKind;
use mercato_shared::validate::Slug;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use super::churn::{self, WorkspaceLife};
use super::days;
use super::series::{self, ratio, DayCounts};
use crate::auth::CurrentUser;
use crate::domain::access::{Need, PartnerAccess};
use crate::entities::{install_events, listings, partners, workspaces};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::store;

/// Longest range a listing's series covers.
const MAX_RANGE_DAYS: i32 = 731;
/// The adoption ranking's default and largest length.
const ADOPTION_ROWS: usize = 100;
const ADOPTION_ROWS_MAX: u32 = 1000;

fn invalid(field: &str, message: &str) -> ApiError {
    ApiError::InvalidQuery(vec![mercato_shared::FieldError {
        field: field.into(),
        code: "invalid_value".into(),
        message: message.into(),
    }])
}

/// The period of a listing's series as asked (each part optional).
pub struct Period {
    /// First day; 29 days before `to` by default.
    pub from: Option<NaiveDate>,
    /// Last day; today by default.
    pub to: Option<NaiveDate>,
    /// `day` by default.
    pub interval: Option<Interval>,
}

/// Listing `slug`'s installs, uninstalls, active installs, DAU/WAU/MAU, adoption and funnel
/// over `period`. A listing the public cannot see is 404 for whoever may not see its
/// partner's performance; a public one 403.
pub async fn listing(
    state: &AppState,
    user: &CurrentUser,
    slug: &Slug,
    period: Period,
) -> ApiResult<ListingAnalytics> {
    let (listing, partner) = store::listings::by_slug(&state.db.read, slug.as_str()).await?;
    let access = PartnerAccess::of(&state.db.read, Some(user), partner.id).await?;
    if !access.allows(Need::Performance) {
        if !store::visibility::is_public_listing(&listing, &partner) {
            return Err(ApiError::NotFound("listing"));
        }
        access.require(Need::Performance)?;
    }
    let today = days::of_time(state.settings.clock.now());
    let to = period.to.map(days::number).unwrap_or(today);
    let from = period.from.map(days::number).unwrap_or(to - 29);
    if from > to {
        return Err(invalid("from", "must not be after `to`"));
    }
    if to - from + 1 > MAX_RANGE_DAYS {
        return Err(invalid("from", "the range covers at most 731 days"));
    }
    if to > today + 1 {
        return Err(invalid("to", "must not be in the future"));
    }
    let interval = period.interval.unwrap_or(Interval::Day);
    state.usage_folder.flush().await?;
    let db = &state.db.read;

    let active = active_days(db, listing.id, from - 29, to).await?;
    let per_day: Vec<(i32, i64, i64, i64, i64)> = store::rows(
        db,
        "SELECT day, CAST(SUM(views) AS BIGINT), CAST(SUM(clicks) AS BIGINT), CAST(SUM(installs) AS BIGINT), \
         CAST(SUM(uninstalls) AS BIGINT) FROM listing_daily WHERE listing_id = ? AND day >= ? AND day <= ? GROUP BY day",
        vec![listing.id.into(), from.into(), to.into()],
    )
    .await?;
    let counts: HashMap<i32, DayCounts> = per_day
        .into_iter()
        .map(|(day, views, clicks, installs, uninstalls)| {
            (
                day,
                DayCounts {
                    views,
                    clicks,
                    installs,
                    uninstalls,
                },
            )
        })
        .collect();
    let before: Vec<(i64,)> = store::rows(
        db,
        "SELECT CAST(COALESCE(SUM(installs - uninstalls), 0) AS BIGINT) FROM listing_daily WHERE listing_id = ? AND day < ?",
        vec![listing.id.into(), from.into()],
    )
    .await?;
    let sources: Vec<(String, i64, i64, i64)> = store::rows(
        db,
        "SELECT source, CAST(SUM(views) AS BIGINT), CAST(SUM(clicks) AS BIGINT), CAST(SUM(installs) AS BIGINT) \
         FROM listing_daily WHERE listing_id = ? AND day >= ? AND day <= ? GROUP BY source ORDER BY source",
        vec![listing.id.into(), from.into(), to.into()],
    )
    .await?;

    let points = series::build(
        from,
        to,
        interval,
        &active,
        &counts,
        before.first().map_or(0, |r| r.0),
    );
    let (views, clicks, installs) = counts.values().fold((0, 0, 0), |(v, c, i), d| {
        (v + d.views, c + d.clicks, i + d.installs)
    });
    Ok(ListingAnalytics {
        listing: listing.slug,
        from: days::date(from),
        to: days::date(to),
        interval,
        funnel: Funnel {
            views,
            clicks,
            installs,
            click_rate: ratio(clicks, views),
            install_rate: ratio(installs, clicks),
        },
        sources: sources
            .into_iter()
            .map(|(source, views, clicks, installs)| SourceCount {
                source,
                views,
                clicks,
                installs,
            })
            .collect(),
        series: points,
    })
}

/// The (day, workspace) rows of a listing's usage between two days, in order.
///
/// A year of a busy listing is tens of thousands of rows; the database joins them into one
/// string (`string_agg`: SQLite 3.44+ and PostgreSQL) because handing them over one row at a
/// time costs more than the query.
async fn active_days(
    db: &impl ConnectionTrait,
    listing: i64,
    from: i32,
    to: i32,
) -> ApiResult<Vec<(i32, i64)>> {
    let joined: Vec<(Option<String>,)> = store::rows(
        db,
        "SELECT string_agg(CAST(day AS TEXT) || ':' || CAST(workspace_id AS TEXT), ',') \
         FROM usage_daily WHERE listing_id = ? AND day >= ? AND day <= ?",
        vec![listing.into(), from.into(), to.into()],
    )
    .await?;
    let Some(Some(joined)) = joined.into_iter().next().map(|r| r.0) else {
        return Ok(Vec::new());
    };
    let mut pairs = joined
        .split(',')
        .map(|pair| {
            pair.split_once(':')
                .and_then(|(day, workspace)| Some((day.parse().ok()?, workspace.parse().ok()?)))
                .ok_or_else(|| ApiError::Unexpected(anyhow::anyhow!("bad usage row {pair:?}")))
        })
        .collect::<ApiResult<Vec<(i32, i64)>>>()?;
    // Sorted here: an ordered aggregate makes PostgreSQL sort strings.
    pairs.sort_unstable();
    Ok(pairs)
}

/// Listings ranked by MAU (distinct workspaces active in the 30 days to `as_of`, today by
/// default) and adoption (MAU / active installs), the first `limit` (100 by default).
pub async fn adoption(
    state: &AppState,
    as_of: Option<NaiveDate>,
    limit: Option<u32>,
) -> ApiResult<AdoptionRanking> {
    let today = days::of_time(state.settings.clock.now());
    let as_of = as_of.map(days::number).unwrap_or(today);
    if as_of > today + 1 {
        return Err(invalid("as_of", "must not be in the future"));
    }
    let limit = match limit {
        None => ADOPTION_ROWS,
        Some(n @ 1..=ADOPTION_ROWS_MAX) => n as usize,
        Some(_) => return Err(invalid("limit", "must be between 1 and 1000")),
    };
    let lo = as_of - 29;
    state.usage_folder.flush().await?;
    let db = &state.db.read;
    let mut mau: HashMap<i64, i64> = HashMap::new();
    let mut installs: HashMap<i64, i64> = HashMap::new();
    if as_of >= today {
        // Now: from each pair's last active day. Pairs last seen after `as_of` (dated a few
        // minutes ahead) are checked against the daily roll-up.
        let recent: Vec<(i64, i64)> = store::rows(
            db,
            "SELECT listing_id, CAST(COUNT(*) AS BIGINT) FROM usage_last_seen WHERE last_day >= ? AND last_day <= ? GROUP BY listing_id",
            vec![lo.into(), as_of.into()],
        )
        .await?;
        let ahead: Vec<(i64, i64)> = store::rows(
            db,
            "SELECT s.listing_id, CAST(COUNT(*) AS BIGINT) FROM usage_last_seen s WHERE s.last_day > ? AND EXISTS \
             (SELECT 1 FROM usage_daily d WHERE d.listing_id = s.listing_id AND d.day >= ? AND d.day <= ? \
              AND d.workspace_id = s.workspace_id) GROUP BY s.listing_id",
            vec![as_of.into(), lo.into(), as_of.into()],
        )
        .await?;
        for (listing, n) in recent.into_iter().chain(ahead) {
            *mau.entry(listing).or_default() += n;
        }
        let active: Vec<(i64, i64)> = listings::Entity::find()
            .select_only()
            .column(listings::Column::Id)
            .column(listings::Column::ActiveInstalls)
            .filter(listings::Column::ActiveInstalls.gt(0))
            .into_tuple()
            .all(db)
            .await?;
        installs.extend(active);
    } else {
        // A past day: distinct workspaces over the window of the daily roll-up.
        let past: Vec<(i64, i64)> = store::rows(
            db,
            "SELECT listing_id, CAST(COUNT(DISTINCT workspace_id) AS BIGINT) FROM usage_daily WHERE day >= ? AND day <= ? GROUP BY listing_id",
            vec![lo.into(), as_of.into()],
        )
        .await?;
        mau.extend(past);
        let active: Vec<(i64, i64)> = store::rows(
            db,
            "SELECT listing_id, CAST(SUM(installs - uninstalls) AS BIGINT) FROM listing_daily WHERE day <= ? GROUP BY listing_id",
            vec![as_of.into()],
        )
        .await?;
        installs.extend(active.into_iter().filter(|(_, n)| *n > 0));
    }
    let mut ranked: Vec<(i64, i64, i64)> = mau
        .keys()
        .chain(installs.keys())
        .copied()
        .collect::<HashSet<_>>()
        .into_iter()
        .map(|id| {
            (
                id,
                mau.get(&id).copied().unwrap_or(0),
                installs.get(&id).copied().unwrap_or(0),
            )
        })
        .collect();
    ranked.sort_by(|a, b| {
        b.1.cmp(&a.1)
            .then_with(|| {
                ratio(b.1, b.2)
                    .partial_cmp(&ratio(a.1, a.2))
                    .unwrap_or(std::cmp::Ordering::Equal)
            })
            .then_with(|| a.0.cmp(&b.0))
    });
    ranked.truncate(limit);
    let ids: Vec<i64> = ranked.iter().map(|r| r.0).collect();
    let names: HashMap<i64, (listings::Model, Option<partners::Model>)> = listings::Entity::find()
        .filter(listings::Column::Id.is_in(ids))
        .find_also_related(partners::Entity)
        .all(db)
        .await?
        .into_iter()
        .map(|(l, p)| (l.id, (l, p)))
        .collect();
    Ok(AdoptionRanking {
        as_of: days::date(as_of),
        rows: ranked
            .into_iter()
            .filter_map(|(id, mau, installs)| {
                let (l, p) = names.get(&id)?;
                Some(AdoptionRow {
                    listing: l.slug.clone(),
                    name: l.name.clone(),
                    partner: p.as_ref().map(|p| p.slug.clone()).unwrap_or_default(),
                    mau,
                    active_installs: installs,
                    adoption: ratio(mau, installs),
                })
            })
            .collect(),
    })
}

/// Churn rate of workspaces by their number of active integrations (0, 1, 2, 3+) when the
/// period from `from` (89 days before `to` by default) to `to` (today by default) starts.
pub async fn churn(
    state: &AppState,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
) -> ApiResult<ChurnReport> {
    let to = to.unwrap_or(state.settings.clock.today());
    let from = from.unwrap_or(to - Days::new(89));
    if from > to {
        return Err(invalid("from", "must not be after `to`"));
    }
    let start = Utc.from_utc_datetime(&from.and_time(NaiveTime::MIN));
    let end = Utc.from_utc_datetime(&to.and_time(NaiveTime::MIN)) + chrono::Duration::days(1)
        - chrono::Duration::microseconds(1);
    state.usage_folder.flush().await?;
    let db = &state.db.read;
    let lives: Vec<WorkspaceLife> = workspaces::Entity::find()
        .select_only()
        .column(workspaces::Column::Id)
        .column(workspaces::Column::CreatedAt)
        .column(workspaces::Column::ChurnedAt)
        .into_tuple::<(i64, DateTime<Utc>, Option<DateTime<Utc>>)>()
        .all(db)
        .await?
        .into_iter()
        .map(|(id, created_at, churned_at)| WorkspaceLife {
            id,
            created_at,
            churned_at,
        })
        .collect();
    let changes: Vec<churn::InstallChange> = install_events::Entity::find()
        .select_only()
        .column(install_events::Column::WorkspaceId)
        .column(install_events::Column::ListingId)
        .column(install_events::Column::Kind)
        .column(install_events::Column::CreatedAt)
        .filter(install_events::Column::CreatedAt.lt(start))
        .order_by_asc(install_events::Column::CreatedAt)
        .order_by_asc(install_events::Column::Id)
        .into_tuple::<(i64, i64, InstallEventKind, DateTime<Utc>)>()
        .all(db)
        .await?
        .into_iter()
        .map(|(w, l, kind, at)| (w, l, kind != InstallEventKind::Uninstalled, at))
        .collect();
    Ok(ChurnReport {
        from,
        to,
        buckets: churn::buckets(start, end, &lives, &changes),
    })
}
