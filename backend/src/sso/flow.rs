//! The single sign-on flow: starting a sign-in (or a link) at a provider, the provider's
//! callback (state, code exchange with PKCE, the identity, the account), and the hand-over of
//! the session to the web app. See `crate::sso` for the picture; the routes only turn the
//! answers into responses (a redirect for the callback).

use chrono::Duration;
use mercato_shared::api::audit::AuditAction;
use mercato_shared::api::auth::TokenResponse;
use mercato_shared::api::sso::{SsoStartRequest, SsoStartResponse};
use mercato_shared::validate::{Invalid, Validator};
use mercato_shared::ErrorCode;
use oauth2::{AuthorizationCode, CsrfToken, PkceCodeChallenge, PkceCodeVerifier, Scope};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set, TransactionTrait};

use super::{accounts, requirement, Provider, SsoFailure};
use crate::auth::accounts::token_response;
use crate::auth::{sessions, CurrentUser};
use crate::config::SsoKind;
use crate::entities::{sso_handoffs, sso_logins, users};
use crate::error::{ApiError, ApiResult};
use crate::hashing::sha256_hex;
use crate::sso;
use crate::state::AppState;
use crate::store::audit::{self, Actor, Subject};

/// How long a started sign-in may take at the provider.
const LOGIN_TTL: Duration = Duration::minutes(10);
/// How long the web app has to exchange the hand-over code.
const HANDOFF_TTL: Duration = Duration::minutes(2);
/// Binds sealed PKCE verifiers to their use.
const VERIFIER_PURPOSE: &[u8] = b"mercato sso pkce verifier v1";

/// A configured provider, or 404.
pub fn provider<'a>(state: &'a AppState, id: &str) -> ApiResult<&'a std::sync::Arc<Provider>> {
    state
        .sso
        .get(id)
        .ok_or(ApiError::NotFound("sign-in provider"))
}

/// Starts a single sign-on: the provider's authorization URL (with PKCE, `state` and `nonce`)
/// for the browser to go to. With `link` and a signed-in `user`, the provider is linked to
/// that account instead. `origin`: this site's origin, for the callback URI.
pub async fn start(
    state: &AppState,
    provider_id: &str,
    user: Option<&CurrentUser>,
    body: SsoStartRequest,
    origin: &str,
) -> ApiResult<SsoStartResponse> {
    let provider = provider(state, provider_id)?;
    let Some(return_to) = sso::safe_return_to(body.return_to.as_deref()) else {
        let mut v = Validator::new();
        v.push(
            "return_to",
            Invalid::new("invalid", "must be a path on this site, starting with /"),
        );
        return Err(ApiError::Validation(v.into_errors()));
    };
    let link_user_id = match (body.link, user) {
        (true, Some(user)) => Some(user.id),
        (true, None) => return Err(ApiError::Unauthenticated),
        (false, _) => None,
    };
    let redirect_uri = format!("{origin}/api/v1/auth/sso/{}/callback", provider.id());
    let client = provider
        .client(&state.sso.http, &redirect_uri)
        .await
        .map_err(|_| ApiError::Unavailable("the sign-in provider"))?;
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let nonce = sso::random_token(24);
    let mut request = client
        .authorize_url(CsrfToken::new_random)
        .set_pkce_challenge(challenge);
    for scope in provider.scopes() {
        request = request.add_scope(Scope::new((*scope).to_string()));
    }
    if provider.settings.kind == SsoKind::Oidc {
        request = request.add_extra_param("nonce", nonce.clone());
    }
    let (url, csrf) = request.url();

    let now = state.settings.clock.now();
    // Sign-ins abandoned at the provider, and hand-over codes never exchanged, are cleared as
    // new sign-ins start.
    sso_logins::Entity::delete_many()
        .filter(sso_logins::Column::ExpiresAt.lt(now))
        .exec(&state.db.write)
        .await?;
    sso_handoffs::Entity::delete_many()
        .filter(sso_handoffs::Column::ExpiresAt.lt(now))
        .exec(&state.db.write)
        .await?;
    sso_logins::ActiveModel {
        state_hash: Set(sha256_hex(csrf.secret())),
        provider: Set(provider.id().to_string()),
        sealed_verifier: Set(state
            .webhook_secrets
            .seal_for(VERIFIER_PURPOSE, verifier.secret())),
        nonce: Set(nonce),
        redirect_uri: Set(redirect_uri),
        return_to: Set(return_to),
        link_user_id: Set(link_user_id),
        expires_at: Set(now + LOGIN_TTL),
    }
    .insert(&state.db.write)
    .await?;
    Ok(SsoStartResponse {
        authorize_url: url.to_string(),
    })
}

