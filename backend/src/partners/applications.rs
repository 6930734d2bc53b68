//! Applying to become a partner.

use mercato_shared::api::partners::{
    Partner, PartnerApplication, PartnerRole, PartnerStatus, Tier,
};
use mercato_shared::ErrorCode;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set, TransactionTrait};

use super::log_status;
use crate::auth::CurrentUser;
use crate::domain::partner as rules;
use crate::entities::json::{Certifications, Motions, Regions};
use crate::entities::{partner_members, partners};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::{store, views};

fn slug_taken() -> ApiError {
    ApiError::Conflict {
        code: ErrorCode::SlugTaken,
        detail: "another partner uses this slug".into(),
        field: Some("slug"),
    }
}

/// Applies to become a partner. The applicant becomes the partner's first admin; the partner
/// is `applied` until a marketplace admin approves it.
pub async fn apply(
    state: &AppState,
    user: &CurrentUser,
    req: PartnerApplication,
) -> ApiResult<Partner> {
    let app = rules::parse_application(req).map_err(ApiError::Validation)?;
    let now = state.settings.clock.now();
    let txn = state.db.write.begin().await?;
    if partners::Entity::find()
        .filter(partners::Column::Slug.eq(app.slug.as_str()))
        .one(&txn)
        .await?
        .is_some()
    {
        return Err(slug_taken());
    }
    let partner = partners::ActiveModel {
        slug: Set(app.slug.into_inner()),
        name: Set(app.name),
        website: Set(Some(app.website.into_inner())),
        logo_url: Set(app.logo_url.map(|u| u.into_inner())),
        description: Set(app.description),
        motions: Set(Motions(app.motions)),
        regions: Set(Regions(app.regions)),
        tier: Set(Tier::Registered),
        certifications: Set(Certifications::default()),
        status: Set(PartnerStatus::Applied),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await
    .map_err(store::taken_as(slug_taken))?;
    partner_members::ActiveModel {
        partner_id: Set(partner.id),
        user_id: Set(user.id),
        role: Set(PartnerRole::Admin),
        created_at: Set(now),
    }
    .insert(&txn)
    .await?;
    log_status(&txn, now, &partner, None, user, None).await?;
    txn.commit().await?;
    tracing::info!(partner = %partner.slug, user_id = user.id, "partner applied");
    // A new partner has no listings.
    Ok(views::partner(&partner, 0, state.settings.clock.today()))
}
