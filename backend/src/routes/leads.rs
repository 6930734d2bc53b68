//! Leads: captured on the marketplace (anonymous or signed in), routed to one partner by the
//! admins' rules; partners see theirs, admins see every decision and edit the rules.

use std::collections::HashMap;

use actix_web::{web, HttpRequest, HttpResponse};
use chrono::Duration;
use mercato_shared::api::audit::AuditAction;
use mercato_shared::api::leads::{
    CreateLead, DeclineLead, Lead, LeadDetail, LeadEvent, LeadKind, LeadReceipt, LeadRoute,
    LeadStatus, MoveLead, RouteOutcome, RoutingRules,
};
use mercato_shared::validate::{self, Email, Invalid, Validator};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, PaginatorTrait, QueryFilter,
    QueryOrder, Set, TransactionTrait,
};
use serde::Deserialize;

use crate::auth::{CurrentUser, MaybeUser};
use crate::domain::access::{self, Need, PartnerAccess};
use crate::entities::{categories, lead_events, lead_routes, leads, listings, partners};
use crate::error::{ApiError, ApiResult};
use crate::http::extract::{client_address_hash, ApiJson, ApiQuery};
use crate::http::respond::{self, path_slug};
use crate::leads::{pipeline, route, rules, slugs_of, view};
use crate::state::AppState;
use crate::store;
use crate::store::audit::{self, Subject};

/// Leads one email may submit per hour (per address: `Settings::leads_per_address_per_hour`).
const PER_EMAIL_PER_HOUR: u64 = 5;
const MESSAGE_MAX: usize = 5000;
/// A merged lead's message stops growing here.
const MERGED_MESSAGE_MAX: usize = 20_000;

/// Submits a lead (anyone). It is routed at once; a second submission by the same email for
/// the same listing within a day joins the first.
#[utoipa::path(post, path = "/api/v1/leads", tag = "leads", security((), ("bearer" = [])), request_body = CreateLead,
    responses((status = 202, body = LeadReceipt), (status = 422, body = mercato_shared::Problem),
        (status = 429, body = mercato_shared::Problem)))]
pub async fn create(
    req: HttpRequest,
    state: web::Data<AppState>,
    MaybeUser(user): MaybeUser,
    ApiJson(body): ApiJson<CreateLead>,
) -> ApiResult<HttpResponse> {
    let receipt = capture(&state, &req, user.as_ref(), body).await?;
    Ok(HttpResponse::Accepted().json(receipt))
}

