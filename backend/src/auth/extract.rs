//! Who is calling: the `Authorization: Bearer` access token, verified and resolved to the
//! current account on every request (so a role change or a deleted account takes effect at
//! once, not when the token expires).

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{web, FromRequest, HttpMessage, HttpRequest};
use futures_util::future::LocalBoxFuture;
use mercato_shared::api::auth::UserRole;
use sea_orm::EntityTrait;

use super::api_keys::{self, PartnerKey};
use crate::entities::users;
use crate::error::ApiError;
use crate::state::AppState;

/// The signed-in account. Extracting it fails with 401 when there is no valid token.
#[derive(Debug, Clone)]
pub struct CurrentUser {
    pub id: i64,
    pub email: String,
    pub display_name: String,
    pub role: UserRole,
    /// The address the request came from (for the audit log).
    pub ip: Option<String>,
}

impl CurrentUser {
    pub fn is_admin(&self) -> bool {
        self.role == UserRole::Admin
    }

    /// Marketplace admins and analysts see analytics across the marketplace.
    pub fn is_staff(&self) -> bool {
        matches!(self.role, UserRole::Admin | UserRole::Analyst)
    }

    pub fn require_admin(&self) -> Result<(), ApiError> {
        if self.is_admin() {
            Ok(())
        } else {
            Err(ApiError::Forbidden("only marketplace admins may do this"))
        }
    }

    /// 403 saying `refusal` unless marketplace staff (an admin or an analyst) asks.
    pub fn require_staff(&self, refusal: &'static str) -> Result<(), ApiError> {
        if self.is_staff() {
            Ok(())
        } else {
            Err(ApiError::Forbidden(refusal))
        }
    }
}

impl From<users::Model> for CurrentUser {
    fn from(u: users::Model) -> Self {
        CurrentUser {
            id: u.id,
            role: u.role,
            email: u.email,
            display_name: u.display_name,
            ip: None,
        }
    }
}

/// The caller if a token was sent; `None` for anonymous requests. A token that is sent but
/// invalid is still a 401: clients should learn that their token is bad.
pub struct MaybeUser(pub Option<CurrentUser>);

/// The request's bearer token (an access token or an API key), if it sends one; a malformed
/// `Authorization` header is an invalid token.
pub fn bearer(req: &HttpRequest) -> Result<Option<String>, ApiError> {
    bearer_in(req.headers())
}

pub fn bearer_in(headers: &header::HeaderMap) -> Result<Option<String>, ApiError> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let value = value.to_str().map_err(|_| ApiError::InvalidToken)?;
    let (scheme, token) = value.split_once(' ').ok_or(ApiError::InvalidToken)?;
    if !scheme.eq_ignore_ascii_case("bearer") || token.trim().is_empty() {
        return Err(ApiError::InvalidToken);
    }
    Ok(Some(token.trim().to_string()))
}

/// The account of an access token the rate limiter already verified for this request (the
/// extractors then skip verifying it again).
#[derive(Debug, Clone, Copy)]
pub struct VerifiedAccess(pub i64);

async fn resolve(
    state: web::Data<AppState>,
    token: String,
    verified: Option<VerifiedAccess>,
    ip: Option<String>,
) -> Result<CurrentUser, ApiError> {
    let user_id = match verified {
        Some(VerifiedAccess(user_id)) => user_id,
        None => state
            .tokens
            .verify_access(&token)
            .ok_or(ApiError::InvalidToken)?,
    };
    let user = users::Entity::find_by_id(user_id)
        .one(&state.db.read)
        .await?
        .ok_or(ApiError::InvalidToken)?;
    Ok(CurrentUser { ip, ..user.into() })
}

fn state_of(req: &HttpRequest) -> Result<web::Data<AppState>, ApiError> {
    req.app_data::<web::Data<AppState>>()
        .cloned()
        .ok_or_else(|| ApiError::Unexpected(anyhow::anyhow!("application state missing")))
}

impl FromRequest for CurrentUser {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let token = bearer(req);
        let state = state_of(req);
        let ip = crate::http::extract::client_ip(req);
        let verified = req.extensions().get::<VerifiedAccess>().copied();
        Box::pin(async move {
            let token = token?.ok_or(ApiError::Unauthenticated)?;
            resolve(state?, token, verified, ip).await
        })
    }
}

impl FromRequest for MaybeUser {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        match bearer(req) {
            Ok(None) => Box::pin(async { Ok(MaybeUser(None)) }),
            // A token was sent: it must be a valid one, as for `CurrentUser`.
            Ok(Some(_)) => {
                let user = CurrentUser::from_request(req, payload);
                Box::pin(async move { Ok(MaybeUser(Some(user.await?))) })
            }
            Err(e) => Box::pin(async move { Err(e) }),
        }
    }
}

/// The partner a request's API key speaks for (`Authorization: Bearer mk_…`).
impl FromRequest for PartnerKey {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        // Only `Bearer <key>` counts; anything else is no key at all.
        let secret = req
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(|v| v.trim().to_string());
        let state = state_of(req);
        Box::pin(async move {
            let secret = secret.ok_or(ApiError::Unauthenticated)?;
            let state = state?;
            api_keys::authenticate(
                &state.db.read,
                &state.db.write,
                &secret,
                state.settings.clock.now(),
            )
            .await
        })
    }
}
