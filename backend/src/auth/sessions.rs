//! Sign-in sessions as families of rotating refresh tokens.
//!
//! Each refresh marks the presented token used and issues the next token of the same family.
//! A token presented a second time means it was copied: the whole family is revoked, so
//! whoever holds the latest token is signed out too and must sign in again.

use chrono::Duration;
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};

use super::tokens::{new_refresh_token, TokenKeys};
use crate::entities::refresh_tokens;
use crate::error::{ApiError, ApiResult};
use crate::hashing::sha256_hex;

pub struct IssuedTokens {
    pub access_token: String,
    pub refresh_token: String,
}

/// Starts a new session (a new token family) for the user.
pub async fn start(
    db: &impl ConnectionTrait,
    keys: &TokenKeys,
    user_id: i64,
) -> ApiResult<IssuedTokens> {
    let family = uuid::Uuid::new_v4().to_string();
    issue(db, keys, user_id, family).await
}

async fn issue(
    db: &impl ConnectionTrait,
    keys: &TokenKeys,
    user_id: i64,
    family_id: String,
) -> ApiResult<IssuedTokens> {
    let (refresh_token, token_hash) = new_refresh_token();
    let now = crate::clock::wall_now();
    refresh_tokens::ActiveModel {
        user_id: Set(user_id),
        family_id: Set(family_id),
        token_hash: Set(token_hash),
        expires_at: Set(now + Duration::seconds(keys.refresh_ttl_secs)),
        created_at: Set(now),
        used_at: Set(None),
        revoked_at: Set(None),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(IssuedTokens {
        access_token: keys.issue_access(user_id)?,
        refresh_token,
    })
}

/// Exchanges a refresh token for a new pair; returns the user id with it.
pub async fn refresh(
    db: &impl ConnectionTrait,
    keys: &TokenKeys,
    presented: &str,
) -> ApiResult<(i64, IssuedTokens)> {
    let hash = sha256_hex(presented);
    let Some(token) = refresh_tokens::Entity::find()
        .filter(refresh_tokens::Column::TokenHash.eq(hash))
        .one(db)
        .await?
    else {
        return Err(ApiError::InvalidRefreshToken);
    };
    if token.revoked_at.is_some() {
        return Err(ApiError::InvalidRefreshToken);
    }
    let now = crate::clock::wall_now();
    if token.expires_at <= now {
        return Err(ApiError::InvalidRefreshToken);
    }
    // Claim the token atomically: of two concurrent refreshes with one token, one wins and
    // the other is treated as reuse.
    let claimed = refresh_tokens::Entity::update_many()
        .col_expr(refresh_tokens::Column::UsedAt, Expr::value(now))
        .filter(refresh_tokens::Column::Id.eq(token.id))
        .filter(refresh_tokens::Column::UsedAt.is_null())
        .filter(refresh_tokens::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    if claimed.rows_affected != 1 {
        revoke_family(db, &token.family_id).await?;
        tracing::warn!(user_id = token.user_id, family = %token.family_id, "refresh token reused; session revoked");
        return Err(ApiError::RefreshTokenReused);
    }
    let issued = issue(db, keys, token.user_id, token.family_id).await?;
    Ok((token.user_id, issued))
}

/// Ends the session the token belongs to; returns its account when a live session ended.
/// Unknown tokens are ignored (logging out twice is not an error).
pub async fn logout(db: &impl ConnectionTrait, presented: &str) -> ApiResult<Option<i64>> {
    let hash = sha256_hex(presented);
    let Some(token) = refresh_tokens::Entity::find()
        .filter(refresh_tokens::Column::TokenHash.eq(hash))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let revoked = revoke_family(db, &token.family_id).await?;
    Ok((revoked > 0).then_some(token.user_id))
}

/// Revokes the family's live tokens; returns how many there were.
async fn revoke_family(db: &impl ConnectionTrait, family_id: &str) -> ApiResult<u64> {
    Ok(refresh_tokens::Entity::update_many()
        .col_expr(
            refresh_tokens::Column::RevokedAt,
            Expr::value(crate::clock::wall_now()),
        )
        .filter(refresh_tokens::Column::FamilyId.eq(family_id))
        .filter(refresh_tokens::Column::RevokedAt.is_null())
        .exec(db)
        .await?
        .rows_affected)
}
