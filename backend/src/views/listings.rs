//! Listings as the public, the partner's members and the reviewers see them.

use chrono::NaiveDate;
use mercato_shared::api::listings::{
    CategoryRef, Listing, ListingStatus, ListingSummary, ManagedListing, ReviewQueueItem, Revision,
};

use super::partners::partner_ref;
use crate::domain::listing::content_of_row;
use crate::entities::{listing_revisions, listings, partners};
use crate::markdown;

/// The average rating of a listing's visible reviews (0 without reviews).
pub fn rating(l: &listings::Model) -> f64 {
    if l.review_count > 0 {
        (l.rating_sum as f64 / l.review_count as f64 * 100.0).round() / 100.0
    } else {
        0.0
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
        // Cards show words, not Markdown.
        tagline: markdown::plain_text(&l.tagline),
        partner: partner_ref(p, today),
        categories,
        pricing: l.pricing_model,
        badges: l.badges.0.clone(),
        monthly_installs: l.monthly_installs,
        active_installs: l.active_installs,
        rating: rating(l),
        review_count: l.review_count,
        status: l.status,
    }
}

pub fn revision(r: &listing_revisions::Model) -> Revision {
    Revision {
        number: r.number,
        state: r.state,
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
    let status = l.status;
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

/// A listing waiting for review: new (never published), or resubmitted after its publication.
pub fn queued_listing(
    l: &listings::Model,
    p: &partners::Model,
    today: NaiveDate,
) -> ReviewQueueItem {
    ReviewQueueItem {
        listing_slug: l.slug.clone(),
        listing_name: l.name.clone(),
        partner: partner_ref(p, today),
        kind: if l.published_at.is_some() {
            "resubmission"
        } else {
            "new_listing"
        }
        .into(),
        revision_number: None,
        submitted_at: l.submitted_at.unwrap_or(l.updated_at),
    }
}

/// A published listing's revision waiting for review, under the name it would take.
pub fn queued_revision(
    r: &listing_revisions::Model,
    l: &listings::Model,
    p: &partners::Model,
    today: NaiveDate,
) -> ReviewQueueItem {
    ReviewQueueItem {
        listing_slug: l.slug.clone(),
        listing_name: r.content.0.name.clone(),
        partner: partner_ref(p, today),
        kind: "revision".into(),
        revision_number: Some(r.number),
        submitted_at: r.submitted_at.unwrap_or(r.updated_at),
    }
}
