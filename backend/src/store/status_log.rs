//! The append-only log of status changes (who, when, from what to what, and why).

use chrono::{DateTime, Utc};
use mercato_shared::api::partners::StatusChange;
use mercato_shared::api::webhooks::WebhookEvent;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
};

use crate::entities::{listings, status_changes};
use crate::error::ApiResult;

/// What changed status.
#[derive(Debug, Clone, Copy)]
pub enum Subject {
    Partner {
        partner_id: i64,
    },
    Listing {
        partner_id: i64,
        listing_id: i64,
    },
    Revision {
        partner_id: i64,
        listing_id: i64,
        number: i32,
    },
}

pub struct Change<'a> {
    pub subject: Subject,
    pub from: Option<&'a str>,
    pub to: &'a str,
    pub actor_id: Option<i64>,
    pub note: Option<&'a str>,
}

pub async fn record(
    db: &impl ConnectionTrait,
    at: DateTime<Utc>,
    change: Change<'_>,
) -> ApiResult<()> {
    let (subject, partner_id, listing_id, number) = match change.subject {
        Subject::Partner { partner_id } => ("partner", Some(partner_id), None, None),
        Subject::Listing {
            partner_id,
            listing_id,
        } => ("listing", Some(partner_id), Some(listing_id), None),
        Subject::Revision {
            partner_id,
            listing_id,
            number,
        } => ("revision", Some(partner_id), Some(listing_id), Some(number)),
    };
    status_changes::ActiveModel {
        subject: Set(subject.into()),
        partner_id: Set(partner_id),
        listing_id: Set(listing_id),
        revision_number: Set(number),
        from_status: Set(change.from.map(str::to_string)),
        to_status: Set(change.to.to_string()),
        actor_id: Set(change.actor_id),
        note: Set(change.note.map(str::to_string)),
        created_at: Set(at),
        ..Default::default()
    }
    .insert(db)
    .await?;
    if let Subject::Listing {
        partner_id,
        listing_id,
    } = change.subject
    {
        let to = crate::webhooks::subscribers(db, partner_id, WebhookEvent::ListingStatusChanged)
            .await?;
        if !to.is_empty() {
            let slug = listings::Entity::find_by_id(listing_id)
                .one(db)
                .await?
                .map(|l| l.slug);
            let data = serde_json::json!({
                "listing": {"id": listing_id, "slug": slug},
                "from_status": change.from,
                "to_status": change.to,
                "note": change.note,
            });
            to.queue(db, data, at).await?;
        }
    }
    Ok(())
}

/// The changes of one listing (and its revisions), oldest first.
pub async fn of_listing(
    db: &impl ConnectionTrait,
    listing_id: i64,
) -> ApiResult<Vec<StatusChange>> {
    let rows = status_changes::Entity::find()
        .filter(status_changes::Column::ListingId.eq(listing_id))
        .order_by_asc(status_changes::Column::Id)
        .all(db)
        .await?;
    views(db, rows).await
}

/// The changes of the partner itself, oldest first.
pub async fn of_partner(
    db: &impl ConnectionTrait,
    partner_id: i64,
) -> ApiResult<Vec<StatusChange>> {
    let rows = status_changes::Entity::find()
        .filter(status_changes::Column::PartnerId.eq(partner_id))
        .filter(status_changes::Column::Subject.eq("partner"))
        .order_by_asc(status_changes::Column::Id)
        .all(db)
        .await?;
    views(db, rows).await
}

async fn views(
    db: &impl ConnectionTrait,
    rows: Vec<status_changes::Model>,
) -> ApiResult<Vec<StatusChange>> {
    let actor_ids: Vec<i64> = rows.iter().filter_map(|r| r.actor_id).collect();
    let names = super::users::display_names(db, actor_ids).await?;
    Ok(rows
        .into_iter()
        .map(|r| StatusChange {
            actor_name: r.actor_id.and_then(|id| names.get(&id).cloned()),
            from_status: r.from_status,
            to_status: r.to_status,
            subject: r.subject,
            actor_id: r.actor_id,
            note: r.note,
            at: r.created_at,
        })
        .collect())
}
