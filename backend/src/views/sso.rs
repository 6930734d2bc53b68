//! Single sign-on: linked identities and partners' requirements.

use mercato_shared::api::sso::{Identity, PartnerSso};

use crate::entities::{partner_sso, user_identities};
use crate::sso::Providers;

pub fn identity(row: user_identities::Model, providers: &Providers) -> Identity {
    Identity {
        id: row.id,
        provider_name: providers.name_of(&row.provider),
        provider: row.provider,
        email: row.email,
        linked_at: row.created_at,
        last_used_at: row.last_used_at,
    }
}

pub fn partner_sso(row: Option<partner_sso::Model>) -> PartnerSso {
    PartnerSso {
        required: row.is_some(),
        provider: row.as_ref().map(|r| r.provider.clone()),
        domain: row.map(|r| r.domain),
    }
}
