//! Partners: applications, public profiles, profile edits, and admin decisions (approval,
//! suspension, tier, certifications).

use actix_web::{web, HttpRequest, HttpResponse};
use mercato_shared::api::audit::AuditAction;
use mercato_shared::api::listings::ListingSummary;
use mercato_shared::api::partners::{
    Partner, PartnerApplication, PartnerRole, PartnerStatus, PartnerSummary, PartnerUpdate,
    SetCertificationsRequest, SetTierRequest, StatusChange, StatusNote, Tier,
};
use mercato_shared::api::Page;
use mercato_shared::{validate, ErrorCode};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, EntityTrait, IntoActiveModel, QueryFilter,
    QueryOrder, QuerySelect, Set, TransactionTrait,
};
use serde::Deserialize;

use crate::auth::{CurrentUser, MaybeUser};
use crate::domain::access::{self, Need, PartnerAccess};
use crate::domain::partner as rules;
use crate::entities::json::{Certifications, Motions, Regions};
use crate::entities::{partner_members, partners};
use crate::error::{ApiError, ApiResult};
use crate::http::extract::{ApiJson, ApiQuery, OptionalJson};
use crate::http::respond::{self, path_slug};
use crate::state::AppState;
use crate::store::audit::{self, Subject};
use crate::store::outbox::PublicChange;
use crate::store::{self, status_log};
use crate::{pagination, verification, views};

fn slug_taken() -> ApiError {
    ApiError::Conflict {
        code: ErrorCode::SlugTaken,
        detail: "another partner uses this slug".into(),
        field: Some("slug"),
    }
}

/// Applies to become a partner. The applicant becomes the partner's first admin; the partner
/// is `applied` until a marketplace admin approves it.
#[utoipa::path(post, path = "/api/v1/partners", tag = "partners", security(("bearer" = [])),
    request_body = PartnerApplication,
    responses(
        (status = 201, body = Partner),
        (status = 409, description = "slug_taken", body = mercato_shared::Problem),
        (status = 422, body = mercato_shared::Problem),
    ))]
pub async fn apply(
    state: web::Data<AppState>,
    user: CurrentUser,
    ApiJson(req): ApiJson<PartnerApplication>,
) -> ApiResult<HttpResponse> {
    let app = rules::parse_application(req).map_err(ApiError::Validation)?;
    let now = state.settings.clock.now();
    let txn = state.db.write.begin().await?;
    if partners::Entity::find()
        .filter(partners::Column::Slug.eq(app.slug.as_str()))
        .one(&txn)
        .await?
        .is_some()
    {
        return Err(slug_taken());
    }
    let partner = partners::ActiveModel {
        slug: Set(app.slug.into_inner()),
        name: Set(app.name),
        website: Set(Some(app.website.into_inner())),
        logo_url: Set(app.logo_url.map(|u| u.into_inner())),
        description: Set(app.description),
        motions: Set(Motions(app.motions)),
        regions: Set(Regions(app.regions)),
        tier: Set(Tier::Registered),
        certifications: Set(Certifications::default()),
        status: Set(PartnerStatus::Applied),
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
    partner_members::ActiveModel {
        partner_id: Set(partner.id),
        user_id: Set(user.id),
        role: Set(PartnerRole::Admin),
        created_at: Set(now),
    }
    .insert(&txn)
    .await?;
    status_log::record(
        &txn,
        state.settings.clock.now(),
        status_log::Change {
            subject: status_log::Subject::Partner {
                partner_id: partner.id,
            },
            from: None,
            to: PartnerStatus::Applied.as_str(),
            actor_id: Some(user.id),
            note: None,
        },
    )
    .await?;
    txn.commit().await?;
    tracing::info!(partner = %partner.slug, user_id = user.id, "partner applied");
    Ok(respond::created(
        &format!("/api/v1/partners/{}", partner.slug),
        &views::partner(&partner, 0, state.settings.clock.today()),
    ))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct PartnerListQuery {
    /// Admins only: list partners in another status (e.g. `applied` for the approval queue).
    pub status: Option<PartnerStatus>,
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

/// Active partners by name (admins can list other statuses).
#[utoipa::path(get, path = "/api/v1/partners", tag = "partners", security((), ("bearer" = [])), params(PartnerListQuery),
    responses((status = 200, body = Page<PartnerSummary>)))]
pub async fn list(
    state: web::Data<AppState>,
    MaybeUser(user): MaybeUser,
    ApiQuery(q): ApiQuery<PartnerListQuery>,
) -> ApiResult<HttpResponse> {
    let status = q.status.unwrap_or(PartnerStatus::Active);
    if status != PartnerStatus::Active && !user.as_ref().is_some_and(|u| u.is_admin()) {
        return Err(ApiError::Forbidden(
            "only marketplace admins may list partners that are not active",
        ));
    }
    let limit = pagination::limit(q.limit)?;
    let mut query = partners::Entity::find().filter(partners::Column::Status.eq(status.as_str()));
    if let Some(cursor) = &q.cursor {
        let (name, id): (String, i64) = pagination::decode(cursor)?;
        query = query.filter(
            Condition::any()
                .add(partners::Column::Name.gt(name.clone()))
                .add(
                    Condition::all()
                        .add(partners::Column::Name.eq(name))
                        .add(partners::Column::Id.gt(id)),
                ),
        );
    }
    let mut rows = query
        .order_by_asc(partners::Column::Name)
        .order_by_asc(partners::Column::Id)
        .limit(limit + 1)
        .all(&state.db.read)
        .await?;
    let next_cursor = (rows.len() as u64 > limit).then(|| {
        rows.truncate(limit as usize);
        let last = rows.last().expect("a full page has a last row");
        pagination::encode(&(last.name.clone(), last.id))
    });
    Ok(respond::ok(&Page {
        items: rows
            .iter()
            .map(|p| views::partner_summary(p, state.settings.clock.today()))
            .collect(),
        next_cursor,
    }))
}

/// Loads a partner the caller may see (`domain::access`'s policy): active ones for everyone,
/// others only for their members and marketplace staff.
async fn visible_partner(
    state: &AppState,
    user: Option<&CurrentUser>,
    raw_slug: &str,
) -> ApiResult<(partners::Model, PartnerAccess)> {
    let slug = path_slug(raw_slug, "partner")?;
    access::partner_for(&state.db.read, user, &slug, Need::Profile).await
}

/// A partner's public profile.
#[utoipa::path(get, path = "/api/v1/partners/{slug}", tag = "partners", security((), ("bearer" = [])),
    params(("slug" = String, Path)),
    responses((status = 200, body = Partner), (status = 404, body = mercato_shared::Problem)))]
