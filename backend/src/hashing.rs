//! Digests of secrets and identifiers that are looked up, never reversed.

use ring::hmac;
use sha2::{Digest, Sha256};

/// The lowercase hex SHA-256 of `text`. For high-entropy random secrets (refresh tokens, API
/// keys, sign-on states and codes) a plain, unsalted digest is enough to make a leaked table
/// useless while keeping lookups indexable; for addresses it keeps counts without the address.
pub fn sha256_hex(text: &str) -> String {
    let digest = Sha256::digest(text.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// A fingerprint of a secret key: hex HMAC-SHA256 of a fixed label under it. Two nodes compare
/// fingerprints to learn whether they hold the same key without either revealing it.
pub fn key_fingerprint(key: &[u8]) -> String {
    let tag = hmac::sign(
        &hmac::Key::new(hmac::HMAC_SHA256, key),
        b"mercato key check v1",
    );
    tag.as_ref().iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_digest_is_64_hex_digits() {
        let h = super::sha256_hex("abc");
        assert_eq!(
            h,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
