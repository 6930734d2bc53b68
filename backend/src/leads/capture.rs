//! Capturing a lead from the marketplace (the API and the listing page's contact form alike):
//! validated, rate-limited, merged into the same contact's lead of the day or stored and
//! assigned at once.

use chrono::Duration;
use mercato_shared::api::leads::{CreateLead, LeadKind, LeadReceipt, LeadStatus};
use mercato_shared::validate::{self, Email, Invalid, Validator};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, PaginatorTrait, QueryFilter,
    QueryOrder, Set, TransactionTrait,
};

use super::NewLead;
use crate::auth::CurrentUser;
use crate::domain::company::parse_domain;
use crate::entities::{categories, leads, listings, partners};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::store;

/// Leads one email may submit per hour (per address: `Settings::leads_per_address_per_hour`).
const PER_EMAIL_PER_HOUR: u64 = 5;
const MESSAGE_MAX: usize = 5000;
/// A merged lead's message stops growing here.
const MERGED_MESSAGE_MAX: usize = 20_000;

/// Validates, rate-limits, merges or stores and assigns a lead sent from the client whose
/// address hashes to `ip_hash` (signed in or not).
pub async fn capture(
    state: &AppState,
    user: Option<&CurrentUser>,
    body: CreateLead,
    ip_hash: String,
) -> ApiResult<LeadReceipt> {
    // Bots fill every field; people never see this one. They get an answer that looks the same.
    if body.website.as_ref().is_some_and(|w| !w.trim().is_empty()) {
        return Ok(LeadReceipt {
            id: 0,
            status: LeadStatus::Routed,
            partner_name: None,
            merged: false,
        });
    }
    let (valid, listing) = validated(state, user, body, ip_hash).await?;
    let db = &state.db.read;
    let now = state.settings.clock.now();
    let hour_ago = now - Duration::hours(1);
    let from_address = leads::Entity::find()
        .filter(leads::Column::IpHash.eq(valid.ip_hash.as_str()))
        .filter(leads::Column::CreatedAt.gt(hour_ago))
        .count(db)
        .await?;
    if from_address >= state.settings.leads_per_address_per_hour {
        return Err(ApiError::rate_limited("leads", "address"));
    }
    let from_email = leads::Entity::find()
        .filter(leads::Column::Email.eq(valid.email.as_str()))
        .filter(leads::Column::CreatedAt.gt(hour_ago))
        .count(db)
        .await?;
    if from_email >= PER_EMAIL_PER_HOUR {
        return Err(ApiError::rate_limited("leads", "email"));
    }

    let txn = state.db.write.begin().await?;
    let mut same = leads::Entity::find()
        .filter(leads::Column::Email.eq(valid.email.as_str()))
        .filter(leads::Column::Kind.eq(valid.kind))
        .filter(leads::Column::CreatedAt.gt(now - Duration::days(1)));
    same = match &listing {
        Some(l) => same.filter(leads::Column::ListingId.eq(l.id)),
        None => same.filter(leads::Column::ListingId.is_null()),
    };
    if let Some(earlier) = same
        .order_by_desc(leads::Column::CreatedAt)
        .one(&txn)
        .await?
    {
        let mut merged = earlier.clone().into_active_model();
        if earlier.message.len() + valid.message.len() < MERGED_MESSAGE_MAX {
            merged.message = Set(format!("{}\n\n---\n\n{}", earlier.message, valid.message));
        }
        merged.merged_count = Set(earlier.merged_count + 1);
        merged.updated_at = Set(now);
        let merged = merged.update(&txn).await?;
        txn.commit().await?;
        let partner_name = match merged.partner_id {
            Some(id) => partners::Entity::find_by_id(id)
                .one(&state.db.write)
                .await?
                .map(|p| p.name),
            None => None,
        };
        return Ok(LeadReceipt {
            id: merged.id,
            status: merged.status,
            partner_name,
            merged: true,
        });
    }

    let (lead, partner) = super::submit(&txn, valid, now).await?;
    txn.commit().await?;
    Ok(LeadReceipt {
        id: lead.id,
        status: lead.status,
        partner_name: partner.map(|p| p.name),
        merged: false,
    })
}

/// The lead as it would be stored (every field error at once), and its public listing.
async fn validated(
    state: &AppState,
    user: Option<&CurrentUser>,
    body: CreateLead,
    ip_hash: String,
) -> ApiResult<(NewLead, Option<listings::Model>)> {
    let db = &state.db.read;
    let mut v = Validator::new();
    let contact_name = v.check("contact_name", validate::line(&body.contact_name, 1, 200));
    let email = v.check("email", Email::parse(&body.email));
    let company_name = v.check("company_name", validate::line(&body.company_name, 1, 200));
    let company_domain = v.check("company_domain", parse_domain(&body.company_domain));
    let message = v.check("message", validate::text(&body.message, 1, MESSAGE_MAX));
    if !body.consent {
        v.push(
            "consent",
            Invalid::new(
                "required",
                "the contact must agree to be contacted by the partner",
            ),
        );
    }
    let mut listing = None;
    if let Some(slug) = &body.listing {
        match store::listings::public_by_slug(db, slug).await? {
            Some(l) => listing = Some(l),
            None => v.push(
                "listing",
                Invalid::new("unknown_listing", "no published listing has this slug"),
            ),
        }
    } else if body.kind == LeadKind::Intro {
        v.push(
            "listing",
            Invalid::new("required", "an introduction is to a listing's partner"),
        );
    }
    let mut category = None;
    if let Some(c) = &body.category {
        let known = categories::Entity::find()
            .filter(categories::Column::Slug.eq(c.as_str()))
            .one(db)
            .await?;
        match known {
            Some(c) => category = Some(c.slug),
            None => v.push(
                "category",
                Invalid::new("unknown_category", "no category has this slug"),
            ),
        }
    }
    let (contact_name, email, company_name, company_domain, message) = v
        .finish(|| {
            Some((
                contact_name?,
                email?,
                company_name?,
                company_domain?,
                message?,
            ))
        })
        .map_err(ApiError::Validation)?;
    if category.is_none() {
        if let Some(l) = &listing {
            category = store::listings::category_slugs(db, l.id)
                .await?
                .into_iter()
                .next();
        }
    }
    let lead = NewLead {
        kind: body.kind,
        listing_id: listing.as_ref().map(|l| l.id),
        category,
        region: body.region,
        contact_name,
        email: email.into_inner(),
        company_name,
        company_domain,
        message,
        submitted_by: user.map(|u| u.id),
        ip_hash,
    };
    Ok((lead, listing))
}