pub async fn get(
    req: HttpRequest,
    state: web::Data<AppState>,
    MaybeUser(user): MaybeUser,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let (partner, _) = visible_partner(&state, user.as_ref(), &path).await?;
    let count = store::partners::published_listing_count(&state.db.read, partner.id).await?;
    Ok(respond::cacheable(
        &req,
        &views::partner(&partner, count, state.settings.clock.today()),
    ))
}

/// Edits the profile (partner admins).
#[utoipa::path(patch, path = "/api/v1/partners/{slug}", tag = "partners", security(("bearer" = [])),
    params(("slug" = String, Path)), request_body = PartnerUpdate,
    responses((status = 200, body = Partner), (status = 403, body = mercato_shared::Problem), (status = 422, body = mercato_shared::Problem)))]
pub async fn update(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
    ApiJson(req): ApiJson<PartnerUpdate>,
) -> ApiResult<HttpResponse> {
    let (partner, access) = visible_partner(&state, Some(&user), &path).await?;
    access.require(Need::Administration)?;
    let update = rules::parse_update(req).map_err(ApiError::Validation)?;
    let before = partner.clone();
    let mut row = partner.into_active_model();
    if let Some(v) = update.name {
        row.name = Set(v);
    }
    let mut new_domain = None;
    if let Some(v) = update.website {
        let website = v.map(|u| u.into_inner());
        let domain = website.as_deref().and_then(verification::domain_of);
        if before.verified_domain.is_some() && before.verified_domain != domain {
            row.verified_domain = Set(None);
        }
        new_domain = Some(domain);
        row.website = Set(website);
    }
    if let Some(v) = update.logo_url {
        row.logo_url = Set(v.map(|u| u.into_inner()));
    }
    if let Some(v) = update.description {
        row.description = Set(v);
    }
    if let Some(v) = update.motions {
        row.motions = Set(Motions(v));
    }
    if let Some(v) = update.regions {
        row.regions = Set(Regions(v));
    }
    row.updated_at = Set(state.settings.clock.now());
    let txn = state.db.write.begin().await?;
    let partner = row.update(&txn).await?;
    if let Some(domain) = new_domain {
        verification::website_changed(
            &txn,
            &before,
            domain.as_deref(),
            (&user).into(),
            state.settings.clock.now(),
        )
        .await?;
    }
    state
        .commit_public_change(txn, PublicChange::Partner(partner.id))
        .await?;
    let count = store::partners::published_listing_count(&state.db.read, partner.id).await?;
    Ok(respond::ok(&views::partner(
        &partner,
        count,
        state.settings.clock.today(),
    )))
}

