use std::collections::HashMap;

use mercato_shared::FieldError;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

use crate::entities::categories;
use crate::error::{ApiError, ApiResult};

pub async fn by_slug(db: &impl ConnectionTrait, slug: &str) -> ApiResult<categories::Model> {
    categories::Entity::find()
        .filter(categories::Column::Slug.eq(slug))
        .one(db)
        .await?
        .ok_or(ApiError::NotFound("category"))
}

/// The ids of the given category slugs, in order; each unknown slug is a field error
/// (`categories[i]`).
pub async fn resolve(db: &impl ConnectionTrait, slugs: &[String]) -> ApiResult<Vec<i64>> {
    if slugs.is_empty() {
        return Ok(Vec::new());
    }
    let found: HashMap<String, i64> = categories::Entity::find()
        .filter(categories::Column::Slug.is_in(slugs.iter().cloned()))
        .all(db)
        .await?
        .into_iter()
        .map(|c| (c.slug, c.id))
        .collect();
    let mut ids = Vec::with_capacity(slugs.len());
    let mut errors = Vec::new();
    for (i, slug) in slugs.iter().enumerate() {
        match found.get(slug) {
            Some(id) => ids.push(*id),
            None => errors.push(FieldError {
                field: format!("categories[{i}]"),
                code: "unknown_category".into(),
                message: format!("there is no category `{slug}`"),
            }),
        }
    }
    if errors.is_empty() {
        Ok(ids)
    } else {
        Err(ApiError::Validation(errors))
    }
}
