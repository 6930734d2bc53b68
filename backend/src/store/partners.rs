use mercato_shared::api::listings::ListingStatus;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter};

use crate::entities::{listings, partners};
use crate::error::{ApiError, ApiResult};

pub async fn by_slug(db: &impl ConnectionTrait, slug: &str) -> ApiResult<partners::Model> {
    partners::Entity::find()
        .filter(partners::Column::Slug.eq(slug))
        .one(db)
        .await?
        .ok_or(ApiError::NotFound("partner"))
}

pub async fn published_listing_count(db: &impl ConnectionTrait, partner_id: i64) -> ApiResult<i64> {
    Ok(listings::Entity::find()
        .filter(listings::Column::PartnerId.eq(partner_id))
        .filter(listings::Column::Status.eq(ListingStatus::Published))
        .count(db)
        .await? as i64)
}
