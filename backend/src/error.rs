//! The API's errors, and the one place where they become HTTP responses
//! (`application/problem+json`, RFC 9457, with the stable codes of `mercato_shared::ErrorCode`).

use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use mercato_shared::{ErrorCode, FieldError, Problem};

tokio::task_local! {
    /// The id of the request being handled, set by the request-context middleware so that
    /// error bodies can carry it.
    pub static REQUEST_ID: String;
}

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("validation failed: {0:?}")]
    Validation(Vec<FieldError>),
    #[error("malformed JSON: {0}")]
    MalformedJson(String),
    #[error("invalid query: {0:?}")]
    InvalidQuery(Vec<FieldError>),
    #[error("unsupported media type")]
    UnsupportedMediaType,
    #[error("payload larger than {0} bytes")]
    PayloadTooLarge(usize),
    #[error("headers larger than {0} bytes")]
    HeadersTooLarge(usize),
    #[error("authentication required")]
    Unauthenticated,
    #[error("invalid access token")]
    InvalidToken,
    #[error("invalid credentials")]
    InvalidCredentials,
    #[error("invalid refresh token")]
    InvalidRefreshToken,
    #[error("refresh token reused")]
    RefreshTokenReused,
    #[error("invalid API key")]
    InvalidApiKey,
    #[error("forbidden: {0}")]
    Forbidden(&'static str),
    /// Too many requests (429 `rate_limited` with `Retry-After`).
    #[error("rate limited: {detail}")]
    RateLimited {
        detail: String,
        retry_after_secs: u64,
    },
    /// The named kind of resource does not exist (or is not visible to the caller).
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("no route for {0}")]
    RouteNotFound(String),
    #[error("method not allowed")]
    MethodNotAllowed,
    #[error("{code}: {detail}")]
    Conflict {
        code: ErrorCode,
        detail: String,
        field: Option<&'static str>,
    },
    #[error("cannot {action} a {subject} that is {status}")]
    InvalidTransition {
        subject: &'static str,
        action: &'static str,
        status: String,
    },
    #[error("service unavailable: {0}")]
    Unavailable(&'static str),
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl From<sea_orm::DbErr> for ApiError {
    fn from(e: sea_orm::DbErr) -> Self {
        ApiError::Unexpected(anyhow::Error::new(e))
    }
}

impl<E: std::fmt::Debug + std::fmt::Display + Send + Sync + 'static>
    From<sea_orm::TransactionError<E>> for ApiError
where
    ApiError: From<E>,
{
    fn from(e: sea_orm::TransactionError<E>) -> Self {
        match e {
            sea_orm::TransactionError::Connection(db) => db.into(),
            sea_orm::TransactionError::Transaction(inner) => inner.into(),
        }
    }
}

impl ApiError {
    /// A single-field validation error.
    pub fn field(field: &str, code: &str, message: impl Into<String>) -> Self {
        ApiError::Validation(vec![FieldError {
            field: field.into(),
            code: code.into(),
            message: message.into(),
        }])
    }

    /// Too many `what` from this `source` in the last hour (429 `rate_limited`).
    pub fn rate_limited(what: &str, source: &str) -> Self {
        ApiError::RateLimited {
            detail: format!("too many {what} from this {source} in the last hour; try again later"),
            // The window is an hour and sliding: the oldest counted request leaves it at the
            // latest then.
            retry_after_secs: 3600,
        }
    }

    pub fn code(&self) -> ErrorCode {
        use ApiError::*;
        match self {
            Validation(_) => ErrorCode::ValidationFailed,
            MalformedJson(_) => ErrorCode::MalformedJson,
            InvalidQuery(_) => ErrorCode::InvalidQuery,
            UnsupportedMediaType => ErrorCode::UnsupportedMediaType,
            PayloadTooLarge(_) => ErrorCode::PayloadTooLarge,
            HeadersTooLarge(_) => ErrorCode::HeadersTooLarge,
            Unauthenticated => ErrorCode::Unauthenticated,
            InvalidToken => ErrorCode::InvalidToken,
            InvalidCredentials => ErrorCode::InvalidCredentials,
            InvalidRefreshToken => ErrorCode::InvalidRefreshToken,
            RefreshTokenReused => ErrorCode::RefreshTokenReused,
            InvalidApiKey => ErrorCode::InvalidApiKey,
            Forbidden(_) => ErrorCode::Forbidden,
            RateLimited { .. } => ErrorCode::RateLimited,
            NotFound(_) => ErrorCode::NotFound,
            RouteNotFound(_) => ErrorCode::RouteNotFound,
            MethodNotAllowed => ErrorCode::MethodNotAllowed,
            Conflict { code, .. } => *code,
            InvalidTransition { .. } => ErrorCode::InvalidStateTransition,
            Unavailable(_) => ErrorCode::ServiceUnavailable,
            Unexpected(_) => ErrorCode::Internal,
        }
    }

    /// The body clients see. Internal details never leave the server.
    pub fn problem(&self) -> Problem {
        use ApiError::*;
        let code = self.code();
        let (detail, errors) = match self {
            Validation(errors) => (
                Some(format!("{} field(s) are invalid", errors.len())),
                errors.clone(),
            ),
            InvalidQuery(errors) => (Some("the query string is invalid".into()), errors.clone()),
            MalformedJson(msg) => (Some(msg.clone()), vec![]),
            PayloadTooLarge(limit) => (
                Some(format!("the body must be at most {limit} bytes")),
                vec![],
            ),
            HeadersTooLarge(limit) => (
                Some(format!(
                    "the request headers must be at most {limit} bytes in all"
                )),
                vec![],
            ),
            UnsupportedMediaType => (Some("send the body as application/json".into()), vec![]),
            Unauthenticated => (
                Some("send an access token as `Authorization: Bearer <token>`".into()),
                vec![],
            ),
            Forbidden(why) => (Some((*why).to_string()), vec![]),
            RateLimited { detail, .. } => (Some(detail.clone()), vec![]),
            NotFound(what) => (Some(format!("no such {what}")), vec![]),
            RouteNotFound(path) => (Some(format!("no route matches {path}")), vec![]),
            Conflict { detail, field, .. } => (
                Some(detail.clone()),
                field
                    .map(|f| {
                        vec![FieldError {
                            field: f.to_string(),
                            code: code.as_str().to_string(),
                            message: detail.clone(),
                        }]
                    })
                    .unwrap_or_default(),
            ),
            InvalidTransition {
                subject,
                action,
                status,
            } => (
                Some(format!("cannot {action} a {subject} that is {status}")),
                vec![],
            ),
            Unavailable(what) => (Some(format!("{what} is not available")), vec![]),
            _ => (None, vec![]),
        };
        let mut problem = Problem::new(code, detail);
        problem.errors = errors;
        problem.request_id = REQUEST_ID.try_with(|id| id.clone()).ok();
        problem
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        StatusCode::from_u16(self.code().status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    fn error_response(&self) -> HttpResponse {
        if let ApiError::Unexpected(e) = self {
            // The cause chain goes to the log; the client gets the request id to quote.
            tracing::error!(error.cause_chain = ?e, error.message = %e, "unexpected error");
        }
        let mut res = problem_response(&self.problem());
        if let ApiError::RateLimited {
            retry_after_secs, ..
        } = self
        {
            res.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(*retry_after_secs));
        }
        res
    }
}

/// The content type of every error body.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// Serialises a problem with its status and content type.
pub fn problem_response(problem: &Problem) -> HttpResponse {
    let status = StatusCode::from_u16(problem.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut res = HttpResponse::build(status);
    res.insert_header((header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON)));
    if status == StatusCode::UNAUTHORIZED {
        res.insert_header((header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer")));
    }
    res.body(serde_json::to_vec(problem).unwrap_or_default())
}

pub type ApiResult<T> = Result<T, ApiError>;
