//! Endpoint signing secrets are kept sealed (AES-256-GCM) with a key that is not in the
//! database: the configured `webhook_key`, or one generated into `<data>/secrets/webhook.key`
//! (instances sharing a database must share the key). A leaked table alone cannot sign.

use anyhow::{bail, Context};
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use rand::RngCore;
use ring::aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_256_GCM, NONCE_LEN};
use secrecy::ExposeSecret;

use crate::config::Settings;

/// Binds sealed values to their use: a sealed webhook secret cannot be passed off as
/// something else sealed with the same key.
const AAD: &[u8] = b"mercato webhook secret v1";
const PREFIX: &str = "v1.";

pub struct SecretBox {
    key: LessSafeKey,
    /// Says which key this is, without revealing it (`hashing::key_fingerprint`).
    pub fingerprint: String,
}

impl SecretBox {
    pub fn load(settings: &Settings) -> anyhow::Result<SecretBox> {
        let key = match &settings.webhook_key {
            Some(k) => STANDARD
                .decode(k.expose_secret().trim())
                .or_else(|_| URL_SAFE_NO_PAD.decode(k.expose_secret().trim()))
                .context("MERCATO_WEBHOOK_KEY must be base64")?,
            None => crate::auth::key_files::load_or_create(
                &settings.data_dir.join("secrets").join("webhook.key"),
                32,
            )?,
        };
        if key.len() != 32 {
            bail!("the webhook key must be 32 bytes (it is {})", key.len());
        }
        Ok(SecretBox::from_key(&key))
    }

    pub fn from_key(key: &[u8]) -> SecretBox {
        let fingerprint = crate::hashing::key_fingerprint(key);
        let key = UnboundKey::new(&AES_256_GCM, key).expect("a 32-byte AES-256 key");
        SecretBox {
            key: LessSafeKey::new(key),
            fingerprint,
        }
    }

    /// `v1.` + base64(nonce ‖ ciphertext ‖ tag); a fresh random nonce each time.
    pub fn seal(&self, plaintext: &str) -> String {
        self.seal_for(AAD, plaintext)
    }

    pub fn open(&self, sealed: &str) -> anyhow::Result<String> {
        self.open_for(AAD, sealed)
    }

    /// Seals for another use (`purpose` is bound to the ciphertext: a value sealed for one
    /// purpose does not open for another).
    pub fn seal_for(&self, purpose: &[u8], plaintext: &str) -> String {
        let mut nonce = [0u8; NONCE_LEN];
        rand::rngs::OsRng.fill_bytes(&mut nonce);
        let mut data = plaintext.as_bytes().to_vec();
        self.key
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(purpose),
                &mut data,
            )
            .expect("sealing cannot fail for small inputs");
        let mut out = nonce.to_vec();
        out.extend_from_slice(&data);
        format!("{PREFIX}{}", STANDARD.encode(out))
    }

    pub fn open_for(&self, purpose: &[u8], sealed: &str) -> anyhow::Result<String> {
        let raw = sealed
            .strip_prefix(PREFIX)
            .context("unknown sealing version")?;
        let mut raw = STANDARD.decode(raw).context("sealed value is not base64")?;
        if raw.len() < NONCE_LEN {
            bail!("sealed value too short");
        }
        let mut data = raw.split_off(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(&raw).context("nonce")?;
        let plain = self
            .key
            .open_in_place(nonce, Aad::from(purpose), &mut data)
            .ok()
            .context("the secret does not open with this server's webhook key")?;
        Ok(String::from_utf8(plain.to_vec())?)
    }
}

/// A new signing secret: `whsec_` and 32 random bytes.
pub fn new_signing_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    format!("whsec_{}", URL_SAFE_NO_PAD.encode(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_secrets_open_only_with_their_key() {
        let a = SecretBox::from_key(&[7u8; 32]);
        let b = SecretBox::from_key(&[8u8; 32]);
        let secret = new_signing_secret();
        let sealed = a.seal(&secret);
        assert!(!sealed.contains(&secret));
        assert_ne!(sealed, a.seal(&secret), "fresh nonce every time");
        assert_eq!(a.open(&sealed).unwrap(), secret);
        assert!(b.open(&sealed).is_err());
        let mut tampered = sealed.clone();
        tampered.pop();
        tampered.push(if sealed.ends_with('A') { 'B' } else { 'A' });
        assert!(a.open(&tampered).is_err());
    }
}