async fn change_status(
    state: &AppState,
    user: &CurrentUser,
    raw_slug: &str,
    to: PartnerStatus,
    allowed_from: &[PartnerStatus],
    action: &'static str,
    note: Option<String>,
) -> ApiResult<HttpResponse> {
    user.require_admin()?;
    let note = note
        .map(|n| validate::text(&n, 0, 2000))
        .transpose()
        .map_err(|e| ApiError::field("note", e.code, e.message))?
        .filter(|n| !n.is_empty());
    let slug = path_slug(raw_slug, "partner")?;
    let txn = state.db.write.begin().await?;
    let partner = store::partners::by_slug(&txn, slug.as_str()).await?;
    let from = partner.status;
    if !allowed_from.contains(&from) {
        return Err(ApiError::InvalidTransition {
            subject: "partner",
            action,
            status: from.as_str().into(),
        });
    }
    let mut row = partner.into_active_model();
    row.status = Set(to);
    row.updated_at = Set(state.settings.clock.now());
    let partner = row.update(&txn).await?;
    status_log::record(
        &txn,
        state.settings.clock.now(),
        status_log::Change {
            subject: status_log::Subject::Partner {
                partner_id: partner.id,
            },
            from: Some(from.as_str()),
            to: to.as_str(),
            actor_id: Some(user.id),
            note: note.as_deref(),
        },
    )
    .await?;
    audit::record(
        &txn,
        state.settings.clock.now(),
        user.into(),
        if to == PartnerStatus::Active {
            AuditAction::PartnerApproved
        } else {
            AuditAction::PartnerSuspended
        },
        Subject::Partner(&partner.slug),
        serde_json::json!({ "from": from, "to": to, "note": note }),
    )
    .await?;
    state
        .commit_public_change(txn, PublicChange::Partner(partner.id))
        .await?;
    tracing::info!(partner = %partner.slug, from = %from, to = %to, admin = user.id, "partner status changed");
    let count = store::partners::published_listing_count(&state.db.read, partner.id).await?;
    Ok(respond::ok(&views::partner(
        &partner,
        count,
        state.settings.clock.today(),
    )))
}

/// Approves an application, or reinstates a suspended partner (admins).
#[utoipa::path(post, path = "/api/v1/partners/{slug}/approve", tag = "partners", security(("bearer" = [])),
    params(("slug" = String, Path)), request_body(content = StatusNote, description = "Optional"),
    responses((status = 200, body = Partner), (status = 403, body = mercato_shared::Problem), (status = 409, body = mercato_shared::Problem)))]
pub async fn approve(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
    OptionalJson(body): OptionalJson<StatusNote>,
) -> ApiResult<HttpResponse> {
    change_status(
        &state,
        &user,
        &path,
        PartnerStatus::Active,
        &[PartnerStatus::Applied, PartnerStatus::Suspended],
        "approve",
        body.note,
    )
    .await
}

/// Suspends a partner (admins): all its listings disappear from public reads at once.
#[utoipa::path(post, path = "/api/v1/partners/{slug}/suspend", tag = "partners", security(("bearer" = [])),
    params(("slug" = String, Path)), request_body(content = StatusNote, description = "Optional"),
    responses((status = 200, body = Partner), (status = 403, body = mercato_shared::Problem), (status = 409, body = mercato_shared::Problem)))]
pub async fn suspend(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
    OptionalJson(body): OptionalJson<StatusNote>,
) -> ApiResult<HttpResponse> {
    change_status(
        &state,
        &user,
        &path,
        PartnerStatus::Suspended,
        &[PartnerStatus::Applied, PartnerStatus::Active],
        "suspend",
        body.note,
    )
    .await
}

/// Sets the partner's program tier (admins).
#[utoipa::path(put, path = "/api/v1/partners/{slug}/tier", tag = "partners", security(("bearer" = [])),
    params(("slug" = String, Path)), request_body = SetTierRequest,
    responses((status = 200, body = Partner), (status = 403, body = mercato_shared::Problem)))]
