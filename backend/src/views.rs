//! Conversions from stored rows to the API's response types. Entities never leave the server
//! as they are: every response is built here, explicitly.

use chrono::{NaiveDate, Utc};
use mercato_shared::api::audit::{AuditAction, AuditEntry, AuditSubjectKind};
use mercato_shared::api::auth::{Me, Membership, UserSummary};
use mercato_shared::api::categories::Category;
use mercato_shared::api::domain_verification::{
    CheckFailure, DomainCheck, DomainVerification, VerificationState,
};
use mercato_shared::api::listings::{
    CategoryRef, Listing, ListingStatus, ListingSummary, ManagedListing, Revision, RevisionState,
};
use mercato_shared::api::partners::{
    Certification, Member, Partner, PartnerRef, PartnerRole, PartnerStatus, PartnerSummary, Tier,
};

use crate::domain::listing::content_of_row;
use crate::domain::partner::is_current;
use crate::entities::{
    audit_log, categories, domain_verifications, listing_revisions, listings, partners, users,
};
use crate::markdown;

/// The average rating of a listing's visible reviews (0 without reviews).
pub fn rating(l: &listings::Model) -> f64 {
    if l.review_count > 0 {
        (l.rating_sum as f64 / l.review_count as f64 * 100.0).round() / 100.0
    } else {
        0.0
    }
}

pub fn tier(p: &partners::Model) -> Tier {
    p.tier
}

pub fn partner_status(p: &partners::Model) -> PartnerStatus {
    p.status
}

pub fn listing_status(l: &listings::Model) -> ListingStatus {
    l.status
}

pub fn revision_state(r: &listing_revisions::Model) -> RevisionState {
    r.state
}

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
        tier: tier(p),
        certified: !current_certifications(p, today).is_empty(),
        verified: p.verified_domain.is_some(),
    }
}

pub fn partner_summary(p: &partners::Model, today: NaiveDate) -> PartnerSummary {
    PartnerSummary {
        slug: p.slug.clone(),
        name: p.name.clone(),
        logo_url: p.logo_url.clone(),
        tier: tier(p),
        status: partner_status(p),
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
        tier: tier(p),
        certifications: current_certifications(p, today),
        status: partner_status(p),
        verified: p.verified_domain.is_some(),
        verified_domain: p.verified_domain.clone(),
        published_listing_count,
        created_at: p.created_at,
        updated_at: p.updated_at,
    }
}

pub fn listing(
    l: &listings::Model,
    p: &partners::Model,
    categories: Vec<CategoryRef>,
    today: NaiveDate,
) -> Listing {
    Listing {
        slug: l.slug.clone(),
        partner: partner_ref(p, today),
        name: l.name.clone(),
        tagline: l.tagline.clone(),
        description: l.description.clone(),
        description_html: markdown::render(&l.description),
        categories,
        use_cases: l.use_cases.0.clone(),
        screenshots: l.screenshots.0.clone(),
        video_url: l.video_url.clone(),
        install_url: l.install_url.clone(),
        pricing: mercato_shared::api::listings::Pricing {
            model: l.pricing_model,
            details: l.pricing_details.clone(),
        },
        support_url: l.support_url.clone(),
        documentation_url: l.documentation_url.clone(),
        privacy_policy_url: l.privacy_policy_url.clone(),
        badges: l.badges.0.clone(),
        monthly_installs: l.monthly_installs,
        active_installs: l.active_installs,
        rating: rating(l),
        review_count: l.review_count,
        published_at: l.published_at,
        updated_at: l.updated_at,
    }
}

pub fn listing_summary(
    l: &listings::Model,
    p: &partners::Model,
    categories: Vec<String>,
    today: NaiveDate,
) -> ListingSummary {
    ListingSummary {
        slug: l.slug.clone(),
        name: l.name.clone(),
        tagline: l.tagline.clone(),
        partner: partner_ref(p, today),
        categories,
        pricing: l.pricing_model,
        badges: l.badges.0.clone(),
        monthly_installs: l.monthly_installs,
        active_installs: l.active_installs,
        rating: rating(l),
        review_count: l.review_count,
        status: listing_status(l),
    }
}