/// Validates, rate-limits, merges or stores and routes a lead (for the API and the listing
/// page's form alike).
pub(crate) async fn capture(
    state: &AppState,
    req: &HttpRequest,
    user: Option<&CurrentUser>,
    body: CreateLead,
) -> ApiResult<LeadReceipt> {
    // Bots fill every field; people never see this one. They get an answer that looks the same.
    if body.website.as_ref().is_some_and(|w| !w.trim().is_empty()) {
        return Ok(LeadReceipt {
            id: 0,
            status: LeadStatus::Routed,
            partner_name: None,
            merged: false,
        });
    }
    let db = &state.db.read;
    let mut v = Validator::new();
    let contact_name = v.check("contact_name", validate::line(&body.contact_name, 1, 200));
    let email = v.check("email", Email::parse(&body.email));
    let company_name = v.check("company_name", validate::line(&body.company_name, 1, 200));
    let company_domain = v.check(
        "company_domain",
        super::workspaces::parse_domain(&body.company_domain),
    );
    let message = v.check("message", validate::text(&body.message, 1, MESSAGE_MAX));
    if !body.consent {
        v.push(
            "consent",
            Invalid::new(
                "required",
                "the contact must agree to be contacted by the partner",
            ),
        );
    }
    let mut listing = None;
    if let Some(slug) = &body.listing {
        match store::listings::public_by_slug(db, slug).await? {
            Some(l) => listing = Some(l),
            None => v.push(
                "listing",
                Invalid::new("unknown_listing", "no published listing has this slug"),
            ),
        }
    } else if body.kind == LeadKind::Intro {
        v.push(
            "listing",
            Invalid::new("required", "an introduction is to a listing's partner"),
        );
    }
    let mut category = None;
    if let Some(c) = &body.category {
        let known = categories::Entity::find()
            .filter(categories::Column::Slug.eq(c.as_str()))
            .one(db)
            .await?;
        match known {
            Some(c) => category = Some(c.slug),
            None => v.push(
                "category",
                Invalid::new("unknown_category", "no category has this slug"),
            ),
        }
    }
    let (contact_name, email, company_name, company_domain, message) = v
        .finish(|| {
            Some((
                contact_name?,
                email?,
                company_name?,
                company_domain?,
                message?,
            ))
        })
        .map_err(ApiError::Validation)?;
    if category.is_none() {
        if let Some(l) = &listing {
            category = store::listings::category_slugs(db, l.id)
                .await?
                .into_iter()
                .next();
        }
    }

    let now = state.settings.clock.now();
    let hour_ago = now - Duration::hours(1);
    let ip_hash = client_address_hash(req);
    let from_address = leads::Entity::find()
        .filter(leads::Column::IpHash.eq(ip_hash.as_str()))
        .filter(leads::Column::CreatedAt.gt(hour_ago))
        .count(db)
        .await?;
    if from_address >= state.settings.leads_per_address_per_hour {
        return Err(ApiError::rate_limited("leads", "address"));
    }
    let from_email = leads::Entity::find()
        .filter(leads::Column::Email.eq(email.as_str()))
        .filter(leads::Column::CreatedAt.gt(hour_ago))
        .count(db)
        .await?;
    if from_email >= PER_EMAIL_PER_HOUR {
        return Err(ApiError::rate_limited("leads", "email"));
    }

    let txn = state.db.write.begin().await?;
    let mut same = leads::Entity::find()
        .filter(leads::Column::Email.eq(email.as_str()))
        .filter(leads::Column::Kind.eq(body.kind.as_str()))
        .filter(leads::Column::CreatedAt.gt(now - Duration::days(1)));
    same = match &listing {
        Some(l) => same.filter(leads::Column::ListingId.eq(l.id)),
        None => same.filter(leads::Column::ListingId.is_null()),
    };
    if let Some(earlier) = same
        .order_by_desc(leads::Column::CreatedAt)
        .one(&txn)
        .await?
    {
        let mut merged = earlier.clone().into_active_model();
        if earlier.message.len() + message.len() < MERGED_MESSAGE_MAX {
            merged.message = Set(format!("{}\n\n---\n\n{}", earlier.message, message));
        }
        merged.merged_count = Set(earlier.merged_count + 1);
        merged.updated_at = Set(now);
        let merged = merged.update(&txn).await?;
        txn.commit().await?;
        let partner_name = match merged.partner_id {
            Some(id) => partners::Entity::find_by_id(id)
                .one(&state.db.write)
                .await?
                .map(|p| p.name),
            None => None,
        };
        return Ok(LeadReceipt {
            id: merged.id,
            status: merged.status,
            partner_name,
            merged: true,
        });
    }

    let (lead, partner) = crate::leads::submit(
        &txn,
        crate::leads::NewLead {
            kind: body.kind,
            listing_id: listing.as_ref().map(|l| l.id),
            category,
            region: body.region,
            contact_name,
            email: email.as_str().to_string(),
            company_name,
            company_domain,
            message,
            submitted_by: user.map(|u| u.id),
            ip_hash,
        },
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(LeadReceipt {
        id: lead.id,
        status: lead.status,
        partner_name: partner.map(|p| p.name),
        merged: false,
    })
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct PartnerLeadsQuery {
    pub status: Option<LeadStatus>,
}

/// The leads routed to a partner (its members, admins), newest first.
#[utoipa::path(get, path = "/api/v1/partners/{slug}/leads", tag = "leads", security(("bearer" = [])),
    params(("slug" = String, Path), PartnerLeadsQuery),
    responses((status = 200, body = Vec<Lead>), (status = 403, body = mercato_shared::Problem)))]
pub async fn for_partner(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
    ApiQuery(q): ApiQuery<PartnerLeadsQuery>,
) -> ApiResult<HttpResponse> {
    let slug = path_slug(&path, "partner")?;
    let (partner, _) =
        access::partner_for(&state.db.read, Some(&user), &slug, Need::PrivateData).await?;
    let mut find = leads::Entity::find().filter(leads::Column::PartnerId.eq(partner.id));
    if let Some(status) = q.status {
        find = find.filter(leads::Column::Status.eq(status.as_str()));
    }
    let rows = find
        .order_by_desc(leads::Column::CreatedAt)
        .all(&state.db.read)
        .await?;
    // The listings of all of them, in one query.
    let listing_slugs: HashMap<i64, String> = listings::Entity::find()
        .filter(listings::Column::Id.is_in(rows.iter().filter_map(|l| l.listing_id)))
        .all(&state.db.read)
        .await?
        .into_iter()
        .map(|l| (l.id, l.slug))
        .collect();
    let out: Vec<Lead> = rows
        .iter()
        .map(|l| {
            let listing = l.listing_id.and_then(|id| listing_slugs.get(&id));
            view(l, listing.map(String::as_str), Some(&partner.slug))
        })
        .collect();
    Ok(respond::ok(&out))
}

