//! Accounts as their owners and the marketplace admins see them.

use mercato_shared::api::auth::{Me, Membership, UserSummary};
use mercato_shared::api::partners::PartnerRole;

use crate::entities::{partners, users};

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
