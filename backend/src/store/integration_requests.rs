//! Integration requests and their votes: the writes the routes, the requests page and the demo
//! seed share, each in the caller's transaction.

use chrono::{DateTime, Utc};
use mercato_shared::api::integration_requests::RequestStatus;
use mercato_shared::api::leads::LeadKind;
use mercato_shared::ErrorCode;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter,
    QueryOrder, Set,
};

use crate::entities::{
    integration_request_votes as votes, integration_requests as requests, listings,
};
use crate::error::{ApiError, ApiResult};

/// A vote, validated: who, and the contact it may become.
pub struct Voter {
    /// `user:<id>` or `email:<address>`: one vote per key and request.
    pub key: String,
    pub user_id: Option<i64>,
    pub email: String,
    pub contact_name: Option<String>,
    pub company_name: Option<String>,
    pub company_domain: Option<String>,
    pub consent: bool,
}

/// The tool's name folded, so "Pipe  Drive" and "pipe drive" are one request.
pub fn tool_key(tool: &str) -> String {
    tool.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// A new open request without votes yet.
pub async fn open(
    db: &impl ConnectionTrait,
    tool: String,
    use_case: String,
    created_by: Option<i64>,
    at: DateTime<Utc>,
) -> ApiResult<requests::Model> {
    Ok(requests::ActiveModel {
        tool_key: Set(tool_key(&tool)),
        tool: Set(tool),
        use_case: Set(use_case),
        votes: Set(0),
        status: Set(RequestStatus::Open),
        listing_id: Set(None),
        created_by: Set(created_by),
        created_at: Set(at),
        shipped_at: Set(None),
        ..Default::default()
    }
    .insert(db)
    .await?)
}

/// Adds `voter`'s vote to request `r` (409 `already_voted` for a second one); returns the
/// request with its new count.
pub async fn cast(
    db: &impl ConnectionTrait,
    r: &requests::Model,
    voter: Voter,
    ip_hash: String,
    at: DateTime<Utc>,
) -> ApiResult<requests::Model> {
    let inserted = votes::ActiveModel {
        request_id: Set(r.id),
        voter_key: Set(voter.key),
        user_id: Set(voter.user_id),
        email: Set(voter.email),
        contact_name: Set(voter.contact_name),
        company_name: Set(voter.company_name),
        company_domain: Set(voter.company_domain),
        consent: Set(voter.consent),
        ip_hash: Set(ip_hash),
        lead_id: Set(None),
        created_at: Set(at),
        ..Default::default()
    }
    .insert(db)
    .await;
    if let Err(e) = inserted {
        return Err(if super::is_unique_violation(&e) {
            ApiError::Conflict {
                code: ErrorCode::AlreadyVoted,
                detail: "this person has already voted for this integration".into(),
                field: None,
            }
        } else {
            e.into()
        });
    }
    requests::Entity::update_many()
        .col_expr(
            requests::Column::Votes,
            Expr::col(requests::Column::Votes).add(1),
        )
        .filter(requests::Column::Id.eq(r.id))
        .exec(db)
        .await?;
    requests::Entity::find_by_id(r.id)
        .one(db)
        .await?
        .ok_or(ApiError::NotFound("integration request"))
}

/// Links open request `request` to the listing that now does it, at `at`: the request is
/// shipped, and each consenting voter becomes an introduction lead for the listing's partner
/// (routed through `leads::submit`). Returns the request and how many leads were made.
pub async fn ship(
    db: &impl ConnectionTrait,
    request: requests::Model,
    listing: &listings::Model,
    category: Option<String>,
    at: DateTime<Utc>,
) -> ApiResult<(requests::Model, usize)> {
    let consenting = votes::Entity::find()
        .filter(votes::Column::RequestId.eq(request.id))
        .filter(votes::Column::Consent.eq(true))
        .order_by_asc(votes::Column::Id)
        .all(db)
        .await?;
    let mut leads_created = 0;
    for vote in consenting {
        let (Some(contact_name), Some(company_name), Some(company_domain)) = (
            vote.contact_name.clone(),
            vote.company_name.clone(),
            vote.company_domain.clone(),
        ) else {
            continue;
        };
        let (lead, _) = crate::leads::submit(
            db,
            crate::leads::NewLead {
                kind: LeadKind::Intro,
                listing_id: Some(listing.id),
                category: category.clone(),
                region: None,
                contact_name,
                email: vote.email.clone(),
                company_name,
                company_domain,
                message: format!(
                    "Voted for the {} integration: {}",
                    request.tool, request.use_case
                ),
                submitted_by: vote.user_id,
                ip_hash: vote.ip_hash.clone(),
            },
            at,
        )
        .await?;
        let mut row = vote.into_active_model();
        row.lead_id = Set(Some(lead.id));
        row.update(db).await?;
        leads_created += 1;
    }
    let mut row = request.into_active_model();
    row.status = Set(RequestStatus::Shipped);
    row.listing_id = Set(Some(listing.id));
    row.shipped_at = Set(Some(at));
    Ok((row.update(db).await?, leads_created))
}
