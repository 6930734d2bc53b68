//! Integration requests: anyone asks for an integration or votes for one (once per person);
//! admins link a request to the listing that ships it, and its consenting voters become leads
//! for that listing's partner.

use actix_web::{web, HttpRequest, HttpResponse};
use chrono::Duration;
use mercato_shared::api::audit::AuditAction;
use mercato_shared::api::integration_requests::{
    CreateIntegrationRequest, IntegrationRequest, RequestStatus, ShipRequest, Shipped, Vote,
};
use mercato_shared::validate::{self, Email, Invalid, Validator};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, TransactionTrait,
};
use serde::Deserialize;

use crate::auth::{CurrentUser, MaybeUser};
use crate::entities::{
    integration_request_votes as votes, integration_requests as requests, listings,
};
use crate::error::{ApiError, ApiResult};
use crate::http::extract::{client_address_hash, ApiJson, ApiQuery};
use crate::http::respond;
use crate::state::AppState;
use crate::store::audit::{self, Subject};
use crate::store::integration_requests::Voter;
use crate::{pagination, store};

/// Votes (and requests) one address may cast per hour.
const VOTES_PER_ADDRESS_PER_HOUR: u64 = 30;

fn voter(
    v: &mut Validator,
    vote: &Vote,
    user: Option<&CurrentUser>,
    prefix: &str,
) -> Option<Voter> {
    let field = |name: &str| format!("{prefix}{name}");
    let email = match (&vote.email, user) {
        (Some(e), _) => v
            .check(field("email"), Email::parse(e))
            .map(|e| e.as_str().to_string()),
        (None, Some(u)) => Some(u.email.clone()),
        (None, None) => {
            v.push(
                field("email"),
                Invalid::new("required", "an email, or sign in"),
            );
            None
        }
    };
    let optional_line = |v: &mut Validator, name: &str, value: &Option<String>| {
        v.check_opt(
            field(name),
            value.clone().filter(|s| !s.trim().is_empty()),
            |s| validate::line(&s, 1, 200),
        )
    };
    let contact_name = optional_line(v, "contact_name", &vote.contact_name);
    let company_name = optional_line(v, "company_name", &vote.company_name);
    let company_domain = v.check_opt(
        field("company_domain"),
        vote.company_domain.clone().filter(|s| !s.trim().is_empty()),
        |d| crate::domain::company::parse_domain(&d),
    );
    if vote.consent {
        // A lead needs someone to contact at a company.
        for (name, given) in [
            ("contact_name", &contact_name),
            ("company_name", &company_name),
        ] {
            if matches!(given, Some(None)) {
                v.push(
                    field(name),
                    Invalid::new("required", "needed to be introduced"),
                );
            }
        }
        if matches!(company_domain, Some(None)) {
            v.push(
                field("company_domain"),
                Invalid::new("required", "needed to be introduced"),
            );
        }
    }
    let email = email?;
    Some(Voter {
        key: match user {
            Some(u) if vote.email.is_none() => format!("user:{}", u.id),
            _ => format!("email:{email}"),
        },
        user_id: user.map(|u| u.id),
        email,
        contact_name: contact_name.flatten(),
        company_name: company_name.flatten(),
        company_domain: company_domain.flatten(),
        consent: vote.consent,
    })
}

/// Request `id`, which must still be open for `action`.
async fn open_request(
    db: &impl ConnectionTrait,
    id: i64,
    action: &'static str,
) -> ApiResult<requests::Model> {
    let request = requests::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(ApiError::NotFound("integration request"))?;
    if request.status != RequestStatus::Open {
        return Err(ApiError::InvalidTransition {
            subject: "integration request",
            action,
            status: request.status.to_string(),
        });
    }
    Ok(request)
}

async fn view(db: &impl ConnectionTrait, r: &requests::Model) -> ApiResult<IntegrationRequest> {
    let listing = match r.listing_id {
        Some(id) => listings::Entity::find_by_id(id)
            .one(db)
            .await?
            .map(|l| l.slug),
        None => None,
    };
    Ok(IntegrationRequest {
        id: r.id,
        tool: r.tool.clone(),
        use_case: r.use_case.clone(),
        votes: r.votes,
        status: r.status,
        listing,
        created_at: r.created_at,
        shipped_at: r.shipped_at,
    })
}

