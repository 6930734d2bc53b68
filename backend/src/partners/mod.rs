//! Partners, the use cases behind their routes: applying (`applications`), the directory and
//! the profile (`profile`), marketplace admins' approval and suspension (`status`), the
//! partner program's tier and certifications (`program`), and the people of a partner
//! (`members`).

pub mod applications;
pub mod members;
pub mod profile;
pub mod program;
pub mod status;

use chrono::{DateTime, NaiveDate, Utc};
use mercato_shared::api::partners::{Partner, PartnerStatus};
use sea_orm::ConnectionTrait;

use crate::auth::CurrentUser;
use crate::entities::partners;
use crate::error::ApiResult;
use crate::store::status_log;
use crate::{store, views};

/// A partner as the API shows it, with its number of published listings.
async fn shown(
    db: &impl ConnectionTrait,
    partner: &partners::Model,
    today: NaiveDate,
) -> ApiResult<Partner> {
    let count = store::partners::published_listing_count(db, partner.id).await?;
    Ok(views::partner(partner, count, today))
}

/// Records, in the status log, a partner's move to `to` (from nothing when it applied).
async fn log_status(
    db: &impl ConnectionTrait,
    at: DateTime<Utc>,
    partner: &partners::Model,
    from: Option<PartnerStatus>,
    actor: &CurrentUser,
    note: Option<&str>,
) -> ApiResult<()> {
    status_log::record(
        db,
        at,
        status_log::Change {
            subject: status_log::Subject::Partner {
                partner_id: partner.id,
            },
            from: from.map(|s| s.as_str()),
            to: partner.status.as_str(),
            actor_id: Some(actor.id),
            note,
        },
    )
    .await
}
