//! Opaque cursors for keyset pagination: the sort key of the last item, base64url-encoded.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use mercato_shared::api::{DEFAULT_LIMIT, MAX_LIMIT};
use serde::{de::DeserializeOwned, Serialize};

use crate::error::ApiError;

pub fn encode<K: Serialize>(key: &K) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(key).unwrap_or_default())
}

pub fn decode<K: DeserializeOwned>(cursor: &str) -> Result<K, ApiError> {
    URL_SAFE_NO_PAD
        .decode(cursor)
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .ok_or_else(|| {
            invalid(
                "cursor",
                "invalid_cursor",
                "is not a cursor this API returned",
            )
        })
}

/// The page size: `limit` if given (1 to 100), 20 otherwise.
pub fn limit(requested: Option<u32>) -> Result<u64, ApiError> {
    match requested {
        None => Ok(DEFAULT_LIMIT as u64),
        Some(n) if (1..=MAX_LIMIT).contains(&n) => Ok(n as u64),
        Some(_) => Err(invalid(
            "limit",
            "out_of_range",
            &format!("must be between 1 and {MAX_LIMIT}"),
        )),
    }
}

/// The cursor of the next page, for rows read with one more than `limit` (the keyset queries'
/// way of telling whether there is a next page): the extra row is dropped and the cursor is the
/// key of the page's last row; `None` on the last page.
pub fn next_cursor<T, K: Serialize>(
    rows: &mut Vec<T>,
    limit: u64,
    key: impl Fn(&T) -> K,
) -> Option<String> {
    if rows.len() as u64 <= limit {
        return None;
    }
    rows.truncate(limit as usize);
    rows.last().map(|last| encode(&key(last)))
}

/// A 400 naming the query parameter at fault.
pub fn invalid(field: &str, code: &str, message: &str) -> ApiError {
    ApiError::InvalidQuery(vec![mercato_shared::FieldError {
        field: field.into(),
        code: code.into(),
        message: message.into(),
    }])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_reject_garbage() {
        let c = encode(&(42i64, 7i64));
        assert_eq!(decode::<(i64, i64)>(&c).unwrap(), (42, 7));
        assert!(decode::<(i64, i64)>("!!!").is_err());
        assert!(decode::<(i64, i64)>(&encode(&"text")).is_err());
    }

    #[test]
    fn limits_are_bounded() {
        assert_eq!(limit(None).unwrap(), 20);
        assert_eq!(limit(Some(100)).unwrap(), 100);
        assert!(limit(Some(0)).is_err());
        assert!(limit(Some(101)).is_err());
    }
}
