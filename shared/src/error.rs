//! The API's one error envelope: RFC 9457 `application/problem+json` with a stable `code`.

use serde::{Deserialize, Serialize};

/// Every error the API answers with has one of these codes. The codes are part of the API
/// contract: clients match on them, so a code is never renamed or reused for something else.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// One or more fields failed validation; `errors` names each.
    ValidationFailed,
    /// The body is not valid JSON, or not the JSON shape the route takes.
    MalformedJson,
    /// The query string could not be parsed.
    InvalidQuery,
    /// The request needs a JSON body (`Content-Type: application/json`).
    UnsupportedMediaType,
    /// The body is larger than the route accepts.
    PayloadTooLarge,
    /// The request's headers are larger than the server accepts.
    HeadersTooLarge,
    /// No credentials were given for a route that needs them.
    Unauthenticated,
    /// The access token is expired, malformed or not signed by this server.
    InvalidToken,
    /// Email or password is wrong.
    InvalidCredentials,
    /// The refresh token is unknown, expired or revoked.
    InvalidRefreshToken,
    /// A refresh token was presented a second time: its whole family is now revoked.
    RefreshTokenReused,
    /// The caller is known but may not do this.
    Forbidden,
    /// The resource does not exist, or the caller may not know it exists.
    NotFound,
    /// No route matches the path.
    RouteNotFound,
    /// The route exists but not for this method.
    MethodNotAllowed,
    /// The slug is taken by another resource of the same kind.
    SlugTaken,
    /// An account with this email exists already.
    EmailTaken,
    /// The resource's current status does not allow this action.
    InvalidStateTransition,
    /// The change would leave a partner without an admin.
    LastPartnerAdmin,
    /// The user is already a member of this partner.
    AlreadyMember,
    /// The change would leave a workspace without an owner.
    LastOwner,
    /// The `Idempotency-Key` was used before with a different request.
    IdempotencyKeyReused,
    /// The workspace already reviewed this listing (edit the review instead).
    AlreadyReviewed,
    /// The review already has the partner's reply.
    AlreadyReplied,
    AlreadyVoted,
    AlreadyRegistered,
    /// The lead moved on (re-routed to another partner, or moved along its pipeline) while
    /// the request was on its way: it is no longer the caller's partner's to act on as asked.
    LeadMoved,
    /// A per-owner limit (e.g. webhook endpoints per partner) is reached.
    LimitReached,
    /// The API key is unknown or revoked.
    InvalidApiKey,
    /// Too many requests; retry after the time in `Retry-After`.
    RateLimited,
    /// The account's partner requires its members to sign in with a single sign-on provider.
    SsoRequired,
    /// The sign-in identity is linked to another account already.
    IdentityTaken,
    /// Removing this would leave the account without a way to sign in.
    LastSignInMethod,
    /// The single sign-on code is unknown, used or expired.
    InvalidSsoCode,
    /// A dependency (the database) is not available.
    ServiceUnavailable,
    /// Something went wrong on the server; the `request_id` identifies it in the logs.
    Internal,
}

impl ErrorCode {
    /// The HTTP status this code is always answered with.
    pub fn status(self) -> u16 {
        use ErrorCode::*;
        match self {
            MalformedJson | InvalidQuery => 400,
            Unauthenticated | InvalidToken | InvalidCredentials | InvalidRefreshToken
            | RefreshTokenReused => 401,
            Forbidden | SsoRequired => 403,
            NotFound | RouteNotFound => 404,
            MethodNotAllowed => 405,
            SlugTaken
            | EmailTaken
            | InvalidStateTransition
            | LastPartnerAdmin
            | AlreadyMember
            | LastOwner
            | IdempotencyKeyReused
            | AlreadyReviewed
            | AlreadyReplied
            | AlreadyVoted
            | AlreadyRegistered
            | LeadMoved
            | LimitReached
            | IdentityTaken
            | LastSignInMethod => 409,
            InvalidApiKey | InvalidSsoCode => 401,
            PayloadTooLarge => 413,
            HeadersTooLarge => 431,
            UnsupportedMediaType => 415,
            ValidationFailed => 422,
            RateLimited => 429,
            Internal => 500,
            ServiceUnavailable => 503,
        }
    }