/// What the provider sent back to the callback.
#[derive(Debug, Default, serde::Deserialize)]
pub struct Callback {
    pub code: Option<String>,
    pub state: Option<String>,
    pub error: Option<String>,
}

/// The provider's callback: checks the state, exchanges the code, verifies the identity, and
/// answers the page to send the browser to — `/sign-in/complete?code=…` with a one-time
/// hand-over code, the page it came from after a link, or `/sign-in?sso_error=…` (refusals are
/// audited).
pub async fn callback(
    state: &AppState,
    provider_id: &str,
    query: Callback,
    client_ip: Option<String>,
) -> ApiResult<String> {
    let ip = client_ip;

    // The state works once: the row is deleted by whoever reads it first.
    let login = match &query.state {
        Some(s) => consume_login(state, &sha256_hex(s), provider_id).await?,
        None => None,
    };
    let Some(login) = login else {
        return failed(state, &ip, provider_id, None, SsoFailure::StateMismatch).await;
    };
    let back_to = login.link_user_id.map(|_| login.return_to.clone());
    let fail = |f: SsoFailure| failed(state, &ip, provider_id, back_to.clone(), f);
    let Some(provider) = state.sso.get(provider_id).cloned() else {
        return fail(SsoFailure::ProviderUnavailable).await;
    };
    let code = match (&query.error, &query.code) {
        (None, Some(code)) => code.clone(),
        _ => return fail(SsoFailure::ProviderRefused).await,
    };
    let profile = match identify(state, &provider, &login, code).await {
        Ok(p) => p,
        Err(f) => return fail(f).await,
    };

    let txn = state.db.write.begin().await?;
    let resolved = match accounts::resolve(
        &txn,
        provider.id(),
        &profile,
        login.link_user_id,
        state.settings.clock.now(),
    )
    .await?
    {
        Ok(r) => r,
        Err(f) => {
            drop(txn);
            return fail(f).await;
        }
    };
    let user = &resolved.user;
    if let Some(required) = requirement::for_account(&txn, user.id, &user.email).await? {
        if required.provider != provider.id() {
            drop(txn);
            return fail(SsoFailure::SsoRequired).await;
        }
    }
    let actor = Actor::at(Some(user.id), &ip);
    let details = serde_json::json!({ "provider": provider.id() });
    if resolved.created {
        audit::record(
            &txn,
            state.settings.clock.now(),
            actor,
            AuditAction::Registered,
            Subject::User(user.id),
            details.clone(),
        )
        .await?;
    }
    if resolved.linked {
        audit::record(
            &txn,
            state.settings.clock.now(),
            actor,
            AuditAction::IdentityLinked,
            Subject::User(user.id),
            details,
        )
        .await?;
        txn.commit().await?;
        return Ok(with_param(&login.return_to, "linked", provider.id()));
    }
    if login.link_user_id.is_some() {
        // Linking an identity that was already this account's: nothing changes.
        txn.commit().await?;
        return Ok(with_param(&login.return_to, "linked", provider.id()));
    }
    let code = sso::random_token(32);
    sso_handoffs::ActiveModel {
        code_hash: Set(sha256_hex(&code)),
        user_id: Set(user.id),
        provider: Set(provider.id().to_string()),
        expires_at: Set(state.settings.clock.now() + HANDOFF_TTL),
    }
    .insert(&txn)
    .await?;
    txn.commit().await?;
    let next: String = form_urlencoded::Serializer::new(String::new())
        .append_pair("code", &code)
        .append_pair("next", &login.return_to)
        .finish();
    Ok(format!("/sign-in/complete?{next}"))
}

/// Reads and deletes the sign-in in flight with this state; `None` when unknown, used,
/// expired or for another provider.
async fn consume_login(
    state: &AppState,
    state_hash: &str,
    provider_id: &str,
) -> ApiResult<Option<sso_logins::Model>> {
    let Some(login) = sso_logins::Entity::find_by_id(state_hash.to_string())
        .one(&state.db.write)
        .await?
    else {
        return Ok(None);
    };
    let deleted = sso_logins::Entity::delete_by_id(state_hash.to_string())
        .exec(&state.db.write)
        .await?;
    if deleted.rows_affected != 1
        || login.expires_at < state.settings.clock.now()
        || login.provider != provider_id
    {
        return Ok(None);
    }
    Ok(Some(login))
}

