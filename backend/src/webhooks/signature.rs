//! The `Mercato-Signature` header: `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`.
//! Receivers recompute the HMAC over the timestamp and the raw body, compare in constant
//! time, and refuse timestamps older than a few minutes (replays).

use ring::hmac;

pub const HEADER: &str = "Mercato-Signature";

pub fn sign(secret: &str, timestamp: i64, body: &[u8]) -> String {
    let key = hmac::Key::new(hmac::HMAC_SHA256, secret.as_bytes());
    let mut ctx = hmac::Context::with_key(&key);
    ctx.update(timestamp.to_string().as_bytes());
    ctx.update(b".");
    ctx.update(body);
    let tag = ctx.sign();
    format!("t={timestamp},v1={}", hex(tag.as_ref()))
}

/// Checks a header value against the body (for receivers written in Rust, and the tests);
/// `now` and `tolerance_secs` bound the timestamp's age.
pub fn verify(secret: &str, header: &str, body: &[u8], now: i64, tolerance_secs: i64) -> bool {
    let mut timestamp = None;
    let mut signatures = Vec::new();
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", t)) => timestamp = t.parse::<i64>().ok(),
            Some(("v1", s)) => signatures.push(s),
            _ => {}
        }
    }
    let Some(t) = timestamp else { return false };
    if (now - t).abs() > tolerance_secs {
        return false;
    }
    let key = hmac::Key::new(hmac::HMAC_SHA256, secret.as_bytes());
    let mut message = t.to_string().into_bytes();
    message.push(b'.');
    message.extend_from_slice(body);
    signatures
        .iter()
        .any(|s| unhex(s).is_some_and(|tag| hmac::verify(&key, &message, &tag).is_ok()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signature_verifies_only_for_its_secret_body_and_time() {
        let header = sign("whsec_a", 1_700_000_000, b"{\"x\":1}");
        assert!(header.starts_with("t=1700000000,v1="));
        assert!(verify("whsec_a", &header, b"{\"x\":1}", 1_700_000_100, 300));
        assert!(!verify(
            "whsec_b",
            &header,
            b"{\"x\":1}",
            1_700_000_100,
            300
        ));
        assert!(!verify(
            "whsec_a",
            &header,
            b"{\"x\":2}",
            1_700_000_100,
            300
        ));
        assert!(!verify(
            "whsec_a",
            &header,
            b"{\"x\":1}",
            1_700_001_000,
            300
        ));
        assert!(!verify(
            "whsec_a",
            "v1=00",
            b"{\"x\":1}",
            1_700_000_000,
            300
        ));
    }

    #[test]
    fn signs_timestamp_dot_body() {
        let key = hmac::Key::new(hmac::HMAC_SHA256, b"whsec_a");
        let tag = hmac::sign(&key, b"1700000000.{\"x\":1}");
        assert_eq!(
            sign("whsec_a", 1_700_000_000, b"{\"x\":1}"),
            format!("t=1700000000,v1={}", hex(tag.as_ref()))
        );
    }
}
