//! What the nodes sharing a database must agree on. Keys that only sign or seal (the JWT
//! secret, the webhook key) come from configuration — or, for a lone node, from its data
//! directory — so nodes could start with different ones and each accept only its own tokens
//! and secrets. The first node to start on a database records each key's fingerprint; a node
//! whose key has another fingerprint is refused at start, saying which setting to align.
//! (Keys that must rotate, the install-token keys, live in the database itself:
//! `auth::install_tokens`.)

use anyhow::bail;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{EntityTrait, Set};

use crate::db::Db;
use crate::entities::key_checks;

/// A secret every node must share.
#[derive(Debug, Clone, Copy)]
pub enum SharedKey {
    Jwt,
    Webhook,
}

impl SharedKey {
    fn name(self) -> &'static str {
        match self {
            SharedKey::Jwt => "jwt",
            SharedKey::Webhook => "webhook",
        }
    }

    fn setting(self) -> &'static str {
        match self {
            SharedKey::Jwt => "MERCATO_JWT_SECRET (or <data dir>/secrets/jwt.key)",
            SharedKey::Webhook => "MERCATO_WEBHOOK_KEY (or <data dir>/secrets/webhook.key)",
        }
    }
}

/// Records `key`'s fingerprint if this database has none yet; refuses if it has another.
pub async fn agree(
    db: &Db,
    key: SharedKey,
    fingerprint: &str,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    key_checks::Entity::insert(key_checks::ActiveModel {
        name: Set(key.name().to_string()),
        fingerprint: Set(fingerprint.to_string()),
        created_at: Set(now),
    })
    .on_conflict(
        OnConflict::column(key_checks::Column::Name)
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(&db.write)
    .await?;
    let recorded = key_checks::Entity::find_by_id(key.name().to_string())
        .one(&db.write)
        .await?;
    match recorded {
        Some(r) if r.fingerprint != fingerprint => bail!(
            "this node's {} is not the one the other nodes on this database use (fingerprint \
             {} here, {} recorded): give every node the same {}",
            key.name(),
            &fingerprint[..12],
            &r.fingerprint[..12.min(r.fingerprint.len())],
            key.setting()
        ),
        _ => Ok(()),
    }
}
