//! Single sign-on routes: the providers, starting a sign-in (or a link), the provider's
//! callback, the hand-over of the session to the web app, the account's identities, and
//! partners' SSO requirements. The flow is described in `crate::sso`.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::Duration;
use mercato_shared::api::audit::AuditAction;
use mercato_shared::api::sso::{
    Identity, PartnerSso, PartnerSsoRequest, SsoExchangeRequest, SsoProvider, SsoStartRequest,
    SsoStartResponse,
};
use mercato_shared::validate::{Invalid, Validator};
use mercato_shared::ErrorCode;
use oauth2::{AuthorizationCode, CsrfToken, PkceCodeChallenge, PkceCodeVerifier, Scope};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, ModelTrait, PaginatorTrait, QueryFilter,
    QueryOrder, Set, TransactionTrait,
};
use serde::Deserialize;

use crate::auth::accounts::token_response;
use crate::auth::{sessions, CurrentUser, MaybeUser};
use crate::config::SsoKind;
use crate::domain::access::{self, Need};
use crate::entities::{partner_sso, sso_handoffs, sso_logins, user_identities, users};
use crate::error::{ApiError, ApiResult};
use crate::hashing::sha256_hex;
use crate::http::extract::{client_ip, ApiJson};
use crate::http::respond::{self, path_id, path_slug};
use crate::sso::{self, accounts, requirement, Provider, SsoFailure};
use crate::state::AppState;
use crate::store::audit::{self, Actor, Subject};

/// How long a started sign-in may take at the provider.
const LOGIN_TTL: Duration = Duration::minutes(10);
/// How long the web app has to exchange the hand-over code.
const HANDOFF_TTL: Duration = Duration::minutes(2);
/// Binds sealed PKCE verifiers to their use.
const VERIFIER_PURPOSE: &[u8] = b"mercato sso pkce verifier v1";

fn provider<'a>(state: &'a AppState, id: &str) -> ApiResult<&'a std::sync::Arc<Provider>> {
    state
        .sso
        .get(id)
        .ok_or(ApiError::NotFound("sign-in provider"))
}

fn redirect(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, location))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .finish()
}

fn callback_uri(req: &HttpRequest, state: &AppState, provider: &str) -> String {
    format!(
        "{}/api/v1/auth/sso/{provider}/callback",
        crate::pages::origin(req, state)
    )
}

/// The configured sign-in providers, for "Continue with …" buttons.
#[utoipa::path(get, path = "/api/v1/auth/sso", tag = "auth",
    responses((status = 200, body = Vec<SsoProvider>)))]
pub async fn providers(state: web::Data<AppState>) -> HttpResponse {
    respond::ok(&state.sso.public())
}

/// Starts a single sign-on: answers the provider's authorization URL (with PKCE, `state` and
/// `nonce`) for the browser to go to. With `link` and a token, the provider is linked to the
/// signed-in account instead.
#[utoipa::path(post, path = "/api/v1/auth/sso/{provider}/start", tag = "auth",
    params(("provider" = String, Path, description = "A configured provider's id")),
    request_body = SsoStartRequest,
    responses(
        (status = 200, body = SsoStartResponse),
        (status = 401, description = "`link` without a token", body = mercato_shared::Problem),
        (status = 404, description = "No such provider", body = mercato_shared::Problem),
        (status = 422, description = "`return_to` is not a path on this site", body = mercato_shared::Problem),
        (status = 503, description = "The provider cannot be reached", body = mercato_shared::Problem),
    ))]
pub async fn start(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    user: MaybeUser,
    ApiJson(body): ApiJson<SsoStartRequest>,
) -> ApiResult<HttpResponse> {
    let provider = provider(&state, &path)?;
    let Some(return_to) = sso::safe_return_to(body.return_to.as_deref()) else {
        let mut v = Validator::new();
        v.push(
            "return_to",
            Invalid::new("invalid", "must be a path on this site, starting with /"),
        );
        return Err(ApiError::Validation(v.into_errors()));
    };
    let link_user_id = match (body.link, &user.0) {
        (true, Some(user)) => Some(user.id),
        (true, None) => return Err(ApiError::Unauthenticated),
        (false, _) => None,
    };
    let redirect_uri = callback_uri(&req, &state, provider.id());
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
    Ok(respond::ok(&SsoStartResponse {
        authorize_url: url.to_string(),
    }))
}

#[derive(Debug, Default, Deserialize)]
pub struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
}