pub fn revision(r: &listing_revisions::Model) -> Revision {
    Revision {
        number: r.number,
        state: revision_state(r),
        content: r.content.0.clone(),
        review_note: r.review_note.clone(),
        submitted_at: r.submitted_at,
        created_at: r.created_at,
        updated_at: r.updated_at,
    }
}

pub fn managed_listing(
    l: &listings::Model,
    p: &partners::Model,
    category_slugs: Vec<String>,
    pending: Option<&listing_revisions::Model>,
    today: NaiveDate,
) -> ManagedListing {
    let status = listing_status(l);
    ManagedListing {
        slug: l.slug.clone(),
        partner: partner_ref(p, today),
        status,
        content: content_of_row(l, category_slugs),
        badges: l.badges.0.clone(),
        pending_revision: pending.map(revision),
        review_note: (status == ListingStatus::ChangesRequested)
            .then(|| l.review_note.clone())
            .flatten(),
        published_at: l.published_at,
        created_at: l.created_at,
        updated_at: l.updated_at,
    }
}

pub fn category(c: &categories::Model, listing_count: i64) -> Category {
    Category {
        slug: c.slug.clone(),
        name: c.name.clone(),
        description: c.description.clone(),
        listing_count,
    }
}

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

pub fn member(u: &users::Model, role: PartnerRole, added_at: chrono::DateTime<Utc>) -> Member {
    Member {
        user_id: u.id,
        email: u.email.clone(),
        display_name: u.display_name.clone(),
        role,
        added_at,
    }
}

/// An audit log entry, with its actor's current name; `None` for an action or subject kind
/// this version does not know (written by a newer one).
pub fn audit_entry(e: &audit_log::Model, actor_name: Option<String>) -> Option<AuditEntry> {
    Some(AuditEntry {
        id: e.id,
        at: e.at,
        actor_id: e.actor_id,
        actor_name,
        action: AuditAction::parse(&e.action)?,
        subject_kind: AuditSubjectKind::parse(&e.subject_kind)?,
        subject: e.subject.clone(),
        details: serde_json::from_str(&e.details).unwrap_or_default(),
        ip: e.ip.clone(),
    })
}

/// A partner's domain verification with the instructions for its proof (`row`: none before a
/// token is issued).
pub fn domain_verification(
    p: &partners::Model,
    row: Option<&domain_verifications::Model>,
    checker: &crate::verification::Checker,
) -> DomainVerification {
    use crate::verification;
    let Some(row) = row else {
        return DomainVerification {
            state: VerificationState::NotStarted,
            domain: p.website.as_deref().and_then(verification::domain_of),
            method: None,
            token: None,
            file_url: None,
            file_content: None,
            txt_name: None,
            txt_value: None,
            verified_at: None,
            lapsed_at: None,
            next_check_at: None,
            consecutive_failures: 0,
            last_check: None,
        };
    };
    let method = row.method;
    let state = if verification::is_verified(p, row) {
        VerificationState::Verified
    } else if row.lapsed_at.is_some() {
        VerificationState::Lapsed
    } else {
        VerificationState::Pending
    };
    let last_check = row.last_checked_at.map(|at| {
        let failure = row.last_result.as_deref().and_then(CheckFailure::parse);
        DomainCheck {
            at,
            method,
            ok: failure.is_none(),
            failure,
            detail: row.last_detail.clone().unwrap_or_default(),
        }
    });
    DomainVerification {
        state,
        domain: Some(row.domain.clone()),
        method: Some(method),
        token: Some(row.token.clone()),
        file_url: Some(checker.file_url(&row.domain)),
        file_content: Some(format!("{}\n", row.token)),
        txt_name: Some(verification::txt_name(&row.domain)),
        txt_value: Some(row.token.clone()),
        verified_at: row.verified_at,
        lapsed_at: row.lapsed_at,
        next_check_at: row.next_check_at,
        consecutive_failures: row.consecutive_failures,
        last_check,
    }
}
