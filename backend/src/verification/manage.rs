//! What a partner's admins do with their verification: see where it stands, start it (issue
//! a token, or change the method), and check for the proof now. The caller's right to the
//! partner is checked by the route (`domain::access`).

use mercato_shared::api::domain_verification::{
    DomainVerification, StartDomainVerification, VerificationMethod,
};
use mercato_shared::ErrorCode;
use sea_orm::{ActiveModelTrait, EntityTrait, IntoActiveModel, Set, TransactionTrait};

use super::{check_and_record, domain_of, new_token};
use crate::auth::CurrentUser;
use crate::entities::{domain_verifications as verifications, partners};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::{store, views};

/// Where the partner's verification stands, with the instructions for its proof.
pub async fn status(state: &AppState, partner: &partners::Model) -> ApiResult<DomainVerification> {
    let row = verifications::Entity::find_by_id(partner.id)
        .one(&state.db.read)
        .await?;
    Ok(views::domain_verification(
        partner,
        row.as_ref(),
        &state.domain_checker,
    ))
}

/// Starts verifying the domain of the partner's website, or changes the method: issues a
/// token unless one exists for this domain (`regenerate` issues a new one anyway).
pub async fn start(
    state: &AppState,
    user: &CurrentUser,
    partner: &partners::Model,
    req: StartDomainVerification,
) -> ApiResult<DomainVerification> {
    let Some(domain) = partner.website.as_deref().and_then(domain_of) else {
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
                row.token = Set(new_token());
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
                token: Set(new_token()),
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
    status(state, partner).await
}

/// Checks for the proof now and answers with the outcome (`last_check`: found, or why not).
/// A found proof gives the badge; a verified domain whose proof is missing loses it at the
/// second failed check in a row.
pub async fn check_now(
    state: &AppState,
    user: &CurrentUser,
    partner: &partners::Model,
) -> ApiResult<DomainVerification> {
    let not_started = || ApiError::Conflict {
        code: ErrorCode::InvalidStateTransition,
        detail: "no verification token is issued yet: start the verification first".into(),
        field: None,
    };
    let row = verifications::Entity::find_by_id(partner.id)
        .one(&state.db.read)
        .await?
        .ok_or_else(not_started)?;
    let Some(recorded) = check_and_record(state, &row, user.into()).await? else {
        return Err(ApiError::Conflict {
            code: ErrorCode::InvalidStateTransition,
            detail: "the verification changed while it was being checked: check again".into(),
            field: None,
        });
    };
    tracing::info!(partner = %partner.slug, result = recorded.row.last_result.as_deref(), by = user.id, "domain verification checked");
    let partner = store::partners::by_slug(&state.db.read, &partner.slug).await?;
    Ok(views::domain_verification(
        &partner,
        Some(&recorded.row),
        &state.domain_checker,
    ))
}