/// Where the provider sends the browser back: checks the state, exchanges the code, verifies
/// the identity, and sends the browser on to the web app — `/sign-in/complete?code=…` with a
/// one-time hand-over code, the page it came from after a link, or `/sign-in?sso_error=…`.
#[utoipa::path(get, path = "/api/v1/auth/sso/{provider}/callback", tag = "auth",
    params(
        ("provider" = String, Path, description = "A configured provider's id"),
        ("code" = Option<String>, Query, description = "The authorization code"),
        ("state" = Option<String>, Query, description = "The state sent to the provider"),
        ("error" = Option<String>, Query, description = "The provider's error code"),
    ),
    responses((status = 303, description = "To the web app (success or `sso_error`)")))]
pub async fn callback(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    // Providers add parameters of their own (`iss`, `session_state`, `scope`): not strict.
    let query: CallbackQuery = serde_urlencoded::from_str(req.query_string()).unwrap_or_default();
    let provider_id = path.into_inner();
    let ip = client_ip(&req);

    // The state works once: the row is deleted by whoever reads it first.
    let login = match &query.state {
        Some(s) => consume_login(&state, &sha256_hex(s), &provider_id).await?,
        None => None,
    };
    let Some(login) = login else {
        return failed(&state, &ip, &provider_id, None, SsoFailure::StateMismatch).await;
    };
    let back_to = login.link_user_id.map(|_| login.return_to.clone());
    let fail = |f: SsoFailure| failed(&state, &ip, &provider_id, back_to.clone(), f);
    let Some(provider) = state.sso.get(&provider_id).cloned() else {
        return fail(SsoFailure::ProviderUnavailable).await;
    };
    let code = match (&query.error, &query.code) {
        (None, Some(code)) => code.clone(),
        _ => return fail(SsoFailure::ProviderRefused).await,
    };
    let profile = match identify(&state, &provider, &login, code).await {
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
        return Ok(redirect(&with_param(
            &login.return_to,
            "linked",
            provider.id(),
        )));
    }
    if login.link_user_id.is_some() {
        // Linking an identity that was already this account's: nothing changes.
        txn.commit().await?;
        return Ok(redirect(&with_param(
            &login.return_to,
            "linked",
            provider.id(),
        )));
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
    Ok(redirect(&format!("/sign-in/complete?{next}")))
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

/// Records the refusal and sends the browser back with its reason.
async fn failed(
    state: &AppState,
    ip: &Option<String>,
    provider: &str,
    back_to: Option<String>,
    failure: SsoFailure,
) -> ApiResult<HttpResponse> {
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
    Ok(redirect(&with_param(&page, "sso_error", failure.code())))
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
#[utoipa::path(post, path = "/api/v1/auth/sso/exchange", tag = "auth",
    request_body = SsoExchangeRequest,
    responses(
        (status = 200, body = mercato_shared::api::auth::TokenResponse),
        (status = 401, description = "invalid_sso_code", body = mercato_shared::Problem),
    ))]
pub async fn exchange(
    req: HttpRequest,
    state: web::Data<AppState>,
    ApiJson(body): ApiJson<SsoExchangeRequest>,
) -> ApiResult<HttpResponse> {
    let invalid = || ApiError::Conflict {
        code: ErrorCode::InvalidSsoCode,
        detail: "the sign-in code is unknown, used or expired; sign in again".into(),
        field: Some("code"),
    };
    let hash = sha256_hex(body.code.trim());
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
    let ip = client_ip(&req);
    audit::record(
        &txn,
        state.settings.clock.now(),
        Actor::at(Some(user.id), &ip),
        AuditAction::SsoSignIn,
        Subject::User(user.id),
        serde_json::json!({ "provider": handoff.provider }),
    )
    .await?;
    txn.commit().await?;
    Ok(respond::ok(&token_response(&state, &user, issued).await?))
}

fn identity_view(state: &AppState, row: user_identities::Model) -> Identity {
    Identity {
        id: row.id,
        provider_name: state.sso.name_of(&row.provider),
        provider: row.provider,
        email: row.email,
        linked_at: row.created_at,
        last_used_at: row.last_used_at,
    }
}

/// The provider identities linked to the signed-in account.
#[utoipa::path(get, path = "/api/v1/me/identities", tag = "auth", security(("bearer" = [])),
    responses(
        (status = 200, body = Vec<Identity>),
        (status = 401, body = mercato_shared::Problem),
    ))]
pub async fn identities(state: web::Data<AppState>, user: CurrentUser) -> ApiResult<HttpResponse> {
    let rows = user_identities::Entity::find()
        .filter(user_identities::Column::UserId.eq(user.id))
        .order_by_asc(user_identities::Column::Id)
        .all(&state.db.read)
        .await?;
    let list: Vec<Identity> = rows.into_iter().map(|r| identity_view(&state, r)).collect();
    Ok(respond::ok(&list))
}

