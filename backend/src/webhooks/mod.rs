//! Signed webhooks to partners. An event is queued in the same transaction as the change it
//! reports ([`enqueue`]: one `webhook_deliveries` row per subscribed endpoint), so nothing
//! acknowledged goes unreported and nothing rolled back is reported. The [`dispatch`] workers
//! claim due rows with a lease, POST them signed ([`signature`]), log every attempt and
//! schedule retries with exponential back-off for up to 24 hours; an endpoint failing for a
//! day is switched off with a notice to the partner.

pub mod dispatch;
pub mod management;
pub mod secrets;
pub mod signature;

use chrono::{DateTime, Utc};
use mercato_shared::api::webhooks::DeliveryStatus;
use mercato_shared::api::webhooks::EndpointStatus;
use mercato_shared::api::webhooks::WebhookEvent;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use serde_json::{json, Value};
use tokio::sync::Notify;

use crate::entities::{webhook_deliveries as deliveries, webhook_endpoints as endpoints};
use crate::error::ApiResult;

/// Wakes the dispatchers of this process when something is queued (they also poll, for
/// rows queued by other instances and for retries coming due).
pub static WAKE: Notify = Notify::const_new();

/// The events an endpoint subscribed to.
pub fn events_of(endpoint: &endpoints::Model) -> Vec<WebhookEvent> {
    serde_json::from_str(&endpoint.events).unwrap_or_default()
}

/// The endpoints an event goes to, found before its payload is built (most partners have
/// none, and building the payload costs queries).
pub struct Subscribers {
    endpoint_ids: Vec<i64>,
    event: WebhookEvent,
}

/// The active endpoints of the partner subscribed to `event`.
pub async fn subscribers(
    db: &impl ConnectionTrait,
    partner_id: i64,
    event: WebhookEvent,
) -> ApiResult<Subscribers> {
    let endpoint_ids = endpoints::Entity::find()
        .filter(endpoints::Column::PartnerId.eq(partner_id))
        .filter(endpoints::Column::Status.eq(EndpointStatus::Active))
        .all(db)
        .await?
        .into_iter()
        .filter(|e| events_of(e).contains(&event))
        .map(|e| e.id)
        .collect();
    Ok(Subscribers {
        endpoint_ids,
        event,
    })
}

impl Subscribers {
    pub fn is_empty(&self) -> bool {
        self.endpoint_ids.is_empty()
    }

    /// Queues the event with `data` for each endpoint, in the caller's transaction.
    pub async fn queue(
        self,
        db: &impl ConnectionTrait,
        data: Value,
        at: DateTime<Utc>,
    ) -> ApiResult<()> {
        if self.is_empty() {
            return Ok(());
        }
        let event = self.event;
        let event_id = uuid::Uuid::new_v4().to_string();
        let payload = json!({
            "id": event_id,
            "type": event.as_str(),
            "created_at": at,
            "data": data,
        })
        .to_string();
        let rows = self
            .endpoint_ids
            .iter()
            .map(|&endpoint_id| deliveries::ActiveModel {
                endpoint_id: Set(endpoint_id),
                event_type: Set(event),
                event_id: Set(event_id.clone()),
                payload: Set(payload.clone()),
                status: Set(DeliveryStatus::Pending),
                attempts: Set(0),
                next_attempt_at: Set(at),
                created_at: Set(at),
                ..Default::default()
            });
        deliveries::Entity::insert_many(rows).exec(db).await?;
        WAKE.notify_one();
        Ok(())
    }
}
