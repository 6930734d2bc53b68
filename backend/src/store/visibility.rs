//! What the public may see — the one rule, in the three forms readers need:
//!
//! - a listing is public when it is published and its partner is active;
//! - a partner is public when it is active.
//!
//! [`is_public_listing`] judges rows in memory, [`public_listing_condition`] filters a sea-orm
//! query that joins the partner, and [`PUBLIC_LISTINGS_FROM`] is the same filter for raw SQL
//! (the sitemap's). Every reader — API, pages, search documents, sitemap — goes through one of
//! them; a test checks the three agree.

use mercato_shared::api::listings::ListingStatus;
use mercato_shared::api::partners::PartnerStatus;
use sea_orm::{ColumnTrait, Condition};

use crate::entities::{listings, partners};

/// Whether everyone may see the partner's page and profile.
pub fn is_public_partner(p: &partners::Model) -> bool {
    p.status == PartnerStatus::Active
}

/// Whether everyone may see the listing: published, by an active partner.
pub fn is_public_listing(l: &listings::Model, p: &partners::Model) -> bool {
    l.status == ListingStatus::Published && is_public_partner(p)
}

/// [`is_public_listing`] for a query over `listings` that joins `partners`.
pub fn public_listing_condition() -> Condition {
    Condition::all()
        .add(listings::Column::Status.eq(ListingStatus::Published))
        .add(partners::Column::Status.eq(PartnerStatus::Active))
}

/// [`is_public_listing`] as raw SQL: the public listings as `l` with their partners as `p`.
pub const PUBLIC_LISTINGS_FROM: &str = "FROM listings l JOIN partners p ON p.id = l.partner_id \
     WHERE l.status = 'published' AND p.status = 'active'";

/// [`is_public_partner`] as raw SQL over `partners`.
pub const PUBLIC_PARTNERS: &str = "FROM partners WHERE status = 'active'";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sql_form_names_the_same_statuses() {
        assert!(PUBLIC_LISTINGS_FROM.contains(&format!(
            "l.status = '{}'",
            ListingStatus::Published.as_str()
        )));
        assert!(PUBLIC_LISTINGS_FROM
            .contains(&format!("p.status = '{}'", PartnerStatus::Active.as_str())));
        assert!(PUBLIC_PARTNERS.contains(&format!("status = '{}'", PartnerStatus::Active)));
    }
}
