use std::collections::HashMap;

use mercato_shared::api::partners::PartnerRole;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};

use crate::entities::{partner_members, partners, users};
use crate::error::ApiResult;

pub async fn by_email(db: &impl ConnectionTrait, email: &str) -> ApiResult<Option<users::Model>> {
    Ok(users::Entity::find()
        .filter(users::Column::Email.eq(email))
        .one(db)
        .await?)
}

/// The display names of these accounts, in one query (none when `ids` is empty).
pub async fn display_names(
    db: &impl ConnectionTrait,
    ids: Vec<i64>,
) -> ApiResult<HashMap<i64, String>> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(users::Entity::find()
        .filter(users::Column::Id.is_in(ids))
        .all(db)
        .await?
        .into_iter()
        .map(|u| (u.id, u.display_name))
        .collect())
}

/// The partners the user belongs to, with the user's role in each.
pub async fn memberships(
    db: &impl ConnectionTrait,
    user_id: i64,
) -> ApiResult<Vec<(partners::Model, PartnerRole)>> {
    let rows = partner_members::Entity::find()
        .filter(partner_members::Column::UserId.eq(user_id))
        .find_also_related(partners::Entity)
        .order_by_asc(partner_members::Column::PartnerId)
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(m, p)| p.map(|p| (p, m.role)))
        .collect())
}

/// The account of an email address typed to add a member (a partner's or a workspace's): a
/// field error on `email` when it is not an address or names no account.
pub async fn member_to_add(
    db: &impl ConnectionTrait,
    email: &str,
) -> crate::error::ApiResult<users::Model> {
    use crate::error::ApiError;
    let email = mercato_shared::validate::Email::parse(email)
        .map_err(|e| ApiError::field("email", e.code, e.message))?;
    by_email(db, email.as_str()).await?.ok_or_else(|| {
        ApiError::field(
            "email",
            "unknown_account",
            "no account uses this email; ask them to sign up first",
        )
    })
}
