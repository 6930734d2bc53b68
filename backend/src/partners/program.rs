//! The partner program: a partner's tier and certifications, set by marketplace admins
//! (audited; both show on public pages).

use mercato_shared::api::audit::AuditAction;
use mercato_shared::api::partners::{Partner, SetCertificationsRequest, Tier};
use mercato_shared::validate::Slug;
use sea_orm::{ActiveModelTrait, IntoActiveModel, Set, TransactionTrait};

use super::shown;
use crate::auth::CurrentUser;
use crate::domain::partner as rules;
use crate::entities::json::Certifications;
use crate::entities::partners;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::store;
use crate::store::audit::{self, Subject};
use crate::store::outbox::PublicChange;

/// Sets the partner's program tier (admins).
pub async fn set_tier(
    state: &AppState,
    admin: &CurrentUser,
    slug: &Slug,
    tier: Tier,
) -> ApiResult<Partner> {
    let partner = store::partners::by_slug(&state.db.read, slug.as_str()).await?;
    let from = partner.tier;
    let mut row = partner.into_active_model();
    row.tier = Set(tier);
    let what = |p: &partners::Model| serde_json::json!({ "from": from, "to": p.tier });
    let partner = save(state, admin, row, AuditAction::PartnerTierChanged, what).await?;
    tracing::info!(partner = %partner.slug, tier = %tier, admin = admin.id, "partner tier set");
    shown(&state.db.read, &partner, state.settings.clock.today()).await
}

/// Replaces the partner's certifications (admins).
pub async fn set_certifications(
    state: &AppState,
    admin: &CurrentUser,
    slug: &Slug,
    req: SetCertificationsRequest,
) -> ApiResult<Partner> {
    let certs = rules::parse_certifications(req.certifications).map_err(ApiError::Validation)?;
    let partner = store::partners::by_slug(&state.db.read, slug.as_str()).await?;
    let from = partner.certifications.0.clone();
    let mut row = partner.into_active_model();
    row.certifications = Set(Certifications(certs));
    let what = |p: &partners::Model| serde_json::json!({ "from": from, "to": p.certifications.0 });
    let partner = save(
        state,
        admin,
        row,
        AuditAction::PartnerCertificationsChanged,
        what,
    )
    .await?;
    shown(&state.db.read, &partner, state.settings.clock.today()).await
}

/// Saves an admin's change to a partner's standing in the program: audited (with `what` of
/// the saved row), and a public change.
async fn save(
    state: &AppState,
    admin: &CurrentUser,
    mut row: partners::ActiveModel,
    action: AuditAction,
    what: impl FnOnce(&partners::Model) -> serde_json::Value,
) -> ApiResult<partners::Model> {
    row.updated_at = Set(state.settings.clock.now());
    let txn = state.db.write.begin().await?;
    let partner = row.update(&txn).await?;
    audit::record(
        &txn,
        state.settings.clock.now(),
        admin.into(),
        action,
        Subject::Partner(&partner.slug),
        what(&partner),
    )
    .await?;
    state
        .commit_public_change(txn, PublicChange::Partner(partner.id))
        .await?;
    Ok(partner)
}