/// A lead with every routing decision and its reasons (admins).
#[utoipa::path(get, path = "/api/v1/admin/leads/{id}", tag = "leads", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 200, body = LeadDetail), (status = 403, body = mercato_shared::Problem), (status = 404, body = mercato_shared::Problem)))]
pub async fn detail(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    user.require_admin()?;
    let id = respond::path_id(&path, "lead")?;
    let db = &state.db.read;
    let lead = leads::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(ApiError::NotFound("lead"))?;
    let (listing, partner) = slugs_of(db, &lead).await?;
    let route_rows = lead_routes::Entity::find()
        .filter(lead_routes::Column::LeadId.eq(lead.id))
        .order_by_asc(lead_routes::Column::Id)
        .all(db)
        .await?;
    let event_rows = lead_events::Entity::find()
        .filter(lead_events::Column::LeadId.eq(lead.id))
        .order_by_asc(lead_events::Column::Id)
        .all(db)
        .await?;
    // Every partner the lead passed through, in one query.
    let ids: Vec<i64> = route_rows
        .iter()
        .map(|r| r.partner_id)
        .chain(event_rows.iter().filter_map(|e| e.partner_id))
        .collect();
    let slugs: HashMap<i64, String> = partners::Entity::find()
        .filter(partners::Column::Id.is_in(ids))
        .all(db)
        .await?
        .into_iter()
        .map(|p| (p.id, p.slug))
        .collect();
    let routes = route_rows
        .into_iter()
        .map(|r| LeadRoute {
            partner: slugs.get(&r.partner_id).cloned().unwrap_or_default(),
            reason: serde_json::from_str(&r.reason).unwrap_or_default(),
            outcome: r.outcome,
            routed_at: r.routed_at,
            closed_at: r.closed_at,
        })
        .collect();
    let events = event_rows
        .into_iter()
        .map(|e| LeadEvent {
            from: LeadStatus::parse(&e.from_status),
            to: e.to_status,
            partner: e.partner_id.and_then(|id| slugs.get(&id).cloned()),
            actor_id: e.actor_id,
            note: e.note,
            at: e.at,
        })
        .collect();
    let body = LeadDetail {
        events,
        lead: view(&lead, listing.as_deref(), partner.as_deref()),
        // Also when nobody qualified: the candidates that were looked at.
        decision: serde_json::from_str(&lead.decision).unwrap_or_default(),
        routes,
    };
    Ok(respond::ok(&body))
}

/// The routing rules (admins).
#[utoipa::path(get, path = "/api/v1/admin/routing-rules", tag = "leads", security(("bearer" = [])),
    responses((status = 200, body = RoutingRules), (status = 403, body = mercato_shared::Problem)))]
pub async fn get_rules(state: web::Data<AppState>, user: CurrentUser) -> ApiResult<HttpResponse> {
    user.require_admin()?;
    Ok(respond::ok(&rules::load(&state.db.read).await?))
}

/// Replaces the routing rules (admins). Every partner and category named must exist.
#[utoipa::path(put, path = "/api/v1/admin/routing-rules", tag = "leads", security(("bearer" = [])),
    request_body = RoutingRules,
    responses((status = 200, body = RoutingRules), (status = 403, body = mercato_shared::Problem), (status = 422, body = mercato_shared::Problem)))]
pub async fn put_rules(
    state: web::Data<AppState>,
    user: CurrentUser,
    ApiJson(body): ApiJson<RoutingRules>,
) -> ApiResult<HttpResponse> {
    user.require_admin()?;
    let txn = state.db.write.begin().await?;
    let before = rules::load(&txn).await?;
    rules::save(&txn, &body, user.id, state.settings.clock.now()).await?;
    audit::record(
        &txn,
        state.settings.clock.now(),
        (&user).into(),
        AuditAction::RoutingRulesChanged,
        Subject::RoutingRules,
        serde_json::json!({ "from": before, "to": body }),
    )
    .await?;
    txn.commit().await?;
    Ok(respond::ok(&body))
}

/// The lead `id` as held by the calling partner member (404 for anyone else: leads of other
/// partners do not exist for them).
async fn held_lead(state: &AppState, user: &CurrentUser, id: &str) -> ApiResult<leads::Model> {
    let id = respond::path_id(id, "lead")?;
    let lead = leads::Entity::find_by_id(id)
        .one(&state.db.write)
        .await?
        .ok_or(ApiError::NotFound("lead"))?;
    let Some(partner_id) = lead.partner_id else {
        return Err(ApiError::NotFound("lead"));
    };
    if !PartnerAccess::of(&state.db.read, Some(user), partner_id)
        .await?
        .is_member()
    {
        return Err(ApiError::NotFound("lead"));
    }
    Ok(lead)
}

