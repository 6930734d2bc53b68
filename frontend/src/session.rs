//! The signed-in session in the browser: the API's token pair and the account, kept in
//! `localStorage` so every page's islands (and every tab) share it. The access token lives
//! minutes, the refresh token days; [`crate::api`] renews the pair when the access token ends.

use mercato_shared::api::auth::{Me, TokenResponse};
use serde::{Deserialize, Serialize};

const KEY: &str = "mercato.session";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Session {
    pub access_token: String,
    pub refresh_token: String,
    /// When the access token ends, in milliseconds since the epoch (browser clock).
    pub access_expires_at: f64,
    pub user: Me,
}

impl Session {
    /// A token pair just issued at `now` (milliseconds since the epoch).
    pub fn from_tokens(tokens: TokenResponse, now: f64) -> Self {
        Session {
            // Renew a little early so a request never leaves with a token about to end.
            access_expires_at: now + (tokens.expires_in as f64 - 30.0).max(0.0) * 1000.0,
            access_token: tokens.access_token,
            refresh_token: tokens.refresh_token,
            user: tokens.user,
        }
    }

    pub fn access_expired(&self, now: f64) -> bool {
        now >= self.access_expires_at
    }
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

/// The stored session, if someone is signed in on this browser.
pub fn load() -> Option<Session> {
    let raw = storage()?.get_item(KEY).ok().flatten()?;
    serde_json::from_str(&raw).ok()
}

/// Keeps a newly issued token pair and returns the session it makes.
pub fn store(tokens: TokenResponse) -> Session {
    let session = Session::from_tokens(tokens, js_sys::Date::now());
    if let (Some(storage), Ok(json)) = (storage(), serde_json::to_string(&session)) {
        let _ = storage.set_item(KEY, &json);
    }
    session
}

pub fn clear() {
    if let Some(storage) = storage() {
        let _ = storage.remove_item(KEY);
    }
}

/// Where to go after signing in: a path on this site, never another origin (`//evil`,
/// `https://…`, `javascript:`); anything else means the home page.
pub fn safe_next(next: &str) -> String {
    let ok = next.starts_with('/')
        && !next.starts_with("//")
        && !next.starts_with("/\\")
        && !next.chars().any(|c| c.is_control());
    if ok {
        next.to_string()
    } else {
        "/".to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_stays_on_this_site() {
        assert_eq!(safe_next("/integrations/slack"), "/integrations/slack");
        assert_eq!(safe_next("/search?q=crm#top"), "/search?q=crm#top");
        assert_eq!(safe_next("//evil.example/"), "/");
        assert_eq!(safe_next("/\\evil.example/"), "/");
        assert_eq!(safe_next("https://evil.example/"), "/");
        assert_eq!(safe_next("javascript:alert(1)"), "/");
        assert_eq!(safe_next("/a\nb"), "/");
        assert_eq!(safe_next(""), "/");
    }
}
