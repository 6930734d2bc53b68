//! Webhook endpoints, deliveries with their attempts, and partner notices.

use mercato_shared::api::webhooks::{
    DeliveryStatus, PartnerNotice, WebhookAttempt, WebhookDelivery, WebhookEndpoint,
};

use crate::entities::{
    partner_notices, webhook_attempts as attempts, webhook_deliveries as deliveries,
    webhook_endpoints as endpoints,
};
use crate::webhooks::events_of;

pub fn webhook_endpoint(e: &endpoints::Model, partner: &str) -> WebhookEndpoint {
    WebhookEndpoint {
        id: e.id,
        partner: partner.to_string(),
        url: e.url.clone(),
        description: e.description.clone(),
        events: events_of(e),
        status: e.status,
        disabled_reason: e.disabled_reason.clone(),
        disabled_at: e.disabled_at,
        failing_since: e.failing_since,
        consecutive_failures: e.consecutive_failures,
        last_success_at: e.last_success_at,
        created_at: e.created_at,
    }
}

pub fn webhook_delivery(d: &deliveries::Model) -> WebhookDelivery {
    WebhookDelivery {
        id: d.id,
        endpoint_id: d.endpoint_id,
        event: d.event_type,
        event_id: d.event_id.clone(),
        status: d.status,
        attempts: d.attempts,
        next_attempt_at: (d.status == DeliveryStatus::Pending).then_some(d.next_attempt_at),
        last_status_code: d.last_status_code,
        last_error: d.last_error.clone(),
        redelivery_of: d.redelivery_of,
        created_at: d.created_at,
        delivered_at: d.delivered_at,
    }
}

pub fn webhook_attempt(a: attempts::Model) -> WebhookAttempt {
    WebhookAttempt {
        at: a.at,
        status_code: a.status_code,
        latency_ms: a.latency_ms,
        error: a.error,
        response_excerpt: a.response_excerpt,
    }
}

pub fn partner_notice(n: partner_notices::Model) -> PartnerNotice {
    PartnerNotice {
        id: n.id,
        kind: n.kind,
        message: n.message,
        endpoint_id: n.endpoint_id,
        created_at: n.created_at,
    }
}
