//! Partners that require single sign-on: a member whose email is at the partner's domain
//! signs in with the partner's provider only (not with a password, not with another provider).

use mercato_shared::api::audit::AuditAction;
use mercato_shared::api::sso::{PartnerSso, PartnerSsoRequest};
use mercato_shared::validate::{Invalid, Validator};
use mercato_shared::ErrorCode;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set, TransactionTrait,
};

use super::Providers;
use crate::auth::CurrentUser;
use crate::entities::{partner_members, partner_sso, partners};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::store::audit::{self, Actor, Subject};
use crate::views;

/// The provider an account must use, and the partner that requires it.
#[derive(Debug, Clone)]
pub struct Requirement {
    pub provider: String,
    pub partner_name: String,
}

impl Requirement {
    /// The refusal of any other way of signing in (403 `sso_required`, naming the provider).
    pub fn refusal(&self, providers: &Providers) -> ApiError {
        ApiError::Conflict {
            code: ErrorCode::SsoRequired,
            detail: format!(
                "{} requires its members to sign in with {}",
                self.partner_name,
                providers.name_of(&self.provider)
            ),
            field: None,
        }
    }
}

/// The lower-case domain of an email address.
pub fn email_domain(email: &str) -> Option<String> {
    email
        .rsplit_once('@')
        .map(|(_, d)| d.trim().to_ascii_lowercase())
        .filter(|d| !d.is_empty())
}

/// The requirement that applies to the account, if any (the first partner's, by id).
pub async fn for_account(
    db: &impl ConnectionTrait,
    user_id: i64,
    email: &str,
) -> ApiResult<Option<Requirement>> {
    let Some(domain) = email_domain(email) else {
        return Ok(None);
    };
    let partner_ids: Vec<i64> = partner_members::Entity::find()
        .filter(partner_members::Column::UserId.eq(user_id))
        .all(db)
        .await?
        .into_iter()
        .map(|m| m.partner_id)
        .collect();
    if partner_ids.is_empty() {
        return Ok(None);
    }
    let Some(rule) = partner_sso::Entity::find()
        .filter(partner_sso::Column::PartnerId.is_in(partner_ids))
        .filter(partner_sso::Column::Domain.eq(domain))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let partner_name = partners::Entity::find_by_id(rule.partner_id)
        .one(db)
        .await?
        .map(|p| p.name)
        .unwrap_or_default();
    Ok(Some(Requirement {
        provider: rule.provider,
        partner_name,
    }))
}

/// The partner's requirement, as its members and marketplace admins see it.
pub async fn of_partner(state: &AppState, partner: &partners::Model) -> ApiResult<PartnerSso> {
    let row = partner_sso::Entity::find_by_id(partner.id)
        .one(&state.db.read)
        .await?;
    Ok(views::partner_sso(row))
}

/// Requires the partner's members with an email at `domain` to sign in with `provider`; the
/// domain must be the partner's verified one.
pub async fn require(
    state: &AppState,
    user: &CurrentUser,
    partner: &partners::Model,
    body: PartnerSsoRequest,
) -> ApiResult<PartnerSso> {
    let mut v = Validator::new();
    let provider = body.provider.trim();
    if state.sso.get(provider).is_none() {
        v.push(
            "provider",
            Invalid::new("unknown_provider", "is not a configured sign-in provider"),
        );
    }
    let domain = body
        .domain
        .trim()
        .trim_end_matches('.')
        .to_ascii_lowercase();
    // Only a domain the partner proved it controls: otherwise a partner could lock anyone
    // with an email at someone else's domain out of password sign-in.
    if partner.verified_domain.as_deref() != Some(domain.as_str()) {
        v.push(
            "domain",
            Invalid::new(
                "domain_not_verified",
                "must be the partner's verified domain (verify it under Domain verification first)",
            ),
        );
    }
    v.finish(|| Some(())).map_err(ApiError::Validation)?;

    let txn = state.db.write.begin().await?;
    let now = state.settings.clock.now();
    let existing = partner_sso::Entity::find_by_id(partner.id)
        .one(&txn)
        .await?;
    let row = partner_sso::ActiveModel {
        partner_id: Set(partner.id),
        provider: Set(provider.to_string()),
        domain: Set(domain.clone()),
        updated_at: Set(now),
    };
    let saved = match existing {
        Some(_) => row.update(&txn).await?,
        None => row.insert(&txn).await?,
    };
    audit::record(
        &txn,
        state.settings.clock.now(),
        Actor::from(user),
        AuditAction::PartnerSsoChanged,
        Subject::Partner(&partner.slug),
        serde_json::json!({ "provider": provider, "domain": domain }),
    )
    .await?;
    txn.commit().await?;
    Ok(views::partner_sso(Some(saved)))
}

/// Lifts the partner's requirement (nothing to do when there is none).
pub async fn lift(
    state: &AppState,
    user: &CurrentUser,
    partner: &partners::Model,
) -> ApiResult<()> {
    let txn = state.db.write.begin().await?;
    let deleted = partner_sso::Entity::delete_by_id(partner.id)
        .exec(&txn)
        .await?;
    if deleted.rows_affected > 0 {
        audit::record(
            &txn,
            state.settings.clock.now(),
            Actor::from(user),
            AuditAction::PartnerSsoChanged,
            Subject::Partner(&partner.slug),
            serde_json::json!({ "provider": null, "domain": null }),
        )
        .await?;
    }
    txn.commit().await?;
    Ok(())
}
