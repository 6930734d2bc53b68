//! Partner domain verification (see `verification/`): the status and instructions, starting
//! (issuing a token), and checking now. Partner admins do all three; marketplace admins see
//! the status and may check (support); other members and everyone else are refused — the
//! token is for the people who publish it.

use actix_web::{web, HttpResponse};
use mercato_shared::api::domain_verification::{
    DomainVerification, StartDomainVerification, VerificationMethod,
};
use mercato_shared::ErrorCode;
use sea_orm::{ActiveModelTrait, EntityTrait, IntoActiveModel, Set, TransactionTrait};

use crate::auth::CurrentUser;
use crate::domain::access::{self, Need};
use crate::entities::{domain_verifications as verifications, partners};
use crate::error::{ApiError, ApiResult};
use crate::http::extract::OptionalJson;
use crate::http::respond;
use crate::http::respond::path_slug;
use crate::state::AppState;
use crate::{store, verification, views};

/// The partner of the path, if the caller may see its verification (`manage`: start it,
/// which only the partner's admins may). A partner the caller may not see at all is a 404.
async fn partner_for(
    state: &AppState,
    user: &CurrentUser,
    raw_slug: &str,
    manage: bool,
) -> ApiResult<partners::Model> {
    let slug = path_slug(raw_slug, "partner")?;
    let need = if manage {
        Need::Administration
    } else {
        Need::AdministrationRead
    };
    Ok(access::partner_for(&state.db.read, Some(user), &slug, need)
        .await?
        .0)
}

async fn view_of(state: &AppState, partner: &partners::Model) -> ApiResult<DomainVerification> {
    let row = verifications::Entity::find_by_id(partner.id)
        .one(&state.db.read)
        .await?;
    Ok(views::domain_verification(
        partner,
        row.as_ref(),
        &state.domain_checker,
    ))
}

/// The partner's domain verification: its state, the token and how to publish it (partner
/// admins and marketplace admins).
#[utoipa::path(get, path = "/api/v1/partners/{slug}/domain-verification", tag = "partners", security(("bearer" = [])),
    params(("slug" = String, Path)),
    responses((status = 200, body = DomainVerification), (status = 401, body = mercato_shared::Problem),
        (status = 403, body = mercato_shared::Problem), (status = 404, body = mercato_shared::Problem)))]
pub async fn status(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let partner = partner_for(&state, &user, &path, false).await?;
    Ok(respond::ok(&view_of(&state, &partner).await?))
}

/// Starts verifying the domain of the partner's website, or changes the method: issues a
/// token unless one exists for this domain (`regenerate` issues a new one anyway). Partner
/// admins only.
#[utoipa::path(post, path = "/api/v1/partners/{slug}/domain-verification", tag = "partners", security(("bearer" = [])),
    params(("slug" = String, Path)), request_body(content = Option<StartDomainVerification>),
    responses((status = 200, body = DomainVerification), (status = 401, body = mercato_shared::Problem),
        (status = 400, body = mercato_shared::Problem), (status = 403, body = mercato_shared::Problem),
        (status = 404, body = mercato_shared::Problem),
        (status = 409, description = "invalid_state_transition: the partner has no website with a domain name", body = mercato_shared::Problem),
        (status = 415, body = mercato_shared::Problem), (status = 422, body = mercato_shared::Problem)))]
pub async fn start(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
    OptionalJson(req): OptionalJson<StartDomainVerification>,
) -> ApiResult<HttpResponse> {
    let partner = partner_for(&state, &user, &path, true).await?;
    let Some(domain) = partner.website.as_deref().and_then(verification::domain_of) else {
        return Err(ApiError::Conflict {
            code: ErrorCode::InvalidStateTransition,
            detail: "the partner's website has no domain name to verify: set the website first"
                .into(),
            field: Some("website"),
        });
    };
    let method = req.method.unwrap_or(VerificationMethod::File);
    let now = state.settings.clock.now();
    let txn = state.db.write.begin().await?;
    let existing = verifications::Entity::find_by_id(partner.id)
        .one(&txn)
        .await?;
    match existing {
        Some(row) if row.domain == domain => {
            let mut row = row.into_active_model();
            row.method = Set(method);
            if req.regenerate {
                row.token = Set(verification::new_token());
            }
            row.update(&txn).await?;
        }
        other => {
            if let Some(row) = other {
                verifications::Entity::delete_by_id(row.partner_id)
                    .exec(&txn)
                    .await?;
            }
            verifications::ActiveModel {
                partner_id: Set(partner.id),
                domain: Set(domain),
                token: Set(verification::new_token()),
                method: Set(method),
                created_at: Set(now),
                consecutive_failures: Set(0),
                ..Default::default()
            }
            .insert(&txn)
            .await?;
        }
    }
    txn.commit().await?;
    tracing::info!(partner = %partner.slug, method = method.as_str(), regenerate = req.regenerate, by = user.id, "domain verification started");
    Ok(respond::ok(&view_of(&state, &partner).await?))
}

/// Checks for the proof now and answers with the outcome (`last_check`: found, or why not).
/// A found proof gives the badge; a verified domain whose proof is missing loses it at the
/// second failed check in a row. Partner admins and marketplace admins.
#[utoipa::path(post, path = "/api/v1/partners/{slug}/domain-verification/check", tag = "partners", security(("bearer" = [])),
    params(("slug" = String, Path)),
    responses((status = 200, body = DomainVerification), (status = 401, body = mercato_shared::Problem),
        (status = 403, body = mercato_shared::Problem), (status = 404, body = mercato_shared::Problem),
        (status = 409, description = "invalid_state_transition: no token issued yet", body = mercato_shared::Problem)))]
pub async fn check(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let partner = partner_for(&state, &user, &path, false).await?;
    let not_started = || ApiError::Conflict {
        code: ErrorCode::InvalidStateTransition,
        detail: "no verification token is issued yet: start the verification first".into(),
        field: None,
    };
    let row = verifications::Entity::find_by_id(partner.id)
        .one(&state.db.read)
        .await?
        .ok_or_else(not_started)?;
    let Some(recorded) = verification::check_and_record(&state, &row, (&user).into()).await? else {
        return Err(ApiError::Conflict {
            code: ErrorCode::InvalidStateTransition,
            detail: "the verification changed while it was being checked: check again".into(),
            field: None,
        });
    };
    tracing::info!(partner = %partner.slug, result = recorded.row.last_result.as_deref(), by = user.id, "domain verification checked");
    let partner = store::partners::by_slug(&state.db.read, &partner.slug).await?;
    Ok(respond::ok(&views::domain_verification(
        &partner,
        Some(&recorded.row),
        &state.domain_checker,
    )))
}
