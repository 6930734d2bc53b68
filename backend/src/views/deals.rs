//! Deal registrations as the API shows them.

use mercato_shared::api::deals::DealRegistration;

use crate::entities::deal_registrations as deals;

/// A registration of the partner with slug `partner`.
pub fn deal_registration(d: &deals::Model, partner: String) -> DealRegistration {
    DealRegistration {
        id: d.id,
        partner,
        account_domain: d.account_domain.clone(),
        account_name: d.account_name.clone(),
        value: d.value,
        expected_close: d.expected_close,
        notes: d.notes.clone(),
        status: d.status,
        conflict_with: d.conflict_with,
        created_at: d.created_at,
    }
}
