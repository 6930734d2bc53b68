//! Accounts with a password: registration, sign-in, token refresh, sign-out and the account as
//! its owner sees it. Each use case takes what the HTTP layer parsed (the body, the client's
//! address) and returns the API's answer; the routes only map it to a status.

use mercato_shared::api::audit::AuditAction;
use mercato_shared::api::auth::{LoginRequest, Me, RegisterRequest, TokenResponse, UserRole};
use mercato_shared::validate::{self, Email, Validator};
use mercato_shared::ErrorCode;
use sea_orm::{ActiveModelTrait, EntityTrait, Set, TransactionTrait};

use super::{password, sessions};
use crate::entities::users;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::store::audit::{self, Actor, Subject};
use crate::{store, views};

/// The answer to every way of signing in: the token pair and the account.
pub async fn token_response(
    state: &AppState,
    user: &users::Model,
    issued: sessions::IssuedTokens,
) -> ApiResult<TokenResponse> {
    let memberships = store::users::memberships(&state.db.read, user.id).await?;
    Ok(TokenResponse {
        access_token: issued.access_token,
        token_type: "Bearer".into(),
        expires_in: state.tokens.access_ttl_secs,
        refresh_token: issued.refresh_token,
        refresh_expires_in: state.tokens.refresh_ttl_secs,
        user: views::me(user, memberships),
    })
}

fn email_taken() -> ApiError {
    ApiError::Conflict {
        code: ErrorCode::EmailTaken,
        detail: "an account with this email exists; sign in instead".into(),
        field: Some("email"),
    }
}

/// Creates a customer account and signs it in.
pub async fn register(
    state: &AppState,
    req: RegisterRequest,
    client_ip: Option<String>,
) -> ApiResult<TokenResponse> {
    let mut v = Validator::new();
    let email = v.check("email", Email::parse(&req.email));
    v.check("password", validate::password(&req.password));
    let name = v.check("display_name", validate::line(&req.display_name, 1, 100));
    let (email, name) = v
        .finish(|| Some((email?, name?)))
        .map_err(ApiError::Validation)?;

    if store::users::by_email(&state.db.read, email.as_str())
        .await?
        .is_some()
    {
        return Err(email_taken());
    }
    let hash = password::hash(req.password).await?;
    let now = state.settings.clock.now();
    let txn = state.db.write.begin().await?;
    let user = users::ActiveModel {
        email: Set(email.into_inner()),
        password_hash: Set(Some(hash)),
        display_name: Set(name),
        role: Set(UserRole::Customer),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await
    .map_err(|e| {
        if store::is_unique_violation(&e) {
            email_taken()
        } else {
            e.into()
        }
    })?;
    let issued = sessions::start(&txn, &state.tokens, user.id).await?;
    audit::record(
        &txn,
        state.settings.clock.now(),
        Actor::at(Some(user.id), &client_ip),
        AuditAction::Registered,
        Subject::User(user.id),
        serde_json::json!({ "email": user.email }),
    )
    .await?;
    txn.commit().await?;
    tracing::info!(user_id = user.id, "account registered");
    token_response(state, &user, issued).await
}

/// Signs in with email and password. A refusal is audited (with why, for admins) but the
/// caller learns only that the credentials are wrong.
pub async fn sign_in(
    state: &AppState,
    req: LoginRequest,
    client_ip: Option<String>,
) -> ApiResult<TokenResponse> {
    let email = Email::parse(&req.email).ok();
    let user = match &email {
        Some(email) => store::users::by_email(&state.db.read, email.as_str()).await?,
        None => None,
    };
    let stored = user.as_ref().and_then(|u| u.password_hash.clone());
    if !password::verify(req.password, stored).await? {
        tracing::info!(known_account = user.is_some(), "sign-in failed");
        // No actor: nobody signed in. The email is kept only when what was typed is one (a
        // password typed into the email field is not).
        let reason = match (&email, &user) {
            (None, _) => "not_an_email",
            (Some(_), None) => "unknown_account",
            (Some(_), Some(_)) => "wrong_password",
        };
        audit::record(
            &state.db.write,
            state.settings.clock.now(),
            Actor::at(None, &client_ip),
            AuditAction::SignInFailed,
            Subject::Email(email.as_ref().map(|e| e.as_str())),
            serde_json::json!({ "reason": reason }),
        )
        .await?;
        return Err(ApiError::InvalidCredentials);
    }
    let user = user.ok_or(ApiError::InvalidCredentials)?;
    if let Some(required) =
        crate::sso::requirement::for_account(&state.db.read, user.id, &user.email).await?
    {
        audit::record(
            &state.db.write,
            state.settings.clock.now(),
            Actor::at(Some(user.id), &client_ip),
            AuditAction::SignInFailed,
            Subject::User(user.id),
            serde_json::json!({ "reason": "sso_required", "provider": required.provider }),
        )
        .await?;
        return Err(required.refusal(&state.sso));
    }
    let txn = state.db.write.begin().await?;
    let issued = sessions::start(&txn, &state.tokens, user.id).await?;
    audit::record(
        &txn,
        state.settings.clock.now(),
        Actor::at(Some(user.id), &client_ip),
        AuditAction::SignIn,
        Subject::User(user.id),
        serde_json::json!({}),
    )
    .await?;
    txn.commit().await?;
    tracing::info!(user_id = user.id, "signed in");
    token_response(state, &user, issued).await
}

/// Exchanges a refresh token for a new pair. Each refresh token works once; presenting one
/// again revokes its whole session.
pub async fn refresh(state: &AppState, refresh_token: &str) -> ApiResult<TokenResponse> {
    let txn = state.db.write.begin().await?;
    let result = sessions::refresh(&txn, &state.tokens, refresh_token.trim()).await;
    // A detected reuse revokes the family: that must be committed even though the call fails.
    txn.commit().await?;
    let (user_id, issued) = result?;
    let user = users::Entity::find_by_id(user_id)
        .one(&state.db.write)
        .await?
        .ok_or(ApiError::InvalidRefreshToken)?;
    token_response(state, &user, issued).await
}

/// Ends the session of a refresh token (audited when a live session ended).
pub async fn sign_out(
    state: &AppState,
    refresh_token: &str,
    client_ip: Option<String>,
) -> ApiResult<()> {
    let txn = state.db.write.begin().await?;
    if let Some(user_id) = sessions::logout(&txn, refresh_token.trim()).await? {
        audit::record(
            &txn,
            state.settings.clock.now(),
            Actor::at(Some(user_id), &client_ip),
            AuditAction::SignedOut,
            Subject::User(user_id),
            serde_json::json!({}),
        )
        .await?;
    }
    txn.commit().await?;
    Ok(())
}

/// The signed-in account with its partner memberships.
pub async fn me(state: &AppState, user_id: i64) -> ApiResult<Me> {
    let row = users::Entity::find_by_id(user_id)
        .one(&state.db.read)
        .await?
        .ok_or(ApiError::InvalidToken)?;
    let memberships = store::users::memberships(&state.db.read, user_id).await?;
    Ok(views::me(&row, memberships))
}