fn invalid_transition(action: &'static str, lead: &leads::Model) -> ApiError {
    ApiError::InvalidTransition {
        subject: "lead",
        action,
        status: lead.status.to_string(),
    }
}

async fn answer(state: &AppState, lead: &leads::Model) -> ApiResult<HttpResponse> {
    let (listing, partner) = slugs_of(&state.db.write, lead).await?;
    Ok(respond::ok(&view(
        lead,
        listing.as_deref(),
        partner.as_deref(),
    )))
}

/// Accepts a lead routed to the caller's partner (its members), within or after the SLA as
/// long as it has not been re-routed yet.
#[utoipa::path(post, path = "/api/v1/leads/{id}/accept", tag = "leads", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 200, body = Lead), (status = 404, body = mercato_shared::Problem), (status = 409, body = mercato_shared::Problem)))]
pub async fn accept(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let lead = held_lead(&state, &user, &path).await?;
    if lead.status != LeadStatus::Routed {
        return Err(invalid_transition("accept", &lead));
    }
    let now = state.settings.clock.now();
    let txn = state.db.write.begin().await?;
    let lead = pipeline::accept(&txn, lead, Some(user.id), now).await?;
    txn.commit().await?;
    answer(&state, &lead).await
}

/// Declines a lead routed to the caller's partner: it goes to the next eligible partner at once.
#[utoipa::path(post, path = "/api/v1/leads/{id}/decline", tag = "leads", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = DeclineLead,
    responses((status = 204), (status = 404, body = mercato_shared::Problem), (status = 409, body = mercato_shared::Problem), (status = 422, body = mercato_shared::Problem)))]
pub async fn decline(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
    ApiJson(body): ApiJson<DeclineLead>,
) -> ApiResult<HttpResponse> {
    let mut v = Validator::new();
    let reason = v.check("reason", validate::text(&body.reason, 1, 1000));
    let reason = v.finish(|| reason).map_err(ApiError::Validation)?;
    let lead = held_lead(&state, &user, &path).await?;
    if lead.status != LeadStatus::Routed {
        return Err(invalid_transition("decline", &lead));
    }
    let now = state.settings.clock.now();
    let txn = state.db.write.begin().await?;
    let routing = rules::load(&txn).await?;
    let note = format!("declined: {reason}");
    let why = route::Move {
        first: false,
        actor: Some(user.id),
        note: &note,
        at: now,
    };
    route::reroute(&txn, lead, RouteOutcome::Declined, &routing, why).await?;
    txn.commit().await?;
    // The lead is no longer the caller's to see.
    Ok(HttpResponse::NoContent().finish())
}

/// Moves an accepted lead along the pipeline (the holding partner's members).
#[utoipa::path(post, path = "/api/v1/leads/{id}/status", tag = "leads", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = MoveLead,
    responses((status = 200, body = Lead), (status = 404, body = mercato_shared::Problem), (status = 409, body = mercato_shared::Problem), (status = 422, body = mercato_shared::Problem)))]
pub async fn move_status(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
    ApiJson(body): ApiJson<MoveLead>,
) -> ApiResult<HttpResponse> {
    let lead = held_lead(&state, &user, &path).await?;
    let current = lead.status;
    let allowed = pipeline::can_move(current, body.status);
    if !allowed {
        return Err(invalid_transition(
            match body.status {
                LeadStatus::Won => "win",
                LeadStatus::Lost => "lose",
                LeadStatus::Qualified => "qualify",
                _ => "move",
            },
            &lead,
        ));
    }
    let mut v = Validator::new();
    let mut outcome = Some(pipeline::Outcome::Qualified);
    match body.status {
        LeadStatus::Won => match body.deal_value {
            Some(value) if value > 0 => {
                outcome = Some(pipeline::Outcome::Won { deal_value: value })
            }
            Some(_) => v.push(
                "deal_value",
                Invalid::new("out_of_range", "must be more than 0"),
            ),
            None => v.push(
                "deal_value",
                Invalid::new("required", "a won deal has a value"),
            ),
        },
        LeadStatus::Lost => match &body.reason {
            Some(r) => {
                outcome = v
                    .check("reason", validate::text(r, 1, 1000))
                    .map(|reason| pipeline::Outcome::Lost { reason })
            }
            None => v.push("reason", Invalid::new("required", "say why it was lost")),
        },
        _ => {}
    }
    let outcome = v.finish(|| outcome).map_err(ApiError::Validation)?;
    let now = state.settings.clock.now();
    let txn = state.db.write.begin().await?;
    let lead = pipeline::advance(&txn, lead, outcome, Some(user.id), now).await?;
    txn.commit().await?;
    answer(&state, &lead).await
}
