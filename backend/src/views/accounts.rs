//! Accounts as their owners and the marketplace admins see them.

use mercato_shared::api::auth::{Me, Membership, UserSummary};
use mercato_shared::api::partners::PartnerRole;
use mercato_shared::api::usage::ApiKey;

use crate::entities::{api_keys, partners, users};

pub fn me(u: &users::Model, memberships: Vec<(partners::Model, PartnerRole)>) -> Me {
    Me {
        id: u.id,
        email: u.email.clone(),
        display_name: u.display_name.clone(),
        role: u.role,
        partners: memberships
            .into_iter()
            .map(|(p, role)| Membership {
                partner_slug: p.slug,
                partner_name: p.name,
                role,
            })
            .collect(),
    }
}

pub fn user_summary(u: &users::Model) -> UserSummary {
    UserSummary {
        id: u.id,
        email: u.email.clone(),
        display_name: u.display_name.clone(),
        role: u.role,
        created_at: u.created_at,
    }
}

/// A partner API key as listed: its prefix, never its secret.
pub fn api_key(k: &api_keys::Model) -> ApiKey {
    ApiKey {
        id: k.id,
        name: k.name.clone(),
        prefix: k.prefix.clone(),
        created_at: k.created_at,
        last_used_at: k.last_used_at,
        revoked_at: k.revoked_at,
    }
}
