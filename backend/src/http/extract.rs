//! Request extractors that turn every kind of bad input into the API's problem responses:
//! JSON bodies (size, content type, syntax, types, unknown fields and enum values, each named
//! by its path) and query strings.

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{web, FromRequest, HttpRequest};
use futures_util::future::LocalBoxFuture;
use futures_util::StreamExt;
use mercato_shared::FieldError;
use serde::de::DeserializeOwned;

use crate::error::ApiError;
use crate::state::AppState;

/// A larger body limit for one route (as `app_data` on its resource), e.g. usage batches.
#[derive(Debug, Clone, Copy)]
pub struct BodyLimit(pub usize);

/// The raw bytes of a JSON body (size and content type checked), for routes that hash or parse
/// the body themselves.
pub struct JsonBytes(pub web::Bytes);

impl FromRequest for JsonBytes {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let body = read_body(req, payload, false);
        Box::pin(async move { body.await.map(JsonBytes) })
    }
}

/// A JSON body of type `T`, parsed strictly. Use instead of `web::Json`.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned + 'static> FromRequest for ApiJson<T> {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let body = read_body(req, payload, false);
        Box::pin(async move {
            let bytes = body.await?;
            parse_json(&bytes).map(ApiJson)
        })
    }
}

/// Like [`ApiJson`] for action routes whose body is optional (`POST …/approve` with or
/// without a note): no body at all gives `T::default()`; a body is parsed as strictly.
pub struct OptionalJson<T>(pub T);

impl<T: DeserializeOwned + Default + 'static> FromRequest for OptionalJson<T> {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let body = read_body(req, payload, true);
        Box::pin(async move {
            let bytes = body.await?;
            if bytes.is_empty() {
                Ok(OptionalJson(T::default()))
            } else {
                parse_json(&bytes).map(OptionalJson)
            }
        })
    }
}

/// Reads the body up to the configured limit, checking that it is declared as JSON (an empty
/// body needs no content type when `allow_empty`).
fn read_body(
    req: &HttpRequest,
    payload: &mut Payload,
    allow_empty: bool,
) -> LocalBoxFuture<'static, Result<web::Bytes, ApiError>> {
    let limit = match req.app_data::<BodyLimit>() {
        Some(BodyLimit(n)) => *n,
        None => req
            .app_data::<web::Data<AppState>>()
            .map(|s| s.settings.max_body_bytes)
            .unwrap_or(256 * 1024),
    };
    let content_type = req.headers().get(header::CONTENT_TYPE).cloned();
    let is_json = content_type
        .as_ref()
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<mime::Mime>().ok())
        .is_some_and(|m| {
            m.type_() == mime::APPLICATION
                && (m.subtype() == mime::JSON || m.suffix() == Some(mime::JSON))
        });
    let declared_len = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    let mut payload = payload.take();
    Box::pin(async move {
        if declared_len.is_some_and(|n| n > limit) {
            return Err(ApiError::PayloadTooLarge(limit));
        }
        let mut body = web::BytesMut::new();
        while let Some(chunk) = payload.next().await {
            let chunk = chunk
                .map_err(|e| ApiError::MalformedJson(format!("the body could not be read: {e}")))?;
            if body.len() + chunk.len() > limit {
                return Err(ApiError::PayloadTooLarge(limit));
            }
            body.extend_from_slice(&chunk);
        }
        let empty = body.iter().all(u8::is_ascii_whitespace);
        if allow_empty && empty && (content_type.is_none() || is_json) {
            return Ok(web::Bytes::new());
        }
        if !is_json {
            return Err(ApiError::UnsupportedMediaType);
        }
        Ok(body.freeze())
    })
}

/// Parses a JSON document strictly, naming the offending field of a data error.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::MalformedJson(
            "the body is empty; send a JSON object".into(),
        ));
    }
    // Syntax first (the whole body, trailing data included), then the shape: serde would
    // otherwise accept `["a", "b"]` for a struct of two fields.
    let document: serde_json::Value =
        serde_json::from_slice(bytes).map_err(|e| ApiError::MalformedJson(e.to_string()))?;
    if !document.is_object() {
        return Err(ApiError::Validation(vec![FieldError {
            field: "body".into(),
            code: "invalid_type".into(),
            message: "must be a JSON object".into(),
        }]));
    }
    serde_path_to_error::deserialize(document).map_err(|e| {
        let path = e.path().to_string();
        ApiError::Validation(vec![field_error_from_serde(
            &path,
            &e.into_inner().to_string(),
        )])
    })
}

