//! Deal registrations (partner members register and close; admins see conflicts) and partner
//! scorecards (admins and analysts rank every partner; each partner sees its own).

use std::collections::HashMap;

use actix_web::{web, HttpResponse};
use mercato_shared::api::deals::{
    CloseDeal, DealRegistration, DealStatus, RegisterDeal, Scorecard,
};
use mercato_shared::api::leads::LeadStatus;
use mercato_shared::api::partners::PartnerStatus;
use mercato_shared::validate::{self, Invalid, Validator};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Statement,
    TransactionTrait,
};
use serde::Deserialize;

use crate::analytics::{days, scorecard};
use crate::auth::CurrentUser;
use crate::domain::access::{self, Need};
use crate::entities::{deal_registrations as deals, partners};
use crate::error::{ApiError, ApiResult};
use crate::http::extract::{ApiJson, ApiQuery};
use crate::http::respond::{self, path_slug};
use crate::state::AppState;
use crate::store;

const NOTES_MAX: usize = 2000;

async fn view(db: &impl ConnectionTrait, d: &deals::Model) -> ApiResult<DealRegistration> {
    let partner = partners::Entity::find_by_id(d.partner_id)
        .one(db)
        .await?
        .map(|p| p.slug)
        .unwrap_or_default();
    Ok(DealRegistration {
        id: d.id,
        partner,
        account_domain: d.account_domain.clone(),
        account_name: d.account_name.clone(),
        value: d.value,
        expected_close: d.expected_close,
        notes: d.notes.clone(),
        status: d.status,
        conflict_with: d.conflict_with,
        created_at: d.created_at,
    })
}

async fn views(
    db: &impl ConnectionTrait,
    rows: &[deals::Model],
) -> ApiResult<Vec<DealRegistration>> {
    let mut out = Vec::with_capacity(rows.len());
    for d in rows {
        out.push(view(db, d).await?);
    }
    Ok(out)
}

/// The partner of the path, if the caller may work its deals (members) or see them (admins).
async fn partner_for(
    state: &AppState,
    user: &CurrentUser,
    slug: &str,
    need: Need,
) -> ApiResult<partners::Model> {
    let slug = path_slug(slug, "partner")?;
    Ok(access::partner_for(&state.db.read, Some(user), &slug, need)
        .await?
        .0)
}

/// Registers an opportunity (the partner's members). While another partner has an active
/// registration for the same account, this one is recorded as a conflict for admins: the
/// first registration wins.
#[utoipa::path(post, path = "/api/v1/partners/{slug}/deal-registrations", tag = "deals", security(("bearer" = [])),
    params(("slug" = String, Path)), request_body = RegisterDeal,
    responses((status = 201, body = DealRegistration), (status = 403, body = mercato_shared::Problem),
        (status = 409, body = mercato_shared::Problem), (status = 422, body = mercato_shared::Problem)))]
pub async fn register(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
    ApiJson(body): ApiJson<RegisterDeal>,
) -> ApiResult<HttpResponse> {
    let partner = partner_for(&state, &user, &path, Need::MemberWork).await?;
    let now = state.settings.clock.now();
    let mut v = Validator::new();
    let domain = v.check(
        "account_domain",
        crate::domain::company::parse_domain(&body.account_domain),
    );
    let name = v.check("account_name", validate::line(&body.account_name, 1, 200));
    if body.value <= 0 {
        v.push("value", Invalid::new("out_of_range", "must be more than 0"));
    }
    if body.expected_close < now.date_naive() {
        v.push(
            "expected_close",
            Invalid::new("in_past", "must be today or later"),
        );
    }
    let notes = v.check_opt("notes", body.notes.clone(), |n| {
        validate::text(&n, 0, NOTES_MAX)
    });
    let (domain, name, notes) = v
        .finish(|| Some((domain?, name?, notes?)))
        .map_err(ApiError::Validation)?;

    let txn = state.db.write.begin().await?;
    let row = store::deals::register(
        &txn,
        store::deals::NewDeal {
            partner_id: partner.id,
            account_domain: domain,
            account_name: name,
            value: body.value,
            expected_close: body.expected_close,
            notes: notes.unwrap_or_default(),
            created_by: Some(user.id),
        },
        now,
    )
    .await?;
    txn.commit().await?;
    let body = view(&state.db.write, &row).await?;
    Ok(respond::created(
        &format!(
            "/api/v1/partners/{}/deal-registrations/{}",
            partner.slug, row.id
        ),
        &body,
    ))
}