    /// A short, human-readable summary that does not change between occurrences.
    pub fn title(self) -> &'static str {
        use ErrorCode::*;
        match self {
            ValidationFailed => "The request has invalid fields",
            MalformedJson => "The request body is not valid JSON for this route",
            InvalidQuery => "The query string is invalid",
            UnsupportedMediaType => "The request body must be JSON",
            PayloadTooLarge => "The request body is too large",
            HeadersTooLarge => "The request headers are too large",
            Unauthenticated => "Authentication is required",
            InvalidToken => "The access token is invalid or expired",
            InvalidCredentials => "Email or password is wrong",
            InvalidRefreshToken => "The refresh token is invalid or expired",
            RefreshTokenReused => "The refresh token was already used",
            Forbidden => "You may not do this",
            NotFound => "Not found",
            RouteNotFound => "No such route",
            MethodNotAllowed => "Method not allowed",
            SlugTaken => "The slug is taken",
            EmailTaken => "An account with this email exists",
            InvalidStateTransition => "Not allowed in the current status",
            LastPartnerAdmin => "A partner needs at least one admin",
            AlreadyMember => "Already a member",
            LastOwner => "A workspace needs at least one owner",
            IdempotencyKeyReused => "The idempotency key was used for another request",
            AlreadyReviewed => "Already reviewed",
            AlreadyReplied => "Already replied",
            AlreadyVoted => "Already voted",
            AlreadyRegistered => "Already registered",
            LeadMoved => "The lead has moved on",
            LimitReached => "Limit reached",
            InvalidApiKey => "The API key is invalid or revoked",
            RateLimited => "Too many requests",
            SsoRequired => "Sign in with your organisation's single sign-on",
            IdentityTaken => "This identity is linked to another account",
            LastSignInMethod => "The account needs a way to sign in",
            InvalidSsoCode => "The sign-in code is invalid or expired",
            ServiceUnavailable => "Service unavailable",
            Internal => "Internal server error",
        }
    }

    pub fn as_str(self) -> &'static str {
        use ErrorCode::*;
        match self {
            ValidationFailed => "validation_failed",
            MalformedJson => "malformed_json",
            InvalidQuery => "invalid_query",
            UnsupportedMediaType => "unsupported_media_type",
            PayloadTooLarge => "payload_too_large",
            HeadersTooLarge => "headers_too_large",
            Unauthenticated => "unauthenticated",
            InvalidToken => "invalid_token",
            InvalidCredentials => "invalid_credentials",
            InvalidRefreshToken => "invalid_refresh_token",
            RefreshTokenReused => "refresh_token_reused",
            Forbidden => "forbidden",
            NotFound => "not_found",
            RouteNotFound => "route_not_found",
            MethodNotAllowed => "method_not_allowed",
            SlugTaken => "slug_taken",
            EmailTaken => "email_taken",
            InvalidStateTransition => "invalid_state_transition",
            LastPartnerAdmin => "last_partner_admin",
            AlreadyMember => "already_member",
            LastOwner => "last_owner",
            IdempotencyKeyReused => "idempotency_key_reused",
            AlreadyReviewed => "already_reviewed",
            AlreadyReplied => "already_replied",
            AlreadyVoted => "already_voted",
            AlreadyRegistered => "already_registered",
            LeadMoved => "lead_moved",
            LimitReached => "limit_reached",
            InvalidApiKey => "invalid_api_key",
            RateLimited => "rate_limited",
            SsoRequired => "sso_required",
            IdentityTaken => "identity_taken",
            LastSignInMethod => "last_sign_in_method",
            InvalidSsoCode => "invalid_sso_code",
            ServiceUnavailable => "service_unavailable",
            Internal => "internal",
        }
    }

    /// All codes, for the reference page.
    pub const ALL: &'static [ErrorCode] = &[
        ErrorCode::ValidationFailed,
        ErrorCode::MalformedJson,
        ErrorCode::InvalidQuery,
        ErrorCode::UnsupportedMediaType,
        ErrorCode::PayloadTooLarge,
        ErrorCode::HeadersTooLarge,
        ErrorCode::Unauthenticated,
        ErrorCode::InvalidToken,
        ErrorCode::InvalidCredentials,
        ErrorCode::InvalidRefreshToken,
        ErrorCode::RefreshTokenReused,
        ErrorCode::Forbidden,
        ErrorCode::NotFound,
        ErrorCode::RouteNotFound,
        ErrorCode::MethodNotAllowed,
        ErrorCode::SlugTaken,
        ErrorCode::EmailTaken,
        ErrorCode::InvalidStateTransition,
        ErrorCode::LastPartnerAdmin,
        ErrorCode::AlreadyMember,
        ErrorCode::LastOwner,
        ErrorCode::IdempotencyKeyReused,
        ErrorCode::AlreadyReviewed,
        ErrorCode::AlreadyReplied,
        ErrorCode::AlreadyVoted,
        ErrorCode::AlreadyRegistered,
        ErrorCode::LeadMoved,
        ErrorCode::LimitReached,
        ErrorCode::InvalidApiKey,
        ErrorCode::RateLimited,
        ErrorCode::SsoRequired,
        ErrorCode::IdentityTaken,
        ErrorCode::LastSignInMethod,
        ErrorCode::InvalidSsoCode,
        ErrorCode::ServiceUnavailable,
        ErrorCode::Internal,
    ];

    /// The `type` URI of the problem: the code's anchor on the API reference page.
    pub fn type_uri(self) -> String {
        format!("/api/v1/docs#error-{}", self.as_str())
    }
}

/// A field message as a sentence for people ("must not be empty" → "Must not be empty.").
pub fn sentence(message: &str) -> String {
    let mut out = message.to_string();
    if let Some(first) = out.get_mut(0..1) {
        first.make_ascii_uppercase();
    }
    if !out.ends_with('.') {
        out.push('.');
    }
    out
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One offending field of a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FieldError {
    /// Path of the field in the request, e.g. `name`, `screenshots[1].url`, or a query or
    /// path parameter's name.
    pub field: String,
    /// Stable machine-readable reason, e.g. `required`, `too_long`, `invalid_url`.
    pub code: String,
    /// Human-readable explanation, safe to show next to the field.
    pub message: String,
}

/// An `application/problem+json` body (RFC 9457).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Problem {
    /// A URI reference documenting the problem type.
    #[serde(rename = "type")]
    pub type_uri: String,
    pub title: String,
    pub status: u16,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    pub code: ErrorCode,
    /// Per-field details for validation problems.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
    /// Identifies the request in the server's logs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
}

impl Problem {
    pub fn new(code: ErrorCode, detail: impl Into<Option<String>>) -> Self {
        Problem {
            type_uri: code.type_uri(),
            title: code.title().to_string(),
            status: code.status(),
            detail: detail.into(),
            code,
            errors: Vec::new(),
            request_id: None,
        }
    }

    /// The message for a given field, if the problem names it (used by forms).
    pub fn field_message(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.as_str())
    }
}
