//! Partners that require single sign-on: a member whose email is at the partner's domain
//! signs in with the partner's provider only (not with a password, not with another provider).

use mercato_shared::ErrorCode;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

use super::Providers;
use crate::entities::{partner_members, partner_sso, partners};
use crate::error::{ApiError, ApiResult};

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