pub async fn set_tier(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
    ApiJson(req): ApiJson<SetTierRequest>,
) -> ApiResult<HttpResponse> {
    user.require_admin()?;
    let slug = path_slug(&path, "partner")?;
    let partner = store::partners::by_slug(&state.db.read, slug.as_str()).await?;
    let from = partner.tier.clone();
    let mut row = partner.into_active_model();
    row.tier = Set(req.tier);
    row.updated_at = Set(state.settings.clock.now());
    let txn = state.db.write.begin().await?;
    let partner = row.update(&txn).await?;
    audit::record(
        &txn,
        state.settings.clock.now(),
        (&user).into(),
        AuditAction::PartnerTierChanged,
        Subject::Partner(&partner.slug),
        serde_json::json!({ "from": from, "to": req.tier }),
    )
    .await?;
    state
        .commit_public_change(txn, PublicChange::Partner(partner.id))
        .await?;
    tracing::info!(partner = %partner.slug, tier = %req.tier, admin = user.id, "partner tier set");
    let count = store::partners::published_listing_count(&state.db.read, partner.id).await?;
    Ok(respond::ok(&views::partner(
        &partner,
        count,
        state.settings.clock.today(),
    )))
}

/// Replaces the partner's certifications (admins).
#[utoipa::path(put, path = "/api/v1/partners/{slug}/certifications", tag = "partners", security(("bearer" = [])),
    params(("slug" = String, Path)), request_body = SetCertificationsRequest,
    responses((status = 200, body = Partner), (status = 403, body = mercato_shared::Problem), (status = 422, body = mercato_shared::Problem)))]
pub async fn set_certifications(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
    ApiJson(req): ApiJson<SetCertificationsRequest>,
) -> ApiResult<HttpResponse> {
    user.require_admin()?;
    let certs = rules::parse_certifications(req.certifications).map_err(ApiError::Validation)?;
    let slug = path_slug(&path, "partner")?;
    let partner = store::partners::by_slug(&state.db.read, slug.as_str()).await?;
    let from = partner.certifications.0.clone();
    let mut row = partner.into_active_model();
    row.certifications = Set(Certifications(certs));
    row.updated_at = Set(state.settings.clock.now());
    let txn = state.db.write.begin().await?;
    let partner = row.update(&txn).await?;
    audit::record(
        &txn,
        state.settings.clock.now(),
        (&user).into(),
        AuditAction::PartnerCertificationsChanged,
        Subject::Partner(&partner.slug),
        serde_json::json!({ "from": from, "to": partner.certifications.0 }),
    )
    .await?;
    state
        .commit_public_change(txn, PublicChange::Partner(partner.id))
        .await?;
    let count = store::partners::published_listing_count(&state.db.read, partner.id).await?;
    Ok(respond::ok(&views::partner(
        &partner,
        count,
        state.settings.clock.today(),
    )))
}

/// The partner's status changes (its members and admins).
#[utoipa::path(get, path = "/api/v1/partners/{slug}/history", tag = "partners", security(("bearer" = [])),
    params(("slug" = String, Path)),
    responses((status = 200, body = Vec<StatusChange>), (status = 403, body = mercato_shared::Problem)))]
pub async fn history(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let (partner, access) = visible_partner(&state, Some(&user), &path).await?;
    access.require(Need::PrivateData)?;
    Ok(respond::ok(
        &status_log::of_partner(&state.db.read, partner.id).await?,
    ))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct PageQuery {
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

/// The partner's listings: published ones for everyone; every status for its members and
/// marketplace admins.
#[utoipa::path(get, path = "/api/v1/partners/{slug}/listings", tag = "partners", security((), ("bearer" = [])),
    params(("slug" = String, Path), PageQuery),
    responses((status = 200, body = Page<ListingSummary>)))]
pub async fn listings(
    state: web::Data<AppState>,
    MaybeUser(user): MaybeUser,
    path: web::Path<String>,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> ApiResult<HttpResponse> {
    let (partner, access) = visible_partner(&state, user.as_ref(), &path).await?;
    let filter = store::listings::ListFilter {
        public_only: !access.can_view_private(),
        partner_id: Some(partner.id),
        after: q.cursor.as_deref().map(pagination::decode).transpose()?,
        limit: pagination::limit(q.limit)?,
        ..Default::default()
    };
    crate::listings::catalog::page(&state, &filter)
        .await
        .map(|page| respond::ok(&page))
}