async fn check_rate(state: &AppState, ip_hash: &str) -> ApiResult<()> {
    let recent = votes::Entity::find()
        .filter(votes::Column::IpHash.eq(ip_hash))
        .filter(votes::Column::CreatedAt.gt(state.settings.clock.now() - Duration::hours(1)))
        .count(&state.db.read)
        .await?;
    if recent >= VOTES_PER_ADDRESS_PER_HOUR {
        return Err(ApiError::rate_limited("votes", "address"));
    }
    Ok(())
}

/// Asks for an integration (anyone). An open request for the same tool gets the vote instead.
#[utoipa::path(post, path = "/api/v1/integration-requests", tag = "integration requests", security((), ("bearer" = [])),
    request_body = CreateIntegrationRequest,
    responses((status = 201, body = IntegrationRequest), (status = 200, description = "voted for the open request for that tool", body = IntegrationRequest),
        (status = 409, body = mercato_shared::Problem), (status = 422, body = mercato_shared::Problem), (status = 429, body = mercato_shared::Problem)))]
pub async fn create(
    req: HttpRequest,
    state: web::Data<AppState>,
    MaybeUser(user): MaybeUser,
    ApiJson(body): ApiJson<CreateIntegrationRequest>,
) -> ApiResult<HttpResponse> {
    let (body, created) = ask(&state, &req, user.as_ref(), body).await?;
    Ok(if created {
        respond::created(&format!("/api/v1/integration-requests/{}", body.id), &body)
    } else {
        respond::ok(&body)
    })
}

/// Asks for an integration (for the API and the requests page): a new open request, or a vote
/// for the open request for the same tool (`false`).
pub(crate) async fn ask(
    state: &AppState,
    req: &HttpRequest,
    user: Option<&CurrentUser>,
    body: CreateIntegrationRequest,
) -> ApiResult<(IntegrationRequest, bool)> {
    let mut v = Validator::new();
    let tool = v.check("tool", validate::line(&body.tool, 1, 100));
    let use_case = v.check("use_case", validate::text(&body.use_case, 1, 2000));
    let voter = voter(&mut v, &body.vote, user, "vote.");
    let (tool, use_case, voter) = v
        .finish(|| Some((tool?, use_case?, voter?)))
        .map_err(ApiError::Validation)?;
    let ip_hash = client_address_hash(req);
    check_rate(state, &ip_hash).await?;
    let now = state.settings.clock.now();
    let txn = state.db.write.begin().await?;
    let existing = requests::Entity::find()
        .filter(requests::Column::ToolKey.eq(store::integration_requests::tool_key(&tool)))
        .filter(requests::Column::Status.eq(RequestStatus::Open))
        .one(&txn)
        .await?;
    let (request, created) = match existing {
        Some(r) => (r, false),
        None => (
            store::integration_requests::open(&txn, tool, use_case, user.map(|u| u.id), now)
                .await?,
            true,
        ),
    };
    let request = store::integration_requests::cast(&txn, &request, voter, ip_hash, now).await?;
    txn.commit().await?;
    Ok((view(&state.db.write, &request).await?, created))
}

/// Votes for an open request (anyone; once per account or email).
#[utoipa::path(post, path = "/api/v1/integration-requests/{id}/votes", tag = "integration requests", security((), ("bearer" = [])),
    params(("id" = i64, Path)), request_body = Vote,
    responses((status = 200, body = IntegrationRequest), (status = 404, body = mercato_shared::Problem),
        (status = 409, body = mercato_shared::Problem), (status = 422, body = mercato_shared::Problem),
        (status = 429, description = "rate_limited: too many votes from this address in the last hour", body = mercato_shared::Problem)))]
pub async fn vote(
    req: HttpRequest,
    state: web::Data<AppState>,
    MaybeUser(user): MaybeUser,
    path: web::Path<String>,
    ApiJson(body): ApiJson<Vote>,
) -> ApiResult<HttpResponse> {
    let id = respond::path_id(&path, "integration request")?;
    Ok(respond::ok(
        &vote_for(&state, &req, user.as_ref(), id, body).await?,
    ))
}

