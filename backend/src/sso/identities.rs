//! The provider identities linked to an account: listed, and unlinked — never the account's
//! last way to sign in, nor the provider its partner requires.

use mercato_shared::api::audit::AuditAction;
use mercato_shared::api::sso::Identity;
use mercato_shared::ErrorCode;
use sea_orm::{
    ColumnTrait, EntityTrait, ModelTrait, PaginatorTrait, QueryFilter, QueryOrder, TransactionTrait,
};

use super::requirement;
use crate::auth::CurrentUser;
use crate::entities::{user_identities, users};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::store::audit::{self, Actor, Subject};
use crate::views;

pub async fn list(state: &AppState, user: &CurrentUser) -> ApiResult<Vec<Identity>> {
    let rows = user_identities::Entity::find()
        .filter(user_identities::Column::UserId.eq(user.id))
        .order_by_asc(user_identities::Column::Id)
        .all(&state.db.read)
        .await?;
    Ok(rows
        .into_iter()
        .map(|r| views::identity(r, &state.sso))
        .collect())
}

/// Unlinks the account's identity `id` (403 `sso_required` for the required provider, 409
/// `last_sign_in_method` for the only way left to sign in).
pub async fn unlink(state: &AppState, user: &CurrentUser, id: i64) -> ApiResult<()> {
    let txn = state.db.write.begin().await?;
    let identity = user_identities::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .filter(|i| i.user_id == user.id)
        .ok_or(ApiError::NotFound("identity"))?;
    let account = users::Entity::find_by_id(user.id)
        .one(&txn)
        .await?
        .ok_or(ApiError::InvalidToken)?;
    if let Some(required) = requirement::for_account(&txn, user.id, &account.email).await? {
        if required.provider == identity.provider {
            return Err(required.refusal(&state.sso));
        }
    }
    let others = user_identities::Entity::find()
        .filter(user_identities::Column::UserId.eq(user.id))
        .filter(user_identities::Column::Id.ne(id))
        .count(&txn)
        .await?;
    if account.password_hash.is_none() && others == 0 {
        return Err(ApiError::Conflict {
            code: ErrorCode::LastSignInMethod,
            detail: "this is the account's only way to sign in; link another provider first".into(),
            field: None,
        });
    }
    let provider = identity.provider.clone();
    identity.delete(&txn).await?;
    audit::record(
        &txn,
        state.settings.clock.now(),
        Actor::from(user),
        AuditAction::IdentityUnlinked,
        Subject::User(user.id),
        serde_json::json!({ "provider": provider }),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}