/// A partner's registrations, newest first (its members, admins).
#[utoipa::path(get, path = "/api/v1/partners/{slug}/deal-registrations", tag = "deals", security(("bearer" = [])),
    params(("slug" = String, Path)),
    responses((status = 200, body = Vec<DealRegistration>), (status = 403, body = mercato_shared::Problem)))]
pub async fn list(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let partner = partner_for(&state, &user, &path, Need::PrivateData).await?;
    let rows = deals::Entity::find()
        .filter(deals::Column::PartnerId.eq(partner.id))
        .order_by_desc(deals::Column::Id)
        .all(&state.db.read)
        .await?;
    Ok(respond::ok(&views(&state.db.read, &rows).await?))
}

/// Closes an active registration as won, lost or withdrawn (the partner's members).
#[utoipa::path(post, path = "/api/v1/partners/{slug}/deal-registrations/{id}/close", tag = "deals", security(("bearer" = [])),
    params(("slug" = String, Path), ("id" = i64, Path)), request_body = CloseDeal,
    responses((status = 200, body = DealRegistration), (status = 403, body = mercato_shared::Problem),
        (status = 404, body = mercato_shared::Problem), (status = 409, body = mercato_shared::Problem), (status = 422, body = mercato_shared::Problem)))]
pub async fn close(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<(String, String)>,
    ApiJson(body): ApiJson<CloseDeal>,
) -> ApiResult<HttpResponse> {
    let (slug, id) = path.into_inner();
    let partner = partner_for(&state, &user, &slug, Need::MemberWork).await?;
    if !matches!(
        body.status,
        DealStatus::Won | DealStatus::Lost | DealStatus::Withdrawn
    ) {
        return Err(ApiError::field(
            "status",
            "invalid_value",
            "must be won, lost or withdrawn",
        ));
    }
    let id = respond::path_id(&id, "deal registration")?;
    let deal = deals::Entity::find_by_id(id)
        .one(&state.db.write)
        .await?
        .filter(|d| d.partner_id == partner.id)
        .ok_or(ApiError::NotFound("deal registration"))?;
    if deal.status != DealStatus::Active {
        return Err(ApiError::InvalidTransition {
            subject: "deal registration",
            action: "close",
            status: deal.status.to_string(),
        });
    }
    let deal = store::deals::close(
        &state.db.write,
        deal,
        body.status,
        state.settings.clock.now(),
    )
    .await?;
    Ok(respond::ok(&view(&state.db.write, &deal).await?))
}

/// Registrations in conflict, each with the one that was first (admins).
#[utoipa::path(get, path = "/api/v1/admin/deal-registrations/conflicts", tag = "deals", security(("bearer" = [])),
    responses((status = 200, body = Vec<DealRegistration>), (status = 403, body = mercato_shared::Problem)))]
