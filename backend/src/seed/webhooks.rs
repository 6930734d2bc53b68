//! `mercato seed-webhooks`: a webhook dispatch load test's starting point — one partner with
//! an endpoint at the given URL and many deliveries due now, each with a lead-sized payload,
//! written in bulk. `serve` then sends them.

use anyhow::bail;
use mercato_shared::api::partners::{PartnerStatus, Tier};
use mercato_shared::api::webhooks::{DeliveryStatus, EndpointStatus, WebhookEvent};
use sea_orm::{EntityTrait, PaginatorTrait, Set, TransactionTrait};
use serde_json::json;

use crate::db::Db;
use crate::entities::json::{Certifications, Motions, Regions};
use crate::entities::{partners, webhook_deliveries as deliveries, webhook_endpoints as endpoints};
use crate::webhooks::secrets::{new_signing_secret, SecretBox};

const CHUNK: usize = 500;

pub async fn seed_webhooks(
    db: &Db,
    secrets: &SecretBox,
    count: usize,
    url: &str,
) -> anyhow::Result<String> {
    if deliveries::Entity::find().count(&db.write).await? > 0 {
        bail!("the database already has webhook deliveries; seed-webhooks wants none");
    }
    let now = crate::clock::wall_now();
    let txn = db.write.begin().await?;
    let partner = partners::Entity::insert(partners::ActiveModel {
        slug: Set("webhook-load".into()),
        name: Set("Webhook Load".into()),
        website: Set(None),
        logo_url: Set(None),
        description: Set(String::new()),
        motions: Set(Motions(Vec::new())),
        regions: Set(Regions(Vec::new())),
        tier: Set(Tier::Registered),
        certifications: Set(Certifications(Vec::new())),
        status: Set(PartnerStatus::Active),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    })
    .exec(&txn)
    .await?
    .last_insert_id;
    let endpoint = endpoints::Entity::insert(endpoints::ActiveModel {
        partner_id: Set(partner),
        url: Set(url.to_string()),
        description: Set("load test".into()),
        events: Set(r#"["lead.routed"]"#.into()),
        secret_sealed: Set(secrets.seal(&new_signing_secret())),
        status: Set(EndpointStatus::Active),
        consecutive_failures: Set(0),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    })
    .exec(&txn)
    .await?
    .last_insert_id;
    for start in (0..count).step_by(CHUNK) {
        let rows = (start..(start + CHUNK).min(count)).map(|i| {
            let event_id = uuid::Uuid::new_v4().to_string();
            let payload = json!({
                "id": event_id, "type": "lead.routed", "created_at": now,
                "data": {"lead": {
                    "id": i, "kind": "implementation_help", "listing": null, "category": "crm",
                    "region": "europe", "contact_name": "Load Test", "email": format!("load{i}@leads.example"),
                    "company_name": "Load Co", "company_domain": "load.example",
                    "message": "We would like help connecting our CRM to the marketplace apps we use every day.",
                    "status": "routed", "partner": "webhook-load", "routed_at": now, "sla_due_at": now,
                    "accepted_at": null, "closed_at": null, "deal_value": null, "lost_reason": null,
                    "merged_count": 0, "created_at": now,
                }, "from_status": null, "note": "routed"},
            })
            .to_string();
            deliveries::ActiveModel {
                endpoint_id: Set(endpoint),
                event_type: Set(WebhookEvent::LeadRouted),
                event_id: Set(event_id),
                payload: Set(payload),
                status: Set(DeliveryStatus::Pending),
                attempts: Set(0),
                next_attempt_at: Set(now),
                created_at: Set(now),
                ..Default::default()
            }
        });
        deliveries::Entity::insert_many(rows)
            .exec_without_returning(&txn)
            .await?;
    }
    txn.commit().await?;
    Ok(format!(
        "seeded {count} webhook deliveries to {url} (endpoint {endpoint})"
    ))
}
