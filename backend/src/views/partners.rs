//! Partners as the API shows them.

use chrono::{NaiveDate, Utc};
use mercato_shared::api::partners::{
    Certification, Member, Partner, PartnerRef, PartnerRole, PartnerSummary,
};

use crate::domain::partner::is_current;
use crate::entities::{partners, users};
use crate::markdown;

fn current_certifications(p: &partners::Model, today: NaiveDate) -> Vec<Certification> {
    p.certifications
        .0
        .iter()
        .filter(|c| is_current(c, today))
        .cloned()
        .collect()
}

/// A partner as its listings show it; certifications count while current on `today`.
pub fn partner_ref(p: &partners::Model, today: NaiveDate) -> PartnerRef {
    PartnerRef {
        slug: p.slug.clone(),
        name: p.name.clone(),
        tier: p.tier,
        certified: !current_certifications(p, today).is_empty(),
        verified: p.verified_domain.is_some(),
    }
}

pub fn partner_summary(p: &partners::Model, today: NaiveDate) -> PartnerSummary {
    PartnerSummary {
        slug: p.slug.clone(),
        name: p.name.clone(),
        logo_url: p.logo_url.clone(),
        tier: p.tier,
        status: p.status,
        certified: !current_certifications(p, today).is_empty(),
        verified: p.verified_domain.is_some(),
    }
}

pub fn partner(p: &partners::Model, published_listing_count: i64, today: NaiveDate) -> Partner {
    Partner {
        slug: p.slug.clone(),
        name: p.name.clone(),
        website: p.website.clone(),
        logo_url: p.logo_url.clone(),
        description: p.description.clone(),
        description_html: markdown::render(&p.description),
        motions: p.motions.0.clone(),
        regions: p.regions.0.clone(),
        tier: p.tier,
        certifications: current_certifications(p, today),
        status: p.status,
        verified: p.verified_domain.is_some(),
        verified_domain: p.verified_domain.clone(),
        published_listing_count,
        created_at: p.created_at,
        updated_at: p.updated_at,
    }
}

pub fn member(u: &users::Model, role: PartnerRole, added_at: chrono::DateTime<Utc>) -> Member {
    Member {
        user_id: u.id,
        email: u.email.clone(),
        display_name: u.display_name.clone(),
        role,
        added_at,
    }
}
