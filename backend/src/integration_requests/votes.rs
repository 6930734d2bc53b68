//! Asking for an integration and voting for one (anyone, once per account or email; the API
//! and the requests page alike), with a per-address hourly limit.

use chrono::Duration;
use mercato_shared::api::integration_requests::{
    CreateIntegrationRequest, IntegrationRequest, RequestStatus, Vote,
};
use mercato_shared::validate::{self, Email, Invalid, Validator};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, TransactionTrait};

use crate::auth::CurrentUser;
use crate::domain::company::parse_domain;
use crate::entities::{integration_request_votes as votes, integration_requests as requests};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::store;
use crate::store::integration_requests::Voter;

/// Votes (and requests) one address may cast per hour.
const VOTES_PER_ADDRESS_PER_HOUR: u64 = 30;

/// Asks for an integration from the client whose address hashes to `ip_hash`: a new open
/// request (`true`), or a vote for the open request for the same tool (`false`).
pub async fn ask(
    state: &AppState,
    user: Option<&CurrentUser>,
    body: CreateIntegrationRequest,
    ip_hash: String,
) -> ApiResult<(IntegrationRequest, bool)> {
    let mut v = Validator::new();
    let tool = v.check("tool", validate::line(&body.tool, 1, 100));
    let use_case = v.check("use_case", validate::text(&body.use_case, 1, 2000));
    let voter = voter(&mut v, &body.vote, user, "vote.");
    let (tool, use_case, voter) = v
        .finish(|| Some((tool?, use_case?, voter?)))
        .map_err(ApiError::Validation)?;
    check_rate(state, &ip_hash).await?;
    let now = state.settings.clock.now();
    let txn = state.db.write.begin().await?;
    let existing = requests::Entity::find()
        .filter(requests::Column::ToolKey.eq(store::integration_requests::tool_key(&tool)))
        .filter(requests::Column::Status.eq(RequestStatus::Open))
        .one(&txn)
        .await?;
    let (request, created) = match existing {
        Some(r) => (r, false),
        None => (
            store::integration_requests::open(&txn, tool, use_case, user.map(|u| u.id), now)
                .await?,
            true,
        ),
    };
    let request = store::integration_requests::cast(&txn, &request, voter, ip_hash, now).await?;
    txn.commit().await?;
    Ok((super::shown(&state.db.write, &request).await?, created))
}

/// Votes for open request `id` from the client whose address hashes to `ip_hash`.
pub async fn vote_for(
    state: &AppState,
    user: Option<&CurrentUser>,
    id: i64,
    body: Vote,
    ip_hash: String,
) -> ApiResult<IntegrationRequest> {
    let mut v = Validator::new();
    let voter = voter(&mut v, &body, user, "");
    let voter = v.finish(|| voter).map_err(ApiError::Validation)?;
    check_rate(state, &ip_hash).await?;
    let txn = state.db.write.begin().await?;
    let request = super::open_request(&txn, id, "vote for").await?;
    let request = store::integration_requests::cast(
        &txn,
        &request,
        voter,
        ip_hash,
        state.settings.clock.now(),
    )
    .await?;
    txn.commit().await?;
    super::shown(&state.db.write, &request).await
}

/// The voter of `vote` (fields named with `prefix`): the email given, or the signed-in
/// account's; with consent, the contact it may become needs a name, company and domain.
fn voter(
    v: &mut Validator,
    vote: &Vote,
    user: Option<&CurrentUser>,
    prefix: &str,
) -> Option<Voter> {
    let field = |name: &str| format!("{prefix}{name}");
    let email = match (&vote.email, user) {
        (Some(e), _) => v
            .check(field("email"), Email::parse(e))
            .map(|e| e.as_str().to_string()),
        (None, Some(u)) => Some(u.email.clone()),
        (None, None) => {
            v.push(
                field("email"),
                Invalid::new("required", "an email, or sign in"),
            );
            None
        }
    };
    let optional_line = |v: &mut Validator, name: &str, value: &Option<String>| {
        v.check_opt(
            field(name),
            value.clone().filter(|s| !s.trim().is_empty()),
            |s| validate::line(&s, 1, 200),
        )
    };
    let contact_name = optional_line(v, "contact_name", &vote.contact_name);
    let company_name = optional_line(v, "company_name", &vote.company_name);
    let company_domain = v.check_opt(
        field("company_domain"),
        vote.company_domain.clone().filter(|s| !s.trim().is_empty()),
        |d| parse_domain(&d),
    );
    if vote.consent {
        // A lead needs someone to contact at a company.
        for (name, given) in [
            ("contact_name", &contact_name),
            ("company_name", &company_name),
        ] {
            if matches!(given, Some(None)) {
                v.push(
                    field(name),
                    Invalid::new("required", "needed to be introduced"),
                );
            }
        }
        if matches!(company_domain, Some(None)) {
            v.push(
                field("company_domain"),
                Invalid::new("required", "needed to be introduced"),
            );
        }
    }
    let email = email?;
    Some(Voter {
        key: match user {
            Some(u) if vote.email.is_none() => format!("user:{}", u.id),
            _ => format!("email:{email}"),
        },
        user_id: user.map(|u| u.id),
        email,
        contact_name: contact_name.flatten(),
        company_name: company_name.flatten(),
        company_domain: company_domain.flatten(),
        consent: vote.consent,
    })
}

/// 429 once the address cast its hourly share of votes.
async fn check_rate(state: &AppState, ip_hash: &str) -> ApiResult<()> {
    let recent = votes::Entity::find()
        .filter(votes::Column::IpHash.eq(ip_hash))
        .filter(votes::Column::CreatedAt.gt(state.settings.clock.now() - Duration::hours(1)))
        .count(&state.db.read)
        .await?;
    if recent >= VOTES_PER_ADDRESS_PER_HOUR {
        return Err(ApiError::rate_limited("votes", "address"));
    }
    Ok(())
}