/// Unlinks an identity. Refused when it is the account's last way to sign in, or the
/// provider the account's partner requires.
#[utoipa::path(delete, path = "/api/v1/me/identities/{id}", tag = "auth", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses(
        (status = 204, description = "Unlinked"),
        (status = 401, body = mercato_shared::Problem),
        (status = 404, body = mercato_shared::Problem),
        (status = 409, description = "last_sign_in_method", body = mercato_shared::Problem),
        (status = 403, description = "sso_required", body = mercato_shared::Problem),
    ))]
pub async fn unlink(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let id = path_id(&path, "identity")?;
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
        Actor::from(&user),
        AuditAction::IdentityUnlinked,
        Subject::User(user.id),
        serde_json::json!({ "provider": provider }),
    )
    .await?;
    txn.commit().await?;
    Ok(respond::no_content())
}

/// The partner of the path for its members and marketplace admins to see (`change`: for its
/// admins and marketplace admins to change).
async fn partner_for_admin(
    state: &AppState,
    user: &CurrentUser,
    raw_slug: &str,
    change: bool,
) -> ApiResult<crate::entities::partners::Model> {
    let slug = path_slug(raw_slug, "partner")?;
    let need = if change {
        Need::Oversight
    } else {
        Need::PrivateData
    };
    Ok(access::partner_for(&state.db.read, Some(user), &slug, need)
        .await?
        .0)
}

fn partner_sso_view(row: Option<partner_sso::Model>) -> PartnerSso {
    PartnerSso {
        required: row.is_some(),
        provider: row.as_ref().map(|r| r.provider.clone()),
        domain: row.map(|r| r.domain),
    }
}

/// The partner's single sign-on requirement (its members and marketplace admins).
#[utoipa::path(get, path = "/api/v1/partners/{slug}/sso", tag = "partners", security(("bearer" = [])),
    params(("slug" = String, Path)),
    responses(
        (status = 200, body = PartnerSso),
        (status = 401, body = mercato_shared::Problem),
        (status = 403, body = mercato_shared::Problem),
        (status = 404, body = mercato_shared::Problem),
    ))]
pub async fn partner_get(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let partner = partner_for_admin(&state, &user, &path, false).await?;
    let row = partner_sso::Entity::find_by_id(partner.id)
        .one(&state.db.read)
        .await?;
    Ok(respond::ok(&partner_sso_view(row)))
}

/// Requires the partner's members with an email at `domain` to sign in with `provider`.
/// Partner admins (and marketplace admins); the domain must be the partner's verified one.
#[utoipa::path(put, path = "/api/v1/partners/{slug}/sso", tag = "partners", security(("bearer" = [])),
    params(("slug" = String, Path)),
    request_body = PartnerSsoRequest,
    responses(
        (status = 200, body = PartnerSso),
        (status = 401, body = mercato_shared::Problem),
        (status = 403, body = mercato_shared::Problem),
        (status = 404, body = mercato_shared::Problem),
        (status = 422, body = mercato_shared::Problem),
    ))]
pub async fn partner_put(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
    ApiJson(body): ApiJson<PartnerSsoRequest>,
) -> ApiResult<HttpResponse> {
    let partner = partner_for_admin(&state, &user, &path, true).await?;
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
        Actor::from(&user),
        AuditAction::PartnerSsoChanged,
        Subject::Partner(&partner.slug),
        serde_json::json!({ "provider": provider, "domain": domain }),
    )
    .await?;
    txn.commit().await?;
    Ok(respond::ok(&partner_sso_view(Some(saved))))
}

/// Lifts the requirement.
#[utoipa::path(delete, path = "/api/v1/partners/{slug}/sso", tag = "partners", security(("bearer" = [])),
    params(("slug" = String, Path)),
    responses(
        (status = 204, description = "No requirement any more"),
        (status = 401, body = mercato_shared::Problem),
        (status = 403, body = mercato_shared::Problem),
        (status = 404, body = mercato_shared::Problem),
    ))]
pub async fn partner_delete(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let partner = partner_for_admin(&state, &user, &path, true).await?;
    let txn = state.db.write.begin().await?;
    let deleted = partner_sso::Entity::delete_by_id(partner.id)
        .exec(&txn)
        .await?;
    if deleted.rows_affected > 0 {
        audit::record(
            &txn,
            state.settings.clock.now(),
            Actor::from(&user),
            AuditAction::PartnerSsoChanged,
            Subject::Partner(&partner.slug),
            serde_json::json!({ "provider": null, "domain": null }),
        )
        .await?;
    }
    txn.commit().await?;
    Ok(respond::no_content())
}