/// Votes for open request `id` (for the API and the requests page).
pub(crate) async fn vote_for(
    state: &AppState,
    req: &HttpRequest,
    user: Option<&CurrentUser>,
    id: i64,
    body: Vote,
) -> ApiResult<IntegrationRequest> {
    let mut v = Validator::new();
    let voter = voter(&mut v, &body, user, "");
    let voter = v.finish(|| voter).map_err(ApiError::Validation)?;
    let ip_hash = client_address_hash(req);
    check_rate(state, &ip_hash).await?;
    let txn = state.db.write.begin().await?;
    let request = open_request(&txn, id, "vote for").await?;
    let request = store::integration_requests::cast(
        &txn,
        &request,
        voter,
        ip_hash,
        state.settings.clock.now(),
    )
    .await?;
    txn.commit().await?;
    view(&state.db.write, &request).await
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// `open` (default) or `shipped`.
    pub status: Option<RequestStatus>,
    /// 1 to 100 (default 20).
    pub limit: Option<u32>,
    /// From the previous page's `next_cursor`.
    pub cursor: Option<String>,
}

/// Integration requests, most votes first (anyone).
#[utoipa::path(get, path = "/api/v1/integration-requests", tag = "integration requests",
    params(ListQuery),
    responses((status = 200, body = mercato_shared::api::Page<IntegrationRequest>), (status = 400, body = mercato_shared::Problem)))]
pub async fn list(
    state: web::Data<AppState>,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> ApiResult<HttpResponse> {
    let limit = pagination::limit(q.limit)? as u32;
    // Votes change under a reader, so the cursor is a position, not a key.
    let offset: u64 = match &q.cursor {
        None => 0,
        Some(c) => c.parse().map_err(|_| {
            pagination::invalid("cursor", "invalid_value", "not a cursor this list gave")
        })?,
    };
    let status = q.status.unwrap_or(RequestStatus::Open);
    let (items, more) = ranked(&state, status, offset, limit).await?;
    Ok(respond::ok(&mercato_shared::api::Page {
        items,
        next_cursor: more.then(|| (offset + u64::from(limit)).to_string()),
    }))
}

/// Requests of `status`, most votes first, from `offset`; and whether more follow.
pub(crate) async fn ranked(
    state: &AppState,
    status: RequestStatus,
    offset: u64,
    limit: u32,
) -> ApiResult<(Vec<IntegrationRequest>, bool)> {
    let rows = requests::Entity::find()
        .filter(requests::Column::Status.eq(status.as_str()))
        .order_by_desc(requests::Column::Votes)
        .order_by_asc(requests::Column::Id)
        .offset(offset)
        .limit(u64::from(limit) + 1)
        .all(&state.db.read)
        .await?;
    let more = rows.len() > limit as usize;
    let mut items = Vec::with_capacity(limit as usize);
    for r in rows.iter().take(limit as usize) {
        items.push(view(&state.db.read, r).await?);
    }
    Ok((items, more))
}

/// Links a request to the listing that now does it (admins): the request is shipped, and each
/// voter who agreed becomes an introduction lead for the listing's partner.
#[utoipa::path(post, path = "/api/v1/admin/integration-requests/{id}/ship", tag = "integration requests",
    security(("bearer" = [])), params(("id" = i64, Path)), request_body = ShipRequest,
    responses((status = 200, body = Shipped), (status = 403, body = mercato_shared::Problem),
        (status = 404, body = mercato_shared::Problem), (status = 409, body = mercato_shared::Problem), (status = 422, body = mercato_shared::Problem)))]
pub async fn ship(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
    ApiJson(body): ApiJson<ShipRequest>,
) -> ApiResult<HttpResponse> {
    user.require_admin()?;
    let id = respond::path_id(&path, "integration request")?;
    let listing = store::listings::public_by_slug(&state.db.read, &body.listing)
        .await?
        .ok_or_else(|| {
            ApiError::field(
                "listing",
                "unknown_listing",
                "no published listing has this slug",
            )
        })?;
    let category = store::listings::category_slugs(&state.db.read, listing.id)
        .await?
        .into_iter()
        .next();
    let now = state.settings.clock.now();
    let txn = state.db.write.begin().await?;
    let request = open_request(&txn, id, "ship").await?;
    let (request, leads_created) =
        store::integration_requests::ship(&txn, request, &listing, category, now).await?;
    audit::record(
        &txn,
        state.settings.clock.now(),
        (&user).into(),
        AuditAction::IntegrationRequestShipped,
        Subject::IntegrationRequest(request.id),
        serde_json::json!({
            "tool": request.tool,
            "listing": listing.slug,
            "leads_created": leads_created,
        }),
    )
    .await?;
    txn.commit().await?;
    Ok(respond::ok(&Shipped {
        request: view(&state.db.write, &request).await?,
        leads_created,
    }))
}
