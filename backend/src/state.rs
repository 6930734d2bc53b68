//! What every request handler can reach: settings, the database and the token keys.

use std::sync::Arc;

use crate::auth::tokens::TokenKeys;
use crate::cache::PublicCache;
use crate::config::Settings;
use crate::db::Db;
use crate::error::ApiResult;
use crate::search::SharedIndex;
use crate::store::outbox::{self, PublicChange};
use sea_orm::DatabaseTransaction;
use tokio::sync::Notify;

#[derive(Clone)]
pub struct AppState {
    pub settings: Arc<Settings>,
    pub db: Db,
    pub tokens: Arc<TokenKeys>,
    pub install_keys: Arc<crate::auth::install_tokens::InstallKeys>,
    pub public_cache: Arc<PublicCache>,
    pub search: SharedIndex,
    /// Wakes the search worker after a local commit.
    pub search_notify: Arc<Notify>,
    /// Adds acknowledged usage to the roll-ups; analytics flush it before reading.
    pub usage_folder: crate::usage::UsageFolder,
    /// Listings and workspaces as usage validation looks them up.
    pub usage_directory: Arc<crate::usage::directory::Directory>,
    /// Seals and opens webhook signing secrets.
    pub webhook_secrets: Arc<crate::webhooks::secrets::SecretBox>,
    /// Per-address, per-account and per-API-key request limits.
    pub rate_limiter: Arc<crate::rate_limit::RateLimiter>,
    /// The single sign-on providers.
    pub sso: Arc<crate::sso::Providers>,
    /// Checks partners' domain verification proofs (the guarded HTTP client, the resolver).
    pub domain_checker: Arc<crate::verification::checker::Checker>,
    /// This node's request metrics and the scrape of the rest (`/metrics`).
    pub metrics: Arc<crate::metrics::Metrics>,
}

impl AppState {
    /// Commits a change to public data: records it in the outbox within `txn`, commits, and
    /// drops what this node's cache holds of it (other nodes learn of it from the outbox) and
    /// wakes the search worker.
    pub async fn commit_public_change(
        &self,
        txn: DatabaseTransaction,
        change: PublicChange,
    ) -> ApiResult<()> {
        outbox::record(&txn, &change, self.settings.clock.now()).await?;
        txn.commit().await?;
        self.public_cache.apply(&change);
        self.search_notify.notify_one();
        Ok(())
    }
}
