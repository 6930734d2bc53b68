//! Which account a provider identity signs in to. An identity linked before signs in to its
//! account; a new identity creates an account, unless an account with the same email exists:
//! that account links the provider only after proving it is theirs (signed in, `link`), so a
//! provider that vouches for someone's email cannot take over their account.

use chrono::{DateTime, Utc};
use mercato_shared::api::auth::UserRole;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};

use super::{Profile, SsoFailure};
use crate::entities::{user_identities, users};
use crate::error::ApiResult;
use crate::store;

#[derive(Debug)]
pub struct Resolved {
    pub user: users::Model,
    /// A new account was created.
    pub created: bool,
    /// A new identity was linked to an existing account.
    pub linked: bool,
}

async fn identity(
    db: &impl ConnectionTrait,
    provider: &str,
    subject: &str,
) -> ApiResult<Option<user_identities::Model>> {
    Ok(user_identities::Entity::find()
        .filter(user_identities::Column::Provider.eq(provider))
        .filter(user_identities::Column::Subject.eq(subject))
        .one(db)
        .await?)
}

async fn add_identity(
    db: &impl ConnectionTrait,
    user_id: i64,
    provider: &str,
    profile: &Profile,
    email: &str,
    now: DateTime<Utc>,
) -> ApiResult<()> {
    user_identities::ActiveModel {
        user_id: Set(user_id),
        provider: Set(provider.to_string()),
        subject: Set(profile.subject.clone()),
        email: Set(email.to_string()),
        created_at: Set(now),
        last_used_at: Set(Some(now)),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}

/// Finds or creates the account for `profile` at `provider` (in the caller's transaction).
/// `link_to`: the signed-in account that asked to link the provider.
pub async fn resolve(
    db: &impl ConnectionTrait,
    provider: &str,
    profile: &Profile,
    link_to: Option<i64>,
    now: DateTime<Utc>,
) -> ApiResult<Result<Resolved, SsoFailure>> {
    let email = match (&profile.email, profile.email_verified) {
        (Some(email), true) => mercato_shared::validate::Email::parse(email)
            .ok()
            .map(|e| e.into_inner()),
        _ => None,
    };
    let existing = identity(db, provider, &profile.subject).await?;

    if let Some(user_id) = link_to {
        if let Some(known) = &existing {
            if known.user_id != user_id {
                return Ok(Err(SsoFailure::IdentityTaken));
            }
        }
        let Some(user) = users::Entity::find_by_id(user_id).one(db).await? else {
            return Ok(Err(SsoFailure::StateMismatch));
        };
        let linked = existing.is_none();
        if linked {
            let email = email.clone().unwrap_or_else(|| user.email.clone());
            add_identity(db, user_id, provider, profile, &email, now).await?;
        }
        return Ok(Ok(Resolved {
            user,
            created: false,
            linked,
        }));
    }

    if let Some(known) = existing {
        let mut active: user_identities::ActiveModel = known.clone().into();
        active.last_used_at = Set(Some(now));
        if let Some(email) = &email {
            active.email = Set(email.clone());
        }
        active.update(db).await?;
        let Some(user) = users::Entity::find_by_id(known.user_id).one(db).await? else {
            return Ok(Err(SsoFailure::StateMismatch));
        };
        return Ok(Ok(Resolved {
            user,
            created: false,
            linked: false,
        }));
    }

    let Some(email) = email else {
        return Ok(Err(SsoFailure::EmailUnverified));
    };
    if store::users::by_email(db, &email).await?.is_some() {
        return Ok(Err(SsoFailure::AccountExists));
    }
    let display_name = profile
        .name
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(|n| n.chars().take(100).collect::<String>())
        .unwrap_or_else(|| email.split('@').next().unwrap_or("").to_string());
    let user = users::ActiveModel {
        email: Set(email.clone()),
        password_hash: Set(None),
        display_name: Set(display_name),
        role: Set(UserRole::Customer),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    add_identity(db, user.id, provider, profile, &email, now).await?;
    Ok(Ok(Resolved {
        user,
        created: true,
        linked: false,
    }))
}