/// Turns a serde message like "unknown variant `x`, expected one of `a`, `b` at line 1 column 9"
/// into a field error with a stable code.
fn field_error_from_serde(path: &str, message: &str) -> FieldError {
    let message = match message.rfind(" at line ") {
        Some(i) => &message[..i],
        None => message,
    };
    let path = if path == "." || path.is_empty() {
        ""
    } else {
        path
    };
    let join = |name: &str| {
        if path.is_empty() || path.ends_with(name) {
            name.to_string()
        } else {
            format!("{path}.{name}")
        }
    };
    let quoted = |s: &str| s.split('`').nth(1).map(str::to_string);
    let (field, code, human) = if let Some(rest) = message.strip_prefix("missing field ") {
        let name = quoted(rest).unwrap_or_default();
        (join(&name), "required", "is required".to_string())
    } else if let Some(rest) = message.strip_prefix("unknown field ") {
        let name = quoted(rest).unwrap_or_default();
        (
            join(&name),
            "unknown_field",
            "is not a field of this request".to_string(),
        )
    } else if message.starts_with("unknown variant ") {
        let expected = message
            .split_once("expected ")
            .map(|(_, e)| e.replace('`', ""))
            .unwrap_or_default();
        (
            path.to_string(),
            "invalid_value",
            format!("must be {expected}"),
        )
    } else if message.starts_with("invalid type") {
        let expected = message
            .split_once("expected ")
            .map(|(_, e)| e.to_string())
            .unwrap_or_else(|| message.to_string());
        (
            path.to_string(),
            "invalid_type",
            format!("must be {expected}"),
        )
    } else {
        (path.to_string(), "invalid_value", message.to_string())
    };
    FieldError {
        field: if field.is_empty() {
            "body".into()
        } else {
            field
        },
        code: code.into(),
        message: human,
    }
}

/// A query string of type `T`, with errors naming the parameter.
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned> FromRequest for ApiQuery<T> {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(parse_query(req.query_string()).map(ApiQuery))
    }
}

pub fn parse_query<T: DeserializeOwned>(query: &str) -> Result<T, ApiError> {
    let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let mut fe = field_error_from_serde(&path, &e.into_inner().to_string());
        if fe.code == "invalid_value" && fe.message.contains("digit") {
            fe.message = "must be a whole number".into();
        }
        ApiError::InvalidQuery(vec![fe])
    })
}

/// The caller's address (`http::client`: the peer, or what trusted proxies forwarded).
pub fn client_ip(req: &actix_web::HttpRequest) -> Option<String> {
    let trusted = req
        .app_data::<actix_web::web::Data<crate::state::AppState>>()
        .map(|s| &s.settings.trusted_proxies);
    let none = crate::config::TrustedProxies::default();
    super::client::client_addr(req.peer_addr(), req.headers(), trusted.unwrap_or(&none))
        .map(|ip| ip.to_string())
}

/// SHA-256 of the caller's address: enough to count requests per client (abuse limits)
/// without keeping addresses.
pub fn client_address_hash(req: &actix_web::HttpRequest) -> String {
    crate::hashing::sha256_hex(&client_ip(req).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Body {
        name: String,
        kind: Kind,
        items: Vec<Item>,
    }
    #[derive(Debug, Deserialize)]
    #[serde(rename_all = "snake_case")]
    enum Kind {
        Free,
        Paid,
    }
    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Item {
        url: String,
    }

    fn field_of(json: &str) -> FieldError {
        match parse_json::<Body>(json.as_bytes()) {
            Err(ApiError::Validation(mut errors)) => errors.remove(0),
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    #[test]
    fn data_errors_name_the_field() {
        let e = field_of(r#"{"name": 1, "kind": "free", "items": []}"#);
        assert_eq!(
            (e.field.as_str(), e.code.as_str()),
            ("name", "invalid_type")
        );
        let e = field_of(r#"{"name": "x", "kind": "gratis", "items": []}"#);
        assert_eq!(
            (e.field.as_str(), e.code.as_str()),
            ("kind", "invalid_value")
        );
        assert!(e.message.contains("free"), "{}", e.message);
        let e = field_of(r#"{"name": "x", "kind": "free", "items": [{"url": "a"}, {"url": 2}]}"#);
        assert_eq!(e.field, "items[1].url");
        let e = field_of(r#"{"name": "x", "items": []}"#);
        assert_eq!((e.field.as_str(), e.code.as_str()), ("kind", "required"));
        let e = field_of(r#"{"name": "x", "kind": "free", "items": [], "extra": 1}"#);
        assert_eq!(
            (e.field.as_str(), e.code.as_str()),
            ("extra", "unknown_field")
        );
        let e = field_of(r#"[1, 2]"#);
        assert_eq!(e.field, "body");
    }

    #[test]
    fn syntax_errors_are_malformed_json() {
        for bad in ["{", "{\"name\": }", "", "{} {}", "nul"] {
            assert!(
                matches!(
                    parse_json::<Body>(bad.as_bytes()),
                    Err(ApiError::MalformedJson(_))
                ),
                "{bad}"
            );
        }
    }

    #[test]
    fn query_errors_name_the_parameter() {
        #[derive(Debug, Deserialize)]
        #[allow(dead_code)]
        struct Q {
            limit: Option<u32>,
        }
        match parse_query::<Q>("limit=abc") {
            Err(ApiError::InvalidQuery(errors)) => {
                assert_eq!(errors[0].field, "limit");
                assert_eq!(errors[0].message, "must be a whole number");
            }
            other => panic!("{other:?}"),
        }
        assert!(parse_query::<Q>("limit=5").is_ok());
    }
}
