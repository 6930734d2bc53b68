//! Registration, sign-in, token refresh, sign-out and the current account.

use actix_web::{web, HttpRequest, HttpResponse};
use chrono::Utc;
use mercato_shared::api::audit::AuditAction;
use mercato_shared::api::auth::{
    LoginRequest, Me, RefreshRequest, RegisterRequest, TokenResponse, UserRole,
};
use mercato_shared::validate::{self, Email, Validator};
use mercato_shared::ErrorCode;
use sea_orm::{ActiveModelTrait, EntityTrait, Set, TransactionTrait};

use crate::auth::{password, sessions, CurrentUser};
use crate::entities::users;
use crate::error::{ApiError, ApiResult};
use crate::http::extract::{client_ip, ApiJson};
use crate::http::respond;
use crate::state::AppState;
use crate::store::audit::{self, Actor, Subject};
use crate::{store, views};

pub(crate) async fn token_response(
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
#[utoipa::path(post, path = "/api/v1/auth/register", tag = "auth", request_body = RegisterRequest,
    responses(
        (status = 201, body = TokenResponse),
        (status = 409, description = "email_taken", body = mercato_shared::Problem),
        (status = 422, description = "validation_failed", body = mercato_shared::Problem),
    ))]
pub async fn register(
    http: HttpRequest,
    state: web::Data<AppState>,
    ApiJson(req): ApiJson<RegisterRequest>,
) -> ApiResult<HttpResponse> {
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
    let now = Utc::now();
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
    let ip = client_ip(&http);
    audit::record(
        &txn,
        Actor::at(Some(user.id), &ip),
        AuditAction::Registered,
        Subject::User(user.id),
        serde_json::json!({ "email": user.email }),
    )
    .await?;
    txn.commit().await?;
    tracing::info!(user_id = user.id, "account registered");
    let body = token_response(&state, &user, issued).await?;
    Ok(respond::created("/api/v1/me", &body))
}

/// Signs in with email and password.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", request_body = LoginRequest,
    responses(
        (status = 200, body = TokenResponse),
        (status = 401, description = "invalid_credentials", body = mercato_shared::Problem),
    ))]
pub async fn login(
    http: HttpRequest,
    state: web::Data<AppState>,
    ApiJson(req): ApiJson<LoginRequest>,
) -> ApiResult<HttpResponse> {
    let email = Email::parse(&req.email).ok();
    let user = match &email {
        Some(email) => store::users::by_email(&state.db.read, email.as_str()).await?,
        None => None,
    };
    let stored = user.as_ref().and_then(|u| u.password_hash.clone());
    let ip = client_ip(&http);
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
            Actor::at(None, &ip),
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
            Actor::at(Some(user.id), &ip),
            AuditAction::SignInFailed,
            Subject::User(user.id),
            serde_json::json!({ "reason": "sso_required", "provider": required.provider }),
        )
        .await?;
        return Err(super::sso::sso_required(&state, &required));
    }
    let txn = state.db.write.begin().await?;
    let issued = sessions::start(&txn, &state.tokens, user.id).await?;
    audit::record(
        &txn,
        Actor::at(Some(user.id), &ip),
        AuditAction::SignIn,
        Subject::User(user.id),
        serde_json::json!({}),
    )
    .await?;
    txn.commit().await?;
    tracing::info!(user_id = user.id, "signed in");
    Ok(respond::ok(&token_response(&state, &user, issued).await?))
}

/// Exchanges a refresh token for a new token pair. Each refresh token works once; presenting
/// one again revokes the whole session.
#[utoipa::path(post, path = "/api/v1/auth/refresh", tag = "auth", request_body = RefreshRequest,
    responses(
        (status = 200, body = TokenResponse),
        (status = 401, description = "invalid_refresh_token or refresh_token_reused", body = mercato_shared::Problem),
    ))]
pub async fn refresh(
    state: web::Data<AppState>,
    ApiJson(req): ApiJson<RefreshRequest>,
) -> ApiResult<HttpResponse> {
    let txn = state.db.write.begin().await?;
    let result = sessions::refresh(&txn, &state.tokens, req.refresh_token.trim()).await;
    // A detected reuse revokes the family: that must be committed even though the call fails.
    txn.commit().await?;
    let (user_id, issued) = result?;
    let user = users::Entity::find_by_id(user_id)
        .one(&state.db.write)
        .await?
        .ok_or(ApiError::InvalidRefreshToken)?;
    Ok(respond::ok(&token_response(&state, &user, issued).await?))
}

/// Ends the session of the given refresh token.
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth", request_body = RefreshRequest,
    responses((status = 204, description = "Signed out")))]
pub async fn logout(
    http: HttpRequest,
    state: web::Data<AppState>,
    ApiJson(req): ApiJson<RefreshRequest>,
) -> ApiResult<HttpResponse> {
    let txn = state.db.write.begin().await?;
    if let Some(user_id) = sessions::logout(&txn, req.refresh_token.trim()).await? {
        let ip = client_ip(&http);
        audit::record(
            &txn,
            Actor::at(Some(user_id), &ip),
            AuditAction::SignedOut,
            Subject::User(user_id),
            serde_json::json!({}),
        )
        .await?;
    }
    txn.commit().await?;
    Ok(respond::no_content())
}

/// The signed-in account, with its partner memberships.
#[utoipa::path(get, path = "/api/v1/me", tag = "auth", security(("bearer" = [])),
    responses(
        (status = 200, body = Me),
        (status = 401, body = mercato_shared::Problem),
    ))]
pub async fn me(state: web::Data<AppState>, user: CurrentUser) -> ApiResult<HttpResponse> {
    let row = users::Entity::find_by_id(user.id)
        .one(&state.db.read)
        .await?
        .ok_or(ApiError::InvalidToken)?;
    let memberships = store::users::memberships(&state.db.read, user.id).await?;
    Ok(respond::ok(&views::me(&row, memberships)))
}