pub async fn conflicts(state: web::Data<AppState>, user: CurrentUser) -> ApiResult<HttpResponse> {
    user.require_admin()?;
    let rows = deals::Entity::find()
        .filter(deals::Column::Status.eq(DealStatus::Conflict))
        .order_by_desc(deals::Column::Id)
        .all(&state.db.read)
        .await?;
    Ok(respond::ok(&views(&state.db.read, &rows).await?))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ScorecardQuery {
    /// `pipeline` (default), `win_rate`, `cycle`, `sla` or `mau`.
    #[param(inline)]
    pub sort: Option<scorecard::SortBy>,
}

/// Rows of (partner, key, number) from a grouped query.
async fn grouped(db: &impl ConnectionTrait, sql: &str) -> ApiResult<Vec<(i64, String, f64)>> {
    let rows = db
        .query_all(Statement::from_string(db.get_database_backend(), sql))
        .await?;
    rows.iter()
        .map(|r| {
            Ok((
                r.try_get_by_index::<i64>(0)?,
                r.try_get_by_index::<String>(1)?,
                r.try_get_by_index::<i64>(2)? as f64,
            ))
        })
        .collect::<Result<_, sea_orm::DbErr>>()
        .map_err(Into::into)
}

async fn scorecards(state: &AppState, only: Option<i64>) -> ApiResult<Vec<Scorecard>> {
    state.usage_folder.flush().await?;
    let db = &state.db.read;
    let since = days::of_time(state.settings.clock.now()) - 29;
    let mut facts: HashMap<i64, scorecard::Facts> = HashMap::new();
    for (partner, _, value) in grouped(
        db,
        "SELECT partner_id, 'pipeline', CAST(SUM(value) AS BIGINT) FROM deal_registrations \
         WHERE status IN ('active', 'won') GROUP BY partner_id",
    )
    .await?
    {
        facts.entry(partner).or_default().pipeline = value as i64;
    }
    for (partner, status, n) in grouped(
        db,
        "SELECT partner_id, status, CAST(COUNT(*) AS BIGINT) FROM leads \
         WHERE status IN ('won', 'lost') AND partner_id IS NOT NULL GROUP BY partner_id, status",
    )
    .await?
    {
        let f = facts.entry(partner).or_default();
        if status == LeadStatus::Won.as_str() {
            f.won = n as i64;
        } else {
            f.lost = n as i64;
        }
    }
    // Accepted and breached routes are kept per partner for routing.
    for stats in crate::entities::partner_lead_stats::Entity::find()
        .all(db)
        .await?
    {
        let f = facts.entry(stats.partner_id).or_default();
        f.accepted_in_time = stats.accepted;
        f.breached = stats.breached;
    }
    let mau_sql = format!(
        "SELECT l.partner_id, 'mau', CAST(COUNT(*) AS BIGINT) FROM usage_last_seen s \
         JOIN listings l ON l.id = s.listing_id WHERE s.last_day >= {since} GROUP BY l.partner_id"
    );
    for (partner, _, n) in grouped(db, &mau_sql).await? {
        facts.entry(partner).or_default().mau = n as i64;
    }
    let cycles: Vec<(
        i64,
        chrono::DateTime<chrono::Utc>,
        chrono::DateTime<chrono::Utc>,
    )> = crate::entities::leads::Entity::find()
        .select_only()
        .column(crate::entities::leads::Column::PartnerId)
        .column(crate::entities::leads::Column::AcceptedAt)
        .column(crate::entities::leads::Column::ClosedAt)
        .filter(crate::entities::leads::Column::Status.eq(LeadStatus::Won))
        .filter(crate::entities::leads::Column::AcceptedAt.is_not_null())
        .filter(crate::entities::leads::Column::ClosedAt.is_not_null())
        .into_tuple()
        .all(db)
        .await?;
    for (partner, accepted, closed) in cycles {
        facts
            .entry(partner)
            .or_default()
            .cycle_days
            .push((closed - accepted).num_seconds() as f64 / 86_400.0);
    }
    let mut find =
        partners::Entity::find().filter(partners::Column::Status.eq(PartnerStatus::Active));
    if let Some(id) = only {
        find = find.filter(partners::Column::Id.eq(id));
    }
    let mut out = Vec::new();
    for p in find.all(db).await? {
        let f = facts.remove(&p.id).unwrap_or_default();
        out.push(scorecard::card(p.slug, p.name, f));
    }
    Ok(out)
}

/// Every active partner's scorecard, ranked (admins, analysts).
#[utoipa::path(get, path = "/api/v1/analytics/partners", tag = "deals", security(("bearer" = [])),
    params(ScorecardQuery),
    responses((status = 200, body = Vec<Scorecard>), (status = 403, body = mercato_shared::Problem)))]
pub async fn ranking(
    state: web::Data<AppState>,
    user: CurrentUser,
    ApiQuery(q): ApiQuery<ScorecardQuery>,
) -> ApiResult<HttpResponse> {
    if !user.is_staff() {
        return Err(ApiError::Forbidden(
            "only marketplace admins and analysts rank partners",
        ));
    }
    let mut cards = scorecards(&state, None).await?;
    scorecard::rank(&mut cards, q.sort.unwrap_or_default());
    Ok(respond::ok(&cards))
}

/// One partner's scorecard (its members, admins, analysts).
#[utoipa::path(get, path = "/api/v1/partners/{slug}/scorecard", tag = "deals", security(("bearer" = [])),
    params(("slug" = String, Path)),
    responses((status = 200, body = Scorecard), (status = 403, body = mercato_shared::Problem)))]
pub async fn own(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let partner = partner_for(&state, &user, &path, Need::Performance).await?;
    let card = scorecards(&state, Some(partner.id))
        .await?
        .pop()
        .unwrap_or_else(|| {
            scorecard::card(
                partner.slug.clone(),
                partner.name.clone(),
                Default::default(),
            )
        });
    Ok(respond::ok(&card))
}