/// Exchanges the code (with the PKCE verifier) and learns who signed in.
async fn identify(
    state: &AppState,
    provider: &Provider,
    login: &sso_logins::Model,
    code: String,
) -> Result<sso::Profile, SsoFailure> {
    use oauth2::TokenResponse;
    let verifier = state
        .webhook_secrets
        .open_for(VERIFIER_PURPOSE, &login.sealed_verifier)
        .map_err(|_| SsoFailure::StateMismatch)?;
    let client = provider
        .client(&state.sso.http, &login.redirect_uri)
        .await?;
    let answer = client
        .exchange_code(AuthorizationCode::new(code))
        .set_pkce_verifier(PkceCodeVerifier::new(verifier))
        .request_async(&state.sso.http)
        .await
        .map_err(|e| {
            tracing::info!(provider = provider.id(), error = %e, "the provider refused the code");
            SsoFailure::TokenExchangeFailed
        })?;
    match &provider.issuer {
        Some(issuer) => {
            let id_token = answer
                .extra_fields()
                .id_token
                .as_deref()
                .ok_or(SsoFailure::IdTokenInvalid)?;
            issuer
                .verify(
                    &state.sso.http,
                    id_token,
                    &provider.settings.client_id,
                    &login.nonce,
                )
                .await
        }
        None => {
            let api = provider
                .settings
                .api_url
                .as_deref()
                .unwrap_or("https://api.github.com");
            sso::github::profile(&state.sso.http, api, answer.access_token().secret()).await
        }
    }
}

/// Records the refusal; the page to send the browser back to, with its reason.
async fn failed(
    state: &AppState,
    ip: &Option<String>,
    provider: &str,
    back_to: Option<String>,
    failure: SsoFailure,
) -> ApiResult<String> {
    tracing::info!(provider, reason = failure.code(), "single sign-on refused");
    audit::record(
        &state.db.write,
        state.settings.clock.now(),
        Actor::at(None, ip),
        AuditAction::SsoSignInFailed,
        Subject::Email(None),
        serde_json::json!({ "provider": provider, "reason": failure.code() }),
    )
    .await?;
    let page = back_to.unwrap_or_else(|| "/sign-in".into());
    Ok(with_param(&page, "sso_error", failure.code()))
}

/// `path` with `name=value` added to its query.
fn with_param(path: &str, name: &str, value: &str) -> String {
    let pair: String = form_urlencoded::Serializer::new(String::new())
        .append_pair(name, value)
        .finish();
    let sep = if path.contains('?') { '&' } else { '?' };
    format!("{path}{sep}{pair}")
}

/// Exchanges the callback's one-time hand-over code for the session's tokens.
pub async fn exchange(
    state: &AppState,
    code: &str,
    client_ip: Option<String>,
) -> ApiResult<TokenResponse> {
    let invalid = || ApiError::Conflict {
        code: ErrorCode::InvalidSsoCode,
        detail: "the sign-in code is unknown, used or expired; sign in again".into(),
        field: Some("code"),
    };
    let hash = sha256_hex(code.trim());
    let txn = state.db.write.begin().await?;
    let handoff = sso_handoffs::Entity::find_by_id(hash.clone())
        .one(&txn)
        .await?
        .ok_or_else(invalid)?;
    let deleted = sso_handoffs::Entity::delete_by_id(hash).exec(&txn).await?;
    if deleted.rows_affected != 1 || handoff.expires_at < state.settings.clock.now() {
        txn.commit().await?;
        return Err(invalid());
    }
    let user = users::Entity::find_by_id(handoff.user_id)
        .one(&txn)
        .await?
        .ok_or_else(invalid)?;
    let issued = sessions::start(&txn, &state.tokens, user.id).await?;
    audit::record(
        &txn,
        state.settings.clock.now(),
        Actor::at(Some(user.id), &client_ip),
        AuditAction::SsoSignIn,
        Subject::User(user.id),
        serde_json::json!({ "provider": handoff.provider }),
    )
    .await?;
    txn.commit().await?;
    token_response(state, &user, issued).await
}
